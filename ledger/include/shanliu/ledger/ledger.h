// The ledger: committed blocks, the Merkle log and the state, in one LevelDB.
//
// Writers (one thread: the node's consensus loop) execute blocks on an overlay and commit
// each block — txs as log leaves, header, commit certificate, state and indexes — in one
// synced WriteBatch, so a crash leaves either the whole block or none of it.
// Readers (any thread) take a ReadView: a LevelDB snapshot plus the head it belongs to.
#pragma once

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "shanliu/ledger/checkpoint.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/merkle_log.h"
#include "shanliu/ledger/node_cache.h"
#include "shanliu/ledger/origin_keys.h"
#include "shanliu/ledger/state_map.h"
#include "shanliu/ledger/state_view.h"
#include "shanliu/ledger/tx.h"
#include "shanliu/ledger/validator_set.h"
#include "shanliu/pb/state.pb.h"
#include "shanliu/status.h"

namespace shanliu::ledger {

struct LedgerOptions {
  bool sync_writes = true;        // fsync each block's batch (tests of throughput may turn it off)
  bool check_conservation = true; // Σ balances = inflows − outflows after every block
  std::size_t leveldb_cache_bytes = 64 << 20;  // LevelDB's block cache (uncompressed blocks)
  // LevelDB's memtable size and block compression. CPU, not disk, bounds a node's throughput:
  // a 128 MiB memtable (LevelDB's default is 4) means fewer, larger flushes and compactions, and
  // no compression means no snappy on every flush, compaction and uncached read — together
  // ~30 % less CPU per committed tx in bench_ledger_bench, for ~40 % more bytes on disk, most
  // of them the state map's hashes, which snappy barely shrinks (docs/performance.md). A store
  // written with either setting reads with the other: LevelDB marks each block.
  std::size_t write_buffer_bytes = 128 << 20;
  bool compress = false;
  // The size LevelDB's compactions cut table files at (its default is 2 MiB). The state map's
  // keys are hashes spread over the whole key space, so every compaction out of level 0 overlaps
  // every file below it: larger memtables and files mean fewer, larger compactions. With both
  // (128 and 16 MiB instead of 32 and 2) bench_ledger_bench spends 11 % less CPU per tx at 30k
  // txs and 21 % less at 200k, where compaction had become a third of the process's CPU
  // (docs/performance.md, session 17). Memory: up to two memtables, 256 MiB, on a busy node.
  std::size_t table_file_bytes = 16 << 20;
  // The file system LevelDB uses; null is its default. Tests pass a fault-injecting Env (the
  // power-loss model in ledger_crash_test drops every write not yet synced). Not owned.
  leveldb::Env* env = nullptr;
  // On open, besides the head, this many committed blocks are read back with their txs and
  // checked (checksums, txs_root, certificate, hash links): the most recent half and an even
  // spread over the rest whose offset moves with the height. 0 checks the head only.
  std::uint32_t startup_sample_blocks = 32;
};

// A block executed on an overlay of the committed state, ready to commit.
struct ExecutedBlock {
  pb::Block block;
  Hash256 hash{};
  std::vector<Hash256> tx_ids;
  StateView::Writes writes;  // the block's write set (the state map's leaves it changes)
  smt::NodeWrites state_nodes;  // the state map's node records after the block
};

struct RejectedTx {
  Hash256 id{};
  Status status;
};

// Txs already executed, in order, on an overlay of the committed state whose head was
// `base_hash`, each under the context of the block they are planned for (height base+1, this
// time, leaves from `first_leaf`): the mempool's planned next block. Sealing it does not
// execute the txs again (issue 14: execute once); any mismatch with the head makes it stale.
struct PreparedBlock {
  Hash256 base_hash{};
  std::uint64_t height = 0;
  std::uint64_t time_ms = 0;
  std::uint64_t first_leaf = 0;
  std::vector<DecodedTx> txs;
  StateView::Writes writes;  // the txs' write set on top of the base, all txs merged
};

struct BuildResult {
  ExecutedBlock executed;
  std::vector<RejectedTx> rejected;  // candidates left out, with the rule they broke
};

class ReadView;

// The genesis block's header for `genesis` (what Ledger::Open writes and checks at height 0).
pb::BlockHeader GenesisBlockHeader(const Genesis& genesis);

class Ledger {
 public:
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Creates the genesis block in an empty directory, or reopens and checks the head block
  // against the log and the stored state digest before anything is served.
  static Result<std::unique_ptr<Ledger>> Open(const std::filesystem::path& dir, Genesis genesis,
                                              LedgerOptions options = {});

