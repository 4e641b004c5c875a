// File helpers shared by the backup writer, the checks and the restore (node/backup only).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "shanliu/node/backup.h"

namespace shanliu::node::backup::internal {

Status IoError(const std::string& what, const std::error_code& ec);
// fsync of a file or a directory (a rename is durable once its parent directory is synced).
Status SyncPath(const std::filesystem::path& path);
// Writes `text` to `path` through a temp file and a rename, both synced.
Status WriteDurably(const std::filesystem::path& path, const std::string& text);
// True if `dir` does not exist or holds nothing.
Result<bool> EmptyOrMissing(const std::filesystem::path& dir);
// Size and SHA-256 of every file directly in dir/ledger but LevelDB's LOCK and LOG files (which
// LevelDB itself rewrites when the store is merely opened), by name. Error io_error, or
// backup_digest_mismatch for an entry that is not a regular file.
Result<std::vector<FileDigest>> DigestLedgerFiles(const std::filesystem::path& dir);

}  // namespace shanliu::node::backup::internal
