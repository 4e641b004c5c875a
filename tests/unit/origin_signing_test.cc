// FROST signing of checkpoints under the origin name: genesis origin_key parsing, share files,
// several in-process OriginSigners exchanging commitments, packages and shares (including a bad
// share, a replayed package and a stale checkpoint), and the origin line in notes.
#include <doctest/doctest.h>
#include <sodium.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/checkpoint.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/ledger/origin_key_row.h"
#include "shanliu/ledger/origin_keys.h"
#include "shanliu/ledger/state_map.h"
#include "shanliu/ledger/origin_signing.h"
#include "shanliu/ledger/witness.h"
#include "frost_sign.h"
#include "origin_epochs.h"  // node/src
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TestKey;
const auto Seeded = shanliu::testing::SeededRandom;
namespace frost = shanliu::crypto::frost;
namespace fs = std::filesystem;

namespace {

struct Group {
  ledger::Genesis genesis;
  std::vector<frost::KeyPackage> keys;
};

// Four validators of power 1 and a 3-of-4 origin key from a seeded dealer.
Group FourWithOriginKey(std::uint64_t seed = 7) {
  Group out;
  ledger::Genesis& g = out.genesis;
  g.chain_id = "test-chain";
  g.genesis_time_ms = 1'767'225'600'000;
  const char* orgs[] = {"bureau", "federation", "bank-1", "bank-2"};
  for (int i = 0; i < 4; ++i) g.validators.push_back({TestKey("validator-" + std::to_string(i)).public_key, 1, orgs[i]});
  auto dealer = frost::TrustedDealerKeygen(4, ledger::OriginThreshold(4), Seeded(seed));
  REQUIRE(dealer.ok());
  g.origin_key = ledger::GenesisOriginKey{dealer->public_keys.verifying_key, dealer->public_keys.min_signers, {}};
  for (const auto& [id, share] : dealer->public_keys.verifying_shares) g.origin_key->verifying_shares.push_back(share);
  for (const frost::SecretShare& share : dealer->shares) {
    auto key = frost::VerifySecretShare(share);
    REQUIRE(key.ok());
    out.keys.push_back(*key);
  }
  return out;
}

// One participant of the genesis epoch: the signer with its epoch bound to every call, as the
// node binds the epoch it resolves for each checkpoint.
class TestSigner {
 public:
  TestSigner(const Group& group, std::uint32_t index, const frost::KeyPackage& key, frost::RandomFill random,
             std::size_t keep = ledger::OriginSigner::kDefaultKeepCheckpoints)
      : signer_(group.genesis, std::move(random), keep),
        epoch_(std::make_shared<ledger::OriginEpoch>(
            ledger::OriginEpoch{*ledger::GenesisOriginKeys(group.genesis), index, key})) {}
  auto Commit(const ledger::CheckpointRef& c) { return signer_.Commit(c, epoch_); }
  Status AddCommitment(const ledger::CheckpointRef& c, const ledger::OriginCommitment& m) {
    return signer_.AddCommitment(c, epoch_, m);
  }
  auto TakePackage(const ledger::CheckpointRef& c) { return signer_.TakePackage(c); }
  auto AddPackage(const ledger::OriginSigningPackage& p, std::uint32_t from) { return signer_.AddPackage(p, epoch_, from); }
  auto SignPackage(const ledger::CheckpointRef& c) { return signer_.SignPackage(c); }
  auto AddShare(const ledger::OriginShare& s) { return signer_.AddShare(s); }
  std::size_t sessions() const { return signer_.sessions(); }
  TestSigner(const ledger::Genesis& genesis, ledger::OriginEpochPtr epoch, frost::RandomFill random)
      : signer_(genesis, std::move(random)), epoch_(std::move(epoch)) {}
  const ledger::OriginEpoch& epoch() const { return *epoch_; }

 private:
  ledger::OriginSigner signer_;
  ledger::OriginEpochPtr epoch_;
};

std::vector<std::unique_ptr<TestSigner>> Signers(const Group& group) {
  std::vector<std::unique_ptr<TestSigner>> out;
  for (std::uint32_t i = 0; i < group.keys.size(); ++i) {
    out.push_back(std::make_unique<TestSigner>(group, i, group.keys[i], Seeded(100 + i)));
  }
  return out;
}

ledger::CheckpointRef Checkpoint(std::uint64_t size) {
  return {size, crypto::Sha256(AsBytes("root-" + std::to_string(size)))};
}

// Every signer commits and every other records the commitment (the cosignature exchange).
void ExchangeCommitments(std::vector<std::unique_ptr<TestSigner>>& signers, const ledger::CheckpointRef& c) {
  for (auto& s : signers) {
    auto mine = s->Commit(c);
    REQUIRE(mine.ok());
    REQUIRE(mine->has_value());
    for (auto& other : signers) {
      if (other != s) REQUIRE(other->AddCommitment(c, **mine).ok());
    }
  }
}

bool VerifiesUnderGroupKey(const ledger::Genesis& g, const ledger::CheckpointRef& c, const crypto::Signature& sig) {
  const std::string body = ledger::CheckpointBody(ledger::CheckpointOrigin(g), c.log_size, c.log_root);
  return crypto_sign_verify_detached(sig.data(), reinterpret_cast<const unsigned char*>(body.data()), body.size(),
                                     g.origin_key->verifying_key.data()) == 0;
}

}  // namespace

