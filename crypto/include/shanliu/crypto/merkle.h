// The RFC 9162 (Certificate Transparency v2, section 2.1) Merkle tree with SHA-256:
// tree heads, inclusion proofs and consistency proofs — generation and verification.
//
// Generation reads hashes of *perfect aligned subtrees* (2^level leaves starting at
// index * 2^level) from a PerfectSubtreeReader, so a log never loads the whole tree:
// every range the RFC's recursion needs is either such a subtree or a suffix made of
// the tree's peaks, and each is read at most once per proof — O(log n) reads.
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/status.h"

namespace shanliu::crypto {

Hash256 MerkleLeafHash(ByteView leaf);                          // SHA-256(0x00 || leaf)
Hash256 MerkleNodeHash(const Hash256& left, const Hash256& right);  // SHA-256(0x01 || l || r)
Hash256 MerkleEmptyRoot();                                      // SHA-256 of the empty string
// Root of a small tree held in memory (a block's txs root).
Hash256 MerkleRootOfLeafHashes(std::span<const Hash256> leaf_hashes);

class PerfectSubtreeReader {
 public:
  virtual ~PerfectSubtreeReader() = default;
  // Hash of leaves [index << level, (index + 1) << level). Only called for subtrees that
  // lie entirely inside the tree size being asked about.
  virtual Result<Hash256> PerfectSubtree(unsigned level, std::uint64_t index) = 0;
};

// Reference reader over leaf hashes in memory (tests, small trees). O(2^level) per call.
class InMemorySubtrees final : public PerfectSubtreeReader {
 public:
  explicit InMemorySubtrees(std::vector<Hash256> leaf_hashes) : leaves_(std::move(leaf_hashes)) {}
  Result<Hash256> PerfectSubtree(unsigned level, std::uint64_t index) override;

 private:
  std::vector<Hash256> leaves_;
};

Result<Hash256> MerkleRoot(PerfectSubtreeReader& reader, std::uint64_t size);
// PATH(index, D[size]) of RFC 9162 2.1.3.1. Error if index >= size.
Result<std::vector<Hash256>> MerkleInclusionProof(PerfectSubtreeReader& reader, std::uint64_t index,
                                                  std::uint64_t size);
// PROOF(old_size, D[new_size]) of RFC 9162 2.1.4.1. Error unless 0 < old_size <= new_size.
Result<std::vector<Hash256>> MerkleConsistencyProof(PerfectSubtreeReader& reader, std::uint64_t old_size,
                                                    std::uint64_t new_size);

// RFC 9162 2.1.3.2.
bool VerifyMerkleInclusion(const Hash256& leaf_hash, std::uint64_t index, std::uint64_t size,
                           std::span<const Hash256> proof, const Hash256& root);
// RFC 9162 2.1.4.2. An old_size of 0 or equal sizes need an empty proof (and equal roots).
bool VerifyMerkleConsistency(std::uint64_t old_size, std::uint64_t new_size, const Hash256& old_root,
                             const Hash256& new_root, std::span<const Hash256> proof);

// The right edge of a growing tree: one peak per set bit of size, largest first. Appending
// is a binary carry; each newly completed perfect subtree is reported so a store can keep it.
class MerkleFrontier {
 public:
  using Emit = std::function<void(unsigned level, std::uint64_t index, const Hash256& hash)>;

  MerkleFrontier() = default;
  // Rebuilds the frontier of a tree of `size` leaves by reading its peaks (popcount(size) reads).
  static Result<MerkleFrontier> Load(PerfectSubtreeReader& reader, std::uint64_t size);

  std::uint64_t size() const { return size_; }
  void Append(const Hash256& leaf_hash, const Emit& emit);
  Hash256 Root() const;

 private:
  std::uint64_t size_ = 0;
  std::vector<Hash256> peaks_;  // peaks_[i] covers the i-th set bit of size_, most significant first
};

}  // namespace shanliu::crypto
