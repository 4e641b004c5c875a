// The forward walk of a gift's money (docs/flow-proof.md check 5) over proven or stored records.
#include "flow_walk.h"

#include <algorithm>
#include <cassert>
#include <deque>
#include <vector>

namespace shanliu::ledger::flow::internal {
namespace {

Fate FateOf(ConsumeKind kind) {
  switch (kind) {
    case ConsumeKind::kTransfer: return Fate::kMovedOn;
    case ConsumeKind::kSpend: return Fate::kSpent;
    case ConsumeKind::kRefund: return Fate::kRefunded;
    case ConsumeKind::kCorrected: return Fate::kCorrected;
    case ConsumeKind::kWithdrawn: return Fate::kWithdrawn;
  }
  return Fate::kSpent;  // decoders accept only the five kinds
}

std::string Range(const std::string& account, std::uint64_t from, std::uint64_t to) {
  return "[" + std::to_string(from) + ", " + std::to_string(to) + ") of " + account;
}

// Accounts the state machine makes; anything else in a record is a forged or broken record.
bool IsAccount(std::string_view account) {
  return ValidAccountName(account) &&
         (account.starts_with("org:") || account.starts_with("project:") || account.starts_with("trust:") ||
          account.starts_with("goods:"));
}

struct Pending {
  TraceNode* node = nullptr;  // nullptr: the roots
  std::size_t child_index = 0;
  std::string account;
  std::uint64_t from = 0;
  std::uint64_t to = 0;
};

class Walker {
 public:
  Walker(WalkReader& reader, const WalkRoot& root) : reader_(reader), root_(root) {}

  // Appends the fates of `range` to `out` (ranges that moved on go to `next`). Returns false once
  // more than `budget` nodes would be needed; errors if a record breaks a rule.
  Result<bool> Expand(const Pending& range, bool is_root, std::size_t budget, std::vector<TraceNode>& out,
                      std::vector<Pending>& next) {
    auto account = reader_.Account(range.account);
    if (!account.ok()) return account.status();
    if (range.to > account->in_pos) {
      return Status::Error("wrong_account", Range(range.account, range.from, range.to) +
                                                " ends beyond that account's stream (in_pos " +
                                                std::to_string(account->in_pos) + ")");
    }
    auto add = [&](Fate fate, std::uint64_t length, std::uint64_t tx) -> bool {
      if (out.size() >= budget) return false;
      out.push_back(TraceNode{range.account, static_cast<std::int64_t>(length), fate, tx, {}});
      return true;
    };
    std::uint64_t p = range.from;
    const std::uint64_t consumed_to = std::min(range.to, account->out_pos);
    while (p < consumed_to) {
      auto found = reader_.ConsumedAt(range.account, p);
      if (!found.ok()) return found.status();
      const auto& [start, entry] = *found;
      assert(start <= p && p < start + entry.length);
      const std::uint64_t piece_to = std::min(start + entry.length, range.to);
      if (entry.kind == ConsumeKind::kCorrected) {
        // The money came back later, so further along the same stream: a range pointing
        // anywhere else (or back at itself, which could loop) is forged.
        if (entry.target != range.account || entry.target_start < start + entry.length ||
            entry.target_start > static_cast<std::uint64_t>(INT64_MAX) - entry.length) {
          return Status::Error("wrong_account", "the corrected range " +
                                                    Range(range.account, start, start + entry.length) +
                                                    " does not come back later in the same stream");
        }
      }
      if (entry.kind == ConsumeKind::kTransfer) {
        // Positions stay below 2^63 (docs/tracing.md), so a target range that wraps is forged.
        if (entry.target_start > static_cast<std::uint64_t>(INT64_MAX) - entry.length) {
          return Status::Error("wrong_account", "the range " + Range(range.account, start, start + entry.length) +
                                                    " moved on beyond any stream of " + entry.target);
        }
        if (!IsAccount(entry.target) || entry.target == range.account) {
          return Status::Error("wrong_account", "the range " + Range(range.account, start, start + entry.length) +
                                                    " moved on to '" + entry.target + "', not another account");
        }
      }
      if (!add(FateOf(entry.kind), piece_to - p, entry.tx)) return false;
      if (HasTarget(entry.kind)) {
        const std::uint64_t target_from = entry.target_start + (p - start);
        next.push_back(Pending{nullptr, out.size() - 1, entry.target, target_from, target_from + (piece_to - p)});
      }
      p = piece_to;
    }
    if (p >= range.to) return true;
    // At or above out_pos nothing was consumed but a gift's refunded (or withdrawn) tail, which
    // only the root has: corrections withdraw only gifts and transfers no walk reaches any more.
    const std::uint64_t tail = is_root ? range.to - std::min(root_.refunded_fen, range.to - range.from) : range.to;
    if (p < tail && !add(Fate::kUnspent, tail - p, 0)) return false;
    if (std::max(p, tail) < range.to && !add(root_.tail_fate, range.to - std::max(p, tail), root_.refund_leaf)) {
      return false;
    }
    return true;
  }

