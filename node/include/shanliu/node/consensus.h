// Tendermint BFT consensus ("The latest gossip on BFT consensus", arXiv:1807.04938, Algorithm 1)
// as a pure state machine. The Core takes Events and returns Effects; it has no clock, socket,
// thread, file or randomness of its own, so the same inputs always give the same outputs. The
// adapter (node/ with Boost.Asio, or tests/sim) owns time, network, storage and the application.
//
// Adapter contract (docs/consensus.md has the full walk-through):
//  - Perform the effects of one Handle() call in order. A PersistWal record must be durable
//    (written and fsynced) before any effect after it in the same list is performed: that is
//    what makes "never sign a conflicting vote" survive a crash.
//  - Broadcast goes to every other validator; the core has already counted its own messages.
//  - Answer BuildProposal with ProposalBuilt, ValidateBlock with BlockValidated, and fire
//    ScheduleTimeout as TimeoutFired after duration_ms. Stale answers are ignored, so timers
//    need no cancelling.
//  - Feed GossipTick every second or so: the core broadcasts its RoundStatus, and a core that
//    made no progress since the previous tick re-broadcasts its own recent messages.
//  - Feed a RoundStatus with MessageReceived::from set to its authenticated sender; perform
//    SendTo by sending to that validator only. That is the vote relay: a vote one honest
//    validator holds reaches every honest validator that reports lacking it.
//  - RequestDecision means this validator fell behind: others are at higher heights. The adapter
//    asks peers (those listed first) for the committed block of that height with its commit
//    certificate, and feeds what comes back as a Decision message. Serving such requests from
//    the block store is the adapter's job; the core is not involved.
//  - CommitBlock: store the block with its certificate, then (optionally) compact the WAL to the
//    records of higher heights (Wal::Rewrite). The core moves on to the next height by itself.
//  - On boot: replay the WAL, decode the records, Create the core with them, then Start at
//    (last committed height + 1). Start again only when block sync moved the store further.
//  - Validator set changes (docs/consensus.md section 8, "Reconfiguration"): Start carries set(h) and
//    set(h + 1); after performing a CommitBlock of height h, feed NextValidators with set(h + 2)
//    before any other event. Both are fixed by committed state (a change committed in block c
//    takes effect at E >= c + 2), so the core never reads storage. A chain whose set never
//    changes may leave them empty: Config::validators then signs every height.
//  - Validator indices in messages and effects are positions in the set of the message's
//    height. Effects also name keys (Broadcast::to, SendTo::to_key, RequestDecision::ahead_keys)
//    and MessageReceived may name its sender by key, so an adapter needs no index table.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/block.h"
#include "shanliu/pb/shanliu.pb.h"
#include "shanliu/status.h"

