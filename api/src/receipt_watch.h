// Live updates for one receipt (GET /v1/receipts/{code}/stream): after each committed block
// with transactions, every receipt someone is watching is traced again and, when its trace
// changed, a "flow" event goes to that receipt's subscribers.
//
// Threads: the tracing runs on the watch's own worker thread, never on the I/O pool, so a
// block that touches many watched receipts cannot stall requests. Committed() only records
// the newest height and wakes the worker (it may be called from any thread). Lock rule:
// mutex_ guards pending_height_ and stop_; last_ is touched by the worker thread only.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "shanliu/ledger/flow.h"
#include "shanliu/ledger/ledger.h"
#include "sse.h"

namespace shanliu::api::internal {

// What a receipt's trace adds up to now: the figures a "flow" event carries.
struct FlowSummary {
  std::int64_t amount_fen = 0;
  std::int64_t spent_fen = 0;
  std::int64_t unspent_fen = 0;
  std::int64_t refunded_fen = 0;
  std::int64_t withdrawn_fen = 0;
  std::int64_t untraced_fen = 0;  // moved on, but past the node budget
  std::uint64_t nodes = 0;
  std::uint64_t spends = 0;  // distinct spend txs among the spent pieces
  bool truncated = false;
};

FlowSummary SummarizeTrace(const ledger::flow::Trace& trace, std::int64_t amount_fen);
// Changes whenever any node's account, amount, fate or tx changes (SHA-256 over the tree).
Hash256 TraceDigest(const ledger::flow::Trace& trace);
// id: <height>\nevent: flow\ndata: {"code", "height", "amount_fen", "spent_fen", ...}\n\n
std::string FlowEvent(const std::string& code, std::uint64_t height, const FlowSummary& summary);

class ReceiptWatch {
 public:
  ReceiptWatch(ledger::Ledger& ledger, SseHub& hub, std::size_t max_trace_nodes);
  ~ReceiptWatch();  // Stop()
  ReceiptWatch(const ReceiptWatch&) = delete;
  ReceiptWatch& operator=(const ReceiptWatch&) = delete;

  // Non-blocking; a burst of commits collapses into one pass at the newest height.
  void Committed(std::uint64_t height);
  // Ends the worker; idempotent. Committed() after Stop() does nothing.
  void Stop();

 private:
  static constexpr std::uint64_t kMaxBlocksInspected = 16;

  void Run();
  void Pass();
  static bool MovedNoMoney(const ledger::ReadView& view, std::uint64_t from, std::uint64_t to);

  ledger::Ledger& ledger_;
  SseHub& hub_;
  const std::size_t max_trace_nodes_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::uint64_t pending_height_ = 0;  // 0: nothing to do
  bool stop_ = false;
  std::map<std::string, Hash256> last_;  // topic -> digest last sent (worker thread only)
  std::uint64_t checked_height_ = 0;     // newest block a pass has covered (worker thread only)
  std::thread worker_;
};

}  // namespace shanliu::api::internal
