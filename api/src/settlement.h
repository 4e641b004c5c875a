// A merchant's monthly settlement report (GET /v1/merchants/{org}/settlement, docs/api.md):
// every redemption at the merchant and every service exchange it provided in one calendar month
// of Beijing time (UTC+8), by block time, with totals and the block it was computed at, so the
// merchant can reconcile against the federation and prove each row on the ledger.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "views.h"

namespace shanliu::api::internal {

struct SettlementLimits {
  // Index entries of the merchant read for one report. A month above this is refused with
  // too_large rather than answered partly: a settlement total must never be silently short.
  static constexpr std::size_t kMaxScannedTxs = 100'000;
};

// A calendar month in Beijing time: [begin_ms, end_ms) of block time.
struct SettlementMonth {
  std::string text;  // "2026-03"
  std::uint64_t begin_ms = 0;
  std::uint64_t end_ms = 0;
};

// Exactly "YYYY-MM", years 1970..9999, months 01..12. Errors "invalid_argument".
Result<SettlementMonth> ParseSettlementMonth(const std::string* text);

struct SettlementRow {
  Hash256 tx_id{};
  std::uint64_t leaf = 0;
  std::uint64_t height = 0;
  std::uint64_t time_ms = 0;
  std::string kind;            // "redemption" or "service_exchange"
  std::string holder_hex;      // the pseudonymous wallet key
  std::string catalogue_item;  // the catalogue item id a redemption referenced ("" if none)
  std::string item;            // what the holder signed: the redemption's item or the service
  std::uint64_t points = 0;
  std::uint32_t minutes = 0;   // service exchanges only
};

struct SettlementReport {
  std::string merchant;
  SettlementMonth month;
  std::vector<SettlementRow> rows;  // log order
  std::uint64_t redemption_count = 0;
  std::uint64_t points_redeemed = 0;
  std::uint64_t service_exchange_count = 0;
  std::uint64_t service_points = 0;   // points paid for service time
  std::uint64_t service_minutes = 0;  // service time given, paid in points or banked minutes
  pb::BlockHeader computed_at;        // the head the report was read at
  bool month_closed = false;          // the head's time is past the month: no row can be added
};

// Errors: "not_found" (unknown org), "wrong_kind" (not a merchant), "too_large" (more than
// kMaxScannedTxs index entries in the month).
Result<SettlementReport> BuildSettlement(const ledger::ReadView& view, const std::string& merchant,
                                         const SettlementMonth& month,
                                         std::size_t max_scanned = SettlementLimits::kMaxScannedTxs);

Json SettlementJson(const SettlementReport& report);
// One header row, one row per settlement row (text cells formula-safe), then a totals row.
std::string SettlementCsv(const SettlementReport& report);

}  // namespace shanliu::api::internal
