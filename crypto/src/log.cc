#include "shanliu/log.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstdio>

namespace shanliu {

void LogEvent(std::string_view level, std::string_view event, const nlohmann::json& fields) {
  static std::mutex mutex;  // lines from different threads never interleave
  nlohmann::json line = fields.is_object() ? fields : nlohmann::json::object();
  line["ts"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  line["level"] = level;
  line["event"] = event;
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard lock(mutex);
  std::fwrite(text.data(), 1, text.size(), stderr);
}

LogLimiter::LogLimiter(unsigned burst, std::uint64_t refill_ms, std::size_t max_keys)
    : burst_(burst), refill_ms_(refill_ms), max_keys_(max_keys) {
  assert(burst >= 1 && refill_ms >= 1 && max_keys >= 1);
}

bool LogLimiter::Allow(const std::string& key, std::uint64_t now_ms, nlohmann::json& fields) {
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    // A flood of distinct keys (peers reconnecting with new keys cannot happen, but event
    // names from protobuf's files could grow) falls into one shared bucket instead of memory.
    const std::string slot = buckets_.size() >= max_keys_ ? std::string() : key;
    it = buckets_.try_emplace(slot, Bucket{static_cast<double>(burst_), now_ms, 0}).first;
  }
  Bucket& b = it->second;
  if (now_ms > b.last_ms) {
    b.tokens = std::min<double>(burst_, b.tokens + static_cast<double>(now_ms - b.last_ms) / refill_ms_);
    b.last_ms = now_ms;
  }
  if (b.tokens < 1) {
    ++b.suppressed;
    return false;
  }
  b.tokens -= 1;
  if (b.suppressed > 0) {
    fields["suppressed"] = b.suppressed;
    b.suppressed = 0;
  }
  return true;
}

std::uint64_t SteadyNowMs() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace shanliu
