// Which validators hold shares of the chain's FROST origin key at a height (docs/decisions.md
// "Origin key hand-over"). The group key never changes: genesis fixes it, and a
// ValidatorSetChange may carry the shares of a resharing ceremony that gives the new set its own
// shares of the same key, so a witness configured with the origin key follows the chain for life.
//
//   - No genesis origin_key: no origin key at any height.
//   - While no ValidatorSetChange has taken effect: the genesis origin_key, held by the genesis
//     validators (genesis validator i is FROST identifier i + 1).
//   - After: the newest transition's hand-over if it carried one (the set's validator i holds
//     identifier i + 1), else none: the origin line stops until a later change hands it over.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <vector>

#include "shanliu/crypto/frost.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/pb/shanliu.pb.h"
#include "shanliu/status.h"

namespace shanliu::ledger {

struct Genesis;
class StateView;

struct OriginKeySet {
  crypto::frost::PublicKeyPackage public_keys;  // identifiers 1..n; verifying_key is the genesis group key
  std::vector<crypto::PublicKey> participants;  // participants[i] (a consensus key) holds identifier i + 1

  // The FROST participant index (identifier - 1) of a consensus key, or -1 when it holds no share.
  int ParticipantIndex(const crypto::PublicKey& key) const {
    for (std::size_t i = 0; i < participants.size(); ++i) {
      if (participants[i] == key) return static_cast<int>(i);
    }
    return -1;
  }
};

// Whether two sets are the same signing group: the same holders, verifying shares and threshold.
// (The group key itself is the genesis key in every set.)
inline bool SameOriginKeys(const OriginKeySet& a, const OriginKeySet& b) {
  return a.participants == b.participants && a.public_keys.verifying_shares == b.public_keys.verifying_shares &&
         a.public_keys.min_signers == b.public_keys.min_signers;
}

// The origin key set that signs checkpoints made by block `height` (the rules above), as `view`
// records the validator-set transitions. Throws StorageError on a failed read.
std::optional<OriginKeySet> OriginKeysIn(const StateView& view, const Genesis& genesis, std::uint64_t height);

// The genesis origin_key held by the genesis validators (none without one).
std::optional<OriginKeySet> GenesisOriginKeys(const Genesis& genesis);

// The hand-over file (docs/operator.md "Handing the origin key to a new set"), what the resharing
// ceremony writes and `shanliu validators change --origin-key` reads:
//   {"verifying_key": hex, "min_signers": t, "shares": [{"public_key": hex, "verifying_share": hex}, ...]}
// with the shares in set order (identifier i + 1 for shares[i]).
nlohmann::json OriginKeySetToJson(const OriginKeySet& keys);
// Strict inverse: unknown or missing fields, bad hex, 0 or more than 100 shares, a participant
// listed twice are "frost_malformed"; a threshold other than floor(2n/3) + 1 "frost_bad_threshold";
// shares that are not one polynomial through the group key CheckPublicKeyPackage's error.
Result<OriginKeySet> OriginKeySetFromJson(const nlohmann::json& j);

// The hand-over a ValidatorSetChange carries (its origin_key field, docs/rules.md "Validator set
// changes"): min_signers and, in participant order, each participant's key and verifying share.
// The group key is not carried: it is always the genesis origin_key.
pb::OriginKeyHandover OriginKeyHandoverOf(const OriginKeySet& keys);
// The inverse under `group_key` (the genesis origin_key). Checks only shapes: a key or share that
// is not 32 bytes, or more than 100 shares, is "frost_malformed". Whether the shares are points
// on one polynomial through the group key and name the resulting set is the ledger rule's
// (CheckPublicKeyPackage; executor_validators.cc).
Result<OriginKeySet> OriginKeySetOfHandover(const pb::OriginKeyHandover& handover, const crypto::PublicKey& group_key);
// SHA-256 of each share's public_key || verifying_share, in order: the one value a signer compares
// between the signing summary, `shanliu validators change` and the ceremony's hand-over file.
Hash256 OriginHandoverDigest(const pb::OriginKeyHandover& handover);

}  // namespace shanliu::ledger
