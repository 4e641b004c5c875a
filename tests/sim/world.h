// The simulated world: validators (consensus core + WAL + block store + application), a
// network with delays, drops, duplicates, reordering and partitions, a clock, and the
// invariant checks. Internal to tests/sim; simulator.h is the interface.
//   world.cc      event loop, network, nodes, crashes and restarts
//   checks.cc     the invariants
//   adversary.cc  what Byzantine validators send
//   sync.cc       block sync (the node's BlockSync policy), observers, the lying and slow peers
//   storage.cc    the durable block store: checksummed records, read corruption, torn writes
#pragma once

#include <map>
#include <optional>
#include <queue>
#include <set>
#include <tuple>
#include <variant>
#include <vector>

#include "random.h"
#include "scenario.h"
#include "shanliu/node/block_sync.h"
#include "shanliu/node/consensus.h"
#include "signature_memo.h"
#include "simulator.h"

namespace shanliu::sim {

namespace cs = node::consensus;

// Simulated time limits (not wall-clock): how long after healing every honest validator has to
// reach the target, and how far past the heal-time height that target is.
inline constexpr std::uint64_t kLivenessBoundMs = 120'000;
inline constexpr std::uint64_t kHeightsAfterHeal = 3;
inline constexpr std::uint64_t kBoundaryRunAfterHealMs = 20'000;
inline constexpr std::uint64_t kGossipTickMs = 1'000;
inline constexpr std::uint64_t kMaxEvents = 20'000'000;
// A node that met a corrupt read stops (as shanliu-node does, docs/operator.md); its supervisor
// restarts it this much later, and the restart repairs the store from peers.
inline constexpr std::uint64_t kRestartAfterDamageMs = 2'000;
inline constexpr std::uint64_t kClaimRefreshTicks = 5;  // an unchanged head is re-announced this often
inline constexpr std::uint32_t kBlocksPerRequest = 64;
// Block requests one node may send per simulated second, on average since the start. The policy
// asks at most two peers at a time and demotes a peer that answers with nothing, so even an
// observer syncing a long chain stays far below; a policy that re-asks a peer answering nothing
// at once loops at network speed (the sync-ask-highest-claimant switch did: 20 million events
// in 18 simulated seconds).
inline constexpr std::uint64_t kMaxSyncRequestsPerSecond = 50;

struct Packet {
  enum class Kind : std::uint8_t { kConsensus, kDecisionRequest, kHeadClaim, kBlocksRequest, kBlocksResponse };
  std::uint32_t from = 0;
  std::uint32_t to = 0;
  Kind kind = Kind::kConsensus;
  Bytes payload;             // consensus wire bytes
  std::uint64_t height = 0;  // what a decision request asks for; a claimed head; a request's first block
  std::uint32_t max_blocks = 0;            // a blocks request
  std::vector<cs::CommitBlock> blocks;     // a blocks response (height: the head it claims)
};

// The durable block store of one node: each committed block is one checksummed record (the WAL's
// frame format), and `head` is the head record written with it. A crash may leave a partial
// record after the head (a torn write); a flipped byte inside a record is read corruption.
struct BlockStore {
  Bytes bytes;
  // Where each height's record ends (the store's index); its size is the head record.
  std::vector<std::size_t> ends;
  std::uint64_t head() const { return ends.size(); }
};

class World {
 public:
  explicit World(const SimOptions& options);
  SimReport Run();

