// A deterministic discrete-event simulation of n validators running the consensus core over a
// faulty network, with crashes, restarts from the WAL and Byzantine validators. Everything is
// drawn from one seed; the same seed replays the same run, event for event.
//
// Checked at every step: agreement (no two honest validators commit different blocks at one
// height), validity (only blocks the application finds valid commit, with a verifiable commit
// certificate), no honest double-signing (and no vote sent before its WAL record), and after
// the network heals, liveness (every honest validator reaches the target height in bounded
// simulated time).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>

#include "consensus_faults.h"  // node/src: only tests may switch faults on

namespace shanliu::sim {

struct SimOptions {
  std::uint64_t seed = 1;
  std::uint32_t validators = 4;
  node::consensus::FaultSwitches faults;  // injected into every honest core
  std::ostream* trace = nullptr;          // every event and effect, when replaying by hand
  // The "selective sender" family: every run has a Byzantine validator that sends its
  // proposals and votes to a subset of the others only (drawn per height, round and kind).
  bool selective = false;
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
};

SimReport Simulate(const SimOptions& options);

// The fault switches by name ("quorum-two-thirds", "ignore-lock", "skip-vote-signature",
// "forget-wal"; a comma-separated list, or "none"), for the command line and replay commands.
std::optional<node::consensus::FaultSwitches> FaultByName(const std::string& name);
std::string FaultName(const node::consensus::FaultSwitches& faults);
// The command that replays this run with a full trace.
std::string ReplayCommand(const SimOptions& options);

}  // namespace shanliu::sim
