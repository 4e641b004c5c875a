// Issue 20 part 3: the history backfill as the runner drives it (node/src/runner_backfill.h),
// over the in-memory transport with a manual clock and timers, all in this thread. A store
// restored from a snapshot fetches blocks 1..S from its peers in small steps: a peer that serves
// altered blocks is refused (nothing of them written) and demoted, a peer restored without its
// history answers nothing and is demoted too; the honest peer's blocks complete the store, which
// then holds every record the source holds and serves the old blocks to a node syncing from it.
#include <doctest/doctest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <unistd.h>

#include "shanliu/ledger/snapshot.h"
#include "shanliu/ledger/verify_pool.h"
#include "shanliu/node/memory_transport.h"
#include "shanliu/node/runner.h"
#include "shanliu/pb/p2p.pb.h"
#include "manual_loop.h"
#include "snapshot_restore.h"
#include "stderr_capture.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::RestoreSnapshot;
using shanliu::testing::StderrOf;
using shanliu::testing::TempDir;
using shanliu::testing::TestChain;
using shanliu::testing::TestKey;

namespace {

namespace fs = std::filesystem;
namespace snap = ledger::snapshot;

void Fill(TestChain& chain, int blocks) {
  for (int b = 0; b < blocks; ++b) {
    std::vector<Bytes> txs;
    for (int i = 0; i < 1 + b % 3; ++i) txs.push_back(chain.DonationTx("org:federation", 700 + b * 10 + i, chain.bank, "bank-1"));
    for (const Status& s : chain.CommitBlock(txs)) REQUIRE(s.ok());
  }
}

std::map<std::string, std::string> Records(const ledger::Ledger& ledger) {
  std::map<std::string, std::string> records;
  REQUIRE(ledger.Read()->ForEachRecord([&](std::string_view k, std::string_view v) {
    records.emplace(std::string(k), std::string(v));
    return Status::Ok();
  }).ok());
  return records;
}

Bytes FrameBytes(const pb::p2p::P2pFrame& frame) {
  const std::string s = frame.SerializeAsString();
  return Bytes(s.begin(), s.end());
}

struct Member {
  crypto::KeyPair key;
  ledger::Ledger* ledger = nullptr;
  std::unique_ptr<node::Mempool> mempool;
  std::unique_ptr<node::Runner> runner;
};

// Observers of one single-validator chain (no consensus runs) on one io_context.
class Net : public shanliu::testing::ManualLoop {
 public:
  explicit Net(const ledger::Genesis& genesis) : ManualLoop(genesis.genesis_time_ms + 3'600'000), network(io) {}

  Member& Add(const std::string& name, ledger::Ledger& ledger, bool backfill = true) {
    auto m = std::make_unique<Member>();
    m->key = TestKey(name);
    m->ledger = &ledger;
    node::MempoolConfig mc;
    mc.clock = &clock;
    m->mempool = std::make_unique<node::Mempool>(ledger, mc);
    node::RunnerConfig rc;
    rc.observer = true;
    rc.clock = &clock;
    rc.timers = &timers;
    rc.verify_pool = &pool;
    rc.backfill = backfill;
    rc.backfill_blocks_per_request = 4;  // many steps
    Member* self = m.get();
    auto fan_out = [self](const node::CommittedBlock& block) { self->mempool->OnCommitted(block.executed.tx_ids, block.rejected); };
    m->runner = std::make_unique<node::Runner>(io, rc, network.Endpoint(m->key.public_key), m->key, ledger, *m->mempool,
                                               fan_out);
    members_.push_back(std::move(m));
    return *members_.back();
  }

  ledger::VerifyPool pool;
  node::MemoryNetwork network;

