#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/regions.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/registry_codes.h"
#include "shanliu/ledger/tx.h"

namespace shanliu::ledger {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxGenesisBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxValidators = 100;
constexpr std::uint64_t kMaxVotingPower = std::uint64_t{1} << 40;  // sums of 100 never overflow
constexpr std::size_t kMaxProjectCategories = 64;

Status Bad(const std::string& why) { return Status::Error("invalid_genesis", why); }

const std::pair<pb::OrgKind, const char*> kKinds[] = {
    {pb::ORG_KIND_BUREAU, "bureau"},   {pb::ORG_KIND_FEDERATION, "federation"},
    {pb::ORG_KIND_BANK, "bank"},       {pb::ORG_KIND_CHARITY, "charity"},
    {pb::ORG_KIND_TRUSTEE, "trustee"}, {pb::ORG_KIND_MERCHANT, "merchant"},
};

Status CheckKeys(const json& object, const std::set<std::string>& allowed, const std::string& where) {
  if (!object.is_object()) return Bad(where + " must be an object");
  for (const auto& [key, value] : object.items()) {
    if (!allowed.count(key)) return Bad("unknown field '" + key + "' in " + where);
  }
  return Status::Ok();
}

Result<crypto::PublicKey> ParseKey(const json& v, const std::string& where) {
  if (!v.is_string()) return Bad(where + " must be a hex string");
  auto h = crypto::Hash256FromHex(v.get<std::string>());
  if (!h.ok()) return Bad(where + ": " + h.status().message());
  return *h;
}

template <class T>
Status GetUInt(const json& object, const char* name, T* out, std::uint64_t max) {
  if (!object.contains(name)) return Status::Ok();  // keep the default
  const json& v = object.at(name);
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() > max) {
    return Bad(std::string(name) + " must be a whole number no larger than " + std::to_string(max));
  }
  *out = static_cast<T>(v.get<std::uint64_t>());
  return Status::Ok();
}

Result<std::string> GetString(const json& object, const char* name, bool required) {
  if (!object.contains(name)) {
    if (required) return Bad(std::string("missing field '") + name + "'");
    return std::string();
  }
  if (!object.at(name).is_string()) return Bad(std::string(name) + " must be a string");
  return object.at(name).get<std::string>();
}

Status ParseCategories(const json& list, std::vector<std::string>* out) {
  if (!list.is_array() || list.empty() || list.size() > kMaxProjectCategories) {
    return Bad("project_categories must be an array of 1 to 64 category ids");
  }
  std::set<std::string> seen;
  out->clear();
  for (const json& c : list) {
    if (!c.is_string() || !IsValidId(c.get<std::string>())) {
      return Bad("each project category must be an id matching [a-z0-9-]{3,40}");
    }
    if (!seen.insert(c.get<std::string>()).second) return Bad("project category '" + c.get<std::string>() + "' appears twice");
    out->push_back(c.get<std::string>());
  }
  return Status::Ok();
}

constexpr std::size_t kMaxGoodsItems = 256;

// "goods_items": [{item_code, name_zh, name_en, unit, category, perishable}], the same field
// rules as RegisterGoodsItem, codes distinct.
Status ParseGoodsItems(const json& list, std::vector<pb::GoodsItem>* out) {
  if (!list.is_array() || list.size() > kMaxGoodsItems) return Bad("goods_items must be an array of 0 to 256 items");
  std::set<std::string> seen;
  out->clear();
  for (const json& o : list) {
    SHANLIU_RETURN_IF_ERROR(CheckKeys(o, {"item_code", "name_zh", "name_en", "unit", "category", "perishable"},
                                      "a goods item"));
    pb::GoodsItem item;
    auto code = GetString(o, "item_code", true);
    auto zh = GetString(o, "name_zh", true);
    auto en = GetString(o, "name_en", false);
    auto unit = GetString(o, "unit", true);
    auto category = GetString(o, "category", true);
    for (const auto* r : {&code, &zh, &en, &unit, &category}) {
      if (!r->ok()) return r->status();
    }
    item.set_item_code(*code);
    item.set_name_zh(*zh);
    item.set_name_en(*en);
    item.set_unit(*unit);
    pb::GoodsCategory c = pb::GOODS_CATEGORY_UNSPECIFIED;
    if (!goods::ParseCategory(*category, &c)) return Bad("goods item '" + *code + "' has unknown category '" + *category + "'");
    item.set_category(c);
    if (o.contains("perishable")) {
      if (!o.at("perishable").is_boolean()) return Bad("perishable of goods item '" + *code + "' must be true or false");
      item.set_perishable(o.at("perishable").get<bool>());
    }
    if (Status s = goods::CheckItem(item); !s.ok()) return Bad(s.message());
    if (!seen.insert(item.item_code()).second) return Bad("goods item '" + item.item_code() + "' appears twice");
    out->push_back(std::move(item));
  }
  return Status::Ok();
}

