// The offline DKG ceremony over files: four validators run parts 1-3 in their own folders (files
// copied between them as operators would), agree on the group key and can sign with any three;
// hostile files (malformed, unsigned, wrong recipient, altered box, a share that fails its
// commitment) are typed frost_* errors and write nothing.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/frost.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/node/frost_ceremony.h"
#include "frost_sign.h"
#include "shanliu/ledger/origin_keys.h"
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

// ---- Resharing: the origin key handed from the genesis set to a next set and on ----
namespace {

// Five keys: 0..3 the genesis validators holding a dealt 3-of-4 origin key, 4 a newcomer. Each
// key has its own folder per hand-over round, as each operator has its own machine.
struct Handover {
  ledger::Genesis genesis;
  std::vector<crypto::KeyPair> keys;
  fs::path root;

  Handover() {
    genesis.chain_id = "test-chain";
    for (int i = 0; i < 5; ++i) keys.push_back(TestKey("handover-" + std::to_string(i)));
    for (int i = 0; i < 4; ++i) genesis.validators.push_back({keys[i].public_key, 1, "org-" + std::to_string(i)});
    auto dealt = frost::TrustedDealerKeygen(4, 3);
    REQUIRE(dealt.ok());
    ledger::GenesisOriginKey origin{dealt->public_keys.verifying_key, 3, {}};
    for (const auto& [id, share] : dealt->public_keys.verifying_shares) origin.verifying_shares.push_back(share);
    genesis.origin_key = origin;
    root = fs::temp_directory_path() / ("shanliu-handover-" + std::to_string(::getpid()));
    fs::remove_all(root);
    for (int i = 0; i < 5; ++i) fs::create_directories(Dir(1, i));
    for (int i = 0; i < 4; ++i) {
      REQUIRE(frost::WriteShareFile(Dir(1, i) / "origin.share", static_cast<std::uint16_t>(i + 1), dealt->shares[i].value).ok());
    }
  }
  ~Handover() { fs::remove_all(root); }
  fs::path Dir(int round, int i) const { return root / ("round" + std::to_string(round)) / ("k" + std::to_string(i)); }
  std::vector<crypto::PublicKey> Keys(const std::vector<int>& which) const {
    std::vector<crypto::PublicKey> out;
    for (int i : which) out.push_back(keys[i].public_key);
    return out;
  }
  // Every reshare file of one round handed to every folder of that round.
  void Exchange(int round) const {
    std::vector<fs::path> dirs;
    for (const auto& entry : fs::directory_iterator(root / ("round" + std::to_string(round)))) dirs.push_back(entry.path());
    for (const fs::path& from : dirs) {
      for (const auto& entry : fs::directory_iterator(from)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("reshare", 0) != 0) continue;
        for (const fs::path& to : dirs) {
          if (!fs::exists(to / name)) fs::copy_file(entry.path(), to / name);
        }
      }
    }
  }
  std::set<std::string> Files(const fs::path& dir) const {
    std::set<std::string> out;
    for (const auto& entry : fs::directory_iterator(dir)) out.insert(entry.path().filename().string());
    return out;
  }
};

fs::path NewShareFile(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("origin-", 0) == 0 && name.size() == 7 + 16 + 6) return entry.path();
  }
  FAIL("no origin-*.share in " << dir);
  return {};
}

ledger::OriginKeySet ReadHandover(const fs::path& path) {
  std::ifstream in(path);
  auto keys = ledger::OriginKeySetFromJson(nlohmann::json::parse(in));
  REQUIRE_MESSAGE(keys.ok(), keys.status().ToString());
  return *keys;
}

