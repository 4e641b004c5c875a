// Scripted interactions in the style of etcd-raft's interaction tests: the script decides which
// messages arrive, which timeouts fire and who crashes; the effects the cores produce are
// compared with the expected transcript line by line ("> command" lines, then "node: effect").
// Validators have equal power unless said otherwise, so a quorum is 3 of 4 and the proposer of
// (height h, round r) is validator (h + r) mod 4. B<h>.<r> is the block built for (h, r); tests
// that inject messages by hand name their blocks B and C.
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

// A transcript under construction: each command is logged, then what it produced.
class Script {
 public:
  Script& operator()(const std::string& command, const std::string& output) {
    text_ += "> " + command + "\n" + output;
    return *this;
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

cs::Vote Prevote(std::uint32_t from, std::uint32_t round, const Hash256& block) {
  return SignedVote(from, VoteType::kPrevote, 1, round, block);
}
cs::Vote Precommit(std::uint32_t from, std::uint32_t round, const Hash256& block) {
  return SignedVote(from, VoteType::kPrecommit, 1, round, block);
}
const Hash256 kNil = cs::kNilHash;

}  // namespace

TEST_CASE("four validators decide a height in one round") {
  ScriptedNet net({1, 1, 1, 1});
  Script s;
  s("start", net.Start());
  s("stabilize", net.Stabilize());
  CHECK(s.text() == R"(> start
0: schedule propose h=1 r=0 1000ms
1: schedule propose h=1 r=0 1000ms
1: build h=1 r=0
1: persist proposal h=1 r=0 block=B1.0 vr=-
1: broadcast proposal h=1 r=0 vr=- block=B1.0 from=1
1: persist prevote h=1 r=0 block=B1.0
1: broadcast prevote h=1 r=0 block=B1.0 from=1
2: schedule propose h=1 r=0 1000ms
3: schedule propose h=1 r=0 1000ms
> stabilize
0: validate h=1 r=0 block=B1.0
0: persist prevote h=1 r=0 block=B1.0
0: broadcast prevote h=1 r=0 block=B1.0 from=0
2: validate h=1 r=0 block=B1.0
2: persist prevote h=1 r=0 block=B1.0
2: broadcast prevote h=1 r=0 block=B1.0 from=2
2: schedule prevote h=1 r=0 500ms
2: persist lock h=1 r=0 block=B1.0 polka=3
2: persist precommit h=1 r=0 block=B1.0
2: broadcast precommit h=1 r=0 block=B1.0 from=2
3: validate h=1 r=0 block=B1.0
3: persist prevote h=1 r=0 block=B1.0
3: broadcast prevote h=1 r=0 block=B1.0 from=3
3: schedule prevote h=1 r=0 500ms
3: persist lock h=1 r=0 block=B1.0 polka=3
3: persist precommit h=1 r=0 block=B1.0
3: broadcast precommit h=1 r=0 block=B1.0 from=3
0: schedule prevote h=1 r=0 500ms
0: persist lock h=1 r=0 block=B1.0 polka=3
0: persist precommit h=1 r=0 block=B1.0
0: broadcast precommit h=1 r=0 block=B1.0 from=0
0: commit h=1 r=0 block=B1.0 sigs=3
0: schedule propose h=2 r=0 1000ms
1: schedule prevote h=1 r=0 500ms
1: persist lock h=1 r=0 block=B1.0 polka=3
1: persist precommit h=1 r=0 block=B1.0
1: broadcast precommit h=1 r=0 block=B1.0 from=1
1: commit h=1 r=0 block=B1.0 sigs=3
1: schedule propose h=2 r=0 1000ms
1: ! past_height
2: commit h=1 r=0 block=B1.0 sigs=3
2: schedule propose h=2 r=0 1000ms
2: build h=2 r=0
2: ! past_height
3: commit h=1 r=0 block=B1.0 sigs=3
3: schedule propose h=2 r=0 1000ms
3: ! past_height
0: ! past_height
)");
  for (std::uint32_t i = 0; i < 4; ++i) {
    REQUIRE(net.commits(i).size() == 1);
    CHECK(net.commits(i)[0].block_hash == net.commits(0)[0].block_hash);
    CHECK(ledger::VerifyCommitCertificate(net.commits(i)[0].certificate, sim::kTestChainId, 1,
                                          net.commits(i)[0].block_hash, net.config().validators)
              .ok());
  }
}

TEST_CASE("the proposer crashes after its prevote, the rest decide in round 1, and it restarts and catches up") {
  ScriptedNet net({1, 1, 1, 1});
  Script s;
  s("start", net.Start());
  net.Discard(2);  // validator 1's proposal and prevote reach only validator 0 ...
  net.Discard(3);
  s("deliver 0", net.Deliver(0));
  net.Crash(1);  // ... and then it dies
  s("fire 2 propose", net.Fire(2, Step::kPropose));
  s("fire 3 propose", net.Fire(3, Step::kPropose));
  s("stabilize", net.Stabilize());
  s("fire 0 prevote", net.Fire(0, Step::kPrevote));
  s("fire 2 prevote", net.Fire(2, Step::kPrevote));
  s("fire 3 prevote", net.Fire(3, Step::kPrevote));
  s("stabilize", net.Stabilize());
  s("fire 0 precommit", net.Fire(0, Step::kPrecommit));
  s("fire 2 precommit", net.Fire(2, Step::kPrecommit));
  s("fire 3 precommit", net.Fire(3, Step::kPrecommit));
  s("stabilize", net.Stabilize());
  s("restart 1", net.Restart(1));
  s("fire 0 propose", net.Fire(0, Step::kPropose));
  s("deliver 1", net.Deliver(1));
  s("tick 1", net.Tick(1));
  s("tick 1", net.Tick(1));
  s("deliver 1", net.Deliver(1));
  CHECK(s.text() == R"(> start
0: schedule propose h=1 r=0 1000ms
1: schedule propose h=1 r=0 1000ms
1: build h=1 r=0
1: persist proposal h=1 r=0 block=B1.0 vr=-
1: broadcast proposal h=1 r=0 vr=- block=B1.0 from=1
1: persist prevote h=1 r=0 block=B1.0
1: broadcast prevote h=1 r=0 block=B1.0 from=1
2: schedule propose h=1 r=0 1000ms
3: schedule propose h=1 r=0 1000ms
> deliver 0
0: validate h=1 r=0 block=B1.0
0: persist prevote h=1 r=0 block=B1.0
0: broadcast prevote h=1 r=0 block=B1.0 from=0
> fire 2 propose
2: persist prevote h=1 r=0 block=nil
2: broadcast prevote h=1 r=0 block=nil from=2
> fire 3 propose
3: persist prevote h=1 r=0 block=nil
3: broadcast prevote h=1 r=0 block=nil from=3
> stabilize
0: schedule prevote h=1 r=0 500ms
2: schedule prevote h=1 r=0 500ms
3: schedule prevote h=1 r=0 500ms
> fire 0 prevote
0: persist precommit h=1 r=0 block=nil
0: broadcast precommit h=1 r=0 block=nil from=0
> fire 2 prevote
2: persist precommit h=1 r=0 block=nil
2: broadcast precommit h=1 r=0 block=nil from=2
> fire 3 prevote
3: persist precommit h=1 r=0 block=nil
3: broadcast precommit h=1 r=0 block=nil from=3
> stabilize
0: schedule precommit h=1 r=0 500ms
2: schedule precommit h=1 r=0 500ms
3: schedule precommit h=1 r=0 500ms
> fire 0 precommit
0: persist received-precommits h=1 r=0 block=nil precommits=2
0: schedule propose h=1 r=1 1100ms
> fire 2 precommit
2: persist received-precommits h=1 r=0 block=nil precommits=2
2: schedule propose h=1 r=1 1100ms
2: build h=1 r=1
2: persist proposal h=1 r=1 block=B1.1 vr=-
2: broadcast proposal h=1 r=1 vr=- block=B1.1 from=2
2: persist prevote h=1 r=1 block=B1.1
2: broadcast prevote h=1 r=1 block=B1.1 from=2
> fire 3 precommit
3: persist received-precommits h=1 r=0 block=nil precommits=2
3: schedule propose h=1 r=1 1100ms
> stabilize
0: validate h=1 r=1 block=B1.1
0: persist prevote h=1 r=1 block=B1.1
0: broadcast prevote h=1 r=1 block=B1.1 from=0
3: validate h=1 r=1 block=B1.1
3: persist prevote h=1 r=1 block=B1.1
3: broadcast prevote h=1 r=1 block=B1.1 from=3
3: schedule prevote h=1 r=1 600ms
3: persist lock h=1 r=1 block=B1.1 polka=3
3: persist precommit h=1 r=1 block=B1.1
3: broadcast precommit h=1 r=1 block=B1.1 from=3
0: schedule prevote h=1 r=1 600ms
0: persist lock h=1 r=1 block=B1.1 polka=3
0: persist precommit h=1 r=1 block=B1.1
0: broadcast precommit h=1 r=1 block=B1.1 from=0
2: schedule prevote h=1 r=1 600ms
2: persist lock h=1 r=1 block=B1.1 polka=3
2: persist precommit h=1 r=1 block=B1.1
2: broadcast precommit h=1 r=1 block=B1.1 from=2
2: commit h=1 r=1 block=B1.1 sigs=3
2: schedule propose h=2 r=0 1000ms
2: build h=2 r=0
3: commit h=1 r=1 block=B1.1 sigs=3
3: schedule propose h=2 r=0 1000ms
0: commit h=1 r=1 block=B1.1 sigs=3
0: schedule propose h=2 r=0 1000ms
> restart 1
1: schedule propose h=1 r=0 1000ms
1: broadcast prevote h=1 r=0 block=B1.0 from=1
> fire 0 propose
0: persist prevote h=2 r=0 block=nil
0: broadcast prevote h=2 r=0 block=nil from=0
> deliver 1
> tick 1
> tick 1
1: request-decision h=1 ahead=0
1: broadcast status h=1 r=0 proposal=no prevotes=1 precommits=0
1: broadcast prevote h=1 r=0 block=B1.0 from=1
> deliver 1
1: validate h=1 r=1 block=B1.1
1: commit h=1 r=1 block=B1.1 sigs=3
1: schedule propose h=2 r=0 1000ms
)");
  // After the restart validator 1 repeated its signed prevote (no new WAL record) and, being the
  // proposer of round 0 without the block at hand, proposed nothing rather than something new.
  REQUIRE(net.commits(1).size() == 1);
  CHECK(net.commits(1)[0].block_hash == net.commits(0)[0].block_hash);
}

TEST_CASE("a validator locked on B prevotes nil for C, then unlocks on a polka for C in a higher round") {
  ScriptedNet net({1, 1, 1, 1});
  const Bytes block_b = ToBytes("block B"), block_c = ToBytes("block C");
  const Hash256 B = net.NameBlock(block_b, "B"), C = net.NameBlock(block_c, "C");
  Script s;
  s("start 0", net.StartOne(0));
  s("proposal B from 1", net.Send(0, SignedProposal(1, 1, 0, std::nullopt, block_b)));
  s("prevote B from 1", net.Send(0, Prevote(1, 0, B)));
  s("prevote B from 2", net.Send(0, Prevote(2, 0, B)));
  s("precommit nil from 1", net.Send(0, Precommit(1, 0, kNil)));
  s("precommit nil from 2", net.Send(0, Precommit(2, 0, kNil)));
  s("fire 0 precommit", net.Fire(0, Step::kPrecommit));
  s("proposal C from 2 in round 1", net.Send(0, SignedProposal(2, 1, 1, std::nullopt, block_c)));
  s("prevote C from 1", net.Send(0, Prevote(1, 1, C)));
  s("prevote C from 2", net.Send(0, Prevote(2, 1, C)));
  s("prevote C from 3", net.Send(0, Prevote(3, 1, C)));
  s("precommit C from 2", net.Send(0, Precommit(2, 1, C)));
  s("precommit C from 3", net.Send(0, Precommit(3, 1, C)));
  CHECK(s.text() == R"(> start 0
0: schedule propose h=1 r=0 1000ms
> proposal B from 1
0: validate h=1 r=0 block=B
0: persist prevote h=1 r=0 block=B
0: broadcast prevote h=1 r=0 block=B from=0
> prevote B from 1
> prevote B from 2
0: schedule prevote h=1 r=0 500ms
0: persist lock h=1 r=0 block=B polka=3
0: persist precommit h=1 r=0 block=B
0: broadcast precommit h=1 r=0 block=B from=0
> precommit nil from 1
> precommit nil from 2
0: schedule precommit h=1 r=0 500ms
> fire 0 precommit
0: persist received-precommits h=1 r=0 block=nil precommits=2
0: schedule propose h=1 r=1 1100ms
> proposal C from 2 in round 1
0: validate h=1 r=1 block=C
0: persist prevote h=1 r=1 block=nil
0: broadcast prevote h=1 r=1 block=nil from=0
> prevote C from 1
> prevote C from 2
0: schedule prevote h=1 r=1 600ms
> prevote C from 3
0: persist lock h=1 r=1 block=C polka=3
0: persist precommit h=1 r=1 block=C
0: broadcast precommit h=1 r=1 block=C from=0
> precommit C from 2
> precommit C from 3
0: commit h=1 r=1 block=C sigs=3
0: schedule propose h=2 r=0 1000ms
)");
}

TEST_CASE("a re-proposal carries its polka, so a validator that missed those prevotes accepts it") {
  const Bytes block_b = ToBytes("block B");
  // Validator 0 misses the proposal of round 0 and validator 1's prevote for B: it saw no polka.
  auto round_one_with = [&](const cs::Proposal& proposal) {
    ScriptedNet net({1, 1, 1, 1});
    const Hash256 B = net.NameBlock(block_b, "B");
    Script s;
    s("start 0", net.StartOne(0));
    s("fire 0 propose", net.Fire(0, Step::kPropose));
    s("prevotes B from 2 and 3", net.Send(0, Prevote(2, 0, B)) + net.Send(0, Prevote(3, 0, B)));
    s("fire 0 prevote", net.Fire(0, Step::kPrevote));
    s("precommits nil from 2 and 3", net.Send(0, Precommit(2, 0, kNil)) + net.Send(0, Precommit(3, 0, kNil)));
    s("fire 0 precommit", net.Fire(0, Step::kPrecommit));
    s("proposal B (vr=0) from 2", net.Send(0, proposal));
    return s.text();
  };
  const Hash256 B = *sim::BlockIdentity(block_b);
  const cs::Proposal bare = SignedProposal(2, 1, 1, 0, block_b);
  cs::Proposal with_polka = bare;
  for (std::uint32_t v : {1u, 2u, 3u}) with_polka.polka.push_back({v, Prevote(v, 0, B).signature});

  const std::string common = R"(> start 0
0: schedule propose h=1 r=0 1000ms
> fire 0 propose
0: persist prevote h=1 r=0 block=nil
0: broadcast prevote h=1 r=0 block=nil from=0
> prevotes B from 2 and 3
0: schedule prevote h=1 r=0 500ms
> fire 0 prevote
0: persist precommit h=1 r=0 block=nil
0: broadcast precommit h=1 r=0 block=nil from=0
> precommits nil from 2 and 3
0: schedule precommit h=1 r=0 500ms
> fire 0 precommit
0: persist received-precommits h=1 r=0 block=nil precommits=2
0: schedule propose h=1 r=1 1100ms
> proposal B (vr=0) from 2
0: validate h=1 r=1 block=B
)";
  // Without the polka, line 28 cannot fire: validator 0 waits for its propose timeout.
  CHECK(round_one_with(bare) == common);
  // With it, the three prevotes of round 0 are verified and counted, and it prevotes B.
  CHECK(round_one_with(with_polka) == common + R"(0: persist prevote h=1 r=1 block=B
0: broadcast prevote h=1 r=1 block=B from=0
)");
}

