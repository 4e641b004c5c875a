// API read benchmark (DESIGN 10): with N donations stored, hammer GET /v1/trace/{code} and
// GET /v1/receipts/{code} over loopback keep-alive connections from client threads, and print
// requests/s and latency percentiles beside this machine's LevelDB random-read rate measured
// in the same run on the same database.
//
//   bench_api_bench [--donations N] [--requests R] [--clients C] [--server-threads S] [--dir DIR]
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "shanliu/api/server.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/ledger/registry_codes.h"
#include "shanliu/ledger/tx.h"

namespace {

using namespace shanliu;
namespace fs = std::filesystem;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr const char* kChainId = "shanliu-bench";
constexpr std::uint64_t kGenesisMs = 1'740'758'400'000;

struct Options {
  std::size_t donations = 100'000;
  std::size_t requests = 20'000;  // per endpoint
  unsigned clients = 4;
  unsigned server_threads = 2;
  fs::path dir;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "%s\nusage: bench_api_bench [--donations N] [--requests R] [--clients C] [--server-threads S] "
               "[--dir DIR]\n",
               why);
  std::exit(2);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) Usage(("missing value for " + flag).c_str());
    const std::string value = argv[++i];
    auto number = [&] {
      char* end = nullptr;
      const unsigned long long v = std::strtoull(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || v == 0) Usage(("bad number for " + flag).c_str());
      return static_cast<std::size_t>(v);
    };
    if (flag == "--donations") o.donations = number();
    else if (flag == "--requests") o.requests = number();
    else if (flag == "--clients") o.clients = static_cast<unsigned>(number());
    else if (flag == "--server-threads") o.server_threads = static_cast<unsigned>(number());
    else if (flag == "--dir") o.dir = value;
    else Usage(("unknown option " + flag).c_str());
  }
  return o;
}

crypto::KeyPair Key(std::uint8_t n) {
  crypto::Seed seed{};
  seed.fill(n);
  return crypto::KeyPairFromSeed(seed);
}

std::string Raw(const crypto::PublicKey& k) { return std::string(k.begin(), k.end()); }

class Loader {
 public:
  explicit Loader(const fs::path& dir) {
    ledger::Genesis g;
    g.chain_id = kChainId;
    g.genesis_time_ms = kGenesisMs;
    g.validators.push_back({bureau_.public_key, 1, "bureau"});
    g.organisations.push_back({"bureau", pb::ORG_KIND_BUREAU, "民政局", "Bureau", ledger::MakeCreditCode("11", "330106", 1), {bureau_.public_key}, {}, ""});
    g.organisations.push_back({"bank-a", pb::ORG_KIND_BANK, "甲银行", "Bank A", ledger::MakeCreditCode("91", "330106", 2), {bank_.public_key}, {}, ""});
    g.params.max_block_txs = 10'000;
    g.params.max_block_bytes = 64 << 20;
    ledger::LedgerOptions options;
    options.sync_writes = false;          // loading only; the queries are what is measured
    options.check_conservation = false;
    auto opened = ledger::Ledger::Open(dir, g, options);
    if (!opened.ok()) {
      std::fprintf(stderr, "cannot open the ledger: %s\n", opened.status().ToString().c_str());
      std::exit(1);
    }
    ledger = std::move(*opened);
  }

