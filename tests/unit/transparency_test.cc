// The transparency score (docs/transparency.md, method shanliu-transparency/1): every component at
// its boundaries, the score's rounding and "no data", the two endpoints with hostile query strings,
// and the OrgYear counters kept at commit against a recount from the log of a random chain.
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "../../api/src/transparency.h"
#include "shanliu/api/http_client.h"
#include "shanliu/api/server.h"
#include "shanliu/crypto/hash.h"
#include "test_chain.h"

using namespace shanliu;
using namespace shanliu::api::internal;
using shanliu::testing::TestChain;
using shanliu::testing::TestKey;
using Json = nlohmann::json;

namespace {

TransparencyInputs NothingDue() {
  TransparencyInputs in;
  in.year = 2027;
  in.annual_report.state = ReportState::kNotYetDue;
  in.audit.state = ReportState::kNotYetDue;
  return in;
}

const TransparencyComponent& Component(const TransparencyScore& s, const std::string& name) {
  for (const TransparencyComponent& c : s.components) {
    if (c.name == name) return c;
  }
  FAIL("no component " << name);
  return s.components.front();
}

}  // namespace

TEST_CASE("a share component is 0 at 0 percent and the full weight at 100 percent") {
  CHECK(ShareComponent("x", 15, 0, 1'000).earned_milli == 0);
  CHECK(ShareComponent("x", 15, 1'000, 1'000).earned_milli == 15'000);
  CHECK(ShareComponent("x", 15, 1, 3).earned_milli == 5'000);
  CHECK(ShareComponent("x", 15, 2, 3).earned_milli == 10'000);
  CHECK(ShareComponent("x", 15, 999, 1'000).earned_milli == 14'985);
  CHECK(ShareComponent("x", 15, 1, 1'000).state == ComponentState::kScored);
}

TEST_CASE("a share with a zero or negative denominator is not applicable and never a zero") {
  for (std::int64_t whole : {std::int64_t{0}, std::int64_t{-5}}) {
    const TransparencyComponent c = ShareComponent("x", 15, 0, whole);
    CHECK(c.state == ComponentState::kNotApplicable);
    CHECK(c.earned_milli == 0);
  }
  // A part outside [0, whole] (never on a valid chain) is clamped, not trusted.
  CHECK(ShareComponent("x", 15, 2'000, 1'000).earned_milli == 15'000);
  CHECK(ShareComponent("x", 15, -1, 1'000).earned_milli == 0);
  // Hostile magnitudes do not overflow.
  CHECK(ShareComponent("x", 15, INT64_MAX - 1, INT64_MAX).earned_milli == 14'999);
}

TEST_CASE("report components earn all when on time, half when late, nothing when missing") {
  CHECK(ReportComponent("a", 15, ReportState::kOnTime).earned_milli == 15'000);
  CHECK(ReportComponent("a", 15, ReportState::kLate).earned_milli == 7'500);
  const TransparencyComponent missing = ReportComponent("a", 15, ReportState::kMissing);
  CHECK(missing.state == ComponentState::kScored);
  CHECK(missing.earned_milli == 0);
  CHECK(ReportComponent("a", 15, ReportState::kNotYetDue).state == ComponentState::kNotApplicable);
  CHECK(ReportComponent("a", 15, ReportState::kNotRequired).state == ComponentState::kNotApplicable);
}

TEST_CASE("the audit report is on time at the last millisecond of the due day and late one after") {
  const ledger::ComplianceParams params;  // due 31 May by default
  const std::uint64_t due_ms = BeijingDayEndMs(2027, params.annual_report_due_month, params.annual_report_due_day);
  const std::uint64_t now_ms = due_ms + 86'400'000;
  auto judged = [&](std::uint64_t filed_ms, pb::DisclosureType type) {
    const std::vector<Filing> filings = {Filing{filed_ms, type, "2026", "", "code"}};
    return ReportComponent("audit", TransparencyWeights::kAudit,
                           CheckYearReport(filings, pb::DISCLOSURE_TYPE_AUDIT, 2027, params, now_ms, true).state);
  };
  CHECK(judged(due_ms, pb::DISCLOSURE_TYPE_AUDIT).earned_milli == 10'000);
  CHECK(judged(due_ms + 1, pb::DISCLOSURE_TYPE_AUDIT).earned_milli == 5'000);
  // An annual report is not an audit: the audit is missing.
  const TransparencyComponent other = judged(due_ms, pb::DISCLOSURE_TYPE_ANNUAL_REPORT);
  CHECK(other.state == ComponentState::kScored);
  CHECK(other.earned_milli == 0);
}

TEST_CASE("closing reports count on time as one, late as a half, missing as none") {
  ProjectReports r;
  CHECK(ProjectReportsComponent(r).state == ComponentState::kNotApplicable);
  r.not_yet_due = 3;
  CHECK(ProjectReportsComponent(r).state == ComponentState::kNotApplicable);
  r.on_time = 1;
  CHECK(ProjectReportsComponent(r).earned_milli == 10'000);
  r.late = 1;
  CHECK(ProjectReportsComponent(r).earned_milli == 7'500);
  r.missing = 2;
  CHECK(ProjectReportsComponent(r).earned_milli == 3'750);
  r.on_time = 0;
  r.late = 0;
  CHECK(ProjectReportsComponent(r).earned_milli == 0);
}

TEST_CASE("restricted funds are full when every closed project is empty and zero otherwise") {
  CHECK(RestrictedComponent({0, 0, 0}).state == ComponentState::kNotApplicable);
  CHECK(RestrictedComponent({1, 0, 0}).earned_milli == 10'000);
  CHECK(RestrictedComponent({3, 2, 0}).earned_milli == 10'000);
  const TransparencyComponent bad = RestrictedComponent({3, 2, 1});
  CHECK(bad.state == ComponentState::kScored);
  CHECK(bad.earned_milli == 0);
}

TEST_CASE("the correction tiers change exactly at 1 and 5 percent of entries") {
  CHECK(CorrectionsComponent(0, 0).state == ComponentState::kNotApplicable);
  CHECK(CorrectionsComponent(0, 1).earned_milli == 10'000);
  CHECK(CorrectionsComponent(1, 100).earned_milli == 8'000);  // exactly 1 %
  CHECK(CorrectionsComponent(1, 99).earned_milli == 5'000);   // 1.01 %
  CHECK(CorrectionsComponent(5, 100).earned_milli == 5'000);  // exactly 5 %
  CHECK(CorrectionsComponent(6, 100).earned_milli == 2'000);  // 6 %
  CHECK(CorrectionsComponent(1, 19).earned_milli == 2'000);   // 5.26 %
  // Corrections of last year's entries in a year without entries: scored, never below 20 %.
  CHECK(CorrectionsComponent(3, 0).earned_milli == 2'000);
  CHECK(CorrectionsComponent(UINT64_MAX, 1).earned_milli == 2'000);
}

TEST_CASE("a year without an OrgYear row is no data, not a score of zero") {
  TransparencyInputs in = NothingDue();
  in.annual_report.state = ReportState::kMissing;  // even with a missed report
  const TransparencyScore s = ScoreTransparency(in);
  CHECK_FALSE(s.has_data);
  CHECK(s.score == 0);
  CHECK(s.components.size() == 8);
}

TEST_CASE("an organisation with income and no spending is scored on what applies") {
  TransparencyInputs in = NothingDue();
  pb::OrgYear y;
  y.set_income_fen(1'000);
  y.set_donated_fen(1'000);
  y.set_attested_donated_fen(500);
  y.set_entries(2);
  in.counters = y;
  const TransparencyScore s = ScoreTransparency(in);
  REQUIRE(s.has_data);
  CHECK(Component(s, "attested_outflows").state == ComponentState::kNotApplicable);
  CHECK(Component(s, "invoiced_spending").state == ComponentState::kNotApplicable);
  // Inflows 7.5 of 15 and corrections 10 of 10: 17.5 / 25 = 70.
  CHECK(s.applicable_weight == 25);
  CHECK(s.score == 70);
}

TEST_CASE("the score is the applicable points scaled to 100 and rounded half up") {
  TransparencyInputs in = NothingDue();
  pb::OrgYear y;
  y.set_entries(1);
  in.counters = y;
  CHECK(ScoreTransparency(in).score == 100);  // only corrections apply, none made
  in.annual_report.state = ReportState::kMissing;
  in.audit.state = ReportState::kMissing;
  // 10 of 35 = 28.57 -> 29.
  CHECK(ScoreTransparency(in).score == 29);
  y.set_corrections(1);  // 100 %: 2 of 35 = 5.71 -> 6
  in.counters = y;
  CHECK(ScoreTransparency(in).score == 6);
  // Everything applies and everything is perfect: 100.
  TransparencyInputs all;
  all.annual_report.state = ReportState::kOnTime;
  all.audit.state = ReportState::kOnTime;
  all.project_reports.on_time = 1;
  all.restricted = {1, 1, 0};
  pb::OrgYear full;
  full.set_donated_fen(10);
  full.set_attested_donated_fen(10);
  full.set_charitable_spent_fen(10);
  full.set_attested_spent_fen(10);
  full.set_invoiced_spent_fen(10);
  full.set_entries(2);
  all.counters = full;
  const TransparencyScore best = ScoreTransparency(all);
  CHECK(best.applicable_weight == 100);
  CHECK(best.score == 100);
  // Half the inflows attested loses 7.5 points: 92.5 -> 93 (half up).
  full.set_attested_donated_fen(5);
  all.counters = full;
  CHECK(ScoreTransparency(all).score == 93);
}

// ---------------------------------------------------------------- through the API

namespace {

class TransparencyApi {
 public:
  TransparencyApi() {
    REQUIRE(chain.RegisterOrg("alpha", pb::ORG_KIND_CHARITY, alpha, {"bank-1"}).ok());
    REQUIRE(chain.RegisterOrg("quiet", pb::ORG_KIND_CHARITY, quiet, {"bank-1"}).ok());
    api::ServerConfig config;
    config.port = 0;
    config.threads = 1;
    server = std::make_unique<api::Server>(config, chain.ledger(), api::NodeHooks{});
    REQUIRE(server->Start().ok());
    base = "http://127.0.0.1:" + std::to_string(server->port());
  }
  ~TransparencyApi() { server->Stop(); }

  std::pair<unsigned, Json> Get(const std::string& target) {
    auto r = api::HttpRequest("GET", base + target);
    REQUIRE(r.ok());
    return {r->status, Json::parse(r->body)};
  }

  Bytes Spend(const std::string& account, std::int64_t fen, bool invoice, bool bank) {
    std::vector<const crypto::KeyPair*> signers{&alpha};
    if (bank) signers.push_back(&chain.bank);
    return chain.MakeTx(
        [&](pb::TxBody& b) {
          auto* s = b.mutable_spend();
          s->set_from_account(account);
          s->set_amount_fen(fen);
          s->set_category(pb::SPEND_CATEGORY_MATERIAL);
          s->set_payee_kind(pb::PAYEE_KIND_VENDOR);
          s->set_payee_name("杭州某某食品有限公司");
          s->set_description("米面粮油");
          if (invoice) s->set_invoice_hash(std::string(32, 'i'));
        },
        std::move(signers));
  }

  TestChain chain;
  crypto::KeyPair alpha = TestKey("alpha");
  crypto::KeyPair quiet = TestKey("quiet");
  std::unique_ptr<api::Server> server;
  std::string base;
};

}  // namespace

TEST_CASE("GET /v1/orgs/{id}/transparency scores each component with its inputs and evidence") {
  TransparencyApi api;
  TestChain& c = api.chain;
  REQUIRE(c.Commit(c.DonationTx("org:alpha", 3'000, c.bank, "bank-1")).ok());
  REQUIRE(c.Commit(c.DonationTx("org:alpha", 1'000, api.alpha)).ok());
  REQUIRE(c.Commit(api.Spend("org:alpha", 1'000, true, true)).ok());
  REQUIRE(c.Commit(api.Spend("org:alpha", 1'000, false, false)).ok());

  auto [status, body] = api.Get("/v1/orgs/alpha/transparency?year=2026");
  REQUIRE(status == 200);
  CHECK(body["method"] == "shanliu-transparency/1");
  CHECK(body["status"] == "scored");
  std::map<std::string, Json> by_name;
  for (const Json& comp : body["components"]) by_name[comp["name"]] = comp;
  REQUIRE(by_name.size() == 8);
  CHECK(by_name["attested_inflows"]["inputs"]["attested_fen"] == 3'000);
  CHECK(by_name["attested_inflows"]["inputs"]["donated_fen"] == 4'000);
  CHECK(by_name["attested_inflows"]["points_milli"] == 11'250);
  CHECK(by_name["attested_outflows"]["points_milli"] == 7'500);
  CHECK(by_name["invoiced_spending"]["inputs"]["invoiced_fen"] == 1'000);
  CHECK(by_name["invoiced_spending"]["inputs"]["spent_fen"] == 2'000);
  CHECK(by_name["corrections"]["inputs"]["entries"] == 4);
  CHECK(by_name["annual_report"]["state"] == "not_applicable");
  CHECK(by_name["annual_report"]["points"].is_null());
  CHECK(by_name["restricted_funds"]["state"] == "not_applicable");
  for (const auto& [name, comp] : by_name) {
    CHECK(comp["evidence"]["api"].get<std::string>().starts_with("/v1/"));
    CHECK(comp["evidence"]["explorer"] == "/orgs/alpha");
  }
  // (11.25 + 7.5 + 7.5 + 10) / 55 = 65.9 -> 66; the default year is the head's.
  CHECK(body["score"] == 66);
  CHECK(body["applicable_weight"] == 55);
  auto [status2, by_default] = api.Get("/v1/orgs/alpha/transparency");
  CHECK(status2 == 200);
  CHECK(by_default["score"] == 66);
  CHECK(by_default["year"] == 2026);
}

TEST_CASE("an organisation without activity in the year answers no data") {
  TransparencyApi api;
  auto [status, body] = api.Get("/v1/orgs/quiet/transparency?year=2026");
  REQUIRE(status == 200);
  CHECK(body["status"] == "no_data");
  CHECK(body["score"].is_null());
}

TEST_CASE("malformed and hostile transparency queries are typed errors") {
  TransparencyApi api;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/v1/orgs/alpha/transparency?year=abc", "invalid_argument"},
      {"/v1/orgs/alpha/transparency?year=-1", "invalid_argument"},
      {"/v1/orgs/alpha/transparency?year=%2B2026", "invalid_argument"},
      {"/v1/orgs/alpha/transparency?year=99999999999999999999999", "invalid_argument"},
      {"/v1/orgs/alpha/transparency?year=2025", "out_of_range"},  // before genesis
      {"/v1/orgs/alpha/transparency?year=2027", "out_of_range"},  // after the head
      {"/v1/orgs/alpha/transparency?year=0", "out_of_range"},
      {"/v1/orgs/alpha/transparency?yr=2026", "unknown_parameter"},
      {"/v1/orgs/nobody/transparency", "not_found"},
      {"/v1/orgs/A%27%3B--/transparency", "invalid_argument"},
      {"/v1/orgs/bank-1/transparency", "invalid_argument"},
      {"/v1/transparency?limit=0", "invalid_argument"},
      {"/v1/transparency?limit=101", "invalid_argument"},
      {"/v1/transparency?limit=x", "invalid_argument"},
      {"/v1/transparency?cursor=-3", "invalid_argument"},
      {"/v1/transparency?cursor=1001", "invalid_argument"},
      {"/v1/transparency?year=1969", "out_of_range"},
      {"/v1/transparency?year=2026&year=2026", "invalid_query"},
  };
  for (const auto& [target, code] : cases) {
    CAPTURE(target);
    auto [status, body] = api.Get(target);
    CHECK(status >= 400);
    CHECK(body["error"]["code"] == code);
  }
  // The boundaries that pass.
  CHECK(api.Get("/v1/orgs/alpha/transparency?year=2026").first == 200);
  CHECK(api.Get("/v1/transparency?limit=100&cursor=1000").first == 200);
  CHECK(api.Get("/v1/transparency?limit=1").first == 200);
}

TEST_CASE("GET /v1/transparency ranks scored organisations and pages through them") {
  TransparencyApi api;
  TestChain& c = api.chain;
  REQUIRE(c.Commit(c.DonationTx("org:alpha", 3'000, c.bank, "bank-1")).ok());    // 100 %
  REQUIRE(c.Commit(c.DonationTx("org:federation", 1'000, c.federation)).ok());  // inflows 0 %
  auto [status, body] = api.Get("/v1/transparency?year=2026&limit=1");
  REQUIRE(status == 200);
  CHECK(body["ranked_count"] == 2);
  CHECK(body["no_data_count"].get<int>() >= 1);  // "quiet"
  REQUIRE(body["orgs"].size() == 1);
  CHECK(body["orgs"][0]["org_id"] == "alpha");
  CHECK(body["orgs"][0]["rank"] == 1);
  CHECK(body["orgs"][0]["score"] == 100);
  REQUIRE(body["next"] == "1");
  std::tie(status, body) = api.Get("/v1/transparency?year=2026&limit=1&cursor=1");
  REQUIRE(body["orgs"].size() == 1);
  CHECK(body["orgs"][0]["org_id"] == "federation");
  CHECK(body["orgs"][0]["rank"] == 2);
  CHECK(body["orgs"][0]["score"] == 40);  // 0 of 15 + 10 of 10 = 10 / 25
  CHECK(body["next"].is_null());
}

// ---------------------------------------------------------------- counters kept at commit

namespace {

std::uint32_t YearOf(std::uint64_t time_ms) {
  using namespace std::chrono;
  const sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(time_ms) + hours(8)));
  return static_cast<std::uint32_t>(static_cast<int>(year_month_day(day).year()));
}

struct Recount {
  std::int64_t donated = 0, attested = 0, invoiced = 0;
  std::uint64_t corrections = 0, entries = 0;
};

std::string OwnerOf(const ledger::ReadView& view, const std::string& account) {
  if (account.starts_with("org:")) return account.substr(4);
  auto p = view.Project(account.substr(8));
  REQUIRE(p.has_value());
  return p->spec().owner_org();
}

// Re-derives the counters from the committed log alone.
std::map<std::pair<std::string, std::uint32_t>, Recount> RecountFromLog(const ledger::ReadView& view) {
  std::map<std::pair<std::string, std::uint32_t>, Recount> out;
  for (std::uint64_t leaf = 0; leaf <= view.head().log_size(); ++leaf) {  // whichever base leaves use
    auto tx = view.TxByLeaf(leaf);
    if (!tx) continue;
    const std::uint32_t year = YearOf(tx->time_ms);
    const pb::TxBody& b = tx->body;
    if (b.has_donation()) {
      Recount& r = out[{OwnerOf(view, b.donation().to_account()), year}];
      r.donated += b.donation().amount_fen();
      if (!b.donation().attesting_bank().empty()) r.attested += b.donation().amount_fen();
      ++r.entries;
    } else if (b.has_spend()) {
      Recount& r = out[{OwnerOf(view, b.spend().from_account()), year}];
      if (!b.spend().invoice_hash().empty()) r.invoiced += b.spend().amount_fen();
      ++r.entries;
    } else if (b.has_transfer()) {
      ++out[{OwnerOf(view, b.transfer().from_account()), year}].entries;
    } else if (b.has_refund()) {
      Hash256 id;
      std::copy(b.refund().donation_tx_id().begin(), b.refund().donation_tx_id().end(), id.begin());
      ++out[{view.Gift(id)->recorded_by(), year}].entries;
    } else if (b.has_correction()) {
      pb::TxBody wrong;
      REQUIRE(wrong.ParseFromString(b.correction().corrected_tx_body()));
      if (wrong.has_spend()) {
        Recount& r = out[{OwnerOf(view, wrong.spend().from_account()), year}];
        if (!wrong.spend().invoice_hash().empty()) r.invoiced -= wrong.spend().amount_fen();
        ++r.corrections;
      } else if (wrong.has_transfer()) {
        ++out[{OwnerOf(view, wrong.transfer().from_account()), year}].corrections;
      } else {
        Recount& r = out[{OwnerOf(view, wrong.donation().to_account()), year}];
        r.donated -= wrong.donation().amount_fen();
        if (!wrong.donation().attesting_bank().empty()) r.attested -= wrong.donation().amount_fen();
        ++r.corrections;
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("the transparency counters kept at commit equal a recount from the log of a random chain") {
  TransparencyApi api;
  TestChain& c = api.chain;
  REQUIRE(c.OpenProject("pone", "alpha", api.alpha).ok());
  std::mt19937_64 rng(20'261'206);  // seeded: the same chain every run
  std::vector<Bytes> donations, correctable;
  std::uint64_t committed = 0;
  std::uint64_t time_ms = c.ledger().Read()->head().time_ms();
  for (int block = 0; block < 120; ++block) {
    // Three blocks a day or so, crossing into 2027 (genesis is 2026-01-01).
    time_ms += 3ull * 86'400'000 + rng() % 86'400'000;
    c.signing_time_ms = time_ms;
    const std::uint64_t pick = rng() % 6;
    const std::int64_t fen = 100 + static_cast<std::int64_t>(rng() % 4'900);
    const std::string account = rng() % 2 ? "org:alpha" : "project:pone";
    Bytes tx;
    if (pick <= 1) {
      tx = rng() % 2 ? c.DonationTx(account, fen, c.bank, "bank-1") : c.DonationTx(account, fen, api.alpha);
      donations.push_back(tx);
    } else if (pick == 2) {
      tx = api.Spend(account, fen / 3, rng() % 2, rng() % 2);
    } else if (pick == 3) {
      tx = c.TransferTx("org:alpha", rng() % 2 ? "org:federation" : "project:pone", fen / 4, api.alpha);
    } else if (pick == 4 && !donations.empty()) {
      const Hash256 id = c.Decode(donations[rng() % donations.size()]).id;
      tx = c.MakeTx(
          [&](pb::TxBody& b) {
            b.mutable_refund()->set_donation_tx_id(std::string(id.begin(), id.end()));
            b.mutable_refund()->set_reason("捐赠人申请退款");
          },
          {&api.alpha});
    } else if (!correctable.empty()) {
      const Bytes& wrong = correctable[rng() % correctable.size()];
      const ledger::DecodedTx d = c.Decode(wrong);
      const bool by_bank = d.body.has_donation() && !d.body.donation().attesting_bank().empty();
      tx = c.CorrectionTx(wrong, {by_bank ? &c.bank : &api.alpha});
    } else {
      continue;
    }
    const Status s = c.CommitBlock({tx}, time_ms).front();
    if (!s.ok()) continue;  // refused (no money left, already corrected, ...): writes nothing
    ++committed;
    if (pick != 4 && pick != 5) correctable.push_back(tx);
  }
  CHECK(committed > 40);
  auto view = c.ledger().Read();
  const auto recount = RecountFromLog(*view);
  std::uint64_t corrections = 0;
  for (const std::string org : {"alpha", "federation"}) {
    for (std::uint32_t year : {2026u, 2027u}) {
      CAPTURE(org);
      CAPTURE(year);
      const pb::OrgYear kept = view->OrgYear(org, year).value_or(pb::OrgYear());
      const auto it = recount.find({org, year});
      const Recount r = it == recount.end() ? Recount{} : it->second;
      CHECK(kept.donated_fen() == r.donated);
      CHECK(kept.attested_donated_fen() == r.attested);
      CHECK(kept.invoiced_spent_fen() == r.invoiced);
      CHECK(kept.corrections() == r.corrections);
      CHECK(kept.entries() == r.entries);
      corrections += kept.corrections();
    }
  }
  CHECK(corrections > 0);  // the chain exercised the reversal paths
  CHECK(view->OrgYear("alpha", 2027).has_value());
}
