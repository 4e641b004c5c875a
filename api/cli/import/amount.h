// Yuan amounts as bank and accounting exports print them -> integer fen, by string parsing only
// (a binary float cannot hold 0.1 exactly; docs/cli.md "import", docs/decisions.md).
#pragma once

#include <cstdint>
#include <string_view>

#include "shanliu/status.h"

namespace shanliu::cli::import {

// The ledger's own bound (invalid_amount: 1..10^15 fen); a larger figure is refused here with
// the row number instead of by the node.
inline constexpr std::int64_t kMaxImportFen = 1'000'000'000'000'000;

// Accepts ASCII digits with an optional '.' and one or two decimals ("12", "12.5", "12.50"),
// an optional leading "¥" or "￥", and surrounding ASCII spaces. Refuses (code "bad_amount", a
// message saying why): empty, a sign, thousands separators ("1,000.00"), three or more
// decimals ("¥1.005"), full-width or other non-ASCII digits, exponents, zero, and more than
// kMaxImportFen fen.
Result<std::int64_t> ParseYuanToFen(std::string_view text);

}  // namespace shanliu::cli::import
