#include "shanliu/node/log.h"

#include <chrono>
#include <cstdio>
#include <mutex>

namespace shanliu::node {

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

}  // namespace shanliu::node
