#include "shanliu/node/durable_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>

namespace shanliu::node {
namespace fs = std::filesystem;

Status IoError(const std::string& what, const std::error_code& ec) {
  return Status::Error("io_error", what + ": " + ec.message());
}

Status SyncPath(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Error("io_error", "cannot open " + path.string() + " to sync it");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::Error("io_error", "cannot sync " + path.string());
  return Status::Ok();
}

Status WriteDurably(const fs::path& path, const std::string& text) {
  const fs::path temp = path.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return Status::Error("io_error", "cannot write " + temp.string());
  }
  SHANLIU_RETURN_IF_ERROR(SyncPath(temp));
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) return IoError("cannot rename " + temp.string(), ec);
  return SyncPath(path.parent_path());
}

}  // namespace shanliu::node
