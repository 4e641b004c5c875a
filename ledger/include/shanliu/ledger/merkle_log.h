// The append-only RFC 9162 log of every committed tx, stored in LevelDB.
//
// Each perfect aligned subtree hash is stored once under its (level, index), so roots and
// proofs at any past size are O(log n) reads and nothing is held in memory but the
// frontier (one hash per set bit of the size). Appends go into the caller's WriteBatch,
// which also carries the block, so a crash leaves the whole block or none of it.
#pragma once

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include <map>
#include <span>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/crypto/merkle.h"
#include "shanliu/status.h"

namespace shanliu::ledger {

// Reads committed subtree hashes, optionally at a LevelDB snapshot: what queries use, so
// proofs can be served from any thread while the writer appends.
class CommittedSubtreeReader final : public crypto::PerfectSubtreeReader {
 public:
  CommittedSubtreeReader(leveldb::DB* db, const leveldb::Snapshot* snapshot) : db_(db), snapshot_(snapshot) {}
  Result<Hash256> PerfectSubtree(unsigned level, std::uint64_t index) override;

 private:
  leveldb::DB* db_;
  const leveldb::Snapshot* snapshot_;
};

class MerkleLog {
 public:
  // `db` outlives the log. Reads the committed size and frontier; verifies nothing else.
  static Result<MerkleLog> Open(leveldb::DB* db);

  std::uint64_t size() const { return frontier_.size(); }       // committed + staged
  std::uint64_t committed_size() const { return committed_size_; }
  Hash256 root() const { return frontier_.Root(); }

  // Stages a leaf: its subtree hashes and the new size go into `batch`. Returns the leaf index.
  std::uint64_t Append(ByteView leaf, leveldb::WriteBatch& batch);
  // Call after the batch holding every staged append was written (or dropped).
  void MarkCommitted();
  Status DiscardStaged();

  // The root the log would have after appending these leaf hashes (nothing is staged).
  Hash256 RootAfter(std::span<const Hash256> leaf_hashes) const;

  // A state-sync restore (snapshot.h): a log of `size` leaves known only by its peaks
  // ((level, index) -> hash, snapshot::LogPeakPositions), into `batch`. Appends continue from
  // them; proofs reaching below them fail until the leaves are backfilled.
  static void PutPeaks(std::uint64_t size, std::span<const std::pair<std::pair<unsigned, std::uint64_t>, Hash256>> peaks,
                       leveldb::WriteBatch& batch);
  // One perfect subtree's hash into `batch`, the size record untouched: the history backfill
  // (Ledger::StoreBackfill) fills in the subtrees below a restored log's peaks.
  static void PutSubtree(unsigned level, std::uint64_t index, const Hash256& hash, leveldb::WriteBatch& batch);

  // Over committed and staged leaves alike.
  Result<Hash256> RootAt(std::uint64_t size);
  Result<std::vector<Hash256>> InclusionProof(std::uint64_t index, std::uint64_t size);
  Result<std::vector<Hash256>> ConsistencyProof(std::uint64_t old_size, std::uint64_t new_size);
  Result<Hash256> LeafHash(std::uint64_t index);

 private:
  class Reader;
  explicit MerkleLog(leveldb::DB* db) : db_(db) {}

  leveldb::DB* db_;
  crypto::MerkleFrontier frontier_;
  std::uint64_t committed_size_ = 0;
  std::map<std::pair<unsigned, std::uint64_t>, Hash256> staged_;  // subtrees not yet in the db
};

}  // namespace shanliu::ledger
