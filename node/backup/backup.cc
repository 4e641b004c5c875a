// Writing a backup and proving one (shanliu/node/backup.h).
#include "shanliu/node/backup.h"

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "backup_files.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/store_format.h"
#include "shanliu/ledger/store_reader.h"

namespace shanliu::node::backup {
namespace fs = std::filesystem;
using internal::IoError;

namespace {

// The store's format record and its chain head (ledger/src/state_keys.h, ledger.cc).
constexpr std::string_view kFormatKey = "c/format";
// Records are written in batches of about this many bytes: big enough to be cheap, small
// enough that a backup of a large store never holds much of it in memory.
constexpr std::size_t kBatchBytes = 4 << 20;

Hash256 HashOf(const std::string& bytes) {
  Hash256 h{};
  if (bytes.size() == h.size()) std::memcpy(h.data(), bytes.data(), h.size());
  return h;
}

// Copies every record into a new LevelDB at `db_path` (which must not exist). Sets *records and
// *format (the c/format record, 0 if absent).
Status CopyRecords(const SnapshotSource& source, const fs::path& db_path, const std::atomic<bool>* cancel,
                   std::uint64_t* records, std::uint64_t* format) {
  leveldb::Options options;
  options.create_if_missing = true;
  options.error_if_exists = true;
  options.compression = leveldb::kNoCompression;  // as the ledger writes it (LedgerOptions::compress)
  options.write_buffer_size = 32 << 20;
  leveldb::DB* raw = nullptr;
  leveldb::Status opened = leveldb::DB::Open(options, db_path.string(), &raw);
  if (!opened.ok()) return Status::Error("io_error", "cannot create " + db_path.string() + ": " + opened.ToString());
  std::unique_ptr<leveldb::DB> db(raw);
  leveldb::WriteBatch batch;
  const auto flush = [&](bool sync) -> Status {
    leveldb::WriteOptions wo;
    wo.sync = sync;
    leveldb::Status s = db->Write(wo, &batch);
    batch.Clear();
    if (!s.ok()) return Status::Error("io_error", "writing the backup failed: " + s.ToString());
    return Status::Ok();
  };
  Status visited = source.for_each([&](std::string_view key, std::string_view value) -> Status {
    if (cancel && cancel->load()) return Status::Error("unavailable", "the backup was cancelled: the node is stopping");
    if (key == kFormatKey && value.size() == 8) *format = ReadU64(AsBytes(value));
    batch.Put(leveldb::Slice(key.data(), key.size()), leveldb::Slice(value.data(), value.size()));
    ++*records;
    return batch.ApproximateSize() >= kBatchBytes ? flush(false) : Status::Ok();
  });
  SHANLIU_RETURN_IF_ERROR(visited);
  return flush(true);  // the last batch synced: LevelDB's log then holds every record durably
}

Result<Manifest> WriteInto(const SnapshotSource& source, const fs::path& out_dir, std::uint64_t created_ms,
                           const std::atomic<bool>* cancel) {
  Manifest m;
  m.chain_id = source.head.chain_id();
  m.height = source.head.height();
  m.block_hash = source.head_hash;
  m.state_root = HashOf(source.head.state_root());
  m.log_size = source.head.log_size();
  m.log_root = HashOf(source.head.log_root());
  m.created_ms = created_ms;
  m.source = source.kind;
  SHANLIU_RETURN_IF_ERROR(CopyRecords(source, out_dir / kLedgerDir, cancel, &m.records, &m.store_format));
  if (m.store_format != ledger::kLedgerStoreFormat) {
    return Status::Error("storage_corrupt", "the store's format record is missing or not format " +
                                                std::to_string(ledger::kLedgerStoreFormat));
  }
  auto files = internal::DigestLedgerFiles(out_dir);
  if (!files.ok()) return files.status();
  m.files = std::move(*files);
  SHANLIU_RETURN_IF_ERROR(internal::SyncPath(out_dir / kLedgerDir));
  SHANLIU_RETURN_IF_ERROR(internal::WriteDurably(out_dir / kManifestFile, EncodeManifest(m)));  // last
  return m;
}

}  // namespace

SnapshotSource FromReadView(std::shared_ptr<const ledger::ReadView> view) {
  SnapshotSource source;
  source.head = view->head();
  source.head_hash = view->head_hash();
  source.kind = "running_node";
  source.for_each = [view](const ledger::ReadView::RecordVisitor& visit) { return view->ForEachRecord(visit); };
  return source;
}

Result<Manifest> WriteBackup(const SnapshotSource& source, const fs::path& out_dir, std::uint64_t created_ms,
                             const std::atomic<bool>* cancel) {
  auto empty = internal::EmptyOrMissing(out_dir);
  if (!empty.ok()) return empty.status();
  if (!*empty) {
    return Status::Error("target_not_empty", "the backup directory " + out_dir.string() +
                                                  " is not empty: give a new or empty directory");
  }
  std::error_code ec;
  const bool created = !fs::exists(out_dir, ec);
  fs::create_directories(out_dir, ec);
  if (ec) return IoError("cannot create " + out_dir.string(), ec);
  auto written = WriteInto(source, out_dir, created_ms, cancel);
  if (!written.ok()) {  // leave nothing that could pass for a backup
    fs::remove(out_dir / kManifestFile, ec);
    fs::remove_all(out_dir / kLedgerDir, ec);
    if (created) fs::remove_all(out_dir, ec);
  }
  return written;
}

Result<Manifest> BackupStoppedStore(const fs::path& data_dir, const fs::path& out_dir, std::uint64_t created_ms) {
  auto reader = ledger::StoreReader::Open(data_dir);
  if (!reader.ok()) return reader.status();
  const ledger::StoreReader& store = **reader;
  auto head_height = store.HeadHeight();
  if (!head_height.ok()) return head_height.status();
  auto head = store.CommittedBlockAt(*head_height);
  if (!head.ok()) return head.status();
  SnapshotSource source;
  source.head = head->block().header();
  auto hash = ledger::BlockHash(source.head);
  if (!hash.ok()) return hash.status();
  source.head_hash = *hash;
  source.kind = "stopped_store";
  // No process writes to the reader's private copy, so every record belongs to this head.
  source.for_each = [&store](const ledger::ReadView::RecordVisitor& visit) { return store.ForEachRecord(visit); };
  return WriteBackup(source, out_dir, created_ms);
}

Result<Manifest> CheckBackupFiles(const fs::path& dir) {
  const fs::path path = dir / kManifestFile;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return Status::Error("not_found", "no backup in " + dir.string() + " (" + kManifestFile + " is missing)");
  }
  if (fs::file_size(path, ec) > kMaxManifestBytes) {
    return Status::Error("backup_manifest_malformed", path.string() + " is over " +
                                                          std::to_string(kMaxManifestBytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::Error("io_error", "cannot read " + path.string());
  auto manifest = DecodeManifest(text);
  if (!manifest.ok()) return manifest.status();
  auto found = internal::DigestLedgerFiles(dir);
  if (!found.ok()) return found.status();
  for (const FileDigest& want : manifest->files) {
    auto it = std::find_if(found->begin(), found->end(), [&](const FileDigest& f) { return f.path == want.path; });
    if (it == found->end()) return Status::Error("backup_digest_mismatch", want.path + " is missing");
    if (it->bytes != want.bytes || it->sha256 != want.sha256) {
      return Status::Error("backup_digest_mismatch", want.path + " is " + std::to_string(it->bytes) + " bytes, sha256 " +
                                                         crypto::ToHex(it->sha256) + "; the manifest says " +
                                                         std::to_string(want.bytes) + " bytes, sha256 " +
                                                         crypto::ToHex(want.sha256));
    }
  }
  if (found->size() != manifest->files.size()) {
    for (const FileDigest& f : *found) {
      const auto listed = [&](const FileDigest& m) { return m.path == f.path; };
      if (std::none_of(manifest->files.begin(), manifest->files.end(), listed)) {
        return Status::Error("backup_digest_mismatch", f.path + " is not in the manifest");
      }
    }
  }
  return manifest;
}

namespace {

// What the replay proved against what the manifest claims: "" when they agree.
std::string Disagreement(const Manifest& m, const audit::AuditReport& r) {
  std::ostringstream out;
  if (r.head_height != m.height) out << "height " << r.head_height << " (manifest " << m.height << ") ";
  if (r.head_hash_hex != crypto::ToHex(m.block_hash)) out << "block " << r.head_hash_hex << " ";
  if (r.state_root_hex != crypto::ToHex(m.state_root)) out << "state root " << r.state_root_hex << " ";
  if (r.log_size != m.log_size || r.log_root_hex != crypto::ToHex(m.log_root)) {
    out << "log " << r.log_size << "/" << r.log_root_hex << " ";
  }
  return out.str();
}

}  // namespace

Result<Proved> VerifyBackup(const fs::path& dir, const ledger::Genesis& genesis, const audit::AuditOptions& options) {
  auto manifest = CheckBackupFiles(dir);
  if (!manifest.ok()) return manifest.status();
  if (manifest->chain_id != genesis.chain_id) {
    return Status::Error("genesis_mismatch", "the backup is of chain '" + manifest->chain_id + "', the genesis of '" +
                                                 genesis.chain_id + "'");
  }
  auto source = audit::OpenDataDirSource(dir);  // a private copy: the backup stays as it is
  if (!source.ok()) return source.status();
  auto report = audit::RunAudit(**source, genesis, options);
  if (!report.ok()) return report.status();
  if (report->failure) {
    const audit::AuditFailure& f = *report->failure;
    return Status::Error("backup_mismatch", "the backup does not replay: check " + f.check + " at height " +
                                                std::to_string(f.height) + ": " + f.message);
  }
  if (const std::string differs = Disagreement(*manifest, *report); !differs.empty()) {
    return Status::Error("backup_mismatch", "the replay proved " + differs + "— not the manifest's head");
  }
  return Proved{std::move(*manifest), std::move(*report)};
}

}  // namespace shanliu::node::backup
