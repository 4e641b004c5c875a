// Startup sampling (issue 15): the head check alone misses a damaged older block, which the
// node would then serve or send to syncing peers. Ledger::Open reads back a sample of committed
// blocks with their txs, verifying checksums, the txs_root, the commit certificate and the hash
// links between neighbours. Deterministic: which heights are read depends only on the height.
#include <set>

#include "shanliu/crypto/merkle.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/ledger.h"
#include "state_keys.h"

namespace shanliu::ledger {
namespace {

Status Corrupt(std::uint64_t height, const std::string& what) {
  return Status::Error("storage_corrupt", "block " + std::to_string(height) + ": " + what);
}

// The most recent `sample / 2` blocks below the head, and the rest spread evenly over
// 1..head-1 from an offset that moves with the head, so restarts at other heights look at
// other blocks.
std::set<std::uint64_t> SampleHeights(std::uint64_t head, std::uint32_t sample) {
  std::set<std::uint64_t> heights;
  if (head <= 1 || sample == 0) return heights;
  const std::uint64_t below = head - 1;  // heights 1..head-1
  const std::uint64_t recent = std::min<std::uint64_t>(sample / 2 + sample % 2, below);
  for (std::uint64_t i = 0; i < recent; ++i) heights.insert(head - 1 - i);
  const std::uint64_t spread = sample - recent;
  if (spread == 0) return heights;
  const std::uint64_t step = std::max<std::uint64_t>(1, below / spread);
  for (std::uint64_t i = 0, h = 1 + head % step; i < spread && h <= below; ++i, h += step) heights.insert(h);
  return heights;
}

}  // namespace

Status Ledger::SampleStoredBlocks() const {
  const std::uint64_t head_height = height();
  std::optional<std::pair<std::uint64_t, Hash256>> previous;  // the last sampled height and its hash
  auto check_link = [&](std::uint64_t h, const pb::BlockHeader& header) -> Status {
    if (!previous || previous->first + 1 != h) return Status::Ok();
    if (header.prev_block_hash() != std::string(previous->second.begin(), previous->second.end())) {
      return Corrupt(h, "its prev_block_hash does not name the stored block " + std::to_string(previous->first));
    }
    return Status::Ok();
  };
  for (std::uint64_t h : SampleHeights(head_height, options_.startup_sample_blocks)) {
    // Not held: the store was restored from a snapshot there and has not backfilled it yet.
    if (h > backfilled_height_ && h <= history_base_) continue;
    std::string bytes;
    leveldb::Status s = db_->Get(VerifiedReadOptions(), keys::Block(h), &bytes);
    if (!s.ok()) {
      return Corrupt(h, "its record at key \"" + PrintableStorageKey(keys::Block(h)) + "\": " + s.ToString());
    }
    pb::StoredBlock stored;
    if (!stored.ParseFromString(bytes) || stored.header().height() != h) return Corrupt(h, "its record does not decode");
    std::vector<Hash256> leaf_hashes;
    for (std::uint64_t i = 0; i < stored.tx_count() && i <= genesis_.params.max_block_txs; ++i) {
      const std::string key = keys::Leaf(stored.first_leaf() + i);
      std::string envelope;
      s = db_->Get(VerifiedReadOptions(), key, &envelope);
      if (!s.ok()) {
        return Corrupt(h, "its tx " + std::to_string(i) + " at key \"" + PrintableStorageKey(key) + "\": " + s.ToString());
      }
      leaf_hashes.push_back(crypto::MerkleLeafHash(AsBytes(envelope)));
    }
    const Hash256 txs_root = crypto::MerkleRootOfLeafHashes(leaf_hashes);
    if (leaf_hashes.size() != stored.tx_count() ||
        stored.header().txs_root() != std::string(txs_root.begin(), txs_root.end())) {
      return Corrupt(h, "its stored txs do not hash to its txs_root");
    }
    auto hash = BlockHash(stored.header());
    if (!hash.ok()) return Corrupt(h, "its header is malformed");
    SHANLIU_RETURN_IF_ERROR(check_link(h, stored.header()));
    // Certified by the set that signed height h (the committed history knows every one).
    auto signers = ValidatorsAt(h);
    if (!signers.ok()) return signers.status();
    Status certified = VerifyCommitCertificate(stored.commit(), genesis_.chain_id, h, *hash, *signers);
    if (!certified.ok()) {
      return Corrupt(h, "its commit certificate does not verify: " + certified.message());
    }
    previous.emplace(h, *hash);
  }
  // The newest sampled block is head-1 whenever the head is above 1: it must link to the head.
  if (previous) SHANLIU_RETURN_IF_ERROR(check_link(head_height, head()));
  return Status::Ok();
}

}  // namespace shanliu::ledger
