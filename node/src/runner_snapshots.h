// The runner's snapshot server (state sync, docs/p2p.md "State sync"): answers a peer's request
// for this node's latest snapshot manifest and for its chunks.
//
// A snapshot (ledger/snapshot.h) pins a LevelDB snapshot at a committed height, so every chunk
// comes from that one height whatever commits meanwhile. It is built on demand, on a thread of
// its own (cutting a large state into chunks reads all of it): the first manifest request
// starts a build and is answered "none yet" (an empty manifest); the requester asks again. A
// request that finds the newest snapshot `rebuild_after_blocks` or more behind the head starts a
// new build and is answered with the held one meanwhile. The two newest are kept, so a node in
// the middle of fetching one is not cut off when the next is ready (docs/decisions.md).
//
// Thread rule: OnManifestRequest and OnChunkRequest run on the io thread (asserted); the build
// thread only hands its result over under the mutex. Stop() joins the build thread.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "runner_parts.h"
#include "shanliu/ledger/snapshot.h"

namespace shanliu::node {

class SnapshotServer {
 public:
  SnapshotServer(const ledger::Ledger& ledger, PeerOut& peers, std::uint64_t rebuild_after_blocks)
      : ledger_(ledger), peers_(peers), rebuild_after_blocks_(rebuild_after_blocks) {}
  ~SnapshotServer() { Stop(); }
  SnapshotServer(const SnapshotServer&) = delete;
  SnapshotServer& operator=(const SnapshotServer&) = delete;

  void OnManifestRequest(const crypto::PublicKey& from);
  void OnChunkRequest(const crypto::PublicKey& from, const pb::p2p::SnapshotChunkRequest& request);
  void Stop();  // any thread but the build thread; joins it

  std::uint64_t chunks_served() const { return chunks_served_; }

 private:
  static constexpr std::size_t kKept = 2;
  void StartBuildIfDue();  // io thread
  std::shared_ptr<const ledger::snapshot::Snapshot> Newest() const;

  const ledger::Ledger& ledger_;
  PeerOut& peers_;
  const std::uint64_t rebuild_after_blocks_;
  mutable std::mutex mutex_;
  std::deque<std::shared_ptr<const ledger::snapshot::Snapshot>> held_;  // GUARDED_BY(mutex_), newest first
  bool building_ = false;                                               // GUARDED_BY(mutex_)
  bool stopped_ = false;                                                // GUARDED_BY(mutex_)
  std::thread builder_;  // io thread (started), Stop (joined)
  std::atomic<std::uint64_t> chunks_served_{0};
  ThreadRule io_thread_;
};

}  // namespace shanliu::node
