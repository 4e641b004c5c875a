#include "holder_history.h"

#include <initializer_list>

namespace shanliu::api::internal {
namespace {

// The payload JSON with only `allowed` fields: an allow list, so a field added to a payload
// later stays private until someone decides it may be shown.
Json Only(const pb::TxBody& body, std::initializer_list<const char*> allowed) {
  const Json full = PayloadJson(body);
  Json out = Json::object();
  for (const char* field : allowed) {
    if (full.contains(field)) out[field] = full[field];
  }
  return out;
}

struct HolderView {
  Json payload;
  Json counterparty;
};

HolderView ViewOf(const pb::TxBody& body, Names& names) {
  if (body.has_donation()) {
    return {Only(body, {"to_account", "amount_fen", "channel", "points_holder"}),
            names.Account(body.donation().to_account())};
  }
  if (body.has_volunteer_service()) {
    return {Only(body, {"charity_org", "holder", "minutes", "activity", "occurred_at_ms"}),
            names.Org(body.volunteer_service().charity_org())};
  }
  if (body.has_redeem_points()) {
    return {Only(body, {"holder", "merchant_org", "points", "item"}), names.Org(body.redeem_points().merchant_org())};
  }
  if (body.has_service_exchange()) {
    return {Only(body, {"holder", "provider_org", "minutes", "service", "points"}),
            names.Org(body.service_exchange().provider_org())};
  }
  // The refunded or corrected gift is named by id only: its reason text is the organisation's
  // and may name the donor.
  if (body.has_refund()) return {Only(body, {"donation_tx_id"}), nullptr};
  if (body.has_correction()) return {Only(body, {"corrected_tx_id"}), nullptr};
  if (body.has_move_points()) return {Only(body, {"from_holder", "to_holder"}), nullptr};
  if (body.has_honour_name()) return {Only(body, {"holder", "display_name"}), nullptr};
  return {Json::object(), nullptr};
}

}  // namespace

Json HolderTxJson(const ledger::TxRecord& tx, Names& names) {
  Json out = TxSummaryJson(tx);
  HolderView view = ViewOf(tx.body, names);
  out["payload"] = std::move(view.payload);
  out["counterparty"] = std::move(view.counterparty);
  return out;
}

}  // namespace shanliu::api::internal
