// Region codes, populations and the per-month figures (docs/regions.md): the readers the API
// and the executor share. Codes nest as prefixes (province 2 digits, city 4, county 6, street 9),
// so every rollup is one range of r/rm/<year><prefix> rows.
#include <algorithm>

#include "shanliu/ledger/regions.h"
#include "shanliu/ledger/registry_codes.h"
#include "shanliu/ledger/totals.h"
#include "state_keys.h"

namespace shanliu::ledger::regions {
namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Report totals saturate (shanliu/ledger/totals.h): a sum over regions never fails.
std::int64_t Plus(std::int64_t total, std::int64_t amount) { return AdjustTotal(total, amount); }
std::uint64_t Plus(std::uint64_t total, std::uint64_t amount) { return AddCount(total, amount); }

// Parses "...<region>\0<month>" after the year of an r/rm/ key; false for a malformed key.
bool SplitMonthKey(std::string_view rest, std::string_view* region, std::uint32_t* month) {
  if (rest.size() < 3 || rest[rest.size() - 2] != '\0') return false;
  *region = rest.substr(0, rest.size() - 2);
  *month = static_cast<unsigned char>(rest.back());
  return *month >= 1 && *month <= 12;
}

}  // namespace

const char* LevelName(Level level) {
  switch (level) {
    case Level::kProvince: return "province";
    case Level::kCity: return "city";
    case Level::kCounty: return "county";
    case Level::kStreet: return "street";
  }
  return "county";
}

std::optional<Level> ParseLevel(std::string_view name) {
  for (Level l : {Level::kProvince, Level::kCity, Level::kCounty, Level::kStreet}) {
    if (name == LevelName(l)) return l;
  }
  return std::nullopt;
}

std::size_t LevelDigits(Level level) {
  switch (level) {
    case Level::kProvince: return 2;
    case Level::kCity: return 4;
    case Level::kCounty: return 6;
    case Level::kStreet: return 9;
  }
  return 6;
}

std::optional<Code> ParseCode(std::string_view text) {
  if (!AllDigits(text)) return std::nullopt;
  switch (text.size()) {
    case 2: return Code{std::string(text), Level::kProvince};
    case 4: return Code{std::string(text), Level::kCity};
    case 9: return Code{std::string(text), Level::kStreet};
    case 6:
      // No county on the GB/T 2260 list ends in 00: those are the standard forms of the
      // province (xx0000) and the city (xxxx00) above it.
      if (text.substr(2) == "0000") return Code{std::string(text.substr(0, 2)), Level::kProvince};
      if (text.substr(4) == "00") return Code{std::string(text.substr(0, 4)), Level::kCity};
      return Code{std::string(text), Level::kCounty};
    default: return std::nullopt;
  }
}

std::string StandardCode(const Code& code) {
  switch (code.level) {
    case Level::kProvince: return code.digits + "0000";
    case Level::kCity: return code.digits + "00";
    default: return code.digits;
  }
}

bool IsKnown(const StateView& view, const Code& code) {
  switch (code.level) {
    case Level::kProvince:
    case Level::kCity: return AnyCountyUnder(code.digits);
    case Level::kCounty: return RegionName(code.digits).has_value();
    case Level::kStreet: return Street(view, code.digits).has_value();
  }
  return false;
}

bool IsPlaceable(const StateView& view, std::string_view code) {
  auto parsed = ParseCode(code);
  if (!parsed || parsed->digits != code) return false;  // the six-digit province/city forms are not places
  if (parsed->level != Level::kCounty && parsed->level != Level::kStreet) return false;
  return IsKnown(view, *parsed);
}

std::optional<std::string> DisplayName(const StateView& view, const Code& code) {
  if (!IsKnown(view, code)) return std::nullopt;
  switch (code.level) {
    case Level::kProvince:
    case Level::kCity: return CommonCountyName(code.digits);
    case Level::kCounty: return std::string(*RegionName(code.digits));
    case Level::kStreet:
      return std::string(RegionName(code.digits.substr(0, 6)).value_or("")) + Street(view, code.digits)->name_zh();
  }
  return std::nullopt;
}

std::optional<pb::RegionPopulationRecord> Population(const StateView& view, std::string_view code,
                                                     std::uint32_t year) {
  return keys::Load<pb::RegionPopulationRecord>(view, keys::RegionPopulation(code, year));
}

std::optional<pb::StreetRecord> Street(const StateView& view, std::string_view code) {
  return keys::Load<pb::StreetRecord>(view, keys::Street(code));
}

std::string OrgRegionAt(const StateView& view, std::string_view org, std::uint64_t leaf) {
  const std::string prefix = keys::OrgRegionPrefix(org);
  auto row = view.SeekLE(prefix, keys::OrgRegion(org, leaf));
  if (!row) return "";
  pb::OrgRegionChange change;
  if (!change.ParseFromString(row->second)) {
    throw StorageCorrupt(PrintableStorageKey(row->first), "an organisation's region history row does not decode");
  }
  return change.new_region();
}

