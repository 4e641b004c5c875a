// Points expiry (docs/rules.md "Points expiry"): with genesis points_expiry_years = N, points
// earned at block time T are spendable up to T + N x 365 days - 1 ms and gone at T + N x 365 days;
// the oldest points are spent first; MovePoints carries the earning dates; a spend over the
// unexpired balance is insufficient_points and writes nothing; N = 0 (the default) never expires.
#include <doctest/doctest.h>

#include "test_chain.h"

#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/points_expiry.h"
#include "shanliu/ledger/tx.h"
#include "shanliu/pb/shanliu.pb.h"

namespace shanliu {
namespace {

using testing::TestChain;
using testing::TestKey;

constexpr std::uint64_t kDayMs = 86'400'000;
constexpr std::uint64_t kYearMs = ledger::kPointsExpiryYearMs;

std::string KeyStr(const crypto::KeyPair& k) { return std::string(k.public_key.begin(), k.public_key.end()); }

struct Expiring {
  explicit Expiring(std::uint32_t years = 1)
      : c([years](ledger::Genesis& g) { g.params.points_expiry_years = years; }) {
    REQUIRE(c.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, charity).ok());
    REQUIRE(c.RegisterOrg("shop", pb::ORG_KIND_MERCHANT, merchant).ok());
    t1 = c.genesis().genesis_time_ms + 10 * kDayMs;
  }

  // One block at `time_ms` of the txs `make` signs for that time; the status of each.
  std::vector<Status> At(std::uint64_t time_ms, const std::function<std::vector<Bytes>()>& make) {
    c.signing_time_ms = time_ms;
    return c.CommitBlock(make(), time_ms);
  }
  // ¥10 a point: `points` points for `holder`, earned in a block at `time_ms`.
  void Earn(std::uint64_t time_ms, std::uint64_t points, const crypto::KeyPair& holder) {
    const auto st = At(time_ms, [&] {
      return std::vector<Bytes>{c.DonationTx("org:sunshine", static_cast<std::int64_t>(points) * 1000, c.bank, "bank-1", &holder)};
    });
    REQUIRE_MESSAGE(st[0].ok(), st[0].ToString());
  }
  void Earn(std::uint64_t time_ms, std::uint64_t points) { Earn(time_ms, points, resident); }
  Bytes Redeem(std::uint64_t points, const crypto::KeyPair& holder) {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          auto* r = b.mutable_redeem_points();
          r->set_holder(KeyStr(holder));
          r->set_merchant_org("shop");
          r->set_points(points);
          r->set_item("鸡蛋");
        },
        {&holder, &merchant});
  }
  // A redemption in a block at `time_ms`: its status; a refused one leaves the chain as it was.
  Status RedeemAt(std::uint64_t time_ms, std::uint64_t points, const crypto::KeyPair& holder) {
    const std::uint64_t height = c.ledger().height();
    const std::string root = c.ledger().head().state_root();
    const Status st = At(time_ms, [&] { return std::vector<Bytes>{Redeem(points, holder)}; }).front();
    if (!st.ok()) {
      CHECK(c.ledger().height() == height);
      CHECK(c.ledger().head().state_root() == root);
    }
    return st;
  }
  Status RedeemAt(std::uint64_t time_ms, std::uint64_t points) { return RedeemAt(time_ms, points, resident); }
  pb::PointsRecord Points(const crypto::KeyPair& k) {
    return c.ledger().Read()->Points(AsBytes(KeyStr(k))).value_or(pb::PointsRecord());
  }
  ledger::PointsExpiryState Lots(const crypto::KeyPair& k, std::uint64_t as_of_ms) {
    return ledger::ReadPointsExpiry(c.ledger().Read()->state(), c.genesis().params, AsBytes(KeyStr(k)), as_of_ms);
  }

  TestChain c;
  crypto::KeyPair charity = TestKey("sunshine"), merchant = TestKey("shop"), resident = TestKey("resident");
  crypto::KeyPair fresh = TestKey("resident 2027");
  std::uint64_t t1 = 0;
};

TEST_CASE("points are spendable until the last millisecond before T + N x 365 days and gone at it") {
  Expiring e;
  e.Earn(e.t1, 10);
  auto lots = e.Lots(e.resident, e.t1);
  REQUIRE(lots.lots.size() == 1);
  CHECK(lots.lots[0].expires_at_ms == e.t1 + kYearMs);
  CHECK(lots.lots[0].earned_at_ms == e.t1);
  REQUIRE(e.RedeemAt(e.t1 + kYearMs - 1, 4).ok());
  CHECK(e.Points(e.resident).balance() == 6);
  CHECK(e.RedeemAt(e.t1 + kYearMs, 1).code() == "insufficient_points");
  // As of the boundary the remaining 6 are expired, before any tx of the holder sweeps them.
  lots = e.Lots(e.resident, e.t1 + kYearMs);
  CHECK(lots.lots.empty());
  CHECK(lots.expired_points == 6);
  CHECK(lots.lapsed_points == 6);
  CHECK(e.Points(e.resident).balance() == 6);  // the stored balance, not yet swept
  // The next earning sweeps them: the balance is the new points only.
  e.Earn(e.t1 + kYearMs + 1, 5);
  CHECK(e.Points(e.resident).balance() == 5);
  lots = e.Lots(e.resident, e.t1 + kYearMs + 1);
  CHECK(lots.expired_points == 6);
  CHECK(lots.lapsed_points == 0);
  REQUIRE(lots.lots.size() == 1);
  CHECK(lots.lots[0].points == 5);
}

