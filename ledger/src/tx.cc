#include "shanliu/ledger/tx.h"

#include <google/protobuf/reflection.h>
#include <google/protobuf/unknown_field_set.h>

#include <algorithm>
#include <cassert>
#include <set>

#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/goods.h"
#include "shanliu/ledger/personal_data.h"
#include "shanliu/ledger/text.h"
#include "shanliu/ledger/validator_set.h"

namespace shanliu::ledger {
namespace {

using google::protobuf::Message;

Status Malformed(std::string message) { return Status::Error("malformed", std::move(message)); }

// Unknown fields would let two parties read one signed body differently; refuse them anywhere.
bool HasUnknownFields(const Message& m) {
  const auto* reflection = m.GetReflection();
  if (!reflection->GetUnknownFields(m).empty()) return true;
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(m, &fields);
  for (const auto* f : fields) {
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(m, f); ++i) {
        if (HasUnknownFields(reflection->GetRepeatedMessage(m, f, i))) return true;
      }
    } else if (HasUnknownFields(reflection->GetMessage(m, f))) {
      return true;
    }
  }
  return false;
}

// A Correction carries the corrected body; it must be exactly the bytes whose id it names, so
// the executor may read the body's fields as the corrected tx's own.
bool CorrectedBodyMatches(const pb::Correction& p) {
  pb::TxBody body;
  if (p.corrected_tx_body().empty() || !body.ParseFromString(p.corrected_tx_body()) || HasUnknownFields(body) ||
      body.SerializeAsString() != p.corrected_tx_body()) {
    return false;
  }
  const Hash256 id = TxId(AsBytes(p.corrected_tx_body()));
  return p.corrected_tx_id() == std::string(id.begin(), id.end());
}

class FieldChecker {
 public:
  explicit FieldChecker(std::string_view payload) : payload_(payload) {}

  FieldChecker& Id(std::string_view field, const std::string& v) {
    if (!IsValidId(v)) Fail(field, "must match [a-z0-9-]{3,40}");
    return *this;
  }
  FieldChecker& OptionalId(std::string_view field, const std::string& v) {
    if (!v.empty()) Id(field, v);
    return *this;
  }
  FieldChecker& Account(std::string_view field, const std::string& v, bool allow_trust) {
    if (!IsValidAccount(v) || (!allow_trust && v.starts_with("trust:"))) {
      Fail(field, allow_trust ? "must be org:<id>, project:<id> or trust:<id>" : "must be org:<id> or project:<id>");
    }
    return *this;
  }
  FieldChecker& Amount(std::string_view field, std::int64_t v) {
    if (!IsValidAmount(v)) Fail(field, "must be between 1 and 10^15 fen");
    return *this;
  }
  FieldChecker& Text(std::string_view field, const std::string& v, std::size_t max, bool required) {
    if (required && v.empty()) Fail(field, "is required");
    if (v.size() > max) Fail(field, "is longer than " + std::to_string(max) + " bytes");
    // Ledger text is shown in terminals, logs, CSV and web pages for ever: a control character
    // (escape sequences, line breaks that forge log lines) is refused (docs/rules.md).
    if (auto at = FindControlCharacter(v); status_.ok() && at) {
      status_ = Status::Error("control_character", std::string(payload_) + "." + std::string(field) +
                                                       " contains a control character at byte " +
                                                       std::to_string(*at) + "; ledger text is one line of printable text");
    }
    return *this;
  }
  // Free text people type: also refused when it holds a person's ID, mobile or card number
  // (DESIGN 9: the ledger cannot forget). Identifiers with a format of their own use Text.
  FieldChecker& FreeText(std::string_view field, const std::string& v, std::size_t max, bool required) {
    Text(field, v, max, required);
    if (!status_.ok()) return *this;
    if (auto found = FindPersonalData(v)) {
      status_ = Status::Error("personal_data", std::string(payload_) + "." + std::string(field) + " contains " +
                                                   std::string(PersonalDataName(*found)) +
                                                   "; personal data must never go on the public ledger");
    }
    return *this;
  }
  FieldChecker& Hash(std::string_view field, const std::string& v, bool required) {
    if ((required || !v.empty()) && v.size() != 32) Fail(field, "must be 32 bytes");
    return *this;
  }
  FieldChecker& Check(bool ok, std::string_view field, std::string_view why) {
    if (!ok) Fail(field, why);
    return *this;
  }
  Status status() const { return status_; }

 private:
  void Fail(std::string_view field, std::string_view why) {
    if (status_.ok()) status_ = Malformed(std::string(payload_) + "." + std::string(field) + " " + std::string(why));
  }
  std::string_view payload_;
  Status status_;
};

