// Points expiry (docs/rules.md "Points expiry"): with genesis points_expiry_years = N > 0, points
// earned at block time T expire at T + N x 365 days. A holder's points are kept in lots by the
// Beijing day they were earned; spending takes the oldest first. Reads for the API live here; the
// rules are the executor's (ledger/src/points_expiry.cc).
#pragma once

#include <cstdint>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/state_view.h"

namespace shanliu::ledger {

// A "year" of points expiry is exactly 365 days of 86 400 000 ms: no calendar, no leap days, so
// every node computes the same instant from the block time alone.
inline constexpr std::uint64_t kPointsExpiryYearMs = 365ull * 86'400'000;

// 0 when points never expire.
inline std::uint64_t PointsExpiryPeriodMs(const GenesisParams& params) {
  return std::uint64_t{params.points_expiry_years} * kPointsExpiryYearMs;
}

struct ExpiringLot {
  std::uint64_t points = 0;
  std::uint64_t earned_at_ms = 0;
  std::uint64_t expires_at_ms = 0;
};

struct PointsExpiryState {
  std::vector<ExpiringLot> lots;     // unexpired at `as_of_ms`, oldest first
  std::uint64_t expired_points = 0;  // expired from this key by `as_of_ms`, in total
  std::uint64_t lapsed_points = 0;   // the part of that the ledger has not yet taken off the
                                     // stored balance (it does at the holder's next tx)
};

// The holder's lots as of `as_of_ms` (a block time). Empty when points never expire.
PointsExpiryState ReadPointsExpiry(const StateView& state, const GenesisParams& params, ByteView holder,
                                   std::uint64_t as_of_ms);

}  // namespace shanliu::ledger
