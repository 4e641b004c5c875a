// The demo's money: donations and trust deposits in, allocations and grants across, spending out.
#include <algorithm>

#include "demo_planner.h"
#include "shanliu/crypto/hash.h"

namespace shanliu::cli::demo {
namespace {

pb::SpendCategory SpendCategoryOf(const std::string& name) {
  if (name == "material") return pb::SPEND_CATEGORY_MATERIAL;
  if (name == "cash_aid") return pb::SPEND_CATEGORY_CASH_AID;
  if (name == "service") return pb::SPEND_CATEGORY_SERVICE;
  if (name == "admin") return pb::SPEND_CATEGORY_ADMIN;
  return pb::SPEND_CATEGORY_OTHER;
}

pb::PayeeKind PayeeKindOf(const std::string& name) {
  if (name == "individuals") return pb::PAYEE_KIND_INDIVIDUALS;
  if (name == "organisation") return pb::PAYEE_KIND_ORGANISATION;
  return pb::PAYEE_KIND_VENDOR;
}

}  // namespace

std::int64_t Planner::DonationAmount(bool* large) {
  *large = false;
  const std::uint64_t r = rng_.Below(100);
  if (r < 80) {  // small gifts, often round or "lucky" amounts
    static const std::vector<std::int64_t> common = {100, 200, 500, 666, 888, 990, 1000, 2000, 3000, 5000};
    return rng_.Percent(50) ? rng_.Pick(common) : rng_.Range(100, 5000);
  }
  if (r < 97) return rng_.Range(10, 500) * 1000;  // ¥100 .. ¥5,000
  *large = true;
  return rng_.Range(10, 200) * 100'000;  // ¥10,000 .. ¥200,000
}

std::vector<std::int64_t> Planner::Split(std::int64_t total, std::size_t parts) {
  parts = std::max<std::size_t>(1, std::min<std::size_t>(parts, static_cast<std::size_t>(total)));
  std::vector<std::int64_t> weights;
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < parts; ++i) sum += weights.emplace_back(rng_.Range(2, 10));
  std::vector<std::int64_t> out;
  std::int64_t left = total;
  for (std::size_t i = 0; i + 1 < parts; ++i) {
    const std::int64_t share = std::max<std::int64_t>(1, total / sum * weights[i] + (total % sum) * weights[i] / sum);
    const std::int64_t amount = std::min(share, left - static_cast<std::int64_t>(parts - 1 - i));
    out.push_back(amount);
    left -= amount;
  }
  out.push_back(left);
  return out;
}

