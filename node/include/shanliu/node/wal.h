// A write-ahead log of small records, written and fsynced before the node acts on them
// (consensus double-sign protection). Record contents are opaque here.
//
// File layout: the 15-byte magic "shanliu/wal/v1\0", then frames:
//   u32 payload_length (big-endian, 1 .. kMaxWalRecordBytes)
//   8-byte checksum = first 8 bytes of SHA-256(u32 payload_length || payload)
//   payload
// A crash can leave the last frame torn (short, zero-filled or with a bad checksum). Replay drops
// such a tail and truncates the file to the last whole frame; damage anywhere before the last
// frame is reported as "wal_corrupt" and nothing is dropped.
#pragma once

#include <filesystem>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/status.h"

namespace shanliu::node {

inline constexpr std::string_view kWalMagic{"shanliu/wal/v1\0", 15};
inline constexpr std::size_t kWalFrameHeaderBytes = 12;
// A polka record holds a block (at most 64 MiB, the core's own limit) and its prevotes.
inline constexpr std::size_t kMaxWalRecordBytes = (64u << 20) + (1u << 20);

// The frame for one record; payload must be 1 .. kMaxWalRecordBytes bytes (asserted).
Bytes EncodeWalFrame(ByteView payload);

struct WalReplay {
  std::vector<Bytes> records;
  std::size_t valid_bytes = 0;      // length of the whole frames at the start of the input
  std::size_t torn_tail_bytes = 0;  // bytes after them that a crash left behind
};
// Decodes the frames of a WAL body (the file after the magic). Pure, so the simulator's
// in-memory WAL is decoded by exactly this code.
Result<WalReplay> DecodeWalFrames(ByteView body);

class Wal {
 public:
  // Opens or creates the WAL at path (created 0600), replays it into *replay and truncates a
  // torn tail. Errors: "wal_io" (system call failed), "wal_corrupt" (damage before the tail,
  // wrong magic).
  static Result<Wal> Open(const std::filesystem::path& path, WalReplay* replay);

  Wal(Wal&& other) noexcept;
  Wal& operator=(Wal&& other) noexcept;
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;
  ~Wal();

  // Appends the records and fsyncs once; durable when this returns ok. After a failed write
  // the WAL refuses further appends: a later frame behind a torn one would read as corruption.
  Status Append(std::span<const Bytes> records);
  Status Append(ByteView record);

  // Atomically replaces the contents with records (write a new file, fsync, rename, fsync the
  // directory): drops the records of heights already committed.
  Status Rewrite(std::span<const Bytes> records);

  const std::filesystem::path& path() const { return path_; }

 private:
  Wal(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::filesystem::path path_;
  int fd_ = -1;
  bool failed_ = false;
};

}  // namespace shanliu::node
