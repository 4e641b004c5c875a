// The demo's in-kind goods (物资): a disaster-relief drive. Companies donate masks, rice and
// quilts to the first charity's warehouse; part goes on to a second charity, which confirms the
// arrival by co-signing; both hand goods out at community health centres and village committees
// of the demo's districts. Planned last, so every earlier phase draws the same numbers as before.
#include "demo_planner.h"

namespace shanliu::cli::demo {
namespace {

struct GoodsLot {
  const char* item;
  const char* unit;
  std::uint64_t quantity;
  std::int64_t unit_value_fen;  // as valued on the e-receipt
  bool perishable;
  const char* donor;
};

constexpr GoodsLot kLots[] = {
    {"mask-medical", "只", 20'000, 80, false, "杭州某医疗器械有限公司"},
    {"rice-10kg", "袋", 800, 6'000, true, "浙江某粮油集团"},
    {"quilt", "床", 500, 15'000, false, "某纺织企业"},
};

pb::TxBody Move(const std::string& from, const std::string& to, const GoodsLot& lot, std::uint64_t quantity) {
  pb::TxBody body;
  pb::GoodsTransfer* t = body.mutable_goods_transfer();
  t->set_from_account("org:" + from);
  t->set_to_account("org:" + to);
  t->set_item_code(lot.item);
  t->set_unit(lot.unit);
  t->set_quantity(quantity);
  t->set_purpose("救灾物资调拨");
  return body;
}

}  // namespace

void Planner::Goods(Phase& phase) {
  if (charities_.size() < 2) return;
  const std::string& hub = charities_[0];  // the drive's warehouse
  const std::string& partner = charities_[1];
  const std::vector<District>& districts = Districts();
  int serial = 0;
  for (const GoodsLot& lot : kLots) {
    pb::TxBody gift;
    pb::GoodsDonation* d = gift.mutable_goods_donation();
    d->set_to_account("org:" + hub);
    d->set_item_code(lot.item);
    d->set_unit(lot.unit);
    d->set_quantity(lot.quantity);
    d->set_value_fen(static_cast<std::int64_t>(lot.quantity) * lot.unit_value_fen);
    d->set_donor_ref(Derived("goods donor " + std::to_string(serial)));
    d->set_donor_display_name(lot.donor);
    if (lot.perishable) {
      d->set_lot_number("L" + std::to_string(year_) + "-" + std::to_string(rng_.Range(100, 999)));
      d->set_expires_on(static_cast<std::uint32_t>(year_ + 1) * 10000 + 630);  // 30 June next year
    }
    d->set_memo("救灾物资捐赠");
    Add(phase, std::move(gift), {hub});

    // 40 % on to the partner charity, which confirms the arrival.
    const std::uint64_t moved = lot.quantity * 2 / 5;
    Add(phase, Move(hub, partner, lot, moved), {hub, partner});

    // Each holder hands out most of what it holds, at one place per district.
    const std::pair<std::string, std::uint64_t> holders[] = {{hub, lot.quantity - moved}, {partner, moved}};
    for (const auto& [holder, held] : holders) {
      const District& district = districts[static_cast<std::size_t>(serial++) % districts.size()];
      const std::uint64_t out = held * 3 / 4;
      pb::TxBody body;
      pb::GoodsDistribution* g = body.mutable_goods_distribution();
      g->set_from_account("org:" + holder);
      g->set_item_code(lot.item);
      g->set_unit(lot.unit);
      g->set_quantity(out);
      g->set_region(district.division);
      const std::string street = district.streets.empty() ? district.name_zh : district.streets.front().zh;
      g->set_place_name(street + (std::string(lot.item) == "mask-medical" ? "社区卫生服务中心" : "受灾群众安置点"));
      g->set_beneficiary_count(static_cast<std::uint32_t>(std::min<std::uint64_t>(out, 5000)));
      g->set_occurred_at_ms(RecentMs(20));
      g->set_description("发放给受灾群众");
      Add(phase, std::move(body), {holder});
    }
  }
}

}  // namespace shanliu::cli::demo
