// Donations and their fund-flow traces as JSON (GET /v1/receipts/{code}, GET /v1/trace/{code}).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "views.h"

namespace shanliu::api::internal {

inline constexpr std::size_t kMinCodePrefix = 12;  // the characters printed under the QR code

struct GiftRef {
  Hash256 id{};
  pb::GiftRecord gift;                       // a donation or trust deposit (empty for goods)
  std::optional<pb::GoodsGiftRecord> goods;  // a goods donation (resolved only with kMoneyOrGoods)
};

// Which gifts a receipt code may name: the receipt, its QR code and GET /v1/trace/{code} take
// goods donations too; the routes that read money figures (streams, feeds) only money gifts.
enum class GiftKinds { kMoney, kMoneyOrGoods };

// A 52-character receipt code, a prefix of it (12..51 characters) or a 64-hex tx id naming a
// donation or trust deposit (or, with kMoneyOrGoods, a goods donation). Errors: invalid_code /
// invalid_argument (400), not_found (404), ambiguous_code (409) with the matching codes in
// `candidates`.
Result<GiftRef> ResolveGift(const ledger::ReadView& view, std::string_view reference,
                            std::vector<std::string>* candidates, GiftKinds kinds = GiftKinds::kMoney);

// A goods donation and its trace in units of its item (GET /v1/goods/{id}/trace, and "goods" in
// GET /v1/receipts/{code}): at most `max_nodes` nodes, truncated as money traces are.
Json GoodsTraceJson(const ledger::ReadView& view, Names& names, const Hash256& id, const pb::GoodsGiftRecord& gift,
                    std::size_t max_nodes);

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
