// Votes of one type in one round of the current height, with the voting power behind each
// block hash. As in Algorithm 1, a validator counts towards every value it signed a vote for:
// an equivocator's two votes each count for their own value (quorum intersection keeps that
// safe), and its first vote is the one kept for its own record.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "shanliu/node/consensus.h"

namespace shanliu::node::consensus {

class VoteSet {
 public:
  // Direct messages may add at most this many different votes per validator; a polka attached to
  // a proposal may add one more (it is bounded by the one proposal kept per round).
  static constexpr std::size_t kMaxVotesPerValidator = 2;

  enum class Insert {
    kAdded,      // the validator's first vote here
    kDuplicate,  // a vote for the same hash was already counted
    kConflict,   // a second vote for another hash: counted for that hash, and evidence
    kOverLimit,  // an equivocator past the limit: not kept
  };
  Insert Add(const Vote& vote, std::uint64_t voting_power, bool from_polka = false);

  const Vote* Get(std::uint32_t validator_index) const;  // the validator's first vote
  bool Has(const Vote& vote) const;                      // this exact vote, signature included
  std::uint64_t PowerFor(const Hash256& block_hash) const;
  std::uint64_t total_power() const { return total_power_; }  // each validator once
  const std::map<Hash256, std::uint64_t>& power_by_hash() const { return power_by_hash_; }
  std::vector<const Vote*> VotesFor(const Hash256& block_hash) const;  // by validator index

 private:
  std::map<std::uint32_t, std::vector<Vote>> by_validator_;  // sparse: most rounds see few validators
  std::map<Hash256, std::uint64_t> power_by_hash_;
  std::uint64_t total_power_ = 0;
};

}  // namespace shanliu::node::consensus