 private:
  enum class Role : std::uint8_t { kValidator, kObserver, kLiar };
  struct Node {
    Role role = Role::kValidator;
    bool byzantine = false;
    bool up = true;
    std::uint64_t epoch = 0;  // a crash voids the timers and answers of the previous life
    std::optional<cs::Core> core;
    Bytes wal;  // the WAL body exactly as the file would hold it
    std::set<std::tuple<std::uint64_t, std::uint32_t, cs::WalRecordKind, Hash256>> persisted;
    std::vector<cs::CommitBlock> chain;  // the committed blocks as the ledger indexes them, read from `store`
    BlockStore store;
    bool torn_crash_pending = false;
    std::optional<std::uint64_t> tear_block_write;  // armed: the next block write tears; restart after this
    std::optional<node::BlockSync> sync;  // one per life, as the runner's
    std::uint64_t claimed = UINT64_MAX;   // the head this life last announced
    std::uint64_t ticks = 0;
    // Restarted on a damaged store: catching up from peers to this height before the core runs
    // again (a validator never votes from a store it knows is short). 0: not repairing.
    std::uint64_t repair_to = 0;
    // Intact blocks the damaged store still held above its first damaged one. As the repair
    // keeps the damaged store until it swaps, they outlive a crash; each commits once peers have
    // filled the gap below it and it passes a synced block's checks (it may be the only honest
    // copy of a block decided after the damage).
    std::map<std::uint64_t, cs::CommitBlock> above_gap;
    std::uint64_t sync_requests = 0;  // over all lives
  };
  struct Deliver {
    Packet packet;
  };
  struct Fire {  // a timer or an application answer for one node
    std::uint32_t node = 0;
    std::uint64_t epoch = 0;
    cs::Event event;
  };
  struct Tick {
    std::uint32_t node = 0;
    std::uint64_t epoch = 0;
  };
  struct CrashAt {
    Crash crash;
  };
  struct RestartAt {
    std::uint32_t node = 0;
  };
  struct HealAt {};
  struct CorruptAt {
    ReadFault fault;
  };
  struct TearAt {
    NodeScenario::TornWrite tear;
  };
  using What = std::variant<Deliver, Fire, Tick, CrashAt, RestartAt, HealAt, CorruptAt, TearAt>;
  struct Scheduled {
    std::uint64_t at = 0;
    std::uint64_t seq = 0;
    What what;
    bool operator>(const Scheduled& other) const { return std::tie(at, seq) > std::tie(other.at, other.seq); }
  };
  struct BlockInfo {
    std::uint64_t height = 0;
    bool valid = false;
  };

  // ---- world.cc
  void Push(std::uint64_t delay_ms, What what);
  void Dispatch(What what);
  void Handle(std::uint32_t i, cs::Event event);
  void Perform(std::uint32_t i, std::vector<cs::Effect> effects);
  void PerformOne(std::uint32_t i, cs::Effect& effect);
  void Send(Packet packet);
  void Send(Packet packet, Random& random, std::uint64_t extra_delay_ms = 0);
  static std::optional<std::uint32_t> SignerOf(const cs::Message& message);
  bool Partitioned(std::uint32_t from, std::uint32_t to) const;
  void Receive(Packet packet);
  void CrashNow(std::uint32_t i);
  void Restart(std::uint32_t i);
  void CompactWal(std::uint32_t i, std::uint64_t committed_height);
  void Boot(std::uint32_t i, std::span<const cs::WalRecord> records);
  void Heal();
  Hash256 NewBlock(std::uint64_t height, bool valid, Bytes* block);
  void Fail(const std::string& what);
  std::uint64_t MinHonestHeight() const;
  std::uint64_t MaxHonestHeight() const;
  std::uint64_t MinObserverHeight() const;
  bool IsValidator(std::uint32_t i) const { return i < validators_; }
  void StartConsensus(std::uint32_t i);
  void CommitDecided(std::uint32_t i, const cs::CommitBlock& commit);
  // Describes only when tracing: building the text costs more than the simulation step.
  template <class Describer>
  void Trace(std::uint32_t i, const char* arrow, Describer&& describe) {
    if (options_.trace) *options_.trace << "[t=" << now_ << "] n" << i << " " << arrow << " " << describe() << "\n";
  }

  // ---- checks.cc
  void CheckSigned(std::uint32_t i, const cs::Message& message);
  void CheckCommit(std::uint32_t i, const cs::CommitBlock& commit);
  void CheckEvidence(std::uint32_t i, const cs::RecordEvidence& evidence);

  // ---- sync.cc
  const crypto::PublicKey& KeyOf(std::uint32_t i) const { return keys_[i]; }
  void SyncTick(std::uint32_t i);
  void SyncNext(std::uint32_t i);
  void NewSync(std::uint32_t i);
  std::uint64_t LiarClaim() const;
  void SendClaims(std::uint32_t i, bool force);
  void ReceiveSync(Packet& packet);
  void ServeBlocks(std::uint32_t i, const Packet& request);
  void LiarAnswer(std::uint32_t i, const Packet& request);
  cs::CommitBlock ForgedBlock(std::uint64_t height);
  void OnBlocks(std::uint32_t i, const Packet& response);
  Status CheckSyncedBlock(std::uint32_t i, const cs::CommitBlock& block);
  const Status& CertificateStatus(const pb::CommitCertificate& certificate, std::uint64_t height, const Hash256& hash);
  void CheckObserverCommit(std::uint32_t i, const cs::CommitBlock& commit);
  void CheckServed(std::uint32_t i, const cs::CommitBlock& served);
  Hash256 ParentOf(std::uint64_t height) const;  // the decided block below `height` (zero below 1)