TEST_CASE("timeouts grow linearly with the round") {
  ScriptedNet net({1, 1, 1, 1});
  Script s;
  s("start 0", net.StartOne(0));
  for (std::uint32_t r = 0; r < 3; ++r) {
    const std::string round = " round " + std::to_string(r);
    s("fire 0 propose" + round, net.Fire(0, Step::kPropose));
    s("prevotes nil from 1 and 2", net.Send(0, Prevote(1, r, kNil)) + net.Send(0, Prevote(2, r, kNil)));
    s("precommits nil from 1 and 2", net.Send(0, Precommit(1, r, kNil)) + net.Send(0, Precommit(2, r, kNil)));
    s("fire 0 precommit" + round, net.Fire(0, Step::kPrecommit));
  }
  CHECK(s.text() == R"(> start 0
0: schedule propose h=1 r=0 1000ms
> fire 0 propose round 0
0: persist prevote h=1 r=0 block=nil
0: broadcast prevote h=1 r=0 block=nil from=0
> prevotes nil from 1 and 2
0: schedule prevote h=1 r=0 500ms
0: persist precommit h=1 r=0 block=nil
0: broadcast precommit h=1 r=0 block=nil from=0
> precommits nil from 1 and 2
0: schedule precommit h=1 r=0 500ms
> fire 0 precommit round 0
0: persist received-precommits h=1 r=0 block=nil precommits=2
0: schedule propose h=1 r=1 1100ms
> fire 0 propose round 1
0: persist prevote h=1 r=1 block=nil
0: broadcast prevote h=1 r=1 block=nil from=0
> prevotes nil from 1 and 2
0: schedule prevote h=1 r=1 600ms
0: persist precommit h=1 r=1 block=nil
0: broadcast precommit h=1 r=1 block=nil from=0
> precommits nil from 1 and 2
0: schedule precommit h=1 r=1 600ms
> fire 0 precommit round 1
0: persist received-precommits h=1 r=1 block=nil precommits=2
0: schedule propose h=1 r=2 1200ms
> fire 0 propose round 2
0: persist prevote h=1 r=2 block=nil
0: broadcast prevote h=1 r=2 block=nil from=0
> prevotes nil from 1 and 2
0: schedule prevote h=1 r=2 700ms
0: persist precommit h=1 r=2 block=nil
0: broadcast precommit h=1 r=2 block=nil from=0
> precommits nil from 1 and 2
0: schedule precommit h=1 r=2 700ms
> fire 0 precommit round 2
0: persist received-precommits h=1 r=2 block=nil precommits=2
0: schedule propose h=1 r=3 1300ms
0: build h=1 r=3
0: persist proposal h=1 r=3 block=B1.3 vr=-
0: broadcast proposal h=1 r=3 vr=- block=B1.3 from=0
0: persist prevote h=1 r=3 block=B1.3
0: broadcast prevote h=1 r=3 block=B1.3 from=0
)");
}

