// The state map's sparse Merkle tree: canonical roots whatever the write order, storage with no
// stale nodes, and multi-proofs that accept exactly the truth.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/state_map.h"
#include "shanliu/ledger/state_view.h"
#include "shanliu/ledger/verify_pool.h"

namespace smt = shanliu::ledger::smt;
using shanliu::Bytes;
using shanliu::ByteView;
using shanliu::Hash256;

namespace {

using Writes = std::map<std::string, std::optional<std::string>, std::less<>>;

// An in-memory node store standing in for LevelDB (the ledger tests cover the real one).
struct Store {
  std::map<std::string, std::string, std::less<>> nodes;
  smt::NodeReader Reader() const {
    return [this](std::string_view k) -> std::optional<std::string> {
      auto it = nodes.find(k);
      if (it == nodes.end()) return std::nullopt;
      return it->second;
    };
  }
  Hash256 Apply(const Writes& writes) {
    smt::NodeWrites out;
    const Hash256 root = smt::Apply(Reader(), writes, &out);
    for (auto& [k, v] : out) {
      if (v) {
        nodes[k] = *v;
      } else {
        nodes.erase(k);
      }
    }
    CHECK(smt::StoredRoot(Reader()) == root);
    return root;
  }
};

Hash256 RootOf(const std::map<std::string, std::string>& state) {
  std::vector<std::pair<Hash256, Hash256>> leaves;
  for (const auto& [k, v] : state) leaves.emplace_back(smt::KeyPath(k), smt::ValueHash(v));
  return smt::RootOfLeaves(leaves);
}

// Canonical node count for n leaves is unknown in closed form; instead count: every stored
// node must be reachable, so a store whose map is empty must hold nothing.
std::string Key(std::mt19937_64& rng, int universe) { return "o/k" + std::to_string(rng() % universe); }

}  // namespace

TEST_CASE("empty map, one leaf and two leaves hash as specified") {
  Store store;
  CHECK(smt::StoredRoot(store.Reader()) == smt::kEmptyRoot);
  const Hash256 one = store.Apply({{"o/a", "1"}});
  CHECK(one == smt::LeafHash(shanliu::crypto::Sha256(shanliu::AsBytes("o/a")),
                             shanliu::crypto::Sha256(shanliu::AsBytes("1"))));
  // Two leaves: internal nodes down to the first bit where the paths differ, empty siblings
  // above it (computed here independently of the tree code).
  const Hash256 two = store.Apply({{"o/b", "2"}});
  const Hash256 pa = smt::KeyPath("o/a");
  const Hash256 pb = smt::KeyPath("o/b");
  auto bit = [](const Hash256& p, int i) { return (p[i / 8] >> (7 - i % 8)) & 1; };
  int split = 0;
  while (bit(pa, split) == bit(pb, split)) ++split;
  const Hash256 la = smt::LeafHash(pa, smt::ValueHash("1"));
  const Hash256 lb = smt::LeafHash(pb, smt::ValueHash("2"));
  Hash256 h = bit(pa, split) == 0 ? smt::InternalHash(la, lb) : smt::InternalHash(lb, la);
  for (int d = split - 1; d >= 0; --d) {
    h = bit(pa, d) == 0 ? smt::InternalHash(h, smt::kEmptyRoot) : smt::InternalHash(smt::kEmptyRoot, h);
  }
  CHECK(two == h);
  // Deleting one pulls the other back up to the root; deleting both empties the store.
  CHECK(store.Apply({{"o/a", std::nullopt}}) == smt::LeafHash(pb, smt::ValueHash("2")));
  CHECK(store.nodes.size() == 1);
  CHECK(store.Apply({{"o/b", std::nullopt}, {"o/never", std::nullopt}}) == smt::kEmptyRoot);
  CHECK(store.nodes.empty());
}

