// The signed transaction envelope (DESIGN 4): building, decoding, signature checks,
// tx ids and stateless validation. Stateful rules live in the state machine.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/pb/shanliu.pb.h"
#include "shanliu/status.h"

namespace shanliu::ledger {

inline constexpr std::string_view kTxSignDomain{"shanliu/tx/v1\0", 14};
inline constexpr std::string_view kTxIdDomain{"shanliu/txid/v1\0", 16};

// Hard limits on everything a client can send (TigerBeetle style: explicit, small, asserted).
struct TxLimits {
  static constexpr std::size_t kMaxEnvelopeBytes = 8 * 1024;
  static constexpr int kMaxSignatures = 4;
  static constexpr std::size_t kMaxShortText = 200;   // names, titles, ids in free text
  static constexpr std::size_t kMaxLongText = 2000;   // descriptions, reasons, URLs
  static constexpr int kMaxOrgKeys = 4;
  static constexpr int kMaxAccountBanks = 4;
  static constexpr std::int64_t kMinAmountFen = 1;
  static constexpr std::int64_t kMaxAmountFen = 1'000'000'000'000'000;  // 10^15 fen
  static constexpr std::uint64_t kMaxPoints = 1'000'000'000'000;
  // A catalogue price: at 1 point per ¥10 this is ¥10 million, far above anything a community
  // merchant lists, so a slip of the keyboard (extra zeros) is refused rather than listed.
  static constexpr std::uint64_t kMaxCataloguePoints = 1'000'000;
  static constexpr std::uint32_t kMaxVolunteerMinutes = 24 * 60;
  static constexpr std::uint32_t kMaxBeneficiaries = 100'000'000;
  // An honour-list display name: 16 CJK characters (3 bytes each) or 48 ASCII ones.
  static constexpr std::size_t kMaxHonourNameBytes = 48;
};

// A tx that passed stateless validation: parsed, every signature verified, ids computed.
struct DecodedTx {
  Bytes envelope;  // the exact bytes: the log leaf
  pb::TxBody body;
  Hash256 id{};
  // SHA-256 of the whole envelope. A verified-signature cache must be keyed by this, not by
  // the id: the id covers only the body, so the same body could arrive with forged signatures.
  Hash256 envelope_hash{};
  std::vector<crypto::PublicKey> signers;  // distinct, each with a valid signature
  bool SignedBy(const crypto::PublicKey& key) const;
};

Hash256 TxId(ByteView body_bytes);

// The signatures a tx of this kind may carry: TxLimits::kMaxSignatures, except a
// ValidatorSetChange (the bureau and up to every validator: kMaxValidatorSetChangeSignatures).
int MaxSignatures(const pb::TxBody& body);

// Serialises `body` and signs it with every key (in order). Programming errors assert.
Bytes BuildTx(const pb::TxBody& body, std::span<const crypto::KeyPair* const> signers);

// Everything that can be checked without ledger state: size limits, protobuf shape,
// chain id, payload present and well-formed (ids, amounts, hash lengths, text limits),
// 1..MaxSignatures(body) distinct signers whose signatures all verify.
// `verify_signatures = false` skips only the Ed25519 checks (for a verified-signature cache).
Result<DecodedTx> DecodeTx(ByteView envelope, std::string_view chain_id, bool verify_signatures = true);

// The body half of DecodeTx: canonical TxBody protobuf, chain id, both expiries present, payload
// well-formed. For bodies that travel before they are fully signed (redemption requests).
Result<pb::TxBody> DecodeTxBody(ByteView body_bytes, std::string_view chain_id);

// DecodeTx with a verified-signature cache: an envelope whose SHA-256 `known_verified` names
// (signatures checked before, e.g. at admission) is decoded without the Ed25519 checks; any other
// envelope — or every one, if `known_verified` is empty — is decoded with them.
Result<DecodedTx> DecodeTxCached(ByteView envelope, std::string_view chain_id,
                                 const std::function<bool(const Hash256&)>& known_verified);

// The name of the first string field of the Tx envelope (its body, and a Correction's
// corrected_tx_body, included) whose bytes are not valid UTF-8, or nothing. It reads the wire
// format without the generated parser, which would refuse the message and write to stderr, so a
// submitter can be told which field is wrong ("invalid_utf8") and nothing is logged.
std::optional<std::string> FindInvalidUtf8(ByteView envelope);

// Payload name as used in the API and CLI ("donation", "trust_disbursement", ...).
std::string PayloadKindName(const pb::TxBody& body);

// Shared field checks, reused by the state machine and the API.
bool IsValidId(std::string_view id);  // [a-z0-9-]{3,40}
bool IsValidAmount(std::int64_t amount_fen);
// "org:<id>", "project:<id>" or "trust:<id>"
bool IsValidAccount(std::string_view account);

}  // namespace shanliu::ledger
