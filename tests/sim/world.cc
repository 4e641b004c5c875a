#include "world.h"

#include <algorithm>
#include <cassert>
#include <iostream>

#include "consensus_visit.h"
#include "scripted_net.h"
#include "shanliu/node/wal.h"

namespace shanliu::sim {
namespace {

using cs::Overloaded;

cs::Config SimConfig(const Scenario& scenario) {
  cs::Config config = MakeConfig(scenario.powers);
  config.propose_timeout = {300, 100};
  config.prevote_timeout = {200, 100};
  config.precommit_timeout = {200, 100};
  config.max_block_bytes = 1024;
  config.create_empty_blocks = scenario.empty_blocks;
  config.empty_block_interval_ms = scenario.heartbeat_ms;
  return config;
}

}  // namespace

World::World(const SimOptions& options)
    : options_(options),
      random_(options.seed * 0x9E3779B97F4A7C15ULL + options.validators),  // each count draws its own runs
      scenario_(MakeScenario(random_, options.validators, options.selective)),
      validators_(options.validators),
      node_random_(options.seed * 0xD1B54A32D192ED03ULL + options.validators + 1),
      node_scenario_(MakeNodeScenario(node_random_, scenario_)),
      config_(SimConfig(scenario_)),
      nodes_(options.validators + node_scenario_.observers + (node_scenario_.liar ? 1 : 0)) {
  config_.verify_signature = [this](const crypto::PublicKey& key, ByteView message, const crypto::Signature& sig) {
    return signatures_.Verify(key, message, sig);
  };
  report_.scenario = scenario_.Describe() + node_scenario_.Describe();
  for (std::uint32_t i = 0; i < nodes_.size(); ++i) keys_.push_back(ValidatorKey(i).public_key);
  for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
    if (!IsValidator(i)) {
      nodes_[i].role = node_scenario_.liar && i + 1 == nodes_.size() ? Role::kLiar : Role::kObserver;
      if (nodes_[i].role == Role::kObserver) NewSync(i);
      continue;
    }
    nodes_[i].byzantine = scenario_.IsByzantine(i);
    Boot(i, {});
    if (!nodes_[i].byzantine) NewSync(i);
  }
  for (const ReadFault& fault : node_scenario_.read_faults) Push(fault.at_ms, CorruptAt{fault});
  for (const NodeScenario::TornWrite& tear : node_scenario_.torn_writes) Push(tear.at_ms, TearAt{tear});
  for (const Crash& crash : scenario_.crashes) {
    Push(crash.at_ms, CrashAt{crash});
    Push(crash.restart_at_ms, RestartAt{crash.node});
  }
  Push(scenario_.heal_at_ms, HealAt{});
  for (std::uint32_t i = 0; i < validators_; ++i) {
    Push(random_.Between(0, kGossipTickMs - 1), Tick{i, 0});
    Handle(i, cs::Start{1});
  }
  for (std::uint32_t i = validators_; i < nodes_.size(); ++i) {
    Push(node_random_.Between(0, kGossipTickMs - 1), Tick{i, 0});
  }
}

void World::Boot(std::uint32_t i, std::span<const cs::WalRecord> records) {
  // Byzantine validators run honest cores underneath and lie on the way out (adversary.cc).
  const cs::FaultSwitches faults = nodes_[i].byzantine ? cs::FaultSwitches{} : options_.faults.core;
  auto core = cs::CreateCoreWithFaults(config_, ValidatorKey(i), records, faults);
  assert(core.ok());
  nodes_[i].core.emplace(std::move(*core));
}

SimReport World::Run() {
  while (!queue_.empty() && report_.ok) {
    Scheduled next = queue_.top();
    queue_.pop();
    assert(next.at >= now_);
    now_ = next.at;
    Dispatch(std::move(next.what));
    if (++report_.events > kMaxEvents) Fail("runaway: more than " + std::to_string(kMaxEvents) + " events");
    if (!report_.ok || !healed_) continue;
    if (!scenario_.boundary && MinHonestHeight() >= target_height_ && MinObserverHeight() >= target_height_) break;
    if (now_ > deadline_) {
      if (!scenario_.boundary && MinHonestHeight() < target_height_) {
        Fail("liveness: " + std::to_string(kLivenessBoundMs) + " ms after healing, an honest validator is at height " +
             std::to_string(MinHonestHeight() + 1) + ", target " + std::to_string(target_height_));
      } else if (!scenario_.boundary) {
        Fail("sync liveness: " + std::to_string(kLivenessBoundMs) + " ms after healing, an observer is at height " +
             std::to_string(MinObserverHeight()) + ", target " + std::to_string(target_height_));
      }
      break;
    }
  }
  report_.sim_time_ms = now_;
  report_.min_honest_height = MinHonestHeight();
  report_.min_observer_height = MinObserverHeight();
  report_.target_height = target_height_;
  return report_;
}

