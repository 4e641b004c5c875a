// File helpers shared by the backup writer, the checks and the restore (node/backup only).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "shanliu/node/backup.h"
#include "shanliu/node/durable_files.h"

namespace shanliu::node::backup::internal {

using node::IoError;       // shanliu/node/durable_files.h, shared with the store repair's swap
using node::SyncPath;
using node::WriteDurably;
// True if `dir` does not exist or holds nothing.
Result<bool> EmptyOrMissing(const std::filesystem::path& dir);
// Size and SHA-256 of every file directly in dir/ledger but LevelDB's LOCK and LOG files (which
// LevelDB itself rewrites when the store is merely opened), by name. Error io_error, or
// backup_digest_mismatch for an entry that is not a regular file.
Result<std::vector<FileDigest>> DigestLedgerFiles(const std::filesystem::path& dir);

}  // namespace shanliu::node::backup::internal
