#include "journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"

namespace shanliu::cli::import {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxJournalBytes = std::size_t{1} << 30;

Status IoError(const std::string& what, const std::filesystem::path& path) {
  return Status::Error("io_error", what + " " + path.string() + ": " + std::strerror(errno));
}

Status Corrupt(const std::filesystem::path& path, std::size_t line, const std::string& why) {
  return Status::Error("journal_corrupt", "journal " + path.string() + " line " + std::to_string(line) + ": " + why +
                                              " (move the file aside only if you know what it held)");
}

json ToJson(const JournalEntry& e) {
  return json{{"key", e.key},
              {"fields", e.fields_hex},
              {"tx_id", crypto::ToHex(e.tx_id)},
              {"envelope", crypto::ToHex(e.envelope)},
              {"expires_at_height", e.expires_at_height},
              {"expires_at_ms", e.expires_at_ms}};
}

Result<JournalEntry> FromJson(const json& j) {
  if (!j.is_object()) return Status::Error("journal_corrupt", "not an object");
  for (const char* s : {"key", "fields", "tx_id", "envelope"}) {
    if (!j.contains(s) || !j[s].is_string()) return Status::Error("journal_corrupt", std::string(s) + " is missing");
  }
  for (const char* n : {"expires_at_height", "expires_at_ms"}) {
    if (!j.contains(n) || !j[n].is_number_unsigned()) return Status::Error("journal_corrupt", std::string(n) + " is missing");
  }
  JournalEntry e;
  e.key = j["key"].get<std::string>();
  e.fields_hex = j["fields"].get<std::string>();
  auto id = crypto::Hash256FromHex(j["tx_id"].get<std::string>());
  auto envelope = crypto::FromHex(j["envelope"].get<std::string>());
  if (!id.ok() || !envelope.ok() || envelope->empty()) return Status::Error("journal_corrupt", "bad hex");
  e.tx_id = *id;
  e.envelope = std::move(*envelope);
  e.expires_at_height = j["expires_at_height"].get<std::uint64_t>();
  e.expires_at_ms = j["expires_at_ms"].get<std::uint64_t>();
  return e;
}

Status WriteAll(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return IoError("cannot write", path);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Journal>> Journal::Open(const std::filesystem::path& directory) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) return Status::Error("io_error", "cannot create the journal directory " + directory.string() + ": " + ec.message());
  const std::filesystem::path file = directory / kJournalFileName;
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("cannot open the journal", file);
  std::unique_ptr<Journal> journal(new Journal(fd, file));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    return Status::Error("journal_busy", "another shanliu process is using the journal " + file.string());
  }
  SHANLIU_RETURN_IF_ERROR(journal->Load());
  return journal;
}

Journal::~Journal() { ::close(fd_); }  // closing releases the flock

Status Journal::Load() {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return IoError("cannot stat", file_);
  if (static_cast<std::size_t>(st.st_size) > kMaxJournalBytes) {
    return Status::Error("journal_corrupt", "journal " + file_.string() + " is over 1 GiB: start a new --journal DIR");
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::pread(fd_, text.data() + got, text.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return IoError("cannot read", file_);
    got += static_cast<std::size_t>(n);
  }
  std::size_t start = 0;
  std::size_t line = 1;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1, ++line) {
    json j = json::parse(std::string_view(text).substr(start, end - start), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Corrupt(file_, line, "not JSON");
    auto entry = FromJson(j);
    if (!entry.ok()) return Corrupt(file_, line, entry.status().message());
    std::string key = entry->key;
    entries_[key] = std::move(*entry);
  }
  // Bytes after the last newline are an append a crash cut short: its envelope was never
  // submitted (entries are synced before submission), so dropping it loses nothing.
  if (start < text.size() && ::ftruncate(fd_, static_cast<off_t>(start)) != 0) return IoError("cannot truncate", file_);
  if (::lseek(fd_, 0, SEEK_END) < 0) return IoError("cannot seek", file_);
  return Status::Ok();
}

const JournalEntry* Journal::Find(std::string_view key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

Status Journal::Append(const std::vector<JournalEntry>& entries) {
  std::string text;
  for (const JournalEntry& e : entries) {
    assert(!e.key.empty() && !e.envelope.empty());
    text += ToJson(e).dump() + "\n";
  }
  SHANLIU_RETURN_IF_ERROR(WriteAll(fd_, text, file_));
  if (::fsync(fd_) != 0) return IoError("cannot sync", file_);
  for (const JournalEntry& e : entries) entries_[e.key] = e;
  return Status::Ok();
}

std::string FieldsDigest(const pb::TxBody& body, const std::vector<crypto::PublicKey>& signers) {
  pb::TxBody what = body;
  what.clear_nonce();
  what.clear_created_at_ms();
  what.clear_expires_at_height();
  what.clear_expires_at_ms();
  std::string bytes;
  const bool ok = what.SerializePartialToString(&bytes);
  assert(ok);
  (void)ok;
  crypto::Sha256Stream h;
  h.Update(std::string_view("shanliu/idempotency-fields/v1"));
  h.Update(std::string_view("\0", 1));
  for (const crypto::PublicKey& k : signers) h.Update(ByteView(k));
  h.Update(bytes);
  return crypto::ToHex(h.Finish());
}

std::uint64_t DeterministicNonce(std::string_view key, std::string_view fields_hex) {
  crypto::Sha256Stream h;
  h.Update(std::string_view("shanliu/idempotency-nonce/v1"));
  h.Update(std::string_view("\0", 1));
  h.Update(key);
  h.Update(std::string_view("\0", 1));
  h.Update(fields_hex);
  const Hash256 digest = h.Finish();
  return ReadU64(digest);
}

KeyCheck CheckJournalKey(const JournalEntry* entry, std::string_view fields_hex) {
  if (entry == nullptr) return KeyCheck::kNew;
  return entry->fields_hex == fields_hex ? KeyCheck::kSameFields : KeyCheck::kConflict;
}

bool CanStillCommit(const JournalEntry& entry, std::uint64_t head_height, std::uint64_t head_time_ms) {
  // A block at height h includes the tx only if h <= expires_at_height and its time <=
  // expires_at_ms; the next block is at head_height + 1 with a time strictly after the head's.
  return head_height < entry.expires_at_height && head_time_ms < entry.expires_at_ms;
}

}  // namespace shanliu::cli::import
