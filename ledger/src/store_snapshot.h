// The read-only side of StoreReader (issue 15): LevelDB has no read-only open — opening a
// directory replays its .log into a new table, writes a new MANIFEST and may compact, and
// without paranoid_checks it silently drops damaged log records. An auditor must never change
// what it audits, so StoreReader opens a private copy: table files (immutable once written)
// hard-linked, or copied when links are impossible; CURRENT, MANIFEST-*, *.log copied. The
// original directory is only read, under its LevelDB lock so a running node cannot write to
// it mid-copy (docs/decisions.md, "Audits open a private copy").
#pragma once

#include <leveldb/env.h>

#include <cstdarg>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "shanliu/status.h"

namespace shanliu::ledger::internal {

// Copies `db_path` into a fresh directory under the system temp dir and returns its path.
// Errors: "in_use" (another process or handle holds the store's lock), "io_error".
Result<std::filesystem::path> CopyStoreForReading(const std::filesystem::path& db_path);

// The first table file (*.ldb, *.sst) in `dir` that fails its checksums when read end to end,
// as "NNNNNN.ldb (<LevelDB status>, first damaged entry after key K)", or nothing.
std::optional<std::string> FindDamagedTable(const std::filesystem::path& dir);

// Keeps what LevelDB reports about damaged records while it opens a store (with
// paranoid_checks the open then fails; these lines name the damaged file).
class DamageLog final : public leveldb::Logger {
 public:
  void Logv(const char* format, std::va_list ap) override;
  std::vector<std::string> lines() const;

 private:
  mutable std::mutex mutex_;  // LevelDB logs from its background thread too
  std::vector<std::string> lines_;
};

}  // namespace shanliu::ledger::internal
