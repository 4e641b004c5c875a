// State sync (issue 20 part 3): how long a new node takes from an empty data directory to serving
// a receipt, starting from a snapshot, beside the same-run limits: a full replay of the same chain
// from genesis (what a new node did before), and LevelDB's raw write rate for the same rows.
//
//   bench_state_sync_bench [--txs N] [--replay-txs N] [--dir DIR]
//
// Builds a chain of N bench txs (bench_chain.h: 70 % donations) with the node's BuildBlock/Commit,
// takes a snapshot as a serving node does (Snapshot::Build), restores it through the client's
// RestoreFromPeers from two in-process peers (chunk checks, writes, the state map rebuilt and
// compared with the certified root; no sockets: the P2P transport's rate is bench_transport_bench's),
// opens the store, replays one new block through the block-sync checks and reads that block's
// receipt. The replay limit replays the first `--replay-txs` txs (default all) of the chain into
// a fresh store and scales to the whole chain when fewer.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include <unistd.h>

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include "bench_chain.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/ledger/replay.h"
#include "shanliu/ledger/snapshot.h"
#include "shanliu/node/state_sync.h"

using namespace shanliu;

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
namespace snap = ledger::snapshot;

double Seconds(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

[[noreturn]] void Die(const std::string& what, const Status& s) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), s.ToString().c_str());
  std::exit(1);
}

// Commits `txs` in genesis-sized blocks, one second apart from `*time_ms`.
void CommitTxs(ledger::Ledger& ledger, const bench::BenchChain& chain, const std::vector<Bytes>& txs,
               std::uint64_t* time_ms) {
  const std::size_t block = chain.genesis.params.max_block_txs;
  for (std::size_t i = 0; i < txs.size(); i += block) {
    std::vector<ledger::DecodedTx> decoded;
    for (std::size_t j = i; j < std::min(txs.size(), i + block); ++j) {
      auto d = ledger::DecodeTx(txs[j], chain.genesis.chain_id, /*verify_signatures=*/false);
      if (d.ok()) decoded.push_back(std::move(*d));
    }
    auto built = ledger.BuildBlock(decoded, *time_ms += 1000, 0);
    const auto& h = built.executed.block.header();
    auto commit = ledger::MakeCommitCertificate(
        h.height(), 0, built.executed.hash,
        {ledger::SignPrecommit(chain.genesis.chain_id, h.height(), 0, built.executed.hash, 0, chain.validator.secret_key)});
    if (Status s = ledger.Commit(built.executed, commit); !s.ok()) Die("commit", s);
  }
}

// Two in-process peers serving one snapshot (RestoreFromPeers fetches from both at once).
class LocalPeers final : public node::SnapshotPeers {
 public:
  explicit LocalPeers(std::shared_ptr<const snap::Snapshot> s) : snapshot_(std::move(s)) {}
  std::size_t peer_count() const override { return 2; }
  std::string PeerName(std::size_t p) const override { return "local-" + std::to_string(p); }
  Result<std::string> Manifest(std::size_t) override { return snapshot_->manifest_bytes(); }
  Result<std::string> Chunk(std::size_t, std::uint64_t, std::uint32_t index) override { return snapshot_->Chunk(index); }

 private:
  std::shared_ptr<const snap::Snapshot> snapshot_;
};

// Replays blocks 1..to of `source` into a fresh store through the block-sync Replayer.
double ReplaySeconds(ledger::Ledger& source, const ledger::Genesis& genesis, const fs::path& dir, std::uint64_t to) {
  fs::remove_all(dir);
  auto fresh = ledger::Ledger::Open(dir, genesis, {.sync_writes = false});
  if (!fresh.ok()) Die("replay open", fresh.status());
  ledger::VerifyPool pool;
  ledger::Replayer replayer(**fresh, pool);
  auto view = source.Read();
  std::vector<pb::CommittedBlock> blocks;
  for (std::uint64_t h = 1; h <= to; ++h) blocks.push_back(*view->CommittedBlockAt(h));
  ledger::VectorBlockSource blocks_source(1, std::move(blocks));
  const auto start = Clock::now();
  auto done = replayer.Run(blocks_source, to);
  if (!done.ok() || !done->ok()) Die("replay", done.ok() ? done->failure->cause : done.status());
  return Seconds(start);
}