// Parts 1 and 2 of one hand-over round: the dealers deal from `share_files`, every next member
// combines; returns the hand-over (checked identical everywhere) and every new key package.
std::pair<ledger::OriginKeySet, std::map<frost::Identifier, frost::KeyPackage>> RunHandover(
    const Handover& h, int round, const ledger::OriginKeySet& current, const std::vector<int>& next,
    const std::map<int, fs::path>& share_files) {
  const std::vector<crypto::PublicKey> next_keys = h.Keys(next);
  for (int i : next) fs::create_directories(h.Dir(round, i));
  for (const auto& [i, share] : share_files) {
    fs::create_directories(h.Dir(round, i));
    const node::ReshareParty party{h.genesis, h.keys[i], h.Dir(round, i), current, next_keys};
    const Status s = node::ReshareCeremonyPart1(party, share);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
  }
  h.Exchange(round);
  std::set<std::string> hashes;
  std::optional<ledger::OriginKeySet> handover;
  std::map<frost::Identifier, frost::KeyPackage> keys;
  for (int i : next) {
    const node::ReshareParty party{h.genesis, h.keys[i], h.Dir(round, i), current, next_keys};
    auto hash = node::ReshareCeremonyPart2(party);
    REQUIRE_MESSAGE(hash.ok(), hash.status().ToString());
    hashes.insert(*hash);
    const ledger::OriginKeySet mine = ReadHandover(h.Dir(round, i) / "origin_handover.json");
    if (handover) CHECK(ledger::OriginKeySetToJson(mine) == ledger::OriginKeySetToJson(*handover));
    handover = mine;
    CHECK(mine.participants == next_keys);
    CHECK(mine.public_keys.verifying_key == h.genesis.origin_key->verifying_key);
    auto share = frost::ReadShareFile(NewShareFile(h.Dir(round, i)));
    REQUIRE(share.ok());
    auto package = frost::KeyPackageFromShare(share->first, share->second, mine.public_keys);
    REQUIRE_MESSAGE(package.ok(), package.status().ToString());
    CHECK(mine.ParticipantIndex(h.keys[i].public_key) + 1 == static_cast<int>(share->first.bytes()[0]));
    keys.emplace(share->first, *package);
  }
  CHECK(hashes.size() == 1);  // everyone combined the same dealings
  return {*handover, keys};
}

void SignsUnderGenesisKey(const Handover& h, const ledger::OriginKeySet& set,
                          const std::map<frost::Identifier, frost::KeyPackage>& keys) {
  std::vector<frost::Identifier> signers;
  for (const auto& [id, key] : keys) {
    if (signers.size() < set.public_keys.min_signers) signers.push_back(id);
  }
  const std::string message = "a checkpoint body signed by the next set\n";
  auto sig = shanliu::testing::FrostSign(keys, set.public_keys, signers, AsBytes(message), frost::SystemRandom());
  REQUIRE_MESSAGE(sig.ok(), sig.status().ToString());
  CHECK(crypto::VerifyRaw(h.genesis.origin_key->verifying_key, AsBytes(message), *sig));
}

}  // namespace

TEST_CASE("the origin key is handed from 4 genesis validators to 5 and on to 4 over files") {
  Handover h;
  auto genesis_set = node::ReadCurrentOriginKeys(h.genesis, "");
  REQUIRE(genesis_set.ok());
  std::map<int, fs::path> shares;
  for (int i = 0; i < 4; ++i) shares[i] = h.Dir(1, i) / "origin.share";
  const auto [five, five_keys] = RunHandover(h, 1, *genesis_set, {0, 1, 2, 3, 4}, shares);
  CHECK(five.public_keys.min_signers == 4);
  SignsUnderGenesisKey(h, five, five_keys);

  // 5 -> 4 (validator 1 removed), from the 5-set's hand-over file, with exactly t = 4 dealers.
  auto current = node::ReadCurrentOriginKeys(h.genesis, h.Dir(1, 0) / "origin_handover.json");
  REQUIRE_MESSAGE(current.ok(), current.status().ToString());
  shares.clear();
  for (int i : {0, 2, 3, 4}) shares[i] = NewShareFile(h.Dir(1, i));
  const auto [four, four_keys] = RunHandover(h, 2, *current, {0, 2, 3, 4}, shares);
  CHECK(four.public_keys.min_signers == 3);
  SignsUnderGenesisKey(h, four, four_keys);
  CHECK(four.participants == h.Keys({0, 2, 3, 4}));
}

