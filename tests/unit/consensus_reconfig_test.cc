// Validator set changes in one consensus core (docs/consensus.md section 8, "Reconfiguration"): the set
// comes with Start and NextValidators, and every rule of a height uses that height's set —
// proposer, quorum, admission, relay targets — while a removed validator's votes are refused
// by name and a core outside the set signs nothing.
#include <doctest/doctest.h>

#include <algorithm>

#include "../sim/scripted_net.h"

namespace {

using namespace shanliu;
using sim::SignedProposal;
using sim::SignedVote;
namespace cs = node::consensus;
using cs::VoteType;

const Hash256 kNil = cs::kNilHash;

ledger::Validator Member(std::uint32_t key, std::uint64_t power = 1) {
  return ledger::Validator{sim::ValidatorKey(key).public_key, power, "org-" + std::to_string(key)};
}

// Genesis: keys 0..3. Later: key 1 removed, key 4 added (index 3 in the new set).
std::vector<ledger::Validator> Genesis() { return {Member(0), Member(1), Member(2), Member(3)}; }
std::vector<ledger::Validator> Changed() { return {Member(0), Member(2), Member(3), Member(4)}; }

cs::Core MakeCore(std::uint32_t signer) {
  auto core = cs::Core::Create(sim::MakeConfig({1, 1, 1, 1}), sim::ValidatorKey(signer));
  REQUIRE(core.ok());
  return std::move(*core);
}

std::string Code(const cs::Output& out) { return out.status.ok() ? "ok" : out.status.code(); }

bool SignsAnything(const cs::Output& out) {
  return std::any_of(out.effects.begin(), out.effects.end(), [](const cs::Effect& e) {
    const auto* b = std::get_if<cs::Broadcast>(&e);
    return std::holds_alternative<cs::PersistWal>(e) ||
           (b != nullptr && !std::holds_alternative<cs::RoundStatus>(b->message));
  });
}

}  // namespace

TEST_CASE("reconfig: votes of height h are checked against set(h), and a removed validator is refused by name") {
  cs::Core core = MakeCore(0);
  REQUIRE(core.Handle(cs::Start{5, Changed(), Changed()}).status.ok());
  CHECK(core.validators().size() == 4);
  // Key 4 is index 3 at this height: its vote counts.
  const cs::Vote joined = [] {
    cs::Vote v = SignedVote(4, VoteType::kPrevote, 5, 0, kNil);
    v.validator_index = 3;
    return v;
  }();
  CHECK(Code(core.Handle(cs::MessageReceived{joined})) == "ok");
  // Key 1 was index 1; index 1 is key 2 now. Its vote is refused as a removed validator's.
  CHECK(Code(core.Handle(cs::MessageReceived{SignedVote(1, VoteType::kPrevote, 5, 0, kNil)})) ==
        "not_in_validator_set");
  // Key 3 signing as index 3 (key 4's place) is only a bad signature.
  CHECK(Code(core.Handle(cs::MessageReceived{SignedVote(3, VoteType::kPrevote, 5, 0, kNil)})) == "bad_signature");
}

