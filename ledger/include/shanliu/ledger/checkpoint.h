// Checkpoints in the C2SP formats (DESIGN 6): a tlog-checkpoint body
//   "<origin>\n<log size>\n<base64 log root>\n"
// carried in a signed note whose signature lines are tlog-cosignature "cosignature/v1"
// Ed25519 cosignatures made by the validators of the checkpoint's set: the set in force at the
// lowest height whose header carries the log size (CheckpointSigners). Standard witnesses and
// monitors can follow the log with nothing Shanliu-specific but the origin, the names and the keys.
//
// Names (docs/audit.md, docs/decisions.md 2026-12-07): origin =
// "shanliu/<chain_id>/<first 16 hex of the genesis validators hash>" whatever the set; a
// validator's cosigner name depends on its key and organisation only, never on its place in a
// set: "shanliu/<chain_id>/v<i>-<org_id>" for the key of genesis validator i (genesis order is
// fixed, so notes and witnesses of chains without changes are unchanged), otherwise
// "shanliu/<chain_id>/k<first 16 hex of the key>-<org_id>".
#pragma once

#include <array>
#include <functional>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/validator_set.h"
#include "shanliu/status.h"

namespace shanliu::ledger {

struct NoteLimits {
  static constexpr std::size_t kMaxNoteBytes = 64 * 1024;   // 100 lines of ~150 bytes fit many times over
  static constexpr std::size_t kMaxLineBytes = 1024;        // any body or signature line
  static constexpr std::size_t kMaxSignatureLines = 100;    // the cap Go's note package uses
  static constexpr std::size_t kMaxBodyLines = 16;
};

// Algorithm byte of the key ID for tlog-cosignature "cosignature/v1" (Ed25519 over a timed message).
inline constexpr std::uint8_t kCosignatureV1KeyType = 0x04;
inline constexpr std::size_t kCosignatureV1Bytes = 4 + 8 + 64;  // key ID || u64 BE timestamp || signature

std::string CheckpointOrigin(const Genesis& genesis);
// Error "invalid_argument" if the index is not a genesis validator.
Result<std::string> CosignerName(const Genesis& genesis, std::uint32_t validator_index);
// The name of any validator of any set of this chain (see the names above).
std::string CosignerName(const Genesis& genesis, const Validator& validator);

// The validators whose cosignatures count for the checkpoint of one log size: the set in force
// at `height`, the lowest block whose header carries that size (the block that appended its last
// leaf; 0 for the empty log). ReadView::CheckpointSignersAt finds it from a store; a light
// verifier follows the certified transitions to it (CheckpointSignersFromProof).
struct CheckpointSigners {
  std::uint64_t height = 0;
  std::vector<Validator> validators;
};

// A light verifier's CheckpointSigners (shanliu checkpoint, the explorer do the same): follows
// `transitions` from the genesis set to `header`'s height (FollowValidatorTransitions; those
// effective after it are skipped), checks the header hashes to `block_hash`, `commit` carries
// > 2/3 of the set reached for it and the header carries exactly (log_size, log_root). Any certified header
// carrying the checkpoint will do: its set certified that log, so its supermajority's
// cosignatures attest nothing more (a node names the lowest such height, whose set's lines its
// notes carry). Size 0 needs no proof (the genesis set, height 0). Errors:
// "invalid_transition", VerifyCommitCertificate's, "checkpoint_mismatch".
Result<CheckpointSigners> CheckpointSignersFromProof(const Genesis& genesis,
                                                     std::span<const ProvenTransition> transitions,
                                                     const pb::BlockHeader& header, const Hash256& block_hash,
                                                     const pb::CommitCertificate& commit, std::uint64_t log_size,
                                                     const Hash256& log_root);

// "<origin>\n<size>\n<base64 root>\n". The origin must be a non-empty line (asserted).
std::string CheckpointBody(std::string_view origin, std::uint64_t size, const Hash256& root);

// A decimal u64 as the C2SP note formats write sizes: ASCII digits only, no leading zero, at
// most 20 digits, no overflow (checkpoint bodies, tlog-witness's "old" line).
std::optional<std::uint64_t> ParseNoteDecimal(std::string_view text);

struct CheckpointFields {
  std::string origin;
  std::uint64_t size = 0;
  Hash256 root{};
};
// Strict: exactly three lines, decimal size without leading zeros, canonical base64 of 32
// bytes, no extension lines. Error "checkpoint_malformed".
Result<CheckpointFields> ParseCheckpointBody(std::string_view body);

// SHA-256(name || "\n" || 0x04 || public key)[:4] as a big-endian u32.
std::uint32_t CosignatureKeyId(std::string_view name, const crypto::PublicKey& public_key);
// "cosignature/v1\ntime <timestamp_s>\n" || body: the bytes a cosigner signs.
std::string CosignedMessage(std::string_view body, std::uint64_t timestamp_s);
// One signature line "— <name> <base64(key ID || u64 BE timestamp || signature)>\n".
std::string Cosign(const crypto::SecretKey& key, std::string_view name, std::string_view body,
                   std::uint64_t timestamp_s);

// A validator's cosignature of (log size, log root) without the text around it: what the node
// gossips (about 80 bytes in a protobuf message) and the collector keeps.
struct Cosignature {
  crypto::PublicKey public_key{};  // the signer's consensus key (verified against it)
  std::uint64_t timestamp_s = 0;  // POSIX seconds, part of the signed message
  crypto::Signature signature{};
};

// The cosignature of the checkpoint (log_size, log_root) of `genesis`'s chain by the holder of
// `key` (public_key is the key's own).
Cosignature MakeCosignature(const Genesis& genesis, const crypto::SecretKey& key, std::uint64_t log_size,
                            const Hash256& log_root, std::uint64_t timestamp_s);
// The same claimed for genesis validator `validator_index` (asserted in range): public_key is
// that validator's, so a key that is not its own makes a cosignature that does not verify.
Cosignature MakeCosignature(const Genesis& genesis, std::uint32_t validator_index, const crypto::SecretKey& key,
                            std::uint64_t log_size, const Hash256& log_root, std::uint64_t timestamp_s);
// Checks the signature against cosignature.public_key; whether that key may cosign this size is
// the caller's question (CheckpointSigners). Error "bad_cosignature".
Status VerifyCosignature(const Genesis& genesis, std::uint64_t log_size, const Hash256& log_root,
                         const Cosignature& cosignature);
// The signature line of a cosignature by `signer` (its key must be the cosignature's; asserted).
std::string CosignatureLine(const Genesis& genesis, const Validator& signer, const Cosignature& cosignature);
// The same for a genesis validator's cosignature (asserted: its key is a genesis validator's).
std::string CosignatureLine(const Genesis& genesis, const Cosignature& cosignature);
// The whole signed note: body, blank line, one line per cosignature whose key is in `signers`,
// in the given order (others are left out: they do not count for this size).
std::string CheckpointNote(const Genesis& genesis, std::span<const Validator> signers, std::uint64_t log_size,
                           const Hash256& log_root, std::span<const Cosignature> cosignatures);
// The same with the genesis validators as the signers (a chain without set changes).
std::string CheckpointNote(const Genesis& genesis, std::uint64_t log_size, const Hash256& log_root,
                           std::span<const Cosignature> cosignatures);

// ---------------------------------------------------------------- the origin line

// The note's signature under the origin name by the validators' FROST group key (genesis
// "origin_key"): a signed-note Ed25519 line (key type 0x01) over the checkpoint body, the line
// a standard C2SP witness configured with OriginVerifierKey follows.
// SHA-256(origin || "\n" || 0x01 || group key)[:4] as a big-endian u32.
std::uint32_t OriginKeyId(const Genesis& genesis);
// "<origin>+<hex key ID>+<base64(0x01 || group key)>" (the witness's --log-vkey); "" without one.
std::string OriginVerifierKey(const Genesis& genesis);
// "— <origin> <base64(key ID || signature)>\n". The genesis must have an origin key (asserted).
std::string OriginSignatureLine(const Genesis& genesis, const crypto::Signature& signature);
// Errors "no_origin_key" (the genesis has none), "bad_cosignature" (does not verify as plain
// Ed25519 under the group key over the checkpoint body).
Status VerifyOriginSignature(const Genesis& genesis, std::uint64_t log_size, const Hash256& log_root,
                             const crypto::Signature& signature);

// ---------------------------------------------------------------- parsing and verifying

struct NoteSignature {
  std::string name;
  std::uint32_t key_id = 0;
  Bytes signature;  // what follows the key ID (76 - 4 bytes for cosignature/v1)
};

struct Note {
  std::string body;                     // includes its final newline, not the blank line
  std::vector<NoteSignature> signatures;
  std::vector<std::string> garbled;     // signature lines that are not name + base64 (why), ignored
};

// Splits a signed note at its last blank line. Errors: "note_too_large" (over the byte, line or
// signature-line limits), "note_malformed" (not UTF-8, control characters, no blank line before
// the signatures, no signature lines, a signature line not starting with U+2014 and a space,
// no final newline). A line with an invalid name or base64 is kept in `garbled`, not fatal.
Result<Note> ParseNote(std::string_view text);

struct CheckpointCosigner {
  std::uint32_t validator_index = 0;  // in the signers' set
  std::string org_id;
  std::string name;
  std::uint64_t timestamp_s = 0;
};

struct CheckpointVerification {
  CheckpointFields checkpoint;
  std::vector<CheckpointCosigner> cosigners;  // valid and distinct, in note order
  std::uint64_t cosigned_power = 0;
  std::uint64_t total_power = 0;
  bool supermajority = false;          // IsSupermajority(cosigned_power, total_power)
  bool origin_signed = false;          // a valid line of the genesis origin key is present
  std::vector<std::string> ignored;    // every other line and why (unknown key, bad signature, duplicate)
};

// Parses the note and its checkpoint body, checks the origin is this genesis's and verifies each
// signature line against the cosigner names and keys of `signers` (the set of the checkpoint's
// height: CheckpointSigners; the overloads without it use the genesis set). As signed-note asks,
// lines from unknown keys are ignored (and reported), and so is a validator's second line; but a
// validator's line that does not verify (wrong length, a timestamp of 2^63 or more, a bad
// signature) rejects the whole note. Errors: ParseNote's, "checkpoint_malformed", "wrong_origin",
// "bad_cosignature". Whether enough power cosigned is for the caller to judge.
Result<CheckpointVerification> VerifyCheckpointNote(const Note& note, const Genesis& genesis,
                                                    std::span<const Validator> signers);
Result<CheckpointVerification> VerifyCheckpointNote(std::string_view note_text, const Genesis& genesis,
                                                    std::span<const Validator> signers);
Result<CheckpointVerification> VerifyCheckpointNote(const Note& note, const Genesis& genesis);
Result<CheckpointVerification> VerifyCheckpointNote(std::string_view note_text, const Genesis& genesis);

// ---------------------------------------------------------------- collecting

// Who may cosign a log size as a node's store knows it. `exact`: a committed block carries the
// size and `validators` is the set of the lowest such block (CheckpointSigners). Not exact: the
// size is beyond the head, and `validators` are those of the next heights (whoever may cosign it
// first); its cosignatures are kept but no note is made of them until a block carries the size.
struct SignersLookup {
  std::vector<Validator> validators;
  bool exact = false;
};
// nullopt: nobody cosigns this size here (no block carries it, or its block is not held).
using SignersOf = std::function<std::optional<SignersLookup>(std::uint64_t log_size)>;

// Gathers this validator's and its peers' cosignatures of recent checkpoints (thread-safe).
// Memory is bounded: the newest `keep_sizes` log sizes, at most kMaxRootsPerSize roots each
// (two roots at one size would be a fork; a few are kept as evidence), one cosignature per
// key per root, and only keys `signers_of` names for the size.
class CheckpointCollector {
 public:
  static constexpr std::size_t kMaxRootsPerSize = 4;

