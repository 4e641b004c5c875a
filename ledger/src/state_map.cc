// Sparse Merkle tree of the state map (docs/data-format.md "State map").
//
// Storage (store format 4): the tree is cut into pages, 4 levels deep at depths 0, 4, 8 and 12 and
// 8 levels deep at 16, 24, 32, … The page at depth D under a D-bit path prefix holds every node of
// the canonical tree at depths D … D + L - 1 below that prefix (L its height), under the key
//   "S" ‖ u8 D ‖ the prefix's first ⌈D / 8⌉ bytes (bits past D zero)
// as a sequence of entries in increasing heap index:
//   u8 heap index ‖ node,  heap index = 2^r + (the r path bits below D) for a node at depth D + r,
//   node = 0x02 ‖ k ‖ v  (leaf)  or  0x03 ‖ left ‖ right ‖ u8 flags  (internal; flag bit 0/1: left/right
//   child is a leaf).
// Why pages: format 2 stored one record per node, and a tx touched ~42 of them; LevelDB's cost is
// mostly per record, not per byte (docs/performance.md, session 9), so the same bytes in ~8 times
// fewer records is most of the state map's write cost saved. Internal entries hold their children's
// hashes so that an update reads only the pages on the paths it changes, and the leaf flags let a
// deletion pull a lone leaf up without reading it first. Depth 256 never occurs: two distinct paths
// part before their last bit. Why 4 levels at the top: format 3 used 8 everywhere, and the full
// pages of the top 16 levels (255 nodes, ~16 KiB each) were rewritten whole for any change under
// them — ~4 MiB per 50-tx block on a grown map (docs/decisions.md "Store format 4").
#include "shanliu/ledger/state_map.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>
#include <exception>
#include <memory>
#include <unordered_map>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/state_view.h"

namespace shanliu::ledger::smt {
namespace {

constexpr std::uint8_t kEmptyTag = 0x00;
constexpr std::uint8_t kOpaqueTag = 0x01;
constexpr char kNodePrefix = 'S';

// kHashOnly stands, inside an update, for an untouched internal subtree known only by its hash (a).
enum class Kind : std::uint8_t { kEmpty, kLeaf, kInternal, kHashOnly };

// A node as stored. Leaf: a = key path, b = value hash. Internal: a/b = child hashes.
struct Node {
  Kind kind = Kind::kEmpty;
  Hash256 a{};
  Hash256 b{};
  bool left_leaf = false;
  bool right_leaf = false;