  // Orgs and projects, then donations with regular allocations and spending so traces have hops.
  std::vector<Hash256> Load(std::size_t donations) {
    std::vector<ledger::DecodedTx> setup;
    Add(setup, RegisterCharity(), {&bureau_});
    Commit(setup);
    for (int p = 0; p < kProjects; ++p) Add(setup, OpenProject(p), {&charity_});
    Commit(setup);

    std::mt19937_64 rng(42);
    std::vector<Hash256> gifts;
    std::vector<ledger::DecodedTx> block;
    std::int64_t org_unallocated = 0;
    std::vector<std::int64_t> project_balance(kProjects, 0);
    for (std::size_t i = 0; i < donations; ++i) {
      // Mostly small gifts, some large; a third restricted to a project.
      const std::int64_t amount = (rng() % 10 == 0) ? 100'000 + static_cast<std::int64_t>(rng() % 5'000'000)
                                                    : 100 + static_cast<std::int64_t>(rng() % 20'000);
      const bool restricted = rng() % 3 == 0;
      const int project = static_cast<int>(rng() % kProjects);
      const std::string to = restricted ? "project:proj-" + std::to_string(project) : "org:charity-a";
      Add(block, Donation(to, amount), {&bank_});
      gifts.push_back(block.back().id);
      (restricted ? project_balance[project] : org_unallocated) += amount;
      if (i % 200 == 199) {
        // Allocate most of the general fund, then spend most of every project's balance.
        const std::int64_t allocate = org_unallocated * 9 / 10;
        if (allocate > 0) {
          Add(block, Transfer("org:charity-a", "project:proj-" + std::to_string(i / 200 % kProjects), allocate), {&charity_});
          project_balance[i / 200 % kProjects] += allocate;
          org_unallocated -= allocate;
        }
        for (int p = 0; p < kProjects; ++p) {
          const std::int64_t spend = project_balance[p] * 3 / 4;
          if (spend <= 0) continue;
          Add(block, Spend("project:proj-" + std::to_string(p), spend), {&charity_});
          project_balance[p] -= spend;
        }
      }
      if (block.size() >= 5'000) Commit(block);
    }
    Commit(block);
    return gifts;
  }

  std::unique_ptr<ledger::Ledger> ledger;

 private:
  static constexpr int kProjects = 20;

  pb::TxBody Body() {
    pb::TxBody b;
    b.set_chain_id(kChainId);
    b.set_expires_at_height(ledger->height() + 500);
    // Blocks are a minute apart: a day from the head covers every block this batch lands in.
    b.set_expires_at_ms(ledger->head().time_ms() + 86'400'000);
    b.set_nonce(++nonce_);
    return b;
  }
  pb::TxBody RegisterCharity() {
    pb::TxBody b = Body();
    auto* r = b.mutable_register_org();
    r->set_org_id("charity-a");
    r->set_kind(pb::ORG_KIND_CHARITY);
    r->set_name_zh("阳光慈善会");
    r->set_credit_code(ledger::MakeCreditCode("53", "330106", 3));
    r->add_public_keys(Raw(charity_.public_key));
    return b;
  }
  pb::TxBody OpenProject(int p) {
    pb::TxBody b = Body();
    auto* o = b.mutable_open_project();
    o->set_project_id("proj-" + std::to_string(p));
    o->set_owner_org("charity-a");
    o->set_name_zh("项目" + std::to_string(p));
    o->set_category("elder-care");
    o->set_region("330106");
    o->set_budget_fen(1'000'000'000);
    o->set_starts_at_ms(kGenesisMs);
    o->set_ends_at_ms(kGenesisMs + 10 * 365 * 86'400'000ull);  // outlasts every block the load makes
    return b;
  }
  pb::TxBody Donation(const std::string& to, std::int64_t amount) {
    pb::TxBody b = Body();
    auto* d = b.mutable_donation();
    d->set_to_account(to);
    d->set_amount_fen(amount);
    const Hash256 ref = crypto::Sha256(AsBytes("donor" + std::to_string(nonce_)));
    d->set_donor_ref(std::string(ref.begin(), ref.end()));
    d->set_channel(pb::DONATION_CHANNEL_MOBILE_PAYMENT);
    d->set_attesting_bank("bank-a");
    return b;
  }
  pb::TxBody Transfer(const std::string& from, const std::string& to, std::int64_t amount) {
    pb::TxBody b = Body();
    auto* t = b.mutable_transfer();
    t->set_from_account(from);
    t->set_to_account(to);
    t->set_amount_fen(amount);
    t->set_purpose("allocation");
    return b;
  }
  pb::TxBody Spend(const std::string& from, std::int64_t amount) {
    pb::TxBody b = Body();
    auto* s = b.mutable_spend();
    s->set_from_account(from);
    s->set_amount_fen(amount);
    s->set_category(pb::SPEND_CATEGORY_MATERIAL);
    s->set_payee_kind(pb::PAYEE_KIND_VENDOR);
    s->set_payee_name("供应商");
    const Hash256 invoice = crypto::Sha256(AsBytes("invoice" + std::to_string(nonce_)));
    s->set_invoice_hash(std::string(invoice.begin(), invoice.end()));
    return b;
  }

  void Add(std::vector<ledger::DecodedTx>& out, const pb::TxBody& body, std::vector<const crypto::KeyPair*> signers) {
    // Signatures are made here, so loading skips re-verifying them.
    auto decoded = ledger::DecodeTx(ledger::BuildTx(body, signers), kChainId, /*verify_signatures=*/false);
    if (!decoded.ok()) {
      std::fprintf(stderr, "bad tx: %s\n", decoded.status().ToString().c_str());
      std::exit(1);
    }
    out.push_back(std::move(*decoded));
  }

  void Commit(std::vector<ledger::DecodedTx>& txs) {
    if (txs.empty()) return;
    auto built = ledger->BuildBlock(txs, kGenesisMs + 60'000 * (ledger->height() + 1), 0);
    if (!built.rejected.empty()) {
      std::fprintf(stderr, "rejected while loading: %s\n", built.rejected[0].status.ToString().c_str());
      std::exit(1);
    }
    const std::uint64_t height = built.executed.block.header().height();
    pb::CommitCertificate cert;
    cert.set_height(height);
    cert.set_block_hash(std::string(built.executed.hash.begin(), built.executed.hash.end()));
    const auto sig = crypto::SignRaw(bureau_.secret_key, ledger::VoteSignBytes(kChainId, ledger::VoteType::kPrecommit,
                                                                               height, 0, built.executed.hash));
    auto* s = cert.add_signatures();
    s->set_validator_index(0);
    s->set_signature(std::string(sig.begin(), sig.end()));
    const Status st = ledger->Commit(built.executed, cert);
    if (!st.ok()) {
      std::fprintf(stderr, "commit failed: %s\n", st.ToString().c_str());
      std::exit(1);
    }
    txs.clear();
  }

  crypto::KeyPair bureau_ = Key(1), bank_ = Key(2), charity_ = Key(3);
  std::uint64_t nonce_ = 0;
};

struct Figures {
  double per_second = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
  std::size_t errors = 0;
};

Figures Summarise(std::vector<double> latencies_ms, double seconds, std::size_t errors) {
  Figures f;
  f.errors = errors;
  if (latencies_ms.empty()) return f;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto at = [&](double q) { return latencies_ms[static_cast<std::size_t>(q * static_cast<double>(latencies_ms.size() - 1))]; };
  f.per_second = static_cast<double>(latencies_ms.size()) / seconds;
  f.p50_ms = at(0.50);
  f.p90_ms = at(0.90);
  f.p99_ms = at(0.99);
  f.max_ms = latencies_ms.back();
  return f;
}

// `clients` threads, each on one keep-alive connection, share `total` GETs of prefix + code.
Figures Hammer(std::uint16_t port, const std::string& prefix, const std::vector<std::string>& codes, std::size_t total,
               unsigned clients) {
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> errors{0};
  std::vector<std::vector<double>> per_thread(clients);
  const auto started = Clock::now();
  std::vector<std::thread> threads;
  for (unsigned c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      net::io_context io;
      beast::tcp_stream stream(io);
      stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
      beast::flat_buffer buffer;
      std::mt19937_64 rng(c + 1);
      while (next.fetch_add(1) < total) {
        http::request<http::empty_body> req{http::verb::get, prefix + codes[rng() % codes.size()], 11};
        req.set(http::field::host, "127.0.0.1");
        const auto t0 = Clock::now();
        http::write(stream, req);
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 << 20);
        http::read(stream, buffer, parser);
        const std::chrono::duration<double, std::milli> ms = Clock::now() - t0;
        if (parser.get().result_int() != 200) ++errors;
        per_thread[c].push_back(ms.count());
      }
    });
  }
  for (auto& t : threads) t.join();
  const std::chrono::duration<double> seconds = Clock::now() - started;
  std::vector<double> all;
  for (auto& v : per_thread) all.insert(all.end(), v.begin(), v.end());
  return Summarise(std::move(all), seconds.count(), errors.load());
}

// Random point reads (one LevelDB Get each, at a snapshot) on the same database.
double LevelDbReadsPerSecond(const ledger::Ledger& ledger, const std::vector<Hash256>& ids, unsigned threads,
                             std::size_t reads) {
  auto view = ledger.Read();
  std::atomic<std::size_t> found{0};
  const auto started = Clock::now();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::mt19937_64 rng(100 + t);
      std::size_t local = 0;
      for (std::size_t i = 0; i < reads / threads; ++i) local += view->Gift(ids[rng() % ids.size()]).has_value();
      found += local;
    });
  }
  for (auto& t : pool) t.join();
  const std::chrono::duration<double> seconds = Clock::now() - started;
  return static_cast<double>(found.load()) / seconds.count();
}

