// Organisations (list, detail with accounts, yearly figures, projects, activity) and disclosures.
#include "ledger_index.h"
#include "routes.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/regions.h"
#include "shanliu/ledger/tx.h"
#include "views.h"

namespace shanliu::api::internal {
namespace {

namespace flow = ledger::flow;

constexpr std::size_t kProjectsInOrg = 50;
constexpr std::size_t kMaxRegionChanges = 100;  // placements listed (registration and moves)
constexpr std::size_t kCatalogueInOrg = 50;
constexpr std::uint32_t kMaxYears = 100;
constexpr std::size_t kRecoveriesInOrg = 50;

// The record, with pending_recovery null when none is pending (RecordJson would fill in an
// all-zero one, which a reader could take for a recovery due at time 0).
Json OrgJson(const pb::OrgRecord& org) {
  Json out = RecordJson(org);
  if (!org.has_pending_recovery()) out["pending_recovery"] = nullptr;
  return out;
}

Json AccountJson(const ledger::ReadView& view, Names& names, const std::string& account) {
  Json out = names.Account(account);
  out["flow"] = FlowJson(flow::GetAccount(view.state(), account));
  return out;
}

Response ListOrgsRoute(RequestContext& ctx) {
  auto limit = QueryLimit(ctx.query, PageSizes::kDefault, PageSizes::kMax);
  if (!limit.ok()) return ErrorResponse(limit.status());
  std::optional<pb::OrgKind> kind;
  if (const std::string* k = ctx.query.Find("kind")) {
    pb::OrgKind parsed;
    if (!ledger::ParseOrgKind(*k, &parsed)) {
      return ErrorResponse("invalid_argument", "kind must be bureau, federation, bank, charity, trustee or merchant");
    }
    kind = parsed;
  }
  ListOptions options;
  options.limit = *limit;
  if (const std::string* c = ctx.query.Find("cursor")) options.after = *c;
  auto page = ListOrgs(ctx.view(), options, [&](const pb::OrgRecord& o) { return !kind || o.kind() == *kind; });
  Json orgs = Json::array();
  for (const pb::OrgRecord& o : page.items) orgs.push_back(OrgJson(o));
  return JsonResponse(Json{{"orgs", std::move(orgs)}, {"next", page.next ? Json(*page.next) : Json(nullptr)}});
}

// Where the organisation works now and where it worked before (docs/regions.md): its figures
// count in the region it had at each entry, so a move is shown with the leaf it took effect from.
Json RegionsJson(const ledger::ReadView& view, const std::string& id, const pb::OrgRecord& org) {
  bool complete = true;
  const auto history = ledger::regions::OrgRegionHistory(view.state(), id, kMaxRegionChanges, &complete);
  Json rows = Json::array();
  for (const ledger::regions::RegionChange& r : history) {
    rows.push_back({{"from_leaf", r.leaf},
                    {"height", r.change.height()},
                    {"time_ms", r.change.time_ms()},
                    {"old_region", r.change.old_region().empty() ? Json(nullptr) : Json(r.change.old_region())},
                    {"new_region", r.change.new_region()}});
  }
  Json name = nullptr;
  if (auto code = ledger::regions::ParseCode(org.region())) {
    if (auto n = ledger::regions::DisplayName(view.state(), *code)) name = *n;
  }
  return Json{{"current", org.region().empty() ? Json(nullptr) : Json(org.region())},
              {"current_name", std::move(name)},
              {"history", std::move(rows)},
              {"complete", complete}};
}

Response GetOrg(RequestContext& ctx) {
  const std::string& id = ctx.params[0];
  if (!ledger::IsValidId(id)) return ErrorResponse("invalid_argument", "an organisation id matches [a-z0-9-]{3,40}");
  auto before = BeforeLeaf(ctx.query);
  if (!before.ok()) return ErrorResponse(before.status());
  auto limit = QueryLimit(ctx.query, PageSizes::kDefault, PageSizes::kMax);
  if (!limit.ok()) return ErrorResponse(limit.status());
  const ledger::ReadView& view = ctx.view();
  auto org = view.Org(id);
  if (!org) return ErrorResponse("not_found", "no organisation '" + id + "' is registered");

  Names names(view);
  Json accounts = Json::array();
  accounts.push_back(AccountJson(view, names, "org:" + id));

  ListOptions options;
  options.limit = kProjectsInOrg;
  auto projects = ListProjects(view, options, [&](const pb::ProjectRecord& p) { return p.spec().owner_org() == id; });
  Json project_list = Json::array();
  for (const pb::ProjectRecord& p : projects.items) {
    const std::string account = "project:" + p.spec().project_id();
    accounts.push_back(AccountJson(view, names, account));
    project_list.push_back({{"project_id", p.spec().project_id()},
                            {"name_zh", p.spec().name_zh()},
                            {"name_en", p.spec().name_en()},
                            {"category", p.spec().category()},
                            {"budget_fen", p.spec().budget_fen()},
                            {"closed", p.closed()}});
  }
  auto trusts = ListTrusts(view, options, [&](const pb::TrustRecord& t) {
    return t.spec().trustee_org() == id || t.spec().custodian_bank() == id;
  });
  Json trust_list = Json::array();
  for (const pb::TrustRecord& t : trusts.items) {
    const std::string account = "trust:" + t.spec().trust_id();
    if (t.spec().trustee_org() == id) accounts.push_back(AccountJson(view, names, account));
    trust_list.push_back({{"trust_id", t.spec().trust_id()},
                          {"name_zh", t.spec().name_zh()},
                          {"name_en", t.spec().name_en()},
                          {"role", t.spec().trustee_org() == id ? "trustee" : "custodian_bank"}});
  }

  Json years = Json::array();
  const std::uint32_t first_year = BeijingYear(view.genesis().genesis_time_ms);
  const std::uint32_t last_year = BeijingYear(view.head().time_ms());
  for (std::uint32_t y = last_year; y >= first_year && last_year - y < kMaxYears; --y) {
    if (auto record = view.OrgYear(id, y)) {
      Json row = RecordJson(*record);
      row["year"] = y;
      years.push_back(std::move(row));
    }
    if (y == 0) break;
  }

  // Every key recovery the bureau asked for, newest first (docs/rules.md "Key recovery").
  Json recoveries = Json::array();
  for (const pb::KeyRecoveryRecord& r : view.KeyRecoveries(id, kRecoveriesInOrg)) recoveries.push_back(RecordJson(r));

  // A merchant's page lists what its points buy (null for other kinds of organisation).
  Json catalogue = org->kind() == pb::ORG_KIND_MERCHANT ? CataloguePage(view, id, "", kCatalogueInOrg) : Json(nullptr);
  return JsonResponse(Json{
      {"org", OrgJson(*org)},
      {"region", RegionsJson(view, id, *org)},
      {"catalogue", std::move(catalogue)},
      {"accounts", std::move(accounts)},
      {"years", std::move(years)},
      {"projects", {{"items", std::move(project_list)}, {"next", projects.next ? Json(*projects.next) : Json(nullptr)}}},
      {"trusts", std::move(trust_list)},
      {"key_recoveries", std::move(recoveries)},
      {"activity", ActivityPage(view, view.OrgActivity(id, *before, *limit + 1), *limit)},
  });
}

Response ListDisclosures(RequestContext& ctx) {
  const std::string* org = ctx.query.Find("org");
  if (org == nullptr) return ErrorResponse("invalid_argument", "org (an organisation id) is required");
  if (!ledger::IsValidId(*org)) return ErrorResponse("invalid_argument", "an organisation id matches [a-z0-9-]{3,40}");
  auto before = BeforeLeaf(ctx.query);
  if (!before.ok()) return ErrorResponse(before.status());
  auto limit = QueryLimit(ctx.query, PageSizes::kDefault, PageSizes::kMax);
  if (!limit.ok()) return ErrorResponse(limit.status());
  const ledger::ReadView& view = ctx.view();
  if (!view.Org(*org)) return ErrorResponse("not_found", "no organisation '" + *org + "' is registered");
  const std::vector<std::uint64_t> leaves = view.Disclosures(*org, *before, *limit + 1);
  Json items = Json::array();
  for (std::size_t i = 0; i < leaves.size() && i < *limit; ++i) {
    auto tx = view.TxByLeaf(leaves[i]);
    if (!tx || !tx->body.has_disclosure()) throw ledger::StorageError("a disclosure index names a wrong leaf");
    Json item = RecordJson(tx->body.disclosure());
    item["id"] = Hex(tx->id);
    item["code"] = ReceiptCode(tx->id);
    item["leaf"] = leaves[i];
    item["height"] = tx->location.height();
    item["time_ms"] = tx->time_ms;
    items.push_back(std::move(item));
  }
  return JsonResponse(Json{{"org_id", *org},
                           {"disclosures", std::move(items)},
                           {"next", leaves.size() > *limit ? Json(leaves[*limit - 1]) : Json(nullptr)}});
}

}  // namespace

void AddOrgRoutes(Router& router) {
  router.Add({http::verb::get, "/v1/orgs", {"kind", "cursor", "limit"}, ListOrgsRoute});
  router.Add({http::verb::get, "/v1/orgs/{id}", {"before", "limit"}, GetOrg});
  router.Add({http::verb::get, "/v1/disclosures", {"org", "before", "limit"}, ListDisclosures});
}

}  // namespace shanliu::api::internal
