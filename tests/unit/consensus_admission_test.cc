// Hostile input to one consensus core: every bad message is dropped with its reason and changes
// nothing; every bound holds; configuration and WAL contents are checked before the core runs.
#include <doctest/doctest.h>

#include "../sim/scripted_net.h"

namespace {

using namespace shanliu;
using sim::ScriptedNet;
using sim::SignedProposal;
using sim::SignedVote;
namespace cs = node::consensus;
using cs::Step;
using cs::VoteType;

const Hash256 kNil = cs::kNilHash;

Hash256 Filled(std::uint8_t byte) {
  Hash256 h;
  h.fill(byte);
  return h;
}

// Feeds one message to validator 0 of a fresh, started 4-validator network.
struct Fixture {
  ScriptedNet net{{1, 1, 1, 1}};
  Fixture() { (void)net.StartOne(0); }
  cs::Output Feed(cs::Message message) { return net.core(0).Handle(cs::MessageReceived{std::move(message)}); }
  std::string Code(cs::Message message) {
    const cs::Output out = Feed(std::move(message));
    return out.status.ok() ? "ok" : out.status.code();
  }
};

cs::Config ValidConfig() { return sim::MakeConfig({1, 1, 1, 1}); }

std::string CreateCode(const cs::Config& config, std::uint32_t signer = 0, std::vector<cs::WalRecord> records = {}) {
  auto core = cs::Core::Create(config, sim::ValidatorKey(signer), records);
  return core.ok() ? "ok" : core.status().code();
}

}  // namespace

TEST_CASE("votes: bad signatures, strangers, wrong chains and impossible rounds are dropped") {
  Fixture f;
  cs::Vote forged = SignedVote(2, VoteType::kPrevote, 1, 0, kNil);
  forged.signature[10] ^= 0x40;
  CHECK(f.Code(forged) == "bad_signature");

  cs::Vote impostor = SignedVote(2, VoteType::kPrevote, 1, 0, kNil);
  impostor.validator_index = 3;  // validator 2's signature under validator 3's name
  CHECK(f.Code(impostor) == "bad_signature");

  cs::Vote other_chain = SignedVote(2, VoteType::kPrevote, 1, 0, kNil);
  other_chain.signature = crypto::SignRaw(sim::ValidatorKey(2).secret_key,
                                          ledger::VoteSignBytes("another-chain", VoteType::kPrevote, 1, 0, kNil));
  CHECK(f.Code(other_chain) == "bad_signature");

  cs::Vote stranger = SignedVote(2, VoteType::kPrevote, 1, 0, kNil);
  stranger.validator_index = 4;
  CHECK(f.Code(stranger) == "unknown_validator");
  stranger.validator_index = UINT32_MAX;
  CHECK(f.Code(stranger) == "unknown_validator");

  CHECK(f.Code(SignedVote(2, VoteType::kPrevote, 1, 1001, kNil)) == "round_out_of_range");
  CHECK(f.Code(SignedVote(2, VoteType::kPrevote, 1, UINT32_MAX, kNil)) == "round_out_of_range");
  CHECK(f.Code(SignedVote(2, VoteType::kPrevote, 0, 0, kNil)) == "malformed");
  CHECK(f.Code(SignedVote(2, VoteType::kPrevote, 3, 0, kNil)) == "height_too_far");
  CHECK(f.Code(SignedVote(2, VoteType::kPrevote, UINT64_MAX, 0, kNil)) == "height_too_far");

  CHECK(f.Code(SignedVote(2, VoteType::kPrevote, 1, 0, kNil)) == "ok");
  CHECK(f.Code(SignedVote(2, VoteType::kPrevote, 1, 0, kNil)) == "duplicate");
  // Nothing above moved the core.
  CHECK(f.net.core(0).snapshot().round == 0);
  CHECK(f.net.core(0).snapshot().step == Step::kPropose);
}

