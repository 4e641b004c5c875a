// C2SP tlog-checkpoint bodies, signed-note parsing and tlog-cosignature (cosignature/v1).
#include <sodium.h>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <set>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/checkpoint.h"
#include "shanliu/ledger/witness.h"

namespace shanliu::ledger {
namespace {

constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, then a space
constexpr std::size_t kMaxDecimalU64Digits = 20;

std::string Base64(ByteView data) {
  std::string out(sodium_base64_encoded_len(data.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data.data(), data.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // libsodium counts its terminating NUL
  return out;
}

// Standard padded base64, canonical only (re-encoding gives the same text), so one byte string
// has exactly one spelling.
std::optional<Bytes> FromBase64(std::string_view text, std::size_t max_bytes) {
  if (text.empty() || text.size() % 4 != 0 || text.size() / 4 * 3 > max_bytes + 2) return std::nullopt;
  Bytes out(text.size() / 4 * 3);
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &length, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(length);
  if (out.size() > max_bytes || Base64(out) != text) return std::nullopt;
  return out;
}

// Well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF) with no control
// characters but newline: what signed-note requires of the text.
bool IsCleanUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n') || c == 0x7f) return false;
      ++i;
      continue;
    }
    std::size_t extra = 0;
    std::uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    const bool overlong_or_surrogate = extra == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF));
    if (overlong_or_surrogate || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF))) return false;
    i += extra + 1;
  }
  return true;
}

// signed-note key names: non-empty, no Unicode spaces and no '+'. Ours are ASCII; any
// non-ASCII name is from someone else and only needs to be told apart, so only ASCII
// whitespace and '+' are refused here.
bool IsValidKeyName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (c == '+' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') return false;
  }
  return true;
}

Status Malformed(const std::string& why) { return Status::Error("note_malformed", why); }

}  // namespace

