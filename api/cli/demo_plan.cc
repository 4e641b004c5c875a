#include "demo_plan.h"

#include <algorithm>
#include <cassert>
#include <set>

#include "shanliu/ledger/registry_codes.h"
#include "demo_planner.h"
#include "format.h"
#include "shanliu/crypto/hash.h"

namespace shanliu::cli::demo {
namespace {

constexpr std::uint64_t kDayMs = 86'400'000;

}  // namespace

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

crypto::KeyPair DemoKey(const std::string& seed, const std::string& name) {
  return crypto::KeyPairFromSeed(crypto::Sha256(AsBytes(seed + name)));
}

Planner::Planner(const PlanOptions& options)
    : o_(options), rng_(crypto::Sha256(AsBytes(options.seed + "/rng"))), year_(BeijingYear(options.now_ms)) {
  assert(!o_.founders.banks.empty());
}

std::string Planner::Derived(const std::string& what) const {
  const Hash256 h = crypto::Sha256(AsBytes(o_.seed + what));
  return std::string(h.begin(), h.end());
}

const crypto::KeyPair& Planner::Key(const std::string& name) {
  auto it = plan_.keys.find(name);
  if (it == plan_.keys.end()) it = plan_.keys.emplace(name, DemoKey(o_.seed, name)).first;
  return it->second;
}

std::uint64_t Planner::RecentMs(unsigned max_days_ago) {
  return o_.now_ms - static_cast<std::uint64_t>(rng_.Range(0, static_cast<std::int64_t>(max_days_ago) * 24)) * 3'600'000;
}

std::string Planner::Add(Phase& phase, pb::TxBody body, std::vector<std::string> signers) {
  phase.txs.push_back(PlannedTx{std::move(body), std::move(signers), -1, -1});
  return phase.txs.back().signers.front();
}

void Planner::RegisterOrgs(Phase& phase) {
  const auto add = [&](const OrgSpec& spec, pb::OrgKind kind) {
    pb::TxBody body;
    pb::RegisterOrg* r = body.mutable_register_org();
    r->set_org_id(spec.id);
    r->set_kind(kind);
    r->set_name_zh(spec.name_zh);
    r->set_name_en(spec.name_en);
    const District& d = Districts()[static_cast<std::size_t>(spec.district)];
    r->set_credit_code(ledger::MakeCreditCode(spec.kind2, d.division, rng_.Next()));
    r->add_public_keys(KeyBytes(Key(spec.id).public_key));
    // Charities and the trustee work in their district (docs/regions.md); merchants have no region.
    if (kind != pb::ORG_KIND_MERCHANT) r->set_region(d.division);
    if (kind == pb::ORG_KIND_CHARITY) {
      // Each charity banks with one of the founding banks, which may then attest its spending.
      const std::string& bank = o_.founders.banks[account_bank_.size() % o_.founders.banks.size()];
      r->add_account_banks(bank);
      account_bank_[spec.id] = bank;
    }
    Add(phase, std::move(body), {o_.founders.bureau});
  };
  for (const OrgSpec& c : Charities()) {
    add(c, pb::ORG_KIND_CHARITY);
    charities_.push_back(c.id);
  }
  for (const OrgSpec& m : Merchants()) add(m, pb::ORG_KIND_MERCHANT);
  add(Trustee(), pb::ORG_KIND_TRUSTEE);
  plan_.totals.charities = Charities().size();
  plan_.totals.merchants = Merchants().size();
  plan_.totals.trustees = 1;
}

void Planner::OpenProjects(Phase& phase) {
  // Each charity runs two projects in its fields; the federation runs two in every field.
  struct Owner {
    std::string id;
    int district;
    std::vector<std::string> categories;
  };
  std::vector<Owner> owners;
  for (const OrgSpec& c : Charities()) {
    std::vector<std::string> cats(c.categories.begin(), c.categories.end());
    owners.push_back({c.id, c.district, {cats[0], cats[1 % cats.size()]}});
  }
  std::vector<std::string> every;
  for (const char* c : {"elder-care", "children", "disaster-relief", "medical-aid", "education"}) {
    every.push_back(c);
    every.push_back(c);
  }
  owners.push_back({o_.founders.federation, 0, every});
  std::set<std::string> names;  // project names so far (zh)

  for (const Owner& owner : owners) {
    std::vector<std::size_t> used;
    std::map<std::string, int> serial;
    for (const std::string& category : owner.categories) {
      std::vector<std::size_t> choices;
      for (std::size_t t = 0; t < ProjectTemplates().size(); ++t) {
        if (ProjectTemplates()[t].category == category && std::find(used.begin(), used.end(), t) == used.end()) {
          choices.push_back(t);
        }
      }
      const std::size_t t = rng_.Pick(choices);
      used.push_back(t);
      const ProjectTemplate& tpl = ProjectTemplates()[t];
      const District& d = Districts()[static_cast<std::size_t>(owner.district)];
      // Names are unique across the district: a donor searching for one finds one. Another street
      // first; a template without one gets the project's phase.
      const Street* street = &rng_.Pick(d.streets);
      const auto name_of = [&](const Street& st) {
        return ReplaceAll(ReplaceAll(tpl.name_zh, "{street}", st.zh), "{district}", d.name_zh);
      };
      for (int tries = 0; tries < 8 && names.count(name_of(*street)); ++tries) street = &rng_.Pick(d.streets);
      std::string name_zh = name_of(*street);
      std::string name_en = ReplaceAll(ReplaceAll(tpl.name_en, "{street}", street->en), "{district}", d.name_en);
      for (int phase_no = 2; names.count(name_zh); ++phase_no) {
        name_zh = name_of(*street) + "（第" + std::to_string(phase_no) + "期）";
        name_en = ReplaceAll(ReplaceAll(tpl.name_en, "{street}", street->en), "{district}", d.name_en) + " (phase " +
                  std::to_string(phase_no) + ")";
      }
      names.insert(name_zh);

      Project p;
      p.id = owner.id + "-" + category + "-" + std::to_string(++serial[category]);
      if (p.id.size() > 40) p.id = p.id.substr(p.id.size() - 40);
      p.owner = owner.id;
      p.category = category;
      p.name_zh = name_zh;

      pb::TxBody body;
      pb::OpenProject* op = body.mutable_open_project();
      op->set_project_id(p.id);
      op->set_owner_org(owner.id);
      op->set_name_zh(p.name_zh);
      op->set_name_en(name_en);
      op->set_category(category);
      op->set_region(d.division);  // the district's GB/T 2260 code; a street, if any, is in the name
      op->set_budget_fen(rng_.Range(tpl.min_budget_yuan / 1000, tpl.max_budget_yuan / 1000) * 1000 * 100);
      p.budget_fen = op->budget_fen();
      // Projects started this year, and at least a month ago (so spending dates fall inside them).
      const std::uint64_t starts =
          std::min(BeijingMidnightMs(year_, 1, 1) + rng_.Below(120) * kDayMs, o_.now_ms - 30 * kDayMs);
      op->set_starts_at_ms(starts);
      op->set_ends_at_ms(rng_.Percent(50) ? BeijingMidnightMs(year_ + 1, 1, 1) - 1 : BeijingMidnightMs(year_ + 1, 7, 1) - 1);
      op->set_description(tpl.description);
      Add(phase, std::move(body), {owner.id});
      plan_.totals.projects_by_category[category]++;
      projects_.push_back(std::move(p));
    }
  }
  plan_.totals.projects = projects_.size();
}

Planner::Project* Planner::FindProject(const std::string& id) {
  auto it = std::find_if(projects_.begin(), projects_.end(), [&](const Project& p) { return p.id == id; });
  return it == projects_.end() ? nullptr : &*it;
}

void Planner::OpenTrust(Phase& phase) {
  plan_.trust_id = "xihu-common-prosperity-trust";
  pb::TxBody body;
  pb::OpenTrust* t = body.mutable_open_trust();
  t->set_trust_id(plan_.trust_id);
  t->set_name_zh("西湖区共同富裕慈善信托");
  t->set_name_en("Xihu Common Prosperity Charitable Trust");
  t->set_trustee_org(Trustee().id);
  t->set_custodian_bank(o_.founders.banks.front());
  t->set_purpose("资助西湖区困难老人助餐、困境儿童助学和防汛救灾");
  t->set_filing_number("杭民慈信备〔" + std::to_string(year_) + "〕第" + std::to_string(rng_.Range(3, 40)) + "号");
  t->set_term_ends_at_ms(BeijingMidnightMs(year_ + 10, 1, 1));
  Add(phase, std::move(body), {o_.founders.bureau});
}

void Planner::PickShowcase() {
  const std::vector<GiftUse>& uses = sim_.gifts();
  // One gift to a project, one to a charity's general fund, one to the federation, if possible:
  // each partly spent, the largest of its kind below ¥50,000.
  std::vector<int> best(3, -1);
  for (std::size_t g = 0; g < plan_.gifts.size(); ++g) {
    const GiftUse& u = uses[g];
    if (u.spent <= 0 || u.spent >= u.amount || u.refunded > 0 || u.amount > 5'000'000) continue;
    const std::string& account = plan_.gifts[g].account;
    const std::size_t kind = account.starts_with("project:") ? 0 : account == "org:" + o_.founders.federation ? 2 : 1;
    if (best[kind] < 0 || plan_.gifts[static_cast<std::size_t>(best[kind])].amount_fen < u.amount) {
      best[kind] = static_cast<int>(g);
    }
  }
  for (int g : best) {
    if (g >= 0) plan_.showcase.push_back(g);
  }
  for (std::size_t g = plan_.gifts.size(); g-- > 0 && plan_.showcase.size() < 3;) {
    const GiftUse& u = uses[g];
    if (u.spent > 0 && u.spent < u.amount && u.refunded == 0 &&
        std::find(plan_.showcase.begin(), plan_.showcase.end(), static_cast<int>(g)) == plan_.showcase.end()) {
      plan_.showcase.push_back(static_cast<int>(g));
    }
  }
}

Plan Planner::Run() {
  plan_.phases.resize(6);
  plan_.phases[0].name = "register organisations";
  RegisterOrgs(plan_.phases[0]);
  plan_.phases[1].name = "open projects and the charity trust";
  OpenProjects(plan_.phases[1]);
  OpenTrust(plan_.phases[1]);
  CatalogueEntries(plan_.phases[1]);  // draws no random numbers: the other phases stay as they were
  plan_.phases[2].name = "donations, trust deposits and volunteer service";
  Donations(plan_.phases[2]);
  TrustDeposits(plan_.phases[2]);
  Volunteering(plan_.phases[2]);
  plan_.phases[3].name = "allocations, grants and trust disbursements";
  Allocations(plan_.phases[3]);
  TrustDisbursements(plan_.phases[3]);
  plan_.phases[4].name = "spending";
  Spending(plan_.phases[4]);
  plan_.phases[5].name = "refunds, points redeemed, disclosures and closing";
  Refunds(plan_.phases[5]);
  Redemptions(plan_.phases[5]);
  Disclosures(plan_.phases[5]);
  CloseProjects(plan_.phases[5]);
  TimeBank(plan_.phases[5]);  // last, so the earlier phases draw the same numbers as before
  Goods(plan_.phases[5]);     // after the time bank, for the same reason
  plan_.uses = sim_.gifts();
  PickShowcase();
  return std::move(plan_);
}

Plan MakePlan(const PlanOptions& options) { return Planner(options).Run(); }

}  // namespace shanliu::cli::demo
