// Issue 17 part 2, charity points integrity (docs/rules.md): the volunteer co-signs service
// records, organisations' keys earn nothing, service dates stay in the genesis window before the
// block, a daily cap per holder, and a refund takes back the points of the money it returned
// (a shortfall, never a negative balance, settled from later points). Each refusal writes nothing.
#include <doctest/doctest.h>

#include "test_chain.h"

#include "shanliu/ledger/tx.h"
#include "shanliu/pb/shanliu.pb.h"

namespace shanliu {
namespace {

using testing::ExpectRejected;
using testing::TestChain;
using testing::TestKey;

constexpr std::uint64_t kDayMs = 86'400'000;

std::string KeyStr(const crypto::KeyPair& k) { return std::string(k.public_key.begin(), k.public_key.end()); }

struct Residents {
  Residents() {
    REQUIRE(c.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, charity).ok());
    REQUIRE(c.RegisterOrg("shop", pb::ORG_KIND_MERCHANT, merchant).ok());
    REQUIRE(c.OpenProject("meals", "sunshine", charity).ok());
  }

  // The time of the next block CommitBlock / ExpectRejected make.
  std::uint64_t NextBlockMs() { return c.ledger().head().time_ms() + 1000; }

  Bytes Volunteer(const std::string& holder, std::uint32_t minutes, std::uint64_t occurred_at_ms,
                  std::vector<const crypto::KeyPair*> signers) {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          auto* v = b.mutable_volunteer_service();
          v->set_charity_org("sunshine");
          v->set_holder(holder);
          v->set_minutes(minutes);
          v->set_activity("助老送餐");
          v->set_occurred_at_ms(occurred_at_ms);
        },
        signers);
  }
  Bytes Volunteer(std::uint32_t minutes, std::uint64_t occurred_at_ms) {
    return Volunteer(KeyStr(resident), minutes, occurred_at_ms, {&charity, &resident});
  }
  Bytes Redeem(std::uint64_t points) {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          auto* r = b.mutable_redeem_points();
          r->set_holder(KeyStr(resident));
          r->set_merchant_org("shop");
          r->set_points(points);
          r->set_item("理发一次");
        },
        {&resident, &merchant});
  }
  Bytes Refund(const Bytes& gift) {
    const Hash256 id = c.Decode(gift).id;
    return c.MakeTx(
        [&](pb::TxBody& b) {
          b.mutable_refund()->set_donation_tx_id(std::string(id.begin(), id.end()));
          b.mutable_refund()->set_reason("捐赠人申请退回");
        },
        {&charity});
  }
  // ¥100 to the project with the resident as points holder: 10 points at 1 per ¥10.
  Bytes Gift(std::int64_t amount_fen = 10'000) {
    return c.DonationTx("project:meals", amount_fen, c.bank, "bank-1", &resident);
  }
  pb::PointsRecord Points() { return c.ledger().Read()->Points(AsBytes(KeyStr(resident))).value_or(pb::PointsRecord()); }
  pb::GiftRecord GiftRecord(const Bytes& gift) { return *c.ledger().Read()->Gift(c.Decode(gift).id); }

  TestChain c;
  crypto::KeyPair charity = TestKey("sunshine"), merchant = TestKey("shop"), resident = TestKey("resident");
};

TEST_CASE("volunteer service needs the volunteer's own signature beside the charity's") {
  Residents r;
  const std::uint64_t now = r.NextBlockMs();
  ExpectRejected(r.c, r.Volunteer(KeyStr(r.resident), 60, now, {&r.charity}), "wrong_signer");
  ExpectRejected(r.c, r.Volunteer(KeyStr(r.resident), 60, now, {&r.resident}), "wrong_signer");
  CHECK(r.Points().balance() == 0);
  REQUIRE(r.c.Commit(r.Volunteer(60, now)).ok());
  CHECK(r.Points().balance() == 10);  // 60 minutes at 10 points per hour
  CHECK(r.Points().earned() == 10);
}

TEST_CASE("an organisation's key earns no points, its own or another organisation's") {
  Residents r;
  const std::uint64_t now = r.NextBlockMs();
  ExpectRejected(r.c, r.Volunteer(KeyStr(r.charity), 60, now, {&r.charity}), "holder_is_org");
  ExpectRejected(r.c, r.Volunteer(KeyStr(r.c.bank), 60, now, {&r.charity, &r.c.bank}), "holder_is_org");
  ExpectRejected(r.c, r.Volunteer(KeyStr(r.merchant), 60, now, {&r.charity, &r.merchant}), "holder_is_org");
}

TEST_CASE("service is dated no later than its block and no earlier than the genesis window") {
  Residents r;
  const std::uint64_t now = r.NextBlockMs();
  const std::uint64_t window = r.c.genesis().params.volunteer_max_age_ms;
  REQUIRE(window == 90 * kDayMs);
  ExpectRejected(r.c, r.Volunteer(30, now + 1), "service_in_future");
  ExpectRejected(r.c, r.Volunteer(30, now + 365 * kDayMs), "service_in_future");
  REQUIRE(r.c.Commit(r.Volunteer(30, now)).ok());  // the block's own time: allowed
  const std::uint64_t next = r.NextBlockMs();
  ExpectRejected(r.c, r.Volunteer(30, next - window - 1), "service_too_old");
  ExpectRejected(r.c, r.Volunteer(30, 0), "service_too_old");  // "never set" is not a date
  REQUIRE(r.c.Commit(r.Volunteer(30, next - window)).ok());  // exactly the window: allowed
  CHECK(r.Points().balance() == 10);
}

