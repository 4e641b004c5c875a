#include "simulator.h"

#include <sstream>

#include "world.h"

namespace shanliu::sim {
namespace {

struct NamedFault {
  const char* name;
  bool cs::FaultSwitches::*core;  // one of the two is set
  bool Faults::*node;
};
constexpr NamedFault kFaults[] = {
    {"quorum-two-thirds", &cs::FaultSwitches::quorum_at_two_thirds, nullptr},
    {"ignore-lock", &cs::FaultSwitches::ignore_lock, nullptr},
    {"skip-vote-signature", &cs::FaultSwitches::skip_vote_signature_check, nullptr},
    {"forget-wal", &cs::FaultSwitches::forget_wal_on_restart, nullptr},
    {"no-vote-relay", &cs::FaultSwitches::no_vote_relay, nullptr},
    {"forget-received-precommits", &cs::FaultSwitches::forget_received_precommits, nullptr},
    {"ignore-validator-set-changes", &cs::FaultSwitches::ignore_validator_set_changes, nullptr},
    {"sync-ask-highest-claimant", nullptr, &Faults::sync_ask_highest_claimant},
    {"skip-block-check", nullptr, &Faults::skip_block_check},
    {"ignore-read-checksum", nullptr, &Faults::ignore_read_checksum},
    {"repair-drop-above-gap", nullptr, &Faults::repair_drop_above_gap},
};

bool& Switch(Faults& faults, const NamedFault& f) { return f.core ? faults.core.*f.core : faults.*f.node; }
bool Switch(const Faults& faults, const NamedFault& f) { return f.core ? faults.core.*f.core : faults.*f.node; }

}  // namespace

SimReport Simulate(const SimOptions& options) {
  return options.reconfig ? SimulateReconfig(options) : World(options).Run();
}

std::optional<Faults> FaultByName(const std::string& names) {
  Faults faults;
  if (names == "none") return faults;
  std::istringstream list(names);
  for (std::string name; std::getline(list, name, ',');) {
    bool known = false;
    for (const NamedFault& f : kFaults) {
      if (name == f.name) {
        Switch(faults, f) = true;
        known = true;
      }
    }
    if (!known) return std::nullopt;
  }
  return faults;
}

std::string FaultName(const Faults& faults) {
  std::string names;
  for (const NamedFault& f : kFaults) {
    if (Switch(faults, f)) names += (names.empty() ? "" : ",") + std::string(f.name);
  }
  return names.empty() ? "none" : names;
}

std::string ReplayCommand(const SimOptions& options) {
  std::ostringstream command;
  command << "build/bin/shanliu-sim --seed " << options.seed << " --validators " << options.validators;
  if (options.faults.any()) command << " --fault " << FaultName(options.faults);
  if (options.selective) command << " --selective";
  if (options.reconfig) command << " --reconfig";
  command << " --trace";
  return command.str();
}

}  // namespace shanliu::sim
