// The validator-set-change family of the simulator (docs/consensus.md section 8,
// "Reconfiguration"). A seed draws a genesis set and a schedule of changes
// (add, remove, re-weight, swap) effective at heights E1 < E2 < ..., as committed
// ValidatorSetChange txs would make them; the simulated adapter hands each core set(h) and
// set(h + 1) with Start and set(h + 2) after each commit of h, exactly as the node's adapter
// does from the ledger. Around it: message loss, delay spikes, crashes timed to land as a node
// enters an effective height (old or new set), a joining validator that is down until the
// network heals, and a removed validator that keeps voting (Byzantine) with its old index.
//
// Checked at every step: agreement (one block per height among honest nodes), validity (only
// valid blocks, each with a certificate that verifies against the scheduled set(h) — so a node
// that ignores a change is caught), no honest double signing and no honest signature at a height
// whose set lacks the signer; after the heal, liveness of every honest node, including removed
// ones (they follow) and joiners (they catch up and vote).
#include <algorithm>
#include <cassert>
#include <map>
#include <queue>
#include <set>
#include <sstream>
#include <tuple>
#include <variant>

#include "consensus_visit.h"
#include "random.h"
#include "scripted_net.h"
#include "shanliu/node/wal.h"
#include "signature_memo.h"
#include "simulator.h"

namespace shanliu::sim {
namespace {

using cs::Overloaded;

constexpr std::uint64_t kTickMs = 1'000;
constexpr std::uint64_t kLivenessMs = 120'000;
constexpr std::uint64_t kMaxEvents = 5'000'000;
constexpr std::uint32_t kJoiners = 2;  // keys beyond the genesis set that changes may add

struct SetChange {
  std::uint64_t effective_height = 0;
  std::vector<ledger::Validator> validators;  // the whole set from that height on
  std::string what;
};

struct HeightCrash {
  std::uint32_t node = 0;
  std::uint64_t at_height = 0;  // crashes as it enters this height (an effective height)
  std::uint64_t down_ms = 0;
};

struct Plan {
  std::vector<ledger::Validator> genesis;
  std::vector<SetChange> changes;
  std::optional<std::uint32_t> byzantine;    // removed by a change, keeps voting afterwards
  std::optional<std::uint32_t> slow_joiner;  // down from the start until the heal
  std::vector<HeightCrash> crashes;
  std::uint64_t heal_at_ms = 0;
  double drop = 0;
  std::uint64_t max_delay_ms = 1;
  double spike = 0;