TEST_CASE("one holder is credited at most the daily cap of minutes per China Standard Time day") {
  Residents r;
  const std::uint32_t cap = r.c.genesis().params.volunteer_max_minutes_per_day;
  REQUIRE(cap == 720);
  // Noon in Beijing, 10 days before the block: one calendar day, whatever the UTC date says.
  const std::uint64_t now = r.NextBlockMs();
  const std::uint64_t beijing_day = (now - 10 * kDayMs + 8 * 3'600'000) / kDayMs;
  const std::uint64_t day_start_ms = beijing_day * kDayMs - 8 * 3'600'000;  // 00:00 in Beijing
  // (6 minutes is the shortest stint that earns a point at 10 points per hour.)
  REQUIRE(r.c.Commit(r.Volunteer(600, day_start_ms)).ok());
  REQUIRE(r.c.Commit(r.Volunteer(114, day_start_ms + 12 * 3'600'000)).ok());  // 714 that day
  ExpectRejected(r.c, r.Volunteer(12, day_start_ms + kDayMs - 1), "over_daily_cap");  // 23:59:59.999, 726
  REQUIRE(r.c.Commit(r.Volunteer(6, day_start_ms + 20 * 3'600'000)).ok());  // exactly the cap
  ExpectRejected(r.c, r.Volunteer(30, day_start_ms + 1), "over_daily_cap");
  // The next day in Beijing (16:00 UTC of the same UTC date) starts a new count.
  REQUIRE(r.c.Commit(r.Volunteer(720, day_start_ms + kDayMs)).ok());
  // Another volunteer's day is their own.
  const crypto::KeyPair other = TestKey("other resident");
  REQUIRE(r.c.Commit(r.Volunteer(KeyStr(other), 720, day_start_ms, {&r.charity, &other})).ok());
  // Two records in one block count together: the second (708 + 18 > 720) is left out.
  const std::uint64_t later = day_start_ms + 2 * kDayMs;
  const auto statuses = r.c.CommitBlock({r.Volunteer(708, later), r.Volunteer(18, later + 1)});
  CHECK(statuses[0].ok());
  CHECK(statuses[1].code() == "over_daily_cap");
}

TEST_CASE("a refund takes back the points of the money it returned") {
  Residents r;
  const Bytes gift = r.Gift();
  REQUIRE(r.c.Commit(gift).ok());
  CHECK(r.Points().balance() == 10);
  REQUIRE(r.c.Commit(r.Refund(gift)).ok());
  CHECK(r.Points().balance() == 0);
  CHECK(r.Points().earned() == 10);  // earned stays: it is the history
  CHECK(r.Points().revoked() == 10);
  CHECK(r.Points().shortfall() == 0);
  CHECK(r.GiftRecord(gift).points_revoked() == 10);
}

TEST_CASE("a refund after part was spent keeps the points of what the gift finally gave") {
  Residents r;
  const Bytes gift = r.Gift();  // ¥100, 10 points
  REQUIRE(r.c.Commit(gift).ok());
  REQUIRE(r.c.Commit(r.c.SpendTx("project:meals", 3'550, r.charity)).ok());  // ¥35.50 of it spent
  REQUIRE(r.c.Commit(r.Refund(gift)).ok());
  // ¥64.50 returned: ¥35.50 given keeps ⌊35.5 / 10⌋ = 3 points, 7 are taken back.
  CHECK(r.GiftRecord(gift).refunded_fen() == 6'450);
  CHECK(r.GiftRecord(gift).points_revoked() == 7);
  CHECK(r.Points().balance() == 3);
}

TEST_CASE("points already redeemed become a shortfall, settled from points earned later") {
  Residents r;
  const Bytes gift = r.Gift();
  REQUIRE(r.c.Commit(gift).ok());
  REQUIRE(r.c.Commit(r.Redeem(8)).ok());
  CHECK(r.Points().balance() == 2);
  REQUIRE(r.c.Commit(r.Refund(gift)).ok());
  CHECK(r.Points().balance() == 0);  // never negative
  CHECK(r.Points().shortfall() == 8);
  ExpectRejected(r.c, r.Redeem(1), "insufficient_points");
  REQUIRE(r.c.Commit(r.Gift(5'000)).ok());  // 5 points earned: all settle the shortfall
  CHECK(r.Points().balance() == 0);
  CHECK(r.Points().shortfall() == 3);
  REQUIRE(r.c.Commit(r.Volunteer(60, r.NextBlockMs())).ok());  // 10 more: 3 settle, 7 to spend
  CHECK(r.Points().balance() == 7);
  CHECK(r.Points().shortfall() == 0);
  CHECK(r.Points().earned() == 25);
  CHECK(r.Points().revoked() == 10);
  CHECK(r.Points().redeemed() == 8);
  // The books of the holder add up: earned − revoked − redeemed = balance − shortfall.
  CHECK(r.Points().earned() - r.Points().revoked() - r.Points().redeemed() == r.Points().balance() - r.Points().shortfall());
}

}  // namespace
}  // namespace shanliu
