// The node's logging: the shared JSON log (shanliu/log.h) plus protobuf's messages routed into it.
#pragma once

#include "shanliu/log.h"

namespace shanliu::node {

// The node's code names them without the namespace (they live with the shared basics).
using shanliu::LogEvent;
using shanliu::LogLimiter;
using shanliu::SteadyNowMs;

// Sends protobuf's own log messages (such as "String field ... contains invalid UTF-8 data",
// written once per refused message) to LogEvent as event "protobuf_log" with its level, file,
// line and text, at most 10 lines at once and one per second after (LogLimiter by message
// origin). Protobuf keeps the handler in a process-wide pointer, so call this once at start-up,
// before other threads parse messages.
void RouteProtobufLogs();

}  // namespace shanliu::node
