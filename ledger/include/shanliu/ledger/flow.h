// Interval-FIFO fund-flow tracing (DESIGN 5): the rule, part of consensus, that says which
// gifts paid for which spending. Every account has a stream of fen since genesis: inflows
// occupy [in_pos, in_pos + a); outflows consume FIFO from out_pos, skipping holes left by
// refunds. Each movement stores O(1) index entries; a trace is O(pieces x log n).
//
// This module owns the keys "a/<account>" (AccountFlow) and "f/..." (flow indexes) in the
// StateView. Transactions are named by their log leaf index (u64), which the caller assigns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/ledger/state_view.h"
#include "shanliu/status.h"

namespace shanliu::ledger {
class VerifyPool;
}

namespace shanliu::ledger::flow {

// A contiguous run of one account's stream.
struct Piece {
  std::uint64_t start = 0;
  std::uint64_t length = 0;
  bool operator==(const Piece&) const = default;
};

enum class InflowKind : std::uint8_t { kDonation = 1, kTrustDeposit = 2, kTransfer = 3 };
enum class OutflowKind : std::uint8_t { kTransfer = 1, kSpend = 2 };  // trust disbursements are transfers

struct AccountFlow {
  std::int64_t balance_fen = 0;
  std::uint64_t in_pos = 0;       // total fen ever credited
  std::uint64_t out_pos = 0;      // FIFO cursor: everything below is consumed or a hole
  std::int64_t inflow_fen = 0;    // money entering from outside (donations, trust deposits)
  std::int64_t received_fen = 0;  // money arriving by transfer
  std::int64_t sent_fen = 0;      // money leaving by transfer
  std::int64_t spent_fen = 0;     // money leaving by spending
  std::int64_t refunded_fen = 0;  // money leaving by refund
  std::vector<Piece> holes;       // refunded ranges above out_pos, sorted, disjoint, never touching
};

// Reads an account's flow state (all zero if it never moved money).
AccountFlow GetAccount(const StateView& view, std::string_view account);

// Every Record* call checks everything before it writes: on any error the view is unchanged.
// Common errors: "invalid_account" (empty, longer than 255 bytes, or containing NUL),
// "invalid_amount" (amount below 1 fen). Leaf indices are unique per movement (the caller's
// log guarantees it); one leaf makes at most one outflow.

// Money entering from outside (donation or trust deposit) at leaf `tx`. Returns its interval start.
// Errors: "overflow" if a running total would pass int64 or the 10^15 amount rule is broken;
// "invalid_kind" for InflowKind::kTransfer (RecordTransfer records those).
Result<std::uint64_t> RecordInflow(StateView& view, std::string_view account, std::int64_t amount_fen, InflowKind kind,
                                   std::uint64_t tx);

// Moves money FIFO from one account to another (transfer, allocation, trust disbursement).
// Errors: "insufficient_funds" (balance below amount; nothing written), "overflow",
// "same_account" (from == to).
Status RecordTransfer(StateView& view, std::string_view from, std::string_view to, std::int64_t amount_fen,
                      std::uint64_t tx);

// Money leaving the ledger by spending. Errors: "insufficient_funds", "overflow".
Status RecordSpend(StateView& view, std::string_view account, std::int64_t amount_fen, std::uint64_t tx);

// Returns to the donor the unconsumed remainder of the inflow that started at `inflow_start`
// (length `inflow_length`) in `account`; leaves a hole FIFO will skip. Returns the amount
// refunded (0 is an error: "nothing_to_refund"). The caller prevents refunding one gift twice.
// Error "not_found" if `account` has no inflow of exactly `inflow_length` fen at `inflow_start`.
Result<std::int64_t> RecordRefund(StateView& view, std::string_view account, std::uint64_t inflow_start,
                                  std::int64_t inflow_length, std::uint64_t tx);

// ---------------------------------------------------------------- queries

enum class Fate : std::uint8_t { kSpent = 1, kMovedOn = 2, kUnspent = 3, kRefunded = 4 };
// The fate's name in JSON and on screen: "spent", "moved_on", "unspent", "refunded".
const char* FateName(Fate fate);

// One node of a donation's trace tree: `amount_fen` of the donation reached `account` and
// then met `fate` there. kSpent and kMovedOn name the outflow tx; kMovedOn has children in
// the target account (whose amounts sum exactly to this node's amount).
struct TraceNode {
  std::string account;
  std::int64_t amount_fen = 0;
  Fate fate = Fate::kUnspent;
  std::uint64_t tx = 0;  // outflow leaf for kSpent / kMovedOn; refund leaf for kRefunded
  std::vector<TraceNode> children;
};

struct TraceLimits {
  std::size_t max_nodes = 10'000;  // a trace larger than this is cut and marked truncated
};

struct Trace {
  std::vector<TraceNode> roots;  // pieces of the inflow in its own account; amounts sum to the inflow
  bool truncated = false;
};

// Forward trace of the inflow that started at `inflow_start` with `length` fen in `account`.
// Any interval of the account's stream may be traced; the part beyond the stream's end (in_pos)
// is not part of it and is left out. Nodes are expanded breadth first; an expansion that would
// pass max_nodes is not made (that kMovedOn node keeps no children) and `truncated` is set.
Trace TraceForward(const StateView& view, std::string_view account, std::uint64_t inflow_start, std::int64_t length,
                   const TraceLimits& limits = {});

// The origins (donations / trust deposits) that paid for an outflow, in stream order:
// each piece is `amount_fen` from origin leaf `origin_tx`, reached through `path`
// (the accounts it passed through, origin first).
struct SourcePiece {
  std::uint64_t origin_tx = 0;
  InflowKind origin_kind = InflowKind::kDonation;
  std::int64_t amount_fen = 0;
  std::vector<std::string> path;
};
struct SourcePage {
  std::vector<SourcePiece> pieces;
  std::optional<std::uint64_t> next_cursor;  // offset (fen into the outflow) to continue from
};
// Reverse walk from the outflow at leaf `outflow_tx`, starting `cursor` fen into it, returning
// at most `limit` pieces. Error "not_found" if that leaf made no outflow; "invalid_argument" if
// limit is 0 or cursor is beyond the outflow's amount. Adjacent pieces with the same origin and
// path are merged. A page may hold fewer than `limit` pieces when it has done its work budget;
// next_cursor is then set as usual.
Result<SourcePage> TraceBackward(const StateView& view, std::uint64_t outflow_tx, std::uint64_t cursor,
                                 std::size_t limit);

// ---------------------------------------------------------------- records

// One inflow interval of an account's stream.
struct InflowInfo {
  std::uint64_t start = 0;
  std::int64_t amount_fen = 0;
  InflowKind kind = InflowKind::kDonation;
  std::uint64_t tx = 0;
  std::string source;  // kTransfer: the sending account; empty otherwise
};
// The inflows of `account` that start at or after stream position `from`, in stream order,
// at most `limit` of them (page on with from = last.start + 1).
std::vector<InflowInfo> ListInflows(const StateView& view, std::string_view account, std::uint64_t from,
                                    std::size_t limit);

// One consumed range of an account's stream: what FIFO spending or moving took from it, or
// a refunded range. Used by checks that re-derive rules from the records (e.g. restricted
// funds never leaving their project: api compliance indicators).
enum class ConsumedKind : std::uint8_t { kTransfer = 1, kSpend = 2, kRefund = 3 };
struct ConsumedInfo {
  std::uint64_t start = 0;  // position in the account's stream
  std::int64_t amount_fen = 0;
  ConsumedKind kind = ConsumedKind::kSpend;
  std::uint64_t tx = 0;  // the outflow's or refund's leaf
  std::string target;    // kTransfer: the receiving account; empty otherwise
};
// The consumed ranges of `account` that start at or after stream position `from`, in stream
// order, at most `limit` of them (page on with from = last.start + 1). Holes a refund left
// above the FIFO cursor are listed once FIFO has passed them.
std::vector<ConsumedInfo> ListConsumed(const StateView& view, std::string_view account, std::uint64_t from,
                                       std::size_t limit);

// An outflow as recorded at leaf `tx`.
struct OutflowInfo {
  OutflowKind kind = OutflowKind::kSpend;
  std::string from;
  std::string to;  // empty for spends
  std::int64_t amount_fen = 0;
  std::uint64_t target_start = 0;  // kTransfer: start of the inflow interval in `to`
  std::vector<Piece> pieces;       // the ranges of `from`'s stream it consumed, in outflow order
};
std::optional<OutflowInfo> GetOutflow(const StateView& view, std::uint64_t tx);

// Conservation over every account this view knows of: sum of balances equals
// inflows - spends - refunds. Used after every block in debug builds and by the audit.
struct FlowTotals {
  std::int64_t balances_fen = 0;
  std::int64_t inflow_fen = 0;
  std::int64_t spent_fen = 0;
  std::int64_t refunded_fen = 0;
};
// SumAccounts saturates a total at INT64_MAX; CheckConservation adds in 128 bits.
FlowTotals SumAccounts(const StateView& view);
// Also checks each account's own identities (balance = inflow + received - sent - spent -
// refunded, positions and holes agree, nothing negative) and that transfers cancel out.
// Error "conservation_violated" naming the figures.
Status CheckConservation(const StateView& view);

// Every donation's and trust deposit's forward trace adds up: its pieces sum to its amount and
// each expanded hop's children sum to the hop (a trace cut short by the node limit is checked
// as far as it goes). The first gift whose sums do not hold is named.
struct TraceSumFault {
  Hash256 gift_tx_id{};
  std::uint64_t height = 0;  // of the block that recorded the gift
  std::uint64_t leaf = 0;
  std::string account;
  std::int64_t expected_fen = 0;  // the gift's (or the hop's) amount
  std::int64_t found_fen = 0;     // what its pieces add up to
};
struct TraceSums {
  std::uint64_t gifts_traced = 0;  // gifts whose sums held (all of them when fault is empty)
  std::optional<TraceSumFault> fault;
};
// Error "corruption" if a gift record does not parse. Reads every gift: for audits. With a
// pool, gifts are traced in parallel (the view is only read; a committed ReadView's state is
// safe to read from many threads); the fault reported is still the first in key order.
Result<TraceSums> CheckTraceSums(const StateView& view, VerifyPool* pool = nullptr);

}  // namespace shanliu::ledger::flow
