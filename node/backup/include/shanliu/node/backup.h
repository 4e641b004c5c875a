// Backup and restore of a node's ledger store (issue 20 part 4; docs/operator.md "Backup and
// restore", docs/decisions.md "Backups copy one snapshot and prove it by replay").
//
// A backup is a directory:
//   backup.json   the manifest (below), written last: a directory without it is no backup
//   ledger/       a fresh LevelDB holding every record of one snapshot of the store, so the copy
//                 is consistent with exactly one committed height
// A running node holds the store's LevelDB lock, so `shanliu-node backup` asks it over its
// admin socket (<data_dir>/admin.sock, mode 0600, not on the HTTP API) to copy a ReadView (a
// LevelDB snapshot); a stopped node's store is read through ledger::StoreReader (a private
// copy: the data directory is only read).
//
// Verify re-checks every file against the manifest's sizes and SHA-256 digests, then replays
// the copy with the audit (audit::RunAudit: certificates, signatures, re-execution, the whole-
// chain checks and every stored record against the replay) and compares the proved head with
// the manifest. Restore verifies a staged copy before it becomes the data directory.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shanliu/audit/audit.h"
#include "shanliu/bytes.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/status.h"

namespace shanliu::node::backup {

inline constexpr const char* kManifestFile = "backup.json";
inline constexpr const char* kLedgerDir = "ledger";
// In a data directory restored from a backup: what was restored. A validator refuses to start
// on it (it may have signed above the restored height; its votes are not in the backup) until
// the operator confirms with --restored-ok (docs/operator.md).
inline constexpr const char* kRestoredFile = "RESTORED";
inline constexpr std::uint32_t kManifestVersion = 1;
inline constexpr std::size_t kMaxManifestBytes = 1 << 20;
inline constexpr std::size_t kMaxManifestFiles = 10000;
// shanliu-node's exit status when a validator refuses to start on a restored store.
inline constexpr int kExitRestoredValidator = 5;

struct FileDigest {
  std::string path;  // relative to the backup directory: "ledger/<name>"
  std::uint64_t bytes = 0;
  Hash256 sha256{};
};

struct Manifest {
  std::uint32_t version = kManifestVersion;
  std::string chain_id;
  std::uint64_t store_format = 0;  // the store's c/format record
  std::uint64_t height = 0;        // the committed head the copy is consistent with
  Hash256 block_hash{};
  Hash256 state_root{};
  std::uint64_t log_size = 0;
  Hash256 log_root{};
  std::uint64_t records = 0;       // LevelDB records copied
  std::uint64_t created_ms = 0;    // informational: when the copy was taken
  std::string source;              // "running_node" or "stopped_store"
  std::vector<FileDigest> files;   // every file of ledger/ but LevelDB's LOCK and LOG files
};

// JSON text (one object, keys as the struct's fields, hashes lowercase hex).
std::string EncodeManifest(const Manifest& manifest);
// Errors: backup_manifest_malformed (not JSON, over kMaxManifestBytes, a field missing, of the
// wrong type or out of range, a hash not 64 hex digits, a file path outside ledger/ or repeated),
// backup_format_unsupported (another manifest version, or a store format this build does not
// write).
Result<Manifest> DecodeManifest(std::string_view text);

// A consistent set of records and the head they belong to.
struct SnapshotSource {
  pb::BlockHeader head;
  Hash256 head_hash{};
  std::string kind;  // Manifest::source
  std::function<Status(const ledger::ReadView::RecordVisitor&)> for_each;
};
SnapshotSource FromReadView(std::shared_ptr<const ledger::ReadView> view);

// Copies `source` into a fresh LevelDB in out_dir/ledger and writes the manifest last.
// out_dir is created if missing. Errors: target_not_empty (out_dir holds anything), unavailable
// (`cancel` became true: the node is stopping), the source's read errors, io_error; on any error what this call
// created in out_dir is removed.
Result<Manifest> WriteBackup(const SnapshotSource& source, const std::filesystem::path& out_dir,
                             std::uint64_t created_ms, const std::atomic<bool>* cancel = nullptr);

// A stopped node's store (its data_dir), read through a private copy. Errors as WriteBackup's
// and StoreReader::Open's (in_use: a running process holds the store).
Result<Manifest> BackupStoppedStore(const std::filesystem::path& data_dir, const std::filesystem::path& out_dir,
                                    std::uint64_t created_ms);

// The manifest of the backup in `dir`, every file checked against it. Errors: not_found (no
// manifest), backup_manifest_malformed, backup_format_unsupported, backup_digest_mismatch (a
// file missing, unlisted, or of another size or digest), io_error.
Result<Manifest> CheckBackupFiles(const std::filesystem::path& dir);

struct Proved {
  Manifest manifest;
  audit::AuditReport report;
};

// CheckBackupFiles, then the audit's replay of dir/ledger, whose head must be the manifest's.
// Errors: CheckBackupFiles's, genesis_mismatch (the backup is of another chain),
// backup_mismatch (the audit failed, or proved another head, state root or log),
// the audit's own (it could not run).
Result<Proved> VerifyBackup(const std::filesystem::path& dir, const ledger::Genesis& genesis,
                            const audit::AuditOptions& options = {});

struct RestoreOptions {
  std::filesystem::path from;      // the backup directory
  std::filesystem::path data_dir;  // the node's data_dir to create
  bool force = false;              // a non-empty data_dir is set aside (never deleted)
  std::uint64_t restored_ms = 0;   // recorded in RESTORED
  audit::AuditOptions audit;
};

struct Restored {
  Proved proved;
  std::optional<std::filesystem::path> set_aside;  // where the old data_dir went (force)
};

// Checks the backup's files, copies ledger/ into <data_dir>.restore, proves that copy by
// VerifyBackup's replay, writes RESTORED into it and renames it into place. Errors:
// target_not_empty (data_dir holds anything and not force), VerifyBackup's, in_use (a
// running node holds data_dir's store: even with force), io_error. On an error data_dir is as
// it was.
Result<Restored> RestoreBackup(const RestoreOptions& options, const ledger::Genesis& genesis);

// The RESTORED record of a data directory, if any (its JSON text).
std::optional<std::string> RestoredRecord(const std::filesystem::path& data_dir);
// Removes it durably (a validator's operator confirmed, see kRestoredFile). Error io_error.
Status ClearRestored(const std::filesystem::path& data_dir);

}  // namespace shanliu::node::backup
