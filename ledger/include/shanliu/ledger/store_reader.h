// A read-only look at a node's ledger store that does not trust it: no head checks on open
// (Ledger::Open refuses a damaged store; an auditor must be able to name the damage), every
// record read is reported missing or malformed in the BlockSource codes of replay.h, and every
// read verifies LevelDB's checksums. It reads a private copy of the store (store_snapshot.h):
// the audited directory stays byte for byte as it was, damaged or not.
#pragma once

#include <leveldb/db.h>
#include <leveldb/env.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "shanliu/ledger/replay.h"
#include "shanliu/pb/shanliu.pb.h"
#include "shanliu/status.h"

namespace shanliu::ledger {

// Where two stores first differ, in key order (printable key, value summaries or "absent").
struct StoreDifference {
  std::string key;
  std::string expected;
  std::string found;
};

class StoreReader {
 public:
  // `dir` is a node's data_dir (what Ledger::Open was given) or the database directory itself.
  // Errors: "not_found" (no ledger store there), "in_use" (a running process holds the store's
  // lock), "storage_corrupt" (a log, manifest or table fails its checksum; the message names
  // the file), "io_error".
  static Result<std::unique_ptr<StoreReader>> Open(const std::filesystem::path& dir);
  ~StoreReader();
  StoreReader(const StoreReader&) = delete;
  StoreReader& operator=(const StoreReader&) = delete;

  // The committed head height. kBlockMalformed if the head record is missing or malformed.
  Result<std::uint64_t> HeadHeight() const;
  // Block `height` with its txs and commit certificate (none at height 0), as peers serve it.
  // kBlockMissing / kBlockMalformed for what is not in the store or does not parse;
  // storage_corrupt (naming the key and the damaged file) for a failed checksum; io_error.
  Result<pb::CommittedBlock> CommittedBlockAt(std::uint64_t height) const;

  // Every record of this store (state, indexes, blocks, log leaves and subtrees) against
  // `expected`'s: the first key where they differ, or nothing if they are identical.
  // Error storage_corrupt or io_error if either store cannot be read to the end.
  Result<std::optional<StoreDifference>> FirstDifference(const StoreReader& expected) const;

  // Every record of the store, in key order, checksums verified (ReadView::ForEachRecord for a
  // store no process holds). Stops at the first error `visit` returns; storage_corrupt (naming
  // the damaged file) or io_error if the store cannot be read to the end.
  Status ForEachRecord(const std::function<Status(std::string_view key, std::string_view value)>& visit) const;

 private:
  StoreReader(std::filesystem::path db_path, std::filesystem::path copy_dir)
      : db_path_(std::move(db_path)), copy_dir_(std::move(copy_dir)) {}
  // `text` with the copy's path replaced by the original's (LevelDB names files by path).
  std::string InOriginal(std::string text) const;
  // storage_corrupt for a Corruption status (naming the key and the first damaged table file),
  // io_error otherwise.
  Status ReadFailure(const leveldb::Status& s, std::string_view key, std::string_view what) const;

  std::filesystem::path db_path_;   // the audited store: only ever read
  std::filesystem::path copy_dir_;  // the private copy the reads go to; removed on destruction
  std::unique_ptr<leveldb::Logger> leveldb_log_;  // keeps LevelDB's reports of damaged records
  std::unique_ptr<leveldb::DB> db_;
};

}  // namespace shanliu::ledger