  Hash256 Hash() const {
    switch (kind) {
      case Kind::kEmpty: return kEmptyRoot;
      case Kind::kLeaf: return LeafHash(a, b);
      case Kind::kInternal: return InternalHash(a, b);
      case Kind::kHashOnly: return a;
    }
    return kEmptyRoot;
  }
};

Hash256 TaggedHash(std::uint8_t tag, const Hash256& a, const Hash256& b) {
  std::uint8_t buf[65];
  buf[0] = tag;
  std::memcpy(buf + 1, a.data(), 32);
  std::memcpy(buf + 33, b.data(), 32);
  return crypto::Sha256(ByteView(buf, sizeof buf));
}

bool Bit(const Hash256& path, std::size_t i) {
  assert(i < kMaxDepth);
  return (path[i / 8] >> (7 - i % 8)) & 1;
}

Hash256 WithBit(Hash256 prefix, std::size_t i) {
  prefix[i / 8] |= static_cast<std::uint8_t>(1u << (7 - i % 8));
  return prefix;
}

// The first `depth` bits of `path`, the rest zero.
Hash256 Prefix(const Hash256& path, std::size_t depth) {
  Hash256 out{};
  const std::size_t full = depth / 8;
  std::memcpy(out.data(), path.data(), full);
  if (depth % 8 != 0) out[full] = static_cast<std::uint8_t>(path[full] & (0xFF << (8 - depth % 8)));
  return out;
}

// Pages are 4 levels deep down to depth 16 and 8 levels deep below. The top of the tree is full
// (every path crosses it), so a page there holds its whole 2^levels - 1 nodes and a change anywhere
// under it rewrites all of them: 4 levels keep that at 15 nodes (~1 KiB) instead of 255 (~16 KiB).
// Deeper, pages are sparse (a few keys each), and 8 levels keep a path's record count low.
constexpr std::size_t kShallowPageLevels = 4;
constexpr std::size_t kDeepPageLevels = 8;
constexpr std::size_t kDeepPagesFrom = 16;  // a multiple of both page heights
constexpr std::size_t kMaxPageEntries = 255;  // heap indexes 1 … 2^8 - 1
static_assert(kDeepPagesFrom % kShallowPageLevels == 0 && kDeepPagesFrom % kDeepPageLevels == 0);
constexpr std::size_t kPageCount =
    kDeepPagesFrom / kShallowPageLevels + (kMaxDepth - kDeepPagesFrom) / kDeepPageLevels;

// The depth of the page holding a node at `depth`.
std::size_t PageDepth(std::size_t depth) {
  return depth < kDeepPagesFrom ? depth - depth % kShallowPageLevels : depth - depth % kDeepPageLevels;
}
bool StartsPage(std::size_t depth) { return PageDepth(depth) == depth; }

// A page depth's place in the list of page depths (0, 4, 8, 12, 16, 24, …).
std::size_t PageOrdinal(std::size_t page_depth) {
  assert(StartsPage(page_depth));
  return page_depth < kDeepPagesFrom ? page_depth / kShallowPageLevels
                                     : kDeepPagesFrom / kShallowPageLevels + (page_depth - kDeepPagesFrom) / kDeepPageLevels;
}

// Whether two paths agree on their first `bits` bits.
bool SamePrefix(const Hash256& x, const Hash256& y, std::size_t bits) {
  const std::size_t full = bits / 8;
  if (std::memcmp(x.data(), y.data(), full) != 0) return false;
  if (bits % 8 == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xFF << (8 - bits % 8));
  return ((x[full] ^ y[full]) & mask) == 0;
}

// The storage key of the page holding the node at (depth, prefix): "S" ‖ u8 page depth ‖ the
// prefix's first ⌈page depth / 8⌉ bytes, bits past the page depth zero.
std::string PageKey(std::size_t depth, const Hash256& prefix) {
  assert(depth < kMaxDepth);
  const std::size_t page_depth = PageDepth(depth);
  const Hash256 page_prefix = Prefix(prefix, page_depth);
  const std::size_t prefix_bytes = (page_depth + 7) / 8;
  std::string key(2 + prefix_bytes, '\0');
  key[0] = kNodePrefix;
  key[1] = static_cast<char>(page_depth);
  std::memcpy(key.data() + 2, page_prefix.data(), prefix_bytes);
  return key;
}

// The node's place inside its page: 2^r + its r path bits below the page's depth (r < 8).
std::uint8_t HeapIndex(std::size_t depth, const Hash256& prefix) {
  const std::size_t r = depth - PageDepth(depth);
  std::uint32_t bits = 0;
  for (std::size_t i = depth - r; i < depth; ++i) bits = (bits << 1) | (Bit(prefix, i) ? 1u : 0u);
  return static_cast<std::uint8_t>((1u << r) | bits);
}

void AppendNode(std::string& v, const Node& n) {
  assert(n.kind == Kind::kLeaf || n.kind == Kind::kInternal);
  v.push_back(static_cast<char>(n.kind == Kind::kLeaf ? kLeafTag : kInternalTag));
  v.append(reinterpret_cast<const char*>(n.a.data()), 32);
  v.append(reinterpret_cast<const char*>(n.b.data()), 32);
  if (n.kind == Kind::kInternal) v.push_back(static_cast<char>((n.left_leaf ? 1 : 0) | (n.right_leaf ? 2 : 0)));
}

Node DecodeNode(std::string_view v) {
  Node n;
  const bool leaf = v.size() == 65 && static_cast<std::uint8_t>(v[0]) == kLeafTag;
  const bool internal = v.size() == 66 && static_cast<std::uint8_t>(v[0]) == kInternalTag;
  if (!leaf && !internal) throw StorageError("corrupt state map node record");
  n.kind = leaf ? Kind::kLeaf : Kind::kInternal;
  std::memcpy(n.a.data(), v.data() + 1, 32);
  std::memcpy(n.b.data(), v.data() + 33, 32);
  if (internal) {
    const auto flags = static_cast<std::uint8_t>(v[65]);
    if (flags > 3) throw StorageError("corrupt state map node flags");
    n.left_leaf = flags & 1;
    n.right_leaf = flags & 2;
  }
  return n;
}

// A large update is split at depth kSplitDepth into 2^kSplitDepth subtrees updated in parallel.
// The depth starts a page, so each subtree's pages are its own; the root page holds everything
// above it. Below kMinParallelChanges changes the hand-off costs more than it saves.
constexpr std::size_t kSplitDepth = 4;
constexpr std::size_t kSplitWays = std::size_t{1} << kSplitDepth;
constexpr std::size_t kMinParallelChanges = 512;
static_assert(kSplitDepth == kShallowPageLevels && kSplitDepth < 8);

// Which subtree of the split a path (or a prefix at least kSplitDepth deep) is in: its first bits.
std::size_t SplitIndex(const Hash256& path) { return path[0] >> (8 - kSplitDepth); }

// One page in memory: its nodes in increasing heap index.
struct Page {
  struct Entry {
    std::uint8_t heap = 0;
    Node node;
  };
  std::vector<Entry> entries;
  bool dirty = false;

