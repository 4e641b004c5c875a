// Fund-flow tracing (DESIGN 5): hand-worked examples and bad input.
#include "shanliu/ledger/flow.h"

#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <vector>

#include "shanliu/ledger/state_view.h"

namespace shanliu::ledger::flow {
namespace {

std::string ShortFateName(Fate fate) {
  switch (fate) {
    case Fate::kSpent:
      return "spent";
    case Fate::kMovedOn:
      return "moved";
    case Fate::kUnspent:
      return "unspent";
    case Fate::kRefunded:
      return "refunded";
    case Fate::kCorrected:
      return "corrected";
    case Fate::kWithdrawn:
      return "withdrawn";
  }
  return "?";
}

// "org:a 1000 moved@5 [project:p 700 spent@6, project:p 300 unspent]"
std::string Render(const TraceNode& node) {
  std::string out = node.account + " " + std::to_string(node.amount_fen) + " " + ShortFateName(node.fate);
  if (node.fate != Fate::kUnspent) {
    out += '@';
    out += std::to_string(node.tx);
  }
  if (!node.children.empty()) {
    out += " [";
    for (std::size_t i = 0; i < node.children.size(); ++i) {
      if (i > 0) out += ", ";
      out += Render(node.children[i]);
    }
    out += "]";
  }
  return out;
}

std::string Render(const Trace& trace) {
  std::string out;
  for (std::size_t i = 0; i < trace.roots.size(); ++i) {
    if (i > 0) out += " | ";
    out += Render(trace.roots[i]);
  }
  if (trace.truncated) out += " (truncated)";
  return out;
}

// "2:300 org:a>project:p | ..."
std::string Render(const std::vector<SourcePiece>& pieces) {
  std::string out;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    if (i > 0) out += " | ";
    out += std::to_string(pieces[i].origin_tx);
    out += ":";
    out += std::to_string(pieces[i].amount_fen);
    out += " ";
    for (std::size_t j = 0; j < pieces[i].path.size(); ++j) {
      if (j > 0) out += ">";
      out += pieces[i].path[j];
    }
  }
  return out;
}

std::vector<SourcePiece> Sources(const StateView& view, std::uint64_t tx) {
  auto page = TraceBackward(view, tx, 0, 1000);
  REQUIRE_MESSAGE(page.ok(), page.status().ToString());
  CHECK_FALSE(page->next_cursor.has_value());
  return page->pieces;
}

constexpr const char* kOrg = "org:a";
constexpr const char* kProject = "project:p";

// The ledger of the hand-worked example, tx by tx (leaf indices 1..10):
//   1 D1 1000 -> org:a [0,1000)      2 D2 500 -> org:a [1000,1500)
//   3 D3 300 -> org:a [1500,1800)    4 D4 200 -> org:a [1800,2000)
//   5 org:a -> project:p 1200: a[0,1200) = D1 + 200 of D2; p[0,1200)
//   6 spend p 700: p[0,700) (all D1)
//   7 refund D3: hole a[1500,1800)
//   8 org:a -> project:p 400: a[1200,1500) (D2), jumps the hole, a[1800,1900) (D4); p[1200,1600)
//   9 refund D4's remainder a[1900,2000) after partial consumption
//  10 spend p 900: p[700,1200) (D1 300, D2 200) and p[1200,1600) (D2 300, D4 100)
struct Example {
  StateView view{nullptr};
  std::uint64_t d1 = 0, d2 = 0, d3 = 0, d4 = 0;

