// The demo district's fixed catalogue: organisations, project templates, vendors, names.
// Everything random about the demo (amounts, choices) comes from the seed in demo_plan.cc.
#pragma once

#include <cstdint>
#include <vector>

namespace shanliu::cli::demo {

struct Street {
  const char* zh;  // "翠苑街道"
  const char* en;  // "Cuiyuan Subdistrict"
};

struct District {
  const char* name_zh;   // "西湖区"
  const char* name_en;   // "Xihu District"
  const char* division;  // "330106"
  std::vector<Street> streets;
};

struct OrgSpec {
  const char* id;
  const char* name_zh;
  const char* name_en;
  const char* kind2;    // credit-code registration type: "51", "52", "53", "91", "92"
  int district;         // index into Districts()
  std::vector<const char*> categories;  // charities: the project categories it runs
};

struct ProjectTemplate {
  const char* category;  // elder-care, children, disaster-relief, medical-aid, education
  const char* name_zh;   // "{street}" / "{district}" become the owner's street / district
  const char* name_en;
  const char* description;
  std::int64_t min_budget_yuan;
  std::int64_t max_budget_yuan;
};

struct SpendTemplate {
  const char* category;    // the project category it fits
  const char* spend;       // material, cash_aid, service
  const char* payee_kind;  // vendor, individuals, organisation
  std::vector<const char*> payees;  // vendors or organisations; empty for individuals
  const char* description;  // "{n}" is replaced by the beneficiary count
  std::uint32_t min_beneficiaries;
  std::uint32_t max_beneficiaries;
};

const std::vector<District>& Districts();
const std::vector<OrgSpec>& Charities();   // ~20, all in one city
const std::vector<OrgSpec>& Merchants();   // partner shops for charity points
const OrgSpec& Trustee();                  // the charity trust's trustee
const std::vector<ProjectTemplate>& ProjectTemplates();
const std::vector<SpendTemplate>& SpendTemplates();
const std::vector<const char*>& AdminVendors();      // rent, audit, office supplies
const std::vector<const char*>& DonorDisplayNames(); // what donors chose to show (never real names)
const std::vector<const char*>& CompanyDonors();     // large gifts
const std::vector<const char*>& DonationMemos();
const std::vector<const char*>& VolunteerActivities();
struct RedeemItem {
  const char* item;
  std::uint64_t points;
  const char* merchant;  // org id of the partner shop that offers it
  const char* item_id;   // its slug in the merchant's catalogue (CatalogueEntry)
  const char* name_en;
};
const std::vector<RedeemItem>& RedeemItems();

}  // namespace shanliu::cli::demo
