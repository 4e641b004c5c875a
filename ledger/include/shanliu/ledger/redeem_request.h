// Redemption requests (docs/data-format.md, "Redemption request"): the QR-sized payload a
// merchant's counter and a resident's phone wallet pass between them while a RedeemPoints is
// half signed. The payload is base64url (no padding) of an ordinary Tx envelope whose body
// holds a redeem_points and which carries zero or one signature:
//   none      the merchant asks first; the holder signs, the merchant co-signs and submits
//   merchant  the merchant signed first; the holder's wallet signs and submits
//   holder    the holder signed (holder-first order, on its way back to the merchant)
// Nothing new is signed: the body is the one the node will see, so a request cannot say one
// thing to the phone and another to the ledger. It lapses at the body's expires_at_ms.
// Pure: the caller passes the clock.
//
// The same payload carries a VolunteerService the volunteer confirms in the wallet (issue 17
// part 5, "confirm service"): the organising charity takes the merchant's place, the volunteer
// the holder's. DecodeRedeemRequest takes the kind expected.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "shanliu/bytes.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/pb/shanliu.pb.h"
#include "shanliu/status.h"

namespace shanliu::ledger {

// A hard cap far above any real request (one signature and a short item: ~270 characters, its link
// QR version 13) and within one QR code (byte mode, level M, version 26 holds 1 059 bytes), so a
// hostile payload is refused before any parsing.
inline constexpr std::size_t kMaxRedeemRequestChars = 1'000;

struct RedeemRequest {
  std::string body_bytes;  // the serialised TxBody, exactly as signed
  pb::TxBody body;         // has redeem_points
  crypto::PublicKey holder{};
  std::optional<crypto::PublicKey> signer;     // at most one, its signature verified
  std::optional<crypto::Signature> signature;  // the signer's
  bool SignedByHolder() const { return signer.has_value() && *signer == holder; }
  const pb::RedeemPoints& redeem() const { return body.redeem_points(); }
  const pb::VolunteerService& volunteer() const { return body.volunteer_service(); }
};

// The payload of an envelope with zero or one signature (asserted).
std::string EncodeRedeemRequest(const pb::Tx& envelope);

// The payload inside `text`: the bare payload, or a URL whose query or fragment has r=<payload>.
// Errors: "malformed" (empty, no r= parameter, too long).
Result<std::string> RedeemPayloadFromText(std::string_view text);

// Decodes and checks a payload for chain `chain_id` at wall-clock `now_ms`. Errors:
// "malformed" (not base64url, not a canonical Tx, body invalid as DecodeTxBody sees it, a
// signature entry of the wrong size), "wrong_kind" (not a redeem_points), "wrong_chain",
// "too_many_signatures" (more than one: that is a tx, not a request), "bad_signature" (the
// signature is not over this body), "expired" (now_ms > expires_at_ms).
// Whether a non-holder signer is a key of the merchant is ledger state: the caller checks it.
// `kind` is kRedeemPoints or kVolunteerService (asserted); the holder is that payload's holder.
Result<RedeemRequest> DecodeRedeemRequest(std::string_view payload, std::string_view chain_id,
                                          std::uint64_t now_ms,
                                          pb::TxBody::PayloadCase kind = pb::TxBody::kRedeemPoints);

// The request plus `key`'s signature, as an envelope. A holder-signed request may be co-signed
// by a merchant key and the reverse; signing twice with one key is refused ("duplicate_signature").
Result<pb::Tx> CosignRedeemRequest(const RedeemRequest& request, const crypto::KeyPair& key);

}  // namespace shanliu::ledger
