// ValidatorSetChange (DESIGN 4.1, docs/rules.md "Validator set changes"): the rule and every bad
// input, the set history in state (ValidatorsAt against a recount over random sequences), headers
// naming set(h) and set(h+1), certificates checked against set(h) on commit, replay and reopen,
// and the light-client walk (FollowValidatorTransitions) with its JSON; the origin key hand-over a
// change may carry (its rule, every bad input, and OriginKeysAt before, at and after it).
#include <doctest/doctest.h>
#include <sodium.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <random>

#include "shanliu/audit/audit.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/json.h"
#include "shanliu/ledger/origin_keys.h"
#include "shanliu/ledger/replay.h"
#include "shanliu/ledger/signing_request.h"
#include "shanliu/ledger/validator_set.h"
#include "shanliu/ledger/verify_pool.h"
#include "frost_sign.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::ExpectRejected;
using shanliu::testing::TempDir;
using shanliu::testing::TestChain;
using shanliu::testing::TestKey;

namespace {

std::string KeyBytes(const crypto::KeyPair& k) { return std::string(k.public_key.begin(), k.public_key.end()); }
std::string Raw(const Hash256& h) { return std::string(h.begin(), h.end()); }

struct Update {
  std::string key;  // raw bytes (any length: malformed ones too)
  std::uint64_t power = 0;
  std::string org;
};

// Four genesis validators of power 1 (validator-0 .. validator-3: the bureau, the federation and
// the bank run them), a second bank ("bank-2") and a charity registered on the chain.
struct Fixture {
  // `more` adjusts the genesis further (e.g. gives it an origin_key).
  explicit Fixture(const std::function<void(ledger::Genesis&)>& more = {})
      : chain([&more](ledger::Genesis& g) {
          g.validators = {{TestKey("validator-0").public_key, 1, "bureau"},
                          {TestKey("validator-1").public_key, 1, "federation"},
                          {TestKey("validator-2").public_key, 1, "bank-1"},
                          {TestKey("validator-3").public_key, 1, "bank-1"}};
          if (more) more(g);
        }) {
    for (int i = 1; i < 8; ++i) chain.validator_keys.push_back(Key(i));
    REQUIRE(chain.RegisterOrg("bank-2", pb::ORG_KIND_BANK, bank2).ok());
    REQUIRE(chain.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, sunshine).ok());
  }
  static crypto::KeyPair Key(int i) { return TestKey("validator-" + std::to_string(i)); }
  const crypto::KeyPair& Held(int i) const { return i == 0 ? chain.validator() : chain.validator_keys[static_cast<std::size_t>(i - 1)]; }

  // A change signed by the bureau (unless `bureau` is false) and validators `signers` (indexes of Key()).
  Bytes Change(const std::vector<Update>& updates, std::uint64_t effective_height, const std::vector<int>& signers,
               bool bureau = true, const std::optional<pb::OriginKeyHandover>& handover = std::nullopt) {
    std::vector<const crypto::KeyPair*> keys;
    if (bureau) keys.push_back(&chain.bureau);
    for (int i : signers) keys.push_back(&Held(i));
    return chain.MakeTx(
        [&](pb::TxBody& b) {
          auto* p = b.mutable_validator_set_change();
          for (const Update& u : updates) {
            auto* e = p->add_updates();
            e->set_public_key(u.key);
            e->set_voting_power(u.power);
            e->set_org_id(u.org);
          }
          p->set_effective_height(effective_height);
          if (handover) *p->mutable_origin_key() = *handover;
        },
        keys);
  }
  std::uint64_t Next() { return chain.ledger().height() + 1; }  // the height the next tx executes at
  std::vector<ledger::Validator> At(std::uint64_t h) {
    auto set = chain.ledger().ValidatorsAt(h);
    REQUIRE(set.ok());
    return *set;
  }
  // Empty blocks are never built (no txs): a self-reported donation fills each.
  void Advance(int blocks) {
    for (int i = 0; i < blocks; ++i) REQUIRE(chain.Commit(chain.DonationTx("org:sunshine", 100, sunshine)).ok());
  }

  TestChain chain;
  crypto::KeyPair bank2 = TestKey("bank-2");
  crypto::KeyPair sunshine = TestKey("sunshine");
};

bool SameSet(const std::vector<ledger::Validator>& a, const std::vector<ledger::Validator>& b) {
  return ledger::ValidatorsHash(a) == ledger::ValidatorsHash(b) &&
         std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const ledger::Validator& x, const ledger::Validator& y) { return x.org_id == y.org_id; });
}

}  // namespace

TEST_CASE("a ValidatorSetChange adds a validator from its effective height on") {
  Fixture f;
  const auto before = f.At(f.Next());
  REQUIRE(before.size() == 4);
  const std::uint64_t e = f.Next() + 2;
  REQUIRE(f.chain.Commit(f.Change({{KeyBytes(Fixture::Key(4)), 1, "bank-2"}}, e, {0, 1, 2})).ok());
  const auto after = f.At(e);
  REQUIRE(after.size() == 5);
  CHECK(after[4].public_key == Fixture::Key(4).public_key);
  CHECK(after[4].org_id == "bank-2");
  CHECK(SameSet(f.At(e - 1), before));
  CHECK(f.chain.ledger().ValidatorTransitions(e).size() == 1);
  CHECK(f.chain.ledger().ValidatorTransitions(e - 1).empty());

  f.Advance(1);  // block e-1: signed by the old set, announcing the new one
  CHECK(f.chain.ledger().height() == e - 1);
  CHECK(f.chain.ledger().head().validators_hash() == Raw(ledger::ValidatorsHash(before)));
  CHECK(f.chain.ledger().head().next_validators_hash() == Raw(ledger::ValidatorsHash(after)));

  // Block e: 3 of the 5 new validators hold 3/5 <= 2/3, so that certificate is refused.
  const Bytes tx = f.chain.DonationTx("org:sunshine", 100, f.sunshine);
  const std::vector<ledger::DecodedTx> candidates = {f.chain.Decode(tx)};
  ledger::BuildResult built = f.chain.ledger().BuildBlock(candidates, f.chain.ledger().head().time_ms() + 1000, 0);
  const auto& h = built.executed.block.header();
  CHECK(h.validators_hash() == Raw(ledger::ValidatorsHash(after)));
  std::vector<pb::CommitSignature> three;
  for (std::uint32_t i = 0; i < 3; ++i) {
    three.push_back(ledger::SignPrecommit(f.chain.genesis().chain_id, h.height(), 0, built.executed.hash, i, f.Held(static_cast<int>(i)).secret_key));
  }
  CHECK(f.chain.ledger().Commit(built.executed, ledger::MakeCommitCertificate(h.height(), 0, built.executed.hash, three)).code() == "bad_commit");
  // With the new validator's precommit too (4 of 5) it commits.
  three.push_back(ledger::SignPrecommit(f.chain.genesis().chain_id, h.height(), 0, built.executed.hash, 4, Fixture::Key(4).secret_key));
  CHECK(f.chain.ledger().Commit(built.executed, ledger::MakeCommitCertificate(h.height(), 0, built.executed.hash, three)).ok());
  CHECK(f.chain.ledger().head().next_validators_hash() == Raw(ledger::ValidatorsHash(after)));
}

