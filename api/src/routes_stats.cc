// Chain statistics and compliance indicators (shown, never enforced: DESIGN 8).
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "compliance.h"
#include "ledger_index.h"
#include "routes.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/goods.h"
#include "shanliu/ledger/goods_report.h"
#include "shanliu/ledger/totals.h"
#include "views.h"

namespace shanliu::api::internal {
namespace {

Json HeadJson(const ledger::ReadView& view) {
  const pb::BlockHeader& h = view.head();
  return Json{{"height", h.height()},
              {"block_hash", Hex(view.head_hash())},
              {"time_ms", h.time_ms()},
              {"log_size", h.log_size()},
              {"log_root", Hex(h.log_root())}};
}

Response GetStats(RequestContext& ctx) {
  const ledger::ReadView& view = ctx.view();
  Json node = nullptr;
  if (ctx.server.hooks.info) {
    const NodeInfo info = ctx.server.hooks.info();
    node = {{"node_id", info.node_id}, {"role", info.role}, {"mempool_txs", info.mempool_txs}, {"peers", info.peers}};
  }
  // A store restored from a snapshot: how far the history backfill is (null: whole history held).
  Json history = nullptr;
  if (view.history_base() > 0) {
    history = {{"snapshot_height", view.history_base()},
               {"backfilled_height", view.backfilled_height()},
               {"missing_blocks", view.history_base() - view.backfilled_height()}};
  }
  Json body{{"chain_id", view.genesis().chain_id},
            {"head", HeadJson(view)},
            {"stats", RecordJson(view.Stats())},
            {"node", std::move(node)},
            {"history", std::move(history)}};
  // ?region= adds that region's dashboard figures (docs/regions.md); `year` only goes with it.
  if (const std::string* region = ctx.query.Find("region")) {
    auto figures = RegionStatsForQuery(view, *region, ctx.query);
    if (!figures.ok()) return ErrorResponse(figures.status());
    body["region"] = std::move(*figures);
  } else if (ctx.query.Find("year")) {
    return ErrorResponse("invalid_argument", "year is only taken with region (the chain-wide stats are all-time)");
  }
  return JsonResponse(body);
}

// The genesis file as the node loaded it: outside verifiers (the explorer's badge, a
// regulator's script) need the validator keys and organisation names to check commits.
Response GetGenesis(RequestContext& ctx) {
  return JsonResponse(Json::parse(ledger::GenesisToJson(ctx.view().genesis())));
}

Json Percent(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return nullptr;
  return std::round(static_cast<double>(part) * 1000.0 / static_cast<double>(whole)) / 10.0;
}

Json Meets(const Json& percent, bool at_least, std::uint32_t threshold) {
  if (percent.is_null()) return nullptr;
  const double p = percent.get<double>();
  return at_least ? p >= threshold : p <= threshold;
}

// Bounds on the work one compliance page may do (each organisation row, then the page).
struct ComplianceLimits {
  static constexpr std::size_t kMaxDisclosuresPerOrg = 2'000;  // newest first, back to 1 Jan of Y-1
  static constexpr std::size_t kMaxProjectsScanned = 20'000;   // project records read per page
  static constexpr std::size_t kMaxRangesPerOrg = 20'000;      // fund-flow ranges re-checked per org
  static constexpr std::size_t kMaxListed = 20;                // ids and violations listed per org
  static constexpr std::size_t kMaxGoodsDistributions = 100'000;  // goods distributions read per page
  // Goods donation records read per page for expired lots still held; only the expired ones are
  // traced, each trace capped at 2,000 nodes.
  static constexpr std::size_t kMaxGoodsGifts = 100'000;
};

// Lots past their expiry date still held, as judged on the head block's Beijing date.
Json ExpiredHeldJson(const ledger::goods::ExpiredHeldByOrg& held, const std::string& org, std::uint32_t date) {
  Json lots = Json::array();
  if (auto it = held.lots.find(org); it != held.lots.end()) {
    for (const ledger::goods::ExpiredLot& lot : it->second) {
      lots.push_back({{"holder", lot.holder},
                      {"item_code", lot.item_code},
                      {"lot_number", lot.lot_number},
                      {"expires_on", ledger::goods::IsoDate(lot.expires_on)},
                      {"units", lot.units},
                      {"gift_leaf", lot.gift_leaf}});
    }
  }
  auto count = [&](const std::map<std::string, std::uint64_t>& m) {
    auto it = m.find(org);
    return it == m.end() ? std::uint64_t{0} : it->second;
  };
  return Json{{"units", count(held.units)},
              {"lot_count", count(held.lot_count)},
              {"lots", std::move(lots)},
              {"listed_max", ComplianceLimits::kMaxListed},
              {"judged_on", ledger::goods::IsoDate(date)},
              {"complete", held.complete}};
}

}  // namespace

std::vector<Filing> RecentFilings(const ledger::ReadView& view, const std::string& org, std::uint32_t year,
                                  bool* complete) {
  std::vector<Filing> out;
  const std::uint64_t since_ms = BeijingYearStartMs(static_cast<int>(year) - 1);
  std::uint64_t before = UINT64_MAX;
  *complete = true;
  while (true) {
    const std::vector<std::uint64_t> leaves = view.Disclosures(org, before, 256);
    for (std::uint64_t leaf : leaves) {
      if (out.size() >= ComplianceLimits::kMaxDisclosuresPerOrg) {
        *complete = false;
        return out;
      }
      auto tx = view.TxByLeaf(leaf);
      if (!tx || !tx->body.has_disclosure()) throw ledger::StorageError("a disclosure index entry names no disclosure");
      if (tx->time_ms < since_ms) return out;
      const pb::Disclosure& d = tx->body.disclosure();
      out.push_back(Filing{tx->time_ms, d.type(), d.period(), d.project_id(), ReceiptCode(tx->id)});
    }
    if (leaves.size() < 256) return out;
    before = leaves.back();
  }
}

std::uint64_t RegisteredTimeMs(const ledger::ReadView& view, const pb::OrgRecord& org) {
  if (org.registered_height() == 0) return view.genesis().genesis_time_ms;
  auto block = view.Block(org.registered_height());
  return block ? block->header().time_ms() : view.genesis().genesis_time_ms;
}

namespace {

Json TimeOrNull(const std::optional<Filing>& f) { return f ? Json(BeijingIsoTime(f->time_ms)) : Json(nullptr); }

Json AnnualReportJson(const AnnualReport& r) {
  Json on_time = nullptr;  // unknown while not yet due or not required
  if (r.state == ReportState::kOnTime) on_time = true;
  if (r.state == ReportState::kLate || r.state == ReportState::kMissing) on_time = false;
  return Json{{"covers_year", r.covers_year},
              {"due", BeijingIsoTime(r.due_ms)},
              {"due_ms", r.due_ms},
              {"filed_at", TimeOrNull(r.filed)},
              {"filed_at_ms", r.filed ? Json(r.filed->time_ms) : Json(nullptr)},
              {"filed_code", r.filed ? Json(r.filed->code) : Json(nullptr)},
              {"on_time", on_time},
              {"status", ReportStateName(r.state)}};
}

Json ProjectReportsJson(const ProjectReports& r) {
  return Json{{"closed_count", r.closed},       {"due_count", r.due},
              {"on_time", r.on_time},           {"late", r.late},
              {"late_projects", r.late_ids},    {"not_yet_due", r.not_yet_due},
              {"missing_count", r.missing},     {"missing", r.missing_ids},
              {"listed_max", ComplianceLimits::kMaxListed}};
}

Json RestrictedJson(const RestrictedFunds& r) {
  Json violations = Json::array();
  for (const RestrictedViolation& v : r.violations) {
    violations.push_back(
        {{"project_id", v.project_id}, {"leaf", v.leaf}, {"to_account", v.to_account}, {"amount_fen", v.amount_fen}});
  }
  return Json{{"ok", r.ok},
              {"violations", std::move(violations)},
              {"violation_count", r.violation_count},
              {"projects_checked", r.projects_checked},
              {"ranges_checked", r.ranges_checked},
              {"complete", r.complete},
              {"enforced_by_state_machine", true},
              {"note",
               "The executor rejects transfers out of project: accounts (restricted_funds), so this cannot fail on a "
               "valid chain; it re-derives the rule from the fund-flow records as of the head block."}};
}

Json OverBudgetJson(const OverBudget& o) {
  Json projects = Json::array();
  for (const OverBudgetProject& p : o.projects) {
    projects.push_back({{"project_id", p.project_id},
                        {"name_zh", p.name_zh},
                        {"budget_fen", p.budget_fen},
                        {"received_fen", p.received_fen},
                        {"over_fen", p.over_fen}});
  }
  return Json{{"count", o.count},
              {"projects", std::move(projects)},
              {"listed_max", ComplianceLimits::kMaxListed},
              {"note", "Gifts beyond a project's budget are accepted by the chain and flagged here."}};
}

Response GetCompliance(RequestContext& ctx) {
  auto limit = QueryLimit(ctx.query, PageSizes::kDefault, PageSizes::kMax);
  if (!limit.ok()) return ErrorResponse(limit.status());
  auto year_param = QueryU64(ctx.query, "year");
  if (!year_param.ok()) return ErrorResponse(year_param.status());
  const ledger::ReadView& view = ctx.view();
  const std::uint32_t current = BeijingYear(view.head().time_ms());
  const std::uint64_t year = year_param->value_or(current);
  if (year < 1970 || year > 9999) return ErrorResponse("invalid_argument", "year must be between 1970 and 9999");
  const ledger::ComplianceParams& params = view.genesis().params.compliance;

  ListOptions options;
  options.limit = *limit;
  if (const std::string* c = ctx.query.Find("cursor")) options.after = *c;
  // Organisations that raise and spend charitable money.
  auto page = ListOrgs(view, options, [](const pb::OrgRecord& o) {
    return o.kind() == pb::ORG_KIND_CHARITY || o.kind() == pb::ORG_KIND_FEDERATION || o.kind() == pb::ORG_KIND_TRUSTEE;
  });
  // One pass over the projects for every organisation on the page (bounded).
  std::set<std::string> page_orgs;
  for (const pb::OrgRecord& org : page.items) page_orgs.insert(org.org_id());
  ListOptions project_options;
  project_options.limit = ComplianceLimits::kMaxProjectsScanned;
  project_options.max_scanned = ComplianceLimits::kMaxProjectsScanned;
  auto projects = ListProjects(view, project_options, [&](const pb::ProjectRecord& p) {
    return page_orgs.contains(p.spec().owner_org());
  });
  std::map<std::string, std::vector<const pb::ProjectRecord*>> projects_of;
  for (const pb::ProjectRecord& p : projects.items) projects_of[p.spec().owner_org()].push_back(&p);
  const bool projects_complete = !projects.next.has_value();
  const std::uint64_t now_ms = view.head().time_ms();
  // Goods handed out from lots past their expiry (allowed by default, flagged: docs/rules.md).
  const ledger::goods::ExpiredByOrg expired = ledger::goods::ExpiredDistributions(
      view.state(), ComplianceLimits::kMaxGoodsDistributions, [&](const std::string& project_id) {
        auto p = view.Project(project_id);
        return p ? p->spec().owner_org() : std::string();
      });
  // Judged by the head block's Beijing date, never the wall clock: every node answers the same.
  const std::uint32_t head_date = ledger::goods::BeijingDate(now_ms);
  const ledger::goods::ExpiredHeldByOrg expired_held = ledger::goods::ExpiredHoldings(
      view.state(), head_date, ComplianceLimits::kMaxGoodsGifts, ComplianceLimits::kMaxListed,
      [&](const std::string& project_id) {
        auto p = view.Project(project_id);
        return p ? p->spec().owner_org() : std::string();
      });
  auto count_of = [](const std::map<std::string, std::uint64_t>& m, const std::string& org) {
    auto it = m.find(org);
    return it == m.end() ? std::uint64_t{0} : it->second;
  };

  Json rows = Json::array();
  for (const pb::OrgRecord& org : page.items) {
    const auto y = static_cast<std::uint32_t>(year);
    const pb::OrgYear now = view.OrgYear(org.org_id(), y).value_or(pb::OrgYear());
    const pb::OrgYear previous = view.OrgYear(org.org_id(), y - 1).value_or(pb::OrgYear());
    // Grants to other organisations count as charitable expenditure of the grantor.
    const std::int64_t charitable = ledger::SumTotals({now.charitable_spent_fen(), now.granted_out_fen()});
    const std::int64_t spending = ledger::SumTotals({charitable, now.admin_spent_fen()});
    Json charitable_pct = Percent(charitable, previous.income_fen());

    bool filings_complete = true;
    const std::vector<Filing> filings = RecentFilings(view, org.org_id(), y, &filings_complete);
    // Nothing to report for Y-1 if the organisation was registered after it ended.
    const bool annual_required = RegisteredTimeMs(view, org) < BeijingYearStartMs(static_cast<int>(y));
    std::vector<ClosedProject> closed;
    std::vector<std::string> project_ids;
    for (const pb::ProjectRecord* p : projects_of[org.org_id()]) {
      project_ids.push_back(p->spec().project_id());
      if (p->closed() && BeijingYear(p->closed_time_ms()) == y) {
        closed.push_back({p->spec().project_id(), p->closed_time_ms()});
      }
    }
    const AnnualReport annual = CheckAnnualReport(filings, y, params, now_ms, annual_required);
    const ProjectReports reports = CheckProjectReports(closed, filings, params, now_ms, ComplianceLimits::kMaxListed);
    Json schedule = {{"annual_report", AnnualReportJson(annual)},
                     {"project_reports", ProjectReportsJson(reports)},
                     {"complete", filings_complete && projects_complete}};
    const RestrictedFunds restricted = CheckRestrictedFunds(view.state(), project_ids, ComplianceLimits::kMaxRangesPerOrg,
                                                            ComplianceLimits::kMaxListed);
    Json admin_pct = Percent(now.admin_spent_fen(), spending);
    const BankAttestation attested = AttestedOutflows(now);
    rows.push_back({
        {"org_id", org.org_id()},
        {"name_zh", org.name_zh()},
        {"name_en", org.name_en()},
        {"kind", ledger::OrgKindName(org.kind())},
        {"year", y},
        {"income_fen", now.income_fen()},
        {"previous_year_income_fen", previous.income_fen()},
        {"charitable_spent_fen", now.charitable_spent_fen()},
        {"granted_out_fen", now.granted_out_fen()},
        {"admin_spent_fen", now.admin_spent_fen()},
        {"charitable_spending_pct_of_previous_income", charitable_pct},
        {"meets_min_charitable_spending", Meets(charitable_pct, true, params.min_charitable_spending_pct)},
        {"admin_pct_of_spending", admin_pct},
        {"meets_max_admin", Meets(admin_pct, false, params.max_admin_pct)},
        {"bank_attested",
         {{"outflow_fen", attested.outflow_fen},
          {"attested_fen", attested.attested_fen},
          {"attested_pct_of_outflow", Percent(attested.attested_fen, attested.outflow_fen)}}},
        {"disclosures", now.disclosures()},
        {"disclosures_on_schedule", std::move(schedule)},
        {"restricted_funds", RestrictedJson(restricted)},
        {"over_budget_projects", OverBudgetJson(CheckOverBudget(projects_of[org.org_id()], ComplianceLimits::kMaxListed))},
        {"expired_goods_distributed",
         {{"distributions", count_of(expired.distributions, org.org_id())},
          {"units", count_of(expired.units, org.org_id())},
          {"complete", expired.complete}}},
        {"expired_goods_held", ExpiredHeldJson(expired_held, org.org_id(), head_date)},
    });
  }
  return JsonResponse(Json{
      {"indicators_only", true},
      {"note", "Indicators computed from the ledger for information; they are not enforced by the chain."},
      {"year", year},
      {"thresholds",
       {{"min_charitable_spending_pct", params.min_charitable_spending_pct},
        {"max_admin_pct", params.max_admin_pct},
        {"annual_report_due_month", params.annual_report_due_month},
        {"annual_report_due_day", params.annual_report_due_day},
        {"project_report_months", params.project_report_months}}},
      {"orgs", std::move(rows)},
      {"next", page.next ? Json(*page.next) : Json(nullptr)},
  });
}

}  // namespace

void AddStatsRoutes(Router& router) {
  router.Add({http::verb::get, "/v1/stats", {"region", "year"}, GetStats});
  router.Add({http::verb::get, "/v1/genesis", {}, GetGenesis});
  router.Add({http::verb::get, "/v1/compliance", {"year", "cursor", "limit"}, GetCompliance});
}

}  // namespace shanliu::api::internal
