// The reverse walk of one page of a spend's sources over proven or stored records: the same
// frames, merges and work bound as TraceBackward (flow_backward.cc), with errors instead of
// StorageError so a verifier can run it over a server's records.
#include <algorithm>
#include <vector>

#include "flow_walk.h"

namespace shanliu::ledger::flow::internal {
namespace {

constexpr std::size_t kMaxStepsPerPage = 20'000;  // as TraceBackward

struct Frame {
  bool in_outflow = false;
  std::uint64_t tx = 0;
  std::string account;
  std::uint64_t position = 0;
  std::uint64_t end = 0;
};

std::vector<std::string> PathOf(const std::vector<Frame>& stack) {
  std::vector<std::string> path;
  for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
    if (!it->in_outflow) path.push_back(it->account);
  }
  return path;
}

// Replaces the offset frame's next part by the stream frame of the piece holding it.
Status StepOutflow(BackReader& reader, std::vector<Frame>& stack) {
  Frame& top = stack.back();
  auto found = reader.PieceAt(top.tx, top.position);
  if (!found.ok()) return found.status();
  const auto& [piece_offset, piece] = *found;
  const std::uint64_t take = std::min(top.end, piece_offset + piece.length) - top.position;
  const std::uint64_t source_from = piece.source_start + (top.position - piece_offset);
  top.position += take;
  Frame stream{false, 0, top.account, source_from, source_from + take};
  stack.push_back(std::move(stream));
  return Status::Ok();
}

}  // namespace

Result<SourcePage> WalkBackward(BackReader& reader, std::uint64_t outflow_tx, std::uint64_t cursor, std::size_t limit) {
  auto header = reader.Outflow(outflow_tx);
  if (!header.ok()) return header.status();
  if (limit == 0) return Status::Error("invalid_argument", "a page needs a limit of at least 1");
  if (cursor > header->amount) {
    return Status::Error("invalid_argument", "cursor " + std::to_string(cursor) + " is beyond the outflow's " +
                                                 std::to_string(header->amount) + " fen");
  }
  SourcePage page;
  std::uint64_t reached = cursor;
  std::size_t steps = 0;
  std::vector<Frame> stack;
  stack.push_back(Frame{true, outflow_tx, header->source, cursor, header->amount});
  while (!stack.empty()) {
    if (stack.back().position == stack.back().end) {
      stack.pop_back();
      continue;
    }
    ++steps;
    if (stack.back().in_outflow) {
      SHANLIU_RETURN_IF_ERROR(StepOutflow(reader, stack));
      continue;
    }
    Frame& top = stack.back();
    auto found = reader.InflowAt(top.account, top.position);
    if (!found.ok()) return found.status();
    const std::uint64_t inflow_start = found->first;
    InflowEntry inflow = std::move(found->second);
    const std::uint64_t take = std::min(top.end, inflow_start + inflow.length) - top.position;
    const std::uint64_t offset_in_inflow = top.position - inflow_start;
    if (HasSource(inflow.kind)) {  // a transfer, or a reversed outflow's money back
      // Money reaching an outflow was credited before it: each step goes to a strictly older
      // tx, so the walk ends even over records that claim otherwise.
      const std::uint64_t consumer = stack[stack.size() - 2].tx;
      if (inflow.tx >= consumer) {
        return Status::Error("not_contiguous", "the inflow of " + top.account + " at position " +
                                                   std::to_string(top.position) + " (leaf " + std::to_string(inflow.tx) +
                                                   ") is not older than the outflow at leaf " + std::to_string(consumer));
      }
      if (inflow.kind == InflowKind::kCorrection && inflow.source != top.account) {
        return Status::Error("not_contiguous", "the money a correction brought back into " + top.account +
                                                   " claims to come from " + inflow.source);
      }
      top.position += take;
      stack.push_back(Frame{true, inflow.tx, std::move(inflow.source), offset_in_inflow, offset_in_inflow + take});
      continue;
    }
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
  if (reached != header->amount) {
    return Status::Error("sum_mismatch", "the sources reach offset " + std::to_string(reached) + ", the outflow is " +
                                             std::to_string(header->amount) + " fen");
  }
  return page;
}

}  // namespace shanliu::ledger::flow::internal
