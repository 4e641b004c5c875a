// The closed set of error codes (docs/errors.md): every Status code the ledger, the node and the
// API produce, with its HTTP status, whether a client may retry the same request unchanged, and a
// one-line meaning. The list lives in error_codes.def; tests/unit/error_codes_test.cc fails when a
// source file produces a code that is not in it, or when docs/errors.md differs from it.
#pragma once

#include <span>
#include <string_view>

namespace shanliu {

struct ErrorCodeInfo {
  std::string_view code;
  unsigned http_status = 0;  // what the API answers when a request fails with this code
  bool retryable = false;    // true: the same request may succeed later (load, a peer, shutdown)
  std::string_view doc;
};

// Every code, in the order of error_codes.def (grouped by where the failure arises).
std::span<const ErrorCodeInfo> ErrorCodes();

// The code's entry, or nullptr for a string outside the set.
const ErrorCodeInfo* FindErrorCode(std::string_view code);

// Constants for comparisons (`status.code() == errc::kNotFound`), so a typo does not compile.
namespace errc {
#define SHANLIU_ERROR_CODE(constant, code, http_status, retryable, doc) inline constexpr std::string_view constant = code;
#include "shanliu/error_codes.def"
#undef SHANLIU_ERROR_CODE
}  // namespace errc

}  // namespace shanliu
