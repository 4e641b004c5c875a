// Private to the ledger: the forward walk of docs/flow-proof.md check 5, written once over an
// abstract record source so the prover (reading the ledger's state and noting every key it
// reads) and the verifier (reading only proven records) make exactly the same lookups, in the
// same order, and build the same tree. For honest state the tree is node for node the one
// flow::TraceForward builds (same pieces, order and truncation), so the API's trace JSON can be
// compared with what a proof proves.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "flow_records.h"
#include "shanliu/ledger/flow.h"
#include "shanliu/status.h"

namespace shanliu::ledger::flow::internal {

class WalkReader {
 public:
  virtual ~WalkReader() = default;
  // "a/<account>". Errors: missing_record (not available), wrong_account (absent or malformed).
  virtual Result<AccountRecord> Account(const std::string& account) = 0;
  // The consumed range ("f/o/<account>\0<end>") holding `position`: (its start, its entry).
  // Errors: missing_record (no range ending after `position` is available), not_contiguous
  // (the first range ending after `position` begins above it, or is malformed).
  virtual Result<std::pair<std::uint64_t, ConsumedEntry>> ConsumedAt(const std::string& account,
                                                                     std::uint64_t position) = 0;
};

// The root of a gift's walk: its interval in its account and its refunded tail.
struct WalkRoot {
  std::string account;
  std::uint64_t start = 0;
  std::uint64_t length = 0;
  std::uint64_t refunded_fen = 0;  // the interval's last refunded_fen fen were refunded...
  std::uint64_t refund_leaf = 0;   // ...by the tx at this leaf
  Fate tail_fate = Fate::kRefunded;  // kWithdrawn: the whole gift was withdrawn by a correction
};
// The root of a gift's walk from its stored record (a corrected gift is withdrawn whole).
WalkRoot RootOfGift(const std::string& account, std::uint64_t interval_start, std::int64_t amount_fen,
                    std::int64_t refunded_fen, std::uint64_t refund_leaf, std::uint64_t corrected_leaf);

// Walks the gift breadth first, at most `max_nodes` nodes (truncating as TraceForward does).
// Errors come from the reader, or wrong_account (a range beyond its account's stream, a
// transfer to the same or a malformed account), or sum_mismatch.
Result<Trace> WalkForward(WalkReader& reader, const WalkRoot& root, std::size_t max_nodes);

}  // namespace shanliu::ledger::flow::internal

namespace shanliu::ledger::flow::internal {

// The reverse walk (TraceBackward) over an abstract record source, for the same reason.
class BackReader {
 public:
  virtual ~BackReader() = default;
  // "f/t/<tx>". Errors: not_found (absent), missing_record.
  virtual Result<OutflowHeader> Outflow(std::uint64_t tx) = 0;
  // The piece "f/x/<tx><end offset>" holding `offset`: (its first offset, its entry).
  // Errors: missing_record, not_contiguous.
  virtual Result<std::pair<std::uint64_t, OutflowPieceEntry>> PieceAt(std::uint64_t tx, std::uint64_t offset) = 0;
  // The inflow "f/i/<account>\0<end>" holding `position`: (its start, its entry).
  // Errors: missing_record, not_contiguous.
  virtual Result<std::pair<std::uint64_t, InflowEntry>> InflowAt(const std::string& account,
                                                                 std::uint64_t position) = 0;
};

// Exactly TraceBackward's page (same pieces, merges, work bound and next cursor).
Result<SourcePage> WalkBackward(BackReader& reader, std::uint64_t outflow_tx, std::uint64_t cursor, std::size_t limit);

}  // namespace shanliu::ledger::flow::internal
