// Issue 17 parts 3 and 5, the time bank (docs/rules.md "Time bank"): volunteer minutes banked
// beside points, ServiceExchange paying service time from banked minutes or in points at the
// genesis rate, and MovePoints between two keys of one holder. Each refusal writes nothing.
#include <doctest/doctest.h>

#include <filesystem>

#include "test_chain.h"

#include "shanliu/audit/audit.h"
#include "shanliu/ledger/tx.h"
#include "shanliu/pb/shanliu.pb.h"

namespace shanliu {
namespace {

using testing::ExpectRejected;
using testing::TestChain;
using testing::TestKey;

std::string KeyStr(const crypto::KeyPair& k) { return std::string(k.public_key.begin(), k.public_key.end()); }

struct TimeBank {
  explicit TimeBank(std::function<void(ledger::Genesis&)> adjust = {}) : c(std::move(adjust)) {
    REQUIRE(c.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, charity).ok());
    REQUIRE(c.RegisterOrg("shop", pb::ORG_KIND_MERCHANT, merchant).ok());
    REQUIRE(c.RegisterOrg("trustee-1", pb::ORG_KIND_TRUSTEE, trustee).ok());
  }

  std::uint64_t NextBlockMs() { return c.ledger().head().time_ms() + 1000; }

  // `minutes` of service confirmed by the resident: 10 points per hour and the same minutes banked.
  void Earn(std::uint32_t minutes, const crypto::KeyPair& holder) {
    const Bytes tx = c.MakeTx(
        [&](pb::TxBody& b) {
          auto* v = b.mutable_volunteer_service();
          v->set_charity_org("sunshine");
          v->set_holder(KeyStr(holder));
          v->set_minutes(minutes);
          v->set_activity("社区陪伴");
          v->set_occurred_at_ms(NextBlockMs());
        },
        {&charity, &holder});
    REQUIRE(c.Commit(tx).ok());
  }
  Bytes Exchange(std::uint32_t minutes, std::uint64_t points, const std::string& provider,
                 std::vector<const crypto::KeyPair*> signers, const std::string& holder = "") {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          auto* e = b.mutable_service_exchange();
          e->set_holder(holder.empty() ? KeyStr(resident) : holder);
          e->set_provider_org(provider);
          e->set_minutes(minutes);
          e->set_service("上门理发");
          e->set_points(points);
        },
        signers);
  }
  Bytes Exchange(std::uint32_t minutes, std::uint64_t points = 0) {
    return Exchange(minutes, points, "sunshine", {&resident, &charity});
  }
  Bytes Move(const crypto::KeyPair& from, const crypto::KeyPair& to, std::vector<const crypto::KeyPair*> signers) {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          b.mutable_move_points()->set_from_holder(KeyStr(from));
          b.mutable_move_points()->set_to_holder(KeyStr(to));
        },
        signers);
  }
  pb::PointsRecord Points(const crypto::KeyPair& k) {
    return c.ledger().Read()->Points(AsBytes(KeyStr(k))).value_or(pb::PointsRecord());
  }
  pb::ChainStats Stats() { return c.ledger().Read()->Stats(); }

  TestChain c;
  crypto::KeyPair charity = TestKey("sunshine"), merchant = TestKey("shop"), trustee = TestKey("trustee-1");
  crypto::KeyPair resident = TestKey("resident"), fresh = TestKey("resident 2027");
};

// Stateless validation refuses it: no node admits it, so no block can carry it.
void ExpectMalformed(TestChain& c, const Bytes& tx) {
  auto decoded = ledger::DecodeTx(tx, c.genesis().chain_id);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code() == "malformed");
}

TEST_CASE("volunteer minutes are banked beside the points they earn") {
  TimeBank t;
  t.Earn(90, t.resident);
  CHECK(t.Points(t.resident).balance() == 15);  // 90 minutes at 10 points per hour
  CHECK(t.Points(t.resident).minutes_balance() == 90);
  CHECK(t.Points(t.resident).minutes_earned() == 90);
  t.Earn(30, t.resident);
  CHECK(t.Points(t.resident).minutes_balance() == 120);
  CHECK(t.Points(t.resident).earned() == 20);
}

