// The idempotency journal (docs/cli.md "Safe retries", docs/decisions.md): a local, append-only
// file mapping an idempotency key to the exact signed envelope made for it, so a retry after a
// timeout or a crash resubmits the SAME tx (same id) instead of signing a second one.
//
// One process at a time: Open takes an exclusive flock on the file, held until the Journal is
// destroyed; a second process gets "journal_busy". Entries are appended and fsync'd before the
// envelope they hold is submitted, so a crash can lose a submission but never forget one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/pb/shanliu.pb.h"
#include "shanliu/status.h"

namespace shanliu::cli::import {

inline constexpr const char* kJournalFileName = "shanliu-journal.jsonl";

struct JournalEntry {
  std::string key;         // the idempotency key (or an import's row key)
  std::string fields_hex;  // FieldsDigest of what the tx books
  Hash256 tx_id{};
  Bytes envelope;          // exactly as signed and submitted
  std::uint64_t expires_at_height = 0;
  std::uint64_t expires_at_ms = 0;
};

class Journal {
 public:
  // Creates `directory` (0700) and the journal file in it if missing, locks and loads it. A
  // final line cut short by a crash is dropped (the file is truncated to the last whole line);
  // any other line that does not parse is "journal_corrupt" naming the line.
  static Result<std::unique_ptr<Journal>> Open(const std::filesystem::path& directory);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // The latest entry for `key` (a later line for a key replaces an earlier one), or null.
  const JournalEntry* Find(std::string_view key) const;
  // Appends every entry as one line each and fsyncs; on success they are visible to Find.
  Status Append(const std::vector<JournalEntry>& entries);
  std::size_t size() const { return entries_.size(); }
  const std::filesystem::path& file() const { return file_; }

 private:
  Journal(int fd, std::filesystem::path file) : fd_(fd), file_(std::move(file)) {}
  Status Load();
  int fd_;
  std::filesystem::path file_;
  std::map<std::string, JournalEntry, std::less<>> entries_;
};

// SHA-256 (hex) over what a tx books: its chain id, its payload and its signers' public keys.
// The nonce, creation time and expiries are left out: they are what differs between retries.
std::string FieldsDigest(const pb::TxBody& body, const std::vector<crypto::PublicKey>& signers);

// A nonce derived from the key and the fields, so even a fresh envelope made after an old one
// expired is recognisably the same request (the id still differs: the expiry is signed).
std::uint64_t DeterministicNonce(std::string_view key, std::string_view fields_hex);

enum class KeyCheck { kNew, kSameFields, kConflict };
KeyCheck CheckJournalKey(const JournalEntry* entry, std::string_view fields_hex);

// Whether a journalled tx that the node does not hold as committed can still commit, judged
// against the node's committed head: blocks only move forward in height and time, so once the
// head is past either expiry bound no later block can include it, and a fresh envelope cannot
// book the request twice.
bool CanStillCommit(const JournalEntry& entry, std::uint64_t head_height, std::uint64_t head_time_ms);

}  // namespace shanliu::cli::import
