// In-kind goods (物资): the item catalogue, stock by item of an organisation or project, and a
// goods donation's trace in units of its item — what the receipt page turns into "您捐赠的
// 1,000 只口罩：600 只已发放至 XX 医院（2026-12-06），400 只在 XX 仓库" (docs/api.md).
#include <cstdio>

#include "routes.h"
#include "trace.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/flow.h"
#include "shanliu/ledger/goods.h"
#include "shanliu/ledger/goods_report.h"
#include "shanliu/ledger/registry_codes.h"
#include "views.h"

namespace shanliu::api::internal {
namespace {

namespace flow = ledger::flow;
namespace goods = ledger::goods;

// A trace larger than this is cut (truncated: true), as money traces are.
constexpr std::size_t kMaxTraceNodes = 2000;
// Inflows read to value one item's held stock (held_value_complete: false beyond).
constexpr std::size_t kMaxValuedInflows = 200;

Json ItemJson(const pb::GoodsItem& item) {
  return Json{{"item_code", item.item_code()},
              {"name_zh", item.name_zh()},
              {"name_en", item.name_en()},
              {"unit", item.unit()},
              {"category", goods::CategoryName(item.category())},
              {"category_zh", goods::CategoryNameZh(item.category())},
              {"perishable", item.perishable()}};
}

Response GetItems(RequestContext& ctx) {
  const ledger::ReadView& view = ctx.view();
  Json items = Json::array();
  for (const goods::CatalogueEntry& e : goods::Catalogue(view.state(), view.genesis())) {
    Json item = ItemJson(e.item);
    item["source"] = e.registered ? "registered" : "genesis";
    item["registered_by"] = e.registered ? Json(e.registered_by) : Json(nullptr);
    items.push_back(std::move(item));
  }
  return JsonResponse(Json{{"items", std::move(items)}});
}

// Stock by item of one holding account; items never held are left out.
Json StockJson(const ledger::ReadView& view, const std::string& holder) {
  Json items = Json::array();
  for (const auto& [code, units] : goods::Holdings(view.state(), holder)) {
    const std::string account = *goods::AccountFor(holder, code);
    const flow::AccountFlow f = flow::GetAccount(view.state(), account);
    auto item = goods::FindItem(view.state(), view.genesis(), code);
    if (!item) throw ledger::StorageError("a goods account names an item that is not in the catalogue");
    Json row = ItemJson(*item);
    row["account"] = account;
    row["held"] = units;
    row["donated"] = f.inflow_fen;
    row["received"] = f.received_fen;
    row["transferred_out"] = f.sent_fen;
    row["distributed"] = f.spent_fen;
    // A report figure for the page, never added to cash (docs/api.md).
    const goods::HeldValue held_value = goods::ValueOfHoldings(view.state(), account, kMaxValuedInflows);
    row["held_value_fen"] = held_value.value_fen;
    row["held_value_complete"] = held_value.complete;
    items.push_back(std::move(row));
  }
  return Json{{"account", holder}, {"items", std::move(items)}};
}

Response GetOrgGoods(RequestContext& ctx) {
  if (!ctx.view().Org(ctx.params[0])) return ErrorResponse("not_found", "no organisation '" + ctx.params[0] + "'");
  return JsonResponse(StockJson(ctx.view(), "org:" + ctx.params[0]));
}

Response GetProjectGoods(RequestContext& ctx) {
  if (!ctx.view().Project(ctx.params[0])) return ErrorResponse("not_found", "no project '" + ctx.params[0] + "'");
  return JsonResponse(StockJson(ctx.view(), "project:" + ctx.params[0]));
}

// The tx that decided a node's fate: a goods transfer (to whom) or a distribution (where).
Json OutflowJson(const ledger::ReadView& view, Names& names, std::uint64_t leaf) {
  auto tx = view.TxByLeaf(leaf);
  if (!tx) throw ledger::StorageError("a goods trace names a missing log leaf");
  Json out = {{"tx_id", crypto::ToHex(tx->id)},
              {"leaf", leaf},
              {"height", tx->location.height()},
              {"time_ms", tx->time_ms},
              {"date", ledger::goods::IsoDate(goods::BeijingDate(tx->time_ms))}};
  if (tx->body.has_goods_distribution()) {
    const pb::GoodsDistribution& d = tx->body.goods_distribution();
    auto region = ledger::RegionName(d.region());
    auto rec = goods::FindDistribution(view.state(), tx->id);
    if (!rec) throw ledger::StorageError("a committed goods distribution has no record");
    out["kind"] = "goods_distribution";
    out["place_name"] = d.place_name();
    out["region"] = d.region();
    out["region_name"] = region ? Json(std::string(*region)) : Json(nullptr);
    out["beneficiary_count"] = d.beneficiary_count();
    out["evidence_hash"] = d.evidence_hash().empty() ? Json(nullptr) : Json(Hex(d.evidence_hash()));
    out["occurred_at_ms"] = d.occurred_at_ms();
    out["expired_quantity"] = rec->expired_quantity();
  } else if (tx->body.has_goods_transfer()) {
    const pb::GoodsTransfer& t = tx->body.goods_transfer();
    out["kind"] = "goods_transfer";
    out["to_account"] = t.to_account();
    out["to_name_zh"] = names.Account(t.to_account()).value("name_zh", "");
    out["purpose"] = t.purpose();
  } else {
    throw ledger::StorageError("a goods stream names an outflow that is not a goods tx");
  }
  return out;
}

struct GoodsTotals {
  std::uint64_t distributed = 0;
  std::uint64_t held = 0;
  std::uint64_t untraced = 0;  // moved on, but the trace was cut before following it
};

Json NodeJson(const ledger::ReadView& view, Names& names, const flow::TraceNode& node, GoodsTotals& totals) {
  const std::string holder = goods::HolderOf(node.account);
  const Json& ref = names.Account(holder);
  const auto units = static_cast<std::uint64_t>(node.amount_fen);
  Json out = {{"account", node.account},
              {"holder", holder},
              {"holder_name_zh", ref.value("name_zh", "")},
              {"holder_name_en", ref.value("name_en", "")},
              {"quantity", units},
              {"fate", node.fate == flow::Fate::kSpent ? "distributed" : flow::FateName(node.fate)},
              {"tx", node.fate == flow::Fate::kUnspent ? Json(nullptr) : OutflowJson(view, names, node.tx)}};
  Json children = Json::array();
  for (const flow::TraceNode& child : node.children) children.push_back(NodeJson(view, names, child, totals));
  if (node.fate == flow::Fate::kSpent) totals.distributed += units;
  if (node.fate == flow::Fate::kUnspent) totals.held += units;
  if (node.fate == flow::Fate::kMovedOn && node.children.empty()) totals.untraced += units;
  out["children"] = std::move(children);
  return out;
}

Response GetGoodsTrace(RequestContext& ctx) {
  auto id = ParseTxId(ctx.params[0]);
  if (!id.ok()) return ErrorResponse(id.status());
  const ledger::ReadView& view = ctx.view();
  auto gift = goods::FindGift(view.state(), *id);
  if (!gift) return ErrorResponse("not_found", "no goods donation has this id or receipt code");
  Names names(view);
  return JsonResponse(GoodsTraceJson(view, names, *id, *gift, kMaxTraceNodes));
}

}  // namespace

Json GoodsTraceJson(const ledger::ReadView& view, Names& names, const Hash256& id, const pb::GoodsGiftRecord& gift,
                    std::size_t max_nodes) {
  auto item = goods::FindItem(view.state(), view.genesis(), gift.item_code());
  if (!item) throw ledger::StorageError("a goods donation names an item that is not in the catalogue");
  const flow::Trace trace = flow::TraceForward(view.state(), gift.account(), gift.interval_start(),
                                               static_cast<std::int64_t>(gift.quantity()), flow::TraceLimits{max_nodes});
  GoodsTotals totals;
  Json nodes = Json::array();
  for (const flow::TraceNode& root : trace.roots) nodes.push_back(NodeJson(view, names, root, totals));
  const std::string holder = goods::HolderOf(gift.account());
  return Json{
      {"id", Hex(id)},
      {"code", ReceiptCode(id)},
      {"item", ItemJson(*item)},
      {"quantity", gift.quantity()},
      {"value_fen", gift.value_fen()},
      {"lot_number", gift.lot_number()},
      {"expires_on", ledger::goods::IsoDate(gift.expires_on())},
      {"donor_display_name", gift.donor_display_name().empty() ? "匿名" : gift.donor_display_name()},
      {"account", gift.account()},
      {"holder", holder},
      {"holder_name_zh", names.Account(holder).value("name_zh", "")},
      {"recorded_by", gift.recorded_by()},
      {"notary_org", gift.notary_org().empty() ? Json(nullptr) : Json(gift.notary_org())},
      {"height", gift.height()},
      {"time_ms", gift.time_ms()},
      {"truncated", trace.truncated},
      {"totals", {{"distributed", totals.distributed}, {"held", totals.held}, {"untraced", totals.untraced}}},
      {"nodes", std::move(nodes)},
  };
}

void AddGoodsRoutes(Router& router) {
  router.Add({http::verb::get, "/v1/goods/items", {}, GetItems});
  router.Add({http::verb::get, "/v1/goods/{id}/trace", {}, GetGoodsTrace});
  router.Add({http::verb::get, "/v1/orgs/{id}/goods", {}, GetOrgGoods});
  router.Add({http::verb::get, "/v1/projects/{id}/goods", {}, GetProjectGoods});
}

}  // namespace shanliu::api::internal
