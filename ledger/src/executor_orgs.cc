// Rules for organisations, projects, trusts and disclosures (no money moves here).
#include <cassert>

#include "executor_internal.h"
#include "shanliu/ledger/goods.h"
#include "shanliu/ledger/registry_codes.h"

namespace shanliu::ledger::internal {

Status Applier::RegisterOrg(const pb::RegisterOrg& p) {
  auto bureau = RequireBureauSigner();
  if (!bureau.ok()) return bureau.status();
  if (view_.Get(keys::Org(p.org_id()))) return Fail("already_exists", "organisation '" + p.org_id() + "' exists");
  SHANLIU_RETURN_IF_ERROR(CheckAccountBanks(p.account_banks()));
  if (!IsValidCreditCode(p.credit_code())) {
    return Fail("invalid_credit_code", "credit_code '" + p.credit_code() +
                                           "' fails its GB 32100-2015 check character (or the organisation code's)");
  }
  if (auto holder = view_.Get(keys::CreditCode(p.credit_code()))) {
    return Fail("duplicate_credit_code", "credit_code '" + p.credit_code() + "' already belongs to '" + *holder + "'");
  }
  if (!p.region().empty()) SHANLIU_RETURN_IF_ERROR(CheckPlaceable(p.region(), "region"));
  view_.Put(keys::CreditCode(p.credit_code()), p.org_id());
  pb::OrgRecord rec;
  rec.set_org_id(p.org_id());
  rec.set_kind(p.kind());
  rec.set_name_zh(p.name_zh());
  rec.set_name_en(p.name_en());
  rec.set_credit_code(p.credit_code());
  rec.set_status(pb::ORG_STATUS_ACTIVE);
  rec.set_registered_height(ctx_.height);
  *rec.mutable_account_banks() = p.account_banks();
  rec.set_region(p.region());
  if (!p.region().empty()) RecordOrgRegion(p.org_id(), "", p.region());
  for (const std::string& key : p.public_keys()) {
    if (view_.Get(keys::KeyOwner(key))) return Fail("key_in_use", "a public key already belongs to an organisation");
    view_.Put(keys::KeyOwner(key), p.org_id());
    rec.add_public_keys(key);
  }
  keys::Store(view_, keys::Org(p.org_id()), rec);
  IndexOrg(p.org_id());
  return UpdateStats([](pb::ChainStats& s) {
    s.set_org_count(s.org_count() + 1);
    return true;
  });
}

Status Applier::UpdateOrg(const pb::UpdateOrg& p) {
  auto bureau = RequireBureauSigner();
  if (!bureau.ok()) return bureau.status();
  auto org = GetOrg(p.org_id());
  if (!org.ok()) return org.status();
  if (org->org_id() == bureau->org_id()) {
    return Fail("wrong_signer", "a bureau cannot change its own status");
  }
  org->set_status(p.status());
  org->set_status_reason(p.reason());
  if (p.has_account_banks()) {
    SHANLIU_RETURN_IF_ERROR(CheckAccountBanks(p.account_banks().bank_orgs()));
    *org->mutable_account_banks() = p.account_banks().bank_orgs();
  }
  // A move: figures from this tx on count in the new region; the old ones stay where they were.
  if (!p.region().empty() && p.region() != org->region()) {
    SHANLIU_RETURN_IF_ERROR(CheckPlaceable(p.region(), "region"));
    RecordOrgRegion(p.org_id(), org->region(), p.region());
    org->set_region(p.region());
  }
  keys::Store(view_, keys::Org(p.org_id()), *org);
  IndexOrg(p.org_id());
  return Status::Ok();
}

Status Applier::RotateKey(const pb::RotateKey& p) {
  auto org = GetOrg(p.org_id());
  if (!org.ok()) return org.status();
  auto& keys_list = *org->mutable_public_keys();
  auto it = std::find(keys_list.begin(), keys_list.end(), p.old_public_key());
  if (it == keys_list.end()) return Fail("unknown_key", "old_public_key is not a current key of '" + p.org_id() + "'");
  crypto::PublicKey old_key;
  std::copy(p.old_public_key().begin(), p.old_public_key().end(), old_key.begin());
  if (!tx_.SignedBy(old_key)) return Fail("wrong_signer", "a key rotation must be signed by the key it replaces");
  if (view_.Get(keys::KeyOwner(p.new_public_key()))) {
    return Fail("key_in_use", "new_public_key already belongs to an organisation");
  }
  *it = p.new_public_key();
  view_.Delete(keys::KeyOwner(p.old_public_key()));
  view_.Put(keys::KeyOwner(p.new_public_key()), p.org_id());
  keys::Store(view_, keys::Org(p.org_id()), *org);
  IndexOrg(p.org_id());
  return Status::Ok();
}

Status Applier::OpenProject(const pb::OpenProject& p) {
  auto owner = GetActiveOrg(p.owner_org());
  if (!owner.ok()) return owner.status();
  SHANLIU_RETURN_IF_ERROR(RequireKind(*owner, {pb::ORG_KIND_CHARITY, pb::ORG_KIND_FEDERATION}, "a project owner"));
  SHANLIU_RETURN_IF_ERROR(RequireSignedBy(*owner, "the project owner"));
  if (view_.Get(keys::Project(p.project_id()))) {
    return Fail("already_exists", "project '" + p.project_id() + "' exists");
  }
  SHANLIU_RETURN_IF_ERROR(CheckPlaceable(p.region(), "region"));
  if (!genesis_.params.IsProjectCategory(p.category())) {
    return Fail("unknown_category", "category '" + p.category() + "' is not one of the chain's project categories");
  }
  pb::ProjectRecord rec;
  *rec.mutable_spec() = p;
  rec.set_opened_height(ctx_.height);
  rec.set_opened_time_ms(ctx_.time_ms);
  rec.mutable_spent_by_category_fen()->Resize(pb::SpendCategory_ARRAYSIZE, 0);
  keys::Store(view_, keys::Project(p.project_id()), rec);
  IndexOrg(p.owner_org());
  IndexAccount("project:" + p.project_id());
  AddRegionMonth(p.region(), [](pb::RegionMonth& m) { m.set_projects_opened(AddCount(m.projects_opened(), 1)); });
  return UpdateStats([](pb::ChainStats& s) {
    s.set_project_count(s.project_count() + 1);
    return true;
  });
}

Status Applier::CloseProject(const pb::CloseProject& p) {
  auto project = GetProject(p.project_id());
  if (!project.ok()) return project.status();
  if (project->closed()) return Fail("project_closed", "project '" + p.project_id() + "' is already closed");
  auto owner = GetActiveOrg(project->spec().owner_org());
  if (!owner.ok()) return owner.status();
  SHANLIU_RETURN_IF_ERROR(RequireSignedBy(*owner, "the project owner"));
  const std::string account = "project:" + p.project_id();
  const flow::AccountFlow f = flow::GetAccount(view_, account);
  if (f.balance_fen != 0) {
    return Fail("project_not_empty", "project '" + p.project_id() + "' still holds " +
                                         std::to_string(f.balance_fen) + " fen; spend or refund it first");
  }
  // Goods are held too: a closed project could never distribute what is left.
  if (goods::HoldsAnyGoods(view_, account)) {
    return Fail("project_not_empty", "project '" + p.project_id() + "' still holds goods; distribute them first");
  }
  project->set_closed(true);
  project->set_closed_height(ctx_.height);
  project->set_closed_time_ms(ctx_.time_ms);
  project->set_closing_summary(p.summary());
  keys::Store(view_, keys::Project(p.project_id()), *project);
  IndexOrg(owner->org_id());
  IndexAccount(account);
  AddRegionMonth(project->spec().region(),
                 [](pb::RegionMonth& m) { m.set_projects_closed(AddCount(m.projects_closed(), 1)); });
  return Status::Ok();
}

// Only the three fields a donor relies on when giving change, and each change is kept (pu/ rows)
// so the project page shows what was promised before. Name, category, region and start stay fixed.
Status Applier::UpdateProject(const pb::UpdateProject& p) {
  auto project = GetProject(p.project_id());
  if (!project.ok()) return project.status();
  if (project->closed()) return Fail("project_closed", "project '" + p.project_id() + "' is closed");
  auto owner = GetActiveOrg(project->spec().owner_org());
  if (!owner.ok()) return owner.status();
  SHANLIU_RETURN_IF_ERROR(RequireSignedBy(*owner, "the project owner"));
  pb::OpenProject* spec = project->mutable_spec();
  pb::ProjectUpdateRecord change;
  change.set_leaf(ctx_.leaf);
  change.set_height(ctx_.height);
  change.set_time_ms(ctx_.time_ms);
  change.set_reason(p.reason());
  if (!p.description().empty() && p.description() != spec->description()) {
    change.set_description_changed(true);
    change.set_old_description(spec->description());
    change.set_new_description(p.description());
    spec->set_description(p.description());
  }
  if (p.ends_at_ms() != 0 && p.ends_at_ms() != spec->ends_at_ms()) {
    // Extension only: a shorter project would strand donors who gave for the promised term.
    if (p.ends_at_ms() < spec->ends_at_ms() || p.ends_at_ms() < ctx_.time_ms) {
      return Fail("invalid_end_date", "ends_at_ms may only move later than " + std::to_string(spec->ends_at_ms()) +
                                          " and not before the block time " + std::to_string(ctx_.time_ms));
    }
    change.set_ends_changed(true);
    change.set_old_ends_at_ms(spec->ends_at_ms());
    change.set_new_ends_at_ms(p.ends_at_ms());
    spec->set_ends_at_ms(p.ends_at_ms());
  }
  if (p.budget_fen() != 0 && p.budget_fen() != spec->budget_fen()) {
    change.set_budget_changed(true);
    change.set_old_budget_fen(spec->budget_fen());
    change.set_new_budget_fen(p.budget_fen());
    spec->set_budget_fen(p.budget_fen());
  }
  if (!change.description_changed() && !change.ends_changed() && !change.budget_changed()) {
    return Fail("no_change", "the update changes nothing in project '" + p.project_id() + "'");
  }
  project->set_update_count(project->update_count() + 1);
  keys::Store(view_, keys::Project(p.project_id()), *project);
  keys::Store(view_, keys::ProjectUpdate(p.project_id(), ctx_.leaf), change);
  IndexOrg(owner->org_id());
  IndexAccount("project:" + p.project_id());
  return Status::Ok();
}

Status Applier::OpenTrust(const pb::OpenTrust& p) {
  auto bureau = RequireBureauSigner();
  if (!bureau.ok()) return bureau.status();
  if (view_.Get(keys::Trust(p.trust_id()))) return Fail("already_exists", "trust '" + p.trust_id() + "' exists");
  auto trustee = GetActiveOrg(p.trustee_org());
  if (!trustee.ok()) return trustee.status();
  SHANLIU_RETURN_IF_ERROR(
      RequireKind(*trustee, {pb::ORG_KIND_TRUSTEE, pb::ORG_KIND_CHARITY, pb::ORG_KIND_FEDERATION}, "a trustee"));
  auto bank = GetActiveOrg(p.custodian_bank());
  if (!bank.ok()) return bank.status();
  SHANLIU_RETURN_IF_ERROR(RequireKind(*bank, {pb::ORG_KIND_BANK}, "a custodian bank"));
  pb::TrustRecord rec;
  *rec.mutable_spec() = p;
  rec.set_opened_height(ctx_.height);
  rec.set_opened_time_ms(ctx_.time_ms);
  keys::Store(view_, keys::Trust(p.trust_id()), rec);
  IndexOrg(p.trustee_org());
  IndexOrg(p.custodian_bank());
  IndexAccount("trust:" + p.trust_id());
  return UpdateStats([](pb::ChainStats& s) {
    s.set_trust_count(s.trust_count() + 1);
    return true;
  });
}

Status Applier::Disclosure(const pb::Disclosure& p) {
  auto org = GetOrg(p.org_id());
  if (!org.ok()) return org.status();
  SHANLIU_RETURN_IF_ERROR(RequireSignedBy(*org, "the disclosing organisation"));
  if (!p.project_id().empty()) {
    auto project = GetProject(p.project_id());
    if (!project.ok()) return project.status();
    if (project->spec().owner_org() != p.org_id()) {
      return Fail("wrong_signer", "only the project's owner can file a report on it");
    }
    IndexAccount("project:" + p.project_id());
    if (p.type() == pb::DISCLOSURE_TYPE_PROJECT_REPORT) CountClosingReport(p.project_id());
  }
  view_.Put(keys::Disclosure(p.org_id(), ctx_.leaf), "");
  IndexOrg(p.org_id());
  SHANLIU_RETURN_IF_ERROR(AddOrgYear(p.org_id(), [](pb::OrgYear& y) {
    y.set_disclosures(y.disclosures() + 1);
    return true;
  }));
  return UpdateStats([](pb::ChainStats& s) {
    s.set_disclosure_count(s.disclosure_count() + 1);
    return true;
  });
}

}  // namespace shanliu::ledger::internal