TEST_CASE("chain storage keys are outside the map") {
  CHECK(smt::InStateMap("o/bureau"));
  CHECK(smt::InStateMap("f/o/org:x"));
  CHECK_FALSE(smt::InStateMap("B/12345678"));
  CHECK_FALSE(smt::InStateMap("S\x01"));
  CHECK_FALSE(smt::InStateMap("c/head"));
  CHECK_FALSE(smt::InStateMap("m/log_size"));
  CHECK_FALSE(smt::InStateMap("z/unknown"));
  CHECK_FALSE(smt::InStateMap(""));
  Store store;
  CHECK(store.Apply({{"B/x", "1"}, {"c/head", "2"}}) == smt::kEmptyRoot);
}

TEST_CASE("random batches give the root of the final set, and no stale nodes") {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    Store store;
    std::map<std::string, std::string> state;
    const int universe = 1 + static_cast<int>(rng() % 300);
    for (int batch = 0; batch < 30; ++batch) {
      Writes w;
      const int n = static_cast<int>(rng() % 40);
      for (int i = 0; i < n; ++i) {
        const std::string k = Key(rng, universe);
        if (rng() % 3 == 0) {
          w[k] = std::nullopt;
        } else {
          w[k] = std::to_string(rng() % 5);
        }
      }
      for (const auto& [k, v] : w) {
        if (v) {
          state[k] = *v;
        } else {
          state.erase(k);
        }
      }
      REQUIRE(store.Apply(w) == RootOf(state));
    }
    // Same set written at once, in another store: same root. Then delete all: nothing left.
    Store fresh;
    Writes all(state.begin(), state.end());
    CHECK(fresh.Apply(all) == RootOf(state));
    CHECK(fresh.nodes == store.nodes);
    Writes none;
    for (const auto& [k, v] : state) none[k] = std::nullopt;
    CHECK(store.Apply(none) == smt::kEmptyRoot);
    CHECK(store.nodes.empty());
  }
}