void World::Fail(const std::string& what) {
  if (!report_.ok) return;  // keep the first violation: it is the one to replay
  report_.ok = false;
  report_.violation = "at t=" + std::to_string(now_) + "ms: " + what;
}

void World::Push(std::uint64_t delay_ms, What what) {
  queue_.push(Scheduled{now_ + delay_ms, seq_++, std::move(what)});
}

void World::Dispatch(What what) {
  std::visit(Overloaded{
                 [&](Deliver& d) { Receive(std::move(d.packet)); },
                 [&](Fire& f) {
                   if (nodes_[f.node].up && nodes_[f.node].epoch == f.epoch) Handle(f.node, std::move(f.event));
                 },
                 [&](Tick& t) {
                   if (!nodes_[t.node].up || nodes_[t.node].epoch != t.epoch) return;  // a restart starts a new chain
                   if (nodes_[t.node].core) Handle(t.node, cs::GossipTick{});
                   Push(kGossipTickMs, Tick{t.node, t.epoch});
                   if (nodes_[t.node].up && nodes_[t.node].epoch == t.epoch) SyncTick(t.node);
                 },
                 [&](CrashAt& c) {
                   Node& node = nodes_[c.crash.node];
                   if (!node.up) return;
                   if (c.crash.torn) {
                     node.torn_crash_pending = true;  // dies inside its next list of effects
                   } else {
                     CrashNow(c.crash.node);
                   }
                 },
                 [&](RestartAt& r) {
                   if (nodes_[r.node].up && nodes_[r.node].torn_crash_pending) CrashNow(r.node);
                   if (!nodes_[r.node].up) Restart(r.node);
                 },
                 [&](HealAt&) { Heal(); },
                 [&](CorruptAt& c) { Corrupt(c.fault); },
                 [&](TearAt& t) {
                   Node& node = nodes_[t.tear.node];
                   if (!healed_ && !node.byzantine) node.tear_block_write = t.tear.restart_after_ms;
                 },
             },
             what);
}

void World::Handle(std::uint32_t i, cs::Event event) {
  Node& node = nodes_[i];
  assert(node.up);
  Trace(i, "<-", [&] { return cs::Describe(event); });
  cs::Output output = node.core->Handle(std::move(event));
  if (!output.status.ok()) {
    ++report_.rejected[output.status.code()];
    Trace(i, "!!", [&] { return output.status.ToString(); });
  }
  Perform(i, std::move(output.effects));
}

void World::Perform(std::uint32_t i, std::vector<cs::Effect> effects) {
  Node& node = nodes_[i];
  std::size_t stop = effects.size();
  if (node.torn_crash_pending && !effects.empty()) stop = random_.Between(0, effects.size() - 1);
  if (node.tear_block_write && stop == effects.size()) {
    for (std::size_t k = 0; k < effects.size(); ++k) {
      if (std::holds_alternative<cs::CommitBlock>(effects[k])) {
        stop = k;
        Push(*node.tear_block_write, RestartAt{i});
        break;
      }
    }
  }
  for (std::size_t k = 0; k < stop && report_.ok; ++k) {
    Trace(i, "->", [&] { return cs::Describe(effects[k]); });
    PerformOne(i, effects[k]);
  }
  if (stop == effects.size()) return;
  // The crash lands while effect `stop` is being performed: a WAL append or a block write may be
  // half written.
  if (const auto* commit = std::get_if<cs::CommitBlock>(&effects[stop])) {
    StoreTear(i, *commit);
  } else if (const auto* persist = std::get_if<cs::PersistWal>(&effects[stop])) {
    const Bytes frame = node::EncodeWalFrame(cs::EncodeWalRecord(persist->record));
    const std::size_t written = random_.Between(0, frame.size() - 1);
    node.wal.insert(node.wal.end(), frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(written));
    Trace(i, "xx", [&] {
      return "crash tearing " + cs::Describe(effects[stop]) + " after " + std::to_string(written) + " bytes";
    });
  } else {
    Trace(i, "xx", [&] { return "crash before " + cs::Describe(effects[stop]); });
  }
  CrashNow(i);
}

