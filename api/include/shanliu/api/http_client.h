// A small synchronous HTTP/1.1 client on Boost.Beast for the CLI and tests.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shanliu/status.h"

namespace shanliu::api {

struct HttpResponse {
  unsigned status = 0;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // every response header, in order

  // The first header with this name (case-insensitive), or nullptr.
  const std::string* Header(std::string_view name) const;
};

// `url` is http://host:port/path?query. No TLS: nodes sit behind the operator's TLS proxy.
// Errors: "invalid_url", "unavailable" (connect/read failure or timeout), "too_large".
Result<HttpResponse> HttpRequest(const std::string& method, const std::string& url, const std::string& body = "",
                                 const std::string& content_type = "application/json",
                                 unsigned timeout_ms = 30'000, std::size_t max_response_bytes = 64 << 20);

}  // namespace shanliu::api
