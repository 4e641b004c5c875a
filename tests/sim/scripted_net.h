// A hand-driven network of consensus cores for etcd-raft style interaction tests: the test
// says which messages are delivered, which timeouts fire and who crashes, and compares the
// resulting transcript of effects with an expected one. Header-only so tests/unit can use it.
#pragma once

#include <cassert>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "shanliu/crypto/hash.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/node/consensus.h"
#include "shanliu/node/wal.h"

namespace shanliu::sim {

namespace cs = node::consensus;

inline constexpr std::string_view kTestChainId = "shanliu-sim";

// Deterministic validator keys: validator i of every test and every simulation.
inline crypto::KeyPair ValidatorKey(std::uint32_t index) {
  crypto::Seed seed{};
  seed[0] = 0x5a;
  seed[28] = static_cast<std::uint8_t>(index >> 24);
  seed[29] = static_cast<std::uint8_t>(index >> 16);
  seed[30] = static_cast<std::uint8_t>(index >> 8);
  seed[31] = static_cast<std::uint8_t>(index);
  return crypto::KeyPairFromSeed(seed);
}

// Blocks in tests and the simulator are opaque bytes identified by their SHA-256.
inline Result<Hash256> BlockIdentity(ByteView block) {
  if (block.empty()) return Status::Error("malformed", "empty block");
  return crypto::Sha256(block);
}

inline cs::Config MakeConfig(const std::vector<std::uint64_t>& powers) {
  cs::Config config;
  config.chain_id = std::string(kTestChainId);
  for (std::size_t i = 0; i < powers.size(); ++i) {
    config.validators.push_back(ledger::Validator{ValidatorKey(static_cast<std::uint32_t>(i)).public_key, powers[i],
                                                  std::string("org-").append(std::to_string(i))});
  }
  config.block_hash = BlockIdentity;
  config.propose_timeout = {1000, 100};
  config.prevote_timeout = {500, 100};
  config.precommit_timeout = {500, 100};
  return config;
}

inline cs::Vote SignedVote(std::uint32_t validator, cs::VoteType type, std::uint64_t height, std::uint32_t round,
                           const Hash256& block_hash) {
  cs::Vote vote{type, height, round, block_hash, validator, {}};
  vote.signature = crypto::SignRaw(ValidatorKey(validator).secret_key,
                                   ledger::VoteSignBytes(kTestChainId, type, height, round, block_hash));
  return vote;
}

inline cs::Proposal SignedProposal(std::uint32_t proposer, std::uint64_t height, std::uint32_t round,
                                   std::optional<std::uint32_t> valid_round, const Bytes& block) {
  cs::Proposal proposal{height, round, valid_round, *BlockIdentity(block), block, proposer, {}, {}};
  proposal.signature =
      crypto::SignRaw(ValidatorKey(proposer).secret_key,
                      cs::ProposalSignBytes(kTestChainId, height, round, valid_round, proposal.block_hash));
  return proposal;
}

class ScriptedNet {
 public:
  explicit ScriptedNet(std::vector<std::uint64_t> powers, const std::function<void(cs::Config&)>& adjust = {})
      : config_(MakeConfig(powers)), nodes_(powers.size()) {
    if (adjust) adjust(config_);
    for (std::uint32_t i = 0; i < nodes_.size(); ++i) Boot(i, {});
  }

  std::size_t size() const { return nodes_.size(); }
  const cs::Config& config() const { return config_; }
  cs::Core& core(std::uint32_t i) { return *nodes_[i].core; }
  const std::vector<cs::CommitBlock>& commits(std::uint32_t i) const { return nodes_[i].commits; }
  const std::vector<cs::RecordEvidence>& evidence(std::uint32_t i) const { return nodes_[i].evidence; }
  const Bytes& wal_body(std::uint32_t i) const { return nodes_[i].wal_body; }
  std::size_t queued(std::uint32_t to) const { return nodes_[to].inbox.size(); }

  // A block the test refers to by name; invalid ones fail validation everywhere.
  Hash256 NameBlock(const Bytes& block, const std::string& label, bool valid = true) {
    const Hash256 hash = *BlockIdentity(block);
    labels_[cs::ShortHash(hash)] = label;
    if (!valid) invalid_.insert(hash);
    return hash;
  }
  Bytes BlockFor(std::uint64_t height, std::uint32_t round, std::uint32_t proposer) const {
    std::ostringstream text;  // (not string operator+: GCC 12 -Wrestrict misfires on it at -O3)
    text << "block h=" << height << " r=" << round << " by=" << proposer;
    return ToBytes(text.str());
  }
  // From now on the blocks the proposer builds for (height, round) fail validation.
  void MarkInvalid(std::uint64_t height, std::uint32_t round, std::uint32_t proposer) {
    invalid_.insert(*BlockIdentity(BlockFor(height, round, proposer)));
  }

