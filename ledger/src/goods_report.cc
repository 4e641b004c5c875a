// Goods reports that read many records (compliance, exports): expired lots still held, and the
// valued amount of a goods outflow. Read-only over a StateView and pure: the date an expiry is
// judged on comes from the caller (the head block's time), never from a clock.
#include <algorithm>
#include <cassert>

#include "flow_records.h"
#include "shanliu/ledger/flow.h"
#include "shanliu/ledger/goods.h"
#include "shanliu/ledger/goods_report.h"
#include "shanliu/ledger/totals.h"
#include "shanliu/pb/state.pb.h"
#include "state_keys.h"

namespace shanliu::ledger::goods {
namespace {

// An expired lot's trace is cut here: beyond it the lot's held units are not all found, and the
// report says it is incomplete rather than guess.
constexpr std::size_t kMaxTraceNodes = 2'000;

// The held (unspent) parts of a trace, by the holding account.
void CollectHeld(const std::vector<flow::TraceNode>& nodes, std::map<std::string, std::uint64_t>& held) {
  for (const flow::TraceNode& n : nodes) {
    if (n.fate == flow::Fate::kUnspent && n.amount_fen > 0) held[HolderOf(n.account)] += static_cast<std::uint64_t>(n.amount_fen);
    CollectHeld(n.children, held);
  }
}

std::string OrgOf(const std::string& holder,
                  const std::function<std::string(const std::string& project_id)>& owner_of_project) {
  if (holder.starts_with("project:")) return owner_of_project(holder.substr(8));
  if (holder.starts_with("org:")) return holder.substr(4);
  return "";
}

__extension__ using Int128 = __int128;

}  // namespace

ExpiredByOrg ExpiredDistributions(const StateView& view, std::size_t max_scanned,
                                  const std::function<std::string(const std::string& project_id)>& owner_of_project) {
  ExpiredByOrg out;
  std::size_t scanned = 0;
  const std::string prefix = keys::GoodsDistribution("");
  view.Scan(prefix, prefix, "", [&](std::string_view, std::string_view value) {
    if (scanned++ == max_scanned) {
      out.complete = false;
      return false;
    }
    pb::GoodsDistributionRecord rec;
    if (!rec.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      throw StorageError("a goods distribution record does not parse");
    }
    if (rec.expired_quantity() == 0) return true;
    const std::string org = OrgOf(HolderOf(rec.account()), owner_of_project);
    out.distributions[org] += 1;
    out.units[org] += rec.expired_quantity();
    return true;
  });
  return out;
}

ExpiredHeldByOrg ExpiredHoldings(const StateView& view, std::uint32_t date, std::size_t max_scanned,
                                 std::size_t max_listed,
                                 const std::function<std::string(const std::string& project_id)>& owner_of_project) {
  assert(IsValidDate(date));
  ExpiredHeldByOrg out;
  std::size_t scanned = 0;
  const std::string prefix = keys::GoodsGift("");
  view.Scan(prefix, prefix, "", [&](std::string_view, std::string_view value) {
    if (scanned++ == max_scanned) {
      out.complete = false;
      return false;
    }
    pb::GoodsGiftRecord gift;
    if (!gift.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      throw StorageError("a goods donation record does not parse");
    }
    // The expiry day itself is still fit for use: only a later date makes the lot expired.
    if (gift.expires_on() == 0 || gift.expires_on() >= date) return true;
    const flow::Trace trace = flow::TraceForward(view, gift.account(), gift.interval_start(),
                                                 static_cast<std::int64_t>(gift.quantity()),
                                                 flow::TraceLimits{kMaxTraceNodes});
    if (trace.truncated) out.complete = false;
    std::map<std::string, std::uint64_t> held;
    CollectHeld(trace.roots, held);
    for (const auto& [holder, units] : held) {
      const std::string org = OrgOf(holder, owner_of_project);
      out.units[org] += units;
      out.lot_count[org] += 1;
      std::vector<ExpiredLot>& listed = out.lots[org];
      if (listed.size() < max_listed) {
        listed.push_back(ExpiredLot{holder, gift.item_code(), gift.lot_number(), gift.expires_on(), units, gift.leaf()});
      }
    }
    return true;
  });
  return out;
}

Result<OutflowValue> ValueOfOutflow(const StateView& view, std::uint64_t leaf, std::size_t max_pieces) {
  assert(max_pieces > 0);
  OutflowValue out;
  Int128 value = 0;
  auto walked = ForEachOrigin(view, leaf, max_pieces, [&](const flow::SourcePiece& piece, const pb::GoodsGiftRecord& gift) {
    if (gift.quantity() == 0) throw StorageError("a goods donation record has no quantity");
    // value x units fits in 128 bits (10^15 x 10^12); rounded down per piece.
    value += static_cast<Int128>(gift.value_fen()) * piece.amount_fen / static_cast<Int128>(gift.quantity());
    const std::string& lot = gift.lot_number();
    if (!lot.empty() && std::find(out.lots.begin(), out.lots.end(), lot) == out.lots.end()) out.lots.push_back(lot);
  });
  if (!walked.ok()) return walked.status();
  out.complete = *walked;
  out.value_fen = SaturateWide(value);
  return out;
}

HeldValue ValueOfHoldings(const StateView& view, std::string_view goods_account, std::size_t max_inflows) {
  assert(IsGoodsAccount(goods_account));
  constexpr std::size_t kTransferPieces = 256;
  const flow::AccountFlow account = flow::GetAccount(view, goods_account);
  HeldValue out;
  if (!account.holes.empty()) throw StorageError("a goods account has a hole: goods are never refunded");
  Int128 value = 0;
  std::size_t read = 0;
  flow::internal::ForEachOverlapping(
      view, flow::internal::StreamIndex::kInflow, goods_account, account.out_pos, account.in_pos,
      [](std::string_view v) { return flow::internal::DecodeInflow(v).length; },
      [&](std::uint64_t start, std::string_view v) {
        if (read++ == max_inflows) {
          out.complete = false;
          return false;
        }
        const flow::internal::InflowEntry e = flow::internal::DecodeInflow(v);
        if (e.length == 0) throw StorageError("a goods inflow has no length");
        const std::uint64_t held = start + e.length - std::max(start, account.out_pos);
        std::int64_t inflow_value = 0;
        if (e.kind == flow::InflowKind::kTransfer) {
          auto carried = ValueOfOutflow(view, e.tx, kTransferPieces);
          if (!carried.ok()) throw StorageError("a goods transfer into " + std::string(goods_account) + " has no outflow");
          if (!carried->complete) out.complete = false;
          inflow_value = carried->value_fen;
        } else {
          inflow_value = GiftAtLeaf(view, e.tx).value_fen();
        }
        value += static_cast<Int128>(inflow_value) * held / e.length;
        return true;
      });
  out.value_fen = SaturateWide(value);
  return out;
}

}  // namespace shanliu::ledger::goods
