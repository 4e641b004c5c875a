#include "shanliu/node/wal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>

#include "shanliu/crypto/hash.h"

namespace shanliu::node {
namespace {

using Checksum = std::array<std::uint8_t, 8>;

Checksum FrameChecksum(std::uint32_t length, ByteView payload) {
  crypto::Sha256Stream sha;
  Bytes length_bytes;
  AppendU32(length_bytes, length);
  sha.Update(length_bytes);
  sha.Update(payload);
  const Hash256 digest = sha.Finish();
  Checksum out;
  std::copy_n(digest.begin(), out.size(), out.begin());
  return out;
}

std::uint32_t ReadU32(ByteView in) {
  assert(in.size() >= 4);
  return (std::uint32_t{in[0]} << 24) | (std::uint32_t{in[1]} << 16) | (std::uint32_t{in[2]} << 8) | in[3];
}

bool AllZero(ByteView bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

Status IoError(const std::string& what, const std::filesystem::path& path) {
  return Status::Error("wal_io", what + " " + path.string() + ": " + std::strerror(errno));
}

Status WriteAll(int fd, ByteView data, const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("write", path);
    }
    done += static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

Status SyncDirectory(const std::filesystem::path& path) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("open directory", dir);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return IoError("fsync directory", dir);
  return Status::Ok();
}

Result<Bytes> ReadWholeFile(int fd, const std::filesystem::path& path) {
  Bytes data;
  std::uint8_t buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("read", path);
    }
    if (n == 0) break;
    data.insert(data.end(), buffer, buffer + n);
  }
  return data;
}

Status CheckRecordSizes(std::span<const Bytes> records) {
  for (const Bytes& record : records) {
    if (record.empty() || record.size() > kMaxWalRecordBytes) {
      return Status::Error("wal_record_too_large", "WAL records must be 1.." + std::to_string(kMaxWalRecordBytes) +
                                                       " bytes, got " + std::to_string(record.size()));
    }
  }
  return Status::Ok();
}

// Writes magic + frames to a fresh file at path and fsyncs it.
Status WriteNewFile(const std::filesystem::path& path, std::span<const Bytes> records) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("create", path);
  Bytes contents;
  AppendRaw(contents, AsBytes(kWalMagic));
  for (const Bytes& record : records) AppendRaw(contents, EncodeWalFrame(record));
  Status status = WriteAll(fd, contents, path);
  if (status.ok() && ::fsync(fd) != 0) status = IoError("fsync", path);
  ::close(fd);
  return status;
}

}  // namespace

Bytes EncodeWalFrame(ByteView payload) {
  assert(!payload.empty() && payload.size() <= kMaxWalRecordBytes);
  const auto length = static_cast<std::uint32_t>(payload.size());
  Bytes frame;
  frame.reserve(kWalFrameHeaderBytes + payload.size());
  AppendU32(frame, length);
  AppendRaw(frame, FrameChecksum(length, payload));
  AppendRaw(frame, payload);
  return frame;
}

Result<WalReplay> DecodeWalFrames(ByteView body) {
  WalReplay replay;
  std::size_t offset = 0;
  auto torn = [&](std::size_t at) {
    replay.valid_bytes = at;
    replay.torn_tail_bytes = body.size() - at;
    return replay;
  };
  while (offset < body.size()) {
    const ByteView rest = body.subspan(offset);
    if (rest.size() < kWalFrameHeaderBytes) return torn(offset);
    const std::uint32_t length = ReadU32(rest);
    if (length == 0 || length > kMaxWalRecordBytes) {
      // Filesystems may extend a file with zeros before the data lands; anything else here is damage.
      if (AllZero(rest)) return torn(offset);
      return Status::Error(
          "wal_corrupt", "impossible record length " + std::to_string(length) + " at offset " + std::to_string(offset));
    }
    if (rest.size() < kWalFrameHeaderBytes + length) return torn(offset);
    const ByteView payload = rest.subspan(kWalFrameHeaderBytes, length);
    const Checksum expected = FrameChecksum(length, payload);
    if (!std::equal(expected.begin(), expected.end(), rest.begin() + 4)) {
      if (rest.size() == kWalFrameHeaderBytes + length) return torn(offset);
      return Status::Error("wal_corrupt", "checksum mismatch in the record at offset " + std::to_string(offset) +
                                              " with " + std::to_string(rest.size() - kWalFrameHeaderBytes - length) +
                                              " bytes after it");
    }
    replay.records.emplace_back(payload.begin(), payload.end());
    offset += kWalFrameHeaderBytes + length;
  }
  replay.valid_bytes = offset;
  return replay;
}

