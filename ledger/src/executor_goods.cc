// Rules for in-kind goods (物资, DESIGN 4.1; docs/rules.md "In-kind goods"): catalogue
// registration, donations into goods accounts, transfers confirmed by the receiver, and
// distributions to a place, with expired lots flagged (or refused, by the genesis rule).
// Goods ride the fund-flow streams in units of one item per account; no rule here touches a
// cash account, a cash total or OrgYear, so goods values never mix with money.
#include <cassert>
#include <cstdint>

#include "executor_internal.h"
#include "shanliu/ledger/goods.h"
#include "shanliu/ledger/registry_codes.h"

namespace shanliu::ledger::internal {
namespace {

// flow's errors speak of fen and funds; a goods rule reports units of the item.
Status GoodsError(const Status& s, const std::string& account, std::uint64_t quantity, const pb::GoodsItem& item) {
  if (s.code() == "insufficient_funds") {
    return Fail("insufficient_goods", account + " holds fewer than the " + std::to_string(quantity) + " " +
                                          item.unit() + " of " + item.item_code() + " asked for");
  }
  return s;
}

}  // namespace

Result<pb::GoodsItem> Applier::RequireGoodsItem(const std::string& code, const std::string& unit) const {
  auto item = goods::FindItem(view_, genesis_, code);
  if (!item) return Fail("unknown_item", "goods item '" + code + "' is not in the catalogue");
  if (item->unit() != unit) {
    return Fail("unit_mismatch", "goods item '" + code + "' is counted in " + item->unit() + ", not in " + unit);
  }
  return *item;
}

Status Applier::RegisterGoodsItem(const pb::RegisterGoodsItem& p) {
  const pb::GoodsItem& item = p.item();
  std::optional<pb::OrgRecord> federation;
  for (const crypto::PublicKey& key : tx_.signers) {
    auto owner = view_.Get(keys::KeyOwner(KeyBytes(key)));
    if (!owner) continue;
    auto org = GetActiveOrg(*owner);
    if (org.ok() && org->kind() == pb::ORG_KIND_FEDERATION) federation = *org;
  }
  if (!federation) return Fail("wrong_signer", "a goods item is registered by the charity federation (慈善总会)");
  if (goods::FindItem(view_, genesis_, item.item_code())) {
    return Fail("duplicate_item", "goods item '" + item.item_code() + "' is already in the catalogue");
  }
  pb::GoodsItemRecord rec;
  *rec.mutable_item() = item;
  rec.set_registered_by(federation->org_id());
  rec.set_leaf(ctx_.leaf);
  keys::Store(view_, keys::GoodsItem(item.item_code()), rec);
  IndexOrg(federation->org_id());
  return UpdateStats([](pb::ChainStats& s) {
    s.set_goods_items_registered(s.goods_items_registered() + 1);
    return true;
  });
}

// The optional witness of a goods donation: an active bank, federation or bureau that signed.
Status Applier::RequireGoodsNotary(const std::string& notary) const {
  if (notary.empty()) return Status::Ok();
  auto org = GetActiveOrg(notary);
  if (!org.ok()) return org.status();
  SHANLIU_RETURN_IF_ERROR(
      RequireKind(*org, {pb::ORG_KIND_BANK, pb::ORG_KIND_FEDERATION, pb::ORG_KIND_BUREAU}, "a goods notary"));
  return RequireSignedBy(*org, "the notary");
}

Status Applier::GoodsDonation(const pb::GoodsDonation& p) {
  auto item = RequireGoodsItem(p.item_code(), p.unit());
  if (!item.ok()) return item.status();
  if (item->perishable() && (p.lot_number().empty() || p.expires_on() == 0)) {
    return Fail("lot_required", "goods item '" + p.item_code() + "' is perishable: give lot_number and expires_on");
  }
  auto receiver = RequireReceivingAccount(p.to_account());
  if (!receiver.ok()) return receiver.status();
  auto receiver_org = GetActiveOrg(*receiver);
  if (!receiver_org.ok()) return receiver_org.status();
  SHANLIU_RETURN_IF_ERROR(RequireSignedBy(*receiver_org, "the receiving organisation"));
  SHANLIU_RETURN_IF_ERROR(RequireGoodsNotary(p.notary_org()));
  SHANLIU_RETURN_IF_ERROR(ClaimReceiptNumber(*receiver, p.receipt_number_hash()));

  const std::string account = *goods::AccountFor(p.to_account(), p.item_code());
  auto start = flow::RecordInflow(view_, account, static_cast<std::int64_t>(p.quantity()),
                                  flow::InflowKind::kDonation, ctx_.leaf);
  if (!start.ok()) return start.status();

  pb::GoodsGiftRecord gift;
  gift.set_leaf(ctx_.leaf);
  gift.set_height(ctx_.height);
  gift.set_time_ms(ctx_.time_ms);
  gift.set_account(account);
  gift.set_item_code(p.item_code());
  gift.set_quantity(p.quantity());
  gift.set_interval_start(*start);
  gift.set_value_fen(p.value_fen());
  gift.set_donor_ref(p.donor_ref());
  gift.set_donor_display_name(p.donor_display_name());
  gift.set_lot_number(p.lot_number());
  gift.set_expires_on(p.expires_on());
  gift.set_recorded_by(*receiver);
  gift.set_notary_org(p.notary_org());
  keys::Store(view_, keys::GoodsGift(TxIdBytes()), gift);
  view_.Put(keys::GoodsGiftAtLeaf(ctx_.leaf), TxIdBytes());

  IndexAccount(account);
  IndexAccount(p.to_account());
  IndexOrg(*receiver);
  if (!p.notary_org().empty()) IndexOrg(p.notary_org());
  return UpdateStats([](pb::ChainStats& s) {
    s.set_goods_donation_count(s.goods_donation_count() + 1);
    return true;
  });
}

Status Applier::GoodsTransfer(const pb::GoodsTransfer& p) {
  if (!p.from_account().starts_with("org:")) {
    return Fail("restricted_goods", "goods in a project account are restricted to that project: they can only be "
                                    "distributed, never moved to another account");
  }
  auto item = RequireGoodsItem(p.item_code(), p.unit());
  if (!item.ok()) return item.status();
  auto source_owner = AccountOwner(p.from_account());
  if (!source_owner.ok()) return source_owner.status();
  auto source_org = GetActiveOrg(*source_owner);
  if (!source_org.ok()) return source_org.status();
  SHANLIU_RETURN_IF_ERROR(RequireSignedBy(*source_org, "the holding organisation"));
  auto target_owner = RequireReceivingAccount(p.to_account());
  if (!target_owner.ok()) return target_owner.status();
  auto target_org = GetActiveOrg(*target_owner);
  if (!target_org.ok()) return target_org.status();
  // The receiver's signature is its confirmation that the goods arrived: without it the goods
  // would appear in a warehouse nobody vouched for.
  if (!SignedByOrg(*target_org)) {
    return Fail("receiver_not_confirmed", "the receiving organisation '" + *target_owner +
                                              "' must co-sign a goods transfer to confirm the goods arrived");
  }
  const std::string from = *goods::AccountFor(p.from_account(), p.item_code());
  const std::string to = *goods::AccountFor(p.to_account(), p.item_code());
  Status moved = flow::RecordTransfer(view_, from, to, static_cast<std::int64_t>(p.quantity()), ctx_.leaf);
  if (!moved.ok()) return GoodsError(moved, from, p.quantity(), *item);

  IndexAccount(from);
  IndexAccount(to);
  IndexAccount(p.from_account());
  IndexAccount(p.to_account());
  IndexOrg(*source_owner);
  if (*target_owner != *source_owner) IndexOrg(*target_owner);
  return UpdateStats([](pb::ChainStats& s) {
    s.set_goods_transfer_count(s.goods_transfer_count() + 1);
    return true;
  });
}

// Units of the distribution at this tx's leaf that came from lots past their expiry date on
// `date`: the backward walk names each origin donation, whose record holds its lot's expiry.
Result<std::uint64_t> Applier::ExpiredUnits(std::uint32_t date) const {
  std::uint64_t expired = 0;
  auto walked = goods::ForEachOrigin(view_, ctx_.leaf, SIZE_MAX,  // every piece: the record must be exact
                                     [&](const flow::SourcePiece& piece, const pb::GoodsGiftRecord& gift) {
                                       if (gift.expires_on() != 0 && gift.expires_on() < date) {
                                         expired += static_cast<std::uint64_t>(piece.amount_fen);
                                       }
                                     });
  if (!walked.ok()) return walked.status();
  assert(*walked);
  return expired;
}

Status Applier::GoodsDistribution(const pb::GoodsDistribution& p) {
  auto item = RequireGoodsItem(p.item_code(), p.unit());
  if (!item.ok()) return item.status();
  if (!RegionName(p.region())) {
    return Fail("unknown_region", "region '" + p.region() + "' is not a GB/T 2260 county-level division code");
  }
  auto owner = AccountOwner(p.from_account());
  if (!owner.ok()) return owner.status();
  auto org = GetActiveOrg(*owner);
  if (!org.ok()) return org.status();
  SHANLIU_RETURN_IF_ERROR(RequireSignedBy(*org, "the holding organisation"));
  const std::string from = *goods::AccountFor(p.from_account(), p.item_code());
  Status spent = flow::RecordSpend(view_, from, static_cast<std::int64_t>(p.quantity()), ctx_.leaf);
  if (!spent.ok()) return GoodsError(spent, from, p.quantity(), *item);

  const std::uint32_t date = goods::BeijingDate(ctx_.time_ms);
  auto expired = ExpiredUnits(date);
  if (!expired.ok()) return expired.status();
  if (*expired > 0 && genesis_.params.refuse_expired_goods) {
    return Fail("goods_expired", std::to_string(*expired) + " " + item->unit() + " of this distribution come from lots "
                                 "past their expiry date, and this chain refuses distributing expired goods");
  }
  pb::GoodsDistributionRecord rec;
  rec.set_leaf(ctx_.leaf);
  rec.set_account(from);
  rec.set_item_code(p.item_code());
  rec.set_quantity(p.quantity());
  rec.set_expired_quantity(*expired);
  rec.set_block_date(date);
  keys::Store(view_, keys::GoodsDistribution(TxIdBytes()), rec);

  IndexAccount(from);
  IndexAccount(p.from_account());
  IndexOrg(*owner);
  return UpdateStats([](pb::ChainStats& s) {
    s.set_goods_distribution_count(s.goods_distribution_count() + 1);
    return true;
  });
}

}  // namespace shanliu::ledger::internal
