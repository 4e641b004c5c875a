// Recording money movements: inflows, FIFO outflows (transfers and spends) and refunds.
// Every function checks everything first and writes only when it will succeed, so a failed
// call leaves the view untouched.
#include <algorithm>
#include <cassert>
#include <limits>

#include "flow_records.h"

namespace shanliu::ledger::flow {
namespace {

using namespace internal;

constexpr auto kMaxPosition = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

Status CheckAmount(std::int64_t amount_fen) {
  if (amount_fen <= 0)
    return Status::Error("invalid_amount", "amount must be at least 1 fen, got " + std::to_string(amount_fen));
  if (amount_fen > kMaxAmountFen) {
    return Status::Error("overflow", "amount " + std::to_string(amount_fen) + " fen exceeds the 10^15 fen limit");
  }
  return Status::Ok();
}

Status CheckAccount(std::string_view account) {
  if (!ValidAccountName(account)) {
    return Status::Error("invalid_account",
                         "account names are 1.." + std::to_string(kMaxAccountBytes) + " bytes without NUL");
  }
  return Status::Ok();
}

Status Overflow(std::string_view account, std::string_view what) {
  return Status::Error("overflow", std::string(what) + " of " + std::string(account) + " would pass int64");
}

// Adds `amount` to an account's incoming side; fails (changing nothing) if a total would pass int64.
Status Credit(AccountRecord& r, std::string_view account, std::int64_t amount, bool from_outside) {
  AccountRecord next = r;
  std::int64_t& source_total = from_outside ? next.inflow_fen : next.received_fen;
  if (__builtin_add_overflow(r.in_pos, static_cast<std::uint64_t>(amount), &next.in_pos) ||
      next.in_pos > kMaxPosition) {
    return Overflow(account, "the inflow position");
  }
  if (__builtin_add_overflow(r.balance_fen, amount, &next.balance_fen)) return Overflow(account, "the balance");
  if (__builtin_add_overflow(source_total, amount, &source_total)) return Overflow(account, "the inflow total");
  r = next;
  return Status::Ok();
}

Status InsufficientFunds(std::string_view account, const AccountRecord& r, std::int64_t amount) {
  return Status::Error("insufficient_funds", std::string(account) + " holds " + std::to_string(r.balance_fen) +
                                                 " fen, needs " + std::to_string(amount));
}

struct HoleRange {
  std::uint64_t start = 0;
  std::uint64_t length = 0;
  std::uint64_t end() const { return start + length; }
};

std::uint64_t HoleLength(std::string_view value) { return DecodeHole(value).length; }

// The first hole above `position` (which no hole contains), or an empty range if there is none.
HoleRange NextHole(const StateView& view, std::string_view account, std::uint64_t position) {
  auto found = FirstEndingAfter(view, StreamIndex::kHole, account, position, HoleLength);
  if (!found) return HoleRange{};
  return HoleRange{found->first, HoleLength(found->second)};
}

// A FIFO consumption worked out before anything is written.
struct Consumption {
  std::vector<Piece> pieces;                // consumed ranges, in outflow order
  std::vector<std::uint64_t> passed_holes;  // ends of the holes the cursor jumps over
  std::uint64_t new_out_pos = 0;
};

// Takes the next `amount` fen of the account from out_pos, jumping over holes. Each hole is
// passed once and then deleted, so an outflow that passes k holes costs k + 1 pieces.
Consumption PlanConsumption(const StateView& view, std::string_view account, const AccountRecord& r,
                            std::uint64_t amount) {
  assert(static_cast<std::uint64_t>(r.balance_fen) >= amount);
  Consumption plan;
  std::uint64_t position = r.out_pos;
  std::uint64_t remaining = amount;
  std::uint64_t holes_left = r.hole_count;
  HoleRange hole = holes_left > 0 ? NextHole(view, account, position) : HoleRange{};
  assert((holes_left > 0) == (hole.length > 0));
  while (remaining > 0) {
    // Holes lie strictly above out_pos: a cursor landing on a hole's start jumps it at once.
    const std::uint64_t run_end = hole.length > 0 ? hole.start : r.in_pos;
    assert(run_end > position && run_end <= r.in_pos);
    const std::uint64_t take = std::min(remaining, run_end - position);
    plan.pieces.push_back(Piece{position, take});
    position += take;
    remaining -= take;
    if (hole.length > 0 && position == hole.start) {
      position = hole.end();
      plan.passed_holes.push_back(position);
      --holes_left;
      hole = holes_left > 0 ? NextHole(view, account, position) : HoleRange{};
      assert((holes_left > 0) == (hole.length > 0) && (hole.length == 0 || hole.start > position));
    }
  }
  assert(position <= r.in_pos);
  plan.new_out_pos = position;
  return plan;
}

// Writes the source side of an outflow: its consumed ranges under the source account, its
// header and offset-ordered pieces under the tx, and drops the holes it passed.
void WriteOutflow(StateView& view, std::string_view from, const Consumption& plan, OutflowKind kind,
                  std::uint64_t amount, std::uint64_t tx, std::string_view to, std::uint64_t target_start) {
  std::uint64_t offset = 0;
  for (const Piece& piece : plan.pieces) {
    ConsumedEntry entry;
    entry.kind = static_cast<ConsumeKind>(kind);
    entry.tx = tx;
    entry.length = piece.length;
    entry.offset = offset;
    if (kind == OutflowKind::kTransfer) {
      entry.target_start = target_start + offset;
      entry.target = std::string(to);
    }
    view.Put(StreamKey(StreamIndex::kConsumed, from, piece.start + piece.length), Encode(entry));
    offset += piece.length;
    view.Put(OutflowPieceKey(tx, offset), Encode(OutflowPieceEntry{piece.start, piece.length}));
  }
  assert(offset == amount);
  OutflowHeader header;
  header.kind = kind;
  header.amount = amount;
  header.piece_count = plan.pieces.size();
  header.target_start = kind == OutflowKind::kTransfer ? target_start : 0;
  header.source = std::string(from);
  header.target = std::string(to);
  view.Put(OutflowKey(tx), Encode(header));
  for (std::uint64_t hole_end : plan.passed_holes) view.Delete(StreamKey(StreamIndex::kHole, from, hole_end));
}

// Debits `from` by a FIFO outflow of `amount`; `to` is empty for spends.
Status RecordOutflow(StateView& view, std::string_view from, std::string_view to, std::int64_t amount_fen,
                     OutflowKind kind, std::uint64_t tx) {
  SHANLIU_RETURN_IF_ERROR(CheckAccount(from));
  if (kind == OutflowKind::kTransfer) {
    SHANLIU_RETURN_IF_ERROR(CheckAccount(to));
    if (from == to) return Status::Error("same_account", "a transfer needs two different accounts");
  }
  SHANLIU_RETURN_IF_ERROR(CheckAmount(amount_fen));

  AccountRecord source = LoadAccount(view, from);
  if (source.balance_fen < amount_fen) return InsufficientFunds(from, source, amount_fen);
  AccountRecord source_after = source;
  std::int64_t& out_total = kind == OutflowKind::kTransfer ? source_after.sent_fen : source_after.spent_fen;
  if (__builtin_add_overflow(out_total, amount_fen, &out_total)) return Overflow(from, "the outflow total");
  source_after.balance_fen -= amount_fen;

  AccountRecord target;
  std::uint64_t target_start = 0;
  if (kind == OutflowKind::kTransfer) {
    target = LoadAccount(view, to);
    target_start = target.in_pos;
    SHANLIU_RETURN_IF_ERROR(Credit(target, to, amount_fen, /*from_outside=*/false));
  }

  // Every check passed: from here on the call succeeds.
  const auto amount = static_cast<std::uint64_t>(amount_fen);
  Consumption plan = PlanConsumption(view, from, source, amount);
  source_after.out_pos = plan.new_out_pos;
  assert(source_after.hole_count >= plan.passed_holes.size());
  source_after.hole_count -= plan.passed_holes.size();
  WriteOutflow(view, from, plan, kind, amount, tx, to, target_start);
  StoreAccount(view, from, source_after);
  if (kind == OutflowKind::kTransfer) {
    InflowEntry inflow{InflowKind::kTransfer, tx, amount, std::string(from)};
    view.Put(StreamKey(StreamIndex::kInflow, to, target_start + amount), Encode(inflow));
    StoreAccount(view, to, target);
  }
  return Status::Ok();
}

}  // namespace

Result<std::uint64_t> RecordInflow(StateView& view, std::string_view account, std::int64_t amount_fen, InflowKind kind,
                                   std::uint64_t tx) {
  SHANLIU_RETURN_IF_ERROR(CheckAccount(account));
  SHANLIU_RETURN_IF_ERROR(CheckAmount(amount_fen));
  if (kind != InflowKind::kDonation && kind != InflowKind::kTrustDeposit) {
    return Status::Error("invalid_kind", "transfer inflows are recorded by RecordTransfer");
  }
  AccountRecord r = LoadAccount(view, account);
  const std::uint64_t start = r.in_pos;
  SHANLIU_RETURN_IF_ERROR(Credit(r, account, amount_fen, /*from_outside=*/true));
  InflowEntry inflow{kind, tx, static_cast<std::uint64_t>(amount_fen), ""};
  view.Put(StreamKey(StreamIndex::kInflow, account, r.in_pos), Encode(inflow));  // keyed by its end, the new in_pos
  StoreAccount(view, account, r);
  return start;
}

Status RecordTransfer(StateView& view, std::string_view from, std::string_view to, std::int64_t amount_fen,
                      std::uint64_t tx) {
  return RecordOutflow(view, from, to, amount_fen, OutflowKind::kTransfer, tx);
}

Status RecordSpend(StateView& view, std::string_view account, std::int64_t amount_fen, std::uint64_t tx) {
  return RecordOutflow(view, account, "", amount_fen, OutflowKind::kSpend, tx);
}

namespace {

// Takes [low, end) of `account` out of FIFO order (a refund, or a correction's withdrawal):
// one consumed range of `kind` per run not already inside a hole, merged into one hole (or
// jumped at once if it begins at out_pos). Updates `r`'s cursor, holes and balance; the caller
// books the amount in a total and stores `r`. Returns the fen taken (0: nothing was written).
std::uint64_t TakeOutOfOrder(StateView& view, std::string_view account, AccountRecord& r, std::uint64_t low,
                             std::uint64_t end, ConsumeKind kind, std::uint64_t tx) {
  assert(low >= r.out_pos && low < end && end <= r.in_pos);
  // Holes overlapping or touching [low, end] merge with the new one (they are normally none).
  // They are the holes overlapping [low - 1, end + 1).
  std::vector<HoleRange> touching;
  if (r.hole_count > 0) {
    ForEachOverlapping(view, StreamIndex::kHole, account, low == 0 ? 0 : low - 1, end + 1, HoleLength,
                       [&](std::uint64_t start, std::string_view value) {
                         touching.push_back(HoleRange{start, HoleLength(value)});
                         return true;
                       });
  }
  // What is taken: [low, end) minus the existing holes.
  std::vector<Piece> taken_ranges;
  std::uint64_t cursor = low;
  for (const HoleRange& h : touching) {
    if (h.start > cursor) taken_ranges.push_back(Piece{cursor, std::min(h.start, end) - cursor});
    cursor = std::max(cursor, h.end());
  }
  if (cursor < end) taken_ranges.push_back(Piece{cursor, end - cursor});
  std::uint64_t taken = 0;
  for (const Piece& p : taken_ranges) taken += p.length;
  if (taken == 0) return 0;
  assert(taken <= static_cast<std::uint64_t>(r.balance_fen));

  std::uint64_t offset = 0;
  for (const Piece& p : taken_ranges) {
    ConsumedEntry entry;
    entry.kind = kind;
    entry.tx = tx;
    entry.length = p.length;
    entry.offset = offset;
    view.Put(StreamKey(StreamIndex::kConsumed, account, p.start + p.length), Encode(entry));
    offset += p.length;
  }
  for (const HoleRange& h : touching) view.Delete(StreamKey(StreamIndex::kHole, account, h.end()));
  r.hole_count -= touching.size();
  const std::uint64_t merged_start = touching.empty() ? low : std::min(low, touching.front().start);
  const std::uint64_t merged_end = touching.empty() ? end : std::max(end, touching.back().end());
  assert(merged_start >= r.out_pos);
  if (merged_start == r.out_pos) {
    r.out_pos = merged_end;  // the hole begins at the cursor: jump it now
  } else {
    view.Put(StreamKey(StreamIndex::kHole, account, merged_end), Encode(HoleEntry{merged_end - merged_start}));
    ++r.hole_count;
  }
  r.balance_fen -= static_cast<std::int64_t>(taken);
  return taken;
}

// The inflow entry of exactly `length` fen starting at `start` in `account`, if there is one.
std::optional<InflowEntry> InflowOf(const StateView& view, std::string_view account, std::uint64_t start,
                                    std::int64_t length) {
  if (length <= 0 || start > kMaxPosition - static_cast<std::uint64_t>(length)) return std::nullopt;
  auto stored = view.Get(StreamKey(StreamIndex::kInflow, account, start + static_cast<std::uint64_t>(length)));
  if (!stored) return std::nullopt;
  InflowEntry entry = DecodeInflow(*stored);
  if (entry.length != static_cast<std::uint64_t>(length)) return std::nullopt;
  return entry;
}

Status NoInflow(std::string_view account, std::uint64_t start, std::int64_t length) {
  return Status::Error("not_found", std::string(account) + " has no inflow of " + std::to_string(length) +
                                        " fen at position " + std::to_string(start));
}

Status Consumed(std::string_view account, std::uint64_t start, std::uint64_t length) {
  return Status::Error("funds_consumed", "some of the " + std::to_string(length) + " fen at position " +
                                             std::to_string(start) + " of " + std::string(account) +
                                             " has already been spent, moved on, refunded or withdrawn");
}

}  // namespace

Result<std::int64_t> RecordRefund(StateView& view, std::string_view account, std::uint64_t inflow_start,
                                  std::int64_t inflow_length, std::uint64_t tx) {
  SHANLIU_RETURN_IF_ERROR(CheckAccount(account));
  if (!InflowOf(view, account, inflow_start, inflow_length)) return NoInflow(account, inflow_start, inflow_length);
  AccountRecord r = LoadAccount(view, account);
  const std::uint64_t end = inflow_start + static_cast<std::uint64_t>(inflow_length);
  assert(end <= r.in_pos);
  const std::uint64_t low = std::max(inflow_start, r.out_pos);
  auto nothing = [&] {
    return Status::Error("nothing_to_refund", "the inflow at position " + std::to_string(inflow_start) + " of " +
                                                  std::string(account) + " has been used up or refunded");
  };
  if (low >= end) return nothing();
  const std::uint64_t refunded = TakeOutOfOrder(view, account, r, low, end, ConsumeKind::kRefund, tx);
  if (refunded == 0) return nothing();
  const auto refunded_fen = static_cast<std::int64_t>(refunded);
  r.refunded_fen += refunded_fen;  // cannot overflow: refunded_fen + balance_fen <= in_pos <= INT64_MAX
  StoreAccount(view, account, r);
  return refunded_fen;
}

namespace {

// True when no fen of [start, end) has been consumed, refunded or withdrawn. Such ranges lie
// wholly at or above out_pos, and only refunds and withdrawals write consumed ranges there.
bool WhollyUnconsumed(const StateView& view, std::string_view account, const AccountRecord& r, std::uint64_t start,
                      std::uint64_t end) {
  if (start < r.out_pos) return false;
  bool touched = false;
  ForEachOverlapping(view, StreamIndex::kConsumed, account, start, end,
                     [](std::string_view value) { return DecodeConsumed(value).length; },
                     [&](std::uint64_t, std::string_view) {
                       touched = true;
                       return false;
                     });
  return !touched;
}

}  // namespace

Status RecordWithdrawal(StateView& view, std::string_view account, std::uint64_t inflow_start,
                        std::int64_t inflow_length, std::uint64_t correction_tx) {
  SHANLIU_RETURN_IF_ERROR(CheckAccount(account));
  if (!InflowOf(view, account, inflow_start, inflow_length)) return NoInflow(account, inflow_start, inflow_length);
  AccountRecord r = LoadAccount(view, account);
  const std::uint64_t end = inflow_start + static_cast<std::uint64_t>(inflow_length);
  if (!WhollyUnconsumed(view, account, r, inflow_start, end)) {
    return Consumed(account, inflow_start, static_cast<std::uint64_t>(inflow_length));
  }
  const std::uint64_t taken =
      TakeOutOfOrder(view, account, r, inflow_start, end, ConsumeKind::kWithdrawn, correction_tx);
  assert(taken == static_cast<std::uint64_t>(inflow_length));
  r.refunded_fen += static_cast<std::int64_t>(taken);  // leaves the ledger, as a refund does
  StoreAccount(view, account, r);
  return Status::Ok();
}

namespace {

// The reversed outflow's consumed ranges, re-marked kCorrected and pointed at the new inflow.
void RemarkPieces(StateView& view, const OutflowInfo& outflow, std::uint64_t return_start) {
  std::uint64_t offset = 0;
  for (const Piece& piece : outflow.pieces) {
    const std::string key = StreamKey(StreamIndex::kConsumed, outflow.from, piece.start + piece.length);
    auto stored = view.Get(key);
    if (!stored) throw StorageError("corrupt fund-flow record: an outflow piece has no consumed range");
    ConsumedEntry entry = DecodeConsumed(*stored);
    if (entry.length != piece.length || entry.offset != offset) {
      throw StorageError("corrupt fund-flow record: an outflow piece disagrees with its consumed range");
    }
    entry.kind = ConsumeKind::kCorrected;
    entry.target = outflow.from;
    entry.target_start = return_start + offset;
    view.Put(key, Encode(entry));
    offset += piece.length;
  }
}

}  // namespace

Result<std::uint64_t> RecordReversal(StateView& view, std::uint64_t outflow_tx, std::uint64_t correction_tx) {
  std::optional<OutflowInfo> outflow = GetOutflow(view, outflow_tx);
  if (!outflow) return Status::Error("not_found", "leaf " + std::to_string(outflow_tx) + " made no outflow");
  const Piece& first = outflow->pieces.front();
  auto first_range = view.Get(StreamKey(StreamIndex::kConsumed, outflow->from, first.start + first.length));
  if (!first_range) throw StorageError("corrupt fund-flow record: an outflow piece has no consumed range");
  if (DecodeConsumed(*first_range).kind == ConsumeKind::kCorrected) {
    return Status::Error("already_corrected", "the outflow at leaf " + std::to_string(outflow_tx) +
                                                  " has already been reversed");
  }
  const bool transfer = outflow->kind == OutflowKind::kTransfer;
  const auto amount = static_cast<std::uint64_t>(outflow->amount_fen);
  AccountRecord target;
  if (transfer) {
    target = LoadAccount(view, outflow->to);
    if (!WhollyUnconsumed(view, outflow->to, target, outflow->target_start, outflow->target_start + amount)) {
      return Consumed(outflow->to, outflow->target_start, amount);
    }
    if (__builtin_add_overflow(target.sent_fen, outflow->amount_fen, &target.sent_fen)) {
      return Overflow(outflow->to, "the outflow total");
    }
  }
  AccountRecord source = LoadAccount(view, outflow->from);
  const std::uint64_t return_start = source.in_pos;
  SHANLIU_RETURN_IF_ERROR(Credit(source, outflow->from, outflow->amount_fen, /*from_outside=*/!transfer));

  // Every check passed: from here on the call succeeds.
  if (transfer) {
    const std::uint64_t taken = TakeOutOfOrder(view, outflow->to, target, outflow->target_start,
                                               outflow->target_start + amount, ConsumeKind::kWithdrawn, correction_tx);
    assert(taken == amount);
    (void)taken;
    StoreAccount(view, outflow->to, target);
  }
  RemarkPieces(view, *outflow, return_start);
  InflowEntry inflow{InflowKind::kCorrection, outflow_tx, amount, outflow->from};
  view.Put(StreamKey(StreamIndex::kInflow, outflow->from, return_start + amount), Encode(inflow));
  StoreAccount(view, outflow->from, source);
  return return_start;
}

}  // namespace shanliu::ledger::flow