void World::PerformOne(std::uint32_t i, cs::Effect& effect) {
  Node& node = nodes_[i];
  std::visit(Overloaded{
                 [&](cs::PersistWal& e) {
                   AppendRaw(node.wal, node::EncodeWalFrame(cs::EncodeWalRecord(e.record)));
                   node.persisted.emplace(e.record.height, e.record.round, e.record.kind, e.record.block_hash);
                 },
                 [&](cs::Broadcast& e) {
                   if (node.byzantine) {
                     ByzantineBroadcast(i, e.message);
                     return;
                   }
                   CheckSigned(i, e.message);
                   const Bytes bytes = cs::EncodeMessage(e.message);
                   for (std::uint32_t j = 0; j < validators_; ++j) {
                     if (j != i) Send(Packet{i, j, Packet::Kind::kConsensus, bytes, 0, 0, {}});
                   }
                 },
                 [&](cs::SendTo& e) {
                   // Byzantine validators never relay: honest relay alone must carry liveness.
                   if (node.byzantine) return;
                   if (SignerOf(e.message) == i) CheckSigned(i, e.message);
                   ++report_.relayed;
                   Send(Packet{i, e.validator, Packet::Kind::kConsensus, cs::EncodeMessage(e.message), 0, 0, {}});
                 },
                 [&](cs::ScheduleTimeout& e) {
                   report_.max_round = std::max(report_.max_round, e.round);
                   Push(e.duration_ms, Fire{i, node.epoch, cs::TimeoutFired{e.height, e.round, e.step}});
                 },
                 [&](cs::BuildProposal& e) {
                   Bytes block;
                   const Hash256 hash = NewBlock(e.height, true, &block);
                   Push(random_.Between(0, scenario_.app_delay_max_ms),
                        Fire{i, node.epoch, cs::ProposalBuilt{e.height, e.round, std::move(block), hash}});
                 },
                 [&](cs::ValidateBlock& e) {
                   auto it = blocks_.find(e.block_hash);
                   const bool valid = it != blocks_.end() && it->second.valid && it->second.height == e.height;
                   Push(random_.Between(0, scenario_.app_delay_max_ms),
                        Fire{i, node.epoch, cs::BlockValidated{e.height, e.block_hash, valid}});
                 },
                 [&](cs::WaitForTxs& e) {
                   // Txs reach each validator on their own schedule, or not at all (then the
                   // heartbeat, or another validator that has them, starts the height).
                   if (!random_.Chance(scenario_.txs_chance)) return;
                   Push(random_.Between(0, scenario_.txs_delay_max_ms),
                        Fire{i, node.epoch, cs::TxsAvailable{e.height}});
                 },
                 [&](cs::CommitBlock& e) { CommitDecided(i, e); },
                 [&](cs::RecordEvidence& e) { CheckEvidence(i, e); },
                 [&](cs::RequestDecision& e) {
                   for (std::uint32_t peer : e.ahead) {
                     Send(Packet{i, peer, Packet::Kind::kDecisionRequest, {}, e.height, 0, {}});
                   }
                 },
             },
             effect);
}

std::optional<std::uint32_t> World::SignerOf(const cs::Message& message) {
  if (const auto* v = std::get_if<cs::Vote>(&message)) return v->validator_index;
  if (const auto* p = std::get_if<cs::Proposal>(&message)) return p->proposer_index;
  return std::nullopt;
}

void World::CommitDecided(std::uint32_t i, const cs::CommitBlock& commit) {
  Node& node = nodes_[i];
  if (!node.byzantine) CheckCommit(i, commit);
  node.chain.push_back(commit);
  StoreAppend(i, commit);
  CompactWal(i, commit.height);
}

