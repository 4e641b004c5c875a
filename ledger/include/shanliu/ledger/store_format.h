// The ledger store's format number, kept in its `c/format` record (docs/data-format.md). Ledger::Open
// upgrades formats 2 and 3 and refuses older ones (store_format_old); backups record it in their manifest
// (node/backup).
#pragma once

#include <cstdint>

namespace shanliu::ledger {

inline constexpr std::uint64_t kLedgerStoreFormat = 4;
// The oldest format Ledger::Open upgrades by itself (2: the state map one record per node; 3: in
// pages of 8 levels throughout; the upgrade rebuilds the tree's pages from the state rows).
// Format 1 needs `shanliu-node repair`.
inline constexpr std::uint64_t kOldestUpgradableStoreFormat = 2;

}  // namespace shanliu::ledger
