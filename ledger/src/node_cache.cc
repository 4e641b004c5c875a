#include "shanliu/ledger/node_cache.h"

#include <cassert>

namespace shanliu::ledger {

NodeCache::NodeCache(std::size_t max_depth) : max_depth_(max_depth), levels_(max_depth) {
  assert(max_depth_ >= 1 && max_depth_ <= 24);
}

// Page storage keys are "S" ‖ u8 depth ‖ the prefix's first ceil(depth / 8) bytes (state_map.cc).
bool NodeCache::Holds(std::string_view storage_key) const {
  assert(storage_key.size() >= 2 && storage_key[0] == 'S');
  const std::size_t depth = static_cast<std::uint8_t>(storage_key[1]);
  assert(storage_key.size() == 2 + (depth + 7) / 8);
  return depth < max_depth_;
}

std::pair<std::size_t, std::size_t> NodeCache::SlotOf(std::string_view storage_key) const {
  assert(Holds(storage_key));
  const std::size_t depth = static_cast<std::uint8_t>(storage_key[1]);
  // A depth below 24 keeps at most 3 prefix bytes; the bytes it does not keep are zero bits.
  const auto byte = [&](std::size_t i) {
    return i < storage_key.size() ? static_cast<std::uint32_t>(static_cast<std::uint8_t>(storage_key[i])) : 0u;
  };
  // The prefix's first 24 bits, most significant first (state_map.cc's bit order); a node at
  // depth d has only its first d bits set.
  const std::uint32_t top = (byte(2) << 16) | (byte(3) << 8) | byte(4);
  assert((top & ((1u << (24 - depth)) - 1)) == 0);
  return {depth, top >> (24 - depth)};
}

NodeCache::Slot& NodeCache::SlotFor(std::string_view storage_key) {
  const auto [depth, index] = SlotOf(storage_key);
  std::vector<Slot>& level = levels_[depth];
  if (level.empty()) level.resize(std::size_t{1} << depth);
  return level[index];
}

void NodeCache::Store(Slot& slot, std::string_view value) {
  slot.present = true;
  slot.bytes.assign(value);
}

std::optional<std::string> NodeCache::Get(std::string_view storage_key, std::uint64_t height) const {
  if (!Holds(storage_key)) return std::nullopt;
  std::lock_guard lock(mutex_);
  if (height != height_) return std::nullopt;
  const auto [depth, index] = SlotOf(storage_key);
  if (levels_[depth].empty()) return std::nullopt;
  const Slot& slot = levels_[depth][index];
  if (!slot.present) return std::nullopt;
  return slot.bytes;
}

void NodeCache::Fill(std::string_view storage_key, std::string_view value, std::uint64_t height) {
  if (!Holds(storage_key)) return;
  std::lock_guard lock(mutex_);
  if (height != height_) return;
  Store(SlotFor(storage_key), value);
}

void NodeCache::Commit(const smt::NodeWrites& nodes, std::uint64_t new_height) {
  std::lock_guard lock(mutex_);
  assert(new_height == height_ + 1);
  for (const auto& [key, value] : nodes) {
    if (!Holds(key)) continue;
    if (value) {
      Store(SlotFor(key), *value);
    } else if (const auto [depth, index] = SlotOf(key); !levels_[depth].empty()) {
      levels_[depth][index] = Slot{};
    }
  }
  height_ = new_height;
}

void NodeCache::Reset(std::uint64_t height) {
  std::lock_guard lock(mutex_);
  for (std::vector<Slot>& level : levels_) std::vector<Slot>().swap(level);
  height_ = height;
}

smt::NodeReader CachedNodeReader(NodeCache& cache, std::uint64_t height, smt::NodeReader read) {
  return [&cache, height, read = std::move(read)](std::string_view key) -> std::optional<std::string> {
    const bool held = cache.Holds(key);
    if (held) {
      if (auto hit = cache.Get(key, height)) return hit;
    }
    auto value = read(key);
    if (held && value) cache.Fill(key, *value, height);
    return value;
  };
}

}  // namespace shanliu::ledger
