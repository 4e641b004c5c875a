// The state of the consensus core. Split across files by concern:
//   consensus_core.cc   creation, restore from the WAL, event dispatch, heights, gossip
//   consensus_admit.cc  checking incoming messages and routing them by height
//   consensus_place.cc  placing verified messages into round state; far rounds; evidence
//   consensus_rules.cc  the upon-rules of Algorithm 1, rounds, timeouts, signing, commit
//   consensus_relay.cc  round status out, relay of the votes a peer lacks, catching up heights
#pragma once

#include <cassert>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

#include "consensus_faults.h"
#include "consensus_votes.h"
#include "shanliu/node/consensus.h"

namespace shanliu::node::consensus {

enum class Validity : std::uint8_t { kPending, kValid, kInvalid };

// One height's validator set with what the core derives from it (docs/consensus.md
// "Reconfiguration"): indices in messages of that height are positions in `validators`.
struct ValidatorSet {
  std::vector<ledger::Validator> validators;
  std::uint64_t total_power = 0;
  std::vector<std::uint32_t> proposer_table;  // one period of the weighted round robin

  static ValidatorSet Of(std::vector<ledger::Validator> validators);  // checked by CheckValidatorSet first
  std::size_t size() const { return validators.size(); }
  std::optional<std::uint32_t> IndexOf(const crypto::PublicKey& key) const;
  bool SameAs(const ValidatorSet& other) const;  // same keys, powers and order
};

// my_index of a core whose signer is not in the current height's set: it follows, never signs.
inline constexpr std::uint32_t kNotMember = 0xFFFFFFFF;

struct RoundState {
  std::optional<Proposal> proposal;  // from the round's proposer, signature verified
  VoteSet prevotes;
  VoteSet precommits;
  // "for the first time" guards of the upon-rules (lines 34, 36 and 47 of Algorithm 1).
  bool prevote_timeout_scheduled = false;
  bool precommit_timeout_scheduled = false;
  bool polka_handled = false;
};

// What this validator has recorded in its WAL, by (height, round, kind): restored on creation
// and extended before every signature, so a restart never signs something different.
using RecordKey = std::tuple<std::uint64_t, std::uint32_t, WalRecordKind>;

struct Core::Impl {
  Impl(Config config_in, crypto::KeyPair signer_in, FaultSwitches faults_in);

  // ---- fixed at creation
  const Config config;
  const crypto::KeyPair signer;
  const FaultSwitches faults;

  // ---- the validator sets (consensus_sets.cc): set(height), set(height + 1), set(height - 1)
  ValidatorSet current;
  ValidatorSet next;  // what Start or NextValidators said; until told, the current set again
  // Keys that left the set, by the index they last had (bounded by kMaxValidators): only to name
  // a removed validator that keeps voting, at one extra verification per refused message.
  std::map<std::uint32_t, crypto::PublicKey> removed_by_index;
  std::uint32_t my_index = kNotMember;   // in `current`
  std::vector<crypto::PublicKey> broadcast_to;  // current and next, without us
  bool member() const { return my_index != kNotMember; }

  // ---- the current height (0: not started)
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  Step step = Step::kPropose;
  std::optional<std::uint32_t> locked_round;
  Hash256 locked_hash{};
  std::optional<std::uint32_t> valid_round;
  Hash256 valid_hash{};
  Bytes valid_block;
  std::map<std::uint32_t, RoundState> rounds;               // every round up to round + future_round_window
  std::vector<std::optional<std::uint32_t>> highest_round;  // per validator, verified messages only
  std::vector<std::vector<Message>> far_round_messages;     // per validator: its highest far round
  std::vector<std::deque<Message>> next_height_messages;    // per validator, verified
  std::map<Hash256, Validity> validity;
  std::optional<Decision> decision;  // a verified commit certificate (with block) from a peer
  std::set<std::tuple<std::uint32_t, std::uint32_t, std::uint8_t>> evidence_seen;  // validator, round, kind

