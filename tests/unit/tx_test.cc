// The signed transaction envelope and its stateless validation (DESIGN 4, 9), and the block
// byte layouts outside verifiers rebuild (DESIGN 6.1): header bytes, block hash, vote sign
// bytes, validators hash and commit certificates.
#include <doctest/doctest.h>

#include <algorithm>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/unknown_field_set.h>

#include <climits>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/text.h"
#include "shanliu/ledger/tx.h"
#include "shanliu/pb/shanliu.pb.h"

namespace shanliu::ledger {
namespace {

constexpr std::string_view kChain = "shanliu-test";
constexpr std::int64_t kMaxFen = 1'000'000'000'000'000;

crypto::KeyPair Key(std::uint8_t n) {
  crypto::Seed s;
  s.fill(n);
  return crypto::KeyPairFromSeed(s);
}

std::string Raw(std::size_t n, char fill) { return std::string(n, fill); }
std::string Key32(std::uint8_t n) {
  const auto k = Key(n).public_key;
  return std::string(k.begin(), k.end());
}

// Silences protobuf's own error log (invalid UTF-8 in garbage input) while in scope.
class QuietProtobuf {
 public:
  QuietProtobuf() : old_(google::protobuf::SetLogHandler(nullptr)) {}
  ~QuietProtobuf() { google::protobuf::SetLogHandler(old_); }

