// Rules for regions (docs/regions.md): streets, resident populations, organisations' regions and
// the per-month region figures every money rule updates in the same write as its other totals.
#include "executor_internal.h"
#include "shanliu/ledger/regions.h"
#include "shanliu/ledger/registry_codes.h"

namespace shanliu::ledger::internal {

Status Applier::CheckPlaceable(const std::string& region, const char* field) const {
  if (regions::IsPlaceable(view_, region)) return Status::Ok();
  return Fail("unknown_region", std::string(field) + " '" + region +
                                    "' is neither a GB/T 2260 county-level code nor a street registered on the chain");
}

Status Applier::RegisterStreet(const pb::RegisterStreet& p) {
  auto bureau = RequireBureauSigner();
  if (!bureau.ok()) return bureau.status();
  // Stateless validation checked nine digits; the county part must be on the list.
  if (!RegionName(p.code().substr(0, 6))) {
    return Fail("unknown_region", "street '" + p.code() + "' lies in '" + p.code().substr(0, 6) +
                                      "', which is not a GB/T 2260 county-level code");
  }
  if (regions::Street(view_, p.code())) return Fail("already_exists", "street '" + p.code() + "' is registered");
  pb::StreetRecord rec;
  rec.set_name_zh(p.name_zh());
  rec.set_height(ctx_.height);
  keys::Store(view_, keys::Street(p.code()), rec);
  IndexOrg(bureau->org_id());
  return Status::Ok();
}

// A revised figure replaces the earlier one for that region and year: statistics bureaux revise
// populations after a census, and the tx log keeps every value that was ever recorded.
Status Applier::RegionPopulation(const pb::RegionPopulation& p) {
  auto bureau = RequireBureauSigner();
  if (!bureau.ok()) return bureau.status();
  if (p.year() < regions::kMinYear || p.year() > regions::kMaxYear) {
    return Fail("invalid_year", "year " + std::to_string(p.year()) + " is outside 2000..2100");
  }
  if (p.population() == 0 || p.population() > regions::kMaxPopulation) {
    return Fail("invalid_population", "population must be between 1 and 2,000,000,000 residents");
  }
  auto code = regions::ParseCode(p.region());
  if (!code || code->digits != p.region() || !regions::IsKnown(view_, *code)) {
    return Fail("unknown_region", "region '" + p.region() +
                                      "' is not a known province (2 digits), city (4), county (6) or registered "
                                      "street (9)");
  }
  pb::RegionPopulationRecord rec;
  rec.set_population(p.population());
  rec.set_height(ctx_.height);
  rec.set_leaf(ctx_.leaf);
  keys::Store(view_, keys::RegionPopulation(p.region(), p.year()), rec);
  IndexOrg(bureau->org_id());
  return Status::Ok();
}

void Applier::RecordOrgRegion(const std::string& org, const std::string& old_region, const std::string& new_region) {
  pb::OrgRegionChange change;
  change.set_old_region(old_region);
  change.set_new_region(new_region);
  change.set_height(ctx_.height);
  change.set_time_ms(ctx_.time_ms);
  keys::Store(view_, keys::OrgRegion(org, ctx_.leaf), change);
}

// A project's own region, else the region its owner (or a trust's trustee) had at `leaf`:
// an organisation's past figures stay with the region it had when they happened.
std::string Applier::RegionOfAccount(const std::string& account, std::uint64_t leaf) const {
  if (account.starts_with("project:")) {
    auto project = GetProject(account.substr(8));
    if (project.ok() && !project->spec().region().empty()) return project->spec().region();
  }
  auto owner = AccountOwner(account);
  if (!owner.ok()) return "";
  // At this tx's own leaf the region is the record's `region`, which every placement writes
  // beside its history row: one Get on each donation's path instead of a seek through the
  // history, which only corrections (booked where their original counted) need.
  if (leaf == ctx_.leaf) {
    auto org = GetOrg(*owner);
    return org.ok() ? org->region() : "";
  }
  return regions::OrgRegionAt(view_, *owner, leaf);
}

std::string Applier::CategoryOfAccount(const std::string& account) const {
  if (!account.starts_with("project:")) return "";
  auto project = GetProject(account.substr(8));
  return project.ok() ? project->spec().category() : "";
}

void Applier::AddRegionMonthAt(const std::string& region, std::uint64_t time_ms,
                               const std::function<void(pb::RegionMonth&)>& update) {
  if (region.empty()) return;  // organisations without a region (banks, national bodies) count chain-wide only
  const std::string key = keys::RegionMonth(BeijingYear(time_ms), region, BeijingMonth(time_ms));
  pb::RegionMonth month = keys::Load<pb::RegionMonth>(view_, key).value_or(pb::RegionMonth());
  if (month.spent_by_category_fen_size() < pb::SpendCategory_ARRAYSIZE) {
    month.mutable_spent_by_category_fen()->Resize(pb::SpendCategory_ARRAYSIZE, 0);
  }
  update(month);
  keys::Store(view_, key, month);
}

void Applier::CountRegionDonation(const std::string& account, std::int64_t amount_fen, bool attested,
                                  std::uint64_t attributed_leaf, bool over_budget) {
  const std::string category = CategoryOfAccount(account);
  AddRegionMonth(RegionOfAccount(account, attributed_leaf), [&](pb::RegionMonth& m) {
    const std::int64_t sign = amount_fen < 0 ? -1 : 1;
    m.set_donated_fen(AdjustTotal(m.donated_fen(), amount_fen));
    m.set_donation_count(AdjustTotal(m.donation_count(), sign));
    if (attested) m.set_attested_donated_fen(AdjustTotal(m.attested_donated_fen(), amount_fen));
    regions::AddCategoryFen(m, category, amount_fen);
    if (sign < 0) m.set_corrections(AddCount(m.corrections(), 1));
    if (sign > 0 && !attested) m.set_self_reported_donations(AddCount(m.self_reported_donations(), 1));
    if (over_budget) m.set_over_budget_donations(AddCount(m.over_budget_donations(), 1));
  });
}

void Applier::CountRegionSpend(const pb::Spend& s, bool attested, std::uint64_t attributed_leaf, bool reversal) {
  const std::int64_t amount_fen = reversal ? -s.amount_fen() : s.amount_fen();
  AddRegionMonth(RegionOfAccount(s.from_account(), attributed_leaf), [&](pb::RegionMonth& m) {
    m.set_spent_fen(AdjustTotal(m.spent_fen(), amount_fen));
    m.set_spend_count(AdjustTotal(m.spend_count(), reversal ? -1 : 1));
    if (attested) m.set_attested_spent_fen(AdjustTotal(m.attested_spent_fen(), amount_fen));
    if (!s.invoice_hash().empty()) m.set_invoiced_spent_fen(AdjustTotal(m.invoiced_spent_fen(), amount_fen));
    auto* by_category = m.mutable_spent_by_category_fen();
    by_category->Set(s.category(), AdjustTotal(by_category->Get(s.category()), amount_fen));
    if (reversal) {
      m.set_corrections(AddCount(m.corrections(), 1));
      return;
    }
    if (!attested) m.set_unattested_spends(AddCount(m.unattested_spends(), 1));
    if (s.invoice_hash().empty()) m.set_uninvoiced_spends(AddCount(m.uninvoiced_spends(), 1));
  });
}

// The first project report filed on a closed project marks it reported, in the row of the month
// it closed: "of the projects closed in March, how many have a closing report" is the share shown.
void Applier::CountClosingReport(const std::string& project_id) {
  auto project = GetProject(project_id);
  if (!project.ok() || !project->closed() || project->closing_report_leaf() != 0) return;
  project->set_closing_report_leaf(ctx_.leaf);
  keys::Store(view_, keys::Project(project_id), *project);
  AddRegionMonthAt(RegionOfAccount("project:" + project_id, ctx_.leaf), project->closed_time_ms(),
                   [](pb::RegionMonth& m) { m.set_projects_closed_reported(AddCount(m.projects_closed_reported(), 1)); });
}

}  // namespace shanliu::ledger::internal
