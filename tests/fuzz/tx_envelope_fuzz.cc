// Fuzz target: the signed tx envelope (ledger::DecodeTx) and, with the same bytes taken as a
// TxBody inside a signed envelope, the body's decode and stateless validation. Properties of
// every accepted tx: the decoder keeps the exact bytes, the ids are the hashes they claim, no
// string field is invalid UTF-8, the JSON form converts back to the same body, and the checks
// with signatures accept no more than the checks without them.
#include <cstdint>

#include "fuzz_support.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/json.h"
#include "shanliu/ledger/tx.h"

namespace {

using namespace shanliu;
constexpr std::string_view kTarget = "tx_envelope";

void CheckAccepted(const ledger::DecodedTx& tx, ByteView envelope) {
  SHANLIU_FUZZ_CHECK(kTarget, tx.envelope == Bytes(envelope.begin(), envelope.end()));
  SHANLIU_FUZZ_CHECK(kTarget, tx.envelope_hash == crypto::Sha256(envelope));
  const std::string body_bytes = tx.body.SerializeAsString();
  SHANLIU_FUZZ_CHECK(kTarget, tx.id == ledger::TxId(AsBytes(body_bytes)));
  SHANLIU_FUZZ_CHECK(kTarget, !tx.signers.empty() && tx.signers.size() <= static_cast<std::size_t>(ledger::MaxSignatures(tx.body)));
  SHANLIU_FUZZ_CHECK(kTarget, tx.body.chain_id() == fuzz::kChainId);
  SHANLIU_FUZZ_CHECK(kTarget, !ledger::FindInvalidUtf8(envelope).has_value());
  SHANLIU_FUZZ_CHECK(kTarget, !ledger::PayloadKindName(tx.body).empty());
  // The API shows bodies as JSON and the CLI builds them from JSON: the two must be inverses.
  pb::TxBody back;
  const Status s = ledger::JsonToMessage(ledger::MessageToJson(tx.body), &back);
  if (!s.ok()) fuzz::Fail(kTarget, "JSON form of an accepted body does not convert back: " + s.ToString());
  SHANLIU_FUZZ_CHECK(kTarget, back.SerializeAsString() == body_bytes);
}

void DecodeEnvelope(ByteView envelope) {
  auto unsigned_check = ledger::DecodeTx(envelope, fuzz::kChainId, /*verify_signatures=*/false);
  if (!unsigned_check.ok()) {
    SHANLIU_FUZZ_CHECK(kTarget, !unsigned_check.status().code().empty());
    return;
  }
  CheckAccepted(*unsigned_check, envelope);
  auto verified = ledger::DecodeTx(envelope, fuzz::kChainId, /*verify_signatures=*/true);
  if (!verified.ok()) return;  // a signature that does not verify: the only extra check
  SHANLIU_FUZZ_CHECK(kTarget, verified->id == unsigned_check->id);
  SHANLIU_FUZZ_CHECK(kTarget, verified->signers == unsigned_check->signers);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::QuietProtobuf();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input(data, size);
  (void)ledger::FindInvalidUtf8(input);
  DecodeEnvelope(input);
  // The same bytes as a body, signed for real: reaches the payload rules without the fuzzer
  // having to keep an envelope and a signature intact.
  if (size > ledger::TxLimits::kMaxEnvelopeBytes) return 0;
  static const crypto::KeyPair signer = fuzz::ValidatorKey(0);
  pb::Tx tx;
  tx.set_body(std::string(reinterpret_cast<const char*>(data), size));
  const crypto::Signature sig = crypto::Sign(signer.secret_key, ledger::kTxSignDomain, input);
  pb::Signature* entry = tx.add_sigs();
  entry->set_public_key(std::string(signer.public_key.begin(), signer.public_key.end()));
  entry->set_sig(std::string(sig.begin(), sig.end()));
  const std::string envelope = tx.SerializeAsString();
  DecodeEnvelope(AsBytes(envelope));
  return 0;
}