  // The application builds blocks up to this height only, so a script ends quietly instead of
  // committing heights forever.
  void BuildUpTo(std::uint64_t height) { build_up_to_ = height; }

  std::string Start(std::uint64_t height = 1) {
    std::string out;
    for (std::uint32_t i = 0; i < nodes_.size(); ++i) out += Feed(i, cs::Start{height});
    return out;
  }
  std::string StartOne(std::uint32_t i, std::uint64_t height = 1) { return Feed(i, cs::Start{height}); }

  // Delivers every queued message to `to` (only those from `from`, if given), in order.
  std::string Deliver(std::uint32_t to, std::optional<std::uint32_t> from = std::nullopt) {
    std::string out;
    std::deque<std::pair<std::uint32_t, cs::Message>> keep;
    while (!nodes_[to].inbox.empty()) {
      auto [sender, message] = std::move(nodes_[to].inbox.front());
      nodes_[to].inbox.pop_front();
      if (from && sender != *from) {
        keep.emplace_back(sender, std::move(message));
        continue;
      }
      out += Feed(to, cs::MessageReceived{std::move(message), sender});
    }
    nodes_[to].inbox = std::move(keep);
    return out;
  }
  // Delivers until no node has anything queued.
  std::string Stabilize() {
    std::string out;
    for (bool any = true; any;) {
      any = false;
      for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
        if (nodes_[i].inbox.empty()) continue;
        any = true;
        out += Deliver(i);
      }
    }
    return out;
  }
  // Drops everything queued for `to`.
  void Discard(std::uint32_t to) { nodes_[to].inbox.clear(); }

  // Fires the latest timeout that node scheduled for the step.
  std::string Fire(std::uint32_t i, cs::Step step) {
    auto it = nodes_[i].timeouts.find(step);
    assert(it != nodes_[i].timeouts.end());
    return Feed(i, it->second);
  }
  std::string Tick(std::uint32_t i) { return Feed(i, cs::GossipTick{}); }
  // The application tells a waiting core that txs arrived (the answer to WaitForTxs).
  std::string TxsArrive(std::uint32_t i, std::uint64_t height) { return Feed(i, cs::TxsAvailable{height}); }
  bool HasTimeout(std::uint32_t i, cs::Step step) const { return nodes_[i].timeouts.count(step) != 0; }
  std::string Send(std::uint32_t to, cs::Message message, std::optional<std::uint32_t> from = std::nullopt) {
    return Feed(to, cs::MessageReceived{std::move(message), from});
  }

  void Cut(std::uint32_t a, std::uint32_t b) {
    cut_.insert({a, b});
    cut_.insert({b, a});
  }
  void Isolate(std::uint32_t i) {
    for (std::uint32_t j = 0; j < nodes_.size(); ++j) {
      if (j != i) Cut(i, j);
    }
  }
  void HealAll() { cut_.clear(); }

  // Loses the core's memory and its queued messages; the WAL and the committed blocks stay.
  void Crash(std::uint32_t i) {
    nodes_[i].core.reset();
    nodes_[i].inbox.clear();
    nodes_[i].timeouts.clear();
  }
  // Feeds the event, but the validator dies while writing the next WAL record: only the first
  // `bytes_written` bytes of that record reach the disk, and nothing after it happens.
  std::string CrashWhileWriting(std::uint32_t i, cs::Event event, std::size_t bytes_written) {
    crash_at_persist_ = {i, bytes_written};
    std::string out = Feed(i, std::move(event));
    assert(!crash_at_persist_ && !nodes_[i].core);  // it did write, and it died
    return out;
  }
  // Rebuilds the core from its WAL and starts it at the height after its last commit.
  std::string Restart(std::uint32_t i) {
    auto replay = node::DecodeWalFrames(nodes_[i].wal_body);
    assert(replay.ok());
    nodes_[i].wal_body.resize(replay->valid_bytes);  // as Wal::Open truncates a torn tail
    std::vector<cs::WalRecord> records;
    for (const Bytes& frame : replay->records) records.push_back(*cs::DecodeWalRecord(frame));
    Boot(i, records);
    return Feed(i, cs::Start{nodes_[i].commits.size() + 1});
  }

  std::string Label(std::string text) const {
    for (const auto& [hex, label] : labels_) {
      for (std::size_t at = text.find(hex); at != std::string::npos; at = text.find(hex, at)) {
        text.replace(at, hex.size(), label);
      }
    }
    return text;
  }

