// The offline DKG ceremony over files: four validators run parts 1-3 in their own folders (files
// copied between them as operators would), agree on the group key and can sign with any three;
// hostile files (malformed, unsigned, wrong recipient, altered box, a share that fails its
// commitment) are typed frost_* errors and write nothing.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/frost.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/node/frost_ceremony.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TestKey;
namespace fs = std::filesystem;
namespace frost = shanliu::crypto::frost;

namespace {

struct Ceremony {
  ledger::Genesis genesis;
  std::vector<crypto::KeyPair> keys;
  fs::path root;

  Ceremony() {
    genesis.chain_id = "test-chain";
    const char* orgs[] = {"bureau", "federation", "bank-1", "bank-2"};
    for (int i = 0; i < 4; ++i) {
      keys.push_back(TestKey("ceremony-" + std::to_string(i)));
      genesis.validators.push_back({keys.back().public_key, 1, orgs[i]});
    }
    root = fs::temp_directory_path() / ("shanliu-ceremony-" + std::to_string(::getpid()));
    fs::remove_all(root);
    for (int i = 0; i < 4; ++i) fs::create_directories(Dir(i));
  }
  ~Ceremony() { fs::remove_all(root); }
  fs::path Dir(int i) const { return root / ("v" + std::to_string(i)); }
  node::CeremonyParty Party(int i) const { return {genesis, 0, keys[i], Dir(i)}; }
  // Hands every validator's files matching `prefix` to every other (the out-of-band exchange).
  void Exchange(const std::string& prefix) const {
    for (int from = 0; from < 4; ++from) {
      for (const auto& entry : fs::directory_iterator(Dir(from))) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(prefix, 0) != 0 || name.find(".json") == std::string::npos) continue;
        for (int to = 0; to < 4; ++to) {
          if (to != from && !fs::exists(Dir(to) / name)) fs::copy_file(entry.path(), Dir(to) / name);
        }
      }
    }
  }
  std::set<std::string> Files(int i) const {
    std::set<std::string> out;
    for (const auto& entry : fs::directory_iterator(Dir(i))) out.insert(entry.path().filename().string());
    return out;
  }
};

void Rewrite(const fs::path& path, const std::function<void(nlohmann::json&)>& change) {
  std::ifstream in(path);
  nlohmann::json j = nlohmann::json::parse(in);
  change(j);
  fs::remove(path);
  REQUIRE(crypto::WriteSecretFile(path, j.dump()).ok());
}

}  // namespace

TEST_CASE("four validators run the ceremony over files and any three of them sign") {
  Ceremony c;
  for (int i = 0; i < 4; ++i) REQUIRE(node::DkgCeremonyPart1(c.Party(i)).ok());
  c.Exchange("round1-");
  std::set<std::string> hashes;
  for (int i = 0; i < 4; ++i) {
    auto h = node::DkgCeremonyPart2(c.Party(i));
    REQUIRE_MESSAGE(h.ok(), h.status().ToString());
    hashes.insert(*h);
  }
  CHECK(hashes.size() == 1);  // everyone saw the same round-1 packages
  c.Exchange("round2-");
  std::vector<frost::KeyPackage> keys;
  std::optional<ledger::GenesisOriginKey> origin;
  for (int i = 0; i < 4; ++i) {
    auto h = node::DkgCeremonyPart3(c.Party(i));
    REQUIRE_MESSAGE(h.ok(), h.status().ToString());
    CHECK(*h == *hashes.begin());
    std::ifstream in(c.Dir(i) / "origin_key.json");
    const nlohmann::json block = nlohmann::json::parse(in)["origin_key"];
    ledger::GenesisOriginKey key;
    key.verifying_key = *crypto::Hash256FromHex(block["verifying_key"].get<std::string>());
    key.min_signers = block["min_signers"].get<std::uint16_t>();
    for (const auto& s : block["verifying_shares"]) key.verifying_shares.push_back(*crypto::Hash256FromHex(s.get<std::string>()));
    if (origin) CHECK(origin->verifying_key == key.verifying_key);
    origin = key;
    auto share = frost::ReadShareFile(c.Dir(i) / "origin.share");
    REQUIRE(share.ok());
    auto package = frost::KeyPackageFromShare(share->first, share->second, ledger::OriginPublicKeys(key));
    REQUIRE(package.ok());
    keys.push_back(*package);
  }
  REQUIRE(frost::CheckPublicKeyPackage(ledger::OriginPublicKeys(*origin)).ok());
  const std::string message = "a checkpoint body\n";
  for (int skip = 0; skip < 4; ++skip) {
    frost::SigningPackage package{{}, Bytes(message.begin(), message.end())};
    std::vector<frost::SigningNonces> nonces;
    std::vector<int> signers;
    for (int i = 0; i < 4; ++i) {
      if (i == skip) continue;
      nonces.push_back(frost::Commit(keys[i]));
      package.commitments.push_back({keys[i].identifier, nonces.back().commitments()});
      signers.push_back(i);
    }
    std::vector<frost::SignatureShare> shares;
    for (std::size_t k = 0; k < signers.size(); ++k) {
      auto share = frost::Sign(package, nonces[k], keys[signers[k]]);
      REQUIRE(share.ok());
      shares.push_back(*share);
    }
    auto sig = frost::Aggregate(package, shares, ledger::OriginPublicKeys(*origin));
    REQUIRE(sig.ok());
    CHECK(crypto::VerifyRaw(origin->verifying_key, AsBytes(message), *sig));
  }
}

