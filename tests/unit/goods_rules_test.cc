// Issue 19 parts 1-2, in-kind goods (docs/rules.md "In-kind goods"): GoodsDonation,
// GoodsTransfer (the receiver confirms arrival), GoodsDistribution (expired lots flagged or
// refused by the genesis rule), catalogue registration by the federation, and the tracing of
// units by interval FIFO. Every refusal writes nothing; goods never touch a cash figure.
#include <doctest/doctest.h>

#include <random>

#include "test_chain.h"

#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/flow.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/goods.h"
#include "shanliu/ledger/tx.h"
#include "shanliu/pb/shanliu.pb.h"

namespace shanliu {
namespace {

using testing::ExpectRejected;
using testing::TestChain;
using testing::TestKey;

constexpr std::uint64_t kDayMs = 86'400'000;

struct Goods {
  explicit Goods(std::function<void(ledger::Genesis&)> adjust = {}) : c(std::move(adjust)) {
    REQUIRE(c.RegisterOrg("relief-hz", pb::ORG_KIND_CHARITY, relief).ok());
    REQUIRE(c.RegisterOrg("clinic-hz", pb::ORG_KIND_CHARITY, clinic).ok());
    REQUIRE(c.OpenProject("flood-2026", "relief-hz", relief).ok());
  }

  Bytes Donate(const std::string& to, const std::string& item, const std::string& unit, std::uint64_t quantity,
               std::vector<const crypto::KeyPair*> signers, std::uint32_t expires_on = 0,
               std::int64_t value_fen = 100'00) {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          auto* d = b.mutable_goods_donation();
          d->set_to_account(to);
          d->set_item_code(item);
          d->set_unit(unit);
          d->set_quantity(quantity);
          d->set_value_fen(value_fen);
          const Hash256 ref = crypto::Sha256(AsBytes("goods donor " + std::to_string(++donors)));
          d->set_donor_ref(std::string(ref.begin(), ref.end()));
          d->set_donor_display_name("爱心企业");
          if (expires_on != 0) {
            d->set_lot_number("LOT-" + std::to_string(donors));
            d->set_expires_on(expires_on);
          }
        },
        signers);
  }
  Bytes Donate(const std::string& to, std::uint64_t masks) { return Donate(to, "mask-medical", "只", masks, {&relief}); }
  Bytes Move(const std::string& from, const std::string& to, std::uint64_t quantity,
             std::vector<const crypto::KeyPair*> signers, const std::string& item = "mask-medical",
             const std::string& unit = "只") {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          auto* t = b.mutable_goods_transfer();
          t->set_from_account(from);
          t->set_to_account(to);
          t->set_item_code(item);
          t->set_unit(unit);
          t->set_quantity(quantity);
          t->set_purpose("转运至诊所");
        },
        signers);
  }
  Bytes Distribute(const std::string& from, std::uint64_t quantity, std::vector<const crypto::KeyPair*> signers,
                   const std::string& item = "mask-medical", const std::string& unit = "只",
                   const std::string& region = "330106") {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          auto* d = b.mutable_goods_distribution();
          d->set_from_account(from);
          d->set_item_code(item);
          d->set_unit(unit);
          d->set_quantity(quantity);
          d->set_region(region);
          d->set_place_name("西湖区人民医院");
          d->set_beneficiary_count(120);
          d->set_occurred_at_ms(c.ledger().head().time_ms());
        },
        signers);
  }
  std::int64_t Units(const std::string& goods_account) {
    return ledger::flow::GetAccount(c.ledger().Read()->state(), goods_account).balance_fen;
  }
  static Hash256 Id(const Bytes& tx) {
    pb::Tx envelope;
    REQUIRE(envelope.ParseFromArray(tx.data(), static_cast<int>(tx.size())));
    return ledger::TxId(AsBytes(envelope.body()));
  }

  TestChain c;
  crypto::KeyPair relief = TestKey("relief-hz"), clinic = TestKey("clinic-hz");
  int donors = 0;
};

