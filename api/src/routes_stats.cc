// Chain statistics and compliance indicators (shown, never enforced: DESIGN 8).
#include <cmath>

#include "ledger_index.h"
#include "routes.h"
#include "shanliu/ledger/genesis.h"
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
  return JsonResponse(Json{{"chain_id", view.genesis().chain_id},
                           {"head", HeadJson(view)},
                           {"stats", RecordJson(view.Stats())},
                           {"node", std::move(node)}});
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
  Json rows = Json::array();
  for (const pb::OrgRecord& org : page.items) {
    const auto y = static_cast<std::uint32_t>(year);
    const pb::OrgYear now = view.OrgYear(org.org_id(), y).value_or(pb::OrgYear());
    const pb::OrgYear previous = view.OrgYear(org.org_id(), y - 1).value_or(pb::OrgYear());
    // Grants to other organisations count as charitable expenditure of the grantor.
    const std::int64_t charitable = now.charitable_spent_fen() + now.granted_out_fen();
    const std::int64_t spending = charitable + now.admin_spent_fen();
    Json charitable_pct = Percent(charitable, previous.income_fen());
    Json admin_pct = Percent(now.admin_spent_fen(), spending);
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
        {"disclosures", now.disclosures()},
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
  router.Add({http::verb::get, "/v1/stats", {}, GetStats});
  router.Add({http::verb::get, "/v1/genesis", {}, GetGenesis});
  router.Add({http::verb::get, "/v1/compliance", {"year", "cursor", "limit"}, GetCompliance});
}

}  // namespace shanliu::api::internal
