// State shared by the listener, the connections and the route handlers of one Server.
#pragma once

#include <atomic>
#include <cassert>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "metrics.h"
#include "query.h"
#include "receipt_watch.h"
#include "router.h"
#include "shanliu/api/server.h"
#include "signing_inbox.h"
#include "sse.h"
#include "static_files.h"

namespace shanliu::api::internal {

// Open connections per client address, so one client cannot take every connection slot.
// Thread-safe: every member takes mutex_, held only for the map update.
class PerAddressCounter {
 public:
  explicit PerAddressCounter(std::size_t limit) : limit_(limit) {}

  // Counts one more connection from `address`; false if that makes it more than the limit
  // (the connection is still counted and must be Released). Limit 0 means no cap.
  bool Acquire(const std::string& address) {
    std::lock_guard lock(mutex_);
    const std::size_t now_open = ++open_[address];
    return limit_ == 0 || now_open <= limit_;
  }

  void Release(const std::string& address) {
    std::lock_guard lock(mutex_);
    auto it = open_.find(address);
    assert(it != open_.end() && it->second > 0);
    if (it == open_.end()) return;
    if (--it->second == 0) open_.erase(it);  // the map holds only addresses with open connections
  }

  std::size_t Open(const std::string& address) const {
    std::lock_guard lock(mutex_);
    auto it = open_.find(address);
    return it == open_.end() ? 0 : it->second;
  }

 private:
  const std::size_t limit_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::size_t> open_;
};

// True if `url` is an absolute http(s) base the API may put in links: scheme, host (name, IPv4
// or [IPv6]) with an optional port, an optional path; no credentials, query, fragment, spaces or
// control characters. Checked once, at Start.
bool IsPublicUrl(std::string_view url);

// The public_url without trailing slashes, or http://<listen_address>:<port> when none is set.
std::string PublicBase(const ServerConfig& config, std::uint16_t bound_port);

struct ServerContext {
  ServerContext(ServerConfig server_config, ledger::Ledger& ledger_ref, NodeHooks node_hooks)
      : config(std::move(server_config)),
        ledger(ledger_ref),
        hooks(std::move(node_hooks)),
        sse(config.max_sse_clients),
        receipt_watch(ledger_ref, sse, config.max_trace_nodes),
        static_files(config.explorer_dir),
        documents(config.documents_dir, StaticFiles::Mode::kDocuments),
        per_address(config.max_connections_per_ip),
        signing_inbox(config.max_signing_requests, SystemNowMs) {}

  const ServerConfig config;
  ledger::Ledger& ledger;
  const NodeHooks hooks;
  Metrics metrics;
  SseHub sse;
  ReceiptWatch receipt_watch;  // after sse: it publishes there
  Router router;
  StaticFiles static_files;
  StaticFiles documents;  // /documents/... from config.documents_dir
  std::atomic<std::size_t> open_connections{0};
  PerAddressCounter per_address;
  std::atomic<std::uint16_t> bound_port{0};  // set by Start (the config may say 0)
  SigningInbox signing_inbox;                // in memory: a restart forgets it (docs/decisions.md)
};

// One request being answered by a route handler.
class RequestContext {
 public:
  RequestContext(ServerContext& server_context, const HttpRequest& http_request, Query parsed_query,
                 std::vector<std::string> path_params)
      : server(server_context), request(http_request), query(std::move(parsed_query)), params(std::move(path_params)) {}

  ServerContext& server;
  const HttpRequest& request;
  const Query query;
  const std::vector<std::string> params;  // the {name} segments of the route, in order

  // One consistent snapshot for the whole request (taken on first use).
  const ledger::ReadView& view() {
    if (!view_) view_ = server.ledger.Read();
    return *view_;
  }

 private:
  std::shared_ptr<const ledger::ReadView> view_;
};

// Adds every endpoint of the API to the router (routes_*.cc).
void RegisterRoutes(Router& router);

// Answers one complete request: routing, query checks, the handler, error mapping and metrics.
// Never throws: a corrupt record becomes 500 storage_corrupt, other storage faults 500
// storage_error, anything else 500 internal.
Response Dispatch(ServerContext& server, const HttpRequest& request);

// Tells the node (NodeHooks::storage_corrupt) or, without that hook, stderr. `where` names what
// was being served.
void ReportStorageCorrupt(const ServerContext& server, const ledger::StorageCorrupt& e, const std::string& where);

}  // namespace shanliu::api::internal
