// The ledger store's format number, kept in its `c/format` record (docs/data-format.md). Ledger::Open
// refuses another (store_format_old); backups record it in their manifest (node/backup).
#pragma once

#include <cstdint>

namespace shanliu::ledger {

inline constexpr std::uint64_t kLedgerStoreFormat = 2;

}  // namespace shanliu::ledger
