// Read-only accessors: an account's flow state, its inflows, and one outflow's record.
#include <cassert>
#include <limits>

#include "flow_records.h"

namespace shanliu::ledger::flow {

using namespace internal;

namespace {
std::uint64_t InflowLength(std::string_view value) { return DecodeInflow(value).length; }
}  // namespace

AccountFlow GetAccount(const StateView& view, std::string_view account) {
  AccountFlow flow;
  if (!ValidAccountName(account)) return flow;
  const AccountRecord r = LoadAccount(view, account);
  flow.balance_fen = r.balance_fen;
  flow.in_pos = r.in_pos;
  flow.out_pos = r.out_pos;
  flow.inflow_fen = r.inflow_fen;
  flow.received_fen = r.received_fen;
  flow.sent_fen = r.sent_fen;
  flow.spent_fen = r.spent_fen;
  flow.refunded_fen = r.refunded_fen;
  if (r.hole_count == 0) return flow;

  const std::string prefix = StreamPrefix(StreamIndex::kHole, account);
  std::uint64_t hole_fen = 0;
  view.Scan(prefix, prefix, "", [&](std::string_view key, std::string_view value) {
    const std::uint64_t end = StreamKeyEnd(key, prefix.size());
    const std::uint64_t length = DecodeHole(value).length;
    if (length > end)
      throw StorageError("corrupt fund-flow record: hole longer than its end in " + std::string(account));
    Piece hole{end - length, length};
    if (hole.start <= r.out_pos || end > r.in_pos ||
        (!flow.holes.empty() && flow.holes.back().start + flow.holes.back().length >= hole.start)) {
      throw StorageError("corrupt fund-flow record: hole out of place in " + std::string(account));
    }
    hole_fen += hole.length;
    flow.holes.push_back(hole);
    return true;
  });
  if (flow.holes.size() != r.hole_count || hole_fen != HoleFen(r)) {
    throw StorageError("corrupt fund-flow record: holes of " + std::string(account) + " disagree with its account");
  }
  return flow;
}

std::vector<InflowInfo> ListInflows(const StateView& view, std::string_view account, std::uint64_t from,
                                    std::size_t limit) {
  std::vector<InflowInfo> out;
  if (!ValidAccountName(account) || limit == 0) return out;
  ForEachOverlapping(
      view, StreamIndex::kInflow, account, from, std::numeric_limits<std::uint64_t>::max(), InflowLength,
      [&](std::uint64_t start, std::string_view value) {
        if (start < from) return true;  // the inflow holding `from` began before it
        InflowEntry e = DecodeInflow(value);
        out.push_back(InflowInfo{start, static_cast<std::int64_t>(e.length), e.kind, e.tx, std::move(e.source)});
        return out.size() < limit;
      });
  return out;
}

std::vector<ConsumedInfo> ListConsumed(const StateView& view, std::string_view account, std::uint64_t from,
                                       std::size_t limit) {
  std::vector<ConsumedInfo> out;
  if (!ValidAccountName(account) || limit == 0) return out;
  ForEachOverlapping(
      view, StreamIndex::kConsumed, account, from, std::numeric_limits<std::uint64_t>::max(),
      [](std::string_view value) { return DecodeConsumed(value).length; },
      [&](std::uint64_t start, std::string_view value) {
        if (start < from) return true;  // the range holding `from` began before it
        ConsumedEntry e = DecodeConsumed(value);
        out.push_back(ConsumedInfo{start, static_cast<std::int64_t>(e.length), static_cast<ConsumedKind>(e.kind), e.tx,
                                   std::move(e.target)});
        return out.size() < limit;
      });
  return out;
}

std::optional<OutflowInfo> GetOutflow(const StateView& view, std::uint64_t tx) {
  auto stored = view.Get(OutflowKey(tx));
  if (!stored) return std::nullopt;
  OutflowHeader header = DecodeOutflowHeader(*stored);
  OutflowInfo info;
  info.kind = header.kind;
  info.from = std::move(header.source);
  info.to = std::move(header.target);
  info.amount_fen = static_cast<std::int64_t>(header.amount);
  info.target_start = header.target_start;
  std::uint64_t offset = 0;
  view.Scan(OutflowPiecePrefix(tx), OutflowPiecePrefix(tx), "", [&](std::string_view key, std::string_view value) {
    OutflowPieceEntry piece = DecodeOutflowPiece(value);
    offset += piece.length;
    if (OutflowPieceKeyEnd(key) != offset) throw StorageError("corrupt fund-flow record: outflow pieces leave a gap");
    info.pieces.push_back(Piece{piece.source_start, piece.length});
    return true;
  });
  if (offset != header.amount || info.pieces.size() != header.piece_count) {
    throw StorageError("corrupt fund-flow record: outflow pieces disagree with its amount");
  }
  return info;
}

}  // namespace shanliu::ledger::flow
