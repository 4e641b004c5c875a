#include <algorithm>
#include <set>

#include "http_types.h"
#include "shanliu/crypto/codec.h"
#include "sse.h"

namespace shanliu::api::internal {

bool SseHub::Subscribe(const std::shared_ptr<SseSink>& sink, std::string topic) {
  std::lock_guard lock(mutex_);
  if (sinks_.size() >= max_clients_) return false;
  if (!topic.empty()) {
    std::set<std::string_view> topics;
    bool known = false;
    for (const Entry& e : sinks_) {
      if (e.topic.empty()) continue;
      topics.insert(e.topic);
      known = known || e.topic == topic;
    }
    if (!known && topics.size() >= kMaxTopics) return false;
  }
  sinks_.push_back({sink.get(), sink, std::move(topic)});
  return true;
}

void SseHub::Unsubscribe(const SseSink* sink) {
  std::lock_guard lock(mutex_);
  std::erase_if(sinks_, [&](const Entry& entry) { return entry.raw == sink; });
}

void SseHub::Publish(const std::shared_ptr<const std::string>& event) { Deliver("", event); }

void SseHub::PublishTo(std::string_view topic, const std::shared_ptr<const std::string>& event) {
  if (topic.empty()) return;  // receipt events never go to the block stream
  Deliver(topic, event);
}

void SseHub::Deliver(std::string_view topic, const std::shared_ptr<const std::string>& event) {
  std::vector<std::shared_ptr<SseSink>> live;
  {
    std::lock_guard lock(mutex_);
    for (const Entry& e : sinks_) {
      if (e.topic != topic) continue;
      if (auto sink = e.sink.lock()) live.push_back(std::move(sink));
    }
  }
  for (const auto& sink : live) sink->Deliver(event);
}

std::vector<std::string> SseHub::Topics() const {
  std::set<std::string> topics;
  {
    std::lock_guard lock(mutex_);
    for (const Entry& e : sinks_) {
      if (!e.topic.empty()) topics.insert(e.topic);
    }
  }
  return {topics.begin(), topics.end()};
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
