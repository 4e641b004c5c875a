// One-line renderings of messages, events and effects for logs, traces and test transcripts.
#include <algorithm>
#include <sstream>

#include "consensus_visit.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/node/consensus.h"

namespace shanliu::node::consensus {
namespace {

const char* StepName(Step step) {
  switch (step) {
    case Step::kWait:
      return "wait";
    case Step::kPropose:
      return "propose";
    case Step::kPrevote:
      return "prevote";
    case Step::kPrecommit:
      return "precommit";
  }
  return "?";
}

const char* VoteName(VoteType type) { return type == VoteType::kPrevote ? "prevote" : "precommit"; }

std::string HashOf(const std::string& bytes) {
  if (bytes.size() != 32) return "malformed";
  Hash256 hash;
  std::copy(bytes.begin(), bytes.end(), hash.begin());
  return ShortHash(hash);
}

std::string Round(std::optional<std::uint32_t> round) { return round ? std::to_string(*round) : "-"; }

}  // namespace

std::string ShortHash(const Hash256& hash) {
  if (hash == kNilHash) return "nil";
  return crypto::ToHex(ByteView(hash.data(), 4));
}

std::string Describe(const Message& message) {
  std::ostringstream s;
  std::visit(Overloaded{
                 [&](const Proposal& p) {
                   s << "proposal h=" << p.height << " r=" << p.round << " vr=" << Round(p.valid_round)
                     << " block=" << ShortHash(p.block_hash) << " from=" << p.proposer_index;
                   if (!p.polka.empty()) s << " polka=" << p.polka.size();
                 },
                 [&](const Vote& v) {
                   s << VoteName(v.type) << " h=" << v.height << " r=" << v.round
                     << " block=" << ShortHash(v.block_hash) << " from=" << v.validator_index;
                 },
                 [&](const Decision& d) {
                   s << "decision h=" << d.certificate.height() << " r=" << d.certificate.round()
                     << " block=" << HashOf(d.certificate.block_hash()) << " sigs=" << d.certificate.signatures_size();
                 },
                 [&](const RoundStatus& r) {
                   const auto held = [](const std::vector<bool>& bits) {
                     return std::count(bits.begin(), bits.end(), true);
                   };
                   s << "status h=" << r.height << " r=" << r.round << " proposal=" << (r.has_proposal ? "yes" : "no")
                     << " prevotes=" << held(r.prevotes) << " precommits=" << held(r.precommits);
                   if (r.decided_round_lacking_proposal) s << " lacks-decided-proposal=" << *r.decided_round_lacking_proposal;
                 },
             },
             message);
  return s.str();
}

std::string Describe(const WalRecord& record) {
  std::ostringstream s;
  switch (record.kind) {
    case WalRecordKind::kProposal:
      s << "proposal";
      break;
    case WalRecordKind::kPrevote:
      s << "prevote";
      break;
    case WalRecordKind::kPrecommit:
      s << "precommit";
      break;
    case WalRecordKind::kLock:
      s << "lock";
      break;
    case WalRecordKind::kValid:
      s << "valid";
      break;
    case WalRecordKind::kReceivedPrecommits:
      s << "received-precommits";
      break;
  }
  s << " h=" << record.height << " r=" << record.round << " block=" << ShortHash(record.block_hash);
  if (record.kind == WalRecordKind::kProposal) s << " vr=" << Round(record.valid_round);
  if (!record.polka.empty()) {
    s << (record.kind == WalRecordKind::kReceivedPrecommits ? " precommits=" : " polka=") << record.polka.size();
  }
  return s.str();
}

std::string Describe(const Event& event) {
  std::ostringstream s;
  std::visit(Overloaded{
                 [&](const Start& e) {
                   s << "start h=" << e.height;
                   if (!e.validators.empty()) s << " n=" << e.validators.size() << " next n=" << e.next_validators.size();
                 },
                 [&](const MessageReceived& e) { s << "receive " << Describe(e.message); },
                 [&](const TimeoutFired& e) {
                   s << "timeout-fired " << StepName(e.step) << " h=" << e.height << " r=" << e.round;
                 },
                 [&](const ProposalBuilt& e) {
                   s << "built h=" << e.height << " r=" << e.round << " block=" << ShortHash(e.block_hash);
                 },
                 [&](const BlockValidated& e) {
                   s << "validated h=" << e.height << " block=" << ShortHash(e.block_hash)
                     << (e.valid ? " valid" : " invalid");
                 },
                 [&](const GossipTick&) { s << "gossip-tick"; },
                 [&](const TxsAvailable& e) { s << "txs-available h=" << e.height; },
                 [&](const NextValidators& e) {
                   s << "next-validators h=" << e.height << " n=" << e.validators.size();
                 },
             },
             event);
  return s.str();
}

std::string Describe(const Effect& effect) {
  std::ostringstream s;
  std::visit(Overloaded{
                 [&](const Broadcast& e) { s << "broadcast " << Describe(e.message); },
                 [&](const SendTo& e) { s << "send-to " << e.validator << " " << Describe(e.message); },
                 [&](const PersistWal& e) { s << "persist " << Describe(e.record); },
                 [&](const ScheduleTimeout& e) {
                   s << "schedule " << StepName(e.step) << " h=" << e.height << " r=" << e.round << " " << e.duration_ms
                     << "ms";
                 },
                 [&](const BuildProposal& e) { s << "build h=" << e.height << " r=" << e.round; },
                 [&](const ValidateBlock& e) {
                   s << "validate h=" << e.height << " r=" << e.round << " block=" << ShortHash(e.block_hash);
                 },
                 [&](const CommitBlock& e) {
                   s << "commit h=" << e.height << " r=" << e.round << " block=" << ShortHash(e.block_hash)
                     << " sigs=" << e.certificate.signatures_size();
                 },
                 [&](const RecordEvidence& e) {
                   std::visit(Overloaded{
                                  [&](const VoteEquivocation& v) {
                                    s << "evidence " << VoteName(v.first.type) << " h=" << v.first.height
                                      << " r=" << v.first.round << " validator=" << v.first.validator_index << " "
                                      << ShortHash(v.first.block_hash) << "/" << ShortHash(v.second.block_hash);
                                  },
                                  [&](const ProposalEquivocation& p) {
                                    s << "evidence proposal h=" << p.first.height << " r=" << p.first.round
                                      << " validator=" << p.first.proposer_index << " " << ShortHash(p.first.block_hash)
                                      << "/" << ShortHash(p.second.block_hash);
                                  },
                              },
                              e.evidence);
                 },
                 [&](const RequestDecision& e) {
                   s << "request-decision h=" << e.height << " ahead=";
                   for (std::size_t i = 0; i < e.ahead.size(); ++i) s << (i ? "," : "") << e.ahead[i];
                 },
                 [&](const WaitForTxs& e) { s << "wait-for-txs h=" << e.height; },
             },
             effect);
  return s.str();
}

}  // namespace shanliu::node::consensus
