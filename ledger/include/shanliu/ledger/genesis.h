// The genesis file (JSON): chain id, validators, the founding organisations and the
// chain's parameters. Every node of a chain must load byte-identical genesis semantics;
// the genesis state digest and validators hash make any difference visible at once.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "shanliu/crypto/frost.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/goods.h"
#include "shanliu/pb/shanliu.pb.h"
#include "shanliu/status.h"

namespace shanliu::ledger {

struct ComplianceParams {
  std::uint32_t min_charitable_spending_pct = 70;  // of the previous year's income
  std::uint32_t max_admin_pct = 10;                // of the year's spending
  std::uint32_t annual_report_due_month = 5;       // annual report by 31 May of the next year
  std::uint32_t annual_report_due_day = 31;
  std::uint32_t project_report_months = 3;         // closing report within 3 months of the end
};

struct GenesisParams {
  std::int64_t donation_fen_per_point = 1000;  // 1 point per 10 yuan
  std::uint64_t volunteer_points_per_hour = 10;
  // VolunteerService: the service day is at most this long before the block (90 days) and never
  // after it; one holder is credited at most this many minutes per day (12 h).
  std::uint64_t volunteer_max_age_ms = 90ull * 86'400'000;
  std::uint32_t volunteer_max_minutes_per_day = 720;
  // ServiceExchange paid in points: an hour of service time costs this many points (0: service
  // time is paid only from banked minutes). The district's hours <-> points rule.
  std::uint64_t timebank_points_per_hour = 10;
  // Points earned at block time T expire at T + points_expiry_years x 365 days (0: never, the
  // default; at most 100). docs/rules.md "Points expiry".
  std::uint32_t points_expiry_years = 0;
  std::uint32_t max_block_txs = 2000;
  std::uint64_t max_block_bytes = 4 * 1024 * 1024;
  std::uint64_t max_tx_expiry_window = 1000;  // expires_at_height <= height + this
  std::uint64_t max_tx_expiry_ms = 86'400'000;  // expires_at_ms <= block time + this (24 h)
  // A Correction reversing at least this much needs the bureau's co-signature (¥10,000).
  std::int64_t correction_bureau_threshold_fen = 1'000'000;
  // RequestKeyRecovery: the public window, in block time, in which a current key of the
  // organisation can veto before CompleteKeyRecovery may replace its keys (7 days; one minute
  // to 366 days). docs/rules.md "Key recovery".
  std::uint64_t key_recovery_delay_ms = kDefaultKeyRecoveryDelayMs;
  static constexpr std::uint64_t kDefaultKeyRecoveryDelayMs = 7ull * 86'400'000;
  ComplianceParams compliance;
  // The closed list an OpenProject's `category` comes from (ids, [a-z0-9-]{3,40}, 1..64 of them).
  std::vector<std::string> project_categories = DefaultProjectCategories();

  static std::vector<std::string> DefaultProjectCategories();
  // The goods catalogue the chain starts with (0..256 items; more are added by RegisterGoodsItem).
  std::vector<pb::GoodsItem> goods_items = goods::DefaultItems();
  // Distributing units from a lot past its expiry date: false (default) records the distribution
  // with its expired units flagged (shown in compliance); true refuses it ("goods_expired").
  bool refuse_expired_goods = false;
  bool IsProjectCategory(std::string_view category) const;
};

struct GenesisOrg {
  std::string org_id;
  pb::OrgKind kind = pb::ORG_KIND_UNSPECIFIED;
  std::string name_zh;
  std::string name_en;
  std::string credit_code;
  std::vector<crypto::PublicKey> public_keys;
  std::vector<std::string> account_banks;  // genesis banks holding its accounts (optional)
  std::string region;                      // county (6 digits) or genesis street (9); "" none
};

// docs/regions.md: streets named at genesis and resident populations per region and year.
struct GenesisStreet {
  std::string code;  // 9 digits: a county on the GB/T 2260 list + 3
  std::string name_zh;
};
struct GenesisPopulation {
  std::string region;  // 2, 4, 6 or 9 digits (a genesis street)
  std::uint32_t year = 0;
  std::uint64_t population = 0;
};

// The validators' FROST group key (RFC 9591, docs/data-format.md "origin_key"): its signatures
// are plain Ed25519 and sign the checkpoint note under the origin name, so a standard C2SP
// witness can follow the chain with one key. validators[i] holds FROST identifier i + 1, whose
// verifying share is verifying_shares[i]; min_signers is OriginThreshold(n).
struct GenesisOriginKey {
  crypto::PublicKey verifying_key{};
  std::uint16_t min_signers = 0;
  std::vector<crypto::PublicKey> verifying_shares;
};

// More than 2/3 of the validators by count, as a commit certificate needs: floor(2n/3) + 1.
std::uint16_t OriginThreshold(std::size_t validator_count);

// The origin key as FROST's public key package (identifiers 1..n).
crypto::frost::PublicKeyPackage OriginPublicKeys(const GenesisOriginKey& key);

struct Genesis {
  std::string chain_id;
  std::uint64_t genesis_time_ms = 0;
  std::vector<Validator> validators;
  std::vector<GenesisOrg> organisations;
  GenesisParams params;
  std::vector<GenesisStreet> streets;          // optional "streets"
  std::vector<GenesisPopulation> populations;  // optional "populations"
  std::optional<GenesisOriginKey> origin_key;  // optional "origin_key": no origin line without it

  std::uint64_t total_voting_power() const;
  Hash256 validators_hash() const { return ValidatorsHash(validators); }
  // Index of the validator with this key, or -1.
  int ValidatorIndex(const crypto::PublicKey& key) const;
};

// Strict: unknown fields, duplicate ids or keys, bad hex, missing bureau, validators whose
// organisation is not a bureau, federation or bank, zero or overflowing voting power, credit
// codes whose check characters fail or that appear twice, and bad project categories are errors.
Result<Genesis> ParseGenesis(std::string_view json_text);
Result<Genesis> LoadGenesis(const std::filesystem::path& path);
std::string GenesisToJson(const Genesis& genesis);  // pretty, round-trips through ParseGenesis

const char* OrgKindName(pb::OrgKind kind);  // "bureau", "federation", ...
bool ParseOrgKind(std::string_view name, pb::OrgKind* kind);

}  // namespace shanliu::ledger