void Planner::Donations(Phase& phase) {
  const std::string federation = o_.founders.federation;
  const std::size_t residents = std::clamp<std::size_t>(o_.donations / 25, 20, 200);
  for (std::size_t i = 0; i < residents; ++i) residents_.push_back("resident-" + std::to_string(i + 1));
  std::vector<std::uint64_t> charity_weight, project_weight;
  for (std::size_t i = 0; i < charities_.size(); ++i) charity_weight.push_back(static_cast<std::uint64_t>(rng_.Range(1, 6)));
  for (std::size_t i = 0; i < projects_.size(); ++i) project_weight.push_back(static_cast<std::uint64_t>(rng_.Range(1, 5)));
  const std::uint64_t donors = std::max<std::uint64_t>(10, o_.donations * 3 / 5);

  for (std::uint64_t i = 0; i < o_.donations; ++i) {
    std::string account, receiver;
    bool large = false;
    const std::int64_t amount = DonationAmount(&large);
    Project* restricted = nullptr;
    if (rng_.Percent(30)) {
      // A gift restricted to a project that can still take it: donors do not give beyond a
      // published budget, so a project never raises more than it asked for. If none of three
      // picks has room, the donor gives to the last pick's organisation instead.
      for (int attempt = 0; attempt < 3 && restricted == nullptr; ++attempt) {
        Project& p = projects_[rng_.Weighted(project_weight)];
        receiver = p.owner;
        if (p.Room() >= amount) restricted = &p;
      }
    } else {
      receiver = rng_.Percent(15) ? federation : charities_[rng_.Weighted(charity_weight)];
    }
    if (restricted != nullptr) {
      restricted->received_fen += amount;
      account = "project:" + restricted->id;
      plan_.totals.restricted++;
    } else {
      account = "org:" + receiver;
    }
    const bool attested = rng_.Percent(40);
    const std::string bank = rng_.Pick(o_.founders.banks);
    const std::string recorder = attested ? bank : receiver;
    const std::string donor_id = "donor-" + std::to_string(rng_.Below(donors) + 1);

    pb::TxBody body;
    pb::Donation* d = body.mutable_donation();
    d->set_to_account(account);
    d->set_amount_fen(amount);
    // donor_ref = SHA-256(salt || donor id); the salt stays with the recording organisation.
    const Hash256 ref = crypto::Sha256(AsBytes(Derived("/salt/" + recorder) + donor_id));
    d->set_donor_ref(std::string(ref.begin(), ref.end()));
    if (large) {
      d->set_donor_display_name(rng_.Pick(CompanyDonors()));
    } else if (rng_.Percent(25)) {
      d->set_donor_display_name(rng_.Pick(DonorDisplayNames()));
    }
    if (!d->donor_display_name().empty()) plan_.totals.named++;
    std::string points_holder;
    std::uint64_t earned = 0;
    if (rng_.Percent(30)) {
      points_holder = rng_.Pick(residents_);
      d->set_points_holder(KeyBytes(Key(points_holder).public_key));
      earned = o_.donation_fen_per_point > 0 ? static_cast<std::uint64_t>(amount / o_.donation_fen_per_point) : 0;
      points_[points_holder] += earned;
      plan_.totals.points_earned += earned;
      plan_.totals.with_points++;
    }
    if (attested) {
      d->set_attesting_bank(bank);
      d->set_bank_ref_hash(Derived("/bank-ref/" + bank + "/" + std::to_string(i)));
      d->set_channel(rng_.Percent(70) ? pb::DONATION_CHANNEL_BANK_TRANSFER : pb::DONATION_CHANNEL_MOBILE_PAYMENT);
      plan_.totals.attested++;
    } else {
      const std::uint64_t c = rng_.Below(100);
      d->set_channel(c < 45   ? pb::DONATION_CHANNEL_ONLINE_PLATFORM
                     : c < 80 ? pb::DONATION_CHANNEL_MOBILE_PAYMENT
                     : c < 95 ? pb::DONATION_CHANNEL_CASH
                              : pb::DONATION_CHANNEL_IN_KIND_VALUED);
    }
    if (rng_.Percent(50)) d->set_receipt_number_hash(Derived("/e-receipt/" + std::to_string(i)));
    if (rng_.Percent(10)) d->set_memo(rng_.Pick(DonationMemos()));

    const int gift = sim_.AddGift(amount);
    sim_.Inflow(account, amount, gift);
    plan_.gifts.push_back(GiftInfo{account, receiver, amount, points_holder, earned});
    plan_.totals.donated_fen += amount;
    phase.txs.push_back(PlannedTx{std::move(body), {recorder}, gift, -1});
  }
}

void Planner::TrustDeposits(Phase& phase) {
  const std::string bank = o_.founders.banks.front();
  for (int i = 0; i < 3; ++i) {
    const std::int64_t amount = rng_.Range(30, 100) * 1'000'000;  // ¥300,000 .. ¥1,000,000
    pb::TxBody body;
    pb::TrustDeposit* t = body.mutable_trust_deposit();
    t->set_trust_id(plan_.trust_id);
    t->set_amount_fen(amount);
    const Hash256 ref = crypto::Sha256(AsBytes(Derived("/salt/" + bank) + "settlor-" + std::to_string(i + 1)));
    t->set_settlor_ref(std::string(ref.begin(), ref.end()));
    t->set_settlor_display_name(CompanyDonors()[static_cast<std::size_t>(i)]);
    t->set_bank_ref_hash(Derived("/trust-deposit/" + std::to_string(i)));
    sim_.Inflow("trust:" + plan_.trust_id, amount, -1);
    plan_.totals.trust_deposits++;
    plan_.totals.trust_deposited_fen += amount;
    Add(phase, std::move(body), {bank});
  }
}

