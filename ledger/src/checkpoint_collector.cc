// CheckpointCollector: verified cosignatures of the newest checkpoints, bounded in memory.
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/checkpoint.h"

namespace shanliu::ledger {

CheckpointCollector::CheckpointCollector(Genesis genesis, std::size_t keep_sizes)
    : genesis_(std::move(genesis)), keep_sizes_(keep_sizes == 0 ? 1 : keep_sizes) {}

Status CheckpointCollector::Add(std::uint64_t log_size, const Hash256& log_root, const Cosignature& cosignature) {
  // Verify outside the lock: it is the expensive part and needs no shared state.
  SHANLIU_RETURN_IF_ERROR(VerifyCosignature(genesis_, log_size, log_root, cosignature));
  std::lock_guard lock(mutex_);
  auto size_it = by_size_.find(log_size);
  if (size_it == by_size_.end()) {
    if (by_size_.size() >= keep_sizes_ && log_size < by_size_.begin()->first) {
      return Status::Error("stale_checkpoint", "log size " + std::to_string(log_size) +
                                                   " is older than every checkpoint kept");
    }
    size_it = by_size_.emplace(log_size, std::map<Hash256, Signers>{}).first;
    while (by_size_.size() > keep_sizes_) by_size_.erase(by_size_.begin());
  }
  auto& roots = size_it->second;
  auto root_it = roots.find(log_root);
  if (root_it == roots.end()) {
    if (roots.size() >= kMaxRootsPerSize) {
      return Status::Error("too_many_roots", "log size " + std::to_string(log_size) + " already has " +
                                                 std::to_string(kMaxRootsPerSize) + " different roots");
    }
    root_it = roots.emplace(log_root, Signers{}).first;
  }
  auto [it, inserted] = root_it->second.emplace(cosignature.validator_index, cosignature);
  if (!inserted && cosignature.timestamp_s > it->second.timestamp_s) it->second = cosignature;
  return Status::Ok();
}

CheckpointCollector::Collected CheckpointCollector::Describe(std::uint64_t size, const Hash256& root,
                                                             const Signers& signers) const {
  Collected c;
  c.log_size = size;
  c.log_root = root;
  for (const auto& [index, cosignature] : signers) {
    c.cosignatures.push_back(cosignature);
    c.cosigned_power += genesis_.validators[index].voting_power;
  }
  c.supermajority = IsSupermajority(c.cosigned_power, genesis_.total_voting_power());
  c.note = CheckpointNote(genesis_, size, root, c.cosignatures);
  if (auto origin = origin_.find({size, root}); origin != origin_.end()) {
    c.origin_signature = origin->second;
    c.note += OriginSignatureLine(genesis_, origin->second);
  }
  return c;
}

std::optional<CheckpointCollector::Collected> CheckpointCollector::Best() const {
  std::lock_guard lock(mutex_);
  // The best-backed root of the newest size with any cosignature, unless an older size has a
  // supermajority and this one does not yet (cosignatures of a new block are still arriving).
  std::optional<Collected> newest_any;
  for (auto size_it = by_size_.rbegin(); size_it != by_size_.rend(); ++size_it) {
    const Signers* best = nullptr;
    const Hash256* best_root = nullptr;
    std::uint64_t best_power = 0;
    for (const auto& [root, signers] : size_it->second) {
      std::uint64_t power = 0;
      for (const auto& [index, c] : signers) power += genesis_.validators[index].voting_power;
      if (best == nullptr || power > best_power) {
        best = &signers, best_root = &root, best_power = power;
      }
    }
    if (best == nullptr || best->empty()) continue;
    if (IsSupermajority(best_power, genesis_.total_voting_power())) return Describe(size_it->first, *best_root, *best);
    if (!newest_any) newest_any = Describe(size_it->first, *best_root, *best);
  }
  return newest_any;
}

Status CheckpointCollector::AddOriginSignature(std::uint64_t log_size, const Hash256& log_root,
                                               const crypto::Signature& signature) {
  SHANLIU_RETURN_IF_ERROR(VerifyOriginSignature(genesis_, log_size, log_root, signature));
  std::lock_guard lock(mutex_);
  const auto size_it = by_size_.find(log_size);
  if (size_it == by_size_.end() || !size_it->second.count(log_root)) {
    return Status::Error("stale_checkpoint", "log size " + std::to_string(log_size) +
                                                 " with this root is not a checkpoint kept");
  }
  origin_[{log_size, log_root}] = signature;
  // Only checkpoints still kept: the window of by_size_ bounds this map too.
  std::erase_if(origin_, [&](const auto& entry) { return !by_size_.count(entry.first.first); });
  return Status::Ok();
}

std::optional<CheckpointCollector::Collected> CheckpointCollector::BestWithOrigin() const {
  std::lock_guard lock(mutex_);
  for (auto it = origin_.rbegin(); it != origin_.rend(); ++it) {
    const auto size_it = by_size_.find(it->first.first);
    if (size_it == by_size_.end()) continue;
    const auto root_it = size_it->second.find(it->first.second);
    if (root_it == size_it->second.end()) continue;
    Collected c = Describe(it->first.first, it->first.second, root_it->second);
    if (c.supermajority) return c;
  }
  return std::nullopt;
}

}  // namespace shanliu::ledger
