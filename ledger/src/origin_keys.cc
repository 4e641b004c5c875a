// Which origin key set is in force at a height (origin_keys.h): the genesis origin_key until the
// first validator-set transition takes effect, then the hand-over the newest transition carried.
// The transitions are the r/vs/<E> rows the ValidatorSetChange rule writes (validator_set.cc);
// the rule checked each hand-over before storing it, so a row that does not convert is corrupt.
#include <algorithm>
#include <cassert>
#include <string>

#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/origin_keys.h"
#include "shanliu/ledger/state_view.h"
#include "shanliu/pb/state.pb.h"
#include "state_keys.h"

namespace shanliu::ledger {
namespace {

Status Malformed(const std::string& why) { return Status::Error("frost_malformed", "origin key hand-over: " + why); }

std::string Raw(const crypto::PublicKey& key) { return std::string(key.begin(), key.end()); }

}  // namespace

pb::OriginKeyHandover OriginKeyHandoverOf(const OriginKeySet& keys) {
  assert(keys.participants.size() == keys.public_keys.verifying_shares.size());
  pb::OriginKeyHandover out;
  out.set_min_signers(keys.public_keys.min_signers);
  std::size_t i = 0;
  // verifying_shares is ordered by identifier, 1..n, as participants is.
  for (const auto& [identifier, share] : keys.public_keys.verifying_shares) {
    pb::OriginKeyShare* s = out.add_shares();
    s->set_public_key(Raw(keys.participants[i++]));
    s->set_verifying_share(std::string(share.begin(), share.end()));
  }
  return out;
}

Result<OriginKeySet> OriginKeySetOfHandover(const pb::OriginKeyHandover& handover, const crypto::PublicKey& group_key) {
  if (handover.shares_size() > crypto::frost::kMaxParticipants) {
    return Malformed("more than " + std::to_string(crypto::frost::kMaxParticipants) + " shares");
  }
  if (handover.min_signers() > crypto::frost::kMaxParticipants) return Malformed("min_signers above 100");
  OriginKeySet out;
  out.public_keys.verifying_key = group_key;
  out.public_keys.min_signers = static_cast<std::uint16_t>(handover.min_signers());
  for (int i = 0; i < handover.shares_size(); ++i) {
    const pb::OriginKeyShare& s = handover.shares(i);
    const std::string where = "shares[" + std::to_string(i) + "]";
    if (s.public_key().size() != 32) return Malformed(where + ".public_key is not 32 bytes");
    if (s.verifying_share().size() != 32) return Malformed(where + ".verifying_share is not 32 bytes");
    crypto::PublicKey key{};
    std::copy(s.public_key().begin(), s.public_key().end(), key.begin());
    crypto::frost::Element share{};
    std::copy(s.verifying_share().begin(), s.verifying_share().end(), share.begin());
    out.participants.push_back(key);
    out.public_keys.verifying_shares.emplace(*crypto::frost::Identifier::FromIndex(static_cast<std::uint16_t>(i + 1)),
                                             share);
  }
  return out;
}

Hash256 OriginHandoverDigest(const pb::OriginKeyHandover& handover) {
  crypto::Sha256Stream sha;
  for (const pb::OriginKeyShare& s : handover.shares()) {
    sha.Update(s.public_key());
    sha.Update(s.verifying_share());
  }
  return sha.Finish();
}

std::optional<OriginKeySet> OriginKeysIn(const StateView& view, const Genesis& genesis, std::uint64_t height) {
  if (!genesis.origin_key) return std::nullopt;
  auto row = view.SeekLE(keys::kValidatorSetPrefix, keys::ValidatorSet(height));
  if (!row) return GenesisOriginKeys(genesis);
  pb::ValidatorSetRecord rec;
  if (!rec.ParseFromArray(row->second.data(), static_cast<int>(row->second.size()))) {
    throw StorageCorrupt(PrintableStorageKey(row->first), "the validator set row at \"" +
                                                               PrintableStorageKey(row->first) + "\" does not decode");
  }
  if (!rec.has_origin_key()) return std::nullopt;  // this set holds no share: the origin line stops
  auto keys = OriginKeySetOfHandover(rec.origin_key(), genesis.origin_key->verifying_key);
  if (!keys.ok() || keys->participants.size() != static_cast<std::size_t>(rec.validators_size())) {
    throw StorageCorrupt(PrintableStorageKey(row->first), "the validator set row at \"" +
                                                               PrintableStorageKey(row->first) +
                                                               "\" holds an origin key hand-over the rule never accepts");
  }
  return std::move(*keys);
}

}  // namespace shanliu::ledger