TEST_CASE("removals keep the order of the rest, re-weights stay in place, additions are appended") {
  Fixture f;
  const std::uint64_t e = f.Next() + 3;
  REQUIRE(f.chain.Commit(f.Change({{KeyBytes(Fixture::Key(5)), 2, "bank-2"},
                                   {KeyBytes(Fixture::Key(1)), 0, ""},
                                   {KeyBytes(Fixture::Key(2)), 7, "bank-1"},
                                   {KeyBytes(Fixture::Key(4)), 3, "federation"}},
                                  e, {0, 1, 2, 3}))
              .ok());
  const auto set = f.At(e);
  REQUIRE(set.size() == 5);
  const int order[] = {0, 2, 3, 5, 4};
  const std::uint64_t powers[] = {1, 7, 1, 2, 3};
  for (std::size_t i = 0; i < set.size(); ++i) {
    CHECK(set[i].public_key == Fixture::Key(order[i]).public_key);
    CHECK(set[i].voting_power == powers[i]);
  }
  // The state root covers the history: the row is a state-map leaf.
  CHECK(f.chain.ledger().VerifyState().ok());
}

TEST_CASE("every bad ValidatorSetChange is refused with its own code and writes nothing") {
  Fixture f;
  const std::string k4 = KeyBytes(Fixture::Key(4));
  const std::uint64_t e = f.Next() + 2;
  SUBCASE("signed by validators holding 2/3 or less") {
    ExpectRejected(f.chain, f.Change({{k4, 1, "bank-2"}}, e, {0, 1}), "validator_quorum");
    ExpectRejected(f.chain, f.Change({{k4, 1, "bank-2"}}, e, {}), "validator_quorum");
    // Keys outside the set count for nothing.
    ExpectRejected(f.chain, f.Change({{k4, 1, "bank-2"}}, e, {0, 1, 4, 5}), "validator_quorum");
    // Exactly 2/3 is not more than 2/3: three validators of power 1, two sign.
    TestChain three([](ledger::Genesis& g) {
      g.validators = {{TestKey("validator-0").public_key, 1, "bureau"},
                      {TestKey("validator-1").public_key, 1, "federation"},
                      {TestKey("validator-2").public_key, 1, "bank-1"}};
    });
    three.validator_keys = {Fixture::Key(1), Fixture::Key(2)};
    auto change = [&](std::vector<const crypto::KeyPair*> signers) {
      return three.MakeTx(
          [&](pb::TxBody& b) {
            auto* u = b.mutable_validator_set_change()->add_updates();
            u->set_public_key(KeyBytes(Fixture::Key(2)));
            u->set_voting_power(5);
            b.mutable_validator_set_change()->set_effective_height(three.ledger().height() + 3);
          },
          signers);
    };
    const crypto::KeyPair v1 = Fixture::Key(1), v2 = Fixture::Key(2);
    ExpectRejected(three, change({&three.bureau, &three.validator(), &v1}), "validator_quorum");
    CHECK(three.DryRun(change({&three.bureau, &three.validator(), &v1, &v2})).first.ok());
  }
  SUBCASE("without the bureau") { ExpectRejected(f.chain, f.Change({{k4, 1, "bank-2"}}, e, {0, 1, 2, 3}, false), "wrong_signer"); }
  SUBCASE("leaving no validator") {
    std::vector<Update> all;
    for (int i = 0; i < 4; ++i) all.push_back({KeyBytes(Fixture::Key(i)), 0, ""});
    ExpectRejected(f.chain, f.Change(all, e, {0, 1, 2, 3}), "empty_validator_set");
  }
  SUBCASE("effective in the past, too soon or too far") {
    const std::uint64_t h = f.Next();
    ExpectRejected(f.chain, f.Change({{k4, 1, "bank-2"}}, h - 1, {0, 1, 2}), "invalid_effective_height");
    ExpectRejected(f.chain, f.Change({{k4, 1, "bank-2"}}, h, {0, 1, 2}), "invalid_effective_height");
    ExpectRejected(f.chain, f.Change({{k4, 1, "bank-2"}}, h + 1, {0, 1, 2}), "invalid_effective_height");
    ExpectRejected(f.chain, f.Change({{k4, 1, "bank-2"}}, h + ledger::kMaxValidatorChangeLeadBlocks + 1, {0, 1, 2}),
                   "invalid_effective_height");
    CHECK(f.chain.DryRun(f.Change({{k4, 1, "bank-2"}}, h + ledger::kMaxValidatorChangeLeadBlocks, {0, 1, 2})).first.ok());
  }
  SUBCASE("adding a key already in the set under another organisation") {
    ExpectRejected(f.chain, f.Change({{KeyBytes(Fixture::Key(1)), 2, "bank-2"}}, e, {0, 1, 2}), "duplicate_validator");
  }
  SUBCASE("removing or re-weighting a key not in the set") {
    ExpectRejected(f.chain, f.Change({{k4, 0, ""}}, e, {0, 1, 2}), "unknown_validator");
    ExpectRejected(f.chain, f.Change({{k4, 5, ""}}, e, {0, 1, 2}), "unknown_validator");
  }
  SUBCASE("an unknown, suspended or wrong-kind organisation") {
    ExpectRejected(f.chain, f.Change({{k4, 1, "no-such-bank"}}, e, {0, 1, 2}), "unknown_org");
    ExpectRejected(f.chain, f.Change({{k4, 1, "sunshine"}}, e, {0, 1, 2}), "wrong_kind");
    REQUIRE(f.chain.Commit(f.chain.MakeTx(
                               [](pb::TxBody& b) {
                                 b.mutable_update_org()->set_org_id("bank-2");
                                 b.mutable_update_org()->set_status(pb::ORG_STATUS_SUSPENDED);
                                 b.mutable_update_org()->set_reason("整改");
                               },
                               {&f.chain.bureau}))
                .ok());
    ExpectRejected(f.chain, f.Change({{k4, 1, "bank-2"}}, f.Next() + 2, {0, 1, 2}), "suspended");
  }
  SUBCASE("while another change is pending") {
    REQUIRE(f.chain.Commit(f.Change({{k4, 1, "bank-2"}}, f.Next() + 4, {0, 1, 2})).ok());
    ExpectRejected(f.chain, f.Change({{KeyBytes(Fixture::Key(5)), 1, "bank-2"}}, f.Next() + 2, {0, 1, 2}),
                   "validator_change_pending");
  }
  SUBCASE("more than 100 validators") {
    TestChain big([](ledger::Genesis& g) {
      g.validators = {{TestKey("validator-0").public_key, ledger::kMaxValidatorVotingPower, "bureau"}};
      for (int i = 1; i < 100; ++i) g.validators.push_back({TestKey("filler-" + std::to_string(i)).public_key, 1, "bank-1"});
    });
    const Bytes tx = big.MakeTx(
        [&](pb::TxBody& b) {
          auto* u = b.mutable_validator_set_change()->add_updates();
          u->set_public_key(k4);
          u->set_voting_power(1);
          u->set_org_id("bank-1");
          b.mutable_validator_set_change()->set_effective_height(big.ledger().height() + 3);
        },
        {&big.bureau, &big.validator()});
    ExpectRejected(big, tx, "too_many_validators");
  }
}

