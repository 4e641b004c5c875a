// Ledger throughput: mixed signed txs applied through BuildBlock + Commit (blocks of the
// genesis maximum, synced), with and without Ed25519 verification, beside the machine's own
// Ed25519 verification rate measured in the same run; then bytes on disk per tx.
//
//   bench_ledger_bench [--txs N]   (default 200000; the DESIGN target is stated for 1000000)
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "shanliu/crypto/hash.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/ledger.h"

using namespace shanliu;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

crypto::KeyPair Key(const std::string& name) { return crypto::KeyPairFromSeed(crypto::Sha256(AsBytes(name))); }

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

struct Chain {
  ledger::Genesis genesis;
  crypto::KeyPair validator = Key("validator");
  crypto::KeyPair bureau = Key("bureau");
  crypto::KeyPair bank = Key("bank");
  std::vector<crypto::KeyPair> charities;

  Chain() {
    genesis.chain_id = "bench";
    genesis.genesis_time_ms = 1'767'225'600'000;
    genesis.params.max_block_txs = 2000;
    auto org = [](const std::string& id, pb::OrgKind kind, const crypto::KeyPair& k) {
      ledger::GenesisOrg o;
      o.org_id = id;
      o.kind = kind;
      o.name_zh = id;
      o.credit_code = "11330100MB0000000X";
      o.public_keys = {k.public_key};
      return o;
    };
    genesis.organisations = {org("bureau", pb::ORG_KIND_BUREAU, bureau), org("bank-1", pb::ORG_KIND_BANK, bank)};
    for (int i = 0; i < 10; ++i) {
      charities.push_back(Key("charity-" + std::to_string(i)));
      genesis.organisations.push_back(org("charity-" + std::to_string(i), pb::ORG_KIND_CHARITY, charities.back()));
    }
    genesis.validators = {ledger::Validator{validator.public_key, 1, "bureau"}};
  }
};

// Mostly small donations, with allocations between charities and spending: the mix a city sees.
std::vector<Bytes> MakeTxs(const Chain& chain, std::size_t n) {
  std::mt19937_64 rng(42);
  std::vector<Bytes> txs;
  txs.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t c = rng() % chain.charities.size();
    const std::string org = "org:charity-" + std::to_string(c);
    pb::TxBody body;
    body.set_chain_id(chain.genesis.chain_id);
    body.set_expires_at_height(1'000);  // rewritten per block below would change ids; keep a wide window
    body.set_nonce(rng());
    const int kind = static_cast<int>(rng() % 10);
    const crypto::KeyPair* signer = &chain.charities[c];
    if (kind < 7) {
      auto* d = body.mutable_donation();
      d->set_to_account(org);
      d->set_amount_fen(100 + static_cast<std::int64_t>(rng() % 5000));
      d->set_donor_ref(std::string(32, static_cast<char>(i)));
      d->set_channel(pb::DONATION_CHANNEL_MOBILE_PAYMENT);
      if (kind < 3) {
        d->set_attesting_bank("bank-1");
        signer = &chain.bank;
      }
    } else if (kind < 9) {
      auto* t = body.mutable_transfer();
      t->set_from_account(org);
      t->set_to_account("org:charity-" + std::to_string((c + 1) % chain.charities.size()));
      t->set_amount_fen(50);
    } else {
      auto* s = body.mutable_spend();
      s->set_from_account(org);
      s->set_amount_fen(80);
      s->set_category(pb::SPEND_CATEGORY_MATERIAL);
      s->set_payee_kind(pb::PAYEE_KIND_VENDOR);
      s->set_payee_name("supplier");
    }
    const crypto::KeyPair* signers[] = {signer};
    txs.push_back(ledger::BuildTx(body, signers));
  }
  return txs;
}

struct RunResult {
  double seconds = 0;
  std::size_t committed = 0;
  std::uintmax_t disk_bytes = 0;
};

RunResult Apply(const Chain& chain, const std::vector<Bytes>& txs, bool verify, const std::filesystem::path& dir) {
  std::filesystem::remove_all(dir);
  auto ledger = ledger::Ledger::Open(dir, chain.genesis, ledger::LedgerOptions{.sync_writes = true,
                                                                               .check_conservation = false});
  if (!ledger.ok()) {
    std::fprintf(stderr, "open: %s\n", ledger.status().ToString().c_str());
    std::exit(1);
  }
  RunResult r;
  const auto start = Clock::now();
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
  r.seconds = Seconds(start);
  ledger->reset();
  r.disk_bytes = DirBytes(dir);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  crypto::Init();
  std::size_t n = 200'000;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--txs") == 0) n = std::stoul(argv[i + 1]);
  }
  Chain chain;
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
  const auto txs = MakeTxs(chain, n);
  std::printf("  signing the workload                   %10.0f tx/s\n", n / Seconds(t0));
  const auto dir = std::filesystem::temp_directory_path() / "shanliu-ledger-bench";
  const RunResult with = Apply(chain, txs, true, dir);
  std::printf("  applied, verifying signatures          %10.0f tx/s  (%zu committed, %.0f%% of the 1-thread verify bound)\n",
              with.committed / with.seconds, with.committed, 100.0 * (with.committed / with.seconds) / verify_rate);
  const RunResult without = Apply(chain, txs, false, dir);
  std::printf("  applied, signatures already verified   %10.0f tx/s\n", without.committed / without.seconds);
  std::printf("  on disk                                %10.0f bytes/tx (LevelDB, uncompacted; target <= 400)\n",
              static_cast<double>(without.disk_bytes) / static_cast<double>(without.committed));
  std::filesystem::remove_all(dir);
  return 0;
}