  // ---- storage.cc
  void StoreAppend(std::uint32_t i, const cs::CommitBlock& commit);
  void StoreTear(std::uint32_t i, const cs::CommitBlock& commit);  // a crash mid-write
  // The stored block at `height`, or nullopt when its record fails its checksum.
  std::optional<cs::CommitBlock> StoreRead(std::uint32_t i, std::uint64_t height);
  // Reopens the store at restart: drops a torn tail, checks every record, and returns the
  // blocks that read back intact up to the first damaged one. *damaged_head: the head the store
  // had when a record below it is damaged (the store is cut back to the intact blocks), else 0.
  std::vector<cs::CommitBlock> StoreOpen(std::uint32_t i, std::uint64_t* damaged_head);
  void KeepAboveGap(std::uint32_t i, std::uint64_t gap);
  void CommitAboveGap(std::uint32_t i);
  void CommitChecked(std::uint32_t i, const cs::CommitBlock& block);
  void Corrupt(const ReadFault& fault);
  std::uint64_t IntactPrefix(std::uint32_t i);  // the blocks from 1 up that read back intact
  // A crash armed for the node's next block write: tears it, stops the node, schedules the restart.
  bool TearIfArmed(std::uint32_t i, const cs::CommitBlock& commit);
  void StopOnDamage(std::uint32_t i, std::uint64_t height, const char* where);

  // ---- adversary.cc
  void ByzantineBroadcast(std::uint32_t b, const cs::Message& message);
  void ByzantineSend(std::uint32_t b, const cs::Message& message);  // the lies, to everyone (or the audience)
  void ByzantineReceive(const cs::Message& message);
  void ByzantineLinger(std::uint32_t b, const cs::Message& message);
  Hash256 ValueForSide(std::uint64_t height, std::uint32_t round, int side, const Hash256& own_vote) const;
  // kind: 0 proposal, 1 prevote, 2 precommit — each drawn on its own.
  const std::vector<int>& SplitFor(std::uint64_t height, std::uint32_t round, int kind);
  void SendMessage(std::uint32_t from, std::uint32_t to, const cs::Message& message);
  // A selective sender's receivers of one (height, round, kind: 0-2 as above, 3 status).
  const std::vector<bool>& AudienceFor(std::uint32_t b, std::uint64_t height, std::uint32_t round, int kind);
  void SendGarbage(std::uint32_t from);

  const SimOptions options_;
  Random random_;
  const Scenario scenario_;
  const std::uint32_t validators_;
  // Everything drawn for the node around the core (sync, storage): a stream of its own, so the
  // consensus part of a seed draws the same with it.
  Random node_random_;
  const NodeScenario node_scenario_;
  std::vector<crypto::PublicKey> keys_;  // per peer: validators, then observers, then the liar
  cs::Config config_;
  std::vector<Node> nodes_;
  std::priority_queue<Scheduled, std::vector<Scheduled>, std::greater<>> queue_;
  std::uint64_t now_ = 0;
  std::uint64_t seq_ = 0;
  bool healed_ = false;
  std::uint64_t target_height_ = 0;
  std::uint64_t deadline_ = 0;
  std::map<Hash256, BlockInfo> blocks_;  // everything ever built: the application's judgement
  // Signatures that verified, shared by all validators and the certificate check: each distinct
  // signed message costs one Ed25519 verification per run instead of one per receiver.
  SignatureMemo signatures_;
  std::map<std::string, Status> certificates_;  // serialized certificate -> verification result

  // What honest validators signed and committed, across all lives: the ground truth.
  std::map<std::tuple<std::uint32_t, std::uint64_t, std::uint32_t, cs::WalRecordKind>, Hash256> honest_signed_;
  std::map<std::uint64_t, std::pair<std::uint32_t, Hash256>> decided_;  // height -> (first validator, block)

  // The adversary's memory: proposals it has seen or made, per (height, round).
  std::map<std::pair<std::uint64_t, std::uint32_t>, std::vector<Hash256>> values_;
  std::set<std::tuple<std::uint64_t, std::uint32_t, std::uint8_t, int>> forged_;
  std::map<std::tuple<std::uint64_t, std::uint32_t, int>, std::vector<int>> splits_;  // side per validator
  std::map<std::uint64_t, std::pair<int, std::uint32_t>> plans_;                      // per height: strategy, favourite
  std::set<std::tuple<std::uint32_t, std::uint64_t, std::uint32_t>> lingered_proposals_;  // Byzantine, height, round
  std::set<std::tuple<std::uint32_t, std::uint64_t, std::uint32_t, Hash256>> lingered_votes_;  // ... and value
  std::map<std::tuple<std::uint32_t, std::uint64_t, std::uint32_t, int>, std::vector<bool>> audiences_;
  // Set only while a selective sender's broadcast is being sent: SendMessage skips the others.
  const std::vector<bool>* audience_ = nullptr;

  SimReport report_;
};

}  // namespace shanliu::sim