  std::vector<Entry>::iterator Find(std::uint8_t heap) {
    return std::lower_bound(entries.begin(), entries.end(), heap,
                            [](const Entry& e, std::uint8_t h) { return e.heap < h; });
  }
};

constexpr std::size_t kLeafRecordBytes = 65;
constexpr std::size_t kInternalRecordBytes = 66;

Page DecodePage(std::string_view v) {
  Page page;
  page.entries.reserve(v.size() / (1 + kLeafRecordBytes));
  std::size_t pos = 0;
  while (pos < v.size()) {
    if (v.size() - pos < 2) throw StorageError("corrupt state map page: truncated entry");
    const auto heap = static_cast<std::uint8_t>(v[pos]);
    if (heap == 0 || (!page.entries.empty() && heap <= page.entries.back().heap)) {
      throw StorageError("corrupt state map page: heap indexes out of order");
    }
    const bool leaf = static_cast<std::uint8_t>(v[pos + 1]) == kLeafTag;
    const std::size_t size = leaf ? kLeafRecordBytes : kInternalRecordBytes;
    if (v.size() - pos - 1 < size) throw StorageError("corrupt state map page: truncated node");
    page.entries.push_back({heap, DecodeNode(v.substr(pos + 1, size))});
    pos += 1 + size;
  }
  if (page.entries.empty()) throw StorageError("corrupt state map page: empty record");
  return page;
}

std::string EncodePage(const Page& page) {
  assert(!page.entries.empty() && page.entries.size() <= kMaxPageEntries);
  std::string v;
  v.reserve(page.entries.size() * (1 + kInternalRecordBytes));
  for (const Page::Entry& e : page.entries) {
    assert(&e == page.entries.data() || e.heap > (&e - 1)->heap);
    v.push_back(static_cast<char>(e.heap));
    AppendNode(v, e.node);
  }
  return v;
}

// The pages one operation reads and changes, each read from `read` at most once. Writes stay here
// until Flush, which hands each changed page over once (deleted when it holds no node).
class Pages {
 public:
  explicit Pages(const NodeReader& read) : read_(read) {}

  Node Get(std::size_t depth, const Hash256& prefix) {
    Page& page = Load(depth, prefix);
    const std::uint8_t heap = HeapIndex(depth, prefix);
    auto it = page.Find(heap);
    return it != page.entries.end() && it->heap == heap ? it->node : Node{};
  }

  void Set(std::size_t depth, const Hash256& prefix, const Node& node) {
    assert(node.kind == Kind::kLeaf || node.kind == Kind::kInternal);
    Page& page = Load(depth, prefix);
    const std::uint8_t heap = HeapIndex(depth, prefix);
    auto it = page.Find(heap);
    if (it != page.entries.end() && it->heap == heap) {
      it->node = node;
    } else {
      page.entries.insert(it, {heap, node});
    }
    page.dirty = true;
  }

  void Erase(std::size_t depth, const Hash256& prefix) {
    Page& page = Load(depth, prefix);
    const std::uint8_t heap = HeapIndex(depth, prefix);
    auto it = page.Find(heap);
    if (it == page.entries.end() || it->heap != heap) return;
    page.entries.erase(it);
    page.dirty = true;
  }

  // From now on pages at depth kSplitDepth and below live in one Pages per kSplitDepth-bit prefix
  // (Sub), so that the subtrees can be updated on different threads: no two of them share a page.
  void Split() {
    assert(subs_.empty() && pages_.size() == 1);  // only the root page is loaded
    subs_.reserve(kSplitWays);
    for (std::size_t i = 0; i < kSplitWays; ++i) subs_.push_back(std::make_unique<Pages>(read_));
  }
  Pages& Sub(std::size_t index) { return *subs_.at(index); }