TEST_CASE("the genesis state root commits to the origin key and only to it") {
  Group group = FourWithOriginKey();
  const pb::BlockHeader with_key = ledger::GenesisBlockHeader(group.genesis);
  ledger::Genesis other = group.genesis;
  other.origin_key->verifying_key = FourWithOriginKey(8).genesis.origin_key->verifying_key;
  REQUIRE(other.origin_key->verifying_key != group.genesis.origin_key->verifying_key);
  ledger::Genesis without = group.genesis;
  without.origin_key.reset();
  // The validators hash covers the set only: before the r/origin_key row the three were one block.
  CHECK(ledger::GenesisBlockHeader(other).validators_hash() == with_key.validators_hash());
  CHECK(ledger::GenesisBlockHeader(other).state_root() != with_key.state_root());
  CHECK(ledger::GenesisBlockHeader(without).state_root() != with_key.state_root());
  // The shares are not in the state: the group key alone signs what readers check.
  ledger::Genesis other_shares = group.genesis;
  std::swap(other_shares.origin_key->verifying_shares[0], other_shares.origin_key->verifying_shares[1]);
  CHECK(ledger::GenesisBlockHeader(other_shares).state_root() == with_key.state_root());

  // The row holds the 32-byte key, proven against the genesis block's state root.
  const auto& key = group.genesis.origin_key->verifying_key;
  const std::string row(ledger::kOriginKeyRow);
  const std::vector<ledger::smt::Claim> claims{{row, std::string(key.begin(), key.end())}};
  shanliu::testing::TempDir dir;
  auto opened = ledger::Ledger::Open(dir.path(), group.genesis, {});
  REQUIRE(opened.ok());
  const std::shared_ptr<const ledger::ReadView> read = (*opened)->Read();
  const ledger::ReadView& view = *read;
  Hash256 root{};
  std::copy(with_key.state_root().begin(), with_key.state_root().end(), root.begin());
  CHECK(ledger::smt::VerifyMultiProof(root, view.StateProof(std::vector<std::string>{row}), claims).ok());
  CHECK(view.state().Get(row) == std::string(key.begin(), key.end()));
}

TEST_CASE("four in-process signers make an origin signature that plain Ed25519 verifies") {
  const Group group = FourWithOriginKey();
  auto signers = Signers(group);
  const ledger::CheckpointRef c = Checkpoint(10);  // coordinator: 10 mod 4 = validator 2
  REQUIRE(ledger::OriginCoordinator(signers[0]->epoch(), c.log_size) == 2);
  ExchangeCommitments(signers, c);
  CHECK_FALSE(signers[0]->TakePackage(c).has_value());  // not the coordinator
  auto package = signers[2]->TakePackage(c);
  REQUIRE(package.has_value());
  CHECK(package->commitments.size() == 3);
  CHECK_FALSE(signers[2]->TakePackage(c).has_value());  // once
  for (std::uint32_t i = 0; i < 4; ++i) {
    if (i != 2) REQUIRE(signers[i]->AddPackage(*package, 2).ok());
  }
  // The three listed sign; an observer-like fourth signer aggregates from the shares alone.
  std::optional<crypto::Signature> signature;
  for (const ledger::OriginCommitment& listed : package->commitments) {
    auto share = signers[listed.validator_index]->SignPackage(c);
    REQUIRE(share.ok());
    auto result = signers[3]->AddShare(*share);
    REQUIRE(result.ok());
    if (result->has_value()) signature = **result;
  }
  REQUIRE(signature.has_value());
  CHECK(VerifiesUnderGroupKey(group.genesis, c, *signature));
  CHECK(ledger::VerifyOriginSignature(group.genesis, c.log_size, c.log_root, *signature).ok());
  // Another checkpoint's body does not verify under it.
  CHECK(ledger::VerifyOriginSignature(group.genesis, 11, c.log_root, *signature).code() == "bad_cosignature");
}