TEST_CASE("multi-proofs prove presence and absence, and nothing else") {
  std::mt19937_64 rng(7);
  Store store;
  std::map<std::string, std::string> state;
  Writes w;
  for (int i = 0; i < 500; ++i) {
    const std::string k = "a/acct" + std::to_string(i);
    state[k] = "v" + std::to_string(i);
    w[k] = state[k];
  }
  const Hash256 root = store.Apply(w);
  const std::vector<std::string> keys = {"a/acct1", "a/acct77", "a/acct499", "a/missing", "g/nothing"};
  const Bytes proof = smt::Prove(store.Reader(), keys);
  std::vector<smt::Claim> claims = {{"a/acct1", "v1"},
                                    {"a/acct77", "v77"},
                                    {"a/acct499", "v499"},
                                    {"a/missing", std::nullopt},
                                    {"g/nothing", std::nullopt}};
  CHECK(smt::VerifyMultiProof(root, proof, claims).ok());
  // A single-key proof is about log2(n) siblings; five keys share the top.
  const Bytes single = smt::Prove(store.Reader(), std::vector<std::string>{"a/acct1"});
  CHECK(single.size() < 33 * 20 + 65);
  CHECK(proof.size() < 5 * single.size());

  SUBCASE("wrong claims") {
    auto fails_with = [&](std::vector<smt::Claim> c, const std::string& code) {
      auto s = smt::VerifyMultiProof(root, proof, c);
      CHECK(s.code() == code);
    };
    fails_with({{"a/acct1", "v2"}}, "value_mismatch");
    fails_with({{"a/acct1", std::nullopt}}, "value_mismatch");
    fails_with({{"a/missing", "x"}}, "value_mismatch");
    fails_with({{"a/acct2", "v2"}}, "not_covered");  // not asked for: its subtree is opaque
  }
  SUBCASE("every byte flipped is refused") {
    for (std::size_t i = 0; i < proof.size(); ++i) {
      Bytes bad = proof;
      bad[i] ^= 0x01;
      CAPTURE(i);
      CHECK_FALSE(smt::VerifyMultiProof(root, bad, claims).ok());
    }
  }
  SUBCASE("truncated, extended, unknown tag, wrong root") {
    CHECK(smt::VerifyMultiProof(root, ByteView(proof.data(), proof.size() - 1), claims).code() ==
          "malformed_proof");
    Bytes longer = proof;
    longer.push_back(0);
    CHECK(smt::VerifyMultiProof(root, longer, claims).code() == "malformed_proof");
    CHECK(smt::VerifyMultiProof(root, Bytes{0x07}, claims).code() == "malformed_proof");
    CHECK(smt::VerifyMultiProof(root, Bytes{}, claims).code() == "malformed_proof");
    Hash256 other = root;
    other[0] ^= 1;
    CHECK(smt::VerifyMultiProof(other, proof, claims).code() == "root_mismatch");
  }
  SUBCASE("hostile shapes: deeper than 256 levels, a leaf out of place") {
    Bytes deep(300, smt::kInternalTag);
    CHECK(smt::VerifyMultiProof(root, deep, {}).code() == "malformed_proof");
    // A leaf whose key path starts with bit 1 placed on the left of the root.
    Hash256 k{};
    k[0] = 0x80;
    Bytes misplaced = {smt::kInternalTag, smt::kLeafTag};
    misplaced.insert(misplaced.end(), k.begin(), k.end());
    misplaced.insert(misplaced.end(), 32, 0);
    misplaced.push_back(0x00);
    CHECK(smt::VerifyMultiProof(root, misplaced, {}).code() == "malformed_proof");
  }
  SUBCASE("a proof from an older root does not verify against the new one") {
    Store older = store;
    older.Apply({{"a/acct1", "changed"}});
    const Bytes stale = smt::Prove(older.Reader(), keys);
    claims[0].value = "changed";
    CHECK(smt::VerifyMultiProof(root, stale, claims).code() == "root_mismatch");
  }
  SUBCASE("an empty map proves absence") {
    Store empty;
    const Bytes p = smt::Prove(empty.Reader(), keys);
    CHECK(p == Bytes{0x00});
    CHECK(smt::VerifyMultiProof(smt::kEmptyRoot, p, std::vector<smt::Claim>{{"a/acct1", std::nullopt}}).ok());
  }
}

// Store format 4: the tree is kept in pages of 4 levels down to depth 16 and of 8 levels below
// (state_map.cc). An update names each page it changes once; the pages after any sequence of
// updates are exactly the pages a rebuild of the final set makes (so a state-sync restore and
// block-by-block commits store the same bytes).
TEST_CASE("the tree is stored in 4-level pages above depth 16 and 8-level pages below, each named once per update, equal to a rebuild") {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    Store store;
    std::map<std::string, std::string> state;
    for (int batch = 0; batch < 12; ++batch) {
      Writes w;
      for (int i = 0; i < 800; ++i) {
        const std::string k = Key(rng, 20'000);
        if (rng() % 4 == 0) {
          w[k] = std::nullopt;
        } else {
          w[k] = std::to_string(rng() % 7);
        }
      }
      smt::NodeWrites out;
      const Hash256 root = smt::Apply(store.Reader(), w, &out);
      std::set<std::string> named;
      for (const auto& [k, v] : out) {
        REQUIRE(k.size() >= 2);
        CHECK(k[0] == 'S');
        const auto depth = static_cast<std::uint8_t>(k[1]);
        CHECK(depth % (depth < 16 ? 4 : 8) == 0);
        REQUIRE(k.size() == 2 + (depth + 7) / 8u);
        // A page at depth 4 or 12 keys on half a byte: the bits past its depth are zero.
        if (depth % 8 != 0) CHECK((static_cast<std::uint8_t>(k.back()) & 0x0F) == 0);
        CHECK(named.insert(k).second);
      }
      CHECK(store.Apply(w) == root);
      for (const auto& [k, v] : w) {
        if (v) {
          state[k] = *v;
        } else {
          state.erase(k);
        }
      }
      REQUIRE(root == RootOf(state));
    }
    std::vector<std::pair<Hash256, Hash256>> leaves;
    for (const auto& [k, v] : state) leaves.emplace_back(smt::KeyPath(k), smt::ValueHash(v));
    std::map<std::string, std::string, std::less<>> built;
    auto rebuilt = smt::BuildTree(leaves, [&](const std::string& k, const std::string& v) {
      CHECK(built.emplace(k, v).second);
    });
    REQUIRE(rebuilt.ok());
    CHECK(*rebuilt == RootOf(state));
    CHECK(built == store.nodes);
    // ~5,600 leaves: pages at depths 0, 4, 8, 12 and 16 — fewer records than leaves, far fewer
    // than nodes (~2 per leaf).
    CHECK(store.nodes.size() < state.size());
    for (const int depth : {4, 12, 16}) {
      CAPTURE(depth);
      CHECK(std::any_of(store.nodes.begin(), store.nodes.end(), [&](const auto& node) { return node.first[1] == depth; }));
    }
  }
}

