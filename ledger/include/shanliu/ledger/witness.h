// A C2SP tlog-witness (c2sp.org/tlog-witness) for Shanliu checkpoints and any log whose
// checkpoints carry an Ed25519 signed-note signature under its origin name: the
// add-checkpoint request format, the decision the spec asks for, the cosignature/v1 line it
// answers with, and the durable (origin -> size, root) record. No sockets here: `shanliu witness
// serve` (api/cli) carries requests to Witness::AddCheckpoint and its answers back.
//
// A log's policy (docs/witness.md): the checkpoint is accepted when
//   - cosignature/v1 lines from the chain's genesis validators hold more than 2/3 of the voting
//     power (VerifyCheckpointNote), or
//   - a configured Ed25519 signed-note key named after the origin signed it (the form a
//     standard witness verifies, which the validators' threshold key will take later).
// Either suffices; a line of a trusted key that does not verify refuses the note (403).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/checkpoint.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/status.h"

namespace leveldb {
class DB;
}

namespace shanliu::ledger {

// ---------------------------------------------------------------- signed-note keys

inline constexpr std::uint8_t kNoteEd25519KeyType = 0x01;  // signed-note Ed25519: signs the note text

// A signed-note verifier key "<name>+<8 hex key ID>+<base64(type || 32-byte public key)>".
struct NoteVerifierKey {
  std::string name;
  std::uint32_t key_id = 0;
  std::uint8_t type = 0;  // kNoteEd25519KeyType or kCosignatureV1KeyType
  crypto::PublicKey public_key{};
};

// SHA-256(name || "\n" || type || public key)[:4], big-endian.
std::uint32_t NoteKeyId(std::string_view name, std::uint8_t type, const crypto::PublicKey& public_key);
std::string FormatVerifierKey(std::string_view name, std::uint8_t type, const crypto::PublicKey& public_key);
// Strict: a valid key name, exactly 8 lowercase hex digits that match the key, canonical base64
// of 33 bytes whose first is 0x01 or 0x04. Error "invalid_argument".
Result<NoteVerifierKey> ParseVerifierKey(std::string_view vkey);

// One Ed25519 signed-note signature line "— <name> <base64(key ID || signature over body)>\n".
std::string SignNoteEd25519(const crypto::SecretKey& key, std::string_view name, std::string_view body);

// ---------------------------------------------------------------- add-checkpoint

struct WitnessLimits {
  static constexpr std::size_t kMaxRequestBytes = 64 * 1024;
  static constexpr std::size_t kMaxProofLines = 63;  // the spec's bound on what a client sends
};

struct AddCheckpointRequest {
  std::uint64_t old_size = 0;
  std::vector<Hash256> proof;
  std::string note;  // the signed checkpoint, verbatim
};

// "old <size>\n", 0..63 lines of canonical base64 of 32 bytes, "\n", then the note (not parsed
// here). Decimal without leading zeros. Errors: "too_large" (over kMaxRequestBytes),
// "bad_request" (anything else).
Result<AddCheckpointRequest> ParseAddCheckpointRequest(std::string_view body);
std::string FormatAddCheckpointRequest(const AddCheckpointRequest& request);

struct LogPolicy {
  std::string origin;
  // The genesis validators' cosignatures (> 2/3 of the power), or the origin line of the genesis
  // origin key when the genesis has one (VerifyCheckpointNote's origin_signed).
  std::optional<Genesis> genesis;
  std::vector<NoteVerifierKey> origin_keys;  // Ed25519 keys named after the origin
};
// A policy for a Shanliu chain: origin = CheckpointOrigin(genesis), the genesis validators'
// cosignatures or its origin key's line.
LogPolicy GenesisLogPolicy(const Genesis& genesis);

// Ok when the note satisfies the policy. Errors: "bad_cosignature" (a trusted key's line does not
// verify), "insufficient_signatures" (no trusted key signed, the genesis origin key did not, and
// the genesis validators who did hold 2/3 of the power or less). The note's origin must be the
// policy's (asserted by the caller's lookup).
Status CheckLogPolicy(const Note& note, const LogPolicy& policy);

// What the witness last cosigned for an origin.
struct WitnessRecord {
  std::uint64_t size = 0;
  Hash256 root{};
  bool operator==(const WitnessRecord&) const = default;
};

// The spec's answers, by HTTP status.
enum class WitnessOutcome : unsigned {
  kCosign = 200,
  kBadRequest = 400,
  kForbidden = 403,
  kUnknownOrigin = 404,
  kConflict = 409,
  kInconsistent = 422,
};

struct WitnessDecision {
  WitnessOutcome outcome = WitnessOutcome::kBadRequest;
  std::string reason;            // for the operator's log and the error body
  std::uint64_t known_size = 0;  // kConflict on the old size: the size last cosigned (the 409 body)
  bool root_conflict = false;    // kConflict at the size already cosigned but with another root
  std::string origin;            // set from kForbidden on (the origin was recognised)
  std::string checkpoint_body;   // kCosign: the text to cosign
  WitnessRecord next;            // kCosign: the record to store before answering
};

// The spec's checks in its order: request and note form (400 / 403 for a note that does not
// parse), origin (404), policy (403), old size <= size (400), old size = the stored size or 0
// (409), then the proof (422: empty from 0, RFC 9162 from the stored root otherwise, a size-0
// checkpoint must have the empty tree's root) and, at equal sizes, equal roots (409).
// `policy_for` returns nullptr for an unknown origin. Pure: no clock, no store.
WitnessDecision DecideAddCheckpoint(std::string_view request_body,
                                    const std::function<const LogPolicy*(std::string_view)>& policy_for,
                                    const std::function<std::optional<WitnessRecord>(std::string_view)>& stored);

// ---------------------------------------------------------------- the durable witness

// (origin -> size, root) in LevelDB, every write synced. A record that does not decode is a
// "storage_corrupt" error, never read as "nothing cosigned".
class WitnessStore {
 public:
  static Result<std::unique_ptr<WitnessStore>> Open(const std::filesystem::path& dir);
  ~WitnessStore();
  WitnessStore(const WitnessStore&) = delete;
  WitnessStore& operator=(const WitnessStore&) = delete;

