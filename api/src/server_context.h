// State shared by the listener, the connections and the route handlers of one Server.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "metrics.h"
#include "query.h"
#include "receipt_watch.h"
#include "router.h"
#include "shanliu/api/server.h"
#include "sse.h"
#include "static_files.h"

namespace shanliu::api::internal {

struct ServerContext {
  ServerContext(ServerConfig server_config, ledger::Ledger& ledger_ref, NodeHooks node_hooks)
      : config(std::move(server_config)),
        ledger(ledger_ref),
        hooks(std::move(node_hooks)),
        sse(config.max_sse_clients),
        receipt_watch(ledger_ref, sse, config.max_trace_nodes),
        static_files(config.explorer_dir) {}

  const ServerConfig config;
  ledger::Ledger& ledger;
  const NodeHooks hooks;
  Metrics metrics;
  SseHub sse;
  ReceiptWatch receipt_watch;  // after sse: it publishes there
  Router router;
  StaticFiles static_files;
  std::atomic<std::size_t> open_connections{0};
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
