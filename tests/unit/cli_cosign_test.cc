// shanliu sign / submit / inbox and tx --unsigned without a node: usage errors (exit 2), request
// files that are malformed, expired or signed by the wrong key (exit 1, file untouched), and a
// file signed offline by the key it waits for.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "cli_run.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/signing_request.h"
#include "shanliu/ledger/tx.h"

namespace shanliu {
namespace {

namespace fs = std::filesystem;
using testing::RunCli;

struct Dir {
  Dir() {
    path = fs::temp_directory_path() / ("shanliu-cli-cosign-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path);
  }
  ~Dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

crypto::KeyPair Key(std::uint8_t n) {
  crypto::Seed seed{};
  seed.fill(n);
  return crypto::KeyPairFromSeed(seed);
}

std::uint64_t NowMs() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

// A trustee + bank request for a disbursement, expiring at `expires_ms`.
ledger::SigningRequest Request(const crypto::KeyPair& trustee, const crypto::KeyPair& bank, std::uint64_t expires_ms) {
  pb::TxBody body;
  body.set_chain_id("cli-cosign");
  body.set_expires_at_height(50);
  body.set_expires_at_ms(expires_ms);
  body.set_nonce(7);
  auto* p = body.mutable_trust_disbursement();
  p->set_trust_id("trust-a");
  p->set_to_account("org:charity-a");
  p->set_amount_fen(12'345);
  return ledger::NewSigningRequest(body, {{"trustee", "trustee-a", {trustee.public_key}},
                                          {"custodian_bank", "bank-a", {bank.public_key}}});
}

TEST_CASE("sign, submit and inbox document themselves and refuse bad command lines") {
  for (const char* command : {"sign", "submit", "inbox"}) {
    const auto help = RunCli({command, "--help"});
    CHECK(help.code == 0);
    CHECK(help.output.find(std::string("usage: shanliu ") + command) != std::string::npos);
    CHECK(RunCli({"help"}).output.find(std::string("  ") + command) != std::string::npos);
  }
  CHECK(RunCli({"sign", "req.json"}).code == 2);                                     // no key
  CHECK(RunCli({"sign", "a.json", "b.json", "--key", "k"}).code == 2);               // two files
  CHECK(RunCli({"sign", "--request", std::string(64, 'a'), "--key", "k"}).code == 2);  // no node
  CHECK(RunCli({"sign", "--node", "http://127.0.0.1:1", "--request", "zz", "--key", "/dev/null"}).code != 0);
  CHECK(RunCli({"submit", "x.json"}).code == 2);                                     // no node
  CHECK(RunCli({"inbox"}).code == 2);
  CHECK(RunCli({"inbox", "--node", "http://127.0.0.1:1", "--signer", "Not An Org!"}).code == 2);
  CHECK(RunCli({"inbox", "--node", "http://127.0.0.1:1", "--limit", "0"}).code == 2);
  CHECK(RunCli({"inbox", "--node", "http://127.0.0.1:1", "--limit", "101"}).code == 2);
  CHECK(RunCli({"tx", "trust_disbursement", "--unsigned", "--node", "http://127.0.0.1:1"}).code == 2);  // no --out
  CHECK(RunCli({"tx", "spend", "--key", "k", "--node", "http://127.0.0.1:1", "--out", "x.json"}).code == 2);
}

TEST_CASE("sign checks a request file before it adds the signature, and never half-writes it") {
  Dir dir;
  const crypto::KeyPair trustee = Key(31), bank = Key(32), other = Key(33);
  const fs::path bank_key = dir.path / "bank.key", other_key = dir.path / "other.key";
  REQUIRE(crypto::WriteKeyFile(bank_key, bank).ok());
  REQUIRE(crypto::WriteKeyFile(other_key, other).ok());
  ledger::SigningRequest request = Request(trustee, bank, NowMs() + 3'600'000);
  REQUIRE(ledger::SignRequest(request, trustee).ok());
  const fs::path file = dir.path / "req.json";
  std::ofstream(file) << ledger::SigningRequestToJson(request).dump(2);
  const std::string before = Read(file);

  const auto wrong = RunCli({"sign", file.string(), "--key", other_key.string()});
  CHECK(wrong.code == 1);
  CHECK(wrong.output.find("signer_not_required") != std::string::npos);
  CHECK(Read(file) == before);

  const fs::path garbage = dir.path / "garbage.json";
  std::ofstream(garbage) << R"({"format":"shanliu-signing-request/1","body_base64":"!!"})";
  const auto bad = RunCli({"sign", garbage.string(), "--key", bank_key.string()});
  CHECK(bad.code == 1);
  CHECK(bad.output.find("invalid_signing_request") != std::string::npos);

  const fs::path signed_file = dir.path / "signed.json";
  const auto ok = RunCli({"sign", file.string(), "--key", bank_key.string(), "--out", signed_file.string()});
  INFO(ok.output);
  REQUIRE(ok.code == 0);
  CHECK(ok.output.find("信托资金拨付") != std::string::npos);        // the summary, in Chinese
  CHECK(ok.output.find("¥123.45 (12345 fen)") != std::string::npos);  // and in English
  CHECK(Read(file) == before);                                         // --out leaves the input alone
  auto complete = ledger::ParseSigningRequest(Read(signed_file), "cli-cosign");
  REQUIRE(complete.ok());
  CHECK(complete->Complete());
  CHECK(ledger::RequestEnvelope(*complete).ok());

  const auto twice = RunCli({"sign", signed_file.string(), "--key", bank_key.string()});
  CHECK(twice.code == 1);
  CHECK(twice.output.find("duplicate_signature") != std::string::npos);
}

TEST_CASE("sign refuses an expired request") {
  Dir dir;
  const crypto::KeyPair trustee = Key(41), bank = Key(42);
  const fs::path bank_key = dir.path / "bank.key";
  REQUIRE(crypto::WriteKeyFile(bank_key, bank).ok());
  const fs::path file = dir.path / "old.json";
  std::ofstream(file) << ledger::SigningRequestToJson(Request(trustee, bank, NowMs() - 1)).dump();
  const std::string before = Read(file);
  const auto expired = RunCli({"sign", file.string(), "--key", bank_key.string()});
  CHECK(expired.code == 1);
  CHECK(expired.output.find("expired") != std::string::npos);
  CHECK(Read(file) == before);
}

}  // namespace
}  // namespace shanliu
