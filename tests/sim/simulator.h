// A deterministic discrete-event simulation of n validators running the consensus core over a
// faulty network, with crashes, restarts from the WAL and Byzantine validators. Everything is
// drawn from one seed; the same seed replays the same run, event for event.
//
// Checked at every step: agreement (no two honest validators commit different blocks at one
// height), validity (only blocks the application finds valid commit, with a verifiable commit
// certificate), no honest double-signing (and no vote sent before its WAL record), and after
// the network heals, liveness (every honest validator reaches the target height in bounded
// simulated time). Around each core runs the node's block sync (the real BlockSync policy) and a
// durable block store with injected read corruption and torn writes; observers follow by block
// sync only, beside a lying peer and a slow one, and must reach the same target without ever
// committing a block the validators did not (docs/simulator.md).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>

#include "consensus_faults.h"  // node/src: only tests may switch faults on

namespace shanliu::sim {

// Deliberate bugs: in the consensus core, and in the node parts the simulator hosts.
struct Faults {
  node::consensus::FaultSwitches core;
  bool sync_ask_highest_claimant = false;  // block sync's old rule: the highest claimant, never demoted
  bool skip_block_check = false;           // a synced block is committed without its checks
  bool ignore_read_checksum = false;       // a stored block that fails its checksum is used anyway
  bool repair_drop_above_gap = false;      // the repair's old rule: intact blocks above the damage are lost

  bool any() const {
    return core.any() || sync_ask_highest_claimant || skip_block_check || ignore_read_checksum || repair_drop_above_gap;
  }
};

struct SimOptions {
  std::uint64_t seed = 1;
  std::uint32_t validators = 4;
  Faults faults;  // injected into every honest node
  std::ostream* trace = nullptr;          // every event and effect, when replaying by hand
  // The "selective sender" family: every run has a Byzantine validator that sends its
  // proposals and votes to a subset of the others only (drawn per height, round and kind).
  bool selective = false;
  // The validator-set-change family (reconfig.cc): `validators` is the genesis set's size; a
  // schedule of changes (add, remove, re-weight, swap) is drawn from the seed.
  bool reconfig = false;
};

struct SimReport {
  bool ok = true;
  std::string violation;  // the invariant that broke, and how
  std::string scenario;   // what the seed drew
  std::uint64_t sim_time_ms = 0;
  std::uint64_t events = 0;
  std::uint64_t messages_delivered = 0;
  std::uint64_t min_honest_height = 0;  // committed by every honest validator
  std::uint32_t max_round = 0;
  std::uint64_t evidence = 0;                     // equivocations recorded against Byzantine validators
  std::uint64_t relayed = 0;                      // messages sent by honest validators' vote relay
  std::map<std::string, std::uint64_t> rejected;  // messages the cores dropped, by reason
  std::uint64_t target_height = 0;  // what every honest validator and observer had to reach after healing
  std::uint64_t min_observer_height = 0;
  std::uint64_t blocks_synced = 0;        // committed through block sync, by validators and observers
  std::uint64_t bad_blocks_refused = 0;   // synced blocks that failed their checks (the liar's forgeries)
  std::uint64_t corrupt_reads = 0;        // stored blocks that failed their checksum when read
  std::uint64_t torn_block_writes = 0;    // crashes in the middle of a block write
  std::uint64_t repairs = 0;              // restarts that repaired a damaged store from peers
  std::uint64_t set_changes = 0;          // reconfig family: changes in the schedule
  std::uint64_t joined_signatures = 0;    // reconfig family: certificate signatures of validators added later
};

SimReport Simulate(const SimOptions& options);
SimReport SimulateReconfig(const SimOptions& options);  // Simulate sends the reconfig family here

// The fault switches by name ("quorum-two-thirds", "ignore-lock", "skip-vote-signature",
// "forget-wal", ..., "sync-ask-highest-claimant", "skip-block-check", "ignore-read-checksum",
// "repair-drop-above-gap", "ignore-validator-set-changes"; a comma-separated list, or "none"), for the command line and replay commands.
std::optional<Faults> FaultByName(const std::string& name);
std::string FaultName(const Faults& faults);
// The command that replays this run with a full trace.
std::string ReplayCommand(const SimOptions& options);

}  // namespace shanliu::sim
