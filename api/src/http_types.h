// What every part of the server hands around: a handler's Response and the error mapping.
// JSON is built with nlohmann::json only; nothing here writes JSON or HTTP by hand.
#pragma once

#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shanliu/status.h"

namespace shanliu::api::internal {

namespace http = boost::beast::http;
using Json = nlohmann::json;
using HttpRequest = http::request<http::string_body>;

inline constexpr std::string_view kJsonType = "application/json";

// Beast (Boost 1.74) hands out boost::string_view; the rest of the code uses std::string_view.
inline std::string_view Sv(boost::beast::string_view s) { return std::string_view(s.data(), s.size()); }

struct Response {
  unsigned status = 200;
  std::string content_type{kJsonType};
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Allow, Cache-Control, ...)
  bool start_stream = false;  // GET /v1/stream: the connection becomes a server-sent-events stream
  std::string stream_topic;   // with start_stream: "" every block, else one receipt (SseHub topics)
  std::vector<std::string> stream_events;  // with a topic: the first events, sent before any update
};

// 200 (or `status`) with `body` serialised compactly; invalid UTF-8 from stored text is replaced.
Response JsonResponse(const Json& body, unsigned status = 200);
// {"error":{"code":...,"message":...}} with the status the code maps to. `details` (an object)
// adds fields to the error object, e.g. the candidates of an ambiguous receipt code.
Response ErrorResponse(const Status& error, const Json& details = Json::object());
Response ErrorResponse(std::string code, std::string message);
std::string DumpJson(const Json& value);

}  // namespace shanliu::api::internal
