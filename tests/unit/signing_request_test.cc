// Signing requests (ledger/signing_request.h): who must sign each kind, the JSON file format and
// its hostile inputs (malformed files, a signature over another body, a signer not required,
// duplicates, expiry, size), and the envelope of a complete request.
#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/signing_request.h"
#include "shanliu/ledger/tx.h"

namespace shanliu::ledger {
namespace {

using nlohmann::json;

constexpr const char* kChain = "cosign-test";
constexpr std::uint64_t kExpiresMs = 1'800'000'000'000;

crypto::KeyPair Key(std::uint8_t n) {
  crypto::Seed seed{};
  seed.fill(n);
  return crypto::KeyPairFromSeed(seed);
}

const crypto::KeyPair kTrustee = Key(1), kBank = Key(2), kOther = Key(3), kBureau = Key(4), kCharity = Key(5),
                      kTrustee2 = Key(6), kHolder = Key(7), kMerchant = Key(8);

std::string Raw(const crypto::PublicKey& k) { return std::string(k.begin(), k.end()); }

pb::OrgRecord Org(const std::string& id, pb::OrgKind kind, std::vector<const crypto::KeyPair*> keys,
                  std::vector<std::string> banks = {}) {
  pb::OrgRecord org;
  org.set_org_id(id);
  org.set_kind(kind);
  org.set_status(pb::ORG_STATUS_ACTIVE);
  for (const auto* k : keys) org.add_public_keys(Raw(k->public_key));
  for (const auto& b : banks) org.add_account_banks(b);
  return org;
}

// A small chain: a trustee with two keys, a custodian bank, a charity banking with it, a project,
// a trust and one donation; lookups answer nothing for anything else.
struct Chain {
  std::map<std::string, pb::OrgRecord> orgs = {
      {"trustee-a", Org("trustee-a", pb::ORG_KIND_TRUSTEE, {&kTrustee, &kTrustee2})},
      {"bank-a", Org("bank-a", pb::ORG_KIND_BANK, {&kBank})},
      {"bank-b", Org("bank-b", pb::ORG_KIND_BANK, {&kOther})},
      {"charity-a", Org("charity-a", pb::ORG_KIND_CHARITY, {&kCharity}, {"bank-a"})},
      {"merchant-a", Org("merchant-a", pb::ORG_KIND_MERCHANT, {&kMerchant})},
      {"bureau", Org("bureau", pb::ORG_KIND_BUREAU, {&kBureau})}};
  Hash256 donation_id = crypto::Sha256(AsBytes("a donation"));

