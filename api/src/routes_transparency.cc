// Transparency scores (docs/transparency.md): one organisation's score for a Beijing year, and a
// ranked list. Read from the OrgYear counters kept at commit, the organisation's own disclosure
// index and the project records: never a scan of the whole history.
#include <algorithm>
#include <cassert>
#include <functional>
#include <map>

#include "ledger_index.h"
#include "routes.h"
#include "shanliu/ledger/flow.h"
#include "shanliu/ledger/totals.h"
#include "shanliu/ledger/tx.h"
#include "transparency.h"
#include "views.h"

namespace shanliu::api::internal {
namespace {

struct TransparencyLimits {
  static constexpr std::size_t kMaxProjectsScanned = 20'000;  // project records read per request
  static constexpr std::size_t kMaxRankedOrgs = 1'000;        // organisations scored for one ranking
  static constexpr std::size_t kMaxListed = 20;
};

bool Scorable(const pb::OrgRecord& o) {
  return o.kind() == pb::ORG_KIND_CHARITY || o.kind() == pb::ORG_KIND_FEDERATION || o.kind() == pb::ORG_KIND_TRUSTEE;
}

using ProjectsByOrg = std::map<std::string, std::vector<pb::ProjectRecord>>;

// One bounded pass over the project records for the organisations wanted.
ProjectsByOrg ProjectsOf(const ledger::ReadView& view, const std::function<bool(const std::string&)>& wanted,
                         bool* complete) {
  ListOptions options;
  options.limit = TransparencyLimits::kMaxProjectsScanned;
  options.max_scanned = TransparencyLimits::kMaxProjectsScanned;
  auto page = ListProjects(view, options, [&](const pb::ProjectRecord& p) { return wanted(p.spec().owner_org()); });
  *complete = !page.next.has_value();
  ProjectsByOrg out;
  for (pb::ProjectRecord& p : page.items) out[p.spec().owner_org()].push_back(std::move(p));
  return out;
}

struct OrgScore {
  TransparencyInputs inputs;
  TransparencyScore score;
  bool complete = true;  // false: a bounded read stopped early
};

OrgScore ScoreOrg(const ledger::ReadView& view, const pb::OrgRecord& org, std::uint32_t year,
                  const std::vector<pb::ProjectRecord>& projects) {
  OrgScore out;
  const ledger::ComplianceParams& params = view.genesis().params.compliance;
  const std::uint64_t now_ms = view.head().time_ms();
  TransparencyInputs& in = out.inputs;
  in.year = year;
  in.counters = view.OrgYear(org.org_id(), year);
  const std::vector<Filing> filings = RecentFilings(view, org.org_id(), year, &out.complete);
  const bool required = RegisteredTimeMs(view, org) < BeijingYearStartMs(static_cast<int>(year));
  in.annual_report = CheckYearReport(filings, pb::DISCLOSURE_TYPE_ANNUAL_REPORT, year, params, now_ms, required);
  in.audit = CheckYearReport(filings, pb::DISCLOSURE_TYPE_AUDIT, year, params, now_ms, required);
  std::vector<ClosedProject> closed;
  for (const pb::ProjectRecord& p : projects) {
    ++in.restricted.projects;
    if (!p.closed()) continue;
    ++in.restricted.closed;
    if (ledger::flow::GetAccount(view.state(), "project:" + p.spec().project_id()).balance_fen != 0) {
      ++in.restricted.closed_not_empty;
    }
    if (BeijingYear(p.closed_time_ms()) == year) closed.push_back({p.spec().project_id(), p.closed_time_ms()});
  }
  in.project_reports = CheckProjectReports(closed, filings, params, now_ms, TransparencyLimits::kMaxListed);
  out.score = ScoreTransparency(in);
  return out;
}

Json Evidence(const std::string& api, const std::string& explorer) { return Json{{"api", api}, {"explorer", explorer}}; }

Json ReportInputs(const AnnualReport& r) {
  return Json{{"covers_year", r.covers_year},
              {"due_ms", r.due_ms},
              {"status", ReportStateName(r.state)},
              {"filed_at_ms", r.filed ? Json(r.filed->time_ms) : Json(nullptr)},
              {"filed_code", r.filed ? Json(r.filed->code) : Json(nullptr)}};
}

// The inputs and evidence of each component, in ScoreTransparency's order.
Json ComponentsJson(const std::string& org, const OrgScore& s) {
  const pb::OrgYear y = s.inputs.counters.value_or(pb::OrgYear());
  const BankAttestation outflows = AttestedOutflows(y);
  const std::string org_api = "/v1/orgs/" + org;
  const std::string org_page = "/orgs/" + org;
  const std::string disclosures = "/v1/disclosures?org=" + org;
  const ProjectReports& r = s.inputs.project_reports;
  const std::vector<std::pair<Json, Json>> details = {
      {ReportInputs(s.inputs.annual_report),
       Evidence(s.inputs.annual_report.filed ? "/v1/receipts/" + s.inputs.annual_report.filed->code : disclosures,
                org_page)},
      {ReportInputs(s.inputs.audit),
       Evidence(s.inputs.audit.filed ? "/v1/receipts/" + s.inputs.audit.filed->code : disclosures, org_page)},
      {Json::object({{"attested_fen", y.attested_donated_fen()}, {"donated_fen", y.donated_fen()}}),
       Evidence(org_api, org_page)},
      {Json::object({{"attested_fen", outflows.attested_fen}, {"outflow_fen", outflows.outflow_fen}}),
       Evidence(org_api, org_page)},
      {Json::object({{"invoiced_fen", y.invoiced_spent_fen()},
                     {"spent_fen", ledger::SumTotals({y.charitable_spent_fen(), y.admin_spent_fen()})}}),
       Evidence(org_api, org_page)},
      {Json::object({{"projects", s.inputs.restricted.projects},
                     {"closed", s.inputs.restricted.closed},
                     {"closed_not_empty", s.inputs.restricted.closed_not_empty}}),
       Evidence("/v1/projects?owner=" + org, org_page)},
      {Json::object({{"closed_in_year", r.closed},
                     {"on_time", r.on_time},
                     {"late", r.late},
                     {"missing", r.missing},
                     {"not_yet_due", r.not_yet_due},
                     {"missing_projects", r.missing_ids},
                     {"late_projects", r.late_ids}}),
       Evidence(disclosures, org_page)},
      {Json::object({{"corrections", y.corrections()}, {"entries", y.entries()}}),
       Evidence(org_api + "?limit=100", org_page)},
  };
  assert(details.size() == s.score.components.size());
  Json out = Json::array();
  for (std::size_t i = 0; i < details.size(); ++i) {
    const TransparencyComponent& c = s.score.components[i];
    const bool scored = c.state == ComponentState::kScored;
    out.push_back({{"name", c.name},
                   {"weight", c.weight},
                   {"state", ComponentStateName(c.state)},
                   {"points", scored ? Json(static_cast<double>(c.earned_milli) / 1000.0) : Json(nullptr)},
                   {"points_milli", scored ? Json(c.earned_milli) : Json(nullptr)},
                   {"rule", c.why},
                   {"inputs", details[i].first},
                   {"evidence", details[i].second}});
  }
  return out;
}

Json ScoreJson(const pb::OrgRecord& org, std::uint32_t year, const OrgScore& s) {
  return Json{{"method", kTransparencyMethod},
              {"org_id", org.org_id()},
              {"name_zh", org.name_zh()},
              {"name_en", org.name_en()},
              {"year", year},
              {"status", s.score.has_data ? "scored" : "no_data"},
              {"score", s.score.has_data ? Json(s.score.score) : Json(nullptr)},
              {"applicable_weight", s.score.applicable_weight},
              {"components", ComponentsJson(org.org_id(), s)},
              {"complete", s.complete}};
}

Response GetOrgTransparency(RequestContext& ctx) {
  const std::string& id = ctx.params[0];
  if (!ledger::IsValidId(id)) return ErrorResponse("invalid_argument", "an organisation id matches [a-z0-9-]{3,40}");
  const ledger::ReadView& view = ctx.view();
  auto year = QueryYear(view, ctx.query);
  if (!year.ok()) return ErrorResponse(year.status());
  auto org = view.Org(id);
  if (!org) return ErrorResponse("not_found", "no organisation '" + id + "' is registered");
  if (!Scorable(*org)) {
    return ErrorResponse("invalid_argument", "only charities, federations and trustees are scored, not '" + id + "'");
  }
  bool projects_complete = true;
  const ProjectsByOrg projects = ProjectsOf(view, [&](const std::string& o) { return o == id; }, &projects_complete);
  const auto it = projects.find(id);
  OrgScore s = ScoreOrg(view, *org, *year, it == projects.end() ? std::vector<pb::ProjectRecord>() : it->second);
  s.complete = s.complete && projects_complete;
  return JsonResponse(ScoreJson(*org, *year, s));
}

// Highest score first, then org id; organisations without data are counted, not ranked.
// `cursor` is the rank offset the previous page answered as `next`.
Response ListTransparency(RequestContext& ctx) {
  auto limit = QueryLimit(ctx.query, PageSizes::kDefault, PageSizes::kMax);
  if (!limit.ok()) return ErrorResponse(limit.status());
  const ledger::ReadView& view = ctx.view();
  auto year = QueryYear(view, ctx.query);
  if (!year.ok()) return ErrorResponse(year.status());
  std::size_t offset = 0;
  if (const std::string* c = ctx.query.Find("cursor")) {
    auto parsed = ParseU64(*c, "cursor");
    if (!parsed.ok()) return ErrorResponse(parsed.status());
    if (*parsed > TransparencyLimits::kMaxRankedOrgs) {
      return ErrorResponse("invalid_argument", "cursor must be a rank offset this list answered as next");
    }
    offset = static_cast<std::size_t>(*parsed);
  }
  ListOptions options;
  options.limit = TransparencyLimits::kMaxRankedOrgs;
  options.max_scanned = 10 * TransparencyLimits::kMaxRankedOrgs;
  auto orgs = ListOrgs(view, options, Scorable);
  bool complete = !orgs.next.has_value();
  bool projects_complete = true;
  const ProjectsByOrg projects = ProjectsOf(view, [](const std::string&) { return true; }, &projects_complete);
  complete = complete && projects_complete;

  struct Row { std::uint32_t score; const pb::OrgRecord* org; OrgScore detail; };
  std::vector<Row> ranked;
  std::size_t no_data = 0;
  for (const pb::OrgRecord& org : orgs.items) {
    const auto it = projects.find(org.org_id());
    OrgScore s = ScoreOrg(view, org, *year, it == projects.end() ? std::vector<pb::ProjectRecord>() : it->second);
    complete = complete && s.complete;
    if (!s.score.has_data) { ++no_data; continue; }
    ranked.push_back(Row{s.score.score, &org, std::move(s)});
  }
  std::sort(ranked.begin(), ranked.end(), [](const Row& a, const Row& b) {
    return a.score != b.score ? a.score > b.score : a.org->org_id() < b.org->org_id();
  });
  Json items = Json::array();
  for (std::size_t i = offset; i < ranked.size() && i < offset + *limit; ++i) {
    Json item = ScoreJson(*ranked[i].org, *year, ranked[i].detail);
    item["rank"] = i + 1;
    items.push_back(std::move(item));
  }
  const bool more = offset + *limit < ranked.size();
  return JsonResponse(Json{{"method", kTransparencyMethod},
                           {"year", *year},
                           {"orgs", std::move(items)},
                           {"ranked_count", ranked.size()},
                           {"no_data_count", no_data},
                           {"complete", complete},
                           {"next", more ? Json(std::to_string(offset + *limit)) : Json(nullptr)}});
}

}  // namespace

void AddTransparencyRoutes(Router& router) {
  router.Add({http::verb::get, "/v1/orgs/{id}/transparency", {"year"}, GetOrgTransparency});
  router.Add({http::verb::get, "/v1/transparency", {"year", "cursor", "limit"}, ListTransparency});
}

Result<std::uint32_t> QueryYear(const ledger::ReadView& view, const Query& query) {
  auto year = QueryU64(query, "year");
  if (!year.ok()) return year.status();
  const std::uint32_t first = BeijingYear(view.genesis().genesis_time_ms);
  const std::uint32_t last = BeijingYear(view.head().time_ms());
  if (!year->has_value()) return last;
  if (**year < first || **year > last) {
    return Status::Error("out_of_range", "year must be between " + std::to_string(first) + " (genesis) and " +
                                             std::to_string(last) + " (the head block), Beijing time");
  }
  return static_cast<std::uint32_t>(**year);
}

}  // namespace shanliu::api::internal