TEST_CASE("proposals: only the round's proposer, only blocks that hash right, within the limits") {
  Fixture f;
  const Bytes block = ToBytes("a block");
  CHECK(f.Code(SignedProposal(2, 1, 0, std::nullopt, block)) == "not_proposer");  // 1 proposes (1, 0)

  cs::Proposal wrong_hash = SignedProposal(1, 1, 0, std::nullopt, block);
  wrong_hash.block = ToBytes("a different block");
  CHECK(f.Code(wrong_hash) == "block_hash_mismatch");

  cs::Proposal forged = SignedProposal(1, 1, 0, std::nullopt, block);
  forged.signature[0] ^= 1;
  CHECK(f.Code(forged) == "bad_signature");

  cs::Proposal nil_block = SignedProposal(1, 1, 0, std::nullopt, block);
  nil_block.block_hash = kNil;
  CHECK(f.Code(nil_block) == "malformed");

  CHECK(f.Code(SignedProposal(2, 1, 1, 1, block)) == "malformed");  // valid round not below the round
  cs::Proposal oversize = SignedProposal(1, 1, 0, std::nullopt, Bytes(f.net.config().max_block_bytes + 1, 7));
  CHECK(f.Code(oversize) == "oversize");
  cs::Proposal stranger = SignedProposal(1, 1, 0, std::nullopt, block);
  stranger.proposer_index = 9;
  CHECK(f.Code(stranger) == "unknown_validator");

  CHECK(f.Code(SignedProposal(1, 1, 0, std::nullopt, block)) == "ok");
  CHECK(f.Code(SignedProposal(1, 1, 0, std::nullopt, block)) == "duplicate");
}

TEST_CASE("polkas attached to proposals are checked like the votes they stand for") {
  Fixture f;
  const Bytes block = ToBytes("re-proposed");
  const Hash256 hash = *sim::BlockIdentity(block);
  auto with_polka = [&](std::vector<std::uint32_t> voters) {
    cs::Proposal p = SignedProposal(2, 1, 1, 0, block);  // 2 proposes (1, 1)
    for (std::uint32_t v : voters) p.polka.push_back({v, SignedVote(v, VoteType::kPrevote, 1, 0, hash).signature});
    return p;
  };
  CHECK(f.Code(with_polka({1, 2})) == "malformed");     // 2 of 4 is no quorum
  CHECK(f.Code(with_polka({1, 2, 2})) == "malformed");  // a validator twice
  CHECK(f.Code(with_polka({1, 2, 7})) == "malformed");  // a stranger
  cs::Proposal forged = with_polka({1, 2, 3});
  forged.polka[1].signature[3] ^= 8;
  CHECK(f.Code(forged) == "bad_signature");
  CHECK(f.Code(with_polka({1, 2, 3})) == "ok");
}

TEST_CASE("messages for the next height wait, bounded per validator, and older ones are dropped") {
  cs::Config config = ValidConfig();
  config.max_future_height_messages_per_validator = 2;
  auto core = cs::Core::Create(config, sim::ValidatorKey(0));
  REQUIRE(core.ok());
  auto feed = [&](const cs::Message& m) {
    const cs::Output out = core->Handle(cs::MessageReceived{m});
    return out.status.ok() ? std::string("ok") : out.status.code();
  };
  (void)core->Handle(cs::Start{1});
  // Three messages from validator 2 for height 2: the first is pushed out of its queue.
  CHECK(feed(SignedVote(2, VoteType::kPrevote, 2, 0, kNil)) == "ok");
  CHECK(feed(SignedVote(2, VoteType::kPrecommit, 2, 0, kNil)) == "ok");
  CHECK(feed(SignedVote(2, VoteType::kPrevote, 2, 1, kNil)) == "ok");
  CHECK(feed(SignedVote(2, VoteType::kPrevote, 1, 0, kNil)) == "ok");
  (void)core->Handle(cs::Start{2});  // height 1 was committed elsewhere (block sync)
  CHECK(feed(SignedVote(2, VoteType::kPrecommit, 2, 0, kNil)) == "duplicate");  // kept
  CHECK(feed(SignedVote(2, VoteType::kPrevote, 2, 1, kNil)) == "duplicate");    // kept
  CHECK(feed(SignedVote(2, VoteType::kPrevote, 2, 0, kNil)) == "ok");           // had been dropped
  CHECK(feed(SignedVote(2, VoteType::kPrevote, 1, 0, kNil)) == "past_height");
}

