#include <cstdio>

#include "metrics.h"

namespace shanliu::api::internal {
namespace {

// Label values are route patterns; escape what the text format requires anyway.
std::string LabelValue(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

void Metrics::Observe(std::string_view route, unsigned status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(route), status}];
  Histogram& h = latency_[std::string(route)];
  for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) {
      ++h.buckets[i];
      break;
    }
  }
  ++h.count;
  h.sum += seconds;
}

std::string Metrics::Render(const std::vector<Gauge>& gauges) const {
  std::string out;
  for (const Gauge& g : gauges) {
    out += "# HELP " + g.name + " " + g.help + "\n";
    out += "# TYPE " + g.name + (g.counter ? " counter\n" : " gauge\n");
    out += g.name + " " + Number(g.value) + "\n";
  }
  std::lock_guard lock(mutex_);
  out += "# HELP shanliu_http_requests_total HTTP requests answered, by route pattern and status code.\n";
  out += "# TYPE shanliu_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    out += "shanliu_http_requests_total{route=\"" + LabelValue(key.first) + "\",code=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(count) + "\n";
  }
  out += "# HELP shanliu_http_request_duration_seconds Time from a complete request to its response.\n";
  out += "# TYPE shanliu_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    const std::string label = "route=\"" + LabelValue(route) + "\"";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
      cumulative += h.buckets[i];
      out += "shanliu_http_request_duration_seconds_bucket{" + label + ",le=\"" + Number(kLatencyBuckets[i]) +
             "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "shanliu_http_request_duration_seconds_bucket{" + label + ",le=\"+Inf\"} " + std::to_string(h.count) +
           "\n";
    out += "shanliu_http_request_duration_seconds_sum{" + label + "} " + Number(h.sum) + "\n";
    out += "shanliu_http_request_duration_seconds_count{" + label + "} " + std::to_string(h.count) + "\n";
  }
  return out;
}

}  // namespace shanliu::api::internal
