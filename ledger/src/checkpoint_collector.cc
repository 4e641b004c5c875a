// CheckpointCollector: verified cosignatures of the newest checkpoints, bounded in memory, counted
// against the validator set of each checkpoint's block.
#include <algorithm>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/checkpoint.h"

namespace shanliu::ledger {
namespace {

const Validator* FindKey(std::span<const Validator> set, const crypto::PublicKey& key) {
  const auto it = std::find_if(set.begin(), set.end(), [&](const Validator& v) { return v.public_key == key; });
  return it == set.end() ? nullptr : &*it;
}

std::uint64_t TotalPower(std::span<const Validator> set) {
  std::uint64_t total = 0;
  for (const Validator& v : set) total += v.voting_power;
  return total;
}

}  // namespace

CheckpointCollector::CheckpointCollector(Genesis genesis, std::size_t keep_sizes)
    : CheckpointCollector(
          genesis, [validators = genesis.validators](std::uint64_t) { return SignersLookup{validators, true}; },
          keep_sizes) {}

CheckpointCollector::CheckpointCollector(Genesis genesis, SignersOf signers_of, std::size_t keep_sizes)
    : genesis_(std::move(genesis)), signers_of_(std::move(signers_of)), keep_sizes_(keep_sizes == 0 ? 1 : keep_sizes) {}

Status CheckpointCollector::Add(std::uint64_t log_size, const Hash256& log_root, const Cosignature& cosignature) {
  // Look up and verify outside the lock: the expensive parts, needing no shared state.
  const std::optional<SignersLookup> signers = signers_of_(log_size);
  if (!signers) {
    return Status::Error("unknown_checkpoint", "no block this node holds carries log size " + std::to_string(log_size));
  }
  if (FindKey(signers->validators, cosignature.public_key) == nullptr) {
    return Status::Error("unknown_validator", "key " + crypto::ToHex(ByteView(cosignature.public_key.data(), 8)) +
                                                  " is not in the validator set of log size " +
                                                  std::to_string(log_size));
  }
  SHANLIU_RETURN_IF_ERROR(VerifyCosignature(genesis_, log_size, log_root, cosignature));
  std::lock_guard lock(mutex_);
  auto size_it = by_size_.find(log_size);
  if (size_it == by_size_.end()) {
    if (by_size_.size() >= keep_sizes_ && log_size < by_size_.begin()->first) {
      return Status::Error("stale_checkpoint", "log size " + std::to_string(log_size) +
                                                   " is older than every checkpoint kept");
    }
    size_it = by_size_.emplace(log_size, Roots{}).first;
    while (by_size_.size() > keep_sizes_) by_size_.erase(by_size_.begin());
    std::erase_if(origin_, [&](const auto& entry) { return !by_size_.count(entry.first.first); });
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
  auto [it, inserted] = root_it->second.emplace(cosignature.public_key, cosignature);
  if (!inserted && cosignature.timestamp_s > it->second.timestamp_s) it->second = cosignature;
  return Status::Ok();
}

CheckpointCollector::Collected CheckpointCollector::Describe(std::uint64_t size, const Hash256& root,
                                                             const Signers& signers,
                                                             std::span<const Validator> set,
                                                             const Origins& origins) const {
  Collected c;
  c.log_size = size;
  c.log_root = root;
  // Only the set's members count and appear, in the set's order (a key kept while the size was
  // beyond the head may turn out not to be one).
  for (const Validator& v : set) {
    const auto it = signers.find(v.public_key);
    if (it == signers.end()) continue;
    c.cosignatures.push_back(it->second);
    c.cosigned_power += v.voting_power;
  }
  c.supermajority = IsSupermajority(c.cosigned_power, TotalPower(set));
  c.note = CheckpointNote(genesis_, set, size, root, c.cosignatures);
  // The origin line is the genesis FROST group's, whatever set cosigned this size.
  if (auto origin = origins.find({size, root}); origin != origins.end()) {
    c.origin_signature = origin->second;
    c.note += OriginSignatureLine(genesis_, origin->second);
  }
  return c;
}

std::optional<CheckpointCollector::Collected> CheckpointCollector::Best() const {
  std::map<std::uint64_t, Roots> copy;
  Origins origins;
  {
    std::lock_guard lock(mutex_);
    copy = by_size_;
    origins = origin_;
  }
  // The best-backed root of the newest size with any cosignature, unless an older size has a
  // supermajority and this one does not yet (cosignatures of a new block are still arriving).
  std::optional<Collected> newest_any;
  for (auto size_it = copy.rbegin(); size_it != copy.rend(); ++size_it) {
    const std::optional<SignersLookup> signers = signers_of_(size_it->first);
    if (!signers || !signers->exact) continue;
    std::optional<Collected> best;
    for (const auto& [root, keys] : size_it->second) {
      Collected c = Describe(size_it->first, root, keys, signers->validators, origins);
      if (!c.cosignatures.empty() && (!best || c.cosigned_power > best->cosigned_power)) best = std::move(c);
    }
    if (!best) continue;
    if (best->supermajority) return best;
    if (!newest_any) newest_any = std::move(best);
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
  std::map<std::uint64_t, Roots> copy;
  Origins origins;
  {
    // signers_of_ is called without the lock (see the constructor): work on copies.
    std::lock_guard lock(mutex_);
    copy = by_size_;
    origins = origin_;
  }
  for (auto it = origins.rbegin(); it != origins.rend(); ++it) {
    const auto& [size, root] = it->first;
    const auto size_it = copy.find(size);
    if (size_it == copy.end()) continue;
    const auto root_it = size_it->second.find(root);
    if (root_it == size_it->second.end()) continue;
    const std::optional<SignersLookup> signers = signers_of_(size);
    if (!signers || !signers->exact) continue;
    Collected c = Describe(size, root, root_it->second, signers->validators, origins);
    if (c.supermajority) return c;
  }
  return std::nullopt;
}

}  // namespace shanliu::ledger
