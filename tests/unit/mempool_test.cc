// The mempool: signatures verified once per exact envelope, rules checked against the
// pending overlay, dedup, bounds, and re-checking after each block.
#include <doctest/doctest.h>

#include "shanliu/node/mempool.h"
#include "head_clock.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TestChain;
using shanliu::testing::TestKey;

namespace {

// The test's own `now`: a test moves time by changing a variable.
class RefClock final : public node::Clock {
 public:
  explicit RefClock(const std::uint64_t& now_ms) : now_ms_(now_ms) {}
  std::uint64_t WallMs() const override { return now_ms_; }

 private:
  const std::uint64_t& now_ms_;
};

using testing::HeadClock;

struct Pool {
  TestChain chain;
  crypto::KeyPair charity = TestKey("charity");
  crypto::KeyPair merchant = TestKey("merchant");
  crypto::KeyPair holder = TestKey("holder");
  HeadClock clock{chain};
  Pool() {
    REQUIRE(chain.RegisterOrg("charity", pb::ORG_KIND_CHARITY, charity).ok());
    REQUIRE(chain.RegisterOrg("shop", pb::ORG_KIND_MERCHANT, merchant).ok());
  }
  // Admission checks against the test chain's calendar (its next block time), not the wall clock.
  node::MempoolConfig Config() {
    node::MempoolConfig config;
    config.clock = &clock;
    return config;
  }
};

Bytes WithExtraSignature(const Bytes& envelope, const crypto::PublicKey& claimed_key) {
  pb::Tx tx;
  REQUIRE(tx.ParseFromArray(envelope.data(), static_cast<int>(envelope.size())));
  auto* s = tx.add_sigs();
  s->set_public_key(std::string(claimed_key.begin(), claimed_key.end()));
  s->set_sig(std::string(64, '\x5a'));
  return ToBytes(tx.SerializeAsString());
}

}  // namespace

TEST_CASE("a body verified once cannot come back with a forged co-signature") {
  Pool p;
  node::Mempool pool(p.chain.ledger(), p.Config());
  const std::string holder(p.holder.public_key.begin(), p.holder.public_key.end());
  const Bytes merchant_only = p.chain.MakeTx(
      [&](pb::TxBody& b) {
        auto* r = b.mutable_redeem_points();
        r->set_holder(holder);
        r->set_merchant_org("shop");
        r->set_points(1);
        r->set_item("咖啡一杯");
      },
      {&p.merchant});
  auto [id, first] = pool.Submit(merchant_only);
  CHECK(first.code() == "wrong_signer");  // the holder did not sign
  // Same body (same tx id), now claiming the holder's signature with junk bytes.
  auto [same_id, forged] = pool.Submit(WithExtraSignature(merchant_only, p.holder.public_key));
  CHECK(same_id == id);
  CHECK(forged.code() == "bad_signature");
  CHECK(pool.size() == 0);
}

