// Whole nodes (node::Node: ledger, mempool, checkpoints, network side and the one commit
// fan-out) over an in-memory transport, a manual clock and manual timers, all in this one
// thread. The runner's own test drives the network pieces with a hand-made fan-out; this one
// checks that the owner wires them together as node.h promises.
#include <doctest/doctest.h>

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "shanliu/ledger/checkpoint.h"
#include "shanliu/node/clock.h"
#include "shanliu/node/memory_transport.h"
#include "shanliu/node/node.h"
#include "manual_loop.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TempDir;
using shanliu::testing::TestChain;
using shanliu::testing::TestKey;

namespace {

constexpr std::size_t kValidators = 4;

void FourValidators(ledger::Genesis& g) {
  const char* orgs[kValidators] = {"bureau", "federation", "bank-1", "bureau"};
  g.validators.clear();
  for (std::size_t i = 0; i < kValidators; ++i) {
    g.validators.push_back({TestKey("validator-" + std::to_string(i)).public_key, 1, orgs[i]});
  }
}

crypto::KeyPair Validator(std::size_t i) { return TestKey("validator-" + std::to_string(i)); }

struct Member {
  crypto::KeyPair key;
  TempDir dir;
  std::unique_ptr<node::Node> node;
  std::vector<std::string> steps;            // "<height>:<step>", as the fan-out traced them
  std::vector<std::uint64_t> subscriber;     // heights the OnCommitted subscriber heard
};

// Gossiped txs are admitted on the node's gossip thread, which posts back to the loop: an idle
// loop waits 20 ms for such a post before it counts as settled (manual_loop.h).
class Net : public shanliu::testing::ManualLoop {
 public:
  explicit Net(ledger::Genesis genesis)
      : ManualLoop(genesis.genesis_time_ms + 60'000, std::chrono::milliseconds(20)),
        genesis_(std::move(genesis)),
        network(io) {}

  Member& Add(const crypto::KeyPair& key, bool observer = false) {
    auto m = std::make_unique<Member>();
    m->key = key;
    node::NodeOptions options;
    options.data_dir = m->dir.path() / "ledger";
    options.clock = &clock;
    options.timers = &timers;
    options.observer = observer;
    options.transport = network.Endpoint(key.public_key);
    // Who the node follows is the memory network's business; an observer only needs to know it
    // is not alone.
    if (observer) options.peers.push_back({Validator(0).public_key, "memory"});
    auto opened = node::Node::Open(io, std::move(options), genesis_, key);
    REQUIRE(opened.ok());
    m->node = std::move(*opened);
    Member* self = m.get();
    m->node->SetTrace([self](std::string_view step, std::uint64_t height) {
      self->steps.push_back(std::to_string(height) + ":" + std::string(step));
    });
    m->node->SetOnCommitted([self](std::uint64_t height) { self->subscriber.push_back(height); });
    members_.push_back(std::move(m));
    return *members_.back();
  }

  void LinkAll(const std::vector<Member*>& group) {
    for (std::size_t i = 0; i < group.size(); ++i) {
      for (std::size_t j = i + 1; j < group.size(); ++j) network.Connect(group[i]->key.public_key, group[j]->key.public_key);
    }
  }

 private:
  const ledger::Genesis genesis_;

 public:
  node::MemoryNetwork network;

 private:
  std::deque<std::unique_ptr<Member>> members_;  // destroyed first
};

bool AllAt(const std::vector<Member*>& group, std::uint64_t height) {
  for (const Member* m : group) {
    if (m->node->ledger().height() != height) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("four whole nodes over a memory network commit a gossiped tx through one ordered fan-out") {
  TestChain chain(FourValidators);
  Net net(chain.genesis());
  std::vector<Member*> all;
  for (std::size_t i = 0; i < kValidators; ++i) all.push_back(&net.Add(Validator(i)));
  Member& observer = net.Add(TestKey("observer"), /*observer=*/true);
  std::vector<Member*> everyone = all;
  everyone.push_back(&observer);
  net.LinkAll(everyone);
  for (Member* m : everyone) REQUIRE(m->node->Start().ok());
  net.Settle();
  CHECK(all[0]->node->role() == node::NodeRole::kValidator);
  CHECK(observer.node->role() == node::NodeRole::kObserver);
  CHECK(AllAt(everyone, 0));  // nothing pending: no block

  // Submitted to the observer alone: it reaches the validators only by gossip.
  const auto results = observer.node->Submit({chain.DonationTx("org:federation", 5'000, chain.bank, "bank-1")});
  REQUIRE(results.size() == 1);
  REQUIRE(results[0].second.ok());
  REQUIRE(net.AdvanceUntil(20, 10'000, [&] { return AllAt(everyone, 1); }));
  for (Member* m : everyone) {
    CHECK(m->node->fatal() == std::nullopt);
    CHECK(m->node->ledger().head_hash() == all[0]->node->ledger().head_hash());
    CHECK(m->node->mempool().size() == 0);
    // The order node.h promises, once per block, the subscriber last.
    CHECK(m->steps == std::vector<std::string>{"1:mempool", "1:checkpoint", "1:network", "1:subscriber"});
    CHECK(m->subscriber == std::vector<std::uint64_t>{1});
  }
  Status error;
  CHECK(observer.node->PendingState(results[0].first, &error) == node::TxState::kUnknown);
}

TEST_CASE("whole nodes gather a supermajority checkpoint stamped with the node clock") {
  TestChain chain(FourValidators);
  Net net(chain.genesis());
  std::vector<Member*> all;
  for (std::size_t i = 0; i < kValidators; ++i) all.push_back(&net.Add(Validator(i)));
  net.LinkAll(all);
  for (Member* m : all) REQUIRE(m->node->Start().ok());
  net.Settle();
  REQUIRE(all[0]->node->Submit({chain.DonationTx("org:federation", 7'000, chain.bank, "bank-1")})[0].second.ok());
  REQUIRE(net.AdvanceUntil(20, 10'000, [&] { return AllAt(all, 1); }));
  net.Settle();
  for (Member* m : all) {
    const std::optional<std::string> note = m->node->CheckpointNote();
    REQUIRE(note.has_value());
    const auto verified = ledger::VerifyCheckpointNote(*note, chain.genesis());
    REQUIRE(verified.ok());
    CHECK(verified->supermajority);
    CHECK(verified->checkpoint.size == m->node->ledger().head().log_size());
    for (const ledger::CheckpointCosigner& cosigner : verified->cosigners) {
      // Every validator runs on the chain's calendar here, so every stamp is that clock's, not the host's.
      CHECK(cosigner.timestamp_s * 1000 <= net.clock.WallMs());
      CHECK(cosigner.timestamp_s * 1000 + 60'000 >= net.clock.WallMs());
    }
  }
}
