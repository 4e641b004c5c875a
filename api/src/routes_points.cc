// Charity points and banked volunteer minutes (时间银行) of one holder key: balances, totals and the
// history of earning, spending, exchanging, revoking and moving.
#include "holder_history.h"
#include <algorithm>

#include "routes.h"
#include "shanliu/ledger/points_expiry.h"
#include "views.h"

namespace shanliu::api::internal {
namespace {

// One history entry of a holder: what the tx at `tx` did to the holder's points and banked
// minutes, as the rules computed them. `entry` is earned, spent, exchanged, revoked, moved_in
// or moved_out (docs/api.md).
struct Delta {
  const char* entry = "other";
  std::int64_t points = 0;
  std::int64_t minutes = 0;
};

std::int64_t Signed(std::uint64_t v) { return static_cast<std::int64_t>(v); }

Delta MoveDelta(const ledger::ReadView& view, const ledger::TxRecord& tx, ByteView holder) {
  const pb::MovePoints& m = tx.body.move_points();
  auto moved = view.PointsMove(tx.id);
  if (!moved) throw ledger::StorageError("a committed MovePoints has no r/m/ row");
  const std::int64_t sign = ToString(holder) == m.from_holder() ? -1 : 1;
  return {sign < 0 ? "moved_out" : "moved_in", sign * Signed(moved->points()), sign * Signed(moved->minutes())};
}

Delta HolderDelta(const ledger::ReadView& view, const ledger::TxRecord& tx, ByteView holder) {
  const pb::TxBody& body = tx.body;
  if (body.has_donation()) {
    auto gift = view.Gift(tx.id);
    return {"earned", gift ? Signed(gift->points_earned()) : 0, 0};
  }
  if (body.has_volunteer_service()) {
    const std::uint64_t per_hour = view.genesis().params.volunteer_points_per_hour;
    const std::uint32_t minutes = body.volunteer_service().minutes();
    return {"earned", Signed(std::uint64_t{minutes} * per_hour / 60), Signed(minutes)};
  }
  if (body.has_redeem_points()) return {"spent", -Signed(body.redeem_points().points()), 0};
  if (body.has_service_exchange()) {
    const pb::ServiceExchange& e = body.service_exchange();
    if (e.points() > 0) return {"exchanged", -Signed(e.points()), 0};
    return {"spent", 0, -Signed(e.minutes())};
  }
  if (body.has_refund()) {
    auto gift = view.Gift(HashFromBytes(body.refund().donation_tx_id()));
    return {"revoked", gift ? -Signed(gift->points_revoked()) : 0, 0};
  }
  if (body.has_correction()) {
    auto link = view.CorrectedBy(HashFromBytes(body.correction().corrected_tx_id()));
    return {"revoked", link ? -Signed(link->points_reversed()) : 0, 0};
  }
  if (body.has_move_points()) return MoveDelta(view, tx, holder);
  return {};
}

// The holder's own honour-list name (null: not on the list), so the wallet can show and change it.
Json HonourNameJson(const ledger::ReadView& view, const Hash256& holder) {
  auto name = view.HonourName(holder);
  return name ? Json(name->display_name()) : Json(nullptr);
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
  // As of the head block: lots already due count as expired even before the holder's next tx
  // takes them off the stored balance, so the balance shown is what a redemption can spend.
  const ledger::PointsExpiryState expiry =
      ledger::ReadPointsExpiry(view.state(), view.genesis().params, *holder, view.head().time_ms());
  Json expiring = Json::array();
  for (const ledger::ExpiringLot& lot : expiry.lots) {
    expiring.push_back({{"points", lot.points}, {"earned_at_ms", lot.earned_at_ms}, {"expires_at_ms", lot.expires_at_ms}});
  }
  const std::vector<std::uint64_t> leaves = view.HolderActivity(*holder, *before, *limit + 1);
  Json items = Json::array();
  Names names(view);
  for (std::size_t i = 0; i < leaves.size() && i < *limit; ++i) {
    auto tx = view.TxByLeaf(leaves[i]);
    if (!tx) throw ledger::StorageError("a holder index names a missing log leaf");
    // Amounts and counterparties only: never a gift's donor name or memo (holder_history.h).
    Json item = HolderTxJson(*tx, names);
    const Delta delta = HolderDelta(view, *tx, *holder);
    item["entry"] = delta.entry;
    item["points"] = delta.points;
    item["minutes"] = delta.minutes;
    items.push_back(std::move(item));
  }
  return JsonResponse(Json{
      {"holder", Hex(*holder)},
      {"balance", record.balance() - std::min(expiry.lapsed_points, record.balance())},
      {"earned", record.earned()},
      {"redeemed", record.redeemed()},
      {"shortfall", record.shortfall()},
      {"revoked", record.revoked()},
      {"points_exchanged", record.points_exchanged()},
      {"points_moved_in", record.points_moved_in()},
      {"points_moved_out", record.points_moved_out()},
      {"expired", expiry.expired_points},
      {"points_expiry_years", view.genesis().params.points_expiry_years},
      {"expiring", std::move(expiring)},
      {"minutes", {{"balance", record.minutes_balance()},
                   {"earned", record.minutes_earned()},
                   {"spent", record.minutes_spent()},
                   {"moved_in", record.minutes_moved_in()},
                   {"moved_out", record.minutes_moved_out()}}},
      {"moved_to", record.moved_to().empty() ? Json(nullptr) : Json(Hex(record.moved_to()))},
      {"honour_name", HonourNameJson(view, *holder)},
      {"history", {{"items", std::move(items)}, {"next", leaves.size() > *limit ? Json(leaves[*limit - 1]) : Json(nullptr)}}},
  });
}

}  // namespace

void AddPointsRoutes(Router& router) {
  router.Add({http::verb::get, "/v1/points/{holder}", {"before", "limit"}, GetPoints});
}

}  // namespace shanliu::api::internal
