// Issue 15 part 1, storage that never lies: every read verifies checksums, so a damaged table
// or log is refused with storage_corrupt instead of served; the audit reads a private copy and
// reports damage as FAILED naming the file, leaving the audited directory byte for byte as it
// was; startup reads back more than the head. Damage is made by flipping bytes at fixed offsets.
#include <doctest/doctest.h>
#include <leveldb/db.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "shanliu/api/http_client.h"
#include "shanliu/api/server.h"
#include "shanliu/audit/audit.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/pb/state.pb.h"
#include "source_files.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TempDir;
using shanliu::testing::TestChain;
using shanliu::testing::TestKey;

namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Every file under `dir` (relative path -> SHA-256 of its bytes).
std::map<std::string, std::string> HashTree(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    out[fs::relative(entry.path(), dir).string()] = crypto::ToHex(crypto::Sha256(AsBytes(ReadFile(entry.path()))));
  }
  return out;
}

void FlipByte(const fs::path& file, std::uint64_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(f.good());
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5a);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
  REQUIRE(f.good());
}

// The largest file in the data dir's database whose name ends in `extension`.
fs::path LargestFile(const fs::path& data_dir, const std::string& extension) {
  fs::path best;
  std::uintmax_t best_size = 0;
  for (const auto& entry : fs::directory_iterator(data_dir / "ledger")) {
    if (entry.path().extension() == extension && entry.file_size() > best_size) {
      best = entry.path();
      best_size = entry.file_size();
    }
  }
  REQUIRE_MESSAGE(!best.empty(), "no " << extension << " file in " << data_dir);
  return best;
}

std::string BlockKey(std::uint64_t height) {
  Bytes key = ToBytes(std::string_view("B/"));
  AppendU64(key, height);
  return ToString(key);
}

// A chain of a charity with donations, spending and allocations over `rounds` * 2 + 2 blocks,
// closed so its directory can be copied and damaged.
struct StoredChain {
  explicit StoredChain(int rounds) {
    REQUIRE(chain.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, sunshine).ok());
    REQUIRE(chain.OpenProject("meals", "sunshine", sunshine).ok());
    for (int r = 0; r < rounds; ++r) {
      std::vector<Bytes> txs;
      for (int i = 0; i < 3; ++i) txs.push_back(chain.DonationTx("project:meals", 1'000 + r * 10 + i, chain.bank, "bank-1"));
      txs.push_back(chain.DonationTx("org:sunshine", 900 + r, sunshine));
      for (const Status& s : chain.CommitBlock(txs)) REQUIRE(s.ok());
      REQUIRE(chain.Commit(chain.SpendTx("project:meals", 100, sunshine)).ok());
    }
    head = chain.ledger().height();
    auto view = chain.ledger().Read();
    for (std::uint64_t h = 0; h <= head; ++h) blocks.push_back(view->CommittedBlockAt(h)->SerializeAsString());
    org = view->Org("sunshine")->SerializeAsString();
    rows = AllRows(*view);
  }
  // Every record the ledger serves through its state view (state, blocks, leaves, indexes).
  static std::map<std::string, std::string> AllRows(const ledger::ReadView& view) {
    std::map<std::string, std::string> out;
    view.state().Scan("", "", "", [&](std::string_view k, std::string_view v) {
      out.emplace(std::string(k), std::string(v));
      return true;
    });
    return out;
  }
  // Closes the chain; with `tables`, reopens it once so LevelDB moves the log into a table.
  void Close(bool tables) {
    chain.Close();
    if (!tables) return;
    auto reopened = ledger::Ledger::Open(chain.dir(), chain.genesis());
    REQUIRE_MESSAGE(reopened.ok(), reopened.status().ToString());
  }
  fs::path Copy(const std::string& name) {
    const fs::path to = copies.path() / name;
    fs::copy(chain.dir(), to, fs::copy_options::recursive);
    return to;
  }

  TestChain chain;
  crypto::KeyPair sunshine = TestKey("sunshine");
  std::uint64_t head = 0;
  std::vector<std::string> blocks;  // CommittedBlock bytes by height, as committed
  std::string org;                  // the organisation record, as committed
  std::map<std::string, std::string> rows;  // every stored record, as committed
  TempDir copies;
};

Result<audit::AuditReport> Audit(const fs::path& dir, const ledger::Genesis& genesis) {
  auto source = audit::OpenDataDirSource(dir);
  if (!source.ok()) return source.status();
  audit::AuditOptions options;
  options.threads = 1;
  return audit::RunAudit(**source, genesis, options);
}

}  // namespace

