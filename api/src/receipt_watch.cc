#include "receipt_watch.h"
#include "shanliu/log.h"

#include <cassert>
#include <cstdio>
#include <set>

#include "http_types.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "views.h"

namespace shanliu::api::internal {
namespace {

namespace flow = ledger::flow;

void AddNode(const flow::TraceNode& node, FlowSummary& s, std::set<std::uint64_t>& spends) {
  ++s.nodes;
  switch (node.fate) {
    case flow::Fate::kSpent:
      s.spent_fen += node.amount_fen;
      spends.insert(node.tx);
      break;
    case flow::Fate::kUnspent: s.unspent_fen += node.amount_fen; break;
    case flow::Fate::kRefunded: s.refunded_fen += node.amount_fen; break;
    case flow::Fate::kWithdrawn: s.withdrawn_fen += node.amount_fen; break;
    case flow::Fate::kMovedOn:
    case flow::Fate::kCorrected:
      if (node.children.empty()) s.untraced_fen += node.amount_fen;
      break;
  }
  for (const flow::TraceNode& child : node.children) AddNode(child, s, spends);
}

void HashU64(crypto::Sha256Stream& h, std::uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (56 - 8 * i));
  h.Update(ByteView(b, 8));
}

// Pre-order, each node framed by its child count, so two different trees never hash alike.
void HashNode(crypto::Sha256Stream& h, const flow::TraceNode& node) {
  HashU64(h, node.account.size());
  h.Update(node.account);
  HashU64(h, static_cast<std::uint64_t>(node.amount_fen));
  HashU64(h, static_cast<std::uint64_t>(node.fate));
  HashU64(h, node.tx);
  HashU64(h, node.children.size());
  for (const flow::TraceNode& child : node.children) HashNode(h, child);
}

}  // namespace

FlowSummary SummarizeTrace(const flow::Trace& trace, std::int64_t amount_fen) {
  FlowSummary s;
  s.amount_fen = amount_fen;
  s.truncated = trace.truncated;
  std::set<std::uint64_t> spends;
  for (const flow::TraceNode& root : trace.roots) AddNode(root, s, spends);
  s.spends = spends.size();
  return s;
}

Hash256 TraceDigest(const flow::Trace& trace) {
  crypto::Sha256Stream h;
  h.Update(std::string_view("shanliu/trace-digest/v1"));
  HashU64(h, trace.truncated ? 1 : 0);
  HashU64(h, trace.roots.size());
  for (const flow::TraceNode& root : trace.roots) HashNode(h, root);
  return h.Finish();
}

std::string FlowEvent(const std::string& code, std::uint64_t height, const FlowSummary& s) {
  const Json data = {
      {"code", code},
      {"height", height},
      {"amount_fen", s.amount_fen},
      {"spent_fen", s.spent_fen},
      {"unspent_fen", s.unspent_fen},
      {"refunded_fen", s.refunded_fen},
      {"withdrawn_fen", s.withdrawn_fen},
      {"untraced_fen", s.untraced_fen},
      {"nodes", s.nodes},
      {"spends", s.spends},
      {"truncated", s.truncated},
  };
  // One line (compact dump), as a single "data:" field requires.
  return "id: " + std::to_string(height) + "\nevent: flow\ndata: " + DumpJson(data) + "\n\n";
}

ReceiptWatch::ReceiptWatch(ledger::Ledger& ledger, SseHub& hub, std::size_t max_trace_nodes)
    : ledger_(ledger), hub_(hub), max_trace_nodes_(max_trace_nodes), worker_([this] { Run(); }) {}

ReceiptWatch::~ReceiptWatch() { Stop(); }

void ReceiptWatch::Committed(std::uint64_t height) {
  {
    std::lock_guard lock(mutex_);
    if (stop_) return;
    if (height > pending_height_) pending_height_ = height;
  }
  wake_.notify_one();
}

void ReceiptWatch::Stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  if (worker_.joinable() && worker_.get_id() != std::this_thread::get_id()) worker_.join();
}

void ReceiptWatch::Run() {
  while (true) {
    std::uint64_t height = 0;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || pending_height_ != 0; });
      if (stop_) return;
      height = pending_height_;
      pending_height_ = 0;
    }
    try {
      Pass();
    } catch (const std::exception& e) {
      // A storage fault loses this pass only; the next commit tries again.
      LogEvent("error", "api_storage_error", {{"where", "receipt_watch"}, {"height", height}, {"error", e.what()}});
    }
  }
}

// Blocks without transactions (the idle heartbeat) cannot move money, so a pass over only such
// blocks is skipped. Long gaps are not inspected block by block: the pass just runs.
bool ReceiptWatch::MovedNoMoney(const ledger::ReadView& view, std::uint64_t from, std::uint64_t to) {
  if (from > to || to - from >= kMaxBlocksInspected) return false;
  for (std::uint64_t h = from; h <= to; ++h) {
    auto block = view.Block(h);
    if (!block || block->tx_count() != 0) return false;
  }
  return true;
}

void ReceiptWatch::Pass() {
  const std::vector<std::string> topics = hub_.Topics();
  std::erase_if(last_, [&](const auto& entry) { return !std::binary_search(topics.begin(), topics.end(), entry.first); });
  if (topics.empty()) return;
  auto view = ledger_.Read();
  const std::uint64_t head = view->head().height();
  const std::uint64_t from = checked_height_ + 1;
  checked_height_ = head;
  if (MovedNoMoney(*view, from, head)) return;
  for (const std::string& topic : topics) {
    auto id = crypto::Hash256FromHex(topic);
    assert(id.ok());  // topics are set by the stream route from a resolved gift
    if (!id.ok()) continue;
    auto gift = view->Gift(*id);
    if (!gift) continue;
    flow::TraceLimits limits;
    limits.max_nodes = max_trace_nodes_;
    const flow::Trace trace = flow::TraceForward(view->state(), gift->account(), gift->interval_start(), gift->amount_fen(), limits);
    const Hash256 digest = TraceDigest(trace);
    auto it = last_.find(topic);
    if (it != last_.end() && it->second == digest) continue;
    last_[topic] = digest;
    // A receipt first seen here gets an event too: it may have changed since its subscriber's
    // first event, and a client drops an event whose figures it already shows.
    const FlowSummary summary = SummarizeTrace(trace, gift->amount_fen());
    hub_.PublishTo(topic, std::make_shared<const std::string>(FlowEvent(ReceiptCode(*id), head, summary)));
  }
}

}  // namespace shanliu::api::internal
