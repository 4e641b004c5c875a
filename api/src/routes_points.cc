// Charity points of one holder key: balance, totals and the history of earning and redeeming.
#include "routes.h"
#include "views.h"

namespace shanliu::api::internal {
namespace {

// Points the tx at `tx` moved for `holder` (+ earned, - redeemed), as the rules computed them.
std::int64_t PointsDelta(const ledger::ReadView& view, const ledger::TxRecord& tx) {
  const pb::TxBody& body = tx.body;
  if (body.has_donation()) {
    auto gift = view.Gift(tx.id);
    return gift ? static_cast<std::int64_t>(gift->points_earned()) : 0;
  }
  if (body.has_volunteer_service()) {
    const std::uint64_t per_hour = view.genesis().params.volunteer_points_per_hour;
    return static_cast<std::int64_t>(std::uint64_t{body.volunteer_service().minutes()} * per_hour / 60);
  }
  if (body.has_redeem_points()) return -static_cast<std::int64_t>(body.redeem_points().points());
  return 0;
}

Response GetPoints(RequestContext& ctx) {
  auto holder = ParseKey(ctx.params[0], "holder");
  if (!holder.ok()) return ErrorResponse(holder.status());
  auto before = BeforeLeaf(ctx.query);
  if (!before.ok()) return ErrorResponse(before.status());
  auto limit = QueryLimit(ctx.query, PageSizes::kDefault, PageSizes::kMax);
  if (!limit.ok()) return ErrorResponse(limit.status());
  const ledger::ReadView& view = ctx.view();
  // A key that never earned anything simply has none: answer zeros, not 404.
  const pb::PointsRecord record = view.Points(*holder).value_or(pb::PointsRecord());
  const std::vector<std::uint64_t> leaves = view.HolderActivity(*holder, *before, *limit + 1);
  Json items = Json::array();
  for (std::size_t i = 0; i < leaves.size() && i < *limit; ++i) {
    auto tx = view.TxByLeaf(leaves[i]);
    if (!tx) throw ledger::StorageError("a holder index names a missing log leaf");
    Json item = TxSummaryJson(*tx);
    item["points"] = PointsDelta(view, *tx);
    items.push_back(std::move(item));
  }
  return JsonResponse(Json{
      {"holder", Hex(*holder)},
      {"balance", record.balance()},
      {"earned", record.earned()},
      {"redeemed", record.redeemed()},
      {"history", {{"items", std::move(items)}, {"next", leaves.size() > *limit ? Json(leaves[*limit - 1]) : Json(nullptr)}}},
  });
}

}  // namespace

void AddPointsRoutes(Router& router) {
  router.Add({http::verb::get, "/v1/points/{holder}", {"before", "limit"}, GetPoints});
}

}  // namespace shanliu::api::internal
