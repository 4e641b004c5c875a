// Fund-flow property tests over thousands of seeded random ledgers. Each ledger is driven by
// std::mt19937_64 from its seed and checked against a simple model that keeps every
// account's unconsumed money as a FIFO queue of runs, each run remembering its origin gift
// and the accounts it passed through. A failure prints the seed; replay one ledger with
//   FLOW_PROPERTY_SEED=<seed> ./flow_property_test
// and change the number of ledgers with FLOW_PROPERTY_LEDGERS=<n>.
#include <doctest/doctest.h>
#include <leveldb/db.h>
#include <leveldb/write_batch.h>
#include <stdlib.h>

#include <cstdlib>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "shanliu/ledger/flow.h"
#include "shanliu/ledger/state_view.h"

namespace shanliu::ledger::flow {
namespace {

// ---------------------------------------------------------------- rendering

std::string Render(const TraceNode& node) {
  std::string out = node.account;
  out += ' ';
  out += std::to_string(node.amount_fen);
  out += ' ';
  out += std::to_string(static_cast<int>(node.fate));
  out += '@';
  out += std::to_string(node.tx);
  if (!node.children.empty()) {
    out += " [";
    for (std::size_t i = 0; i < node.children.size(); ++i) {
      if (i > 0) out += ", ";
      out += Render(node.children[i]);
    }
    out += ']';
  }
  return out;
}

std::string Render(const Trace& trace) {
  std::string out = trace.truncated ? "truncated " : "";
  for (const TraceNode& root : trace.roots) {
    out += Render(root);
    out += " | ";
  }
  return out;
}

std::string Render(const std::vector<SourcePiece>& pieces) {
  std::string out;
  for (const SourcePiece& p : pieces) {
    out += std::to_string(p.origin_tx);
    out += '/';
    out += std::to_string(static_cast<int>(p.origin_kind));
    out += ':';
    out += std::to_string(p.amount_fen);
    for (const std::string& account : p.path) {
      out += ' ';
      out += account;
    }
    out += " | ";
  }
  return out;
}

std::string Render(const AccountFlow& a) {
  std::string out;
  for (std::int64_t v : {a.balance_fen, a.inflow_fen, a.received_fen, a.sent_fen, a.spent_fen, a.refunded_fen}) {
    out += std::to_string(v);
    out += ' ';
  }
  out += std::to_string(a.in_pos);
  out += ' ';
  out += std::to_string(a.out_pos);
  for (const Piece& h : a.holes) {
    out += ' ';
    out += std::to_string(h.start);
    out += '+';
    out += std::to_string(h.length);
  }
  return out;
}

void AppendMerged(std::vector<SourcePiece>& all, SourcePiece piece) {
  if (!all.empty() && all.back().origin_tx == piece.origin_tx && all.back().origin_kind == piece.origin_kind &&
      all.back().path == piece.path) {
    all.back().amount_fen += piece.amount_fen;
  } else {
    all.push_back(std::move(piece));
  }
}

// Every page of an outflow's reverse walk concatenated (pieces merged across page boundaries).
std::vector<SourcePiece> AllSources(const StateView& view, std::uint64_t tx, std::size_t limit) {
  std::vector<SourcePiece> all;
  std::uint64_t cursor = 0;
  while (true) {
    auto page = TraceBackward(view, tx, cursor, limit);
    REQUIRE_MESSAGE(page.ok(), page.status().ToString());
    REQUIRE(page->pieces.size() <= limit);
    std::uint64_t page_fen = 0;
    for (SourcePiece& piece : page->pieces) {
      REQUIRE(piece.amount_fen > 0);
      page_fen += static_cast<std::uint64_t>(piece.amount_fen);
      AppendMerged(all, std::move(piece));
    }
    if (!page->next_cursor) break;
    REQUIRE(page_fen > 0);
    REQUIRE(*page->next_cursor == cursor + page_fen);
    cursor = *page->next_cursor;
  }
  return all;
}

// ---------------------------------------------------------------- the model

struct Run {
  std::uint64_t entry_tx = 0;  // the inflow entry holding this run: a gift's tx or a transfer's tx
  std::uint64_t origin_tx = 0;
  InflowKind origin_kind = InflowKind::kDonation;
  std::vector<std::string> path;  // origin account first
  std::int64_t length = 0;
};

struct Gift {
  std::string account;
  std::uint64_t start = 0;
  std::int64_t amount = 0;
  std::uint64_t tx = 0;
};

using FateKey = std::tuple<Fate, std::string, std::uint64_t>;  // fate, account, tx (0 for unspent)

struct Outflow {
  std::uint64_t tx = 0;
  std::int64_t amount = 0;
  std::string from;
  std::string to;  // empty for spends
  bool corrected = false;
};

struct Model {
  std::map<std::string, std::deque<Run>> queues;
  std::map<std::string, std::int64_t> balances;
  std::map<std::string, std::uint64_t> in_pos;
  std::vector<Gift> gifts;
  std::vector<Outflow> outflows;
  std::map<std::uint64_t, std::map<FateKey, std::int64_t>> fates;  // by origin tx
  std::map<std::uint64_t, std::vector<SourcePiece>> sources;       // by outflow tx
  std::int64_t spent = 0;      // spending not since corrected
  std::int64_t refunded = 0;
  std::int64_t corrected_spent = 0;  // spending a correction reversed (still in the accounts' gross totals)
  std::int64_t withdrawn = 0;        // corrected gifts (counted in the accounts' refunded totals)