  // The changed pages as writes, in key order (so a block's batch does not depend on hashing).
  void Flush(NodeWrites* out) {
    std::vector<std::pair<const std::string*, const Page*>> dirty;
    CollectDirty(dirty);
    std::sort(dirty.begin(), dirty.end(), [](const auto& x, const auto& y) { return *x.first < *y.first; });
    out->reserve(out->size() + dirty.size());
    for (const auto& [key, page] : dirty) {
      if (page->entries.empty()) {
        out->emplace_back(*key, std::nullopt);
      } else {
        out->emplace_back(*key, EncodePage(*page));
      }
    }
  }

 private:
  // An update walks down and back up one path at a time, so the page it needs next is nearly
  // always the one it last used at that page depth: remembered per depth, it is found without
  // building a key or hashing one.
  struct Recent {
    Page* page = nullptr;
    Hash256 prefix{};
  };

  void CollectDirty(std::vector<std::pair<const std::string*, const Page*>>& dirty) const {
    for (const auto& [key, page] : pages_) {
      if (page.dirty) dirty.emplace_back(&key, &page);
    }
    for (const auto& sub : subs_) sub->CollectDirty(dirty);
  }

  Page& Load(std::size_t depth, const Hash256& prefix) {
    if (depth >= kSplitDepth && !subs_.empty()) return subs_[SplitIndex(prefix)]->Load(depth, prefix);
    const std::size_t page_depth = PageDepth(depth);
    Recent& recent = recent_[PageOrdinal(page_depth)];
    if (recent.page != nullptr && SamePrefix(recent.prefix, prefix, page_depth)) return *recent.page;
    auto [it, inserted] = pages_.try_emplace(PageKey(depth, prefix));
    if (inserted) {
      if (auto record = read_(it->first)) it->second = DecodePage(*record);
    }
    recent.page = &it->second;  // unordered_map nodes do not move on insertion
    recent.prefix = prefix;
    return *recent.page;
  }

  const NodeReader& read_;
  std::unordered_map<std::string, Page> pages_;
  std::array<Recent, kPageCount> recent_{};
  std::vector<std::unique_ptr<Pages>> subs_;  // after Split: the subtrees' pages
};

// One change to the map: the leaf at `path` gets `value` (a value hash) or goes (nullopt).
struct Change {
  Hash256 path{};
  std::optional<Hash256> value;
};

class Updater {
 public:
  // `split`, if given, holds the new nodes at depth kSplitDepth already computed for the subtrees
  // that have changes (ApplySplit).
  explicit Updater(Pages& pages, const std::array<Node, kSplitWays>* split = nullptr)
      : pages_(pages), split_(split) {}

  Node Update(std::size_t depth, const Hash256& prefix, const Node& node, std::span<const Change> changes) {
    if (changes.empty()) return node;
    if (node.kind != Kind::kInternal) {
      const std::vector<Change> leaves = MergeLeaf(node, changes);
      if (leaves.empty()) return node.kind == Kind::kLeaf ? Remove(depth, prefix) : Node{};
      return Build(depth, prefix, leaves);  // overwrites the old leaf's record, if any
    }
    const auto split = std::partition_point(changes.begin(), changes.end(),
                                            [&](const Change& c) { return !Bit(c.path, depth); });
    const std::span<const Change> left_changes(changes.begin(), split);
    const std::span<const Change> right_changes(split, changes.end());
    const Hash256 left_prefix = prefix;
    const Hash256 right_prefix = WithBit(prefix, depth);
    Node left = Child(depth + 1, left_prefix, node.a, node.left_leaf, left_changes);
    Node right = Child(depth + 1, right_prefix, node.b, node.right_leaf, right_changes);
    return Join(depth, prefix, left, right);
  }

 private:
  // The child's new node; an untouched child is known by its hash and leaf flag alone, and is
  // read only when a deletion may pull it up.
  Node Child(std::size_t depth, const Hash256& prefix, const Hash256& hash, bool is_leaf,
             std::span<const Change> changes) {
    if (!changes.empty()) {
      if (split_ != nullptr && depth == kSplitDepth) return (*split_)[SplitIndex(prefix)];
      return Update(depth, prefix, pages_.Get(depth, prefix), changes);
    }
    Node n;
    if (hash == kEmptyRoot) return n;
    if (is_leaf) return pages_.Get(depth, prefix);
    n.kind = Kind::kHashOnly;
    n.a = hash;
    return n;
  }