 private:
  std::deque<std::unique_ptr<Member>> members_;
};

// A peer that claims a high head and answers every blocks_request with the source's blocks,
// one tx byte flipped in each block that has txs (the header and certificate left as they are).
struct Liar {
  Liar(Net& net, TestChain& source) : key(TestKey("liar")) {
    transport = net.network.Endpoint(key.public_key)(
        [this, &source](const crypto::PublicKey& from, Bytes payload) {
          pb::p2p::P2pFrame in;
          if (!in.ParseFromArray(payload.data(), static_cast<int>(payload.size())) || !in.has_blocks_request()) return;
          ++requests;
          pb::p2p::P2pFrame out;
          out.mutable_blocks()->set_from_height(in.blocks_request().from_height());
          out.mutable_blocks()->set_head_height(source.ledger().height());
          auto view = source.ledger().Read();
          for (std::uint64_t h = in.blocks_request().from_height();
               h < in.blocks_request().from_height() + in.blocks_request().max_blocks(); ++h) {
            auto block = view->CommittedBlockAt(h);
            if (!block) break;
            if (block->block().txs_size() > 0) {
              std::string tx = block->block().txs(0);
              tx[tx.size() / 2] = static_cast<char>(tx[tx.size() / 2] ^ 0x10);
              block->mutable_block()->set_txs(0, tx);
            }
            out.mutable_blocks()->add_blocks(block->SerializeAsString());
          }
          transport->Send(from, FrameBytes(out));
        },
        [this](const crypto::PublicKey& peer, bool connected) {
          if (!connected) return;
          pb::p2p::P2pFrame head;
          head.mutable_head()->set_height(1'000'000);
          head.mutable_head()->set_block_hash(std::string(32, '\x07'));
          head.mutable_head()->set_observer(true);
          transport->Send(peer, FrameBytes(head));
        });
    REQUIRE(transport->Start().ok());
  }
  ~Liar() { transport->Stop(); }

  crypto::KeyPair key;
  std::unique_ptr<node::PeerTransport> transport;
  int requests = 0;
};

}  // namespace

TEST_CASE("backfill runner: a restored observer fetches its history from the honest peer, refuses a liar and skips a peer without history") {
  TestChain chain;
  Fill(chain, 40);
  const std::uint64_t base = chain.ledger().height();
  TempDir restored_dir, other_dir;
  auto restored = RestoreSnapshot(chain, restored_dir.path());
  auto other = RestoreSnapshot(chain, other_dir.path());  // restored too, its backfill off: it holds no history
  TempDir fresh_dir;  // a node that later syncs from the backfilled one (outlives the runners)
  auto fresh = ledger::Ledger::Open(fresh_dir.path(), chain.genesis());
  REQUIRE(fresh.ok());
  Net net(chain.genesis());
  Member& source = net.Add("source", chain.ledger());
  Member& me = net.Add("me", *restored);
  Member& without = net.Add("without-history", *other, /*backfill=*/false);
  Liar liar(net, chain);
  for (Member* m : {&source, &without}) net.network.Connect(me.key.public_key, m->key.public_key);
  net.network.Connect(me.key.public_key, liar.key.public_key);
  std::uint64_t seen_partial = 0;  // a height at which the store was part-way backfilled
  const std::string log = StderrOf([&] {
    for (Member* m : {&source, &me, &without}) REQUIRE(m->runner->Start().ok());
    net.Settle();
    CHECK(net.AdvanceUntil(100, 120'000, [&] {
      if (restored->history_base() > 0 && restored->backfilled_height() > 0) seen_partial = restored->backfilled_height();
      return restored->history_base() == 0;
    }));
  });
  CHECK(me.runner->fatal() == std::nullopt);
  CHECK(seen_partial > 0);
  CHECK(liar.requests >= 1);
  CHECK(log.find("\"backfill_started\"") != std::string::npos);
  CHECK(log.find("\"backfill_bad_block\"") != std::string::npos);  // the liar's altered txs
  CHECK(log.find("\"backfill_complete\"") != std::string::npos);
  CHECK(log.find("\"backfill_off\"") != std::string::npos);  // the peer without history
  CHECK(restored->height() == base);
  CHECK(Records(*restored) == Records(chain.ledger()));
  CHECK(other->history_base() == base);

  // It serves the old blocks now: a fresh observer linked to it alone syncs from genesis.
  Member& newcomer = net.Add("newcomer", **fresh);
  net.network.Connect(newcomer.key.public_key, me.key.public_key);
  StderrOf([&] {
    REQUIRE(newcomer.runner->Start().ok());
    CHECK(net.AdvanceUntil(100, 60'000, [&] { return (*fresh)->height() == base; }));
  });
  CHECK((*fresh)->head_hash() == chain.ledger().head_hash());
}