  void Inflow(const std::string& account, std::int64_t amount, InflowKind kind, std::uint64_t tx) {
    queues[account].push_back(Run{tx, tx, kind, {account}, amount});
    balances[account] += amount;
    in_pos[account] += static_cast<std::uint64_t>(amount);
  }

  std::vector<Run> Take(const std::string& account, std::int64_t amount) {
    std::vector<Run> taken;
    std::deque<Run>& queue = queues[account];
    while (amount > 0) {
      REQUIRE(!queue.empty());
      Run& front = queue.front();
      Run part = front;
      part.length = std::min(amount, front.length);
      front.length -= part.length;
      amount -= part.length;
      if (front.length == 0) queue.pop_front();
      taken.push_back(std::move(part));
    }
    return taken;
  }

  void Outflowing(const std::string& from, const std::string& to, std::int64_t amount, std::uint64_t tx) {
    std::vector<Run> taken = Take(from, amount);
    balances[from] -= amount;
    std::vector<SourcePiece>& pieces = sources[tx];
    for (Run& run : taken) {
      AppendMerged(pieces, SourcePiece{run.origin_tx, run.origin_kind, run.length, run.path});
      fates[run.origin_tx][{to.empty() ? Fate::kSpent : Fate::kMovedOn, from, tx}] += run.length;
      if (!to.empty()) {
        run.entry_tx = tx;
        run.path.push_back(to);
        queues[to].push_back(std::move(run));
      }
    }
    if (to.empty()) {
      spent += amount;
    } else {
      balances[to] += amount;
      in_pos[to] += static_cast<std::uint64_t>(amount);
    }
    outflows.push_back(Outflow{tx, amount, from, to, false});
  }

  // The runs of `account` that arrived by the inflow entry `entry_tx`, and their total.
  std::int64_t EntryTotal(const std::string& account, std::uint64_t entry_tx) {
    std::int64_t total = 0;
    for (const Run& run : queues[account]) total += run.entry_tx == entry_tx ? run.length : 0;
    return total;
  }
  std::vector<Run> TakeEntry(const std::string& account, std::uint64_t entry_tx) {
    std::vector<Run> taken;
    std::deque<Run>& queue = queues[account];
    for (auto it = queue.begin(); it != queue.end();) {
      if (it->entry_tx == entry_tx) {
        taken.push_back(*it);
        it = queue.erase(it);
      } else {
        ++it;
      }
    }
    return taken;
  }

