// Charity points (慈善积分): earned by donating and volunteering, burned at partner merchants.
// Points never convert into money on the ledger.
#include <algorithm>
#include <cassert>

#include "executor_internal.h"

namespace shanliu::ledger::internal {

Status Applier::CreditPoints(const std::string& holder, std::uint64_t points) {
  pb::PointsRecord rec = keys::Load<pb::PointsRecord>(view_, keys::Points(holder)).value_or(pb::PointsRecord());
  SweepExpiredPoints(holder, rec);
  // Points a refund could not take back are settled first from what is earned later.
  const std::uint64_t settled = std::min(rec.shortfall(), points);
  std::uint64_t balance = rec.balance();
  std::uint64_t earned = rec.earned();
  if (!AddChecked(balance, points - settled) || !AddChecked(earned, points)) {
    return Fail("overflow", "the holder's points would overflow");
  }
  rec.set_balance(balance);
  rec.set_earned(earned);
  rec.set_shortfall(rec.shortfall() - settled);
  AddPointsLot(holder, points - settled);
  keys::Store(view_, keys::Points(holder), rec);
  view_.Put(keys::HolderActivity(holder, ctx_.leaf), "");
  AddHonourYear(holder, points, 0, 0);
  return UpdateStats([&](pb::ChainStats& s) {
    s.set_points_issued(AddCount(s.points_issued(), points));
    return true;
  });
}

Status Applier::RevokePoints(const std::string& holder, std::uint64_t points) {
  assert(points > 0);
  pb::PointsRecord rec = keys::Load<pb::PointsRecord>(view_, keys::Points(holder)).value_or(pb::PointsRecord());
  SweepExpiredPoints(holder, rec);
  const std::uint64_t taken = std::min(rec.balance(), points);
  std::uint64_t shortfall = rec.shortfall();
  std::uint64_t revoked = rec.revoked();
  if (!AddChecked(shortfall, points - taken) || !AddChecked(revoked, points)) {
    return Fail("overflow", "the holder's revoked points would overflow");
  }
  rec.set_balance(rec.balance() - taken);
  TakeFromLots(holder, taken, LotOrder::kNewestFirst);
  rec.set_shortfall(shortfall);
  rec.set_revoked(revoked);
  keys::Store(view_, keys::Points(holder), rec);
  view_.Put(keys::HolderActivity(holder, ctx_.leaf), "");
  AddHonourYear(holder, 0, points, 0);
  return Status::Ok();
}

Status Applier::TakeBackPoints(const std::string& holder, std::uint64_t points) {
  pb::PointsRecord rec = keys::Load<pb::PointsRecord>(view_, keys::Points(holder)).value_or(pb::PointsRecord());
  SweepExpiredPoints(holder, rec);
  if (rec.balance() < points || rec.earned() < points) {
    return Fail("points_redeemed", "the donation earned " + std::to_string(points) + " points and its holder has " +
                                       std::to_string(rec.balance()) +
                                       " left: points already redeemed cannot be taken back, so this donation "
                                       "cannot be corrected");
  }
  rec.set_balance(rec.balance() - points);
  TakeFromLots(holder, points, LotOrder::kNewestFirst);
  rec.set_earned(rec.earned() - points);
  keys::Store(view_, keys::Points(holder), rec);
  view_.Put(keys::HolderActivity(holder, ctx_.leaf), "");
  AddHonourYear(holder, 0, points, 0);
  return UpdateStats([&](pb::ChainStats& s) {
    std::uint64_t issued = s.points_issued();
    if (!TakeFromCount(issued, points)) return false;
    s.set_points_issued(issued);
    return true;
  });
}

// China Standard Time (UTC+8, no daylight saving): the day a resident means by "that day".
constexpr std::uint64_t kDayMs = 86'400'000;
constexpr std::uint64_t kChinaOffsetMs = 8 * 3'600'000;

// When and how much: service dated within the genesis window before the block (never after it),
// and at most volunteer_max_minutes_per_day credited to one holder per day.
Status Applier::CheckVolunteerDay(const pb::VolunteerService& p) {
  const GenesisParams& g = genesis_.params;
  if (p.occurred_at_ms() > ctx_.time_ms) {
    return Fail("service_in_future", "the service is dated after the block that records it");
  }
  if (ctx_.time_ms - p.occurred_at_ms() > g.volunteer_max_age_ms) {
    return Fail("service_too_old", "service is recorded at most " + std::to_string(g.volunteer_max_age_ms / kDayMs) +
                                       " days after it happened");
  }
  const std::uint64_t day = (p.occurred_at_ms() + kChinaOffsetMs) / kDayMs;
  pb::VolunteerDay credited =
      keys::Load<pb::VolunteerDay>(view_, keys::VolunteerDay(p.holder(), day)).value_or(pb::VolunteerDay());
  if (std::uint64_t{credited.minutes()} + p.minutes() > g.volunteer_max_minutes_per_day) {
    return Fail("over_daily_cap", "the volunteer already has " + std::to_string(credited.minutes()) +
                                      " minutes that day; at most " + std::to_string(g.volunteer_max_minutes_per_day) +
                                      " are credited per day");
  }
  credited.set_minutes(credited.minutes() + p.minutes());
  keys::Store(view_, keys::VolunteerDay(p.holder(), day), credited);
  return Status::Ok();
}

Status Applier::VolunteerService(const pb::VolunteerService& p) {
  auto charity = GetActiveOrg(p.charity_org());
  if (!charity.ok()) return charity.status();
  SHANLIU_RETURN_IF_ERROR(
      RequireKind(*charity, {pb::ORG_KIND_CHARITY, pb::ORG_KIND_FEDERATION}, "an organiser of volunteer service"));
  SHANLIU_RETURN_IF_ERROR(RequireSignedBy(*charity, "the organising charity"));
  // The volunteer confirms the record with the wallet's key: no charity can credit a key alone,
  // and no organisation can credit points to a key of its own (or of any organisation).
  crypto::PublicKey holder;
  std::copy(p.holder().begin(), p.holder().end(), holder.begin());
  if (!tx_.SignedBy(holder)) {
    return Fail("wrong_signer", "volunteer service must be co-signed by the volunteer's wallet key (the holder)");
  }
  if (view_.Get(keys::KeyOwner(p.holder()))) {
    return Fail("holder_is_org", "an organisation's key cannot earn charity points");
  }
  const std::uint64_t points = std::uint64_t{p.minutes()} * genesis_.params.volunteer_points_per_hour / 60;
  if (points == 0) {
    return Fail("too_small", "the service is too short to earn a whole point at " +
                                 std::to_string(genesis_.params.volunteer_points_per_hour) + " points per hour");
  }
  SHANLIU_RETURN_IF_ERROR(CheckVolunteerDay(p));
  SHANLIU_RETURN_IF_ERROR(CreditPoints(p.holder(), points));
  // The same minutes are banked as time too (docs/decisions.md "Time bank"): points reward the
  // service, banked minutes are service time owed back to the volunteer.
  SHANLIU_RETURN_IF_ERROR(CreditMinutes(p.holder(), p.minutes()));
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
  SHANLIU_RETURN_IF_ERROR(CheckCatalogueItem(p));
  auto rec = keys::Load<pb::PointsRecord>(view_, keys::Points(p.holder()));
  if (rec) SweepExpiredPoints(p.holder(), *rec);  // expired points buy nothing
  const std::uint64_t balance = rec ? rec->balance() : 0;
  if (balance < p.points()) {
    return Fail("insufficient_points", "the holder has " + std::to_string(balance) + " points; " +
                                           std::to_string(p.points()) + " were asked for");
  }
  rec->set_balance(balance - p.points());
  TakeFromLots(p.holder(), p.points(), LotOrder::kOldestFirst);
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