  std::map<RecordKey, WalRecord> wal;  // this height and above
  // kReceivedPrecommits records replayed from the WAL, this height and above: placed into the
  // round state when their height is entered. Kept apart from `wal` (what we signed), since a
  // round may hold several of them (one per block hash).
  std::vector<WalRecord> replayed_precommits;
  // (round, block hash) -> how many received precommits a record of this height holds, so a
  // record is written again only when it would say more.
  std::map<std::pair<std::uint32_t, Hash256>, std::size_t> precommits_recorded;

  // ---- gossip
  std::tuple<std::uint64_t, std::uint32_t, Step> progress_at_last_tick{0, 0, Step::kPropose};
  std::vector<bool> seen_ahead;  // per validator: seen at a higher height since the last request

  // ---- relay (consensus_relay.cc)
  std::vector<std::uint32_t> statuses_this_tick;  // per validator: RoundStatus answered since our last tick
  std::vector<std::uint64_t> peer_height;         // per validator: the height its latest RoundStatus claimed
  std::vector<bool> asked_at_height;              // per validator: asked for this height's decision already

  std::vector<Effect>* out = nullptr;  // effects of the event being handled
  std::vector<Status>* refused = nullptr;  // buffered messages refused on a re-check
  void Emit(Effect effect);  // fills in the keys of Broadcast, SendTo and RequestDecision

  // ---- consensus_core.cc
  Status OnStart(const Start& start);
  Status OnGossipTick();
  Status OnTxsAvailable(std::uint64_t at_height);
  // Moves to new_height with these sets (nullopt after a commit: next becomes current).
  void BeginHeight(std::uint64_t new_height, std::optional<ValidatorSet> at, std::optional<ValidatorSet> after);
  void EnterHeight(std::uint64_t new_height, std::vector<std::deque<Message>> carried, const ValidatorSet& carried_under);

  // ---- consensus_sets.cc
  Status OnNextValidators(NextValidators next_validators);
  // The set of a message's height: `next` for height + 1, `current` otherwise.
  const ValidatorSet& SetAt(std::uint64_t at_height) const { return at_height == height + 1 ? next : current; }
  void InstallSets(ValidatorSet at, ValidatorSet after);
  void RefreshBroadcastTargets();
  // Admits again messages verified against another set: placed or buffered if they pass now.
  void Readmit(std::vector<std::deque<Message>> messages);
  // The reason for refusing a signer of a message of at_height: not_in_validator_set when the
  // signature verifies with the key that index had in the set before (a removed validator).
  Status RefuseSigner(std::uint64_t at_height, std::uint32_t index, ByteView sign_bytes,
                      const crypto::Signature& signature, const std::string& code, const std::string& why) const;
  // Marks the signer of a next-height message (index in `next`) as ahead, if it is in `current`.
  void MarkAhead(std::uint64_t at_height, std::uint32_t index);

  // ---- consensus_admit.cc
  Status OnMessage(Message message, std::optional<std::uint32_t> from, const std::optional<crypto::PublicKey>& from_key);
  Status AdmitProposal(Proposal proposal);
  Status AdmitVote(const Vote& vote);
  Status AdmitDecision(Decision decision);
  // A message already checked and verified, for the current height: into the round state or
  // the far-round slot. Also used when buffered messages become current.
  Status Place(Message message);
  Status PlaceProposal(Proposal proposal);
  Status PlaceVote(const Vote& vote, bool from_polka = false);
  void PromoteFarRounds();
  void RecordEquivocation(std::uint32_t validator, const Message& first, const Message& second);
  void RequestValidation(std::uint32_t at_round, const Hash256& block_hash, const Bytes& block);
  bool VerifySignature(const crypto::PublicKey& key, ByteView message, const crypto::Signature& signature) const;
  bool VerifyProposalSignature(const Proposal& proposal) const;
  bool VerifyVoteSignature(const Vote& vote) const;

  // ---- consensus_relay.cc
  void BroadcastRoundStatus();
  Status OnRoundStatus(const RoundStatus& status, std::optional<std::uint32_t> from);
  void RelayRound(std::uint32_t to, std::uint32_t at_round, const RoundStatus* status);
  void CatchUpFast();
  // The lowest round holding precommits of more than 2/3 of the power for a block we lack.
  std::optional<std::uint32_t> DecidedRoundLackingProposal() const;

