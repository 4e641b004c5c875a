// Issue 17 parts 4 and 5 against a real server and ledger: GET /v1/honour (the opt-in honour
// list, its year and limit bounds) and the privacy of a holder's endpoints — a gift's donor name,
// donor_ref, memo and a refund's reason never appear in what is served by holder key.
#include <doctest/doctest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "shanliu/api/http_client.h"
#include "shanliu/api/server.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/tx.h"
#include "test_chain.h"

namespace shanliu::api {
namespace {

using Json = nlohmann::json;
using testing::TestChain;
using testing::TestKey;

const std::string kDonorName = "秘密捐赠人王五";
const std::string kMemo = "给妈妈的生日礼物-memo-7731";
const std::string kRefundReason = "王五本人申请退回-reason-5512";

struct HonourApi {
  HonourApi() {
    REQUIRE(chain.RegisterOrg("charity-h", pb::ORG_KIND_CHARITY, charity).ok());
    const Hash256 ref = crypto::Sha256(AsBytes(std::string_view("donor-secret")));
    donor_ref_hex = crypto::ToHex(ref);
    auto gift_tx = [&](std::int64_t fen) {
      return chain.MakeTx(
          [&](pb::TxBody& b) {
            auto* d = b.mutable_donation();
            d->set_to_account("org:charity-h");
            d->set_amount_fen(fen);
            d->set_donor_ref(std::string(ref.begin(), ref.end()));
            d->set_donor_display_name(kDonorName);
            d->set_memo(kMemo);
            d->set_channel(pb::DONATION_CHANNEL_MOBILE_PAYMENT);
            d->set_points_holder(std::string(resident.public_key.begin(), resident.public_key.end()));
          },
          {&charity});
    };
    const Bytes kept = gift_tx(500'00);
    const Bytes refunded = gift_tx(100'00);
    REQUIRE(chain.CommitBlock({kept, refunded}).at(0).ok());
    const Hash256 refunded_id = chain.Decode(refunded).id;
    REQUIRE(chain.Commit(chain.MakeTx(
                             [&](pb::TxBody& b) {
                               b.mutable_refund()->set_donation_tx_id(std::string(refunded_id.begin(), refunded_id.end()));
                               b.mutable_refund()->set_reason(kRefundReason);
                             },
                             {&charity}))
                .ok());
    REQUIRE(chain.Commit(chain.MakeTx(
                             [&](pb::TxBody& b) {
                               b.mutable_honour_name()->set_holder(
                                   std::string(resident.public_key.begin(), resident.public_key.end()));
                               b.mutable_honour_name()->set_display_name("小雨点");
                             },
                             {&resident}))
                .ok());
    ServerConfig config;
    config.port = 0;
    server = std::make_unique<Server>(config, chain.ledger(), NodeHooks{});
    REQUIRE(server->Start().ok());
    base = "http://127.0.0.1:" + std::to_string(server->port());
  }
  ~HonourApi() { server->Stop(); }

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
  void ExpectBadRequest(const std::string& path) {
    const Json j = GetJson(path, 400);
    CHECK(j.contains("error"));
  }

  TestChain chain;
  crypto::KeyPair charity = TestKey("charity-h"), resident = TestKey("resident-h");
  std::string donor_ref_hex;
  std::unique_ptr<Server> server;
  std::string base;
};

TEST_CASE("a holder's points history never shows a gift's donor name, donor_ref, memo or refund reason") {
  HonourApi api;
  const std::string holder = crypto::ToHex(api.resident.public_key);
  const HttpResponse r = api.Get("/v1/points/" + holder);
  REQUIRE(r.status == 200);
  for (const std::string& secret : {kDonorName, kMemo, kRefundReason, api.donor_ref_hex}) {
    INFO(secret);
    CHECK(r.body.find(secret) == std::string::npos);
  }
  // Unicode escapes would hide a leak from the search above: the server writes UTF-8 as is.
  CHECK(r.body.find("小雨点") != std::string::npos);
  const Json j = Json::parse(r.body);
  CHECK(j["balance"] == 50);
  CHECK(j["honour_name"] == "小雨点");
  const Json& items = j["history"]["items"];
  REQUIRE(items.size() == 4);  // honour name, refund, two gifts
  CHECK(items[0]["kind"] == "honour_name");
  CHECK(items[1]["kind"] == "refund");
  CHECK(items[1]["entry"] == "revoked");
  CHECK(items[1]["points"] == -10);
  CHECK_FALSE(items[1]["payload"].contains("reason"));
  const Json& gift = items[2];
  CHECK(gift["kind"] == "donation");
  CHECK(gift["points"] == 10);
  // Amount and counterparty stay: what the holder needs to recognise the entry.
  CHECK(gift["payload"]["amount_fen"] == 100'00);
  CHECK(gift["payload"]["to_account"] == "org:charity-h");
  CHECK(gift["counterparty"]["name_zh"] == "charity-h（测试）");
  for (const char* hidden : {"donor_ref", "donor_display_name", "memo", "bank_ref_hash", "receipt_number_hash"}) {
    CHECK_FALSE(gift["payload"].contains(hidden));
  }
  // The full tx stays public where the whole ledger is read, not gathered under the holder's key.
  const Json tx = api.GetJson("/v1/txs/" + gift["id"].get<std::string>());
  CHECK(tx.dump().find(kMemo) != std::string::npos);
}

TEST_CASE("the honour list lists the named holder for the year and refuses bad years and limits") {
  HonourApi api;
  Json j = api.GetJson("/v1/honour?year=2026");
  CHECK(j["year"] == 2026);
  CHECK(j["time_zone"] == "Asia/Shanghai");
  REQUIRE(j["items"].size() == 1);
  CHECK(j["items"][0]["rank"] == 1);
  CHECK(j["items"][0]["display_name"] == "小雨点");
  CHECK(j["items"][0]["points"] == 50);  // 60 earned, 10 revoked by the refund
  CHECK(j["items"][0]["holder"] == crypto::ToHex(api.resident.public_key));
  CHECK(j.dump().find(kDonorName) == std::string::npos);
  CHECK(api.GetJson("/v1/honour")["year"] == 2026);  // default: the head block's year
  CHECK(api.GetJson("/v1/honour?year=2027")["items"].empty());
  CHECK(api.GetJson("/v1/honour?year=2000")["items"].empty());
  CHECK(api.GetJson("/v1/honour?year=9999")["items"].empty());
  CHECK(api.GetJson("/v1/honour?limit=1")["items"].size() == 1);
  CHECK(api.GetJson("/v1/honour?limit=100")["limit"] == 100);
  for (const char* bad : {"year=1999", "year=10000", "year=abc", "year=-2026", "year=2026.5", "year=",
                          "year=99999999999999999999", "limit=0", "limit=101", "limit=x", "rank=1"}) {
    INFO(bad);
    api.ExpectBadRequest(std::string("/v1/honour?") + bad);
  }
}

}  // namespace
}  // namespace shanliu::api