constexpr std::size_t kShort = TxLimits::kMaxShortText;
constexpr std::size_t kLong = TxLimits::kMaxLongText;

// 0..4 distinct organisation ids: the banks holding an organisation's accounts.
template <class Ids>
bool IsBankList(const Ids& ids) {
  const std::set<std::string> distinct(ids.begin(), ids.end());
  return ids.size() <= TxLimits::kMaxAccountBanks && distinct.size() == static_cast<std::size_t>(ids.size()) &&
         std::all_of(ids.begin(), ids.end(), [](const std::string& id) { return IsValidId(id); });
}

bool IsCreditCode(const std::string& v) {
  return v.size() == 18 &&
         std::all_of(v.begin(), v.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); });
}

constexpr std::size_t kMaxGoodsUnit = 40;
constexpr std::size_t kMaxLotNumber = 64;

bool IsQuantity(std::uint64_t q) { return q >= 1 && q <= goods::kMaxQuantity; }

bool IsDigits(const std::string& v) {
  return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}
// Where an organisation can be: a county (6 digits) or a street (9); the lists are the executor's.
bool IsPlaceDigits(const std::string& v) { return IsDigits(v) && (v.size() == 6 || v.size() == 9); }

// In-kind goods (docs/rules.md "In-kind goods"): shapes only; the catalogue, units, holdings
// and signers are the state machine's.
Status CheckGoodsPayload(const pb::TxBody& body) {
  switch (body.payload_case()) {
    case pb::TxBody::kRegisterGoodsItem: {
      if (!body.register_goods_item().has_item()) return Malformed("register_goods_item.item is required");
      Status s = goods::CheckItem(body.register_goods_item().item());
      if (!s.ok()) return Malformed("register_goods_item." + s.message());
      return FieldChecker("register_goods_item")
          .FreeText("item.name_zh", body.register_goods_item().item().name_zh(), kShort, true)
          .FreeText("item.name_en", body.register_goods_item().item().name_en(), kShort, false)
          .status();
    }
    case pb::TxBody::kGoodsDonation: {
      const auto& p = body.goods_donation();
      return FieldChecker("goods_donation")
          .Account("to_account", p.to_account(), false)
          .Id("item_code", p.item_code())
          .Text("unit", p.unit(), kMaxGoodsUnit, true)
          .Check(IsQuantity(p.quantity()), "quantity", "must be between 1 and 10^12 units")
          .Check(p.value_fen() >= 0 && p.value_fen() <= TxLimits::kMaxAmountFen, "value_fen",
                 "must be between 0 and 10^15 fen")
          .Hash("donor_ref", p.donor_ref(), true)
          .FreeText("donor_display_name", p.donor_display_name(), kShort, false)
          .Text("lot_number", p.lot_number(), kMaxLotNumber, false)
          .Check(p.expires_on() == 0 || goods::IsValidDate(p.expires_on()), "expires_on",
                 "must be 0 or a real date written YYYYMMDD")
          .Hash("receipt_number_hash", p.receipt_number_hash(), false)
          .OptionalId("notary_org", p.notary_org())
          .FreeText("memo", p.memo(), kLong, false)
          .status();
    }
    case pb::TxBody::kGoodsTransfer: {
      const auto& p = body.goods_transfer();
      return FieldChecker("goods_transfer")
          .Account("from_account", p.from_account(), false)
          .Account("to_account", p.to_account(), false)
          .Check(p.from_account() != p.to_account(), "to_account", "must differ from from_account")
          .Id("item_code", p.item_code())
          .Text("unit", p.unit(), kMaxGoodsUnit, true)
          .Check(IsQuantity(p.quantity()), "quantity", "must be between 1 and 10^12 units")
          .FreeText("purpose", p.purpose(), kLong, false)
          .status();
    }
    case pb::TxBody::kGoodsDistribution: {
      const auto& p = body.goods_distribution();
      return FieldChecker("goods_distribution")
          .Account("from_account", p.from_account(), false)
          .Id("item_code", p.item_code())
          .Text("unit", p.unit(), kMaxGoodsUnit, true)
          .Check(IsQuantity(p.quantity()), "quantity", "must be between 1 and 10^12 units")
          .Text("region", p.region(), 6, true)
          .FreeText("place_name", p.place_name(), kShort, true)
          .Check(p.beneficiary_count() <= TxLimits::kMaxBeneficiaries, "beneficiary_count", "is too large")
          .Hash("evidence_hash", p.evidence_hash(), false)
          .FreeText("description", p.description(), kLong, false)
          .status();
    }
    default: break;
  }
  assert(false && "CheckGoodsPayload called for a kind it does not handle");
  return Malformed("not a goods payload");
}