 private:
  google::protobuf::LogHandler* old_;
};

pb::TxBody Base() {
  pb::TxBody b;
  b.set_chain_id(std::string(kChain));
  b.set_expires_at_height(1000);
  b.set_expires_at_ms(1'750'000'000'000ULL + 3'600'000);
  b.set_nonce(0x0123456789abcdefULL);
  b.set_created_at_ms(1'750'000'000'000ULL);
  return b;
}

// One valid body per payload kind, with every optional field filled in.
std::vector<pb::TxBody> ValidBodies() {
  std::vector<pb::TxBody> out;
  {
    auto b = Base();
    auto* p = b.mutable_register_org();
    p->set_org_id("hz-charity-1");
    p->set_kind(pb::ORG_KIND_CHARITY);
    p->set_name_zh("杭州市第一慈善会");
    p->set_name_en("Hangzhou Charity No. 1");
    p->set_credit_code("91330100MA2AAAAA0X");
    p->add_public_keys(Key32(1));
    p->add_public_keys(Key32(2));
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_update_org();
    p->set_org_id("hz-charity-1");
    p->set_status(pb::ORG_STATUS_SUSPENDED);
    p->set_reason("annual report overdue");
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_rotate_key();
    p->set_org_id("hz-charity-1");
    p->set_old_public_key(Key32(1));
    p->set_new_public_key(Key32(3));
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_open_project();
    p->set_project_id("elder-care-2025");
    p->set_owner_org("hz-charity-1");
    p->set_name_zh("西湖区助老项目");
    p->set_name_en("West Lake elder care");
    p->set_category("elder-care");
    p->set_region("浙江省杭州市西湖区");
    p->set_budget_fen(50'000'000);
    p->set_starts_at_ms(1'750'000'000'000ULL);
    p->set_ends_at_ms(1'780'000'000'000ULL);
    p->set_description("meals and visits");
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_close_project();
    p->set_project_id("elder-care-2025");
    p->set_summary("done");
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_donation();
    p->set_to_account("project:elder-care-2025");
    p->set_amount_fen(10'000);
    p->set_donor_ref(Raw(32, 'd'));
    p->set_donor_display_name("匿名");
    p->set_points_holder(Key32(9));
    p->set_bank_ref_hash(Raw(32, 'b'));
    p->set_receipt_number_hash(Raw(32, 'r'));
    p->set_channel(pb::DONATION_CHANNEL_BANK_TRANSFER);
    p->set_attesting_bank("icbc-hz");
    p->set_memo("for the elders");
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_transfer();
    p->set_from_account("org:hz-charity-1");
    p->set_to_account("project:elder-care-2025");
    p->set_amount_fen(5'000);
    p->set_purpose("allocation");
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_open_trust();
    p->set_trust_id("xihu-trust");
    p->set_name_zh("西湖慈善信托");
    p->set_name_en("West Lake Charity Trust");
    p->set_trustee_org("zj-trustee");
    p->set_custodian_bank("icbc-hz");
    p->set_purpose("education");
    p->set_filing_number("ZJ-2025-001");
    p->set_term_ends_at_ms(1'900'000'000'000ULL);
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_trust_deposit();
    p->set_trust_id("xihu-trust");
    p->set_amount_fen(1'000'000);
    p->set_settlor_ref(Raw(32, 's'));
    p->set_settlor_display_name("某企业");
    p->set_bank_ref_hash(Raw(32, 'b'));
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_trust_disbursement();
    p->set_trust_id("xihu-trust");
    p->set_to_account("org:hz-charity-1");
    p->set_amount_fen(200'000);
    p->set_purpose("scholarships");
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_spend();
    p->set_from_account("project:elder-care-2025");
    p->set_amount_fen(3'000);
    p->set_category(pb::SPEND_CATEGORY_MATERIAL);
    p->set_payee_kind(pb::PAYEE_KIND_VENDOR);
    p->set_payee_name("联华超市");
    p->set_beneficiary_count(12);
    p->set_invoice_hash(Raw(32, 'i'));
    p->set_description("rice and oil");
    p->set_occurred_at_ms(1'750'000'100'000ULL);
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_refund();
    p->set_donation_tx_id(Raw(32, 't'));
    p->set_reason("project cancelled");
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_volunteer_service();
    p->set_charity_org("hz-charity-1");
    p->set_holder(Key32(9));
    p->set_minutes(120);
    p->set_activity("visiting elders");
    p->set_occurred_at_ms(1'750'000'000'000ULL);
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_redeem_points();
    p->set_holder(Key32(9));
    p->set_merchant_org("corner-shop");
    p->set_points(50);
    p->set_item("haircut");
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_disclosure();
    p->set_org_id("hz-charity-1");
    p->set_type(pb::DISCLOSURE_TYPE_PROJECT_REPORT);
    p->set_title("2025 H1 report");
    p->set_period("2025-01..2025-06");
    p->set_document_sha256(Raw(32, 'h'));
    p->set_url("https://example.org/report.pdf");
    p->set_project_id("elder-care-2025");
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_correction();
    const std::string corrected = std::find_if(out.begin(), out.end(), [](const pb::TxBody& x) {
                                    return x.has_spend();
                                  })->SerializeAsString();
    const Hash256 id = TxId(AsBytes(corrected));
    p->set_corrected_tx_id(std::string(id.begin(), id.end()));
    p->set_reason("amount entered wrongly");
    p->set_corrected_tx_body(corrected);
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_update_project();
    p->set_project_id("elder-care-2025");
    p->set_description("meals, visits and health checks");
    p->set_ends_at_ms(1'790'000'000'000ULL);
    p->set_budget_fen(60'000'000);
    p->set_reason("more elders enrolled");
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_service_exchange();
    p->set_holder(Key32(9));
    p->set_provider_org("hz-charity-1");
    p->set_minutes(90);
    p->set_service("home haircut");
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_move_points();
    p->set_from_holder(Key32(9));
    p->set_to_holder(Key32(10));
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_goods_donation();
    p->set_to_account("project:elder-meals");
    p->set_item_code("rice-10kg");
    p->set_unit("袋");
    p->set_quantity(800);
    p->set_value_fen(4'800'000);
    p->set_donor_ref(Key32(11));
    p->set_donor_display_name("浙江某粮油集团");
    p->set_lot_number("L2026-118");
    p->set_expires_on(20270630);
    p->set_receipt_number_hash(Key32(12));
    p->set_notary_org("icbc-hz");
    p->set_memo("救灾物资捐赠");
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_goods_transfer();
    p->set_from_account("org:hz-charity-1");
    p->set_to_account("org:hz-charity-2");
    p->set_item_code("rice-10kg");
    p->set_unit("袋");
    p->set_quantity(320);
    p->set_purpose("救灾物资调拨");
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_goods_distribution();
    p->set_from_account("org:hz-charity-2");
    p->set_item_code("rice-10kg");
    p->set_unit("袋");
    p->set_quantity(240);
    p->set_region("330106");
    p->set_place_name("翠苑街道受灾群众安置点");
    p->set_beneficiary_count(240);
    p->set_evidence_hash(Key32(13));
    p->set_occurred_at_ms(1'750'000'000'000ULL);
    p->set_description("发放给受灾群众");
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* item = b.mutable_register_goods_item()->mutable_item();
    item->set_item_code("heater");
    item->set_name_zh("电暖器");
    item->set_name_en("Electric heater");
    item->set_unit("台");
    item->set_category(pb::GOODS_CATEGORY_DAILY_NECESSITIES);
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_honour_name();
    p->set_holder(Key32(9));
    p->set_display_name("小雨点");
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_catalogue_entry();
    p->set_federation_org("hz-federation");
    p->set_merchant_org("hz-barber");
    p->set_item_id("haircut");
    p->set_name_zh("理发一次");
    p->set_name_en("One haircut");
    p->set_points(30);
    p->set_active(true);
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_request_key_recovery();
    p->set_org_id("hz-charity-1");
    p->add_old_public_keys(Key32(1));
    p->add_old_public_keys(Key32(2));
    p->set_new_public_key(Key32(3));
    p->set_reason("负责人离职，私钥遗失");
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_veto_key_recovery();
    p->set_org_id("hz-charity-1");
    p->set_request_tx_id(Raw(32, 'q'));
    p->set_reason("密钥未遗失");
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_complete_key_recovery();
    p->set_org_id("hz-charity-1");
    p->set_request_tx_id(Raw(32, 'q'));
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_region_population();
    p->set_region("330106");
    p->set_year(2026);
    p->set_population(1'135'000);
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_register_street();
    p->set_code("330106001");
    p->set_name_zh("北山街道");
    out.push_back(b);
  }
  {
    auto b = Base();
    auto* p = b.mutable_validator_set_change();
    auto* u = p->add_updates();
    u->set_public_key(Raw(32, 'v'));
    u->set_voting_power(1);
    u->set_org_id("hz-bank-2");
    p->add_updates()->set_public_key(Raw(32, 'w'));  // power 0: a removal
    p->set_effective_height(12);
    out.push_back(b);
  }
  return out;
}

pb::TxBody ValidBody(pb::TxBody::PayloadCase kind) {
  for (const auto& b : ValidBodies()) {
    if (b.payload_case() == kind) return b;
  }
  FAIL("no valid body for payload kind ", static_cast<int>(kind));
  return {};
}

Bytes Sign1(const pb::TxBody& body, std::uint8_t key = 1) {
  const crypto::KeyPair kp = Key(key);
  const crypto::KeyPair* signers[] = {&kp};
  return BuildTx(body, signers);
}

// Decodes `body` signed by one key; returns the status.
Status Check(const pb::TxBody& body) {
  auto r = DecodeTx(Sign1(body), kChain);
  return r.ok() ? Status::Ok() : r.status();
}

#define EXPECT_OK(body)                                     \
  do {                                                      \
    const Status st_ = Check(body);                         \
    CHECK_MESSAGE(st_.ok(), st_.ToString());                \
  } while (0)

// Rejected as malformed, naming the field (so it is the intended rule that fired).
#define EXPECT_BAD(body, field)                                                                  \
  do {                                                                                           \
    const Status st_ = Check(body);                                                              \
    CHECK_MESSAGE(!st_.ok(), "accepted; expected a complaint about ", field);                    \
    if (!st_.ok()) {                                                                             \
      CHECK(st_.code() == "malformed");                                                          \
      CHECK_MESSAGE(st_.message().find(field) != std::string::npos, st_.message(), " vs ", field); \
    }                                                                                            \
  } while (0)

// Serializes an envelope by hand from its parts.
Bytes Envelope(const std::string& body, const std::vector<std::pair<std::string, std::string>>& sigs) {
  pb::Tx tx;
  tx.set_body(body);
  for (const auto& [k, s] : sigs) {
    auto* e = tx.add_sigs();
    e->set_public_key(k);
    e->set_sig(s);
  }
  return ToBytes(tx.SerializeAsString());
}

std::string SigOver(const std::string& body, std::uint8_t key) {
  const auto sig = crypto::Sign(Key(key).secret_key, kTxSignDomain, AsBytes(body));
  return std::string(sig.begin(), sig.end());
}

// ------------------------------------------------------------------ round trips

TEST_CASE("every payload kind has a valid example and round trips through BuildTx / DecodeTx") {
  const auto bodies = ValidBodies();
  const auto* oneof = pb::TxBody::descriptor()->FindOneofByName("payload");
  REQUIRE(oneof != nullptr);
  std::set<std::string> covered;
  for (const auto& body : bodies) {
    const std::string kind = PayloadKindName(body);
    CAPTURE(kind);
    covered.insert(kind);
    const crypto::KeyPair k1 = Key(1), k2 = Key(2);
    const crypto::KeyPair* signers[] = {&k1, &k2};
    const Bytes env = BuildTx(body, signers);
    auto d = DecodeTx(env, kChain);
    REQUIRE_MESSAGE(d.ok(), d.status().ToString());
    CHECK(d->envelope == env);
    CHECK(d->body.SerializeAsString() == body.SerializeAsString());
    CHECK(d->signers.size() == 2);
    CHECK(d->signers[0] == k1.public_key);
    CHECK(d->signers[1] == k2.public_key);
    CHECK(d->SignedBy(k1.public_key));
    CHECK(d->SignedBy(k2.public_key));
    CHECK_FALSE(d->SignedBy(Key(3).public_key));
    CHECK(PayloadKindName(d->body) == kind);
  }
  // Every kind in the schema is covered above.
  CHECK(static_cast<int>(covered.size()) == oneof->field_count());
  for (int i = 0; i < oneof->field_count(); ++i) CHECK(covered.count(oneof->field(i)->name()) == 1);
}

TEST_CASE("PayloadKindName") {
  const char* const names[] = {"register_org",  "update_org",         "rotate_key", "open_project",
                               "close_project", "donation",           "transfer",   "open_trust",
                               "trust_deposit", "trust_disbursement", "spend",      "refund",
                               "volunteer_service", "redeem_points",  "disclosure", "correction",
                               "update_project", "service_exchange", "move_points", "goods_donation",
                               "goods_transfer", "goods_distribution", "register_goods_item", "honour_name",
                               "catalogue_entry", "request_key_recovery", "veto_key_recovery",
                               "complete_key_recovery", "region_population", "register_street",
                               "validator_set_change"};
  const auto bodies = ValidBodies();
  REQUIRE(bodies.size() == std::size(names));
  for (std::size_t i = 0; i < bodies.size(); ++i) CHECK(PayloadKindName(bodies[i]) == names[i]);
  CHECK(PayloadKindName(Base()) == "none");
}

TEST_CASE("tx id is SHA-256(\"shanliu/txid/v1\\0\" || body) and signatures cover \"shanliu/tx/v1\\0\" || body") {
  for (const auto& body : ValidBodies()) {
    const Bytes env = Sign1(body, 4);
    pb::Tx tx;
    REQUIRE(tx.ParseFromArray(env.data(), static_cast<int>(env.size())));
    // The envelope's field numbers are fixed (DESIGN 4): body = 1, sigs = 2 {public_key = 1, sig = 2}.
    REQUIRE(env[0] == 0x0a);  // field 1, length-delimited
    const std::string& body_bytes = tx.body();
    Bytes pre = ToBytes(std::string_view("shanliu/txid/v1\0", 16));
    pre.insert(pre.end(), body_bytes.begin(), body_bytes.end());
    const Hash256 want = crypto::Sha256(pre);
    auto d = DecodeTx(env, kChain);
    REQUIRE(d.ok());
    CHECK(d->id == want);
    CHECK(TxId(AsBytes(body_bytes)) == want);
    // The id covers the body only: re-signing the same body by another key keeps the id.
    auto d2 = DecodeTx(Sign1(body, 5), kChain);
    REQUIRE(d2.ok());
    CHECK(d2->id == want);

    Bytes signed_bytes = ToBytes(std::string_view("shanliu/tx/v1\0", 14));
    signed_bytes.insert(signed_bytes.end(), body_bytes.begin(), body_bytes.end());
    REQUIRE(tx.sigs_size() == 1);
    crypto::Signature sig;
    REQUIRE(tx.sigs(0).sig().size() == 64);
    std::memcpy(sig.data(), tx.sigs(0).sig().data(), 64);
    CHECK(crypto::VerifyRaw(Key(4).public_key, signed_bytes, sig));
    CHECK(tx.sigs(0).public_key() == Key32(4));
  }
  // Different bodies, different ids.
  auto a = ValidBody(pb::TxBody::kDonation);
  auto b = a;
  b.set_nonce(a.nonce() + 1);
  CHECK(DecodeTx(Sign1(a), kChain)->id != DecodeTx(Sign1(b), kChain)->id);
}

// ------------------------------------------------------------------ envelope rules

TEST_CASE("forged signatures: any flipped bit in the signature or the body is rejected") {
  const pb::TxBody body = ValidBody(pb::TxBody::kDonation);
  const std::string body_bytes = body.SerializeAsString();
  const std::string sig = SigOver(body_bytes, 1);
  REQUIRE(DecodeTx(Envelope(body_bytes, {{Key32(1), sig}}), kChain).ok());
  for (std::size_t bit = 0; bit < sig.size() * 8; ++bit) {
    std::string bad = sig;
    bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
    auto r = DecodeTx(Envelope(body_bytes, {{Key32(1), bad}}), kChain);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == "bad_signature");
  }
  QuietProtobuf quiet;
  int accepted = 0, bad_signature = 0;
  for (std::size_t bit = 0; bit < body_bytes.size() * 8; ++bit) {
    std::string b = body_bytes;
    b[bit / 8] = static_cast<char>(b[bit / 8] ^ (1 << (bit % 8)));
    auto r = DecodeTx(Envelope(b, {{Key32(1), sig}}), kChain);
    if (r.ok()) ++accepted;
    else if (r.status().code() == "bad_signature") ++bad_signature;
  }
  CHECK(accepted == 0);
  CHECK(bad_signature > 0);
  // The signature of another key, or over another body, or by the right key under the vote domain.
  CHECK(DecodeTx(Envelope(body_bytes, {{Key32(2), sig}}), kChain).status().code() == "bad_signature");
  const auto vote_sig = crypto::Sign(Key(1).secret_key, kVoteDomain, AsBytes(body_bytes));
  CHECK(DecodeTx(Envelope(body_bytes, {{Key32(1), std::string(vote_sig.begin(), vote_sig.end())}}), kChain)
            .status()
            .code() == "bad_signature");
  // One good and one bad signature: the whole tx is rejected.
  CHECK(DecodeTx(Envelope(body_bytes, {{Key32(1), sig}, {Key32(2), SigOver(body_bytes + " ", 2)}}), kChain)
            .status()
            .code() == "bad_signature");
  // With signature checks skipped (verified-signature cache), only the Ed25519 check is skipped.
  std::string bad = sig;
  bad[0] ^= 1;
  CHECK(DecodeTx(Envelope(body_bytes, {{Key32(1), bad}}), kChain, /*verify_signatures=*/false).ok());
}

TEST_CASE("every single-bit flip anywhere in a signed envelope is rejected") {
  QuietProtobuf quiet;
  for (const auto& body : ValidBodies()) {
    const Bytes env = Sign1(body);
    int accepted = 0;
    for (std::size_t bit = 0; bit < env.size() * 8; ++bit) {
      Bytes e = env;
      e[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      if (DecodeTx(e, kChain).ok()) ++accepted;
    }
    CHECK_MESSAGE(accepted == 0, PayloadKindName(body));
  }
}

TEST_CASE("missing, duplicated, extra and malformed signatures") {
  const std::string body = ValidBody(pb::TxBody::kTransfer).SerializeAsString();
  auto code = [&](const std::vector<std::pair<std::string, std::string>>& sigs, bool verify = true) {
    auto r = DecodeTx(Envelope(body, sigs), kChain, verify);
    return r.ok() ? std::string("ok") : r.status().code();
  };
  CHECK(code({}) == "missing_signature");
  CHECK(code({}, false) == "missing_signature");
  CHECK(code({{Key32(1), SigOver(body, 1)}, {Key32(1), SigOver(body, 1)}}) == "duplicate_signature");
  CHECK(code({{Key32(1), SigOver(body, 1)}, {Key32(2), SigOver(body, 2)}, {Key32(1), SigOver(body, 1)}}) ==
        "duplicate_signature");
  CHECK(code({{Key32(1), SigOver(body, 1)}, {Key32(1), SigOver(body, 1)}}, false) == "duplicate_signature");
  std::vector<std::pair<std::string, std::string>> sigs;
  for (std::uint8_t k = 1; k <= 4; ++k) sigs.push_back({Key32(k), SigOver(body, k)});
  CHECK(code(sigs) == "ok");  // exactly the limit
  sigs.push_back({Key32(5), SigOver(body, 5)});
  CHECK(code(sigs) == "too_many_signatures");
  CHECK(code(sigs, false) == "too_many_signatures");
  // Key and signature lengths.
  const std::string good_key = Key32(1), good_sig = SigOver(body, 1);
  CHECK(code({{good_key.substr(0, 31), good_sig}}) == "malformed");
  CHECK(code({{good_key + "x", good_sig}}) == "malformed");
  CHECK(code({{"", good_sig}}) == "malformed");
  CHECK(code({{good_key, good_sig.substr(0, 63)}}) == "malformed");
  CHECK(code({{good_key, good_sig + "x"}}) == "malformed");
  CHECK(code({{good_key, ""}}) == "malformed");
  CHECK(code({{good_key.substr(0, 31), good_sig}}, false) == "malformed");
}

TEST_CASE("wrong chain id, empty and oversized envelopes") {
  const pb::TxBody body = ValidBody(pb::TxBody::kDonation);
  const Bytes env = Sign1(body);
  for (std::string_view other : {"shanliu-main", "", "shanliu-test ", "Shanliu-test", "shanliu-tes"}) {
    auto r = DecodeTx(env, other);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == "wrong_chain");
  }
  auto no_chain = body;
  no_chain.clear_chain_id();
  CHECK(Check(no_chain).code() == "wrong_chain");

  auto empty = DecodeTx(Bytes{}, kChain);
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().code() == "malformed");

  // Larger than 8 KiB, even if perfectly signed: refused before parsing.
  auto big = body;
  big.mutable_donation()->set_memo(std::string(9000, 'm'));
  const Bytes big_env = Sign1(big);
  REQUIRE(big_env.size() > TxLimits::kMaxEnvelopeBytes);
  CHECK(DecodeTx(big_env, kChain).status().code() == "too_large");
  CHECK(DecodeTx(Bytes(TxLimits::kMaxEnvelopeBytes + 1, 0), kChain).status().code() == "too_large");
  CHECK(DecodeTx(Bytes(1 << 20, 0x0a), kChain).status().code() == "too_large");
  // Exactly 8 KiB is within the envelope limit (this one then fails on the memo's own limit).
  auto edge = body;
  std::size_t memo = 8000;
  Bytes edge_env;
  for (int attempt = 0; attempt < 10; ++attempt) {
    edge.mutable_donation()->set_memo(std::string(memo, 'm'));
    edge_env = Sign1(edge);
    if (edge_env.size() == TxLimits::kMaxEnvelopeBytes) break;
    memo += TxLimits::kMaxEnvelopeBytes - edge_env.size();
  }
  REQUIRE(edge_env.size() == TxLimits::kMaxEnvelopeBytes);
  auto edge_r = DecodeTx(edge_env, kChain);
  REQUIRE_FALSE(edge_r.ok());
  CHECK(edge_r.status().code() == "malformed");
  CHECK(edge_r.status().message().find("memo") != std::string::npos);
}

TEST_CASE("unknown fields anywhere in the body or the envelope are rejected") {
  const pb::TxBody body = ValidBody(pb::TxBody::kDonation);
  {  // in TxBody itself
    auto b = body;
    b.GetReflection()->MutableUnknownFields(&b)->AddVarint(99, 1);
    EXPECT_BAD(b, "TxBody");
  }
  {  // inside the payload message
    auto b = body;
    auto* d = b.mutable_donation();
    d->GetReflection()->MutableUnknownFields(d)->AddLengthDelimited(50, "x");
    EXPECT_BAD(b, "TxBody");
  }
  {  // a payload field number the schema does not know (a future kind)
    auto b = Base();
    b.GetReflection()->MutableUnknownFields(&b)->AddLengthDelimited(41, "");
    EXPECT_BAD(b, "TxBody");
  }
  const std::string body_bytes = body.SerializeAsString();
  const std::string sig = SigOver(body_bytes, 1);
  {  // in the envelope
    pb::Tx tx;
    tx.set_body(body_bytes);
    auto* s = tx.add_sigs();
    s->set_public_key(Key32(1));
    s->set_sig(sig);
    REQUIRE(DecodeTx(ToBytes(tx.SerializeAsString()), kChain).ok());
    pb::Tx t1 = tx;
    t1.GetReflection()->MutableUnknownFields(&t1)->AddVarint(3, 7);
    CHECK(DecodeTx(ToBytes(t1.SerializeAsString()), kChain).status().code() == "malformed");
    pb::Tx t2 = tx;
    auto* s2 = t2.mutable_sigs(0);
    s2->GetReflection()->MutableUnknownFields(s2)->AddVarint(3, 7);
    CHECK(DecodeTx(ToBytes(t2.SerializeAsString()), kChain).status().code() == "malformed");
  }
}

// One signed tx, one reading: protobuf parsers disagree on repeated singular fields (the last
// wins in C++, a hand-written browser verifier may take the first), so only the canonical
// encoding of the envelope and of the body is accepted.
TEST_CASE("non-canonical encodings (repeated or reordered fields, long varints) are rejected") {
  const pb::TxBody body = ValidBody(pb::TxBody::kDonation);
  const std::string body_bytes = body.SerializeAsString();
  const std::string sig = SigOver(body_bytes, 1);
  const Bytes good = Envelope(body_bytes, {{Key32(1), sig}});
  REQUIRE(DecodeTx(good, kChain).ok());
  {  // a second, unsigned "body" in front of the real one
    Bytes e = {0x0a, 0x03, 'x', 'y', 'z'};
    e.insert(e.end(), good.begin(), good.end());
    auto r = DecodeTx(e, kChain);
    CHECK_FALSE(r.ok());
    if (!r.ok()) CHECK(r.status().code() == "malformed");
  }
  {  // signatures before the body
    pb::Tx only_sigs;
    auto* s = only_sigs.add_sigs();
    s->set_public_key(Key32(1));
    s->set_sig(sig);
    pb::Tx only_body;
    only_body.set_body(body_bytes);
    const Bytes e = ToBytes(only_sigs.SerializeAsString() + only_body.SerializeAsString());
    pb::Tx parsed;
    REQUIRE(parsed.ParseFromArray(e.data(), static_cast<int>(e.size())));
    REQUIRE(parsed.body() == body_bytes);
    CHECK_FALSE(DecodeTx(e, kChain).ok());
  }
  {  // the body's length as an over-long varint
    REQUIRE(good[0] == 0x0a);
    Bytes len;
    for (std::size_t v = body_bytes.size(); ; v >>= 7) {
      len.push_back(static_cast<std::uint8_t>((v & 0x7f) | (v >= 0x80 ? 0x80 : 0)));
      if (v < 0x80) break;
    }
    Bytes e = {0x0a};
    e.insert(e.end(), len.begin(), len.end());
    e.back() |= 0x80;  // one more, redundant, continuation byte
    e.push_back(0x00);
    e.insert(e.end(), good.begin() + 1 + static_cast<std::ptrdiff_t>(len.size()), good.end());
    pb::Tx parsed;
    REQUIRE(parsed.ParseFromArray(e.data(), static_cast<int>(e.size())));
    REQUIRE(parsed.body() == body_bytes);
    CHECK_FALSE(DecodeTx(e, kChain).ok());
  }
  {  // a signed body whose donation amount appears twice: 999 first, 10000 last
    auto first = body;
    first.mutable_donation()->set_amount_fen(999);
    pb::TxBody second;
    second.mutable_donation()->set_amount_fen(10'000);
    const std::string twice = first.SerializeAsString() + second.SerializeAsString();
    pb::TxBody parsed;
    REQUIRE(parsed.ParseFromString(twice));
    REQUIRE(parsed.donation().amount_fen() == 10'000);
    auto r = DecodeTx(Envelope(twice, {{Key32(1), SigOver(twice, 1)}}), kChain);
    CHECK_FALSE(r.ok());
    if (!r.ok()) CHECK(r.status().code() == "malformed");
  }
}

TEST_CASE("random garbage and mutated envelopes never crash and are rejected") {
  QuietProtobuf quiet;
  std::mt19937_64 rng(0x5eed);
  int accepted = 0;
  // Pure garbage, biased towards protobuf-looking bytes half of the time.
  for (int i = 0; i < 3000; ++i) {
    Bytes b(rng() % 400);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    if (i % 2 == 0 && !b.empty()) b[0] = 0x0a;
    if (DecodeTx(b, kChain).ok()) ++accepted;
    if (DecodeTx(b, kChain, false).ok()) ++accepted;
  }
  // Mutations of valid single-signature envelopes: overwrite, insert, delete, truncate, splice.
  const auto bodies = ValidBodies();
  std::vector<Bytes> valid;
  for (const auto& body : bodies) valid.push_back(Sign1(body));
  int unchanged = 0;
  for (int i = 0; i < 3000; ++i) {
    const Bytes& src = valid[rng() % valid.size()];
    Bytes e = src;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits && !e.empty(); ++k) {
      const std::size_t pos = rng() % e.size();
      switch (rng() % 5) {
        case 0: e[pos] = static_cast<std::uint8_t>(rng()); break;
        case 1: e.insert(e.begin() + static_cast<std::ptrdiff_t>(pos), static_cast<std::uint8_t>(rng())); break;
        case 2: e.erase(e.begin() + static_cast<std::ptrdiff_t>(pos)); break;
        case 3: e.resize(pos); break;
        default: {
          const Bytes& other = valid[rng() % valid.size()];
          e.insert(e.end(), other.begin(), other.begin() + static_cast<std::ptrdiff_t>(rng() % other.size()));
        }
      }
    }
    if (e == src) {
      ++unchanged;
      continue;
    }
    if (DecodeTx(e, kChain).ok()) ++accepted;
    (void)DecodeTx(e, kChain, false);  // must not crash either
  }
  CHECK(accepted == 0);
  CHECK(unchanged < 100);
}

// ------------------------------------------------------------------ payload field rules

TEST_CASE("ids, amounts and accounts") {
  CHECK(IsValidId("abc"));
  CHECK(IsValidId(std::string(40, 'a')));
  CHECK(IsValidId("a-1-b"));
  CHECK(IsValidId("---"));
  for (std::string_view bad : {"", "ab", "Abc", "a_b", "a b", "abc.", "abc/", "慈善会", "abc\n"}) {
    CHECK_MESSAGE(!IsValidId(bad), bad);
  }
  CHECK_FALSE(IsValidId(std::string(41, 'a')));
  CHECK_FALSE(IsValidId(std::string_view("abc\0", 4)));

  CHECK(IsValidAmount(1));
  CHECK(IsValidAmount(kMaxFen));
  CHECK_FALSE(IsValidAmount(0));
  CHECK_FALSE(IsValidAmount(-1));
  CHECK_FALSE(IsValidAmount(kMaxFen + 1));
  CHECK_FALSE(IsValidAmount(INT64_MIN));
  CHECK_FALSE(IsValidAmount(INT64_MAX));

  for (std::string_view good : {"org:abc", "project:elder-care", "trust:xihu-trust"}) CHECK(IsValidAccount(good));
  for (std::string_view bad : {"", "org:", "org:ab", "org:ABC", "Org:abc", "org-abc", "abc", "user:abc", "org:abc:def",
                               " org:abc", "project:", "trust:a"}) {
    CHECK_MESSAGE(!IsValidAccount(bad), bad);
  }
}

TEST_CASE("required envelope-body fields: expiry and payload") {
  auto b = ValidBody(pb::TxBody::kRefund);
  b.set_expires_at_height(0);
  EXPECT_BAD(b, "expires_at_height");
  EXPECT_BAD(Base(), "payload");
  // The time bound is required too (docs/decisions.md): zero is refused, one millisecond is not.
  auto t = ValidBody(pb::TxBody::kRefund);
  t.set_expires_at_ms(0);
  EXPECT_BAD(t, "expires_at_ms");
  t.set_expires_at_ms(1);
  EXPECT_OK(t);
}

TEST_CASE("amount bounds on every money-moving payload") {
  struct Case {
    pb::TxBody::PayloadCase kind;
    std::string field;
    void (*set)(pb::TxBody&, std::int64_t);
  };
  const Case cases[] = {
      {pb::TxBody::kDonation, "amount_fen", [](pb::TxBody& b, std::int64_t v) { b.mutable_donation()->set_amount_fen(v); }},
      {pb::TxBody::kTransfer, "amount_fen", [](pb::TxBody& b, std::int64_t v) { b.mutable_transfer()->set_amount_fen(v); }},
      {pb::TxBody::kTrustDeposit, "amount_fen",
       [](pb::TxBody& b, std::int64_t v) { b.mutable_trust_deposit()->set_amount_fen(v); }},
      {pb::TxBody::kTrustDisbursement, "amount_fen",
       [](pb::TxBody& b, std::int64_t v) { b.mutable_trust_disbursement()->set_amount_fen(v); }},
      {pb::TxBody::kSpend, "amount_fen", [](pb::TxBody& b, std::int64_t v) { b.mutable_spend()->set_amount_fen(v); }},
      {pb::TxBody::kOpenProject, "budget_fen",
       [](pb::TxBody& b, std::int64_t v) { b.mutable_open_project()->set_budget_fen(v); }},
  };
  for (const Case& c : cases) {
    CAPTURE(c.field);
    for (std::int64_t good : {std::int64_t{1}, std::int64_t{100}, kMaxFen}) {
      auto b = ValidBody(c.kind);
      c.set(b, good);
      EXPECT_OK(b);
    }
    for (std::int64_t bad : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{-100}, kMaxFen + 1, INT64_MAX, INT64_MIN}) {
      auto b = ValidBody(c.kind);
      c.set(b, bad);
      EXPECT_BAD(b, c.field);
    }
  }
}

TEST_CASE("hash and key fields must be exactly 32 bytes") {
  struct Case {
    pb::TxBody::PayloadCase kind;
    std::string field;
    bool required;
    void (*set)(pb::TxBody&, const std::string&);
  };
  const Case cases[] = {
      {pb::TxBody::kDonation, "donor_ref", true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_donation()->set_donor_ref(v); }},
      {pb::TxBody::kDonation, "points_holder", false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_donation()->set_points_holder(v); }},
      {pb::TxBody::kDonation, "bank_ref_hash", false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_donation()->set_bank_ref_hash(v); }},
      {pb::TxBody::kDonation, "receipt_number_hash", false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_donation()->set_receipt_number_hash(v); }},
      {pb::TxBody::kTrustDeposit, "settlor_ref", true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_trust_deposit()->set_settlor_ref(v); }},
      {pb::TxBody::kTrustDeposit, "bank_ref_hash", false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_trust_deposit()->set_bank_ref_hash(v); }},
      {pb::TxBody::kSpend, "invoice_hash", false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_spend()->set_invoice_hash(v); }},
      {pb::TxBody::kRefund, "donation_tx_id", true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_refund()->set_donation_tx_id(v); }},
      {pb::TxBody::kVolunteerService, "holder", true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_volunteer_service()->set_holder(v); }},
      {pb::TxBody::kRedeemPoints, "holder", true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_redeem_points()->set_holder(v); }},
      {pb::TxBody::kServiceExchange, "holder", true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_service_exchange()->set_holder(v); }},
      {pb::TxBody::kMovePoints, "from_holder", true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_move_points()->set_from_holder(v); }},
      {pb::TxBody::kMovePoints, "to_holder", true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_move_points()->set_to_holder(v); }},
      {pb::TxBody::kHonourName, "holder", true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_honour_name()->set_holder(v); }},
      {pb::TxBody::kDisclosure, "document_sha256", true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_disclosure()->set_document_sha256(v); }},
      {pb::TxBody::kRotateKey, "old_public_key", true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_rotate_key()->set_old_public_key(v); }},
      {pb::TxBody::kRotateKey, "new_public_key", true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_rotate_key()->set_new_public_key(v); }},
      {pb::TxBody::kVetoKeyRecovery, "request_tx_id", true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_veto_key_recovery()->set_request_tx_id(v); }},
      {pb::TxBody::kCompleteKeyRecovery, "request_tx_id", true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_complete_key_recovery()->set_request_tx_id(v); }},
  };
  for (const Case& c : cases) {
    CAPTURE(c.field);
    for (std::size_t len : {1u, 31u, 33u, 64u}) {
      auto b = ValidBody(c.kind);
      c.set(b, Raw(len, '\x5a'));
      EXPECT_BAD(b, c.field);
    }
    auto empty = ValidBody(c.kind);
    c.set(empty, "");
    if (c.required) {
      EXPECT_BAD(empty, c.field);
    } else {
      EXPECT_OK(empty);
    }
    auto ok = ValidBody(c.kind);
    c.set(ok, Raw(32, '\x5b'));
    EXPECT_OK(ok);
  }
  auto same = ValidBody(pb::TxBody::kRotateKey);
  same.mutable_rotate_key()->set_new_public_key(same.rotate_key().old_public_key());
  EXPECT_BAD(same, "new_public_key");
}

