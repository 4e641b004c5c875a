// The runner is the wiring of four pieces, each with private state and its own thread rule:
//   ConsensusAdapter (runner_consensus.h) the core, its WAL and timers; proposals, validation, commit
//   SyncDriver       (runner_sync.h)      serving and fetching committed blocks (whom to ask: BlockSync)
//   TxGossip         (runner_gossip.h)    mempool gossip
//   Router           (runner_router.h)    decodes frames and dispatches them; head announcements
// They meet only through narrow ends (runner_parts.h): PeerOut over the abstract transport
// (peer_transport.h), PeerFaultLog, and CommitPath — the one function every commit ends in.
//
// Thread rule of the wiring: construction, Start and ShareCosignature run before the io loop or
// on its thread; the status tick, Synced and Fatal run on the io thread; Gossip, Stop and stats()
// are thread-safe. Time comes from a Clock and Timers (clock.h), so tests drive it by hand.
#pragma once

#include <memory>
#include <optional>

#include "runner_backfill.h"
#include "runner_consensus.h"
#include "runner_gossip.h"
#include "runner_parts.h"
#include "runner_router.h"
#include "runner_snapshots.h"
#include "runner_sync.h"
#include "shanliu/ledger/verify_pool.h"
#include "shanliu/node/runner.h"

namespace shanliu::node {

class Runner::Impl {
 public:
  Impl(boost::asio::io_context& io, RunnerConfig config, TransportFactory make_transport, crypto::KeyPair key,
       ledger::Ledger& ledger, Mempool& mempool, OnCommit on_commit, ledger::CheckpointCollector* checkpoints);

  ~Impl();
  Status Start();
  void Stop();
  void Gossip(std::vector<Bytes> envelopes) { gossip_.Queue(std::move(envelopes)); }
  void AnnounceHead() { router_->AnnounceHead(); }
  void ShareCosignature(pb::p2p::P2pFrame frame) { router_->ShareCosignature(std::move(frame)); }
  void OriginProgress(const ledger::CheckpointRef& checkpoint) { router_->OriginProgress(checkpoint); }
  Stats stats() const;
  const std::optional<Status>& fatal() const { return fatal_; }

 private:
  void Fatal(std::string_view step, const Status& status);
  void ArmStatusTimer();
  // After sync moved the store: peers hear of the new head, consensus restarts at the next height.
  void Synced();
  void ArmBackfillTimer();

  boost::asio::io_context& io_;
  const RunnerConfig config_;
  const Clock& clock_;
  std::unique_ptr<AsioTimers> own_timers_;  // when the config names no Timers
  Timers& timers_;
  ledger::Ledger& ledger_;
  // Tx signature checks of synced blocks and gossiped txs, off the io thread's own work: the
  // node's shared pool (config_.verify_pool), or the runner's own when it has none.
  std::unique_ptr<ledger::VerifyPool> own_verify_pool_;
  ledger::VerifyPool& verify_pool_;

  // Declared before the pieces that use it, so it outlives them. Its handlers go to router_.
  std::unique_ptr<PeerTransport> transport_;
  PeerOut peers_;
  PeerFaultLog faults_;
  CommitPath commits_;
  std::unique_ptr<ConsensusAdapter> adapter_;  // null: an observer, or a validator deciding alone
  SyncDriver sync_;
  TxGossip gossip_;
  SnapshotServer snapshots_;  // state sync: this node's snapshots, for peers that start from one
  std::unique_ptr<BackfillDriver> backfill_;  // null: the store holds its whole history, or backfill is off
  std::unique_ptr<Router> router_;

  std::atomic<bool> stopped_{false};
  // Timer callbacks check it first: they may be run after the runner is gone.
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
  std::optional<Status> fatal_;  // the first Fatal's status; io thread
};

}  // namespace shanliu::node
