// Property tests over seeded random ledgers driven through the real state machine and
// block path: traces sum exactly, spends' sources sum exactly, conservation holds, and
// replaying the stored blocks from genesis reproduces every header and state digest.
#include <doctest/doctest.h>

#include <random>

#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/flow.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TempDir;
using shanliu::testing::TestChain;
using shanliu::testing::TestKey;

namespace {

std::int64_t SumTree(const std::vector<ledger::flow::TraceNode>& nodes, std::int64_t* spent, std::int64_t* refunded) {
  std::int64_t total = 0;
  for (const auto& n : nodes) {
    total += n.amount_fen;
    if (n.fate == ledger::flow::Fate::kSpent) *spent += n.amount_fen;
    if (n.fate == ledger::flow::Fate::kRefunded) *refunded += n.amount_fen;
    if (n.fate == ledger::flow::Fate::kMovedOn) {
      std::int64_t s = 0, r = 0;
      CHECK(SumTree(n.children, &s, &r) == n.amount_fen);
      *spent += s;
      *refunded += r;
    }
  }
  return total;
}

struct RandomDistrict {
  explicit RandomDistrict(std::uint64_t seed) : rng(seed) {
    for (int i = 0; i < 3; ++i) {
      const std::string id = "charity-" + std::to_string(i);
      charities.push_back({id, TestKey(id)});
      REQUIRE(chain.RegisterOrg(id, pb::ORG_KIND_CHARITY, charities.back().second).ok());
    }
    for (int i = 0; i < 4; ++i) {
      const auto& [owner, key] = charities[static_cast<std::size_t>(i) % charities.size()];
      const std::string id = "project-" + std::to_string(i);
      projects.push_back({id, static_cast<std::size_t>(i) % charities.size()});
      REQUIRE(chain.OpenProject(id, owner, key).ok());
    }
  }