  // ---- consensus_rules.cc
  void Progress();
  bool TryDecide();
  bool TrySkipRound();
  bool TryRoundRules();
  void StartRound(std::uint32_t new_round);
  Status OnTimeout(const TimeoutFired& timeout);
  Status OnProposalBuilt(ProposalBuilt built);
  Status OnBlockValidated(const BlockValidated& validated);
  void ProposeBlock(const Hash256& block_hash, const Bytes& block, std::optional<std::uint32_t> proposal_valid_round);
  // Signs and broadcasts a vote for the current round, or re-broadcasts the one already signed
  // for this (height, round, type), whatever hash it names. Returns the hash actually voted.
  Hash256 CastVote(VoteType type, const Hash256& block_hash);
  Vote SignVote(VoteType type, std::uint64_t at_height, std::uint32_t at_round, const Hash256& block_hash) const;
  Proposal SignProposal(std::uint32_t at_round, std::optional<std::uint32_t> proposal_valid_round,
                        const Hash256& block_hash, const Bytes& block) const;
  void Commit(std::uint32_t at_round, const Hash256& block_hash, const Bytes& block, pb::CommitCertificate certificate);
  // Persists the precommits of others held for `at_round` (one record per block hash, nil too),
  // unless an earlier record already holds as many.
  void RecordReceivedPrecommits(std::uint32_t at_round);
  void RestoreReceivedPrecommits();

  // ---- helpers
  bool IsQuorum(std::uint64_t power) const { return IsQuorumOf(power, current.total_power); }
  bool IsQuorumOf(std::uint64_t power, std::uint64_t total) const;  // more than 2/3 of total
  bool IsOneThird(std::uint64_t power) const;  // more than 1/3: at least one honest validator
  std::uint32_t Proposer(std::uint64_t at_height, std::uint32_t at_round) const;
  std::uint64_t PowerOf(std::uint32_t validator_index) const { return current.validators[validator_index].voting_power; }
  Validity ValidityOf(const Hash256& block_hash) const;
  const Bytes* FindBlock(const Hash256& block_hash) const;
  RoundState& Round(std::uint32_t at_round) { return rounds[at_round]; }
  const WalRecord* Recorded(std::uint64_t at_height, std::uint32_t at_round, WalRecordKind kind) const;
  void Record(const WalRecord& record);  // into `wal` and out as PersistWal
  Status CheckPolka(const Proposal& proposal) const;
  std::vector<PolkaSignature> PolkaFor(std::uint32_t at_round, const Hash256& block_hash) const;
};

// Small helpers shared by the admission and placement code.
inline Status Reject(const std::string& code, const std::string& why) { return Status::Error(code, why); }

inline std::uint32_t RoundOf(const Message& m) {
  if (const auto* p = std::get_if<Proposal>(&m)) return p->round;
  return std::get<Vote>(m).round;
}

// The kinds a validator can sign once per round: 0 proposal, 1 prevote, 2 precommit.
inline int KindOf(const Message& m) {
  if (std::holds_alternative<Proposal>(m)) return 0;
  return std::get<Vote>(m).type == VoteType::kPrevote ? 1 : 2;
}

inline bool SameProposal(const Proposal& a, const Proposal& b) {
  return a.block_hash == b.block_hash && a.valid_round == b.valid_round && a.signature == b.signature;
}

inline Proposal WithoutBlock(Proposal p) {
  p.block.clear();
  p.polka.clear();
  return p;
}

// The prevote a polka entry stands for.
inline Vote PolkaVote(const Proposal& p, const PolkaSignature& prevote) {
  assert(p.valid_round);
  return Vote{VoteType::kPrevote, p.height, *p.valid_round, p.block_hash, prevote.validator_index, prevote.signature};
}

// Builds one period of the weighted round robin: entry k is the proposer at position k.
std::vector<std::uint32_t> BuildProposerTable(std::span<const ledger::Validator> validators);

}  // namespace shanliu::node::consensus
