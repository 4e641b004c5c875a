// State sync, the new node's side (shanliu/node/state_sync.h).
#include "shanliu/node/state_sync.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/snapshot.h"
#include "shanliu/node/durable_files.h"

namespace shanliu::node {
namespace {

namespace fs = std::filesystem;
namespace snap = ledger::snapshot;

constexpr const char* kLedgerDir = "ledger";  // ledger/src/state_keys.h kDatabaseDir

struct Offer {
  std::size_t peer = 0;
  pb::SnapshotManifest manifest;
};

void Report(const StateSyncOptions& o, const std::string& event, const std::string& detail) {
  if (o.report) o.report(event, detail);
}

// Asks every peer until enough certified manifests are in (or the rounds run out). A peer whose
// manifest fails its checks is refused for the rest of the restore.
std::vector<Offer> CollectManifests(const StateSyncOptions& o, const ledger::Genesis& genesis, SnapshotPeers& peers,
                                    StateSyncSummary& summary) {
  const std::size_t wanted = std::min(o.min_peers, peers.peer_count());
  std::vector<std::optional<Offer>> offers(peers.peer_count());
  std::vector<bool> refused(peers.peer_count(), false);
  for (std::uint32_t round = 0; round < o.manifest_rounds; ++round) {
    std::size_t have = 0;
    for (std::size_t p = 0; p < peers.peer_count(); ++p) {
      if (refused[p] || offers[p]) {
        have += offers[p] ? 1 : 0;
        continue;
      }
      auto bytes = peers.Manifest(p);
      if (!bytes.ok()) {
        if (round + 1 == o.manifest_rounds) summary.unreachable_peers.push_back(peers.PeerName(p) + ": " + bytes.status().ToString());
        continue;
      }
      if (bytes->empty()) continue;  // building its first snapshot: ask again next round
      auto manifest = snap::DecodeManifest(AsBytes(*bytes), genesis);
      if (!manifest.ok()) {
        refused[p] = true;
        summary.refused_peers.push_back(peers.PeerName(p) + ": " + manifest.status().ToString());
        Report(o, "snapshot_manifest_refused", peers.PeerName(p) + ": " + manifest.status().ToString());
        continue;
      }
      offers[p] = Offer{p, std::move(*manifest)};
      ++have;
    }
    if (wanted > 0 && have >= wanted) break;
    if (round + 1 < o.manifest_rounds && o.wait_between_rounds) o.wait_between_rounds();
  }
  std::vector<Offer> out;
  for (auto& offer : offers) {
    if (offer) out.push_back(std::move(*offer));
  }
  if (out.size() < wanted) out.clear();
  return out;
}

// The chunk fetch: one worker per peer takes the lowest chunk nobody has and it has not failed.
class ChunkFetch {
 public:
  ChunkFetch(snap::Restorer& restorer, const pb::SnapshotManifest& manifest, SnapshotPeers& peers,
             StateSyncSummary& summary, const StateSyncOptions& options)
      : restorer_(restorer),
        height_(manifest.block().header().height()),
        peers_(peers),
        summary_(summary),
        options_(options),
        state_(static_cast<std::size_t>(manifest.chunk_hashes_size())),
        failed_by_(state_.size()) {}

  // Runs a worker for each peer in `sources` and waits for all. Error: a chunk no peer served.
  Status Run(const std::vector<std::size_t>& sources) {
    std::vector<std::thread> workers;
    for (std::size_t p : sources) workers.emplace_back([this, p] { Work(p); });
    for (std::thread& t : workers) t.join();
    if (!error_.ok()) return error_;
    const auto missing = restorer_.Missing();
    if (!missing.empty()) {
      return Status::Error(std::string(kStateSyncNoPeers), "no peer served chunk " + std::to_string(missing.front()) +
                                                               " of the snapshot at height " + std::to_string(height_) +
                                                               " so that it checks out");
    }
    return Status::Ok();
  }

 private:
  enum class State : std::uint8_t { kWanted, kInFlight, kDone };

