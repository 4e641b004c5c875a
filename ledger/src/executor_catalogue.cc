// The merchant catalogue (回馈): items a partner merchant gives for charity points, with their
// price, registered by the federation so residents see on the ledger what points buy and where.
// Rules and error codes: docs/rules.md "Merchant catalogue".
#include "executor_internal.h"

namespace shanliu::ledger::internal {

// One tx kind adds, updates and withdraws an item: the record for (merchant, item id) is replaced
// whole, so what the ledger lists is always exactly the last entry the federation signed.
Status Applier::CatalogueEntry(const pb::CatalogueEntry& p) {
  auto federation = GetActiveOrg(p.federation_org());
  if (!federation.ok()) return federation.status();
  SHANLIU_RETURN_IF_ERROR(RequireKind(*federation, {pb::ORG_KIND_FEDERATION}, "the registrar of merchant catalogues"));
  SHANLIU_RETURN_IF_ERROR(RequireSignedBy(*federation, "the federation"));
  // Withdrawing stays possible while a merchant is suspended (its items should not stay listed);
  // listing or repricing needs a merchant in good standing.
  auto merchant = p.active() ? GetActiveOrg(p.merchant_org()) : GetOrg(p.merchant_org());
  if (!merchant.ok()) return merchant.status();
  SHANLIU_RETURN_IF_ERROR(RequireKind(*merchant, {pb::ORG_KIND_MERCHANT}, "a points merchant"));

  const std::string key = keys::CatalogueItem(p.merchant_org(), p.item_id());
  auto existing = keys::Load<pb::CatalogueRecord>(view_, key);
  if (!existing && !p.active()) {
    return Fail("unknown_catalogue_item", "merchant '" + p.merchant_org() + "' lists no item '" + p.item_id() +
                                              "' to withdraw");
  }
  pb::CatalogueRecord rec = existing.value_or(pb::CatalogueRecord());
  if (!existing) rec.set_created_height(ctx_.height);
  *rec.mutable_entry() = p;
  rec.set_updated_height(ctx_.height);
  rec.set_revision(rec.revision() + 1);
  rec.set_last_tx_id(TxIdBytes());
  keys::Store(view_, key, rec);
  IndexOrg(p.merchant_org());
  IndexOrg(p.federation_org());
  return Status::Ok();
}

Status Applier::CheckCatalogueItem(const pb::RedeemPoints& p) const {
  if (p.catalogue_item().empty()) return Status::Ok();
  auto rec = keys::Load<pb::CatalogueRecord>(view_, keys::CatalogueItem(p.merchant_org(), p.catalogue_item()));
  if (!rec) {
    return Fail("unknown_catalogue_item",
                "merchant '" + p.merchant_org() + "' lists no item '" + p.catalogue_item() + "'");
  }
  if (!rec->entry().active()) {
    return Fail("catalogue_item_inactive", "item '" + p.catalogue_item() + "' of merchant '" + p.merchant_org() +
                                               "' was withdrawn from the catalogue");
  }
  if (rec->entry().points() != p.points()) {
    return Fail("price_mismatch", "item '" + p.catalogue_item() + "' is listed at " +
                                      std::to_string(rec->entry().points()) + " points; the redemption asks " +
                                      std::to_string(p.points()));
  }
  return Status::Ok();
}

}  // namespace shanliu::ledger::internal
