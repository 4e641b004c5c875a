// ValidatorSetChange (DESIGN 4.1, docs/rules.md "Validator set changes"): the bureau and more than
// 2/3 of the set in force change the set from a stated future height on. The whole resulting set
// is written as one row keyed by its effective height, so the state root covers the history and
// any height's set is one seek (validator_set.cc).
#include <algorithm>

#include "executor_internal.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/frost.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/origin_keys.h"
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

// The updates in order (validator_set.h ApplyValidatorUpdates). Stateless validation already
// refused duplicate keys, bad lengths and powers.
Result<std::vector<Validator>> Applier::UpdatedValidators(std::vector<Validator> set,
                                                          const pb::ValidatorSetChange& p) const {
  return ApplyValidatorUpdates(std::move(set), p);
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

// The origin key hand-over (docs/rules.md "Validator set changes"): the resulting set's shares of
// the genesis group key, one per validator in set order, at the set's threshold, and one
// polynomial through that key, so the new set can sign the origin line a witness already trusts.
Status Applier::CheckOriginHandover(const std::vector<Validator>& set, const pb::OriginKeyHandover& handover) const {
  if (!genesis_.origin_key) {
    return Fail("no_origin_key", "the genesis has no origin_key, so there is no origin key to hand over");
  }
  const std::size_t n = set.size();
  if (n < 2) {
    return Fail("frost_bad_threshold", "origin_key: the resulting set has 1 validator; a threshold key needs at "
                                       "least 2 (1-of-1 is a plain key)");
  }
  if (handover.min_signers() != OriginThreshold(n)) {
    return Fail("frost_bad_threshold", "origin_key.min_signers is " + std::to_string(handover.min_signers()) +
                                           "; the resulting set of " + std::to_string(n) +
                                           " validators needs floor(2n/3) + 1 = " + std::to_string(OriginThreshold(n)));
  }
  if (static_cast<std::size_t>(handover.shares_size()) != n) {
    return Fail("origin_handover_mismatch", "origin_key has " + std::to_string(handover.shares_size()) +
                                                " shares for the " + std::to_string(n) +
                                                " validators of the resulting set (one each, in set order)");
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& key = handover.shares(static_cast<int>(i)).public_key();  // 32 bytes: tx.cc
    if (key != KeyBytes(set[i].public_key)) {
      return Fail("origin_handover_mismatch", "origin_key.shares[" + std::to_string(i) + "] is for key " +
                                                  ShortKey(KeyOf(key)) + "…, but the resulting set's validator " +
                                                  std::to_string(i) + " is " + ShortKey(set[i].public_key) +
                                                  "… (shares follow the set's order)");
    }
  }
  auto keys = OriginKeySetOfHandover(handover, genesis_.origin_key->verifying_key);
  if (!keys.ok()) return keys.status();
  // CheckPublicKeyPackage's codes pass through (docs/rules.md): "frost_malformed" for a share that
  // is no valid point, "frost_invalid_share" naming the first share off the polynomial.
  if (Status s = crypto::frost::CheckPublicKeyPackage(keys->public_keys); !s.ok()) {
    return Status::Error(s.code(), "origin_key is not a sharing of the genesis origin key: " + s.message());
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
  if (p.has_origin_key()) SHANLIU_RETURN_IF_ERROR(CheckOriginHandover(*next, p.origin_key()));
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
  if (p.has_origin_key()) *rec.mutable_origin_key() = p.origin_key();
  keys::Store(view_, keys::ValidatorSet(p.effective_height()), rec);
  IndexOrg(bureau->org_id());
  return Status::Ok();
}

}  // namespace shanliu::ledger::internal