  // A correction of the outflow `o`: "" (done), or the code the ledger must refuse it with.
  std::string Reverse(Outflow& o) {
    if (o.corrected) return "already_corrected";
    const bool transfer = !o.to.empty();
    if (transfer && EntryTotal(o.to, o.tx) != o.amount) return "funds_consumed";
    o.corrected = true;
    // Spend: the runs it took, again, in stream order (they are its reverse walk's pieces).
    std::vector<Run> back;
    if (transfer) {
      back = TakeEntry(o.to, o.tx);
      balances[o.to] -= o.amount;
    } else {
      for (const SourcePiece& piece : sources.at(o.tx)) back.push_back(Run{0, piece.origin_tx, piece.origin_kind, piece.path, piece.amount_fen});
      spent -= o.amount;
      corrected_spent += o.amount;
    }
    for (Run& run : back) {
      const Fate was = transfer ? Fate::kMovedOn : Fate::kSpent;
      auto& f = fates[run.origin_tx];
      f[{was, o.from, o.tx}] -= run.length;
      if (f[{was, o.from, o.tx}] == 0) f.erase({was, o.from, o.tx});
      f[{Fate::kCorrected, o.from, o.tx}] += run.length;
      run.entry_tx = o.tx;
      if (transfer) run.path.pop_back();
      run.path.push_back(o.from);
      queues[o.from].push_back(std::move(run));
    }
    balances[o.from] += o.amount;
    in_pos[o.from] += static_cast<std::uint64_t>(o.amount);
    return "";
  }

  // A correction of the gift `g` at leaf `tx`: "" or the refusal's code.
  std::string Withdraw(const Gift& g, std::uint64_t tx) {
    if (EntryTotal(g.account, g.tx) != g.amount) return "funds_consumed";
    TakeEntry(g.account, g.tx);
    fates[g.tx][{Fate::kWithdrawn, g.account, tx}] += g.amount;
    balances[g.account] -= g.amount;
    withdrawn += g.amount;
    return "";
  }

  std::int64_t Refund(const Gift& gift, std::uint64_t tx) {
    std::int64_t total = 0;
    std::deque<Run>& queue = queues[gift.account];
    for (auto it = queue.begin(); it != queue.end();) {
      if (it->entry_tx == gift.tx) {
        total += it->length;
        fates[it->origin_tx][{Fate::kRefunded, gift.account, tx}] += it->length;
        it = queue.erase(it);
      } else {
        ++it;
      }
    }
    balances[gift.account] -= total;
    refunded += total;
    return total;
  }