void Accumulate(pb::RegionMonth& into, const pb::RegionMonth& m) {
  auto add = [&](auto get, auto set) { (into.*set)(Plus((into.*get)(), (m.*get)())); };
  using M = pb::RegionMonth;
  add(&M::donated_fen, &M::set_donated_fen);
  add(&M::donation_count, &M::set_donation_count);
  add(&M::attested_donated_fen, &M::set_attested_donated_fen);
  add(&M::spent_fen, &M::set_spent_fen);
  add(&M::spend_count, &M::set_spend_count);
  add(&M::attested_spent_fen, &M::set_attested_spent_fen);
  add(&M::invoiced_spent_fen, &M::set_invoiced_spent_fen);
  add(&M::refunded_fen, &M::set_refunded_fen);
  add(&M::attested_refunded_fen, &M::set_attested_refunded_fen);
  add(&M::projects_opened, &M::set_projects_opened);
  add(&M::projects_closed, &M::set_projects_closed);
  add(&M::projects_closed_reported, &M::set_projects_closed_reported);
  add(&M::self_reported_donations, &M::set_self_reported_donations);
  add(&M::unattested_spends, &M::set_unattested_spends);
  add(&M::uninvoiced_spends, &M::set_uninvoiced_spends);
  add(&M::corrections, &M::set_corrections);
  add(&M::over_budget_donations, &M::set_over_budget_donations);
  auto* spent = into.mutable_spent_by_category_fen();
  if (spent->size() < m.spent_by_category_fen_size()) spent->Resize(m.spent_by_category_fen_size(), 0);
  for (int i = 0; i < m.spent_by_category_fen_size(); ++i) spent->Set(i, Plus(spent->Get(i), m.spent_by_category_fen(i)));
  for (const pb::CategoryFen& c : m.donated_by_category()) AddCategoryFen(into, c.category(), c.fen());
}

void AddCategoryFen(pb::RegionMonth& m, const std::string& category, std::int64_t fen) {
  auto* list = m.mutable_donated_by_category();
  auto it = std::lower_bound(list->begin(), list->end(), category,
                             [](const pb::CategoryFen& c, const std::string& k) { return c.category() < k; });
  const int at = static_cast<int>(it - list->begin());
  if (it == list->end() || it->category() != category) {
    // Insert in order so the record's bytes depend only on its contents (state digest).
    list->Add()->set_category(category);
    for (int i = list->size() - 1; i > at; --i) list->SwapElements(i, i - 1);
  }
  pb::CategoryFen& row = list->at(at);
  row.set_fen(Plus(row.fen(), fen));
}

YearFigures ReadYear(const StateView& view, std::string_view prefix, std::uint32_t year) {
  YearFigures out;
  const std::string scan_prefix = keys::RegionMonthPrefix(year, prefix);
  const std::size_t year_prefix_size = keys::RegionMonthPrefix(year, "").size();
  view.Scan(scan_prefix, "", "", [&](std::string_view key, std::string_view value) {
    std::string_view region;
    std::uint32_t month = 0;
    if (!SplitMonthKey(key.substr(year_prefix_size), &region, &month)) {
      throw StorageCorrupt(PrintableStorageKey(key), "a region figures key is malformed");
    }
    pb::RegionMonth m;
    if (!m.ParseFromString(std::string(value))) {
      throw StorageCorrupt(PrintableStorageKey(key), "a region figures row does not decode");
    }
    ++out.rows_read;
    Accumulate(out.months[month - 1], m);
    Accumulate(out.total, m);
    return true;
  });
  return out;
}

ChildFigures ReadChildren(const StateView& view, std::string_view prefix, std::uint32_t year, Level child_level) {
  ChildFigures out;
  const std::size_t digits = LevelDigits(child_level);
  const std::size_t year_prefix_size = keys::RegionMonthPrefix(year, "").size();
  view.Scan(keys::RegionMonthPrefix(year, prefix), "", "", [&](std::string_view key, std::string_view value) {
    std::string_view region;
    std::uint32_t month = 0;
    if (!SplitMonthKey(key.substr(year_prefix_size), &region, &month)) {
      throw StorageCorrupt(PrintableStorageKey(key), "a region figures key is malformed");
    }
    ++out.rows_read;
    // A county's own rows have no street below them: they are not in a street table.
    if (region.size() < digits) return true;
    pb::RegionMonth m;
    if (!m.ParseFromString(std::string(value))) {
      throw StorageCorrupt(PrintableStorageKey(key), "a region figures row does not decode");
    }
    Accumulate(out.by_code[std::string(region.substr(0, digits))], m);
    return true;
  });
  return out;
}

}  // namespace shanliu::ledger::regions