TEST_CASE("weighted proposers: with powers 1,2,3,4 heights 1..4 are proposed by 2, 1, 3, 0") {
  ScriptedNet net({1, 2, 3, 4});
  net.BuildUpTo(4);
  (void)net.Start();
  (void)net.Stabilize();
  std::string proposers;
  for (const cs::CommitBlock& c : net.commits(0)) {
    const std::string block = ToString(c.block);
    proposers += block.substr(block.find("by=") + 3) + " ";
  }
  CHECK(proposers == "2 1 3 0 ");
  // 7 of 10 is a quorum: validators 2 and 3 alone sign the first certificate.
  CHECK(net.commits(2)[0].certificate.signatures_size() == 2);
}

TEST_CASE("equivocation: conflicting proposals and votes are recorded with both signatures") {
  ScriptedNet net({1, 1, 1, 1});
  const Bytes block_b = ToBytes("block B"), block_c = ToBytes("block C");
  const Hash256 B = net.NameBlock(block_b, "B"), C = net.NameBlock(block_c, "C");
  Script s;
  s("start 0", net.StartOne(0));
  s("proposal B from 1", net.Send(0, SignedProposal(1, 1, 0, std::nullopt, block_b)));
  s("proposal C from 1", net.Send(0, SignedProposal(1, 1, 0, std::nullopt, block_c)));
  s("prevote B from 2", net.Send(0, Prevote(2, 0, B)));
  s("prevote C from 2", net.Send(0, Prevote(2, 0, C)));
  s("prevote nil from 2", net.Send(0, Prevote(2, 0, kNil)));
  s("prevote C from 2 again", net.Send(0, Prevote(2, 0, C)));
  CHECK(s.text() == R"(> start 0
0: schedule propose h=1 r=0 1000ms
> proposal B from 1
0: validate h=1 r=0 block=B
0: persist prevote h=1 r=0 block=B
0: broadcast prevote h=1 r=0 block=B from=0
> proposal C from 1
0: ! equivocation
0: evidence proposal h=1 r=0 validator=1 B/C
> prevote B from 2
> prevote C from 2
0: evidence prevote h=1 r=0 validator=2 B/C
> prevote nil from 2
0: ! equivocation
> prevote C from 2 again
0: ! duplicate
)");
  REQUIRE(net.evidence(0).size() == 2);
  const auto& proposals = std::get<cs::ProposalEquivocation>(net.evidence(0)[0].evidence);
  for (const cs::Proposal* p : {&proposals.first, &proposals.second}) {
    CHECK(crypto::VerifyRaw(
        net.config().validators[1].public_key,
        cs::ProposalSignBytes(sim::kTestChainId, p->height, p->round, p->valid_round, p->block_hash), p->signature));
    CHECK(p->block.empty());  // kept small: the signature covers the block hash
  }
  const auto& votes = std::get<cs::VoteEquivocation>(net.evidence(0)[1].evidence);
  for (const cs::Vote* v : {&votes.first, &votes.second}) {
    CHECK(crypto::VerifyRaw(net.config().validators[2].public_key,
                            ledger::VoteSignBytes(sim::kTestChainId, v->type, v->height, v->round, v->block_hash),
                            v->signature));
  }
  CHECK(votes.first.block_hash != votes.second.block_hash);
}

