#include "shanliu/crypto/merkle.h"

#include <bit>
#include <cassert>
#include <map>

#include "shanliu/crypto/hash.h"

namespace shanliu::crypto {
namespace {

// Largest power of two strictly less than n (n >= 2): the RFC's split point k.
std::uint64_t SplitPoint(std::uint64_t n) {
  assert(n >= 2);
  return std::uint64_t{1} << (std::bit_width(n - 1) - 1);
}

// MTH over absolute leaf ranges [begin, end), memoised so each peak is read once per proof.
class RangeHasher {
 public:
  explicit RangeHasher(PerfectSubtreeReader& reader) : reader_(reader) {}

  Result<Hash256> Range(std::uint64_t begin, std::uint64_t end) {
    assert(begin < end);
    const std::uint64_t width = end - begin;
    if (std::has_single_bit(width)) {
      // Every range the RFC recursion reaches is aligned to its own width when perfect.
      assert(begin % width == 0);
      return reader_.PerfectSubtree(static_cast<unsigned>(std::countr_zero(width)), begin / width);
    }
    auto key = std::make_pair(begin, end);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    const std::uint64_t k = SplitPoint(width);
    auto left = Range(begin, begin + k);
    if (!left.ok()) return left;
    auto right = Range(begin + k, end);
    if (!right.ok()) return right;
    Hash256 h = MerkleNodeHash(*left, *right);
    memo_.emplace(key, h);
    return h;
  }

