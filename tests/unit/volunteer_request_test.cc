// Volunteer confirmation requests (issue 17 part 5, docs/data-format.md "Volunteer confirmation
// request"): a half-signed VolunteerService in the redemption request's envelope. Both orders of
// signing reach the ledger; the wrong kind either way, a changed body, a second signature and
// expiry are typed errors; the charity's or the volunteer's signature alone writes nothing.
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
using testing::ExpectRejected;
using testing::TestChain;
using testing::TestKey;

std::string KeyStr(const crypto::KeyPair& k) { return std::string(k.public_key.begin(), k.public_key.end()); }
constexpr auto kVolunteer = pb::TxBody::kVolunteerService;

struct Desk {
  Desk() { REQUIRE(c.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, charity).ok()); }

  // The request as `shanliu volunteer request` builds it: signed by `signer`, or unsigned.
  pb::Tx Request(std::uint32_t minutes, const crypto::KeyPair* signer) {
    const std::uint64_t at = c.ledger().head().time_ms();
    const Bytes signed_tx = c.MakeTx(
        [&](pb::TxBody& b) {
          auto* v = b.mutable_volunteer_service();
          v->set_charity_org("sunshine");
          v->set_holder(KeyStr(volunteer));
          v->set_minutes(minutes);
          v->set_activity("助老送餐");
          v->set_occurred_at_ms(at);
        },
        {signer != nullptr ? signer : &volunteer});
    pb::Tx tx;
    REQUIRE(tx.ParseFromArray(signed_tx.data(), static_cast<int>(signed_tx.size())));
    if (signer == nullptr) tx.clear_sigs();
    return tx;
  }
  Result<ledger::RedeemRequest> Decode(const std::string& payload, std::uint64_t now_ms = 0) {
    return DecodeRedeemRequest(payload, c.genesis().chain_id, now_ms == 0 ? Now() : now_ms, kVolunteer);
  }
  std::uint64_t Now() { return c.ledger().head().time_ms(); }
  std::uint64_t Minutes() {
    return c.ledger().Read()->Points(AsBytes(KeyStr(volunteer))).value_or(pb::PointsRecord()).minutes_earned();
  }
  static Bytes Envelope(const pb::Tx& tx) { return ToBytes(tx.SerializeAsString()); }

  TestChain c;
  crypto::KeyPair charity = TestKey("sunshine"), volunteer = TestKey("volunteer"), stranger = TestKey("stranger");
};

TEST_CASE("charity signs first: the volunteer's signature completes a service record") {
  Desk d;
  auto request = d.Decode(EncodeRedeemRequest(d.Request(90, &d.charity)));
  REQUIRE_MESSAGE(request.ok(), request.status().ToString());
  CHECK(request->holder == d.volunteer.public_key);
  CHECK_FALSE(request->SignedByHolder());
  CHECK(request->volunteer().minutes() == 90);
  // The charity's signature alone is a half-signed record: refused, nothing written.
  ExpectRejected(d.c, Desk::Envelope(d.Request(90, &d.charity)), "wrong_signer");
  auto tx = CosignRedeemRequest(*request, d.volunteer);
  REQUIRE(tx.ok());
  REQUIRE(d.c.Commit(Desk::Envelope(*tx)).ok());
  CHECK(d.Minutes() == 90);
}

TEST_CASE("volunteer signs first: the charity's co-signature completes it") {
  Desk d;
  auto unsigned_request = d.Decode(EncodeRedeemRequest(d.Request(60, nullptr)));
  REQUIRE(unsigned_request.ok());
  CHECK_FALSE(unsigned_request->signer.has_value());
  auto by_volunteer = CosignRedeemRequest(*unsigned_request, d.volunteer);
  REQUIRE(by_volunteer.ok());
  // The volunteer's signature alone is refused too.
  ExpectRejected(d.c, Desk::Envelope(*by_volunteer), "wrong_signer");
  auto back = d.Decode(EncodeRedeemRequest(*by_volunteer));
  REQUIRE(back.ok());
  CHECK(back->SignedByHolder());
  auto done = CosignRedeemRequest(*back, d.charity);
  REQUIRE(done.ok());
  CHECK(CosignRedeemRequest(*back, d.volunteer).status().code() == "duplicate_signature");
  REQUIRE(d.c.Commit(Desk::Envelope(*done)).ok());
  CHECK(d.Minutes() == 60);
  ExpectRejected(d.c, Desk::Envelope(*done), "duplicate");  // completing it again is a replay
}

TEST_CASE("a redemption is not a service record and a service record is not a redemption") {
  Desk d;
  const std::string service = EncodeRedeemRequest(d.Request(30, &d.charity));
  CHECK(DecodeRedeemRequest(service, d.c.genesis().chain_id, d.Now()).status().code() == "wrong_kind");
  const Bytes redeem = d.c.MakeTx(
      [&](pb::TxBody& b) {
        auto* r = b.mutable_redeem_points();
        r->set_holder(KeyStr(d.volunteer));
        r->set_merchant_org("sunshine");
        r->set_points(1);
        r->set_item("理发一次");
      },
      {&d.charity});
  pb::Tx tx;
  REQUIRE(tx.ParseFromArray(redeem.data(), static_cast<int>(redeem.size())));
  CHECK(d.Decode(EncodeRedeemRequest(tx)).status().code() == "wrong_kind");
}

TEST_CASE("a changed, over-signed, foreign-chain or expired service request is refused") {
  Desk d;
  pb::Tx tx = d.Request(120, &d.charity);
  pb::TxBody body;
  REQUIRE(body.ParseFromString(tx.body()));
  body.mutable_volunteer_service()->set_minutes(720);  // the charity signed 120 minutes, not 720
  pb::Tx changed = tx;
  changed.set_body(body.SerializeAsString());
  CHECK(d.Decode(EncodeRedeemRequest(changed)).status().code() == "bad_signature");
  pb::Tx two = tx;
  *two.add_sigs() = tx.sigs(0);
  two.mutable_sigs(1)->set_public_key(KeyStr(d.stranger));
  CHECK(d.Decode(crypto::ToBase64Url(AsBytes(two.SerializeAsString()))).status().code() == "too_many_signatures");
  CHECK(DecodeRedeemRequest(EncodeRedeemRequest(tx), "other-chain", d.Now(), kVolunteer).status().code() ==
        "wrong_chain");
  pb::TxBody signed_body;
  REQUIRE(signed_body.ParseFromString(tx.body()));
  CHECK(d.Decode(EncodeRedeemRequest(tx), signed_body.expires_at_ms()).ok());  // the last valid instant
  CHECK(d.Decode(EncodeRedeemRequest(tx), signed_body.expires_at_ms() + 1).status().code() == "expired");
  CHECK(d.Decode("").status().code() == "malformed");
  CHECK(d.Decode("not*base64").status().code() == "malformed");
}

}  // namespace
}  // namespace shanliu