// Observers and the liar stand outside the partitions (they are not on the validators' sides).
bool World::Partitioned(std::uint32_t from, std::uint32_t to) const {
  if (from >= validators_ || to >= validators_) return false;
  for (const Partition& p : scenario_.partitions) {
    if (now_ < p.from_ms || now_ >= p.until_ms) continue;
    if (p.side[from] >= 0 && p.side[to] >= 0 && p.side[from] != p.side[to]) return true;
  }
  return false;
}

void World::Send(Packet packet) { Send(std::move(packet), random_); }

// Consensus traffic draws from random_, the node's sync traffic from node_random_.
void World::Send(Packet packet, Random& random, std::uint64_t extra_delay_ms) {
  const auto delay = [&] {
    if (healed_) {
      return extra_delay_ms +
             random.Between(scenario_.min_delay_ms, std::min<std::uint64_t>(scenario_.max_delay_ms, 100));
    }
    std::uint64_t d = extra_delay_ms + random.Between(scenario_.min_delay_ms, scenario_.max_delay_ms);
    if (random.Chance(scenario_.delay_spike)) d += random.Between(0, 2000);
    if (scenario_.hold_back_leaders && nodes_[packet.from].chain.size() > nodes_[packet.to].chain.size()) {
      d += random.Between(500, 3000);
    }
    return d;
  };
  if (!healed_ && (random.Chance(scenario_.drop) || Partitioned(packet.from, packet.to))) return;
  if (random.Chance(scenario_.duplicate)) Push(delay(), Deliver{packet});
  Push(delay(), Deliver{std::move(packet)});
}

void World::Receive(Packet packet) {
  Node& node = nodes_[packet.to];
  if (!node.up) return;
  ++report_.messages_delivered;
  if (packet.kind != Packet::Kind::kConsensus && packet.kind != Packet::Kind::kDecisionRequest) {
    return ReceiveSync(packet);
  }
  if (!node.core) return;  // repairing its store: consensus waits
  if (packet.kind == Packet::Kind::kDecisionRequest) {
    // Served from the block store (checksummed); Byzantine validators withhold.
    if (node.byzantine || packet.height == 0 || packet.height > node.chain.size()) return;
    std::optional<cs::CommitBlock> c = StoreRead(packet.to, packet.height);
    if (!c) return StopOnDamage(packet.to, packet.height, "decision request");
    CheckServed(packet.to, *c);
    if (report_.ok) SendMessage(packet.to, packet.from, cs::Decision{c->block, c->certificate});
    return;
  }
  auto message = cs::DecodeMessage(packet.payload, cs::MaxMessageBytes(config_));
  if (!message.ok()) {
    ++report_.rejected[message.status().code()];
    Trace(packet.to, "!!", [&] {
      return "undecodable bytes from n" + std::to_string(packet.from) + ": " + message.status().ToString();
    });
    return;
  }
  if (node.byzantine) {
    ByzantineReceive(*message);
    ByzantineLinger(packet.to, *message);
  }
  Handle(packet.to, cs::MessageReceived{std::move(*message), packet.from});
}

void World::CrashNow(std::uint32_t i) {
  Node& node = nodes_[i];
  node.up = false;
  node.torn_crash_pending = false;
  node.tear_block_write.reset();
  ++node.epoch;
  node.core.reset();
  node.sync.reset();
  Trace(i, "xx", [] { return "crashed"; });
}

void World::Restart(std::uint32_t i) {
  Node& node = nodes_[i];
  assert(!node.up);
  if (node.role != Role::kLiar) {
    std::uint64_t damaged_head = 0;
    node.chain = StoreOpen(i, &damaged_head);
    if (damaged_head > 0) {
      // What `shanliu-node repair` does before the node runs again: salvage the intact blocks and
      // fetch the rest from peers (certified, re-checked), up to the head the damaged store had.
      ++report_.repairs;
      node.repair_to = std::max(node.repair_to, damaged_head);
    }
  }
  if (IsValidator(i)) {
    // Wal::Open truncates a torn tail when the node opens it, before any repair.
    auto replay = node::DecodeWalFrames(node.wal);
    if (replay.ok()) node.wal.resize(replay->valid_bytes);
  }
  node.up = true;
  node.claimed = UINT64_MAX;
  if (node.role != Role::kLiar && !node.byzantine) NewSync(i);
  if (IsValidator(i) && node.repair_to == 0) StartConsensus(i);
  if (!report_.ok) return;
  Random& random = IsValidator(i) ? random_ : node_random_;
  Push(random.Between(0, kGossipTickMs - 1), Tick{i, node.epoch});
}

