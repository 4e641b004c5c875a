// Request counters and latency histograms, rendered in the Prometheus text format (0.0.4).
// Route labels are route patterns ("/v1/txs/{id}"), "static" or "unmatched", so the number
// of series is bounded by the route table.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shanliu::api::internal {

struct Gauge {
  std::string name;
  std::string help;
  double value = 0;
  bool counter = false;  // TYPE counter instead of gauge
};

class Metrics {
 public:
  // Upper bounds (seconds) of the request-latency histogram buckets; +Inf is implied.
  static constexpr std::array<double, 12> kLatencyBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                             0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

  void Observe(std::string_view route, unsigned status, double seconds);
  std::string Render(const std::vector<Gauge>& gauges) const;

 private:
  struct Histogram {
    std::array<std::uint64_t, kLatencyBuckets.size()> buckets{};  // non-cumulative counts
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, unsigned>, std::uint64_t> requests_;  // (route, status) -> count
  std::map<std::string, Histogram> latency_;                             // route -> histogram
};

}  // namespace shanliu::api::internal
