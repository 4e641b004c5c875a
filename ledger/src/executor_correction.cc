// Correction (DESIGN 4.1, docs/rules.md): a paired reversing entry for a wrong Spend, Transfer
// or Donation. Nothing is deleted: the corrected tx stays in the log, its flow records are
// re-marked (so a trace shows "spent by S, corrected by C, back in X"), and the state links the
// two entries by the row r/c/<corrected tx id>. Figures (stats, project and compliance totals,
// points) are reversed so that they read as if the wrong entry had not counted.
#include <cassert>

#include "executor_internal.h"
#include "shanliu/error_codes.h"

namespace shanliu::ledger::internal {
namespace {

bool IsCharitableSpend(pb::SpendCategory c) { return c != pb::SPEND_CATEGORY_ADMIN; }

// total -= amount, refusing to wrap.

std::int64_t AmountOf(const pb::TxBody& b) {
  if (b.has_spend()) return b.spend().amount_fen();
  if (b.has_transfer()) return b.transfer().amount_fen();
  if (b.has_donation()) return b.donation().amount_fen();
  return 0;
}

}  // namespace

// Which corrected tx this is, and whether this correction may reverse it at all. Every refusal
// here comes before anything is written.
Result<pb::TxLocation> Applier::CorrectableTx(const pb::Correction& p, const pb::TxBody& corrected) const {
  auto loc = keys::Load<pb::TxLocation>(view_, keys::TxLoc(p.corrected_tx_id()));
  if (!loc) return Fail("unknown_tx", "corrected_tx_id names no transaction on the ledger");
  switch (corrected.payload_case()) {
    case pb::TxBody::kSpend:
    case pb::TxBody::kTransfer:
    case pb::TxBody::kDonation: break;
    case pb::TxBody::kCorrection:
      return Fail("correction_of_correction",
                  "a correction cannot itself be corrected: record a new entry for what is still wrong");
    default:
      return Fail("not_correctable", "only a spend, transfer or donation can be corrected, not a " +
                                         PayloadKindName(corrected));
  }
  if (view_.Get(keys::CorrectionLink(p.corrected_tx_id()))) {
    return Fail("already_corrected", "this transaction has already been corrected (a tx is corrected once)");
  }
  return *loc;
}

// The author of the corrected tx must sign (Spend: the account's owner; Transfer: the source
// account's owner; Donation: its attesting bank, or the receiving organisation if it was
// self-reported), and the bureau too from the genesis threshold up. A suspended author may
// still correct its mistakes, as it may still refund.
Status Applier::RequireCorrectionSigners(const pb::TxBody& corrected, const pb::GiftRecord* gift) {
  std::string author;
  if (corrected.has_donation()) {
    assert(gift != nullptr);
    author = gift->attested() ? gift->attesting_bank() : gift->recorded_by();
  } else {
    auto owner = AccountOwner(corrected.has_spend() ? corrected.spend().from_account()
                                                    : corrected.transfer().from_account());
    if (!owner.ok()) return owner.status();
    author = *owner;
  }
  auto org = GetOrg(author);
  if (!org.ok()) return org.status();
  SHANLIU_RETURN_IF_ERROR(RequireSignedBy(*org, "the author of the corrected transaction"));
  if (AmountOf(corrected) < genesis_.params.correction_bureau_threshold_fen) return Status::Ok();
  auto bureau = RequireBureauSigner();
  if (bureau.ok() || bureau.status().code() == errc::kSuspended) return bureau.status();
  return Fail("bureau_cosign_required", "a correction of " + std::to_string(AmountOf(corrected)) +
                                            " fen (the threshold is " +
                                            std::to_string(genesis_.params.correction_bureau_threshold_fen) +
                                            " fen) must be co-signed by the civil-affairs bureau (民政局)");
}

Status Applier::Correction(const pb::Correction& p) {
  pb::TxBody corrected;
  const bool parsed = corrected.ParseFromString(p.corrected_tx_body());
  assert(parsed);  // stateless validation checked it hashes to corrected_tx_id
  (void)parsed;
  auto loc = CorrectableTx(p, corrected);
  if (!loc.ok()) return loc.status();

  std::optional<pb::GiftRecord> gift;
  if (corrected.has_donation()) {
    gift = keys::Load<pb::GiftRecord>(view_, keys::Gift(p.corrected_tx_id()));
    if (!gift) throw StorageError("a committed donation has no gift record");
  }
  SHANLIU_RETURN_IF_ERROR(RequireCorrectionSigners(corrected, gift ? &*gift : nullptr));

  pb::CorrectionRecord link;
  link.set_correction_tx_id(TxIdBytes());
  link.set_correction_leaf(ctx_.leaf);
  link.set_corrected_leaf(loc->leaf());
  link.set_height(ctx_.height);
  link.set_amount_fen(AmountOf(corrected));
  if (corrected.has_spend()) {
    SHANLIU_RETURN_IF_ERROR(ReverseSpend(corrected.spend(), *loc, p.corrected_tx_id()));
  } else if (corrected.has_transfer()) {
    SHANLIU_RETURN_IF_ERROR(ReverseTransfer(corrected.transfer(), *loc));
  } else {
    auto points = WithdrawDonation(corrected.donation(), *gift, p.corrected_tx_id());
    if (!points.ok()) return points.status();
    link.set_points_reversed(*points);
  }
  keys::Store(view_, keys::CorrectionLink(p.corrected_tx_id()), link);
  return UpdateStats([](pb::ChainStats& s) {
    s.set_correction_count(s.correction_count() + 1);
    return true;
  });
}

// The spent money comes back into the spending account; spending figures are taken back (in
// the correction's year, as a refund books in its own year).
Status Applier::ReverseSpend(const pb::Spend& s, const pb::TxLocation& loc, const std::string& spend_id) {
  auto owner = AccountOwner(s.from_account());
  if (!owner.ok()) return owner.status();
  auto back = flow::RecordReversal(view_, loc.leaf(), ctx_.leaf);
  if (!back.ok()) return back.status();
  if (s.from_account().starts_with("project:")) {
    auto project = GetProject(s.from_account().substr(8));
    if (!project.ok()) return project.status();
    auto* by_category = project->mutable_spent_by_category_fen();
    if (by_category->size() < pb::SpendCategory_ARRAYSIZE) by_category->Resize(pb::SpendCategory_ARRAYSIZE, 0);
    by_category->Set(s.category(), AdjustTotal(by_category->Get(s.category()), -s.amount_fen()));
    keys::Store(view_, keys::Project(project->spec().project_id()), *project);
  }
  const bool attested = view_.Get(keys::Attestation(spend_id)).has_value();
  CountRegionSpend(s, attested, loc.leaf(), true);
  const bool charitable = IsCharitableSpend(s.category());
  SHANLIU_RETURN_IF_ERROR(AddOrgYear(*owner, [&](pb::OrgYear& y) {
    if (charitable) {
      y.set_charitable_spent_fen(AdjustTotal(y.charitable_spent_fen(), -s.amount_fen()));
    } else {
      y.set_admin_spent_fen(AdjustTotal(y.admin_spent_fen(), -s.amount_fen()));
    }
    if (attested) y.set_attested_spent_fen(AdjustTotal(y.attested_spent_fen(), -s.amount_fen()));
    if (!s.invoice_hash().empty()) y.set_invoiced_spent_fen(AdjustTotal(y.invoiced_spent_fen(), -s.amount_fen()));
    y.set_corrections(y.corrections() + 1);
    return true;
  }));
  IndexAccount(s.from_account());
  IndexOrg(*owner);
  return UpdateStats([&](pb::ChainStats& st) {
    if (st.spend_count() == 0) return false;
    st.set_spent_fen(AdjustTotal(st.spent_fen(), -s.amount_fen()));
    st.set_spend_count(st.spend_count() - 1);
    return true;
  });
}

// The transferred money leaves the target (only while all of it is still there) and comes
// back into the source; allocation, grant and income figures are taken back.
Status Applier::ReverseTransfer(const pb::Transfer& t, const pb::TxLocation& loc) {
  auto source_owner = AccountOwner(t.from_account());
  if (!source_owner.ok()) return source_owner.status();
  auto target_owner = AccountOwner(t.to_account());
  if (!target_owner.ok()) return target_owner.status();
  auto back = flow::RecordReversal(view_, loc.leaf(), ctx_.leaf);
  if (!back.ok()) return back.status();
  if (t.to_account().starts_with("project:")) {
    auto project = GetProject(t.to_account().substr(8));
    if (!project.ok()) return project.status();
    project->set_allocated_fen(AdjustTotal(project->allocated_fen(), -t.amount_fen()));
    keys::Store(view_, keys::Project(project->spec().project_id()), *project);
  }
  const bool grant = *target_owner != *source_owner;
  SHANLIU_RETURN_IF_ERROR(AddOrgYear(*source_owner, [&](pb::OrgYear& y) {
    if (grant) y.set_granted_out_fen(AdjustTotal(y.granted_out_fen(), -t.amount_fen()));
    y.set_corrections(y.corrections() + 1);
    return true;
  }));
  if (grant) {
    SHANLIU_RETURN_IF_ERROR(AddOrgIncome(*target_owner, -t.amount_fen()));
    IndexOrg(*target_owner);
  }
  IndexAccount(t.from_account());
  IndexAccount(t.to_account());
  IndexOrg(*source_owner);
  return UpdateStats([&](pb::ChainStats& s) {
    if (s.transfer_count() == 0) return false;
    s.set_transferred_fen(AdjustTotal(s.transferred_fen(), -t.amount_fen()));
    s.set_transfer_count(s.transfer_count() - 1);
    return true;
  });
}

// The whole gift leaves its account (only while none of it was used or refunded); its points
// go back from the holder, who must still hold them; its bank reference and e-receipt number
// are released so the right entry can be recorded with them. Returns the points taken back.
Result<std::uint64_t> Applier::WithdrawDonation(const pb::Donation& d, pb::GiftRecord& gift,
                                                const std::string& gift_id) {
  if (gift.refunded_fen() != 0 || gift.refund_leaf() != 0) {
    return Fail("funds_consumed", "this donation was refunded in part: only an untouched gift can be corrected");
  }
  SHANLIU_RETURN_IF_ERROR(
      flow::RecordWithdrawal(view_, gift.account(), gift.interval_start(), gift.amount_fen(), ctx_.leaf));
  const std::uint64_t points = gift.points_earned();
  if (points > 0) SHANLIU_RETURN_IF_ERROR(TakeBackPoints(gift.points_holder(), points));
  gift.set_corrected_leaf(ctx_.leaf);
  keys::Store(view_, keys::Gift(gift_id), gift);

  const std::string bank = gift.attested() ? gift.attesting_bank() : gift.recorded_by();
  if (!d.bank_ref_hash().empty()) view_.Delete(keys::BankRef(bank, d.bank_ref_hash()));
  if (!d.receipt_number_hash().empty()) view_.Delete(keys::ReceiptNumber(gift.recorded_by(), d.receipt_number_hash()));

  if (gift.account().starts_with("project:")) {
    auto project = GetProject(gift.account().substr(8));
    if (!project.ok()) return project.status();
    if (project->donation_count() == 0) return Fail("corruption", "a project's donation count disagrees with its gifts");
    project->set_donated_fen(AdjustTotal(project->donated_fen(), -gift.amount_fen()));
    project->set_donation_count(project->donation_count() - 1);
    keys::Store(view_, keys::Project(project->spec().project_id()), *project);
  }
  IndexAccount(gift.account());
  IndexOrg(gift.recorded_by());
  if (gift.attested()) IndexOrg(gift.attesting_bank());
  CountRegionDonation(gift.account(), -gift.amount_fen(), gift.attested(), gift.leaf(), false);
  // The withdrawn gift leaves the year's inflows in the correction's year (as a refund does);
  // the correction is counted against the receiving organisation, whose books were wrong.
  SHANLIU_RETURN_IF_ERROR(AddOrgYear(gift.recorded_by(), [&](pb::OrgYear& y) {
    y.set_income_fen(AdjustTotal(y.income_fen(), -gift.amount_fen()));
    y.set_donated_fen(AdjustTotal(y.donated_fen(), -gift.amount_fen()));
    if (gift.attested()) y.set_attested_donated_fen(AdjustTotal(y.attested_donated_fen(), -gift.amount_fen()));
    y.set_corrections(y.corrections() + 1);
    return true;
  }));
  SHANLIU_RETURN_IF_ERROR(UpdateStats([&](pb::ChainStats& s) {
    if (s.donation_count() == 0) return false;
    s.set_donated_fen(AdjustTotal(s.donated_fen(), -gift.amount_fen()));
    s.set_donation_count(s.donation_count() - 1);
    return true;
  }));
  return points;
}

}  // namespace shanliu::ledger::internal