bool IsSigningKey(const std::string& key) {
  crypto::PublicKey k;
  if (key.size() != k.size()) return false;
  std::copy(key.begin(), key.end(), k.begin());
  return crypto::IsValidPublicKey(k);
}

// Key recovery (docs/rules.md "Key recovery"): shapes only; which keys are current, the window
// and the signers are the state machine's.
Status CheckKeyRecoveryPayload(const pb::TxBody& body) {
  switch (body.payload_case()) {
    case pb::TxBody::kRequestKeyRecovery: {
      const auto& p = body.request_key_recovery();
      const std::set<std::string> old_keys(p.old_public_keys().begin(), p.old_public_keys().end());
      const bool old_ok = p.old_public_keys_size() >= 1 && p.old_public_keys_size() <= TxLimits::kMaxOrgKeys &&
                          old_keys.size() == static_cast<std::size_t>(p.old_public_keys_size()) &&
                          std::all_of(old_keys.begin(), old_keys.end(), [](const std::string& k) { return k.size() == 32; });
      return FieldChecker("request_key_recovery")
          .Id("org_id", p.org_id())
          .Check(old_ok, "old_public_keys", "must hold 1 to 4 distinct 32-byte keys")
          .Hash("new_public_key", p.new_public_key(), true)
          .Check(IsSigningKey(p.new_public_key()), "new_public_key", "must be a valid Ed25519 public key")
          .Check(!old_keys.contains(p.new_public_key()), "new_public_key", "must differ from every replaced key")
          .FreeText("reason", p.reason(), kLong, true)
          .status();
    }
    case pb::TxBody::kVetoKeyRecovery: {
      const auto& p = body.veto_key_recovery();
      return FieldChecker("veto_key_recovery")
          .Id("org_id", p.org_id())
          .Hash("request_tx_id", p.request_tx_id(), true)
          .FreeText("reason", p.reason(), kLong, false)
          .status();
    }
    case pb::TxBody::kCompleteKeyRecovery: {
      const auto& p = body.complete_key_recovery();
      return FieldChecker("complete_key_recovery")
          .Id("org_id", p.org_id())
          .Hash("request_tx_id", p.request_tx_id(), true)
          .status();
    }
    default: break;
  }
  assert(false && "CheckKeyRecoveryPayload called for a kind it does not handle");
  return Malformed("not a key recovery payload");
}

// The origin key hand-over's byte shapes; its threshold, its keys against the resulting set and
// its points against the genesis group key are the executor's (they need the chain).
Status CheckOriginKeyHandover(const pb::OriginKeyHandover& h) {
  if (h.shares_size() > static_cast<int>(kMaxValidatorCount)) {
    return Malformed("validator_set_change.origin_key.shares must hold at most 100 shares");
  }
  for (int i = 0; i < h.shares_size(); ++i) {
    const std::string field = "validator_set_change.origin_key.shares[" + std::to_string(i) + "]";
    if (h.shares(i).public_key().size() != 32) return Malformed(field + ".public_key must be 32 bytes");
    if (h.shares(i).verifying_share().size() != 32) return Malformed(field + ".verifying_share must be 32 bytes");
  }
  return Status::Ok();
}

// ValidatorSetChange shapes (docs/rules.md "Validator set changes"); the set, its orgs, the
// signers and the effective height against the chain are the executor's.
Status CheckValidatorSetChange(const pb::ValidatorSetChange& p) {
  if (p.updates_size() == 0 || static_cast<std::size_t>(p.updates_size()) > kMaxValidatorCount) {
    return Malformed("validator_set_change.updates must hold 1 to 100 updates");
  }
  if (p.effective_height() == 0) return Malformed("validator_set_change.effective_height is required");
  std::set<std::string> keys;
  for (int i = 0; i < p.updates_size(); ++i) {
    const pb::ValidatorUpdate& u = p.updates(i);
    const std::string field = "validator_set_change.updates[" + std::to_string(i) + "]";
    if (u.public_key().size() != 32) return Malformed(field + ".public_key must be 32 bytes");
    if (!u.org_id().empty() && !IsValidId(u.org_id())) return Malformed(field + ".org_id must match [a-z0-9-]{3,40}");
    if (u.voting_power() > kMaxValidatorVotingPower) {
      return Status::Error("invalid_voting_power", field + ".voting_power is above 2^40 (the genesis limit)");
    }
    if (!keys.insert(u.public_key()).second) {
      return Status::Error("duplicate_validator", field + ".public_key appears twice in the change");
    }
  }
  if (p.has_origin_key()) return CheckOriginKeyHandover(p.origin_key());
  return Status::Ok();
}