// Issue 15 finding 1: the audit opened the store read-write without paranoid_checks, so a
// damaged .log was "recovered" (records dropped, directory rewritten) and the chain passed
// without its last block; the node then started without that block for good.
TEST_CASE("an audit of a data directory with a damaged log reports FAILED naming the file and changes nothing") {
  StoredChain stored(6);
  stored.Close(/*tables=*/false);
  const fs::path data = stored.Copy("damaged-log");
  const fs::path log = LargestFile(data, ".log");
  FlipByte(log, fs::file_size(log) - 64);  // inside the last block's batch
  const auto before = HashTree(data);

  for (int run = 0; run < 2; ++run) {  // the second audit sees exactly what the first did
    auto report = Audit(data, stored.chain.genesis());
    REQUIRE_MESSAGE(report.ok(), report.status().ToString());
    REQUIRE_FALSE(report->ok());
    CHECK(report->failure->check == "storage");
    CHECK_MESSAGE(report->failure->message.find(log.filename().string()) != std::string::npos,
                  report->failure->message);
    CHECK(HashTree(data) == before);
  }
  // The node refuses the directory with the typed error, and the next audit still fails.
  auto node = ledger::Ledger::Open(data, stored.chain.genesis());
  REQUIRE_FALSE(node.ok());
  CHECK(node.status().code() == "storage_corrupt");
  auto again = Audit(data, stored.chain.genesis());
  REQUIRE(again.ok());
  CHECK_FALSE(again->ok());
}

TEST_CASE("an audit of an intact data directory passes and leaves every file as it was") {
  StoredChain stored(3);
  stored.Close(/*tables=*/true);
  const fs::path data = stored.Copy("intact");
  const auto before = HashTree(data);
  auto report = Audit(data, stored.chain.genesis());
  REQUIRE_MESSAGE(report.ok(), report.status().ToString());
  CHECK_MESSAGE(report->ok(), audit::ReportText(*report));
  CHECK(report->head_height == stored.head);
  CHECK(HashTree(data) == before);
}

// Issue 15 finding 2: no read verified checksums, so some table byte flips served altered
// committed blocks and organisation records, and a corrupt table aborted the audit.
TEST_CASE("byte flips in a table file are refused as storage_corrupt, never served altered") {
  StoredChain stored(6);
  stored.Close(/*tables=*/true);
  const fs::path pristine = stored.Copy("pristine");
  const std::uint64_t table_size = fs::file_size(LargestFile(pristine, ".ldb"));
  constexpr int kFlips = 16;
  int refused = 0;
  int audit_failed = 0;
  for (int i = 0; i < kFlips; ++i) {
    CAPTURE(i);
    const fs::path data = stored.Copy("flip-" + std::to_string(i));
    FlipByte(LargestFile(data, ".ldb"), table_size * static_cast<std::uint64_t>(i + 1) / (kFlips + 1));
    bool damage_seen = false;
    {
      auto opened = ledger::Ledger::Open(data, stored.chain.genesis(), {.startup_sample_blocks = 0});
      if (!opened.ok()) {
        CHECK_MESSAGE((opened.status().code() == "storage_corrupt" || opened.status().code() == "corruption"),
                      opened.status().ToString());
        damage_seen = true;
      } else {
        for (std::uint64_t h = 0; h <= stored.head; ++h) {
          try {
            auto view = (*opened)->Read();
            auto block = view->CommittedBlockAt(h);
            REQUIRE(block.has_value());
            CHECK_MESSAGE(block->SerializeAsString() == stored.blocks[h], "altered block served at height " << h);
            auto org = view->Org("sunshine");
            REQUIRE(org.has_value());
            CHECK(org->SerializeAsString() == stored.org);
            if (h == stored.head) {
              const auto rows = StoredChain::AllRows(*view);  // throws StorageCorrupt, outside CHECK
              CHECK_MESSAGE(rows == stored.rows, "an altered record served");
            }
          } catch (const ledger::StorageCorrupt& e) {
            CHECK_FALSE(e.key().empty());
            damage_seen = true;
          }
        }
      }
    }
    refused += damage_seen ? 1 : 0;
    // The audit of the same directory never aborts, never changes it, and names the table file
    // whenever the damage touched a record.
    const auto before = HashTree(data);
    auto report = Audit(data, stored.chain.genesis());
    REQUIRE_MESSAGE(report.ok(), report.status().ToString());
    MESSAGE("flip " << i << ": ledger " << std::string(damage_seen ? "refused" : "served intact") << ", audit "
                    << (report->ok() ? std::string("passed") : report->failure->check + ": " + report->failure->message));
    audit_failed += report->ok() ? 0 : 1;
    if (damage_seen) {
      REQUIRE_FALSE(report->ok());
      CHECK_MESSAGE(report->failure->message.find(".ldb") != std::string::npos, report->failure->message);
      CHECK_MESSAGE(report->failure->message.find("damaged") != std::string::npos, report->failure->message);
    }
    CHECK(HashTree(data) == before);
  }
  // Most offsets land in data blocks: the test must actually have exercised the refusal, and
  // the audit must have failed wherever the ledger refused (checked above) and more.
  CHECK(refused >= kFlips * 3 / 4);
  CHECK(audit_failed >= refused);
}