TEST_CASE("reconfig: a removed validator keeps voting after the change and every vote is refused") {
  cs::Core core = MakeCore(0);
  REQUIRE(core.Handle(cs::Start{1, Genesis(), Changed()}).status.ok());
  // Height 1 (genesis set): key 1 votes as index 1, counted. Decide height 1 with keys 1, 2, 3.
  Bytes block{1, 2, 3};
  const cs::Proposal proposal = SignedProposal(cs::ProposerIndex(Genesis(), 1, 0), 1, 0, std::nullopt, block);
  (void)core.Handle(cs::MessageReceived{proposal});
  (void)core.Handle(cs::BlockValidated{1, proposal.block_hash, true});
  cs::Output decided;
  for (std::uint32_t v : {1u, 2u, 3u}) {
    decided = core.Handle(cs::MessageReceived{SignedVote(v, VoteType::kPrecommit, 1, 0, proposal.block_hash)});
  }
  REQUIRE(std::any_of(decided.effects.begin(), decided.effects.end(),
                      [](const cs::Effect& e) { return std::holds_alternative<cs::CommitBlock>(e); }));
  CHECK(core.snapshot().height == 2);
  CHECK(core.validators().size() == 4);
  CHECK(core.validators()[3].public_key == sim::ValidatorKey(4).public_key);  // set(2), given in advance
  // Height 2: key 1 is out; its prevote and precommit are refused with the typed reason.
  for (const VoteType type : {VoteType::kPrevote, VoteType::kPrecommit}) {
    CHECK(Code(core.Handle(cs::MessageReceived{SignedVote(1, type, 2, 0, kNil)})) == "not_in_validator_set");
  }
}

TEST_CASE("reconfig: buffered next-height messages are checked again when that height's set is given") {
  cs::Core core = MakeCore(0);
  REQUIRE(core.Handle(cs::Start{1, Genesis(), Genesis()}).status.ok());
  // Key 1's vote for height 2 passes against the provisional set(2) and is buffered.
  CHECK(Code(core.Handle(cs::MessageReceived{SignedVote(1, VoteType::kPrevote, 2, 0, kNil)})) == "ok");
  // Now set(2) is known to lack key 1: the buffered vote is refused, by name.
  const cs::Output out = core.Handle(cs::NextValidators{2, Changed()});
  CHECK(out.status.ok());
  REQUIRE(out.refused.size() == 1);
  CHECK(out.refused[0].code() == "not_in_validator_set");
  // NextValidators must be for the next height, with a well-formed set.
  CHECK(Code(core.Handle(cs::NextValidators{3, Changed()})) == "stale");
  CHECK(Code(core.Handle(cs::NextValidators{2, {Member(0), Member(0)}})) == "malformed");
  CHECK(Code(core.Handle(cs::Start{7, {Member(0, 0)}, {}})) == "malformed");
}

TEST_CASE("reconfig: a core outside the set follows without signing, and signs from the height that adds it") {
  cs::Core joiner = MakeCore(4);
  cs::Output out = joiner.Handle(cs::Start{3, Genesis(), Changed()});
  CHECK(!joiner.snapshot().member);
  CHECK_FALSE(SignsAnything(out));
  for (const cs::Step step : {cs::Step::kPropose, cs::Step::kPrevote, cs::Step::kPrecommit}) {
    out = joiner.Handle(cs::TimeoutFired{3, 0, step});
    CHECK_FALSE(SignsAnything(out));
  }
  out = joiner.Handle(cs::GossipTick{});
  out = joiner.Handle(cs::GossipTick{});
  CHECK_FALSE(SignsAnything(out));
  // Block sync brought the store to height 4: at height 4 the set holds key 4 (index 3).
  out = joiner.Handle(cs::Start{4, Changed(), Changed()});
  CHECK(joiner.snapshot().member);
  CHECK(joiner.snapshot().validator_index == 3);
  out = joiner.Handle(cs::TimeoutFired{4, 0, cs::Step::kPropose});
  CHECK(SignsAnything(out));  // a nil prevote, recorded in the WAL first
}

TEST_CASE("reconfig: broadcasts reach the validators of this height and the next, so a joiner hears the height before") {
  cs::Core core = MakeCore(0);
  const cs::Output out = core.Handle(cs::Start{3, Genesis(), Changed()});
  (void)out;
  const cs::Output timed_out = core.Handle(cs::TimeoutFired{3, 0, cs::Step::kPropose});
  bool found = false;
  for (const cs::Effect& e : timed_out.effects) {
    const auto* b = std::get_if<cs::Broadcast>(&e);
    if (b == nullptr) continue;
    found = true;
    std::vector<crypto::PublicKey> expected;
    for (std::uint32_t k : {1u, 2u, 3u, 4u}) expected.push_back(sim::ValidatorKey(k).public_key);
    CHECK(b->to == expected);
  }
  CHECK(found);
}

