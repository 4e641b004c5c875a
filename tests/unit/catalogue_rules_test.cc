// Issue 17 part 4, the merchant catalogue (docs/rules.md "Merchant catalogue"): the federation
// lists, reprices and withdraws a merchant's items with one tx kind; a redemption that references
// an item pays exactly its listed price and only while it is listed. Each refusal writes nothing.
#include <doctest/doctest.h>

#include "test_chain.h"

#include "shanliu/ledger/tx.h"
#include "shanliu/pb/shanliu.pb.h"

namespace shanliu {
namespace {

using testing::ExpectRejected;
using testing::TestChain;
using testing::TestKey;

std::string KeyStr(const crypto::KeyPair& k) { return std::string(k.public_key.begin(), k.public_key.end()); }

struct Market {
  Market() {
    REQUIRE(c.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, charity).ok());
    REQUIRE(c.RegisterOrg("shop", pb::ORG_KIND_MERCHANT, merchant).ok());
    REQUIRE(c.OpenProject("meals", "sunshine", charity).ok());
    // ¥1000 with the resident as points holder: 100 points at 1 per ¥10.
    REQUIRE(c.Commit(c.DonationTx("project:meals", 100'000, c.bank, "bank-1", &resident)).ok());
  }

  Bytes Entry(const std::function<void(pb::CatalogueEntry&)>& adjust, std::vector<const crypto::KeyPair*> signers) {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          pb::CatalogueEntry* e = b.mutable_catalogue_entry();
          e->set_federation_org("federation");
          e->set_merchant_org("shop");
          e->set_item_id("haircut");
          e->set_name_zh("理发一次");
          e->set_name_en("One haircut");
          e->set_points(30);
          e->set_active(true);
          adjust(*e);
        },
        signers);
  }
  Bytes Entry(const std::function<void(pb::CatalogueEntry&)>& adjust = [](pb::CatalogueEntry&) {}) {
    return Entry(adjust, {&c.federation});
  }
  Bytes Redeem(std::uint64_t points, const std::string& item_id) {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          auto* r = b.mutable_redeem_points();
          r->set_holder(KeyStr(resident));
          r->set_merchant_org("shop");
          r->set_points(points);
          r->set_item("理发一次");
          r->set_catalogue_item(item_id);
        },
        {&resident, &merchant});
  }
  std::optional<pb::CatalogueRecord> Item(const std::string& id = "haircut") {
    return c.ledger().Read()->CatalogueItem("shop", id);
  }
  // Stateless validation refuses it: no node admits it, so no block can carry it.
  std::string Refused(const Bytes& tx) {
    auto decoded = ledger::DecodeTx(tx, c.genesis().chain_id);
    return decoded.ok() ? "ok" : decoded.status().code();
  }
  std::uint64_t Balance() {
    return c.ledger().Read()->Points(AsBytes(KeyStr(resident))).value_or(pb::PointsRecord()).balance();
  }

  TestChain c;
  crypto::KeyPair charity = TestKey("sunshine"), merchant = TestKey("shop"), resident = TestKey("resident");
};

TEST_CASE("the federation lists a merchant's item and the record is in the state map") {
  Market m;
  REQUIRE(m.c.Commit(m.Entry()).ok());
  auto item = m.Item();
  REQUIRE(item);
  CHECK(item->entry().points() == 30);
  CHECK(item->entry().name_zh() == "理发一次");
  CHECK(item->entry().active());
  CHECK(item->revision() == 1);
  CHECK(item->created_height() == m.c.ledger().height());
  CHECK(item->updated_height() == m.c.ledger().height());
  const auto listed = m.c.ledger().Read()->Catalogue("shop", "", 10);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].entry().item_id() == "haircut");
}