TEST_CASE("the API answers 500 storage_corrupt for a damaged block and tells the node") {
  StoredChain stored(6);
  stored.Close(/*tables=*/true);
  const fs::path pristine = stored.Copy("pristine");
  const std::uint64_t table_size = fs::file_size(LargestFile(pristine, ".ldb"));
  // The first of the fixed offsets whose flip damages a committed block that still opens (a
  // table block also holding the head, the log or the tree's root fails the open instead; the
  // smaller the store, the more offsets that takes).
  constexpr int kOffsets = 64;
  for (int i = 0; i < kOffsets; ++i) {
    const fs::path data = stored.Copy("api-" + std::to_string(i));
    FlipByte(LargestFile(data, ".ldb"), table_size * static_cast<std::uint64_t>(i + 1) / (kOffsets + 1));
    auto opened = ledger::Ledger::Open(data, stored.chain.genesis(), {.startup_sample_blocks = 0});
    if (!opened.ok()) continue;
    std::optional<std::uint64_t> damaged;
    for (std::uint64_t h = 1; h <= stored.head && !damaged; ++h) {
      try {
        (void)(*opened)->Read()->CommittedBlockAt(h);
      } catch (const ledger::StorageCorrupt&) {
        damaged = h;
      }
    }
    if (!damaged) continue;

    std::mutex mutex;
    std::vector<api::StorageCorruptEvent> events;
    api::NodeHooks hooks;
    hooks.storage_corrupt = [&](const api::StorageCorruptEvent& e) {
      std::lock_guard lock(mutex);
      events.push_back(e);
    };
    api::ServerConfig config;
    config.port = 0;
    api::Server server(config, **opened, hooks);
    REQUIRE(server.Start().ok());
    const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
    auto reply = api::HttpRequest("GET", base + "/v1/blocks/" + std::to_string(*damaged) + "/raw", "", "", 10'000);
    REQUIRE(reply.ok());
    CHECK(reply->status == 500);
    const auto json = nlohmann::json::parse(reply->body, nullptr, false);
    REQUIRE_FALSE(json.is_discarded());
    CHECK(json["error"]["code"] == "storage_corrupt");
    server.Stop();
    std::lock_guard lock(mutex);
    REQUIRE(events.size() == 1);
    CHECK_FALSE(events[0].key.empty());
    CHECK(events[0].where.find("/v1/blocks/") != std::string::npos);
    return;
  }
  FAIL("no fixed offset damaged a committed block");
}

TEST_CASE("startup reads back sampled blocks below the head, not the head alone") {
  StoredChain stored(6);
  stored.Close(/*tables=*/false);
  const std::uint64_t damaged_height = stored.head - 3;
  // A record with a valid checksum but the wrong content (as a bad write or a bit flip before
  // the checksum was taken would leave): its txs no longer hash to its txs_root.
  const fs::path data = stored.Copy("tampered");
  {
    leveldb::DB* raw = nullptr;
    REQUIRE(leveldb::DB::Open(leveldb::Options(), (data / "ledger").string(), &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    std::string bytes;
    REQUIRE(db->Get(leveldb::ReadOptions(), BlockKey(damaged_height), &bytes).ok());
    pb::StoredBlock block;
    REQUIRE(block.ParseFromString(bytes));
    REQUIRE(block.tx_count() > 0);
    block.set_tx_count(block.tx_count() - 1);
    REQUIRE(db->Put(leveldb::WriteOptions(), BlockKey(damaged_height), block.SerializeAsString()).ok());
  }
  auto refused = ledger::Ledger::Open(data, stored.chain.genesis());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == "storage_corrupt");
  CHECK_MESSAGE(refused.status().message().find("block " + std::to_string(damaged_height)) != std::string::npos,
                refused.status().ToString());
  // With sampling off only the head is checked: the damage below it goes unseen (the boundary).
  {
    auto head_only = ledger::Ledger::Open(data, stored.chain.genesis(), {.startup_sample_blocks = 0});
    CHECK(head_only.ok());
  }

  // An intact chain of every small height opens with sampling on.
  for (int rounds = 0; rounds <= 2; ++rounds) {
    StoredChain small(rounds);
    small.Close(/*tables=*/false);
    auto reopened = ledger::Ledger::Open(small.chain.dir(), small.chain.genesis());
    CHECK_MESSAGE(reopened.ok(), reopened.status().ToString());
  }
}

// Every read in the ledger and the audit goes through VerifiedReadOptions(): a plain
// leveldb::ReadOptions anywhere else would read without checksums again.
TEST_CASE("no ledger or audit source builds its own leveldb ReadOptions") {
  int files = 0;
  for (const char* dir : {"ledger/src", "ledger/include", "audit/src", "audit/include"}) {
    for (const auto& entry : fs::recursive_directory_iterator(fs::path(SHANLIU_SOURCE_DIR) / dir)) {
      if (!entry.is_regular_file()) continue;
      ++files;
      const std::string text = testing::ReadSourceFile(entry.path());
      const bool defines_it = entry.path().filename() == "state_view.cc";
      std::istringstream lines(text);
      for (std::string line; std::getline(lines, line);) {
        if (line.find("ReadOptions") == std::string::npos) continue;
        const bool verified = line.find("VerifiedReadOptions") != std::string::npos;
        CHECK_MESSAGE((verified || defines_it), entry.path().string() << " builds its own ReadOptions: " << line);
      }
    }
  }
  CHECK(files > 10);
}
