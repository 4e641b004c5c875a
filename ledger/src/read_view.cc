#include <leveldb/iterator.h>

#include <algorithm>
#include <cassert>
#include <memory>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/ledger/snapshot.h"
#include "state_keys.h"
#include "store_io.h"

namespace shanliu::ledger {
namespace {

constexpr std::size_t kIdCodeLength = 52;  // base32 of 32 bytes, unpadded

std::string IdKey(const Hash256& id) { return keys::TxLoc(std::string(id.begin(), id.end())); }

Hash256 ToHash(std::string_view s) {
  assert(s.size() == 32);
  Hash256 h;
  std::copy(s.begin(), s.end(), h.begin());
  return h;
}

}  // namespace

ReadView::ReadView(leveldb::DB* db, const Genesis& genesis, NodeCache* nodes)
    : db_(db), snapshot_(db->GetSnapshot()), genesis_(genesis), nodes_(nodes), state_(db, snapshot_) {
  auto head = state_.Get(keys::kHead);
  if (!head || head->size() != 8) throw StorageError("chain head missing from snapshot");
  if (auto base = state_.Get(keys::kHistoryBase)) {
    if (base->size() != 8) throw StorageCorrupt(keys::kHistoryBase, "the history base record is malformed");
    history_base_ = ReadU64(AsBytes(*base));
    auto base_block = Block(history_base_);
    if (!base_block) throw StorageCorrupt(keys::Block(history_base_), "the snapshot's base block is missing");
    history_leaves_ = base_block->header().log_size();
    if (auto backfilled = state_.Get(keys::kBackfill)) {
      if (backfilled->size() != 8) throw StorageCorrupt(keys::kBackfill, "the backfill progress record is malformed");
      backfilled_height_ = ReadU64(AsBytes(*backfilled));
      auto top = Block(backfilled_height_);
      if (!top) throw StorageCorrupt(keys::Block(backfilled_height_), "the last backfilled block is missing");
      held_leaves_ = top->header().log_size();
    }
  }
  auto block = Block(ReadU64(AsBytes(*head)));
  if (!block) throw StorageError("head block missing from snapshot");
  head_ = block->header();
  auto hash = BlockHash(head_);
  if (!hash.ok()) throw StorageError("head block header is malformed");
  head_hash_ = *hash;
}

ReadView::~ReadView() { db_->ReleaseSnapshot(snapshot_); }

Status ReadView::NotBackfilledLog(std::uint64_t size) const {
  return Status::Error("not_backfilled", "the log at size " + std::to_string(size) + " reaches below the snapshot this node "
                                         "started from (height " + std::to_string(history_base_) + ") into leaves it does "
                                         "not hold yet; ask a node with the full history");
}

std::optional<pb::StoredBlock> ReadView::Block(std::uint64_t height) const {
  return keys::Load<pb::StoredBlock>(state_, keys::Block(height));
}

std::vector<Hash256> ReadView::BlockTxIds(const pb::StoredBlock& block) const {
  std::vector<Hash256> ids;
  for (std::uint64_t i = 0; i < block.tx_count(); ++i) {
    auto tx = TxByLeaf(block.first_leaf() + i);
    if (!tx) throw StorageError("block leaf missing");
    ids.push_back(tx->id);
  }
  return ids;
}

std::optional<pb::CommittedBlock> ReadView::CommittedBlockAt(std::uint64_t height) const {
  // A state-synced store holds no txs at or below its snapshot height: it serves no such block.
  if (NotHeld(height)) return std::nullopt;
  auto stored = Block(height);
  if (!stored) return std::nullopt;
  pb::CommittedBlock out;
  *out.mutable_block()->mutable_header() = stored->header();
  *out.mutable_commit() = stored->commit();
  for (std::uint64_t i = 0; i < stored->tx_count(); ++i) {
    auto envelope = state_.Get(keys::Leaf(stored->first_leaf() + i));
    if (!envelope) throw StorageError("block " + std::to_string(height) + " is missing a transaction");
    out.mutable_block()->add_txs(*envelope);
  }
  return out;
}

std::optional<TxRecord> ReadView::TxByLeaf(std::uint64_t leaf) const {
  auto envelope = state_.Get(keys::Leaf(leaf));
  if (!envelope && leaf >= held_leaves_ && leaf < history_leaves_) {
    throw NotBackfilled("log leaf " + std::to_string(leaf) + " is below the snapshot this node started from (height " +
                        std::to_string(history_base_) + "); ask a node with the full history");
  }
  if (!envelope) return std::nullopt;
  pb::Tx tx;
  TxRecord rec;
  if (!tx.ParseFromString(*envelope) || !rec.body.ParseFromString(tx.body())) {
    throw StorageError("stored transaction is malformed");
  }
  rec.envelope = ToBytes(*envelope);
  rec.id = TxId(AsBytes(tx.body()));
  auto loc = keys::Load<pb::TxLocation>(state_, IdKey(rec.id));
  if (!loc) throw StorageError("stored transaction has no location record");
  rec.location = *loc;
  if (auto block = Block(loc->height())) rec.time_ms = block->header().time_ms();
  return rec;
}

std::optional<TxRecord> ReadView::TxById(const Hash256& id) const {
  auto loc = keys::Load<pb::TxLocation>(state_, IdKey(id));
  if (!loc) return std::nullopt;
  return TxByLeaf(loc->leaf());
}

Result<std::vector<Hash256>> ReadView::TxIdsByCodePrefix(std::string_view code_prefix, std::size_t limit) const {
  if (code_prefix.size() < 8 || code_prefix.size() > kIdCodeLength) {
    return Status::Error("invalid_code", "a receipt code prefix needs 8 to 52 characters");
  }
  // The smallest and largest full codes with this prefix bound a range of ids. The last
  // character of a 52-character code carries 1 data bit (then 4 zero bits): 'a' or 'q'.
  std::string low(code_prefix), high(code_prefix);
  for (std::size_t i = code_prefix.size(); i < kIdCodeLength; ++i) {
    const bool last = i == kIdCodeLength - 1;
    low.push_back('a');
    high.push_back(last ? 'q' : '7');
  }
  if (code_prefix.size() == kIdCodeLength) high = low;
  auto low_bytes = crypto::FromBase32(low);
  auto high_bytes = crypto::FromBase32(high);
  if (!low_bytes.ok() || !high_bytes.ok()) {
    return Status::Error("invalid_code", "receipt codes use only the letters a-z and digits 2-7");
  }
  std::vector<Hash256> ids;
  const std::string start = keys::TxLoc(ToString(*low_bytes));
  const std::string end_inclusive = keys::TxLoc(ToString(*high_bytes));
  state_.Scan("x/", start, "", [&](std::string_view key, std::string_view) {
    if (key > end_inclusive || ids.size() >= limit) return false;
    ids.push_back(ToHash(key.substr(2)));
    return true;
  });
  return ids;
}

std::optional<pb::OrgRecord> ReadView::Org(std::string_view id) const {
  return keys::Load<pb::OrgRecord>(state_, keys::Org(id));
}
std::optional<pb::ProjectRecord> ReadView::Project(std::string_view id) const {
  return keys::Load<pb::ProjectRecord>(state_, keys::Project(id));
}
std::optional<pb::TrustRecord> ReadView::Trust(std::string_view id) const {
  return keys::Load<pb::TrustRecord>(state_, keys::Trust(id));
}
std::optional<pb::GiftRecord> ReadView::Gift(const Hash256& tx_id) const {
  return keys::Load<pb::GiftRecord>(state_, keys::Gift(std::string(tx_id.begin(), tx_id.end())));
}
std::optional<pb::PointsRecord> ReadView::Points(ByteView holder) const {
  return keys::Load<pb::PointsRecord>(state_, keys::Points(ToString(holder)));
}
std::optional<pb::OrgYear> ReadView::OrgYear(std::string_view org, std::uint32_t year) const {
  return keys::Load<pb::OrgYear>(state_, keys::OrgYear(org, year));
}
std::string ReadView::AttestedBy(const Hash256& tx_id) const {
  return state_.Get(keys::Attestation(std::string(tx_id.begin(), tx_id.end()))).value_or("");
}
std::optional<pb::CorrectionRecord> ReadView::CorrectedBy(const Hash256& tx_id) const {
  return keys::Load<pb::CorrectionRecord>(state_, keys::CorrectionLink(std::string(tx_id.begin(), tx_id.end())));
}
std::optional<pb::PointsMoveRecord> ReadView::PointsMove(const Hash256& tx_id) const {
  return keys::Load<pb::PointsMoveRecord>(state_, keys::PointsMove(std::string(tx_id.begin(), tx_id.end())));
}
std::optional<pb::HonourNameRecord> ReadView::HonourName(ByteView holder) const {
  return keys::Load<pb::HonourNameRecord>(state_, keys::HonourName(ToString(holder)));
}
std::optional<pb::HonourYear> ReadView::HonourYear(ByteView holder, std::uint32_t year) const {
  return keys::Load<pb::HonourYear>(state_, keys::HonourYear(ToString(holder), year));
}
std::vector<HonourEntry> ReadView::HonourList(std::uint32_t year, std::size_t limit) const {
  std::vector<HonourEntry> rows;
  if (limit == 0) return rows;
  const std::string prefix = keys::HonourRankPrefix(year);
  state_.Scan(prefix, prefix, "", [&](std::string_view key, std::string_view) {
    if (key.size() != prefix.size() + 16 + 32) throw StorageCorrupt(PrintableStorageKey(key), "a malformed honour rank row");
    HonourEntry e;
    e.holder = ToBytes(key.substr(prefix.size() + 16));
    auto name = HonourName(e.holder);
    // The executor writes rank rows only for named holders and removes them on clear.
    if (!name) throw StorageCorrupt(PrintableStorageKey(key), "an honour rank row names a holder without a name");
    e.display_name = name->display_name();
    e.points = ~ReadU64(AsBytes(key.substr(prefix.size(), 8)));
    e.minutes = ~ReadU64(AsBytes(key.substr(prefix.size() + 8, 8)));
    rows.push_back(std::move(e));
    return rows.size() < limit;
  });
  return rows;
}
pb::ChainStats ReadView::Stats() const {
  return keys::Load<pb::ChainStats>(state_, keys::kStats).value_or(pb::ChainStats());
}

std::vector<std::uint64_t> ReadView::Activity(const std::string& prefix, std::uint64_t before_leaf,
                                              std::size_t limit) const {
  std::vector<std::uint64_t> leaves;
  if (before_leaf == 0 || limit == 0) return leaves;
  state_.ScanReverse(prefix, prefix + keys::U64(before_leaf - 1), [&](std::string_view key, std::string_view) {
    if (key.size() != prefix.size() + 8) return true;  // a longer subject name sharing the prefix
    leaves.push_back(ReadU64(AsBytes(key.substr(prefix.size()))));
    return leaves.size() < limit;
  });
  return leaves;
}

std::vector<pb::ProjectUpdateRecord> ReadView::ProjectUpdates(std::string_view project, std::size_t limit) const {
  std::vector<pb::ProjectUpdateRecord> updates;
  if (limit == 0) return updates;
  const std::string prefix = keys::ProjectUpdatePrefix(project);
  state_.ScanReverse(prefix, prefix + keys::U64(~std::uint64_t{0}), [&](std::string_view key, std::string_view value) {
    if (key.size() != prefix.size() + 8) return true;
    pb::ProjectUpdateRecord rec;
    if (!rec.ParseFromString(std::string(value))) throw StorageError("corrupt project update record");
    updates.push_back(std::move(rec));
    return updates.size() < limit;
  });
  return updates;
}

std::vector<pb::KeyRecoveryRecord> ReadView::KeyRecoveries(std::string_view org, std::size_t limit) const {
  std::vector<pb::KeyRecoveryRecord> recoveries;
  if (limit == 0) return recoveries;
  const std::string prefix = keys::KeyRecoveryPrefix(org);
  state_.ScanReverse(prefix, prefix + keys::U64(~std::uint64_t{0}), [&](std::string_view key, std::string_view value) {
    if (key.size() != prefix.size() + 8) return true;
    pb::KeyRecoveryRecord rec;
    if (!rec.ParseFromString(std::string(value))) throw StorageError("corrupt key recovery record");
    recoveries.push_back(std::move(rec));
    return recoveries.size() < limit;
  });
  return recoveries;
}

std::vector<std::uint64_t> ReadView::AccountActivity(std::string_view account, std::uint64_t before_leaf,
                                                     std::size_t limit) const {
  return Activity(keys::AccountActivityPrefix(account), before_leaf, limit);
}
std::vector<std::uint64_t> ReadView::OrgActivity(std::string_view org, std::uint64_t before_leaf,
                                                 std::size_t limit) const {
  return Activity(keys::OrgActivityPrefix(org), before_leaf, limit);
}
std::vector<std::uint64_t> ReadView::OrgActivityFrom(std::string_view org, std::uint64_t from_leaf,
                                                     std::size_t limit) const {
  std::vector<std::uint64_t> leaves;
  if (limit == 0) return leaves;
  const std::string prefix = keys::OrgActivityPrefix(org);
  state_.Scan(prefix, prefix + keys::U64(from_leaf), "", [&](std::string_view key, std::string_view) {
    if (key.size() != prefix.size() + 8) return true;  // a longer org id sharing the prefix
    leaves.push_back(ReadU64(AsBytes(key.substr(prefix.size()))));
    return leaves.size() < limit;
  });
  return leaves;
}
std::vector<std::uint64_t> ReadView::HolderActivity(ByteView holder, std::uint64_t before_leaf,
                                                    std::size_t limit) const {
  return Activity(keys::HolderActivityPrefix(ToString(holder)), before_leaf, limit);
}
std::vector<std::uint64_t> ReadView::Disclosures(std::string_view org, std::uint64_t before_leaf,
                                                 std::size_t limit) const {
  return Activity(keys::DisclosurePrefix(org), before_leaf, limit);
}

Result<ReceiptProofData> ReadView::ReceiptProof(const Hash256& tx_id) const {
  if (history_base_ > 0) {
    // The location row is state (restored); the tx bytes and its block are history (not here).
    auto loc = keys::Load<pb::TxLocation>(state_, IdKey(tx_id));
    if (loc && NotHeld(loc->height())) {
      return Status::Error("not_backfilled", "this node started from a snapshot at height " +
                                                 std::to_string(history_base_) + " and does not hold block " +
                                                 std::to_string(loc->height()) + "; ask a node with the full history");
    }
  }
  auto tx = TxById(tx_id);
  if (!tx) return Status::Error("not_found", "no committed transaction has this id");
  auto block = Block(tx->location.height());
  if (!block) return Status::Error("corruption", "the block holding the transaction is missing");
  ReceiptProofData proof;
  proof.header = block->header();
  CommittedSubtreeReader reader(db_, snapshot_);
  auto path = crypto::MerkleInclusionProof(reader, tx->location.leaf(), proof.header.log_size());
  if (!path.ok()) return path.status();
  proof.inclusion_path = std::move(*path);
  auto hash = BlockHash(proof.header);
  if (!hash.ok()) return hash.status();
  proof.block_hash = *hash;
  proof.commit = block->commit();
  proof.transitions = ProvenTransitions(proof.header.height());
  proof.tx = std::move(*tx);
  return proof;
}

Result<std::vector<Hash256>> ReadView::ConsistencyProof(std::uint64_t old_size, std::uint64_t new_size) const {
  if (new_size > head_.log_size()) return Status::Error("out_of_range", "the log is not that large yet");
  // Every subtree right of old_size up to new_size is in the proof: none may lie in the gap.
  if (old_size < history_leaves_ && LogGapBelow(new_size)) return NotBackfilledLog(old_size);
  CommittedSubtreeReader reader(db_, snapshot_);
  return crypto::MerkleConsistencyProof(reader, old_size, new_size);
}

Result<Hash256> ReadView::LogRootAt(std::uint64_t size) const {
  if (size > head_.log_size()) return Status::Error("out_of_range", "the log is not that large yet");
  // At or above the snapshot's size the restored peaks stand for the leaves below it.
  if (size < history_leaves_ && LogGapBelow(size)) return NotBackfilledLog(size);
  CommittedSubtreeReader reader(db_, snapshot_);
  return crypto::MerkleRoot(reader, size);
}

Result<std::vector<Hash256>> ReadView::LogPeaks() const {
  CommittedSubtreeReader reader(db_, snapshot_);
  std::vector<Hash256> peaks;
  for (const auto& [level, index] : snapshot::LogPeakPositions(head_.log_size())) {
    auto peak = reader.PerfectSubtree(level, index);
    if (!peak.ok()) return peak.status();
    peaks.push_back(*peak);
  }
  return peaks;
}

Bytes ReadView::StateProof(std::span<const std::string> keys) const {
  // The tree's records are read from this view's snapshot, so the proof is against head_.state_root.
  smt::NodeReader nodes = [this](std::string_view key) { return state_.Get(key); };
  if (nodes_ != nullptr) nodes = CachedNodeReader(*nodes_, head_.height(), std::move(nodes));
  return smt::Prove(nodes, keys);
}

Result<std::vector<Hash256>> ReadView::InclusionPath(std::uint64_t leaf) const {
  if (leaf >= head_.log_size()) return Status::Error("out_of_range", "no leaf " + std::to_string(leaf) + " yet");
  if (leaf < history_leaves_ && LogGapBelow(head_.log_size())) return NotBackfilledLog(head_.log_size());
  CommittedSubtreeReader reader(db_, snapshot_);
  return crypto::MerkleInclusionProof(reader, leaf, head_.log_size());
}

std::vector<ProvenTransition> ReadView::ProvenTransitions(std::uint64_t up_to_height) const {
  // Block E-1 proves a transition effective at E; only committed blocks can.
  const std::uint64_t limit = std::min(up_to_height, head_.height() + 1);
  std::vector<ProvenTransition> out;
  for (ValidatorTransition& t : ValidatorTransitions(limit)) {
    auto block = Block(t.effective_height - 1);
    if (!block) throw StorageError("block " + std::to_string(t.effective_height - 1) + " (a validator set transition) is missing");
    auto hash = BlockHash(block->header());
    if (!hash.ok()) throw StorageCorrupt(PrintableStorageKey(keys::Block(t.effective_height - 1)), hash.status().message());
    ProvenTransition p;
    p.effective_height = t.effective_height;
    p.header = block->header();
    p.block_hash = *hash;
    p.commit = block->commit();
    p.next_validators = std::move(t.validators);
    out.push_back(std::move(p));
  }
  return out;
}

Result<CheckpointSigners> ReadView::CheckpointSignersAt(std::uint64_t log_size) const {
  const auto unknown = [&](const std::string& why) {
    return Status::Error("unknown_checkpoint", "no committed block carries log size " + std::to_string(log_size) + ": " + why);
  };
  if (log_size > head_.log_size()) return unknown("the head's log has " + std::to_string(head_.log_size()) + " leaves");
  if (log_size == 0) return CheckpointSigners{0, ValidatorsAt(0)};
  // The block holding leaf size-1 is the lowest whose log reaches the size; it carries it
  // exactly only if that leaf is its last.
  std::optional<TxRecord> last;
  try {
    last = TxByLeaf(log_size - 1);
  } catch (const NotBackfilled& e) {
    return Status::Error("not_backfilled", e.what());
  }
  if (!last) throw StorageError("log leaf " + std::to_string(log_size - 1) + " is missing below the head's log size");
  const std::uint64_t height = last->location.height();
  auto block = Block(height);
  if (!block) throw StorageError("block " + std::to_string(height) + " of a stored leaf is missing");
  if (block->header().log_size() != log_size) {
    return unknown("block " + std::to_string(height) + " ends at log size " + std::to_string(block->header().log_size()));
  }
  return CheckpointSigners{height, ValidatorsAt(height)};
}

pb::CommitCertificate ReadView::HeadCommit() const {
  auto block = Block(head_.height());
  if (!block) throw StorageError("head block missing from snapshot");
  return block->commit();
}

Status ReadView::ForEachStateRow(std::string_view from_key,
                                 const std::function<bool(std::string_view, std::string_view)>& visit) const {
  leveldb::ReadOptions ro = VerifiedReadOptions(snapshot_);
  ro.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ro));
  // Every state prefix starts with a lowercase letter; chain storage is uppercase, c/ or m/.
  const std::string start = std::max(std::string(from_key), std::string("a"));
  for (it->Seek(start); it->Valid(); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (!smt::InStateMap(key)) continue;
    if (!visit(key, std::string_view(it->value().data(), it->value().size()))) break;
  }
  if (const leveldb::Status s = it->status(); !s.ok()) {
    return internal::IoError(s, "reading the state rows failed");
  }
  return Status::Ok();
}

Status ReadView::ForEachRecord(const RecordVisitor& visit) const {
  leveldb::ReadOptions ro = VerifiedReadOptions(snapshot_);
  ro.fill_cache = false;  // one pass over everything: keep the block cache for the API's readers
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ro));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!it->status().ok()) break;  // a block that failed its checksum: never copy past it
    Status s = visit(std::string_view(it->key().data(), it->key().size()),
                     std::string_view(it->value().data(), it->value().size()));
    if (!s.ok()) return s;
  }
  if (const leveldb::Status s = it->status(); !s.ok()) {
    return internal::IoError(s, "reading the ledger store to the end failed");
  }
  return Status::Ok();
}

}  // namespace shanliu::ledger
