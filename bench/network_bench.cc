// Network benchmark (DESIGN 10, issue 6): real shanliu-node processes on loopback.
//  - committed signed tx/s, submitted through the API in batches, with 1 validator and with 4;
//  - commit latency p50/p99 at moderate load (a quarter of the measured throughput);
//  - observer catch-up from genesis in blocks/s and tx/s;
// each printed beside the Ed25519 verification bound measured in the same run (every tx needs
// at least one verification per node, so that bound limits all of them).
//
//   bench_network_bench [--txs N] [--batch B] [--clients C] [--validators 1,4] [--base-port P]
//                       [--planned-blocks K] [--keep]
// --planned-blocks sets every node's mempool.planned_blocks (64 plans the whole backlog, as
// the pool did before it had a horizon), for before/after figures from one build.
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <iterator>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "shanliu/api/http_client.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/tx.h"

extern char** environ;

namespace {

using namespace shanliu;
namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Options {
  std::size_t txs = 20'000;
  std::size_t batch = 500;
  unsigned clients = 4;
  std::vector<unsigned> validators = {1, 4};
  unsigned base_port = 27100;
  unsigned planned_blocks = 0;  // mempool.planned_blocks for every node; 0: the node's default
  bool keep = false;
};

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "bench_network_bench: %s\n", why.c_str());
  std::exit(1);
}

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

fs::path BinDir() { return fs::read_symlink("/proc/self/exe").parent_path(); }

std::string Base64(const Bytes& data) {
  std::string out(sodium_base64_encoded_len(data.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data.data(), data.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

// ---------------------------------------------------------------- the machine's bound

double VerifyRate(unsigned threads) {
  const crypto::KeyPair key = crypto::GenerateKeyPair();
  Bytes message(250, 7);
  const crypto::Signature sig = crypto::SignRaw(key.secret_key, message);
  std::atomic<std::uint64_t> total{0};
  std::vector<std::thread> pool;
  const auto start = Clock::now();
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      std::uint64_t n = 0;
      while (Since(start) < 1.5) {
        for (int i = 0; i < 64; ++i) {
          if (!crypto::VerifyRaw(key.public_key, message, sig)) Die("verification failed");
        }
        n += 64;
      }
      total += n;
    });
  }
  for (auto& th : pool) th.join();
  return static_cast<double>(total) / Since(start);
}

// CPU microseconds one verification takes on this thread (thread CPU time, so other load on
// the machine does not inflate it the way it slows a wall-clock rate).
double VerifyCpuMicros() {
  const crypto::KeyPair key = crypto::GenerateKeyPair();
  Bytes message(250, 7);
  const crypto::Signature sig = crypto::SignRaw(key.secret_key, message);
  const auto cpu_now = [] {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
  };
  const int count = 20'000;
  const double start_us = cpu_now();
  for (int i = 0; i < count; ++i) {
    if (!crypto::VerifyRaw(key.public_key, message, sig)) Die("verification failed");
  }
  return (cpu_now() - start_us) / count;
}

// ---------------------------------------------------------------- processes

struct Node {
  pid_t pid = -1;
  std::string url;
};

