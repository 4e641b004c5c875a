// Audit source: a node's data directory, read through ledger::StoreReader rather than
// Ledger::Open: Open refuses a store whose head does not check out, and the audit must be able
// to name that very fault. StoreReader reads a private copy, so the directory is never changed.
#include <cassert>
#include <memory>

#include "shanliu/audit/audit.h"

namespace shanliu::audit {
namespace {

class DataDirSource final : public BlockSource {
 public:
  DataDirSource(std::filesystem::path path, std::unique_ptr<ledger::StoreReader> store)
      : path_(std::move(path)), store_(std::move(store)) {}

  std::string Describe() const override { return "data directory " + path_.string(); }
  const ledger::StoreReader* LocalStore() const override { return store_.get(); }
  Result<std::uint64_t> HeadHeight() override { return store_->HeadHeight(); }

  Result<std::vector<pb::CommittedBlock>> Fetch(std::uint64_t from, std::uint64_t max_count) override {
    std::vector<pb::CommittedBlock> out;
    for (std::uint64_t height = from; height < from + max_count; ++height) {
      auto block = store_->CommittedBlockAt(height);
      if (!block.ok()) {
        // Hand back the good blocks first, so the fault is reported at its own height.
        if (!out.empty()) break;
        return block.status();
      }
      out.push_back(std::move(*block));
    }
    return out;
  }

 private:
  std::filesystem::path path_;
  std::unique_ptr<ledger::StoreReader> store_;
};

// A store whose log, manifest or tables fail their checksums on open: the audit reports that
// as its FAILED result (check "storage", naming the file) instead of not running at all.
class DamagedDataDirSource final : public BlockSource {
 public:
  DamagedDataDirSource(std::filesystem::path path, Status damage) : path_(std::move(path)), damage_(std::move(damage)) {
    assert(damage_.code() == ledger::kStorageCorrupt);
  }
  std::string Describe() const override { return "data directory " + path_.string(); }
  Result<std::uint64_t> HeadHeight() override { return damage_; }
  Result<std::vector<pb::CommittedBlock>> Fetch(std::uint64_t, std::uint64_t) override { return damage_; }

 private:
  std::filesystem::path path_;
  Status damage_;
};

}  // namespace

Result<std::unique_ptr<BlockSource>> OpenDataDirSource(const std::filesystem::path& dir) {
  auto store = ledger::StoreReader::Open(dir);
  if (!store.ok() && store.status().code() == ledger::kStorageCorrupt) {
    return std::unique_ptr<BlockSource>(new DamagedDataDirSource(dir, store.status()));
  }
  if (!store.ok()) return store.status();
  return std::unique_ptr<BlockSource>(new DataDirSource(dir, std::move(*store)));
}

}  // namespace shanliu::audit