TEST_CASE("far rounds: only each validator's highest round is kept, and never more than one per kind") {
  Fixture f;
  CHECK(f.Code(SignedVote(2, VoteType::kPrevote, 1, 9, kNil)) == "ok");
  CHECK(f.Code(SignedVote(2, VoteType::kPrevote, 1, 8, kNil)) == "stale");
  CHECK(f.Code(SignedVote(2, VoteType::kPrevote, 1, 9, kNil)) == "duplicate");
  CHECK(f.Code(SignedVote(2, VoteType::kPrecommit, 1, 9, kNil)) == "ok");
  CHECK(f.Code(SignedVote(2, VoteType::kPrecommit, 1, 9, Filled(3))) == "equivocation");
  CHECK(f.Code(SignedVote(2, VoteType::kPrevote, 1, 12, kNil)) == "ok");  // replaces round 9
  CHECK(f.Code(SignedVote(2, VoteType::kPrecommit, 1, 9, kNil)) == "stale");
  CHECK(f.net.core(0).snapshot().round == 0);  // one validator alone (1/4) pulls nobody up
}

TEST_CASE("decisions: the certificate must verify and the block must hash to it") {
  ScriptedNet net({1, 1, 1, 1});
  (void)net.Start();
  (void)net.Stabilize();
  const cs::CommitBlock decided = net.commits(1)[0];
  ScriptedNet late({1, 1, 1, 1});
  (void)late.StartOne(0);
  auto code = [&](cs::Decision d) {
    const cs::Output out = late.core(0).Handle(cs::MessageReceived{std::move(d)});
    return out.status.ok() ? std::string("ok") : out.status.code();
  };
  cs::Decision short_of_quorum{decided.block, decided.certificate};
  short_of_quorum.certificate.mutable_signatures()->RemoveLast();
  CHECK(code(short_of_quorum) == "bad_commit");
  cs::Decision forged{decided.block, decided.certificate};
  (*forged.certificate.mutable_signatures(0)->mutable_signature())[0] ^= 1;
  CHECK(code(forged) == "bad_commit");
  CHECK(code(cs::Decision{ToBytes("some other block"), decided.certificate}) == "block_hash_mismatch");
  cs::Decision future{decided.block, decided.certificate};
  future.certificate.set_height(5);
  CHECK(code(future) == "height_too_far");
  cs::Decision bad_hash{decided.block, decided.certificate};
  bad_hash.certificate.set_block_hash("short");
  CHECK(code(bad_hash) == "malformed");
  CHECK(code(cs::Decision{Bytes(late.config().max_block_bytes + 1, 1), decided.certificate}) == "oversize");

  const cs::Output out = late.core(0).Handle(cs::MessageReceived{cs::Decision{decided.block, decided.certificate}});
  CHECK(out.status.ok());
  CHECK(cs::Describe(out.effects.at(0)) == "validate h=1 r=0 block=" + cs::ShortHash(decided.block_hash));
  (void)late.core(0).Handle(cs::BlockValidated{1, decided.block_hash, true});
  CHECK(late.core(0).snapshot().height == 2);
}