TEST_CASE("double-sign protection: after a restart the validator repeats its votes and keeps its lock") {
  ScriptedNet net({1, 1, 1, 1});
  const Bytes block_b = ToBytes("block B"), block_c = ToBytes("block C");
  const Hash256 B = net.NameBlock(block_b, "B");
  net.NameBlock(block_c, "C");
  Script s;
  s("start 0", net.StartOne(0));
  s("proposal B from 1", net.Send(0, SignedProposal(1, 1, 0, std::nullopt, block_b)));
  s("prevotes B from 1 and 2", net.Send(0, Prevote(1, 0, B)) + net.Send(0, Prevote(2, 0, B)));
  net.Crash(0);
  s("restart 0", net.Restart(0));
  s("fire 0 propose", net.Fire(0, Step::kPropose));  // would be a nil prevote without the WAL
  s("precommits nil from 1 and 2", net.Send(0, Precommit(1, 0, kNil)) + net.Send(0, Precommit(2, 0, kNil)));
  s("fire 0 precommit", net.Fire(0, Step::kPrecommit));
  s("proposal C from 2 in round 1", net.Send(0, SignedProposal(2, 1, 1, std::nullopt, block_c)));
  CHECK(s.text() == R"(> start 0
0: schedule propose h=1 r=0 1000ms
> proposal B from 1
0: validate h=1 r=0 block=B
0: persist prevote h=1 r=0 block=B
0: broadcast prevote h=1 r=0 block=B from=0
> prevotes B from 1 and 2
0: schedule prevote h=1 r=0 500ms
0: persist lock h=1 r=0 block=B polka=3
0: persist precommit h=1 r=0 block=B
0: broadcast precommit h=1 r=0 block=B from=0
> restart 0
0: schedule propose h=1 r=0 1000ms
0: broadcast prevote h=1 r=0 block=B from=0
0: broadcast precommit h=1 r=0 block=B from=0
> fire 0 propose
> precommits nil from 1 and 2
0: schedule precommit h=1 r=0 500ms
> fire 0 precommit
0: persist received-precommits h=1 r=0 block=nil precommits=2
0: schedule propose h=1 r=1 1100ms
> proposal C from 2 in round 1
0: validate h=1 r=1 block=C
0: persist prevote h=1 r=1 block=nil
0: broadcast prevote h=1 r=1 block=nil from=0
)");
}

