// Shared machinery of the state machine's per-payload rules (executor_*.cc).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "shanliu/ledger/executor.h"
#include "shanliu/ledger/flow.h"
#include "shanliu/ledger/totals.h"
#include "shanliu/pb/state.pb.h"
#include "state_keys.h"

namespace shanliu::ledger::internal {

inline Status Fail(const char* code, std::string message) { return Status::Error(code, std::move(message)); }

inline bool AddChecked(std::int64_t& total, std::int64_t amount) {
  return !__builtin_add_overflow(total, amount, &total);
}
inline bool AddChecked(std::uint64_t& total, std::uint64_t amount) {
  return !__builtin_add_overflow(total, amount, &total);
}

// Calendar year in Beijing time (UTC+8), the year Chinese charity reporting uses.
inline std::uint32_t BeijingYear(std::uint64_t time_ms) {
  using namespace std::chrono;
  const sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(time_ms) + hours(8)));
  return static_cast<std::uint32_t>(static_cast<int>(year_month_day(day).year()));
}

// Calendar month (1..12) in Beijing time: the month the region figures book an entry in.
inline std::uint32_t BeijingMonth(std::uint64_t time_ms) {
  using namespace std::chrono;
  const sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(time_ms) + hours(8)));
  return static_cast<unsigned>(year_month_day(day).month());
}

inline std::string KeyBytes(const crypto::PublicKey& k) { return std::string(k.begin(), k.end()); }

// One transaction being applied: the view, the rules' parameters and the tx itself.
class Applier {
 public:
  Applier(StateView& view, const Genesis& genesis, const DecodedTx& tx, const TxContext& ctx)
      : view_(view), genesis_(genesis), tx_(tx), ctx_(ctx) {}

  Status Apply();

