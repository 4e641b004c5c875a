#include "shanliu/ledger/store_reader.h"

#include <leveldb/iterator.h>

#include <cassert>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/pb/state.pb.h"
#include "state_keys.h"
#include "store_snapshot.h"

namespace shanliu::ledger {
namespace {

// A tampered tx count must not make a reader allocate or read forever; real blocks are far
// smaller (max_block_txs defaults to 2000).
constexpr std::uint64_t kMaxStoredBlockTxs = 1 << 20;

std::string ValueSummary(const leveldb::Iterator& it) {
  if (!it.Valid()) return "absent";
  const std::string_view value(it.value().data(), it.value().size());
  return std::to_string(value.size()) + " bytes, sha256 " + crypto::ToHex(crypto::Sha256(AsBytes(value))).substr(0, 16);
}

}  // namespace

StoreReader::~StoreReader() {
  db_.reset();  // closed before its files go
  std::error_code ignored;
  std::filesystem::remove_all(copy_dir_, ignored);
}

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
  auto copy = internal::CopyStoreForReading(db_path);
  if (!copy.ok()) return copy.status();
  std::unique_ptr<StoreReader> reader(new StoreReader(db_path, *copy));
  auto damage = std::make_unique<internal::DamageLog>();
  const internal::DamageLog& damage_lines = *damage;
  reader->leveldb_log_ = std::move(damage);  // outlives the database, which logs to it
  leveldb::Options options;
  options.create_if_missing = false;
  options.paranoid_checks = true;  // a damaged log or manifest refuses to open, never drops records
  options.info_log = reader->leveldb_log_.get();
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, copy->string(), &raw);
  if (!s.ok()) {
    std::string message = "the ledger database in " + db_path.string() + " cannot be opened intact: " + s.ToString();
    for (const std::string& line : damage_lines.lines()) message += "; " + reader->InOriginal(line);
    if (s.IsCorruption()) {
      if (auto table = internal::FindDamagedTable(*copy)) message += "; damaged table file " + *table;
      return Status::Error("storage_corrupt", message);
    }
    return Status::Error("io_error", message);
  }
  reader->db_.reset(raw);
  return reader;
}

std::string StoreReader::InOriginal(std::string text) const {
  const std::string copy = copy_dir_.string();
  for (std::size_t at = text.find(copy); at != std::string::npos; at = text.find(copy, at)) {
    text.replace(at, copy.size(), db_path_.string());
    at += db_path_.string().size();
  }
  return text;
}

Status StoreReader::ReadFailure(const leveldb::Status& s, std::string_view key, std::string_view what) const {
  assert(!s.ok() && !s.IsNotFound());
  std::string message = std::string(what) + " at key \"" + PrintableStorageKey(key) + "\": " + s.ToString();
  if (!s.IsCorruption()) return Status::Error("io_error", message);
  if (auto table = internal::FindDamagedTable(copy_dir_)) message += "; damaged file " + *table;
  return Status::Error("storage_corrupt", message + " in " + db_path_.string());
}

Result<std::uint64_t> StoreReader::HeadHeight() const {
  std::string value;
  leveldb::Status s = db_->Get(VerifiedReadOptions(), keys::kHead, &value);
  if (s.IsNotFound() || (s.ok() && value.size() != 8)) {
    return Status::Error(std::string(kBlockMalformed), "the chain head record is missing or malformed");
  }
  if (!s.ok()) return ReadFailure(s, keys::kHead, "cannot read the chain head");
  return ReadU64(AsBytes(value));
}

Result<pb::CommittedBlock> StoreReader::CommittedBlockAt(std::uint64_t height) const {
  const std::string where = "block " + std::to_string(height);
  std::string bytes;
  leveldb::Status s = db_->Get(VerifiedReadOptions(), keys::Block(height), &bytes);
  if (s.IsNotFound()) return Status::Error(std::string(kBlockMissing), where + " is missing from the store");
  if (!s.ok()) return ReadFailure(s, keys::Block(height), "cannot read " + where);
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
    s = db_->Get(VerifiedReadOptions(), keys::Leaf(leaf), envelope);
    if (s.IsNotFound()) {
      return Status::Error(std::string(kBlockMissing),
                           where + " is missing its tx " + std::to_string(i) + " (log leaf " + std::to_string(leaf) + ")");
    }
    if (!s.ok()) return ReadFailure(s, keys::Leaf(leaf), where + "'s tx " + std::to_string(i));
  }
  return out;
}

Result<std::optional<StoreDifference>> StoreReader::FirstDifference(const StoreReader& expected) const {
  leveldb::ReadOptions ro = VerifiedReadOptions();
  ro.fill_cache = false;  // one pass over everything: keep the block cache for real readers
  std::unique_ptr<leveldb::Iterator> want(expected.db_->NewIterator(ro));
  std::unique_ptr<leveldb::Iterator> have(db_->NewIterator(ro));
  want->SeekToFirst();
  have->SeekToFirst();
  while (want->Valid() || have->Valid()) {
    // A block that fails its checksum is skipped by the iterator with its status set: check the
    // status before trusting what follows, or the skipped keys would look like a difference.
    if (!have->status().ok()) return ReadFailure(have->status(), "", "reading the store failed");
    if (!want->status().ok()) return expected.ReadFailure(want->status(), "", "reading the replayed store failed");
    const int order = !want->Valid() ? 1 : !have->Valid() ? -1 : want->key().compare(have->key());
    if (order == 0 && want->value() == have->value()) {
      want->Next();
      have->Next();
      continue;
    }
    const leveldb::Slice key = order <= 0 ? want->key() : have->key();
    return std::optional<StoreDifference>(StoreDifference{PrintableStorageKey(std::string_view(key.data(), key.size())),
                                                          order <= 0 ? ValueSummary(*want) : "absent",
                                                          order >= 0 ? ValueSummary(*have) : "absent"});
  }
  if (!have->status().ok()) return ReadFailure(have->status(), "", "reading the store to the end failed");
  if (!want->status().ok()) return expected.ReadFailure(want->status(), "", "reading the replayed store failed");
  return std::optional<StoreDifference>();
}

Status StoreReader::ForEachRecord(
    const std::function<Status(std::string_view key, std::string_view value)>& visit) const {
  leveldb::ReadOptions ro = VerifiedReadOptions();
  ro.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ro));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    // A block failing its checksum is skipped with the status set: never copy past it.
    if (!it->status().ok()) break;
    Status s = visit(std::string_view(it->key().data(), it->key().size()),
                     std::string_view(it->value().data(), it->value().size()));
    if (!s.ok()) return s;
  }
  if (!it->status().ok()) return ReadFailure(it->status(), "", "reading the store to the end failed");
  return Status::Ok();
}

}  // namespace shanliu::ledger
