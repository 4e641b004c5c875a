// Conservation: the sum of balances equals the money that entered minus the money that left,
// and every account keeps its own identities.
#include <algorithm>

#include "flow_records.h"
#include "shanliu/ledger/totals.h"
#include "shanliu/ledger/verify_pool.h"
#include "shanliu/pb/state.pb.h"
#include "state_keys.h"

namespace shanliu::ledger::flow {
namespace {

using namespace internal;

// Ledger-wide totals of int64 account figures: 128 bits cannot overflow for any number of
// accounts a machine can hold.
__extension__ using Int128 = __int128;

struct Sums {
  Int128 balances = 0;
  Int128 inflow = 0;
  Int128 spent = 0;
  Int128 refunded = 0;
  Int128 sent = 0;
  Int128 received = 0;
  std::optional<std::string> bad_account;  // the first account breaking its identities, and why
};

// Money accounts only: goods accounts ("a/goods:...") count units of items, not fen, and are
// checked per item by goods::CheckConservation; adding them here would mix units into cash.
bool IsGoodsKey(std::string_view key) { return key.substr(kAccountPrefix.size()).starts_with("goods:"); }

Sums Sum(const StateView& view) {
  Sums s;
  view.Scan(kAccountPrefix, kAccountPrefix, "", [&](std::string_view key, std::string_view value) {
    if (IsGoodsKey(key)) return true;
    // DecodeAccount refuses a record that breaks the account identities; the audit reports it
    // as a Status naming the account rather than stopping.
    AccountRecord r;
    try {
      r = DecodeAccount(value);
    } catch (const StorageError& e) {
      if (!s.bad_account) s.bad_account = std::string(key.substr(kAccountPrefix.size())) + ": " + e.what();
      return true;
    }
    s.balances += r.balance_fen;
    s.inflow += r.inflow_fen;
    s.spent += r.spent_fen;
    s.refunded += r.refunded_fen;
    s.sent += r.sent_fen;
    s.received += r.received_fen;
    return true;
  });
  return s;
}

std::string Decimal(Int128 v) {
  if (v == 0) return "0";
  const bool negative = v < 0;
  std::string digits;
  for (; v != 0; v /= 10) digits.push_back(static_cast<char>('0' + static_cast<int>(negative ? -(v % 10) : v % 10)));
  if (negative) digits.push_back('-');
  return std::string(digits.rbegin(), digits.rend());
}

// True if the nodes add up to `want` and every expanded node's children add up to it; else
// `*bad_want` / `*bad_got` are the first sum that does not hold (depth first).
bool SumsHold(const std::vector<TraceNode>& nodes, std::int64_t want, std::int64_t* bad_want, std::int64_t* bad_got) {
  Int128 sum = 0;
  for (const TraceNode& n : nodes) {
    sum += n.amount_fen;
    if (!n.children.empty() && !SumsHold(n.children, n.amount_fen, bad_want, bad_got)) return false;
  }
  if (sum == want) return true;
  *bad_want = want;
  *bad_got = SaturateWide(sum);
  return false;
}

}  // namespace

Result<TraceSums> CheckTraceSums(const StateView& view, VerifyPool* pool) {
  struct Gift {
    Hash256 tx_id{};
    pb::GiftRecord record;
    std::optional<TraceSumFault> fault;
  };
  // Gifts are read in key order in chunks and each chunk is traced in parallel; the first
  // fault of the first chunk that has one is the first in key order.
  constexpr std::size_t kChunk = 1024;
  std::vector<Gift> chunk;
  TraceSums out;
  auto trace_chunk = [&] {
    auto trace = [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) {
        const pb::GiftRecord& g = chunk[i].record;
        const Trace trace = TraceForward(view, g.account(), g.interval_start(), g.amount_fen());
        std::int64_t bad_want = 0, bad_got = 0;
        if (!SumsHold(trace.roots, g.amount_fen(), &bad_want, &bad_got) && !trace.truncated) {
          chunk[i].fault = TraceSumFault{chunk[i].tx_id, g.height(), g.leaf(), g.account(), bad_want, bad_got};
        }
      }
    };
    if (pool) {
      pool->ParallelFor(chunk.size(), trace);
    } else {
      trace(0, chunk.size());
    }
    for (Gift& g : chunk) {
      if (g.fault) {
        out.fault = std::move(g.fault);
        return false;
      }
      ++out.gifts_traced;
    }
    chunk.clear();
    return true;
  };
  std::optional<Status> error;
  const std::string prefix = keys::Gift("");
  view.Scan(prefix, prefix, "", [&](std::string_view key, std::string_view value) {
    Gift& g = chunk.emplace_back();
    if (key.size() != prefix.size() + g.tx_id.size() || !g.record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      error = Status::Error("corruption", "the gift record under a key of " + std::to_string(key.size()) +
                                              " bytes does not parse");
      return false;
    }
    std::copy(key.begin() + static_cast<std::ptrdiff_t>(prefix.size()), key.end(), g.tx_id.begin());
    return chunk.size() < kChunk || trace_chunk();
  });
  if (error) return *error;
  if (!out.fault && !chunk.empty()) trace_chunk();
  return out;
}

FlowTotals SumAccounts(const StateView& view) {
  const Sums s = Sum(view);
  return FlowTotals{SaturateWide(s.balances), SaturateWide(s.inflow), SaturateWide(s.spent), SaturateWide(s.refunded)};
}

Status CheckConservation(const StateView& view) {
  const Sums s = Sum(view);
  if (s.bad_account) return Status::Error("conservation_violated", "account " + *s.bad_account);
  if (s.balances != s.inflow - s.spent - s.refunded || s.sent != s.received) {
    return Status::Error("conservation_violated", "balances " + Decimal(s.balances) + ", inflow " + Decimal(s.inflow) +
                                                      ", spent " + Decimal(s.spent) + ", refunded " +
                                                      Decimal(s.refunded) + ", sent " + Decimal(s.sent) +
                                                      ", received " + Decimal(s.received));
  }
  return Status::Ok();
}

}  // namespace shanliu::ledger::flow
