// Forward trace: where an interval of an account's stream went. Each position of a stream is
// exactly one of: consumed by an outflow piece (maybe since corrected), refunded or withdrawn
// (all under "f/o/"), or unspent (at or above out_pos and not refunded or withdrawn).
// Transferred parts map into the target's stream, corrected parts to where the correction
// brought them back in the same stream; both are followed there, breadth first.
#include <algorithm>
#include <cassert>
#include <deque>

#include "flow_records.h"

namespace shanliu::ledger::flow {

const char* FateName(Fate fate) {
  switch (fate) {
    case Fate::kSpent: return "spent";
    case Fate::kMovedOn: return "moved_on";
    case Fate::kUnspent: return "unspent";
    case Fate::kRefunded: return "refunded";
    case Fate::kCorrected: return "corrected";
    case Fate::kWithdrawn: return "withdrawn";
  }
  return "unknown";
}

namespace {

using namespace internal;

std::uint64_t ConsumedLength(std::string_view value) { return DecodeConsumed(value).length; }

Fate FateOf(ConsumeKind kind) {
  switch (kind) {
    case ConsumeKind::kTransfer:
      return Fate::kMovedOn;
    case ConsumeKind::kSpend:
      return Fate::kSpent;
    case ConsumeKind::kRefund:
      return Fate::kRefunded;
    case ConsumeKind::kCorrected:
      return Fate::kCorrected;
    case ConsumeKind::kWithdrawn:
      return Fate::kWithdrawn;
  }
  throw StorageError("corrupt fund-flow record: unknown consumed kind");
}

// A range of one account's stream whose fates become the children of `node` (or the roots).
struct Pending {
  TraceNode* node = nullptr;    // nullptr: the roots
  std::size_t child_index = 0;  // while being collected: the node's index in its sibling vector
  std::string account;
  std::uint64_t start = 0;
  std::uint64_t end = 0;
};

// The fates of [start, end) in `account`, in stream order, appended to `out` with the ranges
// that kMovedOn children continue in. Returns false once more than `budget` nodes would be
// needed (what was found so far stays in `out`).
bool Expand(const StateView& view, const Pending& range, std::size_t budget, std::vector<TraceNode>& out,
            std::vector<Pending>& next) {
  std::optional<AccountRecord> account_record;  // read only to check an unspent range
  std::uint64_t position = range.start;
  bool within_budget = true;
  auto add = [&](Fate fate, std::uint64_t length, std::uint64_t tx) -> TraceNode* {
    if (out.size() >= budget) {
      within_budget = false;
      return nullptr;
    }
    TraceNode& node = out.emplace_back();
    node.account = range.account;
    node.amount_fen = static_cast<std::int64_t>(length);
    node.fate = fate;
    node.tx = tx;
    return &node;
  };
  auto add_unspent = [&](std::uint64_t from, std::uint64_t to) {
    if (!account_record) account_record = LoadAccount(view, range.account);
    // Everything below out_pos is consumed or refunded, so an unclaimed range lies above it.
    assert(from >= account_record->out_pos && to <= account_record->in_pos);
    return add(Fate::kUnspent, to - from, 0) != nullptr;
  };

  ForEachOverlapping(
      view, StreamIndex::kConsumed, range.account, range.start, range.end, ConsumedLength,
      [&](std::uint64_t start, std::string_view value) {
        const ConsumedEntry entry = DecodeConsumed(value);
        const std::uint64_t from = std::max(start, range.start);
        const std::uint64_t to = std::min(start + entry.length, range.end);
        assert(from >= position && from < to);
        if (from > position && !add_unspent(position, from)) return false;
        TraceNode* node = add(FateOf(entry.kind), to - from, entry.tx);
        if (node == nullptr) return false;
        if (HasTarget(entry.kind)) {  // moved on, or back in this account after a correction
          const std::uint64_t target_from = entry.target_start + (from - start);
          next.push_back(Pending{nullptr, out.size() - 1, entry.target, target_from, target_from + (to - from)});
        }
        position = to;
        return true;
      });
  if (within_budget && position < range.end) add_unspent(position, range.end);
  return within_budget;
}

}  // namespace

Trace TraceForward(const StateView& view, std::string_view account, std::uint64_t inflow_start, std::int64_t length,
                   const TraceLimits& limits) {
  Trace trace;
  if (!ValidAccountName(account) || length <= 0) return trace;
  const AccountRecord root_account = LoadAccount(view, account);
  if (inflow_start >= root_account.in_pos) return trace;
  const std::uint64_t end = std::min(root_account.in_pos, inflow_start + static_cast<std::uint64_t>(length));

  // A node is pointed at only once its sibling vector is complete; vectors never grow after
  // that, so the pointers queued stay valid.
  std::deque<Pending> queue;
  std::vector<Pending> next;
  auto enqueue = [&](std::vector<TraceNode>& siblings) {
    for (Pending& p : next) {
      p.node = &siblings[p.child_index];
      queue.push_back(std::move(p));
    }
    next.clear();
  };
  const Pending root{nullptr, 0, std::string(account), inflow_start, end};
  if (!Expand(view, root, limits.max_nodes, trace.roots, next)) {
    trace.truncated = true;  // the roots are partial and none is expanded
    return trace;
  }
  std::size_t nodes = trace.roots.size();
  enqueue(trace.roots);

  while (!queue.empty()) {
    const Pending range = std::move(queue.front());
    queue.pop_front();
    if (!Expand(view, range, limits.max_nodes - nodes, range.node->children, next)) {
      range.node->children.clear();  // all or nothing: this node and every node still queued keep no children
      trace.truncated = true;
      break;
    }
    nodes += range.node->children.size();
    enqueue(range.node->children);
  }
  return trace;
}

}  // namespace shanliu::ledger::flow
