// Points expiry (docs/rules.md "Points expiry"). With genesis points_expiry_years = N > 0 a
// holder's balance is also kept as lots by the Beijing day the points were earned ("hx/<holder>",
// PointsLots); the lots always sum to PointsRecord.balance. Lots whose earned_at_ms + N x 365 days
// is at or before the block time are swept off the balance before any rule reads it, spending
// takes the oldest lots first, reversals (refund, correction) the newest, and MovePoints carries
// the lots with their dates. Only block time is read, so every node sweeps the same points.
#include "shanliu/ledger/points_expiry.h"

#include <algorithm>
#include <cassert>

#include "executor_internal.h"

namespace shanliu::ledger {
namespace {

constexpr std::uint64_t kDayMs = 86'400'000;
constexpr std::uint64_t kChinaOffsetMs = 8 * 3'600'000;

std::uint64_t BeijingDay(std::uint64_t time_ms) { return (time_ms + kChinaOffsetMs) / kDayMs; }

// Lots of both lists in day order, one lot per day: a day's lot expires from its first earning.
pb::PointsLots MergeLots(const pb::PointsLots& a, const pb::PointsLots& b) {
  pb::PointsLots out;
  int i = 0, j = 0;
  while (i < a.lots_size() || j < b.lots_size()) {
    const bool take_a = j >= b.lots_size() || (i < a.lots_size() && a.lots(i).day() <= b.lots(j).day());
    const pb::PointsLot& next = take_a ? a.lots(i++) : b.lots(j++);
    if (out.lots_size() > 0 && out.lots(out.lots_size() - 1).day() == next.day()) {
      pb::PointsLot* last = out.mutable_lots(out.lots_size() - 1);
      last->set_points(last->points() + next.points());
      last->set_earned_at_ms(std::min(last->earned_at_ms(), next.earned_at_ms()));
    } else {
      *out.add_lots() = next;
    }
  }
  return out;
}

}  // namespace

PointsExpiryState ReadPointsExpiry(const StateView& state, const GenesisParams& params, ByteView holder,
                                   std::uint64_t as_of_ms) {
  PointsExpiryState out;
  const std::uint64_t period_ms = PointsExpiryPeriodMs(params);
  if (period_ms == 0) return out;
  auto lots = keys::Load<pb::PointsLots>(state, keys::PointsLots(ToString(holder)));
  if (!lots) return out;
  for (const pb::PointsLot& lot : lots->lots()) {
    const std::uint64_t expires_at_ms = lot.earned_at_ms() + period_ms;
    if (expires_at_ms <= as_of_ms) {
      out.lapsed_points += lot.points();
    } else {
      out.lots.push_back({lot.points(), lot.earned_at_ms(), expires_at_ms});
    }
  }
  out.expired_points = lots->expired() + out.lapsed_points;
  return out;
}

namespace internal {

bool Applier::PointsExpire() const { return genesis_.params.points_expiry_years != 0; }

void Applier::SweepExpiredPoints(const std::string& holder, pb::PointsRecord& rec) {
  if (!PointsExpire()) return;
  auto lots = keys::Load<pb::PointsLots>(view_, keys::PointsLots(holder));
  if (!lots) return;
  const std::uint64_t period_ms = PointsExpiryPeriodMs(genesis_.params);
  int expired_lots = 0;
  std::uint64_t expired = 0;
  // Day order is expiry order: the first lot not yet due ends the sweep.
  while (expired_lots < lots->lots_size() && lots->lots(expired_lots).earned_at_ms() + period_ms <= ctx_.time_ms) {
    expired += lots->lots(expired_lots).points();
    ++expired_lots;
  }
  if (expired_lots == 0) return;
  assert(expired <= rec.balance());  // the lots sum to the balance
  lots->mutable_lots()->DeleteSubrange(0, expired_lots);
  lots->set_expired(AddCount(lots->expired(), expired));
  rec.set_balance(rec.balance() - std::min(expired, rec.balance()));
  keys::Store(view_, keys::PointsLots(holder), *lots);
}

void Applier::AddPointsLot(const std::string& holder, std::uint64_t points) {
  if (!PointsExpire() || points == 0) return;
  pb::PointsLots lots = keys::Load<pb::PointsLots>(view_, keys::PointsLots(holder)).value_or(pb::PointsLots());
  const std::uint64_t day = BeijingDay(ctx_.time_ms);
  if (lots.lots_size() > 0 && lots.lots(lots.lots_size() - 1).day() == day) {
    pb::PointsLot* today = lots.mutable_lots(lots.lots_size() - 1);
    today->set_points(today->points() + points);  // <= the balance, which did not overflow
  } else {
    pb::PointsLot* lot = lots.add_lots();
    lot->set_day(day);
    lot->set_earned_at_ms(ctx_.time_ms);
    lot->set_points(points);
  }
  keys::Store(view_, keys::PointsLots(holder), lots);
}

void Applier::TakeFromLots(const std::string& holder, std::uint64_t points, LotOrder order) {
  if (!PointsExpire() || points == 0) return;
  pb::PointsLots lots = keys::Load<pb::PointsLots>(view_, keys::PointsLots(holder)).value_or(pb::PointsLots());
  auto* list = lots.mutable_lots();
  while (points > 0 && !list->empty()) {
    const int at = order == LotOrder::kOldestFirst ? 0 : list->size() - 1;
    pb::PointsLot* lot = list->Mutable(at);
    const std::uint64_t taken = std::min(points, lot->points());
    lot->set_points(lot->points() - taken);
    points -= taken;
    if (lot->points() == 0) list->DeleteSubrange(at, 1);
  }
  assert(points == 0);  // the caller checked the balance, which the lots sum to
  keys::Store(view_, keys::PointsLots(holder), lots);
}

void Applier::MoveLots(const std::string& from_holder, const std::string& to_holder) {
  if (!PointsExpire()) return;
  auto from = keys::Load<pb::PointsLots>(view_, keys::PointsLots(from_holder));
  if (!from || from->lots_size() == 0) return;
  pb::PointsLots to = keys::Load<pb::PointsLots>(view_, keys::PointsLots(to_holder)).value_or(pb::PointsLots());
  pb::PointsLots merged = MergeLots(to, *from);
  merged.set_expired(to.expired());
  keys::Store(view_, keys::PointsLots(to_holder), merged);
  from->clear_lots();  // the old key keeps its expired total
  keys::Store(view_, keys::PointsLots(from_holder), *from);
}

}  // namespace internal
}  // namespace shanliu::ledger