  Node Join(std::size_t depth, const Hash256& prefix, const Node& left, const Node& right) {
    const bool left_empty = left.kind == Kind::kEmpty;
    const bool right_empty = right.kind == Kind::kEmpty;
    if (left_empty && right_empty) return Remove(depth, prefix);
    // A lone leaf is its own subtree: it moves up to this position.
    if (left_empty && right.kind == Kind::kLeaf) {
      Remove(depth + 1, WithBit(prefix, depth));
      return Put(depth, prefix, right);
    }
    if (right_empty && left.kind == Kind::kLeaf) {
      Remove(depth + 1, prefix);
      return Put(depth, prefix, left);
    }
    return Put(depth, prefix, Internal(left, right));
  }

  static Node Internal(const Node& left, const Node& right) {
    Node n;
    n.kind = Kind::kInternal;
    n.a = left.Hash();
    n.b = right.Hash();
    n.left_leaf = left.kind == Kind::kLeaf;
    n.right_leaf = right.kind == Kind::kLeaf;
    return n;
  }

  // The sorted leaves of a subtree that was empty or one leaf, after `changes`.
  static std::vector<Change> MergeLeaf(const Node& node, std::span<const Change> changes) {
    std::vector<Change> leaves;
    leaves.reserve(changes.size() + 1);
    bool old_placed = node.kind != Kind::kLeaf;
    for (const Change& c : changes) {
      if (!old_placed && node.a < c.path) {
        leaves.push_back({node.a, node.b});
        old_placed = true;
      }
      if (!old_placed && node.a == c.path) old_placed = true;  // replaced or deleted
      if (c.value) leaves.push_back(c);
    }
    if (!old_placed) leaves.push_back({node.a, node.b});
    return leaves;
  }

  // A subtree from scratch: nothing is stored below `prefix` yet.
  Node Build(std::size_t depth, const Hash256& prefix, std::span<const Change> leaves) {
    if (leaves.empty()) return Node{};
    if (leaves.size() == 1) {
      Node n;
      n.kind = Kind::kLeaf;
      n.a = leaves[0].path;
      n.b = *leaves[0].value;
      return Put(depth, prefix, n);
    }
    const auto split = std::partition_point(leaves.begin(), leaves.end(),
                                            [&](const Change& c) { return !Bit(c.path, depth); });
    Node left = Build(depth + 1, prefix, std::span<const Change>(leaves.begin(), split));
    Node right = Build(depth + 1, WithBit(prefix, depth), std::span<const Change>(split, leaves.end()));
    return Put(depth, prefix, Internal(left, right));
  }

  Node Put(std::size_t depth, const Hash256& prefix, const Node& n) {
    pages_.Set(depth, prefix, n);
    return n;
  }
  Node Remove(std::size_t depth, const Hash256& prefix) {
    pages_.Erase(depth, prefix);
    return Node{};
  }

