// ValidatorSetChange (DESIGN 4.1, docs/rules.md "Validator set changes"): the bureau and more than
// 2/3 of the set in force change the set from a stated future height on. The whole resulting set
// is written as one row keyed by its effective height, so the state root covers the history and
// any height's set is one seek (validator_set.cc).
#include <algorithm>

#include "executor_internal.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/validator_set.h"

namespace shanliu::ledger::internal {
namespace {

std::string ShortKey(const crypto::PublicKey& key) { return crypto::ToHex(ByteView(key.data(), 8)); }

crypto::PublicKey KeyOf(const std::string& bytes) {
  crypto::PublicKey key{};
  std::copy(bytes.begin(), bytes.end(), key.begin());  // 32 bytes: checked statelessly (tx.cc)
  return key;
}

}  // namespace

// The consensus keys that signed this tx must hold more than 2/3 of the set in force now:
// the same threshold that commits blocks, so the set can only change as it could fork.
Status Applier::RequireValidatorQuorum(const std::vector<Validator>& current) const {
  std::uint64_t total = 0, signed_power = 0;
  for (const Validator& v : current) {
    total += v.voting_power;  // at most 100 x 2^40: no overflow
    if (tx_.SignedBy(v.public_key)) signed_power += v.voting_power;
  }
  if (IsSupermajority(signed_power, total)) return Status::Ok();
  return Fail("validator_quorum", "validators holding " + std::to_string(signed_power) + " of " +
                                      std::to_string(total) + " voting power signed; more than 2/3 must sign a "
                                      "validator set change");
}

Status Applier::CheckEffectiveHeight(std::uint64_t effective_height) const {
  const std::uint64_t low = ctx_.height + kMinValidatorChangeLeadBlocks;
  const std::uint64_t high = ctx_.height + kMaxValidatorChangeLeadBlocks;
  if (effective_height >= low && effective_height <= high) return Status::Ok();
  return Fail("invalid_effective_height", "effective_height " + std::to_string(effective_height) +
                                              " must be between " + std::to_string(low) + " and " +
                                              std::to_string(high) + " (this block is " +
                                              std::to_string(ctx_.height) + ")");
}

// Applies the updates in order: 0 removes, a known key is re-weighted in place, a new key is
// appended. Stateless validation already refused duplicate keys, bad lengths and powers.
Result<std::vector<Validator>> Applier::UpdatedValidators(std::vector<Validator> set,
                                                          const pb::ValidatorSetChange& p) const {
  for (const pb::ValidatorUpdate& u : p.updates()) {
    const crypto::PublicKey key = KeyOf(u.public_key());
    auto it = std::find_if(set.begin(), set.end(), [&](const Validator& v) { return v.public_key == key; });
    if (it == set.end() && (u.voting_power() == 0 || u.org_id().empty())) {
      return Fail("unknown_validator", "key " + ShortKey(key) + "… is not in the validator set, so it cannot be " +
                                           (u.voting_power() == 0 ? "removed" : "re-weighted (adding needs org_id)"));
    }
    if (it == set.end()) {
      set.push_back(Validator{key, u.voting_power(), u.org_id()});
    } else if (u.voting_power() == 0) {
      set.erase(it);
    } else if (!u.org_id().empty() && u.org_id() != it->org_id) {
      return Fail("duplicate_validator", "key " + ShortKey(key) + "… is already in the set, run by '" + it->org_id +
                                             "'; remove it before another organisation adds it");
    } else {
      it->voting_power = u.voting_power();
    }
  }
  if (set.empty()) return Fail("empty_validator_set", "the change would leave no validator");
  if (set.size() > kMaxValidatorCount) {
    return Fail("too_many_validators", "the change would leave " + std::to_string(set.size()) +
                                           " validators; at most " + std::to_string(kMaxValidatorCount));
  }
  return set;
}

// As genesis requires: every validator is run by a registered, active bureau, federation or bank.
Status Applier::CheckValidatorOrgs(const std::vector<Validator>& set) const {
  for (const Validator& v : set) {
    auto org = GetActiveOrg(v.org_id);
    if (!org.ok()) return org.status();
    SHANLIU_RETURN_IF_ERROR(RequireKind(*org, {pb::ORG_KIND_BUREAU, pb::ORG_KIND_FEDERATION, pb::ORG_KIND_BANK},
                                        "a validator"));
  }
  return Status::Ok();
}

Status Applier::ValidatorSetChange(const pb::ValidatorSetChange& p) {
  auto bureau = RequireBureauSigner();
  if (!bureau.ok()) return bureau.status();
  std::vector<Validator> current = ValidatorsIn(view_, genesis_, ctx_.height);
  SHANLIU_RETURN_IF_ERROR(RequireValidatorQuorum(current));
  SHANLIU_RETURN_IF_ERROR(CheckEffectiveHeight(p.effective_height()));
  // One change at a time: the next can only be signed by the set the pending one makes.
  if (auto latest = LatestTransitionHeight(view_); latest && *latest > ctx_.height) {
    return Fail("validator_change_pending", "a validator set change takes effect at height " +
                                                std::to_string(*latest) + "; a new one can be made from that height on");
  }
  auto next = UpdatedValidators(std::move(current), p);
  if (!next.ok()) return next.status();
  SHANLIU_RETURN_IF_ERROR(CheckValidatorOrgs(*next));
  pb::ValidatorSetRecord rec;
  rec.set_effective_height(p.effective_height());
  for (const Validator& v : *next) {
    pb::ValidatorEntry* e = rec.add_validators();
    e->set_public_key(KeyBytes(v.public_key));
    e->set_voting_power(v.voting_power);
    e->set_org_id(v.org_id);
  }
  rec.set_changed_at_height(ctx_.height);
  rec.set_tx_id(TxIdBytes());
  keys::Store(view_, keys::ValidatorSet(p.effective_height()), rec);
  IndexOrg(bureau->org_id());
  return Status::Ok();
}

}  // namespace shanliu::ledger::internal
