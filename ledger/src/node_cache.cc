#include "shanliu/ledger/node_cache.h"

#include <cassert>

namespace shanliu::ledger {

// Node storage keys are "S" ‖ u8 depth ‖ 32-byte prefix (state_map.cc).
bool NodeCache::Holds(std::string_view storage_key) const {
  assert(storage_key.size() == 34 && storage_key[0] == 'S');
  return static_cast<std::uint8_t>(storage_key[1]) < max_depth_;
}

std::optional<std::string> NodeCache::Get(std::string_view storage_key, std::uint64_t height) const {
  std::lock_guard lock(mutex_);
  if (height != height_) return std::nullopt;
  auto it = records_.find(storage_key);
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

void NodeCache::Fill(std::string_view storage_key, std::string_view value, std::uint64_t height) {
  if (!Holds(storage_key)) return;
  std::lock_guard lock(mutex_);
  if (height != height_) return;
  records_.try_emplace(std::string(storage_key), value);
}

void NodeCache::Commit(const smt::NodeWrites& nodes, std::uint64_t new_height) {
  std::lock_guard lock(mutex_);
  assert(new_height == height_ + 1);
  for (const auto& [key, value] : nodes) {
    if (!Holds(key)) continue;
    if (value) {
      records_.insert_or_assign(key, *value);
    } else {
      records_.erase(key);
    }
  }
  height_ = new_height;
}

void NodeCache::Reset(std::uint64_t height) {
  std::lock_guard lock(mutex_);
  records_.clear();
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
