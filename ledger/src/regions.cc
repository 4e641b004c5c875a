// The GB/T 2260 county-level division list. The TSV is compiled into the binary (CMake embeds
// ledger/data/gbt2260.tsv), never read from disk at run time, so every node of a build holds the
// same list; a change to the file is a consensus change like any other rule change.
#include <algorithm>
#include <cassert>
#include <utility>
#include <vector>

#include "shanliu/ledger/registry_codes.h"

namespace shanliu::ledger {
namespace internal {
extern const std::string_view kGbt2260Tsv;
}  // namespace internal

namespace {

using Row = std::pair<std::string_view, std::string_view>;  // code, name

bool IsSixDigits(std::string_view s) {
  return s.size() == 6 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Parses once; the file is checked by the build's own data (sorted, unique, six digits, a name),
// and a malformed row is a programming error, not input, so it asserts.
std::vector<Row> ParseRows(std::string_view tsv) {
  std::vector<Row> rows;
  while (!tsv.empty()) {
    const std::size_t end = tsv.find('\n');
    std::string_view line = tsv.substr(0, end);
    tsv = end == std::string_view::npos ? std::string_view() : tsv.substr(end + 1);
    if (line.empty() || line.front() == '#') continue;
    const std::size_t tab = line.find('\t');
    assert(tab != std::string_view::npos);
    Row row{line.substr(0, tab), line.substr(tab + 1)};
    assert(IsSixDigits(row.first) && !row.second.empty());
    assert(rows.empty() || rows.back().first < row.first);  // sorted, so lookups can bisect
    rows.push_back(row);
  }
  return rows;
}

const std::vector<Row>& Rows() {
  // Immutable after first use (C++ guarantees thread-safe initialisation of a local static).
  static const std::vector<Row> rows = ParseRows(internal::kGbt2260Tsv);
  return rows;
}

}  // namespace

std::optional<std::string_view> RegionName(std::string_view code) {
  if (!IsSixDigits(code)) return std::nullopt;
  const std::vector<Row>& rows = Rows();
  auto it = std::lower_bound(rows.begin(), rows.end(), code,
                             [](const Row& r, std::string_view c) { return r.first < c; });
  if (it == rows.end() || it->first != code) return std::nullopt;
  return it->second;
}

std::size_t RegionCount() { return Rows().size(); }

namespace {

// The rows whose code starts with `prefix` (the list is sorted, so they are contiguous).
std::pair<std::vector<Row>::const_iterator, std::vector<Row>::const_iterator> RowsUnder(std::string_view prefix) {
  const std::vector<Row>& rows = Rows();
  auto first = std::lower_bound(rows.begin(), rows.end(), prefix,
                                [](const Row& r, std::string_view p) { return r.first < p; });
  auto last = first;
  while (last != rows.end() && last->first.starts_with(prefix)) ++last;
  return {first, last};
}

}  // namespace

bool AnyCountyUnder(std::string_view prefix) {
  if (prefix.empty()) return false;
  auto [first, last] = RowsUnder(prefix);
  return first != last;
}

std::string CommonCountyName(std::string_view prefix) {
  auto [first, last] = RowsUnder(prefix);
  if (prefix.empty() || first == last) return "";
  std::string_view common = first->second;
  for (auto it = first; it != last; ++it) {
    std::size_t n = 0;
    while (n < common.size() && n < it->second.size() && common[n] == it->second[n]) ++n;
    common = common.substr(0, n);
  }
  // Cut after the last whole division suffix, so a partial name ("浙江省杭州市西") never shows.
  std::size_t cut = 0;
  for (std::string_view suffix : {"省", "市", "州", "盟", "区", "县", "旗"}) {
    for (std::size_t pos = common.find(suffix); pos != std::string_view::npos; pos = common.find(suffix, pos + 1)) {
      cut = std::max(cut, pos + suffix.size());
    }
  }
  return std::string(common.substr(0, cut));
}

}  // namespace shanliu::ledger
