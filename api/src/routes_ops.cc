// Operations: health, Prometheus metrics, the OpenAPI document and the block event stream.
#include "openapi.h"
#include "routes.h"

namespace shanliu::api::internal {
namespace {

Response Health(RequestContext& ctx) {
  return JsonResponse(Json{{"status", "ok"}, {"height", ctx.server.ledger.height()}, {"chain_id", ctx.server.ledger.genesis().chain_id}});
}

Response MetricsText(RequestContext& ctx) {
  ServerContext& server = ctx.server;
  const pb::BlockHeader head = server.ledger.head();
  std::vector<Gauge> gauges = {
      {"shanliu_height", "Height of the last committed block.", static_cast<double>(head.height()), false},
      {"shanliu_txs_total", "Transactions committed since genesis (the log size).", static_cast<double>(head.log_size()),
       true},
      {"shanliu_http_connections", "Open HTTP connections.", static_cast<double>(server.open_connections.load()), false},
      {"shanliu_sse_clients", "Open /v1/stream subscriptions.", static_cast<double>(server.sse.size()), false},
  };
  if (server.hooks.info) {
    const NodeInfo info = server.hooks.info();
    gauges.push_back({"shanliu_mempool_txs", "Transactions waiting in the mempool.", static_cast<double>(info.mempool_txs), false});
    gauges.push_back({"shanliu_peers", "Connected peers.", static_cast<double>(info.peers), false});
    gauges.push_back({"shanliu_mempool_applied_total",
                      "Times the mempool applied a tx to plan it (first planning plus re-plans) since start.",
                      static_cast<double>(info.mempool_applied_total), true});
  }
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = server.metrics.Render(gauges);
  return r;
}

Response OpenApi(RequestContext&) {
  Response r;
  r.body = std::string(OpenApiText());
  return r;
}

Response Stream(RequestContext&) {
  Response r;
  r.start_stream = true;  // the connection subscribes and switches to text/event-stream
  return r;
}

}  // namespace

void AddOpsRoutes(Router& router) {
  router.Add({http::verb::get, "/healthz", {}, Health});
  router.Add({http::verb::get, "/metrics", {}, MetricsText});
  router.Add({http::verb::get, "/v1/openapi.json", {}, OpenApi});
  router.Add({http::verb::get, "/v1/stream", {}, Stream});
}

}  // namespace shanliu::api::internal