  Result<std::optional<WitnessRecord>> Get(std::string_view origin) const;
  Status Put(std::string_view origin, const WitnessRecord& record);
  // Every origin stored, in key order.
  Result<std::map<std::string, WitnessRecord>> All() const;

 private:
  explicit WitnessStore(leveldb::DB* db) : db_(db) {}
  leveldb::DB* db_;
};

struct WitnessResponse {
  unsigned http_status = 500;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class Witness {
 public:
  // `name` is the witness's signed-note key name (e.g. "news.example.cn/witness").
  Witness(std::string name, crypto::KeyPair key, std::vector<LogPolicy> logs, std::unique_ptr<WitnessStore> store);

  // Decides, stores the new record (synced) and cosigns at `now_s`, all under one mutex so two
  // requests can never roll the record back. `now_s` must be in [1, 2^63) (asserted): the spec
  // forbids a zero timestamp.
  WitnessResponse AddCheckpoint(std::string_view request_body, std::uint64_t now_s);

  // The witness's own cosignature/v1 verifier key, for logs and clients to configure.
  std::string VerifierKey() const;
  const std::string& name() const { return name_; }
  const std::map<std::string, LogPolicy>& logs() const { return logs_; }
  Result<std::map<std::string, WitnessRecord>> Records() const;

 private:
  const std::string name_;
  const crypto::KeyPair key_;
  const std::map<std::string, LogPolicy> logs_;  // by origin
  std::unique_ptr<WitnessStore> store_;
  std::mutex mutex_;  // around decide + store + sign
};

struct WitnessCosignatureLine {
  std::uint64_t timestamp_s = 0;
  std::string line;  // "— <name> <base64>\n", canonical: what a note carries
};
// Verifies a witness's response lines for a checkpoint body against the witness's vkey
// (cosignature/v1): the first line of that key decides; other keys' lines are skipped. Errors:
// "bad_cosignature" (that line does not verify, or its timestamp is 0 or 2^63 or more),
// "insufficient_signatures" (no line of this key), "invalid_argument" (not a cosignature/v1 key),
// ParseNote's.
Result<WitnessCosignatureLine> VerifyWitnessCosignature(std::string_view checkpoint_body,
                                                        std::string_view response_lines,
                                                        const NoteVerifierKey& witness_key);

}  // namespace shanliu::ledger
