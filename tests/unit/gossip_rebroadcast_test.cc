// Mempool gossip's rebroadcast (node/src/runner_gossip.h): a node that never proposes passes its
// pending txs on again, so a tx it acked while no validator listened still reaches one. Found by
// the chaos testnet (docs/testing.md): an observer restarted after a wipe acked txs before its
// peers were connected, sent them to nobody, and reported them pending for ever.
#include <doctest/doctest.h>

#include <vector>

#include "runner_gossip.h"
#include "shanliu/node/mempool.h"
#include "head_clock.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TestChain;

namespace {

using testing::HeadClock;

struct Fixture {
  TestChain chain;
  HeadClock clock{chain};
  // The pacing timers never fire here: the tests step the gossip with Tick().
  node::ManualClock timer_clock{0};
  node::ManualTimers timers{timer_clock};
  std::unique_ptr<node::Mempool> pool;
  std::vector<std::size_t> sent;  // txs per frame sent to all peers
  Fixture() {
    node::MempoolConfig config;
    config.clock = &clock;
    pool = std::make_unique<node::Mempool>(chain.ledger(), config);
  }
  node::TxGossip Gossip(std::uint32_t rebroadcast_ms, std::size_t max_batch_txs = 2000) {
    return node::TxGossip(timers, {.interval_ms = 20, .max_batch_txs = max_batch_txs, .rebroadcast_ms = rebroadcast_ms},
                          *pool, [this](const pb::p2p::P2pFrame& f) { sent.push_back(f.txs().envelopes_size()); });
  }
  Hash256 Admit(std::int64_t amount_fen) {
    auto [id, status] = pool->Submit(chain.DonationTx("org:federation", amount_fen, chain.bank, "bank-1"));
    REQUIRE(status.ok());
    return id;
  }
};

}  // namespace

TEST_CASE("pending txs are passed on again after rebroadcast_ms of ticks, and only while pending") {
  Fixture f;
  node::TxGossip gossip = f.Gossip(/*rebroadcast_ms=*/100);
  const Hash256 first = f.Admit(5000);
  f.Admit(6000);
  for (int tick = 1; tick <= 4; ++tick) gossip.Tick();  // 80 ms: not yet
  CHECK(f.sent.empty());
  gossip.Tick();  // 100 ms: the boundary that sends
  REQUIRE(f.sent == std::vector<std::size_t>{2});
  CHECK(gossip.rebroadcast() == 2);
  for (int tick = 1; tick <= 4; ++tick) gossip.Tick();
  CHECK(f.sent.size() == 1);  // the count starts again
  f.pool->OnCommitted({first}, {});  // committed txs are not sent again
  gossip.Tick();
  CHECK(f.sent == std::vector<std::size_t>{2, 1});
  f.pool->OnCommitted({f.pool->Candidates(10, 1 << 20).front().id}, {});
  for (int tick = 1; tick <= 10; ++tick) gossip.Tick();  // nothing pending: nothing sent
  CHECK(f.sent.size() == 2);
  CHECK(gossip.gossiped_out() == 0);  // nothing was queued by clients: all of it was rebroadcast
}

TEST_CASE("rebroadcast is bounded to one batch per round and off at zero") {
  Fixture f;
  for (int i = 0; i < 5; ++i) f.Admit(1000 + i);
  node::TxGossip off = f.Gossip(/*rebroadcast_ms=*/0);
  for (int tick = 1; tick <= 1000; ++tick) off.Tick();
  CHECK(f.sent.empty());
  node::TxGossip bounded = f.Gossip(/*rebroadcast_ms=*/20, /*max_batch_txs=*/3);
  bounded.Tick();
  CHECK(f.sent == std::vector<std::size_t>{3});  // the oldest three; the rest next round, once these commit
}

TEST_CASE("queued txs still go out at once, beside the rebroadcast") {
  Fixture f;
  node::TxGossip gossip = f.Gossip(/*rebroadcast_ms=*/60);
  gossip.Queue({f.chain.DonationTx("org:federation", 700, f.chain.bank, "bank-1")});
  gossip.Tick();
  CHECK(f.sent == std::vector<std::size_t>{1});
  CHECK(gossip.gossiped_out() == 1);
}
