// Reports over in-kind goods that read many records (compliance pages): kept apart from goods.h,
// which genesis.h includes everywhere, so report changes rebuild little.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "shanliu/ledger/state_view.h"

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

}  // namespace shanliu::ledger::goods
