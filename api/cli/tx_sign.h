// Building, signing and locally checking transaction envelopes (DESIGN 4).
#pragma once

#include <string>
#include <vector>

#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/tx.h"
#include "shanliu/pb/shanliu.pb.h"
#include "shanliu/status.h"

namespace shanliu::cli {

// Default lifetime of a tx the CLI signs: an hour, well inside the default 24 h window
// (max_tx_expiry_ms) and long enough for a slow submission.
inline constexpr std::uint64_t kDefaultExpiresInMs = 3'600'000;

// A body with the chain id, both expiries (expires_at_ms = now + expires_in_ms), a random nonce
// and the current time; the caller sets the payload.
pb::TxBody NewTxBody(const std::string& chain_id, std::uint64_t expires_at_height,
                     std::uint64_t expires_in_ms = kDefaultExpiresInMs);

// Signs `body` with every key (in order) and decodes the result exactly as a node will, so
// stateless errors (limits, malformed fields, duplicate signers) show before any network trip.
Result<ledger::DecodedTx> SignTx(const pb::TxBody& body, const std::vector<const crypto::KeyPair*>& keys);

// Lowercase base32 of the tx id (DESIGN 6): what the QR code and the explorer use.
std::string ReceiptCode(const Hash256& tx_id);
// A full receipt code or the printed prefix of one: 12 to 52 characters of [a-z2-7] (any case).
bool LooksLikeReceiptCode(std::string_view text);

}  // namespace shanliu::cli
