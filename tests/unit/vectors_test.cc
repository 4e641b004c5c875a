// Shared test vectors (tests/vectors/, described in tests/vectors/README.md): byte layouts and
// proofs that any implementation — the explorer's verifier, the SDK, another language — can be
// checked against. This test (1) rebuilds them from a real one-validator chain and the real API
// and fails when the committed files differ (regenerate with SHANLIU_UPDATE_VECTORS=1), and
// (2) verifies the committed files with the C++ implementation, valid cases and invalid ones.
// sdk/test/vectors.test.mjs reads the same files.
#include <doctest/doctest.h>

#include "cli_run.h"
#include "frost_sign.h"
#include "source_files.h"
#include "test_chain.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "shanliu/api/http_client.h"
#include "shanliu/api/server.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/frost.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/crypto/merkle.h"
#include "shanliu/ledger/checkpoint.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/tx.h"
#include "shanliu/pb/shanliu.pb.h"

namespace shanliu {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using testing::TestChain;
using testing::TestKey;

const fs::path kVectorDir = fs::path(SHANLIU_SOURCE_DIR) / "tests" / "vectors";
constexpr std::uint64_t kCosignedAtS = 1'767'312'000;  // 2026-01-02T00:00:00Z, fixed for the vectors

std::string Hex(ByteView b) { return crypto::ToHex(b); }
std::string Hex(const std::string& s) { return crypto::ToHex(AsBytes(s)); }
Bytes Unhex(const Json& j) {
  auto r = crypto::FromHex(j.get<std::string>());
  REQUIRE_MESSAGE(r.ok(), "not hex: " << j);
  return *r;
}
Hash256 Unhash(const Json& j) {
  auto r = crypto::Hash256FromHex(j.get<std::string>());
  REQUIRE_MESSAGE(r.ok(), "not a 32-byte hex hash: " << j);
  return *r;
}
Json HexList(const std::vector<Hash256>& hashes) {
  Json out = Json::array();
  for (const Hash256& h : hashes) out.push_back(Hex(h));
  return out;
}

// ---------------------------------------------------------------- the chain the vectors come from

// A charity with a project; a bank-attested gift to the project (partly spent, partly moved on
// from the charity's own account), a self-reported gift to the charity, a transfer and a spend.
struct VectorChain {
  VectorChain() {
    REQUIRE(chain.RegisterOrg("charity-v", pb::ORG_KIND_CHARITY, charity, {"bank-1"}).ok());
    REQUIRE(chain.OpenProject("school-meals", "charity-v", charity, 50'000'00).ok());
    attested = chain.DonationTx("project:school-meals", 12'000'00, chain.bank, "bank-1");
    self_reported = chain.DonationTx("org:charity-v", 2'500'00, charity);
    for (const Status& st : chain.CommitBlock({attested, self_reported})) REQUIRE(st.ok());
    transfer = chain.TransferTx("org:charity-v", "project:school-meals", 1'000'00, charity);
    REQUIRE(chain.Commit(transfer).ok());
    spend = chain.SpendTx("project:school-meals", 4'321'09, charity);
    REQUIRE(chain.Commit(spend).ok());
    TimeBank();
    Goods();
  }

