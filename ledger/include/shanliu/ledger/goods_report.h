// Reports over in-kind goods that read many records (compliance pages): kept apart from goods.h,
// which genesis.h includes everywhere, so report changes rebuild little.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "shanliu/ledger/state_view.h"
#include "shanliu/status.h"

namespace shanliu::ledger::goods {

// Distributions that handed out units from lots past their expiry date, per organisation (the
// holder of the goods account the units left, a project counting for its owner's row through
// `owner_of_project`).
struct ExpiredByOrg {
  std::map<std::string, std::uint64_t> distributions;  // org id -> distributions with expired units
  std::map<std::string, std::uint64_t> units;          // org id -> expired units handed out
  bool complete = true;                                // false: stopped after max_scanned records
};
ExpiredByOrg ExpiredDistributions(const StateView& view, std::size_t max_scanned,
                                  const std::function<std::string(const std::string& project_id)>& owner_of_project);

// Units still held from lots whose expiry date is before `date` (YYYYMMDD, Beijing): judged by
// the caller from the latest block time, never the wall clock. A lot is fit on its expiry day
// itself and expired from the day after, as for distributions. Each goods donation with an
// expiry before `date` is traced forward and its held (unspent) units are counted for the
// organisation holding them (a project for its owner through `owner_of_project`).
struct ExpiredLot {
  std::string holder;       // "org:<id>" or "project:<id>" holding the units now
  std::string item_code;
  std::string lot_number;
  std::uint32_t expires_on = 0;  // YYYYMMDD
  std::uint64_t units = 0;
  std::uint64_t gift_leaf = 0;   // the goods donation the lot came in with
};
struct ExpiredHeldByOrg {
  std::map<std::string, std::uint64_t> units;            // org id -> expired units held
  std::map<std::string, std::vector<ExpiredLot>> lots;   // org id -> lots, at most max_listed each
  std::map<std::string, std::uint64_t> lot_count;        // org id -> lots with expired units held
  bool complete = true;  // false: stopped after max_scanned donations, or a trace was cut
};
ExpiredHeldByOrg ExpiredHoldings(const StateView& view, std::uint32_t date, std::size_t max_scanned,
                                 std::size_t max_listed,
                                 const std::function<std::string(const std::string& project_id)>& owner_of_project);

// The valued amount and lots of an outflow of goods (a transfer or distribution at `leaf`), from
// the donations its units came from (interval FIFO, backward): each origin donation contributes
// value_fen x units / quantity, rounded down, so a report figure never exceeds what donors
// declared. Reads at most `max_pieces` origin pieces (complete: false beyond).
struct OutflowValue {
  std::int64_t value_fen = 0;
  std::vector<std::string> lots;  // distinct non-empty lot numbers, in stream order
  bool complete = true;
};
Result<OutflowValue> ValueOfOutflow(const StateView& view, std::uint64_t leaf, std::size_t max_pieces);

// The valued amount of the units a goods account holds now, a report figure never added to cash.
// FIFO leaves the held units at the top of the account's stream, [out_pos, in_pos) (goods are
// never refunded, so there are no holes), and each inflow there carries its value pro rata: a
// donation's declared value, a transfer's value carried from its own origins (ValueOfOutflow).
// Reads at most `max_inflows` inflows (complete: false beyond, the value then a floor).
struct HeldValue {
  std::int64_t value_fen = 0;
  bool complete = true;
};
HeldValue ValueOfHoldings(const StateView& view, std::string_view goods_account, std::size_t max_inflows);

}  // namespace shanliu::ledger::goods