  // The lowest chunk nobody holds or fetches that `peer` has not failed. While there is none but
  // some are in flight, waits: a chunk another peer fails comes back for this one.
  std::optional<std::uint32_t> Next(std::size_t peer) {
    std::unique_lock lock(mutex_);
    for (;;) {
      if (!error_.ok()) return std::nullopt;
      bool in_flight = false;
      for (std::size_t i = 0; i < state_.size(); ++i) {
        in_flight = in_flight || state_[i] == State::kInFlight;
        if (state_[i] == State::kWanted &&
            std::find(failed_by_[i].begin(), failed_by_[i].end(), peer) == failed_by_[i].end()) {
          state_[i] = State::kInFlight;
          return static_cast<std::uint32_t>(i);
        }
      }
      if (!in_flight) return std::nullopt;
      changed_.wait(lock);
    }
  }

  void Work(std::size_t peer) {
    while (auto index = Next(peer)) {
      auto bytes = peers_.Chunk(peer, height_, *index);
      std::lock_guard lock(mutex_);
      changed_.notify_all();  // whatever happens below, the chunk leaves the in-flight state
      if (!bytes.ok() || bytes->empty()) {
        // Unreachable now, or it does not hold this snapshot: its chunks go to the others.
        Failed(peer, *index, bytes.ok() ? "does not hold the snapshot" : bytes.status().ToString(), false);
        return;
      }
      Status added = restorer_.Add(*index, AsBytes(*bytes));
      if (added.ok()) {
        state_[*index] = State::kDone;
        continue;
      }
      const bool peer_lied = added.code() == snap::kSnapshotChunkMismatch || added.code() == snap::kSnapshotMalformed;
      if (!peer_lied) {
        error_ = added;  // our own store failed
        return;
      }
      Failed(peer, *index, added.ToString(), true);
      return;  // demoted: a peer that served one altered chunk serves no more of this restore
    }
  }

  // mutex_ held. The chunk goes back to the others.
  void Failed(std::size_t peer, std::uint32_t index, const std::string& why, bool refused) {
    state_[index] = State::kWanted;
    failed_by_[index].push_back(peer);
    ++summary_.chunks_refetched;
    const std::string line = peers_.PeerName(peer) + ": chunk " + std::to_string(index) + ": " + why;
    (refused ? summary_.refused_peers : summary_.unreachable_peers).push_back(line);
    if (options_.report) options_.report(refused ? "snapshot_chunk_refused" : "snapshot_chunk_unavailable", line);
  }

