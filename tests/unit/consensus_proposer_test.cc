// Weighted round-robin proposer selection (Tendermint's proposer priority): deterministic from
// the voting powers, proportional to them, and smooth (no validator proposes in long bursts).
#include <doctest/doctest.h>

#include <map>
#include <random>

#include "../sim/scripted_net.h"

namespace {

using namespace shanliu;
namespace cs = node::consensus;

std::vector<ledger::Validator> Validators(const std::vector<std::uint64_t>& powers) {
  return sim::MakeConfig(powers).validators;
}

std::string Sequence(const std::vector<std::uint64_t>& powers, std::uint64_t height, std::uint32_t rounds) {
  const auto validators = Validators(powers);
  std::string out;
  for (std::uint32_t r = 0; r < rounds; ++r) out += std::to_string(cs::ProposerIndex(validators, height, r));
  return out;
}

}  // namespace

TEST_CASE("equal powers rotate through every validator in turn") {
  CHECK(Sequence({1, 1, 1, 1}, 0, 8) == "01230123");
  CHECK(Sequence({1, 1, 1, 1}, 1, 4) == "1230");  // the next height starts one further on
}

TEST_CASE("powers 1,2,3,4: the expected smooth weighted sequence, repeating every 10 positions") {
  // Priorities gain their power each step; the highest proposes and pays back the total (10).
  CHECK(Sequence({1, 2, 3, 4}, 0, 10) == "3213023123");
  CHECK(Sequence({1, 2, 3, 4}, 10, 10) == "3213023123");
  CHECK(Sequence({1, 2, 3, 4}, 3, 3) == Sequence({1, 2, 3, 4}, 0, 6).substr(3));
}

TEST_CASE("over one period every validator proposes exactly its voting power times") {
  std::mt19937_64 random(7);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<std::uint64_t> powers(1 + random() % 12);
    std::uint64_t total = 0;
    for (auto& p : powers) total += p = 1 + random() % 20;
    const auto validators = Validators(powers);
    std::map<std::uint32_t, std::uint64_t> proposed;
    for (std::uint64_t position = 0; position < total; ++position) {
      ++proposed[cs::ProposerIndex(validators, position, 0)];
    }
    for (std::uint32_t v = 0; v < powers.size(); ++v) CHECK(proposed[v] == powers[v]);
  }
}

TEST_CASE("a round change moves to the next proposer, also near the top of the height range") {
  const auto validators = Validators({2, 1, 1});
  const std::uint64_t top = UINT64_MAX;
  // (height + round) mod 4 without overflow: top % 4 == 3, so (top, 1) is position 0.
  CHECK(cs::ProposerIndex(validators, top, 1) == cs::ProposerIndex(validators, 0, 0));
  CHECK(cs::ProposerIndex(validators, top, 0) == cs::ProposerIndex(validators, 3, 0));
}