namespace shanliu::node::consensus {

using ledger::VoteType;

// kWait: a new height whose round 0 has not started, because nothing is pending (Config::
// create_empty_blocks false); it comes before kPropose.
enum class Step : std::uint8_t { kWait = 0, kPropose = 1, kPrevote = 2, kPrecommit = 3 };

// A nil vote names 32 zero bytes as its block hash (ledger::VoteSignBytes); no block may hash to it.
inline constexpr Hash256 kNilHash{};

// Proposal sign bytes (fixed layout, like the vote sign bytes of DESIGN 6.1):
//   "shanliu/proposal/v1\0" || str chain_id || u64 height || u32 round
//   || u32 valid_round (0xFFFFFFFF when there is none) || block_hash (32 bytes)
// The block itself is bound through its hash: the Config::block_hash function is checked on
// every block that arrives.
inline constexpr std::string_view kProposalDomain{"shanliu/proposal/v1\0", 20};
inline constexpr std::uint32_t kNoValidRound = 0xFFFFFFFF;

// One prevote of a polka, the rest implied: prevote at (height, round, block_hash) of its context.
struct PolkaSignature {
  std::uint32_t validator_index = 0;
  crypto::Signature signature{};  // over ledger::VoteSignBytes of that prevote
};

struct Proposal {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  std::optional<std::uint32_t> valid_round;  // the paper's vr; nullopt is its -1
  Hash256 block_hash{};
  Bytes block;
  std::uint32_t proposer_index = 0;
  crypto::Signature signature{};
  // With a valid_round: the prevotes of more than 2/3 of the power for block_hash in valid_round
  // (the proof of lock change). Validators that missed them can then accept the re-proposal;
  // without it, lost prevotes of an old round could stall the height. Not covered by signature.
  std::vector<PolkaSignature> polka;
};

struct Vote {
  VoteType type = VoteType::kPrevote;
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  Hash256 block_hash{};  // kNilHash for nil
  std::uint32_t validator_index = 0;
  crypto::Signature signature{};  // over ledger::VoteSignBytes
};

// A committed block with its commit certificate: how a validator that fell behind by a height
// catches up without the proposal of the deciding round.
struct Decision {
  Bytes block;
  pb::CommitCertificate certificate;
};

// Where a validator is and which votes of its current round it already holds: broadcast on every
// GossipTick, so each peer can send it the votes (and the proposal) it lacks there, signatures
// intact (vote relay; docs/consensus.md "Vote relay"). Without relay, a vote that reached only
// some honest validators could stall the others forever (issue 15). Not signed: the transport
// authenticates the sender, and a status that lies only costs its sender the votes it asks for.
struct RoundStatus {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  bool has_proposal = false;
  std::vector<bool> prevotes;    // bit v: the sender holds validator v's prevote of (height, round)
  std::vector<bool> precommits;  // one bit per validator, exactly
  // A round of this height in which the sender holds precommits of more than 2/3 of the power
  // for one block but not that block's proposal: a peer holding the proposal sends it, and the
  // sender can commit. Without it a validator holding the only copy of a decision's precommits
  // waits for a Decision that nobody (no one else has decided) can serve.
  std::optional<std::uint32_t> decided_round_lacking_proposal;
};

using Message = std::variant<Proposal, Vote, Decision, RoundStatus>;

Bytes ProposalSignBytes(std::string_view chain_id, std::uint64_t height, std::uint32_t round,
                        std::optional<std::uint32_t> valid_round, const Hash256& block_hash);

// Wire format: the ConsensusMessage protobuf of node/proto/consensus.proto. Decoding rejects
// anything over max_bytes, malformed protobuf, wrong field sizes and unknown vote types with a
// "malformed" or "oversize" error; it does not check signatures (the core does).
Bytes EncodeMessage(const Message& message);
Result<Message> DecodeMessage(ByteView bytes, std::size_t max_bytes);

// ---------------------------------------------------------------- WAL records

// What the core persists before it acts: every proposal and vote it signs (double-sign
// protection), and every polka it acts on (line 36 of Algorithm 1): kLock when it locks on the
// value (and makes it its valid value), kValid when it only makes it its valid value. A polka
// record holds the block and the prevotes, so after a restart the validator still honours its
// lock and can still re-propose the value with its proof.
//
// kReceivedPrecommits (added by issue 15, seed 20001816) holds other validators' precommits of
// one (round, block hash or nil), signatures intact: written when this validator leaves a round
// on its precommit timeout (line 65) and when it holds a precommit quorum for a block it lacks.
// Those may be the only copies an honest validator holds (a Byzantine signer sent them to it
// alone), and the others may need them to decide or time out; a restart must not lose them, as
// the gossip assumption of the paper's liveness proof requires. Readers of older WALs are
// unaffected: kinds 1-5 are unchanged, and a binary that predates kind 6 refuses such a WAL
// with "wal_record_malformed" instead of ignoring it.
enum class WalRecordKind : std::uint8_t {
  kProposal = 1,
  kPrevote = 2,
  kPrecommit = 3,
  kLock = 4,
  kValid = 5,
  kReceivedPrecommits = 6,
};

struct WalRecord {
  WalRecordKind kind = WalRecordKind::kPrevote;
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  Hash256 block_hash{};
  std::optional<std::uint32_t> valid_round;  // kProposal only
  Bytes block;                               // kLock and kValid only
  // kLock and kValid: prevotes in `round` for block_hash. kReceivedPrecommits: precommits in
  // `round` for block_hash (nil allowed), 1..kMaxValidators of them, distinct validators.
  std::vector<PolkaSignature> polka;
};

// Fixed layout: u8 kind || u64 height || u32 round || block_hash || u32 valid_round (0xFFFFFFFF
// for none) || u32 block length || block || u16 polka count || (u32 validator index || 64-byte
// signature) per polka prevote (per precommit for kReceivedPrecommits, which has no block).
Bytes EncodeWalRecord(const WalRecord& record);
Result<WalRecord> DecodeWalRecord(ByteView bytes);  // "wal_record_malformed" on any deviation

// ---------------------------------------------------------------- events (inputs)

struct Start {
  std::uint64_t height = 0;  // >= 1; the first height not yet in the block store
  // The set that signs `height` and the set that signs height + 1, both fixed by the committed
  // state (DESIGN 7). Empty: Config::validators (a chain whose set never changes).
  std::vector<ledger::Validator> validators = {};
  std::vector<ledger::Validator> next_validators = {};
};
// The set that signs `height`, which must be the core's height + 1. Fed after performing the
// CommitBlock of height - 2 (the core is then at height - 1): the state at height - 2 fixes it.
// Buffered messages of that height are checked again against it. Not fed: the set stays.
struct NextValidators {
  std::uint64_t height = 0;
  std::vector<ledger::Validator> validators;
};
struct MessageReceived {
  Message message;
  // The validator the transport authenticated as the sender, if it is one. Needed for a
  // RoundStatus (the answer goes to its sender); signed messages carry their own signer.
  std::optional<std::uint32_t> from = std::nullopt;
  // The same by key: looked up in the set of the core's height (overrides `from`; a key not in
  // that set is no validator sender).
  std::optional<crypto::PublicKey> from_key = std::nullopt;
};
struct TimeoutFired {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  Step step = Step::kPropose;
};
struct ProposalBuilt {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  Bytes block;
  Hash256 block_hash{};
};
struct BlockValidated {
  std::uint64_t height = 0;
  Hash256 block_hash{};
  bool valid = false;
};
struct GossipTick {};
// The answer to WaitForTxs: the application has txs to propose at this height.
struct TxsAvailable {
  std::uint64_t height = 0;
};

using Event = std::variant<Start, MessageReceived, TimeoutFired, ProposalBuilt, BlockValidated, GossipTick,
                           TxsAvailable, NextValidators>;

// ---------------------------------------------------------------- effects (outputs)

struct Broadcast {
  Message message;
  // The validators of the message's height and of the next one, except this one: a validator
  // joining at the next height hears this height's messages (it may decide it with them).
  std::vector<crypto::PublicKey> to = {};
};
// One message for one validator: the relay's answer to that validator's RoundStatus.
struct SendTo {
  std::uint32_t validator = 0;
  Message message;
  crypto::PublicKey to_key{};
};
struct PersistWal {
  WalRecord record;
};
struct ScheduleTimeout {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  Step step = Step::kPropose;
  std::uint64_t duration_ms = 0;
};
struct BuildProposal {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
};
// valid means: the bytes are a block at this height that hashes to block_hash and executes
// correctly on the committed state.
struct ValidateBlock {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  Hash256 block_hash{};
  Bytes block;
};
struct CommitBlock {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  Hash256 block_hash{};
  Bytes block;
  pb::CommitCertificate certificate;  // precommits of > 2/3 of the voting power, by validator index
};
// Two signed messages from one validator for the same height, round and kind that conflict.
// Proposals are kept without their block bytes: the signature covers the block hash.
struct VoteEquivocation {
  Vote first;
  Vote second;
};
struct ProposalEquivocation {
  Proposal first;
  Proposal second;
};
struct RecordEvidence {
  std::variant<VoteEquivocation, ProposalEquivocation> evidence;
};
struct RequestDecision {
  std::uint64_t height = 0;
  std::vector<std::uint32_t> ahead;  // validators seen at higher heights, by index in set(height)
  std::vector<crypto::PublicKey> ahead_keys = {};  // the same, by key
};

// The core entered `height` and waits before starting its round 0 (create_empty_blocks false).
// Answer with TxsAvailable as soon as the application has txs to propose (at once if it already
// has). The core also starts the round on its own when the heartbeat timeout it scheduled
// fires, or when another validator's message for this height shows the others have started.
struct WaitForTxs {
  std::uint64_t height = 0;
};

using Effect = std::variant<Broadcast, SendTo, PersistWal, ScheduleTimeout, BuildProposal, ValidateBlock, CommitBlock,
                            RecordEvidence, RequestDecision, WaitForTxs>;

// status says what became of the event: ok, or why a message was dropped ("bad_signature",
// "unknown_validator", "not_proposer", "duplicate", "equivocation" (a conflicting message past
// what is kept), "past_height", "height_too_far", "round_out_of_range", "oversize",
// "malformed", "block_hash_mismatch", "not_started", "stale" (superseded far-round message),
// "conflicting_decision", "bad_commit", "unknown_sender" (a RoundStatus without a validator
// sender), "too_frequent" (a peer's RoundStatus past its per-tick budget), "not_in_validator_set"
// (signed by a validator of the previous set that is not in the set of the message's height: a
// removed validator that keeps voting)), or why an application answer or Start was refused
// ("bad_block", "block_hash_mismatch", "already_proposed", "malformed", "stale"). Evidence can
// accompany a status of either kind. Timeouts and answers that arrive after the core moved on
// are ok and change nothing.
struct Output {
  Status status;
  std::vector<Effect> effects;
  // Buffered messages of the next height refused when they were checked again against that
  // height's set (NextValidators, or entering the height): the adapter counts them as it counts
  // a refused status.
  std::vector<Status> refused = {};
};

// ---------------------------------------------------------------- configuration

struct TimeoutSchedule {
  std::uint64_t base_ms = 0;
  std::uint64_t per_round_ms = 0;  // linear growth: liveness once timeouts exceed network delay
  std::uint64_t For(std::uint32_t round) const { return base_ms + per_round_ms * round; }
};

struct Config {
  std::string chain_id;
  // The genesis set, which signs every height Start or NextValidators gives no set for. At a
  // height, a validator's id is its index in that height's set.
  std::vector<ledger::Validator> validators;
  // Identity of a block's bytes: the hash its votes name. Must be pure, and must fail or give a
  // different hash for any other bytes (for ledger blocks: decode, check the txs root against
  // the txs, hash the header).
  std::function<Result<Hash256>(ByteView block)> block_hash;
  // How proposal and vote signatures are checked; empty means crypto::VerifyRaw. An adapter may
  // put a cache of verified signatures in front (the answer for given bytes never changes), but
  // must never accept what VerifyRaw rejects.
  std::function<bool(const crypto::PublicKey& key, ByteView message, const crypto::Signature& signature)>
      verify_signature;

