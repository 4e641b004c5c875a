// Structured logs: one JSON object per line on stderr ({"ts":..,"level":..,"event":..,...}),
// so operators can ship them to any log pipeline without parsing free text. Every module logs
// through here (the node, the API server, the CLI's long-running commands), so one line format
// and one rate limiter serve them all.
#pragma once

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>

namespace shanliu {

void LogEvent(std::string_view level, std::string_view event, const nlohmann::json& fields = nlohmann::json::object());

// A token bucket per key (e.g. peer + event) for log lines an outsider can cause: a peer sending
// malformed frames, or a client making protobuf complain, must not be able to fill the disk.
// Each key may write `burst` lines at once, then one per `refill_ms`. The first line written after
// some were dropped carries "suppressed": how many. Time comes from the caller (a steady clock in
// milliseconds), so the limiter is deterministic under test. Thread-safe (one mutex, held only
// for the bucket update).
class LogLimiter {
 public:
  LogLimiter(unsigned burst, std::uint64_t refill_ms, std::size_t max_keys = 4096);

  // True if a line for `key` may be written now; then `fields` gets "suppressed" if lines for
  // the key were dropped since the last one written. Keys beyond max_keys share one bucket.
  bool Allow(const std::string& key, std::uint64_t now_ms, nlohmann::json& fields);

 private:
  struct Bucket {
    double tokens = 0;
    std::uint64_t last_ms = 0;
    std::uint64_t suppressed = 0;
  };
  const unsigned burst_;
  const std::uint64_t refill_ms_;
  const std::size_t max_keys_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

// Milliseconds of the steady clock: the time source for LogLimiter outside tests.
std::uint64_t SteadyNowMs();

}  // namespace shanliu
