// Fuzz target: receipt codes and tx ids as the API reads them from a URL (GET /v1/receipts/
// {code}, /v1/trace/{code}, /v1/txs/{id}): ParseTxId, the base32 and hex codecs under them,
// and ResolveGift (whole codes, ids and 12..51-character prefixes) against a real ledger with
// four donations (LedgerFixture, in memory).
// Properties: the codecs are canonical (an accepted text is exactly what the encoder writes
// for its bytes, up to case); a resolved gift is one of the fixture's donations and its code
// starts with the text given; ambiguity lists at most 10 candidates, each matching; every
// refusal has one of the documented codes.
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "fuzz_support.h"
#include "shanliu/crypto/codec.h"
#include "trace.h"
#include "views.h"

namespace {

using namespace shanliu;
constexpr std::string_view kTarget = "receipt_code";

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void CheckCodecs(std::string_view text) {
  if (auto bytes = crypto::FromBase32(text); bytes.ok()) {
    SHANLIU_FUZZ_CHECK(kTarget, crypto::ToBase32(*bytes) == Lower(text));
  }
  if (auto bytes = crypto::FromHex(text); bytes.ok()) {
    SHANLIU_FUZZ_CHECK(kTarget, crypto::ToHex(*bytes) == Lower(text));
  }
  auto id = api::internal::ParseTxId(text);
  if (!id.ok()) {
    const std::string& code = id.status().code();
    SHANLIU_FUZZ_CHECK(kTarget, code == "invalid_hex" || code == "invalid_code" || code == "invalid_argument");
    return;
  }
  const std::string back = text.size() == 64 ? crypto::ToHex(*id) : api::internal::ReceiptCode(*id);
  SHANLIU_FUZZ_CHECK(kTarget, back == Lower(text));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::QuietProtobuf();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static leveldb::Env* env = leveldb::NewMemEnv(leveldb::Env::Default());
  static const fuzz::LedgerFixture fixture = [] {
    ledger::LedgerOptions options;
    options.env = env;
    options.sync_writes = false;
    return fuzz::MakeLedgerFixture(options);
  }();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckCodecs(text);

  auto view = fixture.chain->ledger().Read();
  std::vector<std::string> candidates;
  auto gift = api::internal::ResolveGift(*view, text, &candidates);
  const std::string lower = Lower(text);
  for (const std::string& c : candidates) SHANLIU_FUZZ_CHECK(kTarget, c.starts_with(lower));
  SHANLIU_FUZZ_CHECK(kTarget, candidates.size() <= 10);
  if (!gift.ok()) {
    const std::string& code = gift.status().code();
    SHANLIU_FUZZ_CHECK(kTarget, code == "invalid_hex" || code == "invalid_code" || code == "invalid_argument" ||
                                    code == "not_found" || code == "ambiguous_code");
    SHANLIU_FUZZ_CHECK(kTarget, (code == "ambiguous_code") == !candidates.empty());
    return 0;
  }
  SHANLIU_FUZZ_CHECK(kTarget, candidates.empty());
  SHANLIU_FUZZ_CHECK(kTarget, std::find(fixture.gift_ids.begin(), fixture.gift_ids.end(), gift->id) != fixture.gift_ids.end());
  const std::string code = api::internal::ReceiptCode(gift->id);
  SHANLIU_FUZZ_CHECK(kTarget, code.starts_with(lower) || crypto::ToHex(gift->id) == lower);
  return 0;
}