  SignerLookup Lookup() const {
    SignerLookup l;
    l.org = [this](const std::string& id) -> std::optional<pb::OrgRecord> {
      auto it = orgs.find(id);
      if (it == orgs.end()) return std::nullopt;
      return it->second;
    };
    l.project = [](const std::string& id) -> std::optional<pb::ProjectRecord> {
      if (id != "proj-a") return std::nullopt;
      pb::ProjectRecord p;
      p.mutable_spec()->set_project_id(id);
      p.mutable_spec()->set_owner_org("charity-a");
      return p;
    };
    l.trust = [](const std::string& id) -> std::optional<pb::TrustRecord> {
      if (id != "trust-a") return std::nullopt;
      pb::TrustRecord t;
      t.mutable_spec()->set_trust_id(id);
      t.mutable_spec()->set_trustee_org("trustee-a");
      t.mutable_spec()->set_custodian_bank("bank-a");
      return t;
    };
    l.donation_account = [this](const Hash256& id) -> std::optional<std::string> {
      if (id != donation_id) return std::nullopt;
      return std::string("project:proj-a");
    };
    l.bureau = [this]() -> std::optional<pb::OrgRecord> { return orgs.at("bureau"); };
    return l;
  }
};

pb::TxBody Body() {
  pb::TxBody body;
  body.set_chain_id(kChain);
  body.set_expires_at_height(100);
  body.set_expires_at_ms(kExpiresMs);
  body.set_nonce(42);
  body.set_created_at_ms(kExpiresMs - 3'600'000);
  return body;
}

pb::TxBody Disbursement(std::int64_t amount_fen = 500'000) {
  pb::TxBody body = Body();
  auto* p = body.mutable_trust_disbursement();
  p->set_trust_id("trust-a");
  p->set_to_account("project:proj-a");
  p->set_amount_fen(amount_fen);
  p->set_purpose("school meals");
  return body;
}

SigningRequest NewDisbursementRequest() {
  auto required = RequiredSigners(Disbursement(), Chain().Lookup());
  REQUIRE(required.ok());
  return NewSigningRequest(Disbursement(), *required);
}

std::string Code(const Status& s) { return s.code(); }
template <class T>
std::string Code(const Result<T>& r) {
  return r.ok() ? std::string("ok") : r.status().code();
}

TEST_CASE("a trust disbursement needs the trustee and the custodian bank, each by any of its keys") {
  auto slots = RequiredSigners(Disbursement(), Chain().Lookup());
  REQUIRE(slots.ok());
  REQUIRE(slots->size() == 2);
  CHECK((*slots)[0].role == "trustee");
  CHECK((*slots)[0].org_id == "trustee-a");
  CHECK((*slots)[0].public_keys.size() == 2);
  CHECK((*slots)[1].role == "custodian_bank");
  CHECK((*slots)[1].org_id == "bank-a");
}

TEST_CASE("required signers of the other multi-signer kinds follow the ledger's rules") {
  const Chain chain;
  pb::TxBody spend = Body();
  spend.mutable_spend()->set_from_account("project:proj-a");
  spend.mutable_spend()->set_amount_fen(100);
  SUBCASE("a bank-attested spend: the charity and one of its account banks") {
    auto slots = RequiredSigners(spend, chain.Lookup(), "bank-a");
    REQUIRE(slots.ok());
    REQUIRE(slots->size() == 2);
    CHECK((*slots)[0].org_id == "charity-a");
    CHECK((*slots)[1].org_id == "bank-a");
    CHECK(Code(RequiredSigners(spend, chain.Lookup())) == "ok");  // the bank is optional
    CHECK(Code(RequiredSigners(spend, chain.Lookup(), "bank-b")) == "cosigner_not_account_bank");
  }
  SUBCASE("a refund is paid by the owner of the account the donation credited") {
    pb::TxBody refund = Body();
    refund.mutable_refund()->set_donation_tx_id(std::string(chain.donation_id.begin(), chain.donation_id.end()));
    auto slots = RequiredSigners(refund, chain.Lookup(), "bank-a");
    REQUIRE(slots.ok());
    CHECK((*slots)[0].org_id == "charity-a");
    refund.mutable_refund()->set_donation_tx_id(std::string(32, 'x'));
    CHECK(Code(RequiredSigners(refund, chain.Lookup())) == "unknown_donation");
  }
  SUBCASE("volunteer service: the charity and the volunteer's wallet key") {
    pb::TxBody service = Body();
    service.mutable_volunteer_service()->set_charity_org("charity-a");
    service.mutable_volunteer_service()->set_holder(Raw(kHolder.public_key));
    auto slots = RequiredSigners(service, chain.Lookup());
    REQUIRE(slots.ok());
    REQUIRE(slots->size() == 2);
    CHECK((*slots)[1].role == "holder");
    CHECK((*slots)[1].org_id.empty());
    CHECK((*slots)[1].public_keys == std::vector<crypto::PublicKey>{kHolder.public_key});
  }
  SUBCASE("redemption: the holder and the merchant") {
    pb::TxBody redeem = Body();
    redeem.mutable_redeem_points()->set_holder(Raw(kHolder.public_key));
    redeem.mutable_redeem_points()->set_merchant_org("merchant-a");
    auto slots = RequiredSigners(redeem, chain.Lookup());
    REQUIRE(slots.ok());
    CHECK((*slots)[1].org_id == "merchant-a");
    redeem.mutable_redeem_points()->set_holder("short");
    CHECK(Code(RequiredSigners(redeem, chain.Lookup())) == "malformed");
  }
  SUBCASE("time bank: a service exchange needs the holder and the provider, a move both keys") {
    pb::TxBody exchange = Body();
    exchange.mutable_service_exchange()->set_holder(Raw(kHolder.public_key));
    exchange.mutable_service_exchange()->set_provider_org("charity-a");
    auto slots = RequiredSigners(exchange, chain.Lookup());
    REQUIRE(slots.ok());
    REQUIRE(slots->size() == 2);
    CHECK((*slots)[0].role == "holder");
    CHECK((*slots)[1].org_id == "charity-a");
    const crypto::KeyPair fresh = Key(9);
    pb::TxBody move = Body();
    move.mutable_move_points()->set_from_holder(Raw(kHolder.public_key));
    move.mutable_move_points()->set_to_holder(Raw(fresh.public_key));
    slots = RequiredSigners(move, chain.Lookup());
    REQUIRE(slots.ok());
    REQUIRE(slots->size() == 2);
    CHECK((*slots)[0].public_keys == std::vector<crypto::PublicKey>{kHolder.public_key});
    CHECK((*slots)[1].public_keys == std::vector<crypto::PublicKey>{fresh.public_key});
    move.mutable_move_points()->set_to_holder("short");
    CHECK(Code(RequiredSigners(move, chain.Lookup())) == "malformed");
  }
  SUBCASE("goods: a transfer needs the holder and the receiver, a donation its receiver and notary") {
    pb::TxBody transfer = Body();
    auto* t = transfer.mutable_goods_transfer();
    t->set_from_account("org:charity-a");
    t->set_to_account("org:merchant-a");
    auto slots = RequiredSigners(transfer, chain.Lookup());
    REQUIRE(slots.ok());
    REQUIRE(slots->size() == 2);
    CHECK((*slots)[0].org_id == "charity-a");
    CHECK((*slots)[1].role == "receiving_org");
    CHECK((*slots)[1].org_id == "merchant-a");
    t->set_to_account("project:proj-a");  // its own project: one signature confirms
    slots = RequiredSigners(transfer, chain.Lookup());
    REQUIRE(slots.ok());
    CHECK(slots->size() == 1);
    t->set_to_account("org:nobody");
    CHECK(Code(RequiredSigners(transfer, chain.Lookup())) == "unknown_org");
    pb::TxBody gift = Body();
    gift.mutable_goods_donation()->set_to_account("project:proj-a");
    slots = RequiredSigners(gift, chain.Lookup());
    REQUIRE(slots.ok());
    REQUIRE(slots->size() == 1);
    CHECK((*slots)[0].org_id == "charity-a");
    gift.mutable_goods_donation()->set_notary_org("bank-a");
    slots = RequiredSigners(gift, chain.Lookup());
    REQUIRE(slots.ok());
    REQUIRE(slots->size() == 2);
    CHECK((*slots)[1].role == "notary");
    pb::TxBody out = Body();
    out.mutable_goods_distribution()->set_from_account("project:proj-a");
    slots = RequiredSigners(out, chain.Lookup());
    REQUIRE(slots.ok());
    CHECK((*slots)[0].org_id == "charity-a");
    pb::TxBody item = Body();
    item.mutable_register_goods_item()->mutable_item()->set_item_code("heater");
    CHECK(Code(RequiredSigners(item, chain.Lookup())) == "unsupported_kind");
  }
  SUBCASE("bad input: unknown trust, a bank on a transfer, a correction, no payload") {
    pb::TxBody bad = Disbursement();
    bad.mutable_trust_disbursement()->set_trust_id("trust-z");
    CHECK(Code(RequiredSigners(bad, chain.Lookup())) == "unknown_trust");
    pb::TxBody transfer = Body();
    transfer.mutable_transfer()->set_from_account("org:charity-a");
    CHECK(Code(RequiredSigners(transfer, chain.Lookup(), "bank-a")) == "invalid_kind");
    pb::TxBody correction = Body();
    correction.mutable_correction();
    CHECK(Code(RequiredSigners(correction, chain.Lookup())) == "unsupported_kind");
    CHECK(Code(RequiredSigners(Body(), chain.Lookup())) == "malformed");
    pb::TxBody open = Body();
    open.mutable_open_trust();
    auto bureau = RequiredSigners(open, chain.Lookup());
    REQUIRE(bureau.ok());
    CHECK((*bureau)[0].org_id == "bureau");
  }
}

TEST_CASE("a request goes from one institution to the other as a file and ends as a valid envelope") {
  SigningRequest request = NewDisbursementRequest();
  CHECK(Code(RequestEnvelope(request)) == "incomplete_request");
  REQUIRE(SignRequest(request, kTrustee).ok());
  const std::string file = SigningRequestToJson(request).dump(2);

  auto at_bank = ParseSigningRequest(file, kChain);
  REQUIRE_MESSAGE(at_bank.ok(), at_bank.status().ToString());
  CHECK(at_bank->id == request.id);
  REQUIRE(at_bank->Missing().size() == 1);
  CHECK(at_bank->Missing()[0]->org_id == "bank-a");
  CHECK(Code(RequestEnvelope(*at_bank)) == "incomplete_request");
  REQUIRE(SignRequest(*at_bank, kBank).ok());
  CHECK(at_bank->Complete());

  auto again = ParseSigningRequest(SigningRequestToJson(*at_bank).dump(), kChain);
  REQUIRE(again.ok());
  auto envelope = RequestEnvelope(*again);
  REQUIRE(envelope.ok());
  auto tx = DecodeTx(*envelope, kChain);
  REQUIRE_MESSAGE(tx.ok(), tx.status().ToString());
  CHECK(tx->id == request.id);
  CHECK(tx->SignedBy(kTrustee.public_key));
  CHECK(tx->SignedBy(kBank.public_key));

  const json j = SigningRequestToJson(*again);
  CHECK(j["format"] == "shanliu-signing-request/1");
  CHECK(j["complete"] == true);
  CHECK(j["summary"]["en"].get<std::string>().find("¥5,000.00 (500000 fen)") != std::string::npos);
  CHECK(j["summary"]["zh"].get<std::string>().find("信托资金拨付") != std::string::npos);
  CHECK(j["summary"]["zh"].get<std::string>().find("500000 分") != std::string::npos);
}

TEST_CASE("malformed request files are refused with invalid_signing_request") {
  SigningRequest request = NewDisbursementRequest();
  REQUIRE(SignRequest(request, kTrustee).ok());
  const json good = SigningRequestToJson(request);
  const auto parse = [](const json& j) { return Code(ParseSigningRequest(j.dump(), kChain)); };
  CHECK(parse(good) == "ok");
  CHECK(Code(ParseSigningRequest("{not json", kChain)) == "invalid_signing_request");
  CHECK(Code(ParseSigningRequest("[1,2]", kChain)) == "invalid_signing_request");
  CHECK(Code(ParseSigningRequest("", kChain)) == "invalid_signing_request");
  json j = good;
  j["format"] = "shanliu-signing-request/2";
  CHECK(parse(j) == "invalid_signing_request");
  j = good;
  j.erase("format");
  CHECK(parse(j) == "invalid_signing_request");
  j = good;
  j["extra"] = 1;
  CHECK(parse(j) == "invalid_signing_request");
  j = good;
  j["body_base64"] = "###";
  CHECK(parse(j) == "invalid_signing_request");
  j = good;
  j["body_base64"] = "AAAA";  // three zero bytes: not a TxBody
  CHECK(parse(j) == "malformed");
  j = good;
  j["id"] = std::string(64, '0');
  CHECK(parse(j) == "invalid_signing_request");
  j = good;
  j["required_signers"] = json::array();
  CHECK(parse(j) == "invalid_signing_request");
  j = good;
  for (int i = 0; i < 4; ++i) j["required_signers"].push_back(good["required_signers"][0]);  // 6 slots
  CHECK(parse(j) == "invalid_signing_request");
  j = good;
  j["required_signers"][0]["public_keys"][0] = "abcd";
  CHECK(parse(j) == "invalid_signing_request");
  j = good;
  j["required_signers"][0]["org_id"] = "Bad Org!";
  CHECK(parse(j) == "invalid_signing_request");
  j = good;
  j["signatures"][0]["signature"] = std::string(127, 'a');
  CHECK(parse(j) == "invalid_signing_request");
  j = good;
  j["signatures"][0]["extra"] = "x";
  CHECK(parse(j) == "invalid_signing_request");
  j = good;
  j["signatures"] = "none";
  CHECK(parse(j) == "invalid_signing_request");
  CHECK(Code(ParseSigningRequest(good.dump(), "another-chain")) == "wrong_chain");
}

TEST_CASE("a body that breaks a stateless tx rule is refused like a submitted tx would be") {
  pb::TxBody zero = Disbursement(0);
  const SigningRequest request = NewSigningRequest(zero, *RequiredSigners(Disbursement(), Chain().Lookup()));
  CHECK(Code(ParseSigningRequest(SigningRequestToJson(request).dump(), kChain)) == "malformed");
  const SigningRequest one_fen =
      NewSigningRequest(Disbursement(1), *RequiredSigners(Disbursement(1), Chain().Lookup()));
  CHECK(Code(ParseSigningRequest(SigningRequestToJson(one_fen).dump(), kChain)) == "ok");
}

TEST_CASE("the request size limit: the largest file passes, one byte more is too_large") {
  const SigningRequest request = NewDisbursementRequest();
  std::string text = SigningRequestToJson(request).dump();
  REQUIRE(text.size() < kMaxSigningRequestBytes);
  text.append(kMaxSigningRequestBytes - text.size(), ' ');  // JSON allows trailing whitespace
  CHECK(Code(ParseSigningRequest(text, kChain)) == "ok");
  text.push_back(' ');
  CHECK(Code(ParseSigningRequest(text, kChain)) == "too_large");
}

TEST_CASE("a signature over a different body is refused") {
  SigningRequest request = NewDisbursementRequest();
  const Bytes other_body = ToBytes(Disbursement(500'001).SerializeAsString());
  const crypto::Signature wrong = crypto::Sign(kTrustee.secret_key, kTxSignDomain, other_body);
  CHECK(Code(AddSignature(request, kTrustee.public_key, wrong)) == "bad_signature");
  CHECK(request.signatures.empty());
  // The same through a file: a signature copied from another request.
  json j = SigningRequestToJson(request);
  j["signatures"] = json::array({{{"public_key", crypto::ToHex(kTrustee.public_key)}, {"signature", crypto::ToHex(wrong)}}});
  CHECK(Code(ParseSigningRequest(j.dump(), kChain)) == "bad_signature");
  // And an edited body under the original signature.
  REQUIRE(SignRequest(request, kTrustee).ok());
  j = SigningRequestToJson(request);
  SigningRequest edited = NewSigningRequest(Disbursement(999'999), request.required);
  j["body_base64"] = SigningRequestToJson(edited)["body_base64"];
  j.erase("id");
  CHECK(Code(ParseSigningRequest(j.dump(), kChain)) == "bad_signature");
}

TEST_CASE("a signer the request does not need, or whose organisation has signed, is refused") {
  SigningRequest request = NewDisbursementRequest();
  CHECK(Code(SignRequest(request, kOther)) == "signer_not_required");
  REQUIRE(SignRequest(request, kTrustee).ok());
  CHECK(Code(SignRequest(request, kTrustee2)) == "signer_not_required");  // the trustee's other key
  CHECK(Code(SignRequest(request, kTrustee)) == "duplicate_signature");
  CHECK(request.signatures.size() == 1);
  // A file listing the same signature twice.
  json j = SigningRequestToJson(request);
  j["signatures"].push_back(j["signatures"][0]);
  CHECK(Code(ParseSigningRequest(j.dump(), kChain)) == "duplicate_signature");
  REQUIRE(SignRequest(request, kBank).ok());
  CHECK(Code(SignRequest(request, kOther)) == "signer_not_required");
}

TEST_CASE("expiry: the last millisecond and the last height pass, one more is expired") {
  const SigningRequest request = NewDisbursementRequest();
  CHECK(CheckNotExpired(request, kExpiresMs, std::nullopt).ok());
  CHECK(Code(CheckNotExpired(request, kExpiresMs + 1, std::nullopt)) == "expired");
  // The next block is head + 1, which may still be expires_at_height (100).
  CHECK(CheckNotExpired(request, 0, 99).ok());
  CHECK(Code(CheckNotExpired(request, 0, 100)) == "expired");
}

TEST_CASE("the summary never cuts a character in half") {
  pb::TxBody body = Disbursement();
  std::string purpose;
  for (int i = 0; i < 60; ++i) purpose += "学";  // 3 bytes each
  body.mutable_trust_disbursement()->set_purpose(purpose);
  const std::string zh = SigningSummary(body, "zh");
  CHECK(json(zh).dump().size() > 0);  // nlohmann throws on invalid UTF-8
  CHECK(zh.find("...") != std::string::npos);
}

}  // namespace
}  // namespace shanliu::ledger
