// Fuzz target: the API's request-target parsing: the path against the real route table
// (Router::Find with its percent-decoding of segments) and the query string (Query::Parse,
// then the typed getters every route uses: QueryU64, QueryLimit).
// Properties: parsed parameters obey the limits (names non-empty and distinct, at most 16, each
// at most 512 bytes); written out again with every byte escaped they parse to the same list; a
// number is accepted exactly when it is all digits and fits in 64 bits, and its value prints
// back as those digits; a limit is within its bounds.
#include <cstdint>
#include <set>

#include "fuzz_support.h"
#include "query.h"
#include "router.h"
#include "server_context.h"  // RegisterRoutes

namespace {

using namespace shanliu;
using namespace shanliu::api::internal;
constexpr std::string_view kTarget = "query";

std::string EscapeAll(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    out += '%';
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

bool IsDecimalU64(std::string_view text) {
  // Leading zeros are allowed (ParseU64 takes "007"); the value, not the length, must fit.
  if (text.empty()) return false;
  unsigned __int128 value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
    if (value > UINT64_MAX) return false;
  }
  return true;
}

void CheckNumbers(const Query& query) {
  for (const auto& [name, value] : query.items()) {
    auto number = QueryU64(query, name);
    SHANLIU_FUZZ_CHECK(kTarget, number.ok() == IsDecimalU64(value));
    if (!number.ok()) continue;
    std::string digits = value.substr(std::min(value.find_first_not_of('0'), value.size() - 1));
    SHANLIU_FUZZ_CHECK(kTarget, std::to_string(**number) == digits);
  }
  auto limit = QueryLimit(query, 20, 100);
  if (limit.ok()) SHANLIU_FUZZ_CHECK(kTarget, *limit >= 1 && *limit <= 100);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Router router = [] {
    Router r;
    RegisterRoutes(r);
    return r;
  }();
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  const std::size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view raw_query = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  if (path.starts_with('/')) {
    for (http::verb method : {http::verb::get, http::verb::post, http::verb::head}) {
      auto match = router.Find(method, path);
      if (match.ok() && match->route != nullptr) SHANLIU_FUZZ_CHECK(kTarget, !match->route->pattern.empty());
    }
  }
  auto query = Query::Parse(raw_query);
  if (!query.ok()) {
    SHANLIU_FUZZ_CHECK(kTarget, query.status().code() == "invalid_query");
    return 0;
  }
  std::set<std::string> names;
  SHANLIU_FUZZ_CHECK(kTarget, query->items().size() <= QueryLimits::kMaxParameters);
  std::string again;
  for (const auto& [name, value] : query->items()) {
    SHANLIU_FUZZ_CHECK(kTarget, !name.empty() && name.size() <= QueryLimits::kMaxValueBytes);
    SHANLIU_FUZZ_CHECK(kTarget, value.size() <= QueryLimits::kMaxValueBytes && names.insert(name).second);
    SHANLIU_FUZZ_CHECK(kTarget, name.find('\0') == std::string::npos && value.find('\0') == std::string::npos);
    again += (again.empty() ? "" : "&") + EscapeAll(name) + "=" + EscapeAll(value);
  }
  auto reparsed = Query::Parse(again);
  SHANLIU_FUZZ_CHECK(kTarget, reparsed.ok() && reparsed->items() == query->items());
  CheckNumbers(*query);
  return 0;
}
