// Saturating report totals (issue 15): ChainStats, OrgYear, project and trust figures describe
// what the ledger holds; they are not money anyone owns, so they must never refuse a tx.
// Otherwise one organisation's self-reported donations could fill a chain-wide total and make
// everyone's later txs fail with `overflow`, for ever. They saturate at the int64 limits, and a
// saturated total is sticky (later adjustments of either sign leave it): its exact value is no
// longer known and the extreme value means "at least this much" (docs/data-format.md,
// "Saturating report totals"). Balances and stream positions (flow accounts, points balances)
// stay exact and checked: those are per account or per holder, so a limit there binds only
// whoever fills it.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>

namespace shanliu::ledger {

inline constexpr std::int64_t kTotalCeilingFen = std::numeric_limits<std::int64_t>::max();
inline constexpr std::int64_t kTotalFloorFen = std::numeric_limits<std::int64_t>::min();
inline constexpr std::uint64_t kCountCeiling = std::numeric_limits<std::uint64_t>::max();

inline bool TotalSaturated(std::int64_t total_fen) {
  return total_fen == kTotalCeilingFen || total_fen == kTotalFloorFen;
}

// `total_fen + delta_fen`, saturating; a saturated total stays as it is.
inline std::int64_t AdjustTotal(std::int64_t total_fen, std::int64_t delta_fen) {
  if (TotalSaturated(total_fen)) return total_fen;
  std::int64_t out = 0;
  if (__builtin_add_overflow(total_fen, delta_fen, &out)) return delta_fen > 0 ? kTotalCeilingFen : kTotalFloorFen;
  return out;
}

// A sum of report totals for display (raised = donated + allocated, spent = sum by category):
// saturated if any part is or the sum does not fit.
inline std::int64_t SumTotals(std::initializer_list<std::int64_t> parts_fen) {
  std::int64_t sum = 0;
  for (std::int64_t part : parts_fen) {
    if (TotalSaturated(part)) return part;
    sum = AdjustTotal(sum, part);
  }
  return sum;
}

__extension__ using WideFen = __int128;

// A figure summed in 128 bits (values × units, sums over many accounts) as a report total:
// clamped to the int64 range, whose ends mean "at least / at most this much" as above.
inline std::int64_t SaturateWide(WideFen value_fen) {
  if (value_fen > kTotalCeilingFen) return kTotalCeilingFen;
  if (value_fen < kTotalFloorFen) return kTotalFloorFen;
  return static_cast<std::int64_t>(value_fen);
}

// `total + amount` for unsigned counts, saturating at kCountCeiling.
inline std::uint64_t AddCount(std::uint64_t total, std::uint64_t amount) {
  std::uint64_t out = 0;
  return __builtin_add_overflow(total, amount, &out) ? kCountCeiling : out;
}

// Takes `amount` back from a saturating count: false if the count holds less than that (the
// records disagree); a saturated count stays saturated.
inline bool TakeFromCount(std::uint64_t& total, std::uint64_t amount) {
  if (total == kCountCeiling) return true;
  if (total < amount) return false;
  total -= amount;
  return true;
}

}  // namespace shanliu::ledger
