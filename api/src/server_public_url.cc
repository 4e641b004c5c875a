// The public base URL of the links the API builds (receipt QR codes). It comes from the
// operator's configuration only: a request's Host or X-Forwarded-* headers are chosen by the
// client, so trusting them would let anyone get a QR code pointing at a site of their own.
#include <string>
#include <string_view>

#include "server_context.h"

namespace shanliu::api::internal {
namespace {

constexpr std::size_t kMaxPublicUrlBytes = 200;

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

// RFC 3986 path characters without '?' and '#': unreserved, sub-delims, ':', '@', '/', '%'.
bool IsPathChar(char c) {
  if (IsHostChar(c)) return true;
  return std::string_view("_~!$&'()*+,;=:@/%").find(c) != std::string_view::npos;
}

// host: a name or IPv4 address of IsHostChar, or [IPv6]; then an optional :port of 1-5 digits.
bool IsAuthority(std::string_view authority) {
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (char c : authority.substr(1, close - 1)) {
      const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!hex && c != ':' && c != '.') return false;
    }
    host = authority.substr(0, close + 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return false;
    port = rest.empty() ? rest : rest.substr(1);
    if (!rest.empty() && port.empty()) return false;
  } else {
    const std::size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty()) return false;
    }
    if (host.empty() || host.front() == '.' || host.front() == '-') return false;
    for (char c : host) {
      if (!IsHostChar(c)) return false;
    }
  }
  if (port.size() > 5) return false;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

bool IsPublicUrl(std::string_view url) {
  if (url.size() > kMaxPublicUrlBytes) return false;
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return false;
  }
  const std::size_t slash = rest.find('/');
  if (!IsAuthority(rest.substr(0, slash))) return false;  // also refuses user:pass@ (no '@' allowed)
  if (slash == std::string_view::npos) return true;
  for (char c : rest.substr(slash)) {
    if (!IsPathChar(c)) return false;
  }
  return true;
}

std::string PublicBase(const ServerConfig& config, std::uint16_t bound_port) {
  if (config.public_url.empty()) {
    // The documented default: the address the node listens on, as a reader on the same host
    // would reach it. An operator serving readers elsewhere sets public_url.
    const bool any = config.listen_address == "0.0.0.0" || config.listen_address == "::";
    const bool v6 = !any && config.listen_address.find(':') != std::string::npos;
    const std::string host = any ? "127.0.0.1" : v6 ? "[" + config.listen_address + "]" : config.listen_address;
    return "http://" + host + ":" + std::to_string(bound_port);
  }
  std::string_view base = config.public_url;
  while (base.ends_with('/')) base.remove_suffix(1);
  return std::string(base);
}

}  // namespace shanliu::api::internal
