// Regions (docs/regions.md): GB/T 2260 codes at four levels, streets the chain registered,
// resident populations, and the per-month figures the executor keeps for each county and
// street. Readers here add rows up under a code prefix, so a province, city, county or street
// dashboard reads O(regions below it x 12 months) rows, never the history of the ledger.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "shanliu/ledger/state_view.h"
#include "shanliu/pb/state.pb.h"

namespace shanliu::ledger::regions {

enum class Level { kProvince, kCity, kCounty, kStreet };
const char* LevelName(Level level);  // "province", "city", "county", "street"
std::optional<Level> ParseLevel(std::string_view name);
std::size_t LevelDigits(Level level);  // 2, 4, 6, 9

// Years a population or a dashboard may name.
inline constexpr std::uint32_t kMinYear = 2000;
inline constexpr std::uint32_t kMaxYear = 2100;
inline constexpr std::uint64_t kMaxPopulation = 2'000'000'000;

struct Code {
  std::string digits;  // canonical: 2, 4, 6 or 9 digits (a prefix of every code below it)
  Level level = Level::kCounty;
};

// "33", "3301", "330106", "330106001"; also the GB/T 2260 six-digit forms of a province
// ("330000") and a city ("330100"), which no county code on the list uses. nullopt: not a code.
std::optional<Code> ParseCode(std::string_view text);
// The six-digit GB/T 2260 form for province, city and county; the nine digits for a street.
std::string StandardCode(const Code& code);

// Whether the code names a division: a province or city some county on the GB/T 2260 list
// lies in, a county on the list, or a street registered on the chain.
bool IsKnown(const StateView& view, const Code& code);
// A code organisations, projects and figures may be placed at: a known county or street.
bool IsPlaceable(const StateView& view, std::string_view code);
// 浙江省, 浙江省杭州市, 浙江省杭州市西湖区, 浙江省杭州市西湖区北山街道; nullopt if unknown.
std::optional<std::string> DisplayName(const StateView& view, const Code& code);

std::optional<pb::RegionPopulationRecord> Population(const StateView& view, std::string_view code,
                                                     std::uint32_t year);
std::optional<pb::StreetRecord> Street(const StateView& view, std::string_view code);
// The organisation's region from `leaf` on: the last change at or before it ("" if none).
std::string OrgRegionAt(const StateView& view, std::string_view org, std::uint64_t leaf);

// Adds every counter of `m` into `into` (categories merged in order), saturating like every
// report total (shanliu/ledger/totals.h).
void Accumulate(pb::RegionMonth& into, const pb::RegionMonth& m);
// Adds `fen` (either sign) to one project category of `m`, keeping the list sorted.
void AddCategoryFen(pb::RegionMonth& m, const std::string& category, std::int64_t fen);

struct YearFigures {
  std::array<pb::RegionMonth, 12> months;  // index 0 = January (Beijing time)
  pb::RegionMonth total;
  std::size_t rows_read = 0;
};
// The figures of every county and street whose code starts with `prefix`, for one year.
YearFigures ReadYear(const StateView& view, std::string_view prefix, std::uint32_t year);

// The same rows grouped by the code of the division at `child_level` they lie in (for a
// table of the districts of a city, say). Only divisions with rows appear.
struct ChildFigures {
  std::map<std::string, pb::RegionMonth> by_code;
  std::size_t rows_read = 0;
};
ChildFigures ReadChildren(const StateView& view, std::string_view prefix, std::uint32_t year, Level child_level);

}  // namespace shanliu::ledger::regions
