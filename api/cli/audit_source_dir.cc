// Audit source: a node's data directory, read straight from LevelDB. Ledger::Open is not used
// on purpose: it refuses a store whose head does not check out, and the audit must be able to
// name that very fault. Key layout: ledger/src/state_keys.h, docs/data-format.md.
#include <memory>

#include "audit.h"
#include "shanliu/pb/state.pb.h"

namespace shanliu::audit {
namespace {

// A tampered tx count must not make the audit read forever; real blocks are far smaller
// (genesis max_block_txs defaults to 2000).
constexpr std::uint64_t kMaxStoredBlockTxs = 1 << 20;

std::string U64Key(std::string_view prefix, std::uint64_t v) {
  Bytes b;
  AppendU64(b, v);
  return std::string(prefix) + ToString(b);
}
std::string BlockKey(std::uint64_t height) { return U64Key("B/", height); }
std::string LeafKey(std::uint64_t leaf) { return U64Key("L/", leaf); }
constexpr std::string_view kHeadKey = "c/head";

class DataDirSource final : public BlockSource {
 public:
  DataDirSource(std::filesystem::path path, leveldb::DB* db) : path_(std::move(path)), db_(db) {}

  std::string Describe() const override { return "data directory " + path_.string(); }
  leveldb::DB* LocalDatabase() override { return db_.get(); }

  Result<std::uint64_t> HeadHeight() override {
    std::string value;
    leveldb::Status s = db_->Get(leveldb::ReadOptions(), std::string(kHeadKey), &value);
    if (s.IsNotFound() || (s.ok() && value.size() != 8)) {
      return Status::Error(std::string(kBlockMalformed), "the chain head record is missing or malformed");
    }
    if (!s.ok()) return Status::Error("io_error", "cannot read the chain head: " + s.ToString());
    return ReadU64(AsBytes(value));
  }

  Result<std::vector<pb::CommittedBlock>> Fetch(std::uint64_t from, std::uint64_t max_count) override {
    std::vector<pb::CommittedBlock> out;
    for (std::uint64_t height = from; height < from + max_count; ++height) {
      auto block = Read(height);
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
  Result<pb::CommittedBlock> Read(std::uint64_t height) {
    const std::string where = "block " + std::to_string(height);
    std::string bytes;
    leveldb::Status s = db_->Get(leveldb::ReadOptions(), BlockKey(height), &bytes);
    if (s.IsNotFound()) return Status::Error(std::string(kBlockMissing), where + " is missing from the store");
    if (!s.ok()) {
      if (s.IsCorruption()) return Status::Error(std::string(kBlockMalformed), where + ": " + s.ToString());
      return Status::Error("io_error", "cannot read " + where + ": " + s.ToString());
    }
    pb::StoredBlock stored;
    if (!stored.ParseFromString(bytes)) {
      return Status::Error(std::string(kBlockMalformed), where + "'s stored record does not parse");
    }
    if (stored.tx_count() > kMaxStoredBlockTxs) {
      return Status::Error(std::string(kBlockMalformed), where + " claims " + std::to_string(stored.tx_count()) + " txs");
    }
    pb::CommittedBlock out;
    *out.mutable_block()->mutable_header() = stored.header();
    if (height > 0) *out.mutable_commit() = stored.commit();
    for (std::uint64_t i = 0; i < stored.tx_count(); ++i) {
      std::string envelope;
      const std::uint64_t leaf = stored.first_leaf() + i;
      s = db_->Get(leveldb::ReadOptions(), LeafKey(leaf), &envelope);
      if (s.IsNotFound()) {
        return Status::Error(std::string(kBlockMissing),
                             where + " is missing its tx " + std::to_string(i) + " (log leaf " + std::to_string(leaf) + ")");
      }
      if (!s.ok()) return Status::Error("io_error", "cannot read log leaf " + std::to_string(leaf) + ": " + s.ToString());
      out.mutable_block()->add_txs(std::move(envelope));
    }
    return out;
  }

  std::filesystem::path path_;
  std::unique_ptr<leveldb::DB> db_;
};

}  // namespace

Result<std::unique_ptr<BlockSource>> OpenDataDirSource(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::path db_path;
  if (std::filesystem::exists(dir / "ledger" / "CURRENT", ec)) {
    db_path = dir / "ledger";
  } else if (std::filesystem::exists(dir / "CURRENT", ec)) {
    db_path = dir;
  } else {
    return Status::Error("not_found", "no ledger database in " + dir.string() +
                                          " (expected the node's data_dir, holding ledger/)");
  }
  leveldb::Options options;
  options.create_if_missing = false;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, db_path.string(), &raw);
  if (!s.ok()) {
    const std::string text = s.ToString();
    if (text.find("lock") != std::string::npos || text.find("LOCK") != std::string::npos) {
      return Status::Error("in_use", "the ledger database in " + db_path.string() +
                                         " is in use (a running node holds its LevelDB lock): stop the node, audit "
                                         "a copy of the directory, or audit through --node URL [" + text + "]");
    }
    return Status::Error("io_error", "cannot open the ledger database in " + db_path.string() + ": " + text);
  }
  return std::unique_ptr<BlockSource>(new DataDirSource(dir, raw));
}

}  // namespace shanliu::audit