TEST_CASE("id fields") {
  struct Case {
    pb::TxBody::PayloadCase kind;
    std::string field;
    bool optional;
    void (*set)(pb::TxBody&, const std::string&);
  };
  const Case cases[] = {
      {pb::TxBody::kRegisterOrg, "org_id", false, [](pb::TxBody& b, const std::string& v) { b.mutable_register_org()->set_org_id(v); }},
      {pb::TxBody::kUpdateOrg, "org_id", false, [](pb::TxBody& b, const std::string& v) { b.mutable_update_org()->set_org_id(v); }},
      {pb::TxBody::kRotateKey, "org_id", false, [](pb::TxBody& b, const std::string& v) { b.mutable_rotate_key()->set_org_id(v); }},
      {pb::TxBody::kOpenProject, "project_id", false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_open_project()->set_project_id(v); }},
      {pb::TxBody::kOpenProject, "owner_org", false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_open_project()->set_owner_org(v); }},
      {pb::TxBody::kCloseProject, "project_id", false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_close_project()->set_project_id(v); }},
      {pb::TxBody::kDonation, "attesting_bank", true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_donation()->set_attesting_bank(v); }},
      {pb::TxBody::kOpenTrust, "trust_id", false, [](pb::TxBody& b, const std::string& v) { b.mutable_open_trust()->set_trust_id(v); }},
      {pb::TxBody::kOpenTrust, "trustee_org", false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_open_trust()->set_trustee_org(v); }},
      {pb::TxBody::kOpenTrust, "custodian_bank", false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_open_trust()->set_custodian_bank(v); }},
      {pb::TxBody::kTrustDeposit, "trust_id", false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_trust_deposit()->set_trust_id(v); }},
      {pb::TxBody::kTrustDisbursement, "trust_id", false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_trust_disbursement()->set_trust_id(v); }},
      {pb::TxBody::kVolunteerService, "charity_org", false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_volunteer_service()->set_charity_org(v); }},
      {pb::TxBody::kRedeemPoints, "merchant_org", false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_redeem_points()->set_merchant_org(v); }},
      {pb::TxBody::kServiceExchange, "provider_org", false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_service_exchange()->set_provider_org(v); }},
      {pb::TxBody::kRedeemPoints, "catalogue_item", true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_redeem_points()->set_catalogue_item(v); }},
      {pb::TxBody::kCatalogueEntry, "federation_org", false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_catalogue_entry()->set_federation_org(v); }},
      {pb::TxBody::kCatalogueEntry, "merchant_org", false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_catalogue_entry()->set_merchant_org(v); }},
      {pb::TxBody::kCatalogueEntry, "item_id", false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_catalogue_entry()->set_item_id(v); }},
      {pb::TxBody::kDisclosure, "org_id", false, [](pb::TxBody& b, const std::string& v) { b.mutable_disclosure()->set_org_id(v); }},
      {pb::TxBody::kDisclosure, "project_id", true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_disclosure()->set_project_id(v); }},
      {pb::TxBody::kRequestKeyRecovery, "org_id", false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_request_key_recovery()->set_org_id(v); }},
      {pb::TxBody::kVetoKeyRecovery, "org_id", false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_veto_key_recovery()->set_org_id(v); }},
      {pb::TxBody::kCompleteKeyRecovery, "org_id", false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_complete_key_recovery()->set_org_id(v); }},
  };
  for (const Case& c : cases) {
    CAPTURE(c.field);
    for (const std::string& bad : {std::string("ab"), std::string(41, 'a'), std::string("Hz-charity"),
                                   std::string("hz_charity"), std::string("hz charity"), std::string("慈善会")}) {
      auto b = ValidBody(c.kind);
      c.set(b, bad);
      EXPECT_BAD(b, c.field);
    }
    for (const std::string& good : {std::string("abc"), std::string(40, 'z'), std::string("a-0")}) {
      auto b = ValidBody(c.kind);
      c.set(b, good);
      EXPECT_OK(b);
    }
    auto empty = ValidBody(c.kind);
    c.set(empty, "");
    if (c.optional) {
      EXPECT_OK(empty);
    } else {
      EXPECT_BAD(empty, c.field);
    }
  }
}