 private:
  PerfectSubtreeReader& reader_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, Hash256> memo_;
};

Status Path(RangeHasher& hasher, std::uint64_t index, std::uint64_t begin, std::uint64_t end,
            std::vector<Hash256>& out) {
  if (end - begin == 1) return Status::Ok();
  const std::uint64_t mid = begin + SplitPoint(end - begin);
  Result<Hash256> sibling = index < mid ? hasher.Range(mid, end) : hasher.Range(begin, mid);
  if (!sibling.ok()) return sibling.status();
  SHANLIU_RETURN_IF_ERROR(index < mid ? Path(hasher, index, begin, mid, out) : Path(hasher, index, mid, end, out));
  out.push_back(*sibling);
  return Status::Ok();
}

// SUBPROOF(m, D[begin:end], whole_old_tree) with m expressed as the absolute old size.
Status SubProof(RangeHasher& hasher, std::uint64_t old_size, std::uint64_t begin, std::uint64_t end,
                bool whole_old_tree, std::vector<Hash256>& out) {
  if (old_size == end) {
    if (whole_old_tree) return Status::Ok();
    auto h = hasher.Range(begin, end);
    if (!h.ok()) return h.status();
    out.push_back(*h);
    return Status::Ok();
  }
  const std::uint64_t mid = begin + SplitPoint(end - begin);
  if (old_size <= mid) {
    SHANLIU_RETURN_IF_ERROR(SubProof(hasher, old_size, begin, mid, whole_old_tree, out));
    auto right = hasher.Range(mid, end);
    if (!right.ok()) return right.status();
    out.push_back(*right);
  } else {
    SHANLIU_RETURN_IF_ERROR(SubProof(hasher, old_size, mid, end, false, out));
    auto left = hasher.Range(begin, mid);
    if (!left.ok()) return left.status();
    out.push_back(*left);
  }
  return Status::Ok();
}

bool Lsb(std::uint64_t v) { return (v & 1) != 0; }

}  // namespace

Hash256 MerkleLeafHash(ByteView leaf) {
  Sha256Stream s;
  const std::uint8_t prefix = 0x00;
  s.Update(ByteView(&prefix, 1));
  s.Update(leaf);
  return s.Finish();
}

Hash256 MerkleNodeHash(const Hash256& left, const Hash256& right) {
  Sha256Stream s;
  const std::uint8_t prefix = 0x01;
  s.Update(ByteView(&prefix, 1));
  s.Update(left);
  s.Update(right);
  return s.Finish();
}

Hash256 MerkleEmptyRoot() { return Sha256(ByteView()); }

Hash256 MerkleRootOfLeafHashes(std::span<const Hash256> leaf_hashes) {
  MerkleFrontier frontier;
  for (const Hash256& h : leaf_hashes) frontier.Append(h, nullptr);
  return frontier.Root();
}

Result<Hash256> InMemorySubtrees::PerfectSubtree(unsigned level, std::uint64_t index) {
  const std::uint64_t width = std::uint64_t{1} << level;
  const std::uint64_t begin = index * width;
  if (level >= 63 || begin + width > leaves_.size()) {
    return Status::Error("out_of_range", "subtree lies outside the tree");
  }
  if (level == 0) return leaves_[begin];
  auto left = PerfectSubtree(level - 1, index * 2);
  auto right = PerfectSubtree(level - 1, index * 2 + 1);
  return MerkleNodeHash(*left, *right);
}

Result<Hash256> MerkleRoot(PerfectSubtreeReader& reader, std::uint64_t size) {
  if (size == 0) return MerkleEmptyRoot();
  RangeHasher hasher(reader);
  return hasher.Range(0, size);
}

Result<std::vector<Hash256>> MerkleInclusionProof(PerfectSubtreeReader& reader, std::uint64_t index,
                                                  std::uint64_t size) {
  if (index >= size) return Status::Error("out_of_range", "leaf index must be below the tree size");
  RangeHasher hasher(reader);
  std::vector<Hash256> proof;
  SHANLIU_RETURN_IF_ERROR(Path(hasher, index, 0, size, proof));
  return proof;
}

Result<std::vector<Hash256>> MerkleConsistencyProof(PerfectSubtreeReader& reader, std::uint64_t old_size,
                                                    std::uint64_t new_size) {
  if (old_size == 0 || old_size > new_size) {
    return Status::Error("out_of_range", "consistency needs 0 < old size <= new size");
  }
  RangeHasher hasher(reader);
  std::vector<Hash256> proof;
  SHANLIU_RETURN_IF_ERROR(SubProof(hasher, old_size, 0, new_size, true, proof));
  return proof;
}

bool VerifyMerkleInclusion(const Hash256& leaf_hash, std::uint64_t index, std::uint64_t size,
                           std::span<const Hash256> proof, const Hash256& root) {
  if (index >= size) return false;
  std::uint64_t fn = index;
  std::uint64_t sn = size - 1;
  Hash256 r = leaf_hash;
  for (const Hash256& p : proof) {
    if (sn == 0) return false;
    if (Lsb(fn) || fn == sn) {
      r = MerkleNodeHash(p, r);
      if (!Lsb(fn)) {
        while (!Lsb(fn) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = MerkleNodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool VerifyMerkleConsistency(std::uint64_t old_size, std::uint64_t new_size, const Hash256& old_root,
                             const Hash256& new_root, std::span<const Hash256> proof) {
  if (old_size > new_size) return false;
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  if (old_size == 0) return proof.empty() && old_root == MerkleEmptyRoot();
  if (proof.empty()) return false;

  std::vector<Hash256> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(old_size)) path.push_back(old_root);
  path.insert(path.end(), proof.begin(), proof.end());

  std::uint64_t fn = old_size - 1;
  std::uint64_t sn = new_size - 1;
  while (Lsb(fn)) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash256 fr = path[0];
  Hash256 sr = path[0];
  for (std::size_t i = 1; i < path.size(); ++i) {
    const Hash256& c = path[i];
    if (sn == 0) return false;
    if (Lsb(fn) || fn == sn) {
      fr = MerkleNodeHash(c, fr);
      sr = MerkleNodeHash(c, sr);
      if (!Lsb(fn)) {
        while (!Lsb(fn) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = MerkleNodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == old_root && sr == new_root && sn == 0;
}

Result<MerkleFrontier> MerkleFrontier::Load(PerfectSubtreeReader& reader, std::uint64_t size) {
  MerkleFrontier f;
  std::uint64_t begin = 0;
  for (int level = 63; level >= 0; --level) {
    const std::uint64_t width = std::uint64_t{1} << level;
    if ((size & width) == 0) continue;
    auto h = reader.PerfectSubtree(static_cast<unsigned>(level), begin >> level);
    if (!h.ok()) return h.status();
    f.peaks_.push_back(*h);
    begin += width;
  }
  f.size_ = size;
  return f;
}

void MerkleFrontier::Append(const Hash256& leaf_hash, const Emit& emit) {
  if (emit) emit(0, size_, leaf_hash);
  Hash256 carry = leaf_hash;
  unsigned level = 0;
  std::uint64_t index = size_;
  while (((size_ >> level) & 1) != 0) {
    assert(!peaks_.empty());
    carry = MerkleNodeHash(peaks_.back(), carry);
    peaks_.pop_back();
    ++level;
    index >>= 1;
    if (emit) emit(level, index, carry);
  }
  peaks_.push_back(carry);
  ++size_;
  assert(peaks_.size() == static_cast<std::size_t>(std::popcount(size_)));
}

Hash256 MerkleFrontier::Root() const {
  if (peaks_.empty()) return MerkleEmptyRoot();
  Hash256 r = peaks_.back();
  for (std::size_t i = peaks_.size() - 1; i-- > 0;) r = MerkleNodeHash(peaks_[i], r);
  return r;
}

}  // namespace shanliu::crypto
