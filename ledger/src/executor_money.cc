// Rules for money: donations, trust deposits, transfers, disbursements, spending, refunds.
#include <cassert>

#include "executor_internal.h"

namespace shanliu::ledger::internal {
namespace {

bool IsCharitableSpend(pb::SpendCategory c) { return c != pb::SPEND_CATEGORY_ADMIN; }

}  // namespace

Status Applier::AddOrgIncome(const std::string& org, std::int64_t amount_fen) {
  return AddOrgYear(org, [&](pb::OrgYear& y) {
    y.set_income_fen(AdjustTotal(y.income_fen(), amount_fen));
    return true;
  });
}

Status Applier::AddProjectAllocation(const std::string& account, std::int64_t amount_fen) {
  if (!account.starts_with("project:")) return Status::Ok();
  auto project = GetProject(account.substr(8));
  if (!project.ok()) return project.status();
  project->set_allocated_fen(AdjustTotal(project->allocated_fen(), amount_fen));
  keys::Store(view_, keys::Project(project->spec().project_id()), *project);
  return Status::Ok();
}

Status Applier::CountTransfer(std::int64_t amount_fen) {
  return UpdateStats([&](pb::ChainStats& s) {
    s.set_transferred_fen(AdjustTotal(s.transferred_fen(), amount_fen));
    s.set_transfer_count(s.transfer_count() + 1);
    return true;
  });
}

Status Applier::Donation(const pb::Donation& p) {
  pb::OrgRecord receiver_org;  // active: RequireReceivingAccount checked it
  auto receiver = RequireReceivingAccount(p.to_account(), &receiver_org);
  if (!receiver.ok()) return receiver.status();
  bool attested = false;
  if (!p.attesting_bank().empty()) {
    auto bank = GetActiveOrg(p.attesting_bank());
    if (!bank.ok()) return bank.status();
    SHANLIU_RETURN_IF_ERROR(RequireKind(*bank, {pb::ORG_KIND_BANK}, "an attesting bank"));
    SHANLIU_RETURN_IF_ERROR(RequireSignedBy(*bank, "the attesting bank"));
    attested = true;
  } else {
    SHANLIU_RETURN_IF_ERROR(RequireSignedBy(receiver_org, "the receiving organisation (self-reported donation)"));
  }
  // A self-reported bank reference has no bank vouching for it: it is unique per recording
  // organisation instead (org ids and bank ids share one namespace, so the rows never collide).
  SHANLIU_RETURN_IF_ERROR(ClaimBankRef(attested ? p.attesting_bank() : *receiver, p.bank_ref_hash()));
  SHANLIU_RETURN_IF_ERROR(ClaimReceiptNumber(*receiver, p.receipt_number_hash()));

  auto start = flow::RecordInflow(view_, p.to_account(), p.amount_fen(), flow::InflowKind::kDonation, ctx_.leaf);
  if (!start.ok()) return start.status();

  pb::GiftRecord gift;
  gift.set_leaf(ctx_.leaf);
  gift.set_height(ctx_.height);
  gift.set_time_ms(ctx_.time_ms);
  gift.set_account(p.to_account());
  gift.set_amount_fen(p.amount_fen());
  gift.set_interval_start(*start);
  gift.set_donor_ref(p.donor_ref());
  gift.set_donor_display_name(p.donor_display_name());
  gift.set_attested(attested);
  gift.set_attesting_bank(p.attesting_bank());
  gift.set_channel(p.channel());
  gift.set_recorded_by(*receiver);
  if (!p.points_holder().empty()) {
    const std::uint64_t points = static_cast<std::uint64_t>(p.amount_fen() / genesis_.params.donation_fen_per_point);
    gift.set_points_holder(p.points_holder());
    gift.set_points_earned(points);
    if (points > 0) SHANLIU_RETURN_IF_ERROR(CreditPoints(p.points_holder(), points));
  }
  keys::Store(view_, keys::Gift(TxIdBytes()), gift);

  bool over_budget = false;
  if (p.to_account().starts_with("project:")) {
    auto project = GetProject(p.to_account().substr(8));
    project->set_donated_fen(AdjustTotal(project->donated_fen(), p.amount_fen()));
    project->set_donation_count(project->donation_count() + 1);
    keys::Store(view_, keys::Project(project->spec().project_id()), *project);
    // The compliance page's over-budget rule (received = donations + allocations > budget).
    over_budget = SumTotals({project->donated_fen(), project->allocated_fen()}) > project->spec().budget_fen();
  }
  CountRegionDonation(p.to_account(), p.amount_fen(), attested, ctx_.leaf, over_budget);
  IndexAccount(p.to_account());
  IndexOrg(*receiver);
  if (attested) IndexOrg(p.attesting_bank());
  // Income and the transparency inputs move in one update of the year row.
  SHANLIU_RETURN_IF_ERROR(AddOrgYear(*receiver, [&](pb::OrgYear& y) {
    y.set_income_fen(AdjustTotal(y.income_fen(), p.amount_fen()));
    y.set_donated_fen(AdjustTotal(y.donated_fen(), p.amount_fen()));
    if (attested) y.set_attested_donated_fen(AdjustTotal(y.attested_donated_fen(), p.amount_fen()));
    y.set_entries(y.entries() + 1);
    return true;
  }));
  return UpdateStats([&](pb::ChainStats& s) {
    s.set_donated_fen(AdjustTotal(s.donated_fen(), p.amount_fen()));
    s.set_donation_count(s.donation_count() + 1);
    return true;
  });
}

Status Applier::TrustDeposit(const pb::TrustDeposit& p) {
  auto trust = GetTrust(p.trust_id());
  if (!trust.ok()) return trust.status();
  auto bank = GetActiveOrg(trust->spec().custodian_bank());
  if (!bank.ok()) return bank.status();
  SHANLIU_RETURN_IF_ERROR(RequireSignedBy(*bank, "the trust's custodian bank"));
  SHANLIU_RETURN_IF_ERROR(ClaimBankRef(bank->org_id(), p.bank_ref_hash()));
  const std::string account = "trust:" + p.trust_id();
  auto start = flow::RecordInflow(view_, account, p.amount_fen(), flow::InflowKind::kTrustDeposit, ctx_.leaf);
  if (!start.ok()) return start.status();

  pb::GiftRecord gift;
  gift.set_leaf(ctx_.leaf);
  gift.set_height(ctx_.height);
  gift.set_time_ms(ctx_.time_ms);
  gift.set_account(account);
  gift.set_amount_fen(p.amount_fen());
  gift.set_interval_start(*start);
  gift.set_trust_deposit(true);
  gift.set_donor_ref(p.settlor_ref());
  gift.set_donor_display_name(p.settlor_display_name());
  gift.set_attested(true);
  gift.set_attesting_bank(bank->org_id());
  gift.set_channel(pb::DONATION_CHANNEL_BANK_TRANSFER);
  gift.set_recorded_by(bank->org_id());
  keys::Store(view_, keys::Gift(TxIdBytes()), gift);

  trust->set_deposited_fen(AdjustTotal(trust->deposited_fen(), p.amount_fen()));
  trust->set_deposit_count(trust->deposit_count() + 1);
  keys::Store(view_, keys::Trust(p.trust_id()), *trust);
  IndexAccount(account);
  IndexOrg(bank->org_id());
  IndexOrg(trust->spec().trustee_org());
  return UpdateStats([&](pb::ChainStats& s) {
    s.set_trust_deposited_fen(AdjustTotal(s.trust_deposited_fen(), p.amount_fen()));
    s.set_trust_deposit_count(s.trust_deposit_count() + 1);
    return true;
  });
}

Status Applier::Transfer(const pb::Transfer& p) {
  if (p.from_account().starts_with("project:")) {
    return Fail("restricted_funds", "money in a project account is restricted to that project: it can only be "
                                    "spent or refunded, never moved to another account");
  }
  auto source_owner = AccountOwner(p.from_account());
  if (!source_owner.ok()) return source_owner.status();
  auto source_org = GetActiveOrg(*source_owner);
  if (!source_org.ok()) return source_org.status();
  SHANLIU_RETURN_IF_ERROR(RequireSignedBy(*source_org, "the source account's owner"));
  auto target_owner = RequireReceivingAccount(p.to_account());
  if (!target_owner.ok()) return target_owner.status();

  SHANLIU_RETURN_IF_ERROR(flow::RecordTransfer(view_, p.from_account(), p.to_account(), p.amount_fen(), ctx_.leaf));

  SHANLIU_RETURN_IF_ERROR(AddProjectAllocation(p.to_account(), p.amount_fen()));
  const bool grant = *target_owner != *source_owner;
  // A grant: charitable expenditure of the grantor, income of the grantee. Either way the
  // source booked one entry.
  SHANLIU_RETURN_IF_ERROR(AddOrgYear(*source_owner, [&](pb::OrgYear& y) {
    if (grant) y.set_granted_out_fen(AdjustTotal(y.granted_out_fen(), p.amount_fen()));
    y.set_entries(y.entries() + 1);
    return true;
  }));
  if (grant) SHANLIU_RETURN_IF_ERROR(AddOrgIncome(*target_owner, p.amount_fen()));
  IndexAccount(p.from_account());
  IndexAccount(p.to_account());
  IndexOrg(*source_owner);
  if (*target_owner != *source_owner) IndexOrg(*target_owner);
  return CountTransfer(p.amount_fen());
}

Status Applier::TrustDisbursement(const pb::TrustDisbursement& p) {
  auto trust = GetTrust(p.trust_id());
  if (!trust.ok()) return trust.status();
  auto trustee = GetActiveOrg(trust->spec().trustee_org());
  if (!trustee.ok()) return trustee.status();
  auto bank = GetActiveOrg(trust->spec().custodian_bank());
  if (!bank.ok()) return bank.status();
  SHANLIU_RETURN_IF_ERROR(RequireSignedBy(*trustee, "the trustee"));
  SHANLIU_RETURN_IF_ERROR(RequireSignedBy(*bank, "the custodian bank (disbursements need both)"));
  auto target_owner = RequireReceivingAccount(p.to_account());
  if (!target_owner.ok()) return target_owner.status();
  const std::string account = "trust:" + p.trust_id();
  SHANLIU_RETURN_IF_ERROR(flow::RecordTransfer(view_, account, p.to_account(), p.amount_fen(), ctx_.leaf));

  trust->set_disbursed_fen(AdjustTotal(trust->disbursed_fen(), p.amount_fen()));
  keys::Store(view_, keys::Trust(p.trust_id()), *trust);
  SHANLIU_RETURN_IF_ERROR(AddProjectAllocation(p.to_account(), p.amount_fen()));
  SHANLIU_RETURN_IF_ERROR(AddOrgIncome(*target_owner, p.amount_fen()));
  IndexAccount(account);
  IndexAccount(p.to_account());
  IndexOrg(trustee->org_id());
  IndexOrg(bank->org_id());
  if (*target_owner != trustee->org_id()) IndexOrg(*target_owner);
  return CountTransfer(p.amount_fen());
}

Status Applier::Spend(const pb::Spend& p) {
  auto owner = AccountOwner(p.from_account());
  if (!owner.ok()) return owner.status();
  auto org = GetActiveOrg(*owner);
  if (!org.ok()) return org.status();
  SHANLIU_RETURN_IF_ERROR(RequireSignedBy(*org, "the account's owner"));
  auto cosigner = CoSigningBank(*org);
  if (!cosigner.ok()) return cosigner.status();
  SHANLIU_RETURN_IF_ERROR(flow::RecordSpend(view_, p.from_account(), p.amount_fen(), ctx_.leaf));
  RecordAttestation(*cosigner);

  if (p.from_account().starts_with("project:")) {
    auto project = GetProject(p.from_account().substr(8));
    auto* by_category = project->mutable_spent_by_category_fen();
    if (by_category->size() < pb::SpendCategory_ARRAYSIZE) by_category->Resize(pb::SpendCategory_ARRAYSIZE, 0);
    by_category->Set(p.category(), AdjustTotal(by_category->Get(p.category()), p.amount_fen()));
    keys::Store(view_, keys::Project(project->spec().project_id()), *project);
  }
  CountRegionSpend(p, !cosigner->empty(), ctx_.leaf, false);
  const bool charitable = IsCharitableSpend(p.category());
  SHANLIU_RETURN_IF_ERROR(AddOrgYear(*owner, [&](pb::OrgYear& y) {
    if (charitable) {
      y.set_charitable_spent_fen(AdjustTotal(y.charitable_spent_fen(), p.amount_fen()));
    } else {
      y.set_admin_spent_fen(AdjustTotal(y.admin_spent_fen(), p.amount_fen()));
    }
    if (!cosigner->empty()) y.set_attested_spent_fen(AdjustTotal(y.attested_spent_fen(), p.amount_fen()));
    if (!p.invoice_hash().empty()) y.set_invoiced_spent_fen(AdjustTotal(y.invoiced_spent_fen(), p.amount_fen()));
    y.set_entries(y.entries() + 1);
    return true;
  }));
  IndexAccount(p.from_account());
  IndexOrg(*owner);
  return UpdateStats([&](pb::ChainStats& s) {
    s.set_spent_fen(AdjustTotal(s.spent_fen(), p.amount_fen()));
    s.set_spend_count(s.spend_count() + 1);
    return true;
  });
}

Status Applier::Refund(const pb::Refund& p) {
  auto gift = keys::Load<pb::GiftRecord>(view_, keys::Gift(p.donation_tx_id()));
  if (!gift || gift->trust_deposit()) return Fail("unknown_donation", "donation_tx_id names no donation on the ledger");
  if (gift->corrected_leaf() != 0) {
    return Fail("already_corrected", "this donation was withdrawn by a correction: there is nothing to refund");
  }
  if (gift->refund_leaf() != 0 || gift->refunded_fen() != 0) {
    return Fail("already_refunded", "this donation's remainder was already refunded");
  }
  // A suspended organisation may still return money: refunds are how it winds down.
  auto org = GetOrg(gift->recorded_by());
  if (!org.ok()) return org.status();
  SHANLIU_RETURN_IF_ERROR(RequireSignedBy(*org, "the organisation that received the donation"));
  auto cosigner = CoSigningBank(*org);
  if (!cosigner.ok()) return cosigner.status();
  auto refunded = flow::RecordRefund(view_, gift->account(), gift->interval_start(), gift->amount_fen(), ctx_.leaf);
  if (!refunded.ok()) return refunded.status();
  gift->set_refunded_fen(*refunded);
  gift->set_refund_leaf(ctx_.leaf);
  // The refunded share of the gift earns no points: those are taken back (what was already
  // redeemed is owed, never a negative balance). The part that was spent keeps its points.
  const auto kept_points =
      static_cast<std::uint64_t>((gift->amount_fen() - *refunded) / genesis_.params.donation_fen_per_point);
  const std::uint64_t revoked = gift->points_earned() > kept_points ? gift->points_earned() - kept_points : 0;
  if (revoked > 0) {
    SHANLIU_RETURN_IF_ERROR(RevokePoints(gift->points_holder(), revoked));
    gift->set_points_revoked(revoked);
  }
  keys::Store(view_, keys::Gift(p.donation_tx_id()), *gift);
  IndexAccount(gift->account());
  IndexOrg(gift->recorded_by());
  RecordAttestation(*cosigner);
  // Money leaves now, so the refund counts where the account is now.
  AddRegionMonth(RegionOfAccount(gift->account(), ctx_.leaf), [&](pb::RegionMonth& m) {
    m.set_refunded_fen(AdjustTotal(m.refunded_fen(), *refunded));
    if (!cosigner->empty()) m.set_attested_refunded_fen(AdjustTotal(m.attested_refunded_fen(), *refunded));
  });
  SHANLIU_RETURN_IF_ERROR(AddOrgYear(gift->recorded_by(), [&](pb::OrgYear& y) {
    y.set_income_fen(AdjustTotal(y.income_fen(), -*refunded));
    y.set_refunded_fen(AdjustTotal(y.refunded_fen(), *refunded));
    if (!cosigner->empty()) y.set_attested_refunded_fen(AdjustTotal(y.attested_refunded_fen(), *refunded));
    y.set_entries(y.entries() + 1);
    return true;
  }));
  return UpdateStats([&](pb::ChainStats& s) {
    s.set_refunded_fen(AdjustTotal(s.refunded_fen(), *refunded));
    return true;
  });
}

}  // namespace shanliu::ledger::internal
