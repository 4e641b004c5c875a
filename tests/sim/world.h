// The simulated world: validators (consensus core + WAL + block store + application), a
// network with delays, drops, duplicates, reordering and partitions, a clock, and the
// invariant checks. Internal to tests/sim; simulator.h is the interface.
//   world.cc      event loop, network, nodes, crashes and restarts
//   checks.cc     the invariants
//   adversary.cc  what Byzantine validators send
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

struct Packet {
  enum class Kind : std::uint8_t { kConsensus, kDecisionRequest };
  std::uint32_t from = 0;
  std::uint32_t to = 0;
  Kind kind = Kind::kConsensus;
  Bytes payload;             // consensus wire bytes
  std::uint64_t height = 0;  // what a decision request asks for
};

class World {
 public:
  explicit World(const SimOptions& options);
  SimReport Run();

 private:
  struct Node {
    bool byzantine = false;
    bool up = true;
    std::uint64_t epoch = 0;  // a crash voids the timers and answers of the previous life
    std::optional<cs::Core> core;
    Bytes wal;  // the WAL body exactly as the file would hold it
    std::set<std::tuple<std::uint64_t, std::uint32_t, cs::WalRecordKind, Hash256>> persisted;
    std::vector<cs::CommitBlock> chain;  // the durable block store
    bool torn_crash_pending = false;
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
  using What = std::variant<Deliver, Fire, Tick, CrashAt, RestartAt, HealAt>;
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
  // Describes only when tracing: building the text costs more than the simulation step.
  template <class Describer>
  void Trace(std::uint32_t i, const char* arrow, Describer&& describe) {
    if (options_.trace) *options_.trace << "[t=" << now_ << "] n" << i << " " << arrow << " " << describe() << "\n";
  }

  // ---- checks.cc
  void CheckSigned(std::uint32_t i, const cs::Message& message);
  void CheckCommit(std::uint32_t i, const cs::CommitBlock& commit);
  void CheckEvidence(std::uint32_t i, const cs::RecordEvidence& evidence);

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
