// Region dashboard cost against ledger size (issue 21 part 5, docs/regions.md): applies donations
// spread over a year and over 100 counties (and a few streets) of 浙江省 through the real executor
// (ApplyTx, signatures taken as verified: this measures the state machine, not Ed25519) into a
// real LevelDB, one WriteBatch per block, and at 10k, 100k and 1M donations times a district
// dashboard (ReadYear of one county), a city's table of districts (ReadChildren) and a province's
// total beside a single LevelDB Get of the same run. The dashboards read
// O(regions x 12 months) rows, so their times should stay flat while the donations grow 100-fold.
//
//   bench_regions_bench [--max N] [--queries K] [--dir DIR]
#include <leveldb/db.h>
#include <leveldb/write_batch.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench_chain.h"
#include "shanliu/ledger/executor.h"
#include "shanliu/ledger/regions.h"
#include "shanliu/ledger/state_view.h"

namespace {

using shanliu::Bytes;
using shanliu::ledger::StateView;
namespace ledger = shanliu::ledger;
namespace pb = shanliu::pb;
namespace regions = shanliu::ledger::regions;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kCharities = 200;
constexpr std::size_t kTxsPerBlock = 5'000;
constexpr std::uint64_t kYearMs = 365ull * 86'400'000;

struct Options {
  std::uint64_t max_donations = 1'000'000;
  std::size_t queries = 200;
  std::string dir;
};

[[noreturn]] void Usage() {
  std::fprintf(stderr, "usage: bench_regions_bench [--max N] [--queries K] [--dir DIR]\n");
  std::exit(2);
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) Usage();
    if (arg == "--max") {
      o.max_donations = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--queries") {
      o.queries = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--dir") {
      o.dir = argv[++i];
    } else {
      Usage();
    }
  }
  if (o.max_donations == 0 || o.queries == 0) Usage();
  return o;
}

// The first 100 county codes of 浙江省 on the compiled list (sorted), found by probing 33xxyy.
std::vector<std::string> ZhejiangCounties() {
  std::vector<std::string> out;
  for (int city = 1; city <= 11 && out.size() < 100; ++city) {
    for (int county = 1; county <= 99 && out.size() < 100; ++county) {
      char code[8];
      std::snprintf(code, sizeof code, "33%02d%02d", city, county);
      if (regions::IsPlaceable(StateView(nullptr), code)) out.push_back(code);
    }
  }
  return out;
}

