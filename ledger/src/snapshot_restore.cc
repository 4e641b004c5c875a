// State sync, restoring side (snapshot.h): chunks checked and written into a store of their
// own, then the state map rebuilt and compared with the certified state_root, then the chain
// records that let Ledger::Open take the store as one whose head is the snapshot's block.
#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/merkle_log.h"
#include "shanliu/ledger/snapshot.h"
#include "shanliu/ledger/state_map.h"
#include "shanliu/ledger/store_format.h"
#include "state_keys.h"
#include "store_io.h"

namespace shanliu::ledger::snapshot {
namespace {

using internal::IoError;

std::string HashBytes(const Hash256& h) { return std::string(h.begin(), h.end()); }

// Batches of node records are written as they are made, so the tree never sits in memory.
constexpr std::size_t kBatchBytes = 8u << 20;

}  // namespace

Result<std::unique_ptr<Restorer>> Restorer::Begin(const std::filesystem::path& work_dir, const Genesis& genesis,
                                                  pb::SnapshotManifest manifest, bool sync_writes) {
  std::error_code ec;
  if (std::filesystem::exists(work_dir, ec)) {
    return Status::Error("invalid_state", "the restore directory " + work_dir.string() + " already exists");
  }
  std::filesystem::create_directories(work_dir, ec);
  if (ec) return Status::Error("io_error", "cannot create " + work_dir.string() + ": " + ec.message());
  leveldb::Options options;
  options.create_if_missing = true;
  options.error_if_exists = true;
  options.paranoid_checks = true;
  options.write_buffer_size = 32u << 20;
  options.compression = leveldb::kNoCompression;  // as Ledger::Open writes (LedgerOptions::compress)
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, (work_dir / keys::kDatabaseDir).string(), &raw);
  if (!s.ok()) return IoError(s, "cannot create the restore database");
  std::unique_ptr<Restorer> r(new Restorer());
  r->db_.reset(raw);
  r->work_dir_ = work_dir;
  r->genesis_ = genesis;
  r->sync_writes_ = sync_writes;
  r->added_.assign(static_cast<std::size_t>(manifest.chunk_hashes_size()), false);
  r->bounds_.resize(r->added_.size());
  r->manifest_ = std::move(manifest);
  return r;
}

Restorer::~Restorer() = default;

Status Restorer::Add(std::uint32_t index, ByteView bytes) {
  if (!db_) return Status::Error("invalid_state", "the restore is finished");
  auto chunk = CheckChunk(manifest_, index, bytes);
  if (!chunk.ok()) return chunk.status();
  if (added_[index]) return Status::Error("invalid_state", "chunk " + std::to_string(index) + " was added already");
  leveldb::WriteBatch batch;
  for (const pb::SnapshotRow& row : chunk->rows()) {
    batch.Put(row.key(), row.value());
    leaves_.emplace_back(smt::KeyPath(row.key()), smt::ValueHash(row.value()));
  }
  // Rows are checked before the store is (the state root at Finish): unsynced writes suffice
  // here, since a crash before Finish leaves a directory that is thrown away.
  leveldb::Status s = db_->Write(leveldb::WriteOptions(), &batch);
  if (!s.ok()) return IoError(s, "cannot write chunk " + std::to_string(index));
  bounds_[index] = {chunk->rows(0).key(), chunk->rows(chunk->rows_size() - 1).key()};
  added_[index] = true;
  rows_ += static_cast<std::uint64_t>(chunk->rows_size());
  return Status::Ok();
}

std::vector<std::uint32_t> Restorer::Missing() const {
  std::vector<std::uint32_t> missing;
  for (std::size_t i = 0; i < added_.size(); ++i) {
    if (!added_[i]) missing.push_back(static_cast<std::uint32_t>(i));
  }
  return missing;
}