void Planner::Volunteering(Phase& phase) {
  const std::size_t services = std::clamp<std::size_t>(o_.donations / 20, 10, 300);
  for (std::size_t i = 0; i < services; ++i) {
    const std::string& charity = rng_.Pick(charities_);
    const std::string& holder = rng_.Pick(residents_);
    const auto minutes = static_cast<std::uint32_t>(rng_.Range(2, 8) * 30);
    const std::uint64_t occurred_at_ms = RecentMs(60);
    // The ledger credits a volunteer at most 12 hours a day (China Standard Time): a stint that
    // would pass that is not recorded, as a charity's system would hold it back.
    std::uint32_t& that_day = volunteer_minutes_[{holder, (occurred_at_ms + 8 * 3'600'000) / 86'400'000}];
    if (that_day + minutes > kVolunteerMinutesPerDay) continue;
    that_day += minutes;
    pb::TxBody body;
    pb::VolunteerService* v = body.mutable_volunteer_service();
    v->set_charity_org(charity);
    v->set_holder(KeyBytes(Key(holder).public_key));
    v->set_minutes(minutes);
    v->set_activity(rng_.Pick(VolunteerActivities()));
    v->set_occurred_at_ms(occurred_at_ms);
    const std::uint64_t earned = std::uint64_t{minutes} * o_.volunteer_points_per_hour / 60;
    points_[holder] += earned;
    banked_minutes_[holder] += minutes;  // banked beside the points (docs/rules.md "Time bank")
    plan_.totals.points_earned += earned;
    plan_.totals.volunteer_services++;
    plan_.totals.volunteer_minutes += minutes;
    Add(phase, std::move(body), {charity, holder});  // the volunteer's wallet confirms the record
  }
}

