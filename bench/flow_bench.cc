// Fund-flow trace time against ledger size (DESIGN 5, issue 3): builds a ledger of small
// donations, allocations, spends and refunds in a real LevelDB (a temp dir), one WriteBatch per
// block, and at 10k, 100k and 1M donations measures forward traces of random donations and
// reverse walks of random spends beside the LevelDB random-read rate of the same run.
// A trace costs O(pieces x log n): per-trace time should stay flat while the ledger grows.
//
//   bench_flow_bench [--max N] [--traces K] [--dir DIR]
#include <leveldb/db.h>
#include <leveldb/write_batch.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/ledger/flow.h"
#include "shanliu/ledger/state_view.h"

namespace {

using shanliu::ledger::StateView;
namespace flow = shanliu::ledger::flow;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kOrgs = 200;
constexpr std::size_t kProjectsPerOrg = 5;
constexpr std::size_t kOpsPerBlock = 10'000;

struct Options {
  std::uint64_t max_donations = 1'000'000;
  std::size_t traces = 2'000;
  std::string dir;
};

[[noreturn]] void Usage() {
  std::fprintf(stderr, "usage: bench_flow_bench [--max N] [--traces K] [--dir DIR]\n");
  std::exit(2);
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) Usage();
    if (arg == "--max") {
      o.max_donations = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--traces") {
      o.traces = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--dir") {
      o.dir = argv[++i];
    } else {
      Usage();
    }
  }
  if (o.max_donations == 0 || o.traces == 0) Usage();
  return o;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

struct Donation {
  std::uint32_t account = 0;
  std::uint64_t start = 0;
  std::int64_t amount = 0;
};

class Ledger {
 public:
  explicit Ledger(leveldb::DB* db) : db_(db), rng_(20240601) {
    for (std::size_t o = 0; o < kOrgs; ++o) {
      accounts_.push_back("org:o" + std::to_string(o));
      for (std::size_t p = 0; p < kProjectsPerOrg; ++p) {
        accounts_.push_back("project:o" + std::to_string(o) + "-p" + std::to_string(p));
      }
    }
  }

  // Adds donations (with the allocations, spends and refunds that go with them) until
  // `target` donations exist, one LevelDB WriteBatch per block of kOpsPerBlock txs.
  void GrowTo(std::uint64_t target) {
    while (donations_.size() < target) {
      StateView view(db_);
      for (std::size_t i = 0; i < kOpsPerBlock && donations_.size() < target; ++i) Step(view);
      leveldb::WriteBatch batch;
      for (const auto& [key, value] : view.MergedWrites()) {
        if (value) {
          batch.Put(key, *value);
        } else {
          batch.Delete(key);
        }
      }
      leveldb::WriteOptions sync;
      sync.sync = true;
      Check(db_->Write(sync, &batch));
    }
  }

  const std::vector<Donation>& donations() const { return donations_; }
  const std::vector<std::uint64_t>& spends() const { return spends_; }
  const std::string& account(std::uint32_t i) const { return accounts_[i]; }
  std::uint64_t txs() const { return next_tx_ - 1; }

 private:
  static void Check(const leveldb::Status& s) {
    if (!s.ok()) {
      std::fprintf(stderr, "leveldb: %s\n", s.ToString().c_str());
      std::exit(1);
    }
  }
  static void Check(const shanliu::Status& s) {
    if (!s.ok()) {
      std::fprintf(stderr, "flow: %s\n", s.ToString().c_str());
      std::exit(1);
    }
  }

  std::uint32_t Org() { return static_cast<std::uint32_t>((rng_() % kOrgs) * (kProjectsPerOrg + 1)); }
  std::uint32_t ProjectOf(std::uint32_t org) { return org + 1 + static_cast<std::uint32_t>(rng_() % kProjectsPerOrg); }

