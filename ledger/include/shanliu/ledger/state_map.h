// The authenticated state map (DESIGN 5.1): a sparse Merkle tree over SHA-256(key) with
// single-leaf subtrees compressed, whose root is the header's state_root. Byte-exact rules
// (hashes, canonical shape, multi-proof bytes) are in docs/data-format.md "State map".
//
// The tree's nodes live in the ledger's LevelDB under "S" (outside the map itself), grouped in pages
// of 4 levels above depth 16 and 8 below (store format 4, state_map.cc), written in the same synced WriteBatch as the block
// whose state they describe. This header has the pure
// parts (hashing, proof verification) that outside verifiers need, and the tree operations the
// ledger uses over a NodeStore.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/status.h"

namespace shanliu::ledger::smt {

inline constexpr std::uint8_t kLeafTag = 0x02;
inline constexpr std::uint8_t kInternalTag = 0x03;
inline constexpr std::size_t kMaxProofNodes = 65'536;
inline constexpr std::size_t kMaxDepth = 256;

// Whether a LevelDB key is a state row (a leaf of the map). Chain storage — blocks, leaves, the
// log's subtrees ("M", "m/"), head pointers ("c/"), this tree ("S") — is not: the header's other
// roots cover it. The state machine writes only state rows (asserted when a block executes).
bool InStateMap(std::string_view key);

Hash256 KeyPath(std::string_view key);      // SHA-256(key)
Hash256 ValueHash(std::string_view value);  // SHA-256(value)
Hash256 LeafHash(const Hash256& key_path, const Hash256& value_hash);
Hash256 InternalHash(const Hash256& left, const Hash256& right);
inline constexpr Hash256 kEmptyRoot{};

// One claim a proof is checked against: `value` present, or (nullopt) the key is absent.
struct Claim {
  std::string key;
  std::optional<std::string> value;
};

// Checks that `proof` (multi-proof bytes) hashes to `root` and proves every claim.
// Error codes: "malformed_proof" (bytes do not parse), "root_mismatch", "not_covered" (the proof
// does not reach a claimed key), "value_mismatch" (present with another value, or absent when a
// value was claimed, or present when absence was claimed). Messages name the key (hex).
Status VerifyMultiProof(const Hash256& root, ByteView proof, std::span<const Claim> claims);

// ---------------------------------------------------------------- the tree over storage

// Where the tree's page records are read from: the committed tree (a LevelDB snapshot or the
// writer's own view). Returns the stored record for a storage key, or nullopt.
using NodeReader = std::function<std::optional<std::string>(std::string_view storage_key)>;
// Page records to put (value) or delete (nullopt), as operations in order: a later operation on a
// key overrides an earlier one (as in a LevelDB WriteBatch). Apply names each page once, in key order.
using NodeWrites = std::vector<std::pair<std::string, std::optional<std::string>>>;

// The root stored by the tree (kEmptyRoot for an empty map).
Hash256 StoredRoot(const NodeReader& read);

// Runs body(begin, end) over disjoint ranges covering [0, count) and returns when all ran (the
// node's VerifyPool::ParallelFor). `body` does not throw.
using ParallelFor = std::function<void(std::size_t count, const std::function<void(std::size_t, std::size_t)>& body)>;

// Applies a block's state writes (key -> value, nullopt = deleted; keys outside the map are
// ignored) to the committed tree. Returns the new root and fills `out` with the page records to
// write in the block's batch. Pure apart from `read`; deterministic. With `parallel`, a large
// update of a grown map works on its 16 subtrees at once; `read` must then be thread-safe. The
// result is the same either way (state_map_test compares them).
Hash256 Apply(const NodeReader& read, const std::map<std::string, std::optional<std::string>, std::less<>>& writes,
              NodeWrites* out, const ParallelFor& parallel = {});

// The value hash the stored tree holds for `key`, walking its records from the root (nullopt:
// absent). Used to name the first bad key when a recomputed root disagrees.
std::optional<Hash256> StoredValueHash(const NodeReader& read, std::string_view key);

// The multi-proof bytes for `keys` (present or absent) against StoredRoot(read).
Bytes Prove(const NodeReader& read, std::span<const std::string> keys);

// Recomputes the root from leaves alone (every (key, value) of the map, any order) — what
// `shanliu-node --verify-state` compares with the stored tree and the head's state_root.
Hash256 RootOfLeaves(std::vector<std::pair<Hash256, Hash256>> path_and_value_hashes);

// Builds the stored tree of a whole map at once (a state-sync restore, where nothing is stored
// yet): hands every page record to `put` (storage key, record), children before parents, and
// returns the root. The records are exactly those Apply would leave for the same leaves.
// Error "snapshot_malformed" if two leaves share a path.
using NodeSink = std::function<void(const std::string& storage_key, const std::string& record)>;
Result<Hash256> BuildTree(std::vector<std::pair<Hash256, Hash256>> path_and_value_hashes, const NodeSink& put);

}  // namespace shanliu::ledger::smt