TEST_CASE("a service exchange spends banked minutes up to the balance and not one minute more") {
  TimeBank t;
  t.Earn(120, t.resident);
  ExpectRejected(t.c, t.Exchange(121), "insufficient_minutes");
  REQUIRE(t.c.Commit(t.Exchange(60)).ok());
  CHECK(t.Points(t.resident).minutes_balance() == 60);
  CHECK(t.Points(t.resident).minutes_spent() == 60);
  CHECK(t.Points(t.resident).balance() == 20);  // points untouched
  ExpectRejected(t.c, t.Exchange(61), "insufficient_minutes");
  REQUIRE(t.c.Commit(t.Exchange(60)).ok());  // exactly the balance
  CHECK(t.Points(t.resident).minutes_balance() == 0);
  ExpectRejected(t.c, t.Exchange(1), "insufficient_minutes");
  CHECK(t.Stats().service_exchange_count() == 2);
  CHECK(t.Stats().service_minutes() == 120);
}

TEST_CASE("a service exchange is co-signed by the holder and the providing organisation") {
  TimeBank t;
  t.Earn(60, t.resident);
  ExpectRejected(t.c, t.Exchange(30, 0, "sunshine", {&t.resident}), "wrong_signer");
  ExpectRejected(t.c, t.Exchange(30, 0, "sunshine", {&t.charity}), "wrong_signer");
  ExpectRejected(t.c, t.Exchange(30, 0, "sunshine", {&t.resident, &t.merchant}), "wrong_signer");
  ExpectRejected(t.c, t.Exchange(30, 0, "sunshine", {&t.charity, &t.merchant}), "wrong_signer");
  REQUIRE(t.c.Commit(t.Exchange(30, 0, "shop", {&t.merchant, &t.resident})).ok());  // either order
  CHECK(t.Points(t.resident).minutes_balance() == 30);
}

TEST_CASE("only charities, the federation and merchants give service for banked time") {
  TimeBank t;
  t.Earn(60, t.resident);
  ExpectRejected(t.c, t.Exchange(30, 0, "trustee-1", {&t.resident, &t.trustee}), "not_participating");
  ExpectRejected(t.c, t.Exchange(30, 0, "bank-1", {&t.resident, &t.c.bank}), "not_participating");
  ExpectRejected(t.c, t.Exchange(30, 0, "bureau", {&t.resident, &t.c.bureau}), "not_participating");
  ExpectRejected(t.c, t.Exchange(30, 0, "nobody", {&t.resident, &t.charity}), "unknown_org");
  REQUIRE(t.c.Commit(t.Exchange(30, 0, "federation", {&t.resident, &t.c.federation})).ok());
}

TEST_CASE("an organisation's key cannot pay with time") {
  TimeBank t;
  ExpectRejected(t.c, t.Exchange(30, 0, "shop", {&t.merchant, &t.charity}, KeyStr(t.charity)), "holder_is_org");
}

TEST_CASE("a replayed service exchange is refused") {
  TimeBank t;
  t.Earn(120, t.resident);
  const Bytes tx = t.Exchange(30);
  REQUIRE(t.c.Commit(tx).ok());
  ExpectRejected(t.c, tx, "duplicate");
  CHECK(t.Points(t.resident).minutes_balance() == 90);
}