Status CheckPayload(const pb::TxBody& body) {
  switch (body.payload_case()) {
    case pb::TxBody::kRegisterOrg: {
      const auto& p = body.register_org();
      std::set<std::string> keys(p.public_keys().begin(), p.public_keys().end());
      bool keys_ok = p.public_keys_size() >= 1 && p.public_keys_size() <= TxLimits::kMaxOrgKeys &&
                     keys.size() == static_cast<std::size_t>(p.public_keys_size()) &&
                     std::all_of(keys.begin(), keys.end(), [](const std::string& k) { return k.size() == 32; });
      return FieldChecker("register_org")
          .Id("org_id", p.org_id())
          .Check(pb::OrgKind_IsValid(p.kind()) && p.kind() != pb::ORG_KIND_UNSPECIFIED, "kind", "is not a known kind")
          .FreeText("name_zh", p.name_zh(), kShort, true)
          .FreeText("name_en", p.name_en(), kShort, false)
          .Check(IsCreditCode(p.credit_code()), "credit_code", "must be 18 digits or capital letters")
          .Check(keys_ok, "public_keys", "must hold 1 to 4 distinct 32-byte keys")
          .Check(IsBankList(p.account_banks()), "account_banks", "must hold 0 to 4 distinct organisation ids")
          .Check(p.region().empty() || IsPlaceDigits(p.region()), "region", "must be empty, 6 digits or 9 digits")
          .status();
    }
    case pb::TxBody::kUpdateOrg: {
      const auto& p = body.update_org();
      return FieldChecker("update_org")
          .Id("org_id", p.org_id())
          .Check(p.status() == pb::ORG_STATUS_ACTIVE || p.status() == pb::ORG_STATUS_SUSPENDED, "status",
                 "must be active or suspended")
          .FreeText("reason", p.reason(), kLong, false)
          .Check(!p.has_account_banks() || IsBankList(p.account_banks().bank_orgs()), "account_banks.bank_orgs",
                 "must hold 0 to 4 distinct organisation ids")
          .Check(p.region().empty() || IsPlaceDigits(p.region()), "region", "must be empty, 6 digits or 9 digits")
          .status();
    }
    case pb::TxBody::kRotateKey: {
      const auto& p = body.rotate_key();
      return FieldChecker("rotate_key")
          .Id("org_id", p.org_id())
          .Hash("old_public_key", p.old_public_key(), true)
          .Hash("new_public_key", p.new_public_key(), true)
          .Check(p.old_public_key() != p.new_public_key(), "new_public_key", "must differ from the old key")
          .status();
    }
    case pb::TxBody::kRequestKeyRecovery:
    case pb::TxBody::kVetoKeyRecovery:
    case pb::TxBody::kCompleteKeyRecovery: return CheckKeyRecoveryPayload(body);
    case pb::TxBody::kOpenProject: {
      const auto& p = body.open_project();
      return FieldChecker("open_project")
          .Id("project_id", p.project_id())
          .Id("owner_org", p.owner_org())
          .FreeText("name_zh", p.name_zh(), kShort, true)
          .FreeText("name_en", p.name_en(), kShort, false)
          .FreeText("category", p.category(), kShort, true)
          .FreeText("region", p.region(), kShort, false)
          .Amount("budget_fen", p.budget_fen())
          .Check(p.starts_at_ms() <= p.ends_at_ms(), "ends_at_ms", "must not be before starts_at_ms")
          .FreeText("description", p.description(), kLong, false)
          .status();
    }
    case pb::TxBody::kUpdateProject: {
      const auto& p = body.update_project();
      return FieldChecker("update_project")
          .Id("project_id", p.project_id())
          .FreeText("description", p.description(), kLong, false)
          .Check(p.budget_fen() == 0 || IsValidAmount(p.budget_fen()), "budget_fen",
                 "must be 0 (unchanged) or between 1 and 10^15 fen")
          .Check(!p.description().empty() || p.ends_at_ms() != 0 || p.budget_fen() != 0, "project_id",
                 "names a project but no change: set description, ends_at_ms or budget_fen")
          .FreeText("reason", p.reason(), kLong, false)
          .status();
    }
    case pb::TxBody::kCloseProject: {
      const auto& p = body.close_project();
      return FieldChecker("close_project")
          .Id("project_id", p.project_id())
          .FreeText("summary", p.summary(), kLong, false)
          .status();
    }
    case pb::TxBody::kDonation: {
      const auto& p = body.donation();
      return FieldChecker("donation")
          .Account("to_account", p.to_account(), false)
          .Amount("amount_fen", p.amount_fen())
          .Hash("donor_ref", p.donor_ref(), true)
          .FreeText("donor_display_name", p.donor_display_name(), kShort, false)
          .Hash("points_holder", p.points_holder(), false)
          .Hash("bank_ref_hash", p.bank_ref_hash(), false)
          .Hash("receipt_number_hash", p.receipt_number_hash(), false)
          .Check(pb::DonationChannel_IsValid(p.channel()) && p.channel() != pb::DONATION_CHANNEL_UNSPECIFIED,
                 "channel", "is not a known channel")
          .OptionalId("attesting_bank", p.attesting_bank())
          .FreeText("memo", p.memo(), kLong, false)
          .status();
    }
    case pb::TxBody::kTrustDeposit: {
      const auto& p = body.trust_deposit();
      return FieldChecker("trust_deposit")
          .Id("trust_id", p.trust_id())
          .Amount("amount_fen", p.amount_fen())
          .Hash("settlor_ref", p.settlor_ref(), true)
          .FreeText("settlor_display_name", p.settlor_display_name(), kShort, false)
          .Hash("bank_ref_hash", p.bank_ref_hash(), false)
          .status();
    }
    case pb::TxBody::kTransfer: {
      const auto& p = body.transfer();
      return FieldChecker("transfer")
          .Account("from_account", p.from_account(), false)
          .Account("to_account", p.to_account(), false)
          .Check(p.from_account() != p.to_account(), "to_account", "must differ from from_account")
          .Amount("amount_fen", p.amount_fen())
          .FreeText("purpose", p.purpose(), kLong, false)
          .status();
    }
    case pb::TxBody::kOpenTrust: {
      const auto& p = body.open_trust();
      return FieldChecker("open_trust")
          .Id("trust_id", p.trust_id())
          .FreeText("name_zh", p.name_zh(), kShort, true)
          .FreeText("name_en", p.name_en(), kShort, false)
          .Id("trustee_org", p.trustee_org())
          .Id("custodian_bank", p.custodian_bank())
          .FreeText("purpose", p.purpose(), kLong, false)
          .Text("filing_number", p.filing_number(), kShort, false)
          .status();
    }
    case pb::TxBody::kTrustDisbursement: {
      const auto& p = body.trust_disbursement();
      return FieldChecker("trust_disbursement")
          .Id("trust_id", p.trust_id())
          .Account("to_account", p.to_account(), false)
          .Amount("amount_fen", p.amount_fen())
          .FreeText("purpose", p.purpose(), kLong, false)
          .status();
    }
    case pb::TxBody::kSpend: {
      const auto& p = body.spend();
      const bool individuals = p.payee_kind() == pb::PAYEE_KIND_INDIVIDUALS;
      return FieldChecker("spend")
          .Account("from_account", p.from_account(), false)
          .Amount("amount_fen", p.amount_fen())
          .Check(pb::SpendCategory_IsValid(p.category()) && p.category() != pb::SPEND_CATEGORY_UNSPECIFIED,
                 "category", "is not a known category")
          .Check(pb::PayeeKind_IsValid(p.payee_kind()) && p.payee_kind() != pb::PAYEE_KIND_UNSPECIFIED, "payee_kind",
                 "is not a known payee kind")
          .Check(individuals ? p.payee_name().empty() : !p.payee_name().empty(), "payee_name",
                 individuals ? "must be empty when paying individuals (they are only counted)"
                             : "is required for vendors and organisations")
          .FreeText("payee_name", p.payee_name(), kShort, false)
          .Check(p.beneficiary_count() <= TxLimits::kMaxBeneficiaries, "beneficiary_count", "is too large")
          .Hash("invoice_hash", p.invoice_hash(), false)
          .FreeText("description", p.description(), kLong, false)
          .status();
    }
    case pb::TxBody::kRefund: {
      const auto& p = body.refund();
      return FieldChecker("refund")
          .Hash("donation_tx_id", p.donation_tx_id(), true)
          .FreeText("reason", p.reason(), kLong, false)
          .status();
    }
    case pb::TxBody::kVolunteerService: {
      const auto& p = body.volunteer_service();
      return FieldChecker("volunteer_service")
          .Id("charity_org", p.charity_org())
          .Hash("holder", p.holder(), true)
          .Check(p.minutes() >= 1 && p.minutes() <= TxLimits::kMaxVolunteerMinutes, "minutes",
                 "must be between 1 and 1440")
          .FreeText("activity", p.activity(), kShort, true)
          .status();
    }
    case pb::TxBody::kRedeemPoints: {
      const auto& p = body.redeem_points();
      return FieldChecker("redeem_points")
          .Hash("holder", p.holder(), true)
          .Id("merchant_org", p.merchant_org())
          .Check(p.points() >= 1 && p.points() <= TxLimits::kMaxPoints, "points", "must be between 1 and 10^12")
          .FreeText("item", p.item(), kShort, true)
          .OptionalId("catalogue_item", p.catalogue_item())
          .status();
    }
    case pb::TxBody::kCatalogueEntry: {
      const auto& p = body.catalogue_entry();
      return FieldChecker("catalogue_entry")
          .Id("federation_org", p.federation_org())
          .Id("merchant_org", p.merchant_org())
          .Id("item_id", p.item_id())
          .FreeText("name_zh", p.name_zh(), kShort, true)
          .FreeText("name_en", p.name_en(), kShort, false)
          .Check(p.points() >= 1 && p.points() <= TxLimits::kMaxCataloguePoints, "points",
                 "must be between 1 and 1000000")
          .status();
    }
    case pb::TxBody::kServiceExchange: {
      const auto& p = body.service_exchange();
      return FieldChecker("service_exchange")
          .Hash("holder", p.holder(), true)
          .Id("provider_org", p.provider_org())
          .Check(p.minutes() >= 1 && p.minutes() <= TxLimits::kMaxVolunteerMinutes, "minutes",
                 "must be between 1 and 1440")
          .FreeText("service", p.service(), kShort, true)
          .Check(p.points() <= TxLimits::kMaxPoints, "points", "must be at most 10^12")
          .status();
    }
    case pb::TxBody::kMovePoints: {
      const auto& p = body.move_points();
      return FieldChecker("move_points")
          .Hash("from_holder", p.from_holder(), true)
          .Hash("to_holder", p.to_holder(), true)
          .Check(p.from_holder() != p.to_holder(), "to_holder", "must differ from from_holder")
          .status();
    }
    case pb::TxBody::kHonourName: {
      // Empty clears the name; otherwise one line of printable text with no personal data (a
      // display name is chosen to be public, a phone number in it never is).
      const auto& p = body.honour_name();
      const std::string& name = p.display_name();
      return FieldChecker("honour_name")
          .Hash("holder", p.holder(), true)
          .FreeText("display_name", name, TxLimits::kMaxHonourNameBytes, false)
          .Check(name.empty() || (name.front() != ' ' && name.back() != ' '), "display_name",
                 "must not begin or end with a space")
          .status();
    }
    case pb::TxBody::kDisclosure: {
      const auto& p = body.disclosure();
      return FieldChecker("disclosure")
          .Id("org_id", p.org_id())
          .Check(pb::DisclosureType_IsValid(p.type()) && p.type() != pb::DISCLOSURE_TYPE_UNSPECIFIED, "type",
                 "is not a known disclosure type")
          .FreeText("title", p.title(), kShort, true)
          .FreeText("period", p.period(), kShort, false)
          .Hash("document_sha256", p.document_sha256(), true)
          .FreeText("url", p.url(), kLong, false)
          .OptionalId("project_id", p.project_id())
          .status();
    }
    // Year and population bounds are the executor's (invalid_year, invalid_population), so a
    // bureau gets those codes rather than a generic malformed.
    case pb::TxBody::kRegionPopulation: {
      const auto& p = body.region_population();
      const std::size_t n = p.region().size();
      return FieldChecker("region_population")
          .Check(IsDigits(p.region()) && (n == 2 || n == 4 || n == 6 || n == 9), "region",
                 "must be 2, 4, 6 or 9 digits")
          .status();
    }
    case pb::TxBody::kValidatorSetChange: return CheckValidatorSetChange(body.validator_set_change());
    case pb::TxBody::kRegisterStreet: {
      const auto& p = body.register_street();
      return FieldChecker("register_street")
          .Check(IsDigits(p.code()) && p.code().size() == 9, "code", "must be 9 digits (county code + 3)")
          .FreeText("name_zh", p.name_zh(), kShort, true)
          .status();
    }
    case pb::TxBody::kCorrection: {
      const auto& p = body.correction();
      return FieldChecker("correction")
          .Hash("corrected_tx_id", p.corrected_tx_id(), true)
          .FreeText("reason", p.reason(), kLong, true)
          .Check(CorrectedBodyMatches(p), "corrected_tx_body",
                 "must be a canonically encoded TxBody whose tx id is corrected_tx_id")
          .status();
    }
    case pb::TxBody::kRegisterGoodsItem:
    case pb::TxBody::kGoodsDonation:
    case pb::TxBody::kGoodsTransfer:
    case pb::TxBody::kGoodsDistribution: return CheckGoodsPayload(body);
    case pb::TxBody::PAYLOAD_NOT_SET:
      break;
  }
  return Malformed("transaction has no payload");
}

}  // namespace