TEST_CASE("a bad share is refused naming the signer and the good ones still aggregate") {
  const Group group = FourWithOriginKey();
  auto signers = Signers(group);
  const ledger::CheckpointRef c = Checkpoint(8);  // coordinator 0
  ExchangeCommitments(signers, c);
  auto package = signers[0]->TakePackage(c);
  REQUIRE(package.has_value());
  REQUIRE(signers[3]->AddPackage(*package, 0).ok());
  std::vector<ledger::OriginShare> shares;
  for (const auto& listed : package->commitments) {
    if (listed.validator_index != 0) REQUIRE(signers[listed.validator_index]->AddPackage(*package, 0).ok());
    auto share = signers[listed.validator_index]->SignPackage(c);
    REQUIRE(share.ok());
    shares.push_back(*share);
  }
  ledger::OriginShare bad = shares[1];
  bad.share[0] ^= 1;
  auto refused = signers[3]->AddShare(bad);
  CHECK(refused.status().code() == "frost_invalid_share");
  CHECK(refused.status().message().find("participant " + std::to_string(bad.validator_index)) != std::string::npos);
  // A share from a validator the package does not list is refused too.
  ledger::OriginShare unlisted = shares[0];
  unlisted.validator_index = 3;
  CHECK(signers[3]->AddShare(unlisted).status().code() == "frost_invalid_share");
  std::optional<crypto::Signature> signature;
  for (const auto& share : shares) {
    auto r = signers[3]->AddShare(share);
    REQUIRE(r.ok());
    if (r->has_value()) signature = **r;
  }
  REQUIRE(signature.has_value());
  CHECK(VerifiesUnderGroupKey(group.genesis, c, *signature));
}

TEST_CASE("a replayed package gets no second share and a package from a non-coordinator is refused") {
  const Group group = FourWithOriginKey();
  auto signers = Signers(group);
  const ledger::CheckpointRef c = Checkpoint(9);  // coordinator 1
  ExchangeCommitments(signers, c);
  auto package = signers[1]->TakePackage(c);
  REQUIRE(package.has_value());
  const std::uint32_t signer = package->commitments[0].validator_index == 1 ? package->commitments[1].validator_index
                                                                              : package->commitments[0].validator_index;
  CHECK(signers[signer]->AddPackage(*package, 3).status().code() == "frost_bad_commitment");
  REQUIRE(signers[signer]->AddPackage(*package, 1).ok());
  REQUIRE(signers[signer]->SignPackage(c).ok());
  REQUIRE(signers[signer]->AddPackage(*package, 1).ok());  // the same package again: harmless
  CHECK(signers[signer]->SignPackage(c).status().code() == "frost_nonce_used");
  // A different package for the same checkpoint is a conflict.
  ledger::OriginSigningPackage other = *package;
  std::swap(other.commitments[0].commitments.hiding, other.commitments[0].commitments.binding);
  CHECK(signers[signer]->AddPackage(other, 1).status().code() == "frost_bad_commitment");
  // A package that misquotes the signer's commitments is refused (and burns its nonces).
  auto fresh = Signers(group);
  ExchangeCommitments(fresh, c);
  auto p2 = fresh[1]->TakePackage(c);
  REQUIRE(p2.has_value());
  for (auto& listed : p2->commitments) {
    if (listed.validator_index == signer) std::swap(listed.commitments.hiding, listed.commitments.binding);
  }
  auto victim = std::make_unique<TestSigner>(group, signer, group.keys[signer], Seeded(999));
  REQUIRE(victim->Commit(c).ok());
  REQUIRE(victim->AddPackage(*p2, 1).ok());
  CHECK(victim->SignPackage(c).status().code() == "frost_bad_commitment");
  CHECK(victim->SignPackage(c).status().code() == "frost_nonce_used");
}

TEST_CASE("stale checkpoints and bounded sessions") {
  const Group group = FourWithOriginKey();
  TestSigner signer(group, 0, group.keys[0], Seeded(5), 4);
  for (std::uint64_t size = 10; size < 20; ++size) REQUIRE(signer.Commit(Checkpoint(size)).ok());
  CHECK(signer.sessions() == 4);
  CHECK(signer.Commit(Checkpoint(3)).status().code() == "stale_checkpoint");
  ledger::OriginCommitment peer{1, (*signer.Commit(Checkpoint(19)))->commitments};
  CHECK(signer.AddCommitment(Checkpoint(2), peer).code() == "stale_checkpoint");
  CHECK(signer.AddCommitment(Checkpoint(19), ledger::OriginCommitment{9, peer.commitments}).code() ==
        "unknown_validator");
  ledger::OriginCommitment bad_point = peer;
  bad_point.commitments.hiding.fill(0);
  CHECK(signer.AddCommitment(Checkpoint(19), bad_point).code() == "frost_malformed");
  // A share for a checkpoint no longer (or never) kept opens no session.
  ledger::OriginShare share{Checkpoint(11), 1, {}};
  CHECK(signer.AddShare(share).status().code() == "stale_checkpoint");
  CHECK(signer.sessions() == 4);
  // A package for an evicted checkpoint: its nonces are gone, so no share.
  TestSigner coordinator(group, 0, group.keys[0], Seeded(6), 4);
  CHECK(coordinator.SignPackage(Checkpoint(12)).status().code() == "stale_checkpoint");
}

