// The listener and the io_context thread pool; connections live in server_connection.cc.
#include "shanliu/api/server.h"
#include "shanliu/log.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <cstdio>
#include <optional>
#include <thread>

#include "connection.h"
#include "openapi.h"
#include "shanliu/ledger/block.h"

namespace shanliu::api {

using internal::Connection;
using internal::net::ip::tcp;
namespace net = internal::net;

namespace {

Status CheckConfig(const ServerConfig& c) {
  auto bad = [](const std::string& why) { return Status::Error("invalid_config", why); };
  if (c.threads == 0 || c.threads > 256) return bad("threads must be between 1 and 256");
  if (c.max_body_bytes == 0 || c.max_header_bytes < 1024) return bad("body and header limits are too small");
  if (c.request_timeout_ms == 0 || c.header_timeout_ms == 0 || c.write_timeout_ms == 0 || c.sse_heartbeat_ms == 0) {
    return bad("timeouts must be positive");
  }
  if (c.max_batch_txs == 0 || c.max_connections == 0 || c.max_trace_nodes == 0) {
    return bad("max_batch_txs, max_connections and max_trace_nodes must be positive");
  }
  if (!c.public_url.empty() && !internal::IsPublicUrl(c.public_url)) {
    return bad("public_url must be http(s)://host[:port][/path] without query, fragment or credentials");
  }
  return Status::Ok();
}

}  // namespace

std::vector<RouteInfo> Routes() {
  internal::Router router;
  internal::RegisterRoutes(router);
  std::vector<RouteInfo> out;
  for (const internal::Route& r : router.routes()) {
    out.push_back({std::string(internal::http::to_string(r.method)), r.pattern, r.query_params});
  }
  return out;
}

std::string_view OpenApiDocument() { return internal::OpenApiText(); }

class Server::Impl {
 public:
  Impl(ServerConfig config, ledger::Ledger& ledger, NodeHooks hooks)
      : context_(std::move(config), ledger, std::move(hooks)),
        acceptor_(net::make_strand(ioc_)),
        accept_retry_(acceptor_.get_executor()),
        publish_strand_(net::make_strand(ioc_)) {
    internal::RegisterRoutes(context_.router);
  }

  ~Impl() { Stop(); }

  Status Start() {
    std::lock_guard lock(lifecycle_);
    if (started_) return Status::Error("invalid_state", "the server was already started");
    SHANLIU_RETURN_IF_ERROR(CheckConfig(context_.config));
    boost::system::error_code ec;
    const auto address = net::ip::make_address(context_.config.listen_address, ec);
    if (ec) return Status::Error("invalid_config", "listen_address '" + context_.config.listen_address + "' is not an IP address");
    const tcp::endpoint endpoint(address, context_.config.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::Error("io_error", "cannot listen on " + context_.config.listen_address + ":" +
                                           std::to_string(context_.config.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    context_.bound_port = port_.load();
    started_ = true;
    running_ = true;
    work_.emplace(net::make_work_guard(ioc_));
    net::post(acceptor_.get_executor(), [this] { Accept(); });
    for (unsigned i = 0; i < context_.config.threads; ++i) threads_.emplace_back([this] { Run(); });
    return Status::Ok();
  }

  void Stop() {
    std::lock_guard lock(lifecycle_);
    if (!started_ || stopped_) return;
    stopped_ = true;
    running_ = false;
    context_.receipt_watch.Stop();  // no more receipt events; the streams end below
    net::post(acceptor_.get_executor(), [this] {
      boost::system::error_code ec;
      acceptor_.close(ec);
      accept_retry_.cancel();
    });
    for (const auto& connection : registry_.CloseAndSnapshot()) connection->Shutdown();
    registry_.WaitUntilEmpty(std::chrono::milliseconds(context_.config.stop_grace_ms));
    work_.reset();
    ioc_.stop();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
    boost::system::error_code ec;
    acceptor_.close(ec);  // if the posted close never ran, the port is freed here
  }

  std::uint16_t port() const { return port_; }

  void NotifyCommitted(std::uint64_t height) {
    if (!running_) return;
    // One strand keeps events in commit order; the node's thread only posts.
    net::post(publish_strand_, [this, height] { Publish(height); });
    context_.receipt_watch.Committed(height);  // traces watched receipts on its own thread
  }

 private:
  void Run() {
    while (true) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {
        // Handlers catch what they expect; anything reaching here is logged and the pool goes on.
        LogEvent("error", "api_internal_error", {{"where", "io_pool"}, {"error", e.what()}});
      }
    }
  }

  void Accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](boost::system::error_code ec, tcp::socket socket) {
      OnAccept(ec, std::move(socket));
    });
  }

  void OnAccept(boost::system::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Typically out of file descriptors: wait a little instead of spinning.
      LogEvent("warn", "api_accept_failed", {{"error", ec.message()}});
      accept_retry_.expires_after(std::chrono::milliseconds(100));
      accept_retry_.async_wait([this](boost::system::error_code wait_ec) {
        if (!wait_ec && acceptor_.is_open()) Accept();
      });
      return;
    }
    const bool over_total = context_.open_connections.load() >= context_.config.max_connections;
    // The address is counted even when refused (the Connection releases it), so the count stays exact.
    boost::system::error_code peer_ec;
    const auto peer = socket.remote_endpoint(peer_ec);
    const std::string address = peer_ec ? std::string() : peer.address().to_string();
    const bool over_address = !context_.per_address.Acquire(address);
    auto connection = std::make_shared<Connection>(std::move(socket), context_, registry_, address);
    const auto refusal = over_total     ? Connection::Refusal::kTooManyConnections
                         : over_address ? Connection::Refusal::kTooManyFromAddress
                                        : Connection::Refusal::kNone;
    if (registry_.Add(connection)) connection->Start(refusal);
    Accept();
  }

  void Publish(std::uint64_t height) {
    if (context_.sse.size() == 0) return;
    try {
      auto view = context_.ledger.Read();
      auto block = view->Block(height);
      if (!block) return;
      auto hash = ledger::BlockHash(block->header());
      if (!hash.ok()) return;
      context_.sse.Publish(std::make_shared<const std::string>(internal::BlockEvent("block", *block, *hash)));
    } catch (const ledger::StorageCorrupt& e) {
      internal::ReportStorageCorrupt(context_, e, "stream event for block " + std::to_string(height));
    } catch (const ledger::StorageError& e) {
      LogEvent("error", "api_storage_error", {{"where", "event_stream"}, {"height", height}, {"error", e.what()}});
    }
  }

  // Declaration order is destruction order in reverse: connections destroyed with ioc_ still
  // reach context_ and registry_, so those come first.
  internal::ServerContext context_;
  internal::ConnectionRegistry registry_;
  std::mutex lifecycle_;
  bool started_ = false;
  bool stopped_ = false;
  std::atomic<bool> running_{false};
  std::atomic<std::uint16_t> port_{0};
  net::io_context ioc_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  tcp::acceptor acceptor_;
  net::steady_timer accept_retry_;
  net::strand<net::io_context::executor_type> publish_strand_;
  std::vector<std::thread> threads_;
};

Server::Server(ServerConfig config, ledger::Ledger& ledger, NodeHooks hooks)
    : impl_(std::make_unique<Impl>(std::move(config), ledger, std::move(hooks))) {}
Server::~Server() = default;
Status Server::Start() { return impl_->Start(); }
void Server::Stop() { impl_->Stop(); }
std::uint16_t Server::port() const { return impl_->port(); }
void Server::NotifyCommitted(std::uint64_t height) { impl_->NotifyCommitted(height); }

}  // namespace shanliu::api
