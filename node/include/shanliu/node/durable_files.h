// Writes that survive a crash, shared by the store repair's swap and backup/restore.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>

#include "shanliu/status.h"

namespace shanliu::node {

// "io_error" naming what failed and the OS's reason.
Status IoError(const std::string& what, const std::error_code& ec);
// fsync of a file or a directory (a rename is durable once its parent directory is synced).
Status SyncPath(const std::filesystem::path& path);
// Replaces `path` with `text` atomically: written to `path`.tmp, synced, renamed over `path`,
// and the directory synced, so a crash leaves the old file or the new one, never half of one.
Status WriteDurably(const std::filesystem::path& path, const std::string& text);

}  // namespace shanliu::node
