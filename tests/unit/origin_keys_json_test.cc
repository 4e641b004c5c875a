// The origin key set's hand-over file (ledger/origin_keys.h): round trip from a genesis origin key
// and the refusals of malformed, inconsistent and hostile files.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/origin_keys.h"
#include "frost_sign.h"
#include "test_chain.h"

using namespace shanliu;
using nlohmann::json;
namespace frost = shanliu::crypto::frost;

namespace {

// Four validators and a 3-of-4 origin key from a seeded dealer.
ledger::Genesis FourWithOriginKey(std::uint64_t seed) {
  ledger::Genesis g;
  g.chain_id = "test-chain";
  for (int i = 0; i < 4; ++i) g.validators.push_back({testing::TestKey("v" + std::to_string(i)).public_key, 1, "bank"});
  auto dealer = frost::TrustedDealerKeygen(4, ledger::OriginThreshold(4), testing::SeededRandom(seed));
  REQUIRE(dealer.ok());
  g.origin_key = ledger::GenesisOriginKey{dealer->public_keys.verifying_key, dealer->public_keys.min_signers, {}};
  for (const auto& [id, share] : dealer->public_keys.verifying_shares) g.origin_key->verifying_shares.push_back(share);
  return g;
}

json GenesisFile(std::uint64_t seed = 3) {
  auto keys = ledger::GenesisOriginKeys(FourWithOriginKey(seed));
  REQUIRE(keys);
  return ledger::OriginKeySetToJson(*keys);
}

std::string CodeOf(const json& j) {
  auto parsed = ledger::OriginKeySetFromJson(j);
  return parsed.ok() ? "ok" : parsed.status().code();
}

}  // namespace

TEST_CASE("origin key set JSON round trip keeps participants and shares in order") {
  const ledger::Genesis g = FourWithOriginKey(3);
  const auto keys = ledger::GenesisOriginKeys(g);
  REQUIRE(keys);
  CHECK(keys->participants.size() == 4);
  CHECK(keys->ParticipantIndex(g.validators[2].public_key) == 2);
  CHECK(keys->ParticipantIndex(testing::TestKey("outsider").public_key) == -1);
  const json j = ledger::OriginKeySetToJson(*keys);
  CHECK(j.at("shares").size() == 4);
  CHECK(j.at("shares")[1].at("public_key") == crypto::ToHex(g.validators[1].public_key));
  auto back = ledger::OriginKeySetFromJson(j);
  REQUIRE(back.ok());
  CHECK(back->participants == keys->participants);
  CHECK(back->public_keys.verifying_key == keys->public_keys.verifying_key);
  CHECK(back->public_keys.verifying_shares == keys->public_keys.verifying_shares);
  CHECK(back->public_keys.min_signers == 3);
  ledger::Genesis none = g;
  none.origin_key.reset();
  CHECK_FALSE(ledger::GenesisOriginKeys(none));
}

TEST_CASE("origin key set JSON refuses malformed and inconsistent files") {
  const json good = GenesisFile();
  CHECK(CodeOf(good) == "ok");
  CHECK(CodeOf(json::array()) == "frost_malformed");
  CHECK(CodeOf(json("text")) == "frost_malformed");
  json j = good;
  j["extra"] = 1;
  CHECK(CodeOf(j) == "frost_malformed");
  j = good;
  j.erase("min_signers");
  CHECK(CodeOf(j) == "frost_malformed");
  j = good;
  j["verifying_key"] = "zz";
  CHECK(CodeOf(j) == "frost_malformed");
  j = good;
  j["shares"][0]["public_key"] = std::string(62, 'a');
  CHECK(CodeOf(j) == "frost_malformed");
  j = good;
  j["shares"][0]["verifying_share"] = 7;
  CHECK(CodeOf(j) == "frost_malformed");
  j = good;
  j["shares"][0]["note"] = "x";
  CHECK(CodeOf(j) == "frost_malformed");
  j = good;
  j["shares"] = json::array();
  CHECK(CodeOf(j) == "frost_malformed");
  j = good;
  j["shares"] = json::array();
  for (int i = 0; i < 101; ++i) j["shares"].push_back(good["shares"][0]);
  CHECK(CodeOf(j) == "frost_malformed");
  j = good;
  j["shares"][3]["public_key"] = j["shares"][0]["public_key"];
  CHECK(CodeOf(j) == "frost_malformed");  // one participant twice
}

TEST_CASE("origin key set JSON refuses a wrong threshold and shares off the group key") {
  const json good = GenesisFile();
  json j = good;
  j["min_signers"] = 2;
  CHECK(CodeOf(j) == "frost_bad_threshold");
  j["min_signers"] = -3;
  CHECK(CodeOf(j) == "frost_bad_threshold");
  j = good;  // two shares swapped: no longer on one polynomial through the key
  std::swap(j["shares"][0]["verifying_share"], j["shares"][3]["verifying_share"]);
  CHECK(CodeOf(j) == "frost_invalid_share");
  j = good;  // another group's key
  j["verifying_key"] = GenesisFile(4)["verifying_key"];
  CHECK(CodeOf(j) == "frost_invalid_share");
  j = good;  // one participant cannot hold a threshold key
  j["shares"] = json::array({good["shares"][0]});
  j["min_signers"] = 1;
  CHECK(CodeOf(j) == "frost_bad_threshold");
  j = good;  // not a curve point
  j["shares"][2]["verifying_share"] = std::string(64, 'f');
  CHECK(CodeOf(j) == "frost_malformed");
}
