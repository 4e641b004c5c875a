// Creation, restore from the WAL, event dispatch, entering heights and gossip.
#include <algorithm>
#include <cassert>
#include <set>

#include "consensus_impl.h"
#include "consensus_visit.h"

namespace shanliu::node::consensus {
namespace {

constexpr std::size_t kMaxBlockBytesLimit = 64u << 20;

Status BadConfig(const std::string& why) { return Status::Error("bad_config", why); }

Status ValidateConfig(const Config& c) {
  if (c.chain_id.empty() || c.chain_id.size() > 0xFFFF) return BadConfig("chain id must be 1..65535 bytes");
  if (Status s = CheckValidatorSet(c.validators); !s.ok()) return BadConfig(s.message());
  if (!c.block_hash) return BadConfig("block_hash function missing");
  for (const TimeoutSchedule* t : {&c.propose_timeout, &c.prevote_timeout, &c.precommit_timeout}) {
    if (t->base_ms == 0) return BadConfig("timeouts must be positive");
    if (t->base_ms > 3'600'000 || t->per_round_ms > 3'600'000) return BadConfig("timeouts above one hour");
  }
  if (!c.create_empty_blocks && (c.empty_block_interval_ms == 0 || c.empty_block_interval_ms > 86'400'000)) {
    return BadConfig("empty_block_interval_ms must be 1..86400000 (one day)");
  }
  if (c.max_block_bytes == 0 || c.max_block_bytes > kMaxBlockBytesLimit) {
    return BadConfig("max_block_bytes must be 1.." + std::to_string(kMaxBlockBytesLimit));
  }
  if (c.max_round == 0 || c.max_round >= 1'000'000) return BadConfig("max_round must be 1..999999");
  if (c.future_round_window == 0 || c.future_round_window > 16) return BadConfig("future_round_window must be 1..16");
  if (c.max_future_height_messages_per_validator == 0 || c.max_future_height_messages_per_validator > 4096) {
    return BadConfig("max_future_height_messages_per_validator must be 1..4096");
  }
  if (c.rebroadcast_rounds == 0 || c.rebroadcast_rounds > 64) return BadConfig("rebroadcast_rounds must be 1..64");
  if (c.max_evidence_per_height == 0 || c.max_evidence_per_height > 65536) {
    return BadConfig("max_evidence_per_height must be 1..65536");
  }
  if (c.relay_statuses_per_tick == 0 || c.relay_statuses_per_tick > 16) {
    return BadConfig("relay_statuses_per_tick must be 1..16");
  }
  return Status::Ok();
}

}  // namespace

Core::Impl::Impl(Config config_in, crypto::KeyPair signer_in, FaultSwitches faults_in)
    : config(std::move(config_in)), signer(std::move(signer_in)), faults(faults_in) {
  const ValidatorSet genesis = ValidatorSet::Of(config.validators);
  InstallSets(genesis, genesis);
  const std::size_t n = current.size();
  highest_round.resize(n);
  far_round_messages.resize(n);
  next_height_messages.resize(n);
  seen_ahead.assign(n, false);
  statuses_this_tick.assign(n, 0);
  peer_height.assign(n, 0);
  asked_at_height.assign(n, false);
}

Result<Core> CreateCoreWithFaults(Config config, crypto::KeyPair signer, std::span<const WalRecord> wal_records,
                                  const FaultSwitches& faults) {
  SHANLIU_RETURN_IF_ERROR(ValidateConfig(config));
  auto impl = std::make_unique<Core::Impl>(std::move(config), std::move(signer), faults);
  if (!faults.forget_wal_on_restart) {
    for (const WalRecord& record : wal_records) {
      if (record.kind == WalRecordKind::kReceivedPrecommits) {
        // Others' signatures, not ours: nothing to conflict with; placed when the height is entered.
        if (!faults.forget_received_precommits) impl->replayed_precommits.push_back(record);
        continue;
      }
      const RecordKey key{record.height, record.round, record.kind};
      auto [it, inserted] = impl->wal.emplace(key, record);
      if (!inserted && (it->second.block_hash != record.block_hash || it->second.valid_round != record.valid_round)) {
        // Two different signatures under one key in our own WAL: the node already equivocated
        // once, so its storage cannot be trusted to prevent it again.
        return Status::Error("wal_conflict", "the WAL holds two different records for " + Describe(record));
      }
    }
  }
  return Core(std::move(impl));
}

Result<Core> Core::Create(Config config, crypto::KeyPair signer, std::span<const WalRecord> wal_records) {
  return CreateCoreWithFaults(std::move(config), std::move(signer), wal_records, FaultSwitches{});
}

Core::Core(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Core::Core(Core&&) noexcept = default;
Core& Core::operator=(Core&&) noexcept = default;
Core::~Core() = default;

Output Core::Handle(Event event) {
  Output output;
  Impl& core = *impl_;
  assert(core.out == nullptr);
  core.out = &output.effects;
  core.refused = &output.refused;
  output.status = std::visit(Overloaded{
                                 [&](Start& e) { return core.OnStart(e); },
                                 [&](MessageReceived& e) { return core.OnMessage(std::move(e.message), e.from, e.from_key); },
                                 [&](TimeoutFired& e) { return core.OnTimeout(e); },
                                 [&](ProposalBuilt& e) { return core.OnProposalBuilt(std::move(e)); },
                                 [&](BlockValidated& e) { return core.OnBlockValidated(e); },
                                 [&](GossipTick&) { return core.OnGossipTick(); },
                                 [&](TxsAvailable& e) { return core.OnTxsAvailable(e.height); },
                                 [&](NextValidators& e) { return core.OnNextValidators(std::move(e)); },
                             },
                             event);
  core.out = nullptr;
  core.refused = nullptr;
  return output;
}

Core::Snapshot Core::snapshot() const {
  const Impl& core = *impl_;
  Snapshot s;
  s.height = core.height;
  s.round = core.round;
  s.step = core.step;
  s.validator_index = core.my_index;
  s.member = core.member();
  s.locked_round = core.locked_round;
  s.locked_hash = core.locked_hash;
  s.valid_round = core.valid_round;
  s.valid_hash = core.valid_hash;
  return s;
}

const std::vector<ledger::Validator>& Core::validators() const { return impl_->current.validators; }

Status Core::Impl::OnStart(const Start& start) {
  const std::uint64_t new_height = start.height;
  if (new_height == 0) return Status::Error("malformed", "heights start at 1; 0 is genesis");
  if (height != 0 && new_height <= height) {
    return Status::Error("stale", "already at height " + std::to_string(height));
  }
  for (const auto* set : {&start.validators, &start.next_validators}) {
    if (set->empty()) continue;
    if (Status s = CheckValidatorSet(*set); !s.ok()) return Status::Error("malformed", s.message());
  }
  // Empty: the genesis set (a chain whose set never changes); the switch makes a core that
  // ignores every change, for the simulator to catch.
  const bool fixed = faults.ignore_validator_set_changes;
  ValidatorSet at = ValidatorSet::Of(fixed || start.validators.empty() ? config.validators : start.validators);
  ValidatorSet after = fixed || start.next_validators.empty() ? at : ValidatorSet::Of(start.next_validators);
  BeginHeight(new_height, std::move(at), std::move(after));
  Progress();
  return Status::Ok();
}

void Core::Impl::BeginHeight(std::uint64_t new_height, std::optional<ValidatorSet> at,
                             std::optional<ValidatorSet> after) {
  assert(new_height > height);
  std::vector<std::deque<Message>> carried;
  if (height != 0 && new_height == height + 1) carried = std::move(next_height_messages);
  ValidatorSet carried_under = next;  // what the carried messages were verified against
  if (!at) at = next;                 // a commit: the next height's set was given in advance
  if (!after) after = *at;            // until NextValidators says otherwise
  InstallSets(std::move(*at), std::move(*after));
  EnterHeight(new_height, std::move(carried), carried_under);
}

void Core::Impl::EnterHeight(std::uint64_t new_height, std::vector<std::deque<Message>> carried,
                             const ValidatorSet& carried_under) {
  const std::size_t n = current.size();

  height = new_height;
  round = 0;
  step = Step::kPropose;
  locked_round.reset();
  locked_hash = kNilHash;
  valid_round.reset();
  valid_hash = kNilHash;
  valid_block.clear();
  rounds.clear();
  highest_round.assign(n, std::nullopt);
  far_round_messages.assign(n, {});
  validity.clear();
  decision.reset();
  evidence_seen.clear();
  next_height_messages.assign(next.size(), {});
  seen_ahead.assign(n, false);
  asked_at_height.assign(n, false);
  precommits_recorded.clear();
  // Nothing is ever signed below the current height again.
  wal.erase(wal.begin(), wal.lower_bound(RecordKey{new_height, 0, WalRecordKind::kProposal}));

  // Resume where the WAL says this validator was: its lock, valid value, votes and round.
  std::uint32_t resume_round = 0;
  for (const auto& [key, record] : wal) {
    if (record.height != height) break;
    resume_round = std::max(resume_round, record.round);
    if (record.kind == WalRecordKind::kLock || record.kind == WalRecordKind::kValid) {
      RoundState& rs = Round(record.round);
      for (const PolkaSignature& prevote : record.polka) {
        if (prevote.validator_index >= n) continue;
        rs.prevotes.Add(Vote{VoteType::kPrevote, height, record.round, record.block_hash, prevote.validator_index,
                             prevote.signature},
                        PowerOf(prevote.validator_index), /*from_polka=*/true);
      }
      if (!valid_round || record.round >= *valid_round) {
        valid_round = record.round;
        valid_hash = record.block_hash;
        valid_block = record.block;
      }
    }
    if (record.kind == WalRecordKind::kLock && (!locked_round || record.round > *locked_round)) {
      locked_round = record.round;
      locked_hash = record.block_hash;
    }
    if (member() && (record.kind == WalRecordKind::kPrevote || record.kind == WalRecordKind::kPrecommit)) {
      const VoteType type = record.kind == WalRecordKind::kPrevote ? VoteType::kPrevote : VoteType::kPrecommit;
      const Vote vote = SignVote(type, height, record.round, record.block_hash);
      RoundState& rs = Round(record.round);
      (type == VoteType::kPrevote ? rs.prevotes : rs.precommits).Add(vote, PowerOf(my_index));
    }
  }
  resume_round = std::min(resume_round, config.max_round);
  const auto first_here = wal.lower_bound(RecordKey{height, 0, WalRecordKind::kProposal});
  const bool resumed = first_here != wal.end() && first_here->second.height == height;
  if (!config.create_empty_blocks && !resumed) {
    // Nothing said at this height yet: wait for txs, a peer or the heartbeat (Progress() starts
    // round 0 as soon as a peer's message for this height is placed).
    step = Step::kWait;
    Emit(ScheduleTimeout{height, 0, Step::kWait, config.empty_block_interval_ms});
    Emit(WaitForTxs{height});
  } else {
    StartRound(resume_round);
  }
  if (const auto it = rounds.find(resume_round); it != rounds.end()) {
    // Tell the others what was already said in this round before the restart (the identical votes).
    for (const VoteSet* set : {&it->second.prevotes, &it->second.precommits}) {
      if (const Vote* own = set->Get(my_index)) {
        Emit(Broadcast{*own});
        step = own->type == VoteType::kPrevote ? std::max(step, Step::kPrevote) : Step::kPrecommit;
      }
    }
  }
  RestoreReceivedPrecommits();
  if (carried_under.SameAs(current)) {
    for (std::deque<Message>& queue : carried) {
      for (Message& message : queue) (void)Place(std::move(message));
    }
  } else {
    Readmit(std::move(carried));  // verified against a set this height does not have
  }
  CatchUpFast();
}

// Places the received precommits the WAL kept for this height, as if they had just arrived
// (they were verified when they did, and the WAL is checksummed): a restarted validator holds
// and relays them again, and they count for its own rules.
void Core::Impl::RestoreReceivedPrecommits() {
  std::erase_if(replayed_precommits, [&](const WalRecord& r) { return r.height < height; });
  for (const WalRecord& record : replayed_precommits) {
    if (record.height != height) continue;
    std::size_t& recorded = precommits_recorded[{record.round, record.block_hash}];
    recorded = std::max(recorded, record.polka.size());
    for (const PolkaSignature& precommit : record.polka) {
      if (precommit.validator_index >= current.size() || precommit.validator_index == my_index) continue;
      (void)PlaceVote(Vote{VoteType::kPrecommit, height, record.round, record.block_hash, precommit.validator_index,
                           precommit.signature});
    }
  }
}

Status Core::Impl::OnTxsAvailable(std::uint64_t at_height) {
  if (at_height != height || step != Step::kWait) return Status::Ok();  // stale or already started
  StartRound(0);
  Progress();
  return Status::Ok();
}

Status Core::Impl::OnGossipTick() {
  if (height == 0) return Status::Ok();
  const auto now = std::make_tuple(height, round, step);
  const bool stuck = now == progress_at_last_tick;
  const bool whole_tick_at_this_height = std::get<0>(progress_at_last_tick) == height;
  progress_at_last_tick = now;
  statuses_this_tick.assign(statuses_this_tick.size(), 0);
  // Others are at higher heights and this validator has spent a whole tick at its own: it
  // missed a decision. (Within one tick that is only the usual skew between validators.) The
  // evidence is used once, so requests repeat only while new evidence keeps arriving.
  if (whole_tick_at_this_height) {
    RequestDecision request{height, {}};
    for (std::uint32_t v = 0; v < seen_ahead.size(); ++v) {
      if (seen_ahead[v]) request.ahead.push_back(v);
    }
    if (!request.ahead.empty()) {
      Emit(std::move(request));
      seen_ahead.assign(seen_ahead.size(), false);
    }
  }
  if (!stuck || !member()) return Status::Ok();  // a non-member has nothing to say or repeat
  // Waiting for txs is idleness, not loss: the heartbeat ends it, and a peer that started the
  // height repeats its own votes below, which starts ours. An idle chain stays silent.
  if (step == Step::kWait) return Status::Ok();
  // No progress for a whole tick: messages were probably lost. Say where we are and what we
  // hold, so peers send what we lack, including others' votes (consensus_relay.cc); and repeat
  // what this validator said in its recent rounds (identical bytes, nothing newly signed).
  BroadcastRoundStatus();
  const std::uint32_t first = round >= config.rebroadcast_rounds ? round - config.rebroadcast_rounds + 1 : 0;
  for (auto it = rounds.lower_bound(first); it != rounds.end() && it->first <= round; ++it) {
    const RoundState& rs = it->second;
    if (it->first == round && rs.proposal && rs.proposal->proposer_index == my_index) Emit(Broadcast{*rs.proposal});
    if (const Vote* own = rs.prevotes.Get(my_index)) Emit(Broadcast{*own});
    if (const Vote* own = rs.precommits.Get(my_index)) Emit(Broadcast{*own});
  }
  return Status::Ok();
}

bool Core::Impl::IsQuorumOf(std::uint64_t power, std::uint64_t total) const {
  if (faults.quorum_at_two_thirds) {
    __extension__ using U128 = unsigned __int128;
    return static_cast<U128>(power) * 3 >= static_cast<U128>(total) * 2;
  }
  return ledger::IsSupermajority(power, total);
}

bool Core::Impl::IsOneThird(std::uint64_t power) const {
  __extension__ using U128 = unsigned __int128;
  return static_cast<U128>(power) * 3 > static_cast<U128>(current.total_power);
}

Validity Core::Impl::ValidityOf(const Hash256& block_hash) const {
  auto it = validity.find(block_hash);
  return it == validity.end() ? Validity::kPending : it->second;
}

const Bytes* Core::Impl::FindBlock(const Hash256& block_hash) const {
  if (valid_round && valid_hash == block_hash) return &valid_block;
  for (const auto& [r, rs] : rounds) {
    if (rs.proposal && rs.proposal->block_hash == block_hash) return &rs.proposal->block;
  }
  return nullptr;
}

const WalRecord* Core::Impl::Recorded(std::uint64_t at_height, std::uint32_t at_round, WalRecordKind kind) const {
  auto it = wal.find(RecordKey{at_height, at_round, kind});
  return it == wal.end() ? nullptr : &it->second;
}

void Core::Impl::Record(const WalRecord& record) {
  if (!member()) return;  // a non-member signs nothing, so it has nothing to protect
  wal.insert_or_assign(RecordKey{record.height, record.round, record.kind}, record);
  Emit(PersistWal{record});
}

}  // namespace shanliu::node::consensus