  const Genesis& genesis() const { return genesis_; }
  std::uint64_t height() const;
  pb::BlockHeader head() const;
  Hash256 head_hash() const;

  // Proposer side: executes `candidates` in order on an overlay, leaving out those that break
  // a rule (reported) and stopping at the genesis block limits.
  BuildResult BuildBlock(std::span<const DecodedTx> candidates, std::uint64_t time_ms, std::uint32_t proposer_index);

  // Proposer side, execute-once: turns a prepared block into an executed one (roots, state
  // map, header) without applying its txs again. Error "stale_block" if it was not prepared on
  // the current head (height, hash, log size) or its time does not increase; "invalid_block"
  // if it breaks the genesis size limits. Checks conservation over the resulting state.
  Result<ExecutedBlock> SealPrepared(PreparedBlock prepared, std::uint32_t proposer_index);

  // Validator side: re-executes a proposed block and checks every tx and the whole header.
  // `signature_verified(envelope_hash)` lets a verified-signature cache skip Ed25519 checks it
  // already did; it is asked about the SHA-256 of the whole envelope, never the tx id.
  Result<ExecutedBlock> ExecuteProposal(const pb::Block& block,
                                        const std::function<bool(const Hash256&)>& signature_verified = {});

  // Executes txs that already passed DecodeTx with signatures (e.g. on the VerifyPool) under
  // `proposed`'s time and proposer, on an overlay: every tx must apply. The caller checks the
  // header chain and the genesis block limits first (asserted), and compares the resulting
  // header with the proposed one. Error "invalid_block" with `*failed_tx` (if given) set to
  // the index of the tx that broke a rule. Throws std::logic_error if conservation would break.
  Result<ExecutedBlock> ExecuteDecoded(const pb::BlockHeader& proposed, std::span<const DecodedTx> txs,
                                       std::uint32_t* failed_tx = nullptr);

  // Persists an executed block of height head+1 with its commit certificate (verified here).
  Status Commit(const ExecutedBlock& executed, const pb::CommitCertificate& commit);

  // The validator set that signs block `height` (docs/rules.md "Validator set changes"), from the
  // committed state: exact for every height up to head + 2 (a change committed later takes
  // effect 2 or more blocks after its own block); above that, the set as far as committed changes
  // go. Block 0 is the genesis set's. Error storage_corrupt or io_error if the history cannot be read.
  Result<std::vector<Validator>> ValidatorsAt(std::uint64_t height) const;
  // The origin key set that signs checkpoints made by block `height`, from the committed state
  // (OriginKeysIn, origin_keys.h: the genesis origin_key until a transition takes effect, then
  // the newest transition's hand-over, else none). Exact up to head + 2, as ValidatorsAt.
  // Throws StorageError if the history cannot be read.
  std::optional<OriginKeySet> OriginKeysAt(std::uint64_t height) const;
  // Every committed transition with effective_height <= up_to_height, oldest first (the genesis
  // set is not one). Throws StorageError if the history cannot be read.
  std::vector<ValidatorTransition> ValidatorTransitions(std::uint64_t up_to_height) const;

  // A consistent read-only view of the committed ledger, usable from any thread.
  std::shared_ptr<const ReadView> Read() const;

