// Key recovery (docs/rules.md "Key recovery"): the bureau replaces keys an organisation lost,
// after a public window in block time in which any current key of the organisation can veto.
// Nothing about the organisation's keys changes until the completion: a key that is only
// believed lost keeps signing, and its holder can stop the recovery.
#include <cassert>

#include "executor_internal.h"

namespace shanliu::ledger::internal {
namespace {

crypto::PublicKey ToPublicKey(const std::string& bytes) {
  crypto::PublicKey key;
  assert(bytes.size() == key.size());
  std::copy(bytes.begin(), bytes.end(), key.begin());
  return key;
}

bool HasKey(const pb::OrgRecord& org, const std::string& key) {
  return std::find(org.public_keys().begin(), org.public_keys().end(), key) != org.public_keys().end();
}

}  // namespace

// Why a key cannot be given to `org_id` now, or nothing: a key belongs to one organisation and
// a pending recovery holds its new key, so no one else can claim it before the window ends.
std::optional<Status> Applier::KeyUnavailable(const std::string& key, const char* field) const {
  if (auto owner = view_.Get(keys::KeyOwner(key))) {
    return Fail("key_in_use", std::string(field) + " already belongs to organisation '" + *owner + "'");
  }
  if (auto holder = view_.Get(keys::RecoveryKey(key))) {
    return Fail("key_in_use", std::string(field) + " is held by the pending key recovery of '" + *holder + "'");
  }
  return std::nullopt;
}

Status Applier::RequestKeyRecovery(const pb::RequestKeyRecovery& p) {
  auto bureau = RequireBureauSigner();
  if (!bureau.ok()) return bureau.status();
  auto org = GetOrg(p.org_id());
  if (!org.ok()) return org.status();
  // A bureau's keys have no one above them on the ledger to vouch for a replacement: it keeps
  // 1..4 keys and rotates them itself (docs/decisions.md).
  if (org->kind() == pb::ORG_KIND_BUREAU) {
    return Fail("wrong_kind", "organisation '" + p.org_id() + "' is a bureau: its keys are not recovered by "
                              "RequestKeyRecovery; it rotates them with another of its keys");
  }
  if (org->has_pending_recovery()) {
    return Fail("recovery_pending", "organisation '" + p.org_id() + "' already has a pending key recovery; it "
                                    "must complete or be vetoed first");
  }
  for (const std::string& key : p.old_public_keys()) {
    if (!HasKey(*org, key)) {
      return Fail("unknown_key", "an old_public_keys entry is not a current key of '" + p.org_id() + "'");
    }
  }
  if (HasKey(*org, p.new_public_key())) {
    return Fail("key_in_use", "new_public_key is already a current key of '" + p.org_id() + "'");
  }
  if (auto refused = KeyUnavailable(p.new_public_key(), "new_public_key")) return *refused;

  pb::KeyRecoveryRecord rec;
  *rec.mutable_request() = p;
  rec.set_request_tx_id(TxIdBytes());
  rec.set_bureau_org(bureau->org_id());
  rec.set_requested_leaf(ctx_.leaf);
  rec.set_requested_height(ctx_.height);
  rec.set_requested_time_ms(ctx_.time_ms);
  // Block times are far below 2^63 ms and the delay at most 366 days: no overflow.
  rec.set_deadline_ms(ctx_.time_ms + genesis_.params.key_recovery_delay_ms);
  rec.set_status(pb::KEY_RECOVERY_STATUS_PENDING);
  keys::Store(view_, keys::KeyRecovery(p.org_id(), ctx_.leaf), rec);
  view_.Put(keys::RecoveryKey(p.new_public_key()), p.org_id());

  pb::PendingKeyRecovery* pending = org->mutable_pending_recovery();
  pending->set_request_tx_id(rec.request_tx_id());
  pending->set_requested_leaf(ctx_.leaf);
  pending->set_deadline_ms(rec.deadline_ms());
  keys::Store(view_, keys::Org(p.org_id()), *org);
  IndexOrg(p.org_id());
  IndexOrg(bureau->org_id());
  return Status::Ok();
}

// The recovery a veto or completion names, still pending ("unknown_recovery", "recovery_vetoed",
// "recovery_completed" otherwise).
Result<pb::KeyRecoveryRecord> Applier::PendingRecovery(const std::string& org_id, const std::string& request_tx_id) const {
  auto loc = keys::Load<pb::TxLocation>(view_, keys::TxLoc(request_tx_id));
  std::optional<pb::KeyRecoveryRecord> rec;
  if (loc) rec = keys::Load<pb::KeyRecoveryRecord>(view_, keys::KeyRecovery(org_id, loc->leaf()));
  if (!rec) {
    return Fail("unknown_recovery", "request_tx_id names no key recovery of organisation '" + org_id + "'");
  }
  if (rec->status() == pb::KEY_RECOVERY_STATUS_VETOED) {
    return Fail("recovery_vetoed", "this key recovery was vetoed by a key of '" + org_id + "' at height " +
                                       std::to_string(rec->closed_height()));
  }
  if (rec->status() == pb::KEY_RECOVERY_STATUS_COMPLETED) {
    return Fail("recovery_completed", "this key recovery already completed at height " +
                                          std::to_string(rec->closed_height()));
  }
  return *rec;
}

void Applier::CloseRecovery(pb::OrgRecord& org, pb::KeyRecoveryRecord& rec, pb::KeyRecoveryStatus status) {
  rec.set_status(status);
  rec.set_closed_tx_id(TxIdBytes());
  rec.set_closed_height(ctx_.height);
  rec.set_closed_time_ms(ctx_.time_ms);
  keys::Store(view_, keys::KeyRecovery(org.org_id(), rec.requested_leaf()), rec);
  view_.Delete(keys::RecoveryKey(rec.request().new_public_key()));
  org.clear_pending_recovery();
  keys::Store(view_, keys::Org(org.org_id()), org);
  IndexOrg(org.org_id());
}

Status Applier::VetoKeyRecovery(const pb::VetoKeyRecovery& p) {
  auto org = GetOrg(p.org_id());
  if (!org.ok()) return org.status();
  // Any current key, the ones named for replacement included: using one proves it is not lost.
  std::string vetoing_key;
  for (const std::string& key : org->public_keys()) {
    if (tx_.SignedBy(ToPublicKey(key))) {
      vetoing_key = key;
      break;
    }
  }
  if (vetoing_key.empty()) {
    return Fail("wrong_signer", "a veto must be signed by a current key of '" + p.org_id() + "'");
  }
  auto rec = PendingRecovery(p.org_id(), p.request_tx_id());
  if (!rec.ok()) return rec.status();
  if (ctx_.time_ms >= rec->deadline_ms()) {
    return Fail("recovery_window_closed", "the veto window closed at " + std::to_string(rec->deadline_ms()) +
                                              " ms; the block time is " + std::to_string(ctx_.time_ms) + " ms");
  }
  rec->set_vetoed_by_key(vetoing_key);
  rec->set_veto_reason(p.reason());
  CloseRecovery(*org, *rec, pb::KEY_RECOVERY_STATUS_VETOED);
  return Status::Ok();
}

Status Applier::CompleteKeyRecovery(const pb::CompleteKeyRecovery& p) {
  auto org = GetOrg(p.org_id());
  if (!org.ok()) return org.status();
  auto rec = PendingRecovery(p.org_id(), p.request_tx_id());
  if (!rec.ok()) return rec.status();
  const std::string& new_key = rec->request().new_public_key();
  // The new key's holder shows it can sign; otherwise the bureau finishes what it started.
  if (!tx_.SignedBy(ToPublicKey(new_key))) {
    auto bureau = RequireBureauSigner();
    if (!bureau.ok()) {
      return Fail("wrong_signer", "a key recovery is completed by the bureau or signed by its new key");
    }
  }
  if (ctx_.time_ms < rec->deadline_ms()) {
    return Fail("recovery_window_open", "the veto window runs until " + std::to_string(rec->deadline_ms()) +
                                            " ms; the block time is " + std::to_string(ctx_.time_ms) + " ms");
  }
  // RotateKey is refused while a recovery is pending and the new key is held for it, so the
  // keys are exactly as the request found them.
  auto& keys_list = *org->mutable_public_keys();
  for (const std::string& old_key : rec->request().old_public_keys()) {
    if (!HasKey(*org, old_key)) throw StorageCorrupt("o/" + p.org_id(), "a key a pending recovery replaces is gone");
  }
  assert(!view_.Get(keys::KeyOwner(new_key)));
  const auto& old_keys = rec->request().old_public_keys();
  auto first = std::find_first_of(keys_list.begin(), keys_list.end(), old_keys.begin(), old_keys.end());
  *first = new_key;  // the new key takes the first replaced key's place; the others go
  keys_list.erase(std::remove_if(keys_list.begin(), keys_list.end(),
                                 [&](const std::string& k) {
                                   return std::find(old_keys.begin(), old_keys.end(), k) != old_keys.end();
                                 }),
                  keys_list.end());
  for (const std::string& old_key : old_keys) view_.Delete(keys::KeyOwner(old_key));
  view_.Put(keys::KeyOwner(new_key), p.org_id());
  CloseRecovery(*org, *rec, pb::KEY_RECOVERY_STATUS_COMPLETED);
  return Status::Ok();
}

}  // namespace shanliu::ledger::internal
