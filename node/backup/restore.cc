// Restoring a backup into a data directory (shanliu/node/backup.h).
//
// Order, each step durable before the next, so a crash anywhere leaves data_dir as it was or
// fully restored: stage <data_dir>.restore (copy, prove by replay, RESTORED), set the old
// data_dir aside (force only; never deleted), rename the stage into place.
#include <leveldb/env.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "backup_files.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/node/backup.h"

namespace shanliu::node::backup {
namespace fs = std::filesystem;
using internal::IoError;

namespace {

fs::path StageDirFor(const fs::path& data_dir) { return data_dir.string() + ".restore"; }

fs::path FreeAsideName(const fs::path& data_dir, std::uint64_t height) {
  const std::string base = data_dir.string() + ".before-restore-" + std::to_string(height);
  fs::path candidate = base;
  std::error_code ec;
  for (int n = 2; fs::exists(candidate, ec); ++n) candidate = base + "-" + std::to_string(n);
  return candidate;
}

// in_use if a process holds the LevelDB lock of data_dir's store (a running node).
Status NotInUse(const fs::path& data_dir) {
  const fs::path lock = data_dir / kLedgerDir / "LOCK";
  std::error_code ec;
  if (!fs::exists(lock, ec)) return Status::Ok();
  leveldb::FileLock* held = nullptr;
  leveldb::Status s = leveldb::Env::Default()->LockFile(lock.string(), &held);
  if (!s.ok()) {
    return Status::Error("in_use", "a running process holds the store in " + data_dir.string() +
                                       ": stop the node before restoring over it");
  }
  (void)leveldb::Env::Default()->UnlockFile(held);
  return Status::Ok();
}

// The backup's ledger files into stage/ledger, each synced.
Status CopyLedger(const Manifest& manifest, const fs::path& from, const fs::path& stage) {
  std::error_code ec;
  fs::create_directories(stage / kLedgerDir, ec);
  if (ec) return IoError("cannot create " + (stage / kLedgerDir).string(), ec);
  for (const FileDigest& f : manifest.files) {
    fs::copy_file(from / f.path, stage / f.path, ec);
    if (ec) return IoError("cannot copy " + (from / f.path).string(), ec);
    SHANLIU_RETURN_IF_ERROR(internal::SyncPath(stage / f.path));
  }
  SHANLIU_RETURN_IF_ERROR(internal::SyncPath(stage / kLedgerDir));
  return internal::SyncPath(stage);
}

std::string RestoredText(const RestoreOptions& options, const Manifest& m) {
  const nlohmann::json o = {{"height", m.height},
                            {"block_hash", crypto::ToHex(m.block_hash)},
                            {"state_root", crypto::ToHex(m.state_root)},
                            {"from", fs::absolute(options.from).string()},
                            {"restored_ms", options.restored_ms}};
  return o.dump() + "\n";
}

// Stages and proves the copy; the caller swaps it in.
Result<Proved> Stage(const RestoreOptions& options, const ledger::Genesis& genesis, const fs::path& stage) {
  auto manifest = CheckBackupFiles(options.from);
  if (!manifest.ok()) return manifest.status();
  std::error_code ec;
  fs::remove_all(stage, ec);  // an earlier restore's leftovers: never the data directory itself
  if (ec) return IoError("cannot clear " + stage.string(), ec);
  SHANLIU_RETURN_IF_ERROR(CopyLedger(*manifest, options.from, stage));
  // The manifest travels with the copy: the proof below is of the bytes that will be used.
  fs::copy_file(options.from / kManifestFile, stage / kManifestFile, ec);
  if (ec) return IoError("cannot copy the manifest", ec);
  auto proved = VerifyBackup(stage, genesis, options.audit);
  if (!proved.ok()) return proved.status();
  fs::remove(stage / kManifestFile, ec);
  SHANLIU_RETURN_IF_ERROR(internal::WriteDurably(stage / kRestoredFile, RestoredText(options, proved->manifest)));
  return proved;
}

}  // namespace

Result<Restored> RestoreBackup(const RestoreOptions& options, const ledger::Genesis& genesis) {
  auto empty = internal::EmptyOrMissing(options.data_dir);
  if (!empty.ok()) return empty.status();
  if (!*empty && !options.force) {
    return Status::Error("target_not_empty", "the data directory " + options.data_dir.string() +
                                                  " is not empty: restore into a new directory, or give --force to "
                                                  "set the old one aside");
  }
  if (!*empty) SHANLIU_RETURN_IF_ERROR(NotInUse(options.data_dir));
  const fs::path stage = StageDirFor(options.data_dir);
  auto proved = Stage(options, genesis, stage);
  std::error_code ec;
  if (!proved.ok()) {
    fs::remove_all(stage, ec);
    return proved.status();
  }
  Restored out{std::move(*proved), std::nullopt};
  if (fs::exists(options.data_dir, ec)) {
    if (*empty) {
      fs::remove(options.data_dir, ec);  // an empty directory: nothing to keep
    } else {
      out.set_aside = FreeAsideName(options.data_dir, out.proved.manifest.height);
      fs::rename(options.data_dir, *out.set_aside, ec);
    }
    if (ec) return IoError("cannot move " + options.data_dir.string() + " aside", ec);
  }
  fs::rename(stage, options.data_dir, ec);
  if (ec) return IoError("cannot rename " + stage.string() + " to " + options.data_dir.string(), ec);
  SHANLIU_RETURN_IF_ERROR(internal::SyncPath(fs::absolute(options.data_dir).parent_path()));
  return out;
}

std::optional<std::string> RestoredRecord(const fs::path& data_dir) {
  std::ifstream in(data_dir / kRestoredFile, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Status ClearRestored(const fs::path& data_dir) {
  std::error_code ec;
  fs::remove(data_dir / kRestoredFile, ec);
  if (ec) return IoError("cannot remove " + (data_dir / kRestoredFile).string(), ec);
  return internal::SyncPath(data_dir);
}

}  // namespace shanliu::node::backup
