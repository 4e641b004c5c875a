// RFC 9162 Merkle tree (DESIGN 6): known answers, the RFC's worked example, an exhaustive
// comparison with a brute-force reference written straight from the RFC's recursive
// definitions, and tamper rejection.
#include <doctest/doctest.h>

#include <bit>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/crypto/merkle.h"

namespace shanliu::crypto {
namespace {

// ------------------------------------------------------------------ brute-force reference
// RFC 9162 section 2.1.1-2.1.4, transcribed without any of the library's machinery. D is a
// list of *leaf hashes*, so MTH({d}) is the element itself.
namespace ref {

using List = std::vector<Hash256>;

Hash256 LeafHash(ByteView data) {
  Bytes b{0x00};
  b.insert(b.end(), data.begin(), data.end());
  return Sha256(b);
}

Hash256 NodeHash(const Hash256& l, const Hash256& r) {
  Bytes b{0x01};
  b.insert(b.end(), l.begin(), l.end());
  b.insert(b.end(), r.begin(), r.end());
  return Sha256(b);
}

// The largest power of two smaller than n (n > 1).
std::size_t K(std::size_t n) {
  std::size_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

List Slice(const List& d, std::size_t begin, std::size_t end) { return List(d.begin() + begin, d.begin() + end); }

Hash256 MTH(const List& d) {
  if (d.empty()) return Sha256(Bytes{});
  if (d.size() == 1) return d[0];
  const std::size_t k = K(d.size());
  return NodeHash(MTH(Slice(d, 0, k)), MTH(Slice(d, k, d.size())));
}

List PATH(std::size_t m, const List& d) {
  if (d.size() == 1) return {};
  const std::size_t k = K(d.size());
  List out;
  if (m < k) {
    out = PATH(m, Slice(d, 0, k));
    out.push_back(MTH(Slice(d, k, d.size())));
  } else {
    out = PATH(m - k, Slice(d, k, d.size()));
    out.push_back(MTH(Slice(d, 0, k)));
  }
  return out;
}

List SUBPROOF(std::size_t m, const List& d, bool b) {
  const std::size_t n = d.size();
  if (m == n) {
    if (b) return {};
    return {MTH(d)};
  }
  const std::size_t k = K(n);
  List out;
  if (m <= k) {
    out = SUBPROOF(m, Slice(d, 0, k), b);
    out.push_back(MTH(Slice(d, k, n)));
  } else {
    out = SUBPROOF(m - k, Slice(d, k, n), false);
    out.push_back(MTH(Slice(d, 0, k)));
  }
  return out;
}

List PROOF(std::size_t m, const List& d) { return SUBPROOF(m, d, true); }

}  // namespace ref

// ------------------------------------------------------------------ fixtures

Bytes Unhex(std::string_view s) {
  auto r = FromHex(s);
  REQUIRE(r.ok());
  return *r;
}

Hash256 H(std::string_view s) {
  auto r = Hash256FromHex(s);
  REQUIRE(r.ok());
  return *r;
}

// The Certificate Transparency reference leaves (RFC 6962 test data, google/certificate-transparency).
std::vector<Bytes> CtLeaves() {
  std::vector<Bytes> out;
  for (std::string_view h : {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                             "606162636465666768696a6b6c6d6e6f"}) {
    out.push_back(Unhex(h));
  }
  return out;
}

// Built with append: GCC 12 warns (-Wrestrict, a known false positive) on "literal" + std::string.
std::string Name(std::string_view prefix, int i) {
  std::string s(prefix);
  s.append(std::to_string(i));
  return s;
}

// 64 leaf hashes: the 8 CT leaves followed by deterministic others.
ref::List Leaves64() {
  ref::List out;
  for (const Bytes& l : CtLeaves()) out.push_back(ref::LeafHash(l));
  for (int i = 8; i < 64; ++i) out.push_back(ref::LeafHash(AsBytes(Name("leaf-", i))));
  return out;
}

ref::List Prefix(const ref::List& all, std::size_t n) { return ref::List(all.begin(), all.begin() + n); }

Hash256 Flip(Hash256 h, int bit) {
  h[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  return h;
}

// Wraps a reader and enforces the PerfectSubtreeReader contract: only subtrees inside `size`.
class CheckedReader final : public PerfectSubtreeReader {
 public:
  CheckedReader(PerfectSubtreeReader& inner, std::uint64_t size) : inner_(inner), size_(size) {}
  Result<Hash256> PerfectSubtree(unsigned level, std::uint64_t index) override {
    ++reads;
    if (level >= 64 || ((index + 1) << level) > size_ || ((index + 1) << level) >> level != index + 1) {
      ++contract_violations;
    }
    return inner_.PerfectSubtree(level, index);
  }
  int reads = 0;
  int contract_violations = 0;

 private:
  PerfectSubtreeReader& inner_;
  std::uint64_t size_;
};

// ------------------------------------------------------------------ known answers

const char* const kCtRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  // empty tree = SHA-256("")
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

TEST_CASE("leaf and node hashes are domain-separated SHA-256 (RFC 9162 2.1.1)") {
  CHECK(ToHex(MerkleEmptyRoot()) == kCtRoots[0]);
  CHECK(ToHex(MerkleLeafHash(Bytes{})) == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  CHECK(MerkleLeafHash(Bytes{}) == Sha256(Bytes{0x00}));
  CHECK(MerkleLeafHash(AsBytes("abc")) == ref::LeafHash(AsBytes("abc")));
  const Hash256 a = MerkleLeafHash(AsBytes("a"));
  const Hash256 b = MerkleLeafHash(AsBytes("b"));
  CHECK(MerkleNodeHash(a, b) == ref::NodeHash(a, b));
  CHECK(MerkleNodeHash(a, b) != MerkleNodeHash(b, a));
  // A node is never confused with a leaf holding the same 64 bytes.
  Bytes concat(a.begin(), a.end());
  concat.insert(concat.end(), b.begin(), b.end());
  CHECK(MerkleLeafHash(concat) != MerkleNodeHash(a, b));
}

TEST_CASE("Certificate Transparency reference roots for sizes 0..8") {
  const auto leaves = CtLeaves();
  ref::List hashes;
  for (const Bytes& l : leaves) hashes.push_back(MerkleLeafHash(l));
  for (std::size_t n = 0; n <= 8; ++n) {
    CAPTURE(n);
    const ref::List d = Prefix(hashes, n);
    const Hash256 want = H(kCtRoots[n]);
    CHECK(ref::MTH(d) == want);  // the reference itself is right
    CHECK(MerkleRootOfLeafHashes(d) == want);
    InMemorySubtrees mem(d);
    auto root = MerkleRoot(mem, n);
    REQUIRE(root.ok());
    CHECK(*root == want);
    MerkleFrontier f;
    for (const Hash256& h : d) f.Append(h, nullptr);
    CHECK(f.Root() == want);
  }
  CHECK(ToHex(MerkleRootOfLeafHashes(hashes)) == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
}

TEST_CASE("perfect subtree hashes of the reference tree (transparency-dev testonly node hashes)") {
  const auto leaves = CtLeaves();
  ref::List hashes;
  for (const Bytes& l : leaves) hashes.push_back(MerkleLeafHash(l));
  const std::vector<std::vector<std::string_view>> nodes = {
      {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
       "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
       "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
       "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
       "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
       "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
       "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
       "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"},
      {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
       "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
       "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
       "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"},
      {"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
       "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"},
      {"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"},
  };
  InMemorySubtrees mem(hashes);
  for (unsigned level = 0; level < nodes.size(); ++level) {
    for (std::uint64_t i = 0; i < nodes[level].size(); ++i) {
      auto h = mem.PerfectSubtree(level, i);
      REQUIRE(h.ok());
      CHECK(ToHex(*h) == nodes[level][i]);
    }
  }
  CHECK_FALSE(mem.PerfectSubtree(0, 8).ok());
  CHECK_FALSE(mem.PerfectSubtree(3, 1).ok());
  CHECK_FALSE(mem.PerfectSubtree(4, 0).ok());
}

// ------------------------------------------------------------------ RFC 9162 2.1.5 worked example

TEST_CASE("RFC 9162 section 2.1.5 example: the 7-leaf tree's inclusion and consistency proofs") {
  // Names as in the RFC's figures: a..f and j are the leaf hashes of d0..d6.
  ref::List d;
  for (int i = 0; i < 7; ++i) d.push_back(MerkleLeafHash(AsBytes(Name("d", i))));
  const Hash256 a = d[0], b = d[1], c = d[2], dd = d[3], e = d[4], f = d[5], j = d[6];
  const Hash256 g = MerkleNodeHash(a, b), h = MerkleNodeHash(c, dd), i = MerkleNodeHash(e, f);
  const Hash256 k = MerkleNodeHash(g, h), l = MerkleNodeHash(i, j);
  const Hash256 hash = MerkleNodeHash(k, l);
  const Hash256 hash0 = MerkleNodeHash(g, c);  // the 3-leaf tree
  const Hash256 hash1 = k;                     // the 4-leaf tree
  const Hash256 hash2 = MerkleNodeHash(k, i);  // the 6-leaf tree

  InMemorySubtrees mem(d);
  auto root = MerkleRoot(mem, 7);
  REQUIRE(root.ok());
  CHECK(*root == hash);

  using L = std::vector<Hash256>;
  auto incl = [&](std::uint64_t index) {
    auto p = MerkleInclusionProof(mem, index, 7);
    REQUIRE(p.ok());
    CHECK(VerifyMerkleInclusion(d[index], index, 7, *p, hash));
    return *p;
  };
  CHECK(incl(0) == L{b, h, l});
  CHECK(incl(3) == L{c, g, l});
  CHECK(incl(4) == L{f, j, k});
  CHECK(incl(6) == L{i, k});

  auto cons = [&](std::uint64_t m, const Hash256& old_root) {
    auto p = MerkleConsistencyProof(mem, m, 7);
    REQUIRE(p.ok());
    CHECK(VerifyMerkleConsistency(m, 7, old_root, hash, *p));
    return *p;
  };
  CHECK(cons(3, hash0) == L{c, dd, g, l});
  CHECK(cons(4, hash1) == L{l});
  CHECK(cons(6, hash2) == L{i, j, k});

  for (std::uint64_t m : {3u, 4u, 6u}) {
    auto r = MerkleRoot(mem, m);
    REQUIRE(r.ok());
    CHECK(*r == (m == 3 ? hash0 : m == 4 ? hash1 : hash2));
  }
}

// ------------------------------------------------------------------ exhaustive vs. reference

TEST_CASE("inclusion proofs equal the reference for every (index, n) with n <= 64, and verify") {
  const ref::List all = Leaves64();
  int mismatches = 0, rejected = 0, contract = 0;
  for (std::size_t n = 1; n <= 64; ++n) {
    const ref::List d = Prefix(all, n);
    const Hash256 root = ref::MTH(d);
    InMemorySubtrees mem(d);
    CheckedReader reader(mem, n);
    auto lib_root = MerkleRoot(reader, n);
    REQUIRE(lib_root.ok());
    CHECK(*lib_root == root);
    for (std::size_t m = 0; m < n; ++m) {
      auto p = MerkleInclusionProof(reader, m, n);
      REQUIRE(p.ok());
      const ref::List want = ref::PATH(m, d);
      if (*p != want) {
        ++mismatches;
        MESSAGE("inclusion proof mismatch at index ", m, " size ", n);
      }
      if (!VerifyMerkleInclusion(d[m], m, n, want, root)) ++rejected;
      // Proof length is bounded by ceil(log2 n).
      CHECK(want.size() <= static_cast<std::size_t>(std::bit_width(n - 1)));
    }
    contract += reader.contract_violations;
  }
  CHECK(mismatches == 0);
  CHECK(rejected == 0);
  CHECK(contract == 0);
}

TEST_CASE("consistency proofs equal the reference for every (m, n) with 1 <= m <= n <= 64, and verify") {
  const ref::List all = Leaves64();
  std::vector<Hash256> roots(65);
  for (std::size_t n = 0; n <= 64; ++n) roots[n] = ref::MTH(Prefix(all, n));
  int mismatches = 0, rejected = 0, contract = 0;
  for (std::size_t n = 1; n <= 64; ++n) {
    const ref::List d = Prefix(all, n);
    InMemorySubtrees mem(d);
    CheckedReader reader(mem, n);
    for (std::size_t m = 1; m <= n; ++m) {
      auto p = MerkleConsistencyProof(reader, m, n);
      REQUIRE(p.ok());
      const ref::List want = ref::PROOF(m, d);
      if (*p != want) {
        ++mismatches;
        MESSAGE("consistency proof mismatch for ", m, " -> ", n);
      }
      if (m == n) CHECK(want.empty());
      if (!VerifyMerkleConsistency(m, n, roots[m], roots[n], want)) {
        ++rejected;
        MESSAGE("reference consistency proof rejected for ", m, " -> ", n);
      }
    }
    contract += reader.contract_violations;
  }
  CHECK(mismatches == 0);
  CHECK(rejected == 0);
  CHECK(contract == 0);
}

// ------------------------------------------------------------------ tampering

// Every single-bit flip of a proof element, the leaf hash and the root is rejected; for the
// larger trees a seeded sample of 24 bits per hash keeps the suite fast.
TEST_CASE("every single-bit flip in an inclusion proof, its leaf hash or its root is rejected") {
  const ref::List all = Leaves64();
  std::mt19937 rng(9162);
  long checked = 0, accepted = 0;
  for (std::size_t n = 1; n <= 64; ++n) {
    const ref::List d = Prefix(all, n);
    const Hash256 root = ref::MTH(d);
    const bool exhaustive = n <= 16;
    for (std::size_t m = 0; m < n; ++m) {
      if (!exhaustive && (rng() % 4) != 0) continue;
      const ref::List proof = ref::PATH(m, d);
      REQUIRE(VerifyMerkleInclusion(d[m], m, n, proof, root));
      auto bits = [&](auto&& fn) {
        if (exhaustive) {
          for (int bit = 0; bit < 256; ++bit) fn(bit);
        } else {
          for (int s = 0; s < 24; ++s) fn(static_cast<int>(rng() % 256));
        }
      };
      for (std::size_t e = 0; e < proof.size(); ++e) {
        bits([&](int bit) {
          ref::List t = proof;
          t[e] = Flip(t[e], bit);
          ++checked;
          if (VerifyMerkleInclusion(d[m], m, n, t, root)) ++accepted;
        });
      }
      bits([&](int bit) {
        ++checked;
        if (VerifyMerkleInclusion(Flip(d[m], bit), m, n, proof, root)) ++accepted;
        ++checked;
        if (VerifyMerkleInclusion(d[m], m, n, proof, Flip(root, bit))) ++accepted;
      });
    }
  }
  MESSAGE("inclusion tamper cases: ", checked);
  CHECK(checked > 100000);
  CHECK(accepted == 0);
}

TEST_CASE("every single-bit flip in a consistency proof or either root is rejected") {
  const ref::List all = Leaves64();
  std::vector<Hash256> roots(65);
  for (std::size_t n = 0; n <= 64; ++n) roots[n] = ref::MTH(Prefix(all, n));
  std::mt19937 rng(6962);
  long checked = 0, accepted = 0;
  for (std::size_t n = 1; n <= 64; ++n) {
    const ref::List d = Prefix(all, n);
    const bool exhaustive = n <= 16;
    for (std::size_t m = 1; m <= n; ++m) {
      if (!exhaustive && (rng() % 4) != 0) continue;
      const ref::List proof = ref::PROOF(m, d);
      REQUIRE(VerifyMerkleConsistency(m, n, roots[m], roots[n], proof));
      auto bits = [&](auto&& fn) {
        if (exhaustive) {
          for (int bit = 0; bit < 256; ++bit) fn(bit);
        } else {
          for (int s = 0; s < 24; ++s) fn(static_cast<int>(rng() % 256));
        }
      };
      for (std::size_t e = 0; e < proof.size(); ++e) {
        bits([&](int bit) {
          ref::List t = proof;
          t[e] = Flip(t[e], bit);
          ++checked;
          if (VerifyMerkleConsistency(m, n, roots[m], roots[n], t)) ++accepted;
        });
      }
      bits([&](int bit) {
        ++checked;
        if (VerifyMerkleConsistency(m, n, Flip(roots[m], bit), roots[n], proof)) ++accepted;
        ++checked;
        if (VerifyMerkleConsistency(m, n, roots[m], Flip(roots[n], bit), proof)) ++accepted;
      });
    }
  }
  MESSAGE("consistency tamper cases: ", checked);
  CHECK(checked > 100000);
  CHECK(accepted == 0);
}

TEST_CASE("inclusion proofs are rejected for a wrong index or size, truncated or extended") {
  const ref::List all = Leaves64();
  std::vector<Hash256> roots(66);
  for (std::size_t n = 0; n <= 64; ++n) roots[n] = ref::MTH(Prefix(all, n));
  const Hash256 junk = Sha256(AsBytes("junk"));
  int accepted = 0;
  for (std::size_t n = 1; n <= 64; ++n) {
    const ref::List d = Prefix(all, n);
    for (std::size_t m = 0; m < n; ++m) {
      const ref::List proof = ref::PATH(m, d);
      // Another index in the same tree.
      for (std::size_t other = 0; other < n; ++other) {
        if (other != m && VerifyMerkleInclusion(d[m], other, n, proof, roots[n])) {
          ++accepted;
          MESSAGE("accepted wrong index ", other, " for ", m, "/", n);
        }
      }
      // Another tree size, with that size's genuine root.
      for (std::size_t other = 1; other <= 64; ++other) {
        if (other != n && other > m && VerifyMerkleInclusion(d[m], m, other, proof, roots[other])) {
          ++accepted;
          MESSAGE("accepted wrong size ", other, " for ", m, "/", n);
        }
      }
      // Index at or beyond the size.
      if (VerifyMerkleInclusion(d[m], n, n, proof, roots[n])) ++accepted;
      if (VerifyMerkleInclusion(d[m], n + 5, n, proof, roots[n])) ++accepted;
      // Truncated at either end, extended at either end, an element duplicated.
      if (!proof.empty()) {
        ref::List t(proof.begin(), proof.end() - 1);
        if (VerifyMerkleInclusion(d[m], m, n, t, roots[n])) ++accepted;
        t.assign(proof.begin() + 1, proof.end());
        if (VerifyMerkleInclusion(d[m], m, n, t, roots[n])) ++accepted;
        t = proof;
        t.push_back(proof.back());
        if (VerifyMerkleInclusion(d[m], m, n, t, roots[n])) ++accepted;
      }
      for (const Hash256& extra : {junk, roots[n], d[m]}) {
        ref::List t = proof;
        t.push_back(extra);
        if (VerifyMerkleInclusion(d[m], m, n, t, roots[n])) ++accepted;
        t = proof;
        t.insert(t.begin(), extra);
        if (VerifyMerkleInclusion(d[m], m, n, t, roots[n])) ++accepted;
      }
      // Another leaf's hash.
      if (VerifyMerkleInclusion(d[(m + 1) % n], m, n, proof, roots[n]) && n > 1) ++accepted;
    }
  }
  CHECK(accepted == 0);
}

TEST_CASE("consistency proofs are rejected for wrong sizes, truncated or extended") {
  const ref::List all = Leaves64();
  std::vector<Hash256> roots(65);
  for (std::size_t n = 0; n <= 64; ++n) roots[n] = ref::MTH(Prefix(all, n));
  const Hash256 junk = Sha256(AsBytes("junk"));
  int accepted = 0;
  for (std::size_t n = 2; n <= 64; ++n) {
    const ref::List d = Prefix(all, n);
    for (std::size_t m = 1; m < n; ++m) {
      const ref::List proof = ref::PROOF(m, d);
      REQUIRE_FALSE(proof.empty());
      // Other (m', n') pairs, each with their genuine roots.
      for (std::size_t m2 = 1; m2 <= 64; ++m2) {
        for (std::size_t n2 : {n - 1, n, n + 1}) {
          if (n2 > 64 || m2 > n2 || (m2 == m && n2 == n)) continue;
          if (VerifyMerkleConsistency(m2, n2, roots[m2], roots[n2], proof)) {
            ++accepted;
            MESSAGE("accepted proof for ", m, "->", n, " as ", m2, "->", n2);
          }
        }
      }
      // Swapped roots, swapped sizes.
      if (VerifyMerkleConsistency(m, n, roots[n], roots[m], proof)) ++accepted;
      if (VerifyMerkleConsistency(n, m, roots[n], roots[m], proof)) ++accepted;
      // Truncated and extended.
      ref::List t(proof.begin(), proof.end() - 1);
      if (VerifyMerkleConsistency(m, n, roots[m], roots[n], t)) ++accepted;
      t.assign(proof.begin() + 1, proof.end());
      if (VerifyMerkleConsistency(m, n, roots[m], roots[n], t)) ++accepted;
      for (const Hash256& extra : {junk, roots[m], roots[n], proof.back()}) {
        t = proof;
        t.push_back(extra);
        if (VerifyMerkleConsistency(m, n, roots[m], roots[n], t)) ++accepted;
        t = proof;
        t.insert(t.begin(), extra);
        if (VerifyMerkleConsistency(m, n, roots[m], roots[n], t)) ++accepted;
      }
      // Empty proof for unequal sizes.
      if (VerifyMerkleConsistency(m, n, roots[m], roots[n], {})) ++accepted;
      // A different tree of size n that does not extend the old one.
      ref::List forked = d;
      forked[m - 1] = junk;
      if (VerifyMerkleConsistency(m, n, roots[m], ref::MTH(forked), ref::PROOF(m, forked))) ++accepted;
    }
  }
  CHECK(accepted == 0);
}

TEST_CASE("edge cases: index >= size, m = 0, m > n, m == n") {
  const ref::List all = Leaves64();
  const ref::List d = Prefix(all, 10);
  InMemorySubtrees mem(d);
  const Hash256 root10 = ref::MTH(d);
  const Hash256 root5 = ref::MTH(Prefix(all, 5));

  for (std::uint64_t index : {10u, 11u, 1000u}) {
    auto p = MerkleInclusionProof(mem, index, 10);
    CHECK_FALSE(p.ok());
    if (!p.ok()) CHECK(p.status().code() == "out_of_range");
  }
  CHECK_FALSE(MerkleInclusionProof(mem, 0, 0).ok());
  CHECK_FALSE(VerifyMerkleInclusion(d[0], 0, 0, {}, MerkleEmptyRoot()));
  CHECK_FALSE(VerifyMerkleInclusion(d[0], 10, 10, {}, root10));
  CHECK_FALSE(VerifyMerkleInclusion(d[0], UINT64_MAX, 10, {}, root10));
  // A single-leaf tree: the root is the leaf hash and the proof is empty.
  CHECK(VerifyMerkleInclusion(d[0], 0, 1, {}, d[0]));
  CHECK_FALSE(VerifyMerkleInclusion(d[0], 0, 1, std::vector<Hash256>{d[1]}, d[0]));
  CHECK_FALSE(VerifyMerkleInclusion(d[0], 0, 1, {}, d[1]));

  CHECK_FALSE(MerkleConsistencyProof(mem, 0, 10).ok());
  CHECK_FALSE(MerkleConsistencyProof(mem, 0, 0).ok());
  CHECK_FALSE(MerkleConsistencyProof(mem, 11, 10).ok());
  auto same = MerkleConsistencyProof(mem, 10, 10);
  REQUIRE(same.ok());
  CHECK(same->empty());
  auto five = MerkleConsistencyProof(mem, 5, 10);
  REQUIRE(five.ok());

  // m == n: only the empty proof with equal roots.
  CHECK(VerifyMerkleConsistency(10, 10, root10, root10, {}));
  CHECK_FALSE(VerifyMerkleConsistency(10, 10, root10, root5, {}));
  CHECK_FALSE(VerifyMerkleConsistency(10, 10, root10, root10, std::vector<Hash256>{root10}));
  CHECK_FALSE(VerifyMerkleConsistency(10, 10, root10, root10, *five));
  // m > n.
  CHECK_FALSE(VerifyMerkleConsistency(10, 5, root10, root5, *five));
  CHECK_FALSE(VerifyMerkleConsistency(11, 10, root10, root10, {}));
  // m = 0: the empty tree is a prefix of every tree; only with the empty root and no proof.
  CHECK(VerifyMerkleConsistency(0, 10, MerkleEmptyRoot(), root10, {}));
  CHECK_FALSE(VerifyMerkleConsistency(0, 10, root5, root10, {}));
  CHECK_FALSE(VerifyMerkleConsistency(0, 10, MerkleEmptyRoot(), root10, *five));
  CHECK(VerifyMerkleConsistency(0, 0, MerkleEmptyRoot(), MerkleEmptyRoot(), {}));
  // A correct proof presented for a neighbouring size (with that size's genuine root). The size
  // itself is only bound through the root, as in RFC 9162: the signed tree head pairs them.
  const Hash256 root4 = ref::MTH(Prefix(all, 4));
  const Hash256 root11 = ref::MTH(Prefix(all, 11));
  CHECK(VerifyMerkleConsistency(5, 10, root5, root10, *five));
  CHECK_FALSE(VerifyMerkleConsistency(5, 11, root5, root11, *five));
  CHECK_FALSE(VerifyMerkleConsistency(4, 10, root4, root10, *five));

  // The empty tree's root.
  auto empty_root = MerkleRoot(mem, 0);
  REQUIRE(empty_root.ok());
  CHECK(*empty_root == MerkleEmptyRoot());
  CHECK(MerkleRootOfLeafHashes({}) == MerkleEmptyRoot());
}

// A reader whose perfect subtrees are arbitrary (but fixed) values: enough to count reads for
// huge trees without building them.
class SyntheticReader final : public PerfectSubtreeReader {
 public:
  explicit SyntheticReader(std::uint64_t size) : size_(size) {}
  Result<Hash256> PerfectSubtree(unsigned level, std::uint64_t index) override {
    ++reads;
    if (level >= 64 || index >= (size_ >> level)) ++violations;
    Bytes b;
    AppendU8(b, static_cast<std::uint8_t>(level));
    AppendU64(b, index);
    return Sha256(b);
  }
  int reads = 0;
  int violations = 0;

 private:
  std::uint64_t size_;
};

TEST_CASE("proof generation reads O(log n) subtrees, all inside the tree, even for huge trees") {
  std::mt19937_64 rng(1);
  for (int round = 0; round < 300; ++round) {
    const std::uint64_t n = 1 + (rng() >> (rng() % 63));  // sizes spread over all magnitudes
    const int log_n = std::bit_width(n);
    {
      SyntheticReader r(n);
      auto root = MerkleRoot(r, n);
      REQUIRE(root.ok());
      CHECK(r.reads <= log_n);  // one read per peak
      CHECK(r.violations == 0);
    }
    {
      SyntheticReader r(n);
      const std::uint64_t index = rng() % n;
      auto p = MerkleInclusionProof(r, index, n);
      REQUIRE(p.ok());
      CHECK(p->size() <= static_cast<std::size_t>(log_n));
      CHECK(r.reads <= 2 * log_n);
      CHECK(r.violations == 0);
    }
    {
      SyntheticReader r(n);
      const std::uint64_t m = 1 + rng() % n;
      auto p = MerkleConsistencyProof(r, m, n);
      REQUIRE(p.ok());
      CHECK(p->size() <= static_cast<std::size_t>(2 * log_n));
      CHECK(r.reads <= 2 * log_n + 1);
      CHECK(r.violations == 0);
    }
  }
}

TEST_CASE("roots of huge trees: MerkleFrontier::Load agrees with MerkleRoot up to 2^64 - 1 leaves") {
  std::mt19937_64 rng(63);
  std::vector<std::uint64_t> sizes = {1, 2, 3, (std::uint64_t{1} << 63), (std::uint64_t{1} << 63) + 5,
                                      UINT64_MAX, UINT64_MAX - 1};
  for (int i = 0; i < 50; ++i) sizes.push_back(rng() | 1);
  for (std::uint64_t n : sizes) {
    CAPTURE(n);
    SyntheticReader a(n), b(n);
    auto f = MerkleFrontier::Load(a, n);
    REQUIRE(f.ok());
    CHECK(f->size() == n);
    CHECK(a.reads == std::popcount(n));
    CHECK(a.violations == 0);
    auto root = MerkleRoot(b, n);
    REQUIRE(root.ok());
    CHECK(f->Root() == *root);
    CHECK(b.violations == 0);
  }
}

// A reader that fails for one subtree: generation must report the error, not crash or guess.
class FailingReader final : public PerfectSubtreeReader {
 public:
  FailingReader(ref::List leaves, unsigned level, std::uint64_t index)
      : mem_(std::move(leaves)), level_(level), index_(index) {}
  Result<Hash256> PerfectSubtree(unsigned level, std::uint64_t index) override {
    if (level == level_ && index == index_) return Status::Error("corruption", "missing");
    return mem_.PerfectSubtree(level, index);
  }

 private:
  InMemorySubtrees mem_;
  unsigned level_;
  std::uint64_t index_;
};

TEST_CASE("reader errors propagate out of root, proof and frontier loading") {
  const ref::List d = Prefix(Leaves64(), 13);  // peaks: [0,8) level 3, [8,12) level 2, [12,13) level 0
  {
    FailingReader r(d, 2, 2);  // the peak [8,12)
    auto root = MerkleRoot(r, 13);
    CHECK_FALSE(root.ok());
    if (!root.ok()) CHECK(root.status().code() == "corruption");
    CHECK_FALSE(MerkleFrontier::Load(r, 13).ok());
    CHECK_FALSE(MerkleInclusionProof(r, 0, 13).ok());
    CHECK_FALSE(MerkleInclusionProof(r, 12, 13).ok());
    CHECK_FALSE(MerkleConsistencyProof(r, 3, 13).ok());
    CHECK(MerkleRoot(r, 8).ok());  // a size that does not need it
  }
  {
    FailingReader r(d, 0, 1);  // leaf 1, needed only for proofs of leaf 0 (and sizes that split there)
    CHECK_FALSE(MerkleInclusionProof(r, 0, 13).ok());
    CHECK(MerkleInclusionProof(r, 5, 13).ok());
    CHECK_FALSE(MerkleConsistencyProof(r, 1, 13).ok());
    CHECK(MerkleRoot(r, 3).ok());  // roots read only peaks: [0,2) and [2,3)
  }
}

// ------------------------------------------------------------------ frontier

TEST_CASE("MerkleFrontier: roots match the reference and every perfect subtree is emitted exactly once") {
  const ref::List all = Leaves64();
  MerkleFrontier f;
  CHECK(f.size() == 0);
  CHECK(f.Root() == MerkleEmptyRoot());
  std::map<std::pair<unsigned, std::uint64_t>, Hash256> emitted;
  int duplicates = 0;
  for (std::size_t n = 1; n <= 64; ++n) {
    f.Append(all[n - 1], [&](unsigned level, std::uint64_t index, const Hash256& h) {
      if (!emitted.emplace(std::make_pair(level, index), h).second) ++duplicates;
    });
    CHECK(f.size() == n);
    CHECK(f.Root() == ref::MTH(Prefix(all, n)));
    // Exactly the perfect aligned subtrees inside [0, n) have been emitted so far.
    std::size_t expected = 0;
    for (unsigned level = 0; (std::size_t{1} << level) <= n; ++level) expected += n >> level;
    CHECK(emitted.size() == expected);
  }
  CHECK(duplicates == 0);
  for (const auto& [key, h] : emitted) {
    const auto [level, index] = key;
    const std::size_t width = std::size_t{1} << level;
    CHECK(h == ref::MTH(ref::List(all.begin() + index * width, all.begin() + (index + 1) * width)));
  }
}

TEST_CASE("MerkleFrontier::Load at every size reproduces the root and keeps appending correctly") {
  const ref::List all = Leaves64();
  InMemorySubtrees mem(all);
  for (std::size_t n = 0; n <= 64; ++n) {
    CAPTURE(n);
    CheckedReader reader(mem, n);
    auto f = MerkleFrontier::Load(reader, n);
    REQUIRE(f.ok());
    CHECK(reader.contract_violations == 0);
    CHECK(reader.reads == std::popcount(n));
    CHECK(f->size() == n);
    CHECK(f->Root() == ref::MTH(Prefix(all, n)));
    for (std::size_t more = n; more < std::min<std::size_t>(64, n + 9); ++more) {
      f->Append(all[more], nullptr);
      CHECK(f->Root() == ref::MTH(Prefix(all, more + 1)));
    }
  }
}

}  // namespace
}  // namespace shanliu::crypto
