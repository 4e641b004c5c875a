// The state row holding the genesis origin_key.verifying_key (32 bytes). Genesis writes it and no
// tx ever does, so the genesis block's state_root commits to the key the origin line is checked
// against (docs/data-format.md; GET /v1/genesis/origin_key proves it). No row: no origin_key.
// A header of its own so the API can name the row without the ledger's private key layout.
#pragma once

#include <string_view>

namespace shanliu::ledger {

inline constexpr std::string_view kOriginKeyRow = "r/origin_key";

}  // namespace shanliu::ledger
