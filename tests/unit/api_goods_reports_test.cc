// Goods reports (docs/api.md "Goods history", compliance "expired_goods_held"): an organisation's
// or project's goods history with valued amounts and regions, and lots held past their expiry
// date judged by the head block's Beijing date — the expiry day itself passes, the day after fails.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "test_chain.h"

#include "shanliu/api/http_client.h"
#include "shanliu/api/server.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/goods.h"
#include "shanliu/ledger/goods_report.h"

namespace shanliu {
namespace {

using Json = nlohmann::json;
using testing::TestChain;
using testing::TestKey;

// The test chain's genesis is 2026-01-01 08:00 Beijing.
constexpr std::uint64_t kJan2nd = 1'767'283'200'000;  // 2026-01-02 00:00:00.000 Beijing
constexpr std::uint64_t kJan3rd = 1'767'369'600'000;  // 2026-01-03 00:00:00.000 Beijing

struct GoodsReports {
  GoodsReports() {
    REQUIRE(c.RegisterOrg("relief-hz", pb::ORG_KIND_CHARITY, relief).ok());
    REQUIRE(c.RegisterOrg("clinic-hz", pb::ORG_KIND_CHARITY, clinic).ok());
    REQUIRE(c.OpenProject("flood-2026", "relief-hz", relief).ok());
    REQUIRE(c.Commit(Donation("org:relief-hz", "mask-medical", "只", 1000, 800'00, "", 0)).ok());
    REQUIRE(c.Commit(Transfer("org:relief-hz", "org:clinic-hz", 700)).ok());
    REQUIRE(c.Commit(Distribution("org:clinic-hz", "mask-medical", "只", 600, "330106", "西湖区人民医院")).ok());
    REQUIRE(c.Commit(Distribution("org:clinic-hz", "mask-medical", "只", 50, "330108", "滨江区长河街道")).ok());
    api::ServerConfig config;
    config.port = 0;
    config.threads = 1;
    server = std::make_unique<api::Server>(config, c.ledger(), api::NodeHooks{});
    REQUIRE(server->Start().ok());
  }
  ~GoodsReports() { server->Stop(); }

  Bytes Donation(const std::string& to, const std::string& item, const std::string& unit, std::uint64_t quantity,
                 std::int64_t value_fen, const std::string& lot, std::uint32_t expires_on) {
    const crypto::KeyPair* signer = to.starts_with("org:clinic") ? &clinic : &relief;
    return c.MakeTx(
        [&](pb::TxBody& b) {
          auto* d = b.mutable_goods_donation();
          d->set_to_account(to);
          d->set_item_code(item);
          d->set_unit(unit);
          d->set_quantity(quantity);
          d->set_value_fen(value_fen);
          const Hash256 ref = crypto::Sha256(AsBytes("donor of " + item));
          d->set_donor_ref(std::string(ref.begin(), ref.end()));
          d->set_donor_display_name("=某口罩厂");
          d->set_lot_number(lot);
          d->set_expires_on(expires_on);
        },
        {signer});
  }
  Bytes Transfer(const std::string& from, const std::string& to, std::uint64_t quantity) {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          auto* t = b.mutable_goods_transfer();
          t->set_from_account(from);
          t->set_to_account(to);
          t->set_item_code("mask-medical");
          t->set_unit("只");
          t->set_quantity(quantity);
          t->set_purpose("支援门诊");
        },
        {&relief, &clinic});
  }
  Bytes Distribution(const std::string& from, const std::string& item, const std::string& unit,
                     std::uint64_t quantity, const std::string& region, const std::string& place) {
    const crypto::KeyPair* signer = from == "org:clinic-hz" ? &clinic : &relief;
    return c.MakeTx(
        [&](pb::TxBody& b) {
          auto* d = b.mutable_goods_distribution();
          d->set_from_account(from);
          d->set_item_code(item);
          d->set_unit(unit);
          d->set_quantity(quantity);
          d->set_region(region);
          d->set_place_name(place);
          d->set_beneficiary_count(static_cast<std::uint32_t>(quantity));
        },
        {signer});
  }

  std::pair<unsigned, Json> Get(const std::string& path) {
    auto r = api::HttpRequest("GET", "http://127.0.0.1:" + std::to_string(server->port()) + path, "",
                              "application/json", 10'000);
    REQUIRE(r.ok());
    Json j = Json::parse(r->body, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    return {r->status, j};
  }

  Json ComplianceRow(const std::string& org) {
    auto [status, j] = Get("/v1/compliance");
    REQUIRE(status == 200);
    for (const Json& row : j["orgs"]) {
      if (row["org_id"] == org) return row;
    }
    FAIL("no compliance row for " << org);
    return Json();
  }

  TestChain c;
  crypto::KeyPair relief = TestKey("relief-hz"), clinic = TestKey("clinic-hz");
  std::unique_ptr<api::Server> server;
};

TEST_CASE("goods history lists inflow transfers and distributions newest first with regions and values") {
  GoodsReports g;
  auto [status, j] = g.Get("/v1/orgs/clinic-hz/goods/history");
  REQUIRE(status == 200);
  CHECK(j["account"] == "org:clinic-hz");
  CHECK(j["next_before"].is_null());
  REQUIRE(j["items"].size() == 3);
  const Json& last = j["items"][0];
  CHECK(last["kind"] == "goods_distribution");
  CHECK(last["region"] == "330108");
  CHECK(last["region_name"] == "浙江省杭州市滨江区");
  CHECK(last["place_name"] == "滨江区长河街道");
  CHECK(last["quantity"] == 50);
  CHECK(last["value_fen"] == 4000);  // 50 of 1000 masks valued 800.00 yuan
  CHECK(last["item"]["unit"] == "只");
  CHECK(last["expired_quantity"] == 0);
  CHECK(j["items"][1]["region_name"] == "浙江省杭州市西湖区");
  CHECK(j["items"][1]["value_fen"] == 48000);
  const Json& in = j["items"][2];
  CHECK(in["kind"] == "goods_transfer");
  CHECK(in["direction"] == "in");
  CHECK(in["from_account"] == "org:relief-hz");
  CHECK(in["value_fen"] == 56000);

  auto [s2, relief] = g.Get("/v1/orgs/relief-hz/goods/history");
  REQUIRE(s2 == 200);
  REQUIRE(relief["items"].size() == 2);
  CHECK(relief["items"][0]["direction"] == "out");
  CHECK(relief["items"][1]["kind"] == "goods_donation");
  CHECK(relief["items"][1]["value_fen"] == 80000);
  CHECK(relief["items"][1]["donor_display_name"] == "=某口罩厂");
}

TEST_CASE("stock by item carries the held stock's valued amount FIFO from its donations") {
  GoodsReports g;
  auto [s1, relief] = g.Get("/v1/orgs/relief-hz/goods");
  REQUIRE(s1 == 200);
  REQUIRE(relief["items"].size() == 1);
  CHECK(relief["items"][0]["held"] == 300);
  CHECK(relief["items"][0]["held_value_fen"] == 24000);  // 300 of 1000 masks valued 800.00
  CHECK(relief["items"][0]["held_value_complete"] == true);
  auto [s2, clinic] = g.Get("/v1/orgs/clinic-hz/goods");
  REQUIRE(clinic["items"].size() == 1);
  CHECK(clinic["items"][0]["held"] == 50);
  CHECK(clinic["items"][0]["held_value_fen"] == 4000);  // 50 of the 700 moved, valued 560.00
  // A second donation at another value: the older units leave first, so the held value is the
  // newer donation's share plus what is left of the older one.
  REQUIRE(g.c.Commit(g.Donation("org:relief-hz", "mask-medical", "只", 100, 200'00, "", 0)).ok());
  REQUIRE(g.c.Commit(g.Transfer("org:relief-hz", "org:clinic-hz", 350)).ok());
  auto [s3, after] = g.Get("/v1/orgs/relief-hz/goods");
  CHECK(after["items"][0]["held"] == 50);
  CHECK(after["items"][0]["held_value_fen"] == 10000);  // 50 of the 100 valued 200.00
  // Money balances never include it.
  auto [s4, org] = g.Get("/v1/orgs/relief-hz");
  REQUIRE(s4 == 200);
  CHECK(org["accounts"][0]["flow"]["balance_fen"] == 0);
}

TEST_CASE("goods history pages with before and limit and filters by kind") {
  GoodsReports g;
  std::vector<std::string> kinds;
  std::string target = "/v1/orgs/clinic-hz/goods/history?limit=1";
  for (int pages = 0; pages < 10; ++pages) {
    auto [status, j] = g.Get(target);
    REQUIRE(status == 200);
    REQUIRE(j["items"].size() <= 1);
    for (const Json& row : j["items"]) kinds.push_back(row["kind"]);
    if (j["next_before"].is_null()) break;
    target = "/v1/orgs/clinic-hz/goods/history?limit=1&before=" + std::to_string(j["next_before"].get<std::uint64_t>());
  }
  CHECK(kinds == std::vector<std::string>{"goods_distribution", "goods_distribution", "goods_transfer"});

  auto [s1, only] = g.Get("/v1/orgs/clinic-hz/goods/history?kind=goods_distribution&limit=100");
  REQUIRE(s1 == 200);
  CHECK(only["items"].size() == 2);
  auto [s2, none] = g.Get("/v1/orgs/clinic-hz/goods/history?kind=goods_donation");
  REQUIRE(s2 == 200);
  CHECK(none["items"].empty());
  CHECK(none["next_before"].is_null());
  // A project's history is its own: the project was never given goods.
  auto [s3, project] = g.Get("/v1/projects/flood-2026/goods/history");
  REQUIRE(s3 == 200);
  CHECK(project["items"].empty());
  // Money does not appear in a goods history.
  REQUIRE(g.c.Commit(g.c.DonationTx("org:clinic-hz", 500, g.clinic)).ok());
  auto [s4, after] = g.Get("/v1/orgs/clinic-hz/goods/history");
  CHECK(after["items"].size() == 3);
}

TEST_CASE("goods history refuses malformed and hostile queries with typed errors") {
  GoodsReports g;
  auto expect = [&](const std::string& target, unsigned want, const std::string& code) {
    INFO(target);
    auto [status, j] = g.Get(target);
    CHECK(status == want);
    CHECK(j["error"]["code"] == code);
  };
  expect("/v1/orgs/clinic-hz/goods/history?limit=0", 400, "invalid_argument");
  expect("/v1/orgs/clinic-hz/goods/history?limit=101", 400, "invalid_argument");
  expect("/v1/orgs/clinic-hz/goods/history?kind=donation", 400, "invalid_argument");
  expect("/v1/orgs/clinic-hz/goods/history?kind=", 400, "invalid_argument");
  expect("/v1/orgs/clinic-hz/goods/history?before=-1", 400, "invalid_argument");
  expect("/v1/orgs/clinic-hz/goods/history?before=18446744073709551616", 400, "invalid_argument");
  expect("/v1/orgs/clinic-hz/goods/history?sort=asc", 400, "unknown_parameter");
  expect("/v1/orgs/Clinic%20HZ/goods/history", 400, "invalid_argument");
  expect("/v1/orgs/no-such-org/goods/history", 404, "not_found");
  expect("/v1/projects/no-such-project/goods/history", 404, "not_found");
  // The boundaries that pass: limit 1 and 100, before 0 (nothing below it).
  CHECK(g.Get("/v1/orgs/clinic-hz/goods/history?limit=100").first == 200);
  auto [status, j] = g.Get("/v1/orgs/clinic-hz/goods/history?before=0");
  CHECK(status == 200);
  CHECK(j["items"].empty());
}

TEST_CASE("a lot held on its expiry day is fit and flagged from the day after by the head block date") {
  GoodsReports g;
  // 40 bags of rice expiring on 2 January 2026 into the project; 10 handed out on 2 January.
  g.c.signing_time_ms = kJan2nd;
  REQUIRE(g.c.CommitBlock({g.Donation("project:flood-2026", "rice-10kg", "袋", 40, 4000'00, "L-0102", 20260102)},
                          kJan2nd)[0]
              .ok());
  REQUIRE(g.c.CommitBlock({g.Distribution("project:flood-2026", "rice-10kg", "袋", 10, "330106", "翠苑街道安置点")},
                          kJan2nd + 1000)[0]
              .ok());
  Json held = g.ComplianceRow("relief-hz")["expired_goods_held"];
  CHECK(held["judged_on"] == "2026-01-02");
  CHECK(held["units"] == 0);
  CHECK(held["lots"].empty());
  CHECK(g.ComplianceRow("relief-hz")["expired_goods_distributed"]["units"] == 0);

  // The last millisecond of the expiry day: still fit.
  REQUIRE(g.c.CommitBlock({g.c.DonationTx("org:clinic-hz", 100, g.clinic)}, kJan3rd - 1)[0].ok());
  CHECK(g.ComplianceRow("relief-hz")["expired_goods_held"]["units"] == 0);

  // The first millisecond of the day after: the 30 bags still held are flagged for the owner.
  g.c.signing_time_ms = kJan3rd;
  REQUIRE(g.c.CommitBlock({g.c.DonationTx("org:clinic-hz", 100, g.clinic)}, kJan3rd)[0].ok());
  held = g.ComplianceRow("relief-hz")["expired_goods_held"];
  CHECK(held["judged_on"] == "2026-01-03");
  CHECK(held["units"] == 30);
  CHECK(held["lot_count"] == 1);
  CHECK(held["complete"] == true);
  REQUIRE(held["lots"].size() == 1);
  CHECK(held["lots"][0]["holder"] == "project:flood-2026");
  CHECK(held["lots"][0]["lot_number"] == "L-0102");
  CHECK(held["lots"][0]["expires_on"] == "2026-01-02");
  CHECK(held["lots"][0]["units"] == 30);
  CHECK(g.ComplianceRow("clinic-hz")["expired_goods_held"]["units"] == 0);

  // Handing the rest out clears the flag (and flags the distribution instead).
  REQUIRE(g.c.CommitBlock({g.Distribution("project:flood-2026", "rice-10kg", "袋", 30, "330106", "翠苑街道安置点")},
                          kJan3rd + 1000)[0]
              .ok());
  const Json row = g.ComplianceRow("relief-hz");
  CHECK(row["expired_goods_held"]["units"] == 0);
  CHECK(row["expired_goods_distributed"]["units"] == 30);
}

TEST_CASE("expired holdings report incomplete when the scan budget ends and value outflows pro rata") {
  GoodsReports g;
  g.c.signing_time_ms = kJan2nd;
  REQUIRE(g.c.CommitBlock({g.Donation("org:relief-hz", "rice-10kg", "袋", 3, 1000, "L-A", 20260101)}, kJan2nd)[0].ok());
  const std::shared_ptr<const ledger::ReadView> read = g.c.ledger().Read();
  const ledger::ReadView& view = *read;
  auto owner = [](const std::string&) { return std::string("relief-hz"); };
  // Two goods donations on the chain: a budget of one stops early and says so.
  auto cut = ledger::goods::ExpiredHoldings(view.state(), 20260102, 1, 20, owner);
  CHECK_FALSE(cut.complete);
  auto whole = ledger::goods::ExpiredHoldings(view.state(), 20260102, 10, 20, owner);
  CHECK(whole.complete);
  CHECK(whole.units["relief-hz"] == 3);
  // The expiry day itself: nothing expired.
  CHECK(ledger::goods::ExpiredHoldings(view.state(), 20260101, 10, 20, owner).units.empty());

  // 1 of 3 bags valued 10.00 yuan: 3.33 rounded down, never more than declared.
  REQUIRE(g.c.CommitBlock({g.Distribution("org:relief-hz", "rice-10kg", "袋", 1, "330106", "安置点")}, kJan2nd + 1000)[0]
              .ok());
  auto [status, j] = g.Get("/v1/orgs/relief-hz/goods/history?kind=goods_distribution");
  REQUIRE(status == 200);
  REQUIRE(j["items"].size() == 1);
  CHECK(j["items"][0]["value_fen"] == 333);
  CHECK(j["items"][0]["lots"] == Json::array({"L-A"}));
  CHECK(j["items"][0]["expired_quantity"] == 1);
  // A leaf that made no outflow is a typed error.
  CHECK(ledger::goods::ValueOfOutflow(g.c.ledger().Read()->state(), 0, 10).status().code() == "not_found");
}

}  // namespace
}  // namespace shanliu