Node StartNode(const fs::path& config, const std::string& url) {
  const std::string program = (BinDir() / "shanliu-node").string();
  const std::string log = config.string() + ".log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::string config_arg = config.string();
  char* argv[] = {const_cast<char*>(program.c_str()), const_cast<char*>("--config"), config_arg.data(), nullptr};
  Node node;
  node.url = url;
  if (posix_spawn(&node.pid, program.c_str(), &actions, nullptr, argv, environ) != 0) Die("cannot start " + program);
  posix_spawn_file_actions_destroy(&actions);
  for (int i = 0; i < 300; ++i) {
    auto r = api::HttpRequest("GET", url + "/healthz", "", "application/json", 1000);
    if (r.ok() && r->status == 200) return node;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Die("node " + config.string() + " did not become healthy; see " + log);
}

// The CPU seconds (user + system, all threads) a process has used so far, from /proc. Unlike
// wall-clock rates this holds up on a loaded machine: CPU per tx beside the CPU one
// verification takes says what share of the verify bound the node could reach on idle cores.
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime (proc(5))
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double NodesCpuSeconds(const std::vector<Node>& nodes) {
  double total = 0;
  for (const Node& n : nodes) total += CpuSeconds(n.pid);
  return total;
}

// Waits until the nodes are idle (under 5 % of one core in all over half a second, or 60 s at
// most) and returns how long that took: the bulk load leaves LevelDB compactions and checkpoint
// work behind, and latency "at a quarter of the load" means a steady quarter, not the tail of
// the full load.
double SettleSeconds(const std::vector<Node>& nodes) {
  const auto start = Clock::now();
  while (Since(start) < 60) {
    const double before = NodesCpuSeconds(nodes);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    if (NodesCpuSeconds(nodes) - before < 0.025) break;
  }
  return Since(start);
}

void StopNode(Node& node) {
  if (node.pid <= 0) return;
  ::kill(node.pid, SIGTERM);
  int status = 0;
  ::waitpid(node.pid, &status, 0);
  node.pid = -1;
}

json GetJson(const std::string& url) {
  auto r = api::HttpRequest("GET", url, "", "application/json", 10'000);
  if (!r.ok() || r->status != 200) Die("GET " + url + " failed");
  return json::parse(r->body);
}

// One sample's value from the node's Prometheus text (GET /metrics); 0 when it is absent.
double MetricValue(const std::string& url, const std::string& name) {
  auto r = api::HttpRequest("GET", url + "/metrics", "", "text/plain", 10'000);
  if (!r.ok() || r->status != 200) Die("GET " + url + "/metrics failed");
  std::istringstream lines(r->body);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(name + " ")) return std::stod(line.substr(name.size() + 1));
  }
  return 0;
}

double MempoolApplied(const std::vector<Node>& nodes) {
  double total = 0;
  for (const Node& n : nodes) total += MetricValue(n.url, "shanliu_mempool_applied_total");
  return total;
}

std::uint64_t Donations(const std::string& url) { return GetJson(url + "/v1/stats")["stats"]["donation_count"]; }
std::uint64_t Height(const std::string& url) { return GetJson(url + "/v1/stats")["head"]["height"]; }

void Run(const std::string& command) {
  if (std::system(command.c_str()) != 0) Die("failed: " + command);
}

// Bench settings on top of what devnet wrote: room for the whole load in the mempool, and no
// per-organisation rate limit (the bench is one client pushing as hard as it can).
void TuneConfig(const fs::path& path, unsigned planned_blocks) {
  std::ifstream in(path);
  json config = json::parse(in);
  config["mempool"] = {{"max_txs", 400'000}, {"max_bytes", 512u << 20}, {"max_per_signer", 400'000},
                       {"signer_rate_per_second", 0}};
  if (planned_blocks > 0) config["mempool"]["planned_blocks"] = planned_blocks;
  config["api"]["threads"] = 2;
  std::ofstream(path) << config.dump(2);
}

// ---------------------------------------------------------------- load

std::vector<Bytes> SignDonations(const fs::path& net, std::size_t count, std::uint64_t first_nonce) {
  std::vector<std::pair<std::string, crypto::KeyPair>> banks;
  for (int b = 1; b <= 8; ++b) {
    const fs::path key = net / "keys" / ("bank-" + std::to_string(b) + ".key");
    if (!fs::exists(key)) break;
    auto pair = crypto::ReadKeyFile(key);
    if (!pair.ok()) Die(pair.status().ToString());
    banks.emplace_back("bank-" + std::to_string(b), *pair);
  }
  if (banks.empty()) Die("no bank keys in " + net.string());
  std::ifstream in(net / "genesis.json");
  const std::string chain_id = json::parse(in)["chain_id"];
  std::vector<Bytes> txs(count);
  // The nodes stamp blocks with their wall clock: an hour from now outlasts any run.
  const std::uint64_t expires_at_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count()) + 3'600'000;
  std::vector<std::thread> pool;
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (std::size_t i = t; i < count; i += threads) {
        const auto& [bank, key] = banks[i % banks.size()];
        pb::TxBody body;
        body.set_chain_id(chain_id);
        body.set_expires_at_height(900);
        body.set_expires_at_ms(expires_at_ms);
        body.set_nonce(first_nonce + i);
        auto* d = body.mutable_donation();
        d->set_to_account("org:federation");
        d->set_amount_fen(100 + static_cast<std::int64_t>(i % 10'000));
        const Hash256 ref = crypto::Sha256(AsBytes("bench-donor-" + std::to_string(first_nonce + i)));
        d->set_donor_ref(std::string(ref.begin(), ref.end()));
        d->set_channel(pb::DONATION_CHANNEL_MOBILE_PAYMENT);
        d->set_attesting_bank(bank);
        const crypto::KeyPair* signers[] = {&key};
        txs[i] = ledger::BuildTx(body, signers);
      }
    });
  }
  for (auto& th : pool) th.join();
  return txs;
}

