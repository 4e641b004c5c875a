#include "runner_snapshots.h"

#include "shanliu/crypto/codec.h"
#include "shanliu/node/log.h"

namespace shanliu::node {

std::shared_ptr<const ledger::snapshot::Snapshot> SnapshotServer::Newest() const {
  std::lock_guard lock(mutex_);
  return held_.empty() ? nullptr : held_.front();
}

void SnapshotServer::StartBuildIfDue() {
  io_thread_.Check();
  std::lock_guard lock(mutex_);
  if (building_ || stopped_) return;
  const std::uint64_t head = ledger_.height();
  if (head == 0) return;  // nothing to snapshot: a new node replays the genesis itself
  if (!held_.empty() && held_.front()->height() + rebuild_after_blocks_ > head) return;
  // The previous build thread has finished (building_ is false): join it before the next.
  if (builder_.joinable()) builder_.join();
  building_ = true;
  builder_ = std::thread([this, view = ledger_.Read()]() mutable {
    const std::uint64_t height = view->head().height();
    auto built = ledger::snapshot::Snapshot::Build(std::move(view));
    std::lock_guard inner(mutex_);
    building_ = false;
    if (!built.ok()) {
      LogEvent("error", "snapshot_build_failed", {{"height", height}, {"error", built.status().ToString()}});
      return;
    }
    LogEvent("info", "snapshot_built", {{"height", height}, {"chunks", (*built)->chunk_count()},
                                        {"rows", (*built)->manifest().row_count()}});
    held_.push_front(std::move(*built));
    while (held_.size() > kKept) held_.pop_back();
  });
}

void SnapshotServer::OnManifestRequest(const crypto::PublicKey& from) {
  io_thread_.Check();
  StartBuildIfDue();
  pb::p2p::P2pFrame frame;
  auto* response = frame.mutable_snapshot_manifest();
  if (auto newest = Newest()) response->set_manifest(newest->manifest_bytes());
  peers_.Send(from, frame);
}

void SnapshotServer::OnChunkRequest(const crypto::PublicKey& from, const pb::p2p::SnapshotChunkRequest& request) {
  io_thread_.Check();
  std::shared_ptr<const ledger::snapshot::Snapshot> snapshot;
  {
    std::lock_guard lock(mutex_);
    for (const auto& held : held_) {
      if (held->height() == request.height()) snapshot = held;
    }
  }
  pb::p2p::P2pFrame frame;
  auto* response = frame.mutable_snapshot_chunk();
  response->set_height(request.height());
  response->set_index(request.index());
  if (snapshot) {
    // Reads at most one chunk's rows (kChunkRowBytes) from the pinned LevelDB snapshot.
    auto chunk = snapshot->Chunk(request.index());
    if (chunk.ok()) {
      response->set_chunk(std::move(*chunk));
      ++chunks_served_;
    } else if (chunk.status().code() != "out_of_range") {
      LogEvent("error", "snapshot_chunk_failed", {{"height", request.height()}, {"index", request.index()},
                                                  {"error", chunk.status().ToString()}});
    }
  }
  peers_.Send(from, frame);
}

void SnapshotServer::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  if (builder_.joinable()) builder_.join();
}

}  // namespace shanliu::node
