// Crypto and Merkle-log throughput, printed beside the machine's own limits measured in the
// same run (DESIGN 10). Not a test: it asserts nothing about time.
//
//   bench_crypto_bench [--leaves N]     (default 1000000 leaves in the Merkle log)
#include <leveldb/db.h>
#include <leveldb/write_batch.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/crypto/merkle.h"
#include "shanliu/ledger/merkle_log.h"

namespace {

using namespace shanliu;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kDomain{"shanliu/tx/v1\0", 14};
constexpr double kSeconds = 1.5;  // per timed figure

double Since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Runs `step(i)` in rounds of `chunk` until kSeconds have passed; returns operations per second.
template <class F>
double Rate(F&& step, std::size_t chunk = 256, double seconds = kSeconds) {
  const auto start = Clock::now();
  std::size_t done = 0;
  double elapsed = 0;
  do {
    for (std::size_t i = 0; i < chunk; ++i) step(done + i);
    done += chunk;
    elapsed = Since(start);
  } while (elapsed < seconds);
  return static_cast<double>(done) / elapsed;
}

std::string Human(double v) {
  char buf[64];
  if (v >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
  } else if (v >= 1e3) {
    std::snprintf(buf, sizeof buf, "%.1fk", v / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  }
  return buf;
}

void Line(const char* what, double per_second, const char* unit, const std::string& note = "") {
  std::printf("  %-40s %9s %-16s %s\n", what, Human(per_second).c_str(), unit, note.c_str());
  std::fflush(stdout);
}

struct Signed {
  Bytes message;
  crypto::Signature sig;
  int key;
};

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/shanliu-bench-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      std::perror("mkdtemp");
      std::exit(1);
    }
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string Sub(const char* name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::unique_ptr<leveldb::DB> OpenDb(const std::string& path) {
  leveldb::Options options;
  options.create_if_missing = true;
  leveldb::DB* db = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, path, &db);
  if (!s.ok()) {
    std::fprintf(stderr, "leveldb: %s\n", s.ToString().c_str());
    std::exit(1);
  }
  return std::unique_ptr<leveldb::DB>(db);
}

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "bench_crypto_bench: %s failed\n", what);
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t leaves = 1'000'000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--leaves") == 0 && i + 1 < argc) {
      leaves = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: %s [--leaves N]\n", argv[0]);
      return 2;
    }
  }
  if (leaves < 2) leaves = 2;
  crypto::Init();
  std::mt19937_64 rng(20250601);
  const unsigned cores = std::thread::hardware_concurrency();
  std::printf("shanliu crypto bench: %u hardware threads, Merkle log of %llu leaves\n\n", cores,
              static_cast<unsigned long long>(leaves));

  // ---------------------------------------------------------------- Ed25519
  std::vector<crypto::KeyPair> keys;
  for (int k = 0; k < 16; ++k) {
    crypto::Seed seed;
    for (auto& b : seed) b = static_cast<std::uint8_t>(rng());
    keys.push_back(crypto::KeyPairFromSeed(seed));
  }
  std::vector<Signed> signed_msgs(4096);
  for (std::size_t i = 0; i < signed_msgs.size(); ++i) {
    Signed& s = signed_msgs[i];
    s.message.resize(250);  // about the size of a donation body
    for (auto& b : s.message) b = static_cast<std::uint8_t>(rng());
    s.key = static_cast<int>(i % keys.size());
    s.sig = crypto::Sign(keys[static_cast<std::size_t>(s.key)].secret_key, kDomain, s.message);
  }
  std::printf("Ed25519 (libsodium, 250-byte domain-separated messages)\n");
  volatile std::uint8_t block_sink = 0;
  std::atomic<std::size_t> failures{0};
  auto verify_one = [&](std::size_t i) {
    const Signed& s = signed_msgs[i % signed_msgs.size()];
    if (!crypto::Verify(keys[static_cast<std::size_t>(s.key)].public_key, kDomain, s.message, s.sig)) ++failures;
  };
  const double verify1 = Rate(verify_one, 64);
  Line("verify, 1 thread", verify1, "verifications/s");
  double verify2 = 0;
  {
    std::atomic<std::size_t> total{0};
    std::vector<std::thread> threads;
    const auto start = Clock::now();
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&, t] {
        std::size_t done = 0;
        while (Since(start) < kSeconds) {
          for (std::size_t i = 0; i < 64; ++i) verify_one(static_cast<std::size_t>(t) * 1000 + done + i);
          done += 64;
        }
        total += done;
      });
    }
    for (auto& th : threads) th.join();
    verify2 = static_cast<double>(total) / Since(start);
  }
  char ratio[64];
  std::snprintf(ratio, sizeof ratio, "(%.2fx one thread)", verify2 / verify1);
  Line("verify, 2 threads", verify2, "verifications/s", ratio);
  Check(failures == 0, "signature verification");
  const double sign = Rate(
      [&](std::size_t i) {
        const Signed& s = signed_msgs[i % signed_msgs.size()];
        const auto sig = crypto::Sign(keys[static_cast<std::size_t>(s.key)].secret_key, kDomain, s.message);
        block_sink = static_cast<std::uint8_t>(block_sink ^ sig[0]);
      },
      64);
  Line("sign, 1 thread", sign, "signatures/s");

  // ---------------------------------------------------------------- machine limits
  std::printf("\nMachine limits (same run)\n");
  Bytes block64(64);
  for (auto& b : block64) b = static_cast<std::uint8_t>(rng());
  const double sha = Rate(
      [&](std::size_t i) {
        block64[0] = static_cast<std::uint8_t>(i);
        const Hash256 h = crypto::Sha256(block64);
        block_sink = static_cast<std::uint8_t>(block_sink ^ h[0]);
      },
      1024);
  Line("SHA-256 of 64 bytes", sha, "hashes/s");
  const double node_hash = Rate(
      [&](std::size_t i) {
        Hash256 a{}, b{};
        a[0] = static_cast<std::uint8_t>(i);
        const Hash256 h = crypto::MerkleNodeHash(a, b);
        block_sink = static_cast<std::uint8_t>(block_sink ^ h[0]);
      },
      1024);
  Line("Merkle node hash (65 bytes)", node_hash, "hashes/s");

  TempDir dir;
  double puts = 0;
  {
    auto db = OpenDb(dir.Sub("limit"));
    leveldb::WriteOptions sync;
    sync.sync = true;
    const std::string value(32, 'v');
    std::uint64_t key = 0;
    std::size_t written = 0;
    const auto start = Clock::now();
    while (Since(start) < kSeconds) {
      leveldb::WriteBatch batch;
      for (int i = 0; i < 1000; ++i, ++key) {
        Bytes k{'M', 0};
        AppendU64(k, key);
        batch.Put(leveldb::Slice(reinterpret_cast<const char*>(k.data()), k.size()), value);
      }
      Check(db->Write(sync, &batch).ok(), "leveldb write");
      written += 1000;
    }
    puts = static_cast<double>(written) / Since(start);
  }
  Line("LevelDB puts, batches of 1000, sync", puts, "puts/s");

  // ---------------------------------------------------------------- Merkle log
  std::printf("\nMerkle log over LevelDB (RFC 9162, batches of 1000 leaves written with sync)\n");
  auto db = OpenDb(dir.Sub("log"));
  auto opened = ledger::MerkleLog::Open(db.get());
  Check(opened.ok(), "MerkleLog::Open");
  ledger::MerkleLog log = std::move(*opened);
  Bytes leaf(250);
  for (auto& b : leaf) b = static_cast<std::uint8_t>(rng());
  {
    leveldb::WriteOptions sync;
    sync.sync = true;
    const auto start = Clock::now();
    while (log.size() < leaves) {
      leveldb::WriteBatch batch;
      const std::uint64_t end = std::min<std::uint64_t>(leaves, log.size() + 1000);
      while (log.size() < end) {
        std::memcpy(leaf.data(), &end, sizeof end);  // distinct leaves
        leaf[8] = static_cast<std::uint8_t>(log.size());
        log.Append(leaf, batch);
      }
      Check(db->Write(sync, &batch).ok(), "log batch write");
      log.MarkCommitted();
    }
    const double appends = static_cast<double>(leaves) / Since(start);
    // Each append: one leaf hash plus on average one node hash, and on average two subtree puts.
    const double bound = 1.0 / (2.0 / sha + 2.0 / puts);
    char note[160];
    std::snprintf(note, sizeof note, "(machine: %s SHA-256/s, %s sync puts/s; ~2 of each per append => ~%s/s)",
                  Human(sha).c_str(), Human(puts).c_str(), Human(bound).c_str());
    Line("append, up to N leaves", appends, "appends/s", note);
  }
  const std::uint64_t n = log.size();
  const Hash256 root = log.root();

  // Machine limit for proof generation: random single-subtree reads from the same database.
  crypto::PerfectSubtreeReader* raw_reader = nullptr;
  ledger::CommittedSubtreeReader committed(db.get(), nullptr);
  raw_reader = &committed;
  std::size_t read_failures = 0;
  const double gets = Rate(
      [&](std::size_t) {
        if (!raw_reader->PerfectSubtree(0, rng() % n).ok()) ++read_failures;
      },
      256);
  Check(read_failures == 0, "subtree read");
  Line("LevelDB random subtree reads (machine)", gets, "reads/s");
  // Reads per proof, counted through a wrapper on a sample.
  struct Counting final : crypto::PerfectSubtreeReader {
    crypto::PerfectSubtreeReader& inner;
    std::size_t reads = 0;
    explicit Counting(crypto::PerfectSubtreeReader& r) : inner(r) {}
    Result<Hash256> PerfectSubtree(unsigned level, std::uint64_t index) override {
      ++reads;
      return inner.PerfectSubtree(level, index);
    }
  };
  Counting counting(committed);
  double incl_reads = 0, cons_reads = 0;
  for (int k = 0; k < 200; ++k) {
    counting.reads = 0;
    Check(crypto::MerkleInclusionProof(counting, rng() % n, n).ok(), "counted inclusion proof");
    incl_reads += static_cast<double>(counting.reads) / 200;
    counting.reads = 0;
    Check(crypto::MerkleConsistencyProof(counting, 1 + rng() % n, n).ok(), "counted consistency proof");
    cons_reads += static_cast<double>(counting.reads) / 200;
  }

  std::vector<std::uint64_t> indices(4096), sizes(4096), olds(4096);
  for (std::size_t i = 0; i < indices.size(); ++i) {
    sizes[i] = n / 2 + rng() % (n - n / 2) + 1;  // a past size in the newer half, up to n
    indices[i] = rng() % sizes[i];
    olds[i] = 1 + rng() % sizes[i];
  }
  std::size_t proof_failures = 0;
  std::vector<std::vector<Hash256>> inclusion(indices.size()), consistency(indices.size());
  std::size_t reads_note = 0;
  {
    const double rate = Rate(
        [&](std::size_t i) {
          const std::size_t j = i % indices.size();
          auto p = log.InclusionProof(indices[j], n);
          if (!p.ok()) ++proof_failures;
          else inclusion[j] = std::move(*p);
        },
        64);
    reads_note = inclusion[0].size();
    char note[160];
    std::snprintf(note, sizeof note, "(size N, random leaf; %.1f reads each => bound ~%s/s at %s reads/s)", incl_reads,
                  Human(gets / incl_reads).c_str(), Human(gets).c_str());
    Line("inclusion proofs", rate, "proofs/s", note);
  }
  {
    const double rate = Rate(
        [&](std::size_t i) {
          const std::size_t j = i % indices.size();
          auto p = log.ConsistencyProof(olds[j], n);
          if (!p.ok()) ++proof_failures;
          else consistency[j] = std::move(*p);
        },
        64);
    char note[160];
    std::snprintf(note, sizeof note, "(random old size -> N; %.1f reads each => bound ~%s/s)", cons_reads,
                  Human(gets / cons_reads).c_str());
    Line("consistency proofs", rate, "proofs/s", note);
  }
  {
    const double rate = Rate(
        [&](std::size_t i) {
          const std::size_t j = i % indices.size();
          auto p = log.InclusionProof(indices[j], sizes[j]);
          if (!p.ok()) ++proof_failures;
        },
        64);
    Line("inclusion proofs at random past sizes", rate, "proofs/s");
  }
  Check(proof_failures == 0, "proof generation");

  // Verification needs the leaf hashes and old roots: fetch them once, outside the timing.
  std::vector<Hash256> leaf_hashes(indices.size()), old_roots(indices.size());
  for (std::size_t j = 0; j < indices.size(); ++j) {
    auto lh = log.LeafHash(indices[j]);
    auto r = log.RootAt(olds[j]);
    Check(lh.ok() && r.ok(), "leaf hash / old root");
    leaf_hashes[j] = *lh;
    old_roots[j] = *r;
    if (inclusion[j].empty() && n > 1) {
      auto p = log.InclusionProof(indices[j], n);
      Check(p.ok(), "inclusion proof");
      inclusion[j] = *p;
    }
    if (consistency[j].empty() && olds[j] != n) {
      auto p = log.ConsistencyProof(olds[j], n);
      Check(p.ok(), "consistency proof");
      consistency[j] = *p;
    }
  }
  std::size_t verify_failures = 0;
  const double vi = Rate(
      [&](std::size_t i) {
        const std::size_t j = i % indices.size();
        if (!crypto::VerifyMerkleInclusion(leaf_hashes[j], indices[j], n, inclusion[j], root)) ++verify_failures;
      },
      256);
  char note[160];
  std::snprintf(note, sizeof note, "(~%zu node hashes each; machine: %s node hashes/s)", reads_note,
                Human(node_hash).c_str());
  Line("inclusion verifications", vi, "verifications/s", note);
  const double vc = Rate(
      [&](std::size_t i) {
        const std::size_t j = i % indices.size();
        if (!crypto::VerifyMerkleConsistency(olds[j], n, old_roots[j], root, consistency[j])) ++verify_failures;
      },
      256);
  Line("consistency verifications", vc, "verifications/s");
  Check(verify_failures == 0, "proof verification");
  return 0;
}
