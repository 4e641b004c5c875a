#include "scenario.h"

#include <algorithm>
#include <sstream>

namespace shanliu::sim {
namespace {

std::vector<std::uint32_t> Shuffled(Random& random, std::uint32_t n) {
  std::vector<std::uint32_t> order(n);
  for (std::uint32_t i = 0; i < n; ++i) order[i] = i;
  for (std::uint32_t i = n; i > 1; --i) std::swap(order[i - 1], order[random.Between(0, i - 1)]);
  return order;
}

// Spreads `total` power over `nodes`, each at least 1.
void Spread(Random& random, std::vector<std::uint64_t>& powers, const std::vector<std::uint32_t>& nodes,
            std::uint64_t total) {
  assert(!nodes.empty() && total >= nodes.size());
  for (std::uint32_t v : nodes) powers[v] = 1;
  for (std::uint64_t left = total - nodes.size(); left > 0; --left) powers[random.Pick(nodes)] += 1;
}

// Honest validators in two sides of equal power, Byzantine power equal to one side: exactly 1/3.
void BoundaryPowers(Random& random, Scenario& s, std::uint32_t faulty) {
  const std::vector<std::uint32_t> order = Shuffled(random, s.validators);
  std::vector<std::uint32_t> byzantine(order.begin(), order.begin() + faulty);
  std::vector<std::uint32_t> honest(order.begin() + faulty, order.end());
  const std::size_t side_a = (honest.size() + 1) / 2;
  std::vector<std::uint32_t> a(honest.begin(), honest.begin() + side_a);
  std::vector<std::uint32_t> b(honest.begin() + side_a, honest.end());
  std::uint64_t power = 0;
  for (std::uint32_t v : a) power += s.powers[v] = random.Between(1, 3);
  Spread(random, s.powers, b, power);
  Spread(random, s.powers, byzantine, power);
  for (std::uint32_t v : byzantine) s.byzantine[v] = true;
  for (std::uint32_t v : b) s.side[v] = 1;
}

void OrdinaryPowers(Random& random, Scenario& s, std::uint32_t faulty) {
  const bool equal = random.Chance(0.4);
  for (std::uint64_t& p : s.powers) p = equal ? 1 : random.Between(1, 3);
  const std::uint64_t total = s.TotalPower();
  std::uint64_t byzantine_power = 0;
  std::uint32_t chosen = 0;
  for (std::uint32_t v : Shuffled(random, s.validators)) {
    if (chosen == faulty) break;
    if (3 * (byzantine_power + s.powers[v]) >= total) continue;  // strictly below 1/3
    s.byzantine[v] = true;
    byzantine_power += s.powers[v];
    ++chosen;
  }
  for (std::uint32_t v = 0; v < s.validators; ++v) s.side[v] = static_cast<int>(random.Between(0, 1));
}

// Turns a scenario into one of the selective sender family: a Byzantine validator (one is made if
// the draw had none and some validator has under 1/3 of the power) that withholds from some;
// in half the runs it does nothing else, so withholding alone is what is tested.
void MakeSelective(Random& random, Scenario& s) {
  if (s.ByzantinePower() == 0) {
    for (std::uint32_t v : Shuffled(random, s.validators)) {
      if (3 * s.powers[v] < s.TotalPower()) {
        s.byzantine[v] = true;
        break;
      }
    }
  }
  const bool withhold_only = random.Chance(0.5);
  for (std::uint32_t v = 0; v < s.validators; ++v) {
    if (!s.byzantine[v]) continue;
    Byzantine& b = s.behaviour[v];
    b.selective = true;
    b.silent = false;
    if (withhold_only) b = Byzantine{.selective = true};
  }
}

}  // namespace

std::uint64_t Scenario::TotalPower() const {
  std::uint64_t total = 0;
  for (std::uint64_t p : powers) total += p;
  return total;
}

std::uint64_t Scenario::ByzantinePower() const {
  std::uint64_t total = 0;
  for (std::uint32_t v = 0; v < validators; ++v) {
    if (byzantine[v]) total += powers[v];
  }
  return total;
}

Scenario MakeScenario(Random& random, std::uint32_t validators, bool selective) {
  assert(validators >= 1);
  Scenario s;
  s.validators = validators;
  s.powers.assign(validators, 1);
  s.byzantine.assign(validators, false);
  s.behaviour.assign(validators, {});
  s.side.assign(validators, 0);

  const std::uint32_t max_faulty = (validators - 1) / 3;
  s.boundary = max_faulty > 0 && random.Chance(0.25);
  if (s.boundary) {
    BoundaryPowers(random, s, static_cast<std::uint32_t>(random.Between(1, max_faulty)));
  } else {
    OrdinaryPowers(random, s, static_cast<std::uint32_t>(random.Between(0, max_faulty)));
  }
  for (std::uint32_t v = 0; v < validators; ++v) {
    if (!s.byzantine[v]) continue;
    Byzantine& b = s.behaviour[v];
    b.silent = !s.boundary && random.Chance(0.2);
    // At the boundary the adversary plays its strongest hand: equivocate to both sides.
    b.equivocate_proposals = s.boundary || random.Chance(0.6);
    b.double_vote = s.boundary || random.Chance(0.6);
    b.forge_signatures = random.Chance(0.5);
    b.garbage = random.Chance(0.3);
    b.invalid_blocks = random.Chance(0.4);
  }

  s.heal_at_ms = random.Between(2000, 10000);
  s.drop = random.Pick(std::vector<double>{0, 0.02, 0.1, 0.3});
  s.duplicate = random.Pick(std::vector<double>{0, 0.05});
  s.min_delay_ms = random.Between(1, 20);
  s.max_delay_ms = s.min_delay_ms + random.Between(0, 200);
  s.delay_spike = random.Pick(std::vector<double>{0, 0.02, 0.1});
  s.hold_back_leaders = random.Chance(0.5);
  s.app_delay_max_ms = random.Pick(std::vector<std::uint64_t>{0, 5, 50});

  for (std::uint64_t count = random.Between(0, 3); count > 0; --count) {
    Partition p;
    p.from_ms = random.Between(0, s.heal_at_ms - 1);
    p.until_ms = std::min(s.heal_at_ms, p.from_ms + random.Between(200, 5000));
    p.side.assign(validators, 0);
    switch (random.Between(0, 2)) {
      case 0:  // along the adversary's split
        p.side = s.side;
        break;
      case 1:  // one validator cut off
        p.side[random.Between(0, validators - 1)] = 1;
        break;
      default:
        for (int& side : p.side) side = static_cast<int>(random.Between(0, 1));
    }
    // Byzantine validators are on both sides: the adversary controls its own links.
    for (std::uint32_t v = 0; v < validators; ++v) {
      if (s.byzantine[v]) p.side[v] = -1;
    }
    s.partitions.push_back(std::move(p));
  }

  for (std::uint32_t v = 0; v < validators; ++v) {
    if (s.byzantine[v] || !random.Chance(0.35)) continue;
    std::uint64_t earliest = 0;
    for (std::uint64_t count = random.Between(1, 2); count > 0 && earliest < s.heal_at_ms; --count) {
      Crash c;
      c.node = v;
      c.at_ms = random.Between(earliest, s.heal_at_ms - 1);
      c.restart_at_ms = std::min(s.heal_at_ms, c.at_ms + random.Between(50, 4000));
      c.torn = random.Chance(0.5);
      earliest = c.restart_at_ms + 1;
      s.crashes.push_back(c);
    }
  }
  // Drawn last, so the network and crash faults of a seed stay what they were.
  s.empty_blocks = random.Chance(0.2);
  s.heartbeat_ms = random.Between(300, 3000);
  s.txs_chance = random.Pick(std::vector<double>{0, 0.5, 0.95});
  s.txs_delay_max_ms = random.Pick(std::vector<std::uint64_t>{0, 50, 1000});
  if (selective) MakeSelective(random, s);
  return s;
}

std::string Scenario::Describe() const {
  std::ostringstream out;
  out << "n=" << validators << " powers=";
  for (std::uint32_t v = 0; v < validators; ++v) out << (v ? "," : "") << powers[v];
  out << " byzantine=";
  bool any = false;
  for (std::uint32_t v = 0; v < validators; ++v) {
    if (!byzantine[v]) continue;
    const Byzantine& b = behaviour[v];
    out << (any ? "," : "") << v << "[" << (b.silent ? "silent" : "") << (b.equivocate_proposals ? "E" : "")
        << (b.double_vote ? "D" : "") << (b.forge_signatures ? "F" : "") << (b.garbage ? "G" : "")
        << (b.invalid_blocks ? "I" : "") << (b.selective ? "S" : "") << "]";
    any = true;
  }
  if (!any) out << "none";
  out << (boundary ? " boundary(1/3)" : "") << " heal=" << heal_at_ms << "ms drop=" << drop << " dup=" << duplicate
      << " delay=" << min_delay_ms << ".." << max_delay_ms << "ms spikes=" << delay_spike
      << (hold_back_leaders ? " hold-back-leaders" : "") << " partitions=" << partitions.size()
      << " crashes=" << crashes.size();
  if (empty_blocks) {
    out << " empty-blocks";
  } else {
    out << " heartbeat=" << heartbeat_ms << "ms txs=" << txs_chance << "/" << txs_delay_max_ms << "ms";
  }
  return out.str();
}

NodeScenario MakeNodeScenario(Random& random, const Scenario& consensus) {
  NodeScenario s;
  s.observers = static_cast<std::uint32_t>(random.Between(1, 2));
  s.liar = random.Chance(0.6);
  s.liar_claim = static_cast<int>(random.Between(0, 2));
  s.liar_silence = random.Pick(std::vector<double>{0.0, 0.5, 1.0});
  if (random.Chance(0.4)) {
    std::vector<std::uint32_t> honest;
    for (std::uint32_t v = 0; v < consensus.validators; ++v) {
      if (!consensus.byzantine[v]) honest.push_back(v);
    }
    s.slow_peer = static_cast<int>(random.Pick(honest));
  }
  const std::uint32_t peers = consensus.validators + s.observers;
  const std::uint64_t faults = random.Chance(0.5) ? random.Between(1, 3) : 0;
  for (std::uint64_t k = 0; k < faults; ++k) {
    s.read_faults.push_back(ReadFault{static_cast<std::uint32_t>(random.Between(0, peers - 1)),
                                      random.Between(consensus.heal_at_ms / 2, consensus.heal_at_ms), random.Next()});
  }
  const std::uint64_t tears = random.Chance(0.5) ? random.Between(1, 2) : 0;
  for (std::uint64_t k = 0; k < tears; ++k) {
    const auto node = static_cast<std::uint32_t>(random.Between(0, peers - 1));
    const std::uint64_t at_ms = random.Between(0, consensus.heal_at_ms);
    s.torn_writes.push_back(NodeScenario::TornWrite{node, at_ms, random.Between(1000, 3000)});
  }
  return s;
}

std::string NodeScenario::Describe() const {
  std::ostringstream out;
  out << " observers=" << observers;
  if (liar) {
    out << " liar(claim " << (liar_claim == 2 ? "1e15" : liar_claim == 1 ? "+5" : "+1") << ", silent " << liar_silence
        << ")";
  }
  if (slow_peer >= 0) out << " slow=" << slow_peer;
  for (const ReadFault& f : read_faults) out << " flip(peer " << f.node << " at " << f.at_ms << "ms)";
  for (const TornWrite& t : torn_writes) out << " tear(peer " << t.node << " from " << t.at_ms << "ms)";
  return out.str();
}

}  // namespace shanliu::sim
