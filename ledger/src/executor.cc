#include "shanliu/ledger/executor.h"

#include <algorithm>
#include <cassert>

#include "executor_internal.h"

namespace shanliu::ledger {

using internal::Fail;

void ApplyGenesis(StateView& view, const Genesis& genesis) {
  pb::ChainStats stats;
  for (const GenesisOrg& o : genesis.organisations) {
    pb::OrgRecord rec;
    rec.set_org_id(o.org_id);
    rec.set_kind(o.kind);
    rec.set_name_zh(o.name_zh);
    rec.set_name_en(o.name_en);
    rec.set_credit_code(o.credit_code);
    rec.set_status(pb::ORG_STATUS_ACTIVE);
    for (const std::string& bank : o.account_banks) rec.add_account_banks(bank);
    rec.set_region(o.region);
    if (!o.region.empty()) {
      pb::OrgRegionChange change;  // height 0, leaf 0: from the start of the chain
      change.set_new_region(o.region);
      change.set_time_ms(genesis.genesis_time_ms);
      keys::Store(view, keys::OrgRegion(o.org_id, 0), change);
    }
    for (const auto& k : o.public_keys) {
      rec.add_public_keys(internal::KeyBytes(k));
      view.Put(keys::KeyOwner(internal::KeyBytes(k)), o.org_id);
    }
    keys::Store(view, keys::Org(o.org_id), rec);
    // ParseGenesis refused duplicate or invalid codes, so genesis claims each code once.
    assert(!view.Get(keys::CreditCode(o.credit_code)));
    view.Put(keys::CreditCode(o.credit_code), o.org_id);
    stats.set_org_count(stats.org_count() + 1);
  }
  keys::Store(view, keys::kStats, stats);
  // ParseGenesis checked every street's county and every population's region and bounds.
  for (const GenesisStreet& st : genesis.streets) {
    pb::StreetRecord rec;
    rec.set_name_zh(st.name_zh);
    keys::Store(view, keys::Street(st.code), rec);
  }
  for (const GenesisPopulation& p : genesis.populations) {
    pb::RegionPopulationRecord rec;
    rec.set_population(p.population);
    keys::Store(view, keys::RegionPopulation(p.region, p.year), rec);
  }
  if (genesis.origin_key) {
    // Without this row nothing the genesis block hashes covers the key (docs/decisions.md
    // 2026-12-07 "The genesis block commits to origin_key").
    const crypto::PublicKey& key = genesis.origin_key->verifying_key;
    view.Put(keys::kOriginKey, std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
  }
}

Status ApplyTx(StateView& view, const Genesis& genesis, const DecodedTx& tx, const TxContext& ctx) {
  view.PushLayer();
  Status s;
  try {
    s = internal::Applier(view, genesis, tx, ctx).Apply();
  } catch (...) {
    view.PopLayer(false);
    throw;
  }
  view.PopLayer(s.ok());
  return s;
}

namespace internal {

Status Applier::Apply() {
  const pb::TxBody& body = tx_.body;
  assert(body.chain_id() == genesis_.chain_id);
  if (body.expires_at_height() < ctx_.height) {
    return Fail("expired", "transaction expired at height " + std::to_string(body.expires_at_height()) +
                               "; the chain is at " + std::to_string(ctx_.height));
  }
  if (body.expires_at_height() > ctx_.height + genesis_.params.max_tx_expiry_window) {
    return Fail("expiry_too_far", "expires_at_height may be at most " +
                                      std::to_string(genesis_.params.max_tx_expiry_window) +
                                      " blocks ahead (replay protection window)");
  }
  SHANLIU_RETURN_IF_ERROR(CheckExpiryTime());
  const std::string id = TxIdBytes();
  if (view_.Get(keys::TxLoc(id))) return Fail("duplicate", "this transaction is already on the ledger");

  Status s;
  switch (body.payload_case()) {
    case pb::TxBody::kRegisterOrg: s = RegisterOrg(body.register_org()); break;
    case pb::TxBody::kUpdateOrg: s = UpdateOrg(body.update_org()); break;
    case pb::TxBody::kRotateKey: s = RotateKey(body.rotate_key()); break;
    case pb::TxBody::kOpenProject: s = OpenProject(body.open_project()); break;
    case pb::TxBody::kCloseProject: s = CloseProject(body.close_project()); break;
    case pb::TxBody::kUpdateProject: s = UpdateProject(body.update_project()); break;
    case pb::TxBody::kDonation: s = Donation(body.donation()); break;
    case pb::TxBody::kTransfer: s = Transfer(body.transfer()); break;
    case pb::TxBody::kOpenTrust: s = OpenTrust(body.open_trust()); break;
    case pb::TxBody::kTrustDeposit: s = TrustDeposit(body.trust_deposit()); break;
    case pb::TxBody::kTrustDisbursement: s = TrustDisbursement(body.trust_disbursement()); break;
    case pb::TxBody::kSpend: s = Spend(body.spend()); break;
    case pb::TxBody::kRefund: s = Refund(body.refund()); break;
    case pb::TxBody::kVolunteerService: s = VolunteerService(body.volunteer_service()); break;
    case pb::TxBody::kRedeemPoints: s = RedeemPoints(body.redeem_points()); break;
    case pb::TxBody::kDisclosure: s = Disclosure(body.disclosure()); break;
    case pb::TxBody::kCorrection: s = Correction(body.correction()); break;
    case pb::TxBody::kServiceExchange: s = ServiceExchange(body.service_exchange()); break;
    case pb::TxBody::kMovePoints: s = MovePoints(body.move_points()); break;
    case pb::TxBody::kRegisterGoodsItem: s = RegisterGoodsItem(body.register_goods_item()); break;
    case pb::TxBody::kGoodsDonation: s = GoodsDonation(body.goods_donation()); break;
    case pb::TxBody::kGoodsTransfer: s = GoodsTransfer(body.goods_transfer()); break;
    case pb::TxBody::kGoodsDistribution: s = GoodsDistribution(body.goods_distribution()); break;
    case pb::TxBody::kHonourName: s = HonourName(body.honour_name()); break;
    case pb::TxBody::kCatalogueEntry: s = CatalogueEntry(body.catalogue_entry()); break;
    case pb::TxBody::kRequestKeyRecovery: s = RequestKeyRecovery(body.request_key_recovery()); break;
    case pb::TxBody::kVetoKeyRecovery: s = VetoKeyRecovery(body.veto_key_recovery()); break;
    case pb::TxBody::kCompleteKeyRecovery: s = CompleteKeyRecovery(body.complete_key_recovery()); break;
    case pb::TxBody::kRegionPopulation: s = RegionPopulation(body.region_population()); break;
    case pb::TxBody::kRegisterStreet: s = RegisterStreet(body.register_street()); break;
    case pb::TxBody::kValidatorSetChange: s = ValidatorSetChange(body.validator_set_change()); break;
    case pb::TxBody::PAYLOAD_NOT_SET: return Fail("malformed", "transaction has no payload");
  }
  if (!s.ok()) return s;

  pb::TxLocation loc;
  loc.set_leaf(ctx_.leaf);
  loc.set_height(ctx_.height);
  loc.set_index_in_block(ctx_.index_in_block);
  keys::Store(view_, keys::TxLoc(id), loc);
  return UpdateStats([](pb::ChainStats& st) {
    st.set_tx_count(st.tx_count() + 1);
    return true;
  });
}

// The time bound uses the block header's time (ctx_), never a clock, so every node agrees.
Status Applier::CheckExpiryTime() const {
  const std::uint64_t expires = tx_.body.expires_at_ms();
  if (expires < ctx_.time_ms) {
    return Fail("expired", "transaction expired at " + std::to_string(expires) + " ms; the block time is " +
                               std::to_string(ctx_.time_ms) + " ms");
  }
  if (expires - ctx_.time_ms > genesis_.params.max_tx_expiry_ms) {
    return Fail("expiry_too_far", "expires_at_ms may be at most " + std::to_string(genesis_.params.max_tx_expiry_ms) +
                                      " ms after the block time (replay protection window)");
  }
  return Status::Ok();
}

Result<pb::OrgRecord> Applier::GetOrg(const std::string& org_id) const {
  auto rec = keys::Load<pb::OrgRecord>(view_, keys::Org(org_id));
  if (!rec) return Fail("unknown_org", "organisation '" + org_id + "' is not registered");
  return std::move(*rec);
}

Result<pb::OrgRecord> Applier::GetActiveOrg(const std::string& org_id) const {
  auto rec = GetOrg(org_id);
  if (rec.ok() && rec->status() != pb::ORG_STATUS_ACTIVE) {
    return Fail("suspended", "organisation '" + org_id + "' is suspended");
  }
  return rec;
}

bool Applier::SignedByOrg(const pb::OrgRecord& org) const {
  for (const std::string& k : org.public_keys()) {
    crypto::PublicKey key;
    assert(k.size() == key.size());
    std::copy(k.begin(), k.end(), key.begin());
    if (tx_.SignedBy(key)) return true;
  }
  return false;
}

Status Applier::RequireSignedBy(const pb::OrgRecord& org, const char* role) const {
  if (SignedByOrg(org)) return Status::Ok();
  return Fail("wrong_signer", std::string("must be signed by ") + role + " '" + org.org_id() + "'");
}

Result<pb::OrgRecord> Applier::RequireBureauSigner() const {
  for (const crypto::PublicKey& key : tx_.signers) {
    auto owner = view_.Get(keys::KeyOwner(KeyBytes(key)));
    if (!owner) continue;
    auto org = GetOrg(*owner);
    if (org.ok() && org->kind() == pb::ORG_KIND_BUREAU) {
      if (org->status() != pb::ORG_STATUS_ACTIVE) return Fail("suspended", "the signing bureau is suspended");
      return org;
    }
  }
  return Fail("wrong_signer", "must be signed by the civil-affairs bureau (民政局)");
}

Status Applier::RequireKind(const pb::OrgRecord& org, std::initializer_list<pb::OrgKind> kinds,
                            const char* role) const {
  if (std::find(kinds.begin(), kinds.end(), org.kind()) != kinds.end()) return Status::Ok();
  return Fail("wrong_kind", "organisation '" + org.org_id() + "' is a " + OrgKindName(org.kind()) +
                                " and cannot act as " + role);
}

Result<pb::ProjectRecord> Applier::GetProject(const std::string& project_id) const {
  auto rec = keys::Load<pb::ProjectRecord>(view_, keys::Project(project_id));
  if (!rec) return Fail("unknown_project", "project '" + project_id + "' does not exist");
  return std::move(*rec);
}

Result<pb::TrustRecord> Applier::GetTrust(const std::string& trust_id) const {
  auto rec = keys::Load<pb::TrustRecord>(view_, keys::Trust(trust_id));
  if (!rec) return Fail("unknown_trust", "charity trust '" + trust_id + "' does not exist");
  return std::move(*rec);
}

Result<std::string> Applier::AccountOwner(const std::string& account) const {
  if (account.starts_with("org:")) {
    // Only whether the organisation is registered matters here: its row is not parsed.
    std::string id = account.substr(4);
    if (!view_.Get(keys::Org(id))) return Fail("unknown_account", "account '" + account + "' does not exist");
    return id;
  }
  if (account.starts_with("project:")) {
    auto project = GetProject(account.substr(8));
    if (!project.ok()) return Fail("unknown_account", "account '" + account + "' does not exist");
    return project->spec().owner_org();
  }
  if (account.starts_with("trust:")) {
    auto trust = GetTrust(account.substr(6));
    if (!trust.ok()) return Fail("unknown_account", "account '" + account + "' does not exist");
    return trust->spec().trustee_org();
  }
  return Fail("unknown_account", "account '" + account + "' is not an org:, project: or trust: account");
}

Result<std::string> Applier::RequireReceivingAccount(const std::string& account, pb::OrgRecord* owner_out) const {
  auto owner = AccountOwner(account);
  if (!owner.ok()) return owner;
  if (account.starts_with("project:")) {
    auto project = GetProject(account.substr(8));
    if (project->closed()) return Fail("project_closed", "project '" + account.substr(8) + "' is closed");
    // The project's term includes its last millisecond; the block's time decides, never a clock.
    if (ctx_.time_ms > project->spec().ends_at_ms()) {
      return Fail("project_ended", "project '" + account.substr(8) + "' ended at " +
                                       std::to_string(project->spec().ends_at_ms()) + " ms; the block time is " +
                                       std::to_string(ctx_.time_ms) + " ms");
    }
  }
  auto org = GetActiveOrg(*owner);
  if (!org.ok()) return org.status();
  if (account.starts_with("org:")) {
    SHANLIU_RETURN_IF_ERROR(RequireKind(*org, {pb::ORG_KIND_CHARITY, pb::ORG_KIND_FEDERATION, pb::ORG_KIND_TRUSTEE},
                                        "a recipient of charitable funds"));
  }
  if (owner_out != nullptr) *owner_out = std::move(*org);
  return owner;
}

Status Applier::AddOrgYear(const std::string& org, const std::function<bool(pb::OrgYear&)>& update) {
  const std::string key = keys::OrgYear(org, BeijingYear(ctx_.time_ms));
  pb::OrgYear year = keys::Load<pb::OrgYear>(view_, key).value_or(pb::OrgYear());
  if (!update(year)) return Fail("overflow", "the organisation's yearly totals would overflow");
  keys::Store(view_, key, year);
  return Status::Ok();
}

Status Applier::UpdateStats(const std::function<bool(pb::ChainStats&)>& update) {
  pb::ChainStats stats = keys::Load<pb::ChainStats>(view_, keys::kStats).value_or(pb::ChainStats());
  if (!update(stats)) return Fail("overflow", "chain statistics would overflow");
  keys::Store(view_, keys::kStats, stats);
  return Status::Ok();
}

void Applier::IndexAccount(const std::string& account) { view_.Put(keys::AccountActivity(account, ctx_.leaf), ""); }
void Applier::IndexOrg(const std::string& org) { view_.Put(keys::OrgActivity(org, ctx_.leaf), ""); }

}  // namespace internal
}  // namespace shanliu::ledger
