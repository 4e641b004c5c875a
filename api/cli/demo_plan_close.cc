// The demo's last phase: refunds, points redeemed at partner shops, disclosures, a closing.
#include <algorithm>

#include "demo_planner.h"
#include "format.h"

namespace shanliu::cli::demo {
void Planner::Refunds(Phase& phase) {
  // Late gifts to projects that no spending has touched yet: their donors asked for them back.
  static const std::vector<const char*> reasons = {"捐赠人申请退回：重复捐赠", "捐赠人申请退回：项目已足额筹款",
                                                   "捐赠人申请退回：误捐至本项目"};
  const std::size_t wanted = std::clamp<std::size_t>(static_cast<std::size_t>(o_.donations / 1000), 1, 5);
  std::size_t made = 0;
  for (std::size_t g = plan_.gifts.size(); g-- > 0 && made < wanted;) {
    const GiftInfo& gift = plan_.gifts[g];
    if (!gift.account.starts_with("project:") || gift.account == "project:" + closing_project_) continue;
    if (sim_.Remaining(gift.account, static_cast<int>(g)) != gift.amount_fen || !rng_.Percent(50)) continue;
    pb::TxBody body;
    body.mutable_refund()->set_reason(rng_.Pick(reasons));
    plan_.totals.refunded_fen += sim_.Refund(gift.account, static_cast<int>(g));
    plan_.totals.refunds++;
    // Nothing of it was spent, so the ledger takes back every point it earned.
    if (!gift.points_holder.empty()) points_[gift.points_holder] -= gift.points;
    phase.txs.push_back(PlannedTx{std::move(body), {gift.recorded_by}, -1, static_cast<int>(g)});
    ++made;
  }
}

void Planner::Redemptions(Phase& phase) {
  const std::size_t wanted = std::clamp<std::size_t>(static_cast<std::size_t>(o_.donations / 60), 5, 100);
  for (std::size_t i = 0; i < wanted; ++i) {
    const RedeemItem& item = rng_.Pick(RedeemItems());
    std::vector<std::string> able;
    for (const std::string& r : residents_) {
      if (points_[r] >= item.points) able.push_back(r);
    }
    if (able.empty()) continue;
    const std::string holder = rng_.Pick(able);
    pb::TxBody body;
    pb::RedeemPoints* r = body.mutable_redeem_points();
    r->set_holder(KeyBytes(Key(holder).public_key));
    r->set_merchant_org(item.merchant);
    r->set_points(item.points);
    r->set_item(item.item);
    points_[holder] -= item.points;
    plan_.totals.redemptions++;
    plan_.totals.points_redeemed += item.points;
    Add(phase, std::move(body), {item.merchant, holder});
  }
}

void Planner::Disclosures(Phase& phase) {
  const std::string last_year = std::to_string(year_ - 1);
  const auto disclose = [&](const std::string& org, pb::DisclosureType type, const std::string& title,
                            const std::string& period, const std::string& file, const std::string& project) {
    pb::TxBody body;
    pb::Disclosure* d = body.mutable_disclosure();
    d->set_org_id(org);
    d->set_type(type);
    d->set_title(title);
    d->set_period(period);
    d->set_document_sha256(Derived("/document/" + org + "/" + file));
    d->set_url("https://disclosure.xihu-charity.example/" + org + "/" + file);
    d->set_project_id(project);
    plan_.totals.disclosures++;
    Add(phase, std::move(body), {org});
  };
  std::vector<std::pair<std::string, std::string>> reporters;  // org id, name
  for (const OrgSpec& c : Charities()) reporters.emplace_back(c.id, c.name_zh);
  reporters.emplace_back(o_.founders.federation, "杭州市西湖区慈善总会");
  for (const auto& [org, name] : reporters) {
    disclose(org, pb::DISCLOSURE_TYPE_ANNUAL_REPORT, name + last_year + "年度工作报告", last_year,
             last_year + "-annual-report.pdf", "");
  }
  for (const OrgSpec& c : Charities()) {
    if (std::string(c.kind2) == "53") {  // foundations publish their audit
      disclose(c.id, pb::DISCLOSURE_TYPE_AUDIT, std::string(c.name_zh) + last_year + "年度审计报告", last_year,
               last_year + "-audit-report.pdf", "");
    }
  }
  disclose(o_.founders.federation, pb::DISCLOSURE_TYPE_FUNDRAISING_PLAN,
           "杭州市西湖区慈善总会" + std::to_string(year_) + "年度慈善募捐方案", std::to_string(year_),
           std::to_string(year_) + "-fundraising-plan.pdf", "");
  // Progress reports on some of the projects that spent money.
  const std::string month = BeijingDate(o_.now_ms).substr(0, 7);
  std::vector<std::string> reported;
  for (std::size_t i = 0; i < spent_projects_.size(); i += 4) reported.push_back(spent_projects_[i]);
  if (!closing_project_.empty() && std::find(reported.begin(), reported.end(), closing_project_) == reported.end()) {
    reported.push_back(closing_project_);
  }
  for (const std::string& id : reported) {
    auto p = std::find_if(projects_.begin(), projects_.end(), [&](const Project& x) { return x.id == id; });
    const bool final_report = id == closing_project_;
    disclose(p->owner, pb::DISCLOSURE_TYPE_PROJECT_REPORT, p->name_zh + (final_report ? "结项报告" : "阶段性执行报告"),
             std::to_string(year_) + "-01.." + month,
             id + (final_report ? "-final-report.pdf" : "-progress-" + month + ".pdf"), id);
  }
}

void Planner::CloseProjects(Phase& phase) {
  if (closing_project_.empty() || sim_.Balance("project:" + closing_project_) != 0) return;
  auto p = std::find_if(projects_.begin(), projects_.end(), [&](const Project& x) { return x.id == closing_project_; });
  pb::TxBody body;
  body.mutable_close_project()->set_project_id(closing_project_);
  body.mutable_close_project()->set_summary("项目资金已全部按计划使用完毕，执行情况见结项报告");
  plan_.totals.closed_projects++;
  Add(phase, std::move(body), {p->owner});
}

}  // namespace shanliu::cli::demo
