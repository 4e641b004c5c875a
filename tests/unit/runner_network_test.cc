// The runner's pieces (router, consensus adapter, block-sync driver) driven through an
// in-memory transport, a manual clock and manual timers, all nodes in this one thread: no
// sockets, no sleeps. Only frames and the timers the test fires move the nodes, so each run is
// the same.
#include <doctest/doctest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <algorithm>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

#include "shanliu/ledger/verify_pool.h"
#include "shanliu/node/consensus.h"
#include "shanliu/node/memory_transport.h"
#include "shanliu/node/runner.h"
#include "shanliu/pb/p2p.pb.h"
#include "manual_loop.h"
#include "stderr_capture.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::StderrOf;
using shanliu::testing::TempDir;
using shanliu::testing::TestChain;
using shanliu::testing::TestKey;

namespace {

constexpr std::size_t kValidators = 4;         // 3 of 4 are more than 2/3 of the power

void FourValidators(ledger::Genesis& g) {
  const char* orgs[kValidators] = {"bureau", "federation", "bank-1", "bureau"};
  g.validators.clear();
  for (std::size_t i = 0; i < kValidators; ++i) {
    g.validators.push_back({TestKey("validator-" + std::to_string(i)).public_key, 1, orgs[i]});
  }
}

struct Member {
  crypto::KeyPair key;
  TempDir dir;
  std::unique_ptr<ledger::Ledger> ledger;
  std::unique_ptr<node::Mempool> mempool;
  std::unique_ptr<ledger::CheckpointCollector> checkpoints;
  std::unique_ptr<node::Runner> runner;
  std::vector<std::pair<std::uint64_t, bool>> commits;  // (height, by_sync), as the fan-out heard them
};

// Nodes of one chain on one io_context, joined by a MemoryNetwork.
class Net : public shanliu::testing::ManualLoop {
 public:
  explicit Net(const ledger::Genesis& genesis)
      : ManualLoop(genesis.genesis_time_ms + 60'000), genesis_(genesis), network(io) {}

  Member& Add(const crypto::KeyPair& key, bool observer = false) {
    auto m = std::make_unique<Member>();
    m->key = key;
    auto opened = ledger::Ledger::Open(m->dir.path() / "ledger", genesis_);
    REQUIRE(opened.ok());
    m->ledger = std::move(*opened);
    node::MempoolConfig mc;
    mc.clock = &clock;
    m->mempool = std::make_unique<node::Mempool>(*m->ledger, mc);
    m->checkpoints = std::make_unique<ledger::CheckpointCollector>(genesis_);
    node::RunnerConfig rc;
    rc.wal_path = m->dir.path() / "consensus.wal";
    rc.observer = observer;
    rc.clock = &clock;
    rc.timers = &timers;
    rc.verify_pool = &pool;
    Member* self = m.get();
    // The parts of the node's fan-out (node.h) the network side depends on: the mempool drops
    // the block's txs, and a block decided here is announced.
    auto fan_out = [self](const node::CommittedBlock& block) {
      self->mempool->OnCommitted(block.executed.tx_ids, block.rejected);
      if (!block.by_sync) self->runner->AnnounceHead();
      self->commits.emplace_back(block.executed.block.header().height(), block.by_sync);
    };
    m->runner = std::make_unique<node::Runner>(io, rc, network.Endpoint(key.public_key), key, *m->ledger,
                                               *m->mempool, fan_out, m->checkpoints.get());
    members_.push_back(std::move(m));
    return *members_.back();
  }

  // Links every pair of the given members.
  void LinkAll(const std::vector<Member*>& group) {
    for (std::size_t i = 0; i < group.size(); ++i) {
      for (std::size_t j = i + 1; j < group.size(); ++j) network.Connect(group[i]->key.public_key, group[j]->key.public_key);
    }
  }

  void SubmitTo(const std::vector<Member*>& group, const Bytes& tx) {
    for (Member* m : group) REQUIRE(m->mempool->Submit(tx).second.ok());
  }

 private:
  const ledger::Genesis genesis_;

 public:
  ledger::VerifyPool pool;
  node::MemoryNetwork network;

 private:
  std::deque<std::unique_ptr<Member>> members_;  // destroyed first
};

crypto::KeyPair Validator(std::size_t i) { return TestKey("validator-" + std::to_string(i)); }

Bytes FrameBytes(const pb::p2p::P2pFrame& frame) {
  const std::string s = frame.SerializeAsString();
  return Bytes(s.begin(), s.end());
}

}  // namespace

TEST_CASE("four validators over an in-memory transport propose, vote and commit a block") {
  TestChain chain(FourValidators);
  const Bytes gift = chain.DonationTx("org:federation", 5'000, chain.bank, "bank-1");
  Net net(chain.genesis());
  std::vector<Member*> all;
  for (std::size_t i = 0; i < kValidators; ++i) all.push_back(&net.Add(Validator(i)));
  net.LinkAll(all);
  for (Member* m : all) REQUIRE(m->runner->Start().ok());
  net.Settle();
  for (Member* m : all) CHECK(m->ledger->height() == 0);  // nothing pending: no empty block

  net.SubmitTo(all, gift);  // what gossip would have done
  net.Settle();
  for (Member* m : all) {
    CHECK(m->runner->fatal() == std::nullopt);
    REQUIRE(m->ledger->height() == 1);
    CHECK(m->ledger->head_hash() == all[0]->ledger->head_hash());
    CHECK(m->commits == std::vector<std::pair<std::uint64_t, bool>>{{1, false}});
    CHECK(m->mempool->size() == 0);
    const node::Runner::Stats stats = m->runner->stats();
    CHECK(stats.blocks_committed_by_consensus == 1);
    CHECK(stats.blocks_synced == 0);
    CHECK(stats.height == 1);
    CHECK(stats.peers == kValidators - 1);
    CHECK(stats.messages_rejected == 0);
  }
  const auto block = all[0]->ledger->Read()->CommittedBlockAt(1);
  REQUIRE(block.has_value());
  CHECK(block->block().txs_size() == 1);
  CHECK(net.network.frames_delivered() > 0);
}

TEST_CASE("when the proposer is down the others time out into the next round and commit there") {
  TestChain chain(FourValidators);
  Net net(chain.genesis());
  const std::uint32_t absent = node::consensus::ProposerIndex(chain.genesis().validators, 1, 0);
  std::vector<Member*> live;
  for (std::size_t i = 0; i < kValidators; ++i) {
    if (i != absent) live.push_back(&net.Add(Validator(i)));
  }
  net.LinkAll(live);
  for (Member* m : live) REQUIRE(m->runner->Start().ok());
  net.SubmitTo(live, chain.DonationTx("org:federation", 5'000, chain.bank, "bank-1"));
  net.Settle();
  for (Member* m : live) CHECK(m->ledger->height() == 0);  // waiting for a proposal that never comes

  // The default propose timeout is 3 s: nothing moves before it.
  CHECK_FALSE(net.AdvanceUntil(500, 2'500, [&] { return live[0]->ledger->height() > 0; }));
  REQUIRE(net.AdvanceUntil(500, 30'000, [&] {
    for (Member* m : live) {
      if (m->ledger->height() != 1) return false;
    }
    return true;
  }));
  for (Member* m : live) {
    CHECK(m->ledger->head_hash() == live[0]->ledger->head_hash());
    CHECK(m->runner->fatal() == std::nullopt);
  }
  const auto block = live[0]->ledger->Read()->CommittedBlockAt(1);
  REQUIRE(block.has_value());
  CHECK(block->block().txs_size() == 1);
}

TEST_CASE("with nothing pending no block is made until the heartbeat, then one empty block") {
  TestChain chain(FourValidators);
  Net net(chain.genesis());
  std::vector<Member*> all;
  for (std::size_t i = 0; i < kValidators; ++i) all.push_back(&net.Add(Validator(i)));
  net.LinkAll(all);
  for (Member* m : all) REQUIRE(m->runner->Start().ok());
  net.Settle();
  const std::uint64_t heartbeat_ms = node::RunnerConfig{}.heartbeat_ms;
  // Status ticks and gossip rounds pass; no block.
  CHECK_FALSE(net.AdvanceUntil(1'000, heartbeat_ms - 1'000, [&] { return all[0]->ledger->height() > 0; }));
  REQUIRE(net.AdvanceUntil(1'000, 10'000, [&] {
    for (Member* m : all) {
      if (m->ledger->height() != 1) return false;
    }
    return true;
  }));
  const auto block = all[0]->ledger->Read()->CommittedBlockAt(1);
  REQUIRE(block.has_value());
  CHECK(block->block().txs_size() == 0);
  // One heartbeat block, not one per tick.
  CHECK_FALSE(net.AdvanceUntil(1'000, heartbeat_ms - 2'000, [&] { return all[0]->ledger->height() > 1; }));
}

TEST_CASE("a validator that was down and an observer catch up through block sync") {
  TestChain chain(FourValidators);
  Net net(chain.genesis());
  // The late validator must not be the proposer of the heights it misses.
  std::size_t late = kValidators;
  for (std::size_t i = 0; i < kValidators; ++i) {
    if (node::consensus::ProposerIndex(chain.genesis().validators, 1, 0) != i &&
        node::consensus::ProposerIndex(chain.genesis().validators, 2, 0) != i) {
      late = i;
    }
  }
  REQUIRE(late < kValidators);
  std::vector<Member*> live;
  for (std::size_t i = 0; i < kValidators; ++i) {
    if (i != late) live.push_back(&net.Add(Validator(i)));
  }
  net.LinkAll(live);
  for (Member* m : live) REQUIRE(m->runner->Start().ok());
  for (std::int64_t amount_fen : {5'000, 7'000}) {
    net.SubmitTo(live, chain.DonationTx("org:federation", amount_fen, chain.bank, "bank-1"));
    net.Settle();
  }
  REQUIRE(live[0]->ledger->height() == 2);

  Member& comer = net.Add(Validator(late));
  Member& observer = net.Add(TestKey("observer"), /*observer=*/true);
  for (Member* m : live) net.network.Connect(comer.key.public_key, m->key.public_key);
  net.network.Connect(observer.key.public_key, live[0]->key.public_key);  // it follows one validator
  REQUIRE(comer.runner->Start().ok());
  REQUIRE(observer.runner->Start().ok());
  net.Settle();
  for (Member* m : {&comer, &observer}) {
    CHECK(m->runner->fatal() == std::nullopt);
    REQUIRE(m->ledger->height() == 2);
    CHECK(m->ledger->head_hash() == live[0]->ledger->head_hash());
    CHECK(m->commits == std::vector<std::pair<std::uint64_t, bool>>{{1, true}, {2, true}});
    CHECK(m->runner->stats().blocks_synced == 2);
  }

  // The comer's consensus restarted at the next height: it votes on the third block with the
  // others, and the observer follows the announced head.
  std::vector<Member*> all = live;
  all.push_back(&comer);
  net.SubmitTo(all, chain.DonationTx("org:federation", 9'000, chain.bank, "bank-1"));
  net.Settle();
  for (Member* m : all) CHECK(m->ledger->height() == 3);
  REQUIRE(!comer.commits.empty());
  CHECK(comer.commits.back() == std::pair<std::uint64_t, bool>{3, false});
  CHECK(comer.runner->stats().blocks_committed_by_consensus == 1);
  CHECK(observer.ledger->height() == 3);
  CHECK(observer.ledger->head_hash() == comer.ledger->head_hash());
  CHECK(observer.runner->stats().blocks_committed_by_consensus == 0);
}

// A node configured "observer": false whose key is in no set (docs/operator.md, "Adding or
// removing a validator"): it runs the consensus core, follows the chain and signs nothing.
TEST_CASE("a standby validator outside the set follows the chain and never signs") {
  TestChain chain(FourValidators);
  Net net(chain.genesis());
  std::vector<Member*> all;
  for (std::size_t i = 0; i < kValidators; ++i) all.push_back(&net.Add(Validator(i)));
  Member& standby = net.Add(TestKey("standby"));
  all.push_back(&standby);
  net.LinkAll(all);
  for (Member* m : all) REQUIRE(m->runner->Start().ok());
  for (std::int64_t amount_fen : {5'000, 7'000, 9'000}) {
    net.SubmitTo(all, chain.DonationTx("org:federation", amount_fen, chain.bank, "bank-1"));
    REQUIRE(net.AdvanceUntil(100, 30'000, [&] { return standby.ledger->height() == all[0]->ledger->height(); }));
  }
  REQUIRE(all[0]->ledger->height() == 3);
  CHECK(standby.runner->fatal() == std::nullopt);
  CHECK(standby.ledger->head_hash() == all[0]->ledger->head_hash());
  // It followed by block sync, and its WAL holds nothing: it never signed.
  CHECK(standby.runner->stats().blocks_synced == 3);
  CHECK(std::filesystem::file_size(standby.dir.path() / "consensus.wal") <= 16);
  const auto block = all[0]->ledger->Read()->CommittedBlockAt(3);
  REQUIRE(block.has_value());
  for (const auto& signature : block->commit().signatures()) CHECK(signature.validator_index() < kValidators);
  for (std::size_t i = 0; i < kValidators; ++i) {
    CHECK(all[i]->runner->stats().messages_rejected == 0);  // nothing unwanted reached the cores
  }
}

TEST_CASE("malformed and hostile frames from a peer are logged, counted and ignored") {
  TestChain chain(FourValidators);
  Net net(chain.genesis());
  std::vector<Member*> all;
  for (std::size_t i = 0; i < kValidators; ++i) all.push_back(&net.Add(Validator(i)));
  net.LinkAll(all);
  for (Member* m : all) REQUIRE(m->runner->Start().ok());
  net.Settle();
  Member& target = *all[0];
  const crypto::PublicKey peer = all[1]->key.public_key;
  const crypto::PublicKey stranger = TestKey("stranger").public_key;

  pb::p2p::P2pFrame bad_consensus;
  bad_consensus.set_consensus("\x0a\x03not a message");
  pb::p2p::P2pFrame bad_block;
  bad_block.mutable_blocks()->add_blocks("\xff\xff\xff");
  bad_block.mutable_blocks()->set_head_height(1);
  pb::p2p::P2pFrame bad_cosignature;
  bad_cosignature.mutable_cosignature()->set_log_root("short");
  const std::string logged = StderrOf([&] {
    net.network.Inject(peer, target.key.public_key, Bytes{0xff, 0xff, 0xff});       // not a frame
    net.network.Inject(peer, target.key.public_key, Bytes{});                        // a frame of no kind
    net.network.Inject(peer, target.key.public_key, FrameBytes(bad_consensus));      // a frame, bad inside
    net.network.Inject(stranger, target.key.public_key, FrameBytes(bad_consensus));  // not a validator: dropped
    net.network.Inject(peer, target.key.public_key, FrameBytes(bad_block));
    net.network.Inject(peer, target.key.public_key, FrameBytes(bad_cosignature));
    net.Settle();
  });
  CHECK(logged.find("\"p2p_frame_malformed\"") != std::string::npos);
  CHECK(logged.find("\"sync_block_malformed\"") != std::string::npos);
  CHECK(logged.find("\"cosignature_malformed\"") != std::string::npos);
  CHECK(logged.find("node_fatal") == std::string::npos);
  // The undecodable frame, the frame of no kind and the consensus message that does not decode.
  CHECK(target.runner->stats().messages_rejected == 3);
  CHECK(target.runner->fatal() == std::nullopt);
  CHECK(target.ledger->height() == 0);
  CHECK(target.commits.empty());

  // Nothing was disturbed: the next block commits everywhere.
  net.SubmitTo(all, chain.DonationTx("org:federation", 5'000, chain.bank, "bank-1"));
  net.Settle();
  for (Member* m : all) CHECK(m->ledger->height() == 1);
}

TEST_CASE("a hostile peer's flood of malformed frames is logged a few times, not once per frame") {
  TestChain chain(FourValidators);
  Net net(chain.genesis());
  Member& target = net.Add(Validator(0));
  REQUIRE(target.runner->Start().ok());
  const crypto::PublicKey peer = Validator(1).public_key;
  const std::string logged = StderrOf([&] {
    for (int i = 0; i < 100; ++i) net.network.Inject(peer, target.key.public_key, Bytes{0x0a, 0xff});
    net.Settle();
  });
  std::size_t lines = 0;
  for (std::size_t at = logged.find("p2p_frame_malformed"); at != std::string::npos;
       at = logged.find("p2p_frame_malformed", at + 1)) {
    ++lines;
  }
  CHECK(target.runner->stats().messages_rejected == 100);
  CHECK(lines >= 1);
  CHECK(lines <= 5);  // the limiter's burst; the rest are counted, not written
}

TEST_CASE("the in-memory network delivers in order, only over links, and nothing after Stop") {
  boost::asio::io_context io;
  node::MemoryNetwork network(io);
  const crypto::PublicKey a = TestKey("a").public_key, b = TestKey("b").public_key, c = TestKey("c").public_key;
  std::vector<std::pair<crypto::PublicKey, Bytes>> at_b;
  std::vector<std::pair<crypto::PublicKey, bool>> events_b;
  std::vector<std::pair<crypto::PublicKey, bool>> events_a;
  auto ta = network.Endpoint(a)([](const crypto::PublicKey&, Bytes) { FAIL("a hears nothing"); },
                                [&](const crypto::PublicKey& p, bool up) { events_a.emplace_back(p, up); });
  auto tb = network.Endpoint(b)([&](const crypto::PublicKey& from, Bytes bytes) { at_b.emplace_back(from, bytes); },
                                [&](const crypto::PublicKey& p, bool up) { events_b.emplace_back(p, up); });
  REQUIRE(ta->Start().ok());
  CHECK_FALSE(ta->Send(b, Bytes{1}));  // no link yet
  network.Connect(a, b);
  CHECK_FALSE(ta->Send(b, Bytes{1}));  // b has not started
  REQUIRE(tb->Start().ok());
  CHECK(ta->Connected() == std::vector<crypto::PublicKey>{b});
  CHECK(ta->Send(b, Bytes{1}));
  ta->Broadcast(Bytes{2});
  CHECK(at_b.empty());  // delivered by the loop, never inside Send
  CHECK_FALSE(ta->Send(c, Bytes{3}));  // nobody there
  io.poll();
  CHECK(at_b == std::vector<std::pair<crypto::PublicKey, Bytes>>{{a, Bytes{1}}, {a, Bytes{2}}});
  CHECK(events_a == std::vector<std::pair<crypto::PublicKey, bool>>{{b, true}});
  CHECK(events_b == std::vector<std::pair<crypto::PublicKey, bool>>{{a, true}});
  CHECK(network.frames_dropped() == 3);

  // Queued before Stop, dropped after it.
  CHECK(ta->Send(b, Bytes{4}));
  tb->Stop();
  io.restart();
  io.poll();
  CHECK(at_b.size() == 2);
  CHECK(events_a.back() == std::pair<crypto::PublicKey, bool>{b, false});
  CHECK(ta->Connected().empty());
  CHECK(network.frames_delivered() == 2);
}

TEST_CASE("manual timers fire at their due time exactly, in due order, and never early") {
  node::ManualClock clock(1'000);
  node::ManualTimers timers(clock);
  std::vector<int> fired;
  timers.After(500, [&] { fired.push_back(2); });
  timers.After(100, [&] { fired.push_back(1); });
  timers.After(500, [&] { fired.push_back(3); });  // same due time: in the order set
  timers.After(0, [&] {
    fired.push_back(0);
    timers.After(0, [&] { fired.push_back(9); });  // set by a callback: waits for the next call
  });
  CHECK(timers.RunDue() == 1);
  CHECK(fired == std::vector<int>{0});
  clock.Advance(99);
  CHECK(timers.RunDue() == 1);  // only the one set from the callback; 1 ms early for the next
  CHECK(fired == std::vector<int>{0, 9});
  clock.Advance(1);
  CHECK(timers.RunDue() == 1);
  clock.Advance(399);
  CHECK(timers.RunDue() == 0);
  clock.Advance(1);
  CHECK(timers.RunDue() == 2);
  CHECK(fired == std::vector<int>{0, 9, 1, 2, 3});
  CHECK(timers.pending() == 0);
}

// Issue 20: a ValidatorSetChange adds the standby at E1 and a second removes validator 3 at E2.
// The nodes hand over at exactly those heights: the standby signs certificates from E1 on (never
// before), validator 3 signs none from E2 on and keeps following, and every node agrees.
TEST_CASE("validator set changes: a standby joins at E1 and a validator leaves at E2, the nodes hand over there") {
  TestChain chain(FourValidators);
  Net net(chain.genesis());
  std::vector<Member*> nodes;
  for (std::size_t i = 0; i < kValidators; ++i) nodes.push_back(&net.Add(Validator(i)));
  const crypto::KeyPair standby = TestKey("standby");
  nodes.push_back(&net.Add(standby));
  net.LinkAll(nodes);
  for (Member* m : nodes) REQUIRE(m->runner->Start().ok());
  std::int64_t amount_fen = 1'000;
  const auto all_at = [&](std::uint64_t h) {
    return std::all_of(nodes.begin(), nodes.end(), [&](Member* m) { return m->ledger->height() >= h; });
  };
  const auto commit = [&](const Bytes& tx) {
    const std::uint64_t target = nodes[0]->ledger->height() + 1;
    net.SubmitTo(nodes, tx);
    REQUIRE(net.AdvanceUntil(100, 120'000, [&] { return all_at(target); }));
  };
  const auto donation = [&] { commit(chain.DonationTx("org:federation", amount_fen++, chain.bank, "bank-1")); };
  const auto change = [&](const crypto::PublicKey& key, std::uint64_t power, std::uint64_t effective,
                          std::vector<const crypto::KeyPair*> signers) {
    signers.insert(signers.begin(), &chain.bureau);
    commit(chain.MakeTx(
        [&](pb::TxBody& body) {
          auto* c = body.mutable_validator_set_change();
          auto* u = c->add_updates();
          u->set_public_key(std::string(key.begin(), key.end()));
          u->set_voting_power(power);
          if (power > 0) u->set_org_id("bank-1");
          c->set_effective_height(effective);
        },
        signers));
  };
  const auto signed_by = [&](std::uint64_t h, const crypto::PublicKey& key) {
    const auto block = nodes[0]->ledger->Read()->CommittedBlockAt(h);
    REQUIRE(block.has_value());
    const auto set = nodes[0]->ledger->ValidatorsAt(h);
    REQUIRE(set.ok());
    for (const auto& s : block->commit().signatures()) {
      if ((*set)[s.validator_index()].public_key == key) return true;
    }
    return false;
  };
  const crypto::KeyPair v0 = Validator(0), v1 = Validator(1), v2 = Validator(2), v3 = Validator(3);

  donation();
  const std::uint64_t e1 = nodes[0]->ledger->height() + 3;  // committed at head + 1: E >= c + 2
  change(standby.public_key, 1, e1, {&v0, &v1, &v2, &v3});
  while (nodes[0]->ledger->height() < e1 + 4) donation();
  bool standby_signed = false;
  for (std::uint64_t h = 1; h <= nodes[0]->ledger->height(); ++h) {
    if (h < e1) CHECK_FALSE(signed_by(h, standby.public_key));
    if (h >= e1) standby_signed = standby_signed || signed_by(h, standby.public_key);
  }
  CHECK(standby_signed);
  CHECK(nodes[4]->runner->stats().blocks_committed_by_consensus > 0);  // it decided blocks itself

  const std::uint64_t e2 = nodes[0]->ledger->height() + 3;
  change(v3.public_key, 0, e2, {&v0, &v1, &v2, &standby});
  while (nodes[0]->ledger->height() < e2 + 4) donation();
  for (std::uint64_t h = e2; h <= nodes[0]->ledger->height(); ++h) CHECK_FALSE(signed_by(h, v3.public_key));
  for (Member* m : nodes) {
    CHECK(m->runner->fatal() == std::nullopt);
    CHECK(m->ledger->height() == nodes[0]->ledger->height());
    CHECK(m->ledger->head_hash() == nodes[0]->ledger->head_hash());
  }
}
