// Signing requests (docs/data-format.md "Signing requests"): one tx body that several
// institutions sign in turn, each holding only its own key, before anyone submits it.
// Which keys must sign follows the ledger's signer rules (docs/rules.md, DESIGN 4); one
// implementation here serves the CLI (offline files) and the node's co-signing inbox.
// Pure: no clock or I/O; the caller supplies chain state through SignerLookup and the time.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/pb/shanliu.pb.h"
#include "shanliu/pb/state.pb.h"
#include "shanliu/status.h"

namespace shanliu::ledger {

inline constexpr std::string_view kSigningRequestFormat = "shanliu-signing-request/1";
// A request holds one body (at most TxLimits::kMaxEnvelopeBytes) and a few keys, so 64 KiB of
// JSON is generous; anything larger is refused before parsing ("too_large").
inline constexpr std::size_t kMaxSigningRequestBytes = 64 * 1024;

// One signature the tx needs: a signature by any one of `public_keys` satisfies it.
struct SignerSlot {
  std::string role;    // "trustee", "custodian_bank", "holder", "account_owner", ...
  std::string org_id;  // empty for a wallet key (holder) that belongs to no organisation
  std::vector<crypto::PublicKey> public_keys;
};

// The chain state RequiredSigners reads. Every function must be set; each answers nothing
// for an id the chain does not know.
struct SignerLookup {
  std::function<std::optional<pb::OrgRecord>(const std::string& org_id)> org;
  std::function<std::optional<pb::ProjectRecord>(const std::string& project_id)> project;
  std::function<std::optional<pb::TrustRecord>(const std::string& trust_id)> trust;
  // The account a committed Donation credited (what a Refund of it pays back from).
  std::function<std::optional<std::string>(const Hash256& donation_tx_id)> donation_account;
  std::function<std::optional<pb::OrgRecord>()> bureau;
};

// Who must sign `body` under the ledger's rules, one slot per required party, in the order
// they are usually asked. `cosigning_bank` (Spend and Refund only) adds the bank that attests
// the outflow; it must be one of the paying organisation's account banks. Errors:
// unsupported_kind (Correction: its signers depend on the corrected tx and the bureau
// threshold; sign it with shanliu tx), unknown_org / unknown_project / unknown_trust /
// unknown_account, cosigner_not_account_bank, malformed.
Result<std::vector<SignerSlot>> RequiredSigners(const pb::TxBody& body, const SignerLookup& lookup,
                                                const std::string& cosigning_bank = {});

struct SignatureEntry {
  crypto::PublicKey public_key{};
  crypto::Signature signature{};
};

struct SigningRequest {
  Bytes body_bytes;  // signed exactly as they are; never re-encoded
  pb::TxBody body;
  Hash256 id{};
  std::vector<SignerSlot> required;
  std::vector<SignatureEntry> signatures;  // each verified, each filling a different slot

  // Slots no signature fills yet.
  std::vector<const SignerSlot*> Missing() const;
  bool Complete() const { return Missing().empty(); }
};

// A request for `body` with no signatures yet. `required` comes from RequiredSigners.
SigningRequest NewSigningRequest(const pb::TxBody& body, std::vector<SignerSlot> required);

// Verifies `signature` by `key` over the request's body and adds it. Errors: bad_signature
// (not over this exact body), duplicate_signature (this key already signed), signer_not_required
// (the key is in no slot, or only in slots already filled), too_many_signatures.
Status AddSignature(SigningRequest& request, const crypto::PublicKey& key, const crypto::Signature& signature);

// Signs the request with `key` (AddSignature's rules apply).
Status SignRequest(SigningRequest& request, const crypto::KeyPair& key);

// Status::Ok while the tx can still be committed: `now_ms` <= expires_at_ms and, when
// `head_height` is given, head_height < expires_at_height. Error "expired".
Status CheckNotExpired(const SigningRequest& request, std::uint64_t now_ms, std::optional<std::uint64_t> head_height);

// The signed envelope of a complete request; "incomplete_request" naming who is missing.
Result<Bytes> RequestEnvelope(const SigningRequest& request);

// Parses the JSON form strictly: unknown fields, a body that does not decode or fails the
// stateless tx rules (for `chain_id`; empty: the body's own), malformed slots, any signature
// that does not verify or fills no open slot are errors (invalid_signing_request, too_large,
// bad_signature, duplicate_signature, signer_not_required, wrong_chain, malformed ...).
// The derived fields (id, kind, body, summary, ...) are informational; `id`, if present, must
// be the body's id, so an edited body is caught.
Result<SigningRequest> ParseSigningRequest(std::string_view text, std::string_view chain_id = {});
Result<SigningRequest> SigningRequestFromJson(const nlohmann::json& json, std::string_view chain_id = {});

// The documented JSON form, with the derived fields (id, kind, decoded body, summary in zh and
// en, expiry, which slots are signed, complete).
nlohmann::json SigningRequestToJson(const SigningRequest& request);

// One-paragraph human summary of the body ("zh" or "en"): kind, amount in yuan and fen, the
// accounts and ids it names, its expiry. Shown to each signer before it signs.
std::string SigningSummary(const pb::TxBody& body, std::string_view language);

}  // namespace shanliu::ledger
