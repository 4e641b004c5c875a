// A read-only look at a node's ledger store that does not trust it: no head checks on open
// (Ledger::Open refuses a damaged store; an auditor must be able to name the damage), every
// record read is reported missing or malformed in the BlockSource codes of replay.h.
#pragma once

#include <leveldb/db.h>

#include <cstdint>
#include <filesystem>
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
  // lock), "io_error".
  static Result<std::unique_ptr<StoreReader>> Open(const std::filesystem::path& dir);
  ~StoreReader();
  StoreReader(const StoreReader&) = delete;
  StoreReader& operator=(const StoreReader&) = delete;

  // The committed head height. kBlockMalformed if the head record is missing or malformed.
  Result<std::uint64_t> HeadHeight() const;
  // Block `height` with its txs and commit certificate (none at height 0), as peers serve it.
  // kBlockMissing / kBlockMalformed for what is not in the store or does not parse; io_error.
  Result<pb::CommittedBlock> CommittedBlockAt(std::uint64_t height) const;

  // Every record of this store (state, indexes, blocks, log leaves and subtrees) against
  // `expected`'s: the first key where they differ, or nothing if they are identical.
  // Error io_error if either store cannot be read to the end.
  Result<std::optional<StoreDifference>> FirstDifference(const StoreReader& expected) const;

 private:
  explicit StoreReader(leveldb::DB* db) : db_(db) {}
  std::unique_ptr<leveldb::DB> db_;
};

}  // namespace shanliu::ledger