  Pages& pages_;
  const std::array<Node, kSplitWays>* split_;
};

// Whether every node above kSplitDepth is internal (as in any map of more than a few hundred
// keys), so that every path with changes reaches its subtree's root at kSplitDepth.
bool TopIsFull(Pages& pages) {
  for (std::size_t depth = 0; depth < kSplitDepth; ++depth) {
    for (std::size_t i = 0; i < (std::size_t{1} << depth); ++i) {
      Hash256 prefix{};
      prefix[0] = static_cast<std::uint8_t>(i << (8 - depth));
      if (pages.Get(depth, prefix).kind != Kind::kInternal) return false;
    }
  }
  return true;
}

// Update with the subtrees below kSplitDepth done in parallel, then the levels above on this
// thread. Each subtree runs exactly the operations the serial Update would run on it, on pages no
// other subtree touches, so the records and the root are the serial ones.
Node ApplySplit(Pages& pages, std::span<const Change> changes, const ParallelFor& parallel) {
  pages.Split();
  std::array<std::span<const Change>, kSplitWays> parts;
  auto begin = changes.begin();
  for (std::size_t i = 0; i < kSplitWays; ++i) {
    const auto end = std::partition_point(begin, changes.end(), [&](const Change& c) { return SplitIndex(c.path) == i; });
    parts[i] = std::span<const Change>(begin, end);
    begin = end;
  }
  assert(begin == changes.end());
  std::array<Node, kSplitWays> roots{};
  std::array<std::exception_ptr, kSplitWays> failures{};
  parallel(kSplitWays, [&](std::size_t first, std::size_t last) {
    for (std::size_t i = first; i < last; ++i) {
      if (parts[i].empty()) continue;
      try {
        Hash256 prefix{};
        prefix[0] = static_cast<std::uint8_t>(i << (8 - kSplitDepth));
        Pages& sub = pages.Sub(i);
        roots[i] = Updater(sub).Update(kSplitDepth, prefix, sub.Get(kSplitDepth, prefix), parts[i]);
      } catch (...) {
        failures[i] = std::current_exception();  // a storage fault: rethrown on the calling thread
      }
    }
  });
  for (const std::exception_ptr& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
  return Updater(pages, &roots).Update(0, Hash256{}, pages.Get(0, Hash256{}), changes);
}

}  // namespace

bool InStateMap(std::string_view key) {
  // The state machine's rows (docs/data-format.md "LevelDB keys"); everything else — blocks,
  // leaves, the log's subtrees and size, head pointers, this tree — is chain storage.
  static constexpr std::string_view kStatePrefixes[] = {"o/", "k/", "p/", "t/", "g/", "h/", "x/", "y/",
                                                        "s/", "ia/", "io/", "ih/", "id/", "a/", "f/", "r/",
                                                        "pu/", "hv/", "hn/", "hy/", "hr/", "hx/", "mc/"};
  for (std::string_view p : kStatePrefixes) {
    if (key.starts_with(p)) return true;
  }
  return false;
}

Hash256 KeyPath(std::string_view key) { return crypto::Sha256(AsBytes(key)); }
Hash256 ValueHash(std::string_view value) { return crypto::Sha256(AsBytes(value)); }
Hash256 LeafHash(const Hash256& key_path, const Hash256& value_hash) {
  return TaggedHash(kLeafTag, key_path, value_hash);
}
Hash256 InternalHash(const Hash256& left, const Hash256& right) { return TaggedHash(kInternalTag, left, right); }

Hash256 StoredRoot(const NodeReader& read) { return Pages(read).Get(0, Hash256{}).Hash(); }

Hash256 Apply(const NodeReader& read, const std::map<std::string, std::optional<std::string>, std::less<>>& writes,
              NodeWrites* out, const ParallelFor& parallel) {
  assert(out != nullptr);
  std::vector<Change> changes;
  changes.reserve(writes.size());
  for (const auto& [key, value] : writes) {
    if (!InStateMap(key)) continue;
    Change c{KeyPath(key), std::nullopt};
    if (value) c.value = ValueHash(*value);
    changes.push_back(c);
  }
  std::sort(changes.begin(), changes.end(), [](const Change& x, const Change& y) { return x.path < y.path; });
  Pages pages(read);
  const bool split = parallel && changes.size() >= kMinParallelChanges && TopIsFull(pages);
  const Node root = split ? ApplySplit(pages, changes, parallel)
                          : Updater(pages).Update(0, Hash256{}, pages.Get(0, Hash256{}), changes);
  pages.Flush(out);
  return root.Hash();
}


// ---------------------------------------------------------------- proofs

namespace {

void AppendHash(Bytes& out, const Hash256& h) { out.insert(out.end(), h.begin(), h.end()); }

// Pre-order emission of the tree pruned to `paths` (sorted, all below `prefix`).
void Emit(Pages& pages, std::size_t depth, const Hash256& prefix, const Node& node,
          std::span<const Hash256> paths, Bytes& out) {
  if (node.kind == Kind::kEmpty) {
    out.push_back(kEmptyTag);
    return;
  }
  if (paths.empty()) {
    out.push_back(kOpaqueTag);
    AppendHash(out, node.Hash());
    return;
  }
  if (node.kind == Kind::kLeaf) {
    out.push_back(kLeafTag);
    AppendHash(out, node.a);
    AppendHash(out, node.b);
    return;
  }
  assert(node.kind == Kind::kInternal);
  out.push_back(kInternalTag);
  const auto split =
      std::partition_point(paths.begin(), paths.end(), [&](const Hash256& p) { return !Bit(p, depth); });
  const std::span<const Hash256> left(paths.begin(), split);
  const std::span<const Hash256> right(split, paths.end());
  auto child = [&](const Hash256& child_prefix, const Hash256& hash, std::span<const Hash256> child_paths) {
    if (hash == kEmptyRoot) {
      out.push_back(kEmptyTag);
    } else if (child_paths.empty()) {
      out.push_back(kOpaqueTag);
      AppendHash(out, hash);
    } else {
      Emit(pages, depth + 1, child_prefix, pages.Get(depth + 1, child_prefix), child_paths, out);
    }
  };
  child(prefix, node.a, left);
  child(WithBit(prefix, depth), node.b, right);
}

// A parsed multi-proof: nodes in pre-order, children by index.
struct ProofNode {
  std::uint8_t tag = kEmptyTag;
  Hash256 a{};  // opaque: hash; leaf: key path
  Hash256 b{};  // leaf: value hash
  std::size_t left = 0;
  std::size_t right = 0;
  Hash256 hash{};
};

class ProofParser {
 public:
  explicit ProofParser(ByteView in) : in_(in) {}

