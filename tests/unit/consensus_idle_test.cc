// Consensus with empty blocks off (DESIGN 7, CometBFT's create_empty_blocks = false): a new
// height waits until txs are available, another validator starts it, or the heartbeat fires.
// Time is the scripted network's: timeouts fire only when the test fires them.
#include <doctest/doctest.h>

#include <string>

#include "../sim/scripted_net.h"

namespace {

using namespace shanliu;
using sim::ScriptedNet;
namespace cs = node::consensus;
using cs::Step;

constexpr std::uint64_t kHeartbeatMs = 60'000;

void NoEmptyBlocks(cs::Config& config) {
  config.create_empty_blocks = false;
  config.empty_block_interval_ms = kHeartbeatMs;
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::size_t Count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("an idle chain makes no block until the heartbeat and then exactly one") {
  ScriptedNet net({1, 1, 1, 1}, NoEmptyBlocks);
  net.BuildUpTo(2);
  const std::string started = net.Start();
  // Every validator waits: the heartbeat scheduled, the application asked for txs, and nothing
  // proposed, voted or timed in the propose step.
  CHECK(Count(started, "schedule wait h=1 r=0 60000ms") == 4);
  CHECK(Count(started, "wait-for-txs h=1") == 4);
  CHECK_FALSE(Contains(started, "build"));
  CHECK_FALSE(Contains(started, "broadcast"));
  CHECK_FALSE(Contains(started, "schedule propose"));
  for (std::uint32_t i = 0; i < 4; ++i) {
    CHECK(net.core(i).snapshot().step == Step::kWait);
    CHECK_FALSE(net.HasTimeout(i, Step::kPropose));
  }
  // Gossip ticks go by (whole seconds of idleness): still nothing.
  for (int tick = 0; tick < 5; ++tick) {
    for (std::uint32_t i = 0; i < 4; ++i) CHECK(net.Tick(i).empty());
  }
  CHECK(net.Stabilize().empty());
  for (std::uint32_t i = 0; i < 4; ++i) CHECK(net.commits(i).empty());

  // The heartbeat fires at the proposer of (1, 0) only: it proposes an (empty) block, and the
  // others join the round on seeing it, without their own heartbeat.
  const std::uint32_t proposer = cs::ProposerIndex(net.config().validators, 1, 0);
  const std::string beat = net.Fire(proposer, Step::kWait);
  CHECK(Contains(beat, "build h=1 r=0"));
  net.Stabilize();
  for (std::uint32_t i = 0; i < 4; ++i) {
    REQUIRE(net.commits(i).size() == 1);
    CHECK(net.commits(i)[0].height == 1);
    // Height 2 waits again, with a fresh heartbeat.
    CHECK(net.core(i).snapshot().height == 2);
    CHECK(net.core(i).snapshot().step == Step::kWait);
  }
}

TEST_CASE("a tx arriving on an idle chain commits at once, without any timeout") {
  ScriptedNet net({1, 1, 1, 1}, NoEmptyBlocks);
  net.Start();
  const std::uint32_t proposer = cs::ProposerIndex(net.config().validators, 1, 0);
  // The tx reaches the proposer (gossip brings it to the others later; they need not wait for it).
  const std::string woke = net.TxsArrive(proposer, 1);
  CHECK(Contains(woke, "schedule propose h=1 r=0"));
  CHECK(Contains(woke, "build h=1 r=0"));
  CHECK(Contains(woke, "broadcast proposal h=1 r=0"));
  const std::string rest = net.Stabilize();
  CHECK_FALSE(Contains(rest, "timeout-fired"));
  for (std::uint32_t i = 0; i < 4; ++i) {
    REQUIRE(net.commits(i).size() == 1);
    CHECK(net.commits(i)[0].round == 0);
  }
  // A late or repeated signal for a height already decided changes nothing.
  for (std::uint32_t i = 0; i < 4; ++i) {
    CHECK(net.TxsArrive(i, 1).empty());
    CHECK(net.core(i).snapshot().step == Step::kWait);
  }
}

TEST_CASE("txs at a validator that is not the proposer still commit once its round starts") {
  ScriptedNet net({1, 1, 1, 1}, NoEmptyBlocks);
  net.Start();
  const std::uint32_t proposer = cs::ProposerIndex(net.config().validators, 1, 0);
  const std::uint32_t other = (proposer + 1) % 4;
  // It starts round 0 alone: a propose timeout, no proposal (it is not the proposer).
  const std::string woke = net.TxsArrive(other, 1);
  CHECK(Contains(woke, "schedule propose h=1 r=0"));
  CHECK_FALSE(Contains(woke, "build"));
  CHECK(net.core(other).snapshot().step == Step::kPropose);
  // Its propose timeout makes it prevote nil; that vote wakes the others, the proposer builds,
  // and three prevotes of four are enough for the block in the same round.
  net.Fire(other, Step::kPropose);
  net.Stabilize();
  for (std::uint32_t i = 0; i < 4; ++i) {
    REQUIRE(net.commits(i).size() == 1);
    CHECK(net.commits(i)[0].round == 0);
  }
}

TEST_CASE("a signal for another height or after the round started is ignored") {
  ScriptedNet net({1, 1, 1, 1}, NoEmptyBlocks);
  net.Start();
  CHECK(net.TxsArrive(0, 2).empty());   // a height not reached yet
  CHECK(net.TxsArrive(0, 0).empty());   // genesis
  CHECK(net.core(0).snapshot().step == Step::kWait);
  CHECK_FALSE(net.TxsArrive(0, 1).empty());
  CHECK(net.TxsArrive(0, 1).empty());  // twice: the round already runs
  // A stale heartbeat after the round started does not skip the propose step.
  CHECK(net.Fire(0, Step::kWait).empty());
  CHECK(net.core(0).snapshot().step == Step::kPropose);
}

TEST_CASE("with empty blocks on, heights start at once as before") {
  ScriptedNet net({1, 1, 1, 1});
  const std::string started = net.Start();
  CHECK_FALSE(Contains(started, "wait"));
  CHECK(Count(started, "schedule propose h=1 r=0") == 4);
}

TEST_CASE("a heartbeat of zero or over a day is refused") {
  for (std::uint64_t interval : {std::uint64_t{0}, std::uint64_t{86'400'001}}) {
    cs::Config config = sim::MakeConfig({1, 1, 1, 1});
    config.create_empty_blocks = false;
    config.empty_block_interval_ms = interval;
    auto core = cs::Core::Create(config, sim::ValidatorKey(0));
    REQUIRE_FALSE(core.ok());
    CHECK(core.status().code() == "bad_config");
  }
  cs::Config config = sim::MakeConfig({1, 1, 1, 1});
  config.create_empty_blocks = false;
  config.empty_block_interval_ms = 86'400'000;  // the boundary that passes
  CHECK(cs::Core::Create(config, sim::ValidatorKey(0)).ok());
}

TEST_CASE("a validator restarting mid-height resumes its round instead of waiting") {
  ScriptedNet net({1, 1, 1, 1}, NoEmptyBlocks);
  net.Start();
  const std::uint32_t proposer = cs::ProposerIndex(net.config().validators, 1, 0);
  net.TxsArrive(proposer, 1);  // proposes and prevotes: WAL records at height 1
  net.Crash(proposer);
  const std::string restarted = net.Restart(proposer);
  CHECK_FALSE(Contains(restarted, "wait-for-txs"));
  CHECK(net.core(proposer).snapshot().step != Step::kWait);
}