TEST_CASE("hostile hand-over files are typed frost errors and write nothing") {
  Handover h;
  const ledger::OriginKeySet current = *node::ReadCurrentOriginKeys(h.genesis, "");
  const std::vector<crypto::PublicKey> next = h.Keys({0, 1, 2, 3, 4});
  for (int i = 0; i < 4; ++i) {
    const node::ReshareParty party{h.genesis, h.keys[i], h.Dir(1, i), current, next};
    REQUIRE(node::ReshareCeremonyPart1(party, h.Dir(1, i) / "origin.share").ok());
  }
  h.Exchange(1);
  const fs::path dir = h.Dir(1, 4);  // the newcomer's folder
  const node::ReshareParty newcomer{h.genesis, h.keys[4], dir, current, next};
  const auto k16 = [&](int i) { return crypto::ToHex(h.keys[i].public_key).substr(0, 16); };
  const auto dealing = [&](int i) { return dir / ("reshare1-k" + k16(i) + ".json"); };
  const auto box = [&](int from, int to) { return dir / ("reshare2-k" + k16(from) + "-to-k" + k16(to) + ".json"); };
  const auto part2 = [&](const node::ReshareParty& p) {
    const auto files = h.Files(p.dir);
    const Status s = node::ReshareCeremonyPart2(p).status();
    CHECK(h.Files(p.dir) == files);
    return s;
  };

  SUBCASE("a dealing from a key that holds no share") {
    fs::copy_file(dealing(0), dir / ("reshare1-k" + k16(4) + ".json"));
    CHECK(node::ReshareCeremonyPart2(newcomer).status().code() == "frost_malformed");
    fs::remove(dir / ("reshare1-k" + k16(4) + ".json"));
    // Participant 3's dealing re-signed by the newcomer's key.
    Rewrite(dealing(2), [&](nlohmann::json& j) {
      j["signature"] = crypto::ToHex(crypto::Sign(h.keys[4].secret_key, "shanliu/frost-reshare/dealing/v1", Bytes{1, 2}));
    });
    const Status s = part2(newcomer);
    CHECK(s.code() == "frost_bad_proof");
    CHECK(s.message().find("participant 3") != std::string::npos);
  }
  SUBCASE("a dealing altered after it was signed") {
    Rewrite(dealing(1), [](nlohmann::json& j) { j["commitment"][1] = j["commitment"][0]; });
    const Status s = part2(newcomer);
    CHECK(s.code() == "frost_bad_proof");
    CHECK(s.message().find("participant 2") != std::string::npos);
  }
  SUBCASE("malformed dealings") {
    Rewrite(dealing(1), [](nlohmann::json& j) { j["commitment"].erase(0); });
    CHECK(part2(newcomer).code() == "frost_malformed");
    fs::remove(dealing(1));
    REQUIRE(crypto::WriteSecretFile(dealing(1), "{not json").ok());
    CHECK(part2(newcomer).code() == "frost_malformed");
    fs::remove(dealing(1));
    REQUIRE(crypto::WriteSecretFile(dealing(1), std::string(70 * 1024, ' ')).ok());
    CHECK(part2(newcomer).code() == "frost_malformed");
  }
  SUBCASE("another chain's dealing") {
    ledger::Genesis other = h.genesis;
    other.chain_id = "other-chain";
    const fs::path other_dir = h.root / "other";
    fs::create_directories(other_dir);
    const node::ReshareParty party{other, h.keys[0], other_dir, current, next};
    REQUIRE(node::ReshareCeremonyPart1(party, h.Dir(1, 0) / "origin.share").ok());
    fs::remove(dealing(0));
    fs::copy_file(other_dir / dealing(0).filename(), dealing(0));
    CHECK(part2(newcomer).code() == "frost_malformed");
    Rewrite(dealing(0), [](nlohmann::json& j) { j["chain_id"] = "test-chain"; });
    CHECK(part2(newcomer).code() == "frost_malformed");  // its context is another chain's
    // Its sealed share, relabelled as this chain's: the envelope binds the context.
    fs::remove(dealing(0));
    fs::copy_file(h.Dir(1, 0) / dealing(0).filename(), dealing(0));
    fs::remove(box(0, 4));
    fs::copy_file(other_dir / box(0, 4).filename(), box(0, 4));
    Rewrite(box(0, 4), [&](nlohmann::json& j) {
      j["chain_id"] = "test-chain";
      std::ifstream in(h.Dir(1, 0) / box(0, 4).filename());
      j["context_sha256"] = nlohmann::json::parse(in)["context_sha256"];
    });
    CHECK(part2(newcomer).code() == "frost_malformed");
  }
  SUBCASE("a share sealed to someone else") {
    fs::remove(box(2, 4));
    fs::copy_file(box(2, 3), box(2, 4));
    Rewrite(box(2, 4), [&](nlohmann::json& j) { j["to"] = crypto::ToHex(h.keys[4].public_key); });
    CHECK(part2(newcomer).code() == "frost_malformed");
  }
  SUBCASE("a sealed share that does not match its dealing names the dealer") {
    Bytes next_keys;
    for (const auto& k : next) AppendRaw(next_keys, k);
    const std::string context = "shanliu/frost-reshare/v1\ntest-chain\n" +
                                crypto::ToHex(crypto::Sha256(AsBytes(ledger::OriginKeySetToJson(current).dump()))) +
                                "\n" + crypto::ToHex(crypto::Sha256(next_keys));
    Bytes envelope;
    AppendRaw(envelope, crypto::Sha256(AsBytes(context)));
    AppendRaw(envelope, h.keys[1].public_key);
    AppendRaw(envelope, h.keys[4].public_key);
    frost::ScalarBytes bogus{};
    bogus[0] = 5;
    AppendRaw(envelope, bogus);
    Rewrite(box(1, 4), [&](nlohmann::json& j) {
      j["sealed"] = crypto::ToBase64(*crypto::SealToEd25519(h.keys[4].public_key, envelope));
    });
    const Status s = part2(newcomer);
    CHECK(s.code() == "frost_invalid_share");
    CHECK(s.message().find("participant 2") != std::string::npos);
  }
  SUBCASE("too few dealers") {
    fs::remove(dealing(0));
    fs::remove(dealing(1));
    CHECK(part2(newcomer).code() == "frost_too_few_signers");
    CHECK(node::ReshareCeremonyPart2(newcomer, h.Keys({2, 3})).status().code() == "frost_too_few_signers");
    CHECK(node::ReshareCeremonyPart2(newcomer, h.Keys({2, 4, 3})).status().code() == "frost_malformed");
    CHECK(node::ReshareCeremonyPart2(newcomer, h.Keys({2, 3, 2})).status().code() == "frost_duplicate_identifier");
    // Named dealers whose files are missing.
    CHECK(node::ReshareCeremonyPart2(newcomer, h.Keys({0, 2, 3})).status().code() == "frost_too_few_signers");
    CHECK(h.Files(dir).count("origin_handover.json") == 0);
  }
  SUBCASE("a missing sealed share") {
    fs::remove(box(3, 4));
    CHECK(part2(newcomer).code() == "frost_too_few_signers");
  }
  SUBCASE("exactly t named dealers suffice") {
    auto hash = node::ReshareCeremonyPart2(newcomer, h.Keys({3, 0, 2}));
    REQUIRE_MESSAGE(hash.ok(), hash.status().ToString());
    CHECK(fs::exists(dir / "origin_handover.json"));
  }
  SUBCASE("a key not in next runs part 2") {
    const crypto::KeyPair outsider = TestKey("outsider");
    fs::create_directories(h.root / "outsider");
    const node::ReshareParty party{h.genesis, outsider, h.root / "outsider", current, next};
    CHECK(node::ReshareCeremonyPart2(party).status().code() == "invalid_argument");
    CHECK(h.Files(h.root / "outsider").empty());
  }
  SUBCASE("part 1 by a key without a share, or with another participant's share file") {
    const fs::path fresh = h.root / "fresh";
    fs::create_directories(fresh);
    const node::ReshareParty stranger{h.genesis, h.keys[4], fresh, current, next};
    CHECK(node::ReshareCeremonyPart1(stranger, h.Dir(1, 0) / "origin.share").code() == "invalid_argument");
    const node::ReshareParty second{h.genesis, h.keys[1], fresh, current, next};
    CHECK(node::ReshareCeremonyPart1(second, h.Dir(1, 0) / "origin.share").code() == "frost_invalid_share");
    CHECK(h.Files(fresh).empty());
  }
  SUBCASE("a next set of one, and a genesis without origin_key") {
    const std::vector<crypto::PublicKey> one = h.Keys({0});
    const fs::path fresh = h.root / "fresh";
    fs::create_directories(fresh);
    const node::ReshareParty single{h.genesis, h.keys[0], fresh, current, one};
    CHECK(node::ReshareCeremonyPart1(single, h.Dir(1, 0) / "origin.share").code() == "frost_bad_threshold");
    ledger::Genesis plain = h.genesis;
    plain.origin_key.reset();
    CHECK(node::ReadCurrentOriginKeys(plain, "").status().code() == "no_origin_key");
    const node::ReshareParty keyless{plain, h.keys[0], fresh, current, next};
    CHECK(node::ReshareCeremonyPart1(keyless, h.Dir(1, 0) / "origin.share").code() == "no_origin_key");
    CHECK(h.Files(fresh).empty());
  }
}

