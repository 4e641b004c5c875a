// The protobuf wire format of consensus messages (node/proto/consensus.proto).
#include <algorithm>
#include <cassert>
#include <limits>

#include "shanliu/node/consensus.h"
#include "shanliu/pb/consensus.pb.h"

namespace shanliu::node::consensus {
namespace {

namespace wire = pb::consensus;

Status Malformed(const std::string& why) { return Status::Error("malformed", why); }

template <std::size_t N>
Status CopyFixed(const std::string& field, std::string_view name, std::array<std::uint8_t, N>& out) {
  if (field.size() != N) {
    return Malformed(std::string(name) + " must be " + std::to_string(N) + " bytes, got " +
                     std::to_string(field.size()));
  }
  std::copy(field.begin(), field.end(), out.begin());
  return Status::Ok();
}

std::string AsString(ByteView bytes) { return std::string(AsChars(bytes)); }

Result<Message> FromWire(const wire::Proposal& in) {
  Proposal p;
  p.height = in.height();
  p.round = in.round();
  if (in.has_valid_round()) {
    if (in.valid_round() == kNoValidRound) return Malformed("proposal valid round out of range");
    p.valid_round = in.valid_round();
  }
  SHANLIU_RETURN_IF_ERROR(CopyFixed(in.block_hash(), "proposal block hash", p.block_hash));
  p.block.assign(in.block().begin(), in.block().end());
  p.proposer_index = in.proposer_index();
  SHANLIU_RETURN_IF_ERROR(CopyFixed(in.signature(), "proposal signature", p.signature));
  if (static_cast<std::size_t>(in.polka_size()) > kMaxValidators) {
    return Malformed("polka larger than any validator set");
  }
  if (in.polka_size() > 0 && !p.valid_round) return Malformed("polka on a proposal without a valid round");
  for (const wire::PolkaSignature& entry : in.polka()) {
    PolkaSignature prevote;
    prevote.validator_index = entry.validator_index();
    SHANLIU_RETURN_IF_ERROR(CopyFixed(entry.signature(), "polka signature", prevote.signature));
    p.polka.push_back(prevote);
  }
  return Message(std::move(p));
}

Result<Message> FromWire(const wire::Vote& in) {
  Vote v;
  if (in.type() != static_cast<std::uint32_t>(VoteType::kPrevote) &&
      in.type() != static_cast<std::uint32_t>(VoteType::kPrecommit)) {
    return Malformed("unknown vote type " + std::to_string(in.type()));
  }
  v.type = static_cast<VoteType>(in.type());
  v.height = in.height();
  v.round = in.round();
  SHANLIU_RETURN_IF_ERROR(CopyFixed(in.block_hash(), "vote block hash", v.block_hash));
  v.validator_index = in.validator_index();
  SHANLIU_RETURN_IF_ERROR(CopyFixed(in.signature(), "vote signature", v.signature));
  return Message(v);
}

Result<Message> FromWire(const wire::Decision& in) {
  Decision d;
  d.block.assign(in.block().begin(), in.block().end());
  if (!d.certificate.ParseFromString(in.commit_certificate())) return Malformed("commit certificate does not parse");
  return Message(std::move(d));
}

Result<std::vector<bool>> BitsFromWire(const std::string& field, std::uint32_t count, std::string_view name) {
  if (field.size() != (static_cast<std::size_t>(count) + 7) / 8) {
    return Malformed(std::string(name) + " bitmap must be " + std::to_string((count + 7) / 8) + " bytes for " +
                     std::to_string(count) + " validators, got " + std::to_string(field.size()));
  }
  std::vector<bool> bits(count, false);
  for (std::size_t i = 0; i < field.size() * 8; ++i) {
    const bool set = (static_cast<std::uint8_t>(field[i / 8]) >> (i % 8)) & 1u;
    if (i < count) {
      bits[i] = set;
    } else if (set) {
      return Malformed(std::string(name) + " bitmap has bits set past the validator count");
    }
  }
  return bits;
}

std::string BitsToWire(const std::vector<bool>& bits) {
  std::string out((bits.size() + 7) / 8, '\0');
  for (std::size_t i = 0; i < bits.size(); ++i) {
    if (bits[i]) out[i / 8] = static_cast<char>(static_cast<std::uint8_t>(out[i / 8]) | (1u << (i % 8)));
  }
  return out;
}

Result<Message> FromWire(const wire::RoundStatus& in) {
  if (in.validator_count() == 0 || in.validator_count() > kMaxValidators) {
    return Malformed("round status validator count must be 1.." + std::to_string(kMaxValidators));
  }
  RoundStatus r;
  r.height = in.height();
  r.round = in.round();
  r.has_proposal = in.has_proposal();
  if (in.has_decided_round_lacking_proposal()) r.decided_round_lacking_proposal = in.decided_round_lacking_proposal();
  auto prevotes = BitsFromWire(in.prevotes(), in.validator_count(), "prevotes");
  if (!prevotes.ok()) return prevotes.status();
  auto precommits = BitsFromWire(in.precommits(), in.validator_count(), "precommits");
  if (!precommits.ok()) return precommits.status();
  r.prevotes = std::move(*prevotes);
  r.precommits = std::move(*precommits);
  return Message(std::move(r));
}

}  // namespace

std::size_t MaxMessageBytes(const Config& config) {
  // A Decision carries a block and a certificate of up to kMaxValidators signatures (~75 bytes each).
  return config.max_block_bytes + 128 * 1024;
}

Bytes EncodeMessage(const Message& message) {
  wire::ConsensusMessage out;
  if (const auto* p = std::get_if<Proposal>(&message)) {
    wire::Proposal* w = out.mutable_proposal();
    w->set_height(p->height);
    w->set_round(p->round);
    if (p->valid_round) w->set_valid_round(*p->valid_round);
    w->set_block_hash(AsString(p->block_hash));
    w->set_block(AsString(p->block));
    w->set_proposer_index(p->proposer_index);
    w->set_signature(AsString(p->signature));
    for (const PolkaSignature& prevote : p->polka) {
      wire::PolkaSignature* entry = w->add_polka();
      entry->set_validator_index(prevote.validator_index);
      entry->set_signature(AsString(prevote.signature));
    }
  } else if (const auto* v = std::get_if<Vote>(&message)) {
    wire::Vote* w = out.mutable_vote();
    w->set_type(static_cast<std::uint32_t>(v->type));
    w->set_height(v->height);
    w->set_round(v->round);
    w->set_block_hash(AsString(v->block_hash));
    w->set_validator_index(v->validator_index);
    w->set_signature(AsString(v->signature));
  } else if (const auto* d = std::get_if<Decision>(&message)) {
    wire::Decision* w = out.mutable_decision();
    w->set_block(AsString(d->block));
    w->set_commit_certificate(d->certificate.SerializeAsString());
  } else {
    const auto& r = std::get<RoundStatus>(message);
    assert(r.prevotes.size() == r.precommits.size() && r.prevotes.size() <= kMaxValidators);
    wire::RoundStatus* w = out.mutable_round_status();
    w->set_height(r.height);
    w->set_round(r.round);
    w->set_has_proposal(r.has_proposal);
    w->set_validator_count(static_cast<std::uint32_t>(r.prevotes.size()));
    w->set_prevotes(BitsToWire(r.prevotes));
    w->set_precommits(BitsToWire(r.precommits));
    if (r.decided_round_lacking_proposal) w->set_decided_round_lacking_proposal(*r.decided_round_lacking_proposal);
  }
  std::string bytes = out.SerializeAsString();
  return Bytes(bytes.begin(), bytes.end());
}

Result<Message> DecodeMessage(ByteView bytes, std::size_t max_bytes) {
  if (bytes.size() > max_bytes || bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return Status::Error("oversize", "consensus message of " + std::to_string(bytes.size()) +
                                         " bytes exceeds the limit of " + std::to_string(max_bytes));
  }
  wire::ConsensusMessage in;
  if (!in.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return Malformed("not a consensus message");
  switch (in.kind_case()) {
    case wire::ConsensusMessage::kProposal:
      return FromWire(in.proposal());
    case wire::ConsensusMessage::kVote:
      return FromWire(in.vote());
    case wire::ConsensusMessage::kDecision:
      return FromWire(in.decision());
    case wire::ConsensusMessage::kRoundStatus:
      return FromWire(in.round_status());
    case wire::ConsensusMessage::KIND_NOT_SET:
      break;
  }
  return Malformed("consensus message without a kind");
}

}  // namespace shanliu::node::consensus
