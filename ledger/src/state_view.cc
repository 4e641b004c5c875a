#include "shanliu/ledger/state_view.h"

#include <cassert>
#include <memory>

namespace shanliu::ledger {
namespace {

// The smallest string greater than every string with this prefix ("" if none exists).
std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto last = static_cast<unsigned char>(end.back());
    if (last != 0xFF) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

}  // namespace

std::string PrintableStorageKey(std::string_view key) {
  constexpr std::size_t kShownBytes = 96;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : key.substr(0, kShownBytes)) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  if (key.size() > kShownBytes) out += "...";
  return out;
}

leveldb::ReadOptions VerifiedReadOptions(const leveldb::Snapshot* snapshot) {
  leveldb::ReadOptions options;
  options.verify_checksums = true;
  options.snapshot = snapshot;
  return options;
}

void ThrowReadFailure(const leveldb::Status& s, std::string_view key, std::string_view what) {
  assert(!s.ok() && !s.IsNotFound());
  const std::string printable = PrintableStorageKey(key);
  const std::string message = std::string(what) + " at key \"" + printable + "\": " + s.ToString();
  if (s.IsCorruption()) throw StorageCorrupt(printable, message);
  throw StorageError(message);
}

StateView::StateView(leveldb::DB* db, const leveldb::Snapshot* snapshot) : db_(db), snapshot_(snapshot) {
  layers_.emplace_back();
}

StateView::StateView(leveldb::DB* db, const leveldb::Snapshot* snapshot, const Writes* base)
    : StateView(db, snapshot) {
  assert(base != nullptr);
  base_ = base;
}

std::vector<const StateView::Writes*> StateView::AllLayers() const {
  std::vector<const Writes*> all;
  all.reserve(layers_.size() + 1);
  if (base_ != nullptr) all.push_back(base_);
  for (const Writes& layer : layers_) all.push_back(&layer);
  return all;
}

std::optional<std::string> StateView::Get(std::string_view key) const {
  if (layers_holding_.find(key) != layers_holding_.end()) {
    for (auto layer = layers_.rbegin(); layer != layers_.rend(); ++layer) {
      if (auto it = layer->find(key); it != layer->end()) return it->second;
    }
    assert(false && "a key counted in layers_holding_ is in no layer");
  }
  if (base_ != nullptr) {
    if (auto it = base_->find(key); it != base_->end()) return it->second;
  }
  if (db_ == nullptr) return std::nullopt;
  std::string key_string;
  if (read_cache_limit_ > 0) {
    key_string.assign(key);
    if (auto hit = read_cache_.find(key_string); hit != read_cache_.end()) return hit->second;
  }
  std::string value;
  leveldb::Status s = db_->Get(VerifiedReadOptions(snapshot_), leveldb::Slice(key.data(), key.size()), &value);
  std::optional<std::string> result;
  if (s.ok()) {
    result = std::move(value);
  } else if (!s.IsNotFound()) {
    ThrowReadFailure(s, key, "state read failed");
  }
  if (read_cache_limit_ > 0) {
    if (read_cache_.size() >= read_cache_limit_) read_cache_.clear();
    read_cache_.emplace(std::move(key_string), result);
  }
  return result;
}

void StateView::Put(std::string_view key, std::string_view value) { Write(key, std::string(value)); }

void StateView::Delete(std::string_view key) { Write(key, std::nullopt); }

void StateView::Write(std::string_view key, std::optional<std::string> value) {
  auto [it, inserted] = layers_.back().insert_or_assign(std::string(key), std::move(value));
  if (inserted) ++layers_holding_[it->first];
}

void StateView::Uncount(const std::string& key) {
  auto it = layers_holding_.find(key);
  assert(it != layers_holding_.end() && it->second > 0);
  if (--it->second == 0) layers_holding_.erase(it);
}

void StateView::Scan(std::string_view prefix, std::string_view start, std::string_view end,
                     const std::function<bool(std::string_view, std::string_view)>& visit) const {
  std::string lower = std::string(start) < std::string(prefix) ? std::string(prefix) : std::string(start);
  std::string upper = PrefixEnd(prefix);
  if (!end.empty() && (upper.empty() || std::string(end) < upper)) upper = std::string(end);
  auto in_range = [&](std::string_view k) { return upper.empty() || k < upper; };

  // Merge the database iterator with every layer; a higher layer shadows lower ones.
  std::unique_ptr<leveldb::Iterator> db_it;
  if (db_ != nullptr) {
    db_it.reset(db_->NewIterator(VerifiedReadOptions(snapshot_)));
    db_it->Seek(lower);
  }
  const std::vector<const Writes*> layers = AllLayers();
  std::vector<Writes::const_iterator> its;
  for (const Writes* layer : layers) its.push_back(layer->lower_bound(lower));
  std::string reached = lower;  // the last key the scan got to: named if a later block is damaged

  while (true) {
    std::optional<std::string> next;
    // A block that fails its checksum is skipped with the status set: never visit past it.
    if (db_it && !db_it->status().ok()) ThrowReadFailure(db_it->status(), reached, "state scan failed after");
    if (db_it && db_it->Valid()) {
      std::string_view k(db_it->key().data(), db_it->key().size());
      if (in_range(k)) next = std::string(k);
    }
    for (std::size_t i = 0; i < its.size(); ++i) {
      if (its[i] != layers[i]->end() && in_range(its[i]->first) && (!next || its[i]->first < *next)) {
        next = its[i]->first;
      }
    }
    if (!next) break;
    // The topmost layer holding the key decides its value.
    std::optional<std::string> value;
    bool decided = false;
    for (std::size_t i = its.size(); i-- > 0;) {
      if (its[i] != layers[i]->end() && its[i]->first == *next) {
        if (!decided) {
          value = its[i]->second;
          decided = true;
        }
        ++its[i];
      }
    }
    if (db_it && db_it->Valid() && db_it->key() == leveldb::Slice(*next)) {
      if (!decided) value = db_it->value().ToString();
      db_it->Next();
    }
    reached = *next;
    if (value && !visit(*next, *value)) return;
  }
  if (db_it && !db_it->status().ok()) ThrowReadFailure(db_it->status(), reached, "state scan failed after");
}

