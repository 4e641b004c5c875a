// The layered state view over a real LevelDB: a borrowed base layer (a block's write set seen
// without a copy) reads, scans and merges exactly as the same writes in an owned layer would,
// and popping a kept layer moves its entries into the one below with the same result.
#include <doctest/doctest.h>

#include <leveldb/db.h>

#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "shanliu/ledger/state_view.h"

using shanliu::ledger::StateView;
namespace fs = std::filesystem;

namespace {

struct TempDb {
  fs::path dir = fs::temp_directory_path() / ("shanliu-state-view-" + std::to_string(::getpid()));
  std::unique_ptr<leveldb::DB> db;
  TempDb() {
    fs::remove_all(dir);
    leveldb::Options options;
    options.create_if_missing = true;
    leveldb::DB* raw = nullptr;
    REQUIRE(leveldb::DB::Open(options, dir.string(), &raw).ok());
    db.reset(raw);
  }
  ~TempDb() {
    db.reset();
    fs::remove_all(dir);
  }
};

using Entries = std::vector<std::pair<std::string, std::string>>;

Entries ScanAll(const StateView& view, std::string_view prefix) {
  Entries out;
  view.Scan(prefix, "", "", [&](std::string_view k, std::string_view v) {
    out.emplace_back(k, v);
    return true;
  });
  return out;
}

Entries ScanAllReverse(const StateView& view, std::string_view prefix) {
  Entries out;
  view.ScanReverse(prefix, std::string(prefix) + "\xff", [&](std::string_view k, std::string_view v) {
    out.emplace_back(k, v);
    return true;
  });
  return out;
}

// Everything a reader can see of `view` under the keys the test uses.
struct Seen {
  std::map<std::string, std::optional<std::string>> gets;
  Entries forward, backward;
  std::optional<std::pair<std::string, std::string>> seek;
  bool operator==(const Seen&) const = default;
};

Seen Look(const StateView& view, const std::vector<std::string>& keys) {
  Seen s;
  for (const std::string& k : keys) s.gets[k] = view.Get(k);
  s.forward = ScanAll(view, "o/");
  s.backward = ScanAllReverse(view, "o/");
  s.seek = view.SeekLE("o/", "o/k5");
  return s;
}

}  // namespace

TEST_CASE("a borrowed base layer reads, scans and merges like an owned layer of the same writes") {
  TempDb t;
  for (int i = 0; i < 10; i += 2) REQUIRE(t.db->Put({}, "o/k" + std::to_string(i), "db" + std::to_string(i)).ok());
  REQUIRE(t.db->Put({}, "p/other", "x").ok());
  const StateView::Writes writes = {
      {"o/k0", std::nullopt},   // deletes a stored key
      {"o/k1", "w1"},           // a new key between stored ones
      {"o/k4", "w4"},           // overwrites a stored key
      {"o/k9", "w9"},           // past the last stored key
      {"p/other", std::nullopt}};
  std::vector<std::string> keys = {"p/other", "o/missing"};
  for (int i = 0; i < 10; ++i) keys.push_back("o/k" + std::to_string(i));

  StateView owned(t.db.get());
  for (const auto& [k, v] : writes) v ? owned.Put(k, *v) : owned.Delete(k);
  const StateView borrowed(t.db.get(), nullptr, &writes);
  CHECK(Look(borrowed, keys) == Look(owned, keys));
  CHECK(borrowed.MergedWrites() == writes);
  CHECK(borrowed.Get("o/k0") == std::nullopt);
  CHECK(borrowed.Get("o/k2") == std::optional<std::string>("db2"));
  CHECK(borrowed.Get("o/k4") == std::optional<std::string>("w4"));

  // Layers above the base shadow it, and their writes merge over it.
  StateView above(t.db.get(), nullptr, &writes);
  above.PushLayer();
  above.Put("o/k0", "again");
  above.Delete("o/k1");
  above.PopLayer(true);
  StateView::Writes expected = writes;
  expected["o/k0"] = "again";
  expected["o/k1"] = std::nullopt;
  CHECK(above.MergedWrites() == expected);
  CHECK(above.Get("o/k0") == std::optional<std::string>("again"));
  CHECK(above.Get("o/k1") == std::nullopt);
  CHECK(ScanAll(above, "o/").front() == std::pair<std::string, std::string>("o/k0", "again"));
}

TEST_CASE("moving a view's writes out leaves every read as it was") {
  TempDb t;
  for (int i = 0; i < 10; i += 3) REQUIRE(t.db->Put({}, "o/k" + std::to_string(i), "db").ok());
  std::vector<std::string> keys;
  for (int i = 0; i < 10; ++i) keys.push_back("o/k" + std::to_string(i));
  StateView view(t.db.get());
  view.EnableReadCache(16);
  (void)view.Get("o/k3");  // a cached read of a key written below: the write must win after the move
  view.Put("o/k3", "new");
  view.Delete("o/k6");
  view.Put("o/k7", "seven");
  const Seen before = Look(view, keys);
  const StateView::Writes merged = view.MergedWrites();
  StateView::Writes moved;
  view.MoveWritesTo(&moved);
  CHECK(moved == merged);
  CHECK(view.layer(0).empty());
  CHECK(Look(view, keys) == before);
  CHECK(view.MergedWrites() == merged);
}

TEST_CASE("popping kept layers gives the same view as writing everything in one layer") {
  TempDb t;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    StateView layered(t.db.get());
    StateView flat(t.db.get());
    std::vector<std::string> keys;
    for (int i = 0; i < 12; ++i) keys.push_back("o/k" + std::to_string(i));
    for (int tx = 0; tx < 30; ++tx) {
      layered.PushLayer();
      StateView::Writes these;
      for (int w = 0; w < 4; ++w) {
        const std::string& k = keys[rng() % keys.size()];
        if (rng() % 4 == 0) {
          these[k] = std::nullopt;
        } else {
          these[k] = std::to_string(rng() % 100);
        }
      }
      for (const auto& [k, v] : these) v ? layered.Put(k, *v) : layered.Delete(k);
      const bool keep = rng() % 3 != 0;
      layered.PopLayer(keep);
      if (keep) {
        for (const auto& [k, v] : these) v ? flat.Put(k, *v) : flat.Delete(k);
      }
      REQUIRE(layered.depth() == 1);
      REQUIRE(Look(layered, keys) == Look(flat, keys));
    }
    CHECK(layered.MergedWrites() == flat.MergedWrites());
  }
}
