// Donations and their fund-flow traces as JSON (GET /v1/receipts/{code}, GET /v1/trace/{code}).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "views.h"

namespace shanliu::api::internal {

inline constexpr std::size_t kMinCodePrefix = 12;  // the characters printed under the QR code

struct GiftRef {
  Hash256 id{};
  pb::GiftRecord gift;
};

// A 52-character receipt code, a prefix of it (12..51 characters) or a 64-hex tx id naming a
// donation or trust deposit. Errors: invalid_code / invalid_argument (400), not_found (404),
// ambiguous_code (409) with the matching codes in `candidates`.
Result<GiftRef> ResolveGift(const ledger::ReadView& view, std::string_view reference,
                            std::vector<std::string>* candidates);

// The gift record with every field, plus id, code, kind, names of the credited account, the
// recording organisation and the attesting bank, the memo and the refund tx.
Json DonationJson(const ledger::ReadView& view, Names& names, const GiftRef& ref);

// {"account", "amount_fen", "truncated", "totals": {...}, "nodes": [node...]} where a node is
// {"account", "account_name_zh", "account_name_en", "amount_fen", "fate", "tx": {...} | null,
//  "children": [...]} and "tx" describes the outflow (or refund) that decided the node's fate.
Json TraceJson(const ledger::ReadView& view, Names& names, const pb::GiftRecord& gift, std::size_t max_nodes);

// Details of the tx at `leaf` as a trace shows it (kind, date, target names, spend fields).
class OutflowDetails {
 public:
  OutflowDetails(const ledger::ReadView& view, Names& names) : view_(view), names_(names) {}
  const Json& At(std::uint64_t leaf);

 private:
  const ledger::ReadView& view_;
  Names& names_;
  std::map<std::uint64_t, Json> cache_;
};

}  // namespace shanliu::api::internal