TEST_CASE("only the federation signs a catalogue entry") {
  Market m;
  ExpectRejected(m.c, m.Entry([](pb::CatalogueEntry&) {}, {&m.merchant}), "wrong_signer");
  ExpectRejected(m.c, m.Entry([](pb::CatalogueEntry&) {}, {&m.c.bureau}), "wrong_signer");
  // Naming another kind of organisation as the registrar does not help, even signed by it.
  ExpectRejected(m.c, m.Entry([](pb::CatalogueEntry& e) { e.set_federation_org("sunshine"); }, {&m.charity}),
                 "wrong_kind");
  ExpectRejected(m.c, m.Entry([](pb::CatalogueEntry& e) { e.set_federation_org("nobody"); }, {&m.c.federation}),
                 "unknown_org");
  CHECK_FALSE(m.Item());
}

TEST_CASE("a catalogue lists items of a registered merchant only") {
  Market m;
  ExpectRejected(m.c, m.Entry([](pb::CatalogueEntry& e) { e.set_merchant_org("sunshine"); }), "wrong_kind");
  ExpectRejected(m.c, m.Entry([](pb::CatalogueEntry& e) { e.set_merchant_org("bank-1"); }), "wrong_kind");
  ExpectRejected(m.c, m.Entry([](pb::CatalogueEntry& e) { e.set_merchant_org("no-such-shop"); }), "unknown_org");
}

TEST_CASE("a catalogue price is between 1 and the limit and the text follows the ledger's rules") {
  Market m;
  CHECK(m.Refused(m.Entry([](pb::CatalogueEntry& e) { e.set_points(0); })) == "malformed");
  CHECK(m.Refused(m.Entry([](pb::CatalogueEntry& e) { e.set_points(ledger::TxLimits::kMaxCataloguePoints + 1); })) ==
        "malformed");
  CHECK(m.Refused(m.Entry([](pb::CatalogueEntry& e) { e.set_name_zh(""); })) == "malformed");
  CHECK(m.Refused(m.Entry([](pb::CatalogueEntry& e) { e.set_name_zh("理发\n一次"); })) == "control_character");
  CHECK(m.Refused(m.Entry([](pb::CatalogueEntry& e) { e.set_name_en("cut\x1b[31m"); })) == "control_character");
  CHECK(m.Refused(m.Entry([](pb::CatalogueEntry& e) { e.set_name_zh(std::string(201, 'a')); })) == "malformed");
  CHECK(m.Refused(m.Entry([](pb::CatalogueEntry& e) { e.set_name_en("call 13812345678"); })) == "personal_data");
  CHECK(m.Refused(m.Entry([](pb::CatalogueEntry& e) { e.set_item_id("Hair Cut"); })) == "malformed");
  CHECK(m.Refused(m.Entry([](pb::CatalogueEntry& e) { e.set_item_id("ab"); })) == "malformed");
  CHECK(m.Refused(m.Entry([](pb::CatalogueEntry& e) { e.set_federation_org(""); })) == "malformed");
  CHECK(m.Refused(m.Entry([](pb::CatalogueEntry& e) { e.set_merchant_org("Shop!"); })) == "malformed");
  CHECK(m.Refused(m.Entry()) == "ok");
  // The boundaries that pass: 1 point, the limit, a 200-byte name.
  REQUIRE(m.c.Commit(m.Entry([](pb::CatalogueEntry& e) { e.set_points(1); })).ok());
  REQUIRE(m.c.Commit(m.Entry([](pb::CatalogueEntry& e) {
                 e.set_item_id("tv-set");
                 e.set_points(ledger::TxLimits::kMaxCataloguePoints);
                 e.set_name_zh(std::string(200, 'a'));
               })).ok());
  CHECK(m.Item("tv-set")->entry().points() == ledger::TxLimits::kMaxCataloguePoints);
}

