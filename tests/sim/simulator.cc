#include "simulator.h"

#include <sstream>

#include "world.h"

namespace shanliu::sim {
namespace {

struct NamedFault {
  const char* name;
  bool cs::FaultSwitches::*member;
};
constexpr NamedFault kFaults[] = {
    {"quorum-two-thirds", &cs::FaultSwitches::quorum_at_two_thirds},
    {"ignore-lock", &cs::FaultSwitches::ignore_lock},
    {"skip-vote-signature", &cs::FaultSwitches::skip_vote_signature_check},
    {"forget-wal", &cs::FaultSwitches::forget_wal_on_restart},
    {"no-vote-relay", &cs::FaultSwitches::no_vote_relay},
    {"forget-received-precommits", &cs::FaultSwitches::forget_received_precommits},
};

}  // namespace

SimReport Simulate(const SimOptions& options) { return World(options).Run(); }

std::optional<cs::FaultSwitches> FaultByName(const std::string& names) {
  cs::FaultSwitches faults;
  if (names == "none") return faults;
  std::istringstream list(names);
  for (std::string name; std::getline(list, name, ',');) {
    bool known = false;
    for (const NamedFault& f : kFaults) {
      if (name == f.name) {
        faults.*f.member = true;
        known = true;
      }
    }
    if (!known) return std::nullopt;
  }
  return faults;
}

std::string FaultName(const cs::FaultSwitches& faults) {
  std::string names;
  for (const NamedFault& f : kFaults) {
    if (faults.*f.member) names += (names.empty() ? "" : ",") + std::string(f.name);
  }
  return names.empty() ? "none" : names;
}

std::string ReplayCommand(const SimOptions& options) {
  std::ostringstream command;
  command << "build/bin/shanliu-sim --seed " << options.seed << " --validators " << options.validators;
  if (options.faults.any()) command << " --fault " << FaultName(options.faults);
  if (options.selective) command << " --selective";
  command << " --trace";
  return command.str();
}

}  // namespace shanliu::sim
