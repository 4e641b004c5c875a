// The runner's thin router: decodes each frame a peer sent and hands it to the piece it is for
// (consensus adapter, block-sync driver, gossip, the checkpoint collector); tells peers where
// this node's head is, and keeps its own cosignature for peers that connect later. It holds no
// consensus or sync state of its own.
//
// Thread rule: OnFrame, OnPeer and AnnounceHead run on the io thread (the first call records it,
// the rest assert it). ShareCosignature may also run before the io loop (the node cosigns its
// head at start). The counters are thread-safe.
#pragma once

#include <atomic>
#include <optional>

#include "runner_backfill.h"
#include "runner_consensus.h"
#include "runner_gossip.h"
#include "runner_parts.h"
#include "runner_snapshots.h"
#include "runner_sync.h"
#include "shanliu/ledger/origin_signing.h"

namespace shanliu::node {

class Router {
 public:
  struct Parts {
    const ledger::Ledger& ledger;
    PeerOut& peers;
    PeerFaultLog& faults;
    ConsensusAdapter* adapter;  // null: this node does not take part in consensus
    SyncDriver& sync;
    TxGossip& gossip;
    ledger::CheckpointCollector* checkpoints;  // null: cosignatures are not collected
    SnapshotServer* snapshots;                 // null: snapshots are not served
    BackfillDriver* backfill = nullptr;        // null: no history backfill under way
    ledger::OriginSigner* origin = nullptr;    // null: the chain has no origin key
    // With `origin`: the set that signs a log size's checkpoint (RunnerConfig::origin_epoch).
    std::function<ledger::OriginEpochPtr(std::uint64_t log_size)> origin_epoch;
  };

  explicit Router(Parts parts) : parts_(parts) {}
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;
  void Stop() { stopped_ = true; }  // any thread: frames that arrive after it are dropped

  void OnFrame(const crypto::PublicKey& from, Bytes payload);
  void OnPeer(const crypto::PublicKey& peer, bool connected);
  void AnnounceHead();  // this node's committed head, to every peer
  void ShareCosignature(pb::p2p::P2pFrame frame);
  // After this validator committed nonces to a checkpoint: coordinate it if it is ours.
  void OriginProgress(const ledger::CheckpointRef& checkpoint);

  std::uint64_t messages_rejected() const { return messages_rejected_; }
  std::size_t peers() const { return peers_; }

 private:
  bool Dispatch(const crypto::PublicKey& from, const pb::p2p::P2pFrame& frame);  // false: refused
  void OnCosignature(const crypto::PublicKey& from, const pb::p2p::CheckpointCosignature& message);
  pb::p2p::P2pFrame HeadFrame() const;
  void OnOriginPackage(const crypto::PublicKey& from, const pb::p2p::OriginSigningPackage& message);
  void OnOriginShare(const crypto::PublicKey& from, const pb::p2p::OriginSignatureShare& message);
  void SignOrigin(const ledger::CheckpointRef& checkpoint);
  void OriginSigned(const ledger::CheckpointRef& checkpoint, const Result<std::optional<crypto::Signature>>& result);

  const Parts parts_;
  std::optional<pb::p2p::P2pFrame> last_own_cosignature_;  // io thread (or before the loop runs)
  std::atomic<bool> stopped_{false};
  std::atomic<std::uint64_t> messages_rejected_{0};
  std::atomic<std::size_t> peers_{0};
  ThreadRule io_thread_;
};

}  // namespace shanliu::node