std::string BatchJson(const std::vector<Bytes>& txs, std::size_t begin, std::size_t end) {
  json body = {{"txs", json::array()}};
  for (std::size_t i = begin; i < end; ++i) body["txs"].push_back(Base64(txs[i]));
  return body.dump();
}

void Submit(const std::string& url, const std::string& body) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto r = api::HttpRequest("POST", url + "/v1/txs", body, "application/json", 60'000);
    if (r.ok() && r->status < 300) {
      const json result = json::parse(r->body);
      for (const json& item : result["results"]) {
        if (item.value("status", "") != "pending" && item.value("status", "") != "committed") {
          Die("a bench tx was refused: " + item.dump());
        }
      }
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Die("POST " + url + "/v1/txs keeps failing");
}

struct Throughput {
  double tx_per_s = 0;
  double seconds = 0;
};

// Clients post batches round-robin to the validators; the clock stops when every tx is committed.
Throughput MeasureThroughput(const std::vector<Node>& validators, const std::vector<Bytes>& txs, const Options& o,
                             std::uint64_t committed_before) {
  std::atomic<std::size_t> next_batch{0};
  const std::size_t batches = (txs.size() + o.batch - 1) / o.batch;
  const auto start = Clock::now();
  std::vector<std::thread> clients;
  for (unsigned c = 0; c < o.clients; ++c) {
    clients.emplace_back([&, c] {
      for (std::size_t b = next_batch++; b < batches; b = next_batch++) {
        const std::size_t begin = b * o.batch;
        Submit(validators[(b + c) % validators.size()].url, BatchJson(txs, begin, std::min(txs.size(), begin + o.batch)));
      }
    });
  }
  for (auto& th : clients) th.join();
  const std::string& url = validators.front().url;
  while (Donations(url) < committed_before + txs.size()) {
    if (Since(start) > 900) Die("txs were not all committed within 15 minutes");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Throughput t;
  t.seconds = Since(start);
  t.tx_per_s = static_cast<double>(txs.size()) / t.seconds;
  return t;
}

struct Latency {
  double p50_ms = 0, p99_ms = 0;
  std::size_t batches = 0;
};

// Batches of 50 at a steady rate; each batch's latency runs from its POST until its last tx
// reads as committed on the node it was sent to.
Latency MeasureLatency(const std::vector<Node>& validators, const std::vector<Bytes>& txs, double rate_tx_per_s,
                       const std::string& chain_id) {
  const std::size_t per_batch = 50;
  const double interval_s = static_cast<double>(per_batch) / std::max(rate_tx_per_s, 50.0);
  std::vector<double> samples;
  const auto start = Clock::now();
  std::vector<std::thread> waiters;
  std::mutex samples_mutex;
  for (std::size_t b = 0; b * per_batch < txs.size(); ++b) {
    const double due = static_cast<double>(b) * interval_s;
    while (Since(start) < due) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const std::size_t begin = b * per_batch, end = std::min(txs.size(), begin + per_batch);
    const std::string url = validators[b % validators.size()].url;
    const auto sent = Clock::now();
    Submit(url, BatchJson(txs, begin, end));
    auto decoded = ledger::DecodeTx(txs[end - 1], chain_id, /*verify_signatures=*/false);
    if (!decoded.ok()) Die("a bench tx does not decode: " + decoded.status().ToString());
    const std::string id = crypto::ToHex(decoded->id);
    waiters.emplace_back([&, url, id, sent] {
      while (true) {
        auto r = api::HttpRequest("GET", url + "/v1/txs/" + id, "", "application/json", 10'000);
        if (r.ok() && r->status == 200 && json::parse(r->body).value("status", "") == "committed") break;
        if (Since(sent) > 120) Die("a latency batch was not committed within 2 minutes");
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      std::lock_guard lock(samples_mutex);
      samples.push_back(Since(sent) * 1000.0);
    });
  }
  for (auto& th : waiters) th.join();
  std::sort(samples.begin(), samples.end());
  Latency l;
  l.batches = samples.size();
  l.p50_ms = samples[samples.size() / 2];
  l.p99_ms = samples[std::min(samples.size() - 1, samples.size() * 99 / 100)];
  return l;
}

void Line(const char* what, double value, const char* unit, const std::string& note = "") {
  std::printf("  %-44s %12.1f %-12s %s\n", what, value, unit, note.c_str());
}

std::string Percent(double part, double whole, double target_percent) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.0f%% of the bound (target >= %.0f%%)", 100.0 * part / whole, target_percent);
  return buf;
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value for " + arg);
      return argv[++i];
    };
    if (arg == "--txs") o.txs = std::stoull(value());
    else if (arg == "--batch") o.batch = std::stoull(value());
    else if (arg == "--clients") o.clients = static_cast<unsigned>(std::stoul(value()));
    else if (arg == "--base-port") o.base_port = static_cast<unsigned>(std::stoul(value()));
    else if (arg == "--planned-blocks") o.planned_blocks = static_cast<unsigned>(std::stoul(value()));
    else if (arg == "--keep") o.keep = true;
    else if (arg == "--validators") {
      o.validators.clear();
      std::stringstream list(value());
      for (std::string item; std::getline(list, item, ',');) o.validators.push_back(static_cast<unsigned>(std::stoul(item)));
    } else {
      Die("usage: bench_network_bench [--txs N] [--batch B] [--clients C] [--validators 1,4] [--base-port P] [--planned-blocks K] [--keep]");
    }
  }
  if (o.txs < 100 || o.batch == 0 || o.batch > 1000 || o.clients == 0 || o.validators.empty()) Die("bad options");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  crypto::Init();
  std::printf("shanliu network bench: %u hardware threads, %zu txs in batches of %zu from %u clients\n\n",
              std::thread::hardware_concurrency(), o.txs, o.batch, o.clients);
  const double verify1 = VerifyRate(1);
  const double verify2 = VerifyRate(2);
  const double verify_cpu_us = VerifyCpuMicros();
  std::printf("Machine bound (same run)\n");
  Line("Ed25519 verify, 1 thread", verify1, "verif/s");
  Line("Ed25519 verify, 2 threads", verify2, "verif/s");
  Line("Ed25519 verify, CPU per verification", verify_cpu_us, "us");

  for (unsigned v : o.validators) {
    const fs::path net = fs::temp_directory_path() / ("shanliu-netbench-" + std::to_string(::getpid()) + "-" +
                                                      std::to_string(v));
    fs::remove_all(net);
    const unsigned base = o.base_port + v * 100;
    Run((BinDir() / "shanliu").string() + " devnet --dir " + net.string() + " --validators " + std::to_string(v) +
        " --observers 1 --base-port " + std::to_string(base) + " --explorer-dir '' > /dev/null");
    for (unsigned i = 0; i <= v; ++i) TuneConfig(net / ("node" + std::to_string(i)) / "config.json", o.planned_blocks);
    std::vector<Node> nodes;
    for (unsigned i = 0; i < v; ++i) {
      nodes.push_back(StartNode(net / ("node" + std::to_string(i)) / "config.json",
                                "http://127.0.0.1:" + std::to_string(base + 10 * i)));
    }
    std::printf("\n%u validator%s (all on this machine's %u cores)\n", v, v == 1 ? "" : "s",
                std::thread::hardware_concurrency());
    const std::vector<Bytes> load = SignDonations(net, o.txs, 1);
    const double cpu_before_s = NodesCpuSeconds(nodes);
    const double applied_before = MempoolApplied(nodes);
    const Throughput t = MeasureThroughput(nodes, load, o, 0);
    const double cpu_per_tx_us = (NodesCpuSeconds(nodes) - cpu_before_s) * 1e6 / static_cast<double>(o.txs);
    const double applied_per_tx = (MempoolApplied(nodes) - applied_before) / static_cast<double>(o.txs);
    const double bound = v == 1 ? verify2 : verify2 / v;
    Line("committed txs/s (submitted over HTTP)", t.tx_per_s, "tx/s",
         Percent(t.tx_per_s, bound, v == 1 ? 75 : 60) + (v == 1 ? "; bound = 2-thread verify" : "; bound = verify/" + std::to_string(v)));
    // Every node verifies and executes every tx: v nodes spend v times one node's CPU.
    Line("node CPU per committed tx (all nodes)", cpu_per_tx_us, "us",
         Percent(v * verify_cpu_us, cpu_per_tx_us, v == 1 ? 75 : 60) + " if CPU-bound; bound = " +
             std::to_string(v) + " verifications");
    // A count, not a time: how often the pools applied each tx to plan it (v is the floor,
    // once per node); re-plans after other proposers' blocks or stale blocks add the rest.
    Line("mempool applications per committed tx (all nodes)", applied_per_tx, "",
         "floor " + std::to_string(v) + " (each node plans each tx once)");
    const std::vector<Bytes> moderate = SignDonations(net, std::min<std::size_t>(2000, o.txs), 10'000'000);
    std::ifstream genesis(net / "genesis.json");
    Line("nodes idle again after the load", SettleSeconds(nodes), "s", "before the latency batches");
    const double latency_cpu_before_s = NodesCpuSeconds(nodes);
    const auto latency_start = Clock::now();
    const Latency l = MeasureLatency(nodes, moderate, t.tx_per_s / 4, json::parse(genesis)["chain_id"]);
    // At a quarter of the load the nodes should be mostly idle; a figure near the core count
    // means a per-block cost, not the txs, is what the latency waits for.
    Line("node CPU during the latency batches", (NodesCpuSeconds(nodes) - latency_cpu_before_s) / Since(latency_start),
         "cores", "of " + std::to_string(std::thread::hardware_concurrency()));
    Line("commit latency p50 at 1/4 of that load", l.p50_ms, "ms");
    Line("commit latency p99", l.p99_ms, "ms", std::to_string(l.batches) + " batches of 50");

    // Observer catch-up from genesis: it fetches, checks and re-executes every block.
    const std::uint64_t target = Height(nodes.front().url);
    const std::uint64_t txs_total = Donations(nodes.front().url);
    const auto start = Clock::now();
    Node observer = StartNode(net / ("node" + std::to_string(v)) / "config.json",
                              "http://127.0.0.1:" + std::to_string(base + 10 * v));
    while (Height(observer.url) < target) {
      if (Since(start) > 900) Die("observer did not catch up within 15 minutes");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const double seconds = Since(start);
    Line("observer catch-up", static_cast<double>(target) / seconds, "blocks/s");
    Line("observer catch-up", static_cast<double>(txs_total) / seconds, "tx/s", Percent(static_cast<double>(txs_total) / seconds, verify2, 50));
    // The observer is a fresh process: all its CPU so far is the catch-up (and its start).
    const double observer_cpu_per_tx_us =
        CpuSeconds(observer.pid) * 1e6 / static_cast<double>(txs_total);
    Line("observer CPU per tx", observer_cpu_per_tx_us, "us",
         Percent(verify_cpu_us, observer_cpu_per_tx_us, 50) + " if CPU-bound; bound = one verification");
    StopNode(observer);
    for (Node& n : nodes) StopNode(n);
    if (!o.keep) fs::remove_all(net);
    else std::printf("  kept %s\n", net.string().c_str());
  }
  return 0;
}
