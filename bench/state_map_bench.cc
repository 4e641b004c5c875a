// The state map's cost: how much of committing a 10k-tx block goes to updating the state root
// (DESIGN 5.1 target: at most 20 %), beside the rate of the hash the tree uses, measured in the
// same run; and the size of one-key and multi-key proofs as the map grows.
//
//   bench_state_map_bench [--blocks N] [--block-txs K] [--small-blocks M] [--small-block-txs J]
//   (defaults 12 blocks of 10 000 txs, then 50 blocks of 50: the cost of a block at low load once
//   the map has grown, where fixed per-block costs of the tree's pages show)
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_chain.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/ledger/state_map.h"

using namespace shanliu;
namespace smt = shanliu::ledger::smt;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

// 65-byte inputs: what every leaf and internal node hash of the tree takes.
double NodeHashRate() {
  Hash256 a{};
  Hash256 b{};
  b[0] = 1;
  const int n = 400'000;
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i) a = smt::InternalHash(a, b);
  if (a == b) std::abort();  // keeps the loop
  return n / Seconds(start);
}

struct BlockFigures {
  double build_s = 0;   // execution incl. the state root (signatures already verified)
  double commit_s = 0;  // the synced write
  double root_s = 0;    // the state-root update alone, re-run on the same writes
  std::size_t writes = 0;
  std::size_t records = 0;      // the tree's records written (pages, store format 3)
  std::size_t record_bytes = 0;
};

BlockFigures OneBlock(ledger::Ledger& ledger, const bench::BenchChain& chain, std::span<const Bytes> txs,
                      std::uint64_t time_ms) {
  std::vector<ledger::DecodedTx> decoded;
  decoded.reserve(txs.size());
  for (const Bytes& tx : txs) decoded.push_back(*ledger::DecodeTx(tx, chain.genesis.chain_id, false));
  BlockFigures f;
  auto t = Clock::now();
  auto built = ledger.BuildBlock(decoded, time_ms, 0);
  f.build_s = Seconds(t);
  t = Clock::now();
  smt::NodeWrites again;
  smt::Apply(ledger.CommittedNodes(), built.executed.writes, &again);
  f.root_s = Seconds(t);
  f.writes = built.executed.writes.size();
  f.records = built.executed.state_nodes.size();
  for (const auto& [key, value] : built.executed.state_nodes) f.record_bytes += key.size() + (value ? value->size() : 0);
  const auto& h = built.executed.block.header();
  auto commit = ledger::MakeCommitCertificate(
      h.height(), 0, built.executed.hash,
      {ledger::SignPrecommit(chain.genesis.chain_id, h.height(), 0, built.executed.hash, 0, chain.validator.secret_key)});
  t = Clock::now();
  if (!ledger.Commit(built.executed, commit).ok()) std::exit(1);
  f.commit_s = Seconds(t);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  crypto::Init();
  std::size_t blocks = 12;
  std::size_t block_txs = 10'000;
  std::size_t small_blocks = 50;
  std::size_t small_block_txs = 50;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--blocks") == 0) blocks = std::stoul(argv[i + 1]);
    if (std::strcmp(argv[i], "--block-txs") == 0) block_txs = std::stoul(argv[i + 1]);
    if (std::strcmp(argv[i], "--small-blocks") == 0) small_blocks = std::stoul(argv[i + 1]);
    if (std::strcmp(argv[i], "--small-block-txs") == 0) small_block_txs = std::stoul(argv[i + 1]);
  }
  bench::BenchChain chain("bench", 200);
  chain.genesis.params.max_block_txs = static_cast<std::uint32_t>(block_txs);
  chain.genesis.params.max_block_bytes = 64u << 20;
  const double hash_rate = NodeHashRate();
  std::printf("state map bench: %zu blocks of %zu mixed txs, synced commits\n", blocks, block_txs);
  std::printf("  machine limit: SHA-256 of 65 bytes (OpenSSL)    %10.0f /s\n", hash_rate);
  const auto txs = bench::MakeTxs(chain, blocks * block_txs + small_blocks * small_block_txs, 7);
  const auto dir = std::filesystem::temp_directory_path() / "shanliu-state-map-bench";
  std::filesystem::remove_all(dir);
  auto ledger = ledger::Ledger::Open(dir, chain.genesis, ledger::LedgerOptions{.check_conservation = false});
  if (!ledger.ok()) return 1;
  std::uint64_t time_ms = chain.genesis.genesis_time_ms;
  std::printf("  %6s %8s %8s %9s %9s %9s %9s %7s\n", "block", "writes", "records", "tree KiB", "build ms",
              "commit ms", "root ms", "share");
  double total_root = 0;
  double total_all = 0;
  for (std::size_t b = 0; b < blocks; ++b) {
    const BlockFigures f = OneBlock(**ledger, chain, std::span(txs).subspan(b * block_txs, block_txs), time_ms += 1000);
    const double all = f.build_s + f.commit_s;
    std::printf("  %6zu %8zu %8zu %9.1f %9.1f %9.1f %9.1f %6.1f%%\n", b + 1, f.writes, f.records,
                static_cast<double>(f.record_bytes) / 1024.0, 1e3 * f.build_s, 1e3 * f.commit_s, 1e3 * f.root_s,
                100.0 * f.root_s / all);
    if (b > 0) {  // the first block fills caches and the tree's top
      total_root += f.root_s;
      total_all += all;
    }
  }
  if (blocks > 1) std::printf("  state-root share of commit time (blocks 2..): %.1f %% (target <= 20 %%)\n", 100.0 * total_root / total_all);

  if (small_blocks > 0) {
    BlockFigures sum;
    for (std::size_t b = 0; b < small_blocks; ++b) {
      const auto slice = std::span(txs).subspan(blocks * block_txs + b * small_block_txs, small_block_txs);
      const BlockFigures f = OneBlock(**ledger, chain, slice, time_ms += 1000);
      sum.build_s += f.build_s;
      sum.commit_s += f.commit_s;
      sum.records += f.records;
      sum.record_bytes += f.record_bytes;
    }
    const double n = static_cast<double>(small_blocks);
    std::printf("  then %zu blocks of %zu txs, per block: %.0f records, %.1f KiB of tree, build %.2f ms, commit %.2f ms"
                " (%.0f us per tx)\n",
                small_blocks, small_block_txs, static_cast<double>(sum.records) / n,
                static_cast<double>(sum.record_bytes) / 1024.0 / n, 1e3 * sum.build_s / n, 1e3 * sum.commit_s / n,
                1e6 * (sum.build_s + sum.commit_s) / n / static_cast<double>(small_block_txs));
  }

  // Proof sizes against the final state.
  auto view = (*ledger)->Read();
  std::vector<std::string> one = {"o/charity-7"};
  std::vector<std::string> ten;
  for (int i = 0; i < 10; ++i) ten.push_back("a/org:charity-" + std::to_string(i * 17));
  std::printf("  proof bytes: 1 key %zu, 10 keys %zu\n", view->StateProof(one).size(), view->StateProof(ten).size());
  view.reset();
  ledger->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
