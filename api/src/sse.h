// Server-sent events: a bounded set of subscribers, each fed pre-formatted event text.
// Subscribers are connections; they hold their own bounded queues. A subscriber has a topic:
// "" is GET /v1/stream (every block), a receipt's tx id in hex is GET /v1/receipts/{code}/stream
// (only that receipt's flow changes, published by ReceiptWatch).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/pb/state.pb.h"

namespace shanliu::api::internal {

class SseSink {
 public:
  virtual ~SseSink() = default;
  // Thread-safe; must not block (the sink queues the text on its own executor).
  virtual void Deliver(std::shared_ptr<const std::string> event) = 0;
};

class SseHub {
 public:
  explicit SseHub(std::size_t max_clients) : max_clients_(max_clients) {}

  // At most this many distinct receipt topics at once: each costs a trace per block with
  // transactions (ReceiptWatch), so the bound caps that work, not just the sockets.
  static constexpr std::size_t kMaxTopics = 64;

  // False when max_clients are already subscribed, or `topic` would be one topic too many.
  bool Subscribe(const std::shared_ptr<SseSink>& sink, std::string topic = {});
  void Unsubscribe(const SseSink* sink);
  // To the block subscribers (topic "").
  void Publish(const std::shared_ptr<const std::string>& event);
  // To the subscribers of one receipt topic.
  void PublishTo(std::string_view topic, const std::shared_ptr<const std::string>& event);
  // The distinct non-empty topics with at least one subscriber, sorted.
  std::vector<std::string> Topics() const;
  std::size_t size() const;

 private:
  struct Entry {
    const SseSink* raw;
    std::weak_ptr<SseSink> sink;
    std::string topic;
  };
  void Deliver(std::string_view topic, const std::shared_ptr<const std::string>& event);

  const std::size_t max_clients_;
  mutable std::mutex mutex_;  // guards sinks_; never held while delivering
  std::vector<Entry> sinks_;
};

// One event in the text/event-stream format:
//   id: <height>\nevent: <name>\ndata: {"height":..,"block_hash":..,"tx_count":..,"time_ms":..,"log_size":..}\n\n
std::string BlockEvent(std::string_view event_name, const pb::StoredBlock& block, const Hash256& block_hash);
// A comment line clients ignore; keeps proxies from closing an idle stream.
inline constexpr std::string_view kSseHeartbeat = ": heartbeat\n\n";

}  // namespace shanliu::api::internal