TEST_CASE("hostile page records are refused as storage errors, never read as a tree") {
  Store store;
  Writes w;
  for (int i = 0; i < 40; ++i) w["o/k" + std::to_string(i)] = std::to_string(i);
  store.Apply(w);
  const std::string root_key("S\0", 2);
  REQUIRE(store.nodes.count(root_key) == 1);
  const std::string good = store.nodes[root_key];
  REQUIRE(good.size() > 2 * 67);
  const std::vector<std::string> entries_swapped = [&] {
    // The first two entries in the other order (heap indexes must increase).
    const std::size_t first = good[1] == 0x02 ? 66 : 67;
    const std::size_t second = good[first + 1] == 0x02 ? 66 : 67;
    return std::vector<std::string>{good.substr(first, second) + good.substr(0, first) + good.substr(first + second)};
  }();
  std::string zero_heap = good;
  zero_heap[0] = '\0';
  std::string bad_tag = good;
  bad_tag[1] = '\x07';
  const std::vector<std::string> hostile = {
      "", good.substr(0, good.size() - 1), good.substr(0, 1), good + std::string(1, '\x05'),
      entries_swapped[0], zero_heap, bad_tag};
  for (const std::string& record : hostile) {
    CAPTURE(shanliu::crypto::ToHex(shanliu::AsBytes(record)).substr(0, 40));
    store.nodes[root_key] = record;
    CHECK_THROWS_AS(smt::StoredRoot(store.Reader()), shanliu::ledger::StorageError);
    const std::vector<std::string> keys = {"o/k1"};
    CHECK_THROWS_AS(smt::Prove(store.Reader(), keys), shanliu::ledger::StorageError);
    smt::NodeWrites out;
    CHECK_THROWS_AS(smt::Apply(store.Reader(), Writes{{"o/k1", "x"}}, &out), shanliu::ledger::StorageError);
  }
  store.nodes[root_key] = good;
  CHECK(smt::StoredRoot(store.Reader()) != smt::kEmptyRoot);
}

namespace {

smt::ParallelFor PoolParallel(shanliu::ledger::VerifyPool& pool) { return pool.AsParallelFor(); }

// Applies `w` to both stores, one serially and one split across the pool, and requires the same
// records and root from both.
void ApplyBoth(Store& serial, Store& split, const Writes& w, const smt::ParallelFor& parallel,
               const std::map<std::string, std::string>& expected) {
  smt::NodeWrites serial_out, split_out;
  const Hash256 serial_root = smt::Apply(serial.Reader(), w, &serial_out);
  const Hash256 split_root = smt::Apply(split.Reader(), w, &split_out, parallel);
  REQUIRE(split_root == serial_root);
  REQUIRE(split_out == serial_out);
  REQUIRE(serial_root == RootOf(expected));
  for (Store* store : {&serial, &split}) {
    for (const auto& [k, v] : serial_out) {
      if (v) {
        store->nodes[k] = *v;
      } else {
        store->nodes.erase(k);
      }
    }
  }
}

}  // namespace

