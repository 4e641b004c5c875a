// The ledger store's format number, kept in its `c/format` record (docs/data-format.md). Ledger::Open
// upgrades format 2 and refuses older ones (store_format_old); backups record it in their manifest
// (node/backup).
#pragma once

#include <cstdint>

namespace shanliu::ledger {

inline constexpr std::uint64_t kLedgerStoreFormat = 3;
// The oldest format Ledger::Open upgrades by itself (2: the state map one record per node; the
// upgrade rebuilds it in pages from the state rows). Format 1 needs `shanliu-node repair`.
inline constexpr std::uint64_t kOldestUpgradableStoreFormat = 2;

}  // namespace shanliu::ledger
