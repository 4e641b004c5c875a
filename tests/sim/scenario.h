// What one simulated run looks like, all drawn from the seed: voting powers, who is Byzantine
// and how, and the faults of the network and of the honest nodes before the network heals.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "random.h"

namespace shanliu::sim {

struct Byzantine {
  bool equivocate_proposals = false;  // a second, different proposal to half the validators
  bool double_vote = false;           // conflicting prevotes and precommits to the two halves
  bool forge_signatures = false;      // votes in other validators' names, corrupted signatures
  bool garbage = false;               // bytes that are not consensus messages at all
  bool silent = false;                // sends nothing, ever
  bool invalid_blocks = false;        // its alternative blocks fail validation
  // Sends its proposals, votes and statuses to a subset of the others only, drawn anew for each
  // height, round and kind: some honest validators hold its vote, others never hear it.
  bool selective = false;
};

struct Partition {
  std::uint64_t from_ms = 0;
  std::uint64_t until_ms = 0;
  std::vector<int> side;  // per validator: 0 or 1; messages between the sides are lost
};

struct Crash {
  std::uint32_t node = 0;
  std::uint64_t at_ms = 0;
  std::uint64_t restart_at_ms = 0;
  bool torn = false;  // dies in the middle of performing an event's effects (may tear a WAL record)
};

struct Scenario {
  std::uint32_t validators = 0;
  std::vector<std::uint64_t> powers;
  std::vector<bool> byzantine;
  std::vector<Byzantine> behaviour;  // for Byzantine validators
  std::vector<int> side;             // how the adversary splits the honest validators in two
  // Byzantine power exactly 1/3 of the total: Tendermint must stay safe, but need not be live.
  bool boundary = false;

  std::uint64_t heal_at_ms = 0;  // after this: no drops, no partitions, everyone up, short delays
  double drop = 0;
  double duplicate = 0;
  std::uint64_t min_delay_ms = 1;
  std::uint64_t max_delay_ms = 1;
  double delay_spike = 0;  // chance of up to 2 s extra delay (reordering)
  // An adversarial scheduler: until the heal, messages from a validator that has committed more
  // heights than their receiver arrive 0.5-3 s late, so news of a decision travels slowly.
  bool hold_back_leaders = false;
  std::vector<Partition> partitions;
  std::vector<Crash> crashes;
  std::uint64_t app_delay_max_ms = 0;
  // Blocks only when txs are pending (the node's mode), with a heartbeat; or, in some runs, the
  // core's other mode, an empty block whenever nothing is pending.
  bool empty_blocks = false;
  std::uint64_t heartbeat_ms = 0;
  double txs_chance = 0;              // that txs reach a waiting validator at all before the heartbeat
  std::uint64_t txs_delay_max_ms = 0;  // and how late, each validator on its own

  std::uint64_t TotalPower() const;
  std::uint64_t ByzantinePower() const;
  bool IsByzantine(std::uint32_t v) const { return byzantine[v]; }
  std::string Describe() const;
};

// What the seed draws for the node around the consensus core (docs/simulator.md "The node in
// the simulator"): observers that follow by block sync only, a lying peer, a slow peer, and
// storage faults. Drawn from a stream of its own, so the consensus draws of a seed are the same
// with or without it.
struct ReadFault {
  std::uint32_t node = 0;    // a validator or an observer (peer index)
  std::uint64_t at_ms = 0;   // before the heal
  std::uint64_t pick = 0;    // which stored block and which of its bytes
};
struct NodeScenario {
  std::uint32_t observers = 1;
  bool liar = false;  // one more peer, not a validator, that lies about its head until the end
  // Its claim: 0 one above the honest head, 1 five above, 2 a head of 10^15.
  int liar_claim = 0;
  // Per request: the chance it sends nothing, else an empty answer or a forged block (half each).
  double liar_silence = 0;
  int slow_peer = -1;  // an honest validator whose block-sync answers take 2-9 s (past the timeout)
  std::vector<ReadFault> read_faults;
  // Crashes that land inside a block write (a validator's commit or an observer's synced
  // block): the record is half written; the node restarts 1-3 s later.
  struct TornWrite {
    std::uint32_t node = 0;
    std::uint64_t at_ms = 0;  // armed then; tears the node's next block write
    std::uint64_t restart_after_ms = 0;
  };
  std::vector<TornWrite> torn_writes;

  std::string Describe() const;
};
NodeScenario MakeNodeScenario(Random& random, const Scenario& consensus);

// selective: the "selective sender" family (at least one Byzantine validator, all of them
// selective senders). The ordinary family's draws are unchanged by it, so seeds replay.
Scenario MakeScenario(Random& random, std::uint32_t validators, bool selective = false);

}  // namespace shanliu::sim