// Charities spread over the counties; every tenth in a street of its county.
shanliu::bench::BenchChain MakeChain(const std::vector<std::string>& counties) {
  shanliu::bench::BenchChain chain("regions-bench", kCharities);
  for (std::size_t i = 0; i < counties.size(); ++i) chain.genesis.streets.push_back({counties[i] + "001", "街道"});
  for (std::size_t i = 2; i < chain.genesis.organisations.size(); ++i) {
    const std::string& county = counties[(i - 2) % counties.size()];
    chain.genesis.organisations[i].region = (i % 10 == 0) ? county + "001" : county;
  }
  for (const std::string& county : counties) chain.genesis.populations.push_back({county, 2026, 500'000});
  return chain;
}

// One donation, as DecodeTx would hand it to the executor (signers already verified).
ledger::DecodedTx Donation(const shanliu::bench::BenchChain& chain, std::uint64_t i, std::mt19937_64& rng,
                           const ledger::TxContext& ctx) {
  const std::size_t c = rng() % chain.charities.size();
  ledger::DecodedTx tx;
  pb::TxBody& body = tx.body;
  body.set_chain_id(chain.genesis.chain_id);
  body.set_expires_at_height(ctx.height + 10);
  body.set_expires_at_ms(ctx.time_ms + 1'000);
  body.set_nonce(i);
  auto* d = body.mutable_donation();
  d->set_to_account("org:charity-" + std::to_string(c));
  d->set_amount_fen(100 + static_cast<std::int64_t>(rng() % 5'000));
  const shanliu::Hash256 ref = shanliu::crypto::Sha256(shanliu::AsBytes("donor-" + std::to_string(i)));
  d->set_donor_ref(std::string(ref.begin(), ref.end()));
  d->set_channel(pb::DONATION_CHANNEL_MOBILE_PAYMENT);
  if (rng() % 3 == 0) {
    d->set_attesting_bank("bank-1");
    tx.signers = {chain.bank.public_key};
  } else {
    tx.signers = {chain.charities[c].public_key};
  }
  const std::string bytes = body.SerializeAsString();
  tx.id = ledger::TxId(shanliu::AsBytes(bytes));
  return tx;
}

void Commit(leveldb::DB* db, const StateView& view) {
  leveldb::WriteBatch batch;
  for (const auto& [key, value] : view.MergedWrites()) {
    if (value) batch.Put(key, *value);
    else batch.Delete(key);
  }
  const leveldb::Status s = db->Write(leveldb::WriteOptions(), &batch);
  if (!s.ok()) {
    std::fprintf(stderr, "leveldb write: %s\n", s.ToString().c_str());
    std::exit(1);
  }
}

template <class F>
double MicrosPerCall(std::size_t n, F&& f) {
  const auto start = Clock::now();
  for (std::size_t i = 0; i < n; ++i) f(i);
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / static_cast<double>(n);
}

void Measure(leveldb::DB* db, std::uint64_t donations, const std::vector<std::string>& counties, std::size_t queries) {
  StateView view(db);
  std::mt19937_64 rng(donations);
  std::size_t rows = 0;
  std::int64_t checksum = 0;
  const double county_us = MicrosPerCall(queries, [&](std::size_t i) {
    const regions::YearFigures f = regions::ReadYear(view, counties[(i * 7 + rng()) % counties.size()], 2026);
    rows = f.rows_read;
    checksum += f.total.donated_fen();
  });
  const double city_us = MicrosPerCall(queries, [&](std::size_t) {
    const regions::ChildFigures f = regions::ReadChildren(view, "3301", 2026, regions::Level::kCounty);
    checksum += static_cast<std::int64_t>(f.by_code.size());
  });
  const regions::YearFigures province = regions::ReadYear(view, "33", 2026);
  const double province_us = MicrosPerCall(queries, [&](std::size_t) {
    checksum += regions::ReadYear(view, "33", 2026).total.donated_fen();
  });
  // The same run's bound: one point read of a random existing row (an organisation record).
  const double get_us = MicrosPerCall(queries * 10, [&](std::size_t) {
    checksum += static_cast<std::int64_t>(view.Get("o/charity-" + std::to_string(rng() % kCharities))->size());
  });
  std::printf("%10llu donations | county dashboard %8.1f us (%zu rows) | city table %8.1f us | province %8.1f us "
              "(%zu rows, raised %lld fen) | one LevelDB Get %6.2f us | county/Get %.0fx\n",
              static_cast<unsigned long long>(donations), county_us, rows, city_us, province_us, province.rows_read,
              static_cast<long long>(province.total.donated_fen()), get_us, county_us / get_us);
  if (checksum == 42) std::printf(" ");  // keeps the reads from being optimised away
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = ParseArgs(argc, argv);
  const std::vector<std::string> counties = ZhejiangCounties();
  const shanliu::bench::BenchChain chain = MakeChain(counties);
  std::filesystem::path dir = options.dir;
  std::string temp_template;
  if (dir.empty()) {
    temp_template = (std::filesystem::temp_directory_path() / "shanliu-regions-bench-XXXXXX").string();
    if (mkdtemp(temp_template.data()) == nullptr) return 1;
    dir = temp_template;
  }
  leveldb::Options db_options;
  db_options.create_if_missing = true;
  leveldb::DB* raw = nullptr;
  if (!leveldb::DB::Open(db_options, (dir / "db").string(), &raw).ok()) return 1;
  std::unique_ptr<leveldb::DB> db(raw);
  {
    StateView genesis_view(db.get());
    ledger::ApplyGenesis(genesis_view, chain.genesis);
    Commit(db.get(), genesis_view);
  }
  std::printf("regions bench: %zu counties + %zu streets of 浙江省, %zu charities, blocks of %zu donations over 2026\n",
              counties.size(), counties.size(), kCharities, kTxsPerBlock);
  std::mt19937_64 rng(2026);
  std::uint64_t next_checkpoint = std::min<std::uint64_t>(10'000, options.max_donations);
  const auto start = Clock::now();
  for (std::uint64_t done = 0; done < options.max_donations;) {
    StateView view(db.get());
    view.PushLayer();
    const std::uint64_t block_end = std::min(done + kTxsPerBlock, next_checkpoint);
    for (; done < block_end; ++done) {
      // Spread over Beijing 2026: block time moves through the year as the count grows.
      const std::uint64_t time_ms = chain.genesis.genesis_time_ms + (done * (kYearMs - 86'400'000)) / options.max_donations;
      const ledger::TxContext ctx{done / kTxsPerBlock + 1, time_ms, done, static_cast<std::uint32_t>(done % kTxsPerBlock)};
      const ledger::DecodedTx tx = Donation(chain, done, rng, ctx);
      const shanliu::Status s = ledger::ApplyTx(view, chain.genesis, tx, ctx);
      if (!s.ok()) {
        std::fprintf(stderr, "donation %llu refused: %s\n", static_cast<unsigned long long>(done), s.ToString().c_str());
        return 1;
      }
    }
    Commit(db.get(), view);
    if (done == next_checkpoint) {
      std::printf("  built %llu donations in %.1f s\n", static_cast<unsigned long long>(done),
                  std::chrono::duration<double>(Clock::now() - start).count());
      Measure(db.get(), done, counties, options.queries);
      next_checkpoint = std::min(next_checkpoint * 10, options.max_donations);
    }
  }
  db.reset();
  if (!temp_template.empty()) std::filesystem::remove_all(dir);
  return 0;
}