  // What is still unspent, as fates of its origins.
  void Unspent() {
    for (const auto& [account, queue] : queues) {
      for (const Run& run : queue) fates[run.origin_tx][{Fate::kUnspent, account, 0}] += run.length;
    }
  }
};

// ---------------------------------------------------------------- ledger generation

enum class OpKind { kGift, kTransfer, kSpend, kRefund, kReverse, kWithdraw };

struct Op {
  OpKind kind = OpKind::kGift;
  InflowKind inflow_kind = InflowKind::kDonation;
  std::string from;
  std::string to;
  std::int64_t amount = 0;
  std::uint64_t tx = 0;
  std::size_t gift = 0;  // kRefund, kWithdraw: index into Model::gifts
  std::size_t outflow = 0;       // kReverse: index into Model::outflows
  std::uint64_t outflow_tx = 0;  // kReverse: its leaf
  // What the in-memory run returned, for the replay to match.
  std::string code;
  std::int64_t value = 0;
};

// Applies one op to `view` and returns (error code or "", value).
std::pair<std::string, std::int64_t> Apply(StateView& view, const Op& op, const std::vector<Gift>& gifts) {
  switch (op.kind) {
    case OpKind::kGift: {
      auto r = RecordInflow(view, op.to, op.amount, op.inflow_kind, op.tx);
      return r.ok() ? std::pair<std::string, std::int64_t>{"", static_cast<std::int64_t>(*r)}
                    : std::pair<std::string, std::int64_t>{r.status().code(), 0};
    }
    case OpKind::kTransfer:
      return {RecordTransfer(view, op.from, op.to, op.amount, op.tx).code(), 0};
    case OpKind::kSpend:
      return {RecordSpend(view, op.from, op.amount, op.tx).code(), 0};
    case OpKind::kRefund: {
      const Gift& g = gifts[op.gift];
      auto r = RecordRefund(view, g.account, g.start, g.amount, op.tx);
      return r.ok() ? std::pair<std::string, std::int64_t>{"", *r}
                    : std::pair<std::string, std::int64_t>{r.status().code(), 0};
    }
    case OpKind::kReverse: {
      auto r = RecordReversal(view, op.outflow_tx, op.tx);
      return r.ok() ? std::pair<std::string, std::int64_t>{"", static_cast<std::int64_t>(*r)}
                    : std::pair<std::string, std::int64_t>{r.status().code(), 0};
    }
    case OpKind::kWithdraw: {
      const Gift& g = gifts[op.gift];
      return {RecordWithdrawal(view, g.account, g.start, g.amount, op.tx).code(), 0};
    }
  }
  return {"?", 0};
}

struct Ledger {
  std::vector<std::string> accounts;
  std::vector<Op> ops;
  Model model;
  StateView view{nullptr};
};

std::int64_t GiftAmount(std::mt19937_64& rng) {
  const std::uint64_t roll = rng() % 100;
  if (roll < 80) return static_cast<std::int64_t>(1 + rng() % 100);  // most gifts are tiny
  if (roll < 95) return static_cast<std::int64_t>(1 + rng() % 100'000);
  return static_cast<std::int64_t>(1 + rng() % 1'000'000'000'000);  // some are large
}

std::int64_t OutflowAmount(std::mt19937_64& rng, std::int64_t balance) {
  const std::uint64_t roll = rng() % 100;
  if (balance == 0 || roll < 5) return balance + 1;  // one fen too many: refused
  if (roll < 20) return balance;                     // drain the account
  if (roll < 45)
    return static_cast<std::int64_t>(1 + rng() % static_cast<std::uint64_t>(std::min<std::int64_t>(balance, 60)));
  return static_cast<std::int64_t>(1 + rng() % static_cast<std::uint64_t>(balance));
}

// Builds a random ledger in an in-memory view, checking the model and conservation after every op.
void Generate(std::uint64_t seed, Ledger& ledger) {
  std::mt19937_64 rng(seed);
  const std::size_t orgs = 1 + rng() % 3;
  const std::size_t projects = rng() % 4;
  for (std::size_t i = 0; i < orgs; ++i) ledger.accounts.push_back("org:o" + std::to_string(i));
  for (std::size_t i = 0; i < projects; ++i) ledger.accounts.push_back("project:p" + std::to_string(i));
  const std::size_t op_count = 5 + rng() % 90;
  Model& model = ledger.model;
  StateView& view = ledger.view;
  auto pick = [&](const std::vector<std::string>& from) -> const std::string& { return from[rng() % from.size()]; };

  for (std::uint64_t tx = 1; tx <= op_count; ++tx) {
    Op op;
    op.tx = tx;
    const std::uint64_t roll = rng() % 100;
    if (roll < 40 || model.gifts.empty()) {
      op.kind = OpKind::kGift;
      op.inflow_kind = rng() % 8 == 0 ? InflowKind::kTrustDeposit : InflowKind::kDonation;
      op.to = pick(ledger.accounts);
      op.amount = GiftAmount(rng);
    } else if (roll < 68) {
      op.kind = ledger.accounts.size() > 1 ? OpKind::kTransfer : OpKind::kSpend;
    } else if (roll < 80) {
      op.kind = OpKind::kSpend;
    } else if (roll < 88) {
      op.kind = OpKind::kRefund;
      op.gift = rng() % model.gifts.size();
    } else if (roll < 95 && !model.outflows.empty()) {
      op.kind = OpKind::kReverse;  // corrections of spends and transfers, recent ones more often
      const std::size_t n = model.outflows.size();
      op.outflow = rng() % 2 == 0 ? n - 1 - rng() % std::min<std::size_t>(n, 3) : rng() % n;
      op.outflow_tx = model.outflows[op.outflow].tx;
    } else {
      op.kind = OpKind::kWithdraw;  // corrections of gifts, mostly the newest (still untouched)
      const std::size_t n = model.gifts.size();
      op.gift = rng() % 2 == 0 ? n - 1 : rng() % n;
    }
    if (op.kind == OpKind::kTransfer || op.kind == OpKind::kSpend) {
      op.from = pick(ledger.accounts);
      for (int tries = 0; tries < 4 && model.balances[op.from] == 0; ++tries) op.from = pick(ledger.accounts);
      if (op.kind == OpKind::kTransfer) {
        do op.to = pick(ledger.accounts);
        while (op.to == op.from);
      }
      op.amount = OutflowAmount(rng, model.balances[op.from]);
    }

    const StateView::Writes before = view.MergedWrites();
    std::tie(op.code, op.value) = Apply(view, op, model.gifts);
    switch (op.kind) {
      case OpKind::kGift:
        REQUIRE_MESSAGE(op.code == "", op.code);
        REQUIRE(static_cast<std::uint64_t>(op.value) == model.in_pos[op.to]);
        model.gifts.push_back(Gift{op.to, static_cast<std::uint64_t>(op.value), op.amount, tx});
        model.Inflow(op.to, op.amount, op.inflow_kind, tx);
        break;
      case OpKind::kTransfer:
      case OpKind::kSpend:
        if (op.amount > model.balances[op.from]) {
          REQUIRE(op.code == "insufficient_funds");
          REQUIRE(view.MergedWrites() == before);
        } else {
          REQUIRE_MESSAGE(op.code == "", op.code);
          model.Outflowing(op.from, op.kind == OpKind::kTransfer ? op.to : "", op.amount, tx);
        }
        break;
      case OpKind::kRefund: {
        const std::int64_t expected = model.Refund(model.gifts[op.gift], tx);
        if (expected == 0) {
          REQUIRE(op.code == "nothing_to_refund");
          REQUIRE(view.MergedWrites() == before);
        } else {
          REQUIRE_MESSAGE(op.code == "", op.code);
          REQUIRE(op.value == expected);
        }
        break;
      }
      case OpKind::kReverse: {
        Outflow& o = model.outflows[op.outflow];
        const std::uint64_t back_at = model.in_pos[o.from];
        const std::string expected = model.Reverse(o);
        REQUIRE_MESSAGE(op.code == expected, op.code << " != " << expected);
        if (expected.empty()) {
          REQUIRE(static_cast<std::uint64_t>(op.value) == back_at);
        } else {
          REQUIRE(view.MergedWrites() == before);
        }
        break;
      }
      case OpKind::kWithdraw: {
        const std::string expected = model.Withdraw(model.gifts[op.gift], tx);
        REQUIRE_MESSAGE(op.code == expected, op.code << " != " << expected);
        if (!expected.empty()) REQUIRE(view.MergedWrites() == before);
        break;
      }
    }
    ledger.ops.push_back(op);

    Status conservation = CheckConservation(view);
    REQUIRE_MESSAGE(conservation.ok(), conservation.ToString());
    for (const std::string& account : ledger.accounts) {
      const AccountFlow a = GetAccount(view, account);  // throws if its holes disagree with it
      REQUIRE(a.balance_fen == model.balances[account]);
      REQUIRE(a.in_pos == model.in_pos[account]);
    }
  }
  model.Unspent();
}

// ---------------------------------------------------------------- checks

void AddFates(const TraceNode& node, std::map<FateKey, std::int64_t>& out) {
  out[{node.fate, node.account, node.fate == Fate::kUnspent ? 0 : node.tx}] += node.amount_fen;
  for (const TraceNode& child : node.children) AddFates(child, out);
}

struct LeafSums {
  std::int64_t spent = 0;
  std::int64_t refunded = 0;
  std::int64_t withdrawn = 0;
  std::map<std::string, std::int64_t> unspent;
};

// The structure every trace must have: amounts positive, children of a moved-on node in its
// transfer's target and summing exactly to it, every leaf spent, unspent or refunded.
void CheckNode(const StateView& view, const TraceNode& node, LeafSums& sums) {
  REQUIRE(node.amount_fen > 0);
  switch (node.fate) {
    case Fate::kMovedOn: {
      auto outflow = GetOutflow(view, node.tx);
      REQUIRE(outflow.has_value());
      REQUIRE(outflow->kind == OutflowKind::kTransfer);
      REQUIRE(outflow->from == node.account);
      REQUIRE(!node.children.empty());
      std::int64_t children = 0;
      for (const TraceNode& child : node.children) {
        REQUIRE(child.account == outflow->to);
        children += child.amount_fen;
        CheckNode(view, child, sums);
      }
      REQUIRE(children == node.amount_fen);
      return;
    }
    case Fate::kCorrected: {  // back in the same account, later in its stream
      auto outflow = GetOutflow(view, node.tx);
      REQUIRE(outflow.has_value());
      REQUIRE(outflow->from == node.account);
      REQUIRE(!node.children.empty());
      std::int64_t children = 0;
      for (const TraceNode& child : node.children) {
        REQUIRE(child.account == node.account);
        children += child.amount_fen;
        CheckNode(view, child, sums);
      }
      REQUIRE(children == node.amount_fen);
      return;
    }
    case Fate::kWithdrawn:
      sums.withdrawn += node.amount_fen;
      break;
    case Fate::kSpent:
      sums.spent += node.amount_fen;
      break;
    case Fate::kRefunded:
      sums.refunded += node.amount_fen;
      break;
    case Fate::kUnspent:
      sums.unspent[node.account] += node.amount_fen;
      break;
  }
  REQUIRE(node.children.empty());
}

std::int64_t SumRoots(const Trace& trace) {
  std::int64_t sum = 0;
  for (const TraceNode& root : trace.roots) sum += root.amount_fen;
  return sum;
}

void CheckLedger(std::uint64_t seed, Ledger& ledger) {
  std::mt19937_64 rng(seed ^ 0x5eed'f10f'0000'0000ULL);
  const StateView& view = ledger.view;
  const Model& model = ledger.model;
  LeafSums sums;
  for (const Gift& gift : model.gifts) {
    Trace trace = TraceForward(view, gift.account, gift.start, gift.amount);
    REQUIRE_FALSE(trace.truncated);
    REQUIRE(SumRoots(trace) == gift.amount);
    std::map<FateKey, std::int64_t> fates;
    for (const TraceNode& root : trace.roots) {
      REQUIRE(root.account == gift.account);
      CheckNode(view, root, sums);
      AddFates(root, fates);
    }
    REQUIRE(fates == model.fates.at(gift.tx));
  }
  const FlowTotals totals = SumAccounts(view);
  // The accounts keep gross totals: a corrected spend stays in `spent`, a withdrawn gift counts
  // in `refunded`; the traces show what is left of them.
  REQUIRE(sums.spent == totals.spent_fen - model.corrected_spent);
  REQUIRE(sums.spent == model.spent);
  REQUIRE(sums.refunded + sums.withdrawn == totals.refunded_fen);
  REQUIRE(sums.refunded == model.refunded);
  REQUIRE(sums.withdrawn == model.withdrawn);
  for (const std::string& account : ledger.accounts) {
    REQUIRE(sums.unspent[account] == GetAccount(view, account).balance_fen);
    // Transfer inflows trace too, and to exactly their amount.
    for (const InflowInfo& inflow : ListInflows(view, account, 0, 1'000'000)) {
      Trace trace = TraceForward(view, account, inflow.start, inflow.amount_fen);
      REQUIRE(SumRoots(trace) == inflow.amount_fen);
    }
  }
  for (const Outflow& outflow : model.outflows) {
    auto info = GetOutflow(view, outflow.tx);
    REQUIRE(info.has_value());
    REQUIRE(info->amount_fen == outflow.amount);
    const std::size_t limit = 1 + rng() % 3;
    const std::vector<SourcePiece> paged = AllSources(view, outflow.tx, limit);
    std::int64_t sum = 0;
    for (const SourcePiece& piece : paged) sum += piece.amount_fen;
    REQUIRE(sum == outflow.amount);
    REQUIRE(Render(paged) == Render(model.sources.at(outflow.tx)));
  }
}

// ---------------------------------------------------------------- LevelDB replay

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "shanliu-flow-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

std::unique_ptr<leveldb::DB> OpenDb(const std::filesystem::path& dir) {
  leveldb::Options options;
  options.create_if_missing = true;
  leveldb::DB* db = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, dir.string(), &db);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return std::unique_ptr<leveldb::DB>(db);
}

void Commit(leveldb::DB& db, const StateView& view) {
  leveldb::WriteBatch batch;
  for (const auto& [key, value] : view.MergedWrites()) {
    if (value) {
      batch.Put(key, *value);
    } else {
      batch.Delete(key);
    }
  }
  leveldb::Status s = db.Write(leveldb::WriteOptions(), &batch);  // reopening recovers it from the log
  REQUIRE_MESSAGE(s.ok(), s.ToString());
}

// Replays the ledger in blocks over a real LevelDB (one tx layer per op, one WriteBatch per
// block, the database closed and reopened now and then) and checks every answer against the
// in-memory view: the same results, traces, reverse walks, accounts, and in the end the same bytes.
void CheckOnDisk(std::uint64_t seed, const Ledger& ledger) {
  std::mt19937_64 rng(seed ^ 0xd15c'0000'0000'0000ULL);
  TempDir dir;
  std::unique_ptr<leveldb::DB> db = OpenDb(dir.path);
  auto block = std::make_unique<StateView>(db.get());
  std::size_t in_block = 0;
  const std::size_t block_size = 1 + rng() % 12;
  for (const Op& op : ledger.ops) {
    block->PushLayer();
    auto [code, value] = Apply(*block, op, ledger.model.gifts);
    REQUIRE(code == op.code);
    REQUIRE(value == op.value);
    block->PopLayer(code.empty());
    if (++in_block < block_size) continue;
    in_block = 0;
    Commit(*db, *block);
    if (rng() % 3 == 0) {
      block.reset();
      db.reset();
      db = OpenDb(dir.path);
    }
    block = std::make_unique<StateView>(db.get());
  }

  // Queries through the block layer over the database give the in-memory answers.
  const StateView& memory = ledger.view;
  for (const Gift& gift : ledger.model.gifts) {
    REQUIRE(Render(TraceForward(*block, gift.account, gift.start, gift.amount)) ==
            Render(TraceForward(memory, gift.account, gift.start, gift.amount)));
  }
  for (const Outflow& outflow : ledger.model.outflows) {
    REQUIRE(Render(AllSources(*block, outflow.tx, 2)) == Render(AllSources(memory, outflow.tx, 2)));
  }
  for (const std::string& account : ledger.accounts) {
    REQUIRE(Render(GetAccount(*block, account)) == Render(GetAccount(memory, account)));
  }
  Status conservation = CheckConservation(*block);
  REQUIRE_MESSAGE(conservation.ok(), conservation.ToString());

  // And once everything is committed, the database holds exactly the in-memory state.
  Commit(*db, *block);
  std::map<std::string, std::string> stored;
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) stored.emplace(it->key().ToString(), it->value().ToString());
  std::map<std::string, std::string> expected;
  for (const auto& [key, value] : memory.MergedWrites()) {
    if (value) expected.emplace(key, *value);
  }
  REQUIRE(stored == expected);
}

std::uint64_t EnvOr(const char* name, std::uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::strtoull(value, nullptr, 10) : fallback;
}

TEST_CASE("random ledgers with corrections: traces and reverse walks add up exactly and match the model") {
  const std::uint64_t only = EnvOr("FLOW_PROPERTY_SEED", 0);
  const std::uint64_t count = only != 0 ? 1 : EnvOr("FLOW_PROPERTY_LEDGERS", 3000);
  std::size_t disk_checked = 0;
  std::map<std::string, std::size_t> corrections;  // "reverse"/"withdraw" + result code: how many
  std::size_t gifts = 0, outflows = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t seed = only != 0 ? only : 1 + i;
    INFO("seed " << seed << " (replay: FLOW_PROPERTY_SEED=" << seed << ")");
    Ledger ledger;
    Generate(seed, ledger);
    CheckLedger(seed, ledger);
    gifts += ledger.model.gifts.size();
    outflows += ledger.model.outflows.size();
    for (const Op& op : ledger.ops) {
      if (op.kind == OpKind::kReverse) ++corrections["reverse " + (op.code.empty() ? "ok" : op.code)];
      if (op.kind == OpKind::kWithdraw) ++corrections["withdraw " + (op.code.empty() ? "ok" : op.code)];
    }
    if (only != 0 || seed % 50 == 0) {
      CheckOnDisk(seed, ledger);
      ++disk_checked;
    }
  }
  MESSAGE("checked " << count << " ledgers, " << disk_checked << " of them also over LevelDB");
  // The checks above ran over real gifts and spends, not empty sets that pass vacuously.
  CHECK(gifts > 0);
  CHECK(outflows > 0);
  // Every outcome of a correction occurs (the default run: thousands of each).
  if (count >= 1000) {
    for (const char* outcome : {"reverse ok", "reverse already_corrected", "reverse funds_consumed", "withdraw ok",
                                "withdraw funds_consumed"}) {
      CAPTURE(outcome);
      CHECK(corrections[outcome] >= 100);
    }
  }
}

}  // namespace
}  // namespace shanliu::ledger::flow