void World::StartConsensus(std::uint32_t i) {
  Node& node = nodes_[i];
  auto replay = node::DecodeWalFrames(node.wal);
  if (!replay.ok()) {
    return Fail("validator " + std::to_string(i) + " cannot replay its WAL: " + replay.status().ToString());
  }
  node.wal.resize(replay->valid_bytes);  // as Wal::Open truncates a torn tail
  std::vector<cs::WalRecord> records;
  node.persisted.clear();
  for (const Bytes& frame : replay->records) {
    auto record = cs::DecodeWalRecord(frame);
    if (!record.ok()) return Fail("validator " + std::to_string(i) + " WAL record: " + record.status().ToString());
    records.push_back(*record);
    node.persisted.emplace(record->height, record->round, record->kind, record->block_hash);
  }
  Trace(i, "xx", [&] {
    return "restart with " + std::to_string(records.size()) + " WAL records, " +
           std::to_string(replay->torn_tail_bytes) + " torn bytes dropped";
  });
  Boot(i, records);
  Handle(i, cs::Start{node.chain.size() + 1});
}

void World::CompactWal(std::uint32_t i, std::uint64_t committed_height) {
  Node& node = nodes_[i];
  auto replay = node::DecodeWalFrames(node.wal);
  assert(replay.ok() && replay->torn_tail_bytes == 0);  // appends are whole frames while alive
  Bytes kept;
  node.persisted.clear();
  for (const Bytes& frame : replay->records) {
    const cs::WalRecord record = *cs::DecodeWalRecord(frame);
    if (record.height <= committed_height) continue;
    AppendRaw(kept, node::EncodeWalFrame(frame));
    node.persisted.emplace(record.height, record.round, record.kind, record.block_hash);
  }
  node.wal = std::move(kept);
}

void World::Heal() {
  healed_ = true;
  for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
    if (!nodes_[i].up) Restart(i);
  }
  target_height_ = MaxHonestHeight() + kHeightsAfterHeal;
  deadline_ = now_ + (scenario_.boundary ? kBoundaryRunAfterHealMs : kLivenessBoundMs);
  if (options_.trace) *options_.trace << "[t=" << now_ << "] healed; target height " << target_height_ << "\n";
}

Hash256 World::NewBlock(std::uint64_t height, bool valid, Bytes* block) {
  block->clear();
  AppendU64(*block, height);
  const Hash256 parent = ParentOf(height);  // the header chain: every block names the one below
  AppendRaw(*block, parent);
  for (std::uint64_t n = random_.Between(16, 56); n > 0; --n) {
    block->push_back(static_cast<std::uint8_t>(random_.Next()));
  }
  const Hash256 hash = *BlockIdentity(*block);
  blocks_[hash] = BlockInfo{height, valid};
  return hash;
}

std::uint64_t World::MinHonestHeight() const {
  std::uint64_t lowest = UINT64_MAX;
  for (std::uint32_t i = 0; i < validators_; ++i) {
    if (!nodes_[i].byzantine) lowest = std::min<std::uint64_t>(lowest, nodes_[i].chain.size());
  }
  return lowest;
}

std::uint64_t World::MaxHonestHeight() const {
  std::uint64_t highest = 0;
  for (std::uint32_t i = 0; i < validators_; ++i) {
    if (!nodes_[i].byzantine) highest = std::max<std::uint64_t>(highest, nodes_[i].chain.size());
  }
  return highest;
}

std::uint64_t World::MinObserverHeight() const {
  std::uint64_t lowest = UINT64_MAX;
  for (const Node& node : nodes_) {
    if (node.role == Role::kObserver) lowest = std::min<std::uint64_t>(lowest, node.chain.size());
  }
  return lowest == UINT64_MAX ? 0 : lowest;
}

}  // namespace shanliu::sim
