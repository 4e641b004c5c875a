// `shanliu validators change` (issue 20 part 1): builds, signs and checks a ValidatorSetChange as a
// node will (offline with --dry-run), in the documented update order, with more signatures than
// other kinds allow; bad command lines are usage errors before anything is signed.
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/keys.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::RunCli;
using shanliu::testing::TempDir;
using shanliu::testing::TestKey;

namespace {

struct Keys {
  Keys() {
    for (const char* name : {"bureau", "validator-0", "validator-1", "validator-2", "validator-3", "validator-4"}) {
      const std::string path = (dir.path() / (std::string(name) + ".key")).string();
      REQUIRE(crypto::WriteKeyFile(path, TestKey(name)).ok());
      files.push_back(path);
    }
  }
  std::vector<std::string> KeyArgs() const {
    std::vector<std::string> out;
    for (const std::string& f : files) {
      out.push_back("--key");
      out.push_back(f);
    }
    return out;
  }
  TempDir dir;
  std::vector<std::string> files;
};

std::string PublicHex(const char* name) { return crypto::ToHex(TestKey(name).public_key); }

testing::CliRun Run(const Keys& k, std::vector<std::string> args) {
  std::vector<std::string> all = {"validators", "change"};
  all.insert(all.end(), args.begin(), args.end());
  for (const std::string& a : k.KeyArgs()) all.push_back(a);
  return RunCli(all);
}

}  // namespace

TEST_CASE("validators change --dry-run builds a signed ValidatorSetChange offline") {
  Keys k;
  const testing::CliRun r = Run(k, {"--add", PublicHex("validator-5") + ":3:bank-2", "--reweight",
                                    PublicHex("validator-1") + ":2", "--remove", PublicHex("validator-0"), "--after",
                                    "5", "--chain-id", "shanliu-devnet", "--height", "41", "--dry-run"});
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK(r.output.find("kind     validator_set_change") != std::string::npos);
  CHECK(r.output.find("effective at height 47") != std::string::npos);
  CHECK(r.output.find("signers  6") != std::string::npos);  // more than the 4 other kinds allow
  const auto at = r.output.find("body     ");
  REQUIRE(at != std::string::npos);
  const auto body = nlohmann::json::parse(r.output.substr(at + 9, r.output.find('\n', at) - at - 9));
  const auto& updates = body["validator_set_change"]["updates"];
  REQUIRE(updates.size() == 3);  // removals, re-weights, additions
  CHECK(updates[0]["public_key"] == PublicHex("validator-0"));
  CHECK_FALSE(updates[0].contains("voting_power"));
  CHECK(updates[1]["public_key"] == PublicHex("validator-1"));
  CHECK(updates[1]["voting_power"] == 2);
  CHECK(updates[2]["org_id"] == "bank-2");
  CHECK(updates[2]["voting_power"] == 3);
  CHECK(body["validator_set_change"]["effective_height"] == 47);

  const testing::CliRun fixed = Run(k, {"--remove", PublicHex("validator-3"), "--effective-height", "60",
                                        "--chain-id", "c-1", "--height", "1", "--dry-run"});
  INFO(fixed.output);
  CHECK(fixed.code == 0);
  CHECK(fixed.output.find("effective at height 60") != std::string::npos);
}

TEST_CASE("validators change refuses bad command lines before signing") {
  Keys k;
  const std::vector<std::string> offline = {"--chain-id", "c-1", "--height", "1", "--dry-run"};
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.end(), offline.begin(), offline.end());
    return Run(k, args);
  };
  const std::string add = PublicHex("validator-5") + ":1:bank-2";
  CHECK(run({"--after", "5"}).code == 2);                                         // no update
  CHECK(run({"--add", add}).code == 2);                                           // no height
  CHECK(run({"--add", add, "--after", "5", "--effective-height", "9"}).code == 2);  // both
  CHECK(run({"--add", add, "--after", "1"}).code == 2);                           // E too soon
  CHECK(run({"--add", PublicHex("validator-5") + ":0:bank-2", "--after", "5"}).code == 2);  // power 0
  CHECK(run({"--add", PublicHex("validator-5") + ":1", "--after", "5"}).code == 2);          // no org
  CHECK(run({"--add", "abcd:1:bank-2", "--after", "5"}).code == 2);               // short key
  CHECK(run({"--reweight", PublicHex("validator-1"), "--after", "5"}).code == 2);  // no power
  CHECK(run({"--add", add, "--after", "5", "--colour", "red"}).code == 2);        // unknown option
  CHECK(RunCli({"validators", "show"}).code == 2);
  CHECK(RunCli({"validators", "change", "--add", add, "--after", "5", "--chain-id", "c-1", "--height", "1",
                "--dry-run"})
            .code == 2);  // no key
  CHECK(Run(k, {"--add", add, "--after", "5"}).code == 2);  // neither a node nor offline
  // Stateless rules show before any network trip: the same key twice.
  const testing::CliRun twice = run({"--add", add, "--remove", PublicHex("validator-5"), "--after", "5"});
  INFO(twice.output);
  CHECK(twice.code == 1);
  CHECK(twice.output.find("duplicate_validator") != std::string::npos);
  const testing::CliRun help = RunCli({"validators", "--help"});
  CHECK(help.code == 0);
  CHECK(help.output.find("--add HEXKEY:POWER:ORG") != std::string::npos);
  CHECK(RunCli({"help"}).output.find("validators change") != std::string::npos);
}
