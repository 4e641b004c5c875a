// Routing of one complete request: API routes by the route table, everything else to the
// explorer's static files. Expected failures are typed JSON errors; storage faults are 500s.
#include <chrono>
#include "shanliu/log.h"
#include <algorithm>
#include <cstdio>

#include "content_coding.h"
#include "server_context.h"

namespace shanliu::api::internal {
namespace {

bool IsApiPath(std::string_view path) {
  return path == "/healthz" || path == "/metrics" || path == "/v1" || path.starts_with("/v1/");
}

std::string Shorten(std::string_view text) {
  constexpr std::size_t kMax = 120;
  return text.size() <= kMax ? std::string(text) : std::string(text.substr(0, kMax)) + "...";
}

std::string AllowHeader(const std::vector<http::verb>& methods) {
  std::string out;
  for (http::verb m : methods) {
    if (!out.empty()) out += ", ";
    out += std::string(http::to_string(m));
    if (m == http::verb::get) out += ", HEAD";
  }
  return out;
}

Response RouteRequest(ServerContext& server, const HttpRequest& req, std::string* route_label) {
  const std::string_view target = Sv(req.target());
  if (target.empty() || target.front() != '/') {
    return ErrorResponse("bad_request", "the request target must be an absolute path");
  }
  const std::size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view raw_query = question == std::string_view::npos ? "" : target.substr(question + 1);
  if (path.find('#') != std::string_view::npos) return ErrorResponse("bad_request", "the path contains '#'");

  if (!IsApiPath(path)) {
    *route_label = "static";
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      Response r = ErrorResponse("method_not_allowed", "only GET and HEAD are allowed here");
      r.headers.emplace_back("Allow", "GET, HEAD");
      return r;
    }
    const AcceptedCodings accepted = AcceptedCodings::Parse(Sv(req[http::field::accept_encoding]));
    constexpr std::string_view kDocuments = "/documents/";
    if (server.documents.enabled() && path.starts_with(kDocuments)) {
      return server.documents.Serve(path.substr(kDocuments.size() - 1), accepted);
    }
    return server.static_files.Serve(path, accepted);
  }

  auto match = server.router.Find(req.method(), path);
  if (!match.ok()) return ErrorResponse("invalid_path", match.status().message());
  if (match->route == nullptr) {
    if (!match->allowed_methods.empty()) {
      Response r = ErrorResponse("method_not_allowed", std::string(req.method_string()) + " is not allowed on " +
                                                           Shorten(path) + "; use " + AllowHeader(match->allowed_methods));
      r.headers.emplace_back("Allow", AllowHeader(match->allowed_methods));
      return r;
    }
    return ErrorResponse("not_found", "no such endpoint: " + Shorten(path));
  }
  const Route& route = *match->route;
  *route_label = route.pattern;

  auto query = Query::Parse(raw_query);
  if (!query.ok()) return ErrorResponse(query.status());
  for (const auto& [name, value] : query->items()) {
    if (std::find(route.query_params.begin(), route.query_params.end(), name) == route.query_params.end()) {
      return ErrorResponse("unknown_parameter", "query parameter '" + Shorten(name) + "' is not accepted here");
    }
  }
  RequestContext ctx(server, req, std::move(*query), std::move(match->params));
  Response r = route.handler(ctx);
  if (route.method == http::verb::get && !server.config.cors_allow_origin.empty()) {
    r.headers.emplace_back("Access-Control-Allow-Origin", server.config.cors_allow_origin);
  }
  if (r.content_type == kJsonType) r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

bool HasHeader(const Response& r, std::string_view name) {
  return std::any_of(r.headers.begin(), r.headers.end(), [&](const auto& h) { return h.first == name; });
}

// Compresses a text response on the fly when the client accepts gzip or brotli and the body is
// large enough to gain (JSON pages of transactions, static files without a precompressed
// sibling). Every compressible 200 says Vary: Accept-Encoding, so a shared cache never hands a
// compressed body to a client that did not ask for one.
void ApplyContentCoding(const HttpRequest& req, Response* r) {
  if (r->start_stream || r->status != 200 || !IsCompressibleType(r->content_type)) return;
  r->headers.emplace_back("Vary", "Accept-Encoding");
  if (HasHeader(*r, "Content-Encoding") || r->body.size() < kMinCompressBytes) return;
  const auto accepted = AcceptedCodings::Parse(Sv(req[http::field::accept_encoding]));
  const ContentCoding coding = accepted.Choose(/*gzip_available=*/true, /*brotli_available=*/true);
  if (coding == ContentCoding::kIdentity) return;
  auto compressed = Compress(coding, r->body);
  if (!compressed.ok()) {
    LogEvent("warn", "api_compression_failed", {{"error", compressed.status().ToString()}});
    return;
  }
  r->body = std::move(*compressed);
  r->headers.emplace_back("Content-Encoding", std::string(CodingName(coding)));
}

}  // namespace

void ReportStorageCorrupt(const ServerContext& server, const ledger::StorageCorrupt& e, const std::string& where) {
  if (server.hooks.storage_corrupt) {
    server.hooks.storage_corrupt(StorageCorruptEvent{e.key(), e.what(), where});
    return;
  }
  LogEvent("error", "storage_corrupt", {{"where", where}, {"key", e.key()}, {"error", e.what()}});
}

Response Dispatch(ServerContext& server, const HttpRequest& req) {
  const auto started = std::chrono::steady_clock::now();
  std::string route_label = "unmatched";
  Response response;
  try {
    response = RouteRequest(server, req, &route_label);
  } catch (const ledger::NotBackfilled& e) {
    response = ErrorResponse("not_backfilled", e.what());  // state sync: history below the snapshot
  } catch (const ledger::StorageCorrupt& e) {
    // Never the altered bytes: the record is refused and the operator told which key it is.
    ReportStorageCorrupt(server, e, Shorten(Sv(req.target())));
    response = ErrorResponse("storage_corrupt", "a stored record failed its integrity check and is not served; "
                                                "the operator has been told");
  } catch (const ledger::StorageError& e) {
    LogEvent("error", "api_storage_error", {{"target", Shorten(Sv(req.target()))}, {"error", e.what()}});
    response = ErrorResponse("storage_error", "the ledger could not be read; the operator has been told");
  } catch (const std::exception& e) {
    LogEvent("error", "api_internal_error", {{"target", Shorten(Sv(req.target()))}, {"error", e.what()}});
    response = ErrorResponse("internal", "internal server error");
  }
  ApplyContentCoding(req, &response);
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
  server.metrics.Observe(route_label, response.status, elapsed.count());
  return response;
}

}  // namespace shanliu::api::internal
