// The simulator in CTest: a few hundred seeds across 4, 7 and 10 validators must keep every
// invariant, and each deliberate bug (fault switch) must be caught within a bounded number of
// runs. The long soak is by hand: shanliu-sim --seeds 100000 (docs/consensus.md).
#include <doctest/doctest.h>

#include <iostream>

#include "simulator.h"

namespace {

using shanliu::sim::SimOptions;
using shanliu::sim::SimReport;

void RunSeeds(std::uint32_t validators, std::uint64_t first, std::uint64_t count) {
  std::uint64_t heights = 0, evidence = 0;
  for (std::uint64_t seed = first; seed < first + count; ++seed) {
    const SimOptions options{seed, validators, {}, nullptr};
    const SimReport report = shanliu::sim::Simulate(options);
    heights += report.min_honest_height;
    evidence += report.evidence;
    if (!report.ok) {
      FAIL_CHECK("seed " << seed << " validators " << validators << ": " << report.violation << "\n  scenario: "
                         << report.scenario << "\n  replay: " << shanliu::sim::ReplayCommand(options));
    }
  }
  MESSAGE(count << " runs with " << validators << " validators: " << heights << " heights committed by every honest "
                << "validator, " << evidence << " equivocations recorded");
}

// Runs seeds 1, 2, ... each with 4, 7 and 10 validators (as shanliu-sim --until-violation does)
// until an invariant breaks; fails if that takes more than max_runs runs.
void ExpectCaught(const std::string& fault, std::uint64_t max_runs) {
  const auto faults = shanliu::sim::FaultByName(fault);
  REQUIRE(faults);
  std::uint64_t runs = 0;
  for (std::uint64_t seed = 1; runs < max_runs; ++seed) {
    for (std::uint32_t validators : {4u, 7u, 10u}) {
      const SimOptions options{seed, validators, *faults, nullptr};
      const SimReport report = shanliu::sim::Simulate(options);
      ++runs;
      if (!report.ok) {
        MESSAGE("fault " << fault << " caught after " << runs << " runs (seed " << seed << ", " << validators
                         << " validators): " << report.violation
                         << "\n  replay: " << shanliu::sim::ReplayCommand(options));
        return;
      }
      if (runs == max_runs) break;
    }
  }
  FAIL("fault " << fault << " went unnoticed for " << max_runs << " runs");
}

}  // namespace

TEST_CASE("sim: 200 seeds with 4 validators keep agreement, validity, no double signing and liveness") {
  RunSeeds(4, 1, 200);
}
TEST_CASE("sim: 100 seeds with 7 validators keep agreement, validity, no double signing and liveness") {
  RunSeeds(7, 1, 100);
}
TEST_CASE("sim: 60 seeds with 10 validators keep agreement, validity, no double signing and liveness") {
  RunSeeds(10, 1, 60);
}

// Each switch breaks one rule of the protocol in every honest core; the simulator must notice.
TEST_CASE("sim catches the fault: a quorum of 2/3 instead of more than 2/3") { ExpectCaught("quorum-two-thirds", 150); }
TEST_CASE("sim catches the fault: prevotes that ignore the lock") { ExpectCaught("ignore-lock", 150); }
TEST_CASE("sim catches the fault: votes counted without checking their signatures") {
  ExpectCaught("skip-vote-signature", 150);
}
TEST_CASE("sim catches the fault: a restart that forgets the WAL") { ExpectCaught("forget-wal", 150); }
