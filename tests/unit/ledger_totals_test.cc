// Issue 15 part 2: report totals saturate instead of refusing txs, so one organisation's
// self-reported donations cannot block anyone else; balances keep their exact per-account limit.
#include <doctest/doctest.h>

#include <random>

#include "shanliu/ledger/flow.h"
#include "shanliu/ledger/totals.h"
#include "shanliu/ledger/tx.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::ledger::kCountCeiling;
using shanliu::ledger::kTotalCeilingFen;
using shanliu::ledger::kTotalFloorFen;
using shanliu::testing::TestChain;
using shanliu::testing::TestKey;

namespace {

__extension__ typedef __int128 Int128;  // the exact reference sum (GCC's 128-bit integer)

constexpr std::int64_t kMaxTxFen = ledger::TxLimits::kMaxAmountFen;

// The exact 128-bit sum, clamped the way a saturating total reports it.
std::int64_t Clamp(Int128 exact) {
  if (exact >= kTotalCeilingFen) return kTotalCeilingFen;
  if (exact <= kTotalFloorFen) return kTotalFloorFen;
  return static_cast<std::int64_t>(exact);
}

}  // namespace

TEST_CASE("AdjustTotal at its boundaries: exact up to the limit, saturated past it, sticky after") {
  CHECK(ledger::AdjustTotal(kTotalCeilingFen - 1, 1) == kTotalCeilingFen);
  CHECK(ledger::AdjustTotal(kTotalCeilingFen - 2, 1) == kTotalCeilingFen - 1);
  CHECK(ledger::AdjustTotal(kTotalCeilingFen - 1, 2) == kTotalCeilingFen);
  CHECK(ledger::AdjustTotal(kTotalCeilingFen, -kMaxTxFen) == kTotalCeilingFen);  // sticky
  CHECK(ledger::AdjustTotal(kTotalFloorFen + 1, -1) == kTotalFloorFen);
  CHECK(ledger::AdjustTotal(kTotalFloorFen + 1, -2) == kTotalFloorFen);
  CHECK(ledger::AdjustTotal(kTotalFloorFen, kMaxTxFen) == kTotalFloorFen);
  CHECK(ledger::AdjustTotal(0, -kMaxTxFen) == -kMaxTxFen);  // a refund in a later year may go below zero
  CHECK(ledger::SumTotals({kTotalCeilingFen - 5, 5}) == kTotalCeilingFen);
  CHECK(ledger::SumTotals({kTotalCeilingFen - 5, 4}) == kTotalCeilingFen - 1);
  CHECK(ledger::SumTotals({kTotalCeilingFen, kTotalFloorFen}) == kTotalCeilingFen);  // first saturated part wins
  CHECK(ledger::AddCount(kCountCeiling - 1, 1) == kCountCeiling);
  CHECK(ledger::AddCount(kCountCeiling - 1, 2) == kCountCeiling);
  CHECK(ledger::AddCount(kCountCeiling - 2, 1) == kCountCeiling - 1);
  std::uint64_t count = 5;
  CHECK(ledger::TakeFromCount(count, 5));
  CHECK(count == 0);
  CHECK_FALSE(ledger::TakeFromCount(count, 1));  // the records disagree
  CHECK(count == 0);
  count = kCountCeiling;
  CHECK(ledger::TakeFromCount(count, 7));
  CHECK(count == kCountCeiling);
}

TEST_CASE("AdjustTotal property: equals the exact 128-bit sum until it first saturates, then stays") {
  std::mt19937_64 rng(15);  // fixed seed: a failure replays
  for (int run = 0; run < 200; ++run) {
    // Start near either limit or at zero so that runs cross the boundaries often.
    const std::int64_t starts[] = {0, kTotalCeilingFen - kMaxTxFen * 3, kTotalFloorFen + kMaxTxFen * 3};
    std::int64_t total = starts[run % 3];
    Int128 exact = total;
    bool saturated = false;
    for (int step = 0; step < 64; ++step) {
      std::uniform_int_distribution<std::int64_t> amount(-kMaxTxFen, kMaxTxFen);
      const std::int64_t delta = step % 7 == 0 ? (rng() % 2 ? kMaxTxFen : -kMaxTxFen) : amount(rng);
      const std::int64_t before = total;
      total = ledger::AdjustTotal(total, delta);
      if (saturated) {
        REQUIRE(total == before);
        continue;
      }
      exact += delta;
      REQUIRE(total == Clamp(exact));
      saturated = total == kTotalCeilingFen || total == kTotalFloorFen;
    }
  }
}

// The regression for issue 15 finding 3: on main, the chain-wide donated_fen was a checked int64,
// so one organisation self-reporting 9,224 donations of 10^15 fen made every later donation of
// 10^15 fen from anyone fail with `overflow`, for ever.
TEST_CASE("one organisation's self-reported donations cannot block another organisation's donations") {
  TestChain chain;
  const auto sunshine = TestKey("sunshine");
  const auto spring = TestKey("spring");
  REQUIRE(chain.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, sunshine).ok());
  REQUIRE(chain.RegisterOrg("spring", pb::ORG_KIND_CHARITY, spring).ok());
  REQUIRE(chain.OpenProject("meals", "sunshine", sunshine).ok());

  // 9,223 donations of 10^15 fen and one of the rest fill org:sunshine to exactly INT64_MAX fen:
  // the largest position an account can hold, and the boundary that passes.
  const std::int64_t full_tx_count = kTotalCeilingFen / kMaxTxFen;  // 9,223
  const std::int64_t rest_fen = kTotalCeilingFen % kMaxTxFen;
  REQUIRE(full_tx_count == 9'223);
  std::vector<Bytes> batch;
  for (std::int64_t i = 0; i <= full_tx_count; ++i) {
    batch.push_back(chain.DonationTx("org:sunshine", i < full_tx_count ? kMaxTxFen : rest_fen, sunshine));
    if (batch.size() == 1'000 || i == full_tx_count) {
      for (const Status& s : chain.CommitBlock(batch)) REQUIRE_MESSAGE(s.ok(), s.ToString());
      batch.clear();
    }
  }
  {
    auto view = chain.ledger().Read();
    CHECK(ledger::flow::GetAccount(view->state(), "org:sunshine").balance_fen == kTotalCeilingFen);
    CHECK(view->Stats().donated_fen() == kTotalCeilingFen);
    CHECK(view->Stats().donation_count() == 9'224);
  }

  // One more fen into the full account is the boundary that fails, and only for that account.
  testing::ExpectRejected(chain, chain.DonationTx("org:sunshine", 1, sunshine), "overflow");

  // Everyone else's donations, and sunshine's other accounts, still go through; the chain-wide
  // total stays saturated ("at least this much") while the count stays exact.
  CHECK(chain.Commit(chain.DonationTx("org:spring", kMaxTxFen, spring)).ok());
  CHECK(chain.Commit(chain.DonationTx("project:meals", kMaxTxFen, sunshine)).ok());
  CHECK(chain.Commit(chain.DonationTx("org:spring", 1, spring)).ok());
  auto view = chain.ledger().Read();
  CHECK(view->Stats().donated_fen() == kTotalCeilingFen);
  CHECK(view->Stats().donation_count() == 9'227);
  CHECK(ledger::flow::GetAccount(view->state(), "org:spring").balance_fen == kMaxTxFen + 1);
  const pb::ProjectRecord meals = *view->Project("meals");
  CHECK(meals.donated_fen() == kMaxTxFen);
}