 private:
  // executor_orgs.cc
  Status RegisterOrg(const pb::RegisterOrg& p);
  Status UpdateOrg(const pb::UpdateOrg& p);
  Status RotateKey(const pb::RotateKey& p);
  Status OpenProject(const pb::OpenProject& p);
  Status CloseProject(const pb::CloseProject& p);
  Status UpdateProject(const pb::UpdateProject& p);
  Status OpenTrust(const pb::OpenTrust& p);
  Status Disclosure(const pb::Disclosure& p);
  // executor_recovery.cc
  Status RequestKeyRecovery(const pb::RequestKeyRecovery& p);
  Status VetoKeyRecovery(const pb::VetoKeyRecovery& p);
  Status CompleteKeyRecovery(const pb::CompleteKeyRecovery& p);
  // "key_in_use" if `key` belongs to an organisation or is held by a pending recovery.
  std::optional<Status> KeyUnavailable(const std::string& key, const char* field) const;
  Result<pb::KeyRecoveryRecord> PendingRecovery(const std::string& org_id, const std::string& request_tx_id) const;
  // Ends a pending recovery (vetoed or completed) and stores `org` without it.
  void CloseRecovery(pb::OrgRecord& org, pb::KeyRecoveryRecord& rec, pb::KeyRecoveryStatus status);
  // executor_money.cc
  Status Donation(const pb::Donation& p);
  Status TrustDeposit(const pb::TrustDeposit& p);
  Status Transfer(const pb::Transfer& p);
  Status TrustDisbursement(const pb::TrustDisbursement& p);
  Status Spend(const pb::Spend& p);
  Status Refund(const pb::Refund& p);
  Status AddOrgIncome(const std::string& org, std::int64_t amount_fen);
  Status AddProjectAllocation(const std::string& account, std::int64_t amount_fen);  // no-op for org: accounts
  Status CountTransfer(std::int64_t amount_fen);
  // Attestation integrity (executor_attest.cc).
  Status ClaimBankRef(const std::string& bank, const std::string& hash);
  Status ClaimReceiptNumber(const std::string& org, const std::string& hash);
  // The bank that co-signed (empty if none): every signer not holding a key of `owner` must hold
  // a key of one active bank, and that bank must be one of `owner`'s account banks (the banks
  // holding its accounts, filed with the bureau). A trust's money leaves only by
  // TrustDisbursement, which its custodian signs.
  Result<std::string> CoSigningBank(const pb::OrgRecord& owner) const;
  // Each id names a registered bank: the organisation's account banks as filed.
  template <class Ids>
  Status CheckAccountBanks(const Ids& bank_orgs) const;
  // Records the co-signing bank of this tx (no-op when empty) and lists the tx in its activity.
  void RecordAttestation(const std::string& bank);
  // executor_correction.cc
  Status Correction(const pb::Correction& p);
  Result<pb::TxLocation> CorrectableTx(const pb::Correction& p, const pb::TxBody& corrected) const;
  Status RequireCorrectionSigners(const pb::TxBody& corrected, const pb::GiftRecord* gift);
  Status ReverseSpend(const pb::Spend& s, const pb::TxLocation& loc, const std::string& spend_id);
  Status ReverseTransfer(const pb::Transfer& t, const pb::TxLocation& loc);
  Result<std::uint64_t> WithdrawDonation(const pb::Donation& d, pb::GiftRecord& gift, const std::string& gift_id);
  // executor_regions.cc
  Status RegisterStreet(const pb::RegisterStreet& p);
  Status RegionPopulation(const pb::RegionPopulation& p);
  // "unknown_region" unless `region` is a GB/T 2260 county or a street registered on the chain.
  Status CheckPlaceable(const std::string& region, const char* field) const;
  // History row: `org` is in `new_region` from this tx on.
  void RecordOrgRegion(const std::string& org, const std::string& old_region, const std::string& new_region);
  // The region figures of an account's entries go to: its project's, else its owner's at `leaf` ("" none).
  std::string RegionOfAccount(const std::string& account, std::uint64_t leaf) const;
  std::string CategoryOfAccount(const std::string& account) const;  // a project's category, else ""
  // Updates the region's row for the Beijing month of `time_ms` (no-op for an empty region).
  void AddRegionMonthAt(const std::string& region, std::uint64_t time_ms,
                        const std::function<void(pb::RegionMonth&)>& update);
  void AddRegionMonth(const std::string& region, const std::function<void(pb::RegionMonth&)>& update) {
    AddRegionMonthAt(region, ctx_.time_ms, update);
  }
  // A donation (amount > 0) or its withdrawal by a correction (amount < 0), booked in this block's
  // month, in the region the account had at `attributed_leaf` (the donation's own leaf).
  void CountRegionDonation(const std::string& account, std::int64_t amount_fen, bool attested,
                           std::uint64_t attributed_leaf, bool over_budget);
  void CountRegionSpend(const pb::Spend& s, bool attested, std::uint64_t attributed_leaf, bool reversal);
  void CountClosingReport(const std::string& project_id);
  // executor_validators.cc
  Status ValidatorSetChange(const pb::ValidatorSetChange& p);
  Status RequireValidatorQuorum(const std::vector<Validator>& current) const;
  Status CheckEffectiveHeight(std::uint64_t effective_height) const;
  Result<std::vector<Validator>> UpdatedValidators(std::vector<Validator> set, const pb::ValidatorSetChange& p) const;
  Status CheckValidatorOrgs(const std::vector<Validator>& set) const;
  Status CheckOriginHandover(const std::vector<Validator>& set, const pb::OriginKeyHandover& handover) const;
  // executor_points.cc
  Status VolunteerService(const pb::VolunteerService& p);
  Status RedeemPoints(const pb::RedeemPoints& p);
  Status CreditPoints(const std::string& holder, std::uint64_t points);
  // Undoes CreditPoints for a corrected donation; "points_redeemed" if the holder no longer has them.
  Status TakeBackPoints(const std::string& holder, std::uint64_t points);
  // A refund's share of its gift's points: taken from the balance, the rest owed (shortfall).
  Status RevokePoints(const std::string& holder, std::uint64_t points);
  Status CheckVolunteerDay(const pb::VolunteerService& p);
  // executor_timebank.cc
  Status ServiceExchange(const pb::ServiceExchange& p);
  Status MovePoints(const pb::MovePoints& p);
  Status CreditMinutes(const std::string& holder, std::uint64_t minutes);
  // Pays a ServiceExchange: from banked minutes, or in points at timebank_points_per_hour.
  Status PayForService(const pb::ServiceExchange& p);
  bool SignedByKey(const std::string& key_bytes) const;
  // executor_honour.cc
  Status HonourName(const pb::HonourName& p);
  Status CheckNotOrgName(const std::string& name) const;
  void SetHonourRanks(const std::string& holder, bool listed);
  void AddHonourYear(const std::string& holder, std::uint64_t points_added, std::uint64_t points_taken,
                     std::uint64_t minutes_added);

