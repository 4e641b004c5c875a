// The deterministic state machine: applies genesis and signed transactions to a StateView.
// Pure: no clock, randomness or I/O beyond the view; the block supplies height and time.
#pragma once

#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/state_view.h"
#include "shanliu/ledger/tx.h"
#include "shanliu/status.h"

namespace shanliu::ledger {

struct TxContext {
  std::uint64_t height = 0;
  std::uint64_t time_ms = 0;
  std::uint64_t leaf = 0;            // the tx's index in the log
  std::uint32_t index_in_block = 0;
};

// Writes the founding organisations and empty statistics. Call once on an empty view.
void ApplyGenesis(StateView& view, const Genesis& genesis);

// Applies one statelessly valid tx (DecodeTx succeeded for this chain). On success its
// effects are in the view's top layer; on failure nothing is written and the Status names
// the rule (insufficient_funds, wrong_signer, unknown_account, expired, duplicate, suspended, ...).
Status ApplyTx(StateView& view, const Genesis& genesis, const DecodedTx& tx, const TxContext& ctx);

}  // namespace shanliu::ledger
