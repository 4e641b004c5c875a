#include "shanliu/ledger/validator_set.h"

#include <algorithm>
#include <limits>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/pb/state.pb.h"
#include "state_keys.h"

namespace shanliu::ledger {
namespace {

std::string Raw(const Hash256& h) { return std::string(h.begin(), h.end()); }

std::vector<Validator> FromRecord(const pb::ValidatorSetRecord& rec) {
  std::vector<Validator> out;
  out.reserve(static_cast<std::size_t>(rec.validators_size()));
  for (const pb::ValidatorEntry& e : rec.validators()) {
    Validator v;
    // Only the executor writes these rows, always with 32-byte keys.
    if (e.public_key().size() != v.public_key.size()) {
      throw StorageCorrupt("r/vs/", "a validator set row holds a key that is not 32 bytes");
    }
    std::copy(e.public_key().begin(), e.public_key().end(), v.public_key.begin());
    v.voting_power = e.voting_power();
    v.org_id = e.org_id();
    out.push_back(std::move(v));
  }
  return out;
}

pb::ValidatorSetRecord Decode(std::string_view key, std::string_view value) {
  pb::ValidatorSetRecord rec;
  if (!rec.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    throw StorageCorrupt(PrintableStorageKey(key), "the validator set row at \"" + PrintableStorageKey(key) +
                                                       "\" does not decode");
  }
  return rec;
}

Status Invalid(std::size_t index, std::uint64_t effective_height, const std::string& why) {
  return Status::Error("invalid_transition", "validator-set transition " + std::to_string(index) +
                                                 " (effective at height " + std::to_string(effective_height) +
                                                 "): " + why);
}

// One step of the walk: `t` is certified by `set` and names its successor.
Status CheckTransition(std::string_view chain_id, std::span<const Validator> set, const ProvenTransition& t,
                       std::size_t index) {
  const std::uint64_t e = t.effective_height;
  if (t.header.height() + 1 != e) {
    return Invalid(index, e, "the header is for height " + std::to_string(t.header.height()) + ", not " +
                                 std::to_string(e - 1));
  }
  if (t.header.chain_id() != chain_id) return Invalid(index, e, "the header is for chain '" + t.header.chain_id() + "'");
  auto hash = BlockHash(t.header);
  if (!hash.ok()) return Invalid(index, e, hash.status().message());
  if (*hash != t.block_hash) return Invalid(index, e, "the header does not hash to block_hash");
  const Hash256 set_hash = ValidatorsHash(set);
  if (t.header.validators_hash() != Raw(set_hash)) {
    return Invalid(index, e, "the header's validators_hash is not the set in force (" + crypto::ToHex(set_hash) +
                                 "): a transition before it is missing or out of order");
  }
  if (Status s = VerifyCommitCertificate(t.commit, chain_id, e - 1, t.block_hash, set); !s.ok()) {
    return Invalid(index, e, "its commit certificate: " + s.message());
  }
  if (t.next_validators.empty() || t.next_validators.size() > kMaxValidatorCount) {
    return Invalid(index, e, "next_validators must hold 1 to 100 validators");
  }
  if (t.header.next_validators_hash() != Raw(ValidatorsHash(t.next_validators))) {
    return Invalid(index, e, "next_validators does not hash to the header's next_validators_hash");
  }
  return Status::Ok();
}

std::string ShortKey(const crypto::PublicKey& key) { return crypto::ToHex(ByteView(key.data(), 8)); }

}  // namespace

// Applied in order; a change names each key once (tx.cc refuses duplicates), so the order of
// its updates only decides where additions go.
Result<std::vector<Validator>> ApplyValidatorUpdates(std::vector<Validator> set, const pb::ValidatorSetChange& change) {
  for (const pb::ValidatorUpdate& u : change.updates()) {
    crypto::PublicKey key{};
    if (u.public_key().size() != key.size()) {
      return Status::Error("malformed", "validator_set_change: a public_key is not 32 bytes");
    }
    std::copy(u.public_key().begin(), u.public_key().end(), key.begin());
    auto it = std::find_if(set.begin(), set.end(), [&](const Validator& v) { return v.public_key == key; });
    if (it == set.end() && (u.voting_power() == 0 || u.org_id().empty())) {
      return Status::Error("unknown_validator", "key " + ShortKey(key) + "… is not in the validator set, so it cannot be " +
                                                    (u.voting_power() == 0 ? "removed" : "re-weighted (adding needs org_id)"));
    }
    if (it == set.end()) {
      set.push_back(Validator{key, u.voting_power(), u.org_id()});
    } else if (u.voting_power() == 0) {
      set.erase(it);
    } else if (!u.org_id().empty() && u.org_id() != it->org_id) {
      return Status::Error("duplicate_validator", "key " + ShortKey(key) + "… is already in the set, run by '" +
                                                      it->org_id + "'; remove it before another organisation adds it");
    } else {
      it->voting_power = u.voting_power();
    }
  }
  if (set.empty()) return Status::Error("empty_validator_set", "the change would leave no validator");
  if (set.size() > kMaxValidatorCount) {
    return Status::Error("too_many_validators", "the change would leave " + std::to_string(set.size()) +
                                                    " validators; at most " + std::to_string(kMaxValidatorCount));
  }
  return set;
}

std::vector<Validator> ValidatorsIn(const StateView& view, const Genesis& genesis, std::uint64_t height) {
  auto row = view.SeekLE(keys::kValidatorSetPrefix, keys::ValidatorSet(height));
  if (!row) return genesis.validators;
  return FromRecord(Decode(row->first, row->second));
}

std::vector<ValidatorTransition> TransitionsIn(const StateView& view, std::uint64_t up_to_height) {
  std::vector<ValidatorTransition> out;
  const std::string end = up_to_height == std::numeric_limits<std::uint64_t>::max()
                              ? std::string()
                              : keys::ValidatorSet(up_to_height + 1);
  view.Scan(keys::kValidatorSetPrefix, keys::kValidatorSetPrefix, end, [&](std::string_view key, std::string_view value) {
    const pb::ValidatorSetRecord rec = Decode(key, value);
    out.push_back({rec.effective_height(), FromRecord(rec)});
    return true;
  });
  return out;
}

std::optional<std::uint64_t> LatestTransitionHeight(const StateView& view) {
  auto row = view.SeekLE(keys::kValidatorSetPrefix, keys::ValidatorSet(std::numeric_limits<std::uint64_t>::max()));
  if (!row) return std::nullopt;
  return Decode(row->first, row->second).effective_height();
}

Result<std::vector<Validator>> FollowValidatorTransitions(std::string_view chain_id,
                                                          std::span<const Validator> genesis_validators,
                                                          std::span<const ProvenTransition> transitions,
                                                          std::uint64_t target_height) {
  std::vector<Validator> set(genesis_validators.begin(), genesis_validators.end());
  std::uint64_t last = 0;
  for (std::size_t i = 0; i < transitions.size(); ++i) {
    const ProvenTransition& t = transitions[i];
    // Height 1 is the first block a set signs; block 0 (genesis) carries no certificate.
    if (t.effective_height < 2 || t.effective_height <= last) {
      return Invalid(i, t.effective_height, "effective heights must increase from 2 on (previous " +
                                                std::to_string(last) + ")");
    }
    if (t.effective_height > target_height) {
      return Invalid(i, t.effective_height, "takes effect after the proven height " + std::to_string(target_height));
    }
    SHANLIU_RETURN_IF_ERROR(CheckTransition(chain_id, set, t, i));
    set = t.next_validators;
    last = t.effective_height;
  }
  return set;
}

Status VerifyHeaderAgainstSet(std::string_view chain_id, const pb::BlockHeader& header, const Hash256& block_hash,
                              const pb::CommitCertificate& commit, std::span<const Validator> validators) {
  const Hash256 set_hash = ValidatorsHash(validators);
  if (header.validators_hash() != Raw(set_hash)) {
    return Status::Error("invalid_transition", "the header at height " + std::to_string(header.height()) +
                                                   " names validator set " + crypto::ToHex(AsBytes(header.validators_hash())) +
                                                   ", but following the proof's transitions from genesis gives " +
                                                   crypto::ToHex(set_hash) + ": the proof lacks a transition");
  }
  return VerifyCommitCertificate(commit, chain_id, header.height(), block_hash, validators);
}

}  // namespace shanliu::ledger
