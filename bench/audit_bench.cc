// Audit throughput (shanliu audit --data-dir): a generated chain replayed from genesis with every
// check on, beside the machine's own Ed25519 verify bound (1 thread and N threads, over the same
// tx envelopes) measured in the same run. DESIGN 10: a full audit within 1.5 x the time to verify
// the chain's signatures. Not a test: it asserts nothing about time.
//
//   bench_audit_bench [--txs N] [--threads T]   (default 50000 txs, T = hardware threads)
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "shanliu/audit/audit.h"
#include "bench_chain.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/ledger/tx.h"

using namespace shanliu;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kCharities = 20;

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }
using bench::Key;

using Chain = bench::BenchChain;

// Commits the txs in blocks of the genesis maximum; returns the number committed.
std::size_t Build(const Chain& chain, const std::vector<Bytes>& txs, const std::filesystem::path& dir) {
  auto opened = ledger::Ledger::Open(dir, chain.genesis, {.sync_writes = false, .check_conservation = false});
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    std::exit(1);
  }
  ledger::Ledger& ledger = **opened;
  std::size_t committed = 0;
  std::uint64_t time_ms = chain.genesis.genesis_time_ms;
  const std::size_t block = chain.genesis.params.max_block_txs;
  for (std::size_t i = 0; i < txs.size(); i += block) {
    std::vector<ledger::DecodedTx> decoded;
    for (std::size_t j = i; j < std::min(txs.size(), i + block); ++j) {
      auto d = ledger::DecodeTx(txs[j], chain.genesis.chain_id, /*verify_signatures=*/false);
      if (d.ok()) decoded.push_back(std::move(*d));
    }
    auto built = ledger.BuildBlock(decoded, time_ms += 1000, 0);
    if (built.executed.block.txs_size() == 0) continue;
    const auto& h = built.executed.block.header();
    auto commit = ledger::MakeCommitCertificate(
        h.height(), 0, built.executed.hash,
        {ledger::SignPrecommit(chain.genesis.chain_id, h.height(), 0, built.executed.hash, 0, chain.validator.secret_key)});
    if (!ledger.Commit(built.executed, commit).ok()) std::exit(1);
    committed += static_cast<std::size_t>(built.executed.block.txs_size());
  }
  return committed;
}

// Envelopes per second through DecodeTx with signature checks on `threads` threads: the bound
// the audit's verification stage cannot beat.
double VerifyRate(const Chain& chain, const std::vector<Bytes>& txs, unsigned threads) {
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> failed{0};
  const auto start = Clock::now();
  auto work = [&] {
    for (std::size_t i = next.fetch_add(64); i < txs.size(); i = next.fetch_add(64)) {
      for (std::size_t j = i; j < std::min(txs.size(), i + 64); ++j) {
        if (!ledger::DecodeTx(txs[j], chain.genesis.chain_id, true).ok()) ++failed;
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (failed != 0) std::abort();
  return static_cast<double>(txs.size()) / Seconds(start);
}

// The 1-minute load average: the machine is shared, so every figure is printed beside it.
std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one_minute;
  if (!(in >> one_minute)) return "unknown";
  return one_minute;
}

}  // namespace

int main(int argc, char** argv) {
  crypto::Init();
  std::size_t n = 50'000;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--txs") == 0) n = std::stoul(argv[i + 1]);
    if (std::strcmp(argv[i], "--threads") == 0) threads = static_cast<unsigned>(std::stoul(argv[i + 1]));
  }
  Chain chain("audit-bench", kCharities);
  if (chain.genesis.params.max_block_txs * 1000ull < n) {
    std::fprintf(stderr, "at most %u000 txs per run (the expiry window)\n", chain.genesis.params.max_block_txs);
    return 2;
  }
  std::printf("audit bench: %zu generated txs (70%% donations, 20%% transfers, 10%% spends), %u threads, load %s\n", n,
              threads, LoadAverage().c_str());
  const auto txs = bench::MakeTxs(chain, n, 7);
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "shanliu-audit-bench";
  std::filesystem::remove_all(dir);
  auto t0 = Clock::now();
  const std::size_t committed = Build(chain, txs, dir);
  std::printf("  chain built                            %10zu txs committed in %.1f s\n", committed, Seconds(t0));

  const double verify_1 = VerifyRate(chain, txs, 1);
  const double verify_n = VerifyRate(chain, txs, threads);
  std::printf("  machine limit: verify envelopes        %10.0f tx/s (1 thread)\n", verify_1);
  std::printf("  machine limit: verify envelopes        %10.0f tx/s (%u threads)\n", verify_n, threads);

  auto source = audit::OpenDataDirSource(dir);
  if (!source.ok()) {
    std::fprintf(stderr, "source: %s\n", source.status().ToString().c_str());
    return 1;
  }
  audit::AuditOptions options;
  options.threads = threads;
  auto report = audit::RunAudit(**source, chain.genesis, options);
  if (!report.ok() || !report->ok()) {
    std::fprintf(stderr, "audit failed: %s\n",
                 report.ok() ? audit::ReportText(*report).c_str() : report.status().ToString().c_str());
    return 1;
  }
  // Every figure as a ratio to the same-run bound: the time the verify-only pass needs for the
  // same txs on the same threads.
  const double verify_seconds = static_cast<double>(report->txs_checked) / verify_n;
  const double rate = static_cast<double>(report->txs_checked) / report->seconds;
  std::printf("  audit (every check)                    %10.0f tx/s  (%.2f s; %.0f%% of the %u-thread bound, %.0f%% of the "
              "1-thread bound)\n",
              rate, report->seconds, 100 * rate / verify_n, threads, 100 * rate / verify_1);
  std::printf("  of which replay (fetch, verify, execute) %8.2f s = %.2f x the bound\n", report->replay_seconds,
              report->replay_seconds / verify_seconds);
  std::printf("  of which whole-chain checks            %10.2f s = %.2f x the bound (%llu gifts traced)\n",
              report->seconds - report->replay_seconds, (report->seconds - report->replay_seconds) / verify_seconds,
              static_cast<unsigned long long>(report->gifts_traced));
  std::printf("  audit time / time to verify signatures %10.2f x    (%u threads; DESIGN target <= 1.5; load %s)\n",
              report->seconds / verify_seconds, threads, LoadAverage().c_str());
  source->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