// LevelDB's own rate for the snapshot's rows: the same keys and values in 8 MiB unsynced batches.
double RawWriteSeconds(const snap::Snapshot& snapshot, const fs::path& dir, std::uint64_t* row_bytes) {
  fs::remove_all(dir);
  leveldb::Options o;
  o.create_if_missing = true;
  o.write_buffer_size = 32u << 20;
  o.compression = leveldb::kNoCompression;
  leveldb::DB* raw = nullptr;
  if (!leveldb::DB::Open(o, dir.string(), &raw).ok()) std::exit(1);
  std::unique_ptr<leveldb::DB> db(raw);
  std::vector<std::string> chunks;
  for (std::uint32_t i = 0; i < snapshot.chunk_count(); ++i) chunks.push_back(*snapshot.Chunk(i));
  const auto start = Clock::now();
  for (const std::string& bytes : chunks) {
    pb::SnapshotChunk chunk;
    chunk.ParseFromString(bytes);
    leveldb::WriteBatch batch;
    for (const auto& row : chunk.rows()) {
      batch.Put(row.key(), row.value());
      *row_bytes += row.key().size() + row.value().size();
    }
    db->Write(leveldb::WriteOptions(), &batch);
  }
  db.reset();  // waits for its compactions
  return Seconds(start);
}

struct Figures {
  std::uint64_t height = 0, log_size = 0, rows = 0;
  std::uint32_t chunks = 0;
  double snapshot_s = 0, restore_s = 0, open_s = 0, serve_s = 0, raw_s = 0, replay_s = 0;
  std::uint64_t raw_bytes = 0;
  bool replay_scaled = false;
  std::string old_receipt;  // what a receipt below the snapshot answers
};

// The new node: an empty data directory to a store that serves a receipt of the tx at leaf
// `log_size` (in `next_block`, committed after the snapshot), as main.cc does it, timed.
void StartNewNode(std::shared_ptr<const snap::Snapshot> snapshot, const ledger::Genesis& genesis, const fs::path& dir,
                  const pb::CommittedBlock& next_block, const Hash256& old_tx, Figures& f) {
  LocalPeers peers(std::move(snapshot));
  node::StateSyncOptions options;
  options.data_dir = dir;
  const auto start = Clock::now();
  auto restored = node::RestoreFromPeers(options, genesis, peers);
  if (!restored.ok()) Die("restore", restored.status());
  f.restore_s = Seconds(start);
  auto observer = ledger::Ledger::Open(options.data_dir, genesis);
  if (!observer.ok()) Die("open restored", observer.status());
  f.open_s = Seconds(start) - f.restore_s;
  // The new block, through block sync's checks, and its receipt read.
  ledger::VerifyPool pool;
  ledger::Replayer replayer(**observer, pool);
  ledger::VectorBlockSource next(f.height + 1, {next_block});
  auto followed = replayer.Run(next, f.height + 1);
  if (!followed.ok() || !followed->ok()) Die("follow", followed.ok() ? followed->failure->cause : followed.status());
  auto recent = (*observer)->Read()->TxByLeaf(f.log_size);
  if (!recent) Die("follow", Status::Error("not_found", "the new block holds no tx"));
  auto receipt = (*observer)->Read()->ReceiptProof(recent->id);
  if (!receipt.ok()) Die("receipt", receipt.status());
  f.serve_s = Seconds(start);
  auto old_receipt = (*observer)->Read()->ReceiptProof(old_tx);
  f.old_receipt = old_receipt.ok() ? "served" : old_receipt.status().code();
}