TEST_CASE("a redemption one point over the unexpired balance is refused and writes nothing") {
  Expiring e;
  e.Earn(e.t1, 10);
  e.Earn(e.t1 + 30 * kDayMs, 20);
  const std::uint64_t after = e.t1 + kYearMs;  // the first lot is gone, the second is not
  CHECK(e.RedeemAt(after, 21).code() == "insufficient_points");
  REQUIRE(e.RedeemAt(after + 1, 20).ok());
  CHECK(e.Points(e.resident).balance() == 0);
  CHECK(e.Points(e.resident).redeemed() == 20);
}

TEST_CASE("the oldest points are spent first") {
  Expiring e;
  e.Earn(e.t1, 10);
  e.Earn(e.t1 + 30 * kDayMs, 10);
  REQUIRE(e.RedeemAt(e.t1 + 100 * kDayMs, 15).ok());  // all of the first lot, 5 of the second
  // Nothing was left in the first lot, so nothing expires with it.
  CHECK(e.RedeemAt(e.t1 + kYearMs, 6).code() == "insufficient_points");
  REQUIRE(e.RedeemAt(e.t1 + kYearMs + 1, 5).ok());
}

TEST_CASE("points earned the same Beijing day share a lot that expires from the first of them") {
  Expiring e;
  e.Earn(e.t1, 3);
  e.Earn(e.t1 + 60'000, 4);
  const auto lots = e.Lots(e.resident, e.t1 + 60'000);
  REQUIRE(lots.lots.size() == 1);
  CHECK(lots.lots[0].points == 7);
  CHECK(lots.lots[0].expires_at_ms == e.t1 + kYearMs);
}

TEST_CASE("MovePoints carries the earning dates: a fresh key does not refresh an expiry") {
  Expiring e;
  e.Earn(e.t1, 10);
  const auto moved = e.At(e.t1 + 100 * kDayMs, [&] {
    return std::vector<Bytes>{e.c.MakeTx(
        [&](pb::TxBody& b) {
          b.mutable_move_points()->set_from_holder(KeyStr(e.resident));
          b.mutable_move_points()->set_to_holder(KeyStr(e.fresh));
        },
        {&e.resident, &e.fresh})};
  });
  REQUIRE_MESSAGE(moved[0].ok(), moved[0].ToString());
  auto lots = e.Lots(e.fresh, e.t1 + 100 * kDayMs);
  REQUIRE(lots.lots.size() == 1);
  CHECK(lots.lots[0].earned_at_ms == e.t1);
  CHECK(e.Lots(e.resident, e.t1 + 100 * kDayMs).lots.empty());
  e.Earn(e.t1 + 200 * kDayMs, 5, e.fresh);
  CHECK(e.RedeemAt(e.t1 + kYearMs, 6, e.fresh).code() == "insufficient_points");
  REQUIRE(e.RedeemAt(e.t1 + kYearMs + 1, 5, e.fresh).ok());
}

TEST_CASE("a service exchange paid in expired points is refused") {
  Expiring e;
  e.Earn(e.t1, 10);
  const auto exchange = [&](std::uint64_t time_ms) {
    return e.At(time_ms, [&] {
      return std::vector<Bytes>{e.c.MakeTx(
          [&](pb::TxBody& b) {
            auto* x = b.mutable_service_exchange();
            x->set_holder(KeyStr(e.resident));
            x->set_provider_org("sunshine");
            x->set_minutes(60);
            x->set_service("上门理发");
            x->set_points(10);  // 60 minutes at 10 points an hour
          },
          {&e.resident, &e.charity})};
    }).front();
  };
  CHECK(exchange(e.t1 + kYearMs).code() == "insufficient_points");
  CHECK(e.Points(e.resident).points_exchanged() == 0);
}

TEST_CASE("without points_expiry_years points never expire and no lots are kept") {
  Expiring e(0);
  e.Earn(e.t1, 10);
  CHECK(e.Lots(e.resident, e.t1).lots.empty());
  REQUIRE(e.RedeemAt(e.t1 + 5 * kYearMs, 10).ok());
}

TEST_CASE("points_expiry_years is 0..100 in the genesis file and written only when set") {
  ledger::Genesis g = TestChain().genesis();
  const std::string plain = ledger::GenesisToJson(g);
  CHECK(plain.find("points_expiry_years") == std::string::npos);
  g.params.points_expiry_years = 3;
  const std::string three = ledger::GenesisToJson(g);
  auto parsed = ledger::ParseGenesis(three);
  REQUIRE(parsed.ok());
  CHECK(parsed->params.points_expiry_years == 3);
  const auto with = [&](const std::string& value) {
    std::string text = three;
    const std::string key = "\"points_expiry_years\": 3";
    REQUIRE(text.find(key) != std::string::npos);
    return ledger::ParseGenesis(text.replace(text.find(key), key.size(), "\"points_expiry_years\": " + value));
  };
  CHECK(with("100").ok());
  CHECK(with("0").ok());
  CHECK_FALSE(with("101").ok());
  CHECK_FALSE(with("-1").ok());
  CHECK_FALSE(with("1.5").ok());
  CHECK_FALSE(with("\"2\"").ok());
}

}  // namespace
}  // namespace shanliu
