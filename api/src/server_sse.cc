#include <algorithm>

#include "http_types.h"
#include "shanliu/crypto/codec.h"
#include "sse.h"

namespace shanliu::api::internal {

bool SseHub::Subscribe(const std::shared_ptr<SseSink>& sink) {
  std::lock_guard lock(mutex_);
  if (sinks_.size() >= max_clients_) return false;
  sinks_.emplace_back(sink.get(), sink);
  return true;
}

void SseHub::Unsubscribe(const SseSink* sink) {
  std::lock_guard lock(mutex_);
  std::erase_if(sinks_, [&](const auto& entry) { return entry.first == sink; });
}

void SseHub::Publish(const std::shared_ptr<const std::string>& event) {
  std::vector<std::shared_ptr<SseSink>> live;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [raw, weak] : sinks_) {
      if (auto sink = weak.lock()) live.push_back(std::move(sink));
    }
  }
  for (const auto& sink : live) sink->Deliver(event);
}

std::size_t SseHub::size() const {
  std::lock_guard lock(mutex_);
  return sinks_.size();
}

std::string BlockEvent(std::string_view event_name, const pb::StoredBlock& block, const Hash256& block_hash) {
  const Json data = {
      {"height", block.header().height()},
      {"block_hash", crypto::ToHex(block_hash)},
      {"tx_count", block.tx_count()},
      {"time_ms", block.header().time_ms()},
      {"log_size", block.header().log_size()},
  };
  // The JSON is one line (compact dump), as a single "data:" field requires.
  return "id: " + std::to_string(block.header().height()) + "\nevent: " + std::string(event_name) +
         "\ndata: " + DumpJson(data) + "\n\n";
}

}  // namespace shanliu::api::internal