void ExpectMalformed(TestChain& c, const Bytes& tx, const std::string& field) {
  auto decoded = ledger::DecodeTx(tx, c.genesis().chain_id);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code() == "malformed");
  CHECK_MESSAGE(decoded.status().message().find(field) != std::string::npos, decoded.status().message());
}

TEST_CASE("a goods donation fills the goods account of its item and never a cash balance") {
  Goods g;
  const ledger::flow::FlowTotals cash_before = ledger::flow::SumAccounts(g.c.ledger().Read()->state());
  const Bytes tx = g.Donate("org:relief-hz", 1000);
  REQUIRE(g.c.Commit(tx).ok());
  CHECK(g.Units("goods:relief-hz/mask-medical") == 1000);
  const auto view = g.c.ledger().Read();
  CHECK(ledger::flow::GetAccount(view->state(), "org:relief-hz").balance_fen == 0);
  const ledger::flow::FlowTotals cash_after = ledger::flow::SumAccounts(view->state());
  CHECK(cash_after.balances_fen == cash_before.balances_fen);
  CHECK(cash_after.inflow_fen == cash_before.inflow_fen);
  auto gift = ledger::goods::FindGift(view->state(), Goods::Id(tx));
  REQUIRE(gift);
  CHECK(gift->quantity() == 1000);
  CHECK(gift->value_fen() == 100'00);
  CHECK(gift->account() == "goods:relief-hz/mask-medical");
  CHECK(view->Stats().goods_donation_count() == 1);
  CHECK(view->Stats().donated_fen() == 0);
  CHECK(ledger::goods::CheckConservation(view->state()).ok());
  CHECK(ledger::flow::CheckConservation(view->state()).ok());
}

TEST_CASE("distributing one unit more than held is refused and exactly the holding passes") {
  Goods g;
  REQUIRE(g.c.Commit(g.Donate("org:relief-hz", 1000)).ok());
  ExpectRejected(g.c, g.Distribute("org:relief-hz", 1001, {&g.relief}), "insufficient_goods");
  const Bytes all = g.Distribute("org:relief-hz", 1000, {&g.relief});
  REQUIRE(g.c.Commit(all).ok());
  CHECK(g.Units("goods:relief-hz/mask-medical") == 0);
  ExpectRejected(g.c, g.Distribute("org:relief-hz", 1, {&g.relief}), "insufficient_goods");
  auto rec = ledger::goods::FindDistribution(g.c.ledger().Read()->state(), Goods::Id(all));
  REQUIRE(rec);
  CHECK(rec->quantity() == 1000);
  CHECK(rec->expired_quantity() == 0);
}

TEST_CASE("an unknown item, a wrong unit or an unknown region is refused") {
  Goods g;
  ExpectRejected(g.c, g.Donate("org:relief-hz", "gold-bar", "块", 5, {&g.relief}), "unknown_item");
  ExpectRejected(g.c, g.Donate("org:relief-hz", "mask-medical", "箱", 5, {&g.relief}), "unit_mismatch");
  REQUIRE(g.c.Commit(g.Donate("org:relief-hz", 10)).ok());
  ExpectRejected(g.c, g.Distribute("org:relief-hz", 5, {&g.relief}, "mask-medical", "盒"), "unit_mismatch");
  ExpectRejected(g.c, g.Distribute("org:relief-hz", 5, {&g.relief}, "mask-kn95", "只"), "insufficient_goods");
  ExpectRejected(g.c, g.Distribute("org:relief-hz", 5, {&g.relief}, "mask-medical", "只", "999999"),
                 "unknown_region");
  ExpectRejected(g.c, g.Move("org:relief-hz", "org:clinic-hz", 5, {&g.relief, &g.clinic}, "mask-medical", "箱"),
                 "unit_mismatch");
}

TEST_CASE("a goods transfer needs the receiver's confirmation of arrival") {
  Goods g;
  REQUIRE(g.c.Commit(g.Donate("org:relief-hz", 1000)).ok());
  ExpectRejected(g.c, g.Move("org:relief-hz", "org:clinic-hz", 400, {&g.relief}), "receiver_not_confirmed");
  ExpectRejected(g.c, g.Move("org:relief-hz", "org:clinic-hz", 400, {&g.clinic}), "wrong_signer");
  REQUIRE(g.c.Commit(g.Move("org:relief-hz", "org:clinic-hz", 400, {&g.relief, &g.clinic})).ok());
  CHECK(g.Units("goods:relief-hz/mask-medical") == 600);
  CHECK(g.Units("goods:clinic-hz/mask-medical") == 400);
  // Into its own project, the holder is also the receiver: its one signature confirms.
  REQUIRE(g.c.Commit(g.Move("org:relief-hz", "project:flood-2026", 100, {&g.relief})).ok());
  CHECK(g.Units("goods:project:flood-2026/mask-medical") == 100);
  ExpectRejected(g.c, g.Move("org:relief-hz", "org:clinic-hz", 501, {&g.relief, &g.clinic}), "insufficient_goods");
}

TEST_CASE("goods in a project leave only by distribution and a closed project takes none") {
  Goods g;
  REQUIRE(g.c.Commit(g.Donate("project:flood-2026", 50)).ok());
  ExpectRejected(g.c, g.Move("project:flood-2026", "org:relief-hz", 10, {&g.relief}), "restricted_goods");
  auto close = [&] {
    return g.c.MakeTx(
        [](pb::TxBody& b) {
          b.mutable_close_project()->set_project_id("flood-2026");
          b.mutable_close_project()->set_summary("救灾结束");
        },
        {&g.relief});
  };
  ExpectRejected(g.c, close(), "project_not_empty");
  REQUIRE(g.c.Commit(g.Distribute("project:flood-2026", 50, {&g.relief})).ok());
  REQUIRE(g.c.Commit(close()).ok());
  ExpectRejected(g.c, g.Donate("project:flood-2026", 10), "project_closed");
  REQUIRE(g.c.Commit(g.Donate("org:relief-hz", 10)).ok());
  ExpectRejected(g.c, g.Move("org:relief-hz", "project:flood-2026", 10, {&g.relief}), "project_closed");
}

TEST_CASE("quantity and value bounds are stateless rules") {
  Goods g;
  ExpectMalformed(g.c, g.Donate("org:relief-hz", 0), "quantity");
  ExpectMalformed(g.c, g.Donate("org:relief-hz", ledger::goods::kMaxQuantity + 1), "quantity");
  // A negative count sent as a varint is a huge uint64: refused the same way.
  ExpectMalformed(g.c, g.Donate("org:relief-hz", static_cast<std::uint64_t>(-1)), "quantity");
  REQUIRE(g.c.Commit(g.Donate("org:relief-hz", ledger::goods::kMaxQuantity)).ok());
  ExpectMalformed(g.c, g.Donate("org:relief-hz", "quilt", "床", 1, {&g.relief}, 0, 1'000'000'000'000'001),
                  "value_fen");
  ExpectMalformed(g.c, g.Donate("org:relief-hz", "quilt", "床", 1, {&g.relief}, 0, -1), "value_fen");
  REQUIRE(g.c.Commit(g.Donate("org:relief-hz", "quilt", "床", 1, {&g.relief}, 0, 1'000'000'000'000'000)).ok());
  ExpectMalformed(g.c, g.Distribute("org:relief-hz", 0, {&g.relief}), "quantity");
  ExpectMalformed(g.c, g.Move("org:relief-hz", "org:clinic-hz", 0, {&g.relief, &g.clinic}), "quantity");
  ExpectMalformed(g.c, g.Donate("org:relief-hz", "rice-10kg", "袋", 5, {&g.relief}, 20261331), "expires_on");
}

TEST_CASE("a perishable item needs its lot and expiry") {
  Goods g;
  ExpectRejected(g.c, g.Donate("org:relief-hz", "rice-10kg", "袋", 20, {&g.relief}), "lot_required");
  REQUIRE(g.c.Commit(g.Donate("org:relief-hz", "rice-10kg", "袋", 20, {&g.relief}, 20991231)).ok());
}

TEST_CASE("distributing units of an expired lot is recorded and flagged") {
  Goods g;
  const std::uint32_t today = ledger::goods::BeijingDate(g.c.ledger().head().time_ms());
  // Two lots of rice: FIFO hands out the older lot, long past its expiry date, first.
  REQUIRE(g.c.Commit(g.Donate("org:relief-hz", "rice-10kg", "袋", 30, {&g.relief}, 20000101)).ok());
  REQUIRE(g.c.Commit(g.Donate("org:relief-hz", "rice-10kg", "袋", 70, {&g.relief}, 20991231)).ok());
  REQUIRE(today > 20000101);
  const Bytes d = g.Distribute("org:relief-hz", 50, {&g.relief}, "rice-10kg", "袋");
  REQUIRE(g.c.Commit(d).ok());
  auto rec = ledger::goods::FindDistribution(g.c.ledger().Read()->state(), Goods::Id(d));
  REQUIRE(rec);
  CHECK(rec->expired_quantity() == 30);
  CHECK(rec->quantity() == 50);
  const Bytes fresh = g.Distribute("org:relief-hz", 50, {&g.relief}, "rice-10kg", "袋");
  REQUIRE(g.c.Commit(fresh).ok());
  CHECK(ledger::goods::FindDistribution(g.c.ledger().Read()->state(), Goods::Id(fresh))->expired_quantity() == 0);
}

TEST_CASE("a chain whose genesis refuses expired goods refuses their distribution") {
  Goods g([](ledger::Genesis& gen) { gen.params.refuse_expired_goods = true; });
  REQUIRE(g.c.Commit(g.Donate("org:relief-hz", "rice-10kg", "袋", 30, {&g.relief}, 20000101)).ok());
  REQUIRE(g.c.Commit(g.Donate("org:relief-hz", "rice-10kg", "袋", 70, {&g.relief}, 20991231)).ok());
  ExpectRejected(g.c, g.Distribute("org:relief-hz", 1, {&g.relief}, "rice-10kg", "袋"), "goods_expired");
}

TEST_CASE("the federation registers goods items and nobody else does") {
  Goods g;
  auto reg = [&](const std::string& code, const crypto::KeyPair& signer) {
    return g.c.MakeTx(
        [&](pb::TxBody& b) {
          auto* i = b.mutable_register_goods_item()->mutable_item();
          i->set_item_code(code);
          i->set_name_zh("电暖器");
          i->set_name_en("Electric heater");
          i->set_unit("台");
          i->set_category(pb::GOODS_CATEGORY_DAILY_NECESSITIES);
        },
        {&signer});
  };
  ExpectRejected(g.c, reg("heater", g.relief), "wrong_signer");
  ExpectRejected(g.c, reg("quilt", g.c.federation), "duplicate_item");  // in the genesis catalogue
  REQUIRE(g.c.Commit(reg("heater", g.c.federation)).ok());
  ExpectRejected(g.c, reg("heater", g.c.federation), "duplicate_item");
  REQUIRE(g.c.Commit(g.Donate("org:relief-hz", "heater", "台", 8, {&g.relief})).ok());
  CHECK(g.Units("goods:relief-hz/heater") == 8);
  CHECK(g.c.ledger().Read()->Stats().goods_items_registered() == 1);
  ExpectMalformed(g.c, reg("X", g.c.federation), "item_code");
}

TEST_CASE("a goods donation is signed by its receiver and any notary must sign and be a bank") {
  Goods g;
  ExpectRejected(g.c, g.Donate("org:relief-hz", "quilt", "床", 5, {&g.clinic}), "wrong_signer");
  auto with_notary = [&](const std::string& notary, std::vector<const crypto::KeyPair*> signers) {
    return g.c.MakeTx(
        [&](pb::TxBody& b) {
          auto* d = b.mutable_goods_donation();
          d->set_to_account("org:relief-hz");
          d->set_item_code("quilt");
          d->set_unit("床");
          d->set_quantity(5);
          const Hash256 ref = crypto::Sha256(AsBytes("notarised donor"));
          d->set_donor_ref(std::string(ref.begin(), ref.end()));
          d->set_notary_org(notary);
        },
        signers);
  };
  ExpectRejected(g.c, with_notary("bank-1", {&g.relief}), "wrong_signer");
  ExpectRejected(g.c, with_notary("clinic-hz", {&g.relief, &g.clinic}), "wrong_kind");
  REQUIRE(g.c.Commit(with_notary("bank-1", {&g.relief, &g.c.bank})).ok());
}

TEST_CASE("a goods trace follows units across a transfer to the distribution") {
  Goods g;
  const Bytes gift = g.Donate("org:relief-hz", 1000);
  REQUIRE(g.c.Commit(gift).ok());
  REQUIRE(g.c.Commit(g.Move("org:relief-hz", "org:clinic-hz", 700, {&g.relief, &g.clinic})).ok());
  REQUIRE(g.c.Commit(g.Distribute("org:clinic-hz", 600, {&g.clinic})).ok());
  const auto view = g.c.ledger().Read();
  auto rec = ledger::goods::FindGift(view->state(), Goods::Id(gift));
  REQUIRE(rec);
  const auto trace = ledger::flow::TraceForward(view->state(), rec->account(), rec->interval_start(),
                                                static_cast<std::int64_t>(rec->quantity()));
  REQUIRE(trace.roots.size() == 2);
  CHECK(trace.roots[0].fate == ledger::flow::Fate::kMovedOn);
  CHECK(trace.roots[0].amount_fen == 700);
  REQUIRE(trace.roots[0].children.size() == 2);
  CHECK(trace.roots[0].children[0].account == "goods:clinic-hz/mask-medical");
  CHECK(trace.roots[0].children[0].fate == ledger::flow::Fate::kSpent);
  CHECK(trace.roots[0].children[0].amount_fen == 600);
  CHECK(trace.roots[0].children[1].fate == ledger::flow::Fate::kUnspent);
  CHECK(trace.roots[0].children[1].amount_fen == 100);
  CHECK(trace.roots[1].fate == ledger::flow::Fate::kUnspent);
  CHECK(trace.roots[1].amount_fen == 300);
  auto sums = ledger::goods::CheckTraceSums(view->state());
  REQUIRE(sums.ok());
  CHECK(*sums == 1);
}

// Property: on random ledgers of money and goods, per item every goods trace sums to its
// donation and the units held + distributed equal the units donated; the cash figures are
// exactly those the money txs alone make.
TEST_CASE("property - goods traces sum to the donated quantity and money is untouched by goods") {
  for (std::uint32_t seed = 1; seed <= 4; ++seed) {
    CAPTURE(seed);
    Goods g;
    std::mt19937_64 rng(seed);
    const std::vector<std::pair<std::string, std::string>> items = {{"mask-medical", "只"}, {"quilt", "床"},
                                                                    {"tent", "顶"}};
    const std::vector<std::string> holders = {"org:relief-hz", "org:clinic-hz", "project:flood-2026"};
    auto key_of = [&](const std::string& holder) -> const crypto::KeyPair& {
      return holder == "org:clinic-hz" ? g.clinic : g.relief;
    };
    std::map<std::string, std::uint64_t> donated;
    std::int64_t cash_donated = 0;
    for (int block = 0; block < 12; ++block) {
      std::vector<Bytes> txs;
      for (int i = 0; i < 6; ++i) {
        const auto& [item, unit] = items[rng() % items.size()];
        const std::string& holder = holders[rng() % holders.size()];
        const std::uint64_t q = 1 + rng() % 500;
        switch (rng() % 4) {
          case 0:
            txs.push_back(g.Donate(holder, item, unit, q, {&key_of(holder)}));
            break;
          case 1:
            txs.push_back(g.Move("org:relief-hz", holder == "org:relief-hz" ? "org:clinic-hz" : holder, q,
                                 {&g.relief, &g.clinic}, item, unit));
            break;
          case 2:
            txs.push_back(g.Distribute(holder, q, {&key_of(holder)}, item, unit));
            break;
          default:
            txs.push_back(g.c.DonationTx("org:relief-hz", static_cast<std::int64_t>(q) * 100, g.relief));
            break;
        }
      }
      const std::vector<Status> results = g.c.CommitBlock(txs);
      for (std::size_t i = 0; i < txs.size(); ++i) {
        if (!results[i].ok()) continue;
        pb::Tx envelope;
        REQUIRE(envelope.ParseFromArray(txs[i].data(), static_cast<int>(txs[i].size())));
        pb::TxBody body;
        REQUIRE(body.ParseFromString(envelope.body()));
        if (body.has_goods_donation()) donated[body.goods_donation().item_code()] += body.goods_donation().quantity();
        if (body.has_donation()) cash_donated += body.donation().amount_fen();
      }
      const auto view = g.c.ledger().Read();
      REQUIRE(ledger::goods::CheckConservation(view->state()).ok());
      REQUIRE(ledger::flow::CheckConservation(view->state()).ok());
      const ledger::flow::FlowTotals cash = ledger::flow::SumAccounts(view->state());
      CHECK(cash.inflow_fen == cash_donated);
      CHECK(cash.balances_fen == cash_donated);  // nothing spent: goods moved no fen
      for (const ledger::goods::ItemTotals& t : ledger::goods::SumItems(view->state())) {
        CHECK(t.held + t.distributed == donated[t.item_code]);
        CHECK(t.donated == donated[t.item_code]);
      }
      auto sums = ledger::goods::CheckTraceSums(view->state());
      REQUIRE(sums.ok());
    }
  }
}

TEST_CASE("genesis carries the goods catalogue and the expired-goods rule") {
  ledger::Genesis gen = TestChain().genesis();
  CHECK(gen.params.goods_items.size() == ledger::goods::DefaultItems().size());
  CHECK_FALSE(gen.params.refuse_expired_goods);
  gen.params.refuse_expired_goods = true;
  gen.params.goods_items.resize(2);
  auto parsed = ledger::ParseGenesis(ledger::GenesisToJson(gen));
  REQUIRE(parsed.ok());
  CHECK(parsed->params.refuse_expired_goods);
  REQUIRE(parsed->params.goods_items.size() == 2);
  CHECK(parsed->params.goods_items[1].SerializeAsString() == gen.params.goods_items[1].SerializeAsString());

  std::string text = ledger::GenesisToJson(gen);
  const std::string bad_category = std::string(text).replace(text.find("\"epidemic-prevention\""), 21, "\"weapons\"");
  CHECK(ledger::ParseGenesis(bad_category).status().code() == "invalid_genesis");
  const std::size_t at = text.find("\"mask-kn95\"");
  REQUIRE(at != std::string::npos);
  const std::string twice = std::string(text).replace(at, 11, "\"mask-medical\"");
  CHECK(ledger::ParseGenesis(twice).status().code() == "invalid_genesis");
}

TEST_CASE("goods dates are Beijing calendar dates") {
  CHECK(ledger::goods::IsValidDate(20260229) == false);
  CHECK(ledger::goods::IsValidDate(20240229));
  CHECK(ledger::goods::IsValidDate(20261231));
  CHECK_FALSE(ledger::goods::IsValidDate(20261300));
  CHECK_FALSE(ledger::goods::IsValidDate(18991231));
  // 2026-12-05 16:00 UTC is already 2026-12-06 in Beijing.
  CHECK(ledger::goods::BeijingDate(1796486400000ull) == 20261206);
  CHECK(ledger::goods::BeijingDate(1796486400000ull - 1) == 20261205);
}

}  // namespace
}  // namespace shanliu