// Optional "account_banks": up to 4 distinct ids, each checked against the genesis banks below.
Status ParseAccountBanks(const json& o, GenesisOrg* org) {
  if (!o.contains("account_banks")) return Status::Ok();
  const json& banks = o.at("account_banks");
  if (!banks.is_array() || banks.size() > static_cast<std::size_t>(TxLimits::kMaxAccountBanks)) {
    return Bad("account_banks of '" + org->org_id + "' must be an array of at most 4 bank org ids");
  }
  for (const json& b : banks) {
    if (!b.is_string()) return Bad("account_banks of '" + org->org_id + "' must hold strings");
    org->account_banks.push_back(b.get<std::string>());
  }
  std::set<std::string> distinct(org->account_banks.begin(), org->account_banks.end());
  if (distinct.size() != org->account_banks.size()) return Bad("account_banks of '" + org->org_id + "' repeat a bank");
  return Status::Ok();
}

Status CheckGenesisAccountBanks(const Genesis& g) {
  for (const GenesisOrg& o : g.organisations) {
    for (const std::string& bank : o.account_banks) {
      auto it = std::find_if(g.organisations.begin(), g.organisations.end(),
                             [&](const GenesisOrg& b) { return b.org_id == bank; });
      if (it == g.organisations.end() || it->kind != pb::ORG_KIND_BANK) {
        return Bad("account bank '" + bank + "' of '" + o.org_id + "' is not a bank registered in genesis");
      }
    }
  }
  return Status::Ok();
}

