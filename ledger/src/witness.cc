// c2sp.org/tlog-witness: signed-note verifier keys, the add-checkpoint request and the
// witness's decision (the store and the locked Witness are in witness_store.cc).
#include "shanliu/ledger/witness.h"

#include <algorithm>
#include <charconv>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/crypto/merkle.h"
#include "shanliu/ledger/block.h"

namespace shanliu::ledger {
namespace {

constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, then a space

// Canonical standard base64 only (re-encoding gives the same text): one spelling per value.
std::optional<Bytes> CanonicalBase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  auto bytes = crypto::FromBase64(text);
  if (!bytes.ok() || crypto::ToBase64(*bytes) != text) return std::nullopt;
  return std::move(*bytes);
}

bool IsKeyName(std::string_view name) {
  if (name.empty()) return false;
  return std::none_of(name.begin(), name.end(), [](char c) {
    return c == '+' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
           static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

std::uint32_t ReadU32(ByteView in) {
  return (std::uint32_t{in[0]} << 24) | (std::uint32_t{in[1]} << 16) | (std::uint32_t{in[2]} << 8) | in[3];
}

Status BadKey(const std::string& why) { return Status::Error("invalid_argument", "verifier key: " + why); }

}  // namespace

std::uint32_t NoteKeyId(std::string_view name, std::uint8_t type, const crypto::PublicKey& public_key) {
  Bytes material;
  AppendRaw(material, AsBytes(name));
  AppendU8(material, '\n');
  AppendU8(material, type);
  AppendRaw(material, public_key);
  return ReadU32(crypto::Sha256(material));
}

std::string FormatVerifierKey(std::string_view name, std::uint8_t type, const crypto::PublicKey& public_key) {
  Bytes key_id;
  AppendU32(key_id, NoteKeyId(name, type, public_key));
  Bytes typed;
  AppendU8(typed, type);
  AppendRaw(typed, public_key);
  return std::string(name) + "+" + crypto::ToHex(key_id) + "+" + crypto::ToBase64(typed);
}

Result<NoteVerifierKey> ParseVerifierKey(std::string_view vkey) {
  const std::size_t first = vkey.find('+');
  const std::size_t second = first == std::string_view::npos ? first : vkey.find('+', first + 1);
  if (second == std::string_view::npos) return BadKey("not <name>+<key ID>+<key>");
  NoteVerifierKey out;
  out.name = std::string(vkey.substr(0, first));
  if (!IsKeyName(out.name)) return BadKey("the name is empty or holds a space, '+' or a control character");
  const std::string_view hex_id = vkey.substr(first + 1, second - first - 1);
  const bool lower_hex = std::all_of(hex_id.begin(), hex_id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
  if (hex_id.size() != 8 || !lower_hex) return BadKey("the key ID is not 8 lowercase hex digits");
  auto typed = CanonicalBase64(vkey.substr(second + 1));
  if (!typed || typed->size() != 33) return BadKey("the key is not canonical base64 of a type byte and 32 bytes");
  out.type = (*typed)[0];
  if (out.type != kNoteEd25519KeyType && out.type != kCosignatureV1KeyType) {
    return BadKey("key type " + std::to_string(out.type) + " is neither Ed25519 (1) nor cosignature/v1 (4)");
  }
  std::copy(typed->begin() + 1, typed->end(), out.public_key.begin());
  auto id_bytes = crypto::FromHex(hex_id);
  out.key_id = ReadU32(*id_bytes);
  if (out.key_id != NoteKeyId(out.name, out.type, out.public_key)) {
    return BadKey("the key ID does not match the name and key");
  }
  return out;
}

std::string SignNoteEd25519(const crypto::SecretKey& key, std::string_view name, std::string_view body) {
  crypto::PublicKey public_key;
  std::copy(key.data() + 32, key.data() + 64, public_key.begin());  // libsodium: seed || public key
  Bytes blob;
  AppendU32(blob, NoteKeyId(name, kNoteEd25519KeyType, public_key));
  AppendRaw(blob, crypto::SignRaw(key, AsBytes(body)));
  return std::string(kSignaturePrefix) + std::string(name) + " " + crypto::ToBase64(blob) + "\n";
}

// ---------------------------------------------------------------- add-checkpoint request

Result<AddCheckpointRequest> ParseAddCheckpointRequest(std::string_view body) {
  if (body.size() > WitnessLimits::kMaxRequestBytes) {
    return Status::Error("too_large", "an add-checkpoint body is at most " +
                                          std::to_string(WitnessLimits::kMaxRequestBytes) + " bytes");
  }
  auto next_line = [&body]() -> std::optional<std::string_view> {
    const std::size_t nl = body.find('\n');
    if (nl == std::string_view::npos) return std::nullopt;
    std::string_view line = body.substr(0, nl);
    body.remove_prefix(nl + 1);
    return line;
  };
  auto old_line = next_line();
  if (!old_line || !old_line->starts_with("old ")) {
    return Status::Error("bad_request", "the body does not start with an \"old <size>\" line");
  }
  AddCheckpointRequest out;
  auto old_size = ParseNoteDecimal(old_line->substr(4));
  if (!old_size) return Status::Error("bad_request", "the old size is not a decimal without leading zeros");
  out.old_size = *old_size;
  for (;;) {
    auto line = next_line();
    if (!line) return Status::Error("bad_request", "no empty line ends the consistency proof");
    if (line->empty()) break;
    if (out.proof.size() == WitnessLimits::kMaxProofLines) {
      return Status::Error("bad_request", "more than " + std::to_string(WitnessLimits::kMaxProofLines) +
                                              " consistency proof lines");
    }
    auto hash = CanonicalBase64(*line);
    if (!hash || hash->size() != 32) {
      return Status::Error("bad_request", "consistency proof line " + std::to_string(out.proof.size() + 1) +
                                              " is not canonical base64 of 32 bytes");
    }
    Hash256& h = out.proof.emplace_back();
    std::copy(hash->begin(), hash->end(), h.begin());
  }
  if (body.empty()) return Status::Error("bad_request", "no checkpoint follows the consistency proof");
  out.note = std::string(body);
  return out;
}

std::string FormatAddCheckpointRequest(const AddCheckpointRequest& request) {
  std::string out = "old " + std::to_string(request.old_size) + "\n";
  for (const Hash256& h : request.proof) out += crypto::ToBase64(h) + "\n";
  return out + "\n" + request.note;
}

// ---------------------------------------------------------------- policy

LogPolicy GenesisLogPolicy(const Genesis& genesis) {
  LogPolicy policy;
  policy.origin = CheckpointOrigin(genesis);
  policy.genesis = genesis;
  return policy;
}

namespace {

// Ok if a trusted origin key signed; "bad_cosignature" if one of its lines does not verify;
// "insufficient_signatures" if none signed.
Status CheckOriginKeys(const Note& note, const LogPolicy& policy) {
  bool signed_by_trusted = false;
  for (const NoteSignature& line : note.signatures) {
    for (const NoteVerifierKey& key : policy.origin_keys) {
      if (line.name != key.name || line.key_id != key.key_id) continue;
      crypto::Signature sig{};
      const bool well_formed = line.signature.size() == sig.size();
      if (well_formed) std::copy(line.signature.begin(), line.signature.end(), sig.begin());
      if (!well_formed || !crypto::VerifyRaw(key.public_key, AsBytes(note.body), sig)) {
        return Status::Error("bad_cosignature", line.name + ": the origin key's signature does not verify");
      }
      signed_by_trusted = true;
    }
  }
  if (!signed_by_trusted) return Status::Error("insufficient_signatures", "no trusted origin key signed the note");
  return Status::Ok();
}

}  // namespace

Status CheckLogPolicy(const Note& note, const LogPolicy& policy) {
  // Every trusted key's lines are checked before deciding, so a forged line refuses the note even
  // when another trusted signer would have sufficed (signed-note: such a note is malformed).
  Status by_keys = Status::Error("insufficient_signatures", "no origin key is configured for this log");
  if (!policy.origin_keys.empty()) {
    by_keys = CheckOriginKeys(note, policy);
    if (by_keys.code() == "bad_cosignature") return by_keys;
  }
  bool by_validators = false;
  std::string validators_why = "no genesis is configured for this log";
  if (policy.genesis) {
    auto verified = VerifyCheckpointNote(note, *policy.genesis);
    if (!verified.ok()) return verified.status();
    // The genesis origin key's line (checked against the genesis file above) stands for the
    // validators: a set change that hands the key over keeps it, where the genesis set's own
    // cosignatures stop reaching 2/3 once enough of its validators have left.
    by_validators = verified->supermajority || verified->origin_signed;
    validators_why = "validators holding " + std::to_string(verified->cosigned_power) + " of " +
                     std::to_string(verified->total_power) + " voting power cosigned (more than 2/3 needed)";
    if (policy.genesis->origin_key) validators_why += " and the genesis origin key did not sign";
  }
  if (by_keys.ok() || by_validators) return Status::Ok();
  return Status::Error("insufficient_signatures", validators_why + "; " + by_keys.message());
}

// ---------------------------------------------------------------- the decision

namespace {

WitnessDecision Refuse(WitnessOutcome outcome, std::string reason) {
  WitnessDecision d;
  d.outcome = outcome;
  d.reason = std::move(reason);
  return d;
}

// The proof checks once old size equals the stored size (0 when nothing was cosigned).
WitnessDecision CheckConsistency(const AddCheckpointRequest& request, const CheckpointFields& checkpoint,
                                 const std::optional<WitnessRecord>& stored) {
  if (checkpoint.size == 0 && checkpoint.root != crypto::MerkleEmptyRoot()) {
    return Refuse(WitnessOutcome::kInconsistent, "a size-0 checkpoint must have the empty tree's root");
  }
  if (request.old_size == checkpoint.size) {
    // Also the first size-0 checkpoint: nothing stored, old 0, size 0.
    if (!request.proof.empty()) return Refuse(WitnessOutcome::kInconsistent, "equal sizes take an empty proof");
    if (stored && stored->root != checkpoint.root) {
      WitnessDecision d = Refuse(WitnessOutcome::kConflict, "a different root for the size already cosigned");
      d.known_size = stored->size;
      d.root_conflict = true;
      return d;
    }
  } else if (request.old_size == 0) {
    if (!request.proof.empty()) return Refuse(WitnessOutcome::kInconsistent, "the proof from size 0 must be empty");
  } else if (!crypto::VerifyMerkleConsistency(request.old_size, checkpoint.size, stored->root, checkpoint.root,
                                              request.proof)) {
    return Refuse(WitnessOutcome::kInconsistent, "the consistency proof from size " +
                                                     std::to_string(request.old_size) + " does not verify");
  }
  WitnessDecision d;
  d.outcome = WitnessOutcome::kCosign;
  d.next = {checkpoint.size, checkpoint.root};
  return d;
}

// The origin, size and root of a tlog-checkpoint, which may carry extension lines after them
// (other C2SP logs do; Shanliu's never do, and VerifyCheckpointNote refuses them for a chain).
// Error "checkpoint_malformed".
Result<CheckpointFields> ParseCheckpointHead(std::string_view body) {
  std::size_t end = 0;
  for (int line = 0; line < 3; ++line) {
    end = body.find('\n', end);
    if (end == std::string_view::npos) return Status::Error("checkpoint_malformed", "fewer than three lines");
    ++end;
  }
  for (std::size_t at = end; at < body.size();) {
    const std::size_t nl = body.find('\n', at);
    if (nl == at) return Status::Error("checkpoint_malformed", "an empty extension line");
    at = nl + 1;
  }
  return ParseCheckpointBody(body.substr(0, end));
}

}  // namespace

WitnessDecision DecideAddCheckpoint(std::string_view request_body,
                                    const std::function<const LogPolicy*(std::string_view)>& policy_for,
                                    const std::function<std::optional<WitnessRecord>(std::string_view)>& stored) {
  auto request = ParseAddCheckpointRequest(request_body);
  if (!request.ok()) return Refuse(WitnessOutcome::kBadRequest, request.status().ToString());
  auto note = ParseNote(request->note);
  if (!note.ok()) return Refuse(WitnessOutcome::kForbidden, "the checkpoint note: " + note.status().ToString());
  auto checkpoint = ParseCheckpointHead(note->body);
  if (!checkpoint.ok()) return Refuse(WitnessOutcome::kBadRequest, checkpoint.status().ToString());
  const LogPolicy* policy = policy_for(checkpoint->origin);
  if (policy == nullptr) return Refuse(WitnessOutcome::kUnknownOrigin, "unknown origin " + checkpoint->origin);
  if (Status s = CheckLogPolicy(*note, *policy); !s.ok()) {
    WitnessDecision d = Refuse(WitnessOutcome::kForbidden, s.ToString());
    d.origin = checkpoint->origin;
    return d;
  }
  WitnessDecision d;
  if (request->old_size > checkpoint->size) {
    d = Refuse(WitnessOutcome::kBadRequest, "the old size is larger than the checkpoint's");
  } else {
    const std::optional<WitnessRecord> record = stored(checkpoint->origin);
    const std::uint64_t known = record ? record->size : 0;
    if (request->old_size != known) {
      d = Refuse(WitnessOutcome::kConflict, "the old size is not the size last cosigned");
      d.known_size = known;
    } else {
      d = CheckConsistency(*request, *checkpoint, record);
    }
  }
  d.origin = checkpoint->origin;
  if (d.outcome == WitnessOutcome::kCosign) d.checkpoint_body = note->body;
  return d;
}

// ---------------------------------------------------------------- verifying a witness's answer

Result<WitnessCosignatureLine> VerifyWitnessCosignature(std::string_view checkpoint_body,
                                                        std::string_view response_lines,
                                                        const NoteVerifierKey& witness_key) {
  if (witness_key.type != kCosignatureV1KeyType) {
    return Status::Error("invalid_argument", "a witness key must be a cosignature/v1 key (type 4)");
  }
  // The spec's suggestion: append the lines to the checkpoint and read it as a note.
  auto note = ParseNote(std::string(checkpoint_body) + "\n" + std::string(response_lines));
  if (!note.ok()) return note.status();
  if (note->body != checkpoint_body) return Status::Error("note_malformed", "the response holds a blank line");
  for (const NoteSignature& line : note->signatures) {
    if (line.name != witness_key.name || line.key_id != witness_key.key_id) continue;
    if (line.signature.size() != kCosignatureV1Bytes - 4) {
      return Status::Error("bad_cosignature", line.name + ": a cosignature/v1 signature is 72 bytes after the key ID");
    }
    const std::uint64_t timestamp_s = ReadU64(ByteView(line.signature.data(), 8));
    crypto::Signature sig{};
    std::copy(line.signature.begin() + 8, line.signature.end(), sig.begin());
    if (timestamp_s == 0 || timestamp_s >= (std::uint64_t{1} << 63) ||
        !crypto::VerifyRaw(witness_key.public_key, AsBytes(CosignedMessage(checkpoint_body, timestamp_s)), sig)) {
      return Status::Error("bad_cosignature", line.name + ": the witness cosignature does not verify");
    }
    Bytes blob;
    AppendU32(blob, line.key_id);
    AppendRaw(blob, line.signature);
    return WitnessCosignatureLine{timestamp_s, std::string(kSignaturePrefix) + line.name + " " + crypto::ToBase64(blob) + "\n"};
  }
  return Status::Error("insufficient_signatures", "no cosignature by " + witness_key.name + " in the response");
}

}  // namespace shanliu::ledger
