// State sync, the new node's side (issue 20 part 3; docs/operator.md "Starting from a snapshot",
// docs/p2p.md "State sync"): before it opens its store, a node with an empty data directory
// asks its peers for their latest snapshot manifests, takes the highest one that checks out
// against the genesis (ledger/snapshot.h VerifyManifest), fetches its chunks from every peer
// that holds it at once (one thread per peer), checks each against the manifest, and rebuilds
// the store in <data>/state-sync.partial. Only a store whose state map hashes to the certified
// state_root is moved to <data>/ledger; the node then opens it and follows by block sync.
//
// A crash mid-restore leaves <data>/state-sync.partial and no <data>/ledger: the next start
// drops the partial directory (DropInterruptedRestore) and begins again, or, without state sync,
// replays from genesis. It never opens a half-restored store.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/node/node.h"
#include "shanliu/status.h"

namespace shanliu::node {

inline constexpr std::string_view kStateSyncNoPeers = "state_sync_no_peers";
inline constexpr const char* kStateSyncPartialDir = "state-sync.partial";

// Peers that serve snapshots. Calls for one peer come from one thread at a time; calls for
// different peers may come from different threads at once.
class SnapshotPeers {
 public:
  virtual ~SnapshotPeers() = default;
  virtual std::size_t peer_count() const = 0;
  virtual std::string PeerName(std::size_t peer) const = 0;
  // The peer's latest manifest, encoded (empty: it has none ready yet). Errors: unreachable,
  // timeout (any code).
  virtual Result<std::string> Manifest(std::size_t peer) = 0;
  // Chunk `index` of its snapshot at `height`, encoded (empty: it does not hold that snapshot).
  virtual Result<std::string> Chunk(std::size_t peer, std::uint64_t height, std::uint32_t index) = 0;
};

// Over the node's P2P transport: connects to each configured peer with the node's own key,
// `timeout_ms` for each connection and each answer.
std::unique_ptr<SnapshotPeers> MakePeerSnapshots(const crypto::KeyPair& key, std::string chain_id,
                                                 std::vector<PeerConfig> peers, std::uint32_t timeout_ms);

struct StateSyncOptions {
  std::filesystem::path data_dir;
  // Manifests from at least this many peers (all of them, if fewer are configured) before one
  // is chosen, so a single peer cannot pick the snapshot alone.
  std::size_t min_peers = 2;
  std::uint32_t manifest_rounds = 60;
  // Between rounds of asking (a peer builds its first snapshot on the first request). Tests
  // pass a function that does not sleep.
  std::function<void()> wait_between_rounds;
  bool sync_writes = true;
  std::function<void(const std::string& event, const std::string& detail)> report;
};

struct StateSyncSummary {
  std::uint64_t height = 0;
  std::string block_hash_hex;
  std::string state_root_hex;
  std::uint32_t chunks = 0;
  std::uint64_t rows = 0;
  std::uint64_t chunks_refetched = 0;          // fetched again after a peer failed or lied
  std::vector<std::string> refused_peers;      // "<peer>: <why>": a bad manifest or chunk
  std::vector<std::string> unreachable_peers;  // "<peer>: <why>"
};

// Whether data_dir holds no ledger store yet (state sync applies only then).
bool HasNoStore(const std::filesystem::path& data_dir);
// Removes <data>/state-sync.partial left by a crash. Returns whether there was one. io_error.
Result<bool> DropInterruptedRestore(const std::filesystem::path& data_dir);

// Restores data_dir (which must hold no store: invalid_state) from a snapshot its peers serve.
// Errors, each leaving no store in data_dir: state_sync_no_peers (too few certified manifests,
// or no peer served a chunk that checks out), snapshot_root_mismatch and snapshot_malformed
// (the chosen snapshot's rows do not make the certified state), io_error.
Result<StateSyncSummary> RestoreFromPeers(const StateSyncOptions& options, const ledger::Genesis& genesis,
                                          SnapshotPeers& peers);

}  // namespace shanliu::node
