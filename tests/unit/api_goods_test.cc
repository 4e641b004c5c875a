// The goods endpoints (docs/api.md "In-kind goods"): the catalogue, stock by item, and a goods
// donation's trace in units with the distribution points it reached.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "test_chain.h"

#include "shanliu/api/http_client.h"
#include "shanliu/api/server.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/flow_proof.h"
#include "shanliu/ledger/tx.h"

namespace shanliu {
namespace {

using Json = nlohmann::json;
using testing::TestChain;
using testing::TestKey;

struct GoodsApi {
  GoodsApi() {
    REQUIRE(c.RegisterOrg("relief-hz", pb::ORG_KIND_CHARITY, relief).ok());
    REQUIRE(c.RegisterOrg("clinic-hz", pb::ORG_KIND_CHARITY, clinic).ok());
    REQUIRE(c.OpenProject("flood-2026", "relief-hz", relief).ok());
    gift = c.MakeTx(
        [](pb::TxBody& b) {
          auto* d = b.mutable_goods_donation();
          d->set_to_account("org:relief-hz");
          d->set_item_code("mask-medical");
          d->set_unit("只");
          d->set_quantity(1000);
          d->set_value_fen(800'00);
          const Hash256 ref = crypto::Sha256(AsBytes("mask donor"));
          d->set_donor_ref(std::string(ref.begin(), ref.end()));
          d->set_donor_display_name("某口罩厂");
        },
        {&relief});
    REQUIRE(c.Commit(gift).ok());
    REQUIRE(c.Commit(c.MakeTx(
                         [](pb::TxBody& b) {
                           auto* t = b.mutable_goods_transfer();
                           t->set_from_account("org:relief-hz");
                           t->set_to_account("org:clinic-hz");
                           t->set_item_code("mask-medical");
                           t->set_unit("只");
                           t->set_quantity(700);
                         },
                         {&relief, &clinic}))
                .ok());
    REQUIRE(c.Commit(c.MakeTx(
                         [&](pb::TxBody& b) {
                           auto* d = b.mutable_goods_distribution();
                           d->set_from_account("org:clinic-hz");
                           d->set_item_code("mask-medical");
                           d->set_unit("只");
                           d->set_quantity(600);
                           d->set_region("330106");
                           d->set_place_name("西湖区人民医院");
                           d->set_beneficiary_count(600);
                         },
                         {&clinic}))
                .ok());
    api::ServerConfig config;
    config.port = 0;
    server = std::make_unique<api::Server>(config, c.ledger(), api::NodeHooks{});
    REQUIRE(server->Start().ok());
  }
  ~GoodsApi() { server->Stop(); }

  std::pair<unsigned, Json> Get(const std::string& path) {
    auto r = api::HttpRequest("GET", "http://127.0.0.1:" + std::to_string(server->port()) + path, "",
                              "application/json", 10'000);
    REQUIRE(r.ok());
    Json j = Json::parse(r->body, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    return {r->status, j};
  }
  std::string GiftId() {
    pb::Tx envelope;
    REQUIRE(envelope.ParseFromArray(gift.data(), static_cast<int>(gift.size())));
    return crypto::ToHex(ledger::TxId(AsBytes(envelope.body())));
  }

  TestChain c;
  crypto::KeyPair relief = TestKey("relief-hz"), clinic = TestKey("clinic-hz");
  Bytes gift;
  std::unique_ptr<api::Server> server;
};

TEST_CASE("the goods trace endpoint answers in units down to the distribution point") {
  GoodsApi a;
  auto [status, j] = a.Get("/v1/goods/" + a.GiftId() + "/trace");
  REQUIRE(status == 200);
  CHECK(j["quantity"] == 1000);
  CHECK(j["value_fen"] == 80000);
  CHECK(j["item"]["unit"] == "只");
  CHECK(j["item"]["category_zh"] == "防疫物资");
  CHECK(j["totals"]["distributed"] == 600);
  CHECK(j["totals"]["held"] == 400);
  CHECK(j["totals"]["untraced"] == 0);
  REQUIRE(j["nodes"].size() == 2);
  const Json& moved = j["nodes"][0];
  CHECK(moved["fate"] == "moved_on");
  CHECK(moved["tx"]["kind"] == "goods_transfer");
  const Json& handed = moved["children"][0];
  CHECK(handed["fate"] == "distributed");
  CHECK(handed["quantity"] == 600);
  CHECK(handed["holder"] == "org:clinic-hz");
  CHECK(handed["tx"]["place_name"] == "西湖区人民医院");
  CHECK(handed["tx"]["region"] == "330106");
  CHECK(handed["tx"]["expired_quantity"] == 0);
  CHECK(j["nodes"][1]["fate"] == "unspent");
  CHECK(j["nodes"][1]["quantity"] == 300);
}

// Issue 19 part 3: a goods donation's receipt code resolves like a money receipt's, and the
// receipt carries the same proofs (receipt proof, flow proof), the trace in units beside them.
TEST_CASE("a goods receipt resolves by code and prefix and carries a flow proof that verifies") {
  GoodsApi a;
  auto [status, j] = a.Get("/v1/receipts/" + a.GiftId());
  REQUIRE(status == 200);
  REQUIRE(j.contains("goods"));
  CHECK_FALSE(j.contains("donation"));
  const std::string code = j["goods"]["code"];
  CHECK(j["goods"]["quantity"] == 1000);
  CHECK(j["goods"]["totals"]["distributed"] == 600);
  CHECK(j["proof"]["leaf_index"].is_number());
  // By code, by a 12-character prefix, upper-case: the same answer; the QR links to /r/<code>.
  for (const std::string& ref : {code, code.substr(0, 12)}) {
    auto [s2, j2] = a.Get("/v1/receipts/" + ref);
    CHECK(s2 == 200);
    CHECK(j2["goods"]["id"] == a.GiftId());
  }
  auto qr = api::HttpRequest("GET", "http://127.0.0.1:" + std::to_string(a.server->port()) + "/v1/receipts/" + code +
                                        "/qr.svg", "", "application/json", 10'000);
  REQUIRE(qr.ok());
  CHECK(qr->status == 200);
  CHECK(qr->body.find("<svg") != std::string::npos);
  auto [st, trace] = a.Get("/v1/trace/" + code);
  CHECK(st == 200);
  CHECK(trace["goods"]["nodes"] == j["goods"]["nodes"]);

  // The flow proof parses strictly and verifies against the genesis to the trace shown.
  auto proof = ledger::flow_proof::FlowProofFromJson(j["flow_proof"]);
  REQUIRE_MESSAGE(proof.ok(), proof.status().ToString());
  auto view = a.c.ledger().Read();
  Hash256 id{};
  auto raw = crypto::FromHex(a.GiftId());
  REQUIRE(raw.ok());
  std::copy(raw->begin(), raw->end(), id.begin());
  auto receipt = view->ReceiptProof(id);
  REQUIRE(receipt.ok());
  ledger::flow_proof::ReceiptFacts facts{id, receipt->tx.envelope, receipt->tx.body, receipt->tx.location.leaf(),
                                         receipt->header.height()};
  auto verified = ledger::flow_proof::VerifyFlow(*proof, facts, a.c.genesis());
  REQUIRE_MESSAGE(verified.ok(), verified.status().ToString());
  CHECK(verified->goods.has_value());
  CHECK(verified->spent_fen == 600);
  CHECK(verified->unspent_fen == 400);

  // Routes that read money figures do not take a goods code; a distribution is no gift at all.
  CHECK(a.Get("/v1/receipts/" + code + "/feed.atom").first == 404);
  const std::string dist = j["goods"]["nodes"][0]["children"][0]["tx"]["tx_id"];
  auto [sd, jd] = a.Get("/v1/receipts/" + dist);
  CHECK(sd == 404);
  CHECK(jd["error"]["message"].get<std::string>().find("goods_distribution") != std::string::npos);
}

TEST_CASE("goods endpoints refuse bad ids and answer 404 for what does not exist") {
  GoodsApi a;
  CHECK(a.Get("/v1/goods/not-an-id/trace").first == 400);
  CHECK(a.Get("/v1/goods/" + std::string(64, '0') + "/trace").first == 404);
  CHECK(a.Get("/v1/orgs/nobody-here/goods").first == 404);
  CHECK(a.Get("/v1/projects/no-project/goods").first == 404);
}

TEST_CASE("stock by item and the catalogue") {
  GoodsApi a;
  auto [s1, relief] = a.Get("/v1/orgs/relief-hz/goods");
  REQUIRE(s1 == 200);
  REQUIRE(relief["items"].size() == 1);
  CHECK(relief["items"][0]["held"] == 300);
  CHECK(relief["items"][0]["donated"] == 1000);
  CHECK(relief["items"][0]["transferred_out"] == 700);
  auto [s2, clinic] = a.Get("/v1/orgs/clinic-hz/goods");
  REQUIRE(clinic["items"].size() == 1);
  CHECK(clinic["items"][0]["held"] == 100);
  CHECK(clinic["items"][0]["distributed"] == 600);
  auto [s3, project] = a.Get("/v1/projects/flood-2026/goods");
  CHECK(s3 == 200);
  CHECK(project["items"].empty());
  auto [s4, items] = a.Get("/v1/goods/items");
  REQUIRE(s4 == 200);
  CHECK(items["items"].size() == 12);
  CHECK(items["items"][0]["source"] == "genesis");
}

TEST_CASE("compliance surfaces goods handed out from an expired lot") {
  GoodsApi a;
  REQUIRE(a.c.Commit(a.c.MakeTx(
                         [](pb::TxBody& b) {
                           auto* d = b.mutable_goods_donation();
                           d->set_to_account("project:flood-2026");
                           d->set_item_code("rice-10kg");
                           d->set_unit("袋");
                           d->set_quantity(40);
                           const Hash256 ref = crypto::Sha256(AsBytes("rice donor"));
                           d->set_donor_ref(std::string(ref.begin(), ref.end()));
                           d->set_lot_number("L2000-1");
                           d->set_expires_on(20000101);
                         },
                         {&a.relief}))
              .ok());
  auto row_of = [&](const std::string& org) {
    auto [status, j] = a.Get("/v1/compliance");
    REQUIRE(status == 200);
    for (const Json& row : j["orgs"]) {
      if (row["org_id"] == org) return row;
    }
    FAIL("no compliance row for " << org);
    return Json();
  };
  CHECK(row_of("relief-hz")["expired_goods_distributed"]["units"] == 0);
  REQUIRE(a.c.Commit(a.c.MakeTx(
                         [](pb::TxBody& b) {
                           auto* d = b.mutable_goods_distribution();
                           d->set_from_account("project:flood-2026");
                           d->set_item_code("rice-10kg");
                           d->set_unit("袋");
                           d->set_quantity(30);
                           d->set_region("330106");
                           d->set_place_name("翠苑街道安置点");
                         },
                         {&a.relief}))
              .ok());
  const Json row = row_of("relief-hz");
  CHECK(row["expired_goods_distributed"]["distributions"] == 1);
  CHECK(row["expired_goods_distributed"]["units"] == 30);
  CHECK(row["expired_goods_distributed"]["complete"] == true);
  CHECK(row_of("clinic-hz")["expired_goods_distributed"]["units"] == 0);
}

}  // namespace
}  // namespace shanliu