std::optional<std::uint64_t> ParseNoteDecimal(std::string_view text) {
  if (text.empty() || text.size() > kMaxDecimalU64Digits || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string CheckpointOrigin(const Genesis& genesis) {
  const Hash256 vh = genesis.validators_hash();
  return "shanliu/" + genesis.chain_id + "/" + crypto::ToHex(ByteView(vh.data(), 8));
}

Result<std::string> CosignerName(const Genesis& genesis, std::uint32_t validator_index) {
  if (validator_index >= genesis.validators.size()) {
    return Status::Error("invalid_argument", "validator index " + std::to_string(validator_index) + " is not in genesis");
  }
  return "shanliu/" + genesis.chain_id + "/v" + std::to_string(validator_index) + "-" +
         genesis.validators[validator_index].org_id;
}

std::string CosignerName(const Genesis& genesis, const Validator& validator) {
  // A genesis key (with its genesis organisation) keeps its genesis name in every later set.
  for (std::uint32_t i = 0; i < genesis.validators.size(); ++i) {
    const Validator& g = genesis.validators[i];
    if (g.public_key == validator.public_key && g.org_id == validator.org_id) return *CosignerName(genesis, i);
  }
  return "shanliu/" + genesis.chain_id + "/k" + crypto::ToHex(ByteView(validator.public_key.data(), 8)) + "-" +
         validator.org_id;
}

std::string CheckpointBody(std::string_view origin, std::uint64_t size, const Hash256& root) {
  assert(!origin.empty() && origin.find('\n') == std::string_view::npos);
  return std::string(origin) + "\n" + std::to_string(size) + "\n" + Base64(root) + "\n";
}

Result<CheckpointFields> ParseCheckpointBody(std::string_view body) {
  auto bad = [](const std::string& why) { return Status::Error("checkpoint_malformed", why); };
  if (body.empty() || body.back() != '\n') return bad("the checkpoint does not end with a newline");
  std::vector<std::string_view> lines;
  std::string_view rest = body.substr(0, body.size() - 1);
  while (true) {
    const auto nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  if (lines.size() < 3) return bad("a checkpoint has an origin, a size and a root hash line");
  if (lines.size() > 3) return bad("the checkpoint has extension lines; this log writes none");
  CheckpointFields out;
  if (lines[0].empty()) return bad("the origin line is empty");
  out.origin = std::string(lines[0]);
  auto size = ParseNoteDecimal(lines[1]);
  if (!size) return bad("the tree size is not a decimal number without leading zeros");
  out.size = *size;
  auto root = FromBase64(lines[2], 32);
  if (!root || root->size() != 32) return bad("the root hash is not canonical base64 of 32 bytes");
  std::copy(root->begin(), root->end(), out.root.begin());
  return out;
}

std::uint32_t CosignatureKeyId(std::string_view name, const crypto::PublicKey& public_key) {
  Bytes material;
  AppendRaw(material, AsBytes(name));
  AppendU8(material, '\n');
  AppendU8(material, kCosignatureV1KeyType);
  AppendRaw(material, public_key);
  const Hash256 h = crypto::Sha256(material);
  return (std::uint32_t{h[0]} << 24) | (std::uint32_t{h[1]} << 16) | (std::uint32_t{h[2]} << 8) | h[3];
}

std::string CosignedMessage(std::string_view body, std::uint64_t timestamp_s) {
  return "cosignature/v1\ntime " + std::to_string(timestamp_s) + "\n" + std::string(body);
}

namespace {

std::string SignatureLine(std::string_view name, std::uint32_t key_id, std::uint64_t timestamp_s,
                          const crypto::Signature& sig) {
  Bytes blob;
  AppendU32(blob, key_id);
  AppendU64(blob, timestamp_s);
  AppendRaw(blob, sig);
  return std::string(kSignaturePrefix) + std::string(name) + " " + Base64(blob) + "\n";
}

crypto::PublicKey PublicKeyOf(const crypto::SecretKey& key) {
  crypto::PublicKey pk;
  std::copy(key.data() + 32, key.data() + 64, pk.begin());  // libsodium: seed || public key
  return pk;
}

}  // namespace

std::string Cosign(const crypto::SecretKey& key, std::string_view name, std::string_view body,
                   std::uint64_t timestamp_s) {
  assert(IsValidKeyName(name));
  const crypto::Signature sig = crypto::SignRaw(key, AsBytes(CosignedMessage(body, timestamp_s)));
  return SignatureLine(name, CosignatureKeyId(name, PublicKeyOf(key)), timestamp_s, sig);
}

Cosignature MakeCosignature(const Genesis& genesis, const crypto::SecretKey& key, std::uint64_t log_size,
                            const Hash256& log_root, std::uint64_t timestamp_s) {
  const std::string body = CheckpointBody(CheckpointOrigin(genesis), log_size, log_root);
  Cosignature c;
  c.public_key = PublicKeyOf(key);
  c.timestamp_s = timestamp_s;
  c.signature = crypto::SignRaw(key, AsBytes(CosignedMessage(body, timestamp_s)));
  return c;
}

Cosignature MakeCosignature(const Genesis& genesis, std::uint32_t validator_index, const crypto::SecretKey& key,
                            std::uint64_t log_size, const Hash256& log_root, std::uint64_t timestamp_s) {
  assert(validator_index < genesis.validators.size());
  Cosignature c = MakeCosignature(genesis, key, log_size, log_root, timestamp_s);
  c.public_key = genesis.validators[validator_index].public_key;
  return c;
}

Status VerifyCosignature(const Genesis& genesis, std::uint64_t log_size, const Hash256& log_root,
                         const Cosignature& cosignature) {
  const std::string who = "the cosignature of key " + crypto::ToHex(ByteView(cosignature.public_key.data(), 8));
  if (cosignature.timestamp_s >= (std::uint64_t{1} << 63)) {
    // A note carrying it would be refused by every verifier (tlog-cosignature).
    return Status::Error("bad_cosignature", who + " has a timestamp of 2^63 or more");
  }
  const std::string body = CheckpointBody(CheckpointOrigin(genesis), log_size, log_root);
  if (!crypto::VerifyRaw(cosignature.public_key, AsBytes(CosignedMessage(body, cosignature.timestamp_s)),
                         cosignature.signature)) {
    return Status::Error("bad_cosignature", who + " does not verify for log size " + std::to_string(log_size));
  }
  return Status::Ok();
}

std::string CosignatureLine(const Genesis& genesis, const Validator& signer, const Cosignature& cosignature) {
  assert(signer.public_key == cosignature.public_key);
  const std::string name = CosignerName(genesis, signer);
  return SignatureLine(name, CosignatureKeyId(name, signer.public_key), cosignature.timestamp_s,
                       cosignature.signature);
}

std::string CosignatureLine(const Genesis& genesis, const Cosignature& cosignature) {
  const auto it = std::find_if(genesis.validators.begin(), genesis.validators.end(),
                               [&](const Validator& v) { return v.public_key == cosignature.public_key; });
  assert(it != genesis.validators.end());
  return CosignatureLine(genesis, *it, cosignature);
}

std::string CheckpointNote(const Genesis& genesis, std::span<const Validator> signers, std::uint64_t log_size,
                           const Hash256& log_root, std::span<const Cosignature> cosignatures) {
  std::string note = CheckpointBody(CheckpointOrigin(genesis), log_size, log_root) + "\n";
  for (const Cosignature& c : cosignatures) {
    const auto it = std::find_if(signers.begin(), signers.end(),
                                 [&](const Validator& v) { return v.public_key == c.public_key; });
    if (it != signers.end()) note += CosignatureLine(genesis, *it, c);
  }
  return note;
}

std::string CheckpointNote(const Genesis& genesis, std::uint64_t log_size, const Hash256& log_root,
                           std::span<const Cosignature> cosignatures) {
  return CheckpointNote(genesis, genesis.validators, log_size, log_root, cosignatures);
}

Result<CheckpointSigners> CheckpointSignersFromProof(const Genesis& genesis,
                                                     std::span<const ProvenTransition> transitions,
                                                     const pb::BlockHeader& header, const Hash256& block_hash,
                                                     const pb::CommitCertificate& commit, std::uint64_t log_size,
                                                     const Hash256& log_root) {
  if (log_size == 0) return CheckpointSigners{0, genesis.validators};
  const std::uint64_t height = header.height();
  if (header.log_size() != log_size || header.log_root() != std::string(log_root.begin(), log_root.end())) {
    return Status::Error("checkpoint_mismatch", "block " + std::to_string(height) + " carries log size " +
                                                    std::to_string(header.log_size()) +
                                                    " and another root, not the checkpoint's " +
                                                    std::to_string(log_size));
  }
  auto hash = BlockHash(header);
  if (!hash.ok() || *hash != block_hash) {
    return Status::Error("checkpoint_mismatch", "the header of block " + std::to_string(height) +
                                                    " does not hash to the block hash it comes with");
  }
  std::vector<ProvenTransition> upto;
  for (const ProvenTransition& t : transitions) {
    if (t.effective_height <= height) upto.push_back(t);
  }
  auto set = FollowValidatorTransitions(genesis.chain_id, genesis.validators, upto, height);
  if (!set.ok()) return set.status();
  SHANLIU_RETURN_IF_ERROR(VerifyHeaderAgainstSet(genesis.chain_id, header, block_hash, commit, *set));
  return CheckpointSigners{height, std::move(*set)};
}

Result<Note> ParseNote(std::string_view text) {
  if (text.size() > NoteLimits::kMaxNoteBytes) {
    return Status::Error("note_too_large", "a note is at most " + std::to_string(NoteLimits::kMaxNoteBytes) + " bytes");
  }
  if (text.empty() || text.back() != '\n') return Malformed("the note does not end with a newline");
  if (!IsCleanUtf8(text)) return Malformed("the note is not UTF-8 text without control characters");
  // Every line, body or signature, is bounded.
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t nl = text.find('\n', start);
    if (nl - start > NoteLimits::kMaxLineBytes) {
      return Status::Error("note_too_large",
                           "a note line is longer than " + std::to_string(NoteLimits::kMaxLineBytes) + " bytes");
    }
    start = nl + 1;
  }
  // signed-note: the signatures follow the last blank line.
  const std::size_t split = text.rfind("\n\n");
  if (split == std::string_view::npos) return Malformed("no blank line separates the text from the signatures");
  Note note;
  note.body = std::string(text.substr(0, split + 1));
  if (note.body.size() <= 1) return Malformed("the note text is empty");
  std::string_view sigs = text.substr(split + 2);
  if (sigs.empty()) return Malformed("the note has no signature lines");
  std::size_t body_lines = 0;
  for (char c : note.body) body_lines += c == '\n';
  if (body_lines > NoteLimits::kMaxBodyLines) return Status::Error("note_too_large", "the note text has too many lines");

  std::size_t count = 0;
  while (!sigs.empty()) {
    const std::size_t nl = sigs.find('\n');
    std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    if (++count > NoteLimits::kMaxSignatureLines) {
      return Status::Error("note_too_large", "more than " + std::to_string(NoteLimits::kMaxSignatureLines) +
                                                 " signature lines");
    }
    if (!line.starts_with(kSignaturePrefix)) {
      return Malformed("signature line " + std::to_string(count) + " does not start with an em dash and a space");
    }
    line.remove_prefix(kSignaturePrefix.size());
    const std::size_t space = line.find(' ');
    const std::string_view name = line.substr(0, space);
    const std::string label = "signature line " + std::to_string(count);
    if (space == std::string_view::npos || !IsValidKeyName(name)) {
      note.garbled.push_back(label + ": no valid key name followed by a space");
      continue;
    }
    auto blob = FromBase64(line.substr(space + 1), NoteLimits::kMaxLineBytes);
    if (!blob || blob->size() < 5) {
      note.garbled.push_back(label + " (" + std::string(name) + "): not canonical base64 of a key ID and a signature");
      continue;
    }
    NoteSignature s;
    s.name = std::string(name);
    s.key_id = (std::uint32_t{(*blob)[0]} << 24) | (std::uint32_t{(*blob)[1]} << 16) |
               (std::uint32_t{(*blob)[2]} << 8) | (*blob)[3];
    s.signature.assign(blob->begin() + 4, blob->end());
    note.signatures.push_back(std::move(s));
  }
  return note;
}

namespace {

// One signature line of a known validator key: 72 bytes after the key ID, a timestamp below 2^63
// (tlog-cosignature: a larger one MUST NOT be accepted) and a valid Ed25519 signature over this
// body at that time. Error "bad_cosignature".
Result<Cosignature> VerifyNoteLine(const Validator& signer, std::string_view body, const NoteSignature& line) {
  if (line.signature.size() != kCosignatureV1Bytes - 4) {
    return Status::Error("bad_cosignature", line.name + ": a cosignature/v1 signature is 72 bytes after the key ID");
  }
  Cosignature c;
  c.public_key = signer.public_key;
  c.timestamp_s = ReadU64(ByteView(line.signature.data(), 8));
  if (c.timestamp_s >= (std::uint64_t{1} << 63)) {
    return Status::Error("bad_cosignature", line.name + ": the cosignature's timestamp is 2^63 or more");
  }
  std::copy(line.signature.begin() + 8, line.signature.end(), c.signature.begin());
  if (!crypto::VerifyRaw(signer.public_key, AsBytes(CosignedMessage(body, c.timestamp_s)), c.signature)) {
    return Status::Error("bad_cosignature", line.name + ": the signature does not verify over this checkpoint");
  }
  return c;
}

}  // namespace

std::uint32_t OriginKeyId(const Genesis& genesis) {
  assert(genesis.origin_key);
  return NoteKeyId(CheckpointOrigin(genesis), kNoteEd25519KeyType, genesis.origin_key->verifying_key);
}

std::string OriginVerifierKey(const Genesis& genesis) {
  if (!genesis.origin_key) return "";
  return FormatVerifierKey(CheckpointOrigin(genesis), kNoteEd25519KeyType, genesis.origin_key->verifying_key);
}

std::string OriginSignatureLine(const Genesis& genesis, const crypto::Signature& signature) {
  Bytes blob;
  AppendU32(blob, OriginKeyId(genesis));
  AppendRaw(blob, signature);
  return std::string(kSignaturePrefix) + CheckpointOrigin(genesis) + " " + Base64(blob) + "\n";
}

Status VerifyOriginSignature(const Genesis& genesis, std::uint64_t log_size, const Hash256& log_root,
                             const crypto::Signature& signature) {
  if (!genesis.origin_key) return Status::Error("no_origin_key", "the genesis has no origin_key");
  const std::string body = CheckpointBody(CheckpointOrigin(genesis), log_size, log_root);
  // Plain Ed25519 (signed-note key type 0x01 signs the note text): what any witness checks.
  if (!crypto::VerifyRaw(genesis.origin_key->verifying_key, AsBytes(body), signature)) {
    return Status::Error("bad_cosignature", CheckpointOrigin(genesis) + ": the origin key's signature does not verify");
  }
  return Status::Ok();
}

Result<CheckpointVerification> VerifyCheckpointNote(const Note& note, const Genesis& genesis,
                                                    std::span<const Validator> signers) {
  auto fields = ParseCheckpointBody(note.body);
  if (!fields.ok()) return fields.status();
  const std::string origin = CheckpointOrigin(genesis);
  if (fields->origin != origin) {
    return Status::Error("wrong_origin", "the checkpoint is for origin '" + fields->origin + "', this genesis is '" +
                                             origin + "'");
  }
  CheckpointVerification out;
  out.checkpoint = *fields;
  for (const Validator& v : signers) out.total_power += v.voting_power;
  out.ignored = note.garbled;

  // Expected (name, key ID) of every validator of the checkpoint's set.
  std::map<std::pair<std::string, std::uint32_t>, std::uint32_t> known;
  for (std::uint32_t i = 0; i < signers.size(); ++i) {
    const std::string name = CosignerName(genesis, signers[i]);
    known[{name, CosignatureKeyId(name, signers[i].public_key)}] = i;
  }
  // signed-note: lines from unknown keys are ignored, but a known key's signature that does not
  // verify rejects the whole note (a verifier SHOULD reject it; Go's note.Open does). As there,
  // the first line of a key decides and a repeat is skipped unverified.
  std::set<std::uint32_t> seen;
  for (const NoteSignature& s : note.signatures) {
    if (genesis.origin_key && s.name == origin && s.key_id == OriginKeyId(genesis)) {
      // The group key's line: like a validator's, one that does not verify rejects the note.
      crypto::Signature sig{};
      if (s.signature.size() != sig.size()) {
        return Status::Error("bad_cosignature", s.name + ": the origin key's signature is not 64 bytes");
      }
      std::copy(s.signature.begin(), s.signature.end(), sig.begin());
      SHANLIU_RETURN_IF_ERROR(VerifyOriginSignature(genesis, fields->size, fields->root, sig));
      out.origin_signed = true;
      continue;
    }
    auto it = known.find({s.name, s.key_id});
    if (it == known.end()) {
      out.ignored.push_back(s.name + ": unknown key (not the cosignature/v1 key of a validator of this checkpoint's set)");
      continue;
    }
    const std::uint32_t index = it->second;
    if (!seen.insert(index).second) {
      out.ignored.push_back(s.name + ": a second cosignature by the same validator");
      continue;
    }
    auto cosignature = VerifyNoteLine(signers[index], note.body, s);
    if (!cosignature.ok()) return cosignature.status();
    out.cosigners.push_back({index, signers[index].org_id, s.name, cosignature->timestamp_s});
    out.cosigned_power += signers[index].voting_power;
  }
  out.supermajority = IsSupermajority(out.cosigned_power, out.total_power);
  return out;
}

Result<CheckpointVerification> VerifyCheckpointNote(std::string_view note_text, const Genesis& genesis,
                                                    std::span<const Validator> signers) {
  auto note = ParseNote(note_text);
  if (!note.ok()) return note.status();
  return VerifyCheckpointNote(*note, genesis, signers);
}

Result<CheckpointVerification> VerifyCheckpointNote(const Note& note, const Genesis& genesis) {
  return VerifyCheckpointNote(note, genesis, genesis.validators);
}

Result<CheckpointVerification> VerifyCheckpointNote(std::string_view note_text, const Genesis& genesis) {
  return VerifyCheckpointNote(note_text, genesis, genesis.validators);
}

}  // namespace shanliu::ledger
