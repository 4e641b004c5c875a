// The witness's durable record (LevelDB, synced writes) and the locked check-store-cosign step.
#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include <cassert>

#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/state_view.h"
#include "shanliu/ledger/witness.h"

namespace shanliu::ledger {
namespace {

constexpr std::string_view kRecordPrefix = "witness/log/";
constexpr std::uint8_t kRecordVersion = 1;
// version || u64 BE size || root || SHA-256 of those [:4]: a torn or foreign value is caught.
constexpr std::size_t kRecordBytes = 1 + 8 + 32 + 4;

std::string RecordKey(std::string_view origin) { return std::string(kRecordPrefix) + std::string(origin); }

std::string EncodeRecord(const WitnessRecord& record) {
  Bytes out;
  AppendU8(out, kRecordVersion);
  AppendU64(out, record.size);
  AppendRaw(out, record.root);
  const Hash256 check = crypto::Sha256(out);
  AppendRaw(out, ByteView(check.data(), 4));
  return ToString(out);
}

Result<WitnessRecord> DecodeRecord(std::string_view key, std::string_view value) {
  const ByteView bytes = AsBytes(value);
  const auto corrupt = [&key](const std::string& why) {
    return Status::Error("storage_corrupt", "witness record " + std::string(key) + ": " + why);
  };
  if (bytes.size() != kRecordBytes || bytes[0] != kRecordVersion) return corrupt("wrong length or version");
  const Hash256 check = crypto::Sha256(bytes.first(kRecordBytes - 4));
  if (!std::equal(check.begin(), check.begin() + 4, bytes.begin() + kRecordBytes - 4)) {
    return corrupt("checksum mismatch");
  }
  WitnessRecord record;
  record.size = ReadU64(bytes.subspan(1, 8));
  std::copy(bytes.begin() + 9, bytes.begin() + 41, record.root.begin());
  return record;
}

}  // namespace

Result<std::unique_ptr<WitnessStore>> WitnessStore::Open(const std::filesystem::path& dir) {
  leveldb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  leveldb::DB* db = nullptr;
  const leveldb::Status s = leveldb::DB::Open(options, dir.string(), &db);
  if (!s.ok()) return Status::Error("storage_error", "cannot open the witness state " + dir.string() + ": " + s.ToString());
  return std::unique_ptr<WitnessStore>(new WitnessStore(db));
}

WitnessStore::~WitnessStore() { delete db_; }

Result<std::optional<WitnessRecord>> WitnessStore::Get(std::string_view origin) const {
  std::string value;
  const std::string key = RecordKey(origin);
  const leveldb::Status s = db_->Get(VerifiedReadOptions(), key, &value);
  if (s.IsNotFound()) return std::optional<WitnessRecord>();
  if (!s.ok()) return Status::Error("storage_error", "witness record " + key + ": " + s.ToString());
  auto record = DecodeRecord(key, value);
  if (!record.ok()) return record.status();
  return std::optional<WitnessRecord>(*record);
}

Status WitnessStore::Put(std::string_view origin, const WitnessRecord& record) {
  leveldb::WriteOptions wo;
  wo.sync = true;  // the spec: persisted before the cosignature leaves
  const leveldb::Status s = db_->Put(wo, RecordKey(origin), EncodeRecord(record));
  if (!s.ok()) return Status::Error("storage_error", "cannot store the witness record: " + s.ToString());
  return Status::Ok();
}

Result<std::map<std::string, WitnessRecord>> WitnessStore::All() const {
  std::map<std::string, WitnessRecord> out;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(VerifiedReadOptions()));
  for (it->Seek(std::string(kRecordPrefix)); it->Valid() && it->key().starts_with(std::string(kRecordPrefix));
       it->Next()) {
    auto record = DecodeRecord(it->key().ToString(), it->value().ToString());
    if (!record.ok()) return record.status();
    out.emplace(it->key().ToString().substr(kRecordPrefix.size()), *record);
  }
  if (!it->status().ok()) return Status::Error("storage_error", "witness records: " + it->status().ToString());
  return out;
}

// ---------------------------------------------------------------- Witness

namespace {

std::map<std::string, LogPolicy> ByOrigin(std::vector<LogPolicy> logs) {
  std::map<std::string, LogPolicy> out;
  for (LogPolicy& p : logs) {
    const std::string origin = p.origin;
    out.emplace(origin, std::move(p));
  }
  return out;
}

WitnessResponse Answer(unsigned status, std::string body) {
  WitnessResponse r;
  r.http_status = status;
  r.body = std::move(body);
  if (!r.body.ends_with('\n')) r.body += '\n';
  return r;
}

}  // namespace

Witness::Witness(std::string name, crypto::KeyPair key, std::vector<LogPolicy> logs,
                 std::unique_ptr<WitnessStore> store)
    : name_(std::move(name)), key_(std::move(key)), logs_(ByOrigin(std::move(logs))), store_(std::move(store)) {}

std::string Witness::VerifierKey() const { return FormatVerifierKey(name_, kCosignatureV1KeyType, key_.public_key); }

Result<std::map<std::string, WitnessRecord>> Witness::Records() const { return store_->All(); }

WitnessResponse Witness::AddCheckpoint(std::string_view request_body, std::uint64_t now_s) {
  assert(now_s > 0 && now_s < (std::uint64_t{1} << 63));
  const std::lock_guard lock(mutex_);
  Status read_error = Status::Ok();
  const auto policy_for = [this](std::string_view origin) -> const LogPolicy* {
    auto it = logs_.find(std::string(origin));
    return it == logs_.end() ? nullptr : &it->second;
  };
  const auto stored = [this, &read_error](std::string_view origin) -> std::optional<WitnessRecord> {
    auto record = store_->Get(origin);
    if (record.ok()) return *record;
    read_error = record.status();
    return std::nullopt;
  };
  const WitnessDecision decision = DecideAddCheckpoint(request_body, policy_for, stored);
  // A record that cannot be read must not be taken for "never cosigned": that would let size 0
  // restart the log's history.
  if (!read_error.ok()) return Answer(500, read_error.ToString());
  switch (decision.outcome) {
    case WitnessOutcome::kCosign:
      break;
    case WitnessOutcome::kConflict: {
      // The spec's body for a stale old size is the size alone; a root conflict is explained.
      if (decision.root_conflict) return Answer(409, decision.reason);
      WitnessResponse r = Answer(409, std::to_string(decision.known_size));
      r.content_type = "text/x.tlog.size";
      return r;
    }
    default:
      return Answer(static_cast<unsigned>(decision.outcome), decision.reason);
  }
  if (Status s = store_->Put(decision.origin, decision.next); !s.ok()) return Answer(500, s.ToString());
  WitnessResponse r;
  r.http_status = 200;
  r.body = Cosign(key_.secret_key, name_, decision.checkpoint_body, now_s);
  return r;
}

}  // namespace shanliu::ledger