  // One tx: a donation (95 % of them at most 100 yuan, a fifth restricted to a project) with
  // probability 1/2, else an allocation of most of an org's fund to one of its projects, a spend
  // of part of a project's fund, or (1 in 500) the refund of a recent gift.
  void Step(StateView& view) {
    const std::uint64_t tx = next_tx_++;
    const std::uint64_t roll = rng_() % 1000;
    const std::uint64_t n = donations_.size();
    if (roll < 250 && n > 0) {
      const std::uint32_t org = Org();
      const std::int64_t balance = flow::GetAccount(view, accounts_[org]).balance_fen;
      if (balance > 0) {
        Check(flow::RecordTransfer(view, accounts_[org], accounts_[ProjectOf(org)], 1 + balance * 4 / 5, tx));
      }
      return;
    }
    if (roll < 498 && n > 0) {
      const std::uint32_t project = ProjectOf(Org());
      const std::int64_t balance = flow::GetAccount(view, accounts_[project]).balance_fen;
      if (balance > 0) {
        Check(flow::RecordSpend(view, accounts_[project], 1 + balance * 3 / 5, tx));
        spends_.push_back(tx);
      }
      return;
    }
    if (roll < 500 && n > 0) {
      const Donation& d = donations_[n - 1 - rng_() % std::min<std::uint64_t>(n, 100)];
      auto refunded = flow::RecordRefund(view, accounts_[d.account], d.start, d.amount, tx);
      if (!refunded.ok() && refunded.status().code() != "nothing_to_refund") Check(refunded.status());
      return;
    }
    const std::uint32_t org = Org();
    const std::uint32_t account = rng_() % 5 == 0 ? ProjectOf(org) : org;
    const auto amount = static_cast<std::int64_t>(rng_() % 100 < 95 ? 1 + rng_() % 10'000 : 1 + rng_() % 1'000'000);
    auto start = flow::RecordInflow(view, accounts_[account], amount, flow::InflowKind::kDonation, tx);
    Check(start.status());
    donations_.push_back(Donation{account, *start, amount});
  }

  leveldb::DB* db_;
  std::mt19937_64 rng_;
  std::vector<std::string> accounts_;
  std::vector<Donation> donations_;
  std::vector<std::uint64_t> spends_;
  std::uint64_t next_tx_ = 1;
};

std::size_t CountNodes(const flow::TraceNode& node) {
  std::size_t n = 1;
  for (const auto& child : node.children) n += CountNodes(child);
  return n;
}

struct Timing {
  double mean_us = 0;
  double p50_us = 0;
  double p99_us = 0;
};

Timing Summarise(std::vector<double>& us) {
  std::sort(us.begin(), us.end());
  Timing t;
  for (double v : us) t.mean_us += v;
  t.mean_us /= static_cast<double>(us.size());
  t.p50_us = us[us.size() / 2];
  t.p99_us = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  return t;
}

std::uint64_t DirBytes(const std::filesystem::path& dir) {
  std::uint64_t total = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) total += entry.file_size();
  }
  return total;
}

// The key under which the inflow index holds a donation: "f/i/" account NUL u64 end
// (layout in docs/tracing.md).
std::string InflowKey(const std::string& account, const Donation& d) {
  shanliu::Bytes key = shanliu::ToBytes("f/i/" + account);
  key.push_back(0);
  shanliu::AppendU64(key, d.start + static_cast<std::uint64_t>(d.amount));
  return shanliu::ToString(key);
}

