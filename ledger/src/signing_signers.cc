// RequiredSigners: the ledger's signer rules (executor_*.cc, docs/rules.md) read as "who must
// sign", so a signing request can say whose signatures it still waits for. The executor stays
// the authority: a request built on stale state is still checked when its tx is applied.
#include <algorithm>

#include "shanliu/ledger/signing_request.h"
#include "shanliu/ledger/tx.h"

namespace shanliu::ledger {
namespace {

Status Err(const char* code, std::string message) { return Status::Error(code, std::move(message)); }

std::vector<crypto::PublicKey> KeysOf(const pb::OrgRecord& org) {
  std::vector<crypto::PublicKey> keys;
  for (const std::string& k : org.public_keys()) {
    crypto::PublicKey key{};
    if (k.size() != key.size()) continue;  // the executor stores only 32-byte keys
    std::copy(k.begin(), k.end(), key.begin());
    keys.push_back(key);
  }
  return keys;
}

Result<SignerSlot> OrgSlot(const SignerLookup& lookup, const std::string& org_id, std::string role) {
  auto org = lookup.org(org_id);
  if (!org) return Err("unknown_org", "organisation '" + org_id + "' is not registered");
  return SignerSlot{std::move(role), org_id, KeysOf(*org)};
}

Result<SignerSlot> KeySlot(const std::string& raw_key, std::string role, std::string org_id = {}) {
  crypto::PublicKey key{};
  if (raw_key.size() != key.size()) return Err("malformed", role + " must be a 32-byte Ed25519 public key");
  std::copy(raw_key.begin(), raw_key.end(), key.begin());
  return SignerSlot{std::move(role), std::move(org_id), {key}};
}

// The organisation that controls an account: the org itself, a project's owner, a trust's trustee.
Result<std::string> AccountOwner(const SignerLookup& lookup, const std::string& account) {
  const auto colon = account.find(':');
  const std::string kind = account.substr(0, colon == std::string::npos ? 0 : colon);
  const std::string id = colon == std::string::npos ? std::string() : account.substr(colon + 1);
  if (kind == "org") return id;
  if (kind == "project") {
    auto project = lookup.project(id);
    if (!project) return Err("unknown_project", "project '" + id + "' does not exist");
    return project->spec().owner_org();
  }
  if (kind == "trust") {
    auto trust = lookup.trust(id);
    if (!trust) return Err("unknown_trust", "trust '" + id + "' does not exist");
    return trust->spec().trustee_org();
  }
  return Err("unknown_account", "account '" + account + "' is not org:, project: or trust:");
}

Result<pb::TrustRecord> Trust(const SignerLookup& lookup, const std::string& id) {
  auto trust = lookup.trust(id);
  if (!trust) return Err("unknown_trust", "trust '" + id + "' does not exist");
  return *trust;
}

Result<std::string> ProjectOwner(const SignerLookup& lookup, const std::string& id) {
  return AccountOwner(lookup, "project:" + id);
}

// The paying organisation of a Spend or Refund, and its optional attesting bank.
Result<std::vector<SignerSlot>> OutflowSigners(const SignerLookup& lookup, const std::string& owner,
                                               const std::string& cosigning_bank) {
  auto owner_slot = OrgSlot(lookup, owner, "account_owner");
  if (!owner_slot.ok()) return owner_slot.status();
  std::vector<SignerSlot> slots{*owner_slot};
  if (cosigning_bank.empty()) return slots;
  const auto owner_org = lookup.org(owner);
  const auto& banks = owner_org->account_banks();
  if (std::find(banks.begin(), banks.end(), cosigning_bank) == banks.end()) {
    return Err("cosigner_not_account_bank",
               "bank '" + cosigning_bank + "' is not one of the account banks '" + owner + "' filed with the bureau");
  }
  auto bank_slot = OrgSlot(lookup, cosigning_bank, "attesting_bank");
  if (!bank_slot.ok()) return bank_slot.status();
  slots.push_back(*bank_slot);
  return slots;
}

Result<std::vector<SignerSlot>> Collect(std::initializer_list<Result<SignerSlot>> slots) {
  std::vector<SignerSlot> out;
  for (const Result<SignerSlot>& slot : slots) {
    if (!slot.ok()) return slot.status();
    out.push_back(*slot);
  }
  return out;
}

Result<std::vector<SignerSlot>> One(const SignerLookup& lookup, const Result<std::string>& org, const char* role) {
  if (!org.ok()) return org.status();
  return Collect({OrgSlot(lookup, *org, role)});
}

Result<std::vector<SignerSlot>> Bureau(const SignerLookup& lookup) {
  auto bureau = lookup.bureau();
  if (!bureau) return Err("unknown_org", "the chain has no civil-affairs bureau");
  return std::vector<SignerSlot>{{"bureau", bureau->org_id(), KeysOf(*bureau)}};
}

Result<std::vector<SignerSlot>> MoneySigners(const pb::TxBody& body, const SignerLookup& lookup,
                                             const std::string& cosigning_bank) {
  switch (body.payload_case()) {
    case pb::TxBody::kDonation: {
      const pb::Donation& d = body.donation();
      if (!d.attesting_bank().empty()) return One(lookup, d.attesting_bank(), "attesting_bank");
      return One(lookup, AccountOwner(lookup, d.to_account()), "receiving_org");
    }
    case pb::TxBody::kTransfer: return One(lookup, AccountOwner(lookup, body.transfer().from_account()), "account_owner");
    case pb::TxBody::kTrustDeposit: {
      auto trust = Trust(lookup, body.trust_deposit().trust_id());
      if (!trust.ok()) return trust.status();
      return One(lookup, trust->spec().custodian_bank(), "custodian_bank");
    }
    case pb::TxBody::kTrustDisbursement: {
      auto trust = Trust(lookup, body.trust_disbursement().trust_id());
      if (!trust.ok()) return trust.status();
      return Collect({OrgSlot(lookup, trust->spec().trustee_org(), "trustee"),
                      OrgSlot(lookup, trust->spec().custodian_bank(), "custodian_bank")});
    }
    case pb::TxBody::kSpend: {
      auto owner = AccountOwner(lookup, body.spend().from_account());
      if (!owner.ok()) return owner.status();
      return OutflowSigners(lookup, *owner, cosigning_bank);
    }
    case pb::TxBody::kRefund: {
      const std::string& raw = body.refund().donation_tx_id();
      Hash256 id{};
      if (raw.size() != id.size()) return Err("malformed", "refund.donation_tx_id must be 32 bytes");
      std::copy(raw.begin(), raw.end(), id.begin());
      auto account = lookup.donation_account(id);
      if (!account) return Err("unknown_donation", "no committed donation has this id");
      auto owner = AccountOwner(lookup, *account);
      if (!owner.ok()) return owner.status();
      return OutflowSigners(lookup, *owner, cosigning_bank);
    }
    default: break;
  }
  assert(false && "MoneySigners called for a kind it does not handle");
  return Err("internal", "unhandled kind");
}

// Goods (docs/rules.md "In-kind goods"): the holder signs; a transfer's receiver co-signs
// (arrival confirmed) unless it is the same organisation; a donation's notary co-signs.
Result<std::vector<SignerSlot>> GoodsSigners(const pb::TxBody& body, const SignerLookup& lookup) {
  switch (body.payload_case()) {
    case pb::TxBody::kGoodsDonation: {
      const pb::GoodsDonation& d = body.goods_donation();
      auto receiver = AccountOwner(lookup, d.to_account());
      if (!receiver.ok()) return receiver.status();
      if (d.notary_org().empty()) return One(lookup, *receiver, "receiving_org");
      return Collect({OrgSlot(lookup, *receiver, "receiving_org"), OrgSlot(lookup, d.notary_org(), "notary")});
    }
    case pb::TxBody::kGoodsTransfer: {
      auto source = AccountOwner(lookup, body.goods_transfer().from_account());
      if (!source.ok()) return source.status();
      auto target = AccountOwner(lookup, body.goods_transfer().to_account());
      if (!target.ok()) return target.status();
      if (*source == *target) return One(lookup, *source, "account_owner");
      return Collect({OrgSlot(lookup, *source, "account_owner"), OrgSlot(lookup, *target, "receiving_org")});
    }
    case pb::TxBody::kGoodsDistribution:
      return One(lookup, AccountOwner(lookup, body.goods_distribution().from_account()), "account_owner");
    default: break;
  }
  assert(false && "GoodsSigners called for a kind it does not handle");
  return Err("internal", "unhandled kind");
}

}  // namespace

Result<std::vector<SignerSlot>> RequiredSigners(const pb::TxBody& body, const SignerLookup& lookup,
                                                const std::string& cosigning_bank) {
  assert(lookup.org && lookup.project && lookup.trust && lookup.donation_account && lookup.bureau);
  const bool outflow = body.has_spend() || body.has_refund();
  if (!cosigning_bank.empty() && !outflow) {
    return Err("invalid_kind", "only a spend or a refund takes a co-signing bank");
  }
  switch (body.payload_case()) {
    case pb::TxBody::kRegisterOrg:
    case pb::TxBody::kUpdateOrg:
    case pb::TxBody::kOpenTrust:
    case pb::TxBody::kRegionPopulation:
    case pb::TxBody::kRegisterStreet: return Bureau(lookup);
    case pb::TxBody::kRotateKey:
      return Collect({KeySlot(body.rotate_key().old_public_key(), "replaced_key", body.rotate_key().org_id())});
    // The bureau asks and, after the window, completes (the new key may complete too: shanliu tx);
    // any current key of the organisation vetoes.
    case pb::TxBody::kRequestKeyRecovery:
    case pb::TxBody::kCompleteKeyRecovery: return Bureau(lookup);
    case pb::TxBody::kVetoKeyRecovery: return One(lookup, body.veto_key_recovery().org_id(), "vetoing_org");
    case pb::TxBody::kOpenProject: return One(lookup, body.open_project().owner_org(), "project_owner");
    case pb::TxBody::kCloseProject:
      return One(lookup, ProjectOwner(lookup, body.close_project().project_id()), "project_owner");
    case pb::TxBody::kUpdateProject:
      return One(lookup, ProjectOwner(lookup, body.update_project().project_id()), "project_owner");
    case pb::TxBody::kDisclosure: return One(lookup, body.disclosure().org_id(), "disclosing_org");
    case pb::TxBody::kVolunteerService:
      return Collect({OrgSlot(lookup, body.volunteer_service().charity_org(), "organising_charity"),
                      KeySlot(body.volunteer_service().holder(), "holder")});
    case pb::TxBody::kRedeemPoints:
      return Collect({KeySlot(body.redeem_points().holder(), "holder"),
                      OrgSlot(lookup, body.redeem_points().merchant_org(), "merchant")});
    case pb::TxBody::kServiceExchange:
      return Collect({KeySlot(body.service_exchange().holder(), "holder"),
                      OrgSlot(lookup, body.service_exchange().provider_org(), "service_provider")});
    case pb::TxBody::kMovePoints:
      return Collect({KeySlot(body.move_points().from_holder(), "from_holder"),
                      KeySlot(body.move_points().to_holder(), "to_holder")});
    case pb::TxBody::kHonourName: return Collect({KeySlot(body.honour_name().holder(), "holder")});
    case pb::TxBody::kCatalogueEntry: return One(lookup, body.catalogue_entry().federation_org(), "federation");
    case pb::TxBody::kDonation:
    case pb::TxBody::kTransfer:
    case pb::TxBody::kTrustDeposit:
    case pb::TxBody::kTrustDisbursement:
    case pb::TxBody::kSpend:
    case pb::TxBody::kRefund: return MoneySigners(body, lookup, cosigning_bank);
    case pb::TxBody::kGoodsDonation:
    case pb::TxBody::kGoodsTransfer:
    case pb::TxBody::kGoodsDistribution: return GoodsSigners(body, lookup);
    case pb::TxBody::kRegisterGoodsItem:
      return Err("unsupported_kind",
                 "any active federation may register a goods item: sign it with shanliu tx and the federation's key");
    case pb::TxBody::kValidatorSetChange:
      return Err("unsupported_kind",
                 "a validator set change needs the bureau and validators holding more than 2/3 of the voting power: "
                 "sign it with shanliu validators change");
    case pb::TxBody::kCorrection:
      return Err("unsupported_kind",
                 "a correction's signers depend on the corrected tx and the bureau threshold: sign it with shanliu tx");
    case pb::TxBody::PAYLOAD_NOT_SET: break;
  }
  return Err("malformed", "the body has no payload");
}

}  // namespace shanliu::ledger