TEST_CASE("account fields, and trust accounts where they are not allowed") {
  // Money enters trust: only by TrustDeposit and leaves only by TrustDisbursement (DESIGN 3, 4).
  auto donation = ValidBody(pb::TxBody::kDonation);
  donation.mutable_donation()->set_to_account("org:hz-charity-1");
  EXPECT_OK(donation);
  donation.mutable_donation()->set_to_account("trust:xihu-trust");
  EXPECT_BAD(donation, "to_account");

  auto transfer = ValidBody(pb::TxBody::kTransfer);
  transfer.mutable_transfer()->set_from_account("trust:xihu-trust");
  EXPECT_BAD(transfer, "from_account");
  transfer = ValidBody(pb::TxBody::kTransfer);
  transfer.mutable_transfer()->set_to_account("trust:xihu-trust");
  EXPECT_BAD(transfer, "to_account");
  transfer = ValidBody(pb::TxBody::kTransfer);
  transfer.mutable_transfer()->set_to_account(transfer.transfer().from_account());
  EXPECT_BAD(transfer, "to_account");
  transfer.mutable_transfer()->set_to_account("org:another-org");
  EXPECT_OK(transfer);  // a grant to another organisation

  auto disb = ValidBody(pb::TxBody::kTrustDisbursement);
  disb.mutable_trust_disbursement()->set_to_account("project:elder-care-2025");
  EXPECT_OK(disb);
  disb.mutable_trust_disbursement()->set_to_account("trust:other-trust");
  EXPECT_BAD(disb, "to_account");

  auto spend = ValidBody(pb::TxBody::kSpend);
  spend.mutable_spend()->set_from_account("org:hz-charity-1");
  EXPECT_OK(spend);
  spend.mutable_spend()->set_from_account("trust:xihu-trust");
  EXPECT_BAD(spend, "from_account");

  for (const std::string& bad : {std::string(""), std::string("hz-charity-1"), std::string("org:"),
                                 std::string("org:AB"), std::string("person:zhang-san"), std::string("org:ab")}) {
    CAPTURE(bad);
    auto d = ValidBody(pb::TxBody::kDonation);
    d.mutable_donation()->set_to_account(bad);
    EXPECT_BAD(d, "to_account");
    auto s = ValidBody(pb::TxBody::kSpend);
    s.mutable_spend()->set_from_account(bad);
    EXPECT_BAD(s, "from_account");
  }
}

TEST_CASE("enum fields reject unspecified and unknown values") {
  auto reg = ValidBody(pb::TxBody::kRegisterOrg);
  for (int v : {0, 7, 99, -1}) {
    reg.mutable_register_org()->set_kind(static_cast<pb::OrgKind>(v));
    EXPECT_BAD(reg, "kind");
  }
  for (int v = 1; v <= 6; ++v) {
    reg.mutable_register_org()->set_kind(static_cast<pb::OrgKind>(v));
    EXPECT_OK(reg);
  }
  auto upd = ValidBody(pb::TxBody::kUpdateOrg);
  for (int v : {0, 3, 99}) {
    upd.mutable_update_org()->set_status(static_cast<pb::OrgStatus>(v));
    EXPECT_BAD(upd, "status");
  }
  upd.mutable_update_org()->set_status(pb::ORG_STATUS_ACTIVE);
  EXPECT_OK(upd);
  auto don = ValidBody(pb::TxBody::kDonation);
  for (int v : {0, 7, 1000}) {
    don.mutable_donation()->set_channel(static_cast<pb::DonationChannel>(v));
    EXPECT_BAD(don, "channel");
  }
  auto spend = ValidBody(pb::TxBody::kSpend);
  for (int v : {0, 6, 42}) {
    spend.mutable_spend()->set_category(static_cast<pb::SpendCategory>(v));
    EXPECT_BAD(spend, "category");
  }
  spend = ValidBody(pb::TxBody::kSpend);
  for (int v : {0, 4, 42}) {
    spend.mutable_spend()->set_payee_kind(static_cast<pb::PayeeKind>(v));
    EXPECT_BAD(spend, "payee_kind");
  }
  auto disc = ValidBody(pb::TxBody::kDisclosure);
  for (int v : {0, 5, 77}) {
    disc.mutable_disclosure()->set_type(static_cast<pb::DisclosureType>(v));
    EXPECT_BAD(disc, "type");
  }
}