TEST_CASE("hand-over set files: a current file that is not a valid set, a bad next file") {
  Handover h;
  const fs::path file = h.root / "set.json";
  const auto write = [&](const std::string& text) {
    fs::remove(file);
    std::ofstream(file) << text;
  };
  const ledger::OriginKeySet genesis_set = *node::ReadCurrentOriginKeys(h.genesis, "");
  nlohmann::json valid = ledger::OriginKeySetToJson(genesis_set);
  write(valid.dump());
  REQUIRE(node::ReadCurrentOriginKeys(h.genesis, file).ok());  // a public file: any mode
  nlohmann::json off = valid;
  off["shares"][2]["verifying_share"] = off["shares"][1]["verifying_share"];
  write(off.dump());
  CHECK(node::ReadCurrentOriginKeys(h.genesis, file).status().code() == "frost_invalid_share");
  write("[1, 2]");
  CHECK(node::ReadCurrentOriginKeys(h.genesis, file).status().code() == "frost_malformed");
  CHECK(node::ReadCurrentOriginKeys(h.genesis, h.root / "missing.json").status().code() == "io_error");
  // A valid set of another group key: refused by both parts, nothing written.
  auto other = frost::TrustedDealerKeygen(4, 3);
  REQUIRE(other.ok());
  ledger::OriginKeySet foreign{other->public_keys, genesis_set.participants};
  const fs::path fresh = h.root / "fresh";
  fs::create_directories(fresh);
  const node::ReshareParty party{h.genesis, h.keys[0], fresh, foreign, h.Keys({0, 1, 2, 3, 4})};
  CHECK(node::ReshareCeremonyPart1(party, h.Dir(1, 0) / "origin.share").code() == "frost_malformed");
  CHECK(node::ReshareCeremonyPart2(party).status().code() == "frost_malformed");
  CHECK(h.Files(fresh).empty());

  const auto next_json = [&](const std::vector<int>& which) {
    nlohmann::json list = nlohmann::json::array();
    for (int i : which) list.push_back(crypto::ToHex(h.keys[i].public_key));
    return nlohmann::json{{"validators", list}};
  };
  write(next_json({0, 1, 4}).dump());
  auto next = node::ReadNextSet(file);
  REQUIRE(next.ok());
  CHECK(*next == h.Keys({0, 1, 4}));
  write(next_json({0}).dump());
  CHECK(node::ReadNextSet(file).status().code() == "frost_bad_threshold");
  write(next_json({}).dump());
  CHECK(node::ReadNextSet(file).status().code() == "frost_bad_threshold");
  write(next_json({0, 1, 0}).dump());
  CHECK(node::ReadNextSet(file).status().code() == "frost_duplicate_identifier");
  nlohmann::json extra = next_json({0, 1});
  extra["threshold"] = 2;
  write(extra.dump());
  CHECK(node::ReadNextSet(file).status().code() == "frost_malformed");
  write(R"({"validators": ["zz", "00"]})");
  CHECK(node::ReadNextSet(file).status().code() == "frost_malformed");
  nlohmann::json small_order = next_json({0});
  small_order["validators"].push_back(std::string(64, '0'));  // the identity's neighbour: not a key
  write(small_order.dump());
  CHECK(node::ReadNextSet(file).status().code() == "frost_malformed");
  nlohmann::json many = nlohmann::json{{"validators", nlohmann::json::array()}};
  for (int i = 0; i < 101; ++i) many["validators"].push_back(crypto::ToHex(TestKey("many-" + std::to_string(i)).public_key));
  write(many.dump());
  CHECK(node::ReadNextSet(file).status().code() == "frost_bad_threshold");
}
