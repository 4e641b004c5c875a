// State sync (DESIGN 7, issue 20 part 3): a snapshot of the state at a committed height, served
// in chunks, and its restore into a fresh store that continues at h+1 (docs/p2p.md "State sync").
//
// Serving: a Snapshot holds a ReadView (a LevelDB snapshot, so every chunk comes from the same
// committed height) and cuts its state rows, in key order, into chunks of at most
// kChunkRowBytes of keys and values. The manifest names the block at that height (header and
// commit certificate), the Merkle log's peaks and the SHA-256 of every chunk.
//
// Restoring: VerifyManifest checks the header's hash, chain, validator set and commit
// certificate against the genesis validators (the same VerifyCommitCertificate block sync uses)
// and the log peaks against the header's log_root, before anything is fetched. Each chunk is
// checked against its hash in the manifest (and its rows for order and kind) before its rows are
// written. Finish rebuilds the state map from every row and compares the root with the header's
// state_root; only then does it write the chain records (genesis block, the snapshot block, the
// log's peaks, head, format, history base). The restore works in a directory of its own, which
// the caller moves into place only after Finish: a crash or a refusal leaves no store to serve.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/pb/state.pb.h"
#include "shanliu/status.h"

namespace leveldb {
class DB;
}

namespace shanliu::ledger::snapshot {

inline constexpr std::uint32_t kFormat = 1;
// A chunk closes before its rows' keys and values pass this many bytes (a single larger row
// travels alone).
inline constexpr std::size_t kChunkRowBytes = 1u << 20;
// Hard limits on what a peer may send, checked before decoding.
inline constexpr std::size_t kMaxChunkBytes = 4u << 20;
inline constexpr std::size_t kMaxManifestBytes = 8u << 20;
// Validator-set changes a manifest may carry (each at most ~20 KiB with 100 validators).
inline constexpr std::size_t kMaxManifestTransitions = 256;
inline constexpr std::size_t kMaxChunks = 200'000;
inline constexpr std::size_t kMaxRowKeyBytes = 4096;

// The error codes (crypto/include/shanliu/error_codes.def).
inline constexpr std::string_view kSnapshotMalformed = "snapshot_malformed";
inline constexpr std::string_view kSnapshotUncertified = "snapshot_uncertified";
inline constexpr std::string_view kSnapshotChunkMismatch = "snapshot_chunk_mismatch";
inline constexpr std::string_view kSnapshotRootMismatch = "snapshot_root_mismatch";

// (level, index) of each peak of an RFC 9162 tree of `size` leaves, largest first.
std::vector<std::pair<unsigned, std::uint64_t>> LogPeakPositions(std::uint64_t size);

// ---------------------------------------------------------------- serving

class Snapshot {
 public:
  // Reads every state row of `view` once to cut and hash the chunks. Runs for seconds on a
  // large state: call it off the io thread. Errors io_error / storage_corrupt.
  static Result<std::shared_ptr<const Snapshot>> Build(std::shared_ptr<const ReadView> view,
                                                       std::size_t chunk_row_bytes = kChunkRowBytes);

  std::uint64_t height() const { return manifest_.block().header().height(); }
  const pb::SnapshotManifest& manifest() const { return manifest_; }
  const std::string& manifest_bytes() const { return manifest_bytes_; }
  std::uint32_t chunk_count() const { return static_cast<std::uint32_t>(first_keys_.size()); }
  // The encoded chunk (its SHA-256 is in the manifest). Error out_of_range for a bad index.
  Result<std::string> Chunk(std::uint32_t index) const;

 private:
  Snapshot() = default;
  std::shared_ptr<const ReadView> view_;
  std::size_t chunk_row_bytes_ = kChunkRowBytes;
  std::vector<std::string> first_keys_;  // where each chunk starts
  pb::SnapshotManifest manifest_;
  std::string manifest_bytes_;
};

// ---------------------------------------------------------------- restoring

// Decodes a manifest a peer served (at most kMaxManifestBytes) and verifies it: format, chain
// id, height > 0, the validator-set changes it carries followed from the genesis set
// (FollowValidatorTransitions: each certified by the set before it, hash-linked, the next set
// hashing to next_validators_hash), the block's header naming the set reached and its hash under
// a commit certificate of more than 2/3 of that set, first_leaf + tx_count = log_size, the log
// peaks' root = log_root, and the chunk count and hash sizes. Errors snapshot_malformed,
// snapshot_uncertified (a forged, missing or misordered transition among them).
Result<pb::SnapshotManifest> DecodeManifest(ByteView bytes, const Genesis& genesis);
Status VerifyManifest(const pb::SnapshotManifest& manifest, const Genesis& genesis);

// Decodes chunk `index` of `manifest` and checks it: its SHA-256 against the manifest
// (snapshot_chunk_mismatch), then rows in strictly ascending key order, every key a state row
// (snapshot_malformed).
Result<pb::SnapshotChunk> CheckChunk(const pb::SnapshotManifest& manifest, std::uint32_t index, ByteView bytes);

class Restorer {
 public:
  // Creates the store in `work_dir` (which must not exist). The manifest must have passed
  // VerifyManifest. Errors io_error, invalid_state (work_dir exists).
  static Result<std::unique_ptr<Restorer>> Begin(const std::filesystem::path& work_dir, const Genesis& genesis,
                                                 pb::SnapshotManifest manifest, bool sync_writes = true);
  ~Restorer();
  Restorer(const Restorer&) = delete;
  Restorer& operator=(const Restorer&) = delete;

  // Checks chunk `index` (CheckChunk) and writes its rows; nothing is written if it fails.
  // Chunks may come in any order; one already added is refused (invalid_state).
  Status Add(std::uint32_t index, ByteView bytes);
  std::vector<std::uint32_t> Missing() const;
  std::uint64_t rows() const { return rows_; }

  // After every chunk: checks the chunks' key ranges follow each other, rebuilds the state map
  // from every row and compares its root with the header's state_root
  // (snapshot_root_mismatch), then writes the chain records and closes the store. On an error
  // the caller removes work_dir.
  Status Finish();

 private:
  Restorer() = default;
  Status WriteChainRecords(const Hash256& state_root);

  std::filesystem::path work_dir_;
  Genesis genesis_;
  pb::SnapshotManifest manifest_;
  bool sync_writes_ = true;
  std::unique_ptr<leveldb::DB> db_;
  std::vector<bool> added_;
  std::vector<std::pair<std::string, std::string>> bounds_;  // each chunk's first and last key
  std::vector<std::pair<Hash256, Hash256>> leaves_;         // (key path, value hash) of every row
  std::uint64_t rows_ = 0;
};

}  // namespace shanliu::ledger::snapshot