  // Lets block execution spread a large state-map update over `parallel` (the node's shared
  // VerifyPool): the records and roots are the same with or without it. Set before the first
  // block is executed, on the writer thread; whatever `parallel` runs on must outlive the ledger
  // or be unset first (an empty function).
  void SetParallelFor(smt::ParallelFor parallel) { parallel_ = std::move(parallel); }

  // Recomputes the state root from every state key and value alone and compares it with the
  // stored tree and the head's state_root; on a mismatch names the first key (in key order)
  // whose leaf is missing or wrong. Error "state_mismatch". Reads the whole state.
  Status VerifyState() const;

  // The committed state map's node records, read straight from the database: for the writer's
  // thread (block execution) and benchmarks, never for readers on other threads (use Read()).
  smt::NodeReader CommittedNodes() const;

  // ReadView::history_base() of the committed store (0: full history).
  std::uint64_t history_base() const { return history_base_; }
  // History backfill (docs/p2p.md "State sync"): blocks 1 .. backfilled_height() of a store
  // restored from a snapshot are held again (0: none yet, or the whole history is held).
  std::uint64_t backfilled_height() const { return backfilled_height_; }
  // Stores `blocks`, consecutive from backfilled_height() + 1 up to at most history_base(), in
  // one synced batch with the progress record `c/backfill`; the batch holding block
  // history_base() removes `c/base` too (the store then holds its whole history). Every block is
  // checked before anything is written: height and chain, the hash link to the block below it
  // (genesis for 1) and, for the snapshot block, its stored hash; the validator-set hash and the
  // commit certificate of that height's set; the txs against txs_root; the rebuilt log's
  // log_size and log_root after the block and every subtree it completes that is one of the
  // restored peaks; each tx's stored location row. Errors, writing nothing: invalid_block,
  // bad_commit (a peer's bad block), invalid_state (nothing to backfill), corruption (a
  // certified tx disagrees with the restored index), io_error, storage_corrupt.
  // backfill.cc. Writer thread (the one that commits blocks).
  Status StoreBackfill(std::span<const pb::CommittedBlock> blocks);

 private:
  // What LevelDB borrows for the database's lifetime (Options::block_cache, filter_policy).
  struct DbAids {
    std::unique_ptr<leveldb::Cache> block_cache;
    std::unique_ptr<const leveldb::FilterPolicy> filter_policy;
  };
  Ledger(DbAids aids, leveldb::DB* db, Genesis genesis, LedgerOptions options, MerkleLog log);
  Status InitGenesis();
  Status CheckFormat();  // the store format record (kFormatKey in ledger.cc)
  Status UpgradeToPages();  // format 2 -> 3 (ledger.cc)
  Status CheckHead();
  // LedgerOptions::startup_sample_blocks (ledger_startup_check.cc). Error storage_corrupt.
  Status SampleStoredBlocks() const;
  Result<ExecutedBlock> Execute(const pb::BlockHeader& proposed_header, std::span<const DecodedTx> txs,
                                std::vector<RejectedTx>* rejected, bool must_all_apply,
                                std::uint32_t* failed_tx = nullptr);
  // Checks conservation over `view`, then fills in the state-map nodes, roots and header of
  // `out`, whose block already holds the txs and whose writes are the block's write set (the
  // view's base). Writer thread only.
  void Seal(const StateView& view, const pb::BlockHeader& prev, const Hash256& prev_hash, std::uint64_t time_ms,
            std::uint32_t proposer_index, const std::vector<Hash256>& leaf_hashes, ExecutedBlock& out);