TEST_CASE("genesis origin_key round-trips and hostile values are refused") {
  Group group = FourWithOriginKey();
  // The organisations ParseGenesis requires of the validators.
  const std::pair<const char*, pb::OrgKind> orgs[] = {{"bureau", pb::ORG_KIND_BUREAU},
                                                      {"federation", pb::ORG_KIND_FEDERATION},
                                                      {"bank-1", pb::ORG_KIND_BANK},
                                                      {"bank-2", pb::ORG_KIND_BANK}};
  for (const auto& [id, kind] : orgs) {
    ledger::GenesisOrg org;
    org.org_id = id;
    org.kind = kind;
    org.name_zh = id;
    org.credit_code = testing::TestCreditCode(kind == pb::ORG_KIND_BANK ? "91" : kind == pb::ORG_KIND_BUREAU ? "11" : "51", id);
    org.public_keys = {TestKey(std::string("org-") + id).public_key};
    group.genesis.organisations.push_back(org);
  }
  const std::string json_text = ledger::GenesisToJson(group.genesis);
  auto parsed = ledger::ParseGenesis(json_text);
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
  REQUIRE(parsed->origin_key.has_value());
  CHECK(parsed->origin_key->verifying_key == group.genesis.origin_key->verifying_key);
  CHECK(parsed->origin_key->min_signers == 3);
  CHECK(ledger::GenesisToJson(*parsed) == json_text);
  const auto mutate = [&](const std::function<void(nlohmann::json&)>& change) {
    nlohmann::json j = nlohmann::json::parse(json_text);
    change(j["origin_key"]);
    return ledger::ParseGenesis(j.dump()).status();
  };
  CHECK(mutate([](nlohmann::json& o) { o["min_signers"] = 1; }).code() == "invalid_genesis");
  CHECK(mutate([](nlohmann::json& o) { o["verifying_shares"].erase(0); }).code() == "invalid_genesis");
  CHECK(mutate([](nlohmann::json& o) { o["extra"] = 1; }).code() == "invalid_genesis");
  // Two shares swapped: not on the group key's polynomial in that order.
  const Status swapped = mutate([](nlohmann::json& o) { std::swap(o["verifying_shares"][0], o["verifying_shares"][1]); });
  CHECK(swapped.code() == "invalid_genesis");
  CHECK(swapped.message().find("frost_invalid_share") != std::string::npos);
  // Another group's key.
  const Status other_key = mutate([](nlohmann::json& o) {
    o["verifying_key"] = crypto::ToHex(TestKey("someone").public_key);
  });
  CHECK(other_key.code() == "invalid_genesis");
}

