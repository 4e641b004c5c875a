// Incoming messages: structural checks, signature verification, then routing by height and
// round. Every message a peer sends lands in a bounded place or is dropped with a reason:
//   height below ours      -> dropped (late, or the sender is behind and will ask for a Decision)
//   height + 1             -> verified, kept per validator (bounded FIFO) until we get there
//   above height + 1       -> dropped
// Any message from a higher height marks its sender as ahead (RequestDecision on the next tick).
//   this height, round <= round + future_round_window -> the round's state
//   this height, further   -> per validator, only its highest round (for the round-skip rule)
#include <cassert>
#include <set>

#include "consensus_impl.h"
#include "consensus_visit.h"

namespace shanliu::node::consensus {
namespace {

Status Reject(const std::string& code, const std::string& why) { return Status::Error(code, why); }

std::uint32_t RoundOf(const Message& m) {
  if (const auto* p = std::get_if<Proposal>(&m)) return p->round;
  return std::get<Vote>(m).round;
}

// One slot per kind in a far-round slot: the proposal, the prevote, the precommit.
int KindOf(const Message& m) {
  if (std::holds_alternative<Proposal>(m)) return 0;
  return std::get<Vote>(m).type == VoteType::kPrevote ? 1 : 2;
}

bool SameProposal(const Proposal& a, const Proposal& b) {
  return a.block_hash == b.block_hash && a.valid_round == b.valid_round && a.signature == b.signature;
}

Proposal WithoutBlock(Proposal p) {
  p.block.clear();
  p.polka.clear();
  return p;
}

Vote PolkaVote(const Proposal& p, const PolkaSignature& prevote) {
  assert(p.valid_round);
  return Vote{VoteType::kPrevote, p.height, *p.valid_round, p.block_hash, prevote.validator_index, prevote.signature};
}

}  // namespace

Status Core::Impl::OnMessage(Message message) {
  if (height == 0) return Reject("not_started", "the core has not been started");
  Status status = std::visit(Overloaded{
                                 [&](Proposal& p) { return AdmitProposal(std::move(p)); },
                                 [&](Vote& v) { return AdmitVote(v); },
                                 [&](Decision& d) { return AdmitDecision(std::move(d)); },
                             },
                             message);
  if (status.ok()) Progress();
  return status;
}

bool Core::Impl::VerifySignature(const crypto::PublicKey& key, ByteView message, const crypto::Signature& signature) const {
  return config.verify_signature ? config.verify_signature(key, message, signature)
                                 : crypto::VerifyRaw(key, message, signature);
}

bool Core::Impl::VerifyProposalSignature(const Proposal& p) const {
  const Bytes sign_bytes = ProposalSignBytes(config.chain_id, p.height, p.round, p.valid_round, p.block_hash);
  return VerifySignature(config.validators[p.proposer_index].public_key, sign_bytes, p.signature);
}

bool Core::Impl::VerifyVoteSignature(const Vote& v) const {
  if (faults.skip_vote_signature_check) return true;
  const Bytes sign_bytes = ledger::VoteSignBytes(config.chain_id, v.type, v.height, v.round, v.block_hash);
  return VerifySignature(config.validators[v.validator_index].public_key, sign_bytes, v.signature);
}

Status Core::Impl::AdmitProposal(Proposal p) {
  if (p.proposer_index >= config.validators.size()) {
    return Reject("unknown_validator", "proposal from validator index " + std::to_string(p.proposer_index));
  }
  if (p.height == 0) return Reject("malformed", "proposal for height 0");
  if (p.round > config.max_round) return Reject("round_out_of_range", "proposal round " + std::to_string(p.round));
  if (p.valid_round && *p.valid_round >= p.round) return Reject("malformed", "proposal valid round not below its round");
  if (p.block_hash == kNilHash) return Reject("malformed", "proposal for the nil hash");
  if (p.block.size() > config.max_block_bytes) {
    return Reject("oversize", "proposed block of " + std::to_string(p.block.size()) + " bytes");
  }
  if (p.proposer_index != Proposer(p.height, p.round)) {
    return Reject("not_proposer", "validator " + std::to_string(p.proposer_index) + " is not the proposer of h=" +
                                      std::to_string(p.height) + " r=" + std::to_string(p.round));
  }
  if (p.height < height) return Reject("past_height", "proposal for height " + std::to_string(p.height));
  if (p.height > height + 1) {
    seen_ahead[p.proposer_index] = true;  // unverified, but only a hint for whom to ask
    return Reject("height_too_far", "proposal for height " + std::to_string(p.height));
  }
  if (p.height == height) {
    auto it = rounds.find(p.round);
    if (it != rounds.end() && it->second.proposal && SameProposal(*it->second.proposal, p)) {
      return Reject("duplicate", "proposal already received");
    }
  }
  const Result<Hash256> identity = config.block_hash(p.block);
  if (!identity.ok() || *identity != p.block_hash) {
    return Reject("block_hash_mismatch", "the proposed block does not hash to " + ShortHash(p.block_hash));
  }
  if (!VerifyProposalSignature(p)) return Reject("bad_signature", Describe(Message(WithoutBlock(p))));
  SHANLIU_RETURN_IF_ERROR(CheckPolka(p));
  if (p.height == height + 1) {
    seen_ahead[p.proposer_index] = true;
    auto& queue = next_height_messages[p.proposer_index];
    queue.push_back(std::move(p));
    if (queue.size() > config.max_future_height_messages_per_validator) queue.pop_front();
    return Status::Ok();
  }
  return PlaceProposal(std::move(p));
}

Status Core::Impl::AdmitVote(const Vote& v) {
  if (v.validator_index >= config.validators.size()) {
    return Reject("unknown_validator", "vote from validator index " + std::to_string(v.validator_index));
  }
  if (v.height == 0) return Reject("malformed", "vote for height 0");
  if (v.round > config.max_round) return Reject("round_out_of_range", "vote round " + std::to_string(v.round));
  if (v.height < height) return Reject("past_height", "vote for height " + std::to_string(v.height));
  if (v.height > height + 1) {
    seen_ahead[v.validator_index] = true;
    return Reject("height_too_far", "vote for height " + std::to_string(v.height));
  }
  if (v.height == height) {
    // Re-broadcasts are common; an identical stored vote needs no second verification.
    auto it = rounds.find(v.round);
    if (it != rounds.end()) {
      const VoteSet& set = v.type == VoteType::kPrevote ? it->second.prevotes : it->second.precommits;
      if (set.Has(v)) return Reject("duplicate", "vote already received");
    }
  }
  if (!VerifyVoteSignature(v)) return Reject("bad_signature", Describe(Message(v)));
  if (v.height == height + 1) {
    seen_ahead[v.validator_index] = true;
    auto& queue = next_height_messages[v.validator_index];
    queue.push_back(v);
    if (queue.size() > config.max_future_height_messages_per_validator) queue.pop_front();
    return Status::Ok();
  }
  return PlaceVote(v);
}

Status Core::Impl::AdmitDecision(Decision d) {
  const pb::CommitCertificate& c = d.certificate;
  if (c.height() < height) return Reject("past_height", "decision for height " + std::to_string(c.height()));
  if (c.height() > height) return Reject("height_too_far", "decision for height " + std::to_string(c.height()));
  if (c.round() > config.max_round) return Reject("round_out_of_range", "decision round " + std::to_string(c.round()));
  if (d.block.size() > config.max_block_bytes) {
    return Reject("oversize", "decided block of " + std::to_string(d.block.size()) + " bytes");
  }
  if (c.block_hash().size() != 32) return Reject("malformed", "decision block hash is not 32 bytes");
  Hash256 block_hash;
  std::copy(c.block_hash().begin(), c.block_hash().end(), block_hash.begin());
  if (block_hash == kNilHash) return Reject("malformed", "decision for the nil hash");
  if (decision) {
    if (decision->certificate.block_hash() == c.block_hash()) return Reject("duplicate", "decision already received");
    // Two certificates for different blocks need more than 1/3 faulty power; keep the first.
    return Reject("conflicting_decision", "a decision for another block at this height was already verified");
  }
  const Result<Hash256> identity = config.block_hash(d.block);
  if (!identity.ok() || *identity != block_hash) {
    return Reject("block_hash_mismatch", "the decided block does not hash to " + ShortHash(block_hash));
  }
  SHANLIU_RETURN_IF_ERROR(ledger::VerifyCommitCertificate(c, config.chain_id, height, block_hash, config.validators));
  const std::uint32_t at_round = c.round();
  decision = std::move(d);
  RequestValidation(at_round, block_hash, decision->block);
  return Status::Ok();
}

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

// A proposal's polka must be prevotes of distinct validators with more than 2/3 of the power,
// each with a valid signature: an honest proposer sends exactly that or nothing.
Status Core::Impl::CheckPolka(const Proposal& p) const {
  if (p.polka.empty()) return Status::Ok();
  if (!p.valid_round) return Reject("malformed", "polka on a proposal without a valid round");
  if (p.polka.size() > config.validators.size()) return Reject("malformed", "polka larger than the validator set");
  std::set<std::uint32_t> seen;
  std::uint64_t power = 0;
  const auto stored = rounds.find(*p.valid_round);
  for (const PolkaSignature& prevote : p.polka) {
    if (prevote.validator_index >= config.validators.size() || !seen.insert(prevote.validator_index).second) {
      return Reject("malformed", "polka names an unknown or repeated validator");
    }
    const Vote vote = PolkaVote(p, prevote);
    const bool already_verified = p.height == height && stored != rounds.end() && stored->second.prevotes.Has(vote);
    if (!already_verified && !VerifyVoteSignature(vote)) return Reject("bad_signature", "polka " + Describe(Message(vote)));
    power += PowerOf(prevote.validator_index);
  }
  if (!IsQuorum(power)) return Reject("malformed", "polka without more than 2/3 of the voting power");
  return Status::Ok();
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