  DbAids db_aids_;  // declared before db_: destroyed after it
  std::unique_ptr<leveldb::DB> db_;
  Genesis genesis_;
  LedgerOptions options_;
  MerkleLog log_;
  smt::ParallelFor parallel_;  // SetParallelFor; writer thread
  smt::NodeReader RawNodes() const;  // the committed tree straight from LevelDB
  std::size_t CommittedValidatorCount(std::uint64_t height) const;  // throws StorageError
  // Shared with every ReadView: the tree's pages above depth 16 (those at depths 0 and 8: the top 16 levels, at most ~4 MiB).
  // The pages at 16 hold nearly all of a large tree's nodes, so they are left to LevelDB's cache.
  static constexpr std::size_t kCachedNodeDepth = 16;
  mutable NodeCache node_cache_{kCachedNodeDepth};
  std::atomic<std::uint64_t> history_base_{0};  // set by CheckHead; cleared by the last StoreBackfill
  std::atomic<std::uint64_t> backfilled_height_{0};  // c/backfill
  mutable std::mutex head_mutex_;  // guards head_ and head_hash_ (readers on other threads)
  pb::BlockHeader head_;
  Hash256 head_hash_{};
};

// ---------------------------------------------------------------- reads

// A read of a tx (or block) that a store restored by state sync does not hold: it lies at or
// below the snapshot height (ReadView::history_base). Not damage: the API answers it
// 404 not_backfilled, never as a missing record.
class NotBackfilled : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TxRecord {
  Bytes envelope;
  pb::TxBody body;
  Hash256 id{};
  pb::TxLocation location;
  std::uint64_t time_ms = 0;  // the block's time
};

struct ReceiptProofData {
  TxRecord tx;
  std::vector<Hash256> inclusion_path;
  pb::BlockHeader header;
  Hash256 block_hash{};
  pb::CommitCertificate commit;
  // The validator-set transitions effective at or before header.height() (validator_set.h).
  std::vector<ProvenTransition> transitions;
};

// One row of the honour list (GET /v1/honour): a holder that chose a display name, and what it
// earned in the year asked for.
struct HonourEntry {
  Bytes holder;
  std::string display_name;
  std::uint64_t points = 0;
  std::uint64_t minutes = 0;
};

class ReadView {
 public:
  // Takes a snapshot and reads the head recorded inside it, so head and data always agree.
  // A view must not outlive the Ledger that made it.
  // `nodes`, if given, caches the state map's top levels (it must outlive the view).
  ReadView(leveldb::DB* db, const Genesis& genesis, NodeCache* nodes = nullptr);
  ~ReadView();
  ReadView(const ReadView&) = delete;
  ReadView& operator=(const ReadView&) = delete;

  const StateView& state() const { return state_; }
  // A fresh writable overlay on this view's snapshot (e.g. the mempool's pending state).
  // It must not outlive this ReadView.
  StateView NewOverlay() const { return StateView(db_, snapshot_); }
  // For an overlay made on an older view whose bottom layer is exactly the block this view
  // added: moves it onto this view (StateView::CommitBottomLayer). It must not outlive this view.
  void AdoptOverlay(StateView& overlay) const { overlay.CommitBottomLayer(snapshot_); }
  const Genesis& genesis() const { return genesis_; }
  const pb::BlockHeader& head() const { return head_; }
  const Hash256& head_hash() const { return head_hash_; }

  std::optional<pb::StoredBlock> Block(std::uint64_t height) const;
  std::vector<Hash256> BlockTxIds(const pb::StoredBlock& block) const;
  // The block with its tx bytes and commit certificate, as peers and auditors replay it.
  std::optional<pb::CommittedBlock> CommittedBlockAt(std::uint64_t height) const;
  std::optional<TxRecord> TxById(const Hash256& id) const;
  std::optional<TxRecord> TxByLeaf(std::uint64_t leaf) const;
  // Ids whose receipt code (lowercase base32 of the id) starts with `code_prefix` (>= 8 chars).
  Result<std::vector<Hash256>> TxIdsByCodePrefix(std::string_view code_prefix, std::size_t limit) const;

