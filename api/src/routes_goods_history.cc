// The goods history of an organisation or project (docs/api.md "Goods history"): donations in,
// transfers in and out, and distributions with their place and GB/T 2260 region, newest first,
// in pages. The organisation and project pages list stock, inflow and the distribution points
// grouped by region from it.
#include <cstdio>

#include "routes.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/goods.h"
#include "shanliu/ledger/goods_report.h"
#include "shanliu/ledger/registry_codes.h"
#include "views.h"

namespace shanliu::api::internal {
namespace {

namespace goods = ledger::goods;

// Leaves of the holder's activity read per request: a page over a busy account whose recent txs
// are all money ends early with a `next_before` cursor rather than reading the whole index.
constexpr std::size_t kMaxScannedLeaves = 2'000;
// Origin pieces read to value one transfer or distribution (a valued amount beyond it is a floor).
constexpr std::size_t kMaxValuePieces = 512;

enum class KindFilter { kAll, kDonation, kTransfer, kDistribution };

Result<KindFilter> ParseKind(const Query& query) {
  const std::string* kind = query.Find("kind");
  if (kind == nullptr) return KindFilter::kAll;
  if (*kind == "goods_donation") return KindFilter::kDonation;
  if (*kind == "goods_transfer") return KindFilter::kTransfer;
  if (*kind == "goods_distribution") return KindFilter::kDistribution;
  return Status::Error("invalid_argument", "kind must be goods_donation, goods_transfer or goods_distribution");
}

bool Wanted(KindFilter filter, const pb::TxBody& body) {
  switch (filter) {
    case KindFilter::kAll:
      return body.has_goods_donation() || body.has_goods_transfer() || body.has_goods_distribution();
    case KindFilter::kDonation: return body.has_goods_donation();
    case KindFilter::kTransfer: return body.has_goods_transfer();
    case KindFilter::kDistribution: return body.has_goods_distribution();
  }
  return false;
}

Json ItemFields(const ledger::ReadView& view, const std::string& code) {
  auto item = goods::FindItem(view.state(), view.genesis(), code);
  if (!item) throw ledger::StorageError("a committed goods tx names an item that is not in the catalogue");
  return Json{{"item_code", code}, {"name_zh", item->name_zh()}, {"name_en", item->name_en()}, {"unit", item->unit()}};
}

// The valued amount of a transfer or distribution, carried from its origin donations.
void AddValue(const ledger::ReadView& view, std::uint64_t leaf, Json& row) {
  auto value = goods::ValueOfOutflow(view.state(), leaf, kMaxValuePieces);
  if (!value.ok()) throw ledger::StorageError("a committed goods outflow has no flow record: " + value.status().message());
  row["value_fen"] = value->value_fen;
  row["value_complete"] = value->complete;
  row["lots"] = value->lots;
}

void AddDonation(const ledger::ReadView& view, const ledger::TxRecord& tx, Json& row) {
  const pb::GoodsDonation& d = tx.body.goods_donation();
  row["direction"] = "in";
  row["item"] = ItemFields(view, d.item_code());
  row["quantity"] = d.quantity();
  row["value_fen"] = d.value_fen();
  row["value_complete"] = true;
  row["lots"] = d.lot_number().empty() ? Json::array() : Json::array({d.lot_number()});
  row["expires_on"] = ledger::goods::IsoDate(d.expires_on());
  row["donor_display_name"] = d.donor_display_name().empty() ? "匿名" : d.donor_display_name();
  row["to_account"] = d.to_account();
  row["notary_org"] = d.notary_org().empty() ? Json(nullptr) : Json(d.notary_org());
}

void AddTransfer(const ledger::ReadView& view, Names& names, const ledger::TxRecord& tx, const std::string& holder,
                 Json& row) {
  const pb::GoodsTransfer& t = tx.body.goods_transfer();
  row["direction"] = t.from_account() == holder ? "out" : "in";
  row["item"] = ItemFields(view, t.item_code());
  row["quantity"] = t.quantity();
  row["from_account"] = t.from_account();
  row["from_name_zh"] = names.Account(t.from_account()).value("name_zh", "");
  row["to_account"] = t.to_account();
  row["to_name_zh"] = names.Account(t.to_account()).value("name_zh", "");
  row["purpose"] = t.purpose();
  AddValue(view, tx.location.leaf(), row);
}

void AddDistribution(const ledger::ReadView& view, const ledger::TxRecord& tx, Json& row) {
  const pb::GoodsDistribution& d = tx.body.goods_distribution();
  auto rec = goods::FindDistribution(view.state(), tx.id);
  if (!rec) throw ledger::StorageError("a committed goods distribution has no record");
  auto region = ledger::RegionName(d.region());
  row["direction"] = "out";
  row["item"] = ItemFields(view, d.item_code());
  row["quantity"] = d.quantity();
  row["from_account"] = d.from_account();
  row["region"] = d.region();
  row["region_name"] = region ? Json(std::string(*region)) : Json(nullptr);
  row["place_name"] = d.place_name();
  row["beneficiary_count"] = d.beneficiary_count();
  row["occurred_at_ms"] = d.occurred_at_ms();
  row["expired_quantity"] = rec->expired_quantity();
  AddValue(view, tx.location.leaf(), row);
}

Json RowJson(const ledger::ReadView& view, Names& names, const ledger::TxRecord& tx, const std::string& holder) {
  Json row = {{"tx_id", crypto::ToHex(tx.id)},
              {"code", ReceiptCode(tx.id)},
              {"leaf", tx.location.leaf()},
              {"height", tx.location.height()},
              {"time_ms", tx.time_ms},
              {"date", ledger::goods::IsoDate(goods::BeijingDate(tx.time_ms))}};
  if (tx.body.has_goods_donation()) {
    row["kind"] = "goods_donation";
    AddDonation(view, tx, row);
  } else if (tx.body.has_goods_transfer()) {
    row["kind"] = "goods_transfer";
    AddTransfer(view, names, tx, holder, row);
  } else {
    row["kind"] = "goods_distribution";
    AddDistribution(view, tx, row);
  }
  return row;
}

// Newest first below `before`, reading at most kMaxScannedLeaves of the holder's activity.
Response HistoryPage(RequestContext& ctx, const std::string& holder) {
  auto before = BeforeLeaf(ctx.query);
  if (!before.ok()) return ErrorResponse(before.status());
  auto limit = QueryLimit(ctx.query, PageSizes::kDefault, PageSizes::kMax);
  if (!limit.ok()) return ErrorResponse(limit.status());
  auto filter = ParseKind(ctx.query);
  if (!filter.ok()) return ErrorResponse(filter.status());
  const ledger::ReadView& view = ctx.view();
  Names names(view);
  Json items = Json::array();
  std::uint64_t cursor = *before;
  std::size_t scanned = 0;
  bool more = true;
  while (items.size() < *limit && scanned < kMaxScannedLeaves) {
    const std::size_t want = std::min<std::size_t>(256, kMaxScannedLeaves - scanned);
    const std::vector<std::uint64_t> leaves = view.AccountActivity(holder, cursor, want);
    for (std::uint64_t leaf : leaves) {
      if (items.size() == *limit) break;
      ++scanned;
      cursor = leaf;
      auto tx = view.TxByLeaf(leaf);
      if (!tx) throw ledger::StorageError("an activity index names a missing log leaf");
      if (Wanted(*filter, tx->body)) items.push_back(RowJson(view, names, *tx, holder));
    }
    if (leaves.size() < want && items.size() < *limit) {
      more = false;
      break;
    }
  }
  // `next_before` continues below the last leaf read; null once the index is exhausted.
  if (more && view.AccountActivity(holder, cursor, 1).empty()) more = false;
  return JsonResponse(Json{{"account", holder},
                           {"items", std::move(items)},
                           {"scanned", scanned},
                           {"next_before", more ? Json(cursor) : Json(nullptr)}});
}

Response GetOrgGoodsHistory(RequestContext& ctx) {
  const std::string& id = ctx.params[0];
  if (!ledger::IsValidId(id)) return ErrorResponse("invalid_argument", "an organisation id matches [a-z0-9-]{3,40}");
  if (!ctx.view().Org(id)) return ErrorResponse("not_found", "no organisation '" + id + "'");
  return HistoryPage(ctx, "org:" + id);
}

Response GetProjectGoodsHistory(RequestContext& ctx) {
  const std::string& id = ctx.params[0];
  if (!ledger::IsValidId(id)) return ErrorResponse("invalid_argument", "a project id matches [a-z0-9-]{3,40}");
  if (!ctx.view().Project(id)) return ErrorResponse("not_found", "no project '" + id + "'");
  return HistoryPage(ctx, "project:" + id);
}

}  // namespace

void AddGoodsHistoryRoutes(Router& router) {
  router.Add({http::verb::get, "/v1/orgs/{id}/goods/history", {"kind", "before", "limit"}, GetOrgGoodsHistory});
  router.Add({http::verb::get, "/v1/projects/{id}/goods/history", {"kind", "before", "limit"}, GetProjectGoodsHistory});
}

}  // namespace shanliu::api::internal
