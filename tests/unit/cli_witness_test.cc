// `shanliu witness`: vkey prints the key a node operator configures, and serve refuses every
// malformed option with exit 2 (usage) or 1 (cannot start) before it binds anything.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "cli_run.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/checkpoint.h"
#include "shanliu/ledger/witness.h"
#include "test_chain.h"

using namespace shanliu;
using testing::RunCli;
using testing::TempDir;
using testing::TestKey;

TEST_CASE("shanliu witness vkey prints the cosignature/v1 verifier key of the key file") {
  TempDir dir;
  const auto key = TestKey("witness-cli");
  const std::string key_file = (dir.path() / "w.key").string();
  REQUIRE(crypto::WriteKeyFile(key_file, key).ok());
  const auto run = RunCli({"witness", "vkey", "--name", "news.example/witness", "--key", key_file});
  REQUIRE(run.code == 0);
  const std::string expected =
      ledger::FormatVerifierKey("news.example/witness", ledger::kCosignatureV1KeyType, key.public_key) + "\n";
  CHECK(run.output == expected);
  CHECK(RunCli({"witness", "vkey", "--name", "a+b", "--key", key_file}).code == 2);
  CHECK(RunCli({"witness", "vkey", "--name", "w"}).code == 2);
  CHECK(RunCli({"witness", "vkey", "--name", "w", "--key", (dir.path() / "missing.key").string()}).code == 1);
  CHECK(RunCli({"witness"}).code == 2);
  CHECK(RunCli({"witness", "watch"}).code == 2);
  CHECK(RunCli({"witness", "--help"}).code == 0);
}

TEST_CASE("shanliu witness serve refuses malformed options before it starts") {
  TempDir dir;
  const auto key = TestKey("witness-cli");
  const std::string key_file = (dir.path() / "w.key").string();
  REQUIRE(crypto::WriteKeyFile(key_file, key).ok());
  const std::string state = (dir.path() / "state").string();
  const auto log_key = TestKey("log");
  const std::string origin = "example.com/log";
  const std::string log_vkey = ledger::FormatVerifierKey(origin, ledger::kNoteEd25519KeyType, log_key.public_key);
  const std::string cosig_vkey = ledger::FormatVerifierKey(origin, ledger::kCosignatureV1KeyType, log_key.public_key);
  const std::vector<std::string> base = {"witness", "serve", "--name", "w", "--key", key_file, "--state", state};
  const auto serve = [&base](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCli(args).code;
  };
  CHECK(serve({"--listen", "127.0.0.1:0"}) == 2);                                      // no log
  CHECK(serve({"--log-vkey", origin + "=" + log_vkey}) == 2);                          // no listen
  CHECK(serve({"--listen", "127.0.0.1", "--log-vkey", origin + "=" + log_vkey}) == 2);  // no port
  CHECK(serve({"--listen", "127.0.0.1:70000", "--log-vkey", origin + "=" + log_vkey}) == 2);
  CHECK(serve({"--listen", "127.0.0.1:0", "--log-vkey", log_vkey}) == 2);                   // no ORIGIN=
  CHECK(serve({"--listen", "127.0.0.1:0", "--log-vkey", "other.example/log=" + log_vkey}) == 2);  // name != origin
  CHECK(serve({"--listen", "127.0.0.1:0", "--log-vkey", origin + "=" + cosig_vkey}) == 2);  // not Ed25519
  CHECK(serve({"--listen", "127.0.0.1:0", "--log-vkey", origin + "=" + log_vkey + "x"}) == 2);
  CHECK(serve({"--listen", "127.0.0.1:0", "--log", (dir.path() / "missing.json").string()}) == 1);
  CHECK(serve({"--listen", "not-an-address:0", "--log-vkey", origin + "=" + log_vkey}) == 1);
  CHECK(serve({"--listen", "127.0.0.1:0", "--log-vkey", origin + "=" + log_vkey, "--peer", "x"}) == 2);
}