void StateView::ScanReverse(std::string_view prefix, std::string_view from,
                            const std::function<bool(std::string_view, std::string_view)>& visit) const {
  // Upper bound (inclusive) is min(from, last key with prefix).
  std::string upper_incl(from);
  auto in_range = [&](std::string_view k) { return k.starts_with(prefix) && k <= upper_incl; };

  std::unique_ptr<leveldb::Iterator> db_it;
  if (db_ != nullptr) {
    db_it.reset(db_->NewIterator(VerifiedReadOptions(snapshot_)));
    db_it->Seek(leveldb::Slice(upper_incl));
    if (!db_it->Valid()) {
      db_it->SeekToLast();
    } else if (db_it->key().compare(leveldb::Slice(upper_incl)) > 0) {
      db_it->Prev();
    }
  }
  // For each layer, a reverse position: the element before `pos` is the next candidate.
  const std::vector<const Writes*> layers = AllLayers();
  std::vector<Writes::const_iterator> pos;
  for (const Writes* layer : layers) pos.push_back(layer->upper_bound(upper_incl));
  std::string reached = upper_incl;  // the last key the scan got to: named if a block is damaged

  while (true) {
    std::optional<std::string> next;
    // A block that fails its checksum is skipped with the status set: never visit past it.
    if (db_it && !db_it->status().ok()) ThrowReadFailure(db_it->status(), reached, "reverse state scan failed before");
    if (db_it && db_it->Valid()) {
      std::string_view k(db_it->key().data(), db_it->key().size());
      if (in_range(k)) next = std::string(k);
    }
    for (std::size_t i = 0; i < pos.size(); ++i) {
      if (pos[i] != layers[i]->begin()) {
        const std::string& k = std::prev(pos[i])->first;
        if (in_range(k) && (!next || k > *next)) next = k;
      }
    }
    if (!next) break;
    std::optional<std::string> value;
    bool decided = false;
    for (std::size_t i = pos.size(); i-- > 0;) {
      if (pos[i] != layers[i]->begin() && std::prev(pos[i])->first == *next) {
        if (!decided) {
          value = std::prev(pos[i])->second;
          decided = true;
        }
        --pos[i];
      }
    }
    if (db_it && db_it->Valid() && db_it->key() == leveldb::Slice(*next)) {
      if (!decided) value = db_it->value().ToString();
      db_it->Prev();
    }
    reached = *next;
    if (value && !visit(*next, *value)) return;
  }
  if (db_it && !db_it->status().ok()) ThrowReadFailure(db_it->status(), reached, "state scan failed after");
}

std::optional<std::pair<std::string, std::string>> StateView::SeekLE(std::string_view prefix,
                                                                     std::string_view key) const {
  std::optional<std::pair<std::string, std::string>> found;
  ScanReverse(prefix, key, [&](std::string_view k, std::string_view v) {
    found.emplace(std::string(k), std::string(v));
    return false;
  });
  return found;
}

void StateView::PushLayer() { layers_.emplace_back(); }

void StateView::PopLayer(bool keep) {
  assert(layers_.size() >= 2);
  Writes top = std::move(layers_.back());
  layers_.pop_back();
  if (!keep) {
    for (const auto& [k, v] : top) Uncount(k);
    return;
  }
  Writes& below = layers_.back();
  if (below.empty()) {
    below = std::move(top);  // no key in both: nothing to uncount
    return;
  }
  // Move the entries themselves (map nodes): no key or value is copied.
  auto hint = below.begin();
  while (!top.empty()) {
    auto entry = top.extract(top.begin());
    hint = below.lower_bound(entry.key());
    if (hint != below.end() && hint->first == entry.key()) {
      hint->second = std::move(entry.mapped());
      Uncount(hint->first);  // two layers held it, now one does
    } else {
      hint = below.insert(hint, std::move(entry));
    }
  }
}

void StateView::CommitBottomLayer(const leveldb::Snapshot* snapshot) {
  assert(db_ != nullptr && !layers_.empty() && base_ == nullptr);
  for (const auto& [key, value] : layers_.front()) {
    read_cache_.erase(key);
    Uncount(key);
  }
  layers_.erase(layers_.begin());
  if (layers_.empty()) layers_.emplace_back();
  snapshot_ = snapshot;
}

StateView::Writes StateView::MergedWrites() const {
  Writes merged;
  for (const Writes* layer : AllLayers()) {
    for (const auto& [k, v] : *layer) merged.insert_or_assign(k, v);
  }
  return merged;
}

void StateView::MoveWritesTo(Writes* dest) {
  assert(dest != nullptr && base_ == nullptr && layers_.size() == 1);
  *dest = std::move(layers_.front());
  layers_.front().clear();
  layers_holding_.clear();  // every counted key was in the one layer
  base_ = dest;
}

}  // namespace shanliu::ledger
