// The block-sync driver: serves committed blocks to peers and fetches the ones this node lacks.
// BlockSync (block_sync.h) decides whom to ask and when; this driver sends the requests, answers
// peers' requests from the store, and replays what arrives (ledger::Replayer: certificate,
// header chain, signatures on the verify pool, execution) into the one commit path.
//
// Thread rule: every member runs on the io thread (the first call records it, the rest assert
// it), except blocks_synced(), which is thread-safe. It reaches the rest of the runner through
// PeerOut (frames), CommitPath (each block it commits) and OnSynced (the runner announces the
// new head and restarts consensus at it).
#pragma once

#include <atomic>
#include <functional>

#include "runner_parts.h"
#include "shanliu/ledger/verify_pool.h"
#include "shanliu/node/block_sync.h"
#include "shanliu/node/clock.h"

namespace shanliu::node {

class SyncDriver {
 public:
  using OnSynced = std::function<void()>;  // after a response moved the store forward
  struct Parts {
    ledger::Ledger& ledger;
    const Mempool& mempool;  // its verified-signature cache spares re-checking gossiped txs
    ledger::VerifyPool& verify_pool;
    const Clock& clock;
    PeerOut& peers;
    PeerFaultLog& faults;
    CommitPath& commits;
    FatalFn fatal;
    OnSynced on_synced;
  };

  // votes_now: whether this node votes at its current height (a validator of that height's set):
  // such a node one block behind gives consensus a grace period before syncing; a follower
  // (observer, standby or removed validator) syncs at once.
  SyncDriver(Parts parts, const RunnerConfig& config, std::function<bool()> votes_now);
  SyncDriver(const SyncDriver&) = delete;
  SyncDriver& operator=(const SyncDriver&) = delete;
  void Stop();  // any thread; nothing more is requested or committed

  void OnHeadStatus(const crypto::PublicKey& from, const pb::p2p::HeadStatus& head);
  void OnBlocksRequest(const crypto::PublicKey& from, const pb::p2p::BlocksRequest& request);
  void OnBlocks(const crypto::PublicKey& from, const pb::p2p::BlocksResponse& response);
  void OnPeerGone(const crypto::PublicKey& peer);
  void Tick();  // asks whoever BlockSync says, if anyone
  // The consensus adapter missed a decision: ask up to two of the validators ahead, or anyone.
  void FetchDecision(const std::vector<crypto::PublicKey>& ahead, std::uint64_t height);

  std::uint64_t blocks_synced() const { return blocks_synced_; }

 private:
  void RequestBlocks(const crypto::PublicKey& peer, std::uint64_t from_height, std::uint32_t count);
  pb::p2p::P2pFrame ReadBlocks(std::uint64_t from_height, std::uint32_t count) const;
  // The response's consecutive blocks from our head on, decoded; a malformed one ends them.
  std::vector<pb::CommittedBlock> ConsecutiveBlocks(const crypto::PublicKey& from,
                                                    const pb::p2p::BlocksResponse& response, bool* peer_at_fault);
  // Replays a response's consecutive blocks from our head on; returns how many committed.
  std::uint64_t CommitSyncedBlocks(const crypto::PublicKey& from, const pb::p2p::BlocksResponse& response,
                                   bool* peer_at_fault);

  Parts parts_;
  const std::uint32_t blocks_per_request_;
  const std::size_t max_response_bytes_;
  const std::function<bool()> votes_now_;
  const std::function<void(const std::string&, const std::string&)> on_storage_corrupt_;
  BlockSync sync_;  // whom to ask
  std::atomic<bool> stopped_{false};
  std::atomic<std::uint64_t> blocks_synced_{0};
  ThreadRule io_thread_;
};

}  // namespace shanliu::node
