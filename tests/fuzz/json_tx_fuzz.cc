// Fuzz target: transactions as JSON. The same text goes to
//  - the API's POST /v1/txs body reader (EnvelopesFromJson: {"txs": [base64...]} or {"tx": ...}),
//    whose envelopes then get the stateless checks (DecodeTx), and
//  - the JSON -> TxBody conversion the CLI uses to build txs (ledger::JsonToMessage).
// Properties: a read body yields 1..16 envelopes within the size limit; every refusal is typed
// with a documented code; a converted body converts to JSON and back to the same bytes.
#include <nlohmann/json.hpp>

#include <cstdint>

#include "fuzz_support.h"
#include "routes.h"
#include "shanliu/ledger/json.h"
#include "shanliu/ledger/tx.h"

namespace {

using namespace shanliu;
constexpr std::string_view kTarget = "json_tx";
constexpr std::size_t kMaxBatch = 16;

void CheckBodyRoundTrip(const pb::TxBody& body) {
  pb::TxBody back;
  const Status s = ledger::JsonToMessage(ledger::MessageToJson(body), &back);
  if (!s.ok()) fuzz::Fail(kTarget, "a converted body's JSON does not convert back: " + s.ToString());
  SHANLIU_FUZZ_CHECK(kTarget, back.SerializeAsString() == body.SerializeAsString());
}

void ReadSubmission(const std::string& text) {
  auto envelopes = api::internal::EnvelopesFromJson(text, kMaxBatch);
  if (!envelopes.ok()) {
    const std::string& code = envelopes.status().code();
    SHANLIU_FUZZ_CHECK(kTarget, code == "invalid_json" || code == "invalid_base64" || code == "too_large" ||
                                    code == "too_many_txs");
    return;
  }
  SHANLIU_FUZZ_CHECK(kTarget, !envelopes->empty() && envelopes->size() <= kMaxBatch);
  for (const Bytes& e : *envelopes) {
    SHANLIU_FUZZ_CHECK(kTarget, !e.empty() && e.size() <= ledger::TxLimits::kMaxEnvelopeBytes);
    auto tx = ledger::DecodeTx(e, fuzz::kChainId, /*verify_signatures=*/false);
    if (tx.ok()) CheckBodyRoundTrip(tx->body);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::QuietProtobuf();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  ReadSubmission(text);
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;
  pb::TxBody body;
  const Status s = ledger::JsonToMessage(json, &body);
  if (!s.ok()) {
    SHANLIU_FUZZ_CHECK(kTarget, s.code() == "invalid_json");
    return 0;
  }
  CheckBodyRoundTrip(body);
  return 0;
}
