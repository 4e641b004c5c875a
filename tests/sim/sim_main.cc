// shanliu-sim: run the consensus simulator by hand.
//   shanliu-sim --seed 42 --validators 7 --trace        replay one run, event by event
//   shanliu-sim --seeds 100000 --jobs 2                the soak (docs/consensus.md)
//   shanliu-sim --fault ignore-lock --seeds 1000 --until-violation
#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "shanliu/crypto/hash.h"
#include "simulator.h"

namespace {

using shanliu::sim::SimOptions;
using shanliu::sim::SimReport;

int Usage(const std::string& problem) {
  if (!problem.empty()) std::cerr << "shanliu-sim: " << problem << "\n";
  std::cerr << "usage: shanliu-sim [--seed S | --seeds N [--first S]] [--validators N[,N...]]\n"
               "                   [--fault NAME[,NAME...]] [--jobs J] [--trace] [--until-violation | --count]\n"
               "                   [--selective | --reconfig]\n"
               "  --seed S             run the single seed S and print its report\n"
               "  --seeds N            run seeds first..first+N-1 (default --first 1), each with every\n"
               "                       validator count; stops at the first violation\n"
               "  --validators LIST    validator counts, default 4,7,10\n"
               "  --fault NAMES        test-only bugs to switch on in honest cores: quorum-two-thirds,\n"
               "                       ignore-lock, skip-vote-signature, forget-wal, no-vote-relay,\n"
               "                       forget-received-precommits, ignore-validator-set-changes; in the node around it:\n"
               "                       sync-ask-highest-claimant, skip-block-check, ignore-read-checksum,\n"
               "                       repair-drop-above-gap\n"
               "  --selective          the selective sender family: a Byzantine validator in every run\n"
               "                       sends its proposals, votes and statuses to a subset only\n"
               "  --reconfig           the validator-set-change family: changes (add, remove, re-weight) at\n"
               "                       drawn heights, crashes at them, a removed validator that keeps voting\n"
               "  --jobs J             run J simulations at a time (threads); results do not depend on J\n"
               "  --trace              print every event and effect (with --seed)\n"
               "  --until-violation    expect a violation; report how many runs it took (exit 0 when found)\n"
               "  --count              run every seed and count the runs with a violation (for a fault's catch rate)\n";
  return 2;
}

bool ParseNumber(const std::string& text, std::uint64_t* out) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 19) return false;
  *out = std::stoull(text);
  return true;
}

