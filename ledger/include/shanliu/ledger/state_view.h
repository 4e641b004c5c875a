// A layered key-value view used by the state machine: the committed LevelDB state at
// the bottom, in-memory write layers on top (one for the block being built or checked,
// one per transaction so a rejected tx leaves nothing behind).
//
// Storage faults (a failed LevelDB read) throw StorageError: the block cannot be executed
// deterministically any more, so the node must stop rather than carry on (docs/decisions.md).
#pragma once

#include <leveldb/db.h>

#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace shanliu::ledger {

class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A stored record failed its LevelDB checksum or does not decode: the bytes on disk are not the
// ones that were committed. Readers must not serve them (the API answers 500 storage_corrupt)
// and the operator must be told which key (docs/decisions.md, "Storage that never lies").
class StorageCorrupt : public StorageError {
 public:
  StorageCorrupt(std::string printable_key, const std::string& what)
      : StorageError(what), key_(std::move(printable_key)) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

// Keys hold binary ids and positions: printable bytes as they are, the rest as \xNN; at most
// 96 bytes shown (longer keys end in "...").
std::string PrintableStorageKey(std::string_view key);

// Every LevelDB read in the ledger goes through these options: checksums are verified, so a
// flipped byte in a table or log file becomes a Corruption status instead of altered bytes.
leveldb::ReadOptions VerifiedReadOptions(const leveldb::Snapshot* snapshot = nullptr);

// Throws StorageCorrupt for a Corruption status, StorageError for any other failure (never
// called with ok or NotFound). `what` says which read failed.
[[noreturn]] void ThrowReadFailure(const leveldb::Status& s, std::string_view key, std::string_view what);

class StateView {
 public:
  using Writes = std::map<std::string, std::optional<std::string>, std::less<>>;  // nullopt = deleted

  // `db` may be null for a purely in-memory view (tests, simulations). The snapshot, if
  // any, pins what "committed" means for the whole life of the view.
  explicit StateView(leveldb::DB* db, const leveldb::Snapshot* snapshot = nullptr);
  // A view whose lowest layer is `base`, read-only and not owned (it must outlive the view): a
  // block's write set seen over the committed state without copying it.
  StateView(leveldb::DB* db, const leveldb::Snapshot* snapshot, const Writes* base);

  std::optional<std::string> Get(std::string_view key) const;

  // Remembers up to max_entries values read from the database (found or not), so a block or a
  // mempool that touches the same organisations and accounts again and again reads LevelDB once.
  // Only for a view used by one thread at a time whose database does not change underneath it
  // (a snapshot, or the writer's own view during execution): the cache is not synchronised.
  void EnableReadCache(std::size_t max_entries) { read_cache_limit_ = max_entries; }
  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);

  // Visits keys in [start, end) that begin with `prefix`, ascending, over every layer;
  // stops when `visit` returns false. `end` empty means "to the end of the prefix".
  void Scan(std::string_view prefix, std::string_view start, std::string_view end,
            const std::function<bool(std::string_view key, std::string_view value)>& visit) const;
  // Like Scan, descending from `from` (inclusive) down to the first key with `prefix`.
  void ScanReverse(std::string_view prefix, std::string_view from,
                   const std::function<bool(std::string_view key, std::string_view value)>& visit) const;
  // The entry with the greatest key <= `key` among keys beginning with `prefix`.
  std::optional<std::pair<std::string, std::string>> SeekLE(std::string_view prefix, std::string_view key) const;

  // Layers: Push before a tx, then Pop(true) to keep its writes or Pop(false) to drop them.
  void PushLayer();
  void PopLayer(bool keep);
  std::size_t depth() const { return layers_.size(); }

  // Everything written above the committed state, all layers merged (the block's write set).
  Writes MergedWrites() const;
  // The same without a copy, for a view of one layer and no base: the layer moves to *dest, and
  // the view reads it from there as its base (so *dest must outlive the view and stay unchanged).
  void MoveWritesTo(Writes* dest);
  const Writes& layer(std::size_t index) const { return layers_.at(index); }

  // The bottom layer has just been committed to the database and `snapshot` is the state that
  // includes it: drops the layer, forgets cached reads of its keys, and reads from `snapshot`
  // from now on, so the layers above (written on top of it) stay valid without re-execution.
  // Keeps at least one (empty) layer.
  void CommitBottomLayer(const leveldb::Snapshot* snapshot);

 private:
  leveldb::DB* db_;
  const leveldb::Snapshot* snapshot_;
  const Writes* base_ = nullptr;  // below layers_[0]; not counted in layers_holding_
  // The base (if any) and the layers, lowest first: what a scan merges.
  std::vector<const Writes*> AllLayers() const;
  // Put/Delete on the top layer, counting the key in layers_holding_ if the layer is new to it.
  void Write(std::string_view key, std::optional<std::string> value);
  void Uncount(const std::string& key);  // one layer fewer holds `key`

  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view k) const { return std::hash<std::string_view>{}(k); }
  };
  std::vector<Writes> layers_;  // layers_[0] is the block layer; back() is the top
  // How many layers hold each written key. A read of a key no layer holds (most reads) goes to
  // the database at once instead of searching every layer: the mempool keeps one layer per
  // planned block, so a view may be dozens of layers deep.
  std::unordered_map<std::string, std::uint32_t, KeyHash, std::equal_to<>> layers_holding_;
  std::size_t read_cache_limit_ = 0;  // 0: no cache
  mutable std::unordered_map<std::string, std::optional<std::string>> read_cache_;
};

}  // namespace shanliu::ledger
