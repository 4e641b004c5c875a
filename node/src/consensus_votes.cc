#include "consensus_votes.h"

#include <cassert>

namespace shanliu::node::consensus {

VoteSet::Insert VoteSet::Add(const Vote& vote, std::uint64_t voting_power, bool from_polka) {
  assert(voting_power > 0);
  std::vector<Vote>& votes = by_validator_[vote.validator_index];
  for (const Vote& kept : votes) {
    if (kept.block_hash == vote.block_hash) return Insert::kDuplicate;
  }
  if (votes.size() >= kMaxVotesPerValidator + (from_polka ? 1 : 0)) return Insert::kOverLimit;
  votes.push_back(vote);
  power_by_hash_[vote.block_hash] += voting_power;
  if (votes.size() > 1) return Insert::kConflict;
  total_power_ += voting_power;
  return Insert::kAdded;
}

const Vote* VoteSet::Get(std::uint32_t validator_index) const {
  auto it = by_validator_.find(validator_index);
  return it == by_validator_.end() || it->second.empty() ? nullptr : &it->second.front();
}

bool VoteSet::Has(const Vote& vote) const {
  auto it = by_validator_.find(vote.validator_index);
  if (it == by_validator_.end()) return false;
  for (const Vote& kept : it->second) {
    if (kept.block_hash == vote.block_hash && kept.signature == vote.signature) return true;
  }
  return false;
}

std::uint64_t VoteSet::PowerFor(const Hash256& block_hash) const {
  auto it = power_by_hash_.find(block_hash);
  return it == power_by_hash_.end() ? 0 : it->second;
}

std::vector<const Vote*> VoteSet::VotesFor(const Hash256& block_hash) const {
  std::vector<const Vote*> votes;
  for (const auto& [index, kept] : by_validator_) {
    for (const Vote& vote : kept) {
      if (vote.block_hash == block_hash) votes.push_back(&vote);
    }
  }
  return votes;
}

}  // namespace shanliu::node::consensus
