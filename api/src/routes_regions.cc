// Region dashboards (docs/regions.md): one region's figures for a Beijing year, and a table of the
// divisions below a region. Read from the RegionMonth rows the executor keeps at commit, added up
// under the region's code prefix: O(counties and streets below it x 12) rows, never the ledger's
// history.
#include <algorithm>
#include <cmath>

#include "routes.h"
#include "shanliu/ledger/json.h"
#include "shanliu/ledger/regions.h"
#include "shanliu/ledger/totals.h"
#include "views.h"

namespace shanliu::api::internal {
namespace {

namespace regions = ledger::regions;

constexpr const char* kRegionsMethod = "shanliu-regions/1";
__extension__ using U128 = unsigned __int128;  // raised x 100 never overflows

// A share in percent with one decimal, or null when nothing could be shared (zero denominator).
Json Share(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return nullptr;
  return std::round(static_cast<double>(part) * 1000.0 / static_cast<double>(whole)) / 10.0;
}

// The code in the path or query: malformed is invalid_argument; well-formed but naming no
// division is unknown_region.
Result<regions::Code> RegionParam(const ledger::ReadView& view, const std::string& text) {
  auto code = regions::ParseCode(text);
  if (!code) {
    return Status::Error("invalid_argument", "region must be 2, 4, 6 or 9 digits (GB/T 2260, e.g. 33, 3301, 330100, "
                                             "330106, or a registered street 330106001)");
  }
  if (!regions::IsKnown(view.state(), *code)) {
    return Status::Error("unknown_region", "region '" + text + "' names no " + regions::LevelName(code->level) +
                                               " on the GB/T 2260 list" +
                                               (code->level == regions::Level::kStreet ? " (no street registered)" : ""));
  }
  return *code;
}

Json RegionJson(const ledger::ReadView& view, const regions::Code& code) {
  Json parent = nullptr;
  if (code.level != regions::Level::kProvince) {
    parent = code.digits.substr(0, code.level == regions::Level::kStreet ? 6 : code.digits.size() - 2);
  }
  auto name = regions::DisplayName(view.state(), code);
  return Json{{"code", code.digits},
              {"standard_code", regions::StandardCode(code)},
              {"level", regions::LevelName(code.level)},
              {"name", name ? Json(*name) : Json(nullptr)},
              {"parent", std::move(parent)}};
}

// Per-capita giving = raised / the resident population the bureau recorded for exactly this
// region and year; never a population guessed from another year or summed from parts.
Json PerCapitaJson(const ledger::ReadView& view, const regions::Code& code, std::uint32_t year,
                   std::int64_t raised_fen) {
  auto population = regions::Population(view.state(), code.digits, year);
  if (!population) {
    return Json{{"population", nullptr},
                {"per_capita_fen", nullptr},
                {"reason", "no_population"},
                {"note", "no resident population is recorded for this region and year (genesis or RegionPopulation)"}};
  }
  // Floor to 1/100 fen in 128-bit integers: the same digits on every node.
  const U128 hundredths = static_cast<U128>(std::max<std::int64_t>(raised_fen, 0)) * 100 /
                          static_cast<U128>(population->population());
  return Json{{"population", population->population()},
              {"population_height", population->height()},
              {"per_capita_fen", static_cast<double>(hundredths) / 100.0},
              {"reason", nullptr}};
}

Json CategoriesJson(const pb::RegionMonth& total) {
  Json raised = Json::array();
  for (const pb::CategoryFen& c : total.donated_by_category()) {
    if (c.fen() == 0) continue;
    raised.push_back({{"category", c.category().empty() ? Json(nullptr) : Json(c.category())}, {"fen", c.fen()}});
  }
  Json spent = Json::array();
  for (int i = 1; i < total.spent_by_category_fen_size(); ++i) {
    if (total.spent_by_category_fen(i) == 0) continue;
    const auto* value = pb::SpendCategory_descriptor()->FindValueByNumber(i);
    spent.push_back({{"category", ledger::EnumValueName(value)}, {"fen", total.spent_by_category_fen(i)}});
  }
  return Json{{"raised", std::move(raised)}, {"spent", std::move(spent)}};
}

// Largest count first; ties in name order; flags that never happened are left out.
Json FlagsJson(const pb::RegionMonth& t) {
  std::vector<std::pair<std::string, std::uint64_t>> flags = {
      {"self_reported_donations", t.self_reported_donations()},
      {"unattested_spends", t.unattested_spends()},
      {"uninvoiced_spends", t.uninvoiced_spends()},
      {"corrections", t.corrections()},
      {"over_budget_donations", t.over_budget_donations()},
      {"closed_projects_without_report",
       t.projects_closed() > t.projects_closed_reported() ? t.projects_closed() - t.projects_closed_reported() : 0}};
  std::stable_sort(flags.begin(), flags.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  Json out = Json::array();
  for (const auto& [flag, count] : flags) {
    if (count > 0) out.push_back({{"flag", flag}, {"count", count}});
  }
  return out;
}

// The figures every row of a table and the dashboard share.
Json FiguresJson(const pb::RegionMonth& t) {
  const std::int64_t outflow_fen = ledger::SumTotals({t.spent_fen(), t.refunded_fen()});
  const std::int64_t attested_outflow_fen = ledger::SumTotals({t.attested_spent_fen(), t.attested_refunded_fen()});
  return Json{{"raised_fen", t.donated_fen()},
              {"donation_count", t.donation_count()},
              {"spent_fen", t.spent_fen()},
              {"spend_count", t.spend_count()},
              {"refunded_fen", t.refunded_fen()},
              {"attested_raised_pct", Share(t.attested_donated_fen(), t.donated_fen())},
              {"attested_outflow_pct", Share(attested_outflow_fen, outflow_fen)},
              {"invoiced_spent_pct", Share(t.invoiced_spent_fen(), t.spent_fen())},
              {"projects",
               {{"opened", t.projects_opened()},
                {"closed", t.projects_closed()},
                {"closed_with_report", t.projects_closed_reported()},
                {"closed_with_report_pct",
                 Share(static_cast<std::int64_t>(t.projects_closed_reported()),
                       static_cast<std::int64_t>(t.projects_closed()))}}}};
}

}  // namespace

Json RegionStatsJson(const ledger::ReadView& view, const regions::Code& code, std::uint32_t year) {
  const regions::YearFigures figures = regions::ReadYear(view.state(), code.digits, year);
  Json months = Json::array();
  for (std::size_t i = 0; i < figures.months.size(); ++i) {
    const pb::RegionMonth& m = figures.months[i];
    months.push_back({{"month", i + 1},
                      {"raised_fen", m.donated_fen()},
                      {"donation_count", m.donation_count()},
                      {"spent_fen", m.spent_fen()},
                      {"spend_count", m.spend_count()}});
  }
  Json out = FiguresJson(figures.total);
  out["method"] = kRegionsMethod;
  out["region"] = RegionJson(view, code);
  out["year"] = year;
  out["status"] = figures.rows_read == 0 ? "no_data" : "ok";
  out["per_capita"] = PerCapitaJson(view, code, year, figures.total.donated_fen());
  out["by_month"] = std::move(months);
  out["by_category"] = CategoriesJson(figures.total);
  out["flags"] = FlagsJson(figures.total);
  out["rows_read"] = figures.rows_read;
  return out;
}

Result<Json> RegionStatsForQuery(const ledger::ReadView& view, const std::string& region, const Query& query) {
  auto code = RegionParam(view, region);
  if (!code.ok()) return code.status();
  auto year = QueryYear(view, query);
  if (!year.ok()) return year.status();
  return RegionStatsJson(view, *code, *year);
}

namespace {

Response GetRegionStats(RequestContext& ctx) {
  auto body = RegionStatsForQuery(ctx.view(), ctx.params[0], ctx.query);
  if (!body.ok()) return ErrorResponse(body.status());
  return JsonResponse(*body);
}

// The divisions at `level` below `parent` (absent: the provinces), each with its figures.
Response ListRegions(RequestContext& ctx) {
  const ledger::ReadView& view = ctx.view();
  auto year = QueryYear(view, ctx.query);
  if (!year.ok()) return ErrorResponse(year.status());
  std::optional<regions::Code> parent;
  if (const std::string* p = ctx.query.Find("parent")) {
    auto code = RegionParam(view, *p);
    if (!code.ok()) return ErrorResponse(code.status());
    parent = *code;
  }
  const std::size_t parent_digits = parent ? regions::LevelDigits(parent->level) : 0;
  regions::Level level = regions::Level::kProvince;
  if (const std::string* l = ctx.query.Find("level")) {
    auto parsed = regions::ParseLevel(*l);
    if (!parsed) return ErrorResponse("invalid_argument", "level must be province, city, county or street");
    level = *parsed;
  } else if (parent) {
    level = parent->level == regions::Level::kProvince ? regions::Level::kCity
            : parent->level == regions::Level::kCity   ? regions::Level::kCounty
                                                       : regions::Level::kStreet;
  }
  if (regions::LevelDigits(level) <= parent_digits) {
    return ErrorResponse("invalid_argument", std::string("level ") + regions::LevelName(level) +
                                                 " is not below the parent region's level");
  }
  const regions::ChildFigures children =
      regions::ReadChildren(view.state(), parent ? parent->digits : "", *year, level);
  Json rows = Json::array();
  for (const auto& [digits, total] : children.by_code) {
    const regions::Code code{digits, level};
    Json row = FiguresJson(total);
    row["region"] = RegionJson(view, code);
    row["per_capita"] = PerCapitaJson(view, code, *year, total.donated_fen());
    // The row's flags come from the totals already read, so a table needs no request per row.
    row["flags"] = FlagsJson(total);
    rows.push_back(std::move(row));
  }
  return JsonResponse(Json{{"method", kRegionsMethod},
                           {"year", *year},
                           {"parent", parent ? RegionJson(view, *parent) : Json(nullptr)},
                           {"level", regions::LevelName(level)},
                           {"regions", std::move(rows)},
                           {"rows_read", children.rows_read}});
}

}  // namespace

void AddRegionRoutes(Router& router) {
  router.Add({http::verb::get, "/v1/regions/{code}/stats", {"year"}, GetRegionStats});
  router.Add({http::verb::get, "/v1/regions", {"year", "parent", "level"}, ListRegions});
}

}  // namespace shanliu::api::internal
