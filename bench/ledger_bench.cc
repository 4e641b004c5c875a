// Ledger throughput: mixed signed txs applied through BuildBlock + Commit (blocks of the
// genesis maximum, synced), with and without Ed25519 verification, beside the machine's own
// Ed25519 verification rate measured in the same run; then bytes on disk per tx.
//
//   bench_ledger_bench [--txs N] [--compress 0|1] [--write-buffer-mb M] [--table-file-mb F] [--threads T]
//   (default 200000 txs; the DESIGN target is stated for 1000000; LevelDB settings as the node's)
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench_chain.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/ledger/verify_pool.h"

using namespace shanliu;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }
using bench::Key;

std::uintmax_t DirBytes(const std::filesystem::path& dir) {
  std::uintmax_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

double VerifyRate() {
  const auto key = Key("verify-bench");
  const Bytes msg(120, 7);
  const auto sig = crypto::Sign(key.secret_key, "bench", msg);
  const int n = 20'000;
  const auto start = Clock::now();
  int ok = 0;
  for (int i = 0; i < n; ++i) ok += crypto::Verify(key.public_key, "bench", msg, sig) ? 1 : 0;
  if (ok != n) std::abort();
  return n / Seconds(start);
}

using Chain = bench::BenchChain;

// CPU seconds of the whole process (every thread, LevelDB's compaction thread included).
double ProcessCpuSeconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct RunResult {
  double seconds = 0;
  double cpu_seconds = 0;
  std::size_t committed = 0;
  std::uintmax_t disk_bytes = 0;
};

RunResult Apply(const Chain& chain, const std::vector<Bytes>& txs, bool verify, const std::filesystem::path& dir,
                ledger::LedgerOptions options, ledger::VerifyPool* pool) {
  std::filesystem::remove_all(dir);
  auto ledger = ledger::Ledger::Open(dir, chain.genesis, options);
  if (!ledger.ok()) {
    std::fprintf(stderr, "open: %s\n", ledger.status().ToString().c_str());
    std::exit(1);
  }
  if (pool != nullptr) (*ledger)->SetParallelFor(pool->AsParallelFor());
  RunResult r;
  const auto start = Clock::now();
  const double cpu_start_s = ProcessCpuSeconds();
  const std::size_t block = chain.genesis.params.max_block_txs;
  std::uint64_t time_ms = chain.genesis.genesis_time_ms;
  for (std::size_t i = 0; i < txs.size(); i += block) {
    std::vector<ledger::DecodedTx> decoded;
    for (std::size_t j = i; j < std::min(txs.size(), i + block); ++j) {
      auto d = ledger::DecodeTx(txs[j], chain.genesis.chain_id, verify);
      if (d.ok()) decoded.push_back(std::move(*d));
    }
    auto built = (*ledger)->BuildBlock(decoded, time_ms += 1000, 0);
    const auto& h = built.executed.block.header();
    auto commit = ledger::MakeCommitCertificate(
        h.height(), 0, built.executed.hash,
        {ledger::SignPrecommit(chain.genesis.chain_id, h.height(), 0, built.executed.hash, 0,
                               chain.validator.secret_key)});
    if (!(*ledger)->Commit(built.executed, commit).ok()) std::exit(1);
    r.committed += static_cast<std::size_t>(built.executed.block.txs_size());
  }
  ledger->reset();  // waits for LevelDB's background compaction: its CPU belongs to the run
  r.seconds = Seconds(start);
  r.cpu_seconds = ProcessCpuSeconds() - cpu_start_s;
  r.disk_bytes = DirBytes(dir);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  crypto::Init();
  std::size_t n = 200'000;
  ledger::LedgerOptions options{.sync_writes = true, .check_conservation = false};
  unsigned threads = 1;  // > 1: state-map updates on a pool of this many threads, as in the node
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--txs") == 0) {
      n = std::stoul(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--compress") == 0) {
      options.compress = std::stoi(argv[i + 1]) != 0;
    } else if (std::strcmp(argv[i], "--write-buffer-mb") == 0) {
      options.write_buffer_bytes = std::stoul(argv[i + 1]) << 20;
    } else if (std::strcmp(argv[i], "--table-file-mb") == 0) {
      options.table_file_bytes = std::stoul(argv[i + 1]) << 20;
    } else if (std::strcmp(argv[i], "--threads") == 0) {
      threads = std::stoul(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: bench_ledger_bench [--txs N] [--compress 0|1] [--write-buffer-mb M] [--table-file-mb F] [--threads T]\n");
      return 2;
    }
  }
  Chain chain("bench", 10);
  chain.genesis.params.max_block_txs = 2000;
  std::printf("ledger bench: %zu mixed txs (70%% donations, 20%% transfers, 10%% spends), blocks of %u, synced\n", n,
              chain.genesis.params.max_block_txs);
  const double verify_rate = VerifyRate();
  std::printf("  machine limit: Ed25519 verify           %10.0f /s (1 thread)\n", verify_rate);
  if (chain.genesis.params.max_block_txs * 1000ull < n) {
    // expires_at_height must stay within the window of every block the run makes.
    std::fprintf(stderr, "at most %u000 txs per run\n", chain.genesis.params.max_block_txs);
    return 2;
  }
  auto t0 = Clock::now();
  const auto txs = bench::MakeTxs(chain, n, 42);
  std::printf("  signing the workload                   %10.0f tx/s\n", n / Seconds(t0));
  const auto dir = std::filesystem::temp_directory_path() / "shanliu-ledger-bench";
  std::unique_ptr<ledger::VerifyPool> pool;
  if (threads > 1) pool = std::make_unique<ledger::VerifyPool>(threads);
  const RunResult with = Apply(chain, txs, true, dir, options, pool.get());
  std::printf("  applied, verifying signatures          %10.0f tx/s  (%zu committed, %.0f%% of the 1-thread verify bound)\n",
              with.committed / with.seconds, with.committed, 100.0 * (with.committed / with.seconds) / verify_rate);
  const RunResult without = Apply(chain, txs, false, dir, options, pool.get());
  std::printf("  applied, signatures already verified   %10.0f tx/s  (state map on %u thread%s)\n",
              without.committed / without.seconds, threads, threads == 1 ? "" : "s");
  // CPU, not wall time: holds up on a busy machine, and counts compaction on LevelDB's thread.
  std::printf("  CPU per tx, signatures already verified %9.1f us  (one verification: %.1f us; LevelDB %s, %zu MiB memtable, %zu MiB tables)\n",
              1e6 * without.cpu_seconds / static_cast<double>(without.committed), 1e6 / verify_rate,
              options.compress ? "snappy" : "uncompressed", options.write_buffer_bytes >> 20,
              options.table_file_bytes >> 20);
  std::printf("  on disk                                %10.0f bytes/tx (LevelDB, uncompacted; target <= 400)\n",
              static_cast<double>(without.disk_bytes) / static_cast<double>(without.committed));
  std::filesystem::remove_all(dir);
  return 0;
}