  // Issue 19: 1 000 masks given to the charity (witnessed by bank-1), 700 sent on to a clinic
  // (which confirms), 600 handed out at a hospital: the goods receipt's vectors.
  void Goods() {
    REQUIRE(chain.RegisterOrg("clinic-v", pb::ORG_KIND_CHARITY, clinic).ok());
    goods = chain.MakeTx(
        [&](pb::TxBody& b) {
          auto* d = b.mutable_goods_donation();
          d->set_to_account("org:charity-v");
          d->set_item_code("mask-medical");
          d->set_unit("只");
          d->set_quantity(1'000);
          d->set_value_fen(800'00);
          const Hash256 ref = crypto::Sha256(AsBytes("vectors goods donor"));
          d->set_donor_ref(std::string(ref.begin(), ref.end()));
          d->set_donor_display_name("某口罩厂");
          d->set_notary_org("bank-1");
        },
        {&charity, &chain.bank});
    REQUIRE(chain.Commit(goods).ok());
    REQUIRE(chain.Commit(chain.MakeTx(
                             [&](pb::TxBody& b) {
                               auto* t = b.mutable_goods_transfer();
                               t->set_from_account("org:charity-v");
                               t->set_to_account("org:clinic-v");
                               t->set_item_code("mask-medical");
                               t->set_unit("只");
                               t->set_quantity(700);
                               t->set_purpose("转运至诊所");
                             },
                             {&charity, &clinic}))
                .ok());
    REQUIRE(chain.Commit(chain.MakeTx(
                             [&](pb::TxBody& b) {
                               auto* d = b.mutable_goods_distribution();
                               d->set_from_account("org:clinic-v");
                               d->set_item_code("mask-medical");
                               d->set_unit("只");
                               d->set_quantity(600);
                               d->set_region("330106");
                               d->set_place_name("西湖区人民医院");
                               d->set_beneficiary_count(600);
                             },
                             {&clinic}))
                .ok());
  }

  // The time bank's kinds (docs/rules.md "Time bank"): two hours of service banked, one spent on
  // a service, the rest moved to the resident's fresh key.
  void TimeBank() {
    const std::string holder(resident.public_key.begin(), resident.public_key.end());
    const std::string fresh_key(fresh.public_key.begin(), fresh.public_key.end());
    const std::uint64_t served_at_ms = chain.ledger().head().time_ms();
    const Bytes service = chain.MakeTx(
        [&](pb::TxBody& b) {
          auto* v = b.mutable_volunteer_service();
          v->set_charity_org("charity-v");
          v->set_holder(holder);
          v->set_minutes(120);
          v->set_activity("school meal delivery");
          v->set_occurred_at_ms(served_at_ms);
        },
        {&charity, &resident});
    REQUIRE(chain.Commit(service).ok());
    exchange = chain.MakeTx(
        [&](pb::TxBody& b) {
          auto* e = b.mutable_service_exchange();
          e->set_holder(holder);
          e->set_provider_org("charity-v");
          e->set_minutes(60);
          e->set_service("home haircut");
        },
        {&resident, &charity});
    REQUIRE(chain.Commit(exchange).ok());
    move = chain.MakeTx(
        [&](pb::TxBody& b) {
          b.mutable_move_points()->set_from_holder(holder);
          b.mutable_move_points()->set_to_holder(fresh_key);
        },
        {&resident, &fresh});
    REQUIRE(chain.Commit(move).ok());
  }

  TestChain chain;
  crypto::KeyPair charity = TestKey("vectors-charity");
  crypto::KeyPair resident = TestKey("vectors-resident"), fresh = TestKey("vectors-resident-2027");
  crypto::KeyPair clinic = TestKey("vectors-clinic");
  Bytes attested, self_reported, transfer, spend, exchange, move, goods;
};

std::string CodeOf(const Bytes& envelope) {
  pb::Tx tx;
  REQUIRE(tx.ParseFromArray(envelope.data(), static_cast<int>(envelope.size())));
  return crypto::ToBase32(ledger::TxId(AsBytes(tx.body())));
}

Json TxVector(const std::string& name, const Bytes& envelope) {
  pb::Tx tx;
  REQUIRE(tx.ParseFromArray(envelope.data(), static_cast<int>(envelope.size())));
  pb::TxBody body;
  REQUIRE(body.ParseFromString(tx.body()));
  const Hash256 id = ledger::TxId(AsBytes(tx.body()));
  Json sigs = Json::array();
  for (const pb::Signature& s : tx.sigs()) sigs.push_back({{"public_key", Hex(s.public_key())}, {"signature", Hex(s.sig())}});
  return {{"name", name},          {"kind", ledger::PayloadKindName(body)}, {"envelope", Hex(envelope)},
          {"body", Hex(tx.body())}, {"tx_id", Hex(id)},                     {"code", crypto::ToBase32(id)},
          {"signatures", sigs}};
}

// Envelopes that must be refused, each with the error code the C++ decoder gives.
Json InvalidTxVectors(const Bytes& good) {
  pb::Tx tx;
  REQUIRE(tx.ParseFromArray(good.data(), static_cast<int>(good.size())));
  auto encode = [](const pb::Tx& t) { return Hex(t.SerializeAsString()); };
  Json out = Json::array();
  pb::Tx flipped = tx;
  std::string sig = flipped.sigs(0).sig();
  sig.back() = static_cast<char>(sig.back() ^ 0x01);
  flipped.mutable_sigs(0)->set_sig(sig);
  out.push_back({{"name", "signature-last-bit-flipped"}, {"envelope", encode(flipped)}, {"error", "bad_signature"}});
  pb::Tx body_changed = tx;
  std::string b = body_changed.body();
  b.back() = static_cast<char>(b.back() ^ 0x01);
  body_changed.set_body(b);
  out.push_back({{"name", "body-changed-after-signing"}, {"envelope", encode(body_changed)}, {"error", "bad_signature"}});
  pb::Tx unsigned_tx = tx;
  unsigned_tx.clear_sigs();
  out.push_back({{"name", "no-signature"}, {"envelope", encode(unsigned_tx)}, {"error", "missing_signature"}});
  Bytes truncated(good.begin(), good.end() - 1);
  out.push_back({{"name", "truncated-by-one-byte"}, {"envelope", Hex(truncated)}, {"error", "malformed"}});
  Bytes trailing = good;
  trailing.push_back(0x07);  // field 0, wire type 7: not protobuf
  out.push_back({{"name", "trailing-garbage"}, {"envelope", Hex(trailing)}, {"error", "malformed"}});
  return out;
}

Json TxsFile(VectorChain& v) {
  Json txs = Json::array();
  txs.push_back(TxVector("bank-attested-donation-to-project", v.attested));
  txs.push_back(TxVector("self-reported-donation-to-charity", v.self_reported));
  txs.push_back(TxVector("transfer-charity-to-project", v.transfer));
  txs.push_back(TxVector("spend-from-project", v.spend));
  txs.push_back(TxVector("service-exchange-from-banked-minutes", v.exchange));
  txs.push_back(TxVector("move-points-to-fresh-key", v.move));
  return {{"chain_id", v.chain.genesis().chain_id},
          {"txid_domain", "shanliu/txid/v1\\0"},
          {"signature_domain", "shanliu/tx/v1\\0"},
          {"txs", txs},
          {"invalid", InvalidTxVectors(v.attested)}};
}

// RFC 9162 over seven fixed leaves: every root, inclusion path and consistency proof.
Json MerkleFile() {
  std::vector<Bytes> leaves;
  std::vector<Hash256> leaf_hashes;
  for (int i = 0; i < 7; ++i) {
    const std::string text = "shanliu vector leaf " + std::to_string(i);
    leaves.emplace_back(text.begin(), text.end());
    leaf_hashes.push_back(crypto::MerkleLeafHash(leaves.back()));
  }
  crypto::InMemorySubtrees reader(leaf_hashes);
  Json roots = Json::array(), inclusion = Json::array(), consistency = Json::array(), leaf_json = Json::array();
  for (std::size_t i = 0; i < leaves.size(); ++i) leaf_json.push_back({{"data", Hex(leaves[i])}, {"hash", Hex(leaf_hashes[i])}});
  for (std::uint64_t size = 1; size <= leaves.size(); ++size) {
    const auto root = crypto::MerkleRoot(reader, size);
    REQUIRE(root.ok());
    roots.push_back({{"size", size}, {"root", Hex(*root)}});
    for (std::uint64_t index = 0; index < size; ++index) {
      const auto path = crypto::MerkleInclusionProof(reader, index, size);
      REQUIRE(path.ok());
      inclusion.push_back({{"index", index}, {"size", size}, {"path", HexList(*path)}});
    }
    for (std::uint64_t old_size = 1; old_size <= size; ++old_size) {
      const auto proof = crypto::MerkleConsistencyProof(reader, old_size, size);
      REQUIRE(proof.ok());
      consistency.push_back({{"old_size", old_size}, {"new_size", size}, {"proof", HexList(*proof)}});
    }
  }
  return {{"leaves", leaf_json}, {"roots", roots}, {"inclusion", inclusion}, {"consistency", consistency},
          {"empty_root", Hex(crypto::MerkleEmptyRoot())}};
}

// The checkpoint signed under the origin name by a FROST group key (3 of 4 from the trusted
// dealer, seeded): the plain Ed25519 line (signed-note key type 0x01) a standard witness checks.
// This chain has one validator and so no origin_key of its own (no threshold); the vector gives a
// group key beside the notes, set on a copy of its genesis.
struct OriginGroup {
  ledger::Genesis genesis;
  crypto::frost::DealerOutput dealer;
};

OriginGroup MakeOriginGroup(const ledger::Genesis& g, std::uint64_t seed) {
  auto dealer = crypto::frost::TrustedDealerKeygen(4, 3, testing::SeededRandom(seed));
  REQUIRE(dealer.ok());
  OriginGroup out{g, std::move(*dealer)};
  out.genesis.origin_key = ledger::GenesisOriginKey{out.dealer.public_keys.verifying_key, 3, {}};
  for (const auto& [id, share] : out.dealer.public_keys.verifying_shares) out.genesis.origin_key->verifying_shares.push_back(share);
  return out;
}

// Participants 1..3 sign the checkpoint text; the line is ledger::OriginSignatureLine's.
std::string OriginLine(const OriginGroup& group, std::string_view body, std::uint64_t seed) {
  std::map<crypto::frost::Identifier, crypto::frost::KeyPackage> keys;
  for (const auto& share : group.dealer.shares) {
    auto key = crypto::frost::VerifySecretShare(share);
    REQUIRE(key.ok());
    keys.emplace(share.identifier, *key);
  }
  std::vector<crypto::frost::Identifier> signers;
  for (const auto& share : group.dealer.shares) {
    if (signers.size() < 3) signers.push_back(share.identifier);
  }
  auto sig = testing::FrostSign(keys, group.dealer.public_keys, signers, AsBytes(body), testing::SeededRandom(seed));
  REQUIRE(sig.ok());
  return ledger::OriginSignatureLine(group.genesis, *sig);
}

Json OriginSigned(const ledger::Genesis& g, const std::string& note, std::uint64_t size, const Hash256& root) {
  const OriginGroup group = MakeOriginGroup(g, 7);
  const std::string body = ledger::CheckpointBody(ledger::CheckpointOrigin(g), size, root);
  const std::string line = OriginLine(group, body, 8);
  std::string flipped = line;
  const std::size_t inside = flipped.size() - 20;  // in the Ed25519 part, clear of the base64 padding
  flipped[inside] = flipped[inside] == 'A' ? 'B' : 'A';
  const std::string other = OriginLine(MakeOriginGroup(g, 9), body, 10);
  const Json key = Json::parse(ledger::GenesisToJson(group.genesis))["origin_key"];
  return {{"origin_key", key},
          {"vkey", ledger::OriginVerifierKey(group.genesis)},
          {"valid", {{"note", note + line}, {"cosigners", 1}}},
          {"rejected", {{{"name", "origin-signature-character-changed"}, {"note", note + flipped}, {"error", "bad_cosignature"}}}},
          {"other_key", {{"note", note + other}, {"cosigners", 1}, {"ignored", 1}}}};
}

// The chain's checkpoint cosigned by its validator, and notes that must not verify.
Json CheckpointFile(VectorChain& v) {
  const ledger::Genesis& g = v.chain.genesis();
  const auto& head = v.chain.ledger().head();
  const Hash256 root = Unhash(Json(Hex(head.log_root())));
  const ledger::Cosignature c = ledger::MakeCosignature(g, 0, TestKey("validator-0").secret_key, head.log_size(), root,
                                                        kCosignedAtS);
  const std::string note = ledger::CheckpointNote(g, head.log_size(), root, std::span(&c, 1));
  // One signature character changed (base64): a genesis validator's line that does not
  // verify rejects the whole note (signed-note). A stranger's line is ignored, never counted.
  std::string flipped = note;
  const std::size_t inside = flipped.size() - 20;  // in the Ed25519 part, clear of the base64 padding
  flipped[inside] = flipped[inside] == 'A' ? 'B' : 'A';
  const crypto::KeyPair stranger = TestKey("stranger");
  const std::string stranger_line = ledger::Cosign(stranger.secret_key, "stranger.example/witness",
                                                   ledger::CheckpointBody(ledger::CheckpointOrigin(g), head.log_size(), root),
                                                   kCosignedAtS);
  // A cosignature stamped 2^63 s: tlog-cosignature says such a timestamp MUST NOT be accepted.
  const ledger::Cosignature late = ledger::MakeCosignature(g, 0, TestKey("validator-0").secret_key, head.log_size(),
                                                           root, std::uint64_t{1} << 63);
  const std::string late_note = ledger::CheckpointNote(g, head.log_size(), root, std::span(&late, 1));
  return {{"origin", ledger::CheckpointOrigin(g)},
          {"log_size", head.log_size()},
          {"log_root", Hex(root)},
          {"valid", {{{"name", "cosigned-by-the-only-validator"}, {"note", note}, {"cosigners", 1}}}},
          {"stranger_line_ignored", {{"note", note + stranger_line}, {"cosigners", 1}, {"ignored", 1}}},
          {"rejected",
           {{{"name", "signature-character-changed"}, {"note", flipped}, {"error", "bad_cosignature"}},
            {{"name", "timestamp-2^63"}, {"note", late_note}, {"error", "bad_cosignature"}}}},
          {"origin_signed", OriginSigned(g, note, head.log_size(), root)}};
}

// What the explorer fetches to verify a receipt, exactly as the API serves it.
Json ReceiptsFile(VectorChain& v) {
  api::ServerConfig config;
  config.port = 0;
  api::Server server(config, v.chain.ledger(), api::NodeHooks{});
  REQUIRE(server.Start().ok());
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  Json responses = Json::object();
  auto fetch = [&](const std::string& path) {
    auto r = api::HttpRequest("GET", base + path, "", "application/json", 10'000);
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    REQUIRE_MESSAGE(r->status == 200, path << " -> " << r->body);
    responses[path] = Json::parse(r->body);
  };
  fetch("/v1/genesis");
  fetch("/v1/blocks/0");
  Json receipts = Json::array();
  for (const auto& [name, envelope] : {std::pair{"bank-attested-gift-partly-spent", &v.attested},
                                       std::pair{"self-reported-gift-moved-on", &v.self_reported}}) {
    const std::string code = CodeOf(*envelope);
    fetch("/v1/receipts/" + code);
    receipts.push_back({{"name", name}, {"code", code}});
  }
  // A goods receipt (issue 19): the same envelope, the trace in units.
  Json goods_receipts = Json::array();
  const std::string goods_code = CodeOf(v.goods);
  fetch("/v1/receipts/" + goods_code);
  goods_receipts.push_back({{"name", "goods-witnessed-moved-on-and-handed-out"}, {"code", goods_code}});
  server.Stop();
  return {{"responses", responses}, {"receipts", receipts}, {"goods_receipts", goods_receipts}};
}

// Issue 20 part 1: a chain of four validators that added a fifth (run by bank-2) and then removed
// the first. A receipt from before the changes needs no transition; one from after carries both,
// each certified by the set it replaces (docs/api.md "Validator set").
Json ValidatorsFile() {
  TestChain chain([](ledger::Genesis& g) {
    g.chain_id = "vectors-validators";
    g.validators.clear();
    for (int i = 0; i < 4; ++i) {
      g.validators.push_back({TestKey("validator-" + std::to_string(i)).public_key, 1, i == 0 ? "bureau" : "bank-1"});
    }
  });
  for (int i = 1; i < 5; ++i) chain.validator_keys.push_back(TestKey("validator-" + std::to_string(i)));
  const crypto::KeyPair charity = TestKey("charity-v");
  REQUIRE(chain.RegisterOrg("bank-2", pb::ORG_KIND_BANK, TestKey("bank-2")).ok());
  REQUIRE(chain.RegisterOrg("charity-v", pb::ORG_KIND_CHARITY, charity).ok());
  const Bytes before = chain.DonationTx("org:charity-v", 100'00, charity);
  REQUIRE(chain.Commit(before).ok());
  auto change = [&](const crypto::KeyPair& key, std::uint64_t power, const std::string& org,
                    const std::vector<std::string>& signer_names) {
    std::vector<crypto::KeyPair> keys;
    for (const std::string& n : signer_names) keys.push_back(TestKey(n));
    std::vector<const crypto::KeyPair*> signers = {&chain.bureau};
    for (const auto& k : keys) signers.push_back(&k);
    const std::uint64_t e = chain.ledger().height() + 3;
    REQUIRE(chain.Commit(chain.MakeTx(
                             [&](pb::TxBody& b) {
                               auto* u = b.mutable_validator_set_change()->add_updates();
                               u->set_public_key(std::string(key.public_key.begin(), key.public_key.end()));
                               u->set_voting_power(power);
                               u->set_org_id(org);
                               b.mutable_validator_set_change()->set_effective_height(e);
                             },
                             signers))
                .ok());
    while (chain.ledger().height() < e) REQUIRE(chain.Commit(chain.DonationTx("org:charity-v", 1'00, charity)).ok());
  };
  change(TestKey("validator-4"), 1, "bank-2", {"validator-0", "validator-1", "validator-2"});
  change(TestKey("validator-0"), 0, "", {"validator-1", "validator-2", "validator-3", "validator-4"});
  const Bytes after = chain.DonationTx("org:charity-v", 200'00, charity);
  REQUIRE(chain.Commit(after).ok());

  api::ServerConfig config;
  config.port = 0;
  api::Server server(config, chain.ledger(), api::NodeHooks{});
  REQUIRE(server.Start().ok());
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  Json responses = Json::object();
  auto fetch = [&](const std::string& path) {
    auto r = api::HttpRequest("GET", base + path, "", "application/json", 10'000);
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    REQUIRE_MESSAGE(r->status == 200, path << " -> " << r->body);
    responses[path] = Json::parse(r->body);
  };
  fetch("/v1/validators?height=1");
  fetch("/v1/validators");
  fetch("/v1/validators/transitions");
  Json receipts = Json::array();
  for (const auto& [name, envelope] : {std::pair{"before-both-changes", &before}, std::pair{"after-both-changes", &after}}) {
    const std::string code = CodeOf(*envelope);
    fetch("/v1/receipts/" + code);
    receipts.push_back({{"name", name}, {"code", code}});
  }
  server.Stop();
  return {{"genesis", Json::parse(ledger::GenesisToJson(chain.genesis()))}, {"responses", responses}, {"receipts", receipts}};
}

std::map<std::string, std::string> BuildVectors() {
  VectorChain v;
  std::map<std::string, std::string> files;
  files["genesis.json"] = ledger::GenesisToJson(v.chain.genesis());
  files["txs.json"] = TxsFile(v).dump(2) + "\n";
  files["merkle.json"] = MerkleFile().dump(2) + "\n";
  files["checkpoint.json"] = CheckpointFile(v).dump(2) + "\n";
  files["receipts.json"] = ReceiptsFile(v).dump(2) + "\n";
  files["validators.json"] = ValidatorsFile().dump(2) + "\n";
  return files;
}

std::string ReadVector(const std::string& name) { return testing::ReadSourceFile(kVectorDir / name); }
Json ReadJson(const std::string& name) { return Json::parse(ReadVector(name)); }

TEST_CASE("the committed vectors are what the code produces today") {
  const std::map<std::string, std::string> files = BuildVectors();
  if (const char* update = std::getenv("SHANLIU_UPDATE_VECTORS"); update != nullptr && std::string(update) == "1") {
    fs::create_directories(kVectorDir);
    for (const auto& [name, text] : files) std::ofstream(kVectorDir / name, std::ios::binary) << text;
    MESSAGE("wrote " << files.size() << " vector files to " << kVectorDir);
  }
  for (const auto& [name, text] : files) {
    CAPTURE(name);
    CHECK_MESSAGE(ReadVector(name) == text, "tests/vectors/" << name << " is stale: the byte layout changed. "
                                            "Regenerate with SHANLIU_UPDATE_VECTORS=1 build/bin/vectors_test and "
                                            "review the diff (every other implementation must follow)");
  }
}

// ---------------------------------------------------------------- the C++ implementation checks them

TEST_CASE("tx vectors: ids, codes and signatures hold, and every invalid envelope is refused with its code") {
  const Json f = ReadJson("txs.json");
  const std::string chain_id = f["chain_id"];
  REQUIRE(f["txs"].size() >= 4);
  for (const Json& t : f["txs"]) {
    CAPTURE(t["name"]);
    const Bytes envelope = Unhex(t["envelope"]);
    const auto decoded = ledger::DecodeTx(envelope, chain_id);
    REQUIRE_MESSAGE(decoded.ok(), decoded.status().ToString());
    const Hash256 id = ledger::TxId(Unhex(t["body"]));
    CHECK(Hex(id) == t["tx_id"]);
    CHECK(crypto::ToBase32(id) == t["code"]);
    CHECK(ledger::PayloadKindName(decoded->body) == t["kind"]);
    REQUIRE(t["signatures"].size() == decoded->signers.size());
  }
  REQUIRE(f["invalid"].size() >= 5);
  for (const Json& t : f["invalid"]) {
    CAPTURE(t["name"]);
    const auto decoded = ledger::DecodeTx(Unhex(t["envelope"]), chain_id);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.status().code() == t["error"].get<std::string>());
  }
}

TEST_CASE("merkle vectors: roots, inclusion paths and consistency proofs verify, and fail when moved") {
  const Json f = ReadJson("merkle.json");
  std::vector<Hash256> leaf_hashes;
  for (const Json& l : f["leaves"]) {
    leaf_hashes.push_back(crypto::MerkleLeafHash(Unhex(l["data"])));
    CHECK(Hex(leaf_hashes.back()) == l["hash"]);
  }
  std::map<std::uint64_t, Hash256> roots;
  for (const Json& r : f["roots"]) {
    const std::uint64_t size = r["size"];
    roots[size] = Unhash(r["root"]);
    CHECK(crypto::MerkleRootOfLeafHashes(std::span(leaf_hashes).first(size)) == roots[size]);
  }
  CHECK(Hex(crypto::MerkleEmptyRoot()) == f["empty_root"]);
  std::size_t checked = 0;
  for (const Json& p : f["inclusion"]) {
    const std::uint64_t index = p["index"], size = p["size"];
    std::vector<Hash256> path;
    for (const Json& h : p["path"]) path.push_back(Unhash(h));
    CHECK(crypto::VerifyMerkleInclusion(leaf_hashes[index], index, size, path, roots[size]));
    // The same path for the neighbouring leaf, or with the first sibling changed, fails.
    if (size > 1) CHECK_FALSE(crypto::VerifyMerkleInclusion(leaf_hashes[(index + 1) % size], index, size, path, roots[size]));
    if (!path.empty()) {
      path[0][0] ^= 1;
      CHECK_FALSE(crypto::VerifyMerkleInclusion(leaf_hashes[index], index, size, path, roots[size]));
    }
    ++checked;
  }
  for (const Json& p : f["consistency"]) {
    const std::uint64_t m = p["old_size"], n = p["new_size"];
    std::vector<Hash256> proof;
    for (const Json& h : p["proof"]) proof.push_back(Unhash(h));
    CHECK(crypto::VerifyMerkleConsistency(m, n, roots[m], roots[n], proof));
    if (m < n) CHECK_FALSE(crypto::VerifyMerkleConsistency(m, n, roots[n], roots[m], proof));
    ++checked;
  }
  CHECK(checked == 28 + 28);  // every (index, size) and (old, new) pair for sizes 1..7
}

TEST_CASE("checkpoint vectors: the cosigned note verifies, a changed signature rejects it, a stranger does not count") {
  const Json f = ReadJson("checkpoint.json");
  const auto genesis = ledger::ParseGenesis(ReadVector("genesis.json"));
  REQUIRE(genesis.ok());
  for (const Json& c : f["valid"]) {
    const auto v = ledger::VerifyCheckpointNote(c["note"].get<std::string>(), *genesis);
    REQUIRE_MESSAGE(v.ok(), v.status().ToString());
    CHECK(v->cosigners.size() == c["cosigners"]);
    CHECK(v->supermajority);
    CHECK(v->checkpoint.size == f["log_size"]);
    CHECK(Hex(v->checkpoint.root) == f["log_root"]);
  }
  const Json& s = f["stranger_line_ignored"];
  const auto stranger = ledger::VerifyCheckpointNote(s["note"].get<std::string>(), *genesis);
  REQUIRE(stranger.ok());
  CHECK(stranger->cosigners.size() == s["cosigners"]);
  CHECK(stranger->ignored.size() == s["ignored"]);
  for (const Json& c : f["rejected"]) {
    const auto v = ledger::VerifyCheckpointNote(c["note"].get<std::string>(), *genesis);
    REQUIRE_FALSE(v.ok());  // well-formed, but a validator's line fails: the whole note is refused
    CHECK(v.status().code() == c["error"]);
  }
}

TEST_CASE("checkpoint vectors: the origin key's line verifies, a changed character rejects the note, another key's is ignored") {
  const Json f = ReadJson("checkpoint.json");
  const auto parsed = ledger::ParseGenesis(ReadVector("genesis.json"));
  REQUIRE(parsed.ok());
  // The vector's group key on this chain's genesis (a one-validator genesis cannot carry one).
  ledger::Genesis genesis = *parsed;
  const Json& o = f["origin_signed"];
  genesis.origin_key = ledger::GenesisOriginKey{Unhash(o["origin_key"]["verifying_key"]),
                                                o["origin_key"]["min_signers"].get<std::uint16_t>(), {}};
  for (const Json& share : o["origin_key"]["verifying_shares"]) genesis.origin_key->verifying_shares.push_back(Unhash(share));
  CHECK(ledger::OriginVerifierKey(genesis) == o["vkey"]);
  const auto valid = ledger::VerifyCheckpointNote(o["valid"]["note"].get<std::string>(), genesis);
  REQUIRE_MESSAGE(valid.ok(), valid.status().ToString());
  CHECK(valid->origin_signed);
  CHECK(valid->cosigners.size() == o["valid"]["cosigners"]);
  // What a standard witness checks: plain Ed25519 over the checkpoint text with the group key.
  const auto note = ledger::ParseNote(o["valid"]["note"].get<std::string>());
  REQUIRE(note.ok());
  const auto& line = note->signatures.back();
  CHECK(line.name == f["origin"]);
  REQUIRE(line.signature.size() == 64);
  crypto::Signature sig{};
  std::copy(line.signature.begin(), line.signature.end(), sig.begin());
  CHECK(crypto::VerifyRaw(genesis.origin_key->verifying_key, AsBytes(note->body), sig));
  for (const Json& c : o["rejected"]) {
    const auto v = ledger::VerifyCheckpointNote(c["note"].get<std::string>(), genesis);
    REQUIRE_FALSE(v.ok());
    CHECK(v.status().code() == c["error"]);
  }
  const auto other = ledger::VerifyCheckpointNote(o["other_key"]["note"].get<std::string>(), genesis);
  REQUIRE(other.ok());  // another key under the origin name: signed-note ignores it
  CHECK_FALSE(other->origin_signed);
  CHECK(other->cosigners.size() == o["other_key"]["cosigners"]);
  CHECK(other->ignored.size() == o["other_key"]["ignored"]);
}

TEST_CASE("receipt vectors: shanliu verify proves each answer from genesis alone, and refuses a changed amount") {
  const Json f = ReadJson("receipts.json");
  testing::TempDir dir;
  const fs::path genesis = dir.path() / "genesis.json";
  std::ofstream(genesis) << ReadVector("genesis.json");
  REQUIRE(f["receipts"].size() == 2);
  for (const Json& r : f["receipts"]) {
    CAPTURE(r["name"]);
    const std::string code = r["code"];
    Json answer = f["responses"].at("/v1/receipts/" + code);
    const fs::path good = dir.path() / (code + ".json");
    std::ofstream(good) << answer.dump();
    const testing::CliRun ok = testing::RunCli({"verify", code, "--proof", good.string(), "--genesis", genesis.string()});
    CHECK_MESSAGE(ok.code == 0, ok.output);
    answer["donation"]["amount_fen"] = answer["donation"]["amount_fen"].get<std::int64_t>() + 1;
    const fs::path bad = dir.path() / (code + "-changed.json");
    std::ofstream(bad) << answer.dump();
    const testing::CliRun refused = testing::RunCli({"verify", code, "--proof", bad.string(), "--genesis", genesis.string()});
    CHECK_MESSAGE(refused.code == 3, refused.output);
  }
}

TEST_CASE("validator set vectors: shanliu verify follows the transitions from genesis, and refuses without one") {
  const Json f = ReadJson("validators.json");
  testing::TempDir dir;
  const fs::path genesis = dir.path() / "genesis.json";
  std::ofstream(genesis) << f["genesis"].dump(2);
  const Json& transitions = f["responses"].at("/v1/validators/transitions")["transitions"];
  REQUIRE(transitions.size() == 2);
  CHECK(f["responses"].at("/v1/validators?height=1")["validators"].size() == 4);
  CHECK(f["responses"].at("/v1/validators")["validators"].size() == 4);
  REQUIRE(f["receipts"].size() == 2);
  for (const Json& r : f["receipts"]) {
    CAPTURE(r["name"]);
    const std::string code = r["code"];
    Json answer = f["responses"].at("/v1/receipts/" + code);
    const bool after = r["name"] == "after-both-changes";
    CHECK(answer["proof"]["validator_transitions"].size() == (after ? 2u : 0u));
    if (after) CHECK(answer["proof"]["validator_transitions"] == transitions);
    const fs::path good = dir.path() / (code + ".json");
    std::ofstream(good) << answer.dump();
    const testing::CliRun ok = testing::RunCli({"verify", code, "--proof", good.string(), "--genesis", genesis.string()});
    CHECK_MESSAGE(ok.code == 0, ok.output);
    if (!after) continue;
    answer["proof"]["validator_transitions"].erase(1);
    const fs::path bad = dir.path() / (code + "-dropped.json");
    std::ofstream(bad) << answer.dump();
    const testing::CliRun refused = testing::RunCli({"verify", code, "--proof", bad.string(), "--genesis", genesis.string()});
    CHECK_MESSAGE(refused.code == 3, refused.output);
  }
}

TEST_CASE("goods receipt vectors: shanliu verify proves the units, the place and the date, and refuses changes") {
  const Json f = ReadJson("receipts.json");
  testing::TempDir dir;
  const fs::path genesis = dir.path() / "genesis.json";
  std::ofstream(genesis) << ReadVector("genesis.json");
  REQUIRE(f["goods_receipts"].size() == 1);
  const std::string code = f["goods_receipts"][0]["code"];
  const Json answer = f["responses"].at("/v1/receipts/" + code);
  auto run = [&](const Json& doc, const std::string& name) {
    const fs::path file = dir.path() / (name + ".json");
    std::ofstream(file) << doc.dump();
    return testing::RunCli({"verify", code, "--proof", file.string(), "--genesis", genesis.string()});
  };
  const testing::CliRun ok = run(answer, "good");
  CHECK_MESSAGE(ok.code == 0, ok.output);
  CHECK(ok.output.find("600 只 handed out by") != std::string::npos);
  CHECK(ok.output.find("西湖区人民医院") != std::string::npos);
  CHECK(ok.output.find("witnessed by") != std::string::npos);
  // The node's JSON with a changed quantity or place, or the proof with a signature removed.
  Json quantity = answer;
  quantity["goods"]["nodes"][0]["children"][0]["quantity"] = 601;
  const testing::CliRun q = run(quantity, "quantity");
  CHECK_MESSAGE(q.code == 3, q.output);
  CHECK(q.output.find("goods.nodes[0].children[0].quantity") != std::string::npos);
  Json place = answer;
  place["goods"]["nodes"][0]["children"][0]["tx"]["place_name"] = "另一家医院";
  const testing::CliRun pl = run(place, "place");
  CHECK_MESSAGE(pl.code == 3, pl.output);
  CHECK(pl.output.find("place_name") != std::string::npos);
  Json unsigned_hop = answer;
  for (Json& t : unsigned_hop["flow_proof"]["txs"]) {
    pb::Tx tx;
    const Bytes raw = Unhex(t["tx"]);
    REQUIRE(tx.ParseFromArray(raw.data(), static_cast<int>(raw.size())));
    tx.clear_sigs();
    t["tx"] = Hex(tx.SerializeAsString());
  }
  const testing::CliRun us = run(unsigned_hop, "unsigned");
  CHECK_MESSAGE(us.code == 3, us.output);
}

}  // namespace
}  // namespace shanliu
