// Projects (budget vs raised vs spent, spending by category) and charity trusts.
#include <algorithm>
#include <cmath>

#include "ledger_index.h"
#include "routes.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/json.h"
#include "shanliu/ledger/registry_codes.h"
#include "shanliu/ledger/totals.h"
#include "shanliu/ledger/tx.h"
#include "views.h"

namespace shanliu::api::internal {
namespace {

namespace flow = ledger::flow;

// A project page shows its whole update history; beyond this many only the newest are listed
// (history_count says how many there are).
constexpr std::size_t kMaxHistory = 200;

// The division's full name, or null for a code not on the GB/T 2260 list (projects opened
// before regions were checked carry free text).
Json RegionNameJson(const std::string& code) {
  auto name = ledger::RegionName(code);
  return name ? Json(std::string(*name)) : Json(nullptr);
}

// Each UpdateProject, newest first, with the id of the tx that made it.
Json HistoryJson(const ledger::ReadView& view, const std::string& project_id) {
  Json items = Json::array();
  for (const pb::ProjectUpdateRecord& u : view.ProjectUpdates(project_id, kMaxHistory)) {
    Json item = RecordJson(u);
    auto tx = view.TxByLeaf(u.leaf());
    item["tx_id"] = tx ? Json(crypto::ToHex(tx->id)) : Json(nullptr);
    items.push_back(std::move(item));
  }
  return items;
}

std::int64_t SpentTotal(const pb::ProjectRecord& p) {
  std::int64_t total = 0;
  for (std::int64_t v : p.spent_by_category_fen()) total = ledger::SumTotals({total, v});
  return total;
}

// Percentage rounded to one decimal place, or null when the base is zero.
Json Percent(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return nullptr;
  return std::round(static_cast<double>(part) * 1000.0 / static_cast<double>(whole)) / 10.0;
}

Json ProjectSummary(const ledger::ReadView& view, Names& names, const pb::ProjectRecord& p) {
  const pb::OpenProject& s = p.spec();
  const flow::AccountFlow f = flow::GetAccount(view.state(), "project:" + s.project_id());
  const Json& owner = names.Org(s.owner_org());
  return Json{
      {"project_id", s.project_id()},
      {"owner_org", s.owner_org()},
      {"owner_name_zh", owner.value("name_zh", "")},
      {"owner_name_en", owner.value("name_en", "")},
      {"name_zh", s.name_zh()},
      {"name_en", s.name_en()},
      {"category", s.category()},
      {"region", s.region()},
      {"region_name", RegionNameJson(s.region())},
      {"budget_fen", s.budget_fen()},
      {"donated_fen", p.donated_fen()},
      {"allocated_fen", p.allocated_fen()},
      {"raised_fen", ledger::SumTotals({p.donated_fen(), p.allocated_fen()})},
      {"spent_fen", SpentTotal(p)},
      {"balance_fen", f.balance_fen},
      {"closed", p.closed()},
      {"opened_time_ms", p.opened_time_ms()},
  };
}

Response ListProjectsRoute(RequestContext& ctx) {
  auto limit = QueryLimit(ctx.query, PageSizes::kDefault, PageSizes::kMax);
  if (!limit.ok()) return ErrorResponse(limit.status());
  const std::string* owner = ctx.query.Find("owner");
  const std::string* category = ctx.query.Find("category");
  if (owner != nullptr && !ledger::IsValidId(*owner)) {
    return ErrorResponse("invalid_argument", "owner is an organisation id ([a-z0-9-]{3,40})");
  }
  ListOptions options;
  options.limit = *limit;
  if (const std::string* c = ctx.query.Find("cursor")) options.after = *c;
  const ledger::ReadView& view = ctx.view();
  auto page = ListProjects(view, options, [&](const pb::ProjectRecord& p) {
    return (owner == nullptr || p.spec().owner_org() == *owner) && (category == nullptr || p.spec().category() == *category);
  });
  Names names(view);
  Json items = Json::array();
  for (const pb::ProjectRecord& p : page.items) items.push_back(ProjectSummary(view, names, p));
  return JsonResponse(Json{{"projects", std::move(items)}, {"next", page.next ? Json(*page.next) : Json(nullptr)}});
}

Response GetProject(RequestContext& ctx) {
  const std::string& id = ctx.params[0];
  if (!ledger::IsValidId(id)) return ErrorResponse("invalid_argument", "a project id matches [a-z0-9-]{3,40}");
  auto before = BeforeLeaf(ctx.query);
  if (!before.ok()) return ErrorResponse(before.status());
  auto limit = QueryLimit(ctx.query, PageSizes::kDefault, PageSizes::kMax);
  if (!limit.ok()) return ErrorResponse(limit.status());
  const ledger::ReadView& view = ctx.view();
  auto project = view.Project(id);
  if (!project) return ErrorResponse("not_found", "no project '" + id + "' exists");

  Names names(view);
  const std::string account = "project:" + id;
  const flow::AccountFlow f = flow::GetAccount(view.state(), account);
  Json by_category = Json::array();
  for (int c = pb::SPEND_CATEGORY_MATERIAL; c <= pb::SPEND_CATEGORY_OTHER; ++c) {
    const auto category = static_cast<pb::SpendCategory>(c);
    const CategoryName name = SpendCategoryName(category);
    const std::int64_t amount = c < project->spent_by_category_fen_size() ? project->spent_by_category_fen(c) : 0;
    by_category.push_back({{"category", ledger::EnumValueName(pb::SpendCategory_descriptor()->FindValueByNumber(c))},
                           {"name_zh", name.zh},
                           {"name_en", name.en},
                           {"amount_fen", amount}});
  }
  Json summary = ProjectSummary(view, names, *project);
  const std::int64_t raised = ledger::SumTotals({project->donated_fen(), project->allocated_fen()});
  const std::int64_t spent = SpentTotal(*project);
  return JsonResponse(Json{
      {"project", RecordJson(*project)},
      {"summary", std::move(summary)},
      {"owner", names.Org(project->spec().owner_org())},
      {"budget_fen", project->spec().budget_fen()},
      {"donated_fen", project->donated_fen()},
      {"donation_count", project->donation_count()},
      {"allocated_fen", project->allocated_fen()},
      {"raised_fen", raised},
      {"spent_fen", spent},
      {"refunded_fen", f.refunded_fen},
      {"balance_fen", f.balance_fen},
      {"raised_pct_of_budget", Percent(raised, project->spec().budget_fen())},
      // Gifts beyond the budget are accepted (refusing a donor's money helps nobody) but shown.
      {"over_budget", raised > project->spec().budget_fen()},
      {"over_budget_fen", std::max<std::int64_t>(0, raised - project->spec().budget_fen())},
      {"history", HistoryJson(view, id)},
      {"history_count", project->update_count()},
      {"spent_pct_of_raised", Percent(spent, raised)},
      {"spending_by_category", std::move(by_category)},
      {"flow", FlowJson(f)},
      {"activity", ActivityPage(view, view.AccountActivity(account, *before, *limit + 1), *limit)},
  });
}

Response ListTrustsRoute(RequestContext& ctx) {
  auto limit = QueryLimit(ctx.query, PageSizes::kDefault, PageSizes::kMax);
  if (!limit.ok()) return ErrorResponse(limit.status());
  ListOptions options;
  options.limit = *limit;
  if (const std::string* c = ctx.query.Find("cursor")) options.after = *c;
  const ledger::ReadView& view = ctx.view();
  auto page = ListTrusts(view, options, nullptr);
  Json items = Json::array();
  for (const pb::TrustRecord& t : page.items) {
    Json item = RecordJson(t);
    item["flow"] = FlowJson(flow::GetAccount(view.state(), "trust:" + t.spec().trust_id()));
    items.push_back(std::move(item));
  }
  return JsonResponse(Json{{"trusts", std::move(items)}, {"next", page.next ? Json(*page.next) : Json(nullptr)}});
}

Response GetTrust(RequestContext& ctx) {
  const std::string& id = ctx.params[0];
  if (!ledger::IsValidId(id)) return ErrorResponse("invalid_argument", "a trust id matches [a-z0-9-]{3,40}");
  auto before = BeforeLeaf(ctx.query);
  if (!before.ok()) return ErrorResponse(before.status());
  auto limit = QueryLimit(ctx.query, PageSizes::kDefault, PageSizes::kMax);
  if (!limit.ok()) return ErrorResponse(limit.status());
  const ledger::ReadView& view = ctx.view();
  auto trust = view.Trust(id);
  if (!trust) return ErrorResponse("not_found", "no charity trust '" + id + "' exists");
  Names names(view);
  const std::string account = "trust:" + id;
  return JsonResponse(Json{
      {"trust", RecordJson(*trust)},
      {"trustee", names.Org(trust->spec().trustee_org())},
      {"custodian_bank", names.Org(trust->spec().custodian_bank())},
      {"flow", FlowJson(flow::GetAccount(view.state(), account))},
      {"activity", ActivityPage(view, view.AccountActivity(account, *before, *limit + 1), *limit)},
  });
}

}  // namespace

void AddProjectRoutes(Router& router) {
  router.Add({http::verb::get, "/v1/projects", {"owner", "category", "cursor", "limit"}, ListProjectsRoute});
  router.Add({http::verb::get, "/v1/projects/{id}", {"before", "limit"}, GetProject});
  router.Add({http::verb::get, "/v1/trusts", {"cursor", "limit"}, ListTrustsRoute});
  router.Add({http::verb::get, "/v1/trusts/{id}", {"before", "limit"}, GetTrust});
}

}  // namespace shanliu::api::internal
