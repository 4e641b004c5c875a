#include "shanliu/ledger/store_reader.h"

#include <leveldb/iterator.h>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/pb/state.pb.h"
#include "state_keys.h"

namespace shanliu::ledger {
namespace {

// A tampered tx count must not make a reader allocate or read forever; real blocks are far
// smaller (max_block_txs defaults to 2000).
constexpr std::uint64_t kMaxStoredBlockTxs = 1 << 20;

std::string PrintableKey(std::string_view key) {
  constexpr std::size_t kShown = 64;
  std::string out;
  for (unsigned char c : key.substr(0, kShown)) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x" + crypto::ToHex(ByteView(&c, 1));
    }
  }
  if (key.size() > kShown) out += "...";
  return out;
}

std::string ValueSummary(const leveldb::Iterator& it) {
  if (!it.Valid()) return "absent";
  const std::string_view value(it.value().data(), it.value().size());
  return std::to_string(value.size()) + " bytes, sha256 " + crypto::ToHex(crypto::Sha256(AsBytes(value))).substr(0, 16);
}

}  // namespace

StoreReader::~StoreReader() = default;

Result<std::unique_ptr<StoreReader>> StoreReader::Open(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::path db_path;
  if (std::filesystem::exists(dir / keys::kDatabaseDir / "CURRENT", ec)) {
    db_path = dir / keys::kDatabaseDir;
  } else if (std::filesystem::exists(dir / "CURRENT", ec)) {
    db_path = dir;
  } else {
    return Status::Error("not_found", "no ledger database in " + dir.string() +
                                          " (expected the node's data_dir, holding " + std::string(keys::kDatabaseDir) +
                                          "/)");
  }
  leveldb::Options options;
  options.create_if_missing = false;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, db_path.string(), &raw);
  if (!s.ok()) {
    // LevelDB reports a held lock only as an IOError naming the LOCK file.
    const std::string text = s.ToString();
    if (text.find("lock") != std::string::npos || text.find("LOCK") != std::string::npos) {
      return Status::Error("in_use", "the ledger database in " + db_path.string() +
                                         " is in use (a running node holds its LevelDB lock): stop the node, audit "
                                         "a copy of the directory, or audit through --node URL [" + text + "]");
    }
    return Status::Error("io_error", "cannot open the ledger database in " + db_path.string() + ": " + text);
  }
  return std::unique_ptr<StoreReader>(new StoreReader(raw));
}

Result<std::uint64_t> StoreReader::HeadHeight() const {
  std::string value;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), keys::kHead, &value);
  if (s.IsNotFound() || (s.ok() && value.size() != 8)) {
    return Status::Error(std::string(kBlockMalformed), "the chain head record is missing or malformed");
  }
  if (!s.ok()) return Status::Error("io_error", "cannot read the chain head: " + s.ToString());
  return ReadU64(AsBytes(value));
}

Result<pb::CommittedBlock> StoreReader::CommittedBlockAt(std::uint64_t height) const {
  const std::string where = "block " + std::to_string(height);
  std::string bytes;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), keys::Block(height), &bytes);
  if (s.IsNotFound()) return Status::Error(std::string(kBlockMissing), where + " is missing from the store");
  if (s.IsCorruption()) return Status::Error(std::string(kBlockMalformed), where + ": " + s.ToString());
  if (!s.ok()) return Status::Error("io_error", "cannot read " + where + ": " + s.ToString());
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
    const std::uint64_t leaf = stored.first_leaf() + i;
    std::string* envelope = out.mutable_block()->add_txs();
    s = db_->Get(leveldb::ReadOptions(), keys::Leaf(leaf), envelope);
    if (s.IsNotFound()) {
      return Status::Error(std::string(kBlockMissing),
                           where + " is missing its tx " + std::to_string(i) + " (log leaf " + std::to_string(leaf) + ")");
    }
    if (!s.ok()) return Status::Error("io_error", "cannot read log leaf " + std::to_string(leaf) + ": " + s.ToString());
  }
  return out;
}

Result<std::optional<StoreDifference>> StoreReader::FirstDifference(const StoreReader& expected) const {
  leveldb::ReadOptions ro;
  ro.fill_cache = false;  // one pass over everything: keep the block cache for real readers
  std::unique_ptr<leveldb::Iterator> want(expected.db_->NewIterator(ro));
  std::unique_ptr<leveldb::Iterator> have(db_->NewIterator(ro));
  want->SeekToFirst();
  have->SeekToFirst();
  while (want->Valid() || have->Valid()) {
    const int order = !want->Valid() ? 1 : !have->Valid() ? -1 : want->key().compare(have->key());
    if (order == 0 && want->value() == have->value()) {
      want->Next();
      have->Next();
      continue;
    }
    const leveldb::Slice key = order <= 0 ? want->key() : have->key();
    return std::optional<StoreDifference>(StoreDifference{PrintableKey(std::string_view(key.data(), key.size())),
                                                          order <= 0 ? ValueSummary(*want) : "absent",
                                                          order >= 0 ? ValueSummary(*have) : "absent"});
  }
  const leveldb::Status s = want->status().ok() ? have->status() : want->status();
  if (!s.ok()) return Status::Error("io_error", "reading the stores failed: " + s.ToString());
  return std::optional<StoreDifference>();
}

}  // namespace shanliu::ledger