TEST_CASE("WAL torn tail: a vote whose record never fully landed was never sent, and may be cast afresh") {
  ScriptedNet net({1, 1, 1, 1});
  const Bytes block_b = ToBytes("block B");
  net.NameBlock(block_b, "B");
  Script s;
  s("start 0", net.StartOne(0));
  const std::size_t before = net.wal_body(0).size();
  s("proposal B from 1, crash writing the prevote",
    net.CrashWhileWriting(0, cs::MessageReceived{SignedProposal(1, 1, 0, std::nullopt, block_b)}, 20));
  CHECK(net.wal_body(0).size() == before + 20);
  s("restart 0", net.Restart(0));
  s("fire 0 propose", net.Fire(0, Step::kPropose));
  CHECK(s.text() == R"(> start 0
0: schedule propose h=1 r=0 1000ms
> proposal B from 1, crash writing the prevote
0: validate h=1 r=0 block=B
0: persist prevote h=1 r=0 block=B
0: crashed after writing 20 of 67 bytes
> restart 0
0: schedule propose h=1 r=0 1000ms
> fire 0 propose
0: persist prevote h=1 r=0 block=nil
0: broadcast prevote h=1 r=0 block=nil from=0
)");
  // The replay dropped the torn record; the WAL ends with the new one.
  auto replay = node::DecodeWalFrames(net.wal_body(0));
  REQUIRE(replay.ok());
  CHECK(replay->torn_tail_bytes == 0);
  REQUIRE(replay->records.size() == 1);
  CHECK(cs::Describe(*cs::DecodeWalRecord(replay->records[0])) == "prevote h=1 r=0 block=nil");
}

