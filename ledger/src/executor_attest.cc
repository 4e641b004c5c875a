// Attestation integrity (docs/rules.md): bank references and e-receipt numbers are used once,
// and a bank's co-signature on money leaving is checked and recorded, so every attested figure
// points at exactly one bank-confirmed movement.
#include <algorithm>

#include "executor_internal.h"
#include "shanliu/crypto/codec.h"

namespace shanliu::ledger::internal {
namespace {

std::string HexId(const std::string& tx_id) { return crypto::ToHex(AsBytes(tx_id)); }

}  // namespace

Status Applier::ClaimBankRef(const std::string& bank, const std::string& hash) {
  if (hash.empty()) return Status::Ok();
  const std::string key = keys::BankRef(bank, hash);
  if (auto first = view_.Get(key)) {
    return Fail("duplicate_bank_ref", "bank reference already recorded for '" + bank + "' by tx " + HexId(*first) +
                                          ": one bank transaction cannot be counted twice");
  }
  view_.Put(key, TxIdBytes());
  return Status::Ok();
}

Status Applier::ClaimReceiptNumber(const std::string& org, const std::string& hash) {
  if (hash.empty()) return Status::Ok();
  const std::string key = keys::ReceiptNumber(org, hash);
  if (auto first = view_.Get(key)) {
    return Fail("duplicate_receipt_number", "e-receipt number already used by '" + org + "' in tx " + HexId(*first) +
                                                ": an e-receipt (电子票据) is issued for one donation only");
  }
  view_.Put(key, TxIdBytes());
  return Status::Ok();
}

Result<std::string> Applier::CoSigningBank(const pb::OrgRecord& owner) const {
  std::string bank;
  for (const crypto::PublicKey& signer : tx_.signers) {
    const std::string key = KeyBytes(signer);
    if (std::find(owner.public_keys().begin(), owner.public_keys().end(), key) != owner.public_keys().end()) continue;
    std::optional<pb::OrgRecord> org;
    if (auto holder = view_.Get(keys::KeyOwner(key))) org = keys::Load<pb::OrgRecord>(view_, keys::Org(*holder));
    if (!org || org->kind() != pb::ORG_KIND_BANK) {
      return Fail("cosigner_not_bank", "a second signer of a " + PayloadKindName(tx_.body) +
                                           " must hold a key of a bank (银行) organisation");
    }
    if (org->status() != pb::ORG_STATUS_ACTIVE) {
      return Fail("suspended", "the co-signing bank '" + org->org_id() + "' is suspended");
    }
    if (!bank.empty() && bank != org->org_id()) {
      return Fail("too_many_cosigners", "at most one bank may co-sign; both '" + bank + "' and '" + org->org_id() +
                                            "' did");
    }
    bank = org->org_id();
  }
  if (!bank.empty() && std::find(owner.account_banks().begin(), owner.account_banks().end(), bank) ==
                           owner.account_banks().end()) {
    return Fail("cosigner_not_account_bank", "bank '" + bank + "' holds no account of '" + owner.org_id() +
                                                 "': only its account banks (开户银行, filed with the bureau) may co-sign");
  }
  return bank;
}

template <class Ids>
Status Applier::CheckAccountBanks(const Ids& bank_orgs) const {
  for (const std::string& id : bank_orgs) {
    auto bank = GetOrg(id);
    if (!bank.ok()) return bank.status();
    SHANLIU_RETURN_IF_ERROR(RequireKind(*bank, {pb::ORG_KIND_BANK}, "an account bank"));
  }
  return Status::Ok();
}

template Status Applier::CheckAccountBanks(const google::protobuf::RepeatedPtrField<std::string>&) const;

void Applier::RecordAttestation(const std::string& bank) {
  if (bank.empty()) return;
  view_.Put(keys::Attestation(TxIdBytes()), bank);
  IndexOrg(bank);
}

}  // namespace shanliu::ledger::internal
