// The opt-in honour list (光荣榜, issue 17 part 4): named holders ranked by what they earned in
// one calendar year (UTC+8, by block time), read from the rank index the executor keeps at
// commit. Only what the holder chose to publish (its display name) identifies anyone.
#include "routes.h"
#include "views.h"

namespace shanliu::api::internal {
namespace {

constexpr std::size_t kHonourDefault = 20;
constexpr std::size_t kHonourMax = 100;
// The honour list starts with the chain: a year before 2000 or after 9999 is a typing mistake.
constexpr std::uint64_t kFirstYear = 2000;
constexpr std::uint64_t kLastYear = 9999;

Json EntryJson(const ledger::HonourEntry& e, std::size_t rank) {
  return Json{
      {"rank", rank},
      {"display_name", e.display_name},
      {"holder", Hex(ToString(e.holder))},
      {"points", e.points},
      {"minutes", e.minutes},
      // Whole and tenths of an hour, as volunteer records are read aloud ("2.5 h").
      {"hours", static_cast<double>(e.minutes * 10 / 60) / 10.0},
  };
}

Response GetHonour(RequestContext& ctx) {
  auto limit = QueryLimit(ctx.query, kHonourDefault, kHonourMax);
  if (!limit.ok()) return ErrorResponse(limit.status());
  auto year_param = QueryU64(ctx.query, "year");
  if (!year_param.ok()) return ErrorResponse(year_param.status());
  const ledger::ReadView& view = ctx.view();
  const std::uint64_t year = year_param->value_or(BeijingYear(view.head().time_ms()));
  if (year < kFirstYear || year > kLastYear) {
    return ErrorResponse("invalid_argument", "year must be between 2000 and 9999");
  }
  const std::vector<ledger::HonourEntry> rows = view.HonourList(static_cast<std::uint32_t>(year), *limit);
  Json items = Json::array();
  for (std::size_t i = 0; i < rows.size(); ++i) items.push_back(EntryJson(rows[i], i + 1));
  return JsonResponse(Json{
      {"year", year},
      {"time_zone", "Asia/Shanghai"},
      {"limit", *limit},
      {"items", std::move(items)},
  });
}

}  // namespace

void AddHonourRoutes(Router& router) {
  router.Add({http::verb::get, "/v1/honour", {"year", "limit"}, GetHonour});
}

}  // namespace shanliu::api::internal