TEST_CASE("events out of place are harmless, and bad application answers are errors") {
  Fixture f;
  CHECK(f.net.core(0).Handle(cs::Start{0}).status.code() == "malformed");
  CHECK(f.net.core(0).Handle(cs::Start{1}).status.code() == "stale");
  // Stale timeouts and answers change nothing.
  CHECK(f.net.core(0).Handle(cs::TimeoutFired{1, 7, Step::kPrecommit}).effects.empty());
  CHECK(f.net.core(0).Handle(cs::TimeoutFired{9, 0, Step::kPropose}).effects.empty());
  CHECK(f.net.core(0).Handle(cs::BlockValidated{1, Filled(1), true}).effects.empty());
  CHECK(f.net.core(0).Handle(cs::ProposalBuilt{1, 0, ToBytes("x"), Filled(1)}).effects.empty());  // not its turn
  // Validator 0 proposes (1, 3): a built block must hash to what the application says.
  ScriptedNet net({1, 1, 1, 1});
  auto core = cs::Core::Create(net.config(), sim::ValidatorKey(0));
  REQUIRE(core.ok());
  (void)core->Handle(cs::Start{1});
  for (std::uint32_t r = 0; r < 3; ++r) {
    (void)core->Handle(cs::TimeoutFired{1, r, Step::kPropose});
    for (std::uint32_t v : {1u, 2u}) {
      (void)core->Handle(cs::MessageReceived{SignedVote(v, VoteType::kPrecommit, 1, r, kNil)});
    }
    (void)core->Handle(cs::TimeoutFired{1, r, Step::kPrevote});
    (void)core->Handle(cs::TimeoutFired{1, r, Step::kPrecommit});
  }
  REQUIRE(core->snapshot().round == 3);
  CHECK(core->Handle(cs::ProposalBuilt{1, 3, ToBytes("x"), Filled(1)}).status.code() == "block_hash_mismatch");
  CHECK(core->Handle(cs::ProposalBuilt{1, 3, Bytes(net.config().max_block_bytes + 1, 1), Filled(1)}).status.code() ==
        "bad_block");
  const cs::Output ok = core->Handle(cs::ProposalBuilt{1, 3, ToBytes("x"), *sim::BlockIdentity(ToBytes("x"))});
  CHECK(ok.status.ok());
  CHECK(cs::Describe(ok.effects.at(0)).rfind("persist proposal h=1 r=3", 0) == 0);
}

TEST_CASE("a core that has not started drops messages") {
  auto core = cs::Core::Create(ValidConfig(), sim::ValidatorKey(0));
  REQUIRE(core.ok());
  const cs::Output out = core->Handle(cs::MessageReceived{SignedVote(1, VoteType::kPrevote, 1, 0, kNil)});
  CHECK(out.status.code() == "not_started");
  CHECK(out.effects.empty());
}

TEST_CASE("configuration is validated before anything runs") {
  CHECK(CreateCode(ValidConfig()) == "ok");
  CHECK(CreateCode(ValidConfig(), 7) == "ok");  // a signer outside the set follows without voting
  auto broken = [](auto change) {
    cs::Config c = ValidConfig();
    change(c);
    return CreateCode(c);
  };
  CHECK(broken([](cs::Config& c) { c.chain_id.clear(); }) == "bad_config");
  CHECK(broken([](cs::Config& c) { c.chain_id = std::string(70000, 'c'); }) == "bad_config");
  CHECK(broken([](cs::Config& c) { c.validators.clear(); }) == "bad_config");
  CHECK(broken([](cs::Config& c) { c.validators[1].voting_power = 0; }) == "bad_config");
  CHECK(broken([](cs::Config& c) { c.validators[1].public_key = c.validators[2].public_key; }) == "bad_config");
  CHECK(broken([](cs::Config& c) { c.validators[1].voting_power = cs::kMaxTotalVotingPower; }) == "bad_config");
  CHECK(broken([](cs::Config& c) { c.block_hash = nullptr; }) == "bad_config");
  CHECK(broken([](cs::Config& c) { c.propose_timeout.base_ms = 0; }) == "bad_config");
  CHECK(broken([](cs::Config& c) { c.max_block_bytes = 0; }) == "bad_config");
  CHECK(broken([](cs::Config& c) { c.max_round = 0; }) == "bad_config");
  CHECK(broken([](cs::Config& c) { c.future_round_window = 0; }) == "bad_config");
  CHECK(broken([](cs::Config& c) { c.rebroadcast_rounds = 0; }) == "bad_config");
  CHECK(broken([](cs::Config& c) { c.relay_statuses_per_tick = 0; }) == "bad_config");
  CHECK(broken([](cs::Config& c) { c.relay_statuses_per_tick = 17; }) == "bad_config");
  CHECK(broken([](cs::Config& c) { c.relay_statuses_per_tick = 16; }) == "ok");
}

TEST_CASE("a WAL that holds two different votes for one round is refused") {
  const cs::WalRecord first{cs::WalRecordKind::kPrevote, 1, 0, Filled(1), std::nullopt, {}, {}};
  cs::WalRecord second = first;
  CHECK(CreateCode(ValidConfig(), 0, {first, second}) == "ok");  // the same record twice is fine
  second.block_hash = Filled(2);
  CHECK(CreateCode(ValidConfig(), 0, {first, second}) == "wal_conflict");
}
