#include "shanliu/node/log.h"

#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstdio>

namespace shanliu::node {

namespace {

const char* ProtobufLevelName(google::protobuf::LogLevel level) {
  switch (level) {
    case google::protobuf::LOGLEVEL_INFO: return "info";
    case google::protobuf::LOGLEVEL_WARNING: return "warn";
    case google::protobuf::LOGLEVEL_ERROR: return "error";
    case google::protobuf::LOGLEVEL_FATAL: return "fatal";
  }
  return "error";
}

void OnProtobufLog(google::protobuf::LogLevel level, const char* filename, int line, const std::string& message) {
  // Protobuf's handler is a plain function pointer, so its limiter lives here, made on first use.
  static LogLimiter limiter(/*burst=*/10, /*refill_ms=*/1'000, /*max_keys=*/256);
  const std::string origin = std::string(filename ? filename : "?") + ":" + std::to_string(line);
  nlohmann::json fields = {{"origin", origin}, {"message", message.substr(0, 500)}};
  // A fatal message is followed by protobuf aborting the process: never drop it.
  if (level != google::protobuf::LOGLEVEL_FATAL && !limiter.Allow(origin, SteadyNowMs(), fields)) return;
  LogEvent(ProtobufLevelName(level), "protobuf_log", fields);
}

}  // namespace

void RouteProtobufLogs() { google::protobuf::SetLogHandler(&OnProtobufLog); }

}  // namespace shanliu::node