  // `signers_of` is called without the collector's lock held, from the threads that call Add and
  // Best. The first form counts the genesis set for every size (a chain without set changes).
  explicit CheckpointCollector(Genesis genesis, std::size_t keep_sizes = 16);
  CheckpointCollector(Genesis genesis, SignersOf signers_of, std::size_t keep_sizes = 16);

  // Checks the key may cosign this size, verifies the cosignature and keeps it. A newer timestamp
  // from the same key for the same checkpoint replaces the older one. Errors: "unknown_checkpoint"
  // (signers_of has no set for the size), "unknown_validator" (the key is not in it),
  // VerifyCosignature's, "stale_checkpoint" (older than every size kept while the window is
  // full), "too_many_roots".
  Status Add(std::uint64_t log_size, const Hash256& log_root, const Cosignature& cosignature);

  struct Collected {
    std::uint64_t log_size = 0;
    Hash256 log_root{};
    std::vector<Cosignature> cosignatures;  // by the set of the size's block, in its order
    std::uint64_t cosigned_power = 0;
    bool supermajority = false;
    std::string note;  // CheckpointNote of the above, and the origin line when there is one
    std::optional<crypto::Signature> origin_signature;  // by the genesis origin key
  };
  // Of the sizes a committed block carries: the newest checkpoint cosigned by more than 2/3 of
  // the voting power of its set, else the newest with any cosignature, else nothing.
  std::optional<Collected> Best() const;

