// The consensus adapter (docs/consensus.md, "the adapter's contract"): owns the consensus core,
// its WAL, its timers and the blocks executed at the current height, and turns the core's
// effects into I/O — frames to validators, blocks built and validated, decided blocks committed.
// Effects are performed in order, a WAL record is durable before anything after it, and every
// answer to the core is posted to the loop so it follows the effects that asked for it.
//
// Thread rule: Open runs before the io loop; every other member runs on the io thread (the
// first call records it, the rest assert it), except the counters, which are thread-safe.
// It reaches the rest of the runner through three narrow ends: PeerOut (frames), CommitPath
// (its commits) and FetchDecision (block sync, for a decision it missed).
#pragma once

#include <boost/asio/io_context.hpp>
#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "runner_parts.h"
#include "shanliu/node/clock.h"
#include "shanliu/node/consensus.h"
#include "shanliu/node/wal.h"

namespace shanliu::node {

class ConsensusAdapter {
 public:
  // Ask validators known to be ahead (none named: any peer) for the decided block of `height`.
  using FetchDecision = std::function<void(const std::vector<crypto::PublicKey>& ahead, std::uint64_t height)>;
  // The validator set that signs `height`, from committed state (docs/consensus.md
  // "Reconfiguration"): asked for heights up to the store's height + 2, which the committed
  // state fixes (a change committed at c takes effect at E >= c + 2).
  using ValidatorsAt = std::function<Result<std::vector<ledger::Validator>>(std::uint64_t height)>;
  struct Parts {
    boost::asio::io_context& io;
    ledger::Ledger& ledger;
    Mempool& mempool;
    const Clock& clock;
    Timers& timers;
    PeerOut& peers;
    CommitPath& commits;
    FatalFn fatal;
    FetchDecision fetch_decision;
    ValidatorsAt validators_at;
  };

  // key need not be in any set: the core follows without voting at heights whose set lacks it,
  // and starts voting at the height a ValidatorSetChange adds it.
  ConsensusAdapter(Parts parts, const RunnerConfig& config, crypto::KeyPair key);
  ~ConsensusAdapter();
  ConsensusAdapter(const ConsensusAdapter&) = delete;
  ConsensusAdapter& operator=(const ConsensusAdapter&) = delete;

  // Replays the WAL into a new core and listens for the mempool's txs-available signal. Before the io loop.
  Status Open();
  void Begin();  // posts the core's start at the store's next height; before the io loop or on it
  void Stop();   // any thread; no core input is handled after it

  // A consensus frame's payload from a peer; dropped unless the peer is a validator of the
  // core's height, the one before or the one after (relayed votes come from any of them).
  void OnMessage(const crypto::PublicKey& from, const std::string& bytes);
  void GossipTick();
  // Block sync moved the store past the core's height: it starts again at the next one.
  void RestartAtStoreHeight();
  // CommitPath's adapter step: the height's executed blocks are spent, the WAL may shrink.
  void Committed(std::uint64_t height);

  std::uint32_t round() const { return round_; }                                // thread-safe
  bool votes() const { return votes_; }  // thread-safe: the key is in the set of the core's height
  std::uint64_t blocks_committed() const { return blocks_committed_; }          // thread-safe
  std::uint64_t messages_rejected() const { return messages_rejected_; }        // thread-safe

 private:
  void Feed(consensus::Event event);
  void FeedLater(consensus::Event event);
  void Perform(consensus::Effect& effect);
  void SendToValidators(const std::vector<crypto::PublicKey>& to, const consensus::Message& message);
  void SendToValidator(const crypto::PublicKey& to, const consensus::Message& message);
  void ScheduleTimeout(const consensus::ScheduleTimeout& timeout);
  void RequestDecision(const consensus::RequestDecision& request);
  // Start at the store's next height h with set(h) and set(h + 1).
  std::optional<consensus::Start> StartAt(std::uint64_t height);
  // After the core decided `height`: it is told set(height + 2), and peers' consensus frames are
  // accepted from the validators of the heights around its new one.
  void AfterDecided(std::uint64_t height);
  Result<std::vector<ledger::Validator>> SetAt(std::uint64_t height);
  void RefreshAccepted(std::uint64_t core_height);
  void OnTxsAvailable();  // the mempool's signal, posted to the io thread
  void Build(std::uint64_t height, std::uint32_t round);
  void Validate(const consensus::ValidateBlock& request);
  std::optional<ledger::ExecutedBlock> ExecuteForValidation(const consensus::ValidateBlock& request);
  void RememberExecuted(ledger::ExecutedBlock executed);  // bounded by kMaxExecutedCache
  void CommitDecided(const consensus::CommitBlock& decided);
  void CompactWal(std::uint64_t committed_height);

  Parts parts_;
  const RunnerConfig config_;
  const crypto::KeyPair key_;
  std::set<crypto::PublicKey> accepted_;  // validators of the core's height - 1, height and height + 1
  std::size_t max_message_bytes_ = 0;

  std::optional<consensus::Core> core_;
  std::optional<Wal> wal_;
  std::deque<std::pair<std::uint64_t, Bytes>> wal_records_;  // (height, encoded record) not yet compacted away
  // Blocks this node built or validated at the current height, by hash: committing them
  // needs no second execution. Cleared on every commit.
  std::map<Hash256, ledger::ExecutedBlock> executed_;
  static constexpr std::size_t kMaxExecutedCache = 16;
  // The height the core waits at for txs (WaitForTxs), 0 when it is not waiting.
  std::uint64_t waiting_for_txs_height_ = 0;

  std::atomic<bool> stopped_{false};
  // The mempool keeps its listener after the adapter is gone: the listener checks this first.
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
  std::atomic<std::uint32_t> round_{0};
  std::atomic<bool> votes_{false};
  std::atomic<std::uint64_t> blocks_committed_{0};
  std::atomic<std::uint64_t> messages_rejected_{0};
  ThreadRule io_thread_;
};

}  // namespace shanliu::node