TEST_CASE("a large update split across threads writes exactly the serial update's records") {
  shanliu::ledger::VerifyPool pool(3);
  std::size_t splits = 0;  // how many updates took the split path
  const smt::ParallelFor parallel = [&](std::size_t count, const std::function<void(std::size_t, std::size_t)>& body) {
    ++splits;
    PoolParallel(pool)(count, body);
  };
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    Store serial, split;
    std::map<std::string, std::string> state;
    const auto apply = [&](const Writes& w) {
      for (const auto& [k, v] : w) {
        if (v) {
          state[k] = *v;
        } else {
          state.erase(k);
        }
      }
      ApplyBoth(serial, split, w, parallel, state);
    };
    // Grow the map in large batches (the first finds an empty top: serial), with deletions.
    for (int batch = 0; batch < 5; ++batch) {
      Writes w;
      for (int i = 0; i < 1500; ++i) {
        const std::string k = Key(rng, 6000);
        w[k] = rng() % 4 == 0 ? std::nullopt : std::optional<std::string>(std::to_string(rng() % 7));
      }
      apply(w);
    }
    // Empty the subtrees under the first two 4-bit prefixes but one leaf, in a batch large enough
    // to split: that leaf is pulled up above the split depth, across the subtrees' pages.
    Writes w;
    std::string kept;
    for (const auto& [k, v] : state) {
      const std::size_t top = smt::KeyPath(k)[0] >> 4;
      if (top > 1) continue;
      if (kept.empty() && top == 0) {
        kept = k;
        continue;
      }
      w[k] = std::nullopt;
    }
    for (int i = 0; i < 600; ++i) {
      const std::string k = "o/extra" + std::to_string(seed) + "-" + std::to_string(i);
      if ((smt::KeyPath(k)[0] >> 4) > 1) w[k] = "x";
    }
    const std::size_t splits_before = splits;
    apply(w);
    CHECK(splits == splits_before + 1);  // the batch did split
    // Fill the top again (this batch finds it not full: serial), then delete all but three keys
    // at once: the top empties out under a split update.
    Writes refill;
    for (int i = 0; i < 1500; ++i) refill[Key(rng, 6000)] = "y";
    apply(refill);
    Writes most;
    std::size_t left = 3;
    for (const auto& [k, v] : state) {
      if (left > 0 && rng() % 2 == 0) {
        --left;
        continue;
      }
      most[k] = std::nullopt;
    }
    const std::size_t splits_before_most = splits;
    apply(most);
    CHECK(splits == splits_before_most + 1);
    CHECK(serial.nodes == split.nodes);
  }
}

TEST_CASE("a storage fault in a subtree updated on another thread reaches the caller") {
  shanliu::ledger::VerifyPool pool(3);
  Store store;
  Writes w;
  for (int i = 0; i < 4000; ++i) w["o/k" + std::to_string(i)] = std::to_string(i);
  store.Apply(w);
  const smt::NodeReader failing = [&](std::string_view key) -> std::optional<std::string> {
    if (key.size() > 1 && static_cast<std::uint8_t>(key[1]) >= 16) throw shanliu::ledger::StorageError("disk gone");
    return store.Reader()(key);
  };
  Writes update;
  for (int i = 0; i < 1000; ++i) update["o/k" + std::to_string(i)] = "changed";
  smt::NodeWrites out;
  CHECK_THROWS_AS(smt::Apply(failing, update, &out, PoolParallel(pool)), shanliu::ledger::StorageError);
  CHECK(out.empty());
}
