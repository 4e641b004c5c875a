// Which origin key set signs a checkpoint, as this node sees it (ledger/origin_keys.h), with this
// node's share of it: the node's side of the origin key hand-over (docs/decisions.md "Origin key
// hand-over"). A validator may hold several share files (one per set it has been handed the key
// in); each set in force takes the file that matches it, and when a newly effective set lists
// this node but no file matches, the share directory is read again, so an operator can install
// the new share any time before the change takes effect.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <utility>
#include <vector>

#include "shanliu/crypto/frost.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/ledger/origin_signing.h"
#include "shanliu/node/node.h"
#include "shanliu/status.h"

namespace shanliu::node {

class OriginEpochs {
 public:
  // `share_dir` empty: `shares` is all there is (never re-read).
  OriginEpochs(const ledger::Ledger& ledger, const crypto::PublicKey& own_key, std::vector<OriginShareFile> shares,
               std::filesystem::path share_dir);

  // The set that signs the checkpoint of `log_size`: the set of the lowest block carrying it; for
  // a size beyond the head (a peer a block ahead), the set of the next two heights when they
  // agree. Null: no origin key there, not known yet, or unreadable (logged).
  ledger::OriginEpochPtr ForLogSize(std::uint64_t log_size);

 private:
  ledger::OriginEpochPtr Cached(ledger::OriginKeySet keys);

  const ledger::Ledger& ledger_;
  const crypto::PublicKey own_key_;
  const std::filesystem::path share_dir_;
  static constexpr std::size_t kMaxEpochs = 4;  // a hand-over in flight needs two
  std::mutex mutex_;
  std::vector<OriginShareFile> shares_;         // GUARDED_BY(mutex_)
  std::deque<ledger::OriginEpochPtr> epochs_;   // GUARDED_BY(mutex_), newest last
};

}  // namespace shanliu::node
