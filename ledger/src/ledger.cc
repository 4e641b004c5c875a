#include "shanliu/ledger/ledger.h"
#include "shanliu/ledger/store_format.h"

#include <leveldb/cache.h>
#include <leveldb/write_batch.h>

#include <cassert>

#include "shanliu/crypto/hash.h"
#include "shanliu/crypto/merkle.h"
#include "shanliu/error_codes.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/executor.h"
#include "shanliu/ledger/flow.h"
#include "shanliu/ledger/goods.h"
#include "shanliu/ledger/validator_set.h"
#include "state_keys.h"
#include "store_io.h"

namespace shanliu::ledger {
namespace {

using internal::IoError;

const std::string& kStateRootKey = keys::kStateRoot;  // the head's state root, as the tree stored it
// The store's layout version, written with the genesis block. 4: the state map's records in pages
// of 4 levels above depth 16 and 8 below (state_map.cc); 3 (pages of 8 levels throughout) and 2
// (one record per node under short keys) are upgraded on open by rebuilding the tree from the
// state rows (UpgradeToPages). A store without it is format 1; its
// blocks are still readable, so `shanliu-node repair` rewrites it by replaying them.
const std::string& kFormatKey = keys::kFormat;
constexpr std::uint64_t kStoreFormat = kLedgerStoreFormat;  // store_format.h
constexpr std::uint64_t kOldestUpgradable = kOldestUpgradableStoreFormat;  // this one and later ones are upgraded on open
constexpr std::string_view kTreeRecordPrefix = "S";        // the state map's records (state_map.cc)

std::string HashBytes(const Hash256& h) { return std::string(h.begin(), h.end()); }


pb::BlockHeader GenesisHeader(const Genesis& genesis, const Hash256& state_root) {
  pb::BlockHeader h;
  h.set_chain_id(genesis.chain_id);
  h.set_height(0);
  h.set_time_ms(genesis.genesis_time_ms);
  h.set_prev_block_hash(std::string(32, '\0'));
  h.set_txs_root(HashBytes(crypto::MerkleEmptyRoot()));
  h.set_log_size(0);
  h.set_log_root(HashBytes(crypto::MerkleEmptyRoot()));
  h.set_state_root(HashBytes(state_root));
  h.set_validators_hash(HashBytes(genesis.validators_hash()));
  h.set_next_validators_hash(HashBytes(genesis.validators_hash()));
  h.set_proposer_index(0);
  return h;
}

StateView::Writes GenesisWrites(const Genesis& genesis) {
  StateView view(nullptr);
  ApplyGenesis(view, genesis);
  return view.MergedWrites();
}

// The state map of the genesis state, built from nothing.
Hash256 GenesisStateRoot(const StateView::Writes& writes, smt::NodeWrites* nodes) {
  const smt::NodeReader none = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  return smt::Apply(none, writes, nodes);
}

// A Corruption status means a checksum failed: the bytes on disk are not the committed ones.

}  // namespace

Ledger::Ledger(DbAids aids, leveldb::DB* db, Genesis genesis, LedgerOptions options, MerkleLog log)
    : db_aids_(std::move(aids)), db_(db), genesis_(std::move(genesis)), options_(options), log_(std::move(log)) {}

Ledger::~Ledger() = default;

Result<std::unique_ptr<Ledger>> Ledger::Open(const std::filesystem::path& dir, Genesis genesis,
                                             LedgerOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Error("io_error", "cannot create data directory " + dir.string() + ": " + ec.message());
  leveldb::Options db_options;
  db_options.create_if_missing = true;
  db_options.paranoid_checks = true;
  db_options.write_buffer_size = options.write_buffer_bytes;
  db_options.max_file_size = options.table_file_bytes;
  db_options.compression = options.compress ? leveldb::kSnappyCompression : leveldb::kNoCompression;
  if (options.env != nullptr) db_options.env = options.env;
  // Most reads that miss are questions like "is this tx id already committed?" asked of every
  // admitted tx: a Bloom filter answers those without reading a table block per level.
  DbAids aids;
  aids.block_cache.reset(leveldb::NewLRUCache(options.leveldb_cache_bytes));
  aids.filter_policy.reset(leveldb::NewBloomFilterPolicy(10));
  db_options.block_cache = aids.block_cache.get();
  db_options.filter_policy = aids.filter_policy.get();
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(db_options, (dir / keys::kDatabaseDir).string(), &raw);
  if (!s.ok()) return IoError(s, "cannot open the ledger database");
  auto log = MerkleLog::Open(raw);
  if (!log.ok()) {
    delete raw;
    return log.status();
  }
  std::unique_ptr<Ledger> ledger(new Ledger(std::move(aids), raw, std::move(genesis), options, std::move(*log)));
  std::string head;
  s = raw->Get(VerifiedReadOptions(), keys::kHead, &head);
  if (s.IsNotFound()) {
    SHANLIU_RETURN_IF_ERROR(ledger->InitGenesis());
  } else if (!s.ok()) {
    return IoError(s, "cannot read the chain head");
  }
  SHANLIU_RETURN_IF_ERROR(ledger->CheckHead());
  SHANLIU_RETURN_IF_ERROR(ledger->SampleStoredBlocks());
  return ledger;
}

pb::BlockHeader GenesisBlockHeader(const Genesis& genesis) {
  smt::NodeWrites nodes;
  return GenesisHeader(genesis, GenesisStateRoot(GenesisWrites(genesis), &nodes));
}

Status Ledger::InitGenesis() {
  if (log_.size() != 0) return Status::Error("corruption", "database has log leaves but no chain head");
  const StateView::Writes writes = GenesisWrites(genesis_);
  smt::NodeWrites nodes;
  const Hash256 root = GenesisStateRoot(writes, &nodes);
  pb::StoredBlock stored;
  *stored.mutable_header() = GenesisHeader(genesis_, root);
  leveldb::WriteBatch batch;
  for (const auto& [k, v] : writes) {
    assert(v.has_value());
    batch.Put(k, *v);
  }
  for (const auto& [k, v] : nodes) {
    assert(v.has_value());
    batch.Put(k, *v);
  }
  batch.Put(keys::Block(0), stored.SerializeAsString());
  batch.Put(keys::kHead, keys::U64(0));
  batch.Put(kStateRootKey, HashBytes(root));
  batch.Put(kFormatKey, keys::U64(kStoreFormat));
  leveldb::WriteOptions wo;
  wo.sync = true;
  leveldb::Status s = db_->Write(wo, &batch);
  if (!s.ok()) return IoError(s, "cannot write the genesis block");
  return Status::Ok();
}

Status Ledger::CheckFormat() {
  std::string value;
  leveldb::Status s = db_->Get(VerifiedReadOptions(), kFormatKey, &value);
  if (s.IsCorruption()) return IoError(s, "the store format record fails its checksum");
  if (s.IsNotFound()) {
    return Status::Error(std::string(errc::kStoreFormatOld),
                         "the data directory was written by an older Shanliu (store format 1: the state map's "
                         "records under long keys); `shanliu-node repair --config ...` rewrites it in format " +
                             std::to_string(kStoreFormat) + " by replaying its blocks");
  }
  if (!s.ok()) return IoError(s, "cannot read the store format record");
  const std::uint64_t format = value.size() == 8 ? ReadU64(AsBytes(value)) : 0;
  if (format >= kOldestUpgradable && format < kStoreFormat) return UpgradeToPages();
  if (format != kStoreFormat) {
    return Status::Error(std::string(errc::kCorruption), "the data directory has an unknown store format record (this build "
                                            "writes format " + std::to_string(kStoreFormat) + ")");
  }
  return Status::Ok();
}

// Format 2 kept one record per tree node, format 3 pages of 8 levels; format 4 keeps pages of 4
// levels at the top (state_map.cc). The state rows determine the tree,
// so the upgrade rebuilds it from them (as a state-sync restore does) and checks the root against
// the stored head's; one synced batch deletes the old records, writes the pages and moves the
// format record, so a crash leaves one format or the other whole.
Status Ledger::UpgradeToPages() {
  leveldb::WriteBatch batch;
  std::vector<std::pair<Hash256, Hash256>> leaves;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(VerifiedReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (key.starts_with(kTreeRecordPrefix)) {
      batch.Delete(it->key());
    } else if (smt::InStateMap(key)) {
      leaves.emplace_back(smt::KeyPath(key), smt::ValueHash(std::string_view(it->value().data(), it->value().size())));
    }
  }
  if (!it->status().ok()) return IoError(it->status(), "cannot read the store to upgrade it to format " + std::to_string(kStoreFormat));
  it.reset();
  auto root = smt::BuildTree(std::move(leaves), [&](const std::string& key, const std::string& record) {
    batch.Put(key, record);
  });
  if (!root.ok()) return Status::Error("corruption", "cannot upgrade the store: " + root.status().message());
  std::string stored_root;
  leveldb::Status s = db_->Get(VerifiedReadOptions(), kStateRootKey, &stored_root);
  if (!s.ok() || stored_root != HashBytes(*root)) {
    return Status::Error("corruption", "cannot upgrade the store to format " + std::to_string(kStoreFormat) +
                                       ": its state rows do not hash to the stored state root");
  }
  batch.Put(kFormatKey, keys::U64(kStoreFormat));
  leveldb::WriteOptions wo;
  wo.sync = true;
  s = db_->Write(wo, &batch);
  if (!s.ok()) return IoError(s, "cannot write the store's upgrade to format " + std::to_string(kStoreFormat));
  return Status::Ok();
}

Status Ledger::CheckHead() {
  std::string value;
  leveldb::Status s = db_->Get(VerifiedReadOptions(), keys::kHead, &value);
  if (s.IsCorruption()) return IoError(s, "the chain head record fails its checksum");
  if (!s.ok() || value.size() != 8) return Status::Error("corruption", "chain head record is missing or malformed");
  const std::uint64_t height = ReadU64(AsBytes(value));
  SHANLIU_RETURN_IF_ERROR(CheckFormat());

  auto load_block = [&](std::uint64_t h) { return internal::LoadStoredBlock(db_.get(), h); };

  // The database must belong to this genesis.
  auto genesis_block = load_block(0);
  if (!genesis_block.ok()) return genesis_block.status();
  smt::NodeWrites genesis_nodes;
  const pb::BlockHeader expected = GenesisHeader(genesis_, GenesisStateRoot(GenesisWrites(genesis_), &genesis_nodes));
  if (genesis_block->header().SerializeAsString() != expected.SerializeAsString()) {
    return Status::Error("genesis_mismatch", "the data directory was created from a different genesis file");
  }

  auto head = load_block(height);
  if (!head.ok()) return head.status();
  const pb::BlockHeader& header = head->header();
  if (log_.size() != header.log_size() || HashBytes(log_.root()) != header.log_root()) {
    return Status::Error("corruption", "the Merkle log (size " + std::to_string(log_.size()) +
                                           ") does not match the head block's log root");
  }
  s = db_->Get(VerifiedReadOptions(), kStateRootKey, &value);
  if (s.IsCorruption()) return IoError(s, "the stored state root fails its checksum");
  if (!s.ok() || value != header.state_root()) {
    return Status::Error("corruption", "the stored state root does not match the head block");
  }
  Hash256 stored_root{};
  try {
    stored_root = smt::StoredRoot(RawNodes());
  } catch (const StorageCorrupt& e) {
    return Status::Error("storage_corrupt", std::string("the state map's stored tree: ") + e.what());
  } catch (const StorageError& e) {
    return Status::Error("io_error", std::string("the state map's stored tree: ") + e.what());
  }
  if (HashBytes(stored_root) != header.state_root()) {
    return Status::Error("corruption", "the state map's stored tree does not match the head block's state_root");
  }
  auto hash = BlockHash(header);
  if (!hash.ok()) return hash.status();
  if (height > 0) {
    auto signers = ValidatorsAt(height);
    if (!signers.ok()) return signers.status();
    SHANLIU_RETURN_IF_ERROR(VerifyCommitCertificate(head->commit(), genesis_.chain_id, height, *hash, *signers));
  }
  s = db_->Get(VerifiedReadOptions(), keys::kHistoryBase, &value);
  if (s.ok() && value.size() == 8 && ReadU64(AsBytes(value)) <= height) {
    history_base_ = ReadU64(AsBytes(value));
  } else if (!s.IsNotFound()) {
    return s.ok() ? Status::Error("corruption", "the history base record is malformed")
                  : IoError(s, "cannot read the history base record");
  }
  s = db_->Get(VerifiedReadOptions(), keys::kBackfill, &value);
  if (s.ok() && value.size() == 8 && ReadU64(AsBytes(value)) < history_base_) {
    backfilled_height_ = ReadU64(AsBytes(value));
  } else if (!s.IsNotFound()) {
    return s.ok() ? Status::Error("corruption", "the backfill progress record is malformed")
                  : IoError(s, "cannot read the backfill progress record");
  }
  node_cache_.Reset(height);
  std::lock_guard lock(head_mutex_);
  head_ = header;
  head_hash_ = *hash;
  return Status::Ok();
}

std::uint64_t Ledger::height() const {
  std::lock_guard lock(head_mutex_);
  return head_.height();
}

pb::BlockHeader Ledger::head() const {
  std::lock_guard lock(head_mutex_);
  return head_;
}

Hash256 Ledger::head_hash() const {
  std::lock_guard lock(head_mutex_);
  return head_hash_;
}

Result<ExecutedBlock> Ledger::Execute(const pb::BlockHeader& proposed, std::span<const DecodedTx> txs,
                                      std::vector<RejectedTx>* rejected, bool must_all_apply,
                                      std::uint32_t* failed_tx) {
  const pb::BlockHeader prev = head();
  const Hash256 prev_hash = head_hash();
  StateView view(db_.get(), nullptr);
  // Only this (the writer's) thread uses the view, and nothing is written until it is gone.
  view.EnableReadCache(1 << 16);
  ExecutedBlock out;
  pb::Block& block = out.block;
  std::vector<Hash256> leaf_hashes;
  std::uint64_t leaf = log_.size();
  assert(leaf == prev.log_size());
  std::uint64_t block_bytes = 0;
  const std::uint64_t height = prev.height() + 1;

  for (const DecodedTx& tx : txs) {
    const bool full = static_cast<std::uint32_t>(block.txs_size()) >= genesis_.params.max_block_txs ||
                      block_bytes + tx.envelope.size() > genesis_.params.max_block_bytes;
    if (full) {
      if (must_all_apply) return Status::Error("invalid_block", "block exceeds the genesis size limits");
      break;
    }
    TxContext ctx{height, proposed.time_ms(), leaf, static_cast<std::uint32_t>(block.txs_size())};
    Status s = ApplyTx(view, genesis_, tx, ctx);
    if (!s.ok()) {
      if (must_all_apply) {
        if (failed_tx) *failed_tx = static_cast<std::uint32_t>(block.txs_size());
        return Status::Error("invalid_block", "transaction " + std::to_string(block.txs_size()) + " is invalid: " +
                                                  s.ToString());
      }
      if (rejected) rejected->push_back({tx.id, s});
      continue;
    }
    block.add_txs(tx.envelope.data(), tx.envelope.size());
    leaf_hashes.push_back(crypto::MerkleLeafHash(tx.envelope));
    out.tx_ids.push_back(tx.id);
    block_bytes += tx.envelope.size();
    ++leaf;
  }
  view.MoveWritesTo(&out.writes);
  Seal(view, prev, prev_hash, proposed.time_ms(), proposed.proposer_index(), leaf_hashes, out);
  return out;
}

void Ledger::Seal(const StateView& view, const pb::BlockHeader& prev, const Hash256& prev_hash, std::uint64_t time_ms,
                  std::uint32_t proposer_index, const std::vector<Hash256>& leaf_hashes, ExecutedBlock& out) {
  assert(static_cast<std::size_t>(out.block.txs_size()) == leaf_hashes.size());
  assert(out.tx_ids.size() == leaf_hashes.size());
  if (options_.check_conservation) {
    Status s = flow::CheckConservation(view);
    // Only a bug in the rules can break conservation: stop rather than commit it.
    if (!s.ok()) throw std::logic_error("conservation broken while executing block: " + s.ToString());
    s = goods::CheckConservation(view);
    if (!s.ok()) throw std::logic_error("goods conservation broken while executing block: " + s.ToString());
  }
  assert(view.depth() == 1 && view.layer(0).empty());  // the writes are out.writes, the view's base
  for ([[maybe_unused]] const auto& [key, value] : out.writes) assert(smt::InStateMap(key));
  // Only genesis writes the origin key row; a tx rule that touched it would be a bug.
  if (out.writes.contains(keys::kOriginKey)) throw std::logic_error("a block wrote the genesis origin_key row");
  const Hash256 state_root = smt::Apply(CommittedNodes(), out.writes, &out.state_nodes, parallel_);

  const std::uint64_t log_size = prev.log_size() + leaf_hashes.size();
  pb::BlockHeader& h = *out.block.mutable_header();
  h.set_chain_id(genesis_.chain_id);
  h.set_height(prev.height() + 1);
  h.set_time_ms(time_ms);
  h.set_prev_block_hash(HashBytes(prev_hash));
  h.set_txs_root(HashBytes(crypto::MerkleRootOfLeafHashes(leaf_hashes)));
  h.set_log_size(log_size);
  h.set_log_root(HashBytes(log_.RootAfter(leaf_hashes)));
  h.set_state_root(HashBytes(state_root));
  // A change executed in this block takes effect at height + 2 or later, so `view` (after the
  // block) and the state before it agree on both sets (docs/rules.md "Validator set changes").
  h.set_validators_hash(HashBytes(ValidatorsHash(ValidatorsIn(view, genesis_, h.height()))));
  h.set_next_validators_hash(HashBytes(ValidatorsHash(ValidatorsIn(view, genesis_, h.height() + 1))));
  h.set_proposer_index(proposer_index);
  auto hash = BlockHash(h);
  assert(hash.ok());
  out.hash = *hash;
}

Result<ExecutedBlock> Ledger::SealPrepared(PreparedBlock prepared, std::uint32_t proposer_index) {
  const pb::BlockHeader prev = head();
  const Hash256 prev_hash = head_hash();
  if (prepared.base_hash != prev_hash || prepared.height != prev.height() + 1 ||
      prepared.first_leaf != prev.log_size() || log_.size() != prev.log_size()) {
    return Status::Error("stale_block", "the prepared block was planned on another head");
  }
  if (prepared.time_ms <= prev.time_ms()) return Status::Error("stale_block", "block time does not increase");
  std::uint64_t block_bytes = 0;
  for (const DecodedTx& tx : prepared.txs) block_bytes += tx.envelope.size();
  if (prepared.txs.size() > genesis_.params.max_block_txs || block_bytes > genesis_.params.max_block_bytes) {
    return Status::Error("invalid_block", "the prepared block exceeds the genesis size limits");
  }
  if (proposer_index >= CommittedValidatorCount(prev.height() + 1)) {
    return Status::Error("invalid_block", "proposer index is out of range");
  }
  ExecutedBlock out;
  out.writes = std::move(prepared.writes);
  const StateView view(db_.get(), nullptr, &out.writes);
  std::vector<Hash256> leaf_hashes;
  leaf_hashes.reserve(prepared.txs.size());
  for (const DecodedTx& tx : prepared.txs) {
    out.block.add_txs(tx.envelope.data(), tx.envelope.size());
    leaf_hashes.push_back(crypto::MerkleLeafHash(tx.envelope));
    out.tx_ids.push_back(tx.id);
  }
  Seal(view, prev, prev_hash, prepared.time_ms, proposer_index, leaf_hashes, out);
  return out;
}

BuildResult Ledger::BuildBlock(std::span<const DecodedTx> candidates, std::uint64_t time_ms,
                               std::uint32_t proposer_index) {
  assert(proposer_index < CommittedValidatorCount(height() + 1));
  pb::BlockHeader proposed;
  // Block times strictly increase even if the proposer's clock is behind.
  proposed.set_time_ms(std::max(time_ms, head().time_ms() + 1));
  proposed.set_proposer_index(proposer_index);
  BuildResult result;
  auto executed = Execute(proposed, candidates, &result.rejected, /*must_all_apply=*/false);
  assert(executed.ok());
  result.executed = std::move(*executed);
  return result;
}

Result<ExecutedBlock> Ledger::ExecuteProposal(const pb::Block& block,
                                              const std::function<bool(const Hash256&)>& signature_verified) {
  const pb::BlockHeader& h = block.header();
  const pb::BlockHeader prev = head();
  if (h.height() != prev.height() + 1) {
    return Status::Error("invalid_block", "proposal is for height " + std::to_string(h.height()) + ", expected " +
                                              std::to_string(prev.height() + 1));
  }
  if (h.time_ms() <= prev.time_ms()) return Status::Error("invalid_block", "block time does not increase");
  if (h.proposer_index() >= CommittedValidatorCount(h.height())) {
    return Status::Error("invalid_block", "proposer index is out of range");
  }
  if (static_cast<std::uint32_t>(block.txs_size()) > genesis_.params.max_block_txs) {
    return Status::Error("invalid_block", "block holds more transactions than the genesis limit");
  }
  std::vector<DecodedTx> txs;
  txs.reserve(static_cast<std::size_t>(block.txs_size()));
  for (const std::string& envelope : block.txs()) {
    auto decoded = DecodeTxCached(AsBytes(envelope), genesis_.chain_id, signature_verified);
    if (!decoded.ok()) {
      return Status::Error("invalid_block", "transaction " + std::to_string(txs.size()) + " is invalid: " +
                                                decoded.status().ToString());
    }
    txs.push_back(std::move(*decoded));
  }
  auto executed = Execute(h, txs, nullptr, /*must_all_apply=*/true);
  if (!executed.ok()) return executed;
  if (executed->block.header().SerializeAsString() != h.SerializeAsString()) {
    return Status::Error("invalid_block", "header does not match re-execution (roots, state root or fields)");
  }
  return executed;
}

Result<ExecutedBlock> Ledger::ExecuteDecoded(const pb::BlockHeader& proposed, std::span<const DecodedTx> txs,
                                             std::uint32_t* failed_tx) {
  assert(proposed.height() == height() + 1);
  assert(txs.size() <= genesis_.params.max_block_txs);
  return Execute(proposed, txs, nullptr, /*must_all_apply=*/true, failed_tx);
}

Status Ledger::Commit(const ExecutedBlock& executed, const pb::CommitCertificate& commit) {
  const pb::BlockHeader& h = executed.block.header();
  if (h.height() != height() + 1 || h.prev_block_hash() != HashBytes(head_hash())) {
    return Status::Error("stale_block", "block " + std::to_string(h.height()) + " does not extend the current head");
  }
  auto signers = ValidatorsAt(h.height());
  if (!signers.ok()) return signers.status();
  SHANLIU_RETURN_IF_ERROR(VerifyCommitCertificate(commit, genesis_.chain_id, h.height(), executed.hash, *signers));

  leveldb::WriteBatch batch;
  for (const auto& [k, v] : executed.writes) {
    if (v) {
      batch.Put(k, *v);
    } else {
      batch.Delete(k);
    }
  }
  for (const auto& [k, v] : executed.state_nodes) {
    if (v) {
      batch.Put(k, *v);
    } else {
      batch.Delete(k);
    }
  }
  const std::uint64_t first_leaf = log_.size();
  for (const std::string& envelope : executed.block.txs()) {
    const std::uint64_t leaf = log_.Append(AsBytes(envelope), batch);
    batch.Put(keys::Leaf(leaf), envelope);
  }
  if (log_.size() != h.log_size() || HashBytes(log_.root()) != h.log_root()) {
    SHANLIU_RETURN_IF_ERROR(log_.DiscardStaged());
    return Status::Error("invalid_block", "log root after appending does not match the header");
  }
  pb::StoredBlock stored;
  *stored.mutable_header() = h;
  *stored.mutable_commit() = commit;
  stored.set_first_leaf(first_leaf);
  stored.set_tx_count(static_cast<std::uint32_t>(executed.block.txs_size()));
  batch.Put(keys::Block(h.height()), stored.SerializeAsString());
  if (executed.block.txs_size() > 0) batch.Put(keys::BlockByFirstLeaf(first_leaf), keys::U64(h.height()));
  batch.Put(keys::kHead, keys::U64(h.height()));
  batch.Put(kStateRootKey, h.state_root());

  leveldb::WriteOptions wo;
  wo.sync = options_.sync_writes;
  leveldb::Status s = db_->Write(wo, &batch);
  if (!s.ok()) {
    SHANLIU_RETURN_IF_ERROR(log_.DiscardStaged());
    return IoError(s, "cannot write block " + std::to_string(h.height()));
  }
  log_.MarkCommitted();
  node_cache_.Commit(executed.state_nodes, h.height());
  std::lock_guard lock(head_mutex_);
  head_ = h;
  head_hash_ = executed.hash;
  return Status::Ok();
}

Result<std::vector<Validator>> Ledger::ValidatorsAt(std::uint64_t height) const {
  try {
    StateView committed(db_.get(), nullptr);
    return ValidatorsIn(committed, genesis_, height);
  } catch (const StorageCorrupt& e) {
    return Status::Error("storage_corrupt", std::string("the validator set history: ") + e.what());
  } catch (const StorageError& e) {
    return Status::Error("io_error", std::string("the validator set history: ") + e.what());
  }
}

std::optional<OriginKeySet> Ledger::OriginKeysAt(std::uint64_t height) const {
  StateView committed(db_.get(), nullptr);
  return OriginKeysIn(committed, genesis_, height);
}

std::vector<ValidatorTransition> Ledger::ValidatorTransitions(std::uint64_t up_to_height) const {
  StateView committed(db_.get(), nullptr);
  return TransitionsIn(committed, up_to_height);
}

std::size_t Ledger::CommittedValidatorCount(std::uint64_t height) const {
  StateView committed(db_.get(), nullptr);
  return ValidatorsIn(committed, genesis_, height).size();
}

smt::NodeReader Ledger::RawNodes() const {
  return [db = db_.get()](std::string_view key) -> std::optional<std::string> {
    std::string value;
    leveldb::Status s = db->Get(VerifiedReadOptions(), leveldb::Slice(key.data(), key.size()), &value);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) ThrowReadFailure(s, key, "cannot read the state map");
    return value;
  };
}

smt::NodeReader Ledger::CommittedNodes() const { return CachedNodeReader(node_cache_, height(), RawNodes()); }

std::shared_ptr<const ReadView> Ledger::Read() const {
  return std::make_shared<ReadView>(db_.get(), genesis_, &node_cache_);
}

}  // namespace shanliu::ledger