  TimeoutSchedule propose_timeout{3000, 500};
  TimeoutSchedule prevote_timeout{1000, 500};
  TimeoutSchedule precommit_timeout{1000, 500};

  // CometBFT's create_empty_blocks: when false, a new height waits (Step::kWait) until txs are
  // available, another validator starts it, or empty_block_interval_ms passes (the heartbeat,
  // scheduled as a kWait timeout), so an idle chain makes one block per heartbeat (DESIGN 7).
  bool create_empty_blocks = true;
  std::uint64_t empty_block_interval_ms = 60'000;

  // Explicit limits on everything a peer can make the core hold.
  std::size_t max_block_bytes = 8u << 20;
  std::uint32_t max_round = 1000;  // rounds above are rejected; the core never starts one
  // Messages of rounds up to round + future_round_window are kept in full; above it, only each
  // validator's messages of its highest round (enough for the round-skip rule).
  std::uint32_t future_round_window = 2;
  // Messages for height + 1 are kept (verified) until the core gets there; higher ones dropped.
  std::size_t max_future_height_messages_per_validator = 32;
  // A stuck core re-broadcasts its own messages of at most this many most recent rounds.
  std::uint32_t rebroadcast_rounds = 8;
  std::size_t max_evidence_per_height = 1024;
  // RoundStatus messages each peer may have answered between two GossipTicks (ticks are not
  // aligned across validators, so an honest peer can land two in one of ours); more are dropped
  // as "too_frequent", so a peer cannot make the core relay without bound.
  std::uint32_t relay_statuses_per_tick = 2;
};

inline constexpr std::size_t kMaxValidators = 1024;
// Proposer selection keeps one entry per unit of voting power (a period of the weighted round
// robin); this bounds that table.
inline constexpr std::uint64_t kMaxTotalVotingPower = 1u << 16;
// Wire size limit for a message carrying a block of max_block_bytes.
std::size_t MaxMessageBytes(const Config& config);

// ---------------------------------------------------------------- the core

// Proposer of (height, round): weighted round robin (Tendermint's proposer-priority algorithm,
// which repeats with a period of the total voting power) at position height + round. For
// callers outside the core; it rebuilds the period, O(total power x validators), per call.
std::uint32_t ProposerIndex(std::span<const ledger::Validator> validators, std::uint64_t height, std::uint32_t round);

struct FaultSwitches;  // test builds only: node/src/consensus_faults.h

// Checks a validator set as Config::validators is checked: 1..kMaxValidators validators, each
// power 1..kMaxTotalVotingPower, total within kMaxTotalVotingPower, no key twice.
Status CheckValidatorSet(std::span<const ledger::Validator> validators);

class Core {
 public:
  // signer need not be in any set: at heights whose set lacks it the core follows without voting
  // or proposing (an observer that joins later, or a removed validator). wal_records are the
  // decoded records replayed from this validator's WAL (any heights; older ones are ignored once
  // the core starts).
  static Result<Core> Create(Config config, crypto::KeyPair signer, std::span<const WalRecord> wal_records = {});

