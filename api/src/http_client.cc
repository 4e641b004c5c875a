#include "shanliu/api/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

namespace shanliu::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

struct Url {
  std::string host;
  std::string port;
  std::string target;
};

Result<Url> ParseUrl(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return Status::Error("invalid_url", "only http:// URLs are supported: " + url);
  std::string rest = url.substr(kScheme.size());
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  Url out;
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  if (colon == std::string::npos) {
    out.host = authority;
    out.port = "80";
  } else {
    out.host = authority.substr(0, colon);
    out.port = authority.substr(colon + 1);
  }
  if (out.host.empty() || out.port.empty()) return Status::Error("invalid_url", "URL has no host or port: " + url);
  return out;
}

}  // namespace

const std::string* HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (boost::beast::iequals(key, boost::beast::string_view(name.data(), name.size()))) return &value;
  }
  return nullptr;
}

Result<HttpResponse> HttpRequest(const std::string& method, const std::string& url, const std::string& body,
                                 const std::string& content_type, unsigned timeout_ms,
                                 std::size_t max_response_bytes) {
  auto parsed = ParseUrl(url);
  if (!parsed.ok()) return parsed.status();
  const http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) return Status::Error("invalid_url", "unknown HTTP method " + method);
  try {
    boost::asio::io_context io;
    tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::milliseconds(timeout_ms));
    stream.connect(resolver.resolve(parsed->host, parsed->port));

    http::request<http::string_body> req{verb, parsed->target, 11};
    req.set(http::field::host, parsed->host);
    req.set(http::field::user_agent, "shanliu-cli");
    if (!body.empty() || verb == http::verb::post) {
      req.set(http::field::content_type, content_type);
      req.body() = body;
      req.prepare_payload();
    }
    http::write(stream, req);

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(max_response_bytes);
    http::read(stream, buffer, parser);
    const auto& res = parser.get();
    HttpResponse out;
    out.status = res.result_int();
    out.content_type = std::string(res[http::field::content_type]);
    out.body = res.body();
    for (const auto& field : res) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return out;
  } catch (const beast::system_error& e) {
    if (e.code() == http::error::body_limit) return Status::Error("too_large", "response is too large");
    return Status::Error("unavailable", "cannot reach " + url + ": " + e.code().message());
  }
}

}  // namespace shanliu::api
