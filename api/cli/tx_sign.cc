#include "tx_sign.h"

#include <sodium.h>

#include "format.h"
#include "shanliu/crypto/codec.h"

namespace shanliu::cli {

pb::TxBody NewTxBody(const std::string& chain_id, std::uint64_t expires_at_height, std::uint64_t expires_in_ms) {
  pb::TxBody body;
  body.set_chain_id(chain_id);
  body.set_expires_at_height(expires_at_height);
  std::uint64_t nonce = 0;
  randombytes_buf(&nonce, sizeof nonce);
  body.set_nonce(nonce);
  const std::uint64_t now = NowMs();
  body.set_created_at_ms(now);
  body.set_expires_at_ms(now + expires_in_ms);
  return body;
}

Result<ledger::DecodedTx> SignTx(const pb::TxBody& body, const std::vector<const crypto::KeyPair*>& keys) {
  const int max_keys = ledger::MaxSignatures(body);
  if (keys.empty() || keys.size() > static_cast<std::size_t>(max_keys)) {
    return Status::Error("usage", "a " + ledger::PayloadKindName(body) + " needs 1 to " + std::to_string(max_keys) +
                                      " signing keys");
  }
  const Bytes envelope = ledger::BuildTx(body, keys);
  return ledger::DecodeTx(envelope, body.chain_id());
}

std::string ReceiptCode(const Hash256& tx_id) { return crypto::ToBase32(tx_id); }

bool LooksLikeReceiptCode(std::string_view text) {
  if (text.size() < 12 || text.size() > 52) return false;
  for (char c : text) {
    const char lower = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (!((lower >= 'a' && lower <= 'z') || (lower >= '2' && lower <= '7'))) return false;
  }
  return true;
}

}  // namespace shanliu::cli
