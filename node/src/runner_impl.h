// Runner internals, split by concern:
//   runner.cc          start/stop, frame dispatch, head status, stats
//   runner_consensus.cc the core's effects: WAL, timers, proposals, validation, commit
//   runner_sync.cc     serving and fetching committed blocks (whom to ask: BlockSync, block_sync.h)
//   runner_gossip.cc   mempool gossip (TxGossip: its own state and thread rule, runner_gossip.h)
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>

#include "runner_gossip.h"
#include "shanliu/node/block_sync.h"
#include "shanliu/ledger/verify_pool.h"
#include "shanliu/node/runner.h"
#include "shanliu/node/wal.h"
#include "shanliu/pb/p2p.pb.h"

namespace shanliu::node {

class Runner::Impl {
 public:
  Impl(boost::asio::io_context& io, RunnerConfig config, p2p::TransportConfig transport, crypto::KeyPair key,
       ledger::Ledger& ledger, Mempool& mempool, OnCommit on_commit, ledger::CheckpointCollector* checkpoints);

  Status Start();
  void Stop();
  void Gossip(std::vector<Bytes> envelopes);
  Stats stats() const;

  // ---- runner.cc
  void OnFrame(const crypto::PublicKey& from, Bytes payload);
  void OnPeer(const crypto::PublicKey& peer, bool connected);
  void ArmStatusTimer();
  pb::p2p::P2pFrame HeadFrame() const;  // this node's committed head, for peers
  void SendHead();
  void Send(const crypto::PublicKey& to, const pb::p2p::P2pFrame& frame);
  void SendToAll(const pb::p2p::P2pFrame& frame);
  void Fatal(const std::string& what, const Status& status);
  std::uint64_t WallClockMs() const { return (config_.clock ? *config_.clock : SystemClock()).WallMs(); }
  std::optional<Status> fatal_;  // the first Fatal's status; io thread
  void OnCosignature(const crypto::PublicKey& from, const pb::p2p::CheckpointCosignature& message);
  bool IsValidator() const { return core_.has_value(); }
  std::optional<std::uint32_t> ValidatorIndexOf(const crypto::PublicKey& key) const;

  // ---- runner_consensus.cc
  Status StartConsensus();
  void Feed(consensus::Event event);
  void FeedLater(consensus::Event event);
  void Perform(consensus::Effect& effect);
  void OnTxsAvailable();  // the mempool's signal, posted to the io thread
  void Build(std::uint64_t height, std::uint32_t round);
  void Validate(const consensus::ValidateBlock& request);
  void RememberExecuted(ledger::ExecutedBlock executed);  // bounded by kMaxExecutedCache
  void CommitDecided(const consensus::CommitBlock& decided);
  // Every commit, by consensus or by sync, ends here.
  void AfterCommit(const ledger::ExecutedBlock& executed, bool by_sync);
  void CompactWal(std::uint64_t committed_height);

  // ---- runner_sync.cc
  void OnHeadStatus(const crypto::PublicKey& from, const pb::p2p::HeadStatus& head);
  void OnBlocksRequest(const crypto::PublicKey& from, const pb::p2p::BlocksRequest& request);
  void OnBlocks(const crypto::PublicKey& from, const pb::p2p::BlocksResponse& response);
  void MaybeSync();
  void RequestBlocks(const crypto::PublicKey& peer, std::uint64_t from_height, std::uint32_t count);
  // Replays a response's consecutive blocks from our head on; returns how many committed.
  std::uint64_t CommitSyncedBlocks(const crypto::PublicKey& from, const pb::p2p::BlocksResponse& response,
                                   bool* peer_at_fault);

  boost::asio::io_context& io_;
  const RunnerConfig config_;
  p2p::TransportConfig transport_config_;
  const crypto::KeyPair key_;
  ledger::Ledger& ledger_;
  Mempool& mempool_;
  const OnCommit on_commit_;
  const ledger::Genesis& genesis_;
  ledger::CheckpointCollector* const checkpoints_;  // may be null
  std::optional<pb::p2p::P2pFrame> last_own_cosignature_;  // io thread only

  std::unique_ptr<p2p::Transport> transport_;
  std::optional<consensus::Core> core_;
  std::optional<Wal> wal_;
  std::deque<std::pair<std::uint64_t, Bytes>> wal_records_;  // (height, encoded record) not yet compacted away
  std::uint32_t validator_index_ = 0;
  std::size_t max_consensus_bytes_ = 0;
  std::vector<crypto::PublicKey> validator_keys_;

  // Blocks this node built or validated at the current height, by hash: committing them
  // needs no second execution. Cleared on every commit.
  std::map<Hash256, ledger::ExecutedBlock> executed_;
  static constexpr std::size_t kMaxExecutedCache = 16;

  boost::asio::steady_timer status_timer_;
  std::atomic<bool> stopped_{false};
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);  // for listeners
  // The height the core waits at for txs (WaitForTxs), 0 when it is not waiting. io thread only.
  std::uint64_t waiting_for_txs_height_ = 0;

  // Whom sync asks (io thread only, asserted by the class).
  BlockSync sync_;

  TxGossip gossip_;
  // Tx signature checks of synced blocks and gossiped txs, off the io thread's own work: the
  // node's shared pool (config_.verify_pool), or the runner's own when it has none.
  std::unique_ptr<ledger::VerifyPool> own_verify_pool_;
  ledger::VerifyPool& verify_pool_;

  mutable std::mutex stats_mutex_;
  Stats stats_;
};

}  // namespace shanliu::node