TEST_CASE("pending txs build on each other and are re-checked after a block") {
  Pool p;
  node::Mempool pool(p.chain.ledger(), p.Config());
  // A project opened and donated to in the same batch: the donation sees the pending project.
  const Bytes open = p.chain.MakeTx(
      [&](pb::TxBody& b) {
        auto* o = b.mutable_open_project();
        o->set_project_id("meals");
        o->set_owner_org("charity");
        o->set_name_zh("长者食堂");
        o->set_category("elder-care");
        o->set_region("330106");
        o->set_budget_fen(100'000);
        o->set_ends_at_ms(p.chain.genesis().genesis_time_ms + 86'400'000ull * 365);
      },
      {&p.charity});
  CHECK(pool.Submit(open).second.ok());
  const Bytes gift = p.chain.DonationTx("project:meals", 5'000, p.charity);
  CHECK(pool.Submit(gift).second.ok());
  CHECK(pool.Submit(gift).second.ok());  // a resubmission is harmless and not duplicated
  CHECK(pool.size() == 2);
  // An overdraft against the pending state is refused at once, with its rule.
  const Bytes overdraft = p.chain.SpendTx("project:meals", 5'001, p.charity);
  auto [overdraft_id, refused] = pool.Submit(overdraft);
  CHECK(refused.code() == "insufficient_funds");
  Status error;
  CHECK(pool.State(overdraft_id, &error) == node::TxState::kRejected);
  CHECK(error.code() == "insufficient_funds");

  // Commit what is pending; the pool empties and remembers nothing as pending.
  const auto candidates = pool.Candidates(100, 1 << 20);
  REQUIRE(candidates.size() == 2);
  std::vector<Bytes> envelopes;
  for (const auto& c : candidates) envelopes.push_back(c.envelope);
  for (const Status& s : p.chain.CommitBlock(envelopes)) CHECK(s.ok());
  pool.OnCommitted({candidates[0].id, candidates[1].id}, {});
  CHECK(pool.size() == 0);
  CHECK(pool.State(candidates[1].id, nullptr) == node::TxState::kUnknown);
  // Committed txs are duplicates from now on.
  CHECK(pool.Submit(gift).second.code() == "duplicate");
}

TEST_CASE("the pool is bounded in count and per signer, and refuses garbage") {
  Pool p;
  node::MempoolConfig config = p.Config();
  config.max_txs = 3;
  config.max_per_signer = 2;
  node::Mempool pool(p.chain.ledger(), config);
  CHECK(pool.Submit(p.chain.DonationTx("org:charity", 1, p.charity)).second.ok());
  CHECK(pool.Submit(p.chain.DonationTx("org:charity", 2, p.charity)).second.ok());
  CHECK(pool.Submit(p.chain.DonationTx("org:charity", 3, p.charity)).second.code() == "rate_limited");
  CHECK(pool.Submit(p.chain.DonationTx("org:charity", 4, p.chain.bank, "bank-1")).second.ok());
  CHECK(pool.Submit(p.chain.DonationTx("org:charity", 5, p.chain.bank, "bank-1")).second.code() == "mempool_full");
  const Bytes garbage = {0x0a, 0xff, 0x01};
  auto [id, status] = pool.Submit(garbage);
  CHECK(status.code() == "malformed");
  CHECK(id == Hash256{});
  CHECK(pool.size() == 3);
}

TEST_CASE("each signer is held to its admission rate while others are not") {
  Pool p;
  node::MempoolConfig config = p.Config();
  config.signer_rate_per_second = 1;  // refills far slower than this test runs
  config.signer_burst = 3;
  node::Mempool pool(p.chain.ledger(), config);
  const Bytes first = p.chain.DonationTx("org:charity", 1, p.charity);
  CHECK(pool.Submit(first).second.ok());
  for (int i = 2; i <= 3; ++i) CHECK(pool.Submit(p.chain.DonationTx("org:charity", i, p.charity)).second.ok());
  const Bytes fourth = p.chain.DonationTx("org:charity", 4, p.charity);
  CHECK(pool.Submit(fourth).second.code() == "rate_limited");
  // Another organisation has its own bucket.
  CHECK(pool.Submit(p.chain.DonationTx("org:charity", 5, p.chain.bank, "bank-1")).second.ok());
  // Resubmitting a pending tx costs nothing and stays accepted.
  CHECK(pool.Submit(first).second.ok());
  // Re-checks after a block do not count against the rate: nothing pending is dropped.
  pool.OnCommitted({}, {});
  CHECK(pool.size() == 4);
}

TEST_CASE("a rate of zero turns the per-signer rate limit off") {
  Pool p;
  node::MempoolConfig config = p.Config();
  config.signer_rate_per_second = 0;
  config.signer_burst = 1;
  node::Mempool pool(p.chain.ledger(), config);
  for (int i = 1; i <= 5; ++i) CHECK(pool.Submit(p.chain.DonationTx("org:charity", i, p.charity)).second.ok());
}

TEST_CASE("a block of the oldest pending txs leaves the rest pending without a rebuild") {
  Pool p;
  node::Mempool pool(p.chain.ledger(), p.Config());
  std::vector<Bytes> gifts;
  for (int i = 1; i <= 3; ++i) {
    gifts.push_back(p.chain.DonationTx("org:charity", 1'000 * i, p.charity));
    REQUIRE(pool.Submit(gifts.back()).second.ok());
  }
  const auto candidates = pool.Candidates(2, 1 << 20);
  REQUIRE(candidates.size() == 2);
  for (const Status& s : p.chain.CommitBlock({candidates[0].envelope, candidates[1].envelope})) CHECK(s.ok());
  pool.OnCommitted({candidates[0].id, candidates[1].id}, {});
  CHECK(pool.size() == 1);
  // The committed ones are duplicates; the third is still pending, once.
  CHECK(pool.Submit(gifts[0]).second.code() == "duplicate");
  CHECK(pool.Submit(gifts[2]).second.ok());
  CHECK(pool.size() == 1);
  const auto rest = pool.Candidates(10, 1 << 20);
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].envelope == gifts[2]);
  // Draining the pool rebuilds the pending state on the committed one.
  for (const Status& s : p.chain.CommitBlock({gifts[2]})) CHECK(s.ok());
  pool.OnCommitted({rest[0].id}, {});
  CHECK(pool.size() == 0);
}

TEST_CASE("admission refuses a tx past its expires_at_ms or too far beyond it, by the pool's clock") {
  Pool p;
  std::uint64_t now = p.chain.ledger().head().time_ms() + 1000;
  node::MempoolConfig config;
  RefClock clock(now);
  config.clock = &clock;
  node::Mempool pool(p.chain.ledger(), config);
  const std::uint64_t window = p.chain.genesis().params.max_tx_expiry_ms;
  auto gift = [&](std::uint64_t expires_at_ms) {
    return p.chain.MakeTx(
        [&](pb::TxBody& b) {
          b.set_expires_at_ms(expires_at_ms);
          auto* d = b.mutable_donation();
          d->set_to_account("org:charity");
          d->set_amount_fen(100);
          d->set_donor_ref(std::string(32, 'd'));
          d->set_channel(pb::DONATION_CHANNEL_CASH);
        },
        {&p.charity});
  };
  CHECK(pool.Submit(gift(now - 1)).second.code() == "expired");
  CHECK(pool.Submit(gift(now + window + 1)).second.code() == "expiry_too_far");
  CHECK(pool.Submit(gift(now)).second.ok());
  CHECK(pool.Submit(gift(now + window)).second.ok());
  // Personal data is refused at the door too, before any rule runs.
  const Bytes leak = p.chain.MakeTx(
      [&](pb::TxBody& b) {
        auto* d = b.mutable_donation();
        d->set_to_account("org:charity");
        d->set_amount_fen(100);
        d->set_donor_ref(std::string(32, 'e'));
        d->set_channel(pb::DONATION_CHANNEL_CASH);
        d->set_memo("请联系 138-1234-5678");
      },
      {&p.charity});
  CHECK(pool.Submit(leak).second.code() == "personal_data");
  CHECK(pool.size() == 2);
}

namespace {

// Commits an executed block with the test chain's single validator's certificate.
void CommitExecuted(TestChain& chain, const ledger::ExecutedBlock& executed) {
  const std::uint64_t height = executed.block.header().height();
  const pb::CommitCertificate commit = ledger::MakeCommitCertificate(
      height, 0, executed.hash,
      {ledger::SignPrecommit(chain.genesis().chain_id, height, 0, executed.hash, 0, chain.validator().secret_key)});
  REQUIRE(chain.ledger().Commit(executed, commit).ok());
}

// Seals the pool's first planned block and checks it against what executing the same txs at
// the same time from scratch makes: the same block hash and the same write set.
ledger::ExecutedBlock SealAndCompare(TestChain& chain, node::Mempool& pool, std::uint64_t now_ms) {
  auto prepared = pool.PrepareBlock(now_ms);
  REQUIRE(prepared.has_value());
  auto sealed = chain.ledger().SealPrepared(*prepared, 0);
  REQUIRE(sealed.ok());
  const ledger::BuildResult rebuilt = chain.ledger().BuildBlock(prepared->txs, prepared->time_ms, 0);
  CHECK(rebuilt.rejected.empty());
  CHECK(rebuilt.executed.hash == sealed->hash);
  CHECK(rebuilt.executed.writes == sealed->writes);
  CHECK(rebuilt.executed.state_nodes == sealed->state_nodes);
  CHECK(sealed->tx_ids.size() == prepared->txs.size());
  return std::move(*sealed);
}

// A chain with small blocks and a charity whose bank is bank-1, and a pool on the test's own
// clock (`now`), planning `planned_blocks` blocks ahead.
struct SmallBlocks {
  TestChain chain;
  crypto::KeyPair charity = TestKey("charity");
  std::uint64_t now = 0;
  RefClock clock{now};
  explicit SmallBlocks(std::uint32_t max_block_txs)
      : chain([max_block_txs](ledger::Genesis& g) { g.params.max_block_txs = max_block_txs; }) {
    REQUIRE(chain.RegisterOrg("charity", pb::ORG_KIND_CHARITY, charity, {"bank-1"}).ok());
    now = chain.ledger().head().time_ms() + 1000;
  }
  node::MempoolConfig Config(std::size_t planned_blocks) {
    node::MempoolConfig config;
    config.clock = &clock;
    config.max_planned_blocks = planned_blocks;
    return config;
  }
};

}  // namespace

TEST_CASE("planned blocks seal to exactly the blocks executing their txs again would make") {
  TestChain chain([](ledger::Genesis& g) { g.params.max_block_txs = 3; });
  const crypto::KeyPair charity = TestKey("charity");
  REQUIRE(chain.RegisterOrg("charity", pb::ORG_KIND_CHARITY, charity, {"bank-1"}).ok());
  REQUIRE(chain.OpenProject("meals", "charity", charity).ok());
  std::uint64_t now = chain.ledger().head().time_ms() + 1000;
  node::MempoolConfig config;
  RefClock clock(now);
  config.clock = &clock;
  config.max_planned_blocks = 3;  // all seven planned at admission
  node::Mempool pool(chain.ledger(), config);
  // Txs that read what earlier pending ones wrote, across planned blocks of three: gifts, a
  // transfer of them to the project, spends of it, and one refused at admission in between.
  std::vector<Bytes> txs = {
      chain.DonationTx("org:charity", 50'000, chain.bank, "bank-1"),
      chain.DonationTx("org:charity", 20'000, chain.bank, "bank-1"),
      chain.TransferTx("org:charity", "project:meals", 60'000, charity),
      chain.SpendTx("project:meals", 10'000, charity),
      chain.DonationTx("project:meals", 7'000, chain.bank, "bank-1"),
      chain.SpendTx("project:meals", 30'000, charity),
      chain.SpendTx("project:meals", 26'000, charity),
  };
  for (const Bytes& tx : txs) {
    CHECK(pool.Submit(tx).second.ok());
    now += 10;
  }
  CHECK(pool.Submit(chain.SpendTx("project:meals", 1'000'000, charity)).second.code() == "insufficient_funds");
  REQUIRE(pool.size() == 7);
  // Three planned blocks (3 + 3 + 1): each commits through the fast path, the next still seals.
  for (std::size_t left : {4u, 2u, 0u}) {
    const ledger::ExecutedBlock block = SealAndCompare(chain, pool, now);
    CHECK(block.block.txs_size() == static_cast<int>(pool.size() - left));
    CommitExecuted(chain, block);
    pool.OnCommitted(block.tx_ids, {});
    CHECK(pool.size() == left);
    if (left == 4) {
      // What the committed block wrote is read afresh, not from reads cached before it: the
      // charity's account held nothing then and holds ¥100 now.
      CHECK(pool.Submit(chain.SpendTx("org:charity", 10'001, charity)).second.code() == "insufficient_funds");
      CHECK(pool.Submit(chain.SpendTx("org:charity", 10'000, charity)).second.ok());
      CHECK(pool.size() == ++left);
    }
  }
  CHECK(!pool.PrepareBlock(now).has_value());
  CHECK(chain.ledger().VerifyState().ok());
}

TEST_CASE("a planned block is re-planned when another block commits or it grows old") {
  TestChain chain([](ledger::Genesis& g) { g.params.max_block_txs = 2; });
  const crypto::KeyPair charity = TestKey("charity");
  REQUIRE(chain.RegisterOrg("charity", pb::ORG_KIND_CHARITY, charity, {"bank-1"}).ok());
  std::uint64_t now = chain.ledger().head().time_ms() + 1000;
  node::MempoolConfig config;
  RefClock clock(now);
  config.clock = &clock;
  config.max_planned_age_ms = 500;
  node::Mempool pool(chain.ledger(), config);
  const Bytes a = chain.DonationTx("org:charity", 100, charity);
  const Bytes b = chain.DonationTx("org:charity", 200, charity);
  const Bytes c = chain.DonationTx("org:charity", 300, charity);
  for (const Bytes& tx : {a, b, c}) REQUIRE(pool.Submit(tx).second.ok());
  // Someone else's block takes b alone, at another time: the pool re-plans a and c on it.
  REQUIRE(chain.CommitBlock({b}, now + 5).front().ok());
  pool.OnCommitted({chain.Decode(b).id}, {});
  CHECK(pool.size() == 2);
  now += 10;
  auto prepared = pool.PrepareBlock(now);
  REQUIRE(prepared.has_value());
  CHECK(prepared->height == chain.ledger().height() + 1);
  CHECK(prepared->txs.size() == 2);
  const std::uint64_t planned_at = prepared->time_ms;
  CHECK(planned_at > chain.ledger().head().time_ms());
  // Older than max_planned_age_ms: planned again at the current time, still sealing exactly.
  now += 501;
  const ledger::ExecutedBlock block = SealAndCompare(chain, pool, now);
  CHECK(block.block.header().time_ms() == now);
  // A prepared block from an old head is refused as stale, and nothing is written.
  auto stale = pool.PrepareBlock(now);
  REQUIRE(stale.has_value());
  CommitExecuted(chain, block);
  const std::uint64_t height = chain.ledger().height();
  CHECK(chain.ledger().SealPrepared(*stale, 0).status().code() == "stale_block");
  CHECK(chain.ledger().height() == height);
  stale->base_hash = chain.ledger().head_hash();  // right hash, wrong height and leaves
  CHECK(chain.ledger().SealPrepared(*stale, 0).status().code() == "stale_block");
  pool.OnCommitted(block.tx_ids, {});
  CHECK(pool.size() == 0);
}

TEST_CASE("txs beyond the planning horizon wait unchecked and are planned in arrival order as blocks commit") {
  SmallBlocks t(2);
  TestChain& chain = t.chain;
  const crypto::KeyPair& charity = t.charity;
  std::uint64_t& now = t.now;
  node::Mempool pool(chain.ledger(), t.Config(1));
  const Bytes gift_a = chain.DonationTx("org:charity", 100, charity);
  const Bytes gift_b = chain.DonationTx("org:charity", 200, charity);
  const Bytes spend = chain.SpendTx("org:charity", 250, charity);        // needs both gifts
  const Bytes too_much = chain.SpendTx("org:charity", 1'000'000, charity);  // breaks a rule
  const Bytes gift_c = chain.DonationTx("org:charity", 300, charity);
  for (const Bytes& tx : {gift_a, gift_b, spend, too_much, gift_c}) CHECK(pool.Submit(tx).second.ok());
  // One block of two is planned; the rest wait, the rule-breaker too: its rules are not checked yet.
  CHECK(pool.size() == 5);
  CHECK(pool.planned_size() == 2);
  CHECK(pool.State(chain.Decode(too_much).id, nullptr) == node::TxState::kPending);
  // Resubmitting a waiting tx does not queue it twice.
  CHECK(pool.Submit(spend).second.ok());
  CHECK(pool.size() == 5);
  // The slow path sees planned then waiting txs, in arrival order.
  const auto candidates = pool.Candidates(10, 1 << 20);
  REQUIRE(candidates.size() == 5);
  CHECK(candidates[2].envelope == spend);
  CHECK(candidates[4].envelope == gift_c);

  now += 10;
  ledger::ExecutedBlock first = SealAndCompare(chain, pool, now);
  CHECK(first.tx_ids.size() == 2);
  CommitExecuted(chain, first);
  pool.OnCommitted(first.tx_ids, {});
  CHECK(pool.size() == 3);
  // The next block is planned when it is asked for: the spend (reading the committed gifts)
  // and the last gift; the rule-breaker between them is refused now, with its error.
  now += 10;
  ledger::ExecutedBlock second = SealAndCompare(chain, pool, now);
  CHECK(second.tx_ids.size() == 2);
  CHECK(second.tx_ids[0] == chain.Decode(spend).id);
  CHECK(second.tx_ids[1] == chain.Decode(gift_c).id);
  Status error;
  CHECK(pool.State(chain.Decode(too_much).id, &error) == node::TxState::kRejected);
  CHECK(error.code() == "insufficient_funds");
  CommitExecuted(chain, second);
  pool.OnCommitted(second.tx_ids, {});
  CHECK(pool.size() == 0);
  CHECK(!pool.PrepareBlock(now).has_value());
  CHECK(chain.ledger().VerifyState().ok());
}

TEST_CASE("another block re-plans only the horizon and keeps the waiting txs in order") {
  SmallBlocks t(2);
  TestChain& chain = t.chain;
  const crypto::KeyPair& charity = t.charity;
  std::uint64_t& now = t.now;
  node::Mempool pool(chain.ledger(), t.Config(2));
  std::vector<Bytes> gifts;
  for (int i = 1; i <= 7; ++i) {
    gifts.push_back(chain.DonationTx("org:charity", 100 * i, charity));
    REQUIRE(pool.Submit(gifts.back()).second.ok());
  }
  CHECK(pool.planned_size() == 4);
  // A peer's block takes the sixth gift (a waiting one) and the first, in another order.
  REQUIRE(chain.CommitBlock({gifts[5], gifts[0]}, now + 5).front().ok());
  pool.OnCommitted({chain.Decode(gifts[5]).id, chain.Decode(gifts[0]).id}, {});
  CHECK(pool.size() == 5);
  CHECK(pool.planned_size() == 4);  // the horizon again, from the oldest remaining
  const auto candidates = pool.Candidates(10, 1 << 20);
  REQUIRE(candidates.size() == 5);
  const std::vector<std::size_t> order = {1, 2, 3, 4, 6};
  for (std::size_t i = 0; i < order.size(); ++i) CHECK(candidates[i].envelope == gifts[order[i]]);
  now += 10;
  for (std::size_t left : {3u, 1u, 0u}) {
    const ledger::ExecutedBlock block = SealAndCompare(chain, pool, now);
    CommitExecuted(chain, block);
    pool.OnCommitted(block.tx_ids, {});
    CHECK(pool.size() == left);
    now += 10;
  }
  CHECK(chain.ledger().VerifyState().ok());
}
