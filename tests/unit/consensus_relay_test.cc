// Vote relay (docs/consensus.md "Vote relay"): a stuck validator's RoundStatus brings it the
// votes it lacks from a peer that holds them, whoever signed them; hostile statuses are refused
// with typed errors and cannot make a core relay without bound; peers far ahead are asked for
// decisions at once, the one claiming the least first.
#include <doctest/doctest.h>

#include <algorithm>

#include "../sim/scripted_net.h"

namespace {

using namespace shanliu;
using sim::ScriptedNet;
using sim::SignedVote;
namespace cs = node::consensus;
using cs::VoteType;

cs::RoundStatus RoundAt(std::uint64_t height, std::uint32_t round, std::size_t n = 4) {
  return cs::RoundStatus{height, round, false, std::vector<bool>(n, false), std::vector<bool>(n, false), std::nullopt};
}

std::string Code(cs::Core& core, cs::Message message, std::optional<std::uint32_t> from) {
  const cs::Output out = core.Handle(cs::MessageReceived{std::move(message), from});
  return out.status.ok() ? std::string("ok") : out.status.code();
}

std::vector<std::string> Described(const std::vector<cs::Effect>& effects) {
  std::vector<std::string> lines;
  for (const cs::Effect& e : effects) lines.push_back(cs::Describe(e));
  return lines;
}

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Validators 2 and 3 are down (their votes are injected by hand). Validators 0 and 1 both lock
// on validator 1's block B; validator 2's precommit reaches validator 0 only, and 0 and 1 lose
// each other's precommits. Returns B's hash.
Hash256 PrecommitOnlyZeroHolds(ScriptedNet& net) {
  net.Crash(2);
  net.Crash(3);
  (void)net.Start();    // validator 1 proposes B (h=1 r=0) and prevotes it
  (void)net.Deliver(0);  // 0 validates B and prevotes it
  (void)net.Deliver(1);  // 1 hears 0's prevote
  const Hash256 b = *sim::BlockIdentity(net.BlockFor(1, 0, 1));
  (void)net.Send(0, SignedVote(2, VoteType::kPrevote, 1, 0, b));
  (void)net.Send(1, SignedVote(2, VoteType::kPrevote, 1, 0, b));  // both see the polka and precommit B
  net.Discard(0);
  net.Discard(1);
  (void)net.Send(0, SignedVote(2, VoteType::kPrecommit, 1, 0, b));
  return b;
}

}  // namespace

TEST_CASE("relay: a stuck validator's status brings it a precommit only a peer holds, and it decides") {
  ScriptedNet net({1, 1, 1, 1});
  const Hash256 b = PrecommitOnlyZeroHolds(net);
  CHECK(net.commits(1).empty());
  (void)net.Tick(1);
  const std::string stuck = net.Tick(1);  // a whole tick without progress
  CHECK(Has(stuck, "1: broadcast status h=1 r=0 proposal=yes prevotes=3 precommits=1"));
  // Validator 0 answers the status with the two precommits 1 lacks: its own and validator 2's,
  // signatures intact, and nothing 1 already holds.
  const std::string answer = net.Deliver(0, 1);
  CHECK(Has(answer, "0: send-to 1 precommit h=1 r=0 block=B1.0 from=0"));
  CHECK(Has(answer, "0: send-to 1 precommit h=1 r=0 block=B1.0 from=2"));
  CHECK_FALSE(Has(answer, "send-to 1 prevote"));
  CHECK_FALSE(Has(answer, "send-to 1 proposal"));
  CHECK_FALSE(Has(answer, "from=1\n0: send-to"));
  const std::string decided = net.Deliver(1);
  CHECK(Has(decided, "1: commit h=1 r=0"));
  CHECK_FALSE(Has(decided, "request-decision"));
  REQUIRE(net.commits(1).size() == 1);
  CHECK(net.commits(1)[0].block_hash == b);
}

