// Give back, against a real server and ledger: a merchant's catalogue (GET
// /v1/merchants/{org}/catalogue and the org page), its monthly settlement report in JSON and
// CSV with the Beijing month's boundary milliseconds, the typed errors for bad months and orgs,
// and the CLI's `export settlement` and `tx catalogue-entry` over the same node.
#include <doctest/doctest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_run.h"
#include "shanliu/api/http_client.h"
#include "shanliu/api/server.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/tx.h"
#include "test_chain.h"

namespace shanliu::api {
namespace {

using Json = nlohmann::json;
using testing::RunCli;
using testing::TestChain;
using testing::TestKey;

// 2026-02-01 00:00 in Beijing is 2026-01-31 16:00 UTC; March begins 2026-02-28 16:00 UTC.
constexpr std::uint64_t kFebBeginMs = 1'769'875'200'000;
constexpr std::uint64_t kMarBeginMs = 1'772'294'400'000;
constexpr std::uint64_t kDayMs = 86'400'000;

std::string KeyStr(const crypto::KeyPair& k) { return std::string(k.public_key.begin(), k.public_key.end()); }

struct Shops {
  Shops() {
    REQUIRE(chain.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, charity).ok());
    REQUIRE(chain.RegisterOrg("shop", pb::ORG_KIND_MERCHANT, merchant).ok());
    REQUIRE(chain.RegisterOrg("other-shop", pb::ORG_KIND_MERCHANT, other).ok());
    REQUIRE(chain.OpenProject("meals", "sunshine", charity).ok());
    // ¥1000 for the resident: 100 points.
    REQUIRE(chain.Commit(chain.DonationTx("project:meals", 100'000, chain.bank, "bank-1", &resident)).ok());
    REQUIRE(chain.Commit(Entry("shop", "haircut", "理发一次", "One haircut", 30, true)).ok());
    REQUIRE(chain.Commit(Entry("shop", "eggs", "鸡蛋一盒", "A box of eggs", 15, true)).ok());
    REQUIRE(chain.Commit(Entry("shop", "rice", "大米", "Rice", 50, true)).ok());
    REQUIRE(chain.Commit(Entry("shop", "rice", "大米", "Rice", 50, false)).ok());  // withdrawn

    // January's last millisecond in Beijing, then February's first.
    At(kFebBeginMs - 1, [&] { return std::vector<Bytes>{Redeem("shop", 10, "", "十元抵扣")}; });
    At(kFebBeginMs, [&] { return std::vector<Bytes>{Redeem("shop", 30, "haircut", "理发一次")}; });
    At(kFebBeginMs + 9 * kDayMs, [&] {
      return std::vector<Bytes>{Redeem("shop", 15, "eggs", "鸡蛋一盒"), Redeem("other-shop", 5, "", "书签"), Exchange(60, 10)};
    });
    // A formula as the signed item text: the CSV must show it as text.
    At(kMarBeginMs - 1, [&] { return std::vector<Bytes>{Redeem("shop", 1, "", "=HYPERLINK(\"http://x\")")}; });
    At(kMarBeginMs, [&] { return std::vector<Bytes>{Redeem("shop", 2, "", "三月")}; });

    ServerConfig config;
    config.port = 0;
    server = std::make_unique<Server>(config, chain.ledger(), NodeHooks{});
    REQUIRE(server->Start().ok());
    base = "http://127.0.0.1:" + std::to_string(server->port());
  }
  ~Shops() { server->Stop(); }

  Bytes Entry(const std::string& shop, const std::string& id, const std::string& zh, const std::string& en,
              std::uint64_t points, bool active) {
    return chain.MakeTx(
        [&](pb::TxBody& b) {
          auto* e = b.mutable_catalogue_entry();
          e->set_federation_org("federation");
          e->set_merchant_org(shop);
          e->set_item_id(id);
          e->set_name_zh(zh);
          e->set_name_en(en);
          e->set_points(points);
          e->set_active(active);
        },
        {&chain.federation});
  }
  Bytes Redeem(const std::string& shop, std::uint64_t points, const std::string& catalogue_item,
               const std::string& item) {
    return chain.MakeTx(
        [&](pb::TxBody& b) {
          auto* r = b.mutable_redeem_points();
          r->set_holder(KeyStr(resident));
          r->set_merchant_org(shop);
          r->set_points(points);
          r->set_item(item);
          r->set_catalogue_item(catalogue_item);
        },
        {&resident, shop == "shop" ? &merchant : &other});
  }
  // Service time at the shop paid in points (10 points an hour by default).
  Bytes Exchange(std::uint32_t minutes, std::uint64_t points) {
    return chain.MakeTx(
        [&](pb::TxBody& b) {
          auto* e = b.mutable_service_exchange();
          e->set_holder(KeyStr(resident));
          e->set_provider_org("shop");
          e->set_minutes(minutes);
          e->set_service("上门维修");
          e->set_points(points);
        },
        {&resident, &merchant});
  }
  // One block of the txs `make` signs for `time_ms`, at that time; every tx must apply.
  void At(std::uint64_t time_ms, const std::function<std::vector<Bytes>()>& make) {
    chain.signing_time_ms = time_ms;
    for (const Status& s : chain.CommitBlock(make(), time_ms)) REQUIRE_MESSAGE(s.ok(), s.ToString());
  }

  HttpResponse Get(const std::string& path) {
    auto r = HttpRequest("GET", base + path, "", "application/json", 10'000);
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    return *r;
  }
  Json GetJson(const std::string& path, unsigned status = 200) {
    const HttpResponse r = Get(path);
    INFO(path << " -> " << r.body);
    CHECK(r.status == status);
    return Json::parse(r.body);
  }
  void ExpectError(const std::string& path, unsigned status, const std::string& code) {
    const Json j = GetJson(path, status);
    CHECK_MESSAGE(j["error"]["code"] == code, path);
  }

  TestChain chain;
  crypto::KeyPair charity = TestKey("sunshine"), merchant = TestKey("shop"), other = TestKey("other-shop"),
                  resident = TestKey("resident");
  std::unique_ptr<Server> server;
  std::string base;
};

TEST_CASE("a merchant's catalogue lists its items with prices, withdrawn ones marked, page by page") {
  Shops s;
  const Json all = s.GetJson("/v1/merchants/shop/catalogue");
  CHECK(all["merchant"] == "shop");
  REQUIRE(all["items"].size() == 3);
  CHECK(all["items"][0]["item_id"] == "eggs");  // item-id order
  CHECK(all["items"][1]["item_id"] == "haircut");
  CHECK(all["items"][1]["points"] == 30);
  CHECK(all["items"][1]["name_zh"] == "理发一次");
  CHECK(all["items"][1]["name_en"] == "One haircut");
  CHECK(all["items"][1]["active"] == true);
  CHECK(all["items"][1]["listed_by"] == "federation");
  CHECK(all["items"][2]["item_id"] == "rice");
  CHECK(all["items"][2]["active"] == false);
  CHECK(all["items"][2]["revision"] == 2);
  CHECK(all["next"].is_null());

  const Json first = s.GetJson("/v1/merchants/shop/catalogue?limit=2");
  REQUIRE(first["items"].size() == 2);
  REQUIRE(first["next"] == "haircut");
  const Json second = s.GetJson("/v1/merchants/shop/catalogue?limit=2&cursor=haircut");
  REQUIRE(second["items"].size() == 1);
  CHECK(second["items"][0]["item_id"] == "rice");
  CHECK(second["next"].is_null());
  CHECK(s.GetJson("/v1/merchants/other-shop/catalogue")["items"].empty());

  // The org page carries it for merchants, null for every other kind.
  CHECK(s.GetJson("/v1/orgs/shop")["catalogue"]["items"].size() == 3);
  CHECK(s.GetJson("/v1/orgs/sunshine")["catalogue"].is_null());

  s.ExpectError("/v1/merchants/sunshine/catalogue", 400, "wrong_kind");
  s.ExpectError("/v1/merchants/no-such-shop/catalogue", 404, "not_found");
  s.ExpectError("/v1/merchants/Bad_Id/catalogue", 400, "invalid_argument");
  s.ExpectError("/v1/merchants/shop/catalogue?cursor=Not%20an%20id", 400, "invalid_argument");
  s.ExpectError("/v1/merchants/shop/catalogue?limit=0", 400, "invalid_argument");
  s.ExpectError("/v1/merchants/shop/catalogue?limit=101", 400, "invalid_argument");
  s.ExpectError("/v1/merchants/shop/catalogue?sort=price", 400, "unknown_parameter");
}

TEST_CASE("the monthly settlement holds the Beijing month's redemptions and service exchanges, to the millisecond") {
  Shops s;
  const Json feb = s.GetJson("/v1/merchants/shop/settlement?month=2026-02");
  CHECK(feb["merchant"] == "shop");
  CHECK(feb["month"] == "2026-02");
  CHECK(feb["begin_ms"] == kFebBeginMs);
  CHECK(feb["end_ms"] == kMarBeginMs);
  CHECK(feb["month_closed"] == true);
  const Json& rows = feb["rows"];
  REQUIRE(rows.size() == 4);  // not January's last ms, not March's first, not the other shop
  CHECK(rows[0]["time_ms"] == kFebBeginMs);
  CHECK(rows[0]["kind"] == "redemption");
  CHECK(rows[0]["catalogue_item"] == "haircut");
  CHECK(rows[0]["points"] == 30);
  CHECK(rows[0]["holder"] == crypto::ToHex(s.resident.public_key));
  CHECK(rows[1]["catalogue_item"] == "eggs");
  CHECK(rows[2]["kind"] == "service_exchange");
  CHECK(rows[2]["catalogue_item"].is_null());
  CHECK(rows[2]["points"] == 10);
  CHECK(rows[2]["minutes"] == 60);
  CHECK(rows[3]["time_ms"] == kMarBeginMs - 1);
  CHECK(rows[3]["points"] == 1);
  for (const Json& row : rows) {
    // Each row names a committed tx at its height.
    const Json tx = s.GetJson("/v1/txs/" + row["tx_id"].get<std::string>());
    CHECK(tx["status"] == "committed");
    CHECK(tx["height"] == row["height"]);
  }
  const Json& t = feb["totals"];
  CHECK(t["redemption_count"] == 3);
  CHECK(t["points_redeemed"] == 46);
  CHECK(t["service_exchange_count"] == 1);
  CHECK(t["service_points"] == 10);
  CHECK(t["service_minutes"] == 60);
  CHECK(t["points_total"] == 56);
  CHECK(feb["computed_at"]["height"] == s.chain.ledger().height());

  const Json jan = s.GetJson("/v1/merchants/shop/settlement?month=2026-01&format=json");
  REQUIRE(jan["rows"].size() == 1);
  CHECK(jan["rows"][0]["time_ms"] == kFebBeginMs - 1);
  CHECK(jan["totals"]["points_redeemed"] == 10);
  const Json mar = s.GetJson("/v1/merchants/shop/settlement?month=2026-03");
  REQUIRE(mar["rows"].size() == 1);
  CHECK(mar["month_closed"] == false);  // the head is still in March
  CHECK(s.GetJson("/v1/merchants/shop/settlement?month=2025-12")["rows"].empty());
  const Json other = s.GetJson("/v1/merchants/other-shop/settlement?month=2026-02");
  REQUIRE(other["rows"].size() == 1);
  CHECK(other["totals"]["points_redeemed"] == 5);
}

TEST_CASE("the settlement CSV is formula-safe and ends with a totals row naming the height") {
  Shops s;
  const HttpResponse r = s.Get("/v1/merchants/shop/settlement?month=2026-02&format=csv");
  REQUIRE(r.status == 200);
  CHECK(r.content_type.starts_with("text/csv"));
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < r.body.size();) {
    const std::size_t end = r.body.find("\r\n", at);
    REQUIRE(end != std::string::npos);
    lines.push_back(r.body.substr(at, end - at));
    at = end + 2;
  }
  REQUIRE(lines.size() == 6);  // header, 4 rows, totals
  CHECK(lines[0] == "tx_id,height,time_ms,kind,holder,catalogue_item,item,points,minutes");
  CHECK(lines[1].find(",redemption,") != std::string::npos);
  CHECK(lines[1].ends_with(",haircut,理发一次,30,0"));
  CHECK(lines[3].ends_with(",,上门维修,10,60"));
  // The hostile item is text, not a formula: apostrophe, quoted, quotes doubled.
  CHECK(lines[4].find(",\"'=HYPERLINK(\"\"http://x\"\")\",1,0") != std::string::npos);
  CHECK(lines[5] == "total," + std::to_string(s.chain.ledger().height()) + "," +
                        std::to_string(s.chain.ledger().head().time_ms()) + ",closed,,,2026-02,56,60");
}

TEST_CASE("settlement refuses bad months, formats and organisations with typed errors") {
  Shops s;
  for (const char* bad : {"2026-2", "2026-13", "2026-00", "1969-12", "10000-01", "abcd-ef", "2026-02-01", "2026_02",
                          "+026-02", "2026-1a", "%202026-02", "2026-02%20", ""}) {
    CAPTURE(bad);
    s.ExpectError(std::string("/v1/merchants/shop/settlement?month=") + bad, 400, "invalid_argument");
  }
  s.ExpectError("/v1/merchants/shop/settlement", 400, "invalid_argument");  // month is required
  // NUL bytes never reach the month parser: the query decoder refuses them.
  s.ExpectError("/v1/merchants/shop/settlement?month=%00%00%00%00-02", 400, "invalid_query");
  s.ExpectError("/v1/merchants/shop/settlement?month=2026-02&format=xml", 400, "invalid_argument");
  s.ExpectError("/v1/merchants/shop/settlement?month=2026-02&format=CSV", 400, "invalid_argument");
  s.ExpectError("/v1/merchants/no-such-shop/settlement?month=2026-02", 404, "not_found");
  s.ExpectError("/v1/merchants/sunshine/settlement?month=2026-02", 400, "wrong_kind");
  s.ExpectError("/v1/merchants/federation/settlement?month=2026-02", 400, "wrong_kind");
  s.ExpectError("/v1/merchants/shop/settlement?month=2026-02&from=2026-02-01", 400, "unknown_parameter");
  // The boundaries that pass: the first and last months of the range.
  CHECK(s.GetJson("/v1/merchants/shop/settlement?month=1970-01")["rows"].empty());
  CHECK(s.GetJson("/v1/merchants/shop/settlement?month=9999-12")["month_closed"] == false);
}

TEST_CASE("shanliu export settlement writes the node's report and passes its typed errors on") {
  Shops s;
  const testing::CliRun json = RunCli({"export", "settlement", "--node", s.base, "--merchant", "shop", "--month", "2026-02"});
  INFO(json.output);
  REQUIRE(json.code == 0);
  const Json report = Json::parse(json.output);
  CHECK(report["totals"]["points_total"] == 56);

  const testing::CliRun csv =
      RunCli({"export", "settlement", "--node", s.base, "--merchant", "shop", "--month", "2026-02", "--csv"});
  REQUIRE(csv.code == 0);
  CHECK(csv.output.starts_with("tx_id,height,time_ms,kind,holder,catalogue_item,item,points,minutes\r\n"));
  CHECK(csv.output.find("\r\ntotal,") != std::string::npos);

  const testing::CliRun wrong_kind =
      RunCli({"export", "settlement", "--node", s.base, "--merchant", "sunshine", "--month", "2026-02"});
  CHECK(wrong_kind.code == 1);
  CHECK(wrong_kind.output.find("wrong_kind") != std::string::npos);
  const testing::CliRun unknown =
      RunCli({"export", "settlement", "--node", s.base, "--merchant", "nobody", "--month", "2026-02"});
  CHECK(unknown.code == 1);
  CHECK(unknown.output.find("not_found") != std::string::npos);
  const testing::CliRun month13 =
      RunCli({"export", "settlement", "--node", s.base, "--merchant", "shop", "--month", "2026-13"});
  CHECK(month13.code == 1);
  CHECK(month13.output.find("invalid_argument") != std::string::npos);
  // Checked before any request: a month or id that would change the URL is a usage error.
  CHECK(RunCli({"export", "settlement", "--node", s.base, "--merchant", "shop", "--month", "2026-02&x=1"}).code == 2);
  CHECK(RunCli({"export", "settlement", "--node", s.base, "--merchant", "shop/../x", "--month", "2026-02"}).code == 2);
  CHECK(RunCli({"export", "settlement", "--node", s.base, "--month", "2026-02"}).code == 2);
}

TEST_CASE("shanliu tx catalogue-entry builds the federation's entry from its flags") {
  Shops s;
  testing::TempDir tmp;
  const std::string key = (tmp.path() / "federation.key").string();
  REQUIRE(crypto::WriteKeyFile(key, s.chain.federation).ok());
  const testing::CliRun listed =
      RunCli({"tx", "catalogue-entry", "--key", key, "--node", s.base, "--dry-run", "--federation", "federation",
              "--org", "shop", "--item-id", "massage", "--name-zh", "按摩一次", "--name-en", "A massage", "--points",
              "40", "--active", "true"});
  INFO(listed.output);
  REQUIRE(listed.code == 0);
  CHECK(listed.output.find("envelope") != std::string::npos);
  CHECK(RunCli({"tx", "catalogue-entry", "--key", key, "--node", s.base, "--dry-run", "--federation", "federation",
                "--org", "shop", "--item-id", "massage", "--name-zh", "按摩一次", "--points", "40", "--active", "yes"})
            .code == 2);
  // The price bound shows before any network trip.
  CHECK(RunCli({"tx", "catalogue-entry", "--key", key, "--node", s.base, "--dry-run", "--federation", "federation",
                "--org", "shop", "--item-id", "massage", "--name-zh", "按摩一次", "--points", "1000001", "--active",
                "true"})
            .code != 0);
}

TEST_CASE("GET /v1/points shows expiring lots and leaves expired points out of the balance") {
  TestChain chain([](ledger::Genesis& g) { g.params.points_expiry_years = 1; });
  const crypto::KeyPair charity = TestKey("sunshine"), resident = TestKey("resident");
  REQUIRE(chain.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, charity).ok());
  const std::uint64_t t1 = chain.genesis().genesis_time_ms + 10 * kDayMs;
  const std::uint64_t year_ms = 365 * kDayMs;
  const auto earn = [&](std::uint64_t time_ms, std::int64_t fen) {
    chain.signing_time_ms = time_ms;
    REQUIRE(chain.CommitBlock({chain.DonationTx("org:sunshine", fen, chain.bank, "bank-1", &resident)}, time_ms)[0].ok());
  };
  earn(t1, 10'000);                 // 10 points
  earn(t1 + 40 * kDayMs, 20'000);   // 20 points
  ServerConfig config;
  config.port = 0;
  Server server(config, chain.ledger(), NodeHooks{});
  REQUIRE(server.Start().ok());
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/v1/points/" +
                          crypto::ToHex(resident.public_key);
  const auto points = [&] {
    auto r = HttpRequest("GET", url, "", "application/json", 10'000);
    REQUIRE(r.ok());
    REQUIRE(r->status == 200);
    return Json::parse(r->body);
  };
  Json p = points();
  CHECK(p["points_expiry_years"] == 1);
  CHECK(p["balance"] == 30);
  CHECK(p["expired"] == 0);
  REQUIRE(p["expiring"].size() == 2);
  CHECK(p["expiring"][0]["points"] == 10);
  CHECK(p["expiring"][0]["earned_at_ms"] == t1);
  CHECK(p["expiring"][0]["expires_at_ms"] == t1 + year_ms);
  CHECK(p["expiring"][1]["expires_at_ms"] == t1 + 40 * kDayMs + year_ms);
  // A block at the first lot's expiry (any tx): the head's time makes those 10 expired at once.
  chain.signing_time_ms = t1 + year_ms;
  REQUIRE(chain.CommitBlock({chain.DonationTx("org:sunshine", 500, chain.bank, "bank-1")}, t1 + year_ms)[0].ok());
  p = points();
  CHECK(p["balance"] == 20);
  CHECK(p["expired"] == 10);
  REQUIRE(p["expiring"].size() == 1);
  CHECK(p["expiring"][0]["points"] == 20);
  server.Stop();
}

}  // namespace
}  // namespace shanliu::api
