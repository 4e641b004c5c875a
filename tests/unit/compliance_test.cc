// Compliance indicators: disclosures on schedule (Beijing-time deadlines, boundaries, leap
// years) and restricted-fund integrity, as pure rules and through GET /v1/compliance.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "../../api/src/compliance.h"
#include "shanliu/api/http_client.h"
#include "shanliu/api/server.h"
#include "shanliu/ledger/flow.h"
#include "test_chain.h"

namespace shanliu::api::internal {
namespace {

using Json = nlohmann::json;
using testing::TestChain;

constexpr std::uint64_t kDue2026 = 1'780'243'199'999;        // 2026-05-31 23:59:59.999 Beijing
constexpr std::uint64_t kJune1st2027 = 1'811'779'200'000;    // 2027-06-01 00:00:00.000 Beijing
constexpr std::uint64_t kMay31st2027 = 1'811'779'199'000;    // 2027-05-31 23:59:59.000 Beijing

Filing Annual(std::uint64_t time_ms, std::string period) {
  return Filing{time_ms, pb::DISCLOSURE_TYPE_ANNUAL_REPORT, std::move(period), "", "code"};
}
Filing ProjectReport(std::uint64_t time_ms, std::string project) {
  return Filing{time_ms, pb::DISCLOSURE_TYPE_PROJECT_REPORT, "2026", std::move(project), "code"};
}

TEST_CASE("Beijing deadlines are the end of the local day and clamp to short months") {
  CHECK(BeijingDayEndMs(2026, 5, 31) == kDue2026);
  CHECK(BeijingIsoTime(kDue2026) == "2026-05-31T23:59:59.999+08:00");
  CHECK(BeijingIsoTime(kDue2026 + 1) == "2026-06-01T00:00:00.000+08:00");
  // A 29 February deadline exists only in leap years.
  CHECK(BeijingDayEndMs(2028, 2, 29) == 1'835'452'799'999);
  CHECK(BeijingDayEndMs(2027, 2, 29) == 1'803'830'399'999);
  // 30 November + 3 months: 29 February in a leap year, 28 February otherwise.
  CHECK(BeijingDueAfterMonths(1'701'316'800'000, 3) == 1'709'222'399'999);
  CHECK(BeijingDueAfterMonths(1'669'780'800'000, 3) == 1'677'599'999'999);
  CHECK(BeijingYearStartMs(2026) == 1'767'196'800'000);  // 2025-12-31T16:00Z
  CHECK(BeijingYearStartMs(1969) == 0);
  // 23:30 UTC on 31 December is already 1 January in Beijing.
  CHECK(BeijingIsoDate(1'767'223'800'000) == "2026-01-01");
}

TEST_CASE("annual report on time at the last millisecond and late one millisecond after") {
  const ledger::ComplianceParams params;
  const std::uint64_t later = kDue2026 + 86'400'000;
  AnnualReport r = CheckAnnualReport({Annual(kDue2026, "2025")}, 2026, params, later, true);
  CHECK(r.covers_year == 2025);
  CHECK(r.due_ms == kDue2026);
  CHECK(r.state == ReportState::kOnTime);
  r = CheckAnnualReport({Annual(kDue2026 + 1, "2025")}, 2026, params, later, true);
  CHECK(r.state == ReportState::kLate);
  // The earliest filing counts; a report for another year or of another type does not.
  r = CheckAnnualReport({Annual(kDue2026 + 5, "2025"), Annual(kDue2026 - 5, "2025-01..2025-12")}, 2026, params, later,
                        true);
  CHECK(r.state == ReportState::kOnTime);
  REQUIRE(r.filed);
  CHECK(r.filed->time_ms == kDue2026 - 5);
  Filing audit = Annual(kDue2026 - 5, "2025");
  audit.type = pb::DISCLOSURE_TYPE_AUDIT;
  r = CheckAnnualReport({Annual(kDue2026 - 5, "2024"), Annual(kDue2026 - 5, "2025-01..2025-06"), audit}, 2026, params,
                        later, true);
  CHECK(r.state == ReportState::kMissing);
  CHECK_FALSE(r.filed);
}

TEST_CASE("an annual report not yet due is not late and one not required is marked so") {
  const ledger::ComplianceParams params;
  CHECK(CheckAnnualReport({}, 2026, params, kDue2026, true).state == ReportState::kNotYetDue);
  CHECK(CheckAnnualReport({}, 2026, params, kDue2026 + 1, true).state == ReportState::kMissing);
  CHECK(CheckAnnualReport({}, 2026, params, kDue2026 + 1, false).state == ReportState::kNotRequired);
  // Filed anyway by an organisation that had nothing to report: judged like any other.
  CHECK(CheckAnnualReport({Annual(kDue2026, "2025")}, 2026, params, kDue2026 + 1, false).state ==
        ReportState::kOnTime);
  // ... but never late or missing: nothing was owed.
  CHECK(CheckAnnualReport({Annual(kDue2026 + 1, "2025")}, 2026, params, kDue2026 + 2, false).state ==
        ReportState::kNotRequired);
  CHECK(CheckAnnualReport({}, 2026, params, kDue2026, false).state == ReportState::kNotRequired);
}

TEST_CASE("a genesis due date of 29 February moves to the 28th in common years") {
  ledger::ComplianceParams params;
  params.annual_report_due_month = 2;
  params.annual_report_due_day = 29;
  CHECK(CheckAnnualReport({}, 2028, params, 0, true).due_ms == 1'835'452'799'999);
  CHECK(CheckAnnualReport({}, 2027, params, 0, true).due_ms == 1'803'830'399'999);
}

TEST_CASE("closing reports on time and late and missing and not yet due") {
  const ledger::ComplianceParams params;  // 3 months
  const std::uint64_t closed = 1'773'072'000'000;       // 2026-03-10 00:00 Beijing
  const std::uint64_t due = 1'781'107'199'999;          // 2026-06-10 23:59:59.999 Beijing
  REQUIRE(BeijingDueAfterMonths(closed, 3) == due);
  const std::vector<ClosedProject> projects = {{"on-time", closed}, {"late", closed}, {"missing", closed},
                                               {"interim-only", closed}};
  const std::vector<Filing> filings = {ProjectReport(due, "on-time"), ProjectReport(due + 1, "late"),
                                       ProjectReport(closed - 1, "interim-only"), ProjectReport(closed, "elsewhere")};
  ProjectReports r = CheckProjectReports(projects, filings, params, due + 1, 20);
  CHECK(r.closed == 4);
  CHECK(r.on_time == 1);
  CHECK(r.late == 1);
  CHECK(r.missing == 2);
  CHECK(r.not_yet_due == 0);
  CHECK(r.due == 4);
  CHECK(r.missing_ids == std::vector<std::string>{"missing", "interim-only"});
  CHECK(r.late_ids == std::vector<std::string>{"late"});
  // Before the deadline the unreported ones are pending, not missing.
  r = CheckProjectReports(projects, {ProjectReport(closed + 1, "on-time")}, params, due, 20);
  CHECK(r.on_time == 1);
  CHECK(r.not_yet_due == 3);
  CHECK(r.missing == 0);
  CHECK(r.due == 1);
  // Lists are bounded; counts are not.
  r = CheckProjectReports(projects, {}, params, due + 1, 1);
  CHECK(r.missing == 4);
  CHECK(r.missing_ids.size() == 1);
}

TEST_CASE("restricted-fund check finds money moved out of a project when records show it") {
  namespace flow = ledger::flow;
  ledger::StateView state(nullptr);
  // What the executor never allows (it rejects transfers from project: accounts), written
  // straight into the fund-flow records to show the check re-derives the rule.
  REQUIRE(flow::RecordInflow(state, "project:p1", 10'000, flow::InflowKind::kDonation, 1).ok());
  REQUIRE(flow::RecordSpend(state, "project:p1", 3'000, 2).ok());
  REQUIRE(flow::RecordTransfer(state, "project:p1", "org:other", 4'000, 3).ok());
  REQUIRE(flow::RecordInflow(state, "project:p2", 500, flow::InflowKind::kDonation, 4).ok());
  REQUIRE(flow::RecordRefund(state, "project:p2", 0, 500, 5).ok());

  RestrictedFunds r = CheckRestrictedFunds(state, {"p1", "p2"}, 1'000, 20);
  CHECK_FALSE(r.ok);
  CHECK(r.complete);
  CHECK(r.projects_checked == 2);
  CHECK(r.ranges_checked == 3);
  REQUIRE(r.violation_count == 1);
  CHECK(r.violations[0].project_id == "p1");
  CHECK(r.violations[0].leaf == 3);
  CHECK(r.violations[0].to_account == "org:other");
  CHECK(r.violations[0].amount_fen == 4'000);

  r = CheckRestrictedFunds(state, {"p2"}, 1'000, 20);
  CHECK(r.ok);
  // A budget too small to read everything says so.
  r = CheckRestrictedFunds(state, {"p1", "p2"}, 1, 20);
  CHECK_FALSE(r.complete);
  // Transfers into a project and out of a general fund are fine.
  REQUIRE(flow::RecordInflow(state, "org:a", 900, flow::InflowKind::kDonation, 6).ok());
  REQUIRE(flow::RecordTransfer(state, "org:a", "project:p3", 900, 7).ok());
  REQUIRE(flow::RecordSpend(state, "project:p3", 900, 8).ok());
  CHECK(CheckRestrictedFunds(state, {"p3"}, 1'000, 20).ok);
}

TEST_CASE("ListConsumed pages through an account's consumed ranges in stream order") {
  namespace flow = ledger::flow;
  ledger::StateView state(nullptr);
  REQUIRE(flow::RecordInflow(state, "org:a", 100, flow::InflowKind::kDonation, 1).ok());
  REQUIRE(flow::RecordSpend(state, "org:a", 10, 2).ok());
  REQUIRE(flow::RecordTransfer(state, "org:a", "org:b", 20, 3).ok());
  REQUIRE(flow::RecordSpend(state, "org:a", 30, 4).ok());
  auto all = flow::ListConsumed(state, "org:a", 0, 10);
  REQUIRE(all.size() == 3);
  CHECK(all[0].start == 0);
  CHECK(all[1].kind == flow::ConsumedKind::kTransfer);
  CHECK(all[1].target == "org:b");
  CHECK(all[2].start == 30);
  auto page = flow::ListConsumed(state, "org:a", all[0].start + 1, 1);
  REQUIRE(page.size() == 1);
  CHECK(page[0].tx == 3);
  CHECK(flow::ListConsumed(state, "org:none", 0, 10).empty());
  CHECK(flow::ListConsumed(state, "org:a", 0, 0).empty());
}

// ---------------------------------------------------------------- through the API

class ComplianceApi {
 public:
  ComplianceApi() {
    ServerConfig config;
    config.port = 0;
    config.threads = 1;
    server = std::make_unique<Server>(config, chain.ledger(), NodeHooks{});
    REQUIRE(server->Start().ok());
    base = "http://127.0.0.1:" + std::to_string(server->port());
  }
  ~ComplianceApi() { server->Stop(); }

  std::pair<unsigned, Json> Get(const std::string& target) {
    auto r = HttpRequest("GET", base + target);
    REQUIRE(r.ok());
    return {r->status, Json::parse(r->body)};
  }

  Bytes Disclose(pb::DisclosureType type, const std::string& period, const std::string& project) {
    return chain.MakeTx(
        [&](pb::TxBody& b) {
          auto* d = b.mutable_disclosure();
          d->set_org_id("federation");
          d->set_type(type);
          d->set_title("report");
          d->set_period(period);
          d->set_project_id(project);
          d->set_document_sha256(std::string(32, 'x'));
          d->set_url("https://example.org/r.pdf");
        },
        {&chain.federation});
  }

  Json Row(const Json& body, const std::string& org) {
    for (const Json& row : body["orgs"]) {
      if (row["org_id"] == org) return row;
    }
    FAIL("no row for " << org);
    return Json();
  }

  TestChain chain;
  std::unique_ptr<Server> server;
  std::string base;
};

TEST_CASE("GET /v1/compliance reports disclosures on schedule and restricted funds per organisation") {
  ComplianceApi api;
  TestChain& c = api.chain;
  REQUIRE(c.OpenProject("meals", "federation", c.federation).ok());
  REQUIRE(c.OpenProject("books", "federation", c.federation).ok());
  REQUIRE(c.Commit(c.DonationTx("project:meals", 10'000, c.bank, "bank-1")).ok());
  REQUIRE(c.Commit(c.SpendTx("project:meals", 10'000, c.federation)).ok());
  auto close = [&](const std::string& id) {
    return c.MakeTx([&](pb::TxBody& b) { b.mutable_close_project()->set_project_id(id); }, {&c.federation});
  };
  // 2026-03-10 Beijing: both projects close; "meals" reports on the last day, "books" never.
  c.signing_time_ms = 1'773'072'000'000;  // txs are signed when they are sent, just before their block
  REQUIRE(c.CommitBlock({close("meals"), close("books")}, 1'773'072'000'000)[0].ok());
  c.signing_time_ms = 1'781'107'199'000;
  REQUIRE(c.CommitBlock({api.Disclose(pb::DISCLOSURE_TYPE_PROJECT_REPORT, "2026", "meals")}, 1'781'107'199'000)[0].ok());

  // Head still in 2026: the annual report for 2026 is not yet due in 2027.
  auto [status, body] = api.Get("/v1/compliance?year=2027");
  REQUIRE(status == 200);
  Json row = api.Row(body, "federation");
  CHECK(row["disclosures_on_schedule"]["annual_report"]["status"] == "not_yet_due");
  CHECK(row["disclosures_on_schedule"]["annual_report"]["on_time"].is_null());
  CHECK(row["disclosures_on_schedule"]["annual_report"]["due"] == "2027-05-31T23:59:59.999+08:00");

  // 31 May 2027 23:59:59 Beijing: the 2026 annual report is on time.
  c.signing_time_ms = kMay31st2027;
  REQUIRE(c.CommitBlock({api.Disclose(pb::DISCLOSURE_TYPE_ANNUAL_REPORT, "2026", "")}, kMay31st2027)[0].ok());
  std::tie(status, body) = api.Get("/v1/compliance?year=2027");
  row = api.Row(body, "federation");
  CHECK(row["disclosures_on_schedule"]["annual_report"]["status"] == "on_time");
  CHECK(row["disclosures_on_schedule"]["annual_report"]["on_time"] == true);
  CHECK(row["disclosures_on_schedule"]["annual_report"]["filed_at"] == "2027-05-31T23:59:59.000+08:00");
  // Existing fields stay.
  CHECK(row.contains("meets_min_charitable_spending"));
  CHECK(row.contains("disclosures"));

  // Year 2026: the federation was registered at genesis (2026-01-01 08:00 Beijing), so it owes
  // no annual report for 2025.
  std::tie(status, body) = api.Get("/v1/compliance?year=2026");
  row = api.Row(body, "federation");
  CHECK(row["disclosures_on_schedule"]["annual_report"]["status"] == "not_required");
  const Json& projects = row["disclosures_on_schedule"]["project_reports"];
  CHECK(projects["closed_count"] == 2);
  CHECK(projects["on_time"] == 1);
  CHECK(projects["missing_count"] == 1);
  CHECK(projects["missing"] == Json::array({"books"}));
  CHECK(projects["late"] == 0);
  const Json& restricted = row["restricted_funds"];
  CHECK(restricted["ok"] == true);
  CHECK(restricted["enforced_by_state_machine"] == true);
  CHECK(restricted["projects_checked"] == 2);
  CHECK(restricted["ranges_checked"] == 1);
  CHECK(restricted["violations"].empty());

  // 1 June 2028 00:00 would be late for the 2027 report; nothing filed and past due: missing.
  c.signing_time_ms = kJune1st2027 + 366ull * 86'400'000;
  REQUIRE(c.CommitBlock({api.Disclose(pb::DISCLOSURE_TYPE_AUDIT, "2027", "")}, kJune1st2027 + 366ull * 86'400'000)[0].ok());
  std::tie(status, body) = api.Get("/v1/compliance?year=2028");
  row = api.Row(body, "federation");
  CHECK(row["disclosures_on_schedule"]["annual_report"]["status"] == "missing");
  CHECK(row["disclosures_on_schedule"]["annual_report"]["on_time"] == false);
}

TEST_CASE("an annual report filed at 1 June 00:00 Beijing is late") {
  ComplianceApi api;
  TestChain& c = api.chain;
  c.signing_time_ms = kJune1st2027;
  REQUIRE(c.CommitBlock({api.Disclose(pb::DISCLOSURE_TYPE_ANNUAL_REPORT, "2026", "")}, kJune1st2027)[0].ok());
  auto [status, body] = api.Get("/v1/compliance?year=2027");
  REQUIRE(status == 200);
  const Json row = api.Row(body, "federation");
  CHECK(row["disclosures_on_schedule"]["annual_report"]["status"] == "late");
  CHECK(row["disclosures_on_schedule"]["annual_report"]["on_time"] == false);
}

TEST_CASE("malformed compliance query parameters are typed 400 errors") {
  ComplianceApi api;
  for (const char* target : {"/v1/compliance?year=abc", "/v1/compliance?year=10000", "/v1/compliance?year=-1",
                             "/v1/compliance?year=1969", "/v1/compliance?year=2026&year=2027",
                             "/v1/compliance?year=99999999999999999999999", "/v1/compliance?limit=0",
                             "/v1/compliance?colour=red"}) {
    INFO(target);
    auto [status, body] = api.Get(target);
    CHECK(status == 400);
    CHECK(body["error"]["code"].is_string());
  }
}

TEST_CASE("over-budget projects: received above budget is flagged with the figures, equal is not") {
  auto project = [](const std::string& id, std::int64_t budget, std::int64_t donated, std::int64_t allocated) {
    pb::ProjectRecord p;
    p.mutable_spec()->set_project_id(id);
    p.mutable_spec()->set_name_zh(id + "项目");
    p.mutable_spec()->set_budget_fen(budget);
    p.set_donated_fen(donated);
    p.set_allocated_fen(allocated);
    return p;
  };
  const pb::ProjectRecord exact = project("exact", 1000, 600, 400);  // received == budget
  const pb::ProjectRecord one_over = project("one-over", 1000, 1001, 0);
  const pb::ProjectRecord five_x = project("five-x", 1000, 1000, 5000);  // 500 % over, partly by transfer
  const pb::ProjectRecord empty = project("empty", 1000, 0, 0);
  const std::vector<const pb::ProjectRecord*> all = {&exact, &one_over, &five_x, &empty};
  const OverBudget o = CheckOverBudget(all, 10);
  CHECK(o.count == 2);
  REQUIRE(o.projects.size() == 2);
  // Largest excess first.
  CHECK(o.projects[0].project_id == "five-x");
  CHECK(o.projects[0].received_fen == 6000);
  CHECK(o.projects[0].over_fen == 5000);
  CHECK(o.projects[0].name_zh == "five-x项目");
  CHECK(o.projects[1].project_id == "one-over");
  CHECK(o.projects[1].over_fen == 1);
  // The list is capped; the count is not.
  const OverBudget capped = CheckOverBudget(all, 1);
  CHECK(capped.count == 2);
  REQUIRE(capped.projects.size() == 1);
  CHECK(capped.projects[0].project_id == "five-x");
  CHECK(CheckOverBudget({}, 10).count == 0);
}

}  // namespace
}  // namespace shanliu::api::internal