Status ParseParams(const json& p, GenesisParams* out) {
  SHANLIU_RETURN_IF_ERROR(CheckKeys(p,
                                    {"donation_fen_per_point", "volunteer_points_per_hour", "volunteer_max_age_ms",
                                     "volunteer_max_minutes_per_day", "timebank_points_per_hour", "max_block_txs",
                                     "max_block_bytes", "max_tx_expiry_window", "max_tx_expiry_ms",
                                     "correction_bureau_threshold_fen", "compliance", "project_categories",
                                     "goods_items", "refuse_expired_goods", "points_expiry_years",
                                     "key_recovery_delay_ms"},
                                    "parameters"));
  if (p.contains("goods_items")) SHANLIU_RETURN_IF_ERROR(ParseGoodsItems(p.at("goods_items"), &out->goods_items));
  if (p.contains("refuse_expired_goods")) {
    if (!p.at("refuse_expired_goods").is_boolean()) return Bad("refuse_expired_goods must be true or false");
    out->refuse_expired_goods = p.at("refuse_expired_goods").get<bool>();
  }
  if (p.contains("project_categories")) {
    SHANLIU_RETURN_IF_ERROR(ParseCategories(p.at("project_categories"), &out->project_categories));
  }
  std::uint64_t fen_per_point = static_cast<std::uint64_t>(out->donation_fen_per_point);
  SHANLIU_RETURN_IF_ERROR(GetUInt(p, "donation_fen_per_point", &fen_per_point, 1'000'000'000));
  if (fen_per_point == 0) return Bad("donation_fen_per_point must be at least 1");
  out->donation_fen_per_point = static_cast<std::int64_t>(fen_per_point);
  SHANLIU_RETURN_IF_ERROR(GetUInt(p, "volunteer_points_per_hour", &out->volunteer_points_per_hour, 1'000'000));
  SHANLIU_RETURN_IF_ERROR(GetUInt(p, "volunteer_max_age_ms", &out->volunteer_max_age_ms, 366ull * 86'400'000));
  if (out->volunteer_max_age_ms < 86'400'000) return Bad("volunteer_max_age_ms must be at least 86400000 (one day)");
  SHANLIU_RETURN_IF_ERROR(GetUInt(p, "volunteer_max_minutes_per_day", &out->volunteer_max_minutes_per_day, 1440));
  if (out->volunteer_max_minutes_per_day == 0) return Bad("volunteer_max_minutes_per_day must be at least 1");
  // 0 is allowed: the district then lets service time be paid only from banked minutes.
  SHANLIU_RETURN_IF_ERROR(GetUInt(p, "timebank_points_per_hour", &out->timebank_points_per_hour, 1'000'000));
  // 0 (the default): points never expire. A century bounds the arithmetic and any real policy.
  SHANLIU_RETURN_IF_ERROR(GetUInt(p, "points_expiry_years", &out->points_expiry_years, 100));
  SHANLIU_RETURN_IF_ERROR(GetUInt(p, "max_block_txs", &out->max_block_txs, 100'000));
  SHANLIU_RETURN_IF_ERROR(GetUInt(p, "max_block_bytes", &out->max_block_bytes, 64ull << 20));
  SHANLIU_RETURN_IF_ERROR(GetUInt(p, "max_tx_expiry_window", &out->max_tx_expiry_window, 1000));
  // At most a year: a longer window would let a signed tx linger unnoticed past audits.
  SHANLIU_RETURN_IF_ERROR(GetUInt(p, "max_tx_expiry_ms", &out->max_tx_expiry_ms, 366ull * 86'400'000));
  if (out->max_tx_expiry_ms < 60'000) return Bad("max_tx_expiry_ms must be at least 60000 (one minute)");
  // A window shorter than a minute could pass between two blocks unseen; a year bounds a lost key's wait.
  SHANLIU_RETURN_IF_ERROR(GetUInt(p, "key_recovery_delay_ms", &out->key_recovery_delay_ms, 366ull * 86'400'000));
  if (out->key_recovery_delay_ms < 60'000) return Bad("key_recovery_delay_ms must be at least 60000 (one minute)");
  // 1 fen: every correction needs the bureau; 10^15 fen (the largest amount): only the largest do.
  auto threshold = static_cast<std::uint64_t>(out->correction_bureau_threshold_fen);
  SHANLIU_RETURN_IF_ERROR(GetUInt(p, "correction_bureau_threshold_fen", &threshold, 1'000'000'000'000'000));
  if (threshold == 0) return Bad("correction_bureau_threshold_fen must be at least 1");
  out->correction_bureau_threshold_fen = static_cast<std::int64_t>(threshold);
  if (out->max_block_txs == 0 || out->max_block_bytes < TxLimits::kMaxEnvelopeBytes) {
    return Bad("blocks must hold at least one transaction of the maximum size");
  }
  if (p.contains("compliance")) {
    const json& c = p.at("compliance");
    SHANLIU_RETURN_IF_ERROR(CheckKeys(c,
                                      {"min_charitable_spending_pct", "max_admin_pct", "annual_report_due_month",
                                       "annual_report_due_day", "project_report_months"},
                                      "parameters.compliance"));
    ComplianceParams& cp = out->compliance;
    SHANLIU_RETURN_IF_ERROR(GetUInt(c, "min_charitable_spending_pct", &cp.min_charitable_spending_pct, 100));
    SHANLIU_RETURN_IF_ERROR(GetUInt(c, "max_admin_pct", &cp.max_admin_pct, 100));
    SHANLIU_RETURN_IF_ERROR(GetUInt(c, "annual_report_due_month", &cp.annual_report_due_month, 12));
    SHANLIU_RETURN_IF_ERROR(GetUInt(c, "annual_report_due_day", &cp.annual_report_due_day, 31));
    SHANLIU_RETURN_IF_ERROR(GetUInt(c, "project_report_months", &cp.project_report_months, 24));
    if (cp.annual_report_due_month == 0 || cp.annual_report_due_day == 0) return Bad("due dates start at 1");
  }
  return Status::Ok();
}

bool AllDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsGenesisStreet(const Genesis& g, const std::string& code) {
  return std::any_of(g.streets.begin(), g.streets.end(), [&](const GenesisStreet& s) { return s.code == code; });
}

// The executor's rules (RegisterStreet, RegionPopulation), applied before the chain starts.
Status ParseStreets(const json& root, Genesis* g) {
  if (!root.contains("streets")) return Status::Ok();
  if (!root.at("streets").is_array()) return Bad("streets must be an array");
  for (const json& st : root.at("streets")) {
    SHANLIU_RETURN_IF_ERROR(CheckKeys(st, {"code", "name_zh"}, "a street"));
    auto code = GetString(st, "code", true);
    auto name = GetString(st, "name_zh", true);
    if (!code.ok()) return code.status();
    if (!name.ok()) return name.status();
    if (!AllDigits(*code) || code->size() != 9 || !RegionName(code->substr(0, 6))) {
      return Bad("street '" + *code + "' must be 9 digits whose first 6 are a GB/T 2260 county-level code");
    }
    if (name->empty()) return Bad("street '" + *code + "' needs a name_zh");
    if (IsGenesisStreet(*g, *code)) return Bad("street '" + *code + "' appears twice");
    g->streets.push_back({*code, *name});
  }
  return Status::Ok();
}

bool IsGenesisRegion(const Genesis& g, const std::string& code) {
  if (!AllDigits(code)) return false;
  switch (code.size()) {
    case 2:
    case 4: return AnyCountyUnder(code);
    case 6: return RegionName(code).has_value();
    case 9: return IsGenesisStreet(g, code);
    default: return false;
  }
}

Status ParsePopulations(const json& root, Genesis* g) {
  if (!root.contains("populations")) return Status::Ok();
  if (!root.at("populations").is_array()) return Bad("populations must be an array");
  std::set<std::pair<std::string, std::uint64_t>> seen;
  for (const json& p : root.at("populations")) {
    SHANLIU_RETURN_IF_ERROR(CheckKeys(p, {"region", "year", "population"}, "a population"));
    auto region = GetString(p, "region", true);
    if (!region.ok()) return region.status();
    std::uint64_t year = 0;
    std::uint64_t population = 0;
    SHANLIU_RETURN_IF_ERROR(GetUInt(p, "year", &year, regions::kMaxYear));
    SHANLIU_RETURN_IF_ERROR(GetUInt(p, "population", &population, regions::kMaxPopulation));
    if (!IsGenesisRegion(*g, *region)) return Bad("population region '" + *region + "' is not a known region");
    if (year < regions::kMinYear) return Bad("population year must be from 2000 to 2100");
    if (population == 0) return Bad("population of '" + *region + "' must be at least 1");
    if (!seen.insert({*region, year}).second) return Bad("population of '" + *region + "' is given twice for a year");
    g->populations.push_back({*region, static_cast<std::uint32_t>(year), population});
  }
  return Status::Ok();
}

Status ParseOriginKey(const json& root, Genesis* g) {
  if (!root.contains("origin_key")) return Status::Ok();
  const json& o = root.at("origin_key");
  SHANLIU_RETURN_IF_ERROR(CheckKeys(o, {"verifying_key", "min_signers", "verifying_shares"}, "origin_key"));
  GenesisOriginKey key;
  if (!o.contains("verifying_key")) return Bad("origin_key needs verifying_key");
  auto group_key = ParseKey(o.at("verifying_key"), "origin_key verifying_key");
  if (!group_key.ok()) return group_key.status();
  key.verifying_key = *group_key;
  SHANLIU_RETURN_IF_ERROR(GetUInt(o, "min_signers", &key.min_signers, crypto::frost::kMaxParticipants));
  if (!o.contains("verifying_shares") || !o.at("verifying_shares").is_array()) {
    return Bad("origin_key needs verifying_shares, one per validator");
  }
  for (const json& v : o.at("verifying_shares")) {
    auto share = ParseKey(v, "origin_key verifying share");
    if (!share.ok()) return share.status();
    key.verifying_shares.push_back(*share);
  }
  if (key.verifying_shares.size() != g->validators.size()) {
    return Bad("origin_key has " + std::to_string(key.verifying_shares.size()) + " verifying shares for " +
               std::to_string(g->validators.size()) + " validators");
  }
  if (key.min_signers != OriginThreshold(g->validators.size())) {
    return Bad("origin_key min_signers must be floor(2n/3) + 1 = " +
               std::to_string(OriginThreshold(g->validators.size())));
  }
  // Shares that do not lie on the group key's polynomial would make the origin line unsignable.
  if (Status s = crypto::frost::CheckPublicKeyPackage(OriginPublicKeys(key)); !s.ok()) {
    return Bad("origin_key: " + s.ToString());
  }
  g->origin_key = std::move(key);
  return Status::Ok();
}

Result<Genesis> ParseJson(const json& root) {
  SHANLIU_RETURN_IF_ERROR(CheckKeys(root,
                                    {"chain_id", "genesis_time_ms", "validators", "organisations", "parameters",
                                     "streets", "populations", "origin_key"},
                                    "genesis"));
  Genesis g;
  auto chain_id = GetString(root, "chain_id", true);
  if (!chain_id.ok()) return chain_id.status();
  g.chain_id = *chain_id;
  if (!IsValidId(g.chain_id)) return Bad("chain_id must match [a-z0-9-]{3,40}");
  SHANLIU_RETURN_IF_ERROR(GetUInt(root, "genesis_time_ms", &g.genesis_time_ms, std::uint64_t{1} << 52));
  if (root.contains("parameters")) SHANLIU_RETURN_IF_ERROR(ParseParams(root.at("parameters"), &g.params));
  SHANLIU_RETURN_IF_ERROR(ParseStreets(root, &g));
  SHANLIU_RETURN_IF_ERROR(ParsePopulations(root, &g));

  if (!root.contains("organisations") || !root.at("organisations").is_array()) {
    return Bad("organisations must be an array");
  }
  std::set<std::string> org_ids;
  std::set<std::string> credit_codes;
  std::set<crypto::PublicKey> keys;
  for (const json& o : root.at("organisations")) {
    SHANLIU_RETURN_IF_ERROR(
        CheckKeys(o, {"org_id", "kind", "name_zh", "name_en", "credit_code", "public_keys", "account_banks", "region"},
                  "an organisation"));
    GenesisOrg org;
    auto id = GetString(o, "org_id", true);
    auto kind = GetString(o, "kind", true);
    auto name_zh = GetString(o, "name_zh", true);
    auto name_en = GetString(o, "name_en", false);
    auto credit = GetString(o, "credit_code", true);
    for (const auto* r : {&id, &kind, &name_zh, &name_en, &credit}) {
      if (!r->ok()) return r->status();
    }
    org.org_id = *id;
    org.name_zh = *name_zh;
    org.name_en = *name_en;
    org.credit_code = *credit;
    if (!IsValidId(org.org_id)) return Bad("org_id '" + org.org_id + "' must match [a-z0-9-]{3,40}");
    if (!org_ids.insert(org.org_id).second) return Bad("organisation '" + org.org_id + "' appears twice");
    if (!ParseOrgKind(*kind, &org.kind)) return Bad("organisation '" + org.org_id + "' has unknown kind '" + *kind + "'");
    // The same rules RegisterOrg applies (invalid_credit_code, duplicate_credit_code).
    if (!IsValidCreditCode(org.credit_code)) {
      return Bad("organisation '" + org.org_id + "' has credit_code '" + org.credit_code +
                 "' whose GB 32100-2015 check character does not verify");
    }
    if (!credit_codes.insert(org.credit_code).second) {
      return Bad("credit_code '" + org.credit_code + "' belongs to two organisations");
    }
    if (!o.contains("public_keys") || !o.at("public_keys").is_array() || o.at("public_keys").empty() ||
        o.at("public_keys").size() > static_cast<std::size_t>(TxLimits::kMaxOrgKeys)) {
      return Bad("organisation '" + org.org_id + "' needs 1 to 4 public_keys");
    }
    for (const json& k : o.at("public_keys")) {
      auto key = ParseKey(k, "public key of " + org.org_id);
      if (!key.ok()) return key.status();
      if (!keys.insert(*key).second) return Bad("a public key is listed twice");
      org.public_keys.push_back(*key);
    }
    SHANLIU_RETURN_IF_ERROR(ParseAccountBanks(o, &org));
    auto region = GetString(o, "region", false);
    if (!region.ok()) return region.status();
    org.region = *region;
    if (!org.region.empty() && (org.region.size() < 6 || !IsGenesisRegion(g, org.region))) {
      return Bad("organisation '" + org.org_id + "' has region '" + org.region +
                 "', which is neither a GB/T 2260 county-level code nor a genesis street");
    }
    g.organisations.push_back(std::move(org));
  }
  SHANLIU_RETURN_IF_ERROR(CheckGenesisAccountBanks(g));
  if (std::none_of(g.organisations.begin(), g.organisations.end(),
                   [](const GenesisOrg& o) { return o.kind == pb::ORG_KIND_BUREAU; })) {
    return Bad("genesis must register a bureau (民政局): it registers every other organisation");
  }

  if (!root.contains("validators") || !root.at("validators").is_array() || root.at("validators").empty() ||
      root.at("validators").size() > kMaxValidators) {
    return Bad("validators must be an array of 1 to 100 entries");
  }
  std::set<crypto::PublicKey> validator_keys;
  for (const json& v : root.at("validators")) {
    SHANLIU_RETURN_IF_ERROR(CheckKeys(v, {"org_id", "public_key", "voting_power"}, "a validator"));
    Validator val;
    auto org = GetString(v, "org_id", true);
    if (!org.ok()) return org.status();
    val.org_id = *org;
    auto it = std::find_if(g.organisations.begin(), g.organisations.end(),
                           [&](const GenesisOrg& o) { return o.org_id == val.org_id; });
    if (it == g.organisations.end()) return Bad("validator organisation '" + val.org_id + "' is not registered");
    if (it->kind != pb::ORG_KIND_BUREAU && it->kind != pb::ORG_KIND_FEDERATION && it->kind != pb::ORG_KIND_BANK) {
      return Bad("validator organisation '" + val.org_id + "' must be the bureau, the federation or a bank");
    }
    if (!v.contains("public_key")) return Bad("a validator needs public_key");
    auto key = ParseKey(v.at("public_key"), "validator public_key");
    if (!key.ok()) return key.status();
    val.public_key = *key;
    if (!validator_keys.insert(val.public_key).second) return Bad("a validator key is listed twice");
    val.voting_power = 1;
    SHANLIU_RETURN_IF_ERROR(GetUInt(v, "voting_power", &val.voting_power, kMaxVotingPower));
    if (val.voting_power == 0) return Bad("voting_power must be at least 1");
    g.validators.push_back(std::move(val));
  }
  SHANLIU_RETURN_IF_ERROR(ParseOriginKey(root, &g));
  return g;
}

}  // namespace

std::uint16_t OriginThreshold(std::size_t validator_count) {
  return static_cast<std::uint16_t>(validator_count * 2 / 3 + 1);
}

crypto::frost::PublicKeyPackage OriginPublicKeys(const GenesisOriginKey& key) {
  crypto::frost::PublicKeyPackage out;
  out.verifying_key = key.verifying_key;
  out.min_signers = key.min_signers;
  for (std::size_t i = 0; i < key.verifying_shares.size(); ++i) {
    out.verifying_shares.emplace(*crypto::frost::Identifier::FromIndex(static_cast<std::uint16_t>(i + 1)),
                                 key.verifying_shares[i]);
  }
  return out;
}

std::uint64_t Genesis::total_voting_power() const {
  std::uint64_t total = 0;
  for (const Validator& v : validators) total += v.voting_power;
  return total;
}

int Genesis::ValidatorIndex(const crypto::PublicKey& key) const {
  for (std::size_t i = 0; i < validators.size(); ++i) {
    if (validators[i].public_key == key) return static_cast<int>(i);
  }
  return -1;
}

std::vector<std::string> GenesisParams::DefaultProjectCategories() {
  // The fields the demo's charities work in, plus the common remaining ones of Chinese charity law.
  return {"elder-care",    "children",         "disaster-relief", "medical-aid", "education",
          "disability",  "poverty-relief", "community", "environment", "other"};
}

bool GenesisParams::IsProjectCategory(std::string_view category) const {
  return std::find(project_categories.begin(), project_categories.end(), category) != project_categories.end();
}

const char* OrgKindName(pb::OrgKind kind) {
  for (const auto& [k, name] : kKinds) {
    if (k == kind) return name;
  }
  return "unspecified";
}

bool ParseOrgKind(std::string_view name, pb::OrgKind* kind) {
  for (const auto& [k, n] : kKinds) {
    if (name == n) {
      *kind = k;
      return true;
    }
  }
  return false;
}

Result<Genesis> ParseGenesis(std::string_view json_text) {
  if (json_text.size() > kMaxGenesisBytes) return Bad("genesis file is larger than 4 MiB");
  json root = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return Bad("genesis is not valid JSON");
  return ParseJson(root);
}

Result<Genesis> LoadGenesis(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("io_error", "cannot open genesis file " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return ParseGenesis(text.str());
}

std::string GenesisToJson(const Genesis& g) {
  json root;
  root["chain_id"] = g.chain_id;
  root["genesis_time_ms"] = g.genesis_time_ms;
  json orgs = json::array();
  for (const GenesisOrg& o : g.organisations) {
    json keys = json::array();
    for (const auto& k : o.public_keys) keys.push_back(crypto::ToHex(k));
    orgs.push_back({{"org_id", o.org_id},
                    {"kind", OrgKindName(o.kind)},
                    {"name_zh", o.name_zh},
                    {"name_en", o.name_en},
                    {"credit_code", o.credit_code},
                    {"public_keys", keys}});
    if (!o.account_banks.empty()) orgs.back()["account_banks"] = o.account_banks;
    if (!o.region.empty()) orgs.back()["region"] = o.region;
  }
  root["organisations"] = orgs;
  // Written only when present, so older genesis files keep their bytes.
  if (!g.streets.empty()) {
    json streets = json::array();
    for (const GenesisStreet& st : g.streets) streets.push_back({{"code", st.code}, {"name_zh", st.name_zh}});
    root["streets"] = streets;
  }
  if (!g.populations.empty()) {
    json populations = json::array();
    for (const GenesisPopulation& p : g.populations) {
      populations.push_back({{"region", p.region}, {"year", p.year}, {"population", p.population}});
    }
    root["populations"] = populations;
  }
  json validators = json::array();
  for (const Validator& v : g.validators) {
    validators.push_back(
        {{"org_id", v.org_id}, {"public_key", crypto::ToHex(v.public_key)}, {"voting_power", v.voting_power}});
  }
  root["validators"] = validators;
  // Written only when present, so genesis files without a group key keep their bytes.
  if (g.origin_key) {
    json shares = json::array();
    for (const auto& k : g.origin_key->verifying_shares) shares.push_back(crypto::ToHex(k));
    root["origin_key"] = {{"verifying_key", crypto::ToHex(g.origin_key->verifying_key)},
                          {"min_signers", g.origin_key->min_signers},
                          {"verifying_shares", shares}};
  }
  const GenesisParams& p = g.params;
  const ComplianceParams& c = p.compliance;
  root["parameters"] = {{"donation_fen_per_point", p.donation_fen_per_point},
                        {"volunteer_points_per_hour", p.volunteer_points_per_hour},
                        {"volunteer_max_age_ms", p.volunteer_max_age_ms},
                        {"volunteer_max_minutes_per_day", p.volunteer_max_minutes_per_day},
                        {"timebank_points_per_hour", p.timebank_points_per_hour},
                        {"max_block_txs", p.max_block_txs},
                        {"max_block_bytes", p.max_block_bytes},
                        {"max_tx_expiry_window", p.max_tx_expiry_window},
                        {"max_tx_expiry_ms", p.max_tx_expiry_ms},
                        {"correction_bureau_threshold_fen", p.correction_bureau_threshold_fen},
                        {"compliance",
                         {{"min_charitable_spending_pct", c.min_charitable_spending_pct},
                          {"max_admin_pct", c.max_admin_pct},
                          {"annual_report_due_month", c.annual_report_due_month},
                          {"annual_report_due_day", c.annual_report_due_day},
                          {"project_report_months", c.project_report_months}}},
                        {"project_categories", p.project_categories}};
  // Written only when they differ from the defaults, so older genesis files keep their bytes.
  if (p.refuse_expired_goods) root["parameters"]["refuse_expired_goods"] = true;
  if (p.key_recovery_delay_ms != GenesisParams::kDefaultKeyRecoveryDelayMs) {
    root["parameters"]["key_recovery_delay_ms"] = p.key_recovery_delay_ms;
  }
  const auto defaults = goods::DefaultItems();
  const bool default_items =
      defaults.size() == p.goods_items.size() &&
      std::equal(defaults.begin(), defaults.end(), p.goods_items.begin(), [](const auto& a, const auto& b) {
        return a.SerializeAsString() == b.SerializeAsString();
      });
  if (!default_items) {
    json items = json::array();
    for (const pb::GoodsItem& i : p.goods_items) {
      items.push_back({{"item_code", i.item_code()},
                       {"name_zh", i.name_zh()},
                       {"name_en", i.name_en()},
                       {"unit", i.unit()},
                       {"category", goods::CategoryName(i.category())},
                       {"perishable", i.perishable()}});
    }
    root["parameters"]["goods_items"] = items;
  }
  // Written only when set, so the genesis files of chains whose points never expire stay
  // byte-identical to what they were before the parameter existed.
  if (p.points_expiry_years != 0) root["parameters"]["points_expiry_years"] = p.points_expiry_years;
  return root.dump(2) + "\n";
}

}  // namespace shanliu::ledger
