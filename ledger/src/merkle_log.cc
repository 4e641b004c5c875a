#include "shanliu/ledger/merkle_log.h"

#include <cassert>

#include "shanliu/ledger/state_view.h"

namespace shanliu::ledger {
namespace {

// Keys live in their own prefix so the log can share the ledger's database.
constexpr char kSubtreePrefix = 'M';
const std::string kSizeKey = "m/log_size";

std::string SubtreeKey(unsigned level, std::uint64_t index) {
  Bytes key;
  AppendU8(key, static_cast<std::uint8_t>(kSubtreePrefix));
  AppendU8(key, static_cast<std::uint8_t>(level));
  AppendU64(key, index);
  return ToString(key);
}

std::string EncodeSize(std::uint64_t size) {
  Bytes b;
  AppendU64(b, size);
  return ToString(b);
}

}  // namespace

Result<Hash256> CommittedSubtreeReader::PerfectSubtree(unsigned level, std::uint64_t index) {
  std::string value;
  leveldb::Status s = db_->Get(VerifiedReadOptions(snapshot_), SubtreeKey(level, index), &value);
  if (s.IsNotFound()) {
    return Status::Error("corruption", "merkle log is missing subtree " + std::to_string(level) + "/" +
                                           std::to_string(index));
  }
  if (s.IsCorruption()) {
    return Status::Error("storage_corrupt", "merkle log subtree " + std::to_string(level) + "/" +
                                                std::to_string(index) + " fails its checksum: " + s.ToString());
  }
  if (!s.ok()) return Status::Error("io_error", "merkle log read failed: " + s.ToString());
  if (value.size() != 32) return Status::Error("corruption", "merkle log subtree hash has the wrong length");
  Hash256 h;
  std::copy(value.begin(), value.end(), h.begin());
  return h;
}

class MerkleLog::Reader final : public crypto::PerfectSubtreeReader {
 public:
  explicit Reader(MerkleLog& log) : log_(log), committed_(log.db_, nullptr) {}
  Result<Hash256> PerfectSubtree(unsigned level, std::uint64_t index) override {
    if (auto it = log_.staged_.find({level, index}); it != log_.staged_.end()) return it->second;
    return committed_.PerfectSubtree(level, index);
  }

 private:
  MerkleLog& log_;
  CommittedSubtreeReader committed_;
};

Result<MerkleLog> MerkleLog::Open(leveldb::DB* db) {
  assert(db != nullptr);
  MerkleLog log(db);
  std::string value;
  leveldb::Status s = db->Get(VerifiedReadOptions(), kSizeKey, &value);
  if (s.IsNotFound()) return log;
  if (s.IsCorruption()) return Status::Error("storage_corrupt", "the merkle log size record fails its checksum: " + s.ToString());
  if (!s.ok()) return Status::Error("io_error", "cannot read merkle log size: " + s.ToString());
  if (value.size() != 8) return Status::Error("corruption", "merkle log size record has the wrong length");
  const std::uint64_t size = ReadU64(AsBytes(value));
  Reader reader(log);
  auto frontier = crypto::MerkleFrontier::Load(reader, size);
  if (!frontier.ok()) return frontier.status();
  log.frontier_ = std::move(*frontier);
  log.committed_size_ = size;
  return log;
}

std::uint64_t MerkleLog::Append(ByteView leaf, leveldb::WriteBatch& batch) {
  const std::uint64_t index = frontier_.size();
  frontier_.Append(crypto::MerkleLeafHash(leaf), [&](unsigned level, std::uint64_t i, const Hash256& h) {
    staged_[{level, i}] = h;
    batch.Put(SubtreeKey(level, i), leveldb::Slice(reinterpret_cast<const char*>(h.data()), h.size()));
  });
  batch.Put(kSizeKey, EncodeSize(frontier_.size()));
  return index;
}

Hash256 MerkleLog::RootAfter(std::span<const Hash256> leaf_hashes) const {
  crypto::MerkleFrontier frontier = frontier_;
  for (const Hash256& h : leaf_hashes) frontier.Append(h, nullptr);
  return frontier.Root();
}

void MerkleLog::PutPeaks(std::uint64_t size,
                         std::span<const std::pair<std::pair<unsigned, std::uint64_t>, Hash256>> peaks,
                         leveldb::WriteBatch& batch) {
  for (const auto& [position, h] : peaks) {
    batch.Put(SubtreeKey(position.first, position.second),
              leveldb::Slice(reinterpret_cast<const char*>(h.data()), h.size()));
  }
  batch.Put(kSizeKey, EncodeSize(size));
}

void MerkleLog::PutSubtree(unsigned level, std::uint64_t index, const Hash256& hash, leveldb::WriteBatch& batch) {
  batch.Put(SubtreeKey(level, index), leveldb::Slice(reinterpret_cast<const char*>(hash.data()), hash.size()));
}

void MerkleLog::MarkCommitted() {
  staged_.clear();
  committed_size_ = frontier_.size();
}

Status MerkleLog::DiscardStaged() {
  staged_.clear();
  Reader reader(*this);
  auto frontier = crypto::MerkleFrontier::Load(reader, committed_size_);
  if (!frontier.ok()) return frontier.status();
  frontier_ = std::move(*frontier);
  return Status::Ok();
}

Result<Hash256> MerkleLog::RootAt(std::uint64_t size) {
  if (size > this->size()) return Status::Error("out_of_range", "the log is smaller than the requested size");
  Reader reader(*this);
  return crypto::MerkleRoot(reader, size);
}

Result<std::vector<Hash256>> MerkleLog::InclusionProof(std::uint64_t index, std::uint64_t size) {
  if (size > this->size()) return Status::Error("out_of_range", "the log is smaller than the requested size");
  Reader reader(*this);
  return crypto::MerkleInclusionProof(reader, index, size);
}

Result<std::vector<Hash256>> MerkleLog::ConsistencyProof(std::uint64_t old_size, std::uint64_t new_size) {
  if (new_size > this->size()) return Status::Error("out_of_range", "the log is smaller than the requested size");
  Reader reader(*this);
  return crypto::MerkleConsistencyProof(reader, old_size, new_size);
}

Result<Hash256> MerkleLog::LeafHash(std::uint64_t index) {
  if (index >= size()) return Status::Error("out_of_range", "no leaf at that index");
  Reader reader(*this);
  return reader.PerfectSubtree(0, index);
}

}  // namespace shanliu::ledger