  std::int64_t Amount() {
    // Mostly tiny gifts, sometimes large ones: the shape of real giving.
    const int shape = std::uniform_int_distribution<int>(0, 9)(rng);
    if (shape < 7) return std::uniform_int_distribution<std::int64_t>(1, 500)(rng);
    if (shape < 9) return std::uniform_int_distribution<std::int64_t>(500, 50'000)(rng);
    return std::uniform_int_distribution<std::int64_t>(50'000, 5'000'000)(rng);
  }

  Bytes RandomTx() {
    const int op = std::uniform_int_distribution<int>(0, 9)(rng);
    const std::size_t c = std::uniform_int_distribution<std::size_t>(0, charities.size() - 1)(rng);
    const std::size_t p = std::uniform_int_distribution<std::size_t>(0, projects.size() - 1)(rng);
    const auto& [org, key] = charities[c];
    const auto& [project, owner] = projects[p];
    const auto& owner_key = charities[owner].second;
    switch (op) {
      case 0: case 1: case 2:
        return chain.DonationTx("org:" + org, Amount(), key);
      case 3: case 4:
        return chain.DonationTx("project:" + project, Amount(), chain.bank, "bank-1");
      case 5:
        return chain.TransferTx("org:" + org, "project:" + project, Amount(), key);
      case 6: {
        const std::size_t other = (c + 1) % charities.size();
        return chain.TransferTx("org:" + org, "org:" + charities[other].first, Amount(), key);
      }
      case 7:
        return chain.SpendTx("project:" + project, Amount(), owner_key);
      case 8:
        return chain.SpendTx("org:" + org, Amount(), key, pb::SPEND_CATEGORY_ADMIN);
      default: {
        if (gifts.empty()) return chain.DonationTx("org:" + org, Amount(), key);
        const Hash256 id = gifts[std::uniform_int_distribution<std::size_t>(0, gifts.size() - 1)(rng)];
        const auto gift = chain.ledger().Read()->Gift(id);
        REQUIRE(gift.has_value());
        const crypto::KeyPair* signer = &chain.bureau;
        for (const auto& [name, k] : charities) {
          if (name == gift->recorded_by()) signer = &k;
        }
        return chain.MakeTx(
            [&](pb::TxBody& b) { b.mutable_refund()->set_donation_tx_id(std::string(id.begin(), id.end())); },
            {signer});
      }
    }
  }

  void Run(int blocks, int txs_per_block) {
    for (int b = 0; b < blocks; ++b) {
      std::vector<Bytes> txs;
      for (int i = 0; i < txs_per_block; ++i) txs.push_back(RandomTx());
      const auto statuses = chain.CommitBlock(txs);
      for (std::size_t i = 0; i < txs.size(); ++i) {
        if (!statuses[i].ok()) continue;
        const auto tx = chain.Decode(txs[i]);
        if (tx.body.has_donation()) gifts.push_back(tx.id);
        if (tx.body.has_spend()) spends.push_back(tx.id);
      }
    }
  }

  TestChain chain{{}, ledger::LedgerOptions{.sync_writes = false, .check_conservation = true}};
  std::mt19937_64 rng;
  std::vector<std::pair<std::string, crypto::KeyPair>> charities;
  std::vector<std::pair<std::string, std::size_t>> projects;  // id, owner index
  std::vector<Hash256> gifts;
  std::vector<Hash256> spends;
};

void CheckTraces(RandomDistrict& d, std::uint64_t seed) {
  auto view = d.chain.ledger().Read();
  const auto& state = view->state();
  CHECK_MESSAGE(ledger::flow::CheckConservation(state).ok(), "seed ", seed);
  std::int64_t total_spent_in_traces = 0;
  for (const Hash256& id : d.gifts) {
    const auto gift = view->Gift(id);
    REQUIRE(gift.has_value());
    const auto trace =
        ledger::flow::TraceForward(state, gift->account(), gift->interval_start(), gift->amount_fen());
    REQUIRE_FALSE(trace.truncated);
    std::int64_t spent = 0, refunded = 0;
    CHECK_MESSAGE(SumTree(trace.roots, &spent, &refunded) == gift->amount_fen(), "seed ", seed);
    CHECK_MESSAGE(refunded == gift->refunded_fen(), "seed ", seed);
    total_spent_in_traces += spent;
  }
  std::int64_t total_spent = 0;
  for (const Hash256& id : d.spends) {
    const auto tx = view->TxById(id);
    REQUIRE(tx.has_value());
    std::int64_t sources = 0;
    std::uint64_t cursor = 0;
    for (int page = 0; page < 100'000; ++page) {
      auto result = ledger::flow::TraceBackward(state, tx->location.leaf(), cursor, 7);
      REQUIRE(result.ok());
      for (const auto& piece : result->pieces) sources += piece.amount_fen;
      if (!result->next_cursor) break;
      cursor = *result->next_cursor;
    }
    CHECK_MESSAGE(sources == tx->body.spend().amount_fen(), "seed ", seed);
    total_spent += tx->body.spend().amount_fen();
  }
  // Every spent fen is traced back to exactly one gift: the forward traces cover all spending.
  CHECK_MESSAGE(total_spent_in_traces == total_spent, "seed ", seed);
}

}  // namespace

TEST_CASE("random ledgers: traces and sources sum exactly, conservation holds") {
  std::size_t gifts = 0, spends = 0, seeds_with_spends = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    RandomDistrict d(seed);
    d.Run(6, 40);
    CheckTraces(d, seed);
    // A property checked over nothing proves nothing: every ledger has gifts to trace.
    CHECK_MESSAGE(!d.gifts.empty(), "seed ", seed, " committed no donation");
    gifts += d.gifts.size();
    spends += d.spends.size();
    seeds_with_spends += d.spends.empty() ? 0 : 1;
  }
  MESSAGE("traced " << gifts << " gifts and " << spends << " spends over 40 ledgers");
  // And most have spends to walk back (the generator's own mix, not a tuned number).
  CHECK(seeds_with_spends >= 20);
}

TEST_CASE("replaying stored blocks from genesis reproduces every header and state digest") {
  for (std::uint64_t seed = 100; seed < 105; ++seed) {
    RandomDistrict d(seed);
    d.Run(8, 50);
    TempDir replay_dir;
    auto replica = ledger::Ledger::Open(replay_dir.path(), d.chain.genesis(),
                                        ledger::LedgerOptions{.sync_writes = false, .check_conservation = true});
    REQUIRE(replica.ok());
    auto source = d.chain.ledger().Read();
    for (std::uint64_t h = 1; h <= source->head().height(); ++h) {
      const auto committed = source->CommittedBlockAt(h);
      REQUIRE(committed.has_value());
      auto executed = (*replica)->ExecuteProposal(committed->block());
      REQUIRE_MESSAGE(executed.ok(), "seed ", seed, " height ", h, ": ", executed.status().ToString());
      REQUIRE((*replica)->Commit(*executed, committed->commit()).ok());
    }
    CHECK((*replica)->head_hash() == d.chain.ledger().head_hash());
    CHECK((*replica)->head().state_root() == d.chain.ledger().head().state_root());
  }
}

TEST_CASE("a tampered proposal is refused by re-execution") {
  RandomDistrict d(7);
  d.Run(1, 30);
  TempDir replay_dir;
  auto replica = ledger::Ledger::Open(replay_dir.path(), d.chain.genesis());
  REQUIRE(replica.ok());
  auto source = d.chain.ledger().Read();
  // Replay the setup blocks (registrations, projects) so only the last block differs.
  for (std::uint64_t h = 1; h < source->head().height(); ++h) {
    const auto committed = source->CommittedBlockAt(h);
    auto executed = (*replica)->ExecuteProposal(committed->block());
    REQUIRE(executed.ok());
    REQUIRE((*replica)->Commit(*executed, committed->commit()).ok());
  }
  const pb::Block good = source->CommittedBlockAt(source->head().height())->block();
  REQUIRE(good.txs_size() >= 2);
  SUBCASE("wrong state digest") {
    pb::Block bad = good;
    std::string digest = bad.header().state_root();
    digest[0] = static_cast<char>(digest[0] ^ 1);
    bad.mutable_header()->set_state_root(digest);
    CHECK((*replica)->ExecuteProposal(bad).status().code() == "invalid_block");
  }
  SUBCASE("a transaction dropped") {
    pb::Block bad = good;
    bad.mutable_txs()->RemoveLast();
    CHECK((*replica)->ExecuteProposal(bad).status().code() == "invalid_block");
  }
  SUBCASE("transactions reordered") {
    pb::Block bad = good;
    bad.mutable_txs()->SwapElements(0, 1);
    CHECK((*replica)->ExecuteProposal(bad).status().code() == "invalid_block");
  }
  SUBCASE("a forged signature") {
    pb::Block bad = good;
    pb::Tx tx;
    REQUIRE(tx.ParseFromString(bad.txs(0)));
    std::string sig = tx.sigs(0).sig();
    sig[5] = static_cast<char>(sig[5] ^ 0x20);
    tx.mutable_sigs(0)->set_sig(sig);
    bad.set_txs(0, tx.SerializeAsString());
    CHECK((*replica)->ExecuteProposal(bad).status().code() == "invalid_block");
  }
  SUBCASE("time not increasing") {
    pb::Block bad = good;
    bad.mutable_header()->set_time_ms(source->Block(source->head().height() - 1)->header().time_ms());
    CHECK((*replica)->ExecuteProposal(bad).status().code() == "invalid_block");
  }
  CHECK((*replica)->ExecuteProposal(good).ok());
}
