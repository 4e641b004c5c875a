#include "backup_files.h"


#include <algorithm>
#include <array>
#include <fstream>

#include "shanliu/crypto/hash.h"

namespace shanliu::node::backup::internal {
namespace fs = std::filesystem;

Result<bool> EmptyOrMissing(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return true;
  if (!fs::is_directory(dir, ec)) return false;
  const bool empty = fs::is_empty(dir, ec);
  if (ec) return IoError("cannot list " + dir.string(), ec);
  return empty;
}

namespace {

bool LevelDbScratch(const std::string& name) { return name == "LOCK" || name == "LOG" || name == "LOG.old"; }

Result<FileDigest> DigestFile(const fs::path& path, std::string relative) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("io_error", "cannot read " + path.string());
  crypto::Sha256Stream sha;
  std::array<char, 1 << 16> buffer{};
  FileDigest d;
  d.path = std::move(relative);
  while (in) {
    in.read(buffer.data(), buffer.size());
    const std::streamsize got = in.gcount();
    if (got <= 0) break;
    sha.Update(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
    d.bytes += static_cast<std::uint64_t>(got);
  }
  if (in.bad()) return Status::Error("io_error", "cannot read " + path.string());
  d.sha256 = sha.Finish();
  return d;
}

}  // namespace

Result<std::vector<FileDigest>> DigestLedgerFiles(const fs::path& dir) {
  std::vector<FileDigest> out;
  std::error_code ec;
  const fs::path db = dir / kLedgerDir;
  for (const fs::directory_entry& entry : fs::directory_iterator(db, ec)) {
    const std::string name = entry.path().filename().string();
    if (LevelDbScratch(name)) continue;
    if (!entry.is_regular_file(ec) || entry.is_symlink(ec)) {
      return Status::Error("backup_digest_mismatch", "ledger/" + name + " is not a regular file");
    }
    auto d = DigestFile(entry.path(), std::string(kLedgerDir) + "/" + name);
    if (!d.ok()) return d.status();
    out.push_back(std::move(*d));
  }
  if (ec) return IoError("cannot list " + db.string(), ec);
  std::sort(out.begin(), out.end(), [](const FileDigest& a, const FileDigest& b) { return a.path < b.path; });
  return out;
}

}  // namespace shanliu::node::backup::internal