Status Restorer::Finish() {
  if (!db_) return Status::Error("invalid_state", "the restore is finished");
  if (!Missing().empty()) {
    return Status::Error("invalid_state", std::to_string(Missing().size()) + " chunks are still missing");
  }
  for (std::size_t i = 1; i < bounds_.size(); ++i) {
    if (!(bounds_[i - 1].second < bounds_[i].first)) {
      return Status::Error(std::string(kSnapshotMalformed),
                           "chunk " + std::to_string(i) + " does not start after chunk " + std::to_string(i - 1) + " ends");
    }
  }
  if (rows_ != manifest_.row_count()) {
    return Status::Error(std::string(kSnapshotMalformed), "the chunks hold " + std::to_string(rows_) +
                                                              " rows, the manifest says " +
                                                              std::to_string(manifest_.row_count()));
  }
  leveldb::WriteBatch batch;
  Status write_error = Status::Ok();
  auto flush = [&] {
    if (!write_error.ok() || batch.ApproximateSize() == 0) return;
    if (leveldb::Status s = db_->Write(leveldb::WriteOptions(), &batch); !s.ok()) {
      write_error = IoError(s, "cannot write the state map");
    }
    batch.Clear();
  };
  auto root = smt::BuildTree(std::move(leaves_), [&](const std::string& key, const std::string& record) {
    batch.Put(key, record);
    if (batch.ApproximateSize() >= kBatchBytes) flush();
  });
  leaves_.clear();
  if (!root.ok()) return root.status();
  flush();
  SHANLIU_RETURN_IF_ERROR(write_error);
  if (HashBytes(*root) != manifest_.block().header().state_root()) {
    return Status::Error(std::string(kSnapshotRootMismatch),
                         "the snapshot's rows hash to state root " + crypto::ToHex(*root) +
                             ", the certified header at height " + std::to_string(manifest_.block().header().height()) +
                             " says " + crypto::ToHex(AsBytes(manifest_.block().header().state_root())));
  }
  SHANLIU_RETURN_IF_ERROR(WriteChainRecords(*root));
  db_.reset();  // closes the store: the caller moves it into place
  return Status::Ok();
}

Status Restorer::WriteChainRecords(const Hash256& state_root) {
  const pb::StoredBlock& block = manifest_.block();
  const std::uint64_t height = block.header().height();
  leveldb::WriteBatch batch;
  pb::StoredBlock genesis_block;
  *genesis_block.mutable_header() = GenesisBlockHeader(genesis_);
  batch.Put(keys::Block(0), genesis_block.SerializeAsString());
  batch.Put(keys::Block(height), block.SerializeAsString());
  if (block.tx_count() > 0) batch.Put(keys::BlockByFirstLeaf(block.first_leaf()), keys::U64(height));
  // Blocks E-1 of the set changes (certified with the manifest), so this node's proofs carry the
  // transitions (ReadView::ProvenTransitions) before the backfill reaches them; they stay "not
  // held" (no txs, no first-leaf index) until the backfill stores them again as fetched.
  for (const pb::SnapshotTransition& t : manifest_.transitions()) {
    if (t.block().header().height() < height) batch.Put(keys::Block(t.block().header().height()), t.block().SerializeAsString());
  }
  std::vector<std::pair<std::pair<unsigned, std::uint64_t>, Hash256>> peaks;
  const auto positions = LogPeakPositions(block.header().log_size());
  for (std::size_t i = 0; i < positions.size(); ++i) {
    Hash256 h;
    const std::string& bytes = manifest_.log_peaks(static_cast<int>(i));
    std::copy(bytes.begin(), bytes.end(), h.begin());
    peaks.emplace_back(positions[i], h);
  }
  MerkleLog::PutPeaks(block.header().log_size(), peaks, batch);
  batch.Put(keys::kStateRoot, HashBytes(state_root));
  batch.Put(keys::kFormat, keys::U64(kLedgerStoreFormat));
  batch.Put(keys::kHistoryBase, keys::U64(height));
  batch.Put(keys::kHead, keys::U64(height));  // last: Ledger::Open takes a store with a head as whole
  leveldb::WriteOptions wo;
  wo.sync = sync_writes_;
  // The rows and tree went in unsynced; a synced write flushes LevelDB's log of them too.
  if (leveldb::Status s = db_->Write(wo, &batch); !s.ok()) return IoError(s, "cannot write the chain records");
  return Status::Ok();
}

}  // namespace shanliu::ledger::snapshot
