// Reading and writing fund-flow records in a StateView: account records, the account
// identities, and range lookups over the per-account stream indexes.
#include <cassert>

#include "flow_records.h"

namespace shanliu::ledger::flow::internal {

std::optional<std::string> AccountInconsistency(const AccountRecord& r) {
  auto u = [](std::int64_t v) { return static_cast<std::uint64_t>(v); };
  if (r.balance_fen < 0 || r.inflow_fen < 0 || r.received_fen < 0 || r.sent_fen < 0 || r.spent_fen < 0 ||
      r.refunded_fen < 0) {
    return "a total is negative";
  }
  if (r.out_pos > r.in_pos) return "out_pos " + std::to_string(r.out_pos) + " > in_pos " + std::to_string(r.in_pos);
  // Each term is below 2^63, so the sums of two fit in u64; the sum of three is checked.
  if (u(r.inflow_fen) + u(r.received_fen) != r.in_pos) return "in_pos differs from inflow + received";
  std::uint64_t left = 0;
  if (__builtin_add_overflow(u(r.sent_fen), u(r.spent_fen), &left) ||
      __builtin_add_overflow(left, u(r.refunded_fen), &left) || left > r.in_pos ||
      r.in_pos - left != u(r.balance_fen)) {
    return "balance " + std::to_string(r.balance_fen) + " differs from inflow + received - sent - spent - refunded";
  }
  if (u(r.balance_fen) > r.in_pos - r.out_pos) return "balance exceeds the unconsumed stream";
  bool has_hole_fen = u(r.balance_fen) != r.in_pos - r.out_pos;
  if (has_hole_fen != (r.hole_count != 0)) return "hole count disagrees with in_pos - out_pos - balance";
  return std::nullopt;
}

std::uint64_t HoleFen(const AccountRecord& r) {
  return r.in_pos - r.out_pos - static_cast<std::uint64_t>(r.balance_fen);
}

AccountRecord LoadAccount(const StateView& view, std::string_view account) {
  auto value = view.Get(AccountKey(account));
  if (!value) return AccountRecord{};
  return DecodeAccount(*value);
}

void StoreAccount(StateView& view, std::string_view account, const AccountRecord& r) {
  assert(!AccountInconsistency(r));
  view.Put(AccountKey(account), Encode(r));
}

namespace {

// Start of the range a stream key ends; its length must fit below its end.
std::uint64_t RangeStart(std::uint64_t end, std::uint64_t length) {
  if (length == 0 || length > end) throw StorageError("corrupt fund-flow record: range longer than its end position");
  return end - length;
}

}  // namespace

void ForEachOverlapping(const StateView& view, StreamIndex index, std::string_view account, std::uint64_t from,
                        std::uint64_t to, const std::function<std::uint64_t(std::string_view value)>& length_of,
                        const std::function<bool(std::uint64_t start, std::string_view value)>& visit) {
  if (from >= to) return;
  const std::string prefix = StreamPrefix(index, account);
  // Keys are range ends: the overlapping ranges are those ending after `from`, up to the
  // first that starts at or after `to`.
  view.Scan(prefix, prefix + U64Be(from + 1), "", [&](std::string_view key, std::string_view value) {
    const std::uint64_t start = RangeStart(StreamKeyEnd(key, prefix.size()), length_of(value));
    return start < to && visit(start, value);
  });
}

std::optional<std::pair<std::uint64_t, std::string>> FirstEndingAfter(
    const StateView& view, StreamIndex index, std::string_view account, std::uint64_t position,
    const std::function<std::uint64_t(std::string_view value)>& length_of) {
  const std::string prefix = StreamPrefix(index, account);
  std::optional<std::pair<std::uint64_t, std::string>> found;
  view.Scan(prefix, prefix + U64Be(position + 1), "", [&](std::string_view key, std::string_view value) {
    found.emplace(RangeStart(StreamKeyEnd(key, prefix.size()), length_of(value)), std::string(value));
    return false;
  });
  return found;
}

}  // namespace shanliu::ledger::flow::internal