void PrintReport(const SimOptions& options, const SimReport& report) {
  std::cout << "seed " << options.seed << " validators " << options.validators << ": "
            << (report.ok ? "ok" : "VIOLATION") << "\n  scenario: " << report.scenario << "\n  simulated "
            << report.sim_time_ms << " ms, " << report.events << " events, " << report.messages_delivered
            << " messages delivered, every honest validator at height " << report.min_honest_height
            << ", highest round " << report.max_round << ", evidence " << report.evidence
            << ", relayed " << report.relayed << "\n  every observer at height " << report.min_observer_height
            << ", blocks synced " << report.blocks_synced << ", bad blocks refused " << report.bad_blocks_refused
            << ", corrupt reads " << report.corrupt_reads << ", torn block writes " << report.torn_block_writes
            << ", repairs " << report.repairs;
  if (options.reconfig) {
    std::cout << "\n  set changes " << report.set_changes << ", certificate signatures by validators added later "
              << report.joined_signatures;
  }
  std::cout << "\n  dropped by the cores:";
  for (const auto& [code, count] : report.rejected) std::cout << " " << code << "=" << count;
  std::cout << "\n";
  if (!report.ok) {
    std::cout << "  " << report.violation << "\n  replay: " << shanliu::sim::ReplayCommand(options) << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  shanliu::crypto::Init();
  std::uint64_t seed = 0, seeds = 0, first = 1, jobs = 1;
  bool single = false, trace = false, until_violation = false, count = false, selective = false, reconfig = false;
  std::vector<std::uint32_t> validator_counts{4, 7, 10};
  shanliu::sim::Faults faults;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--seed") {
      if (!ParseNumber(value(), &seed)) return Usage("--seed needs a number");
      single = true;
    } else if (arg == "--seeds") {
      if (!ParseNumber(value(), &seeds) || seeds == 0) return Usage("--seeds needs a positive number");
    } else if (arg == "--first") {
      if (!ParseNumber(value(), &first)) return Usage("--first needs a number");
    } else if (arg == "--validators") {
      validator_counts.clear();
      std::istringstream list(value());
      for (std::string item; std::getline(list, item, ',');) {
        std::uint64_t n = 0;
        if (!ParseNumber(item, &n) || n < 1 || n > 64) return Usage("--validators takes counts of 1..64");
        validator_counts.push_back(static_cast<std::uint32_t>(n));
      }
      if (validator_counts.empty()) return Usage("--validators needs at least one count");
    } else if (arg == "--fault") {
      auto parsed = shanliu::sim::FaultByName(value());
      if (!parsed) return Usage("unknown fault");
      faults = *parsed;
    } else if (arg == "--jobs") {
      if (!ParseNumber(value(), &jobs) || jobs == 0 || jobs > 256) return Usage("--jobs takes 1..256");
    } else if (arg == "--selective") {
      selective = true;
    } else if (arg == "--reconfig") {
      reconfig = true;
    } else if (arg == "--trace") {
      trace = true;
    } else if (arg == "--until-violation") {
      until_violation = true;
    } else if (arg == "--count") {
      count = true;
    } else if (arg == "--help" || arg == "-h") {
      return Usage("");
    } else {
      return Usage("unknown option " + arg);
    }
  }
  if (single == (seeds != 0)) return Usage("give exactly one of --seed and --seeds");
  if (trace && !single) return Usage("--trace goes with --seed");
  if (until_violation && count) return Usage("give at most one of --until-violation and --count");

  if (single) {
    int status = 0;
    for (std::uint32_t n : validator_counts) {
      SimOptions options{seed, n, faults, trace ? &std::cout : nullptr, selective, reconfig};
      const SimReport report = shanliu::sim::Simulate(options);
      PrintReport(options, report);
      if (!report.ok) status = 1;
    }
    return status;
  }

  // Runs are numbered seed by seed, each with every validator count; workers claim them in that
  // order, so the first violation reported is the same whatever the number of jobs.
  const std::uint64_t total_runs = seeds * validator_counts.size();
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  std::mutex mutex;
  std::uint64_t next_run = 0, done = 0, events = 0, simulated_ms = 0, evidence = 0, violations = 0, relayed = 0;
  std::uint64_t synced = 0, refused = 0, corrupt_reads = 0, torn_block_writes = 0, repairs = 0;
  std::uint32_t max_round = 0;
  std::optional<std::uint64_t> first_failure;
  std::map<std::uint64_t, std::pair<SimOptions, SimReport>> failures;
  auto worker = [&] {
    for (;;) {
      std::uint64_t run = 0;
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (next_run == total_runs || (first_failure && !count)) return;
        run = next_run++;
      }
      const SimOptions options{first + run / validator_counts.size(), validator_counts[run % validator_counts.size()],
                               faults, nullptr, selective, reconfig};
      const SimReport report = shanliu::sim::Simulate(options);
      std::lock_guard<std::mutex> lock(mutex);
      ++done;
      events += report.events;
      simulated_ms += report.sim_time_ms;
      evidence += report.evidence;
      relayed += report.relayed;
      synced += report.blocks_synced;
      refused += report.bad_blocks_refused;
      corrupt_reads += report.corrupt_reads;
      torn_block_writes += report.torn_block_writes;
      repairs += report.repairs;
      max_round = std::max(max_round, report.max_round);
      if (!report.ok) {
        ++violations;
        if (count) {
          std::cout << "seed " << options.seed << " validators " << options.validators << ": " << report.violation
                    << "\n";
        } else {
          failures.emplace(run, std::make_pair(options, report));
          if (!first_failure || run < *first_failure) first_failure = run;
        }
      }
      if (done % 1000 == 0) std::cout << done << " runs done (" << elapsed() << " s)\n" << std::flush;
    }
  };
  std::vector<std::thread> workers;
  for (std::uint64_t j = 0; j < jobs; ++j) workers.emplace_back(worker);
  for (std::thread& t : workers) t.join();

  if (first_failure) {
    // Every run numbered below the failing one was claimed before it, so all of them finished.
    const auto& [options, report] = failures.begin()->second;
    PrintReport(options, report);
    std::cout << (until_violation ? "caught after " : "FAILED after ") << failures.begin()->first + 1 << " runs\n";
    return until_violation ? 0 : 1;
  }
  if (count) {
    std::cout << violations << " of " << done << " runs found a violation; " << elapsed() << " s wall clock\n"
              << "node faults: " << synced << " blocks synced, " << refused << " bad blocks refused, " << corrupt_reads
              << " corrupt reads caught, " << torn_block_writes << " torn block writes, " << repairs << " repairs\n";
    return 0;
  }
  std::cout << done << " runs, all invariants held: " << events << " events, " << simulated_ms / 1000
            << " simulated seconds, highest round " << max_round << ", " << evidence << " equivocations recorded, "
            << relayed << " messages relayed; " << synced << " blocks synced, " << refused << " bad blocks refused, "
            << corrupt_reads << " corrupt reads caught, " << torn_block_writes << " torn block writes, " << repairs
            << " repairs; "
            << elapsed() << " s wall clock\n";
  if (until_violation) {
    std::cout << "no violation found\n";
    return 1;
  }
  return 0;
}