TEST_CASE("relay: a status that holds everything gets nothing, one in an earlier round gets ours too") {
  ScriptedNet net({1, 1, 1, 1});
  (void)PrecommitOnlyZeroHolds(net);
  cs::RoundStatus full = RoundAt(1, 0);
  full.has_proposal = true;
  full.prevotes.assign(4, true);
  full.precommits.assign(4, true);
  const cs::Output none = net.core(0).Handle(cs::MessageReceived{full, 3u});
  CHECK(none.status.ok());
  for (const std::string& line : Described(none.effects)) CHECK_FALSE(Has(line, "send-to"));

  // A peer at (1, 0) that holds nothing gets the proposal (block and all) and every vote.
  const cs::Output all = net.core(0).Handle(cs::MessageReceived{RoundAt(1, 0), 3u});
  const std::vector<std::string> lines = Described(all.effects);
  CHECK(std::count_if(lines.begin(), lines.end(), [](const std::string& l) { return Has(l, "send-to 3 proposal"); }) ==
        1);
  CHECK(std::count_if(lines.begin(), lines.end(), [](const std::string& l) { return Has(l, "send-to 3 prevote"); }) ==
        3);
  CHECK(std::count_if(lines.begin(), lines.end(),
                      [](const std::string& l) { return Has(l, "send-to 3 precommit"); }) == 2);
}

TEST_CASE("relay: hostile and malformed statuses are refused with typed errors") {
  ScriptedNet net({1, 1, 1, 1}, [](cs::Config& c) { c.max_round = 10; });
  (void)net.StartOne(0);
  cs::Core& core = net.core(0);
  CHECK(Code(core, RoundAt(1, 0), std::nullopt) == "unknown_sender");
  CHECK(Code(core, RoundAt(1, 0), 0u) == "unknown_sender");  // from itself
  CHECK(Code(core, RoundAt(1, 0), 4u) == "unknown_sender");  // no such validator
  CHECK(Code(core, RoundAt(0, 0), 1u) == "malformed");
  CHECK(Code(core, RoundAt(1, 0, 3), 1u) == "malformed");  // one bit short
  CHECK(Code(core, RoundAt(1, 0, 5), 1u) == "malformed");  // one bit over
  CHECK(Code(core, RoundAt(1, 11), 1u) == "round_out_of_range");
  CHECK(Code(core, RoundAt(1, 10), 1u) == "ok");  // the last round there is
}

TEST_CASE("relay: each peer gets its statuses answered at most relay_statuses_per_tick times between ticks") {
  ScriptedNet net({1, 1, 1, 1});
  (void)net.StartOne(0);
  cs::Core& core = net.core(0);
  CHECK(Code(core, RoundAt(1, 0), 1u) == "ok");
  CHECK(Code(core, RoundAt(1, 0), 1u) == "ok");
  CHECK(Code(core, RoundAt(1, 0), 1u) == "too_frequent");
  CHECK(Code(core, RoundAt(1, 0), 2u) == "ok");  // the budget is per peer
  (void)net.Tick(0);
  CHECK(Code(core, RoundAt(1, 0), 1u) == "ok");  // a new tick, a new budget
}

