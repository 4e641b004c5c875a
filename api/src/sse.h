// Server-sent events for GET /v1/stream: a bounded set of subscribers, each fed the same
// pre-formatted event text. Subscribers are connections; they hold their own bounded queues.
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

  // False when max_clients are already subscribed.
  bool Subscribe(const std::shared_ptr<SseSink>& sink);
  void Unsubscribe(const SseSink* sink);
  void Publish(const std::shared_ptr<const std::string>& event);
  std::size_t size() const;

 private:
  const std::size_t max_clients_;
  mutable std::mutex mutex_;
  std::vector<std::pair<const SseSink*, std::weak_ptr<SseSink>>> sinks_;
};

// One event in the text/event-stream format:
//   id: <height>\nevent: <name>\ndata: {"height":..,"block_hash":..,"tx_count":..,"time_ms":..,"log_size":..}\n\n
std::string BlockEvent(std::string_view event_name, const pb::StoredBlock& block, const Hash256& block_hash);
// A comment line clients ignore; keeps proxies from closing an idle stream.
inline constexpr std::string_view kSseHeartbeat = ": heartbeat\n\n";

}  // namespace shanliu::api::internal
