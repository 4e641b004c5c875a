// OriginEpochs: the origin key set of a checkpoint and this node's share of it (origin_epochs.h).
#include "origin_epochs.h"

#include <algorithm>
#include <string>

#include "shanliu/crypto/codec.h"
#include "shanliu/node/log.h"

namespace shanliu::node {
namespace {

bool SameKeys(const std::optional<ledger::OriginKeySet>& a, const std::optional<ledger::OriginKeySet>& b) {
  if (!a || !b) return !a && !b;
  return ledger::SameOriginKeys(*a, *b);
}

}  // namespace

Result<std::vector<OriginShareFile>> ReadOriginShares(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> paths;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("origin") && name.ends_with(".share")) paths.push_back(entry.path());
  }
  if (ec) return Status::Error("invalid_key_file", "cannot list " + dir.string() + ": " + ec.message());
  std::sort(paths.begin(), paths.end());
  std::vector<OriginShareFile> out;
  for (const auto& path : paths) {
    auto read = crypto::frost::ReadShareFile(path);
    if (!read.ok()) return Status::Error(read.status().code(), path.string() + ": " + read.status().message());
    out.push_back(std::move(*read));
  }
  return out;
}

OriginEpochs::OriginEpochs(const ledger::Ledger& ledger, const crypto::PublicKey& own_key,
                           std::vector<OriginShareFile> shares, std::filesystem::path share_dir)
    : ledger_(ledger), own_key_(own_key), share_dir_(std::move(share_dir)), shares_(std::move(shares)) {}

ledger::OriginEpochPtr OriginEpochs::ForLogSize(std::uint64_t log_size) {
  std::optional<ledger::OriginKeySet> keys;
  try {
    const std::shared_ptr<const ledger::ReadView> view = ledger_.Read();
    if (log_size <= view->head().log_size()) {
      auto signers = view->CheckpointSignersAt(log_size);
      if (!signers.ok()) return nullptr;
      keys = view->OriginKeysAt(signers->height);
    } else {
      const std::uint64_t next = view->head().height() + 1;
      keys = view->OriginKeysAt(next);
      if (!SameKeys(keys, view->OriginKeysAt(next + 1))) return nullptr;
    }
  } catch (const ledger::StorageError& e) {
    LogEvent("error", "origin_keys_unreadable", {{"error", e.what()}});
    return nullptr;
  }
  if (!keys) return nullptr;
  return Cached(std::move(*keys));
}

ledger::OriginEpochPtr OriginEpochs::Cached(ledger::OriginKeySet keys) {
  std::lock_guard lock(mutex_);
  for (const ledger::OriginEpochPtr& e : epochs_) {
    if (ledger::SameOriginKeys(e->keys, keys)) return e;
  }
  Status mismatch = Status::Ok();
  ledger::OriginEpochPtr epoch = ledger::MakeOriginEpoch(keys, own_key_, shares_, &mismatch);
  if (epoch->own_index && !epoch->key && !share_dir_.empty()) {
    // A set that lists this node and no share of it yet: the operator may have installed it since.
    auto reread = ReadOriginShares(share_dir_);
    if (reread.ok()) {
      shares_ = std::move(*reread);
      epoch = ledger::MakeOriginEpoch(std::move(keys), own_key_, shares_, &mismatch);
    } else {
      LogEvent("warn", "origin_share_unreadable", {{"error", reread.status().ToString()}});
    }
  }
  if (epoch->own_index && !epoch->key) {
    // It cosigns as before and takes no part in this set's origin line (the others still can).
    LogEvent("warn", "origin_share_missing",
             {{"participant", *epoch->own_index},
              {"error", mismatch.ok() ? std::string("no share file for this set") : mismatch.ToString()}});
  }
  epochs_.push_back(epoch);
  while (epochs_.size() > kMaxEpochs) epochs_.pop_front();
  return epoch;
}

}  // namespace shanliu::node
