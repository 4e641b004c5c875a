#include "shanliu/ledger/redeem_request.h"

#include <algorithm>
#include <cassert>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/tx.h"

namespace shanliu::ledger {
namespace {

Status Malformed(std::string message) { return Status::Error("malformed", "redemption request: " + std::move(message)); }

// The value of parameter `name` in an "a=1&r=..." list, if present.
std::optional<std::string_view> Param(std::string_view list, std::string_view name) {
  while (!list.empty()) {
    const std::size_t amp = list.find('&');
    const std::string_view pair = list.substr(0, amp);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
    if (amp == std::string_view::npos) break;
    list.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

Result<pb::Tx> ParseEnvelope(std::string_view payload) {
  if (payload.empty()) return Malformed("empty");
  if (payload.size() > kMaxRedeemRequestChars) {
    return Malformed(std::to_string(payload.size()) + " characters; the limit is " +
                     std::to_string(kMaxRedeemRequestChars));
  }
  auto bytes = crypto::FromBase64Url(payload);
  if (!bytes.ok()) return Malformed(bytes.status().message());
  pb::Tx tx;
  if (!tx.ParseFromArray(bytes->data(), static_cast<int>(bytes->size())) ||
      tx.SerializeAsString() != AsChars(*bytes)) {
    return Malformed("not a canonically encoded Tx envelope");
  }
  return tx;
}

}  // namespace

std::string EncodeRedeemRequest(const pb::Tx& envelope) {
  assert(envelope.sigs_size() <= 1);
  return crypto::ToBase64Url(AsBytes(envelope.SerializeAsString()));
}

Result<std::string> RedeemPayloadFromText(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  if (text.empty()) return Malformed("empty");
  if (text.size() > kMaxRedeemRequestChars + 2048) return Malformed("too long");
  if (text.find("://") == std::string_view::npos) return std::string(text);
  // A link: the explorer puts the request in the fragment (never sent to a server); a query works too.
  for (const char separator : {'#', '?'}) {
    std::size_t at = text.find(separator);
    if (at == std::string_view::npos) continue;
    std::string_view rest = text.substr(at + 1);
    if (separator == '?') rest = rest.substr(0, rest.find('#'));
    if (auto value = Param(rest, "r")) return std::string(*value);
  }
  return Malformed("the link has no r= parameter");
}

Result<RedeemRequest> DecodeRedeemRequest(std::string_view payload, std::string_view chain_id, std::uint64_t now_ms,
                                          pb::TxBody::PayloadCase kind) {
  assert(kind == pb::TxBody::kRedeemPoints || kind == pb::TxBody::kVolunteerService);
  const bool redeem = kind == pb::TxBody::kRedeemPoints;
  const std::string what = redeem ? "redemption request" : "volunteer confirmation request";
  auto tx = ParseEnvelope(payload);
  if (!tx.ok()) return tx.status();
  if (tx->sigs_size() > 1) {
    return Status::Error("too_many_signatures", "a " + what + " carries at most one signature; this is a "
                                                "fully signed transaction: submit it instead");
  }
  auto body = DecodeTxBody(AsBytes(tx->body()), chain_id);
  if (!body.ok()) return body.status();
  if (body->payload_case() != kind) {
    return Status::Error("wrong_kind", "a " + what + " holds a " + (redeem ? "redeem_points" : "volunteer_service") +
                                           ", not " + PayloadKindName(*body));
  }
  RedeemRequest out;
  out.body_bytes = tx->body();
  out.body = std::move(*body);
  // DecodeTxBody checked the holder is 32 bytes.
  const std::string& holder = redeem ? out.redeem().holder() : out.volunteer().holder();
  std::copy(holder.begin(), holder.end(), out.holder.begin());
  if (tx->sigs_size() == 1) {
    const pb::Signature& s = tx->sigs(0);
    if (s.public_key().size() != 32 || s.sig().size() != 64) {
      return Malformed("a signature entry needs a 32-byte key and a 64-byte signature");
    }
    crypto::PublicKey key;
    crypto::Signature sig;
    std::copy(s.public_key().begin(), s.public_key().end(), key.begin());
    std::copy(s.sig().begin(), s.sig().end(), sig.begin());
    if (!crypto::Verify(key, kTxSignDomain, AsBytes(out.body_bytes), sig)) {
      return Status::Error("bad_signature", "the request's signature is not over this body");
    }
    out.signer = key;
    out.signature = sig;
  }
  // Checked last so a tampered or foreign request says what is wrong with it, not only "expired".
  if (now_ms > out.body.expires_at_ms()) {
    return Status::Error("expired", "the " + what + " expired at " + std::to_string(out.body.expires_at_ms()) +
                                        " ms (now " + std::to_string(now_ms) + ")");
  }
  return out;
}

Result<pb::Tx> CosignRedeemRequest(const RedeemRequest& request, const crypto::KeyPair& key) {
  if (request.signer && *request.signer == key.public_key) {
    return Status::Error("duplicate_signature", "this key already signed the request");
  }
  pb::Tx tx;
  tx.set_body(request.body_bytes);
  if (request.signer) {
    pb::Signature* first = tx.add_sigs();
    first->set_public_key(std::string(request.signer->begin(), request.signer->end()));
    first->set_sig(std::string(request.signature->begin(), request.signature->end()));
  }
  const crypto::Signature sig = crypto::Sign(key.secret_key, kTxSignDomain, AsBytes(request.body_bytes));
  pb::Signature* added = tx.add_sigs();
  added->set_public_key(std::string(key.public_key.begin(), key.public_key.end()));
  added->set_sig(std::string(sig.begin(), sig.end()));
  return tx;
}

}  // namespace shanliu::ledger
