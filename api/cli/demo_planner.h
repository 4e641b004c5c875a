// Internal to demo_plan*.cc: the state the demo planner carries from phase to phase.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "demo_data.h"
#include "demo_plan.h"
#include "demo_rng.h"
#include "demo_sim.h"

namespace shanliu::cli::demo {

// The 32 raw bytes of a public key, as protobuf bytes fields hold them.
inline std::string KeyBytes(const crypto::PublicKey& key) { return std::string(key.begin(), key.end()); }
// `text` with every `from` replaced by `to`.
std::string ReplaceAll(std::string text, const std::string& from, const std::string& to);

class Planner {
 public:
  explicit Planner(const PlanOptions& options);
  Plan Run();

 private:
  struct Project {
    std::string id;
    std::string owner;
    std::string category;
    std::string name_zh;
    std::int64_t budget_fen = 0;
    std::int64_t received_fen = 0;  // donations, allocations, grants and trust money so far
    // What the project may still receive without raising more than its budget.
    std::int64_t Room() const { return std::max<std::int64_t>(0, budget_fen - received_fen); }
  };

  // demo_plan.cc: organisations, projects, the trust; helpers.
  void RegisterOrgs(Phase& phase);
  void OpenProjects(Phase& phase);
  void OpenTrust(Phase& phase);
  void PickShowcase();
  std::string Derived(const std::string& what) const;  // 32 raw bytes: SHA-256(seed || what)
  const crypto::KeyPair& Key(const std::string& name);  // derives and remembers a demo key
  std::uint64_t RecentMs(unsigned max_days_ago);        // a moment within the last days
  std::string Add(Phase& phase, pb::TxBody body, std::vector<std::string> signers);

  // demo_plan_money.cc: money in, money moving, money out.
  void Donations(Phase& phase);
  void TrustDeposits(Phase& phase);
  void Volunteering(Phase& phase);
  void Allocations(Phase& phase);
  void TrustDisbursements(Phase& phase);
  void Spending(Phase& phase);
  std::int64_t DonationAmount(bool* large);
  std::vector<std::int64_t> Split(std::int64_t total, std::size_t parts);

  // demo_plan_close.cc: refunds, points redeemed, disclosures, closing.
  void Refunds(Phase& phase);
  void Redemptions(Phase& phase);
  // The federation lists every RedeemItems() entry in its merchant's catalogue.
  void CatalogueEntries(Phase& phase);
  void Disclosures(Phase& phase);
  std::string DocumentText(const std::string& title, const std::string& org, const std::string& period,
                           const std::string& project) const;
  void CloseProjects(Phase& phase);
  // demo_plan_close.cc: the time bank (service for banked time, a move to a fresh key).
  void TimeBank(Phase& phase);
  // demo_plan_goods.cc: a disaster-relief drive of in-kind goods (masks, rice, quilts).
  void Goods(Phase& phase);

  const PlanOptions o_;
  Rng rng_;
  Plan plan_;
  FlowSim sim_;
  int year_ = 0;
  std::vector<Project> projects_;
  Project* FindProject(const std::string& id);
  std::vector<std::string> charities_;  // org ids of the charities the demo registers
  std::map<std::string, std::string> account_bank_;  // charity -> the bank holding its accounts
  std::vector<std::string> residents_;  // key names of residents' wallets
  std::map<std::string, std::uint64_t> points_;  // resident -> points balance
  std::map<std::string, std::uint64_t> banked_minutes_;  // resident -> time bank balance
  // (resident, service day in China Standard Time) -> volunteer minutes planned that day.
  std::map<std::pair<std::string, std::uint64_t>, std::uint32_t> volunteer_minutes_;
  // The genesis default volunteer_max_minutes_per_day (the demo's genesis keeps the default).
  static constexpr std::uint32_t kVolunteerMinutesPerDay = 720;
  std::vector<std::string> spent_projects_;      // projects with spending, for reports
  std::string closing_project_;                  // fully spent, closed at the end
};

}  // namespace shanliu::cli::demo