void Measure(leveldb::DB* db, const Ledger& ledger, std::size_t traces, const std::filesystem::path& dir) {
  std::mt19937_64 rng(ledger.donations().size());
  const auto& donations = ledger.donations();
  // Let the background compaction settle first, so that it does not share the two cores with
  // the queries being timed.
  db->CompactRange(nullptr, nullptr);

  // Forward traces of random donations, each through a fresh view as a query would.
  std::vector<double> trace_us;
  std::size_t nodes = 0;
  std::vector<const Donation*> picked;
  for (std::size_t i = 0; i < traces; ++i) {
    const Donation& d = donations[rng() % donations.size()];
    picked.push_back(&d);
    const auto t0 = Clock::now();
    StateView view(db);
    flow::Trace trace = flow::TraceForward(view, ledger.account(d.account), d.start, d.amount);
    trace_us.push_back(Seconds(Clock::now() - t0) * 1e6);
    for (const auto& root : trace.roots) nodes += CountNodes(root);
  }
  // The cost of the walk itself: 100 of those traces repeated until their blocks are cached.
  std::vector<double> warm_us;
  picked.resize(std::min<std::size_t>(picked.size(), 100));
  for (int round = 0; round < 5; ++round) {
    for (const Donation* d : picked) {
      const auto t0 = Clock::now();
      StateView view(db);
      flow::Trace trace = flow::TraceForward(view, ledger.account(d->account), d->start, d->amount);
      if (round > 0) warm_us.push_back(Seconds(Clock::now() - t0) * 1e6);
    }
  }

  // Reverse walks (first page of up to 50 origins) of random spends.
  std::vector<double> reverse_us;
  std::size_t pieces = 0;
  for (std::size_t i = 0; i < traces && !ledger.spends().empty(); ++i) {
    const std::uint64_t tx = ledger.spends()[rng() % ledger.spends().size()];
    const auto t0 = Clock::now();
    StateView view(db);
    auto page = flow::TraceBackward(view, tx, 0, 50);
    reverse_us.push_back(Seconds(Clock::now() - t0) * 1e6);
    if (page.ok()) pieces += page->pieces.size();
  }

  // The machine's own limit in the same run: random point reads of existing keys.
  const std::size_t reads = std::max<std::size_t>(traces * 10, 1000);
  std::vector<std::string> keys;
  keys.reserve(reads);
  for (std::size_t i = 0; i < reads; ++i) {
    const Donation& d = donations[rng() % donations.size()];
    keys.push_back(InflowKey(ledger.account(d.account), d));
  }
  // Timed in batches; the median batch rate resists the other processes sharing the machine.
  std::string value;
  std::size_t found = 0;
  std::vector<double> batch_rates;
  constexpr std::size_t kBatch = 1000;
  for (std::size_t first = 0; first + kBatch <= keys.size(); first += kBatch) {
    const auto r0 = Clock::now();
    for (std::size_t i = first; i < first + kBatch; ++i) {
      found += db->Get(leveldb::ReadOptions(), keys[i], &value).ok() ? 1 : 0;
    }
    batch_rates.push_back(static_cast<double>(kBatch) / Seconds(Clock::now() - r0));
  }
  std::sort(batch_rates.begin(), batch_rates.end());
  const double read_rate = batch_rates[batch_rates.size() / 2];
  if (found != batch_rates.size() * kBatch) std::fprintf(stderr, "warning: some inflow keys are missing\n");

  const Timing fwd = Summarise(trace_us);
  const Timing warm = Summarise(warm_us);
  std::printf("%10zu %10llu %8.1f | %8.1f %8.1f %8.1f %8.1f %7.1f | %8.1f %7.1f | %10.0f %8.1f\n", donations.size(),
              static_cast<unsigned long long>(ledger.txs()), static_cast<double>(DirBytes(dir)) / 1e6, fwd.mean_us,
              fwd.p50_us, fwd.p99_us, warm.p50_us, static_cast<double>(nodes) / static_cast<double>(traces),
              reverse_us.empty() ? 0.0 : Summarise(reverse_us).mean_us,
              reverse_us.empty() ? 0.0 : static_cast<double>(pieces) / static_cast<double>(reverse_us.size()),
              read_rate, fwd.p50_us * read_rate / 1e6);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = ParseArgs(argc, argv);
  std::filesystem::path dir;
  bool remove_dir = false;
  if (options.dir.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "shanliu-flow-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    dir = pattern;
    remove_dir = true;
  } else {
    dir = options.dir;
    std::filesystem::create_directories(dir);
  }

  leveldb::Options db_options;
  db_options.create_if_missing = true;
  db_options.error_if_exists = true;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(db_options, dir.string(), &raw);
  if (!s.ok()) {
    std::fprintf(stderr, "leveldb open %s: %s\n", dir.c_str(), s.ToString().c_str());
    return 1;
  }
  std::unique_ptr<leveldb::DB> db(raw);

  std::printf("flow_bench: interval-FIFO fund-flow tracing over LevelDB in %s\n", dir.c_str());
  std::printf("ledger: %zu orgs x %zu projects; txs: 1/2 donations, 1/4 allocations, 1/4 spends, 1/500 refunds\n",
              kOrgs, kProjectsPerOrg);
  std::printf("%zu forward traces (random donations) and reverse walks (random spends, first page <= 50) per size\n\n",
              options.traces);
  std::printf("%10s %10s %8s | %8s %8s %8s %8s %7s | %8s %7s | %10s %8s\n", "donations", "txs", "db MB", "trace us",
              "p50 us", "p99 us", "warm p50", "nodes", "rev us", "origins", "Get/s", "Gets-eq");

  Ledger ledger(db.get());
  const auto t0 = Clock::now();
  for (std::uint64_t size : {10'000ULL, 100'000ULL, 1'000'000ULL, 10'000'000ULL}) {
    const std::uint64_t target = std::min<std::uint64_t>(size, options.max_donations);
    if (target <= ledger.donations().size()) break;
    ledger.GrowTo(target);
    Measure(db.get(), ledger, options.traces, dir);
  }
  std::printf(
      "\ntrace us: time of one forward trace of a random donation through a fresh view (mean, median, p99);\n"
      "warm p50: median of 100 of those traces repeated with their blocks cached (the walk itself);\n"
      "nodes: mean nodes per trace; rev us: mean time of a reverse walk's first page; origins: pieces in it;\n"
      "Get/s: median rate of LevelDB random reads of existing inflow keys (default options) in this run;\n"
      "Gets-eq: median trace time expressed in such reads. Total %.1f s\n",
      Seconds(Clock::now() - t0));

  db.reset();
  if (remove_dir) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  return 0;
}