TEST_CASE("catch-up: a peer two heights ahead is asked at once, the least extravagant claim first") {
  ScriptedNet net({1, 1, 1, 1});
  (void)net.Start();
  (void)net.Stabilize();
  const cs::CommitBlock decided = net.commits(1).at(0);

  ScriptedNet late({1, 1, 1, 1});
  (void)late.StartOne(0);
  cs::Core& core = late.core(0);
  // One height ahead is the usual skew: no request yet (the tick rule handles it).
  CHECK(Described(core.Handle(cs::MessageReceived{RoundAt(2, 0), 1u}).effects).empty());
  // A liar claiming 10^15 and an honest peer at 5: each is asked once for height 1.
  CHECK(Described(core.Handle(cs::MessageReceived{RoundAt(1'000'000'000'000'000, 0), 2u}).effects) ==
        std::vector<std::string>{"request-decision h=1 ahead=2"});
  CHECK(Described(core.Handle(cs::MessageReceived{RoundAt(5, 0), 3u}).effects) ==
        std::vector<std::string>{"request-decision h=1 ahead=3"});
  CHECK(Described(core.Handle(cs::MessageReceived{RoundAt(5, 0), 3u}).effects).empty());  // asked already
  // The decision for height 1 arrives; entering height 2 asks both again, the honest claim first.
  CHECK(core.Handle(cs::MessageReceived{cs::Decision{decided.block, decided.certificate}}).status.ok());
  const std::vector<std::string> next = Described(core.Handle(cs::BlockValidated{1, decided.block_hash, true}).effects);
  CHECK(std::find(next.begin(), next.end(), "request-decision h=2 ahead=3,2") != next.end());
  CHECK(core.snapshot().height == 2);
}

TEST_CASE("relay wire: a round status survives encoding, and bad bitmaps are malformed") {
  cs::RoundStatus status = RoundAt(7, 3, 10);
  status.has_proposal = true;
  status.prevotes[0] = status.prevotes[9] = true;
  status.precommits[8] = true;
  auto back = cs::DecodeMessage(cs::EncodeMessage(status), 1 << 20);
  REQUIRE(back.ok());
  const auto& got = std::get<cs::RoundStatus>(*back);
  CHECK(got.height == 7);
  CHECK(got.round == 3);
  CHECK(got.has_proposal);
  CHECK(got.prevotes == status.prevotes);
  CHECK(got.precommits == status.precommits);
  // The largest validator set there may be travels; its bitmaps are 128 bytes each.
  const cs::RoundStatus largest = RoundAt(1, 0, cs::kMaxValidators);
  CHECK(cs::DecodeMessage(cs::EncodeMessage(largest), 1 << 20).ok());
}

namespace {

// A RoundStatus as raw protobuf (ConsensusMessage field 4): validator_count (field 4, varint)
// and the two bitmaps (fields 5 and 6); short fields only, so every length fits one byte.
Bytes RawStatus(std::vector<std::uint8_t> count_varint, const Bytes& prevotes, const Bytes& precommits) {
  Bytes inner{0x08, 0x01};  // height 1
  inner.push_back(0x20);
  inner.insert(inner.end(), count_varint.begin(), count_varint.end());
  for (const auto& [tag, bits] : {std::pair<std::uint8_t, const Bytes*>{0x2a, &prevotes}, {0x32, &precommits}}) {
    inner.push_back(tag);
    inner.push_back(static_cast<std::uint8_t>(bits->size()));
    inner.insert(inner.end(), bits->begin(), bits->end());
  }
  Bytes outer{0x22, static_cast<std::uint8_t>(inner.size())};
  outer.insert(outer.end(), inner.begin(), inner.end());
  return outer;
}

std::string WireCode(const Bytes& bytes) {
  auto decoded = cs::DecodeMessage(bytes, 1 << 20);
  return decoded.ok() ? "ok" : decoded.status().code();
}

}  // namespace

TEST_CASE("relay wire: bitmaps must have exactly one bit per validator and nothing past it") {
  CHECK(WireCode(RawStatus({4}, {0x0F}, {0x00})) == "ok");
  CHECK(WireCode(RawStatus({9}, {0xFF, 0x01}, {0x00, 0x00})) == "ok");
  CHECK(WireCode(RawStatus({4}, {0x0F, 0x00}, {0x00})) == "malformed");  // a byte too many
  CHECK(WireCode(RawStatus({9}, {0xFF}, {0x00, 0x00})) == "malformed");  // a byte short
  CHECK(WireCode(RawStatus({4}, {0x1F}, {0x00})) == "malformed");        // bit 4 of 4 validators
  CHECK(WireCode(RawStatus({4}, {0x00}, {0x80})) == "malformed");
  CHECK(WireCode(RawStatus({0}, {}, {})) == "malformed");            // no validators
  CHECK(WireCode(RawStatus({0x81, 0x08}, {}, {})) == "malformed");   // 1025: more than any set
}

// Issue 15, seed 20001816: the precommits that moved a validator out of a round can be the only
// honest copies (a Byzantine signer sent them to it alone). They go to the WAL before it leaves,
// so after a crash it still relays them to the validators left in that round.
TEST_CASE("relay after restart: precommits that moved a validator out of a round survive a crash") {
  ScriptedNet net({1, 1, 1, 1});
  (void)PrecommitOnlyZeroHolds(net);  // 0 holds its own and 2's precommit for B; 1 holds only its own
  const std::string quorum = net.Send(0, SignedVote(3, VoteType::kPrecommit, 1, 0, cs::kNilHash));
  CHECK(Has(quorum, "0: schedule precommit h=1 r=0"));
  const std::string left = net.Fire(0, cs::Step::kPrecommit);
  CHECK(Has(left, "0: persist received-precommits h=1 r=0 block=nil precommits=1"));
  CHECK(Has(left, "0: persist received-precommits h=1 r=0 block=B1.0 precommits=1"));
  CHECK(left.find("persist received-precommits") < left.find("0: schedule propose h=1 r=1"));  // before it leaves
  CHECK(net.core(0).snapshot().round == 1);
  const Bytes wal = net.wal_body(0);

  net.Crash(0);
  (void)net.Restart(0);
  cs::RoundStatus status_of_1 = RoundAt(1, 0);
  status_of_1.has_proposal = true;
  status_of_1.prevotes.assign(4, true);
  status_of_1.precommits[1] = true;
  const std::vector<std::string> answer =
      Described(net.core(0).Handle(cs::MessageReceived{status_of_1, 1u}).effects);
  const auto sent = [&](const std::string& part) {
    return std::count_if(answer.begin(), answer.end(), [&](const std::string& l) { return Has(net.Label(l), part); });
  };
  CHECK(sent("send-to 1 precommit h=1 r=0 block=B1.0 from=0") == 1);
  CHECK(sent("send-to 1 precommit h=1 r=0 block=B1.0 from=2") == 1);
  CHECK(sent("send-to 1 precommit h=1 r=0 block=nil from=3") == 1);
  for (const cs::Effect& e : net.core(0).Handle(cs::MessageReceived{status_of_1, 1u}).effects) {
    if (const auto* send = std::get_if<cs::SendTo>(&e)) (void)net.Send(1, send->message, 0u);
  }
  REQUIRE(net.commits(1).size() == 1);  // 2's precommit, which only 0 held, completed 1's quorum

  // The same WAL without the received-precommits records (what a WAL held before issue 15's
  // fix): the restarted validator has nothing of 2's or 3's to give.
  auto replay = shanliu::node::DecodeWalFrames(wal);
  REQUIRE(replay.ok());
  std::vector<cs::WalRecord> own_only;
  for (const Bytes& frame : replay->records) {
    auto record = cs::DecodeWalRecord(frame);
    REQUIRE(record.ok());
    if (record->kind != cs::WalRecordKind::kReceivedPrecommits) own_only.push_back(*record);
  }
  CHECK(own_only.size() + 2 == replay->records.size());
  auto forgetful = cs::Core::Create(net.config(), sim::ValidatorKey(0), own_only);
  REQUIRE(forgetful.ok());
  (void)forgetful->Handle(cs::Start{1});
  for (const std::string& line : Described(forgetful->Handle(cs::MessageReceived{status_of_1, 1u}).effects)) {
    CHECK_FALSE(Has(line, "from=2"));
    CHECK_FALSE(Has(line, "from=3"));
  }
}

// A validator with a decision's precommits but not its block says so in its status; a peer with
// that round's proposal sends it, and the validator commits without anyone having decided.
TEST_CASE("relay: a status lacking a decided round's proposal brings it, and the validator commits") {
  ScriptedNet net({1, 1, 1, 1});
  (void)net.Start();  // validator 1 proposes B (h=1 r=0)
  net.Discard(0);     // 0 never gets the proposal
  const Hash256 b = *sim::BlockIdentity(net.BlockFor(1, 0, 1));
  std::string held;
  for (std::uint32_t v : {1u, 2u, 3u}) held += net.Send(0, SignedVote(v, VoteType::kPrecommit, 1, 0, b));
  CHECK(Has(held, "0: persist received-precommits h=1 r=0 block=B1.0 precommits=3"));
  CHECK(net.commits(0).empty());
  (void)net.Fire(0, cs::Step::kPrecommit);  // on to round 1: the status no longer names round 0
  CHECK(net.core(0).snapshot().round == 1);
  (void)net.Tick(0);
  const std::string stuck = net.Tick(0);
  CHECK(Has(stuck, "0: broadcast status h=1 r=1 proposal=no prevotes=0 precommits=0 lacks-decided-proposal=0"));
  net.Discard(2);
  net.Discard(3);
  const std::string answer = net.Deliver(1, 0);
  CHECK(Has(answer, "1: send-to 0 proposal h=1 r=0"));
  const std::string decided = net.Deliver(0, 1);
  CHECK(Has(decided, "0: commit h=1 r=0"));
  REQUIRE(net.commits(0).size() == 1);
  CHECK(net.commits(0)[0].block_hash == b);
}

TEST_CASE("relay: the lacking-proposal round is bounded by max_round, and answered only by a holder") {
  ScriptedNet net({1, 1, 1, 1}, [](cs::Config& c) { c.max_round = 10; });
  (void)net.Start();
  (void)net.Deliver(2, 1);  // 2 holds validator 1's proposal of round 0
  cs::RoundStatus status = RoundAt(1, 1);
  status.decided_round_lacking_proposal = 11;
  CHECK(Code(net.core(2), status, 0u) == "round_out_of_range");
  status.decided_round_lacking_proposal = 10;  // the last round there is: fine, but nobody holds it
  const cs::Output none = net.core(2).Handle(cs::MessageReceived{status, 0u});
  CHECK(none.status.ok());
  for (const std::string& line : Described(none.effects)) CHECK_FALSE(Has(line, "proposal"));
  status.decided_round_lacking_proposal = 0;
  const cs::Output one = net.core(2).Handle(cs::MessageReceived{status, 0u});
  const std::vector<std::string> lines = Described(one.effects);
  CHECK(std::count_if(lines.begin(), lines.end(), [](const std::string& l) { return Has(l, "send-to 0 proposal"); }) ==
        1);
  status.decided_round_lacking_proposal.reset();  // without the field: no proposal of another round
  (void)net.Tick(2);                              // a fresh budget
  for (const std::string& line : Described(net.core(2).Handle(cs::MessageReceived{status, 0u}).effects)) {
    CHECK_FALSE(Has(line, "proposal"));
  }
}

TEST_CASE("relay wire: the lacking-proposal round survives encoding, and its absence too") {
  cs::RoundStatus status = RoundAt(3, 2);
  CHECK_FALSE(std::get<cs::RoundStatus>(*cs::DecodeMessage(cs::EncodeMessage(status), 1 << 20))
                  .decided_round_lacking_proposal.has_value());
  for (const std::uint32_t round : {0u, 1u, 0xFFFFFFFFu}) {
    status.decided_round_lacking_proposal = round;
    auto back = cs::DecodeMessage(cs::EncodeMessage(status), 1 << 20);
    REQUIRE(back.ok());
    CHECK(std::get<cs::RoundStatus>(*back).decided_round_lacking_proposal == round);
  }
}

// Soak seed 30011575: a chain that never stalls sends no statuses, so a validator far behind
// learned of peers far ahead only from the messages it dropped as height_too_far, and caught
// up one height per tick. Such a message from an authenticated peer now asks it at once.
TEST_CASE("catch-up: a message two heights ahead from an authenticated peer asks it at once") {
  ScriptedNet late({1, 1, 1, 1});
  (void)late.StartOne(0);
  cs::Core& core = late.core(0);
  const cs::Vote far = SignedVote(2, VoteType::kPrevote, 3, 0, cs::kNilHash);
  // Without an authenticated sender the signer's claim is not taken as a peer's height.
  const cs::Output anonymous = core.Handle(cs::MessageReceived{far, std::nullopt});
  CHECK(anonymous.status.code() == "height_too_far");
  CHECK(Described(anonymous.effects).empty());
  // One height ahead is the usual skew: kept for later, nothing asked.
  const cs::Output next = core.Handle(cs::MessageReceived{SignedVote(2, VoteType::kPrevote, 2, 0, cs::kNilHash), 2u});
  CHECK(next.status.ok());
  CHECK(Described(next.effects).empty());
  const cs::Output ahead = core.Handle(cs::MessageReceived{far, 2u});
  CHECK(ahead.status.code() == "height_too_far");
  CHECK(Described(ahead.effects) == std::vector<std::string>{"request-decision h=1 ahead=2"});
  CHECK(Described(core.Handle(cs::MessageReceived{far, 2u}).effects).empty());  // asked already at this height
  CHECK(Described(core.Handle(cs::MessageReceived{far, 9u}).effects).empty());  // no such validator
}