  std::optional<pb::OrgRecord> Org(std::string_view id) const;
  std::optional<pb::ProjectRecord> Project(std::string_view id) const;
  std::optional<pb::TrustRecord> Trust(std::string_view id) const;
  std::optional<pb::GiftRecord> Gift(const Hash256& tx_id) const;
  std::optional<pb::PointsRecord> Points(ByteView holder) const;
  std::optional<pb::OrgYear> OrgYear(std::string_view org, std::uint32_t year) const;
  // A project's UpdateProject history (state rows pu/), newest first, at most `limit`.
  std::vector<pb::ProjectUpdateRecord> ProjectUpdates(std::string_view project, std::size_t limit) const;
  // An organisation's key recoveries (state rows r/kr/), newest first, at most `limit`.
  std::vector<pb::KeyRecoveryRecord> KeyRecoveries(std::string_view org, std::size_t limit) const;
  // The bank that co-signed the Spend or Refund `tx_id` (empty: none did, or another kind of tx).
  std::string AttestedBy(const Hash256& tx_id) const;
  // The Correction that reversed `tx_id` (nullopt: it was not corrected).
  std::optional<pb::CorrectionRecord> CorrectedBy(const Hash256& tx_id) const;
  // What the MovePoints `tx_id` carried (nullopt: not a committed MovePoints).
  std::optional<pb::PointsMoveRecord> PointsMove(const Hash256& tx_id) const;
  pb::ChainStats Stats() const;
  // The holder's honour-list name (nullopt: not opted in) and its totals for one year (UTC+8).
  std::optional<pb::HonourNameRecord> HonourName(ByteView holder) const;
  std::optional<pb::HonourYear> HonourYear(ByteView holder, std::uint32_t year) const;
  // The top `limit` named holders of `year`, by points, then minutes (both descending), then
  // holder key (ascending). Reads `limit` rank rows: the index is kept at commit.
  std::vector<HonourEntry> HonourList(std::uint32_t year, std::size_t limit) const;
  // A merchant's catalogue item (nullopt: never listed), and its catalogue in item-id order,
  // withdrawn items included, starting after `after_item` (empty: from the first), at most `limit`.
  std::optional<pb::CatalogueRecord> CatalogueItem(std::string_view merchant, std::string_view item_id) const;
  std::vector<pb::CatalogueRecord> Catalogue(std::string_view merchant, std::string_view after_item,
                                             std::size_t limit) const;

  // Leaves of the txs that touched a subject, newest first, starting below `before_leaf`.
  std::vector<std::uint64_t> AccountActivity(std::string_view account, std::uint64_t before_leaf,
                                             std::size_t limit) const;
  std::vector<std::uint64_t> OrgActivity(std::string_view org, std::uint64_t before_leaf, std::size_t limit) const;
  std::vector<std::uint64_t> HolderActivity(ByteView holder, std::uint64_t before_leaf, std::size_t limit) const;
  std::vector<std::uint64_t> Disclosures(std::string_view org, std::uint64_t before_leaf, std::size_t limit) const;
  // The same organisation index, oldest first, from `from_leaf` (inclusive): exports read a
  // period forwards.
  std::vector<std::uint64_t> OrgActivityFrom(std::string_view org, std::uint64_t from_leaf, std::size_t limit) const;

  // The validator set that signs block `height` and the transitions up to a height, as this
  // view's snapshot records them (Ledger::ValidatorsAt). Throw StorageError on a failed read.
  std::vector<Validator> ValidatorsAt(std::uint64_t height) const { return ValidatorsIn(state_, genesis_, height); }
  // The origin key set in force at `height` in this snapshot (Ledger::OriginKeysAt).
  std::optional<OriginKeySet> OriginKeysAt(std::uint64_t height) const { return OriginKeysIn(state_, genesis_, height); }
  std::vector<ValidatorTransition> ValidatorTransitions(std::uint64_t up_to_height) const {
    return TransitionsIn(state_, up_to_height);
  }
  // The transitions effective at or before `up_to_height` (and at most head + 1, since block E-1
  // must be committed), each with block E-1's header, hash and commit certificate: what a
  // verifier holding only genesis follows (FollowValidatorTransitions). Throws StorageError.
  std::vector<ProvenTransition> ProvenTransitions(std::uint64_t up_to_height) const;
  // Who cosigns the checkpoint of `log_size` (checkpoint.h): the set of the lowest block whose
  // header carries that size. Errors "unknown_checkpoint" (no committed header carries it: beyond
  // the head, or inside a block), "not_backfilled" (the block is below a state-sync snapshot and
  // not held yet). Throws StorageError.
  Result<CheckpointSigners> CheckpointSignersAt(std::uint64_t log_size) const;

