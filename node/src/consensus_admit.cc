// Incoming messages: structural checks, signature verification, then routing by height.
// Every message a peer sends lands in a bounded place or is dropped with a reason:
//   height below ours  -> dropped (late, or the sender is behind and will ask for a Decision)
//   this height        -> verified, then placed (consensus_place.cc)
//   height + 1         -> verified, kept per validator (bounded FIFO) until we get there
//   above height + 1   -> dropped
// Any message from a higher height marks its sender as ahead (RequestDecision on a later tick).
// A RoundStatus is not placed anywhere: it is answered (consensus_relay.cc).
#include <cassert>
#include <set>

#include "consensus_impl.h"
#include "consensus_visit.h"

namespace shanliu::node::consensus {

Status Core::Impl::OnMessage(Message message, std::optional<std::uint32_t> from,
                             const std::optional<crypto::PublicKey>& from_key) {
  if (height == 0) return Reject("not_started", "the core has not been started");
  if (from_key) from = current.IndexOf(*from_key);  // the sender's index at this height, if any
  Status status = std::visit(Overloaded{
                                 [&](Proposal& p) { return AdmitProposal(std::move(p)); },
                                 [&](Vote& v) { return AdmitVote(v); },
                                 [&](Decision& d) { return AdmitDecision(std::move(d)); },
                                 [&](RoundStatus& s) { return OnRoundStatus(s, from); },
                             },
                             message);
  if (status.ok()) Progress();
  if (status.code() == "height_too_far" && from && *from < peer_height.size() && *from != my_index) {
    // An authenticated peer sending for a height two or more above ours is at least that far:
    // ask it for our decision at once. A chain that never stalls sends no statuses, so without
    // this a validator far behind catches up one height per tick only (soak seed 30011575).
    const std::uint64_t claimed = std::visit(
        Overloaded{[](const Proposal& p) { return p.height; }, [](const Vote& v) { return v.height; },
                   [](const Decision& d) { return d.certificate.height(); }, [](const RoundStatus& r) { return r.height; }},
        message);
    peer_height[*from] = std::max(peer_height[*from], claimed);
    CatchUpFast();
  }
  return status;
}

bool Core::Impl::VerifySignature(const crypto::PublicKey& key, ByteView message,
                                 const crypto::Signature& signature) const {
  return config.verify_signature ? config.verify_signature(key, message, signature)
                                 : crypto::VerifyRaw(key, message, signature);
}

// Checked against the set of the message's height (index and key).
bool Core::Impl::VerifyProposalSignature(const Proposal& p) const {
  const Bytes sign_bytes = ProposalSignBytes(config.chain_id, p.height, p.round, p.valid_round, p.block_hash);
  return VerifySignature(SetAt(p.height).validators[p.proposer_index].public_key, sign_bytes, p.signature);
}

bool Core::Impl::VerifyVoteSignature(const Vote& v) const {
  if (faults.skip_vote_signature_check) return true;
  const Bytes sign_bytes = ledger::VoteSignBytes(config.chain_id, v.type, v.height, v.round, v.block_hash);
  return VerifySignature(SetAt(v.height).validators[v.validator_index].public_key, sign_bytes, v.signature);
}

Status Core::Impl::AdmitProposal(Proposal p) {
  if (p.proposer_index >= SetAt(p.height).size()) {
    return RefuseSigner(p.height, p.proposer_index,
                        ProposalSignBytes(config.chain_id, p.height, p.round, p.valid_round, p.block_hash), p.signature,
                        "unknown_validator", "proposal from validator index " + std::to_string(p.proposer_index));
  }
  if (p.height == 0) return Reject("malformed", "proposal for height 0");
  if (p.round > config.max_round) return Reject("round_out_of_range", "proposal round " + std::to_string(p.round));
  if (p.valid_round && *p.valid_round >= p.round) {
    return Reject("malformed", "proposal valid round not below its round");
  }
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
    MarkAhead(p.height, p.proposer_index);  // unverified, but only a hint for whom to ask
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
  if (!VerifyProposalSignature(p)) {
    return RefuseSigner(p.height, p.proposer_index,
                        ProposalSignBytes(config.chain_id, p.height, p.round, p.valid_round, p.block_hash), p.signature,
                        "bad_signature", Describe(Message(WithoutBlock(p))));
  }
  SHANLIU_RETURN_IF_ERROR(CheckPolka(p));
  if (p.height == height + 1) {
    MarkAhead(p.height, p.proposer_index);
    auto& queue = next_height_messages[p.proposer_index];
    queue.push_back(std::move(p));
    if (queue.size() > config.max_future_height_messages_per_validator) queue.pop_front();
    return Status::Ok();
  }
  return PlaceProposal(std::move(p));
}

// A proposal's polka must be prevotes of distinct validators with more than 2/3 of the power,
// each with a valid signature: an honest proposer sends exactly that or nothing.
Status Core::Impl::CheckPolka(const Proposal& p) const {
  if (p.polka.empty()) return Status::Ok();
  if (!p.valid_round) return Reject("malformed", "polka on a proposal without a valid round");
  const ValidatorSet& set = SetAt(p.height);
  if (p.polka.size() > set.size()) return Reject("malformed", "polka larger than the validator set");
  std::set<std::uint32_t> seen;
  std::uint64_t power = 0;
  const auto stored = rounds.find(*p.valid_round);
  for (const PolkaSignature& prevote : p.polka) {
    if (prevote.validator_index >= set.size() || !seen.insert(prevote.validator_index).second) {
      return Reject("malformed", "polka names an unknown or repeated validator");
    }
    const Vote vote = PolkaVote(p, prevote);
    const bool already_verified = p.height == height && stored != rounds.end() && stored->second.prevotes.Has(vote);
    if (!already_verified && !VerifyVoteSignature(vote)) {
      return Reject("bad_signature", "polka " + Describe(Message(vote)));
    }
    power += set.validators[prevote.validator_index].voting_power;
  }
  if (!IsQuorumOf(power, set.total_power)) return Reject("malformed", "polka without more than 2/3 of the voting power");
  return Status::Ok();
}

static Bytes VoteBytes(const std::string& chain_id, const Vote& v) {
  return ledger::VoteSignBytes(chain_id, v.type, v.height, v.round, v.block_hash);
}

Status Core::Impl::AdmitVote(const Vote& v) {
  if (v.validator_index >= SetAt(v.height).size()) {
    return RefuseSigner(v.height, v.validator_index, VoteBytes(config.chain_id, v), v.signature, "unknown_validator",
                        "vote from validator index " + std::to_string(v.validator_index));
  }
  if (v.height == 0) return Reject("malformed", "vote for height 0");
  if (v.round > config.max_round) return Reject("round_out_of_range", "vote round " + std::to_string(v.round));
  if (v.height < height) return Reject("past_height", "vote for height " + std::to_string(v.height));
  if (v.height > height + 1) {
    MarkAhead(v.height, v.validator_index);
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
  if (!VerifyVoteSignature(v)) {
    return RefuseSigner(v.height, v.validator_index, VoteBytes(config.chain_id, v), v.signature, "bad_signature",
                        Describe(Message(v)));
  }
  if (v.height == height + 1) {
    MarkAhead(v.height, v.validator_index);
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
  SHANLIU_RETURN_IF_ERROR(ledger::VerifyCommitCertificate(
      c, config.chain_id, height, block_hash, current.validators,
      [this](const crypto::PublicKey& key, ByteView message, const crypto::Signature& signature) {
        return VerifySignature(key, message, signature);
      }));
  const std::uint32_t at_round = c.round();
  decision = std::move(d);
  RequestValidation(at_round, block_hash, decision->block);
  return Status::Ok();
}

}  // namespace shanliu::node::consensus