TEST_CASE("stateless ValidatorSetChange shapes are refused before any state is read") {
  Fixture f;
  auto decode = [&](const std::vector<Update>& updates, std::uint64_t e) {
    return ledger::DecodeTx(f.Change(updates, e, {0, 1, 2}), f.chain.genesis().chain_id).status();
  };
  const std::string k4 = KeyBytes(Fixture::Key(4));
  CHECK(decode({{k4.substr(0, 31), 1, "bank-2"}}, 10).code() == "malformed");
  CHECK(decode({{k4 + "x", 1, "bank-2"}}, 10).code() == "malformed");
  CHECK(decode({{k4, 1, "bank-2"}, {k4, 2, "bank-2"}}, 10).code() == "duplicate_validator");
  CHECK(decode({{k4, ledger::kMaxValidatorVotingPower + 1, "bank-2"}}, 10).code() == "invalid_voting_power");
  CHECK(decode({{k4, ledger::kMaxValidatorVotingPower, "bank-2"}}, 10).ok());
  CHECK(decode({{k4, 1, "Bank 2"}}, 10).code() == "malformed");
  CHECK(decode({}, 10).code() == "malformed");
  CHECK(decode({{k4, 1, "bank-2"}}, 0).code() == "malformed");
  // A change may carry the bureau's and every validator's signature; other kinds at most 4.
  CHECK(ledger::MaxSignatures(pb::TxBody()) == ledger::TxLimits::kMaxSignatures);
  pb::TxBody body;
  body.mutable_validator_set_change();
  CHECK(ledger::MaxSignatures(body) == ledger::kMaxValidatorSetChangeSignatures);
  CHECK(decode({{k4, 1, "bank-2"}}, 10).ok());  // 4 signatures: the bureau and 3 validators
  std::vector<int> all = {0, 1, 2, 3, 4, 5, 6, 7};
  CHECK(ledger::DecodeTx(f.Change({{k4, 1, "bank-2"}}, 10, all), f.chain.genesis().chain_id).ok());
}

// Random changes (valid and not) over many blocks: ValidatorsAt agrees with a recount of the
// committed changes at every height, and each header names set(h) and set(h+1).
TEST_CASE("ValidatorsAt always equals a recount over random sequences of changes") {
  Fixture f;
  std::mt19937_64 rng(20261207);
  const std::vector<std::string> orgs = {"bureau", "federation", "bank-1", "bank-2"};
  std::map<std::uint64_t, std::vector<ledger::Validator>> committed;  // effective height -> set
  committed[0] = f.chain.genesis().validators;
  auto recount = [&](std::uint64_t h) { return std::prev(committed.upper_bound(h))->second; };
  int applied = 0, refused = 0;
  for (int step = 0; step < 80; ++step) {
    const std::uint64_t h = f.Next();
    const std::vector<ledger::Validator> current = recount(h);
    std::vector<Update> updates;
    std::vector<ledger::Validator> expected = current;
    for (int n = static_cast<int>(rng() % 3) + 1; n > 0; --n) {
      const int k = static_cast<int>(rng() % 8);
      const crypto::PublicKey key = Fixture::Key(k).public_key;
      if (std::any_of(updates.begin(), updates.end(), [&](const Update& u) { return u.key == KeyBytes(Fixture::Key(k)); })) continue;
      auto it = std::find_if(expected.begin(), expected.end(), [&](const ledger::Validator& v) { return v.public_key == key; });
      const std::uint64_t power = rng() % 4;  // 0 removes
      if (it == expected.end() && power == 0) continue;
      const std::string org = it == expected.end() ? orgs[rng() % orgs.size()] : "";
      updates.push_back({KeyBytes(Fixture::Key(k)), power, org});
      if (it == expected.end()) {
        expected.push_back({key, power, org});
      } else if (power == 0) {
        expected.erase(it);
      } else {
        it->voting_power = power;
      }
    }
    if (updates.empty()) {
      f.Advance(1);
      continue;
    }
    // Sometimes only part of the set signs (then a quorum may be missing).
    std::vector<int> signers;
    for (int k = 0; k < 8; ++k) {
      if (rng() % 5 != 0) signers.push_back(k);
    }
    const std::uint64_t e = h + 2 + rng() % 4;
    const Status s = f.chain.Commit(f.Change(updates, e, signers));
    if (s.ok()) {
      REQUIRE(!expected.empty());
      committed[e] = expected;
      ++applied;
    } else {
      CHECK_MESSAGE((s.code() == "validator_quorum" || s.code() == "validator_change_pending" ||
                     s.code() == "empty_validator_set"),
                    s.ToString());
      ++refused;
      f.Advance(1);
    }
    const pb::BlockHeader head = f.chain.ledger().head();
    CHECK(head.validators_hash() == Raw(ledger::ValidatorsHash(recount(head.height()))));
    CHECK(head.next_validators_hash() == Raw(ledger::ValidatorsHash(recount(head.height() + 1))));
    for (std::uint64_t x = 0; x <= head.height() + 2; ++x) CHECK(SameSet(f.At(x), recount(x)));
  }
  CHECK(applied >= 10);
  CHECK(refused >= 5);
  CHECK(f.chain.ledger().ValidatorTransitions(UINT64_MAX).size() == committed.size() - 1);
  CHECK(f.chain.ledger().VerifyState().ok());
}