TEST_CASE("round skip: validators with more than 1/3 of the power in higher rounds pull a validator up") {
  ScriptedNet net({1, 1, 1, 1});
  Script s;
  s("start 0", net.StartOne(0));
  s("prevote nil from 1 in round 5", net.Send(0, Prevote(1, 5, kNil)));  // 1/4 of the power: not yet
  s("precommit nil from 2 in round 7", net.Send(0, Precommit(2, 7, kNil)));
  CHECK(s.text() == R"(> start 0
0: schedule propose h=1 r=0 1000ms
> prevote nil from 1 in round 5
> precommit nil from 2 in round 7
0: schedule propose h=1 r=5 1500ms
)");
  // Round 5 is the highest round that validators with more than 1/3 of the power have reached.
  CHECK(net.core(0).snapshot().round == 5);
}

TEST_CASE("an invalid block gets a nil prevote") {
  ScriptedNet net({1, 1, 1, 1});
  net.MarkInvalid(1, 0, 1);
  Script s;
  s("start", net.Start());
  s("deliver 0", net.Deliver(0));
  CHECK(s.text().substr(s.text().find("> deliver")) == R"(> deliver 0
0: validate h=1 r=0 block=B1.0
0: persist prevote h=1 r=0 block=nil
0: broadcast prevote h=1 r=0 block=nil from=0
)");
}

TEST_CASE("gossip: only a validator that made no progress for a whole tick says where it is and repeats its messages") {
  ScriptedNet net({1, 1, 1, 1});
  Script s;
  s("start 0", net.StartOne(0));
  s("tick 0", net.Tick(0));
  s("fire 0 propose", net.Fire(0, Step::kPropose));
  s("tick 0", net.Tick(0));
  s("tick 0", net.Tick(0));
  s("tick 0", net.Tick(0));
  CHECK(s.text() == R"(> start 0
0: schedule propose h=1 r=0 1000ms
> tick 0
> fire 0 propose
0: persist prevote h=1 r=0 block=nil
0: broadcast prevote h=1 r=0 block=nil from=0
> tick 0
> tick 0
0: broadcast status h=1 r=0 proposal=no prevotes=1 precommits=0
0: broadcast prevote h=1 r=0 block=nil from=0
> tick 0
0: broadcast status h=1 r=0 proposal=no prevotes=1 precommits=0
0: broadcast prevote h=1 r=0 block=nil from=0
)");
}
