// History backfill (issue 20 part 3; docs/p2p.md "State sync", "History backfill"). A store
// restored from a snapshot at height S holds the state and block S's header and certificate,
// not blocks 1..S. The node fetches them afterwards and Ledger::StoreBackfill checks and stores
// each step, so that at the end the store holds what a replay from genesis leaves: the blocks,
// their txs, the first-leaf index and the Merkle log's subtrees below the restored peaks.
//
// Oldest first: the log is rebuilt left to right by a MerkleFrontier loaded from the subtrees
// already stored, so each block's log_size and log_root are checked as it arrives (the
// certified header names them), and a receipt of a backfilled tx proves at once (its inclusion
// path needs only subtrees left of its block's log_size). The restored peaks are met on the
// way (each is a subtree the rebuilt log completes), and block S's hash closes the chain.
// Each step is one synced WriteBatch with the progress record c/backfill, so a crash leaves
// whole steps only and the next start resumes from the record.
#include <leveldb/write_batch.h>

#include <map>

#include "shanliu/crypto/merkle.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/ledger/merkle_log.h"
#include "shanliu/ledger/snapshot.h"
#include "shanliu/ledger/tx.h"
#include "state_keys.h"
#include "store_io.h"

namespace shanliu::ledger {
namespace {

using internal::IoError;
using internal::LoadStoredBlock;
using SubtreePosition = std::pair<unsigned, std::uint64_t>;
using SignersAt = std::function<Result<std::vector<Validator>>(std::uint64_t height)>;

// Where a step stands: the checked block below the next one, and the rebuilt log up to it.
struct Cursor {
  std::uint64_t base = 0;                    // the snapshot height (c/base)
  pb::StoredBlock base_block;                // its restored record
  std::map<SubtreePosition, Hash256> peaks;  // the restored log's peaks at base_block's log_size
  pb::BlockHeader prev;                      // the block below the next one
  Hash256 prev_hash{};
  crypto::MerkleFrontier log;  // leaves 0 .. prev.log_size()
  leveldb::WriteBatch batch;
};

std::string HashBytes(const Hash256& h) { return std::string(h.begin(), h.end()); }

// A block a peer served that is not the certified one: nothing of the step is written.
Status Refused(std::uint64_t height, const std::string& what) {
  return Status::Error("invalid_block", "backfill block " + std::to_string(height) + ": " + what);
}

// The snapshot block, the restored peaks, and the block the step starts above with the log up to it.
Status OpenCursor(leveldb::DB* db, std::uint64_t base, std::uint64_t backfilled, Cursor& c) {
  c.base = base;
  auto base_block = LoadStoredBlock(db, base);
  if (!base_block.ok()) return base_block.status();
  c.base_block = std::move(*base_block);
  CommittedSubtreeReader reader(db, nullptr);
  for (const SubtreePosition& at : snapshot::LogPeakPositions(c.base_block.header().log_size())) {
    auto peak = reader.PerfectSubtree(at.first, at.second);
    if (!peak.ok()) return peak.status();
    c.peaks[at] = *peak;
  }
  auto prev = LoadStoredBlock(db, backfilled);
  if (!prev.ok()) return prev.status();
  c.prev = prev->header();
  auto hash = BlockHash(c.prev);
  if (!hash.ok()) return Status::Error("corruption", "block " + std::to_string(backfilled) + ": " + hash.status().message());
  c.prev_hash = *hash;
  auto log = crypto::MerkleFrontier::Load(reader, c.prev.log_size());
  if (!log.ok()) return log.status();
  c.log = std::move(*log);
  return Status::Ok();
}

// Height, chain, hash link to the block below, time; the snapshot block's hash; the certificate
// of the set that signs this height (the same check block sync and the startup sample make).
Result<Hash256> CheckHeader(const pb::CommittedBlock& block, std::uint64_t height, const Cursor& c,
                            const std::string& chain_id, const SignersAt& signers_at) {
  const pb::BlockHeader& h = block.block().header();
  if (h.height() != height) return Refused(height, "the peer sent height " + std::to_string(h.height()));
  if (h.chain_id() != chain_id) return Refused(height, "it is of another chain");
  if (h.prev_block_hash() != HashBytes(c.prev_hash)) {
    return Refused(height, "its prev_block_hash does not name block " + std::to_string(height - 1));
  }
  if (h.time_ms() <= c.prev.time_ms()) return Refused(height, "its time does not increase");
  auto hash = BlockHash(h);
  if (!hash.ok()) return Refused(height, hash.status().message());
  if (height == c.base && h.SerializeAsString() != c.base_block.header().SerializeAsString()) {
    return Refused(height, "it is not the certified snapshot block this store was restored from");
  }
  auto signers = signers_at(height);
  if (!signers.ok()) return signers.status();
  if (h.validators_hash() != HashBytes(ValidatorsHash(*signers))) {
    return Refused(height, "its validators_hash is not the hash of the set that signs this height");
  }
  SHANLIU_RETURN_IF_ERROR(VerifyCommitCertificate(block.commit(), chain_id, height, *hash, *signers));
  return *hash;
}

// The restored index must place each certified tx exactly here: a replay would have written it so.
Status CheckLocation(leveldb::DB* db, const std::string& envelope, std::uint64_t leaf, std::uint64_t height,
                     std::uint32_t index) {
  pb::Tx tx;
  if (!tx.ParseFromString(envelope)) return Refused(height, "tx " + std::to_string(index) + " does not decode");
  const Hash256 id = TxId(AsBytes(tx.body()));
  std::string bytes;
  leveldb::Status s = db->Get(VerifiedReadOptions(), keys::TxLoc(HashBytes(id)), &bytes);
  if (!s.ok() && !s.IsNotFound()) return IoError(s, "cannot read a tx location");
  pb::TxLocation loc;
  if (s.IsNotFound() || !loc.ParseFromString(bytes) || loc.leaf() != leaf || loc.height() != height ||
      loc.index_in_block() != index) {
    return Status::Error("corruption", "the restored state does not place certified tx " + std::to_string(index) +
                                           " of block " + std::to_string(height) + " at leaf " + std::to_string(leaf));
  }
  return Status::Ok();
}

// The txs against txs_root; each appended to the rebuilt log (its completed subtrees staged, the
// restored peaks compared); the log after the block against log_size and log_root.
Status StageTxs(leveldb::DB* db, const pb::CommittedBlock& block, std::uint64_t height, std::uint32_t max_txs,
                Cursor& c) {
  const pb::BlockHeader& h = block.block().header();
  const auto& txs = block.block().txs();
  if (static_cast<std::uint32_t>(txs.size()) > max_txs) return Refused(height, "more txs than the genesis limit");
  std::vector<Hash256> leaf_hashes;
  for (const std::string& envelope : txs) leaf_hashes.push_back(crypto::MerkleLeafHash(AsBytes(envelope)));
  if (h.txs_root() != HashBytes(crypto::MerkleRootOfLeafHashes(leaf_hashes))) {
    return Refused(height, "its txs do not hash to its txs_root");
  }
  const std::uint64_t first_leaf = c.log.size();
  if (h.log_size() != first_leaf + leaf_hashes.size()) return Refused(height, "its log_size does not follow");
  bool peak_differs = false;
  for (std::size_t i = 0; i < leaf_hashes.size(); ++i) {
    c.log.Append(leaf_hashes[i], [&](unsigned level, std::uint64_t index, const Hash256& subtree) {
      if (auto it = c.peaks.find({level, index}); it != c.peaks.end() && it->second != subtree) peak_differs = true;
      MerkleLog::PutSubtree(level, index, subtree, c.batch);
    });
    SHANLIU_RETURN_IF_ERROR(CheckLocation(db, txs[static_cast<int>(i)], first_leaf + i, height, static_cast<std::uint32_t>(i)));
    c.batch.Put(keys::Leaf(first_leaf + i), txs[static_cast<int>(i)]);
  }
  if (peak_differs) return Refused(height, "its txs do not lead to the log the snapshot certified");
  if (h.log_root() != HashBytes(c.log.Root())) return Refused(height, "its txs do not lead to its log_root");
  return Status::Ok();
}

}  // namespace

Status Ledger::StoreBackfill(std::span<const pb::CommittedBlock> blocks) {
  const std::uint64_t base = history_base_;
  const std::uint64_t backfilled = backfilled_height_;
  if (base == 0) return Status::Error("invalid_state", "this store holds its whole history: nothing to backfill");
  if (blocks.empty() || blocks.size() > base - backfilled) {
    return Status::Error("invalid_argument", "a backfill step takes 1 to " + std::to_string(base - backfilled) + " blocks");
  }
  Cursor c;
  SHANLIU_RETURN_IF_ERROR(OpenCursor(db_.get(), base, backfilled, c));
  const SignersAt signers_at = [this](std::uint64_t h) { return ValidatorsAt(h); };
  std::uint64_t height = backfilled;
  for (const pb::CommittedBlock& block : blocks) {
    ++height;
    auto hash = CheckHeader(block, height, c, genesis_.chain_id, signers_at);
    if (!hash.ok()) return hash.status();
    const std::uint64_t first_leaf = c.log.size();
    SHANLIU_RETURN_IF_ERROR(StageTxs(db_.get(), block, height, genesis_.params.max_block_txs, c));
    pb::StoredBlock stored;
    *stored.mutable_header() = block.block().header();
    *stored.mutable_commit() = block.commit();
    stored.set_first_leaf(first_leaf);
    stored.set_tx_count(static_cast<std::uint32_t>(block.block().txs_size()));
    // The snapshot block's record stays as restored (the same header; its certificate verified then).
    if (height != base) c.batch.Put(keys::Block(height), stored.SerializeAsString());
    if (stored.tx_count() > 0) c.batch.Put(keys::BlockByFirstLeaf(first_leaf), keys::U64(height));
    c.prev = block.block().header();
    c.prev_hash = *hash;
  }
  if (height == base) {
    // The whole history is held: the store is now what a replay from genesis leaves.
    c.batch.Delete(keys::kHistoryBase);
    c.batch.Delete(keys::kBackfill);
  } else {
    c.batch.Put(keys::kBackfill, keys::U64(height));
  }
  leveldb::WriteOptions wo;
  wo.sync = options_.sync_writes;
  if (leveldb::Status s = db_->Write(wo, &c.batch); !s.ok()) {
    return IoError(s, "cannot write backfilled blocks " + std::to_string(backfilled + 1) + ".." + std::to_string(height));
  }
  backfilled_height_ = height == base ? 0 : height;
  history_base_ = height == base ? 0 : base;
  return Status::Ok();
}

}  // namespace shanliu::ledger