  // executor_goods.cc
  Status RegisterGoodsItem(const pb::RegisterGoodsItem& p);
  Status GoodsDonation(const pb::GoodsDonation& p);
  Status GoodsTransfer(const pb::GoodsTransfer& p);
  Status GoodsDistribution(const pb::GoodsDistribution& p);
  // The catalogued item with this code, counted in `unit` ("unknown_item", "unit_mismatch").
  Result<pb::GoodsItem> RequireGoodsItem(const std::string& code, const std::string& unit) const;
  Status RequireGoodsNotary(const std::string& notary) const;
  Result<std::uint64_t> ExpiredUnits(std::uint32_t date) const;
  // points_expiry.cc (all no-ops while genesis points_expiry_years is 0)
  enum class LotOrder { kOldestFirst, kNewestFirst };
  bool PointsExpire() const;
  // Takes the lots due at this block's time off `rec`'s balance (the caller stores `rec`).
  void SweepExpiredPoints(const std::string& holder, pb::PointsRecord& rec);
  void AddPointsLot(const std::string& holder, std::uint64_t points);
  // Spending takes the oldest lots first; a reversal of earned points the newest.
  void TakeFromLots(const std::string& holder, std::uint64_t points, LotOrder order);
  // MovePoints: the lots keep their earning dates on the new key.
  void MoveLots(const std::string& from_holder, const std::string& to_holder);
  // executor_catalogue.cc
  Status CatalogueEntry(const pb::CatalogueEntry& p);
  // A redemption naming a catalogue item: listed, active, and at exactly its price.
  Status CheckCatalogueItem(const pb::RedeemPoints& p) const;

  // Lookups and signer rules (executor.cc).
  Status CheckExpiryTime() const;
  Result<pb::OrgRecord> GetOrg(const std::string& org_id) const;
  Result<pb::OrgRecord> GetActiveOrg(const std::string& org_id) const;
  bool SignedByOrg(const pb::OrgRecord& org) const;
  Status RequireSignedBy(const pb::OrgRecord& org, const char* role) const;
  Result<pb::OrgRecord> RequireBureauSigner() const;
  Status RequireKind(const pb::OrgRecord& org, std::initializer_list<pb::OrgKind> kinds, const char* role) const;
  Result<pb::ProjectRecord> GetProject(const std::string& project_id) const;
  Result<pb::TrustRecord> GetTrust(const std::string& trust_id) const;
  // The organisation that controls an account (the org itself, a project's owner, a trust's trustee).
  Result<std::string> AccountOwner(const std::string& account) const;
  // Checks an account can receive money now (exists, open, owner active); returns its owner.
  // The owner of an account that may receive charitable funds (active, of a receiving kind);
  // its record goes to `owner_out` when given, so callers need not read it again.
  Result<std::string> RequireReceivingAccount(const std::string& account, pb::OrgRecord* owner_out = nullptr) const;
  Status AddOrgYear(const std::string& org, const std::function<bool(pb::OrgYear&)>& update);
  Status UpdateStats(const std::function<bool(pb::ChainStats&)>& update);
  void IndexAccount(const std::string& account);
  void IndexOrg(const std::string& org);
  std::string TxIdBytes() const { return std::string(tx_.id.begin(), tx_.id.end()); }

  StateView& view_;
  const Genesis& genesis_;
  const DecodedTx& tx_;
  const TxContext& ctx_;
};

}  // namespace shanliu::ledger::internal
