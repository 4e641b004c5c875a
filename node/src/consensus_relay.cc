// Vote relay and fast catch-up (docs/consensus.md "Vote relay"). Tendermint's liveness proof
// assumes gossip: a message one honest validator holds eventually reaches every honest
// validator. Re-broadcasting only one's own votes does not give that (issue 15: a Byzantine
// precommit that reached one validator left the others a vote short forever). So every tick
// each validator tells the others where it is and which votes of that round it holds; each
// answers with the votes (any signer, signatures intact) and the proposal the status lacks.
//
// Everything here is driven by what peers said; no clock, no socket. Bounds: a status is
// answered at most Config::relay_statuses_per_tick times per peer between two of our ticks,
// and one answer is at most one proposal plus two votes per validator per round sent.
#include <algorithm>
#include <cassert>

#include "consensus_impl.h"

namespace shanliu::node::consensus {

void Core::Impl::BroadcastRoundStatus() {
  assert(height > 0);
  const std::size_t n = current.size();
  RoundStatus status{height, round, false, std::vector<bool>(n, false), std::vector<bool>(n, false), std::nullopt};
  if (const auto it = rounds.find(round); it != rounds.end()) {
    const RoundState& rs = it->second;
    status.has_proposal = rs.proposal.has_value();
    for (std::uint32_t v = 0; v < n; ++v) {
      status.prevotes[v] = rs.prevotes.Get(v) != nullptr;
      status.precommits[v] = rs.precommits.Get(v) != nullptr;
    }
  }
  status.decided_round_lacking_proposal = DecidedRoundLackingProposal();
  Emit(Broadcast{std::move(status)});
}

std::optional<std::uint32_t> Core::Impl::DecidedRoundLackingProposal() const {
  for (const auto& [at_round, rs] : rounds) {
    for (const auto& [block_hash, power] : rs.precommits.power_by_hash()) {
      if (block_hash != kNilHash && IsQuorum(power) && FindBlock(block_hash) == nullptr) return at_round;
    }
  }
  return std::nullopt;
}

Status Core::Impl::OnRoundStatus(const RoundStatus& status, std::optional<std::uint32_t> from) {
  const std::size_t n = current.size();
  if (!from || *from >= n || *from == my_index) {
    return Reject("unknown_sender", "a round status must come from another validator");
  }
  if (status.height == 0) return Reject("malformed", "round status for height 0");
  if (status.round > config.max_round) {
    return Reject("round_out_of_range", "round status for round " + std::to_string(status.round));
  }
  if (status.decided_round_lacking_proposal && *status.decided_round_lacking_proposal > config.max_round) {
    return Reject("round_out_of_range",
                  "round status lacks the proposal of round " + std::to_string(*status.decided_round_lacking_proposal));
  }
  // Bitmaps are of the set of the status's height, which may not be ours.
  if (status.height == height && (status.prevotes.size() != n || status.precommits.size() != n)) {
    return Reject("malformed", "round status bitmaps must have one bit per validator (" + std::to_string(n) + ")");
  }
  const std::uint32_t sender = *from;
  if (statuses_this_tick[sender] >= config.relay_statuses_per_tick) {
    return Reject("too_frequent", "validator " + std::to_string(sender) + " sent more round statuses than a tick allows");
  }
  ++statuses_this_tick[sender];
  // The latest claim, lower or higher: a restarted peer's height may fall.
  peer_height[sender] = status.height;
  if (status.height > height) {
    seen_ahead[sender] = true;
    CatchUpFast();
    return Status::Ok();
  }
  // A peer below us asks for the decisions it missed (it sees our status as ahead); votes of
  // this height are no use to it.
  if (status.height < height || faults.no_vote_relay) return Status::Ok();
  RelayRound(sender, status.round, &status);
  // The peer holds a decision's precommits without its block: the round's proposal completes it
  // (unless RelayRound just sent it, being the proposal of the peer's own round).
  if (const auto& decided = status.decided_round_lacking_proposal;
      decided && (*decided != status.round || status.has_proposal)) {
    if (const auto it = rounds.find(*decided); it != rounds.end() && it->second.proposal) {
      Emit(SendTo{sender, Message(*it->second.proposal)});
    }
  }
  // A peer in an earlier round also gets what we hold for ours: with more than 1/3 of the power
  // there, it may skip ahead (line 55 of Algorithm 1) instead of waiting out its timeouts.
  if (round > status.round) RelayRound(sender, round, nullptr);
  return Status::Ok();
}

// Sends `to` our proposal and votes of `at_round` that its status does not mark as held (all
// of them when status is null: the peer has not reached that round, so it reported nothing).
void Core::Impl::RelayRound(std::uint32_t to, std::uint32_t at_round, const RoundStatus* status) {
  assert(to < current.size() && to != my_index);
  const auto it = rounds.find(at_round);
  if (it == rounds.end()) return;
  const RoundState& rs = it->second;
  // The block travels only to a peer in that round that says it lacks it.
  if (status != nullptr && !status->has_proposal && rs.proposal) Emit(SendTo{to, Message(*rs.proposal)});
  for (const VoteType type : {VoteType::kPrevote, VoteType::kPrecommit}) {
    const VoteSet& set = type == VoteType::kPrevote ? rs.prevotes : rs.precommits;
    for (std::uint32_t v = 0; v < current.size(); ++v) {
      if (v == to) continue;  // its own vote it has
      if (status != nullptr && (type == VoteType::kPrevote ? status->prevotes[v] : status->precommits[v])) continue;
      if (const Vote* vote = set.Get(v)) Emit(SendTo{to, Message(*vote)});
    }
  }
}

// A peer two or more heights ahead is not the usual skew of one decision: ask for this
// height's decision at once instead of after a whole tick, at every height entered while it
// stays ahead, so a validator that restarts far behind catches up at network speed rather
// than one height per tick (issue 15, seed 1006429). Each peer is asked once per height;
// those claiming the least are named first, so a peer claiming an absurd height is asked last.
void Core::Impl::CatchUpFast() {
  if (height == 0) return;
  std::vector<std::uint32_t> ahead;
  for (std::uint32_t v = 0; v < peer_height.size(); ++v) {
    if (v != my_index && peer_height[v] > height + 1 && !asked_at_height[v]) ahead.push_back(v);
  }
  if (ahead.empty()) return;
  std::stable_sort(ahead.begin(), ahead.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return peer_height[a] < peer_height[b]; });
  constexpr std::size_t kAskAtOnce = 2;
  if (ahead.size() > kAskAtOnce) ahead.resize(kAskAtOnce);
  for (std::uint32_t v : ahead) asked_at_height[v] = true;
  Emit(RequestDecision{height, std::move(ahead)});
}

}  // namespace shanliu::node::consensus
