// Reverse walk: which origins (donations, trust deposits) paid for an outflow. The outflow's
// pieces, in order, span its offset space [0, amount); each piece is a range of the source
// account's stream, which the inflow index splits into origins and transfer inflows; a
// transfer inflow maps back into the offset space of the transfer that made it, and so on.
// The walk is depth first with an explicit stack, so its output is in offset order and a page
// can stop anywhere and resume from the offset reached.
#include <algorithm>
#include <cassert>

#include "flow_records.h"

namespace shanliu::ledger::flow {
namespace {

using namespace internal;

// Bounds the index lookups of one page even when many small ranges merge into one piece.
constexpr std::size_t kMaxStepsPerPage = 20'000;

std::uint64_t InflowLength(std::string_view value) { return DecodeInflow(value).length; }

// Either [position, end) of outflow `tx`'s offset space (whose source is `account`), or
// [position, end) of `account`'s stream.
struct Frame {
  bool in_outflow = false;
  std::uint64_t tx = 0;
  std::string account;
  std::uint64_t position = 0;
  std::uint64_t end = 0;
};

// The accounts of the stream frames on the stack, origin (top) first.
std::vector<std::string> PathOf(const std::vector<Frame>& stack) {
  std::vector<std::string> path;
  for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
    if (!it->in_outflow) path.push_back(it->account);
  }
  return path;
}

}  // namespace

Result<SourcePage> TraceBackward(const StateView& view, std::uint64_t outflow_tx, std::uint64_t cursor,
                                 std::size_t limit) {
  auto stored = view.Get(OutflowKey(outflow_tx));
  if (!stored) return Status::Error("not_found", "leaf " + std::to_string(outflow_tx) + " made no outflow");
  const OutflowHeader header = DecodeOutflowHeader(*stored);
  if (limit == 0) return Status::Error("invalid_argument", "a page needs a limit of at least 1");
  if (cursor > header.amount) {
    return Status::Error("invalid_argument", "cursor " + std::to_string(cursor) + " is beyond the outflow's " +
                                                 std::to_string(header.amount) + " fen");
  }

  SourcePage page;
  std::uint64_t reached = cursor;  // offset up to which pieces have been emitted
  std::size_t steps = 0;
  std::vector<Frame> stack;
  stack.push_back(Frame{true, outflow_tx, header.source, cursor, header.amount});
  while (!stack.empty()) {
    if (stack.back().position == stack.back().end) {
      stack.pop_back();
      continue;
    }
    ++steps;
    Frame& top = stack.back();
    if (top.in_outflow) {
      // The piece holding this offset (the first ending after it): a range of the source's stream.
      const std::string prefix = OutflowPiecePrefix(top.tx);
      std::uint64_t piece_end = 0;
      OutflowPieceEntry piece;
      view.Scan(prefix, OutflowPieceKey(top.tx, top.position + 1), "",
                [&](std::string_view key, std::string_view value) {
                  piece_end = OutflowPieceKeyEnd(key);
                  piece = DecodeOutflowPiece(value);
                  return false;
                });
      if (piece.length == 0 || piece.length > piece_end || piece_end - piece.length > top.position) {
        throw StorageError("corrupt fund-flow record: outflow " + std::to_string(top.tx) + " has no piece at offset " +
                           std::to_string(top.position));
      }
      const std::uint64_t piece_offset = piece_end - piece.length;
      const std::uint64_t take = std::min(top.end, piece_end) - top.position;
      const std::uint64_t source_from = piece.source_start + (top.position - piece_offset);
      top.position += take;
      Frame stream{false, 0, top.account, source_from, source_from + take};
      stack.push_back(std::move(stream));
      continue;
    }

    // The inflow holding this stream position.
    auto found = FirstEndingAfter(view, StreamIndex::kInflow, top.account, top.position, InflowLength);
    if (!found || found->first > top.position) {
      throw StorageError("corrupt fund-flow record: position " + std::to_string(top.position) + " of " + top.account +
                         " has no inflow");
    }
    const auto& [inflow_start, value] = *found;
    InflowEntry inflow = DecodeInflow(value);
    const std::uint64_t take = std::min(top.end, inflow_start + inflow.length) - top.position;
    const std::uint64_t offset_in_inflow = top.position - inflow_start;
    if (HasSource(inflow.kind)) {  // a transfer, or a reversed outflow's money back
      top.position += take;
      // The transfer's offset space is the inflow interval: follow it into the sender's stream.
      Frame back{true, inflow.tx, std::move(inflow.source), offset_in_inflow, offset_in_inflow + take};
      stack.push_back(std::move(back));
      continue;
    }

    // An origin: emit (or extend the last piece), unless the page is done.
    std::vector<std::string> path = PathOf(stack);
    const bool extends = !page.pieces.empty() && page.pieces.back().origin_tx == inflow.tx &&
                         page.pieces.back().origin_kind == inflow.kind && page.pieces.back().path == path;
    if (!page.pieces.empty() && (steps > kMaxStepsPerPage || (!extends && page.pieces.size() >= limit))) {
      page.next_cursor = reached;
      return page;
    }
    top.position += take;
    reached += take;
    if (extends) {
      page.pieces.back().amount_fen += static_cast<std::int64_t>(take);
    } else {
      page.pieces.push_back(SourcePiece{inflow.tx, inflow.kind, static_cast<std::int64_t>(take), std::move(path)});
    }
  }
  assert(reached == header.amount);
  return page;
}

}  // namespace shanliu::ledger::flow
