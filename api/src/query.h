// Request targets: percent-decoding, the query string, and typed query parameters.
// Every parameter is size-limited; anything malformed is a typed 400 error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shanliu/status.h"

namespace shanliu::api::internal {

struct QueryLimits {
  static constexpr std::size_t kMaxParameters = 16;
  static constexpr std::size_t kMaxValueBytes = 512;
};

// Decodes %XX escapes (and '+' as a space when `plus_is_space`). Errors ("invalid_query") on a
// broken escape or a decoded NUL byte.
Result<std::string> PercentDecode(std::string_view text, bool plus_is_space);

class Query {
 public:
  // "a=1&b=x%20y". Empty pairs are skipped; a repeated name or too many / too long values is an error.
  static Result<Query> Parse(std::string_view raw);

  const std::string* Find(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// A whole unsigned decimal number: no sign, no spaces, no leading '+', no overflow.
Result<std::uint64_t> ParseU64(std::string_view text, std::string_view what);
// The named parameter as a number, or nullopt when absent.
Result<std::optional<std::uint64_t>> QueryU64(const Query& query, std::string_view name);
// `limit`: default when absent; 1..max_limit otherwise.
Result<std::size_t> QueryLimit(const Query& query, std::size_t default_limit, std::size_t max_limit);

}  // namespace shanliu::api::internal
