// The invariants, checked as the effects happen.
#include <sstream>

#include "scripted_net.h"
#include "world.h"

namespace shanliu::sim {
namespace {

cs::WalRecordKind KindOf(const cs::Vote& vote) {
  return vote.type == cs::VoteType::kPrevote ? cs::WalRecordKind::kPrevote : cs::WalRecordKind::kPrecommit;
}

}  // namespace

// An honest validator never signs two different things for one (height, round, kind) — not even
// across crashes — and never sends a signed message before its WAL record is durable.
void World::CheckSigned(std::uint32_t i, const cs::Message& message) {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  cs::WalRecordKind kind{};
  Hash256 block_hash{};
  if (const auto* v = std::get_if<cs::Vote>(&message)) {
    height = v->height;
    round = v->round;
    kind = KindOf(*v);
    block_hash = v->block_hash;
  } else if (const auto* p = std::get_if<cs::Proposal>(&message)) {
    height = p->height;
    round = p->round;
    kind = cs::WalRecordKind::kProposal;
    block_hash = p->block_hash;
  } else {
    return;  // decisions carry other validators' signatures
  }
  if (!nodes_[i].persisted.count({height, round, kind, block_hash})) {
    return Fail("validator " + std::to_string(i) + " sent " + cs::Describe(message) + " before persisting it");
  }
  auto [it, inserted] = honest_signed_.try_emplace({i, height, round, kind}, block_hash);
  if (!inserted && it->second != block_hash) {
    return Fail("double sign: honest validator " + std::to_string(i) + " signed " + cs::ShortHash(it->second) +
                " and then " + cs::Describe(message));
  }
}

void World::CheckCommit(std::uint32_t i, const cs::CommitBlock& commit) {
  const Node& node = nodes_[i];
  const std::string who = "validator " + std::to_string(i);
  if (commit.height != node.chain.size() + 1) {
    return Fail(who + " committed height " + std::to_string(commit.height) + " after " +
                std::to_string(node.chain.size()));
  }
  auto [it, first] = decided_.try_emplace(commit.height, i, commit.block_hash);
  if (!first && it->second.second != commit.block_hash) {
    return Fail("agreement: at height " + std::to_string(commit.height) + " validator " +
                std::to_string(it->second.first) + " committed " + cs::ShortHash(it->second.second) + " but " + who +
                " committed " + cs::ShortHash(commit.block_hash));
  }
  auto block = blocks_.find(commit.block_hash);
  const Result<Hash256> identity = BlockIdentity(commit.block);
  if (block == blocks_.end() || !block->second.valid || block->second.height != commit.height || !identity.ok() ||
      *identity != commit.block_hash) {
    return Fail("validity: " + who + " committed block " + cs::ShortHash(commit.block_hash) + " at height " +
                std::to_string(commit.height) + ", which the application does not find valid");
  }
  // Many validators commit the very same certificate; each distinct one is checked once.
  const Status& certificate = CertificateStatus(commit.certificate, commit.height, commit.block_hash);
  if (!certificate.ok()) {
    return Fail("certificate: " + who + " committed height " + std::to_string(commit.height) +
                " with a certificate that does not verify: " + certificate.ToString());
  }
}

// Evidence needs two valid signatures, so evidence against an honest validator means it did
// double-sign (or a core accepted a signature it should not have).
void World::CheckEvidence(std::uint32_t i, const cs::RecordEvidence& evidence) {
  std::uint32_t accused = 0;
  if (const auto* v = std::get_if<cs::VoteEquivocation>(&evidence.evidence)) {
    accused = v->first.validator_index;
  } else {
    accused = std::get<cs::ProposalEquivocation>(evidence.evidence).first.proposer_index;
  }
  if (scenario_.IsByzantine(accused)) {
    ++report_.evidence;
    return;
  }
  if (nodes_[i].byzantine) return;  // what a Byzantine core concludes proves nothing
  Fail("evidence against honest validator " + std::to_string(accused) + " recorded by validator " + std::to_string(i) +
       ": " + cs::Describe(cs::Effect(evidence)));
}

}  // namespace shanliu::sim