TEST_CASE("share files are private, typed on bad input, and must match the genesis share") {
  const Group group = FourWithOriginKey();
  const fs::path dir = fs::temp_directory_path() / ("shanliu-origin-share-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path path = dir / "origin.share";
  REQUIRE(frost::WriteShareFile(path, 2, group.keys[1].signing_share).ok());
  CHECK((fs::status(path).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
  CHECK(frost::WriteShareFile(path, 2, group.keys[1].signing_share).code() == "already_exists");
  auto read = frost::ReadShareFile(path);
  REQUIRE(read.ok());
  auto key = frost::KeyPackageFromShare(read->first, read->second, ledger::OriginPublicKeys(*group.genesis.origin_key));
  REQUIRE(key.ok());
  CHECK(key->verifying_key == group.genesis.origin_key->verifying_key);
  // The right file for the wrong identifier (a share file copied to another validator).
  auto wrong = frost::KeyPackageFromShare(*frost::Identifier::FromIndex(3), read->second,
                                          ledger::OriginPublicKeys(*group.genesis.origin_key));
  CHECK(wrong.status().code() == "frost_invalid_share");
  const auto write_raw = [&](const std::string& name, const std::string& text) {
    REQUIRE(crypto::WriteSecretFile(dir / name, text).ok());
    return frost::ReadShareFile(dir / name).status().code();
  };
  const std::string hex = crypto::ToHex(group.keys[1].signing_share.bytes());
  CHECK(write_raw("a", "shanliu-frost-share-v1\n02\n" + hex + "\n") == "invalid_key_file");
  CHECK(write_raw("b", "shanliu-frost-share-v1\n0\n" + hex + "\n") == "invalid_key_file");
  CHECK(write_raw("c", "shanliu-frost-share-v1\n2\n" + hex) == "invalid_key_file");
  CHECK(write_raw("d", "shanliu-frost-share-v1\n2\n" + std::string(64, 'f') + "\n") == "invalid_key_file");
  CHECK(write_raw("e", "shanliu-ed25519-secret-v1\n" + hex + "\n") == "invalid_key_file");
  fs::permissions(path, fs::perms::group_read, fs::perm_options::add);
  CHECK(frost::ReadShareFile(path).status().code() == "insecure_key_file");
  fs::remove_all(dir);
}

TEST_CASE("a node reads every origin share file beside its key, in name order, and refuses an unsafe one") {
  const Group group = FourWithOriginKey();
  shanliu::testing::TempDir dir;
  auto none = node::ReadOriginShares(dir.path());
  REQUIRE(none.ok());
  CHECK(none->empty());
  REQUIRE(frost::WriteShareFile(dir.path() / "origin-b.share", 3, group.keys[2].signing_share).ok());
  REQUIRE(frost::WriteShareFile(dir.path() / "origin.share", 2, group.keys[1].signing_share).ok());
  // Not share files by name: a backup copy and the node's own key.
  REQUIRE(crypto::WriteSecretFile(dir.path() / "origin.share.bak", "not a share").ok());
  REQUIRE(crypto::WriteSecretFile(dir.path() / "node.key", "not a share").ok());
  auto two = node::ReadOriginShares(dir.path());
  REQUIRE(two.ok());
  REQUIRE(two->size() == 2);
  CHECK((*two)[0].first == *frost::Identifier::FromIndex(3));  // "origin-b.share" sorts first
  CHECK((*two)[1].first == *frost::Identifier::FromIndex(2));
  CHECK((*two)[1].second.bytes() == group.keys[1].signing_share.bytes());

  SUBCASE("a group-readable share file stops the read, naming the file") {
    fs::permissions(dir.path() / "origin-b.share", fs::perms::group_read, fs::perm_options::add);
    auto read = node::ReadOriginShares(dir.path());
    CHECK(read.status().code() == "insecure_key_file");
    CHECK(read.status().message().find("origin-b.share") != std::string::npos);
  }
  SUBCASE("a malformed share file stops the read") {
    REQUIRE(crypto::WriteSecretFile(dir.path() / "origin-c.share", "shanliu-frost-share-v1\n2\n").ok());
    CHECK(node::ReadOriginShares(dir.path()).status().code() == "invalid_key_file");
  }
  SUBCASE("a missing directory is an error, not an empty list") {
    CHECK(node::ReadOriginShares(dir.path() / "absent").status().code() == "invalid_key_file");
  }
}

TEST_CASE("a node resolves the genesis set for a checkpoint and finds its share, also one installed late") {
  const Group group = FourWithOriginKey();
  shanliu::testing::TempDir dir;
  auto ledger = ledger::Ledger::Open(dir.path(), group.genesis, {});
  REQUIRE(ledger.ok());
  shanliu::testing::TempDir share_dir;
  const fs::path& shares = share_dir.path();
  const crypto::PublicKey own = TestKey("validator-1").public_key;

  // No share file at first: the node is listed (it cosigns) but holds no share of the set.
  node::OriginEpochs without(**ledger, own, {}, {});
  const ledger::OriginEpochPtr bare = without.ForLogSize(0);
  REQUIRE(bare);
  CHECK(bare->own_index == std::optional<std::uint32_t>(1));
  CHECK(!bare->key);
  CHECK(without.ForLogSize(0) == bare);  // cached: one epoch per set

  // The share installed in the directory before the set is first resolved is read then.
  REQUIRE(frost::WriteShareFile(shares / "origin.share", 2, group.keys[1].signing_share).ok());
  node::OriginEpochs late(**ledger, own, {}, shares);
  const ledger::OriginEpochPtr epoch = late.ForLogSize(0);
  REQUIRE(epoch);
  REQUIRE(epoch->key);
  CHECK(epoch->key->signing_share.bytes() == group.keys[1].signing_share.bytes());
  // A log size beyond the head: the next two heights have the same set, so it is that one.
  CHECK(late.ForLogSize(1) == epoch);
  // A node that is not a validator holds no part.
  node::OriginEpochs outsider(**ledger, TestKey("someone").public_key, {}, shares);
  const ledger::OriginEpochPtr theirs = outsider.ForLogSize(0);
  REQUIRE(theirs);
  CHECK(!theirs->own_index);
  CHECK(!theirs->key);
}

namespace {

// The three message rounds with `signers[coordinator]` coordinating `c`: the aggregate.
crypto::Signature SignRounds(std::vector<std::unique_ptr<TestSigner>>& signers, std::uint32_t coordinator,
                             const ledger::CheckpointRef& c) {
  ExchangeCommitments(signers, c);
  auto package = signers[coordinator]->TakePackage(c);
  REQUIRE(package.has_value());
  REQUIRE(package->commitments.size() == signers[coordinator]->epoch().keys.public_keys.min_signers);
  std::optional<crypto::Signature> signature;
  for (const auto& listed : package->commitments) {
    if (listed.validator_index != coordinator) {
      REQUIRE(signers[listed.validator_index]->AddPackage(*package, coordinator).ok());
    }
    auto share = signers[listed.validator_index]->SignPackage(c);
    REQUIRE(share.ok());
    auto r = signers[coordinator]->AddShare(*share);
    REQUIRE(r.ok());
    if (r->has_value()) signature = **r;
  }
  REQUIRE(signature.has_value());
  return *signature;
}

// The genesis group's signature of `c`: signer 0 coordinates (c.log_size mod 4 == 0).
crypto::Signature SignedByGroup(const Group& group, const ledger::CheckpointRef& c) {
  auto signers = Signers(group);
  return SignRounds(signers, 0, c);
}

}  // namespace

TEST_CASE("the origin line in notes: collector, verifier and witness vkey agree") {
  const Group group = FourWithOriginKey();
  const ledger::Genesis& g = group.genesis;
  const ledger::CheckpointRef c = Checkpoint(12);  // coordinator 0
  const std::optional<crypto::Signature> signature = SignedByGroup(group, c);

  ledger::CheckpointCollector collector(g);
  CHECK(collector.AddOriginSignature(c.log_size, c.log_root, *signature).code() == "stale_checkpoint");
  for (std::uint32_t i = 0; i < 3; ++i) {
    REQUIRE(collector.Add(c.log_size, c.log_root,
                          ledger::MakeCosignature(g, i, TestKey("validator-" + std::to_string(i)).secret_key,
                                                  c.log_size, c.log_root, 1'767'225'600))
                .ok());
  }
  CHECK_FALSE(collector.BestWithOrigin().has_value());
  crypto::Signature forged = *signature;
  forged[5] ^= 1;
  CHECK(collector.AddOriginSignature(c.log_size, c.log_root, forged).code() == "bad_cosignature");
  REQUIRE(collector.AddOriginSignature(c.log_size, c.log_root, *signature).ok());
  auto best = collector.BestWithOrigin();
  REQUIRE(best.has_value());
  CHECK(best->origin_signature == signature);

  // The note verifies with the origin line, and a witness policy holding only the origin vkey accepts it.
  auto verified = ledger::VerifyCheckpointNote(best->note, g);
  REQUIRE(verified.ok());
  CHECK(verified->origin_signed);
  CHECK(verified->supermajority);
  auto vkey = ledger::ParseVerifierKey(ledger::OriginVerifierKey(g));
  REQUIRE(vkey.ok());
  CHECK(vkey->public_key == g.origin_key->verifying_key);
  ledger::LogPolicy policy;
  policy.origin = ledger::CheckpointOrigin(g);
  policy.origin_keys = {*vkey};
  auto note = ledger::ParseNote(best->note);
  REQUIRE(note.ok());
  CHECK(ledger::CheckLogPolicy(*note, policy).ok());
  // An independent reading of signed-note: key ID = SHA-256(name || 0x0A || 0x01 || key)[:4].
  Bytes material(policy.origin.begin(), policy.origin.end());
  material.push_back('\n');
  material.push_back(0x01);
  material.insert(material.end(), g.origin_key->verifying_key.begin(), g.origin_key->verifying_key.end());
  const Hash256 h = crypto::Sha256(material);
  CHECK(ledger::OriginKeyId(g) == ((std::uint32_t{h[0]} << 24) | (std::uint32_t{h[1]} << 16) |
                                   (std::uint32_t{h[2]} << 8) | h[3]));
  // A note whose origin line is tampered with is rejected outright.
  std::string tampered = best->note;
  const std::string line = ledger::OriginSignatureLine(g, *signature);
  tampered.replace(tampered.find(line), line.size(), ledger::OriginSignatureLine(g, forged));
  CHECK(ledger::VerifyCheckpointNote(tampered, g).status().code() == "bad_cosignature");
}


TEST_CASE("the origin line rides on notes cosigned by a set other than genesis") {
  // After a set change the cosigners are the set of the checkpoint's block (here genesis
  // validator 0 replaced by a newcomer), while the origin line stays the genesis group's.
  const Group group = FourWithOriginKey();
  const ledger::Genesis& g = group.genesis;
  const ledger::CheckpointRef c = Checkpoint(16);
  const crypto::Signature signature = SignedByGroup(group, c);
  const crypto::KeyPair newcomer = TestKey("validator-new");
  const std::vector<ledger::Validator> set = {g.validators[1], g.validators[2], g.validators[3],
                                              {newcomer.public_key, 1, "bank-3"}};
  bool exact = false;  // the size is beyond the head until "its block commits"
  ledger::CheckpointCollector collector(
      g, [&](std::uint64_t) { return std::optional<ledger::SignersLookup>(ledger::SignersLookup{set, exact}); });

  const std::uint64_t t_s = 1'767'225'600;
  CHECK(collector.Add(c.log_size, c.log_root, ledger::MakeCosignature(g, 0, TestKey("validator-0").secret_key,
                                                                          c.log_size, c.log_root, t_s))
            .code() == "unknown_validator");
  for (std::uint32_t i = 1; i < 3; ++i) {
    REQUIRE(collector.Add(c.log_size, c.log_root,
                          ledger::MakeCosignature(g, i, TestKey("validator-" + std::to_string(i)).secret_key,
                                                  c.log_size, c.log_root, t_s))
                .ok());
  }
  REQUIRE(collector.Add(c.log_size, c.log_root,
                        ledger::MakeCosignature(g, newcomer.secret_key, c.log_size, c.log_root, t_s))
              .ok());
  REQUIRE(collector.AddOriginSignature(c.log_size, c.log_root, signature).ok());
  CHECK_FALSE(collector.BestWithOrigin().has_value());  // no block carries the size yet
  CHECK_FALSE(collector.Best().has_value());

  exact = true;
  auto best = collector.BestWithOrigin();
  REQUIRE(best.has_value());
  CHECK(best->supermajority);  // 3 of the set's 4
  CHECK(best->cosignatures.size() == 3);
  CHECK(best->origin_signature == signature);
  const auto plain = collector.Best();
  REQUIRE(plain.has_value());
  CHECK(plain->note == best->note);

  // Checked against the set it verifies with the origin line; against genesis the newcomer's
  // line is unknown, 2 of 4 cosigned, and the origin line still verifies.
  auto verified = ledger::VerifyCheckpointNote(best->note, g, set);
  REQUIRE(verified.ok());
  CHECK(verified->origin_signed);
  CHECK(verified->supermajority);
  REQUIRE(verified->cosigners.size() == 3);
  CHECK(verified->cosigners[2].name == ledger::CosignerName(g, set[3]));
  CHECK(verified->cosigners[2].name.find("/k") != std::string::npos);
  auto against_genesis = ledger::VerifyCheckpointNote(best->note, g);
  REQUIRE(against_genesis.ok());
  CHECK(against_genesis->origin_signed);
  CHECK_FALSE(against_genesis->supermajority);
  CHECK(against_genesis->ignored.size() == 1);

  // A witness configured with the genesis file alone (shanliu witness --log genesis.json) knows no
  // heights: the genesis set's 2 of 4 do not suffice, the origin line does.
  const ledger::LogPolicy policy = ledger::GenesisLogPolicy(g);
  auto note = ledger::ParseNote(best->note);
  REQUIRE(note.ok());
  CHECK(ledger::CheckLogPolicy(*note, policy).ok());
  const std::string line = ledger::OriginSignatureLine(g, signature);
  REQUIRE(best->note.find(line) != std::string::npos);
  std::string without_origin = best->note;
  without_origin.erase(without_origin.find(line), line.size());
  auto bare = ledger::ParseNote(without_origin);
  REQUIRE(bare.ok());
  const Status refused = ledger::CheckLogPolicy(*bare, policy);
  CHECK(refused.code() == "insufficient_signatures");
  CHECK(refused.message().find("the genesis origin key did not sign") != std::string::npos);
  crypto::Signature forged = signature;
  forged[7] ^= 1;
  std::string tampered = best->note;
  tampered.replace(tampered.find(line), line.size(), ledger::OriginSignatureLine(g, forged));
  auto bad = ledger::ParseNote(tampered);
  REQUIRE(bad.ok());
  CHECK(ledger::CheckLogPolicy(*bad, policy).code() == "bad_cosignature");
  // Without an origin key in genesis the policy is the validators' alone.
  ledger::Genesis no_key = g;
  no_key.origin_key.reset();
  CHECK(ledger::CheckLogPolicy(*bare, ledger::GenesisLogPolicy(no_key)).code() == "insufficient_signatures");
}

namespace {

frost::SecretScalar SeededScalar(std::uint64_t seed) {
  frost::ScalarBytes bytes{};
  Seeded(seed)(bytes);
  bytes[31] &= 0x0f;  // below the group order
  return frost::SecretScalar(bytes);
}

// The group key of `secret` dealt to `n` holders at the origin threshold, from a seeded dealer.
frost::DealerOutput DealtFrom(const frost::SecretScalar& secret, std::uint16_t n, std::uint64_t seed) {
  std::vector<frost::SecretScalar> coefficients;
  for (std::uint16_t i = 1; i < ledger::OriginThreshold(n); ++i) coefficients.push_back(SeededScalar(seed + i));
  auto dealt = frost::TrustedDealerKeygen(secret, coefficients, n, ledger::OriginThreshold(n));
  REQUIRE(dealt.ok());
  return *dealt;
}

ledger::OriginKeySet KeySetOf(const frost::DealerOutput& dealt, const std::vector<crypto::PublicKey>& participants) {
  return ledger::OriginKeySet{dealt.public_keys, participants};
}

}  // namespace

TEST_CASE("a set handed the same group key signs checkpoints that verify under the genesis key") {
  // Genesis: 4 validators, 3 of 4. The hand-over: 5 participants (validator 1 left, two joined,
  // the order changed), 4 of 5, shares of the same secret.
  const frost::SecretScalar secret = SeededScalar(41);
  const frost::DealerOutput genesis_dealt = DealtFrom(secret, 4, 500);
  const frost::DealerOutput next_dealt = DealtFrom(secret, 5, 600);
  REQUIRE(next_dealt.public_keys.verifying_key == genesis_dealt.public_keys.verifying_key);
  Group group = FourWithOriginKey();
  group.genesis.origin_key = ledger::GenesisOriginKey{genesis_dealt.public_keys.verifying_key, 3, {}};
  for (const auto& [id, share] : genesis_dealt.public_keys.verifying_shares) group.genesis.origin_key->verifying_shares.push_back(share);
  std::vector<crypto::PublicKey> next = {group.genesis.validators[3].public_key, TestKey("joiner-a").public_key,
                                         group.genesis.validators[0].public_key, TestKey("joiner-b").public_key,
                                         group.genesis.validators[2].public_key};
  const ledger::OriginKeySet next_keys = KeySetOf(next_dealt, next);
  REQUIRE(frost::CheckPublicKeyPackage(next_keys.public_keys).ok());

  std::vector<std::unique_ptr<TestSigner>> signers;
  for (std::uint32_t i = 0; i < 5; ++i) {
    // Each holds its old genesis share (if any) and its new one; the epoch takes the new one.
    std::vector<std::pair<frost::Identifier, frost::SecretScalar>> files;
    for (const frost::SecretShare& old : genesis_dealt.shares) files.push_back({old.identifier, old.value});
    files.push_back({next_dealt.shares[i].identifier, next_dealt.shares[i].value});
    Status mismatch = Status::Ok();
    auto epoch = ledger::MakeOriginEpoch(next_keys, next[i], files, &mismatch);
    REQUIRE(epoch->own_index == i);
    REQUIRE(epoch->key.has_value());
    // Identifiers 1..4 also have an old genesis share, listed first: reported, then skipped.
    CHECK(mismatch.ok() == (i == 4));
    signers.push_back(std::make_unique<TestSigner>(group.genesis, epoch, Seeded(700 + i)));
  }
  const ledger::CheckpointRef c = Checkpoint(12);  // 12 mod 5: participant 2 coordinates
  REQUIRE(ledger::OriginCoordinator(signers[0]->epoch(), c.log_size) == 2);
  REQUIRE(signers[2]->epoch().keys.public_keys.min_signers == 4);
  const crypto::Signature signature = SignRounds(signers, 2, c);
  CHECK(ledger::VerifyOriginSignature(group.genesis, c.log_size, c.log_root, signature).ok());
}

TEST_CASE("an origin epoch without this node, without its share, and a session bound to another set") {
  const frost::SecretScalar secret = SeededScalar(42);
  const frost::DealerOutput a = DealtFrom(secret, 4, 800);
  const frost::DealerOutput b = DealtFrom(secret, 4, 900);  // the same key, other shares
  const Group group = FourWithOriginKey();
  std::vector<crypto::PublicKey> keys;
  for (const auto& v : group.genesis.validators) keys.push_back(v.public_key);
  std::vector<std::pair<frost::Identifier, frost::SecretScalar>> files = {{a.shares[1].identifier, a.shares[1].value}};
  // Not a participant: no index, no key, nothing to report.
  Status mismatch = Status::Ok();
  auto outsider = ledger::MakeOriginEpoch(KeySetOf(a, keys), TestKey("outsider").public_key, files, &mismatch);
  CHECK_FALSE(outsider->own_index.has_value());
  CHECK_FALSE(outsider->key.has_value());
  CHECK(mismatch.ok());
  // A participant whose only share is another set's: no key, and the mismatch is reported.
  auto stale = ledger::MakeOriginEpoch(KeySetOf(b, keys), keys[1], files, &mismatch);
  CHECK(stale->own_index == 1u);
  CHECK_FALSE(stale->key.has_value());
  CHECK(mismatch.code() == "frost_invalid_share");
  // A share of another identifier is not this node's.
  auto other = ledger::MakeOriginEpoch(KeySetOf(a, keys), keys[2], files);
  CHECK_FALSE(other->key.has_value());
  // A session opened under one set refuses commitments resolved to another.
  auto mine = ledger::MakeOriginEpoch(KeySetOf(a, keys), keys[1], files);
  REQUIRE(mine->key.has_value());
  ledger::OriginSigner signer(group.genesis, Seeded(11));
  auto made = signer.Commit(Checkpoint(20), mine);
  REQUIRE(made.ok());
  REQUIRE(made->has_value());
  ledger::OriginCommitment peer{0, (*made)->commitments};
  CHECK(signer.AddCommitment(Checkpoint(20), stale, peer).code() == "stale_checkpoint");
  CHECK(signer.AddCommitment(Checkpoint(20), mine, peer).ok());
  // Without a key the node commits nothing.
  auto none = signer.Commit(Checkpoint(21), stale);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
}