void Print(const Figures& f) {
  std::printf("snapshot at height %llu: %llu state rows, %u chunks, built by the server in %.2f s\n",
              (unsigned long long)f.height, (unsigned long long)f.rows, f.chunks, f.snapshot_s);
  std::printf("state sync restore (fetch + check + write the rows + rebuild the state map + compare): %.2f s\n",
              f.restore_s);
  std::printf("  open the restored store: %.2f s; a receipt of a tx committed after the snapshot served at %.2f s\n",
              f.open_s, f.serve_s);
  std::printf("  a receipt of a tx below the snapshot: %s (until the history backfill, which this bench does not run,"
              " stores its block)\n",
              f.old_receipt.c_str());
  std::printf("limit, same run: raw LevelDB writes of the same rows (%.1f MB): %.2f s (%.0f rows/s)\n",
              static_cast<double>(f.raw_bytes) / 1e6, f.raw_s, static_cast<double>(f.rows) / f.raw_s);
  std::printf("limit, same run: full replay from genesis%s: %.1f s (%.0f tx/s)\n",
              f.replay_scaled ? " (measured on the first blocks, scaled)" : "", f.replay_s,
              static_cast<double>(f.log_size) / f.replay_s);
  std::printf("state sync to first receipt: %.2f s = %.1f %% of the replay, %.1fx the raw row writes\n", f.serve_s,
              100.0 * f.serve_s / f.replay_s, f.serve_s / f.raw_s);
}

}  // namespace

int main(int argc, char** argv) {
  crypto::Init();
  std::size_t txs_n = 100'000, replay_txs = 0;
  // One directory per run: a CTest smoke and a long run by hand must not share one.
  fs::path dir = fs::temp_directory_path() / ("shanliu-state-sync-bench-" + std::to_string(::getpid()));
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--txs") txs_n = std::stoull(argv[i + 1]);
    else if (a == "--replay-txs") replay_txs = std::stoull(argv[i + 1]);
    else if (a == "--dir") dir = argv[i + 1];
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines show up when redirected, too
  fs::remove_all(dir);
  bench::BenchChain chain("state-sync-bench", 200);
  chain.genesis.params.max_block_txs = 2000;
  std::printf("building a chain of %zu txs (blocks of %u)...\n", txs_n, chain.genesis.params.max_block_txs);
  auto source = ledger::Ledger::Open(dir / "source", chain.genesis, {.sync_writes = false});
  if (!source.ok()) Die("open", source.status());
  std::uint64_t time_ms = chain.genesis.genesis_time_ms;
  auto build_start = Clock::now();
  CommitTxs(**source, chain, bench::MakeTxs(chain, txs_n, 1), &time_ms);
  Figures f;
  f.height = (*source)->height();
  f.log_size = (*source)->head().log_size();
  std::printf("chain: %llu blocks, %llu txs committed, built in %.1f s\n", (unsigned long long)f.height,
              (unsigned long long)f.log_size, Seconds(build_start));
  {
    const auto snap_start = Clock::now();
    auto snapshot = snap::Snapshot::Build((*source)->Read());  // holds a ReadView: gone before the source
    if (!snapshot.ok()) Die("snapshot", snapshot.status());
    f.snapshot_s = Seconds(snap_start);
    f.rows = (*snapshot)->manifest().row_count();
    f.chunks = (*snapshot)->chunk_count();
    // The block the new node will follow with: committed after the snapshot, outside the clock.
    CommitTxs(**source, chain, bench::MakeTxs(chain, 100, 2), &time_ms);
    const Hash256 old_tx = (*source)->Read()->TxByLeaf(0)->id;
    StartNewNode(*snapshot, chain.genesis, dir / "observer", *(*source)->Read()->CommittedBlockAt(f.height + 1), old_tx,
                 f);
    f.raw_s = RawWriteSeconds(**snapshot, dir / "raw", &f.raw_bytes);
  }
  const std::uint64_t replay_to =
      replay_txs == 0 ? f.height : std::min<std::uint64_t>(f.height, (replay_txs + 1999) / 2000);
  f.replay_scaled = replay_to < f.height;
  f.replay_s = ReplaySeconds(**source, chain.genesis, dir / "replay", replay_to) * static_cast<double>(f.height) /
               static_cast<double>(replay_to);
  Print(f);
  source->reset();
  fs::remove_all(dir);
  return 0;
}
