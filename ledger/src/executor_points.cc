// Charity points (慈善积分): earned by donating and volunteering, burned at partner merchants.
// Points never convert into money on the ledger.
#include "executor_internal.h"

namespace shanliu::ledger::internal {

Status Applier::CreditPoints(const std::string& holder, std::uint64_t points) {
  pb::PointsRecord rec = keys::Load<pb::PointsRecord>(view_, keys::Points(holder)).value_or(pb::PointsRecord());
  std::uint64_t balance = rec.balance();
  std::uint64_t earned = rec.earned();
  if (!AddChecked(balance, points) || !AddChecked(earned, points)) {
    return Fail("overflow", "the holder's points would overflow");
  }
  rec.set_balance(balance);
  rec.set_earned(earned);
  keys::Store(view_, keys::Points(holder), rec);
  view_.Put(keys::HolderActivity(holder, ctx_.leaf), "");
  return UpdateStats([&](pb::ChainStats& s) {
    s.set_points_issued(AddCount(s.points_issued(), points));
    return true;
  });
}

Status Applier::TakeBackPoints(const std::string& holder, std::uint64_t points) {
  pb::PointsRecord rec = keys::Load<pb::PointsRecord>(view_, keys::Points(holder)).value_or(pb::PointsRecord());
  if (rec.balance() < points || rec.earned() < points) {
    return Fail("points_redeemed", "the donation earned " + std::to_string(points) + " points and its holder has " +
                                       std::to_string(rec.balance()) +
                                       " left: points already redeemed cannot be taken back, so this donation "
                                       "cannot be corrected");
  }
  rec.set_balance(rec.balance() - points);
  rec.set_earned(rec.earned() - points);
  keys::Store(view_, keys::Points(holder), rec);
  view_.Put(keys::HolderActivity(holder, ctx_.leaf), "");
  return UpdateStats([&](pb::ChainStats& s) {
    std::uint64_t issued = s.points_issued();
    if (!TakeFromCount(issued, points)) return false;
    s.set_points_issued(issued);
    return true;
  });
}

Status Applier::VolunteerService(const pb::VolunteerService& p) {
  auto charity = GetActiveOrg(p.charity_org());
  if (!charity.ok()) return charity.status();
  SHANLIU_RETURN_IF_ERROR(
      RequireKind(*charity, {pb::ORG_KIND_CHARITY, pb::ORG_KIND_FEDERATION}, "an organiser of volunteer service"));
  SHANLIU_RETURN_IF_ERROR(RequireSignedBy(*charity, "the organising charity"));
  const std::uint64_t points = std::uint64_t{p.minutes()} * genesis_.params.volunteer_points_per_hour / 60;
  if (points == 0) {
    return Fail("too_small", "the service is too short to earn a whole point at " +
                                 std::to_string(genesis_.params.volunteer_points_per_hour) + " points per hour");
  }
  SHANLIU_RETURN_IF_ERROR(CreditPoints(p.holder(), points));
  IndexOrg(p.charity_org());
  return UpdateStats([&](pb::ChainStats& s) {
    s.set_volunteer_minutes(AddCount(s.volunteer_minutes(), p.minutes()));
    return true;
  });
}

Status Applier::RedeemPoints(const pb::RedeemPoints& p) {
  auto merchant = GetActiveOrg(p.merchant_org());
  if (!merchant.ok()) return merchant.status();
  SHANLIU_RETURN_IF_ERROR(RequireKind(*merchant, {pb::ORG_KIND_MERCHANT}, "a points merchant"));
  SHANLIU_RETURN_IF_ERROR(RequireSignedBy(*merchant, "the merchant"));
  crypto::PublicKey holder;
  std::copy(p.holder().begin(), p.holder().end(), holder.begin());
  if (!tx_.SignedBy(holder)) return Fail("wrong_signer", "a redemption must be signed by the points holder");
  auto rec = keys::Load<pb::PointsRecord>(view_, keys::Points(p.holder()));
  const std::uint64_t balance = rec ? rec->balance() : 0;
  if (balance < p.points()) {
    return Fail("insufficient_points", "the holder has " + std::to_string(balance) + " points; " +
                                           std::to_string(p.points()) + " were asked for");
  }
  rec->set_balance(balance - p.points());
  rec->set_redeemed(rec->redeemed() + p.points());
  keys::Store(view_, keys::Points(p.holder()), *rec);
  view_.Put(keys::HolderActivity(p.holder(), ctx_.leaf), "");
  IndexOrg(p.merchant_org());
  return UpdateStats([&](pb::ChainStats& s) {
    s.set_points_redeemed(AddCount(s.points_redeemed(), p.points()));
    return true;
  });
}

}  // namespace shanliu::ledger::internal
