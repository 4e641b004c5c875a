// Byzantine validators: an honest core underneath, and lies on the way out. The adversary is
// one mind: all Byzantine validators remember the same proposals and split the honest ones the
// same way in each round (side 0 and side 1), which is the strongest attack on agreement.
#include <algorithm>
#include <map>

#include "scripted_net.h"
#include "world.h"

namespace shanliu::sim {

void World::ByzantineReceive(const cs::Message& message) {
  const auto* p = std::get_if<cs::Proposal>(&message);
  if (p == nullptr) return;
  std::vector<Hash256>& seen = values_[{p->height, p->round}];
  if (std::find(seen.begin(), seen.end(), p->block_hash) == seen.end()) seen.push_back(p->block_hash);
}

// Side 0 hears what the Byzantine core decided; side 1 hears another value of the round if the
// adversary knows one, else the opposite of the real vote (nil for a value, a value for nil).
Hash256 World::ValueForSide(std::uint64_t height, std::uint32_t round, int side, const Hash256& own_vote) const {
  if (side == 0) return own_vote;
  if (auto it = values_.find({height, round}); it != values_.end()) {
    for (const Hash256& value : it->second) {
      if (value != own_vote) return value;
    }
  }
  return cs::kNilHash;
}

// How the adversary splits the honest validators, by a plan drawn for each height: the
// scenario's split; no split; a random split for every round and message kind; or "fork a
// favourite": prevotes to everyone (all lock), precommits and proposals telling the truth only
// to one favourite, and once a round has an alternative value, prevotes for it to the rest. The favourite may decide
// alone while the rest, locked, go on to the next round and hear a fresh alternative proposal: exactly where the
// locking rules earn their keep.
const std::vector<int>& World::SplitFor(std::uint64_t height, std::uint32_t round, int kind) {
  auto [it, drawn] = splits_.try_emplace({height, round, kind}, scenario_.side);
  if (!drawn) return it->second;
  std::vector<int>& side = it->second;
  auto [plan, new_height] = plans_.try_emplace(height, 0, 0);
  if (new_height) {
    std::vector<std::uint32_t> honest;
    for (std::uint32_t v = 0; v < validators_; ++v) {
      if (!nodes_[v].byzantine) honest.push_back(v);
    }
    // With a full third of the power the fork is within reach: try it more often.
    const int strategy = scenario_.boundary && random_.Chance(0.5) ? 2 : static_cast<int>(random_.Between(0, 3));
    plan->second = {strategy, random_.Pick(honest)};
    if (options_.trace) {
      static constexpr const char* kNames[] = {"scenario split", "no split", "fork a favourite", "random splits"};
      *options_.trace << "[t=" << now_ << "] adversary plan for h=" << height << ": " << kNames[plan->second.first]
                      << " (favourite n" << plan->second.second << ")\n";
    }
  }
  const auto [strategy, favourite] = plan->second;
  switch (strategy) {
    case 0:
      break;
    case 1:
      side.assign(validators_, 0);
      break;
    case 2: {
      // Prevotes go to everyone alike until the round has a second value to push.
      auto values = values_.find({height, round});
      const bool alternative_known = values != values_.end() && values->second.size() > 1;
      side.assign(validators_, kind == 1 && !alternative_known ? 0 : 1);
      side[favourite] = 0;
      break;
    }
    default:
      for (int& s : side) s = static_cast<int>(random_.Between(0, 1));
  }
  for (std::uint32_t v = 0; v < validators_; ++v) {
    if (nodes_[v].byzantine) side[v] = 0;  // fellow Byzantine validators hear the real thing
  }
  return side;
}

void World::SendMessage(std::uint32_t from, std::uint32_t to, const cs::Message& message) {
  if (audience_ != nullptr && !(*audience_)[to]) return;
  Send(Packet{from, to, Packet::Kind::kConsensus, cs::EncodeMessage(message), 0, 0, {}});
}

const std::vector<bool>& World::AudienceFor(std::uint32_t b, std::uint64_t height, std::uint32_t round, int kind) {
  auto [it, fresh] = audiences_.try_emplace({b, height, round, kind});
  if (fresh) {
    it->second.assign(validators_, false);
    for (std::uint32_t j = 0; j < validators_; ++j) it->second[j] = j != b && random_.Chance(0.5);
  }
  return it->second;
}

void World::ByzantineBroadcast(std::uint32_t b, const cs::Message& message) {
  const Byzantine& how = scenario_.behaviour[b];
  if (how.silent) return;
  if (how.selective) {
    std::uint64_t height = 0;
    std::uint32_t round = 0;
    if (const auto* v = std::get_if<cs::Vote>(&message)) std::tie(height, round) = std::tie(v->height, v->round);
    if (const auto* p = std::get_if<cs::Proposal>(&message)) std::tie(height, round) = std::tie(p->height, p->round);
    if (const auto* r = std::get_if<cs::RoundStatus>(&message)) std::tie(height, round) = std::tie(r->height, r->round);
    int kind = 3;  // a status
    if (std::holds_alternative<cs::Proposal>(message)) kind = 0;
    if (const auto* v = std::get_if<cs::Vote>(&message)) kind = v->type == cs::VoteType::kPrevote ? 1 : 2;
    audience_ = &AudienceFor(b, height, round, kind);
    ByzantineSend(b, message);
    audience_ = nullptr;
    return;
  }
  ByzantineSend(b, message);
}

void World::ByzantineSend(std::uint32_t b, const cs::Message& message) {
  const Byzantine& how = scenario_.behaviour[b];
  if (how.garbage && random_.Chance(0.2)) SendGarbage(b);

  if (const auto* p = std::get_if<cs::Proposal>(&message)) {
    const std::vector<int> side = SplitFor(p->height, p->round, 0);
    ByzantineReceive(message);
    std::optional<cs::Proposal> alternative;
    if (how.equivocate_proposals) {
      Bytes block;
      NewBlock(p->height, !(how.invalid_blocks && random_.Chance(0.7)), &block);
      alternative = SignedProposal(b, p->height, p->round, std::nullopt, block);
      ByzantineReceive(*alternative);
    }
    for (std::uint32_t j = 0; j < validators_; ++j) {
      if (j != b) SendMessage(b, j, alternative && side[j] == 1 ? *alternative : *p);
    }
    return;
  }
  const auto* v = std::get_if<cs::Vote>(&message);
  if (v == nullptr) {
    for (std::uint32_t j = 0; j < validators_; ++j) {
      if (j != b) SendMessage(b, j, message);
    }
    return;
  }
  const std::vector<int> side = SplitFor(v->height, v->round, v->type == cs::VoteType::kPrevote ? 1 : 2);
  std::map<Hash256, cs::Vote> signed_for;  // one signature per value, not per receiver
  signed_for.emplace(v->block_hash, *v);
  for (std::uint32_t j = 0; j < validators_; ++j) {
    if (j == b) continue;
    cs::Vote out = *v;
    if (how.double_vote) {
      const Hash256 value = ValueForSide(v->height, v->round, side[j], v->block_hash);
      auto it = signed_for.find(value);
      if (it == signed_for.end()) {
        it = signed_for.emplace(value, SignedVote(b, v->type, v->height, v->round, value)).first;
      }
      out = it->second;
    }
    if (how.forge_signatures && random_.Chance(0.1)) out.signature[random_.Between(0, 63)] ^= 0x01;
    SendMessage(b, j, out);
  }
  if (!how.forge_signatures) return;
  // Votes in every honest validator's name for what each side is being told, with signatures
  // that cannot verify: a core that skips the check sees a quorum that never existed.
  for (int told = 0; told <= 1; ++told) {
    const Hash256 value = ValueForSide(v->height, v->round, told, v->block_hash);
    if (value == cs::kNilHash) continue;
    if (!forged_.emplace(v->height, v->round, static_cast<std::uint8_t>(v->type), told).second) continue;
    for (std::uint32_t victim = 0; victim < validators_; ++victim) {
      if (victim == b || nodes_[victim].byzantine) continue;
      cs::Vote forged{v->type, v->height, v->round, value, victim, {}};
      for (std::uint8_t& byte : forged.signature) byte = static_cast<std::uint8_t>(random_.Next());
      for (std::uint32_t j = 0; j < validators_; ++j) {
        if (j != victim && !nodes_[j].byzantine && side[j] == told) SendMessage(b, j, forged);
      }
    }
  }
}

// Honest validators still working on a height the Byzantine core has left: the adversary keeps
// playing there, proposing a fresh value when it is the proposer and voting for the newest value
// of each round other than the one it decided (nil while it knows none, again once one appears).
void World::ByzantineLinger(std::uint32_t b, const cs::Message& message) {
  const Byzantine& how = scenario_.behaviour[b];
  std::uint64_t height = 0;
  std::uint32_t round = 0, sender = 0;
  if (const auto* v = std::get_if<cs::Vote>(&message)) {
    std::tie(height, round, sender) = std::make_tuple(v->height, v->round, v->validator_index);
  } else if (const auto* p = std::get_if<cs::Proposal>(&message)) {
    std::tie(height, round, sender) = std::make_tuple(p->height, p->round, p->proposer_index);
  } else {
    return;
  }
  if (how.silent || nodes_[sender].byzantine || height >= nodes_[b].core->snapshot().height) return;
  for (std::uint32_t r = round; r <= round + 1 && r <= config_.max_round; ++r) {
    if (how.equivocate_proposals && cs::ProposerIndex(config_.validators, height, r) == b &&
        lingered_proposals_.emplace(b, height, r).second) {
      Bytes block;
      NewBlock(height, !(how.invalid_blocks && random_.Chance(0.7)), &block);
      const cs::Proposal fresh = SignedProposal(b, height, r, std::nullopt, block);
      ByzantineReceive(fresh);
      for (std::uint32_t j = 0; j < validators_; ++j) {
        if (!nodes_[j].byzantine) SendMessage(b, j, fresh);
      }
    }
    if (!how.double_vote) continue;
    // Never the value its own core decided there: the point is a second decision.
    const Hash256 decided = nodes_[b].chain.size() >= height ? nodes_[b].chain[height - 1].block_hash : cs::kNilHash;
    Hash256 value = cs::kNilHash;
    if (auto values = values_.find({height, r}); values != values_.end()) {
      for (const Hash256& known : values->second) {
        if (known != decided) value = known;
      }
    }
    if (!lingered_votes_.emplace(b, height, r, value).second) continue;
    for (cs::VoteType type : {cs::VoteType::kPrevote, cs::VoteType::kPrecommit}) {
      const cs::Vote vote = SignedVote(b, type, height, r, value);
      for (std::uint32_t j = 0; j < validators_; ++j) {
        if (!nodes_[j].byzantine) SendMessage(b, j, vote);
      }
    }
  }
}

// Hostile input of every kind a peer could send: the cores must drop each with a reason.
void World::SendGarbage(std::uint32_t from) {
  std::uint32_t to = static_cast<std::uint32_t>(random_.Between(0, validators_ - 2));
  if (to >= from) ++to;
  Packet packet{from, to, Packet::Kind::kConsensus, {}, 0, 0, {}};
  const cs::Core::Snapshot where = nodes_[from].core->snapshot();
  switch (random_.Between(0, 5)) {
    case 0:  // noise
      for (std::uint64_t n = random_.Between(0, 200); n > 0; --n) {
        packet.payload.push_back(static_cast<std::uint8_t>(random_.Next()));
      }
      break;
    case 1: {  // a real message cut short
      packet.payload =
          cs::EncodeMessage(SignedVote(from, cs::VoteType::kPrevote, where.height, where.round, cs::kNilHash));
      packet.payload.resize(random_.Between(1, packet.payload.size() - 1));
      break;
    }
    case 2:  // larger than any message may be
      packet.payload.assign(cs::MaxMessageBytes(config_) + 1, 0x0a);
      break;
    case 3: {  // a validator that does not exist
      cs::Vote vote{cs::VoteType::kPrecommit,
                    where.height,
                    where.round,
                    cs::kNilHash,
                    static_cast<std::uint32_t>(validators_ + random_.Between(0, 100)),
                    {}};
      packet.payload = cs::EncodeMessage(vote);
      break;
    }
    case 4:  // a round no honest validator will reach
      packet.payload = cs::EncodeMessage(
          SignedVote(from, cs::VoteType::kPrevote, where.height,
                     config_.max_round + 1 + static_cast<std::uint32_t>(random_.Between(0, 1000)), cs::kNilHash));
      break;
    default: {  // a proposal out of turn
      Bytes block;
      NewBlock(where.height, true, &block);
      packet.payload = cs::EncodeMessage(SignedProposal(from, where.height, where.round + 1, std::nullopt, block));
      break;
    }
  }
  Send(std::move(packet));
}

}  // namespace shanliu::sim