  void Donations() {
    d1 = RecordInflow(view, kOrg, 1000, InflowKind::kDonation, 1).value();
    d2 = RecordInflow(view, kOrg, 500, InflowKind::kDonation, 2).value();
    d3 = RecordInflow(view, kOrg, 300, InflowKind::kDonation, 3).value();
    d4 = RecordInflow(view, kOrg, 200, InflowKind::kDonation, 4).value();
  }
};

TEST_CASE("inflows occupy consecutive intervals of the account stream") {
  Example ex;
  ex.Donations();
  CHECK(ex.d1 == 0);
  CHECK(ex.d2 == 1000);
  CHECK(ex.d3 == 1500);
  CHECK(ex.d4 == 1800);
  AccountFlow a = GetAccount(ex.view, kOrg);
  CHECK(a.balance_fen == 2000);
  CHECK(a.in_pos == 2000);
  CHECK(a.out_pos == 0);
  CHECK(a.inflow_fen == 2000);
  CHECK(a.holes.empty());
  CHECK(GetAccount(ex.view, "org:never").in_pos == 0);

  auto inflows = ListInflows(ex.view, kOrg, 0, 10);
  REQUIRE(inflows.size() == 4);
  CHECK(inflows[1].start == 1000);
  CHECK(inflows[1].amount_fen == 500);
  CHECK(inflows[1].tx == 2);
  CHECK(inflows[1].kind == InflowKind::kDonation);
  auto page = ListInflows(ex.view, kOrg, inflows[1].start + 1, 2);
  REQUIRE(page.size() == 2);
  CHECK(page[0].tx == 3);
  CHECK(page[1].tx == 4);
  CHECK(CheckConservation(ex.view).ok());
}

TEST_CASE("hand-worked ledger: allocation, spends, refunds, holes and reverse walks") {
  Example ex;
  StateView& view = ex.view;
  ex.Donations();

  REQUIRE(RecordTransfer(view, kOrg, kProject, 1200, 5).ok());
  REQUIRE(RecordSpend(view, kProject, 700, 6).ok());

  CHECK(Render(TraceForward(view, kOrg, ex.d1, 1000)) ==
        "org:a 1000 moved@5 [project:p 700 spent@6, project:p 300 unspent]");
  CHECK(Render(TraceForward(view, kOrg, ex.d2, 500)) ==
        "org:a 200 moved@5 [project:p 200 unspent] | org:a 300 unspent");
  CHECK(Render(TraceForward(view, kOrg, ex.d3, 300)) == "org:a 300 unspent");

  auto outflow = GetOutflow(view, 5);
  REQUIRE(outflow.has_value());
  CHECK(outflow->kind == OutflowKind::kTransfer);
  CHECK(outflow->from == kOrg);
  CHECK(outflow->to == kProject);
  CHECK(outflow->amount_fen == 1200);
  CHECK(outflow->target_start == 0);
  CHECK(outflow->pieces == std::vector<Piece>{{0, 1200}});
  CHECK_FALSE(GetOutflow(view, 1).has_value());

  // Refund D3 while it is wholly unconsumed: a hole above out_pos.
  auto refunded = RecordRefund(view, kOrg, ex.d3, 300, 7);
  REQUIRE(refunded.ok());
  CHECK(*refunded == 300);
  AccountFlow a = GetAccount(view, kOrg);
  CHECK(a.balance_fen == 500);
  CHECK(a.out_pos == 1200);
  CHECK(a.refunded_fen == 300);
  CHECK(a.holes == std::vector<Piece>{{1500, 300}});
  CHECK(Render(TraceForward(view, kOrg, ex.d3, 300)) == "org:a 300 refunded@7");
  CHECK(RecordRefund(view, kOrg, ex.d3, 300, 70).status().code() == "nothing_to_refund");

  // FIFO jumps the hole: D2's remaining 300, then 100 of D4.
  REQUIRE(RecordTransfer(view, kOrg, kProject, 400, 8).ok());
  outflow = GetOutflow(view, 8);
  REQUIRE(outflow.has_value());
  CHECK(outflow->pieces == std::vector<Piece>{{1200, 300}, {1800, 100}});
  CHECK(outflow->target_start == 1200);
  a = GetAccount(view, kOrg);
  CHECK(a.out_pos == 1900);
  CHECK(a.holes.empty());
  CHECK(a.balance_fen == 100);

  // Refund of D4's remainder after partial consumption: the cursor is inside D4, so no hole stays.
  refunded = RecordRefund(view, kOrg, ex.d4, 200, 9);
  REQUIRE(refunded.ok());
  CHECK(*refunded == 100);
  a = GetAccount(view, kOrg);
  CHECK(a.balance_fen == 0);
  CHECK(a.out_pos == 2000);
  CHECK(a.holes.empty());
  CHECK(RecordRefund(view, kOrg, ex.d4, 200, 90).status().code() == "nothing_to_refund");

  REQUIRE(RecordSpend(view, kProject, 900, 10).ok());
  CHECK(Render(TraceForward(view, kOrg, ex.d1, 1000)) ==
        "org:a 1000 moved@5 [project:p 700 spent@6, project:p 300 spent@10]");
  CHECK(Render(TraceForward(view, kOrg, ex.d2, 500)) ==
        "org:a 200 moved@5 [project:p 200 spent@10] | org:a 300 moved@8 [project:p 300 spent@10]");
  CHECK(Render(TraceForward(view, kOrg, ex.d3, 300)) == "org:a 300 refunded@7");
  CHECK(Render(TraceForward(view, kOrg, ex.d4, 200)) ==
        "org:a 100 moved@8 [project:p 100 spent@10] | org:a 100 refunded@9");
  // A part of an inflow traces too.
  CHECK(Render(TraceForward(view, kOrg, ex.d1 + 600, 200)) ==
        "org:a 200 moved@5 [project:p 100 spent@6, project:p 100 spent@10]");

  // Reverse walks. Spend 10 meets D2 twice through the same path: one merged piece.
  CHECK(Render(Sources(view, 6)) == "1:700 org:a>project:p");
  CHECK(Render(Sources(view, 8)) == "2:300 org:a | 4:100 org:a");
  CHECK(Render(Sources(view, 10)) == "1:300 org:a>project:p | 2:500 org:a>project:p | 4:100 org:a>project:p");

  // Paginated with limit 1: the cursor is the offset (fen into the spend) reached.
  auto page = TraceBackward(view, 10, 0, 1);
  REQUIRE(page.ok());
  CHECK(Render(page->pieces) == "1:300 org:a>project:p");
  REQUIRE(page->next_cursor == std::optional<std::uint64_t>(300));
  page = TraceBackward(view, 10, 300, 1);
  REQUIRE(page.ok());
  CHECK(Render(page->pieces) == "2:500 org:a>project:p");
  REQUIRE(page->next_cursor == std::optional<std::uint64_t>(800));
  page = TraceBackward(view, 10, 800, 1);
  REQUIRE(page.ok());
  CHECK(Render(page->pieces) == "4:100 org:a>project:p");
  CHECK_FALSE(page->next_cursor.has_value());
  // A cursor may start anywhere, even inside a piece.
  page = TraceBackward(view, 10, 450, 2);
  REQUIRE(page.ok());
  CHECK(Render(page->pieces) == "2:350 org:a>project:p | 4:100 org:a>project:p");
  CHECK_FALSE(page->next_cursor.has_value());
  page = TraceBackward(view, 10, 900, 1);
  REQUIRE(page.ok());
  CHECK(page->pieces.empty());
  CHECK_FALSE(page->next_cursor.has_value());

  FlowTotals totals = SumAccounts(view);
  CHECK(totals.inflow_fen == 2000);
  CHECK(totals.spent_fen == 1600);
  CHECK(totals.refunded_fen == 400);
  CHECK(totals.balances_fen == 0);
  CHECK(CheckConservation(view).ok());
}

TEST_CASE("transfers chain across accounts and cycle back, and paths name every hop") {
  StateView view(nullptr);
  REQUIRE(RecordInflow(view, "trust:t", 600, InflowKind::kTrustDeposit, 1).ok());
  REQUIRE(RecordInflow(view, "org:b", 100, InflowKind::kDonation, 2).ok());
  REQUIRE(RecordTransfer(view, "trust:t", "org:b", 600, 3).ok());  // org:b [100,700)
  REQUIRE(RecordTransfer(view, "org:b", "org:c", 400, 4).ok());    // b[0,400): D2 100 + T 300
  REQUIRE(RecordTransfer(view, "org:c", "org:b", 250, 5).ok());    // back to org:b [700,950)
  REQUIRE(RecordSpend(view, "org:b", 550, 6).ok());                // b[400,950): T 300, then the 250 from c

  CHECK(Render(TraceForward(view, "trust:t", 0, 600)) ==
        "trust:t 600 moved@3 [org:b 300 moved@4 [org:c 150 moved@5 [org:b 150 spent@6], org:c 150 unspent], "
        "org:b 300 spent@6]");
  CHECK(Render(TraceForward(view, "org:b", 0, 100)) == "org:b 100 moved@4 [org:c 100 moved@5 [org:b 100 spent@6]]");
  CHECK(Render(Sources(view, 6)) == "1:300 trust:t>org:b | 2:100 org:b>org:c>org:b | 1:150 trust:t>org:b>org:c>org:b");
  auto page = TraceBackward(view, 6, 0, 10);
  REQUIRE(page.ok());
  REQUIRE(page->pieces.size() == 3);
  CHECK(page->pieces[0].origin_kind == InflowKind::kTrustDeposit);
  CHECK(page->pieces[1].origin_kind == InflowKind::kDonation);
  CHECK(CheckConservation(view).ok());

  // A trace larger than its node budget is cut, whole expansions at a time.
  Trace cut = TraceForward(view, "trust:t", 0, 600, TraceLimits{3});
  CHECK(cut.truncated);
  CHECK(Render(cut) == "trust:t 600 moved@3 [org:b 300 moved@4, org:b 300 spent@6] (truncated)");
  Trace none = TraceForward(view, "trust:t", 0, 600, TraceLimits{0});
  CHECK(none.truncated);
  CHECK(none.roots.empty());
}

TEST_CASE("refunds merge touching holes and FIFO jumps each hole once") {
  StateView view(nullptr);
  std::vector<std::uint64_t> starts;
  for (std::uint64_t tx = 1; tx <= 6; ++tx)
    starts.push_back(RecordInflow(view, kOrg, 10, InflowKind::kDonation, tx).value());
  REQUIRE(RecordSpend(view, kOrg, 5, 7).ok());                      // out_pos 5
  CHECK(RecordRefund(view, kOrg, starts[2], 10, 8).value() == 10);  // hole [20,30)
  CHECK(RecordRefund(view, kOrg, starts[4], 10, 9).value() == 10);  // hole [40,50)
  CHECK(GetAccount(view, kOrg).holes == std::vector<Piece>{{20, 10}, {40, 10}});
  CHECK(RecordRefund(view, kOrg, starts[3], 10, 10).value() == 10);  // [30,40) joins both: [20,50)
  CHECK(GetAccount(view, kOrg).holes == std::vector<Piece>{{20, 30}});
  CHECK(RecordRefund(view, kOrg, starts[1], 10, 11).value() == 10);  // [10,20) touches: [10,50)
  CHECK(GetAccount(view, kOrg).holes == std::vector<Piece>{{10, 40}});
  CHECK(RecordRefund(view, kOrg, starts[0], 10, 12).value() == 5);  // [5,10) starts at out_pos: jumped at once
  AccountFlow a = GetAccount(view, kOrg);
  CHECK(a.holes.empty());
  CHECK(a.out_pos == 50);
  CHECK(a.balance_fen == 10);
  CHECK(Render(TraceForward(view, kOrg, 0, 60)) ==
        "org:a 5 spent@7 | org:a 5 refunded@12 | org:a 10 refunded@11 | org:a 10 refunded@8 | "
        "org:a 10 refunded@10 | org:a 10 refunded@9 | org:a 10 unspent");
  CHECK(Render(TraceForward(view, kOrg, 0, 1000)) ==
        Render(TraceForward(view, kOrg, 0, 60)));  // beyond in_pos: left out
  REQUIRE(RecordSpend(view, kOrg, 10, 13).ok());
  CHECK(GetOutflow(view, 13)->pieces == std::vector<Piece>{{50, 10}});
  CHECK(CheckConservation(view).ok());

  // A spend that jumps several holes makes one piece per run between them.
  StateView v2(nullptr);
  for (std::uint64_t tx = 1; tx <= 5; ++tx)
    starts[tx - 1] = RecordInflow(v2, kOrg, 10, InflowKind::kDonation, tx).value();
  CHECK(RecordRefund(v2, kOrg, starts[1], 10, 6).value() == 10);
  CHECK(RecordRefund(v2, kOrg, starts[3], 10, 7).value() == 10);
  REQUIRE(RecordSpend(v2, kOrg, 30, 8).ok());
  CHECK(GetOutflow(v2, 8)->pieces == std::vector<Piece>{{0, 10}, {20, 10}, {40, 10}});
  a = GetAccount(v2, kOrg);
  CHECK(a.holes.empty());
  CHECK(a.out_pos == 50);
  CHECK(a.balance_fen == 0);
  CHECK(Render(Sources(v2, 8)) == "1:10 org:a | 3:10 org:a | 5:10 org:a");
}

TEST_CASE("a reverse-walk page bounds its work even when every piece merges into one") {
  StateView view(nullptr);
  REQUIRE(RecordInflow(view, kOrg, 30'000, InflowKind::kDonation, 1).ok());
  for (std::uint64_t tx = 2; tx < 30'002; ++tx) REQUIRE(RecordTransfer(view, kOrg, kProject, 1, tx).ok());
  REQUIRE(RecordSpend(view, kProject, 30'000, 30'002).ok());
  auto page = TraceBackward(view, 30'002, 0, 1000);
  REQUIRE(page.ok());
  REQUIRE(page->pieces.size() == 1);
  REQUIRE(page->next_cursor.has_value());
  const std::uint64_t first = *page->next_cursor;
  CHECK(first > 0);
  CHECK(first < 30'000);
  CHECK(page->pieces[0].amount_fen == static_cast<std::int64_t>(first));
  std::uint64_t cursor = first;
  std::size_t pages = 1;
  while (true) {
    auto next = TraceBackward(view, 30'002, cursor, 1000);
    REQUIRE(next.ok());
    ++pages;
    REQUIRE(next->pieces.size() == 1);
    CHECK(Render(next->pieces).ends_with(" org:a>project:p"));
    cursor += static_cast<std::uint64_t>(next->pieces[0].amount_fen);
    if (!next->next_cursor) break;
    REQUIRE(*next->next_cursor == cursor);
  }
  CHECK(cursor == 30'000);
  CHECK(pages > 1);
}

// ---------------------------------------------------------------- bad input

TEST_CASE("overdraft by 1 fen is refused and writes nothing") {
  StateView view(nullptr);
  REQUIRE(RecordInflow(view, kOrg, 500, InflowKind::kDonation, 1).ok());
  REQUIRE(RecordTransfer(view, kOrg, kProject, 200, 2).ok());
  const StateView::Writes before = view.MergedWrites();

  view.PushLayer();
  Status s = RecordTransfer(view, kOrg, kProject, 301, 3);
  CHECK(s.code() == "insufficient_funds");
  CHECK(s.message() == "org:a holds 300 fen, needs 301");
  CHECK(RecordSpend(view, kProject, 201, 4).code() == "insufficient_funds");
  CHECK(RecordSpend(view, "org:empty", 1, 5).code() == "insufficient_funds");
  CHECK(view.MergedWrites() == before);
  view.PopLayer(true);
  CHECK(view.MergedWrites() == before);

  // Exactly the balance is fine.
  REQUIRE(RecordTransfer(view, kOrg, kProject, 300, 6).ok());
  REQUIRE(RecordSpend(view, kProject, 500, 7).ok());
  CHECK(GetAccount(view, kProject).balance_fen == 0);
  CHECK(CheckConservation(view).ok());
}

TEST_CASE("int64 overflow and the 10^15 rule are refused and write nothing") {
  StateView view(nullptr);
  constexpr std::int64_t kMax = 1'000'000'000'000'000;
  CHECK(RecordInflow(view, kOrg, kMax + 1, InflowKind::kDonation, 1).status().code() == "overflow");
  CHECK(RecordInflow(view, kOrg, 0, InflowKind::kDonation, 1).status().code() == "invalid_amount");
  CHECK(RecordInflow(view, kOrg, -5, InflowKind::kDonation, 1).status().code() == "invalid_amount");
  CHECK(RecordSpend(view, kOrg, kMax + 1, 1).code() == "overflow");
  CHECK(view.MergedWrites().empty());

  // Fill one account up to just below INT64_MAX with the largest legal inflows.
  const std::int64_t limit = std::numeric_limits<std::int64_t>::max();
  std::uint64_t tx = 1;
  std::int64_t total = 0;
  while (limit - total >= kMax) {
    REQUIRE(RecordInflow(view, kOrg, kMax, InflowKind::kDonation, tx++).ok());
    total += kMax;
  }
  const std::int64_t room = limit - total;
  REQUIRE(RecordInflow(view, "org:b", kMax, InflowKind::kDonation, tx++).ok());
  const StateView::Writes before = view.MergedWrites();
  CHECK(RecordInflow(view, kOrg, room + 1, InflowKind::kDonation, tx).status().code() == "overflow");
  CHECK(RecordTransfer(view, "org:b", kOrg, room + 1, tx).code() == "overflow");
  CHECK(view.MergedWrites() == before);
  REQUIRE(RecordTransfer(view, "org:b", kOrg, room, tx++).ok());
  CHECK(GetAccount(view, kOrg).balance_fen == limit);
  CHECK(RecordInflow(view, kOrg, 1, InflowKind::kDonation, tx).status().code() == "overflow");
  // Ledger-wide totals now pass int64: the audit still adds up (SumAccounts saturates).
  CHECK(CheckConservation(view).ok());
  CHECK(SumAccounts(view).inflow_fen == limit);
  // Trace and reverse walk still work at the top of the position range.
  Trace top = TraceForward(view, kOrg, static_cast<std::uint64_t>(total), room);
  CHECK(Render(top) == "org:a " + std::to_string(room) + " unspent");
  CHECK(Render(Sources(view, tx - 1)) == std::to_string(tx - 2) + ":" + std::to_string(room) + " org:b");
}

TEST_CASE("refund errors") {
  StateView view(nullptr);
  std::uint64_t d1 = RecordInflow(view, kOrg, 100, InflowKind::kDonation, 1).value();
  std::uint64_t d2 = RecordInflow(view, kOrg, 100, InflowKind::kDonation, 2).value();
  REQUIRE(RecordSpend(view, kOrg, 100, 3).ok());
  const StateView::Writes before = view.MergedWrites();
  CHECK(RecordRefund(view, kOrg, d1, 100, 4).status().code() == "nothing_to_refund");  // fully consumed
  CHECK(RecordRefund(view, kOrg, d2, 99, 4).status().code() == "not_found");           // wrong length
  CHECK(RecordRefund(view, kOrg, d2 + 1, 99, 4).status().code() == "not_found");       // not an inflow start
  CHECK(RecordRefund(view, "org:other", d2, 100, 4).status().code() == "not_found");
  CHECK(RecordRefund(view, kOrg, d2, 0, 4).status().code() == "not_found");
  CHECK(view.MergedWrites() == before);
  CHECK(RecordRefund(view, kOrg, d2, 100, 4).value() == 100);
}

TEST_CASE("other refused input") {
  StateView view(nullptr);
  REQUIRE(RecordInflow(view, kOrg, 100, InflowKind::kDonation, 1).ok());
  const StateView::Writes before = view.MergedWrites();
  CHECK(RecordTransfer(view, kOrg, kOrg, 10, 2).code() == "same_account");
  CHECK(RecordTransfer(view, kOrg, "", 10, 2).code() == "invalid_account");
  CHECK(RecordTransfer(view, kOrg, std::string("org:x\0y", 7), 10, 2).code() == "invalid_account");
  CHECK(RecordSpend(view, std::string(256, 'a'), 10, 2).code() == "invalid_account");
  CHECK(RecordInflow(view, kOrg, 10, InflowKind::kTransfer, 2).status().code() == "invalid_kind");
  CHECK(view.MergedWrites() == before);

  CHECK(TraceBackward(view, 999, 0, 10).status().code() == "not_found");
  CHECK(TraceBackward(view, 1, 0, 10).status().code() == "not_found");  // an inflow is not an outflow
  REQUIRE(RecordSpend(view, kOrg, 40, 3).ok());
  CHECK(TraceBackward(view, 3, 0, 0).status().code() == "invalid_argument");
  CHECK(TraceBackward(view, 3, 41, 1).status().code() == "invalid_argument");
  CHECK(TraceForward(view, kOrg, 0, 0).roots.empty());
  CHECK(TraceForward(view, kOrg, 100, 5).roots.empty());
  CHECK(TraceForward(view, "org:unknown", 0, 5).roots.empty());
}

TEST_CASE("corrupt stored records throw StorageError") {
  StateView view(nullptr);
  REQUIRE(RecordInflow(view, kOrg, 100, InflowKind::kDonation, 1).ok());
  REQUIRE(RecordSpend(view, kOrg, 40, 2).ok());
  const std::string good = *view.Get("a/org:a");
  view.Put("a/org:a", good.substr(0, good.size() - 1));
  CHECK_THROWS_AS(GetAccount(view, kOrg), StorageError);
  view.Put("a/org:a", good + "x");
  CHECK_THROWS_AS(GetAccount(view, kOrg), StorageError);
  std::string wrong_version = good;
  wrong_version[0] = 9;
  view.Put("a/org:a", wrong_version);
  CHECK_THROWS_AS(GetAccount(view, kOrg), StorageError);
  std::string bad_balance = good;
  bad_balance[8] = static_cast<char>(bad_balance[8] + 1);  // balance no longer matches the totals
  view.Put("a/org:a", bad_balance);
  CHECK_THROWS_AS(GetAccount(view, kOrg), StorageError);
  Status audit = CheckConservation(view);
  CHECK(audit.code() == "conservation_violated");
  CHECK(audit.message().find("org:a") != std::string::npos);
  view.Put("a/org:a", good);
  CHECK(CheckConservation(view).ok());

  view.Put("f/t/" + std::string(7, '\0') + "\x02", "\x01");
  CHECK_THROWS_AS((void)TraceBackward(view, 2, 0, 1), StorageError);
}

TEST_CASE("conservation names the figures when totals disagree") {
  StateView view(nullptr);
  REQUIRE(RecordInflow(view, kOrg, 100, InflowKind::kDonation, 1).ok());
  REQUIRE(RecordTransfer(view, kOrg, kProject, 60, 2).ok());
  // Drop the receiving account: sent no longer equals received, balances no longer add up.
  view.Delete("a/project:p");
  Status s = CheckConservation(view);
  CHECK(s.code() == "conservation_violated");
  CHECK(s.message() == "balances 40, inflow 100, spent 0, refunded 0, sent 60, received 0");
}

}  // namespace
}  // namespace shanliu::ledger::flow
