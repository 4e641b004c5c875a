#include "shanliu/error_codes.h"

#include <algorithm>
#include <array>

namespace shanliu {
namespace {

constexpr ErrorCodeInfo kCodes[] = {
#define SHANLIU_ERROR_CODE(constant, code, http_status, retryable, doc) {code, http_status, retryable, doc},
#include "shanliu/error_codes.def"
#undef SHANLIU_ERROR_CODE
};

// Sorted by code once, for lookups by binary search.
const std::array<const ErrorCodeInfo*, std::size(kCodes)>& ByCode() {
  static const auto sorted = [] {
    std::array<const ErrorCodeInfo*, std::size(kCodes)> out{};
    for (std::size_t i = 0; i < std::size(kCodes); ++i) out[i] = &kCodes[i];
    std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) { return a->code < b->code; });
    return out;
  }();
  return sorted;
}

}  // namespace

std::span<const ErrorCodeInfo> ErrorCodes() { return kCodes; }

const ErrorCodeInfo* FindErrorCode(std::string_view code) {
  const auto& sorted = ByCode();
  auto it = std::lower_bound(sorted.begin(), sorted.end(), code,
                             [](const ErrorCodeInfo* e, std::string_view c) { return e->code < c; });
  return it != sorted.end() && (*it)->code == code ? *it : nullptr;
}

}  // namespace shanliu