namespace {

// A chain that changed its set twice (4 -> 5 -> 4 with a re-weight), then grew past both.
struct Changed : Fixture {
  Changed() {
    e1 = Next() + 2;
    REQUIRE(chain.Commit(Change({{KeyBytes(Key(4)), 1, "bank-2"}}, e1, {0, 1, 2})).ok());
    Advance(3);
    e2 = Next() + 3;
    REQUIRE(chain.Commit(Change({{KeyBytes(Key(0)), 0, ""}, {KeyBytes(Key(2)), 2, ""}}, e2, {0, 1, 2, 4})).ok());
    Advance(5);
    REQUIRE(chain.ledger().height() >= e2 + 1);
  }
  std::vector<pb::CommittedBlock> Blocks() {
    auto view = chain.ledger().Read();
    std::vector<pb::CommittedBlock> out;
    for (std::uint64_t h = 1; h <= view->head().height(); ++h) out.push_back(*view->CommittedBlockAt(h));
    return out;
  }
  std::uint64_t e1 = 0, e2 = 0;
};

ledger::ReplayResult Replay(const ledger::Genesis& genesis, std::vector<pb::CommittedBlock> blocks, TempDir& dir,
                            std::unique_ptr<ledger::Ledger>* out = nullptr) {
  auto opened = ledger::Ledger::Open(dir.path(), genesis, {.sync_writes = false});
  REQUIRE(opened.ok());
  ledger::VerifyPool pool(2);
  const std::uint64_t to = blocks.size();
  ledger::VectorBlockSource source(1, std::move(blocks));
  auto result = ledger::Replayer(**opened, pool).Run(source, to);
  REQUIRE(result.ok());
  if (out) *out = std::move(*opened);
  return *result;
}

}  // namespace

TEST_CASE("a chain that changed its set replays, reopens and refuses a certificate of the wrong set") {
  Changed c;
  TempDir dir;
  std::unique_ptr<ledger::Ledger> replica;
  const ledger::ReplayResult ok = Replay(c.chain.genesis(), c.Blocks(), dir, &replica);
  CHECK(ok.ok());
  CHECK(replica->head_hash() == c.chain.ledger().head_hash());
  CHECK(SameSet(*replica->ValidatorsAt(c.e2), *c.chain.ledger().ValidatorsAt(c.e2)));
  replica.reset();
  // Reopening checks the head's and sampled blocks' certificates against their own sets.
  auto reopened = ledger::Ledger::Open(dir.path(), c.chain.genesis(), {.startup_sample_blocks = 1000});
  CHECK_MESSAGE(reopened.ok(), reopened.status().ToString());

  // Block e1 re-certified by the old set's validators 0..2 (indexes into the old set): the new
  // set's index 0..2 are the same keys, but 3 of 5 is not > 2/3.
  std::vector<pb::CommittedBlock> blocks = c.Blocks();
  pb::CommittedBlock& at_e1 = blocks[c.e1 - 1];
  const Hash256 hash = *ledger::BlockHash(at_e1.block().header());
  std::vector<pb::CommitSignature> old_set;
  for (std::uint32_t i = 0; i < 3; ++i) {
    old_set.push_back(ledger::SignPrecommit(c.chain.genesis().chain_id, c.e1, 0, hash, i, c.Held(static_cast<int>(i)).secret_key));
  }
  *at_e1.mutable_commit() = ledger::MakeCommitCertificate(c.e1, 0, hash, old_set);
  TempDir dir2;
  const ledger::ReplayResult bad = Replay(c.chain.genesis(), blocks, dir2);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.failure->height == c.e1);
  CHECK(bad.failure->check == ledger::ReplayCheck::kCommitCertificate);

  // A header at e1 - 1 that does not announce the change fails re-execution's header check.
  blocks = c.Blocks();
  pb::CommittedBlock& before = blocks[c.e1 - 2];
  before.mutable_block()->mutable_header()->set_next_validators_hash(before.block().header().validators_hash());
  const Hash256 forged = *ledger::BlockHash(before.block().header());
  *before.mutable_commit() = c.chain.SignCommit(c.e1 - 1, forged);
  TempDir dir3;
  const ledger::ReplayResult unannounced = Replay(c.chain.genesis(), blocks, dir3);
  REQUIRE_FALSE(unannounced.ok());
  CHECK(unannounced.failure->height == c.e1 - 1);
  CHECK(unannounced.failure->check == ledger::ReplayCheck::kHeaderFields);
}

TEST_CASE("the audit replays a chain across its validator-set changes") {
  Changed c;
  const std::uint64_t head = c.chain.ledger().height();
  c.chain.Close();  // the audit reads the data directory itself
  auto source = audit::OpenDataDirSource(c.chain.dir());
  REQUIRE(source.ok());
  audit::AuditOptions options;
  options.threads = 2;
  options.batch_blocks = 3;  // batches that straddle both changes
  auto report = audit::RunAudit(**source, c.chain.genesis(), options);
  REQUIRE(report.ok());
  INFO(audit::ReportText(*report));
  CHECK(report->ok());
  CHECK(report->blocks_checked == head);
}

TEST_CASE("FollowValidatorTransitions reaches the set that signs a header, and refuses tampering") {
  Changed c;
  auto view = c.chain.ledger().Read();
  const pb::BlockHeader head = view->head();
  const std::vector<ledger::ProvenTransition> ts = view->ProvenTransitions(head.height());
  REQUIRE(ts.size() == 2);
  CHECK(ts[0].effective_height == c.e1);
  CHECK(ts[1].effective_height == c.e2);
  const std::string chain_id = c.chain.genesis().chain_id;
  const auto& genesis_set = c.chain.genesis().validators;
  auto follow = [&](const std::vector<ledger::ProvenTransition>& t) {
    return ledger::FollowValidatorTransitions(chain_id, genesis_set, t, head.height());
  };
  auto followed = follow(ts);
  REQUIRE(followed.ok());
  CHECK(SameSet(*followed, view->ValidatorsAt(head.height())));
  CHECK(ledger::VerifyHeaderAgainstSet(chain_id, head, view->head_hash(), view->HeadCommit(), *followed).ok());
  // Only transitions up to a height: an older header needs only the first.
  CHECK(view->ProvenTransitions(c.e2 - 1).size() == 1);
  CHECK(view->ProvenTransitions(c.e1 - 1).empty());

  SUBCASE("a transition certified by a minority of the old set") {
    auto t = ts;
    t[1].commit.mutable_signatures()->DeleteSubrange(1, t[1].commit.signatures_size() - 1);
    CHECK(follow(t).status().code() == "invalid_transition");
  }
  SUBCASE("a forged next set") {
    auto t = ts;
    t[0].next_validators[0].voting_power = 100;
    CHECK(follow(t).status().code() == "invalid_transition");
    t = ts;
    t[1].next_validators.push_back({TestKey("mallory").public_key, 10, "bank-2"});
    CHECK(follow(t).status().code() == "invalid_transition");
  }
  SUBCASE("an omitted transition") {
    CHECK(follow({ts[1]}).status().code() == "invalid_transition");
    auto only_first = follow({ts[0]});
    REQUIRE(only_first.ok());  // consistent so far, but the head names the later set
    CHECK(ledger::VerifyHeaderAgainstSet(chain_id, head, view->head_hash(), view->HeadCommit(), *only_first).code() ==
          "invalid_transition");
    CHECK(ledger::VerifyHeaderAgainstSet(chain_id, head, view->head_hash(), view->HeadCommit(), genesis_set).code() ==
          "invalid_transition");
  }
  SUBCASE("reordered or repeated transitions") {
    CHECK(follow({ts[1], ts[0]}).status().code() == "invalid_transition");
    CHECK(follow({ts[0], ts[0]}).status().code() == "invalid_transition");
  }
  SUBCASE("a transition after the proven height or of another chain") {
    CHECK(ledger::FollowValidatorTransitions(chain_id, genesis_set, ts, c.e2 - 1).status().code() == "invalid_transition");
    CHECK(ledger::FollowValidatorTransitions("other-chain", genesis_set, ts, head.height()).status().code() ==
          "invalid_transition");
  }
  SUBCASE("a header that is not block E-1, or does not hash to block_hash") {
    auto t = ts;
    t[0].effective_height += 1;
    CHECK(follow(t).status().code() == "invalid_transition");
    t = ts;
    t[0].header.set_time_ms(t[0].header.time_ms() + 1);
    CHECK(follow(t).status().code() == "invalid_transition");
  }
}