  // Parses the node at the cursor (depth `depth`, reached along `prefix`); returns its index.
  Result<std::size_t> Parse(std::size_t depth, const Hash256& prefix) {
    if (pos_ >= in_.size()) return Malformed("proof ends inside a node");
    if (nodes_.size() >= kMaxProofNodes) return Malformed("proof has too many nodes");
    ProofNode n;
    n.tag = in_[pos_++];
    const std::size_t index = nodes_.size();
    nodes_.push_back(n);
    switch (n.tag) {
      case kEmptyTag: return index;
      case kOpaqueTag: {
        auto h = ReadHash();
        if (!h.ok()) return h.status();
        nodes_[index].a = *h;
        nodes_[index].hash = *h;
        return index;
      }
      case kLeafTag: return ParseLeaf(index, depth, prefix);
      case kInternalTag: return ParseInternal(index, depth, prefix);
      default: return Malformed("unknown node tag " + std::to_string(n.tag));
    }
  }

  bool AtEnd() const { return pos_ == in_.size(); }
  const std::vector<ProofNode>& nodes() const { return nodes_; }

 private:
  Result<std::size_t> ParseLeaf(std::size_t index, std::size_t depth, const Hash256& prefix) {
    auto k = ReadHash();
    if (!k.ok()) return k.status();
    auto v = ReadHash();
    if (!v.ok()) return v.status();
    if (Prefix(*k, depth) != prefix) return Malformed("a leaf's key path does not match its position");
    nodes_[index].a = *k;
    nodes_[index].b = *v;
    nodes_[index].hash = LeafHash(*k, *v);
    return index;
  }

  Result<std::size_t> ParseInternal(std::size_t index, std::size_t depth, const Hash256& prefix) {
    if (depth + 1 >= kMaxDepth) return Malformed("proof is deeper than 256 levels");
    auto left = Parse(depth + 1, prefix);
    if (!left.ok()) return left.status();
    auto right = Parse(depth + 1, WithBit(prefix, depth));
    if (!right.ok()) return right.status();
    nodes_[index].left = *left;
    nodes_[index].right = *right;
    nodes_[index].hash = InternalHash(nodes_[*left].hash, nodes_[*right].hash);
    return index;
  }

  Result<Hash256> ReadHash() {
    if (in_.size() - pos_ < 32) return Malformed("proof ends inside a hash");
    Hash256 h;
    std::memcpy(h.data(), in_.data() + pos_, 32);
    pos_ += 32;
    return h;
  }

  static Status Malformed(const std::string& why) { return Status::Error("malformed_proof", why); }

