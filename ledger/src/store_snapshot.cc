#include "store_snapshot.h"

#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/table.h>
#include <stdlib.h>

#include <cstdarg>
#include <algorithm>
#include <cstdio>
#include <memory>

#include "shanliu/ledger/state_view.h"

namespace shanliu::ledger::internal {
namespace {

bool IsTableFile(const std::filesystem::path& p) { return p.extension() == ".ldb" || p.extension() == ".sst"; }

// LOCK is LevelDB's own; LOG and LOG.old are its text diagnostics: none is part of the data.
bool IsCopied(const std::filesystem::path& p) {
  const std::string name = p.filename().string();
  return name != "LOCK" && name != "LOG" && name != "LOG.old";
}

Status CopyFiles(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(from, ec)) {
    if (!entry.is_regular_file() || !IsCopied(entry.path())) continue;
    const std::filesystem::path target = to / entry.path().filename();
    bool linked = false;
    if (IsTableFile(entry.path())) {
      std::error_code link_ec;
      std::filesystem::create_hard_link(entry.path(), target, link_ec);
      linked = !link_ec;
    }
    if (!linked) std::filesystem::copy_file(entry.path(), target, ec);
    if (ec) return Status::Error("io_error", "cannot copy " + entry.path().string() + ": " + ec.message());
  }
  if (ec) return Status::Error("io_error", "cannot list " + from.string() + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

Result<std::filesystem::path> CopyStoreForReading(const std::filesystem::path& db_path) {
  leveldb::Env* env = leveldb::Env::Default();
  leveldb::FileLock* lock = nullptr;
  // A store without a LOCK file was never opened by LevelDB: nothing can be writing to it, and
  // taking the lock would create the file.
  const bool lockable = std::filesystem::exists(db_path / "LOCK");
  if (lockable) {
    leveldb::Status s = env->LockFile((db_path / "LOCK").string(), &lock);
    if (!s.ok()) {
      return Status::Error("in_use", "the ledger database in " + db_path.string() +
                                         " is in use (a running node holds its LevelDB lock): stop the node, audit "
                                         "a copy of the directory, or audit through --node URL [" + s.ToString() + "]");
    }
  }
  struct Unlock {
    leveldb::Env* env;
    leveldb::FileLock* lock;
    ~Unlock() {
      if (lock) env->UnlockFile(lock);
    }
  } unlock{env, lock};
  std::string pattern = (std::filesystem::temp_directory_path() / "shanliu-store-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return Status::Error("io_error", "cannot create a temp directory");
  const std::filesystem::path copy(pattern);
  if (Status s = CopyFiles(db_path, copy); !s.ok()) {
    std::error_code ignored;
    std::filesystem::remove_all(copy, ignored);
    return s;
  }
  return copy;
}

std::optional<std::string> FindDamagedTable(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> tables;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (IsTableFile(entry.path())) tables.push_back(entry.path());
  }
  std::sort(tables.begin(), tables.end());
  leveldb::Env* env = leveldb::Env::Default();
  leveldb::Options options;
  options.paranoid_checks = true;  // the index and filter blocks are checked too
  for (const auto& path : tables) {
    leveldb::RandomAccessFile* raw_file = nullptr;
    std::uint64_t size = 0;
    leveldb::Status s = env->GetFileSize(path.string(), &size);
    if (s.ok()) s = env->NewRandomAccessFile(path.string(), &raw_file);
    std::unique_ptr<leveldb::RandomAccessFile> file(raw_file);
    leveldb::Table* raw_table = nullptr;
    if (s.ok()) s = leveldb::Table::Open(options, file.get(), size, &raw_table);
    std::unique_ptr<leveldb::Table> table(raw_table);
    std::string last_key = "(none: the first entry)";
    if (s.ok()) {
      std::unique_ptr<leveldb::Iterator> it(table->NewIterator(VerifiedReadOptions()));
      // A damaged block is skipped with the status set: stop at it so last_key is just before.
      for (it->SeekToFirst(); it->Valid() && it->status().ok(); it->Next()) {
        // Table keys are internal keys: the user key, then 8 bytes of sequence and type.
        const leveldb::Slice k = it->key();
        last_key = PrintableStorageKey(std::string_view(k.data(), k.size() >= 8 ? k.size() - 8 : k.size()));
      }
      s = it->status();
    }
    if (!s.ok()) {
      return path.filename().string() + " (" + s.ToString() + ", first damaged entry after key \"" + last_key + "\")";
    }
  }
  return std::nullopt;
}

void DamageLog::Logv(const char* format, std::va_list ap) {
  char buffer[512];
  std::vsnprintf(buffer, sizeof buffer, format, ap);
  const std::string line(buffer);
  // Recovery reports a damaged log record as "<file>: dropping N bytes; <reason>".
  if (line.find("dropping") == std::string::npos && line.find("orruption") == std::string::npos) return;
  std::lock_guard lock(mutex_);
  if (lines_.size() < 16) lines_.push_back(line);
}

std::vector<std::string> DamageLog::lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

}  // namespace shanliu::ledger::internal
