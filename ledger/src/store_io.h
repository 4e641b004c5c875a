// Reading the ledger's LevelDB store: its failures as the ledger's typed errors, and a stored
// block's record. Internal to ledger/.
#pragma once

#include <leveldb/db.h>

#include <cstdint>
#include <string>

#include "shanliu/ledger/state_view.h"
#include "shanliu/pb/state.pb.h"
#include "shanliu/status.h"
#include "state_keys.h"

namespace shanliu::ledger::internal {

// A failed checksum means the bytes on disk are not the committed ones (storage_corrupt);
// anything else LevelDB reports is io_error.
inline Status IoError(const leveldb::Status& s, const std::string& what) {
  return Status::Error(s.IsCorruption() ? "storage_corrupt" : "io_error", what + ": " + s.ToString());
}

// Block `height`'s stored record (header, certificate, first leaf, tx count). Errors:
// storage_corrupt / io_error when it cannot be read, corruption when it is missing, does not
// decode or is another height's.
inline Result<pb::StoredBlock> LoadStoredBlock(leveldb::DB* db, std::uint64_t height) {
  std::string bytes;
  const leveldb::Status s = db->Get(VerifiedReadOptions(), keys::Block(height), &bytes);
  if (s.IsCorruption()) return IoError(s, "block " + std::to_string(height) + " fails its checksum");
  if (!s.ok() && !s.IsNotFound()) return IoError(s, "cannot read block " + std::to_string(height));
  pb::StoredBlock block;
  if (s.IsNotFound() || !block.ParseFromString(bytes) || block.header().height() != height) {
    return Status::Error("corruption", "block " + std::to_string(height) + " is missing or malformed");
  }
  return block;
}

}  // namespace shanliu::ledger::internal