int MaxSignatures(const pb::TxBody& body) {
  return body.has_validator_set_change() ? kMaxValidatorSetChangeSignatures : TxLimits::kMaxSignatures;
}

bool DecodedTx::SignedBy(const crypto::PublicKey& key) const {
  return std::find(signers.begin(), signers.end(), key) != signers.end();
}

bool IsValidId(std::string_view id) {
  return id.size() >= 3 && id.size() <= 40 &&
         std::all_of(id.begin(), id.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

bool IsValidAmount(std::int64_t amount_fen) {
  return amount_fen >= TxLimits::kMinAmountFen && amount_fen <= TxLimits::kMaxAmountFen;
}

bool IsValidAccount(std::string_view account) {
  for (std::string_view prefix : {"org:", "project:", "trust:"}) {
    if (account.starts_with(prefix)) return IsValidId(account.substr(prefix.size()));
  }
  return false;
}

Hash256 TxId(ByteView body_bytes) { return crypto::Sha256(kTxIdDomain, body_bytes); }

Bytes BuildTx(const pb::TxBody& body, std::span<const crypto::KeyPair* const> signers) {
  assert(!signers.empty() && signers.size() <= static_cast<std::size_t>(MaxSignatures(body)));
  pb::Tx tx;
  const bool serialized = body.SerializeToString(tx.mutable_body());
  assert(serialized);
  (void)serialized;
  for (const crypto::KeyPair* kp : signers) {
    crypto::Signature sig = crypto::Sign(kp->secret_key, kTxSignDomain, AsBytes(tx.body()));
    pb::Signature* s = tx.add_sigs();
    s->set_public_key(std::string(kp->public_key.begin(), kp->public_key.end()));
    s->set_sig(std::string(sig.begin(), sig.end()));
  }
  return ToBytes(tx.SerializeAsString());
}

namespace {

// Bytes fields that hold a serialised TxBody and are parsed as one.
const google::protobuf::Descriptor* NestedBodyType(const google::protobuf::FieldDescriptor* field) {
  const bool body = (field->containing_type() == pb::Tx::descriptor() && field->name() == "body") ||
                    (field->containing_type() == pb::Correction::descriptor() && field->name() == "corrected_tx_body");
  return body ? pb::TxBody::descriptor() : nullptr;
}

// Walks `bytes` as a `type` with UnknownFieldSet (which checks no UTF-8 and logs nothing).
std::optional<std::string> FindInvalidUtf8In(const google::protobuf::Descriptor* type, const std::string& bytes,
                                             int depth) {
  using google::protobuf::FieldDescriptor;
  using google::protobuf::UnknownField;
  constexpr int kMaxDepth = 16;  // deeper than any message of the schema; a hostile nesting stops here
  google::protobuf::UnknownFieldSet fields;
  if (depth > kMaxDepth || !fields.ParseFromString(bytes)) return std::nullopt;  // the real parse reports it
  for (int i = 0; i < fields.field_count(); ++i) {
    const UnknownField& f = fields.field(i);
    if (f.type() != UnknownField::TYPE_LENGTH_DELIMITED) continue;
    const FieldDescriptor* field = type->FindFieldByNumber(f.number());
    if (field == nullptr) continue;
    const std::string& value = f.length_delimited();
    if (field->type() == FieldDescriptor::TYPE_STRING && !IsValidUtf8(value)) return field->full_name();
    const google::protobuf::Descriptor* nested =
        field->type() == FieldDescriptor::TYPE_MESSAGE ? field->message_type() : NestedBodyType(field);
    if (nested == nullptr) continue;
    if (auto found = FindInvalidUtf8In(nested, value, depth + 1)) return found;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> FindInvalidUtf8(ByteView envelope) {
  if (envelope.size() > TxLimits::kMaxEnvelopeBytes) return std::nullopt;
  return FindInvalidUtf8In(pb::Tx::descriptor(), std::string(AsChars(envelope)), 0);
}

Result<DecodedTx> DecodeTxCached(ByteView envelope, std::string_view chain_id,
                                 const std::function<bool(const Hash256&)>& known_verified) {
  if (known_verified) {
    auto unsigned_check = DecodeTx(envelope, chain_id, /*verify_signatures=*/false);
    if (unsigned_check.ok() && known_verified(unsigned_check->envelope_hash)) return unsigned_check;
  }
  return DecodeTx(envelope, chain_id, /*verify_signatures=*/true);
}

Result<pb::TxBody> DecodeTxBody(ByteView body_bytes, std::string_view chain_id) {
  pb::TxBody body;
  if (!body.ParseFromArray(body_bytes.data(), static_cast<int>(body_bytes.size())) || HasUnknownFields(body)) {
    // Looked for only after a failure, to keep the common path to one parse; the API checks
    // submissions before this, so its clients never make protobuf log.
    pb::Tx wrapper;
    wrapper.set_body(ToString(body_bytes));
    if (auto field = FindInvalidUtf8(AsBytes(wrapper.SerializeAsString()))) {
      return Status::Error("invalid_utf8", "string field " + *field + " is not valid UTF-8");
    }
    return Malformed("transaction body is not a valid TxBody protobuf");
  }
  if (body.SerializeAsString() != AsChars(body_bytes)) {
    return Malformed("transaction body is not canonically encoded");
  }
  if (body.chain_id() != chain_id) {
    return Status::Error("wrong_chain", "transaction is for chain '" + body.chain_id() + "', this is '" +
                                            std::string(chain_id) + "'");
  }
  if (body.expires_at_height() == 0) return Malformed("expires_at_height is required");
  if (body.expires_at_ms() == 0) return Malformed("expires_at_ms is required");
  SHANLIU_RETURN_IF_ERROR(CheckPayload(body));
  return body;
}

Result<DecodedTx> DecodeTx(ByteView envelope, std::string_view chain_id, bool verify_signatures) {
  if (envelope.empty()) return Malformed("transaction is empty");
  if (envelope.size() > TxLimits::kMaxEnvelopeBytes) {
    return Status::Error("too_large", "transaction is " + std::to_string(envelope.size()) + " bytes; the limit is " +
                                          std::to_string(TxLimits::kMaxEnvelopeBytes));
  }
  pb::Tx tx;
  if (!tx.ParseFromArray(envelope.data(), static_cast<int>(envelope.size())) || HasUnknownFields(tx)) {
    return Malformed("transaction envelope is not a valid Tx protobuf");
  }
  // Like unknown fields, a repeated singular field (last wins here, maybe first elsewhere) or any other
  // re-encoding would let two parsers read one signed tx differently: accept only the canonical bytes.
  if (tx.SerializeAsString() != AsChars(envelope)) {
    return Malformed("transaction envelope is not canonically encoded");
  }
  DecodedTx out;
  auto body = DecodeTxBody(AsBytes(tx.body()), chain_id);
  if (!body.ok()) return body.status();
  out.body = std::move(*body);

  if (tx.sigs_size() == 0) return Status::Error("missing_signature", "transaction carries no signature");
  if (tx.sigs_size() > MaxSignatures(out.body)) {
    return Status::Error("too_many_signatures", "at most " + std::to_string(MaxSignatures(out.body)) +
                                                    " signatures are allowed on a " + PayloadKindName(out.body));
  }
  for (const pb::Signature& s : tx.sigs()) {
    if (s.public_key().size() != 32 || s.sig().size() != 64) {
      return Malformed("a signature entry needs a 32-byte key and a 64-byte signature");
    }
    crypto::PublicKey key;
    std::copy(s.public_key().begin(), s.public_key().end(), key.begin());
    if (out.SignedBy(key)) return Status::Error("duplicate_signature", "the same key signed twice");
    if (verify_signatures) {
      crypto::Signature sig;
      std::copy(s.sig().begin(), s.sig().end(), sig.begin());
      if (!crypto::Verify(key, kTxSignDomain, AsBytes(tx.body()), sig)) {
        return Status::Error("bad_signature", "a signature does not verify over the transaction body");
      }
    }
    out.signers.push_back(key);
  }
  out.envelope.assign(envelope.begin(), envelope.end());
  out.id = TxId(AsBytes(tx.body()));
  out.envelope_hash = crypto::Sha256(envelope);
  return out;
}

std::string PayloadKindName(const pb::TxBody& body) {
  if (body.payload_case() == pb::TxBody::PAYLOAD_NOT_SET) return "none";
  const auto* field = pb::TxBody::descriptor()->FindFieldByNumber(static_cast<int>(body.payload_case()));
  assert(field != nullptr);
  return field->name();
}

}  // namespace shanliu::ledger
