// The state map's top pages in memory, shared by the writer and the readers.
//
// Every block rewrites the top of the tree, and every proof and update reads it: keeping the
// page records above `max_depth` in memory saves most LevelDB reads of both. The cache
// describes exactly one committed height: the writer applies each committed block's page
// operations and moves it to the new height; a reader uses it only when its snapshot's head is
// that height (otherwise it reads its snapshot), and may fill it on a miss at that height, since
// a record read from that height's snapshot is the record the cache describes. Absent records
// are not cached. Lock rule: mutex_ guards everything; no call holds it while reading LevelDB.
//
// Layout: a record at depth d < max_depth sits under a prefix of d significant bits, so the records
// sit in one array per depth, indexed by those bits — no hashing. (A hash map of 34-byte keys took
// about a quarter of the block producer's time.) Pages exist only at depths that are multiples of
// 8 (state_map.cc), so only those depths' arrays are ever allocated: 1 slot at 0, 256 at 8.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shanliu/ledger/state_map.h"

namespace shanliu::ledger {

class NodeCache {
 public:
  // At most 24 levels: a slot's index is the first max_depth - 1 bits of the prefix.
  explicit NodeCache(std::size_t max_depth);

  // Whether records at this storage key's depth are cached at all.
  bool Holds(std::string_view storage_key) const;
  // The cached record at `height`; nullopt if not cached or the cache is at another height.
  std::optional<std::string> Get(std::string_view storage_key, std::uint64_t height) const;
  // Remembers a record read from a snapshot at `height` (ignored at another height).
  void Fill(std::string_view storage_key, std::string_view value, std::uint64_t height);
  // After block `new_height` committed with these node operations (in order).
  void Commit(const smt::NodeWrites& nodes, std::uint64_t new_height);
  // Starts over at `height` (the head on open), empty.
  void Reset(std::uint64_t height);

 private:
  struct Slot {
    bool present = false;
    std::string bytes;
  };
  // A held key's depth and index within its depth.
  std::pair<std::size_t, std::size_t> SlotOf(std::string_view storage_key) const;
  Slot& SlotFor(std::string_view storage_key);  // requires mutex_; allocates the depth's array
  static void Store(Slot& slot, std::string_view value);

  const std::size_t max_depth_;
  mutable std::mutex mutex_;
  std::uint64_t height_ = 0;              // GUARDED_BY(mutex_)
  std::vector<std::vector<Slot>> levels_;  // GUARDED_BY(mutex_); levels_[d] has 2^d slots or none
};

// A reader of the committed tree at `height` from `read` (a snapshot or the database itself),
// through `cache`.
smt::NodeReader CachedNodeReader(NodeCache& cache, std::uint64_t height, smt::NodeReader read);

}  // namespace shanliu::ledger