TEST_CASE("reconfig: the proposer and the quorum follow the height's set") {
  // Re-weighted: key 0 holds 4 of 7. Its prevote alone is no quorum; with key 2's (1) it is 5 of 7.
  const std::vector<ledger::Validator> weighted = {Member(0, 4), Member(2), Member(3), Member(4)};
  cs::Core core = MakeCore(3);
  REQUIRE(core.Handle(cs::Start{9, weighted, weighted}).status.ok());
  const std::uint32_t proposer = cs::ProposerIndex(weighted, 9, 0);
  Bytes block{9, 9};
  cs::Proposal p = SignedProposal(proposer == 0 ? 0 : (proposer == 1 ? 2 : proposer == 2 ? 3 : 4), 9, 0,
                                  std::nullopt, block);
  p.proposer_index = proposer;
  CHECK(Code(core.Handle(cs::MessageReceived{p})) == "ok");
  cs::Proposal wrong = p;
  wrong.round = 1;
  wrong.proposer_index = (cs::ProposerIndex(weighted, 9, 1) + 1) % 4;
  CHECK(Code(core.Handle(cs::MessageReceived{wrong})) == "not_proposer");
  (void)core.Handle(cs::BlockValidated{9, p.block_hash, true});
  cs::Output out = core.Handle(cs::MessageReceived{SignedVote(0, VoteType::kPrecommit, 9, 0, p.block_hash)});
  CHECK(core.snapshot().height == 9);  // 4 of 7 is not more than 2/3
  cs::Vote second = SignedVote(2, VoteType::kPrecommit, 9, 0, p.block_hash);
  second.validator_index = 1;
  out = core.Handle(cs::MessageReceived{second});
  CHECK(core.snapshot().height == 10);  // 5 of 7 is
}

TEST_CASE("reconfig: after a restart the WAL repeats the same vote under the index of that height's set") {
  // Key 3 is index 3 in the genesis set and index 2 in the changed one, effective at height 6.
  std::vector<cs::WalRecord> records;
  cs::Vote first;
  {
    cs::Core core = MakeCore(3);
    (void)core.Handle(cs::Start{6, Changed(), Changed()});
    const cs::Output out = core.Handle(cs::TimeoutFired{6, 0, cs::Step::kPropose});
    for (const cs::Effect& e : out.effects) {
      if (const auto* p = std::get_if<cs::PersistWal>(&e)) records.push_back(p->record);
      if (const auto* b = std::get_if<cs::Broadcast>(&e)) first = std::get<cs::Vote>(b->message);
    }
  }
  REQUIRE(records.size() == 1);
  CHECK(first.validator_index == 2);
  auto restarted = cs::Core::Create(sim::MakeConfig({1, 1, 1, 1}), sim::ValidatorKey(3), records);
  REQUIRE(restarted.ok());
  const cs::Output out = restarted->Handle(cs::Start{6, Changed(), Changed()});
  bool repeated = false;
  for (const cs::Effect& e : out.effects) {
    if (const auto* b = std::get_if<cs::Broadcast>(&e); b && std::holds_alternative<cs::Vote>(b->message)) {
      const cs::Vote& again = std::get<cs::Vote>(b->message);
      CHECK(again.validator_index == 2);
      CHECK(again.signature == first.signature);
      repeated = true;
    }
  }
  CHECK(repeated);
  // The proposer's timeout again: the WAL says it already prevoted nil, so nothing new is signed.
  const cs::Output again = restarted->Handle(cs::TimeoutFired{6, 0, cs::Step::kPropose});
  CHECK(std::none_of(again.effects.begin(), again.effects.end(),
                     [](const cs::Effect& e) { return std::holds_alternative<cs::PersistWal>(e); }));
}
