#include <charconv>

#include "query.h"

namespace shanliu::api::internal {
namespace {

Status Invalid(std::string message) { return Status::Error("invalid_query", std::move(message)); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return Invalid("a %-escape is cut short");
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return Invalid("a %-escape is not followed by two hex digits");
      c = static_cast<char>(high * 16 + low);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == '\0') return Invalid("the request target contains a NUL byte");
    out.push_back(c);
  }
  return out;
}

Result<Query> Query::Parse(std::string_view raw) {
  Query q;
  while (!raw.empty()) {
    const std::size_t amp = raw.find('&');
    const std::string_view pair = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view() : raw.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    auto name = PercentDecode(pair.substr(0, eq), true);
    if (!name.ok()) return name.status();
    auto value = PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!value.ok()) return value.status();
    if (name->empty()) return Invalid("a query parameter has no name");
    if (name->size() > QueryLimits::kMaxValueBytes || value->size() > QueryLimits::kMaxValueBytes) {
      return Invalid("a query parameter is longer than " + std::to_string(QueryLimits::kMaxValueBytes) + " bytes");
    }
    if (q.Find(*name) != nullptr) return Invalid("query parameter '" + *name + "' is given twice");
    if (q.items_.size() == QueryLimits::kMaxParameters) {
      return Invalid("more than " + std::to_string(QueryLimits::kMaxParameters) + " query parameters");
    }
    q.items_.emplace_back(std::move(*name), std::move(*value));
  }
  return q;
}

const std::string* Query::Find(std::string_view name) const {
  for (const auto& [k, v] : items_) {
    if (k == name) return &v;
  }
  return nullptr;
}

Result<std::uint64_t> ParseU64(std::string_view text, std::string_view what) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return Status::Error("invalid_argument",
                         std::string(what) + " must be a whole number between 0 and 18446744073709551615");
  }
  return value;
}

Result<std::optional<std::uint64_t>> QueryU64(const Query& query, std::string_view name) {
  const std::string* text = query.Find(name);
  if (text == nullptr) return std::optional<std::uint64_t>();
  auto value = ParseU64(*text, name);
  if (!value.ok()) return value.status();
  return std::optional<std::uint64_t>(*value);
}

Result<std::size_t> QueryLimit(const Query& query, std::size_t default_limit, std::size_t max_limit) {
  auto value = QueryU64(query, "limit");
  if (!value.ok()) return value.status();
  if (!value->has_value()) return default_limit;
  if (**value == 0 || **value > max_limit) {
    return Status::Error("invalid_argument", "limit must be between 1 and " + std::to_string(max_limit));
  }
  return static_cast<std::size_t>(**value);
}

}  // namespace shanliu::api::internal
