// Signing requests: adding verified signatures, the envelope of a complete request, and the
// strict JSON form (docs/data-format.md "Signing requests").
#include "shanliu/ledger/signing_request.h"


#include <algorithm>
#include <cassert>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/json.h"
#include "shanliu/ledger/tx.h"

namespace shanliu::ledger {
namespace {

using nlohmann::json;

Status Invalid(std::string message) { return Status::Error("invalid_signing_request", std::move(message)); }

bool SlotHas(const SignerSlot& slot, const crypto::PublicKey& key) {
  return std::find(slot.public_keys.begin(), slot.public_keys.end(), key) != slot.public_keys.end();
}

bool SlotFilled(const SigningRequest& request, const SignerSlot& slot) {
  return std::any_of(request.signatures.begin(), request.signatures.end(),
                     [&](const SignatureEntry& s) { return SlotHas(slot, s.public_key); });
}

std::string SlotName(const SignerSlot& slot) {
  return slot.role + (slot.org_id.empty() ? std::string() : " '" + slot.org_id + "'");
}

template <std::size_t N>
Result<std::array<std::uint8_t, N>> FixedHex(const json& value, const std::string& where) {
  if (!value.is_string()) return Invalid(where + " must be a hex string");
  auto bytes = crypto::FromHex(value.get<std::string>());
  if (!bytes.ok() || bytes->size() != N) return Invalid(where + " must be " + std::to_string(N * 2) + " hex digits");
  std::array<std::uint8_t, N> out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

Status CheckKeys(const json& j, const std::vector<std::string>& allowed, const std::string& where) {
  if (!j.is_object()) return Invalid(where + " must be an object");
  for (const auto& [key, value] : j.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return Invalid(where + ": unknown field '" + key.substr(0, 40) + "'");
    }
  }
  return Status::Ok();
}

Result<SignerSlot> SlotFromJson(const json& j, std::size_t index) {
  const std::string where = "required_signers[" + std::to_string(index) + "]";
  SHANLIU_RETURN_IF_ERROR(CheckKeys(j, {"role", "org_id", "public_keys", "signed"}, where));
  if (!j.contains("role") || !j["role"].is_string() || j["role"].get<std::string>().empty() ||
      j["role"].get<std::string>().size() > 40) {
    return Invalid(where + ".role must be a name of 1 to 40 characters");
  }
  SignerSlot slot{j["role"].get<std::string>(), {}, {}};
  if (j.contains("org_id") && !j["org_id"].is_null()) {
    if (!j["org_id"].is_string() || !IsValidId(j["org_id"].get<std::string>())) {
      return Invalid(where + ".org_id must be an organisation id or null");
    }
    slot.org_id = j["org_id"].get<std::string>();
  }
  const json keys = j.value("public_keys", json());
  if (!keys.is_array() || keys.empty() || keys.size() > static_cast<std::size_t>(TxLimits::kMaxOrgKeys)) {
    return Invalid(where + ".public_keys must list 1 to " + std::to_string(TxLimits::kMaxOrgKeys) + " keys");
  }
  for (std::size_t k = 0; k < keys.size(); ++k) {
    auto key = FixedHex<32>(keys[k], where + ".public_keys[" + std::to_string(k) + "]");
    if (!key.ok()) return key.status();
    slot.public_keys.push_back(*key);
  }
  return slot;
}

// The body bytes: base64, canonical TxBody, every stateless rule of DecodeTx but the
// signatures (an envelope without any fails only with missing_signature after those rules).
Status ParseBody(const json& j, std::string_view chain_id, SigningRequest& out) {
  if (!j.contains("body_base64") || !j["body_base64"].is_string()) return Invalid("body_base64 is required");
  auto body = crypto::FromBase64(j["body_base64"].get<std::string>());
  if (!body.ok()) return Invalid("body_base64 is not standard padded base64");
  if (body->empty() || body->size() > TxLimits::kMaxEnvelopeBytes) return Invalid("body_base64 is empty or too long");
  pb::Tx probe;
  probe.set_body(ToString(*body));
  const std::string envelope = probe.SerializeAsString();
  // Checked before any parse: protobuf would log a line for a string field that is not UTF-8.
  if (auto field = FindInvalidUtf8(AsBytes(envelope))) {
    return Status::Error("invalid_utf8", "string field " + *field + " is not valid UTF-8");
  }
  pb::TxBody parsed;
  if (!parsed.ParseFromString(probe.body())) return Status::Error("malformed", "body_base64 is not a TxBody");
  auto decoded = DecodeTx(AsBytes(envelope), chain_id.empty() ? std::string_view(parsed.chain_id()) : chain_id);
  if (!decoded.ok() && decoded.status().code() != "missing_signature") return decoded.status();
  out.body_bytes = std::move(*body);
  out.body = std::move(parsed);
  out.id = TxId(out.body_bytes);
  return Status::Ok();
}

}  // namespace

std::vector<const SignerSlot*> SigningRequest::Missing() const {
  std::vector<const SignerSlot*> out;
  for (const SignerSlot& slot : required) {
    if (!SlotFilled(*this, slot)) out.push_back(&slot);
  }
  return out;
}

SigningRequest NewSigningRequest(const pb::TxBody& body, std::vector<SignerSlot> required) {
  SigningRequest request;
  const std::string bytes = body.SerializeAsString();
  request.body_bytes.assign(bytes.begin(), bytes.end());
  request.body = body;
  request.id = TxId(request.body_bytes);
  request.required = std::move(required);
  return request;
}

Status AddSignature(SigningRequest& request, const crypto::PublicKey& key, const crypto::Signature& signature) {
  for (const SignatureEntry& s : request.signatures) {
    if (s.public_key == key) return Status::Error("duplicate_signature", "this key has already signed the request");
  }
  if (request.signatures.size() >= static_cast<std::size_t>(TxLimits::kMaxSignatures)) {
    return Status::Error("too_many_signatures", "a tx carries at most " + std::to_string(TxLimits::kMaxSignatures) +
                                                    " signatures");
  }
  const SignerSlot* open = nullptr;
  const SignerSlot* filled = nullptr;
  for (const SignerSlot& slot : request.required) {
    if (!SlotHas(slot, key)) continue;
    (SlotFilled(request, slot) ? filled : open) = &slot;
    if (open != nullptr) break;
  }
  if (open == nullptr) {
    return Status::Error("signer_not_required",
                         filled != nullptr ? SlotName(*filled) + " has already signed this request"
                                           : "key " + crypto::ToHex(key) + " is not one the request still needs");
  }
  if (!crypto::Verify(key, kTxSignDomain, request.body_bytes, signature)) {
    return Status::Error("bad_signature", "the signature of " + SlotName(*open) +
                                              " does not verify over this request's body (a different body?)");
  }
  request.signatures.push_back({key, signature});
  return Status::Ok();
}

Status SignRequest(SigningRequest& request, const crypto::KeyPair& key) {
  return AddSignature(request, key.public_key, crypto::Sign(key.secret_key, kTxSignDomain, request.body_bytes));
}

Status CheckNotExpired(const SigningRequest& request, std::uint64_t now_ms, std::optional<std::uint64_t> head_height) {
  if (request.body.expires_at_ms() < now_ms) {
    return Status::Error("expired", "the request expired at " + std::to_string(request.body.expires_at_ms()) +
                                        " ms; the time is " + std::to_string(now_ms) + " ms: make a new one");
  }
  if (head_height && *head_height >= request.body.expires_at_height()) {
    return Status::Error("expired", "the request expired at height " + std::to_string(request.body.expires_at_height()) +
                                        "; the chain is at " + std::to_string(*head_height));
  }
  return Status::Ok();
}

Result<Bytes> RequestEnvelope(const SigningRequest& request) {
  const auto missing = request.Missing();
  if (!missing.empty()) {
    std::string names;
    for (const SignerSlot* slot : missing) names += (names.empty() ? "" : ", ") + SlotName(*slot);
    return Status::Error("incomplete_request", "still waiting for the signature of " + names);
  }
  pb::Tx tx;
  tx.set_body(ToString(request.body_bytes));
  for (const SignatureEntry& s : request.signatures) {
    pb::Signature* sig = tx.add_sigs();
    sig->set_public_key(std::string(s.public_key.begin(), s.public_key.end()));
    sig->set_sig(std::string(s.signature.begin(), s.signature.end()));
  }
  const std::string bytes = tx.SerializeAsString();
  return Bytes(bytes.begin(), bytes.end());
}

Result<SigningRequest> SigningRequestFromJson(const json& j, std::string_view chain_id) {
  SHANLIU_RETURN_IF_ERROR(CheckKeys(j, {"format", "id", "chain_id", "kind", "body_base64", "body", "summary",
                                        "expires_at_ms", "expires_at_height", "required_signers", "signatures",
                                        "complete"},
                                    "the request"));
  if (j.value("format", json()) != json(kSigningRequestFormat)) {
    return Invalid("format must be \"" + std::string(kSigningRequestFormat) + "\"");
  }
  SigningRequest out;
  SHANLIU_RETURN_IF_ERROR(ParseBody(j, chain_id, out));
  if (j.contains("id") && j["id"] != json(crypto::ToHex(out.id))) {
    return Invalid("id does not match the body: the body was changed after the request was made");
  }
  const json slots = j.value("required_signers", json());
  if (!slots.is_array() || slots.empty() || slots.size() > static_cast<std::size_t>(TxLimits::kMaxSignatures)) {
    return Invalid("required_signers must list 1 to " + std::to_string(TxLimits::kMaxSignatures) + " signers");
  }
  for (std::size_t i = 0; i < slots.size(); ++i) {
    auto slot = SlotFromJson(slots[i], i);
    if (!slot.ok()) return slot.status();
    out.required.push_back(std::move(*slot));
  }
  const json sigs = j.value("signatures", json::array());
  if (!sigs.is_array()) return Invalid("signatures must be an array");
  for (std::size_t i = 0; i < sigs.size(); ++i) {
    const std::string where = "signatures[" + std::to_string(i) + "]";
    SHANLIU_RETURN_IF_ERROR(CheckKeys(sigs[i], {"public_key", "signature"}, where));
    auto key = FixedHex<32>(sigs[i].value("public_key", json()), where + ".public_key");
    if (!key.ok()) return key.status();
    auto sig = FixedHex<64>(sigs[i].value("signature", json()), where + ".signature");
    if (!sig.ok()) return sig.status();
    if (Status s = AddSignature(out, *key, *sig); !s.ok()) return Status::Error(s.code(), where + ": " + s.message());
  }
  return out;
}

Result<SigningRequest> ParseSigningRequest(std::string_view text, std::string_view chain_id) {
  if (text.size() > kMaxSigningRequestBytes) {
    return Status::Error("too_large", "a signing request is at most " + std::to_string(kMaxSigningRequestBytes) +
                                          " bytes of JSON");
  }
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Invalid("the request is not valid JSON");
  return SigningRequestFromJson(j, chain_id);
}

json SigningRequestToJson(const SigningRequest& request) {
  json slots = json::array();
  for (const SignerSlot& slot : request.required) {
    json keys = json::array();
    for (const crypto::PublicKey& k : slot.public_keys) keys.push_back(crypto::ToHex(k));
    slots.push_back({{"role", slot.role},
                     {"org_id", slot.org_id.empty() ? json(nullptr) : json(slot.org_id)},
                     {"public_keys", std::move(keys)},
                     {"signed", SlotFilled(request, slot)}});
  }
  json sigs = json::array();
  for (const SignatureEntry& s : request.signatures) {
    sigs.push_back({{"public_key", crypto::ToHex(s.public_key)}, {"signature", crypto::ToHex(s.signature)}});
  }
  return {{"format", kSigningRequestFormat},
          {"id", crypto::ToHex(request.id)},
          {"chain_id", request.body.chain_id()},
          {"kind", PayloadKindName(request.body)},
          {"body_base64", crypto::ToBase64(request.body_bytes)},
          {"body", MessageToJson(request.body)},
          {"summary", {{"zh", SigningSummary(request.body, "zh")}, {"en", SigningSummary(request.body, "en")}}},
          {"expires_at_ms", request.body.expires_at_ms()},
          {"expires_at_height", request.body.expires_at_height()},
          {"required_signers", std::move(slots)},
          {"signatures", std::move(sigs)},
          {"complete", request.Complete()}};
}

}  // namespace shanliu::ledger
