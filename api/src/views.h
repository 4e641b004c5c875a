// JSON forms shared by the routes: hashes as lowercase hex, amounts as integer fen, records
// with every field present (defaults included) so clients see a stable shape.
#pragma once

#include <google/protobuf/message.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "http_types.h"
#include "shanliu/ledger/flow.h"
#include "shanliu/ledger/ledger.h"

namespace shanliu::api::internal {

std::string Hex(std::string_view raw_bytes);
std::string Hex(const Hash256& hash);
std::string ReceiptCode(const Hash256& tx_id);  // lowercase base32, 52 characters
Hash256 HashFromBytes(std::string_view raw_bytes);  // 32 raw bytes (checked by the caller)

// A tx id as 64 hex digits or as its 52-character receipt code (either case).
Result<Hash256> ParseTxId(std::string_view text);
// A 32-byte Ed25519 public key as 64 hex digits.
Result<Hash256> ParseKey(std::string_view text, std::string_view what);

Json HeaderJson(const pb::BlockHeader& header);          // every field, hashes hex
Json CommitJson(const pb::CommitCertificate& commit);    // {height, round, block_hash, signatures[]}
Json ReceiptProofJson(const ledger::ReceiptProofData& proof);  // exactly DESIGN 6.2
Json RecordJson(const google::protobuf::Message& record);  // MessageToJson plus defaults
Json FlowJson(const ledger::flow::AccountFlow& flow);     // balance and totals of one account
Json PayloadJson(const pb::TxBody& body);                  // the payload message of a tx body
std::vector<std::string> SignerKeys(ByteView envelope);    // hex public keys, in signature order
std::string SignedBodyBytes(ByteView envelope);  // the exact body bytes the signatures cover

// A committed tx in lists: {id, code, kind, leaf, height, index, time_ms, payload}.
Json TxSummaryJson(const ledger::TxRecord& tx);
// The bank org id that vouched for a committed tx, or null: a Donation's attesting bank, a
// TrustDeposit's custodian (its signer) or the bank that co-signed a Spend or Refund.
Json AttestedByJson(const ledger::ReadView& view, const ledger::TxRecord& tx);
// The Correction that reversed this tx ({id, code, leaf, height, amount_fen, points_reversed, reason}), or null.
Json CorrectedByJson(const ledger::ReadView& view, const Hash256& tx_id);
// Leaves from an activity index, newest first, fetched with limit + 1 to know if more exist:
// {"items": [tx summaries], "next": <leaf to pass as before> | null}.
Json ActivityPage(const ledger::ReadView& view, const std::vector<std::uint64_t>& leaves, std::size_t limit);

struct CategoryName {
  const char* zh;
  const char* en;
};
CategoryName SpendCategoryName(pb::SpendCategory category);

// Names of organisations and accounts, each looked up once per request.
class Names {
 public:
  explicit Names(const ledger::ReadView& view) : view_(view) {}
  // {"org_id", "kind", "name_zh", "name_en"}; an unknown id gives only {"org_id"}.
  const Json& Org(const std::string& org_id);
  // {"account", "type": "org"|"project"|"trust", "id", "name_zh", "name_en", "owner_org"}.
  const Json& Account(const std::string& account);

 private:
  const ledger::ReadView& view_;
  std::map<std::string, Json> orgs_;
  std::map<std::string, Json> accounts_;
};

}  // namespace shanliu::api::internal