TEST_CASE("service time paid in points costs exactly the genesis rate") {
  TimeBank t;
  REQUIRE(t.c.genesis().params.timebank_points_per_hour == 10);
  t.Earn(60, t.resident);  // 10 points, 60 minutes
  ExpectRejected(t.c, t.Exchange(60, 11), "rate_mismatch");
  ExpectRejected(t.c, t.Exchange(60, 9), "rate_mismatch");
  ExpectRejected(t.c, t.Exchange(7, 1), "rate_mismatch");  // 70 / 60 is no whole number of points
  ExpectRejected(t.c, t.Exchange(66, 11), "insufficient_points");  // over the balance by 1 point
  REQUIRE(t.c.Commit(t.Exchange(60, 10)).ok());  // exactly the balance
  CHECK(t.Points(t.resident).balance() == 0);
  CHECK(t.Points(t.resident).points_exchanged() == 10);
  CHECK(t.Points(t.resident).minutes_balance() == 60);  // banked time untouched
  CHECK(t.Stats().points_exchanged() == 10);
}

TEST_CASE("a district with no hours-to-points rule takes service time only from the time bank") {
  TimeBank t([](ledger::Genesis& g) { g.params.timebank_points_per_hour = 0; });
  t.Earn(60, t.resident);
  ExpectRejected(t.c, t.Exchange(60, 10), "rate_mismatch");
  REQUIRE(t.c.Commit(t.Exchange(60)).ok());
}

TEST_CASE("malformed service exchanges and moves are refused before any rule") {
  TimeBank t;
  t.Earn(60, t.resident);
  ExpectMalformed(t.c, t.Exchange(0));
  ExpectMalformed(t.c, t.Exchange(1441));
  ExpectMalformed(t.c, t.Exchange(60, ledger::TxLimits::kMaxPoints + 1));
  ExpectMalformed(t.c, t.Exchange(30, 0, "sunshine", {&t.resident, &t.charity}, "short key"));
  ExpectMalformed(t.c, t.Move(t.resident, t.resident, {&t.resident}));
  const Bytes no_service = t.c.MakeTx(
      [&](pb::TxBody& b) {
        auto* e = b.mutable_service_exchange();
        e->set_holder(KeyStr(t.resident));
        e->set_provider_org("sunshine");
        e->set_minutes(30);
      },
      {&t.resident, &t.charity});
  ExpectMalformed(t.c, no_service);
  REQUIRE(t.c.Commit(t.Exchange(60)).ok());  // the whole balance: these were refused, not spent
}

TEST_CASE("move points carries points and banked minutes to the holder's fresh key") {
  TimeBank t;
  t.Earn(90, t.resident);
  ExpectRejected(t.c, t.Move(t.resident, t.fresh, {&t.resident}), "wrong_signer");
  ExpectRejected(t.c, t.Move(t.resident, t.fresh, {&t.fresh}), "wrong_signer");
  const Bytes move = t.Move(t.resident, t.fresh, {&t.fresh, &t.resident});
  REQUIRE(t.c.Commit(move).ok());
  CHECK(t.Points(t.resident).balance() == 0);
  CHECK(t.Points(t.resident).minutes_balance() == 0);
  CHECK(t.Points(t.resident).points_moved_out() == 15);
  CHECK(t.Points(t.resident).minutes_moved_out() == 90);
  CHECK(t.Points(t.resident).moved_to() == KeyStr(t.fresh));
  CHECK(t.Points(t.fresh).balance() == 15);
  CHECK(t.Points(t.fresh).minutes_balance() == 90);
  CHECK(t.Points(t.fresh).points_moved_in() == 15);
  CHECK(t.Points(t.fresh).earned() == 0);  // earning stays the old key's history
  ExpectRejected(t.c, move, "duplicate");
  ExpectRejected(t.c, t.Move(t.resident, t.fresh, {&t.fresh, &t.resident}), "nothing_to_move");
  // The fresh key spends what moved.
  REQUIRE(t.c.Commit(t.Exchange(90, 0, "sunshine", {&t.fresh, &t.charity}, KeyStr(t.fresh))).ok());
  CHECK(t.Stats().points_move_count() == 1);
}

TEST_CASE("move points never lands on an organisation's key") {
  TimeBank t;
  t.Earn(60, t.resident);
  ExpectRejected(t.c, t.Move(t.resident, t.merchant, {&t.resident, &t.merchant}), "holder_is_org");
  ExpectRejected(t.c, t.Move(t.resident, t.c.bureau, {&t.resident, &t.c.bureau}), "holder_is_org");
}