  Core(Core&&) noexcept;
  Core& operator=(Core&&) noexcept;
  ~Core();

  Output Handle(Event event);

  struct Snapshot {
    std::uint64_t height = 0;  // 0 until Start
    std::uint32_t round = 0;
    Step step = Step::kPropose;
    std::uint32_t validator_index = 0;  // in the current height's set; meaningless unless member
    bool member = false;                // the signer is in the current height's set
    std::optional<std::uint32_t> locked_round;
    Hash256 locked_hash{};
    std::optional<std::uint32_t> valid_round;
    Hash256 valid_hash{};
  };
  Snapshot snapshot() const;
  // The set that signs the current height (Config::validators before Start).
  const std::vector<ledger::Validator>& validators() const;

 private:
  struct Impl;
  explicit Core(std::unique_ptr<Impl> impl);
  friend Result<Core> CreateCoreWithFaults(Config, crypto::KeyPair, std::span<const WalRecord>, const FaultSwitches&);
  std::unique_ptr<Impl> impl_;
};

// One line each, for logs, traces and transcripts; hashes as their first 8 hex digits.
std::string Describe(const Message& message);
std::string Describe(const Event& event);
std::string Describe(const Effect& effect);
std::string Describe(const WalRecord& record);
std::string ShortHash(const Hash256& hash);  // "nil" for kNilHash

}  // namespace shanliu::node::consensus