  ByteView in_;
  std::size_t pos_ = 0;
  std::vector<ProofNode> nodes_;
};

Status CheckClaim(const std::vector<ProofNode>& nodes, const Claim& claim) {
  const Hash256 path = KeyPath(claim.key);
  const std::string key_hex = crypto::ToHex(AsBytes(claim.key));
  std::size_t i = 0;
  for (std::size_t depth = 0;; ++depth) {
    const ProofNode& n = nodes[i];
    if (n.tag == kInternalTag) {
      i = Bit(path, depth) ? n.right : n.left;
      continue;
    }
    if (n.tag == kOpaqueTag) return Status::Error("not_covered", "the proof does not reach key " + key_hex);
    const bool present = n.tag == kLeafTag && n.a == path;
    if (present && !claim.value) return Status::Error("value_mismatch", "key " + key_hex + " is present");
    if (!present && claim.value) return Status::Error("value_mismatch", "key " + key_hex + " is absent");
    if (present && ValueHash(*claim.value) != n.b) {
      return Status::Error("value_mismatch", "key " + key_hex + " holds another value");
    }
    return Status::Ok();
  }
}

void CollectLeafHashes(std::span<std::pair<Hash256, Hash256>> leaves, std::size_t depth, Hash256* out) {
  if (leaves.empty()) {
    *out = kEmptyRoot;
    return;
  }
  if (leaves.size() == 1) {
    *out = LeafHash(leaves[0].first, leaves[0].second);
    return;
  }
  assert(depth < kMaxDepth);
  const auto split = std::partition_point(leaves.begin(), leaves.end(),
                                          [&](const auto& l) { return !Bit(l.first, depth); });
  Hash256 left;
  Hash256 right;
  CollectLeafHashes(std::span(leaves.begin(), split), depth + 1, &left);
  CollectLeafHashes(std::span(split, leaves.end()), depth + 1, &right);
  *out = InternalHash(left, right);
}

}  // namespace

std::optional<Hash256> StoredValueHash(const NodeReader& read, std::string_view key) {
  const Hash256 path = KeyPath(key);
  Pages pages(read);
  Node n = pages.Get(0, Hash256{});
  for (std::size_t depth = 0; n.kind == Kind::kInternal; ++depth) {
    n = pages.Get(depth + 1, Prefix(path, depth + 1));
  }
  if (n.kind == Kind::kLeaf && n.a == path) return n.b;
  return std::nullopt;
}

Bytes Prove(const NodeReader& read, std::span<const std::string> keys) {
  std::vector<Hash256> paths;
  paths.reserve(keys.size());
  for (const std::string& k : keys) paths.push_back(KeyPath(k));
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  Bytes out;
  Pages pages(read);
  Emit(pages, 0, Hash256{}, pages.Get(0, Hash256{}), paths, out);
  return out;
}

Status VerifyMultiProof(const Hash256& root, ByteView proof, std::span<const Claim> claims) {
  ProofParser parser(proof);
  auto top = parser.Parse(0, Hash256{});
  if (!top.ok()) return top.status();
  if (!parser.AtEnd()) return Status::Error("malformed_proof", "bytes after the end of the proof");
  const auto& nodes = parser.nodes();
  if (nodes[*top].hash != root) return Status::Error("root_mismatch", "the proof does not hash to the state root");
  for (const Claim& c : claims) SHANLIU_RETURN_IF_ERROR(CheckClaim(nodes, c));
  return Status::Ok();
}

namespace {

using LeafSpan = std::span<const std::pair<Hash256, Hash256>>;

// The canonical subtree over sorted `leaves` below (depth, prefix). Its nodes go into `page` (the
// page holding (depth, prefix)); a node starting a page (StartsPage) collects its own
// page and hands it to `put` when done, so pages come children first and nothing is read.
Node BuildStreaming(std::size_t depth, const Hash256& prefix, LeafSpan leaves, Page* page, const NodeSink& put) {
  Node n;
  if (leaves.empty()) return n;
  Page own;
  const bool starts_page = StartsPage(depth);
  Page* target = starts_page ? &own : page;
  assert(target != nullptr);
  if (leaves.size() == 1) {
    n.kind = Kind::kLeaf;
    n.a = leaves[0].first;
    n.b = leaves[0].second;
  } else {
    const auto split = std::partition_point(leaves.begin(), leaves.end(),
                                            [&](const auto& leaf) { return !Bit(leaf.first, depth); });
    const Node left = BuildStreaming(depth + 1, prefix, LeafSpan(leaves.begin(), split), target, put);
    const Node right =
        BuildStreaming(depth + 1, WithBit(prefix, depth), LeafSpan(split, leaves.end()), target, put);
    n.kind = Kind::kInternal;
    n.a = left.Hash();
    n.b = right.Hash();
    n.left_leaf = left.kind == Kind::kLeaf;
    n.right_leaf = right.kind == Kind::kLeaf;
  }
  target->entries.push_back({HeapIndex(depth, prefix), n});
  if (starts_page) {
    std::sort(own.entries.begin(), own.entries.end(),
              [](const Page::Entry& x, const Page::Entry& y) { return x.heap < y.heap; });
    put(PageKey(depth, prefix), EncodePage(own));
  }
  return n;
}

}  // namespace

Result<Hash256> BuildTree(std::vector<std::pair<Hash256, Hash256>> leaves, const NodeSink& put) {
  std::sort(leaves.begin(), leaves.end());
  for (std::size_t i = 1; i < leaves.size(); ++i) {
    if (leaves[i - 1].first == leaves[i].first) {
      return Status::Error("snapshot_malformed", "two state rows have the same key path " + crypto::ToHex(leaves[i].first));
    }
  }
  return BuildStreaming(0, Hash256{}, leaves, nullptr, put).Hash();
}

Hash256 RootOfLeaves(std::vector<std::pair<Hash256, Hash256>> leaves) {
  std::sort(leaves.begin(), leaves.end());
  for (std::size_t i = 1; i < leaves.size(); ++i) assert(leaves[i - 1].first != leaves[i].first);
  Hash256 root;
  CollectLeafHashes(leaves, 0, &root);
  return root;
}

}  // namespace shanliu::ledger::smt