  snap::Restorer& restorer_;
  const std::uint64_t height_;
  SnapshotPeers& peers_;
  StateSyncSummary& summary_;
  const StateSyncOptions& options_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<State> state_;                          // GUARDED_BY(mutex_)
  std::vector<std::vector<std::size_t>> failed_by_;  // GUARDED_BY(mutex_): peers that failed chunk i
  Status error_ = Status::Ok();                       // GUARDED_BY(mutex_)
};

// Peers to fetch from: those that offered this very snapshot first, then the rest (a peer keeps
// its two newest snapshots, so it may hold this one too; it answers "not held" otherwise).
std::vector<std::size_t> SourcesFor(const Offer& chosen, const std::vector<Offer>& offers, std::size_t peer_count) {
  std::vector<std::size_t> sources;
  const std::string chosen_bytes = chosen.manifest.SerializeAsString();
  for (const Offer& o : offers) {
    if (o.manifest.SerializeAsString() == chosen_bytes) sources.push_back(o.peer);
  }
  for (std::size_t p = 0; p < peer_count; ++p) {
    if (std::find(sources.begin(), sources.end(), p) == sources.end()) sources.push_back(p);
  }
  return sources;
}

// Two certified blocks at one height mean more than a third of the voting power signed both
// (a fork): no snapshot of that chain can be trusted, so none is taken.
Status CheckNoConflict(const std::vector<Offer>& offers, const SnapshotPeers& peers) {
  for (std::size_t i = 0; i < offers.size(); ++i) {
    for (std::size_t j = i + 1; j < offers.size(); ++j) {
      const pb::BlockHeader& a = offers[i].manifest.block().header();
      const pb::BlockHeader& b = offers[j].manifest.block().header();
      if (a.height() == b.height() && a.SerializeAsString() != b.SerializeAsString()) {
        return Status::Error(std::string(snap::kSnapshotUncertified),
                             peers.PeerName(offers[i].peer) + " and " + peers.PeerName(offers[j].peer) +
                                 " serve different certified blocks at height " + std::to_string(a.height()) +
                                 ": the validators signed a fork; no snapshot is taken");
      }
    }
  }
  return Status::Ok();
}

// The commit point: <partial>/ledger becomes <data>/ledger by one rename, made durable.
Status MoveIntoPlace(const fs::path& data_dir, const fs::path& partial) {
  std::error_code ec;
  fs::rename(partial / kLedgerDir, data_dir / kLedgerDir, ec);
  if (ec) return IoError("cannot move the restored store into " + data_dir.string(), ec);
  SHANLIU_RETURN_IF_ERROR(SyncPath(data_dir));
  fs::remove_all(partial, ec);
  if (ec) return IoError("cannot remove " + partial.string(), ec);
  return Status::Ok();
}

}  // namespace

bool HasNoStore(const fs::path& data_dir) {
  std::error_code ec;
  const fs::path db = data_dir / kLedgerDir;
  return !fs::exists(db, ec) || fs::is_empty(db, ec);
}

Result<bool> DropInterruptedRestore(const fs::path& data_dir) {
  std::error_code ec;
  const fs::path partial = data_dir / kStateSyncPartialDir;
  if (!fs::exists(partial, ec)) return false;
  fs::remove_all(partial, ec);
  if (ec) return IoError("cannot remove the interrupted restore " + partial.string(), ec);
  return true;
}

Result<StateSyncSummary> RestoreFromPeers(const StateSyncOptions& o, const ledger::Genesis& genesis,
                                          SnapshotPeers& peers) {
  if (!HasNoStore(o.data_dir)) {
    return Status::Error("invalid_state", "the data directory " + o.data_dir.string() + " already holds a store");
  }
  SHANLIU_RETURN_IF_ERROR(DropInterruptedRestore(o.data_dir).status());
  StateSyncSummary summary;
  std::vector<Offer> offers = CollectManifests(o, genesis, peers, summary);
  if (offers.empty()) {
    return Status::Error(std::string(kStateSyncNoPeers),
                         "fewer than " + std::to_string(std::min(o.min_peers, peers.peer_count())) +
                             " peers served a snapshot manifest that checks out");
  }
  SHANLIU_RETURN_IF_ERROR(CheckNoConflict(offers, peers));
  const Offer& chosen = *std::max_element(offers.begin(), offers.end(), [](const Offer& a, const Offer& b) {
    return a.manifest.block().header().height() < b.manifest.block().header().height();
  });
  const pb::BlockHeader& header = chosen.manifest.block().header();
  Report(o, "snapshot_chosen", "height " + std::to_string(header.height()) + " from " + peers.PeerName(chosen.peer) +
                                   ", " + std::to_string(chosen.manifest.chunk_hashes_size()) + " chunks");
  const fs::path partial = o.data_dir / kStateSyncPartialDir;
  auto restorer = snap::Restorer::Begin(partial, genesis, chosen.manifest, o.sync_writes);
  if (!restorer.ok()) return restorer.status();
  ChunkFetch fetch(**restorer, chosen.manifest, peers, summary, o);
  Status s = fetch.Run(SourcesFor(chosen, offers, peers.peer_count()));
  if (s.ok()) s = (*restorer)->Finish();
  summary.rows = (*restorer)->rows();
  restorer->reset();
  if (s.ok()) s = MoveIntoPlace(o.data_dir, partial);
  if (!s.ok()) {
    (void)DropInterruptedRestore(o.data_dir);  // nothing of a refused snapshot is kept
    return s;
  }
  summary.height = header.height();
  summary.block_hash_hex = crypto::ToHex(*ledger::BlockHash(header));
  summary.state_root_hex = crypto::ToHex(AsBytes(header.state_root()));
  summary.chunks = static_cast<std::uint32_t>(chosen.manifest.chunk_hashes_size());
  return summary;
}

}  // namespace shanliu::node