  const std::vector<ledger::Validator>& SetAt(std::uint64_t height) const {
    const std::vector<ledger::Validator>* set = &genesis;
    for (const SetChange& c : changes) {
      if (c.effective_height <= height) set = &c.validators;
    }
    return *set;
  }
  std::string Describe() const;
};

// Deterministic keys (ValidatorKey), derived once: runs look them up on every message.
const crypto::KeyPair& Key(std::uint32_t k) {
  static const std::vector<crypto::KeyPair> keys = [] {
    std::vector<crypto::KeyPair> all;
    for (std::uint32_t i = 0; i < 80; ++i) all.push_back(ValidatorKey(i));
    return all;
  }();
  return keys.at(k);
}

ledger::Validator Member(std::uint32_t key, std::uint64_t power) {
  return ledger::Validator{Key(key).public_key, power, "org-" + std::to_string(key)};
}

bool InSet(const std::vector<ledger::Validator>& set, std::uint32_t key) {
  return std::any_of(set.begin(), set.end(),
                     [&](const ledger::Validator& v) { return v.public_key == Key(key).public_key; });
}

// One change to `set`, drawn: the keys not in it (joiners or removed ones) may be added.
SetChange DrawChange(Random& random, std::vector<ledger::Validator> set, std::uint32_t keys) {
  std::vector<std::uint32_t> outside;
  for (std::uint32_t k = 0; k < keys; ++k) {
    if (!InSet(set, k)) outside.push_back(k);
  }
  const auto remove_one = [&](SetChange& c) {
    const std::size_t at = random.Between(0, set.size() - 1);
    c.what += "remove " + set[at].org_id + " ";
    set.erase(set.begin() + static_cast<std::ptrdiff_t>(at));
  };
  SetChange change;
  const std::uint64_t kind = random.Between(0, 3);  // add, remove, re-weight, swap
  if ((kind == 1 || kind == 3) && set.size() > 3) remove_one(change);  // before the add: a swap
  if ((kind == 0 || kind == 3) && !outside.empty()) {
    const std::uint32_t key = random.Pick(outside);
    set.push_back(Member(key, random.Between(1, 3)));
    change.what += "add org-" + std::to_string(key) + " ";
  }
  if (kind == 2 || change.what.empty()) {
    ledger::Validator& v = set[random.Between(0, set.size() - 1)];
    v.voting_power = v.voting_power % 3 + 1;
    change.what += "re-weight " + v.org_id + " to " + std::to_string(v.voting_power) + " ";
  }
  change.validators = std::move(set);
  return change;
}

Plan DrawPlan(Random& random, std::uint32_t validators) {
  Plan plan;
  for (std::uint32_t k = 0; k < validators; ++k) plan.genesis.push_back(Member(k, random.Between(1, 3)));
  std::uint64_t effective = random.Between(3, 6);
  for (std::uint64_t n = random.Between(1, 3); n > 0; --n) {
    SetChange change = DrawChange(random, plan.SetAt(effective), validators + kJoiners);
    change.effective_height = effective;
    plan.changes.push_back(std::move(change));
    effective += random.Between(2, 5);
  }
  // A removed validator may turn Byzantine once outside the set.
  for (std::uint32_t k = 0; k < validators && !plan.byzantine; ++k) {
    if (!InSet(plan.SetAt(UINT64_MAX), k) && random.Chance(0.6)) plan.byzantine = k;
  }
  // A joiner may be down from the start: it catches up after the heal and then votes.
  for (std::uint32_t k = validators; k < validators + kJoiners && !plan.slow_joiner; ++k) {
    if (InSet(plan.SetAt(UINT64_MAX), k) && random.Chance(0.5)) plan.slow_joiner = k;
  }
  // Crashes as a node enters an effective height: of the set before or after the change.
  for (const SetChange& c : plan.changes) {
    if (!random.Chance(0.6)) continue;
    const auto& side = random.Chance(0.5) ? plan.SetAt(c.effective_height - 1) : c.validators;
    const ledger::Validator& v = side[random.Between(0, side.size() - 1)];
    for (std::uint32_t k = 0; k < validators + kJoiners; ++k) {
      if (Key(k).public_key == v.public_key && plan.byzantine != k && plan.slow_joiner != k) {
        plan.crashes.push_back(HeightCrash{k, c.effective_height, random.Between(500, 6'000)});
      }
    }
  }
  plan.heal_at_ms = random.Between(3'000, 25'000);
  plan.drop = random.Chance(0.5) ? static_cast<double>(random.Between(0, 20)) / 100 : 0;
  plan.max_delay_ms = random.Between(1, 400);
  plan.spike = static_cast<double>(random.Between(0, 10)) / 100;
  return plan;
}

std::string Plan::Describe() const {
  std::ostringstream s;
  s << "genesis";
  for (const ledger::Validator& v : genesis) s << " " << v.org_id << ":" << v.voting_power;
  for (const SetChange& c : changes) s << "; at " << c.effective_height << " " << c.what;
  if (byzantine) s << "; org-" << *byzantine << " keeps voting once removed";
  if (slow_joiner) s << "; org-" << *slow_joiner << " down until the heal";
  for (const HeightCrash& c : crashes) s << "; org-" << c.node << " crashes entering " << c.at_height;
  s << "; heal " << heal_at_ms << "ms drop " << drop << " delay<=" << max_delay_ms << "ms";
  return s.str();
}

class ReconfigWorld {
 public:
  explicit ReconfigWorld(const SimOptions& options);
  SimReport Run();

 private:
  struct Node {
    bool up = true;
    std::uint64_t epoch = 0;
    std::optional<cs::Core> core;
    Bytes wal;
    std::vector<cs::CommitBlock> chain;
    std::vector<std::uint64_t> claims;  // the head each peer last announced
  };
  struct Packet {
    enum class Kind : std::uint8_t { kConsensus, kClaim, kRequest };
    std::uint32_t from = 0, to = 0;
    Kind kind = Kind::kConsensus;
    Bytes payload;
    std::uint64_t height = 0;
  };
  struct Fire {
    std::uint32_t node = 0;
    std::uint64_t epoch = 0;
    cs::Event event;
  };
  struct Tick {
    std::uint32_t node = 0;
    std::uint64_t epoch = 0;
  };
  struct Restart {
    std::uint32_t node = 0;
  };
  struct Heal {};
  using What = std::variant<Packet, Fire, Tick, Restart, Heal>;
  struct Scheduled {
    std::uint64_t at = 0, seq = 0;
    What what;
    bool operator>(const Scheduled& o) const { return std::tie(at, seq) > std::tie(o.at, o.seq); }
  };

  void Push(std::uint64_t delay_ms, What what) { queue_.push(Scheduled{now_ + delay_ms, seq_++, std::move(what)}); }
  void Dispatch(What what);
  void Handle(std::uint32_t i, cs::Event event);
  void PerformOne(std::uint32_t i, cs::Effect& effect);
  void Send(Packet packet);
  void Receive(const Packet& packet);
  void Boot(std::uint32_t i);
  void CrashNow(std::uint32_t i, std::uint64_t down_ms);
  void DoHeal();
  void Committed(std::uint32_t i, const cs::CommitBlock& commit);
  void AskIfBehind(std::uint32_t i);
  void CheckSigned(std::uint32_t i, const cs::Message& message);
  void CheckCommit(std::uint32_t i, const cs::CommitBlock& commit);
  void RemovedVotes(const cs::Proposal& proposal);
  bool Honest(std::uint32_t i) const { return plan_.byzantine != i; }
  std::uint64_t MinHonestHeight() const;
  std::uint64_t MaxHonestHeight() const;
  void Fail(const std::string& what) {
    if (!report_.ok) return;
    report_.ok = false;
    report_.violation = "at t=" + std::to_string(now_) + "ms: " + what;
  }
  template <class F>
  void Trace(std::uint32_t i, const char* arrow, F&& describe) {
    if (options_.trace) *options_.trace << "[t=" << now_ << "] n" << i << " " << arrow << " " << describe() << "\n";
  }

  const SimOptions options_;
  Random random_;
  const Plan plan_;
  cs::Config config_;
  std::vector<Node> nodes_;
  std::priority_queue<Scheduled, std::vector<Scheduled>, std::greater<>> queue_;
  std::uint64_t now_ = 0, seq_ = 0, target_ = 0, deadline_ = 0;
  bool healed_ = false;
  std::map<Hash256, std::uint64_t> valid_blocks_;  // built blocks by hash: their height
  std::map<std::uint64_t, Hash256> decided_;
  std::map<std::tuple<std::uint32_t, std::uint64_t, std::uint32_t, int>, Hash256> signed_;  // node, h, r, kind
  std::set<std::pair<std::uint64_t, std::uint32_t>> removed_voted_;  // (height, round) the removed one voted
  SignatureMemo signatures_;
  SimReport report_;
};

ReconfigWorld::ReconfigWorld(const SimOptions& options)
    : options_(options),
      random_(options.seed * 0x2545F4914F6CDD1DULL + options.validators),
      plan_(DrawPlan(random_, options.validators)),
      nodes_(options.validators + kJoiners) {
  config_ = MakeConfig({});
  config_.validators = plan_.genesis;
  config_.propose_timeout = {300, 100};
  config_.prevote_timeout = {200, 100};
  config_.precommit_timeout = {200, 100};
  config_.max_block_bytes = 1024;
  config_.verify_signature = [this](const crypto::PublicKey& key, ByteView message, const crypto::Signature& sig) {
    return signatures_.Verify(key, message, sig);
  };
  report_.scenario = plan_.Describe();
  report_.set_changes = plan_.changes.size();
  for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
    nodes_[i].claims.assign(nodes_.size(), 0);
    if (plan_.slow_joiner == i) {
      nodes_[i].up = false;  // restarted by the heal
      continue;
    }
    Boot(i);
    Push(random_.Between(0, kTickMs - 1), Tick{i, 0});
  }
  Push(plan_.heal_at_ms, Heal{});
}

void ReconfigWorld::Boot(std::uint32_t i) {
  Node& node = nodes_[i];
  auto replay = node::DecodeWalFrames(node.wal);
  assert(replay.ok());
  std::vector<cs::WalRecord> records;
  for (const Bytes& frame : replay->records) records.push_back(*cs::DecodeWalRecord(frame));
  const cs::FaultSwitches faults = Honest(i) ? options_.faults.core : cs::FaultSwitches{};
  auto core = cs::CreateCoreWithFaults(config_, Key(i), records, faults);
  assert(core.ok());
  node.core.emplace(std::move(*core));
  const std::uint64_t h = node.chain.size() + 1;
  Handle(i, cs::Start{h, plan_.SetAt(h), plan_.SetAt(h + 1)});
}

SimReport ReconfigWorld::Run() {
  while (!queue_.empty() && report_.ok) {
    Scheduled next = queue_.top();
    queue_.pop();
    now_ = next.at;
    Dispatch(std::move(next.what));
    if (++report_.events > kMaxEvents) Fail("runaway: more than " + std::to_string(kMaxEvents) + " events");
    if (!report_.ok || !healed_) continue;
    if (MinHonestHeight() >= target_) break;
    if (now_ > deadline_) {
      Fail("liveness: " + std::to_string(kLivenessMs) + " ms after healing, an honest node is at height " +
           std::to_string(MinHonestHeight() + 1) + ", target " + std::to_string(target_));
    }
  }
  report_.sim_time_ms = now_;
  report_.min_honest_height = MinHonestHeight();
  report_.target_height = target_;
  return report_;
}

void ReconfigWorld::Dispatch(What what) {
  std::visit(Overloaded{
                 [&](Packet& p) { Receive(p); },
                 [&](Fire& f) {
                   if (nodes_[f.node].up && nodes_[f.node].epoch == f.epoch) Handle(f.node, std::move(f.event));
                 },
                 [&](Tick& t) {
                   Node& node = nodes_[t.node];
                   if (!node.up || node.epoch != t.epoch) return;
                   Handle(t.node, cs::GossipTick{});
                   for (std::uint32_t j = 0; j < nodes_.size(); ++j) {
                     if (j != t.node) Send(Packet{t.node, j, Packet::Kind::kClaim, {}, node.chain.size()});
                   }
                   AskIfBehind(t.node);
                   Push(kTickMs, Tick{t.node, t.epoch});
                 },
                 [&](Restart& r) {
                   Node& node = nodes_[r.node];
                   if (node.up) return;
                   node.up = true;
                   Trace(r.node, "xx", [&] { return "restart at height " + std::to_string(node.chain.size() + 1); });
                   Boot(r.node);
                   Push(random_.Between(0, kTickMs - 1), Tick{r.node, node.epoch});
                 },
                 [&](Heal&) { DoHeal(); },
             },
             what);
}

void ReconfigWorld::Handle(std::uint32_t i, cs::Event event) {
  Node& node = nodes_[i];
  Trace(i, "<-", [&] { return cs::Describe(event); });
  cs::Output output = node.core->Handle(std::move(event));
  output.refused.push_back(output.status);
  for (const Status& s : output.refused) {
    if (!s.ok()) ++report_.rejected[s.code()];
  }
  std::optional<std::uint64_t> decided;
  const std::uint64_t epoch = node.epoch;
  for (cs::Effect& effect : output.effects) {
    if (!report_.ok || node.epoch != epoch) return;  // crashed while performing them
    Trace(i, "->", [&] { return cs::Describe(effect); });
    if (const auto* c = std::get_if<cs::CommitBlock>(&effect)) decided = c->height;
    PerformOne(i, effect);
  }
  // As the node's adapter: set(h + 2) before anything else, the state at h fixes it.
  if (decided && node.up && node.epoch == epoch) {
    Handle(i, cs::NextValidators{*decided + 2, plan_.SetAt(*decided + 2)});
  }
}

void ReconfigWorld::PerformOne(std::uint32_t i, cs::Effect& effect) {
  Node& node = nodes_[i];
  std::visit(Overloaded{
                 [&](cs::PersistWal& e) { AppendRaw(node.wal, node::EncodeWalFrame(cs::EncodeWalRecord(e.record))); },
                 [&](cs::Broadcast& e) {
                   CheckSigned(i, e.message);
                   if (const auto* p = std::get_if<cs::Proposal>(&e.message)) RemovedVotes(*p);
                   const Bytes bytes = cs::EncodeMessage(e.message);
                   for (const crypto::PublicKey& key : e.to) {
                     for (std::uint32_t j = 0; j < nodes_.size(); ++j) {
                       if (Key(j).public_key == key) Send(Packet{i, j, Packet::Kind::kConsensus, bytes, 0});
                     }
                   }
                 },
                 [&](cs::SendTo& e) {
                   ++report_.relayed;
                   for (std::uint32_t j = 0; j < nodes_.size(); ++j) {
                     if (Key(j).public_key == e.to_key) {
                       Send(Packet{i, j, Packet::Kind::kConsensus, cs::EncodeMessage(e.message), 0});
                     }
                   }
                 },
                 [&](cs::ScheduleTimeout& e) {
                   report_.max_round = std::max(report_.max_round, e.round);
                   Push(e.duration_ms, Fire{i, node.epoch, cs::TimeoutFired{e.height, e.round, e.step}});
                 },
                 [&](cs::BuildProposal& e) {
                   Bytes block;
                   AppendU64(block, e.height);
                   for (int n = 0; n < 24; ++n) block.push_back(static_cast<std::uint8_t>(random_.Next()));
                   const Hash256 hash = *BlockIdentity(block);
                   valid_blocks_[hash] = e.height;
                   Push(random_.Between(0, 50), Fire{i, node.epoch, cs::ProposalBuilt{e.height, e.round, block, hash}});
                 },
                 [&](cs::ValidateBlock& e) {
                   const auto it = valid_blocks_.find(e.block_hash);
                   const bool valid = it != valid_blocks_.end() && it->second == e.height;
                   Push(random_.Between(0, 50), Fire{i, node.epoch, cs::BlockValidated{e.height, e.block_hash, valid}});
                 },
                 [&](cs::WaitForTxs& e) { Push(0, Fire{i, node.epoch, cs::TxsAvailable{e.height}}); },
                 [&](cs::CommitBlock& e) { Committed(i, e); },
                 [&](cs::RecordEvidence&) { ++report_.evidence; },
                 [&](cs::RequestDecision& e) {
                   for (const crypto::PublicKey& key : e.ahead_keys) {
                     for (std::uint32_t j = 0; j < nodes_.size(); ++j) {
                       if (Key(j).public_key == key) Send(Packet{i, j, Packet::Kind::kRequest, {}, e.height});
                     }
                   }
                 },
             },
             effect);
}

void ReconfigWorld::Send(Packet packet) {
  std::uint64_t delay = random_.Between(1, healed_ ? std::min<std::uint64_t>(plan_.max_delay_ms, 100) : plan_.max_delay_ms);
  if (!healed_) {
    if (random_.Chance(plan_.drop)) return;
    if (random_.Chance(plan_.spike)) delay += random_.Between(0, 2'000);
  }
  Push(delay, std::move(packet));
}

void ReconfigWorld::Receive(const Packet& packet) {
  Node& node = nodes_[packet.to];
  if (!node.up) return;
  ++report_.messages_delivered;
  switch (packet.kind) {
    case Packet::Kind::kClaim:
      node.claims[packet.from] = packet.height;
      return AskIfBehind(packet.to);
    case Packet::Kind::kRequest:
      // Served from the block store, as the node's block sync serves it.
      if (packet.height == 0 || packet.height > node.chain.size()) return;
      Send(Packet{packet.to, packet.from, Packet::Kind::kConsensus,
                  cs::EncodeMessage(cs::Decision{node.chain[packet.height - 1].block,
                                                 node.chain[packet.height - 1].certificate}),
                  0});
      return;
    case Packet::Kind::kConsensus:
      break;
  }
  auto message = cs::DecodeMessage(packet.payload, cs::MaxMessageBytes(config_));
  assert(message.ok());
  Handle(packet.to, cs::MessageReceived{std::move(*message), std::nullopt, Key(packet.from).public_key});
}

// Head announcements and block requests, in the small: a node behind a peer's claim asks that
// peer for its next block with the certificate (the core checks it against the set).
void ReconfigWorld::AskIfBehind(std::uint32_t i) {
  Node& node = nodes_[i];
  const std::uint64_t next = node.chain.size() + 1;
  for (std::uint32_t j = 0; j < nodes_.size(); ++j) {
    if (j != i && node.claims[j] >= next) {
      Send(Packet{i, j, Packet::Kind::kRequest, {}, next});
      return;
    }
  }
}

void ReconfigWorld::Committed(std::uint32_t i, const cs::CommitBlock& commit) {
  Node& node = nodes_[i];
  if (Honest(i)) CheckCommit(i, commit);
  node.chain.push_back(commit);
  // The WAL keeps the records above the committed height only.
  auto replay = node::DecodeWalFrames(node.wal);
  Bytes kept;
  for (const Bytes& frame : replay->records) {
    if (cs::DecodeWalRecord(frame)->height > commit.height) AppendRaw(kept, node::EncodeWalFrame(frame));
  }
  node.wal = std::move(kept);
  for (const HeightCrash& crash : plan_.crashes) {
    if (crash.node == i && crash.at_height == commit.height + 1 && !healed_) CrashNow(i, crash.down_ms);
  }
}

void ReconfigWorld::CrashNow(std::uint32_t i, std::uint64_t down_ms) {
  Node& node = nodes_[i];
  Trace(i, "xx", [&] { return "crash entering height " + std::to_string(node.chain.size() + 1); });
  node.up = false;
  ++node.epoch;
  node.core.reset();
  Push(down_ms, Restart{i});
}

void ReconfigWorld::DoHeal() {
  healed_ = true;
  for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
    if (!nodes_[i].up) Dispatch(Restart{i});
  }
  // Past every change, so each is crossed by every honest node.
  target_ = std::max(MaxHonestHeight() + 3, plan_.changes.back().effective_height + 2);
  deadline_ = now_ + kLivenessMs;
  if (options_.trace) *options_.trace << "[t=" << now_ << "] healed; target height " << target_ << "\n";
}

// What an honest node signs: never two different things for one (height, round, kind), and
// nothing at a height whose set does not hold its key.
void ReconfigWorld::CheckSigned(std::uint32_t i, const cs::Message& message) {
  if (!Honest(i)) return;
  std::uint64_t h = 0;
  std::uint32_t r = 0;
  int kind = 0;
  Hash256 hash{};
  if (const auto* p = std::get_if<cs::Proposal>(&message)) {
    std::tie(h, r, kind, hash) = std::make_tuple(p->height, p->round, 0, p->block_hash);
  } else if (const auto* v = std::get_if<cs::Vote>(&message)) {
    std::tie(h, r, kind, hash) = std::make_tuple(v->height, v->round, v->type == cs::VoteType::kPrevote ? 1 : 2,
                                                 v->block_hash);
  } else {
    return;
  }
  if (!InSet(plan_.SetAt(h), i)) {
    return Fail("membership: org-" + std::to_string(i) + " signed at height " + std::to_string(h) +
                ", whose set does not hold it");
  }
  const auto [it, first] = signed_.emplace(std::make_tuple(i, h, r, kind), hash);
  if (!first && it->second != hash) {
    Fail("double signing: org-" + std::to_string(i) + " signed two values at h=" + std::to_string(h) +
         " r=" + std::to_string(r));
  }
}

void ReconfigWorld::CheckCommit(std::uint32_t i, const cs::CommitBlock& commit) {
  const auto valid = valid_blocks_.find(commit.block_hash);
  if (valid == valid_blocks_.end() || valid->second != commit.height) {
    return Fail("validity: org-" + std::to_string(i) + " committed an invalid block at " +
                std::to_string(commit.height));
  }
  const auto& set = plan_.SetAt(commit.height);
  const Status certified = ledger::VerifyCommitCertificate(
      commit.certificate, kTestChainId, commit.height, commit.block_hash, set,
      [this](const crypto::PublicKey& k, ByteView m, const crypto::Signature& s) { return signatures_.Verify(k, m, s); });
  if (!certified.ok()) {
    return Fail("validity: the certificate of height " + std::to_string(commit.height) + " committed by org-" +
                std::to_string(i) + " does not verify against the scheduled set: " + certified.ToString());
  }
  const auto [it, first] = decided_.emplace(commit.height, commit.block_hash);
  if (!first && it->second != commit.block_hash) {
    return Fail("agreement: two blocks committed at height " + std::to_string(commit.height));
  }
  if (!first) return;
  // Count the signatures of validators that joined after genesis: the change took hold.
  for (const auto& sig : commit.certificate.signatures()) {
    const auto& key = set[sig.validator_index()].public_key;
    if (!std::any_of(plan_.genesis.begin(), plan_.genesis.end(),
                     [&](const ledger::Validator& v) { return v.public_key == key; })) {
      ++report_.joined_signatures;
    }
  }
}

// The removed Byzantine validator votes, with the index it last had, for every proposal it
// sees at heights whose set no longer holds it: honest cores must refuse every one.
void ReconfigWorld::RemovedVotes(const cs::Proposal& proposal) {
  if (!plan_.byzantine || !nodes_[*plan_.byzantine].up) return;
  const std::uint32_t b = *plan_.byzantine;
  if (InSet(plan_.SetAt(proposal.height), b)) return;
  if (!removed_voted_.emplace(proposal.height, proposal.round).second) return;
  std::uint32_t last_index = 0;
  for (std::uint64_t h = proposal.height; h > 0; --h) {
    const auto& set = plan_.SetAt(h);
    const auto it = std::find_if(set.begin(), set.end(),
                                 [&](const ledger::Validator& v) { return v.public_key == Key(b).public_key; });
    if (it != set.end()) {
      last_index = static_cast<std::uint32_t>(it - set.begin());
      break;
    }
  }
  for (const cs::VoteType type : {cs::VoteType::kPrevote, cs::VoteType::kPrecommit}) {
    cs::Vote vote{type, proposal.height, proposal.round, proposal.block_hash, last_index, {}};
    vote.signature = crypto::SignRaw(Key(b).secret_key,
                                     ledger::VoteSignBytes(kTestChainId, type, proposal.height, proposal.round,
                                                           proposal.block_hash));
    const Bytes bytes = cs::EncodeMessage(vote);
    for (std::uint32_t j = 0; j < nodes_.size(); ++j) {
      if (j != b) Send(Packet{b, j, Packet::Kind::kConsensus, bytes, 0});
    }
  }
}

std::uint64_t ReconfigWorld::MinHonestHeight() const {
  std::uint64_t lowest = UINT64_MAX;
  for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
    if (Honest(i)) lowest = std::min<std::uint64_t>(lowest, nodes_[i].chain.size());
  }
  return lowest;
}

std::uint64_t ReconfigWorld::MaxHonestHeight() const {
  std::uint64_t highest = 0;
  for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
    if (Honest(i)) highest = std::max<std::uint64_t>(highest, nodes_[i].chain.size());
  }
  return highest;
}

}  // namespace

SimReport SimulateReconfig(const SimOptions& options) { return ReconfigWorld(options).Run(); }

}  // namespace shanliu::sim