TEST_CASE("validator transitions round-trip through their JSON, strictly") {
  Changed c;
  auto view = c.chain.ledger().Read();
  const std::vector<ledger::ProvenTransition> ts = view->ProvenTransitions(view->head().height());
  const nlohmann::json j = ledger::TransitionsToJson(ts);
  REQUIRE(j.size() == 2);
  CHECK(j[0]["effective_height"] == c.e1);
  CHECK(j[0]["header"]["height"] == c.e1 - 1);
  CHECK(j[0]["header"].contains("next_validators_hash"));
  CHECK(j[0]["commit"]["signatures"].is_array());
  CHECK(j[0]["next_validators"][4]["org_id"] == "bank-2");
  CHECK(j[0]["block_hash"] == crypto::ToHex(ts[0].block_hash));
  auto back = ledger::TransitionsFromJson(j, "validator_transitions");
  REQUIRE(back.ok());
  REQUIRE(back->size() == 2);
  CHECK(ledger::FollowValidatorTransitions(c.chain.genesis().chain_id, c.chain.genesis().validators, *back,
                                           view->head().height())
            .ok());
  nlohmann::json extra = j;
  extra[1]["surprise"] = 1;
  CHECK(ledger::TransitionsFromJson(extra, "validator_transitions").status().code() == "invalid_proof");
  nlohmann::json missing = j;
  missing[0]["header"].erase("next_validators_hash");
  CHECK(ledger::TransitionsFromJson(missing, "validator_transitions").status().code() == "invalid_proof");
  nlohmann::json short_key = j;
  short_key[0]["next_validators"][0]["public_key"] = "abcd";
  CHECK(ledger::TransitionsFromJson(short_key, "validator_transitions").status().code() == "invalid_proof");
  CHECK(ledger::TransitionsFromJson(nlohmann::json::object(), "validator_transitions").status().code() ==
        "invalid_proof");
}

namespace {

Hash256 RootOf(const pb::BlockHeader& header) {
  Hash256 root{};
  std::copy(header.log_root().begin(), header.log_root().end(), root.begin());
  return root;
}

const ledger::Validator& Member(const std::vector<ledger::Validator>& set, const crypto::KeyPair& key) {
  const auto it = std::find_if(set.begin(), set.end(), [&](const ledger::Validator& v) { return v.public_key == key.public_key; });
  REQUIRE(it != set.end());
  return *it;
}

}  // namespace

