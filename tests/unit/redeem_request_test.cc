// Redemption requests (issue 17 part 1, docs/data-format.md "Redemption request"): the QR-sized
// half-signed RedeemPoints a merchant's counter and a resident's wallet pass between them. Both
// orders of signing reach the ledger; malformed, foreign, re-bodied, over-signed and expired
// requests are typed errors; a half-signed, replayed or 1-point-too-large redemption is refused by
// the state machine with nothing written.
#include <doctest/doctest.h>

#include "test_chain.h"

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/redeem_request.h"
#include "shanliu/ledger/tx.h"

namespace shanliu {
namespace {

using ledger::CosignRedeemRequest;
using ledger::DecodeRedeemRequest;
using ledger::EncodeRedeemRequest;
using ledger::RedeemPayloadFromText;
using testing::ExpectRejected;
using testing::TestChain;
using testing::TestKey;

std::string KeyStr(const crypto::KeyPair& k) { return std::string(k.public_key.begin(), k.public_key.end()); }

struct Counter {
  Counter() {
    REQUIRE(c.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, charity).ok());
    REQUIRE(c.RegisterOrg("shop", pb::ORG_KIND_MERCHANT, merchant).ok());
    REQUIRE(c.OpenProject("meals", "sunshine", charity).ok());
    // ¥100 at the default 1 point per ¥10: the resident holds 10 points.
    REQUIRE(c.Commit(c.DonationTx("project:meals", 10'000, c.bank, "bank-1", &resident)).ok());
    REQUIRE(Balance() == 10);
  }

  // A request envelope as the merchant's CLI builds it: signed by `signer`, or unsigned.
  pb::Tx Request(std::uint64_t points, const crypto::KeyPair* signer, const std::string& item = "理发一次") {
    const Bytes signed_tx = c.MakeTx(
        [&](pb::TxBody& b) {
          auto* r = b.mutable_redeem_points();
          r->set_holder(KeyStr(resident));
          r->set_merchant_org("shop");
          r->set_points(points);
          r->set_item(item);
        },
        {signer != nullptr ? signer : &resident});
    pb::Tx tx;
    REQUIRE(tx.ParseFromArray(signed_tx.data(), static_cast<int>(signed_tx.size())));
    if (signer == nullptr) tx.clear_sigs();
    return tx;
  }
  std::string Payload(std::uint64_t points, const crypto::KeyPair* signer) {
    return EncodeRedeemRequest(Request(points, signer));
  }
  ledger::RedeemRequest Decode(const std::string& payload) {
    auto r = DecodeRedeemRequest(payload, c.genesis().chain_id, Now());
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    return *r;
  }
  Status DecodeStatus(const std::string& payload) {
    return DecodeRedeemRequest(payload, c.genesis().chain_id, Now()).status();
  }
  std::uint64_t Now() { return c.ledger().head().time_ms(); }
  std::uint64_t Balance() { return c.ledger().Read()->Points(AsBytes(KeyStr(resident))).value_or(pb::PointsRecord()).balance(); }
  static Bytes Envelope(const pb::Tx& tx) { return ToBytes(tx.SerializeAsString()); }

  TestChain c;
  crypto::KeyPair charity = TestKey("sunshine"), merchant = TestKey("shop"), resident = TestKey("resident");
};

// The same request as sdk/test/redeem.test.mjs decodes: the phone wallet (TypeScript) and
// the merchant's CLI (C++) agree on every byte.
constexpr char kVector[] =
    "Cl4KDnNoYW5saXUtdmVjdG9yEMwIGAcggNDqtrczKMCfj7e3M7oBOAognU7CqNsp3LtJ-wvGgl961yicQDPXKK6nUJsf5gs2eUoSBHNob3AYBCIM55CG5Y-R5LiA5qyhEmQKILlq7GdgSYJgyQ0ohCJBVoUTzV1pTW0AV3Oa3e8fY1BlEkCJgpe89BDlPQx04b-QwLfSb3TZOY6qlxCHqmNKeCMgNixzVQfXBA5xEq9zaParS2nHw3KBQ9d3juFaaHNBCjgG";

TEST_CASE("the shared vector: a merchant-signed request both sides encode alike") {
  pb::TxBody body;
  body.set_chain_id("shanliu-vector");
  body.set_expires_at_height(1100);
  body.set_nonce(7);
  body.set_created_at_ms(1'767'225'600'000);
  body.set_expires_at_ms(1'767'226'200'000);
  auto* r = body.mutable_redeem_points();
  r->set_holder(KeyStr(TestKey("resident")));
  r->set_merchant_org("shop");
  r->set_points(4);
  r->set_item("理发一次");
  ledger::RedeemRequest unsigned_request;
  unsigned_request.body_bytes = body.SerializeAsString();
  unsigned_request.body = body;
  auto merchant_signed = CosignRedeemRequest(unsigned_request, TestKey("shop"));
  REQUIRE(merchant_signed.ok());
  CHECK(EncodeRedeemRequest(*merchant_signed) == kVector);
  auto decoded = DecodeRedeemRequest(kVector, "shanliu-vector", 1'767'226'200'000);
  REQUIRE(decoded.ok());
  CHECK(*decoded->signer == TestKey("shop").public_key);
}

TEST_CASE("merchant signs first, the holder's wallet co-signs and the redemption commits") {
  Counter k;
  const std::string payload = k.Payload(4, &k.merchant);
  // QR-sized: well under the limit a phone reads at arm's length.
  CHECK(payload.size() < 400);
  const ledger::RedeemRequest request = k.Decode(payload);
  REQUIRE(request.signer.has_value());
  CHECK(*request.signer == k.merchant.public_key);
  CHECK_FALSE(request.SignedByHolder());
  CHECK(request.redeem().points() == 4);
  CHECK(request.redeem().item() == "理发一次");
  CHECK(request.holder == k.resident.public_key);
  auto tx = CosignRedeemRequest(request, k.resident);
  REQUIRE(tx.ok());
  CHECK(tx->sigs_size() == 2);
  CHECK(k.c.Commit(Counter::Envelope(*tx)).ok());
  CHECK(k.Balance() == 6);
}

TEST_CASE("holder signs first, the merchant completes the request it gets back") {
  Counter k;
  const ledger::RedeemRequest asked = k.Decode(k.Payload(10, nullptr));
  CHECK_FALSE(asked.signer.has_value());
  auto holder_signed = CosignRedeemRequest(asked, k.resident);
  REQUIRE(holder_signed.ok());
  // The wallet shows this as its QR code; the merchant scans it back.
  const ledger::RedeemRequest back = k.Decode(EncodeRedeemRequest(*holder_signed));
  CHECK(back.SignedByHolder());
  CHECK(back.body_bytes == asked.body_bytes);
  auto full = CosignRedeemRequest(back, k.merchant);
  REQUIRE(full.ok());
  // The boundary that passes: the whole balance.
  CHECK(k.c.Commit(Counter::Envelope(*full)).ok());
  CHECK(k.Balance() == 0);
  // The same request completed again is the same tx id: a replay, refused.
  ExpectRejected(k.c, Counter::Envelope(*full), "duplicate");
}

TEST_CASE("a redemption with only one of the two signatures is refused by the node") {
  Counter k;
  const Bytes holder_only = Counter::Envelope(k.Request(3, &k.resident));
  const Bytes merchant_only = Counter::Envelope(k.Request(3, &k.merchant));
  ExpectRejected(k.c, holder_only, "wrong_signer");
  ExpectRejected(k.c, merchant_only, "wrong_signer");
  // An unsigned request is not a transaction at all.
  const Bytes unsigned_tx = Counter::Envelope(k.Request(3, nullptr));
  CHECK(ledger::DecodeTx(unsigned_tx, k.c.genesis().chain_id).status().code() == "missing_signature");
  // Co-signing with the key that already signed adds nothing.
  CHECK(CosignRedeemRequest(k.Decode(k.Payload(3, &k.merchant)), k.merchant).status().code() == "duplicate_signature");
  CHECK(k.Balance() == 10);
}

TEST_CASE("over the balance by one point is refused, nothing written") {
  Counter k;
  auto tx = CosignRedeemRequest(k.Decode(k.Payload(11, &k.merchant)), k.resident);
  REQUIRE(tx.ok());
  ExpectRejected(k.c, Counter::Envelope(*tx), "insufficient_points");
  CHECK(k.Balance() == 10);
}

TEST_CASE("a request expires at its body's expires_at_ms, not a millisecond later") {
  Counter k;
  const std::string payload = k.Payload(2, &k.merchant);
  const std::uint64_t expires = k.Decode(payload).body.expires_at_ms();
  const std::string chain = k.c.genesis().chain_id;
  CHECK(DecodeRedeemRequest(payload, chain, expires).ok());
  CHECK(DecodeRedeemRequest(payload, chain, expires + 1).status().code() == "expired");
}

TEST_CASE("a signature over a different body is refused") {
  Counter k;
  pb::Tx tx = k.Request(2, &k.merchant);
  pb::TxBody body;
  REQUIRE(body.ParseFromString(tx.body()));
  body.mutable_redeem_points()->set_points(9);  // the merchant signed 2
  tx.set_body(body.SerializeAsString());
  CHECK(k.DecodeStatus(EncodeRedeemRequest(tx)).code() == "bad_signature");
  // The same with the holder's key swapped in the request body: the merchant never signed it.
  pb::Tx other = k.Request(2, &k.merchant);
  REQUIRE(body.ParseFromString(other.body()));
  body.mutable_redeem_points()->set_holder(KeyStr(k.charity));
  other.set_body(body.SerializeAsString());
  CHECK(k.DecodeStatus(EncodeRedeemRequest(other)).code() == "bad_signature");
}

TEST_CASE("malformed and hostile requests are typed errors") {
  Counter k;
  const std::string good = k.Payload(2, &k.merchant);
  CHECK(k.DecodeStatus(good).ok());
  CHECK(k.DecodeStatus("").code() == "malformed");
  CHECK(k.DecodeStatus(good + "=").code() == "malformed");             // padding
  CHECK(k.DecodeStatus(good.substr(0, good.size() - 1) + "+").code() == "malformed");  // standard base64
  CHECK(k.DecodeStatus(good.substr(0, 40)).code() == "malformed");     // truncated
  CHECK(k.DecodeStatus(" " + good).code() == "malformed");
  CHECK(k.DecodeStatus(std::string(ledger::kMaxRedeemRequestChars + 1, 'A')).code() == "malformed");
  CHECK(k.DecodeStatus(crypto::ToBase64Url(AsBytes("not a protobuf at all"))).code() == "malformed");
  // A Tx envelope repeating its body field: not canonical, so two parsers could disagree.
  pb::Tx tx = k.Request(2, &k.merchant);
  const std::string twice = tx.SerializeAsString() + pb::Tx().SerializeAsString() +
                            std::string("\x0a\x00", 2);
  CHECK(k.DecodeStatus(crypto::ToBase64Url(AsBytes(twice))).code() == "malformed");
  // A signature entry of the wrong size.
  pb::Tx short_sig = k.Request(2, &k.merchant);
  short_sig.mutable_sigs(0)->mutable_sig()->pop_back();
  CHECK(k.DecodeStatus(EncodeRedeemRequest(short_sig)).code() == "malformed");
  // Two signatures: that is a finished transaction, not a request.
  pb::Tx two = k.Request(2, &k.merchant);
  *two.add_sigs() = k.Request(2, &k.resident).sigs(0);
  CHECK(k.DecodeStatus(crypto::ToBase64Url(AsBytes(two.SerializeAsString()))).code() == "too_many_signatures");
  // Another kind of transaction carried as a request.
  const Bytes gift = k.c.DonationTx("project:meals", 100, k.c.bank, "bank-1");
  CHECK(k.DecodeStatus(crypto::ToBase64Url(gift)).code() == "wrong_kind");
  // A request for another chain.
  CHECK(DecodeRedeemRequest(good, "another-chain", k.Now()).status().code() == "wrong_chain");
  // A redemption of zero points fails the payload rules (DecodeTxBody).
  CHECK(k.DecodeStatus(k.Payload(0, &k.merchant)).code() == "malformed");
}

TEST_CASE("the payload is found in a bare string or in a wallet link") {
  CHECK(*RedeemPayloadFromText("abc_-09") == "abc_-09");
  CHECK(*RedeemPayloadFromText("  abc\n") == "abc");
  CHECK(*RedeemPayloadFromText("http://127.0.0.1:8080/points/approve#r=abc") == "abc");
  CHECK(*RedeemPayloadFromText("https://x.example/points/approve#lang=zh&r=abc") == "abc");
  CHECK(*RedeemPayloadFromText("https://x.example/points/approve?r=abc&x=1") == "abc");
  CHECK(*RedeemPayloadFromText("https://x.example/points/approve?rr=1#r=abc") == "abc");
  CHECK(RedeemPayloadFromText("https://x.example/points/approve?x=1").status().code() == "malformed");
  CHECK(RedeemPayloadFromText("https://x.example/points/approve#r").status().code() == "malformed");
  CHECK(RedeemPayloadFromText("").status().code() == "malformed");
  CHECK(RedeemPayloadFromText(std::string(5000, 'a')).status().code() == "malformed");
}

TEST_CASE("base64url has one encoding per byte string") {
  const Bytes data = {0xfb, 0xff, 0x00, 0x7e};
  CHECK(crypto::ToBase64Url(data) == "-_8Afg");
  CHECK(*crypto::FromBase64Url("-_8Afg") == data);
  CHECK(crypto::FromBase64Url("-_8Afg==").status().code() == "malformed");
  CHECK(crypto::FromBase64Url("-_8Afh").status().code() == "malformed");  // non-zero trailing bits
  CHECK(crypto::FromBase64Url("+/8Afg").status().code() == "malformed");
  CHECK(crypto::FromBase64Url("-_8Af").status().code() == "malformed");   // impossible length
  CHECK(crypto::FromBase64Url("").value().empty());
}

}  // namespace
}  // namespace shanliu