TEST_CASE("one tx kind updates and withdraws an item, and lists it again") {
  Market m;
  // Nothing to withdraw before the item is listed.
  ExpectRejected(m.c, m.Entry([](pb::CatalogueEntry& e) { e.set_active(false); }), "unknown_catalogue_item");
  REQUIRE(m.c.Commit(m.Entry()).ok());
  const std::uint64_t created = m.c.ledger().height();
  REQUIRE(m.c.Commit(m.Entry([](pb::CatalogueEntry& e) { e.set_points(25); })).ok());
  CHECK(m.Item()->entry().points() == 25);
  CHECK(m.Item()->revision() == 2);
  CHECK(m.Item()->created_height() == created);
  REQUIRE(m.c.Commit(m.Entry([](pb::CatalogueEntry& e) {
                 e.set_points(25);
                 e.set_active(false);
               })).ok());
  CHECK_FALSE(m.Item()->entry().active());
  REQUIRE(m.c.Commit(m.Entry([](pb::CatalogueEntry& e) { e.set_points(20); })).ok());
  CHECK(m.Item()->entry().active());
  CHECK(m.Item()->revision() == 4);
}

TEST_CASE("a suspended merchant's item can be withdrawn but not listed") {
  Market m;
  REQUIRE(m.c.Commit(m.Entry()).ok());
  REQUIRE(m.c.Commit(m.c.MakeTx(
                         [](pb::TxBody& b) {
                           b.mutable_update_org()->set_org_id("shop");
                           b.mutable_update_org()->set_status(pb::ORG_STATUS_SUSPENDED);
                           b.mutable_update_org()->set_reason("年检未通过");
                         },
                         {&m.c.bureau}))
              .ok());
  ExpectRejected(m.c, m.Entry([](pb::CatalogueEntry& e) { e.set_item_id("massage"); }), "suspended");
  REQUIRE(m.c.Commit(m.Entry([](pb::CatalogueEntry& e) { e.set_active(false); })).ok());
  CHECK_FALSE(m.Item()->entry().active());
}

TEST_CASE("a redemption referencing a catalogue item pays exactly its price while it is listed") {
  Market m;
  REQUIRE(m.c.Commit(m.Entry()).ok());
  REQUIRE(m.Balance() == 100);
  ExpectRejected(m.c, m.Redeem(29, "haircut"), "price_mismatch");
  ExpectRejected(m.c, m.Redeem(31, "haircut"), "price_mismatch");
  ExpectRejected(m.c, m.Redeem(30, "massage"), "unknown_catalogue_item");
  CHECK(m.Refused(m.Redeem(30, "Bad Id")) == "malformed");
  CHECK(m.Balance() == 100);
  REQUIRE(m.c.Commit(m.Redeem(30, "haircut")).ok());
  CHECK(m.Balance() == 70);
  // Without a catalogue reference a redemption is free-form, as before.
  REQUIRE(m.c.Commit(m.Redeem(7, "")).ok());
  CHECK(m.Balance() == 63);
  REQUIRE(m.c.Commit(m.Entry([](pb::CatalogueEntry& e) { e.set_active(false); })).ok());
  ExpectRejected(m.c, m.Redeem(30, "haircut"), "catalogue_item_inactive");
  CHECK(m.Balance() == 63);
}

TEST_CASE("an item id is the merchant's own: another merchant's same slug is another item") {
  Market m;
  const crypto::KeyPair other = TestKey("other-shop");
  REQUIRE(m.c.RegisterOrg("other-shop", pb::ORG_KIND_MERCHANT, other).ok());
  REQUIRE(m.c.Commit(m.Entry([](pb::CatalogueEntry& e) { e.set_merchant_org("other-shop"); })).ok());
  CHECK_FALSE(m.Item());
  ExpectRejected(m.c, m.Redeem(30, "haircut"), "unknown_catalogue_item");
  // A merchant id that is a prefix of another's lists nothing of the other.
  CHECK(m.c.ledger().Read()->Catalogue("shop", "", 10).empty());
  CHECK(m.c.ledger().Read()->Catalogue("other-shop", "", 10).size() == 1);
}

}  // namespace
}  // namespace shanliu