TEST_CASE("hostile ceremony files are typed frost errors and write nothing") {
  Ceremony c;
  for (int i = 0; i < 4; ++i) REQUIRE(node::DkgCeremonyPart1(c.Party(i)).ok());
  c.Exchange("round1-");
  const auto before = c.Files(0);
  SUBCASE("malformed round-1 package") {
    fs::remove(c.Dir(0) / "round1-v1.json");
    REQUIRE(crypto::WriteSecretFile(c.Dir(0) / "round1-v1.json", "{not json").ok());
    CHECK(node::DkgCeremonyPart2(c.Party(0)).status().code() == "frost_malformed");
    CHECK(c.Files(0) == before);
  }
  SUBCASE("a round-1 package changed after it was signed") {
    Rewrite(c.Dir(0) / "round1-v2.json", [&](nlohmann::json& j) { j["proof_r"] = j["commitment"][0]; });
    const Status s = node::DkgCeremonyPart2(c.Party(0)).status();
    CHECK(s.code() == "frost_bad_proof");
    CHECK(s.message().find("participant 3") != std::string::npos);
    CHECK(c.Files(0) == before);
  }
  SUBCASE("another chain's package") {
    Rewrite(c.Dir(0) / "round1-v3.json", [](nlohmann::json& j) { j["chain_id"] = "other-chain"; });
    CHECK(node::DkgCeremonyPart2(c.Party(0)).status().code() == "frost_malformed");
  }
  SUBCASE("a missing package") {
    fs::remove(c.Dir(0) / "round1-v1.json");
    CHECK(node::DkgCeremonyPart2(c.Party(0)).status().code() == "frost_too_few_signers");
  }
  SUBCASE("round two: wrong recipient, altered box, bad share") {
    for (int i = 0; i < 4; ++i) REQUIRE(node::DkgCeremonyPart2(c.Party(i)).ok());
    c.Exchange("round2-");
    const auto after2 = c.Files(0);
    // The box for validator 1, renamed and readdressed to validator 0: it does not open.
    fs::remove(c.Dir(0) / "round2-v2-to-v0.json");
    fs::copy_file(c.Dir(0) / "round2-v2-to-v1.json", c.Dir(0) / "round2-v2-to-v0.json");
    Rewrite(c.Dir(0) / "round2-v2-to-v0.json", [](nlohmann::json& j) { j["to"] = 0; });
    CHECK(node::DkgCeremonyPart3(c.Party(0)).status().code() == "frost_malformed");
    CHECK(c.Files(0) == after2);
    // The right box with one byte changed.
    fs::remove(c.Dir(0) / "round2-v2-to-v0.json");
    fs::copy_file(c.Dir(2) / "round2-v2-to-v0.json", c.Dir(0) / "round2-v2-to-v0.json");
    Rewrite(c.Dir(0) / "round2-v2-to-v0.json", [](nlohmann::json& j) {
      Bytes sealed = *crypto::FromBase64(j["sealed"].get<std::string>());
      sealed[40] ^= 1;
      j["sealed"] = crypto::ToBase64(sealed);
    });
    CHECK(node::DkgCeremonyPart3(c.Party(0)).status().code() == "frost_malformed");
    fs::remove(c.Dir(0) / "round2-v2-to-v0.json");
    fs::copy_file(c.Dir(2) / "round2-v2-to-v0.json", c.Dir(0) / "round2-v2-to-v0.json");
    // Validator 3's box passed off as validator 1's: bound to its sender, refused.
    fs::remove(c.Dir(0) / "round2-v1-to-v0.json");
    fs::copy_file(c.Dir(3) / "round2-v3-to-v0.json", c.Dir(0) / "round2-v1-to-v0.json");
    Rewrite(c.Dir(0) / "round2-v1-to-v0.json", [](nlohmann::json& j) { j["from"] = 1; });
    CHECK(node::DkgCeremonyPart3(c.Party(0)).status().code() == "frost_malformed");
    // A correctly sealed and bound box (anyone can seal to a public key) whose share is not on
    // validator 1's commitment: refused naming that sender.
    Bytes envelope;
    const std::string context = "shanliu/frost-dkg/v1\ntest-chain\n0";
    AppendRaw(envelope, crypto::Sha256(AsBytes(context)));
    AppendU32(envelope, 1);
    AppendU32(envelope, 0);
    frost::ScalarBytes bogus{};
    bogus[0] = 5;
    AppendRaw(envelope, bogus);
    Rewrite(c.Dir(0) / "round2-v1-to-v0.json", [&](nlohmann::json& j) {
      j["sealed"] = crypto::ToBase64(*crypto::SealToEd25519(c.keys[0].public_key, envelope));
    });
    const Status bad_share = node::DkgCeremonyPart3(c.Party(0)).status();
    CHECK(bad_share.code() == "frost_invalid_share");
    CHECK(bad_share.message().find("participant 2") != std::string::npos);
    CHECK(c.Files(0) == after2);
    CHECK_FALSE(fs::exists(c.Dir(0) / "origin.share"));
  }
}
