// A deliberate bug in block sync's peer choice, for the simulator to catch (tests/sim,
// docs/consensus.md "The node in the simulator"). Internal to node/: production code never
// includes it; only tests add node/src to their include path. BlockSync's own constructor always
// leaves it off.
#pragma once

#include "shanliu/node/block_sync.h"

namespace shanliu::node {

class BlockSyncFaults {
 public:
  // Issue 15's old rule: one request at a time, to whoever claims the highest head, with no
  // ranking and no demotion; one peer claiming a head it never serves freezes sync.
  static void AskHighestClaimant(BlockSync& sync) { sync.fault_ask_highest_claimant_ = true; }
};

}  // namespace shanliu::node