 private:
  WalkReader& reader_;
  const WalkRoot& root_;
};

std::int64_t SumOf(const std::vector<TraceNode>& nodes) {
  std::int64_t sum = 0;
  for (const TraceNode& n : nodes) sum += n.amount_fen;
  return sum;
}

// Every expanded moved-on node's children sum to it; the roots to the gift (when complete).
Status CheckSums(const Trace& trace, std::uint64_t amount) {
  if (!trace.truncated && SumOf(trace.roots) != static_cast<std::int64_t>(amount)) {
    return Status::Error("sum_mismatch", "the walk's pieces sum to " + std::to_string(SumOf(trace.roots)) +
                                             " fen, the gift is " + std::to_string(amount) + " fen");
  }
  std::vector<const TraceNode*> stack;
  for (const TraceNode& n : trace.roots) stack.push_back(&n);
  while (!stack.empty()) {
    const TraceNode* n = stack.back();
    stack.pop_back();
    if (n->children.empty()) continue;
    if (SumOf(n->children) != n->amount_fen) {
      return Status::Error("sum_mismatch", "the " + std::to_string(n->amount_fen) + " fen moved on from " + n->account +
                                               " at leaf " + std::to_string(n->tx) + " arrive as " +
                                               std::to_string(SumOf(n->children)) + " fen");
    }
    for (const TraceNode& c : n->children) stack.push_back(&c);
  }
  return Status::Ok();
}

}  // namespace

WalkRoot RootOfGift(const std::string& account, std::uint64_t interval_start, std::int64_t amount_fen,
                    std::int64_t refunded_fen, std::uint64_t refund_leaf, std::uint64_t corrected_leaf) {
  assert(amount_fen > 0 && refunded_fen >= 0 && refunded_fen <= amount_fen);
  WalkRoot root{account, interval_start, static_cast<std::uint64_t>(amount_fen),
                static_cast<std::uint64_t>(refunded_fen), refund_leaf, Fate::kRefunded};
  if (corrected_leaf != 0) {  // a corrected gift is withdrawn whole (never refunded before)
    root.refunded_fen = root.length;
    root.refund_leaf = corrected_leaf;
    root.tail_fate = Fate::kWithdrawn;
  }
  return root;
}

Result<Trace> WalkForward(WalkReader& reader, const WalkRoot& root, std::size_t max_nodes) {
  assert(root.length > 0 && max_nodes > 0);
  Trace trace;
  Walker walker(reader, root);
  // A node is pointed at only once its sibling vector is complete; vectors never grow after
  // that, so the queued pointers stay valid (as in TraceForward).
  std::deque<Pending> queue;
  std::vector<Pending> next;
  auto enqueue = [&](std::vector<TraceNode>& siblings) {
    for (Pending& p : next) {
      p.node = &siblings[p.child_index];
      queue.push_back(std::move(p));
    }
    next.clear();
  };
  auto done = walker.Expand(Pending{nullptr, 0, root.account, root.start, root.start + root.length}, true, max_nodes,
                            trace.roots, next);
  if (!done.ok()) return done.status();
  if (!*done) {
    trace.truncated = true;
    return trace;
  }
  std::size_t nodes = trace.roots.size();
  enqueue(trace.roots);
  while (!queue.empty()) {
    const Pending range = std::move(queue.front());
    queue.pop_front();
    auto expanded = walker.Expand(range, false, max_nodes - nodes, range.node->children, next);
    if (!expanded.ok()) return expanded.status();
    if (!*expanded) {
      range.node->children.clear();  // all or nothing, as TraceForward
      trace.truncated = true;
      break;
    }
    nodes += range.node->children.size();
    enqueue(range.node->children);
  }
  if (Status s = CheckSums(trace, root.length); !s.ok()) return s;
  return trace;
}

}  // namespace shanliu::ledger::flow::internal
