// `shanliu validators change` (issue 20 part 1): builds, signs and checks a ValidatorSetChange as a
// node will (offline with --dry-run), in the documented update order, with more signatures than
// other kinds allow; bad command lines are usage errors before anything is signed.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "frost_sign.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/origin_keys.h"
#include "shanliu/ledger/validator_set.h"
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

// ---------------------------------------------------------------- --origin-key (issue 20 hand-over)

namespace {

namespace frost = crypto::frost;

// GET /v1/validators's answer for validator-0..3 (the set in force), saved as a file.
std::string SavedValidators(const Keys& k, const std::string& name = "validators.json") {
  std::vector<ledger::Validator> set;
  const char* orgs[] = {"bureau", "federation", "bank-1", "bank-1"};
  for (int i = 0; i < 4; ++i) set.push_back({TestKey("validator-" + std::to_string(i)).public_key, 1, orgs[i]});
  const nlohmann::json answer = {{"height", 42},
                                 {"validators_hash", crypto::ToHex(ledger::ValidatorsHash(set))},
                                 {"validators", ledger::ValidatorsToJson(set, true)}};
  const std::string path = (k.dir.path() / name).string();
  std::ofstream(path) << answer.dump();
  return path;
}

// A hand-over file for `names` in that order: 4-of-5 (or t of n) shares from a seeded dealer.
std::string HandoverFile(const Keys& k, const std::vector<std::string>& names, const std::string& file) {
  const auto n = static_cast<std::uint16_t>(names.size());
  auto dealt = frost::TrustedDealerKeygen(n, ledger::OriginThreshold(n), testing::SeededRandom(5));
  REQUIRE(dealt.ok());
  ledger::OriginKeySet set{dealt->public_keys, {}};
  for (const std::string& name : names) set.participants.push_back(TestKey(name).public_key);
  const std::string path = (k.dir.path() / file).string();
  std::ofstream(path) << ledger::OriginKeySetToJson(set).dump();
  return path;
}

std::string WriteText(const Keys& k, const std::string& file, const std::string& text) {
  const std::string path = (k.dir.path() / file).string();
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("validators change --origin-key puts the hand-over for the resulting set in the tx") {
  Keys k;
  const std::string validators = SavedValidators(k);
  const std::vector<std::string> five = {"validator-0", "validator-1", "validator-2", "validator-3", "validator-4"};
  const std::string good = HandoverFile(k, five, "good.json");
  const std::vector<std::string> base = {"--add", PublicHex("validator-4") + ":1:bank-2", "--after", "5", "--chain-id",
                                         "c-1", "--height", "41", "--validators", validators, "--dry-run"};
  auto run = [&](const std::vector<std::string>& more) {
    std::vector<std::string> args = base;
    args.insert(args.end(), more.begin(), more.end());
    return Run(k, args);
  };

  const testing::CliRun r = run({"--origin-key", good});
  INFO(r.output);
  REQUIRE(r.code == 0);
  nlohmann::json next_keys = nlohmann::json::array();
  for (const std::string& name : five) next_keys.push_back(PublicHex(name.c_str()));
  CHECK(r.output.find("next     " + nlohmann::json{{"validators", next_keys}}.dump() + "\n") != std::string::npos);
  CHECK(r.output.find("origin   handed over in 5 shares (min_signers 4), SHA-256 ") != std::string::npos);
  const auto at = r.output.find("body     ");
  REQUIRE(at != std::string::npos);
  const auto body = nlohmann::json::parse(r.output.substr(at + 9, r.output.find('\n', at) - at - 9));
  const auto& handover = body["validator_set_change"]["origin_key"];
  CHECK(handover["min_signers"] == 4);
  REQUIRE(handover["shares"].size() == 5);
  const auto file = nlohmann::json::parse(std::ifstream(good));
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(handover["shares"][i]["public_key"] == next_keys[i]);
    CHECK(handover["shares"][i]["verifying_share"] == file["shares"][i]["verifying_share"]);
  }

  SUBCASE("without --origin-key the resulting set is still printed and nothing is handed over") {
    const testing::CliRun plain = run({});
    INFO(plain.output);
    CHECK(plain.code == 0);
    CHECK(plain.output.find("next     " + nlohmann::json{{"validators", next_keys}}.dump()) != std::string::npos);
    CHECK(plain.output.find("origin   not handed over") != std::string::npos);
    CHECK(plain.output.find("\"origin_key\"") == std::string::npos);
  }
  SUBCASE("a file for another order of the set, or another set, is refused before signing") {
    const std::vector<std::string> swapped = {"validator-1", "validator-0", "validator-2", "validator-3", "validator-4"};
    const testing::CliRun other = run({"--origin-key", HandoverFile(k, swapped, "swapped.json")});
    INFO(other.output);
    CHECK(other.code == 1);
    CHECK(other.output.find("origin_handover_mismatch") != std::string::npos);
    CHECK(other.output.find("share 0 is for " + PublicHex("validator-1")) != std::string::npos);
    CHECK(other.output.find("body     ") == std::string::npos);
    const std::vector<std::string> four = {"validator-0", "validator-1", "validator-2", "validator-3"};
    const testing::CliRun fewer = run({"--origin-key", HandoverFile(k, four, "four.json")});
    CHECK(fewer.code == 1);
    CHECK(fewer.output.find("origin_handover_mismatch") != std::string::npos);
  }
  SUBCASE("malformed files are refused with their codes") {
    CHECK(run({"--origin-key", WriteText(k, "text.json", "not json")}).output.find("invalid_json") != std::string::npos);
    nlohmann::json j = nlohmann::json::parse(std::ifstream(good));
    j["shares"][2]["verifying_share"] = "abcd";
    const testing::CliRun bad_share = run({"--origin-key", WriteText(k, "short.json", j.dump())});
    CHECK(bad_share.code == 1);
    CHECK(bad_share.output.find("frost_malformed") != std::string::npos);
    j = nlohmann::json::parse(std::ifstream(good));
    j["min_signers"] = 3;
    CHECK(run({"--origin-key", WriteText(k, "threshold.json", j.dump())}).output.find("frost_bad_threshold") !=
          std::string::npos);
    const testing::CliRun missing = run({"--origin-key", (k.dir.path() / "none.json").string()});
    CHECK(missing.code != 0);
    CHECK(missing.output.find("cannot read") != std::string::npos);
  }
  SUBCASE("the set in force must be known and intact") {
    std::vector<std::string> no_set = {"--add", PublicHex("validator-4") + ":1:bank-2", "--after", "5", "--chain-id",
                                       "c-1", "--height", "41", "--dry-run", "--origin-key", good};
    const testing::CliRun unknown = Run(k, no_set);
    CHECK(unknown.code == 2);
    CHECK(unknown.output.find("--origin-key needs the set in force") != std::string::npos);
    nlohmann::json answer = nlohmann::json::parse(std::ifstream(validators));
    answer["validators"][1]["voting_power"] = 9;  // edited: no longer hashes to validators_hash
    std::vector<std::string> edited = base;
    edited[9] = WriteText(k, "edited.json", answer.dump());
    const testing::CliRun tampered = Run(k, edited);
    CHECK(tampered.code == 1);
    CHECK(tampered.output.find("does not hash to its validators_hash") != std::string::npos);
    // An update the set cannot take shows before signing too.
    std::vector<std::string> remove_unknown = base;
    remove_unknown[0] = "--remove";
    remove_unknown[1] = PublicHex("validator-5");
    CHECK(Run(k, remove_unknown).output.find("unknown_validator") != std::string::npos);
  }
}
