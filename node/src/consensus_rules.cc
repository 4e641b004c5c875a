// The upon-rules of Algorithm 1 (line numbers refer to the paper), rounds, timeouts, signing
// and commit. Progress() applies rules until none fires; every rule that fires changes state
// that makes it false again, so the loop ends.
#include <algorithm>
#include <cassert>

#include "consensus_impl.h"

namespace shanliu::node::consensus {
namespace {

std::string AsString(ByteView bytes) { return std::string(AsChars(bytes)); }

pb::CommitCertificate Certificate(std::uint64_t height, std::uint32_t round, const Hash256& block_hash,
                                  const VoteSet& precommits) {
  pb::CommitCertificate certificate;
  certificate.set_height(height);
  certificate.set_round(round);
  certificate.set_block_hash(AsString(block_hash));
  for (const Vote* vote : precommits.VotesFor(block_hash)) {
    pb::CommitSignature* signature = certificate.add_signatures();
    signature->set_validator_index(vote->validator_index);
    signature->set_signature(AsString(vote->signature));
  }
  return certificate;
}

}  // namespace

void Core::Impl::Progress() {
  for (int fired = 0;; ++fired) {
    assert(fired < 1'000'000);
    // A peer's proposal or vote for this height was placed while we waited for txs: the others
    // have started round 0, so join them (our own mempool may just not have the txs yet).
    if (step == Step::kWait && !rounds.empty()) {
      StartRound(0);
      continue;
    }
    if (TryDecide()) continue;
    if (TrySkipRound()) continue;
    if (TryRoundRules()) continue;
    return;
  }
}

// Line 49: a block with precommits of more than 2/3 of the voting power in any round of this
// height, that this validator has and finds valid, is decided. A verified Decision from a peer
// carries such precommits for us.
bool Core::Impl::TryDecide() {
  if (decision) {
    Hash256 block_hash;
    std::copy(decision->certificate.block_hash().begin(), decision->certificate.block_hash().end(), block_hash.begin());
    if (ValidityOf(block_hash) == Validity::kValid) {
      Decision decided = std::move(*decision);
      decision.reset();
      const std::uint32_t at_round = decided.certificate.round();
      Commit(at_round, block_hash, std::move(decided.block), std::move(decided.certificate));
      return true;
    }
  }
  for (const auto& [at_round, rs] : rounds) {
    for (const auto& [block_hash, power] : rs.precommits.power_by_hash()) {
      if (block_hash == kNilHash || !IsQuorum(power)) continue;
      const Bytes* block = FindBlock(block_hash);
      if (block == nullptr) {
        // The proposal was lost. A peer's Decision brings it if anyone decided; if not, our
        // RoundStatus asks for the proposal, and until then these precommits, which others
        // may lack, must survive a crash.
        RecordReceivedPrecommits(at_round);
        continue;
      }
      if (ValidityOf(block_hash) != Validity::kValid) continue;
      Commit(at_round, block_hash, *block, Certificate(height, at_round, block_hash, rs.precommits));
      return true;
    }
  }
  return false;
}

void Core::Impl::RecordReceivedPrecommits(std::uint32_t at_round) {
  if (!member()) return;  // a follower's copies do not count towards anyone's liveness
  const auto it = rounds.find(at_round);
  if (it == rounds.end()) return;
  const VoteSet& precommits = it->second.precommits;
  for (const auto& [block_hash, power] : precommits.power_by_hash()) {
    WalRecord record{WalRecordKind::kReceivedPrecommits, height, at_round, block_hash, std::nullopt, {}, {}};
    for (const Vote* vote : precommits.VotesFor(block_hash)) {
      // Our own precommit has its own record; VotesFor lists validators in index order.
      if (vote->validator_index != my_index) record.polka.push_back({vote->validator_index, vote->signature});
    }
    if (record.polka.empty()) continue;
    std::size_t& recorded = precommits_recorded[{at_round, block_hash}];
    if (record.polka.size() <= recorded) continue;
    recorded = record.polka.size();
    Emit(PersistWal{std::move(record)});
  }
}

void Core::Impl::Commit(std::uint32_t at_round, const Hash256& block_hash, const Bytes& block,
                        pb::CommitCertificate certificate) {
  Emit(CommitBlock{height, at_round, block_hash, block, std::move(certificate)});
  BeginHeight(height + 1, std::nullopt, std::nullopt);  // with the set given in advance for it
}

// Line 55, in a bounded-memory form: a validator counts at the highest round it has been seen
// in. If validators with more than 1/3 of the power (so at least one honest one) are all at
// round r or beyond, with r above ours, move to r. Whenever the paper's rule fires for some
// round, this one fires for that round or a higher one.
bool Core::Impl::TrySkipRound() {
  std::vector<std::pair<std::uint32_t, std::uint64_t>> ahead;  // (highest round, voting power)
  for (std::uint32_t v = 0; v < highest_round.size(); ++v) {
    if (highest_round[v] && *highest_round[v] > round) ahead.emplace_back(*highest_round[v], PowerOf(v));
  }
  std::sort(ahead.begin(), ahead.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::uint64_t power = 0;
  for (const auto& [their_round, their_power] : ahead) {
    power += their_power;
    if (IsOneThird(power)) {
      StartRound(their_round);
      return true;
    }
  }
  return false;
}

bool Core::Impl::TryRoundRules() {
  if (step == Step::kWait) return false;  // no round has started
  auto it = rounds.find(round);
  if (it == rounds.end()) return false;
  RoundState& rs = it->second;
  const Proposal* proposal = rs.proposal ? &*rs.proposal : nullptr;
  const Validity validity_of_proposal = proposal ? ValidityOf(proposal->block_hash) : Validity::kPending;
  const bool proposal_valid = validity_of_proposal == Validity::kValid;

  if (step == Step::kPropose && proposal && validity_of_proposal != Validity::kPending) {
    const Hash256& block_hash = proposal->block_hash;
    if (!proposal->valid_round) {
      // Line 22: a fresh proposal. Prevote it unless locked on something else.
      const bool acceptable = faults.ignore_lock || !locked_round || locked_hash == block_hash;
      CastVote(VoteType::kPrevote, proposal_valid && acceptable ? block_hash : kNilHash);
      step = Step::kPrevote;
      return true;
    }
    // Line 28: a re-proposal of a value that had a polka in round vr (< round, checked on admission).
    const std::uint32_t vr = *proposal->valid_round;
    auto polka = rounds.find(vr);
    if (polka != rounds.end() && IsQuorum(polka->second.prevotes.PowerFor(block_hash))) {
      const bool acceptable = faults.ignore_lock || !locked_round || *locked_round <= vr || locked_hash == block_hash;
      CastVote(VoteType::kPrevote, proposal_valid && acceptable ? block_hash : kNilHash);
      step = Step::kPrevote;
      return true;
    }
  }
  if (step == Step::kPrevote && !rs.prevote_timeout_scheduled && IsQuorum(rs.prevotes.total_power())) {
    rs.prevote_timeout_scheduled = true;  // line 34
    Emit(ScheduleTimeout{height, round, Step::kPrevote, config.prevote_timeout.For(round)});
    return true;
  }
  if (step != Step::kPropose && proposal && proposal_valid && !rs.polka_handled &&
      IsQuorum(rs.prevotes.PowerFor(proposal->block_hash))) {
    rs.polka_handled = true;  // line 36
    const bool lock = step == Step::kPrevote;
    const WalRecordKind kind = lock ? WalRecordKind::kLock : WalRecordKind::kValid;
    if (const WalRecord* recorded = Recorded(height, round, kind);
        !recorded || recorded->block_hash != proposal->block_hash) {
      Record(WalRecord{kind, height, round, proposal->block_hash, std::nullopt, proposal->block,
                       PolkaFor(round, proposal->block_hash)});
    }
    valid_round = round;
    valid_hash = proposal->block_hash;
    valid_block = proposal->block;
    if (lock) {
      locked_round = round;
      locked_hash = proposal->block_hash;
      CastVote(VoteType::kPrecommit, proposal->block_hash);
      step = Step::kPrecommit;
    }
    return true;
  }
  if (step == Step::kPrevote && IsQuorum(rs.prevotes.PowerFor(kNilHash))) {
    CastVote(VoteType::kPrecommit, kNilHash);  // line 44
    step = Step::kPrecommit;
    return true;
  }
  if (!rs.precommit_timeout_scheduled && IsQuorum(rs.precommits.total_power())) {
    rs.precommit_timeout_scheduled = true;  // line 47
    Emit(ScheduleTimeout{height, round, Step::kPrecommit, config.precommit_timeout.For(round)});
    return true;
  }
  return false;
}

// Line 11. Every validator schedules the propose timeout, the proposer too: its block comes
// from the application asynchronously and may never come.
void Core::Impl::StartRound(std::uint32_t new_round) {
  assert(new_round <= config.max_round);
  round = new_round;
  step = Step::kPropose;
  Emit(ScheduleTimeout{height, round, Step::kPropose, config.propose_timeout.For(round)});
  if (Proposer(height, round) == my_index) {
    if (const WalRecord* proposed = Recorded(height, round, WalRecordKind::kProposal)) {
      // Proposed in this round before a restart: only that very proposal may go out again,
      // and only if its block is at hand.
      if (const Bytes* block = FindBlock(proposed->block_hash)) {
        ProposeBlock(proposed->block_hash, *block, proposed->valid_round);
      }
    } else if (valid_round) {
      const Bytes* block = FindBlock(valid_hash);
      assert(block != nullptr);  // the valid value is kept with its block
      ProposeBlock(valid_hash, *block, valid_round);
    } else {
      Emit(BuildProposal{height, round});
    }
  }
  PromoteFarRounds();
}

void Core::Impl::ProposeBlock(const Hash256& block_hash, const Bytes& block,
                              std::optional<std::uint32_t> proposal_valid_round) {
  const WalRecord* proposed = Recorded(height, round, WalRecordKind::kProposal);
  if (proposed != nullptr && (proposed->block_hash != block_hash || proposed->valid_round != proposal_valid_round)) {
    return;  // a different proposal was already signed for this round
  }
  if (proposed == nullptr) {
    Record(WalRecord{WalRecordKind::kProposal, height, round, block_hash, proposal_valid_round, {}, {}});
  }
  Proposal proposal = SignProposal(round, proposal_valid_round, block_hash, block);
  if (proposal_valid_round) proposal.polka = PolkaFor(*proposal_valid_round, block_hash);
  Emit(Broadcast{proposal});
  RoundState& rs = Round(round);
  assert(!rs.proposal || rs.proposal->block_hash == block_hash);
  if (!rs.proposal) {
    rs.proposal = std::move(proposal);
    RequestValidation(round, block_hash, rs.proposal->block);
  }
}

Hash256 Core::Impl::CastVote(VoteType type, const Hash256& block_hash) {
  if (!member()) return block_hash;  // not in this height's set: follows the rounds, signs nothing
  const WalRecordKind kind = type == VoteType::kPrevote ? WalRecordKind::kPrevote : WalRecordKind::kPrecommit;
  Hash256 voted = block_hash;
  if (const WalRecord* recorded = Recorded(height, round, kind)) {
    voted = recorded->block_hash;  // signed before a restart: say the same thing again
  } else {
    Record(WalRecord{kind, height, round, block_hash, std::nullopt, {}, {}});  // durable before the Broadcast below
  }
  const Vote vote = SignVote(type, height, round, voted);
  Emit(Broadcast{vote});
  RoundState& rs = Round(round);
  (type == VoteType::kPrevote ? rs.prevotes : rs.precommits).Add(vote, PowerOf(my_index));
  return voted;
}

std::vector<PolkaSignature> Core::Impl::PolkaFor(std::uint32_t at_round, const Hash256& block_hash) const {
  std::vector<PolkaSignature> polka;
  auto it = rounds.find(at_round);
  if (it == rounds.end()) return polka;
  for (const Vote* vote : it->second.prevotes.VotesFor(block_hash)) {
    polka.push_back(PolkaSignature{vote->validator_index, vote->signature});
  }
  return polka;
}

Vote Core::Impl::SignVote(VoteType type, std::uint64_t at_height, std::uint32_t at_round,
                          const Hash256& block_hash) const {
  Vote vote;
  vote.type = type;
  vote.height = at_height;
  vote.round = at_round;
  vote.block_hash = block_hash;
  vote.validator_index = my_index;
  vote.signature =
      crypto::SignRaw(signer.secret_key, ledger::VoteSignBytes(config.chain_id, type, at_height, at_round, block_hash));
  return vote;
}

Proposal Core::Impl::SignProposal(std::uint32_t at_round, std::optional<std::uint32_t> proposal_valid_round,
                                  const Hash256& block_hash, const Bytes& block) const {
  Proposal proposal;
  proposal.height = height;
  proposal.round = at_round;
  proposal.valid_round = proposal_valid_round;
  proposal.block_hash = block_hash;
  proposal.block = block;
  proposal.proposer_index = my_index;
  proposal.signature = crypto::SignRaw(
      signer.secret_key, ProposalSignBytes(config.chain_id, height, at_round, proposal_valid_round, block_hash));
  return proposal;
}

// Lines 57-65. Timeouts of other heights, rounds or steps are stale and change nothing.
Status Core::Impl::OnTimeout(const TimeoutFired& timeout) {
  if (timeout.height != height || timeout.round != round) return Status::Ok();
  switch (timeout.step) {
    case Step::kWait:
      // The heartbeat: nothing arrived for a whole interval; make a block anyway.
      if (step == Step::kWait) StartRound(0);
      break;
    case Step::kPropose:
      if (step == Step::kPropose) {
        CastVote(VoteType::kPrevote, kNilHash);
        step = Step::kPrevote;
      }
      break;
    case Step::kPrevote:
      if (step == Step::kPrevote) {
        CastVote(VoteType::kPrecommit, kNilHash);
        step = Step::kPrecommit;
      }
      break;
    case Step::kPrecommit:
      if (round < config.max_round) {
        // The precommits that made us leave may be the only honest copies (issue 15, seed
        // 20001816): keep them across a crash so the validators still in this round get them.
        RecordReceivedPrecommits(round);
        StartRound(round + 1);
      }
      break;
  }
  Progress();
  return Status::Ok();
}

Status Core::Impl::OnProposalBuilt(ProposalBuilt built) {
  if (built.height != height || built.round != round || step != Step::kPropose || Proposer(height, round) != my_index ||
      Round(round).proposal) {
    return Status::Ok();  // too late: the round moved on or a proposal already went out
  }
  if (built.block_hash == kNilHash || built.block.size() > config.max_block_bytes) {
    return Status::Error("bad_block", "built block is empty-hashed or larger than max_block_bytes");
  }
  const Result<Hash256> identity = config.block_hash(built.block);
  if (!identity.ok() || *identity != built.block_hash) {
    return Status::Error("block_hash_mismatch", "the built block does not hash to " + ShortHash(built.block_hash));
  }
  if (const WalRecord* proposed = Recorded(height, round, WalRecordKind::kProposal);
      proposed != nullptr && proposed->block_hash != built.block_hash) {
    return Status::Error("already_proposed", "a different block was proposed in this round before a restart");
  }
  validity.insert_or_assign(built.block_hash, Validity::kValid);  // the application built it on its own state
  ProposeBlock(built.block_hash, built.block, std::nullopt);
  Progress();
  return Status::Ok();
}

Status Core::Impl::OnBlockValidated(const BlockValidated& validated) {
  if (validated.height != height) return Status::Ok();
  auto it = validity.find(validated.block_hash);
  if (it == validity.end() || it->second != Validity::kPending) return Status::Ok();
  it->second = validated.valid ? Validity::kValid : Validity::kInvalid;
  Progress();
  return Status::Ok();
}

}  // namespace shanliu::node::consensus
