// The time bank (时间银行): volunteer minutes banked beside points, spent as service time at a
// participating organisation (ServiceExchange), and a holder's balance moved to a fresh key of
// their own (MovePoints). Rules and error codes: docs/rules.md "Time bank".
#include <algorithm>
#include <cassert>

#include "executor_internal.h"

namespace shanliu::ledger::internal {

namespace {
constexpr std::uint64_t kMinutesPerHour = 60;

// Organisations that give services to residents. The bureau, banks and trustees do not.
bool GivesService(pb::OrgKind kind) {
  return kind == pb::ORG_KIND_CHARITY || kind == pb::ORG_KIND_FEDERATION || kind == pb::ORG_KIND_MERCHANT;
}
}  // namespace

bool Applier::SignedByKey(const std::string& key_bytes) const {
  crypto::PublicKey key;
  assert(key_bytes.size() == key.size());  // stateless validation checked the length
  std::copy(key_bytes.begin(), key_bytes.end(), key.begin());
  return tx_.SignedBy(key);
}

Status Applier::CreditMinutes(const std::string& holder, std::uint64_t minutes) {
  pb::PointsRecord rec = keys::Load<pb::PointsRecord>(view_, keys::Points(holder)).value_or(pb::PointsRecord());
  std::uint64_t balance = rec.minutes_balance();
  std::uint64_t earned = rec.minutes_earned();
  if (!AddChecked(balance, minutes) || !AddChecked(earned, minutes)) {
    return Fail("overflow", "the holder's banked minutes would overflow");
  }
  rec.set_minutes_balance(balance);
  rec.set_minutes_earned(earned);
  keys::Store(view_, keys::Points(holder), rec);
  AddHonourYear(holder, 0, 0, minutes);
  return Status::Ok();
}

Status Applier::PayForService(const pb::ServiceExchange& p) {
  pb::PointsRecord rec = keys::Load<pb::PointsRecord>(view_, keys::Points(p.holder())).value_or(pb::PointsRecord());
  SweepExpiredPoints(p.holder(), rec);
  if (p.points() == 0) {
    if (rec.minutes_balance() < p.minutes()) {
      return Fail("insufficient_minutes", "the holder has " + std::to_string(rec.minutes_balance()) +
                                              " banked minutes; the service takes " + std::to_string(p.minutes()));
    }
    rec.set_minutes_balance(rec.minutes_balance() - p.minutes());
    rec.set_minutes_spent(AddCount(rec.minutes_spent(), p.minutes()));
  } else {
    // Exact, so the points the holder signed are the points taken: no rounding either way.
    const std::uint64_t rate = genesis_.params.timebank_points_per_hour;
    const std::uint64_t scaled = std::uint64_t{p.minutes()} * rate;  // <= 1440 * 10^6: no overflow
    if (rate == 0 || scaled % kMinutesPerHour != 0 || scaled / kMinutesPerHour != p.points()) {
      return Fail("rate_mismatch", std::to_string(p.minutes()) + " minutes of service cost minutes x " +
                                       std::to_string(rate) + " / 60 points (timebank_points_per_hour), " +
                                       "a whole number that must equal the points signed (" +
                                       std::to_string(p.points()) + ")");
    }
    if (rec.balance() < p.points()) {
      return Fail("insufficient_points", "the holder has " + std::to_string(rec.balance()) + " points; " +
                                             std::to_string(p.points()) + " were asked for");
    }
    rec.set_balance(rec.balance() - p.points());
    TakeFromLots(p.holder(), p.points(), LotOrder::kOldestFirst);
    rec.set_points_exchanged(AddCount(rec.points_exchanged(), p.points()));
  }
  keys::Store(view_, keys::Points(p.holder()), rec);
  return Status::Ok();
}

Status Applier::ServiceExchange(const pb::ServiceExchange& p) {
  auto provider = GetActiveOrg(p.provider_org());
  if (!provider.ok()) return provider.status();
  if (!GivesService(provider->kind())) {
    return Fail("not_participating", "organisation '" + p.provider_org() + "' is a " +
                                         OrgKindName(provider->kind()) +
                                         " and does not take part in the time bank (charities, the federation and "
                                         "merchants do)");
  }
  SHANLIU_RETURN_IF_ERROR(RequireSignedBy(*provider, "the service provider"));
  if (!SignedByKey(p.holder())) {
    return Fail("wrong_signer", "a service exchange must be signed by the holder whose minutes or points pay");
  }
  if (view_.Get(keys::KeyOwner(p.holder()))) {
    return Fail("holder_is_org", "an organisation's key holds no banked minutes or points");
  }
  SHANLIU_RETURN_IF_ERROR(PayForService(p));
  view_.Put(keys::HolderActivity(p.holder(), ctx_.leaf), "");
  IndexOrg(p.provider_org());
  return UpdateStats([&](pb::ChainStats& s) {
    s.set_service_exchange_count(AddCount(s.service_exchange_count(), 1));
    s.set_service_minutes(AddCount(s.service_minutes(), p.minutes()));
    s.set_points_exchanged(AddCount(s.points_exchanged(), p.points()));
    return true;
  });
}

Status Applier::MovePoints(const pb::MovePoints& p) {
  if (!SignedByKey(p.from_holder()) || !SignedByKey(p.to_holder())) {
    return Fail("wrong_signer", "a move of points must be signed by both keys of the holder (from and to)");
  }
  if (view_.Get(keys::KeyOwner(p.to_holder()))) {
    return Fail("holder_is_org", "points cannot move to an organisation's key");
  }
  pb::PointsRecord from =
      keys::Load<pb::PointsRecord>(view_, keys::Points(p.from_holder())).value_or(pb::PointsRecord());
  SweepExpiredPoints(p.from_holder(), from);  // expired points do not travel
  if (from.balance() == 0 && from.minutes_balance() == 0 && from.shortfall() == 0) {
    return Fail("nothing_to_move", "the key holds no points, banked minutes or shortfall to move");
  }
  pb::PointsRecord to = keys::Load<pb::PointsRecord>(view_, keys::Points(p.to_holder())).value_or(pb::PointsRecord());
  SweepExpiredPoints(p.to_holder(), to);
  // The shortfall follows the person: a fresh key is no way out of points a refund took back.
  std::uint64_t balance = to.balance(), minutes = to.minutes_balance(), shortfall = to.shortfall();
  std::uint64_t moved_in = to.points_moved_in(), minutes_in = to.minutes_moved_in();
  std::uint64_t shortfall_in = to.shortfall_moved_in();
  if (!AddChecked(balance, from.balance()) || !AddChecked(minutes, from.minutes_balance()) ||
      !AddChecked(shortfall, from.shortfall()) || !AddChecked(moved_in, from.balance()) ||
      !AddChecked(minutes_in, from.minutes_balance()) || !AddChecked(shortfall_in, from.shortfall())) {
    return Fail("overflow", "the destination key's balance would overflow");
  }
  pb::PointsMoveRecord moved;
  moved.set_points(from.balance());
  moved.set_minutes(from.minutes_balance());
  moved.set_shortfall(from.shortfall());
  keys::Store(view_, keys::PointsMove(TxIdBytes()), moved);
  const std::uint64_t settled = std::min(balance, shortfall);
  // The lots move with their earning dates, so a fresh key never refreshes an expiry; the
  // shortfall settles from the oldest, as spending does.
  MoveLots(p.from_holder(), p.to_holder());
  TakeFromLots(p.to_holder(), settled, LotOrder::kOldestFirst);
  to.set_balance(balance - settled);
  to.set_shortfall(shortfall - settled);
  to.set_minutes_balance(minutes);
  to.set_points_moved_in(moved_in);
  to.set_minutes_moved_in(minutes_in);
  to.set_shortfall_moved_in(shortfall_in);
  from.set_shortfall_moved_out(AddCount(from.shortfall_moved_out(), from.shortfall()));
  from.set_points_moved_out(AddCount(from.points_moved_out(), from.balance()));
  from.set_minutes_moved_out(AddCount(from.minutes_moved_out(), from.minutes_balance()));
  from.set_balance(0);
  from.set_minutes_balance(0);
  from.set_shortfall(0);
  from.set_moved_to(p.to_holder());
  keys::Store(view_, keys::Points(p.from_holder()), from);
  keys::Store(view_, keys::Points(p.to_holder()), to);
  view_.Put(keys::HolderActivity(p.from_holder(), ctx_.leaf), "");
  view_.Put(keys::HolderActivity(p.to_holder(), ctx_.leaf), "");
  return UpdateStats([](pb::ChainStats& s) {
    s.set_points_move_count(AddCount(s.points_move_count(), 1));
    return true;
  });
}

}  // namespace shanliu::ledger::internal