TEST_CASE("spend: payee names only for vendors and organisations, beneficiary count bound") {
  auto s = ValidBody(pb::TxBody::kSpend);
  s.mutable_spend()->set_payee_kind(pb::PAYEE_KIND_INDIVIDUALS);
  EXPECT_BAD(s, "payee_name");  // individuals are only counted, never named (DESIGN 9)
  s.mutable_spend()->clear_payee_name();
  s.mutable_spend()->set_category(pb::SPEND_CATEGORY_CASH_AID);
  EXPECT_OK(s);
  for (auto kind : {pb::PAYEE_KIND_VENDOR, pb::PAYEE_KIND_ORGANISATION}) {
    auto v = ValidBody(pb::TxBody::kSpend);
    v.mutable_spend()->set_payee_kind(kind);
    EXPECT_OK(v);
    v.mutable_spend()->clear_payee_name();
    EXPECT_BAD(v, "payee_name");
    v.mutable_spend()->set_payee_name(std::string(201, 'p'));
    EXPECT_BAD(v, "payee_name");
    v.mutable_spend()->set_payee_name(std::string(200, 'p'));
    EXPECT_OK(v);
  }
  auto c = ValidBody(pb::TxBody::kSpend);
  c.mutable_spend()->set_beneficiary_count(TxLimits::kMaxBeneficiaries);
  EXPECT_OK(c);
  c.mutable_spend()->set_beneficiary_count(TxLimits::kMaxBeneficiaries + 1);
  EXPECT_BAD(c, "beneficiary_count");
}

TEST_CASE("text limits and required text") {
  struct Case {
    pb::TxBody::PayloadCase kind;
    std::string field;
    std::size_t max;
    bool required;
    void (*set)(pb::TxBody&, const std::string&);
  };
  const Case cases[] = {
      {pb::TxBody::kRegisterOrg, "name_zh", 200, true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_register_org()->set_name_zh(v); }},
      {pb::TxBody::kRegisterOrg, "name_en", 200, false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_register_org()->set_name_en(v); }},
      {pb::TxBody::kUpdateOrg, "reason", 2000, false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_update_org()->set_reason(v); }},
      {pb::TxBody::kOpenProject, "category", 200, true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_open_project()->set_category(v); }},
      {pb::TxBody::kOpenProject, "description", 2000, false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_open_project()->set_description(v); }},
      {pb::TxBody::kDonation, "donor_display_name", 200, false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_donation()->set_donor_display_name(v); }},
      {pb::TxBody::kDonation, "memo", 2000, false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_donation()->set_memo(v); }},
      {pb::TxBody::kOpenTrust, "name_zh", 200, true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_open_trust()->set_name_zh(v); }},
      {pb::TxBody::kVolunteerService, "activity", 200, true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_volunteer_service()->set_activity(v); }},
      {pb::TxBody::kRedeemPoints, "item", 200, true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_redeem_points()->set_item(v); }},
      {pb::TxBody::kServiceExchange, "service", 200, true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_service_exchange()->set_service(v); }},
      {pb::TxBody::kHonourName, "display_name", 48, false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_honour_name()->set_display_name(v); }},
      {pb::TxBody::kDisclosure, "title", 200, true,
       [](pb::TxBody& b, const std::string& v) { b.mutable_disclosure()->set_title(v); }},
      {pb::TxBody::kDisclosure, "url", 2000, false,
       [](pb::TxBody& b, const std::string& v) { b.mutable_disclosure()->set_url(v); }},
  };
  for (const Case& c : cases) {
    CAPTURE(c.field);
    auto at = ValidBody(c.kind);
    c.set(at, std::string(c.max, 't'));
    EXPECT_OK(at);
    auto over = ValidBody(c.kind);
    c.set(over, std::string(c.max + 1, 't'));
    EXPECT_BAD(over, c.field);
    auto empty = ValidBody(c.kind);
    c.set(empty, "");
    if (c.required) {
      EXPECT_BAD(empty, c.field);
    } else {
      EXPECT_OK(empty);
    }
  }
}

