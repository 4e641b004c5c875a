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
  for (std::uint64_t seed = first; seed < first + count; ++seed) {
    const SimOptions options{seed, validators, {}, nullptr};
    const SimReport report = shanliu::sim::Simulate(options);
    if (!report.ok) {
      FAIL_CHECK("seed " << seed << " validators " << validators << ": " << report.violation << "\n  scenario: "
                         << report.scenario << "\n  replay: " << shanliu::sim::ReplayCommand(options));
    }
  }
}

}  // namespace

TEST_CASE("4 validators: 150 seeds keep agreement, validity, no double signing and liveness") { RunSeeds(4, 1, 150); }
TEST_CASE("7 validators: 100 seeds keep agreement, validity, no double signing and liveness") { RunSeeds(7, 1, 100); }
TEST_CASE("10 validators: 60 seeds keep agreement, validity, no double signing and liveness") { RunSeeds(10, 1, 60); }