 private:
  struct Node {
    std::optional<cs::Core> core;
    Bytes wal_body;
    std::deque<std::pair<std::uint32_t, cs::Message>> inbox;
    std::map<cs::Step, cs::TimeoutFired> timeouts;
    std::vector<cs::CommitBlock> commits;
    std::vector<cs::RecordEvidence> evidence;
  };

  void Boot(std::uint32_t i, const std::vector<cs::WalRecord>& records) {
    auto core = cs::Core::Create(config_, ValidatorKey(i), records);
    assert(core.ok());
    nodes_[i].core.emplace(std::move(*core));
  }

  // Feeds one event, performs its effects and the application's answers; returns the transcript.
  std::string Feed(std::uint32_t i, cs::Event event) {
    std::ostringstream out;
    std::deque<cs::Event> pending;
    pending.push_back(std::move(event));
    while (!pending.empty()) {
      cs::Event next = std::move(pending.front());
      pending.pop_front();
      if (!nodes_[i].core) return out.str();  // crashed
      cs::Output output = nodes_[i].core->Handle(std::move(next));
      if (!output.status.ok()) out << i << ": ! " << output.status.code() << "\n";
      for (cs::Effect& effect : output.effects) {
        out << i << ": " << Label(cs::Describe(effect)) << "\n";
        if (crash_at_persist_ && crash_at_persist_->first == i && std::holds_alternative<cs::PersistWal>(effect)) {
          const Bytes frame = node::EncodeWalFrame(cs::EncodeWalRecord(std::get<cs::PersistWal>(effect).record));
          assert(crash_at_persist_->second < frame.size());
          nodes_[i].wal_body.insert(nodes_[i].wal_body.end(), frame.begin(),
                                    frame.begin() + static_cast<std::ptrdiff_t>(crash_at_persist_->second));
          out << i << ": crashed after writing " << crash_at_persist_->second << " of " << frame.size() << " bytes\n";
          crash_at_persist_.reset();
          Crash(i);
          return out.str();
        }
        Perform(i, std::move(effect), pending);
      }
    }
    return out.str();
  }

  void Perform(std::uint32_t i, cs::Effect effect, std::deque<cs::Event>& pending) {
    Node& node = nodes_[i];
    if (auto* e = std::get_if<cs::PersistWal>(&effect)) {
      AppendRaw(node.wal_body, node::EncodeWalFrame(cs::EncodeWalRecord(e->record)));
    } else if (auto* e = std::get_if<cs::Broadcast>(&effect)) {
      for (std::uint32_t j = 0; j < nodes_.size(); ++j) {
        if (j != i && !cut_.count({i, j}) && nodes_[j].core) nodes_[j].inbox.emplace_back(i, e->message);
      }
    } else if (auto* e = std::get_if<cs::SendTo>(&effect)) {
      if (!cut_.count({i, e->validator}) && nodes_[e->validator].core) nodes_[e->validator].inbox.emplace_back(i, e->message);
    } else if (auto* e = std::get_if<cs::ScheduleTimeout>(&effect)) {
      node.timeouts[e->step] = cs::TimeoutFired{e->height, e->round, e->step};
    } else if (auto* e = std::get_if<cs::BuildProposal>(&effect)) {
      if (e->height > build_up_to_) return;
      Bytes block = BlockFor(e->height, e->round, i);
      std::ostringstream label;
      label << "B" << e->height << "." << e->round;
      const Hash256 hash = NameBlock(block, label.str());
      pending.push_back(cs::ProposalBuilt{e->height, e->round, std::move(block), hash});
    } else if (auto* e = std::get_if<cs::ValidateBlock>(&effect)) {
      pending.push_back(cs::BlockValidated{e->height, e->block_hash, !invalid_.count(e->block_hash)});
    } else if (auto* e = std::get_if<cs::CommitBlock>(&effect)) {
      node.commits.push_back(*e);
    } else if (auto* e = std::get_if<cs::RecordEvidence>(&effect)) {
      node.evidence.push_back(*e);
    } else if (auto* e = std::get_if<cs::RequestDecision>(&effect)) {
      for (std::uint32_t peer : e->ahead) {
        const Node& served = nodes_[peer];
        if (e->height <= served.commits.size() && !cut_.count({peer, i})) {
          const cs::CommitBlock& c = served.commits[e->height - 1];
          node.inbox.emplace_back(peer, cs::Decision{c.block, c.certificate});
        }
      }
    }
  }

  cs::Config config_;
  std::vector<Node> nodes_;
  std::set<std::pair<std::uint32_t, std::uint32_t>> cut_;
  std::map<std::string, std::string> labels_;  // short hash -> name
  std::set<Hash256> invalid_;
  std::uint64_t build_up_to_ = 1;
  std::optional<std::pair<std::uint32_t, std::size_t>> crash_at_persist_;  // validator, bytes that land
};

}  // namespace shanliu::sim