Result<Wal> Wal::Open(const std::filesystem::path& path, WalReplay* replay) {
  assert(replay != nullptr);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("open", path);
  Wal wal(path, fd);  // closes fd on every early return
  auto data = ReadWholeFile(fd, path);
  if (!data.ok()) return data.status();
  const ByteView bytes = *data;
  const ByteView magic = AsBytes(kWalMagic);
  if (bytes.size() < magic.size() && std::equal(bytes.begin(), bytes.end(), magic.begin())) {
    // New, or a crash while it was being created: nothing was ever recorded in it.
    if (::ftruncate(fd, 0) != 0) return IoError("truncate", path);
    if (::lseek(fd, 0, SEEK_SET) < 0) return IoError("seek", path);
    SHANLIU_RETURN_IF_ERROR(WriteAll(fd, magic, path));
    if (::fsync(fd) != 0) return IoError("fsync", path);
    SHANLIU_RETURN_IF_ERROR(SyncDirectory(path));
    *replay = WalReplay{};
  } else {
    if (!std::equal(magic.begin(), magic.end(), bytes.begin())) {
      return Status::Error("wal_corrupt", path.string() + " does not start with the WAL magic");
    }
    auto decoded = DecodeWalFrames(bytes.subspan(magic.size()));
    if (!decoded.ok()) return Status::Error(decoded.status().code(), path.string() + ": " + decoded.status().message());
    *replay = std::move(*decoded);
    if (replay->torn_tail_bytes > 0) {
      if (::ftruncate(fd, static_cast<off_t>(magic.size() + replay->valid_bytes)) != 0) {
        return IoError("truncate", path);
      }
      if (::fsync(fd) != 0) return IoError("fsync", path);
    }
  }
  if (::lseek(fd, 0, SEEK_END) < 0) return IoError("seek", path);
  return wal;
}

Wal::Wal(Wal&& other) noexcept : path_(std::move(other.path_)), fd_(other.fd_), failed_(other.failed_) {
  other.fd_ = -1;
}

Wal& Wal::operator=(Wal&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = other.fd_;
    failed_ = other.failed_;
    other.fd_ = -1;
  }
  return *this;
}

Wal::~Wal() {
  if (fd_ >= 0) ::close(fd_);
}

Status Wal::Append(std::span<const Bytes> records) {
  assert(fd_ >= 0);
  if (failed_) return Status::Error("wal_io", path_.string() + ": an earlier write failed; reopen the WAL");
  SHANLIU_RETURN_IF_ERROR(CheckRecordSizes(records));
  Bytes frames;
  for (const Bytes& record : records) AppendRaw(frames, EncodeWalFrame(record));
  Status status = WriteAll(fd_, frames, path_);
  if (status.ok() && ::fdatasync(fd_) != 0) status = IoError("fdatasync", path_);
  if (!status.ok()) failed_ = true;
  return status;
}

Status Wal::Append(ByteView record) {
  const Bytes copy(record.begin(), record.end());
  return Append(std::span<const Bytes>(&copy, 1));
}

Status Wal::Rewrite(std::span<const Bytes> records) {
  assert(fd_ >= 0);
  SHANLIU_RETURN_IF_ERROR(CheckRecordSizes(records));
  std::filesystem::path temporary = path_;
  temporary += ".rewrite";
  SHANLIU_RETURN_IF_ERROR(WriteNewFile(temporary, records));
  if (::rename(temporary.c_str(), path_.c_str()) != 0) return IoError("rename onto", path_);
  SHANLIU_RETURN_IF_ERROR(SyncDirectory(path_));
  const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    failed_ = true;
    return IoError("reopen", path_);
  }
  ::close(fd_);
  fd_ = fd;
  failed_ = false;
  return Status::Ok();
}

}  // namespace shanliu::node
