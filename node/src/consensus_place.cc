// Placing verified messages of the current height: into the state of their round, or, beyond
// round + future_round_window, into a per-validator slot that keeps only that validator's
// highest round (all the round-skip rule needs). Conflicts become evidence.
#include <cassert>

#include "consensus_impl.h"

namespace shanliu::node::consensus {

Status Core::Impl::Place(Message message) {
  if (auto* p = std::get_if<Proposal>(&message)) return PlaceProposal(std::move(*p));
  return PlaceVote(std::get<Vote>(message));
}

namespace {

// Keeps the messages of one validator's highest far round: a slot of at most one per kind.
Status PlaceFar(std::vector<Message>& slot, Message message, std::optional<std::uint32_t>& highest,
                std::vector<Message>* conflicting) {
  const std::uint32_t message_round = RoundOf(message);
  if (!slot.empty()) {
    const std::uint32_t slot_round = RoundOf(slot.front());
    if (message_round < slot_round) return Reject("stale", "the sender has since been seen in a higher round");
    if (message_round > slot_round) slot.clear();
  }
  for (const Message& kept : slot) {
    if (KindOf(kept) != KindOf(message)) continue;
    const bool same = std::holds_alternative<Vote>(kept)
                          ? std::get<Vote>(kept).block_hash == std::get<Vote>(message).block_hash
                          : SameProposal(std::get<Proposal>(kept), std::get<Proposal>(message));
    if (same) return Reject("duplicate", "far-round message already received");
    conflicting->push_back(kept);
    conflicting->push_back(std::move(message));
    return Reject("equivocation", "conflicting far-round messages");
  }
  slot.push_back(std::move(message));
  assert(slot.size() <= 3);
  if (!highest || message_round > *highest) highest = message_round;
  return Status::Ok();
}

}  // namespace

void Core::Impl::RecordEquivocation(std::uint32_t validator, const Message& first, const Message& second) {
  const auto key = std::make_tuple(validator, RoundOf(first), static_cast<std::uint8_t>(KindOf(first)));
  if (evidence_seen.size() >= config.max_evidence_per_height || !evidence_seen.insert(key).second) return;
  if (const auto* p = std::get_if<Proposal>(&first)) {
    Emit(RecordEvidence{ProposalEquivocation{WithoutBlock(*p), WithoutBlock(std::get<Proposal>(second))}});
  } else {
    Emit(RecordEvidence{VoteEquivocation{std::get<Vote>(first), std::get<Vote>(second)}});
  }
}

Status Core::Impl::PlaceProposal(Proposal p) {
  assert(p.height == height);
  for (const PolkaSignature& prevote : p.polka) (void)PlaceVote(PolkaVote(p, prevote), /*from_polka=*/true);
  if (p.round > round + config.future_round_window) {
    const std::uint32_t proposer = p.proposer_index;
    std::vector<Message> conflicting;
    Status status = PlaceFar(far_round_messages[proposer], std::move(p), highest_round[proposer], &conflicting);
    if (!conflicting.empty()) RecordEquivocation(proposer, conflicting[0], conflicting[1]);
    return status;
  }
  RoundState& rs = Round(p.round);
  if (rs.proposal) {
    if (SameProposal(*rs.proposal, p)) return Reject("duplicate", "proposal already received");
    RecordEquivocation(p.proposer_index, Message(*rs.proposal), Message(p));
    return Reject("equivocation", "a different proposal for this round was already received");
  }
  std::optional<std::uint32_t>& highest = highest_round[p.proposer_index];
  if (!highest || p.round > *highest) highest = p.round;
  rs.proposal = std::move(p);
  RequestValidation(rs.proposal->round, rs.proposal->block_hash, rs.proposal->block);
  return Status::Ok();
}

Status Core::Impl::PlaceVote(const Vote& v, bool from_polka) {
  assert(v.height == height);
  if (v.round > round + config.future_round_window) {
    std::vector<Message> conflicting;
    Status status = PlaceFar(far_round_messages[v.validator_index], v, highest_round[v.validator_index], &conflicting);
    if (!conflicting.empty()) RecordEquivocation(v.validator_index, conflicting[0], conflicting[1]);
    return status;
  }
  RoundState& rs = Round(v.round);
  VoteSet& set = v.type == VoteType::kPrevote ? rs.prevotes : rs.precommits;
  switch (set.Add(v, PowerOf(v.validator_index), from_polka)) {
    case VoteSet::Insert::kAdded:
      break;
    case VoteSet::Insert::kDuplicate:
      return Reject("duplicate", "vote already received");
    case VoteSet::Insert::kConflict:
      // Counted for its own value, as Algorithm 1 counts every signed message; and evidence.
      RecordEquivocation(v.validator_index, Message(*set.Get(v.validator_index)), Message(v));
      break;
    case VoteSet::Insert::kOverLimit:
      return Reject("equivocation", "this validator already signed conflicting votes here");
  }
  std::optional<std::uint32_t>& highest = highest_round[v.validator_index];
  if (!highest || v.round > *highest) highest = v.round;
  return Status::Ok();
}

void Core::Impl::PromoteFarRounds() {
  for (std::vector<Message>& slot : far_round_messages) {
    if (slot.empty() || RoundOf(slot.front()) > round + config.future_round_window) continue;
    std::vector<Message> now_current = std::move(slot);
    slot.clear();
    for (Message& message : now_current) (void)Place(std::move(message));
  }
}

void Core::Impl::RequestValidation(std::uint32_t at_round, const Hash256& block_hash, const Bytes& block) {
  if (!validity.emplace(block_hash, Validity::kPending).second) return;
  Emit(ValidateBlock{height, at_round, block_hash, block});
}

}  // namespace shanliu::node::consensus
