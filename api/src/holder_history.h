// What a holder's public history (GET /v1/points/{holder}) may say about each tx (issue 17 part
// 5): amounts and counterparties, never a gift's donor name, donor_ref, memo, bank or e-receipt
// hashes, nor the free text of a refund or correction (which may name the donor). The full tx
// stays at /v1/txs/{id}; the holder's page must not gather other people's details in one place.
#pragma once

#include "views.h"

namespace shanliu::api::internal {

// {id, code, kind, leaf, height, index, time_ms, payload, counterparty}: `payload` keeps only the
// fields listed per kind in docs/api.md ("Points history privacy"); `counterparty` names the
// organisation or account on the other side ({org_id, kind, name_zh, name_en} or an account), or
// null.
Json HolderTxJson(const ledger::TxRecord& tx, Names& names);

}  // namespace shanliu::api::internal