TEST_CASE("update_project needs one change and keeps amounts in range") {
  auto u = ValidBody(pb::TxBody::kUpdateProject);
  EXPECT_OK(u);
  // Each change alone is enough.
  auto only = [&](const std::function<void(pb::UpdateProject&)>& keep) {
    auto b = ValidBody(pb::TxBody::kUpdateProject);
    auto* p = b.mutable_update_project();
    p->clear_description();
    p->clear_ends_at_ms();
    p->clear_budget_fen();
    keep(*p);
    return b;
  };
  EXPECT_OK(only([](pb::UpdateProject& p) { p.set_description("x"); }));
  EXPECT_OK(only([](pb::UpdateProject& p) { p.set_ends_at_ms(1); }));
  EXPECT_OK(only([](pb::UpdateProject& p) { p.set_budget_fen(1); }));
  EXPECT_BAD(only([](pb::UpdateProject&) {}), "project_id");
  // A reason alone changes nothing.
  EXPECT_BAD(only([](pb::UpdateProject& p) { p.set_reason("because"); }), "project_id");
  EXPECT_OK(only([](pb::UpdateProject& p) { p.set_budget_fen(1'000'000'000'000'000); }));
  EXPECT_BAD(only([](pb::UpdateProject& p) { p.set_budget_fen(1'000'000'000'000'001); }), "budget_fen");
  EXPECT_BAD(only([](pb::UpdateProject& p) { p.set_budget_fen(-1); }), "budget_fen");
  u.mutable_update_project()->set_project_id("X");
  EXPECT_BAD(u, "project_id");
}

TEST_CASE("register_org keys and credit code, project period, points and minutes") {
  auto r = ValidBody(pb::TxBody::kRegisterOrg);
  r.mutable_register_org()->clear_public_keys();
  EXPECT_BAD(r, "public_keys");
  for (std::uint8_t k = 1; k <= 4; ++k) r.mutable_register_org()->add_public_keys(Key32(k));
  EXPECT_OK(r);
  r.mutable_register_org()->add_public_keys(Key32(5));
  EXPECT_BAD(r, "public_keys");
  r = ValidBody(pb::TxBody::kRegisterOrg);
  r.mutable_register_org()->add_public_keys(Key32(1));  // duplicate
  EXPECT_BAD(r, "public_keys");
  r = ValidBody(pb::TxBody::kRegisterOrg);
  r.mutable_register_org()->set_public_keys(0, Key32(1).substr(0, 31));
  EXPECT_BAD(r, "public_keys");
  for (const std::string& bad : {std::string("91330100MA2AAAAA0"), std::string("91330100MA2AAAAA0XY"),
                                 std::string("91330100ma2aaaaa0x"), std::string("91330100MA2AAAAA-X"), std::string()}) {
    auto c = ValidBody(pb::TxBody::kRegisterOrg);
    c.mutable_register_org()->set_credit_code(bad);
    EXPECT_BAD(c, "credit_code");
  }

  auto p = ValidBody(pb::TxBody::kOpenProject);
  p.mutable_open_project()->set_ends_at_ms(p.open_project().starts_at_ms() - 1);
  EXPECT_BAD(p, "ends_at_ms");
  p.mutable_open_project()->set_ends_at_ms(p.open_project().starts_at_ms());
  EXPECT_OK(p);

  auto v = ValidBody(pb::TxBody::kVolunteerService);
  for (std::uint32_t m : {0u, 1441u, 100000u}) {
    v.mutable_volunteer_service()->set_minutes(m);
    EXPECT_BAD(v, "minutes");
  }
  for (std::uint32_t m : {1u, 1440u}) {
    v.mutable_volunteer_service()->set_minutes(m);
    EXPECT_OK(v);
  }
  auto rp = ValidBody(pb::TxBody::kRedeemPoints);
  for (std::uint64_t pts : {std::uint64_t{0}, TxLimits::kMaxPoints + 1, UINT64_MAX}) {
    rp.mutable_redeem_points()->set_points(pts);
    EXPECT_BAD(rp, "points");
  }
  for (std::uint64_t pts : {std::uint64_t{1}, TxLimits::kMaxPoints}) {
    rp.mutable_redeem_points()->set_points(pts);
    EXPECT_OK(rp);
  }
  // ServiceExchange: 1..1440 minutes like a volunteer record; points 0 (banked minutes) to 10^12.
  auto se = ValidBody(pb::TxBody::kServiceExchange);
  for (std::uint32_t m : {0u, 1441u, 100000u}) {
    se.mutable_service_exchange()->set_minutes(m);
    EXPECT_BAD(se, "minutes");
  }
  for (std::uint32_t m : {1u, 1440u}) {
    se.mutable_service_exchange()->set_minutes(m);
    EXPECT_OK(se);
  }
  for (std::uint64_t pts : {TxLimits::kMaxPoints + 1, UINT64_MAX}) {
    se.mutable_service_exchange()->set_points(pts);
    EXPECT_BAD(se, "points");
  }
  for (std::uint64_t pts : {std::uint64_t{0}, std::uint64_t{1}, TxLimits::kMaxPoints}) {
    se.mutable_service_exchange()->set_points(pts);
    EXPECT_OK(se);
  }
  // MovePoints: two different keys.
  auto mv = ValidBody(pb::TxBody::kMovePoints);
  mv.mutable_move_points()->set_to_holder(mv.move_points().from_holder());
  EXPECT_BAD(mv, "to_holder");
}

// ------------------------------------------------------------------ block layouts (DESIGN 6.1)

void PutBE(Bytes& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void PutText(Bytes& out, std::string_view s) { out.insert(out.end(), s.begin(), s.end()); }

pb::BlockHeader SampleHeader() {
  pb::BlockHeader h;
  h.set_chain_id("test-chain");
  h.set_height(0x0102030405060708ULL);
  h.set_time_ms(0x1112131415161718ULL);
  h.set_prev_block_hash(Raw(32, '\xa1'));
  h.set_txs_root(Raw(32, '\xa2'));
  h.set_log_size(0x2122232425262728ULL);
  h.set_log_root(Raw(32, '\xa3'));
  h.set_state_root(Raw(32, '\xa4'));
  h.set_validators_hash(Raw(32, '\xa5'));
  h.set_next_validators_hash(Raw(32, '\xa6'));
  h.set_proposer_index(0x31323334u);
  return h;
}

TEST_CASE("header bytes match DESIGN 6.1 byte for byte, block hash is their SHA-256") {
  Bytes want;
  PutText(want, "shanliu/header/v2");
  want.push_back(0x00);
  want.push_back(0x00);
  want.push_back(10);
  PutText(want, "test-chain");
  for (int i = 1; i <= 8; ++i) want.push_back(static_cast<std::uint8_t>(i));          // height
  for (int i = 0x11; i <= 0x18; ++i) want.push_back(static_cast<std::uint8_t>(i));    // time_ms
  want.insert(want.end(), 32, 0xa1);                                                   // prev_block_hash
  want.insert(want.end(), 32, 0xa2);                                                   // txs_root
  for (int i = 0x21; i <= 0x28; ++i) want.push_back(static_cast<std::uint8_t>(i));    // log_size
  want.insert(want.end(), 32, 0xa3);                                                   // log_root
  want.insert(want.end(), 32, 0xa4);                                                   // state_root
  want.insert(want.end(), 32, 0xa5);                                                   // validators_hash
  want.insert(want.end(), 32, 0xa6);                                                   // next_validators_hash
  for (int i = 0x31; i <= 0x34; ++i) want.push_back(static_cast<std::uint8_t>(i));    // proposer_index
  REQUIRE(want.size() == 18 + 2 + 10 + 8 + 8 + 32 + 32 + 8 + 32 + 32 + 32 + 32 + 4);

  auto got = HeaderBytes(SampleHeader());
  REQUIRE(got.ok());
  REQUIRE(got->size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    if ((*got)[i] != want[i]) FAIL("header byte ", i, " is ", int((*got)[i]), ", expected ", int(want[i]));
  }
  auto hash = BlockHash(SampleHeader());
  REQUIRE(hash.ok());
  CHECK(*hash == crypto::Sha256(want));

  // Genesis: height 0 and 32 zero bytes of previous hash.
  auto genesis = SampleHeader();
  genesis.set_height(0);
  genesis.set_prev_block_hash(Raw(32, '\0'));
  auto g = HeaderBytes(genesis);
  REQUIRE(g.ok());
  CHECK(g->size() == want.size());

  // Every field is covered by the hash.
  const Hash256 base = *hash;
  auto changed = [&](void (*edit)(pb::BlockHeader&)) {
    auto h = SampleHeader();
    edit(h);
    auto x = BlockHash(h);
    REQUIRE(x.ok());
    return *x != base;
  };
  CHECK(changed([](pb::BlockHeader& h) { h.set_chain_id("test-chaim"); }));
  CHECK(changed([](pb::BlockHeader& h) { h.set_height(h.height() + 1); }));
  CHECK(changed([](pb::BlockHeader& h) { h.set_time_ms(h.time_ms() + 1); }));
  CHECK(changed([](pb::BlockHeader& h) { (*h.mutable_prev_block_hash())[31] ^= 1; }));
  CHECK(changed([](pb::BlockHeader& h) { (*h.mutable_txs_root())[0] ^= 1; }));
  CHECK(changed([](pb::BlockHeader& h) { h.set_log_size(h.log_size() ^ 1); }));
  CHECK(changed([](pb::BlockHeader& h) { (*h.mutable_log_root())[5] ^= 1; }));
  CHECK(changed([](pb::BlockHeader& h) { (*h.mutable_state_root())[5] ^= 1; }));
  CHECK(changed([](pb::BlockHeader& h) { (*h.mutable_next_validators_hash())[5] ^= 1; }));
  CHECK(changed([](pb::BlockHeader& h) { (*h.mutable_validators_hash())[5] ^= 1; }));
  CHECK(changed([](pb::BlockHeader& h) { h.set_proposer_index(h.proposer_index() ^ 1); }));
}

TEST_CASE("header bytes refuse hashes that are not 32 bytes and over-long chain ids") {
  using Edit = void (*)(pb::BlockHeader&, std::string);
  const Edit edits[] = {
      [](pb::BlockHeader& h, std::string v) { h.set_prev_block_hash(v); },
      [](pb::BlockHeader& h, std::string v) { h.set_txs_root(v); },
      [](pb::BlockHeader& h, std::string v) { h.set_log_root(v); },
      [](pb::BlockHeader& h, std::string v) { h.set_state_root(v); },
      [](pb::BlockHeader& h, std::string v) { h.set_next_validators_hash(v); },
      [](pb::BlockHeader& h, std::string v) { h.set_validators_hash(v); },
  };
  for (Edit e : edits) {
    for (std::size_t len : {0u, 31u, 33u}) {
      auto h = SampleHeader();
      e(h, Raw(len, 'x'));
      CHECK_FALSE(HeaderBytes(h).ok());
      CHECK_FALSE(BlockHash(h).ok());
    }
  }
  auto h = SampleHeader();
  h.set_chain_id(std::string(65535, 'c'));
  auto ok = HeaderBytes(h);
  REQUIRE(ok.ok());
  CHECK((*ok)[18] == 0xff);
  CHECK((*ok)[19] == 0xff);
  h.set_chain_id(std::string(65536, 'c'));
  CHECK_FALSE(HeaderBytes(h).ok());
}

TEST_CASE("vote sign bytes layout") {
  Hash256 bh;
  for (int i = 0; i < 32; ++i) bh[i] = static_cast<std::uint8_t>(0xc0 + i);
  for (VoteType type : {VoteType::kPrevote, VoteType::kPrecommit}) {
    Bytes want;
    PutText(want, "shanliu/vote/v1");
    want.push_back(0);
    want.push_back(0);
    want.push_back(12);
    PutText(want, "shanliu-test");
    want.push_back(type == VoteType::kPrevote ? 1 : 2);
    PutBE(want, 0x0a0b0c0d0e0f1011ULL, 8);
    PutBE(want, 0x21222324u, 4);
    want.insert(want.end(), bh.begin(), bh.end());
    REQUIRE(want.size() == 16 + 2 + 12 + 1 + 8 + 4 + 32);
    CHECK(VoteSignBytes("shanliu-test", type, 0x0a0b0c0d0e0f1011ULL, 0x21222324u, bh) == want);
  }
  // A nil vote signs 32 zero bytes.
  const Bytes nil = VoteSignBytes("c", VoteType::kPrevote, 1, 0, Hash256{});
  CHECK(Bytes(nil.end() - 32, nil.end()) == Bytes(32, 0));
}

TEST_CASE("validators hash layout") {
  std::vector<Validator> vs(3);
  for (std::size_t i = 0; i < vs.size(); ++i) {
    vs[i].public_key = Key(static_cast<std::uint8_t>(10 + i)).public_key;
    vs[i].voting_power = 0x0100000000000000ULL * (i + 1) + i;
    vs[i].org_id = std::string("bank-").append(std::to_string(i));
  }
  Bytes want;
  PutText(want, "shanliu/validators/v1");
  want.push_back(0);
  PutBE(want, 3, 4);
  for (const auto& v : vs) {
    want.insert(want.end(), v.public_key.begin(), v.public_key.end());
    PutBE(want, v.voting_power, 8);
  }
  CHECK(ValidatorsHash(vs) == crypto::Sha256(want));
  // Order, keys and powers matter; the org names are not part of the hash.
  auto renamed = vs;
  renamed[0].org_id = "other";
  CHECK(ValidatorsHash(renamed) == ValidatorsHash(vs));
  auto reordered = vs;
  std::swap(reordered[0], reordered[1]);
  CHECK(ValidatorsHash(reordered) != ValidatorsHash(vs));
  auto repowered = vs;
  repowered[2].voting_power += 1;
  CHECK(ValidatorsHash(repowered) != ValidatorsHash(vs));
  Bytes empty;
  PutText(empty, "shanliu/validators/v1");
  empty.push_back(0);
  PutBE(empty, 0, 4);
  CHECK(ValidatorsHash({}) == crypto::Sha256(empty));
}

// ------------------------------------------------------------------ commit certificates

struct Net {
  std::vector<crypto::KeyPair> keys;
  std::vector<Validator> validators;
  explicit Net(const std::vector<std::uint64_t>& powers) {
    for (std::size_t i = 0; i < powers.size(); ++i) {
      keys.push_back(Key(static_cast<std::uint8_t>(100 + i)));
      validators.push_back(
          {keys.back().public_key, powers[i], std::string("validator-").append(std::to_string(i))});
    }
  }
  std::string Sig(std::size_t i, VoteType type, std::uint64_t height, std::uint32_t round, const Hash256& bh,
                  std::string_view chain = kChain) const {
    const auto s = crypto::SignRaw(keys[i].secret_key, VoteSignBytes(chain, type, height, round, bh));
    return std::string(s.begin(), s.end());
  }
  pb::CommitCertificate Commit(const std::vector<std::size_t>& signers, std::uint64_t height, std::uint32_t round,
                               const Hash256& bh) const {
    pb::CommitCertificate c;
    c.set_height(height);
    c.set_round(round);
    c.set_block_hash(std::string(bh.begin(), bh.end()));
    for (std::size_t i : signers) {
      auto* s = c.add_signatures();
      s->set_validator_index(static_cast<std::uint32_t>(i));
      s->set_signature(Sig(i, VoteType::kPrecommit, height, round, bh));
    }
    return c;
  }
};

Hash256 BlockHashOf(std::uint8_t fill) {
  Hash256 h;
  h.fill(fill);
  return h;
}

TEST_CASE("commit certificates: more than 2/3 of the voting power is required") {
  const Hash256 bh = BlockHashOf(0x42);
  const Net equal({10, 10, 10, 10});
  auto verify = [&](const Net& net, const pb::CommitCertificate& c) {
    return VerifyCommitCertificate(c, kChain, 17, bh, net.validators);
  };
  CHECK(verify(equal, equal.Commit({0, 1, 2}, 17, 2, bh)).ok());
  CHECK(verify(equal, equal.Commit({3, 1, 0}, 17, 2, bh)).ok());  // any order
  CHECK(verify(equal, equal.Commit({0, 1, 2, 3}, 17, 0, bh)).ok());
  const Status two = verify(equal, equal.Commit({0, 1}, 17, 2, bh));
  CHECK_FALSE(two.ok());
  CHECK(two.code() == "bad_commit");
  CHECK_FALSE(verify(equal, equal.Commit({}, 17, 2, bh)).ok());

  // Weighted: exactly 2/3 is not enough.
  const Net weighted({4, 1, 1});
  CHECK_FALSE(verify(weighted, weighted.Commit({0}, 17, 0, bh)).ok());  // 4 of 6 = 2/3
  CHECK_FALSE(verify(weighted, weighted.Commit({1, 2}, 17, 0, bh)).ok());
  CHECK(verify(weighted, weighted.Commit({0, 2}, 17, 0, bh)).ok());     // 5 of 6
  const Net three({1, 1, 1});
  CHECK_FALSE(verify(three, three.Commit({0, 1}, 17, 0, bh)).ok());     // 2 of 3
  CHECK(verify(three, three.Commit({0, 1, 2}, 17, 0, bh)).ok());
  const Net single({7});
  CHECK(verify(single, single.Commit({0}, 17, 0, bh)).ok());
  // Zero total power can never commit.
  const Net zero({0, 0});
  CHECK_FALSE(verify(zero, zero.Commit({0, 1}, 17, 0, bh)).ok());
}

TEST_CASE("commit certificates: duplicates, unknown validators, bad or misdirected signatures") {
  const Hash256 bh = BlockHashOf(0x42);
  const Net net({10, 10, 10, 10});
  auto verify = [&](const pb::CommitCertificate& c, std::uint64_t height = 17, const Hash256* hash = nullptr,
                    std::string_view chain = kChain) {
    return VerifyCommitCertificate(c, chain, height, hash ? *hash : bh, net.validators);
  };
  const pb::CommitCertificate good = net.Commit({0, 1, 2}, 17, 1, bh);
  REQUIRE(verify(good).ok());

  {  // the same validator twice cannot make up the power
    auto c = net.Commit({0, 1}, 17, 1, bh);
    *c.add_signatures() = c.signatures(0);
    const Status s = verify(c);
    CHECK_FALSE(s.ok());
    CHECK(s.code() == "bad_commit");
  }
  {  // duplicate among an otherwise sufficient set
    auto c = good;
    *c.add_signatures() = c.signatures(1);
    CHECK_FALSE(verify(c).ok());
  }
  {  // unknown index
    auto c = good;
    c.mutable_signatures(2)->set_validator_index(4);
    CHECK_FALSE(verify(c).ok());
    c.mutable_signatures(2)->set_validator_index(UINT32_MAX);
    CHECK_FALSE(verify(c).ok());
  }
  {  // more signatures than validators
    auto c = net.Commit({0, 1, 2, 3}, 17, 1, bh);
    *c.add_signatures() = c.signatures(0);
    CHECK_FALSE(verify(c).ok());
  }
  {  // a signature attributed to the wrong validator
    auto c = good;
    c.mutable_signatures(0)->set_validator_index(3);
    CHECK_FALSE(verify(c).ok());
  }
  for (int bit = 0; bit < 512; bit += 7) {  // a corrupted signature
    auto c = good;
    std::string* sig = c.mutable_signatures(1)->mutable_signature();
    (*sig)[bit / 8] = static_cast<char>((*sig)[bit / 8] ^ (1 << (bit % 8)));
    CHECK_FALSE(verify(c).ok());
  }
  {  // signature lengths
    auto c = good;
    c.mutable_signatures(0)->mutable_signature()->pop_back();
    CHECK_FALSE(verify(c).ok());
    c = good;
    c.mutable_signatures(0)->mutable_signature()->push_back('x');
    CHECK_FALSE(verify(c).ok());
    c = good;
    c.mutable_signatures(0)->clear_signature();
    CHECK_FALSE(verify(c).ok());
  }
  // Wrong height: either the verifier's or the certificate's.
  CHECK_FALSE(verify(good, 18).ok());
  {
    auto c = good;
    c.set_height(18);
    CHECK_FALSE(verify(c, 18).ok());  // signatures are over height 17
  }
  // Wrong block hash: the verifier's, or the certificate's, or a malformed one.
  const Hash256 other = BlockHashOf(0x43);
  CHECK_FALSE(verify(good, 17, &other).ok());
  {
    auto c = good;
    c.set_block_hash(std::string(other.begin(), other.end()));
    CHECK_FALSE(verify(c).ok());
    CHECK_FALSE(verify(c, 17, &other).ok());  // signatures are over the first hash
    c.set_block_hash(std::string(31, '\x42'));
    CHECK_FALSE(verify(c).ok());
    c.set_block_hash(std::string(33, '\x42'));
    CHECK_FALSE(verify(c).ok());
  }
  // Wrong round in the certificate.
  {
    auto c = good;
    c.set_round(2);
    CHECK_FALSE(verify(c).ok());
  }
  // Wrong chain.
  CHECK_FALSE(verify(good, 17, nullptr, "shanliu-main").ok());
  // Prevote signatures presented as precommits.
  {
    auto c = good;
    for (int i = 0; i < c.signatures_size(); ++i) {
      c.mutable_signatures(i)->set_signature(
          net.Sig(c.signatures(i).validator_index(), VoteType::kPrevote, 17, 1, bh));
    }
    CHECK_FALSE(verify(c).ok());
  }
  // Precommits for another chain.
  {
    auto c = good;
    for (int i = 0; i < c.signatures_size(); ++i) {
      c.mutable_signatures(i)->set_signature(
          net.Sig(c.signatures(i).validator_index(), VoteType::kPrecommit, 17, 1, bh, "shanliu-main"));
    }
    CHECK_FALSE(verify(c).ok());
  }
}

TEST_CASE("commit certificates: voting power sums cannot overflow into a false supermajority") {
  const Hash256 bh = BlockHashOf(0x42);
  // 2^63 + 2^63 + 1 wraps to 1 in 64 bits: the third validator alone must not look like > 2/3.
  const Net net({std::uint64_t{1} << 63, std::uint64_t{1} << 63, 1});
  const Status s = VerifyCommitCertificate(net.Commit({2}, 17, 0, bh), kChain, 17, bh, net.validators);
  CHECK_FALSE(s.ok());
  const Net big({UINT64_MAX / 2, UINT64_MAX / 2, 1});
  CHECK_FALSE(VerifyCommitCertificate(big.Commit({2}, 17, 0, bh), kChain, 17, bh, big.validators).ok());
  // Large but non-overflowing powers still work.
  const Net large({UINT64_MAX / 4, UINT64_MAX / 4, UINT64_MAX / 4});
  CHECK(VerifyCommitCertificate(large.Commit({0, 1, 2}, 17, 0, bh), kChain, 17, bh, large.validators).ok());
  CHECK_FALSE(VerifyCommitCertificate(large.Commit({0, 1}, 17, 0, bh), kChain, 17, bh, large.validators).ok());
}

TEST_CASE("IsSupermajority, including values near 2^64") {
  CHECK_FALSE(IsSupermajority(0, 0));
  CHECK(IsSupermajority(1, 1));
  CHECK_FALSE(IsSupermajority(2, 3));
  CHECK(IsSupermajority(3, 4));
  CHECK_FALSE(IsSupermajority(4, 6));
  CHECK(IsSupermajority(5, 6));
  CHECK_FALSE(IsSupermajority(66, 100));
  CHECK_FALSE(IsSupermajority(0, 1));
  const std::uint64_t third = UINT64_MAX / 3;  // UINT64_MAX = 3 * third exactly
  REQUIRE(third * 3 == UINT64_MAX);
  CHECK_FALSE(IsSupermajority(2 * third, UINT64_MAX));
  CHECK(IsSupermajority(2 * third + 1, UINT64_MAX));
  CHECK(IsSupermajority(UINT64_MAX, UINT64_MAX));
  CHECK_FALSE(IsSupermajority(UINT64_MAX / 2, UINT64_MAX));
  CHECK(IsSupermajority(UINT64_MAX - 1, UINT64_MAX));
  CHECK_FALSE(IsSupermajority(third, UINT64_MAX));
}

// DESIGN 9: every free-text field of every payload refuses a person's number at admission (so in
// the mempool and in block validation alike), with `personal_data` and the field's name.
TEST_CASE("account banks: 0 to 4 distinct organisation ids, at registration and on update") {
  const auto with = [](pb::TxBody b, const std::vector<std::string>& banks) {
    for (const std::string& id : banks) {
      if (b.has_register_org()) b.mutable_register_org()->add_account_banks(id);
      if (b.has_update_org()) b.mutable_update_org()->mutable_account_banks()->add_bank_orgs(id);
    }
    return b;
  };
  for (auto kind : {pb::TxBody::kRegisterOrg, pb::TxBody::kUpdateOrg}) {
    CAPTURE(kind);
    EXPECT_OK(with(ValidBody(kind), {}));
    EXPECT_OK(with(ValidBody(kind), {"bank-1"}));
    EXPECT_OK(with(ValidBody(kind), {"bank-1", "bank-2", "bank-3", "bank-4"}));
    CHECK(Check(with(ValidBody(kind), {"bank-1", "bank-2", "bank-3", "bank-4", "bank-5"})).code() == "malformed");
    CHECK(Check(with(ValidBody(kind), {"bank-1", "bank-1"})).code() == "malformed");
    CHECK(Check(with(ValidBody(kind), {"Bank 1"})).code() == "malformed");
    CHECK(Check(with(ValidBody(kind), {""})).code() == "malformed");
  }
  // An update may set the list to none (present and empty), which differs from leaving it unset.
  pb::TxBody cleared = ValidBody(pb::TxBody::kUpdateOrg);
  cleared.mutable_update_org()->mutable_account_banks();
  EXPECT_OK(cleared);
}

// Every free-text field of every payload, with a setter (the personal data guard's and the
// control character rule's coverage).
struct Case {
  pb::TxBody::PayloadCase kind;
  std::string field;
  void (*set)(pb::TxBody&, const std::string&);
};

std::vector<Case> FreeTextCases() {
  using B = pb::TxBody;
  using S = const std::string&;
  return {
      {B::kRegisterOrg, "register_org.name_zh", [](B& b, S v) { b.mutable_register_org()->set_name_zh(v); }},
      {B::kRegisterOrg, "register_org.name_en", [](B& b, S v) { b.mutable_register_org()->set_name_en(v); }},
      {B::kUpdateOrg, "update_org.reason", [](B& b, S v) { b.mutable_update_org()->set_reason(v); }},
      {B::kOpenProject, "open_project.name_zh", [](B& b, S v) { b.mutable_open_project()->set_name_zh(v); }},
      {B::kOpenProject, "open_project.name_en", [](B& b, S v) { b.mutable_open_project()->set_name_en(v); }},
      {B::kOpenProject, "open_project.category", [](B& b, S v) { b.mutable_open_project()->set_category(v); }},
      {B::kOpenProject, "open_project.region", [](B& b, S v) { b.mutable_open_project()->set_region(v); }},
      {B::kOpenProject, "open_project.description", [](B& b, S v) { b.mutable_open_project()->set_description(v); }},
      {B::kCloseProject, "close_project.summary", [](B& b, S v) { b.mutable_close_project()->set_summary(v); }},
      {B::kUpdateProject, "update_project.description",
       [](B& b, S v) { b.mutable_update_project()->set_description(v); }},
      {B::kUpdateProject, "update_project.reason", [](B& b, S v) { b.mutable_update_project()->set_reason(v); }},
      {B::kDonation, "donation.donor_display_name", [](B& b, S v) { b.mutable_donation()->set_donor_display_name(v); }},
      {B::kDonation, "donation.memo", [](B& b, S v) { b.mutable_donation()->set_memo(v); }},
      {B::kTrustDeposit, "trust_deposit.settlor_display_name",
       [](B& b, S v) { b.mutable_trust_deposit()->set_settlor_display_name(v); }},
      {B::kTransfer, "transfer.purpose", [](B& b, S v) { b.mutable_transfer()->set_purpose(v); }},
      {B::kOpenTrust, "open_trust.name_zh", [](B& b, S v) { b.mutable_open_trust()->set_name_zh(v); }},
      {B::kOpenTrust, "open_trust.name_en", [](B& b, S v) { b.mutable_open_trust()->set_name_en(v); }},
      {B::kOpenTrust, "open_trust.purpose", [](B& b, S v) { b.mutable_open_trust()->set_purpose(v); }},
      {B::kTrustDisbursement, "trust_disbursement.purpose",
       [](B& b, S v) { b.mutable_trust_disbursement()->set_purpose(v); }},
      {B::kSpend, "spend.payee_name", [](B& b, S v) { b.mutable_spend()->set_payee_name(v); }},
      {B::kSpend, "spend.description", [](B& b, S v) { b.mutable_spend()->set_description(v); }},
      {B::kRefund, "refund.reason", [](B& b, S v) { b.mutable_refund()->set_reason(v); }},
      {B::kVolunteerService, "volunteer_service.activity",
       [](B& b, S v) { b.mutable_volunteer_service()->set_activity(v); }},
      {B::kRedeemPoints, "redeem_points.item", [](B& b, S v) { b.mutable_redeem_points()->set_item(v); }},
      {B::kDisclosure, "disclosure.title", [](B& b, S v) { b.mutable_disclosure()->set_title(v); }},
      {B::kDisclosure, "disclosure.period", [](B& b, S v) { b.mutable_disclosure()->set_period(v); }},
      {B::kDisclosure, "disclosure.url", [](B& b, S v) { b.mutable_disclosure()->set_url(v); }},
      {B::kCorrection, "correction.reason", [](B& b, S v) { b.mutable_correction()->set_reason(v); }},
      {B::kServiceExchange, "service_exchange.service",
       [](B& b, S v) { b.mutable_service_exchange()->set_service(v); }},
      {B::kGoodsDonation, "goods_donation.donor_display_name",
       [](B& b, S v) { b.mutable_goods_donation()->set_donor_display_name(v); }},
      {B::kGoodsDonation, "goods_donation.memo", [](B& b, S v) { b.mutable_goods_donation()->set_memo(v); }},
      {B::kGoodsTransfer, "goods_transfer.purpose", [](B& b, S v) { b.mutable_goods_transfer()->set_purpose(v); }},
      {B::kGoodsDistribution, "goods_distribution.place_name",
       [](B& b, S v) { b.mutable_goods_distribution()->set_place_name(v); }},
      {B::kGoodsDistribution, "goods_distribution.description",
       [](B& b, S v) { b.mutable_goods_distribution()->set_description(v); }},
      {B::kHonourName, "honour_name.display_name",
       [](B& b, S v) { b.mutable_honour_name()->set_display_name(v); }},
      {B::kCatalogueEntry, "catalogue_entry.name_zh", [](B& b, S v) { b.mutable_catalogue_entry()->set_name_zh(v); }},
      {B::kCatalogueEntry, "catalogue_entry.name_en", [](B& b, S v) { b.mutable_catalogue_entry()->set_name_en(v); }},
      {B::kRequestKeyRecovery, "request_key_recovery.reason",
       [](B& b, S v) { b.mutable_request_key_recovery()->set_reason(v); }},
      {B::kVetoKeyRecovery, "veto_key_recovery.reason", [](B& b, S v) { b.mutable_veto_key_recovery()->set_reason(v); }},
      {B::kRegisterStreet, "register_street.name_zh", [](B& b, S v) { b.mutable_register_street()->set_name_zh(v); }},
  };
}

TEST_CASE("personal data guard covers every free-text field") {
  const std::vector<Case> cases = FreeTextCases();
  const std::vector<std::string> leaks = {"联系 13812345678", "11010519491231002X", "卡 6222 0212 3456 7894",
                                          "１３８１２３４５６７８"};
  const std::vector<std::string> fine = {"联系 138123456789", "110105194912310021", "卡 6222 0212 3456 7895",
                                         "发票号码 12345678901234567894"};
  for (const Case& c : cases) {
    CAPTURE(c.field);
    for (const std::string& leak : leaks) {
      auto b = ValidBody(c.kind);
      c.set(b, leak);
      const Status st = Check(b);
      CHECK(st.code() == "personal_data");
      CHECK_MESSAGE(st.message().find(c.field + " contains") != std::string::npos, st.message());
    }
    for (const std::string& ok : fine) {
      auto b = ValidBody(c.kind);
      c.set(b, ok);
      EXPECT_OK(b);
    }
  }
  // Every string field of every payload is either in the table or a non-text identifier.
  const std::set<std::string> identifiers = {
      "register_org.org_id", "register_org.credit_code", "register_org.account_banks", "update_org.org_id", "rotate_key.org_id",
      "open_project.project_id", "open_project.owner_org", "close_project.project_id", "update_project.project_id",
      "donation.to_account",
      "donation.attesting_bank", "trust_deposit.trust_id", "transfer.from_account", "transfer.to_account",
      "open_trust.trust_id", "open_trust.trustee_org", "open_trust.custodian_bank", "open_trust.filing_number",
      "trust_disbursement.trust_id", "trust_disbursement.to_account", "spend.from_account",
      "volunteer_service.charity_org", "redeem_points.merchant_org", "disclosure.org_id", "disclosure.project_id",
      "service_exchange.provider_org", "goods_donation.to_account", "goods_donation.item_code",
      "goods_donation.unit", "goods_donation.lot_number", "goods_donation.notary_org", "goods_transfer.from_account",
      "goods_transfer.to_account", "goods_transfer.item_code", "goods_transfer.unit",
      "goods_distribution.from_account", "goods_distribution.item_code", "goods_distribution.unit",
      "goods_distribution.region", "redeem_points.catalogue_item", "catalogue_entry.federation_org",
      "catalogue_entry.merchant_org", "catalogue_entry.item_id", "request_key_recovery.org_id",
      "veto_key_recovery.org_id", "complete_key_recovery.org_id", "register_org.region", "update_org.region",
      "region_population.region", "register_street.code"};
  std::set<std::string> covered;
  for (const Case& c : cases) covered.insert(c.field);
  const auto* oneof = pb::TxBody::descriptor()->FindOneofByName("payload");
  for (int i = 0; i < oneof->field_count(); ++i) {
    const auto* payload = oneof->field(i)->message_type();
    for (int f = 0; f < payload->field_count(); ++f) {
      if (payload->field(f)->type() != google::protobuf::FieldDescriptor::TYPE_STRING) continue;
      const std::string name = oneof->field(i)->name() + "." + payload->field(f)->name();
      CHECK_MESSAGE((covered.count(name) + identifiers.count(name)) == 1, name);
    }
  }
}

// Issue 15: C0, DEL and C1 control characters in ledger text reached terminals through
// `shanliu trace`. Admission refuses them in every text field with `control_character`.
TEST_CASE("control characters are refused in every free-text field and printable text is not") {
  const std::vector<std::string> bad = {
      "\x1b[31mred\x1b[0m",            // ANSI escape
      std::string("nul\0byte", 8),      // U+0000
      "two\nlines", "tab\there", "cr\rhere", "\x01", "\x1f",  // C0 edges
      "del\x7f",                        // DEL
      "c1 \xc2\x80", "csi \xc2\x9b" "31m", "c1 end \xc2\x9f",  // C1 edges (U+0080, U+009B, U+009F)
  };
  const std::vector<std::string> fine = {
      "space and ~tilde",   // U+0020 and U+007E: the printable ASCII edges
      "nbsp\xc2\xa0here",   // U+00A0: the first code point after C1
      "\xc2\xa9 2026",       // U+00A9
      "张三的捐赠",           // CJK
      "\xe2\x80\x94 dash",    // U+2014
  };
  for (const Case& c : FreeTextCases()) {
    CAPTURE(c.field);
    for (const std::string& text : bad) {
      CAPTURE(text);
      auto b = ValidBody(c.kind);
      c.set(b, text);
      const Status st = Check(b);
      CHECK(st.code() == "control_character");
      CHECK_MESSAGE(st.message().find(c.field + " contains a control character") != std::string::npos, st.message());
    }
    for (const std::string& text : fine) {
      CAPTURE(text);
      auto b = ValidBody(c.kind);
      c.set(b, text);
      EXPECT_OK(b);
    }
  }
  // An identifier checked only for length (not free text) is covered too.
  auto trust = ValidBody(pb::TxBody::kOpenTrust);
  trust.mutable_open_trust()->set_filing_number("F-1\x1b");
  CHECK(Check(trust).code() == "control_character");
}

TEST_CASE("FindControlCharacter reports the first control byte and nothing for printable text") {
  CHECK_FALSE(FindControlCharacter("").has_value());
  CHECK_FALSE(FindControlCharacter("plain ~ text \xc2\xa0 张").has_value());
  CHECK(FindControlCharacter("ab\x1b").value() == 2);
  CHECK(FindControlCharacter("\x7f").value() == 0);
  CHECK(FindControlCharacter("x\xc2\x85y").value() == 1);  // NEL (U+0085)
  CHECK_FALSE(FindControlCharacter("\xc2").has_value());   // a lone lead byte is a UTF-8 matter, not C1
}

TEST_CASE("EscapeForTerminal escapes control characters and bad bytes and keeps printable text") {
  CHECK(EscapeForTerminal("善流 donor ~") == "善流 donor ~");
  CHECK(EscapeForTerminal("\x1b[2J") == "\\x1b[2J");
  CHECK(EscapeForTerminal("a\nb\tc\rd") == "a\\x0ab\\x09c\\x0dd");
  CHECK(EscapeForTerminal(std::string("\0", 1)) == "\\x00");
  CHECK(EscapeForTerminal("\x7f") == "\\x7f");
  CHECK(EscapeForTerminal("\xc2\x9b" "31m") == "\\u009b31m");
  CHECK(EscapeForTerminal("\xc2\xa0") == "\xc2\xa0");          // U+00A0 stays
  CHECK(EscapeForTerminal("bad \xff\xc0\xaf") == "bad \\xff\\xc0\\xaf");  // invalid and overlong bytes
  CHECK(EscapeForTerminal("\xed\xa0\x80") == "\\xed\\xa0\\x80");    // a UTF-16 surrogate is not UTF-8
  CHECK(EscapeForTerminal("\xe5\x96") == "\\xe5\\x96");            // a cut sequence
  CHECK(EscapeForTerminal("back\\slash") == "back\\\\slash");     // so every escape is ours
  // Whatever goes in, nothing below U+0020 or in C1 comes out.
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  const std::string out = EscapeForTerminal(all);
  CHECK_FALSE(FindControlCharacter(out).has_value());
  CHECK(IsValidUtf8(out));
}

TEST_CASE("IsValidUtf8 follows RFC 3629 at its boundaries") {
  CHECK(IsValidUtf8(""));
  CHECK(IsValidUtf8("\x7f"));
  CHECK(IsValidUtf8("\xc2\x80"));
  CHECK_FALSE(IsValidUtf8("\xc1\xbf"));          // overlong two-byte form
  CHECK(IsValidUtf8("\xe0\xa0\x80"));
  CHECK_FALSE(IsValidUtf8("\xe0\x9f\xbf"));      // overlong three-byte form
  CHECK(IsValidUtf8("\xed\x9f\xbf"));           // U+D7FF
  CHECK_FALSE(IsValidUtf8("\xed\xa0\x80"));      // U+D800, a surrogate
  CHECK(IsValidUtf8("\xf4\x8f\xbf\xbf"));       // U+10FFFF
  CHECK_FALSE(IsValidUtf8("\xf4\x90\x80\x80")); // above U+10FFFF
  CHECK_FALSE(IsValidUtf8("\xf0\x9f\x98"));      // cut short
  CHECK_FALSE(IsValidUtf8("\x80"));               // a continuation byte alone
}

// A donor name whose bytes are not UTF-8, spliced into a correctly signed envelope (protobuf
// would not serialise it), for the invalid_utf8 tests.
Bytes EnvelopeWithBadUtf8(const std::string& placeholder_field) {
  auto b = ValidBody(pb::TxBody::kDonation);
  const std::string marker = "QQQQ";
  if (placeholder_field == "donor_display_name") b.mutable_donation()->set_donor_display_name(marker);
  if (placeholder_field == "memo") b.mutable_donation()->set_memo(marker);
  std::string body = b.SerializeAsString();
  const auto at = body.find(marker);
  REQUIRE(at != std::string::npos);
  body.replace(at, marker.size(), "\xff\xfe\xc0\x80");  // same length: the framing stays valid
  pb::Tx tx;
  tx.set_body(body);
  const crypto::KeyPair kp = Key(1);
  const auto sig = crypto::Sign(kp.secret_key, kTxSignDomain, AsBytes(body));
  auto* s = tx.add_sigs();
  s->set_public_key(std::string(kp.public_key.begin(), kp.public_key.end()));
  s->set_sig(std::string(sig.begin(), sig.end()));
  return ToBytes(tx.SerializeAsString());
}

TEST_CASE("a string field that is not UTF-8 is invalid_utf8 naming the field, found without protobuf's parser") {
  QuietProtobuf quiet;  // DecodeTx's own parse still runs first and would log
  for (const std::string field : {"donor_display_name", "memo"}) {
    CAPTURE(field);
    const Bytes envelope = EnvelopeWithBadUtf8(field);
    const auto found = FindInvalidUtf8(envelope);
    REQUIRE(found.has_value());
    CHECK(*found == "shanliu.pb.Donation." + field);
    const auto decoded = DecodeTx(envelope, kChain);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.status().code() == "invalid_utf8");
    CHECK(decoded.status().message().find(field) != std::string::npos);
  }
  // Valid text, garbage, an empty envelope and a nesting bomb find nothing (and do not crash).
  CHECK_FALSE(FindInvalidUtf8(Sign1(ValidBody(pb::TxBody::kDonation))).has_value());
  CHECK_FALSE(FindInvalidUtf8(ToBytes(std::string("\xff\xff\xff"))).has_value());
  CHECK_FALSE(FindInvalidUtf8(Bytes{}).has_value());
  std::string nested = "x";
  for (int i = 0; i < 64; ++i) nested = std::string("\x0a") + static_cast<char>(nested.size()) + nested;
  CHECK_FALSE(FindInvalidUtf8(ToBytes(nested.substr(0, 100))).has_value());
  // Invalid UTF-8 in a Correction's embedded body is found too.
  auto correction = ValidBody(pb::TxBody::kCorrection);
  std::string inner = ValidBody(pb::TxBody::kDonation).SerializeAsString();
  const std::string chain(kChain);
  inner.replace(inner.find(chain), 4, "\xff\xff\xff\xff");
  correction.mutable_correction()->set_corrected_tx_body(inner);
  const auto in_correction = FindInvalidUtf8(Sign1(correction));
  REQUIRE(in_correction.has_value());
  CHECK(*in_correction == "shanliu.pb.TxBody.chain_id");
}

}  // namespace
}  // namespace shanliu::ledger