  // The validators' FROST signature of a checkpoint (ledger/origin_signing.h), once verified
  // with VerifyOriginSignature. Kept for checkpoints the collector holds (else "stale_checkpoint").
  Status AddOriginSignature(std::uint64_t log_size, const Hash256& log_root, const crypto::Signature& signature);
  // Of the sizes a committed block carries: the newest checkpoint cosigned by more than 2/3 of
  // the voting power of its set that also carries the origin line, else nothing.
  std::optional<Collected> BestWithOrigin() const;

 private:
  using Signers = std::map<crypto::PublicKey, Cosignature>;
  using Roots = std::map<Hash256, Signers>;
  using Origins = std::map<std::pair<std::uint64_t, Hash256>, crypto::Signature>;
  // Pure: reads only its arguments, so Best can run it on copies outside the lock.
  Collected Describe(std::uint64_t size, const Hash256& root, const Signers& signers,
                     std::span<const Validator> set, const Origins& origins) const;

  const Genesis genesis_;
  const SignersOf signers_of_;
  const std::size_t keep_sizes_;
  mutable std::mutex mutex_;
  std::map<std::uint64_t, Roots> by_size_;  // guarded by mutex_
  Origins origin_;                          // guarded by mutex_, only checkpoints by_size_ keeps
};

}  // namespace shanliu::ledger
