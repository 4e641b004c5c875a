// Weighted round-robin proposer selection: Tendermint's proposer-priority algorithm (also known
// as smooth weighted round robin). Each step every validator gains its voting power in
// priority, the highest priority proposes (ties go to the lower index) and pays the total
// power back. After total-power steps every priority is zero again, so one period, computed
// once, answers every (height, round) without history.
#include <cassert>

#include "consensus_impl.h"

namespace shanliu::node::consensus {
namespace {

std::uint32_t ProposerAt(const std::vector<std::uint32_t>& table, std::uint64_t height, std::uint32_t round) {
  const std::uint64_t period = table.size();
  return table[(height % period + round % period) % period];  // height + round could overflow
}

}  // namespace

std::vector<std::uint32_t> BuildProposerTable(std::span<const ledger::Validator> validators) {
  assert(!validators.empty());
  std::uint64_t total = 0;
  for (const ledger::Validator& v : validators) total += v.voting_power;
  assert(total > 0 && total <= kMaxTotalVotingPower);
  std::vector<std::int64_t> priority(validators.size(), 0);
  std::vector<std::uint32_t> table;
  table.reserve(total);
  for (std::uint64_t k = 0; k < total; ++k) {
    std::size_t best = 0;
    for (std::size_t i = 0; i < validators.size(); ++i) {
      priority[i] += static_cast<std::int64_t>(validators[i].voting_power);
      if (priority[i] > priority[best]) best = i;
    }
    priority[best] -= static_cast<std::int64_t>(total);
    table.push_back(static_cast<std::uint32_t>(best));
  }
  for (std::int64_t p : priority) assert(p == 0);  // the period closed: the table is exact
  return table;
}

std::uint32_t ProposerIndex(std::span<const ledger::Validator> validators, std::uint64_t height, std::uint32_t round) {
  return ProposerAt(BuildProposerTable(validators), height, round);
}

std::uint32_t Core::Impl::Proposer(std::uint64_t at_height, std::uint32_t at_round) const {
  return ProposerAt(SetAt(at_height).proposer_table, at_height, at_round);
}

}  // namespace shanliu::node::consensus