void Print(const char* name, const Figures& f) {
  std::printf("  %-22s %9.0f req/s   p50 %6.2f ms   p90 %6.2f ms   p99 %6.2f ms   max %7.2f ms   errors %zu\n", name,
              f.per_second, f.p50_ms, f.p90_ms, f.p99_ms, f.max_ms, f.errors);
}

}  // namespace

int main(int argc, char** argv) {
  crypto::Init();
  const Options o = ParseOptions(argc, argv);
  const bool own_dir = o.dir.empty();
  const fs::path dir = own_dir ? fs::temp_directory_path() / ("shanliu-api-bench-" + std::to_string(::getpid())) : o.dir;
  if (fs::exists(dir / "ledger")) {
    std::fprintf(stderr, "%s already holds a ledger; give an empty --dir\n", dir.c_str());
    return 2;
  }

  std::printf("API read benchmark: %zu donations, %zu requests per endpoint, %u client threads, %u server threads, %u cores\n",
              o.donations, o.requests, o.clients, o.server_threads, std::thread::hardware_concurrency());
  Loader loader(dir);
  const auto load_start = Clock::now();
  const std::vector<Hash256> gifts = loader.Load(o.donations);
  const std::chrono::duration<double> load_s = Clock::now() - load_start;
  std::printf("  loaded %zu txs in %llu blocks in %.1f s\n", static_cast<std::size_t>(loader.ledger->head().log_size()),
              static_cast<unsigned long long>(loader.ledger->height()), load_s.count());

  std::vector<std::string> codes;
  for (const Hash256& id : gifts) codes.push_back(crypto::ToBase32(id));

  const std::size_t reads = std::max<std::size_t>(200'000, o.requests * 10);
  const double reads_1 = LevelDbReadsPerSecond(*loader.ledger, gifts, 1, reads);
  const double reads_n = LevelDbReadsPerSecond(*loader.ledger, gifts, o.server_threads, reads);

  api::ServerConfig config;
  config.port = 0;
  config.threads = o.server_threads;
  config.max_connections_per_ip = 0;  // every client of the bench is on loopback: one address
  api::Server server(config, *loader.ledger, {});
  if (Status s = server.Start(); !s.ok()) {
    std::fprintf(stderr, "cannot start the server: %s\n", s.ToString().c_str());
    return 1;
  }
  // Warm up the connection path and the block cache a little.
  Hammer(server.port(), "/v1/trace/", codes, std::min<std::size_t>(1'000, o.requests), o.clients);
  const Figures trace = Hammer(server.port(), "/v1/trace/", codes, o.requests, o.clients);
  const Figures receipt = Hammer(server.port(), "/v1/receipts/", codes, o.requests, o.clients);
  server.Stop();

  std::printf("results (loopback, keep-alive, random donations):\n");
  Print("GET /v1/trace/{code}", trace);
  Print("GET /v1/receipts/{code}", receipt);
  std::printf("machine limit, same run and database:\n");
  std::printf("  LevelDB random point reads   %9.0f /s on 1 thread, %9.0f /s on %u threads\n", reads_1, reads_n,
              o.server_threads);
  std::printf("  (a receipt needs ~%s reads: gift, tx, location, block, log subtrees, trace records)\n", "15-40");
  std::printf("with wrk installed (apt-get install wrk), the same load from outside:\n");
  std::printf("  wrk -t%u -c%u -d20s http://127.0.0.1:<port>/v1/receipts/%s\n", o.clients, o.clients * 4,
              codes.front().c_str());
  if (own_dir) {
    loader.ledger.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  return trace.errors + receipt.errors == 0 ? 0 : 1;
}
