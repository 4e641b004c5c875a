// Deliberate bugs for the simulator to catch (tests/sim, docs/consensus.md). This header is
// internal to node/: production code cannot name FaultSwitches, only CreateCoreWithFaults sets
// them, and only tests add node/src to their include path. Core::Create always leaves them off.
#pragma once

#include "shanliu/node/consensus.h"

namespace shanliu::node::consensus {

struct FaultSwitches {
  bool quorum_at_two_thirds = false;       // count ">= 2/3" of the voting power as a quorum
  bool ignore_lock = false;                // prevote for a valid proposal whatever the lock says
  bool skip_vote_signature_check = false;  // count votes without verifying their signatures
  bool forget_wal_on_restart = false;      // start from an empty WAL, whatever was replayed
  bool no_vote_relay = false;              // never send a peer the votes its RoundStatus lacks
  bool forget_received_precommits = false;  // a restart drops the WAL's kReceivedPrecommits records
  // Start and NextValidators sets are ignored: the genesis set signs every height (a node that
  // never reconfigures at a ValidatorSetChange).
  bool ignore_validator_set_changes = false;

  bool any() const {
    return quorum_at_two_thirds || ignore_lock || skip_vote_signature_check || forget_wal_on_restart ||
           no_vote_relay || forget_received_precommits || ignore_validator_set_changes;
  }
};

Result<Core> CreateCoreWithFaults(Config config, crypto::KeyPair signer, std::span<const WalRecord> wal_records,
                                  const FaultSwitches& faults);

}  // namespace shanliu::node::consensus