  Result<ReceiptProofData> ReceiptProof(const Hash256& tx_id) const;
  // Proofs against this view's head (the newest committed block: its state_root and log root).
  // The multi-proof bytes (docs/data-format.md "State map") for `keys`, present or absent.
  Bytes StateProof(std::span<const std::string> keys) const;
  // RFC 9162 inclusion path of `leaf` in the log at the head's log_size.
  Result<std::vector<Hash256>> InclusionPath(std::uint64_t leaf) const;
  // The head's commit certificate (empty for genesis).
  pb::CommitCertificate HeadCommit() const;
  Result<std::vector<Hash256>> ConsistencyProof(std::uint64_t old_size, std::uint64_t new_size) const;
  Result<Hash256> LogRootAt(std::uint64_t size) const;

  // Every record of this snapshot (state, indexes, blocks, log), in key order, checksums
  // verified, without filling the block cache: a backup copies the store consistent with head()
  // (node/backup). Stops at the first error `visit` returns (returned as is); storage_corrupt or
  // io_error if the store cannot be read to the end.
  using RecordVisitor = std::function<Status(std::string_view key, std::string_view value)>;
  Status ForEachRecord(const RecordVisitor& visit) const;

  // State sync (snapshot.h). The state rows (smt::InStateMap) of this snapshot from `from_key` on,
  // in key order, checksums verified, until `visit` returns false. Status as ForEachRecord.
  Status ForEachStateRow(std::string_view from_key,
                         const std::function<bool(std::string_view key, std::string_view value)>& visit) const;
  // The Merkle log's peaks at the head's log size (snapshot::LogPeakPositions order).
  Result<std::vector<Hash256>> LogPeaks() const;
  // 0 for a store with its whole history; for a store restored by state sync, the snapshot
  // height h until the history backfill stored block h: blocks backfilled_height()+1 .. h and
  // their txs are not held (their state is), so receipts of those txs answer "not_backfilled"
  // and CommittedBlockAt of those heights answers nothing.
  std::uint64_t history_base() const { return history_base_; }
  // While a backfill is under way: blocks 1 .. backfilled_height() are held again (0: none).
  std::uint64_t backfilled_height() const { return backfilled_height_; }
  // Whether block `height` is one this store does not hold (yet): above the backfilled part,
  // at or below the snapshot.
  bool NotHeld(std::uint64_t height) const { return height > backfilled_height_ && height <= history_base_; }

 private:
  // Whether a log of `size` leaves reaches into the leaves not held (their subtrees are missing).
  bool LogGapBelow(std::uint64_t size) const { return history_base_ > 0 && size > held_leaves_; }
  Status NotBackfilledLog(std::uint64_t size) const;
  std::vector<std::uint64_t> Activity(const std::string& prefix, std::uint64_t before_leaf, std::size_t limit) const;

  leveldb::DB* db_;
  const leveldb::Snapshot* snapshot_;
  const Genesis& genesis_;
  NodeCache* nodes_;
  std::uint64_t history_base_ = 0;
  std::uint64_t history_leaves_ = 0;  // log leaves below this are not held (the base block's log_size)
  std::uint64_t backfilled_height_ = 0;  // c/backfill
  std::uint64_t held_leaves_ = 0;        // ... except those below this (the backfilled blocks' leaves)
  pb::BlockHeader head_;
  Hash256 head_hash_;
  StateView state_;
};

}  // namespace shanliu::ledger