TEST_CASE("a checkpoint is cosigned by the set of the block that carries its log size") {
  Changed c;
  const ledger::Genesis& g = c.chain.genesis();
  auto view = c.chain.ledger().Read();
  const pb::BlockHeader head = view->head();
  const std::uint64_t size = head.log_size();
  const Hash256 root = RootOf(head);
  auto signers = view->CheckpointSignersAt(size);
  REQUIRE(signers.ok());
  CHECK(signers->height == head.height());  // every block of the fixture appends txs
  CHECK(SameSet(signers->validators, view->ValidatorsAt(head.height())));
  const auto cosign = [&](int i) { return ledger::MakeCosignature(g, Fixture::Key(i).secret_key, size, root, 1'767'300'000 + i); };

  SUBCASE("the added validator's line counts and keeps one name, the genesis ones keep theirs") {
    const ledger::Validator& added = Member(signers->validators, Fixture::Key(4));
    const std::string added_name = ledger::CosignerName(g, added);
    CHECK(added_name == "shanliu/" + g.chain_id + "/k" + crypto::ToHex(ByteView(added.public_key.data(), 8)) + "-bank-2");
    CHECK(ledger::CosignerName(g, Member(signers->validators, Fixture::Key(2))) == *ledger::CosignerName(g, 2));
    // Validators 1, 2 (power 2 now) and the new 4 hold 4 of 5.
    const std::vector<ledger::Cosignature> cs = {cosign(1), cosign(2), cosign(4)};
    const std::string note = ledger::CheckpointNote(g, signers->validators, size, root, cs);
    auto v = ledger::VerifyCheckpointNote(note, g, signers->validators);
    REQUIRE(v.ok());
    CHECK(v->cosigners.size() == 3);
    CHECK(v->cosigned_power == 4);
    CHECK(v->total_power == 5);
    CHECK(v->supermajority);
    CHECK(v->cosigners.back().name == added_name);
    CHECK(v->cosigners.back().org_id == "bank-2");
    // The same lines judged by the wrong (genesis) set: the new key is unknown, 2 of 4 do not suffice.
    auto wrong = ledger::VerifyCheckpointNote(note, g);
    REQUIRE(wrong.ok());
    CHECK_FALSE(wrong->supermajority);
    CHECK(wrong->cosigned_power == 2);
    CHECK(wrong->ignored.size() == 1);
  }
  SUBCASE("a removed validator's line no longer counts, and no note carries it") {
    const ledger::Validator removed = g.validators[0];
    const ledger::Cosignature old = cosign(0);
    CHECK(ledger::CheckpointNote(g, signers->validators, size, root, std::vector{old, cosign(1)}) ==
          ledger::CheckpointNote(g, signers->validators, size, root, std::vector{cosign(1)}));
    const std::string note = ledger::CheckpointNote(g, signers->validators, size, root, std::vector{cosign(1), cosign(3)}) +
                             ledger::CosignatureLine(g, removed, old);
    auto v = ledger::VerifyCheckpointNote(note, g, signers->validators);
    REQUIRE(v.ok());
    CHECK(v->cosigned_power == 2);
    CHECK_FALSE(v->supermajority);
    REQUIRE(v->ignored.size() == 1);
    CHECK(v->ignored[0].find("unknown key") != std::string::npos);
  }
  SUBCASE("older sizes are the older sets'") {
    auto first = view->CheckpointSignersAt(1);
    REQUIRE(first.ok());
    CHECK(SameSet(first->validators, g.validators));
    auto before_e2 = view->Block(c.e2 - 1);
    REQUIRE(before_e2);
    auto mid = view->CheckpointSignersAt(before_e2->header().log_size());
    REQUIRE(mid.ok());
    CHECK(mid->height == c.e2 - 1);
    CHECK(mid->validators.size() == 5);
    CHECK(view->CheckpointSignersAt(size + 1).status().code() == "unknown_checkpoint");
    CHECK(view->CheckpointSignersAt(0)->height == 0);
  }
  SUBCASE("the collector counts the set of each size and refuses keys outside it") {
    ledger::CheckpointCollector collector(g, [&](std::uint64_t s) -> std::optional<ledger::SignersLookup> {
      auto found = c.chain.ledger().Read()->CheckpointSignersAt(s);
      if (!found.ok()) return std::nullopt;
      return ledger::SignersLookup{found->validators, true};
    });
    CHECK(collector.Add(size, root, cosign(0)).code() == "unknown_validator");  // removed at e2
    CHECK(collector.Add(size + 1, root, cosign(1)).code() == "unknown_checkpoint");
    REQUIRE(collector.Add(size, root, cosign(4)).ok());
    REQUIRE(collector.Add(size, root, cosign(1)).ok());
    CHECK_FALSE(collector.Best()->supermajority);
    REQUIRE(collector.Add(size, root, cosign(2)).ok());
    auto best = collector.Best();
    REQUIRE(best);
    CHECK(best->supermajority);
    CHECK(best->cosigned_power == 4);
    auto v = ledger::VerifyCheckpointNote(best->note, g, signers->validators);
    REQUIRE(v.ok());
    CHECK(v->supermajority);
    // A size before e1 is the genesis set's: validator 0 counts there, the later 4 does not.
    auto early = view->Block(c.e1 - 1);
    REQUIRE(early);
    const std::uint64_t early_size = early->header().log_size();
    const Hash256 early_root = RootOf(early->header());
    CHECK(collector.Add(early_size, early_root,
                        ledger::MakeCosignature(g, Fixture::Key(4).secret_key, early_size, early_root, 5))
              .code() == "unknown_validator");
    CHECK(collector.Add(early_size, early_root,
                        ledger::MakeCosignature(g, Fixture::Key(0).secret_key, early_size, early_root, 5))
              .ok());
  }
  SUBCASE("a light verifier follows the transitions to the checkpoint's set") {
    const std::vector<ledger::ProvenTransition> ts = view->ProvenTransitions(head.height());
    const auto light = [&](std::span<const ledger::ProvenTransition> t, const pb::BlockHeader& h, std::uint64_t s) {
      return ledger::CheckpointSignersFromProof(g, t, h, view->head_hash(), view->HeadCommit(), s, root);
    };
    auto followed = light(ts, head, size);
    REQUIRE(followed.ok());
    CHECK(followed->height == head.height());
    CHECK(SameSet(followed->validators, signers->validators));
    CHECK(light({ts.begin(), ts.begin() + 1}, head, size).status().code() == "invalid_transition");
    CHECK(light(ts, head, size - 1).status().code() == "checkpoint_mismatch");
    auto forged = ts;
    forged[1].next_validators.push_back({TestKey("mallory").public_key, 10, "bank-2"});
    CHECK(light(forged, head, size).status().code() == "invalid_transition");
    pb::BlockHeader other = head;
    other.set_time_ms(other.time_ms() + 1);  // no longer the certified block
    CHECK_FALSE(light(ts, other, size).ok());
    CHECK(ledger::CheckpointSignersFromProof(g, {}, pb::BlockHeader{}, Hash256{}, pb::CommitCertificate{}, 0, root)->height == 0);
  }
}

// ---------------------------------------------------------------- origin key hand-over (issue 20)

namespace {

namespace frost = crypto::frost;

frost::SecretScalar Small(std::uint8_t v) {
  frost::ScalarBytes b{};
  b[0] = v;
  return frost::SecretScalar(b);
}

// The genesis dealer's secret: a hand-over reshares it (the same group key, new shares).
const frost::SecretScalar& GroupSecret() {
  static const frost::SecretScalar secret = Small(42);
  return secret;
}

// n shares at the origin threshold of `secret`, the other coefficients from `seed`.
frost::DealerOutput Deal(const frost::SecretScalar& secret, std::uint16_t n, std::uint8_t seed) {
  const std::uint16_t t = ledger::OriginThreshold(n);
  std::vector<frost::SecretScalar> coefficients;
  for (std::uint16_t k = 1; k < t; ++k) coefficients.push_back(Small(static_cast<std::uint8_t>(seed + k)));
  auto dealer = frost::TrustedDealerKeygen(secret, coefficients, n, t);
  REQUIRE(dealer.ok());
  return std::move(*dealer);
}

std::vector<crypto::PublicKey> Keys(const std::vector<int>& indexes) {
  std::vector<crypto::PublicKey> out;
  for (int i : indexes) out.push_back(Fixture::Key(i).public_key);
  return out;
}

pb::OriginKeyHandover Handover(const frost::PublicKeyPackage& shares, const std::vector<crypto::PublicKey>& keys) {
  return ledger::OriginKeyHandoverOf(ledger::OriginKeySet{shares, keys});
}

// The Fixture's four validators with a 3-of-4 genesis origin key of GroupSecret().
Fixture WithOriginKey() {
  return Fixture([](ledger::Genesis& g) {
    const frost::DealerOutput dealt = Deal(GroupSecret(), 4, 10);
    g.origin_key = ledger::GenesisOriginKey{dealt.public_keys.verifying_key, dealt.public_keys.min_signers, {}};
    for (const auto& [id, share] : dealt.public_keys.verifying_shares) g.origin_key->verifying_shares.push_back(share);
  });
}

bool SameKeys(const std::optional<ledger::OriginKeySet>& a, const std::optional<ledger::OriginKeySet>& b) {
  if (!a || !b) return !a && !b;
  return a->participants == b->participants && a->public_keys.verifying_key == b->public_keys.verifying_key &&
         a->public_keys.verifying_shares == b->public_keys.verifying_shares &&
         a->public_keys.min_signers == b->public_keys.min_signers;
}

// min_signers of the dealt shares, the last ones, sign; the aggregate must be a plain Ed25519
// signature under `group_key` (what a witness configured at genesis checks).
void SignsUnder(const frost::DealerOutput& dealt, const crypto::PublicKey& group_key) {
  std::map<frost::Identifier, frost::KeyPackage> keys;
  std::vector<frost::Identifier> signers;
  const std::size_t t = dealt.public_keys.min_signers;
  for (std::size_t i = dealt.shares.size() - t; i < dealt.shares.size(); ++i) {
    auto key = frost::VerifySecretShare(dealt.shares[i]);
    REQUIRE(key.ok());
    signers.push_back(key->identifier);
    keys.emplace(key->identifier, std::move(*key));
  }
  const Bytes message = ToBytes("shanliu checkpoint after a hand-over");
  auto sig = testing::FrostSign(keys, dealt.public_keys, signers, message, testing::SeededRandom(7));
  REQUIRE(sig.ok());
  CHECK(crypto_sign_verify_detached(sig->data(), message.data(), message.size(), group_key.data()) == 0);
}

}  // namespace

TEST_CASE("a ValidatorSetChange hands the origin key to the new set from its effective height on") {
  Fixture f = WithOriginKey();
  const auto genesis_keys = ledger::GenesisOriginKeys(f.chain.genesis());
  REQUIRE(genesis_keys);
  const crypto::PublicKey group_key = f.chain.genesis().origin_key->verifying_key;
  CHECK(SameKeys(f.chain.ledger().OriginKeysAt(0), genesis_keys));
  CHECK(SameKeys(f.chain.ledger().OriginKeysAt(f.Next()), genesis_keys));

  // Validator 4 joins: 4-of-5 fresh shares of the same group key, in the new set's order.
  const frost::DealerOutput five = Deal(GroupSecret(), 5, 20);
  REQUIRE(five.public_keys.verifying_key == group_key);
  const std::vector<crypto::PublicKey> next_keys = Keys({0, 1, 2, 3, 4});
  const std::uint64_t e = f.Next() + 2;
  const Bytes change = f.Change({{KeyBytes(Fixture::Key(4)), 1, "bank-2"}}, e, {0, 1, 2}, true,
                                Handover(five.public_keys, next_keys));
  // The hand-over is in the signed body, which the summary and the tx JSON show.
  const pb::TxBody& body = f.chain.Decode(change).body;
  const std::string digest = crypto::ToHex(ledger::OriginHandoverDigest(body.validator_set_change().origin_key()));
  CHECK(ledger::SigningSummary(body, "en").find("origin_key: handed over in 5 shares (min_signers 4), SHA-256 " + digest) !=
        std::string::npos);
  CHECK(ledger::SigningSummary(body, "zh").find(digest) != std::string::npos);
  const nlohmann::json j = ledger::MessageToJson(body);
  CHECK(j["validator_set_change"]["origin_key"]["min_signers"] == 4);
  CHECK(j["validator_set_change"]["origin_key"]["shares"][4]["public_key"] == crypto::ToHex(next_keys[4]));
  CHECK(j["validator_set_change"]["origin_key"]["shares"][4]["verifying_share"] ==
        crypto::ToHex(five.public_keys.verifying_shares.rbegin()->second));
  REQUIRE(f.chain.Commit(change).ok());

  const ledger::OriginKeySet expected{five.public_keys, next_keys};
  CHECK(SameKeys(f.chain.ledger().OriginKeysAt(e - 1), genesis_keys));
  CHECK(SameKeys(f.chain.ledger().OriginKeysAt(e), expected));
  CHECK(SameKeys(f.chain.ledger().OriginKeysAt(e + 1000), expected));
  CHECK(SameKeys(f.chain.ledger().Read()->OriginKeysAt(e), expected));
  CHECK(SameKeys(f.chain.ledger().Read()->OriginKeysAt(e - 1), genesis_keys));
  CHECK(f.chain.ledger().OriginKeysAt(e)->ParticipantIndex(Fixture::Key(4).public_key) == 4);
  SignsUnder(five, group_key);
  CHECK(f.chain.ledger().VerifyState().ok());  // the row with its hand-over is a state leaf

  // A later change without a hand-over: the new set holds no share, the origin line stops.
  f.Advance(1);
  REQUIRE(f.Next() == e);
  const std::uint64_t e2 = f.Next() + 2;
  REQUIRE(f.chain.Commit(f.Change({{KeyBytes(Fixture::Key(4)), 0, ""}}, e2, {0, 1, 2, 4})).ok());
  CHECK(SameKeys(f.chain.ledger().OriginKeysAt(e2 - 1), expected));
  CHECK_FALSE(f.chain.ledger().OriginKeysAt(e2));
  CHECK_FALSE(f.chain.ledger().OriginKeysAt(e2 + 1000));

  // A change after that may hand it over again (to the set of four, re-weighted).
  f.Advance(2);
  const std::uint64_t e3 = f.Next() + 2;
  const frost::DealerOutput four = Deal(GroupSecret(), 4, 30);
  REQUIRE(f.chain.Commit(f.Change({{KeyBytes(Fixture::Key(1)), 2, ""}}, e3, {0, 1, 2}, true,
                                  Handover(four.public_keys, Keys({0, 1, 2, 3}))))
              .ok());
  CHECK_FALSE(f.chain.ledger().OriginKeysAt(e3 - 1));
  CHECK(SameKeys(f.chain.ledger().OriginKeysAt(e3), ledger::OriginKeySet{four.public_keys, Keys({0, 1, 2, 3})}));
  CHECK(SameKeys(f.chain.ledger().OriginKeysAt(e), expected));  // history stays
  CHECK(f.chain.ledger().VerifyState().ok());
}

TEST_CASE("without a genesis origin key there is no origin key set and a hand-over is refused") {
  Fixture f;
  CHECK_FALSE(f.chain.ledger().OriginKeysAt(0));
  CHECK_FALSE(f.chain.ledger().OriginKeysAt(f.Next()));
  const std::string k4 = KeyBytes(Fixture::Key(4));
  const std::uint64_t e = f.Next() + 2;
  ExpectRejected(f.chain,
                 f.Change({{k4, 1, "bank-2"}}, e, {0, 1, 2}, true, Handover(Deal(GroupSecret(), 5, 20).public_keys, Keys({0, 1, 2, 3, 4}))),
                 "no_origin_key");
  REQUIRE(f.chain.Commit(f.Change({{k4, 1, "bank-2"}}, e, {0, 1, 2})).ok());
  CHECK_FALSE(f.chain.ledger().OriginKeysAt(e));
  CHECK_FALSE(f.chain.ledger().Read()->OriginKeysAt(e + 5));
}

TEST_CASE("every bad origin key hand-over is refused with its typed error and writes nothing") {
  Fixture f = WithOriginKey();
  const std::string k4 = KeyBytes(Fixture::Key(4));
  const std::uint64_t e = f.Next() + 2;
  const std::vector<crypto::PublicKey> next_keys = Keys({0, 1, 2, 3, 4});
  const pb::OriginKeyHandover good = Handover(Deal(GroupSecret(), 5, 20).public_keys, next_keys);
  auto add4 = [&](const pb::OriginKeyHandover& h) { return f.Change({{k4, 1, "bank-2"}}, e, {0, 1, 2}, true, h); };
  CHECK(f.chain.DryRun(add4(good)).first.ok());

  // Shares of another group key: consistent among themselves, but not through the genesis key.
  ExpectRejected(f.chain, add4(Handover(Deal(Small(43), 5, 20).public_keys, next_keys)), "frost_invalid_share");
  pb::OriginKeyHandover h = good;  // two verifying shares swapped: off the polynomial
  h.mutable_shares(1)->mutable_verifying_share()->swap(*h.mutable_shares(2)->mutable_verifying_share());
  ExpectRejected(f.chain, add4(h), "frost_invalid_share");
  h = good;  // one share fewer than the set
  h.mutable_shares()->RemoveLast();
  ExpectRejected(f.chain, add4(h), "origin_handover_mismatch");
  h = good;  // one more (a key outside the set)
  *h.add_shares() = good.shares(0);
  h.mutable_shares(5)->set_public_key(KeyBytes(Fixture::Key(5)));
  ExpectRejected(f.chain, add4(h), "origin_handover_mismatch");
  h = good;  // the keys in another order than the set's
  h.mutable_shares(0)->mutable_public_key()->swap(*h.mutable_shares(1)->mutable_public_key());
  ExpectRejected(f.chain, add4(h), "origin_handover_mismatch");
  // The genesis set's shares, not the resulting set's: 3-of-4 for a set of five is the wrong
  // threshold; for a set of four that swapped validator 3 for 4, the last key is not the set's.
  const pb::OriginKeyHandover genesis_shares = ledger::OriginKeyHandoverOf(*ledger::GenesisOriginKeys(f.chain.genesis()));
  ExpectRejected(f.chain, add4(genesis_shares), "frost_bad_threshold");
  ExpectRejected(f.chain,
                 f.Change({{KeyBytes(Fixture::Key(3)), 0, ""}, {k4, 1, "bank-2"}}, e, {0, 1, 2}, true, genesis_shares),
                 "origin_handover_mismatch");
  for (std::uint32_t t : {0u, 3u, 5u, 100u}) {  // 4 of 5 is the only threshold
    h = good;
    h.set_min_signers(t);
    ExpectRejected(f.chain, add4(h), "frost_bad_threshold");
  }
  ExpectRejected(f.chain, add4(pb::OriginKeyHandover()), "frost_bad_threshold");  // present but empty
  h = good;  // the identity point, and bytes that are no point at all
  h.mutable_shares(2)->set_verifying_share(std::string(1, '\x01') + std::string(31, '\0'));
  ExpectRejected(f.chain, add4(h), "frost_malformed");
  h.mutable_shares(2)->set_verifying_share(std::string(32, '\xff'));
  ExpectRejected(f.chain, add4(h), "frost_malformed");

  // A hand-over to a 1-validator set: 1-of-1 is a plain key, not a threshold.
  pb::OriginKeyHandover one;
  one.set_min_signers(1);
  auto* share = one.add_shares();
  share->set_public_key(KeyBytes(Fixture::Key(0)));
  const crypto::PublicKey& group_key = f.chain.genesis().origin_key->verifying_key;
  share->set_verifying_share(std::string(group_key.begin(), group_key.end()));
  const std::vector<Update> keep_one = {{KeyBytes(Fixture::Key(1)), 0, ""}, {KeyBytes(Fixture::Key(2)), 0, ""},
                                        {KeyBytes(Fixture::Key(3)), 0, ""}};
  ExpectRejected(f.chain, f.Change(keep_one, e, {0, 1, 2}, true, one), "frost_bad_threshold");
  // The boundary: a set of two gets 2-of-2.
  const std::vector<Update> keep_two = {{KeyBytes(Fixture::Key(2)), 0, ""}, {KeyBytes(Fixture::Key(3)), 0, ""}};
  const pb::OriginKeyHandover two = Handover(Deal(GroupSecret(), 2, 40).public_keys, Keys({0, 1}));
  CHECK(f.chain.DryRun(f.Change(keep_two, e, {0, 1, 2}, true, two)).first.ok());
  h = two;
  h.set_min_signers(1);
  ExpectRejected(f.chain, f.Change(keep_two, e, {0, 1, 2}, true, h), "frost_bad_threshold");

  // Nothing was stored: the genesis key set is still the one in force at e.
  CHECK(f.chain.ledger().ValidatorTransitions(UINT64_MAX).empty());
  CHECK(SameKeys(f.chain.ledger().OriginKeysAt(e), ledger::GenesisOriginKeys(f.chain.genesis())));
}

TEST_CASE("origin key hand-over byte shapes are refused before any state is read") {
  Fixture f = WithOriginKey();
  const pb::OriginKeyHandover good = Handover(Deal(GroupSecret(), 5, 20).public_keys, Keys({0, 1, 2, 3, 4}));
  auto decode = [&](const pb::OriginKeyHandover& h) {
    const Bytes tx = f.Change({{KeyBytes(Fixture::Key(4)), 1, "bank-2"}}, 10, {0, 1, 2}, true, h);
    return ledger::DecodeTx(tx, f.chain.genesis().chain_id).status().code();
  };
  CHECK(decode(good).empty());
  pb::OriginKeyHandover h = good;
  h.mutable_shares(3)->set_public_key(KeyBytes(Fixture::Key(3)) + "x");
  CHECK(decode(h) == "malformed");
  h = good;
  h.mutable_shares(0)->set_verifying_share(good.shares(0).verifying_share().substr(0, 31));
  CHECK(decode(h) == "malformed");
  h = good;
  h.mutable_shares(4)->clear_verifying_share();
  CHECK(decode(h) == "malformed");
  h = good;
  while (h.shares_size() <= 100) *h.add_shares() = good.shares(0);  // 101 shares
  CHECK(decode(h) == "malformed");
  // The shape check of the stored form agrees (OriginKeySetOfHandover).
  const crypto::PublicKey group_key = f.chain.genesis().origin_key->verifying_key;
  CHECK(ledger::OriginKeySetOfHandover(h, group_key).status().code() == "frost_malformed");
  h = good;
  h.mutable_shares(1)->set_public_key("short");
  CHECK(ledger::OriginKeySetOfHandover(h, group_key).status().code() == "frost_malformed");
  auto back = ledger::OriginKeySetOfHandover(good, group_key);
  REQUIRE(back.ok());
  CHECK(ledger::OriginKeyHandoverOf(*back).SerializeAsString() == good.SerializeAsString());
}