void Planner::Allocations(Phase& phase) {
  const auto transfer = [&](const std::string& from_org, Project& to, std::int64_t wanted, const std::string& purpose) {
    // Never beyond the project's budget: what does not fit stays in the general fund.
    const std::int64_t amount = std::min(wanted, to.Room());
    if (amount <= 0) return;
    to.received_fen += amount;
    pb::TxBody body;
    pb::Transfer* t = body.mutable_transfer();
    t->set_from_account("org:" + from_org);
    t->set_to_account("project:" + to.id);
    t->set_amount_fen(amount);
    t->set_purpose(purpose);
    sim_.Transfer("org:" + from_org, "project:" + to.id, amount);
    const bool grant = to.owner != from_org;
    (grant ? plan_.totals.grants : plan_.totals.allocations)++;
    (grant ? plan_.totals.granted_fen : plan_.totals.allocated_fen) += amount;
    Add(phase, std::move(body), {from_org});
  };
  // Each charity moves 55-75% of its general fund into its own projects.
  for (const std::string& charity : charities_) {
    const std::int64_t balance = sim_.Balance("org:" + charity);
    if (balance < 10'000) continue;
    std::vector<Project*> own;
    for (Project& p : projects_) {
      if (p.owner == charity) own.push_back(&p);
    }
    const auto parts = Split(balance * rng_.Range(55, 75) / 100, own.size());
    for (std::size_t i = 0; i < parts.size(); ++i) transfer(charity, *own[i], parts[i], "拨付至" + own[i]->name_zh);
  }
  // The federation grants 40% of its general fund to charities' projects and allocates 30% to its own.
  const std::string federation = o_.founders.federation;
  const std::int64_t balance = sim_.Balance("org:" + federation);
  if (balance < 100'000) return;
  std::vector<Project*> others, own;
  for (Project& p : projects_) (p.owner == federation ? own : others).push_back(&p);
  const auto grants = Split(balance * 40 / 100, std::min<std::size_t>(8, others.size()));
  std::vector<std::size_t> chosen;
  for (std::int64_t amount : grants) {
    std::size_t k;
    do k = rng_.Below(others.size());
    while (std::find(chosen.begin(), chosen.end(), k) != chosen.end());
    chosen.push_back(k);
    transfer(federation, *others[k], amount, "慈善总会资助：" + others[k]->name_zh);
  }
  const auto allocations = Split(balance * 30 / 100, own.size());
  for (std::size_t i = 0; i < allocations.size(); ++i) {
    transfer(federation, *own[i], allocations[i], "拨付至" + own[i]->name_zh);
  }
}

void Planner::TrustDisbursements(Phase& phase) {
  const std::string account = "trust:" + plan_.trust_id;
  const auto parts = Split(sim_.Balance(account) * 60 / 100, 3);
  for (std::int64_t wanted : parts) {
    // Projects in the trust's purposes that can still take money, within their budget.
    std::vector<Project*> targets;
    for (Project& p : projects_) {
      if ((p.category == "elder-care" || p.category == "education" || p.category == "disaster-relief") && p.Room() > 0) {
        targets.push_back(&p);
      }
    }
    if (targets.empty()) return;
    Project& to = *rng_.Pick(targets);
    const std::int64_t amount = std::min(wanted, to.Room());
    to.received_fen += amount;
    pb::TxBody body;
    pb::TrustDisbursement* t = body.mutable_trust_disbursement();
    t->set_trust_id(plan_.trust_id);
    t->set_to_account("project:" + to.id);
    t->set_amount_fen(amount);
    t->set_purpose("慈善信托资助：" + to.name_zh);
    sim_.Transfer(account, "project:" + to.id, amount);
    plan_.totals.trust_disbursements++;
    plan_.totals.trust_disbursed_fen += amount;
    Add(phase, std::move(body), {Trustee().id, o_.founders.banks.front()});
  }
}

void Planner::Spending(Phase& phase) {
  // The project with the smallest useful balance is spent in full and closed at the end.
  std::int64_t smallest = 0;
  for (const Project& p : projects_) {
    const std::int64_t b = sim_.Balance("project:" + p.id);
    if (b >= 10'000 && (smallest == 0 || b < smallest)) {
      smallest = b;
      closing_project_ = p.id;
    }
  }
  int invoice = 0;
  const auto spend = [&](const std::string& account, const std::string& owner, std::int64_t amount,
                         const std::string& category, const std::string& payee_kind, const std::string& payee,
                         std::uint32_t beneficiaries, const std::string& description) {
    pb::TxBody body;
    pb::Spend* s = body.mutable_spend();
    s->set_from_account(account);
    s->set_amount_fen(amount);
    s->set_category(SpendCategoryOf(category));
    s->set_payee_kind(PayeeKindOf(payee_kind));
    s->set_payee_name(payee);
    s->set_beneficiary_count(beneficiaries);
    s->set_invoice_hash(Derived("/invoice/" + std::to_string(++invoice)));
    s->set_description(description);
    s->set_occurred_at_ms(o_.now_ms);  // replaced by the signing time (demo.cc): after the gifts that paid for it
    sim_.Spend(account, amount);
    plan_.totals.spends++;
    plan_.totals.spent_by_category_fen[category] += amount;
    // Every other spend of a charity is co-signed by its account bank: attested outflows.
    auto bank = account_bank_.find(owner);
    if (bank != account_bank_.end() && invoice % 2 == 0) {
      Add(phase, std::move(body), {owner, bank->second});
    } else {
      Add(phase, std::move(body), {owner});
    }
  };
  for (const Project& p : projects_) {
    const std::string account = "project:" + p.id;
    const std::int64_t balance = sim_.Balance(account);
    if (balance < 1000) continue;
    const bool all = p.id == closing_project_;
    const std::int64_t total = all ? balance : balance * rng_.Range(40, 85) / 100;
    const auto parts = Split(total, balance < 100'000 ? 1 : static_cast<std::size_t>(rng_.Range(1, 3)));
    std::vector<const SpendTemplate*> fits;
    for (const SpendTemplate& t : SpendTemplates()) {
      if (t.category == p.category) fits.push_back(&t);
    }
    for (std::int64_t amount : parts) {
      const SpendTemplate& t = *rng_.Pick(fits);
      const auto n = static_cast<std::uint32_t>(rng_.Range(t.min_beneficiaries, t.max_beneficiaries));
      spend(account, p.owner, amount, t.spend, t.payee_kind, t.payees.empty() ? "" : rng_.Pick(t.payees), n,
            ReplaceAll(t.description, "{n}", std::to_string(n)));
    }
    spent_projects_.push_back(p.id);
  }
  // Administrative costs from some general funds: a few percent, well under the 10% rule.
  static const std::vector<const char*> admin = {"办公场地租金", "年度审计费", "办公用品采购"};
  for (const std::string& charity : charities_) {
    const std::int64_t balance = sim_.Balance("org:" + charity);
    if (balance < 10'000 || !rng_.Percent(60)) continue;
    const std::size_t k = rng_.Below(admin.size());
    spend("org:" + charity, charity, balance * rng_.Range(3, 8) / 100, "admin", "vendor", AdminVendors()[k], 0, admin[k]);
  }
}

}  // namespace shanliu::cli::demo
