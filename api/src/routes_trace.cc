#include <cctype>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/goods.h"
#include "shanliu/ledger/json.h"
#include "shanliu/ledger/tx.h"
#include "trace.h"

namespace shanliu::api::internal {
namespace {

namespace flow = ledger::flow;

constexpr std::size_t kCodeLength = 52;
constexpr std::size_t kMaxCandidates = 10;

Status NotAGift(const ledger::ReadView& view, const Hash256& id) {
  if (auto tx = view.TxById(id)) {
    return Status::Error("not_found", "transaction " + ReceiptCode(id) + " is a " + ledger::PayloadKindName(tx->body) +
                                          ", not a donation");
  }
  return Status::Error("not_found", "no donation has this receipt code");
}

void AddTarget(Json& out, Names& names, const std::string& account) {
  const Json& ref = names.Account(account);
  out["to_account"] = account;
  out["to_name_zh"] = ref.value("name_zh", "");
  out["to_name_en"] = ref.value("name_en", "");
  out["to_owner_org"] = ref.value("owner_org", "");
}

struct Totals {
  std::int64_t spent = 0;
  std::int64_t unspent = 0;
  std::int64_t refunded = 0;
  std::int64_t withdrawn = 0;  // a corrected gift, taken out whole by its correction
  std::int64_t untraced = 0;  // moved on (or corrected back), but the trace was cut before following it
};

Json NodeJson(const flow::TraceNode& node, Names& names, OutflowDetails& details, Totals& totals) {
  const Json& account = names.Account(node.account);
  Json out = {
      {"account", node.account},
      {"account_name_zh", account.value("name_zh", "")},
      {"account_name_en", account.value("name_en", "")},
      {"amount_fen", node.amount_fen},
      {"fate", flow::FateName(node.fate)},
      {"tx", node.fate == flow::Fate::kUnspent ? Json(nullptr) : details.At(node.tx)},
  };
  Json children = Json::array();
  for (const flow::TraceNode& child : node.children) children.push_back(NodeJson(child, names, details, totals));
  switch (node.fate) {
    case flow::Fate::kSpent: totals.spent += node.amount_fen; break;
    case flow::Fate::kUnspent: totals.unspent += node.amount_fen; break;
    case flow::Fate::kRefunded: totals.refunded += node.amount_fen; break;
    case flow::Fate::kWithdrawn: totals.withdrawn += node.amount_fen; break;
    case flow::Fate::kMovedOn:
    case flow::Fate::kCorrected:
      if (node.children.empty()) totals.untraced += node.amount_fen;
      break;
  }
  out["children"] = std::move(children);
  return out;
}

}  // namespace

Result<GiftRef> ResolveGift(const ledger::ReadView& view, std::string_view reference,
                            std::vector<std::string>* candidates, GiftKinds kinds) {
  std::string ref(reference);
  for (char& c : ref) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  GiftRef out;
  if (ref.size() == 64 || ref.size() == kCodeLength) {
    auto id = ParseTxId(ref);
    if (!id.ok()) return id.status();
    out.id = *id;
  } else {
    if (ref.size() < kMinCodePrefix || ref.size() > kCodeLength) {
      return Status::Error("invalid_code", "a receipt code has 52 characters; a prefix needs at least " +
                                               std::to_string(kMinCodePrefix));
    }
    auto ids = view.TxIdsByCodePrefix(ref, 4 * kMaxCandidates);
    if (!ids.ok()) return ids.status();
    std::vector<GiftRef> gifts;
    for (const Hash256& id : *ids) {
      if (auto gift = view.Gift(id)) {
        gifts.push_back({id, *gift, std::nullopt});
      } else if (kinds == GiftKinds::kMoneyOrGoods) {
        if (auto goods = ledger::goods::FindGift(view.state(), id)) gifts.push_back({id, {}, *goods});
      }
    }
    if (gifts.empty()) return Status::Error("not_found", "no donation has a receipt code starting with " + ref);
    if (gifts.size() > 1) {
      for (std::size_t i = 0; i < gifts.size() && i < kMaxCandidates; ++i) {
        candidates->push_back(ReceiptCode(gifts[i].id));
      }
      return Status::Error("ambiguous_code", "more than one donation has a receipt code starting with " + ref +
                                                 "; use more characters");
    }
    return gifts.front();
  }
  if (auto gift = view.Gift(out.id)) {
    out.gift = *gift;
    return out;
  }
  if (kinds == GiftKinds::kMoneyOrGoods) {
    if (auto goods = ledger::goods::FindGift(view.state(), out.id)) {
      out.goods = *goods;
      return out;
    }
  }
  return NotAGift(view, out.id);
}

Json DonationJson(const ledger::ReadView& view, Names& names, const GiftRef& ref) {
  const pb::GiftRecord& g = ref.gift;
  Json d = RecordJson(g);
  d["id"] = Hex(ref.id);
  d["code"] = ReceiptCode(ref.id);
  d["kind"] = g.trust_deposit() ? "trust_deposit" : "donation";
  d["restricted"] = g.account().starts_with("project:");
  d["anonymous"] = g.donor_display_name().empty();
  d["to"] = names.Account(g.account());
  d["recorded_by_org"] = names.Org(g.recorded_by());
  d["attesting_bank_org"] = g.attesting_bank().empty() ? Json(nullptr) : names.Org(g.attesting_bank());
  d["memo"] = "";
  if (auto tx = view.TxById(ref.id); tx && tx->body.has_donation()) d["memo"] = tx->body.donation().memo();
  d["refund_tx"] = nullptr;
  if (g.refund_leaf() != 0 || g.refunded_fen() != 0) {
    if (auto refund = view.TxByLeaf(g.refund_leaf())) d["refund_tx"] = Hex(refund->id);
  }
  d["corrected_by"] = CorrectedByJson(view, ref.id);
  return d;
}

Json TraceJson(const ledger::ReadView& view, Names& names, const pb::GiftRecord& gift, std::size_t max_nodes) {
  flow::TraceLimits limits;
  limits.max_nodes = max_nodes;
  const flow::Trace trace = flow::TraceForward(view.state(), gift.account(), gift.interval_start(), gift.amount_fen(), limits);
  OutflowDetails details(view, names);
  Totals totals;
  Json nodes = Json::array();
  for (const flow::TraceNode& root : trace.roots) nodes.push_back(NodeJson(root, names, details, totals));
  return Json{
      {"account", gift.account()},
      {"amount_fen", gift.amount_fen()},
      {"truncated", trace.truncated},
      {"totals",
       {{"spent_fen", totals.spent},
        {"unspent_fen", totals.unspent},
        {"refunded_fen", totals.refunded},
        {"withdrawn_fen", totals.withdrawn},
        {"untraced_fen", totals.untraced}}},
      {"nodes", std::move(nodes)},
  };
}

const Json& OutflowDetails::At(std::uint64_t leaf) {
  auto it = cache_.find(leaf);
  if (it != cache_.end()) return it->second;
  auto tx = view_.TxByLeaf(leaf);
  if (!tx) throw ledger::StorageError("a fund-flow record names a missing log leaf");
  const pb::TxBody& body = tx->body;
  Json out = {
      {"id", Hex(tx->id)},
      {"code", ReceiptCode(tx->id)},
      {"leaf", leaf},
      {"height", tx->location.height()},
      {"time_ms", tx->time_ms},
      {"kind", ledger::PayloadKindName(body)},
      {"attested_by", AttestedByJson(view_, *tx)},
  };
  if (body.has_transfer()) {
    const pb::Transfer& t = body.transfer();
    out["from_account"] = t.from_account();
    AddTarget(out, names_, t.to_account());
    out["amount_fen"] = t.amount_fen();
    out["purpose"] = t.purpose();
  } else if (body.has_trust_disbursement()) {
    const pb::TrustDisbursement& t = body.trust_disbursement();
    out["from_account"] = "trust:" + t.trust_id();
    AddTarget(out, names_, t.to_account());
    out["amount_fen"] = t.amount_fen();
    out["purpose"] = t.purpose();
  } else if (body.has_spend()) {
    const pb::Spend& s = body.spend();
    const CategoryName category = SpendCategoryName(s.category());
    out["from_account"] = s.from_account();
    out["amount_fen"] = s.amount_fen();
    out["category"] = ledger::EnumValueName(pb::SpendCategory_descriptor()->FindValueByNumber(s.category()));
    out["category_name_zh"] = category.zh;
    out["category_name_en"] = category.en;
    out["payee_kind"] = ledger::EnumValueName(pb::PayeeKind_descriptor()->FindValueByNumber(s.payee_kind()));
    out["payee_name"] = s.payee_name();
    out["beneficiary_count"] = s.beneficiary_count();
    out["invoice_hash"] = Hex(s.invoice_hash());
    out["description"] = s.description();
    out["occurred_at_ms"] = s.occurred_at_ms();
    out["sources"] = "/v1/spends/" + Hex(tx->id) + "/sources";
  } else if (body.has_refund()) {
    out["donation_tx_id"] = Hex(body.refund().donation_tx_id());
    out["reason"] = body.refund().reason();
  } else if (body.has_correction()) {
    out["corrects"] = Hex(body.correction().corrected_tx_id());
    out["reason"] = body.correction().reason();
  }
  out["corrected_by"] = CorrectedByJson(view_, tx->id);
  return cache_.emplace(leaf, std::move(out)).first->second;
}

}  // namespace shanliu::api::internal