TEST_CASE("a shortfall moves with the balance and is settled from what the new key holds") {
  TimeBank t;
  const Bytes gift = t.c.DonationTx("org:sunshine", 10'000, t.c.bank, "bank-1", &t.resident);  // 10 points
  REQUIRE(t.c.Commit(gift).ok());
  const Bytes redeem = t.c.MakeTx(
      [&](pb::TxBody& b) {
        auto* r = b.mutable_redeem_points();
        r->set_holder(KeyStr(t.resident));
        r->set_merchant_org("shop");
        r->set_points(10);
        r->set_item("米一袋");
      },
      {&t.resident, &t.merchant});
  REQUIRE(t.c.Commit(redeem).ok());
  const Hash256 gift_id = t.c.Decode(gift).id;
  const Bytes refund = t.c.MakeTx(
      [&](pb::TxBody& b) {
        b.mutable_refund()->set_donation_tx_id(std::string(gift_id.begin(), gift_id.end()));
        b.mutable_refund()->set_reason("捐赠人申请退回");
      },
      {&t.charity});
  REQUIRE(t.c.Commit(refund).ok());
  REQUIRE(t.Points(t.resident).shortfall() == 10);
  t.Earn(24, t.fresh);  // the fresh key holds 4 points and 24 minutes
  REQUIRE(t.c.Commit(t.Move(t.resident, t.fresh, {&t.resident, &t.fresh})).ok());
  CHECK(t.Points(t.resident).shortfall() == 0);
  CHECK(t.Points(t.fresh).balance() == 0);
  CHECK(t.Points(t.fresh).shortfall() == 6);  // 10 owed, 4 settled at once
  CHECK(t.Points(t.fresh).minutes_balance() == 24);
  CHECK(t.Points(t.fresh).shortfall_moved_in() == 10);
  CHECK(t.Points(t.resident).shortfall_moved_out() == 10);
  // Each key's books still add up, moves and exchanges included.
  for (const crypto::KeyPair* k : {&t.resident, &t.fresh}) {
    const pb::PointsRecord p = t.Points(*k);
    CHECK(p.earned() + p.points_moved_in() + p.shortfall_moved_out() - p.shortfall_moved_in() - p.revoked() -
              p.redeemed() - p.points_exchanged() - p.points_moved_out() ==
          p.balance() - p.shortfall());
  }
}

TEST_CASE("an audit replay of a chain with service exchanges and moves passes every check") {
  TimeBank t;
  t.Earn(120, t.resident);
  REQUIRE(t.c.Commit(t.Exchange(60)).ok());
  REQUIRE(t.c.Commit(t.Exchange(30, 5)).ok());
  REQUIRE(t.c.Commit(t.Move(t.resident, t.fresh, {&t.resident, &t.fresh})).ok());
  REQUIRE(t.c.Commit(t.Exchange(60, 0, "shop", {&t.fresh, &t.merchant}, KeyStr(t.fresh))).ok());
  testing::TempDir copy;
  const std::filesystem::path data = copy.path() / "data";
  std::filesystem::copy(t.c.dir(), data, std::filesystem::copy_options::recursive);
  auto source = audit::OpenDataDirSource(data);
  REQUIRE(source.ok());
  audit::AuditOptions options;
  options.threads = 2;
  auto report = audit::RunAudit(**source, t.c.genesis(), options);
  REQUIRE(report.ok());
  INFO(audit::ReportText(*report));
  CHECK(report->ok());
  CHECK(report->head_height == t.c.ledger().height());
  CHECK(report->txs_checked == t.c.ledger().head().log_size());
}

TEST_CASE("a key with nothing is no source of a move") {
  TimeBank t;
  ExpectRejected(t.c, t.Move(t.resident, t.fresh, {&t.resident, &t.fresh}), "nothing_to_move");
}

}  // namespace
}  // namespace shanliu
