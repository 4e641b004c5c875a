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

#include <cstdint>
#include <optional>
#include <vector>

#include "shanliu/crypto/frost.h"
#include "shanliu/crypto/keys.h"

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

// The origin key set that signs checkpoints made by block `height` (the rules above), as `view`
// records the validator-set transitions. Throws StorageError on a failed read.
std::optional<OriginKeySet> OriginKeysIn(const StateView& view, const Genesis& genesis, std::uint64_t height);

}  // namespace shanliu::ledger
