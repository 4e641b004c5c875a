// The node's scheduled self-audit (audit/scheduler.h): a run at startup over a snapshot of the
// live ledger, runs after every N committed blocks, the FAILED result of a tampered store with
// its check, an audit that could not run, a disabled schedule, and a stop in the middle.
#include <doctest/doctest.h>
#include <leveldb/db.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "shanliu/audit/scheduler.h"
#include "shanliu/bytes.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TempDir;
using shanliu::testing::TestChain;
using shanliu::testing::TestKey;

namespace {

// A charity with a project and `blocks` blocks of donations.
struct Chain {
  explicit Chain(int blocks) {
    REQUIRE(chain.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, sunshine).ok());
    REQUIRE(chain.OpenProject("meals", "sunshine", sunshine).ok());
    Grow(blocks);
  }
  void Grow(int blocks) {
    for (int b = 0; b < blocks; ++b) {
      REQUIRE(chain.Commit(chain.DonationTx("project:meals", 1'000 + b, chain.bank, "bank-1")).ok());
    }
  }
  audit::AuditScheduler::SourceFactory LiveSource() {
    return [this]() -> Result<std::unique_ptr<audit::BlockSource>> {
      return audit::OpenLedgerSource(chain.ledger().Read());
    };
  }
  TestChain chain;
  crypto::KeyPair sunshine = TestKey("sunshine");
};

audit::AuditSchedule Schedule(std::uint64_t every_blocks) {
  audit::AuditSchedule s;
  s.every_blocks = every_blocks;
  s.every_ms = 0;  // runs are driven by blocks and requests only, never by the clock
  s.low_priority = false;
  return s;
}

std::uint64_t FixedClock() { return 1'767'300'000'000; }

}  // namespace

TEST_CASE("the node's audit runs at startup over its own ledger and again after every N blocks") {
  Chain c(3);
  const std::uint64_t start_height = c.chain.ledger().height();
  audit::AuditScheduler scheduler(c.chain.genesis(), c.LiveSource(), Schedule(4), FixedClock);
  CHECK_FALSE(scheduler.State().last.has_value());
  scheduler.NotifyCommitted(start_height);
  scheduler.Start();
  REQUIRE(scheduler.WaitForRuns(1));
  audit::AuditState state = scheduler.State();
  CHECK(state.enabled);
  CHECK(state.runs == 1);
  REQUIRE(state.last.has_value());
  REQUIRE(state.last->report.has_value());
  CHECK(state.last->report->ok());
  CHECK(state.last->report->source_head_height == start_height);
  CHECK(state.last->report->blocks_checked == start_height);
  CHECK(state.last->started_ms == FixedClock());
  CHECK(state.last->report->source.find("this node's ledger") != std::string::npos);

  // Three more blocks are not yet four: no run. The fourth is.
  c.Grow(3);
  scheduler.NotifyCommitted(c.chain.ledger().height());
  c.Grow(1);
  scheduler.NotifyCommitted(c.chain.ledger().height());
  REQUIRE(scheduler.WaitForRuns(2));
  state = scheduler.State();
  CHECK(state.runs == 2);
  REQUIRE(state.last->report.has_value());
  CHECK(state.last->report->ok());
  CHECK(state.last->report->source_head_height == start_height + 4);
  CHECK(state.last->report->head_height == start_height + 4);
  scheduler.Stop();
  CHECK(scheduler.State().runs == 2);  // nothing ran after the second trigger
}

TEST_CASE("blocks committed while an audit runs are not in it: it audits its snapshot") {
  Chain c(2);
  auto view = c.chain.ledger().Read();
  const std::uint64_t snapshot_height = view->head().height();
  c.Grow(2);
  auto source = audit::OpenLedgerSource(view);
  auto head = source->HeadHeight();
  REQUIRE(head.ok());
  CHECK(*head == snapshot_height);
  auto blocks = source->Fetch(snapshot_height, 10);
  REQUIRE(blocks.ok());
  CHECK(blocks->size() == 1);  // the snapshot's head, nothing newer
  auto above = source->Fetch(snapshot_height + 1, 10);
  CHECK(above.status().code() == audit::kBlockMissing);
}

TEST_CASE("a tampered store makes the node's audit FAILED with the check that caught it") {
  Chain c(4);
  TempDir copies;
  const auto copy = copies.path() / "data";
  std::filesystem::copy(c.chain.dir(), copy, std::filesystem::copy_options::recursive);
  {
    leveldb::DB* raw = nullptr;
    REQUIRE(leveldb::DB::Open(leveldb::Options(), (copy / "ledger").string(), &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    Bytes key_bytes;
    AppendU64(key_bytes, 3);
    const std::string key = "B/" + ToString(key_bytes);
    std::string bytes;
    REQUIRE(db->Get(leveldb::ReadOptions(), key, &bytes).ok());
    pb::StoredBlock block;
    REQUIRE(block.ParseFromString(bytes));
    std::string root = block.header().state_root();
    root[0] = static_cast<char>(root[0] ^ 0x01);
    block.mutable_header()->set_state_root(root);
    REQUIRE(db->Put(leveldb::WriteOptions(), key, block.SerializeAsString()).ok());
  }
  audit::AuditScheduler scheduler(
      c.chain.genesis(), [&]() { return audit::OpenDataDirSource(copy); }, Schedule(0), FixedClock);
  scheduler.Start();
  REQUIRE(scheduler.WaitForRuns(1));
  const audit::AuditState state = scheduler.State();
  REQUIRE(state.last->report.has_value());
  REQUIRE(state.last->report->failure.has_value());
  CHECK(state.last->report->failure->height == 3);
  CHECK(state.last->report->failure->check == "commit_certificate");
  CHECK(state.last->error.ok());
}

// Issue 15: under load the startup audit can run late, after a disk went bad under the node; a
// checksum failure it meets must fail that run and reach the node's damage guard, never escape
// the audit thread (std::terminate, SIGABRT: what integration/store_repair's "live" step met).
TEST_CASE("damage the node's audit meets fails the run and is told to the node") {
  Chain c(40);  // tx records over several table blocks, so block 5's lies far from the head's and the log's
  const std::string tx = c.chain.ledger().Read()->CommittedBlockAt(5)->block().txs(0);
  c.chain.Close();
  TempDir copies;
  const auto copy = copies.path() / "data";
  std::filesystem::copy(c.chain.dir(), copy, std::filesystem::copy_options::recursive);
  {
    leveldb::DB* raw = nullptr;
    leveldb::Options uncompressed;  // as the ledger writes its tables
    uncompressed.compression = leveldb::kNoCompression;
    REQUIRE(leveldb::DB::Open(uncompressed, (copy / "ledger").string(), &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    db->CompactRange(nullptr, nullptr);  // every record into table files, where a flip is read
  }
  bool flipped = false;
  for (const auto& entry : std::filesystem::directory_iterator(copy / "ledger")) {
    if (entry.path().extension() != ".ldb") continue;
    std::fstream f(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(f)), {});
    const std::size_t at = bytes.find(tx);
    if (at == std::string::npos) continue;
    f.seekp(static_cast<std::streamoff>(at + tx.size() / 2));
    f.put(static_cast<char>(bytes[at + tx.size() / 2] ^ 0x5a));
    flipped = true;
  }
  REQUIRE_MESSAGE(flipped, "block 5's tx is stored verbatim in a table");
  ledger::LedgerOptions options;
  options.startup_sample_blocks = 0;  // open on the head alone, so the audit is the reader that meets it
  auto opened = ledger::Ledger::Open(copy, c.chain.genesis(), options);
  REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
  std::vector<std::string> told;
  audit::AuditScheduler scheduler(
      c.chain.genesis(),
      [&]() -> Result<std::unique_ptr<audit::BlockSource>> {
        return audit::OpenLedgerSource((*opened)->Read(),
                                       [&](const std::string& key, const std::string&) { told.push_back(key); });
      },
      Schedule(0), FixedClock);
  scheduler.Start();
  REQUIRE(scheduler.WaitForRuns(1));
  const audit::AuditState state = scheduler.State();
  REQUIRE(state.last.has_value());
  const bool failed_run = !state.last->error.ok() || (state.last->report && state.last->report->failure);
  CHECK(failed_run);
  const std::string said = state.last->error.ok() ? state.last->report->failure->message : state.last->error.ToString();
  CHECK_MESSAGE(said.find("checksum") != std::string::npos, said);
  REQUIRE(told.size() == 1);
  CHECK(told[0].rfind("L/", 0) == 0);
  scheduler.Stop();
}

TEST_CASE("an audit that cannot run is kept as an error, and a request runs it again") {
  Chain c(1);
  std::atomic<int> calls{0};
  audit::AuditScheduler scheduler(
      c.chain.genesis(),
      [&]() -> Result<std::unique_ptr<audit::BlockSource>> {
        ++calls;
        return Status::Error("io_error", "the disk is gone");
      },
      Schedule(0), FixedClock);
  scheduler.Start();
  REQUIRE(scheduler.WaitForRuns(1));
  audit::AuditState state = scheduler.State();
  REQUIRE(state.last.has_value());
  CHECK_FALSE(state.last->report.has_value());
  CHECK(state.last->error.code() == "io_error");
  scheduler.RequestRun();
  REQUIRE(scheduler.WaitForRuns(2));
  CHECK(calls.load() == 2);
}

TEST_CASE("a disabled schedule never audits, and without a startup run blocks count from the start height") {
  Chain c(2);
  std::atomic<int> calls{0};
  auto counting = [&]() -> Result<std::unique_ptr<audit::BlockSource>> {
    ++calls;
    return audit::OpenLedgerSource(c.chain.ledger().Read());
  };
  {
    audit::AuditSchedule off = Schedule(1);
    off.enabled = false;
    audit::AuditScheduler scheduler(c.chain.genesis(), counting, off, FixedClock);
    scheduler.Start();
    scheduler.NotifyCommitted(100);
    scheduler.Stop();
    CHECK_FALSE(scheduler.State().enabled);
    CHECK(scheduler.State().runs == 0);
    CHECK_FALSE(scheduler.WaitForRuns(1));  // stopped: returns at once
  }
  CHECK(calls.load() == 0);
  audit::AuditSchedule later = Schedule(10);
  later.at_startup = false;
  audit::AuditScheduler scheduler(c.chain.genesis(), counting, later, FixedClock);
  scheduler.NotifyCommitted(12);  // above every_blocks already: still not due, it counts from here
  scheduler.Start();
  scheduler.NotifyCommitted(21);  // 9 more: the boundary that does not run
  scheduler.RequestRun();         // a request does
  REQUIRE(scheduler.WaitForRuns(1));
  CHECK(calls.load() == 1);
  scheduler.Stop();
}

TEST_CASE("stopping the scheduler in the middle of an audit ends it without a result") {
  Chain c(6);
  std::atomic<bool> fetched{false};
  // A source that lets the test stop the scheduler while a run is between batches.
  class SlowSource final : public audit::BlockSource {
   public:
    SlowSource(std::unique_ptr<audit::BlockSource> inner, std::atomic<bool>& fetched)
        : inner_(std::move(inner)), fetched_(fetched) {}
    std::string Describe() const override { return inner_->Describe(); }
    Result<std::uint64_t> HeadHeight() override { return inner_->HeadHeight(); }
    Result<std::vector<pb::CommittedBlock>> Fetch(std::uint64_t from, std::uint64_t) override {
      fetched_.store(true);
      fetched_.notify_all();
      return inner_->Fetch(from, 1);  // one block per batch: many chances to stop
    }

   private:
    std::unique_ptr<audit::BlockSource> inner_;
    std::atomic<bool>& fetched_;
  };
  audit::AuditScheduler scheduler(
      c.chain.genesis(),
      [&]() -> Result<std::unique_ptr<audit::BlockSource>> {
        return std::unique_ptr<audit::BlockSource>(
            new SlowSource(audit::OpenLedgerSource(c.chain.ledger().Read()), fetched));
      },
      Schedule(0), FixedClock);
  scheduler.Start();
  fetched.wait(false);
  scheduler.Stop();
  const audit::AuditState state = scheduler.State();
  CHECK_FALSE(state.running);
  // Either the run finished before the stop reached it, or it ended without a result.
  CHECK(state.runs <= 1);
  if (state.runs == 1) CHECK(state.last->report.has_value());
}
