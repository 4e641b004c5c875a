#include <boost/asio/dispatch.hpp>
#include "shanliu/log.h"
#include <boost/asio/post.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <cstdio>

#include "connection.h"
#include "shanliu/ledger/block.h"

namespace shanliu::api::internal {

// ---------------------------------------------------------------- registry

bool ConnectionRegistry::Add(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(mutex_);
  if (closed_) return false;
  live_.emplace(connection.get(), connection);
  return true;
}

void ConnectionRegistry::Remove(const Connection* connection) {
  std::lock_guard lock(mutex_);
  live_.erase(connection);
  if (live_.empty()) empty_.notify_all();
}

std::vector<std::shared_ptr<Connection>> ConnectionRegistry::CloseAndSnapshot() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  std::vector<std::shared_ptr<Connection>> out;
  for (const auto& [raw, weak] : live_) {
    if (auto c = weak.lock()) out.push_back(std::move(c));
  }
  return out;
}

bool ConnectionRegistry::WaitUntilEmpty(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return empty_.wait_for(lock, timeout, [&] { return live_.empty(); });
}

// ---------------------------------------------------------------- requests

Connection::Connection(tcp::socket socket, ServerContext& server, ConnectionRegistry& registry, std::string address)
    : server_(server),
      registry_(registry),
      address_(std::move(address)),
      stream_(std::move(socket)),
      buffer_(server.config.max_header_bytes + 16 * 1024),
      heartbeat_(stream_.get_executor()) {
  ++server_.open_connections;
}

Connection::~Connection() {
  server_.sse.Unsubscribe(this);
  --server_.open_connections;
  server_.per_address.Release(address_);
  registry_.Remove(this);
}

void Connection::Start(Refusal refusal) {
  net::dispatch(stream_.get_executor(), [self = shared_from_this(), refusal] {
    switch (refusal) {
      case Refusal::kNone: return self->ReadHeader();
      case Refusal::kTooManyConnections:
        return self->Reply(ErrorResponse("unavailable", "the server has too many open connections; try again later"),
                           11, /*keep_alive=*/false, /*head=*/false);
      case Refusal::kTooManyFromAddress:
        return self->Reply(ErrorResponse("unavailable", "too many open connections from your address (" +
                                                            std::to_string(self->server_.config.max_connections_per_ip) +
                                                            "); close some and try again"),
                           11, /*keep_alive=*/false, /*head=*/false);
    }
  });
}

void Connection::ReadHeader() {
  if (stopping_ || closed_) return CloseNow();
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(server_.config.max_header_bytes));
  parser_->body_limit(server_.config.max_body_bytes);
  request_started_ = std::chrono::steady_clock::now();
  // Also the keep-alive idle limit: a connection that sends nothing is closed after it.
  stream_.expires_after(Ms(server_.config.header_timeout_ms));
  reading_ = true;
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Connection::OnHeader, shared_from_this()));
}

void Connection::OnHeader(beast::error_code ec, std::size_t) {
  reading_ = false;
  if (ec) return OnReadError(ec);
  const HttpRequest& req = parser_->get();
  if (FramingIsAmbiguous(req)) {
    server_.metrics.Observe("unparsed", 400, 0);
    return Reply(ErrorResponse("bad_request", "Transfer-Encoding must be exactly \"chunked\" (on HTTP/1.1)"),
                 req.version(), /*keep_alive=*/false, /*head=*/false);
  }
  if (req.method() != http::verb::post) {
    if (parser_->content_length().value_or(0) > kMaxIgnoredBodyBytes) {
      return Reply(ErrorResponse("too_large", "only POST requests carry a body"), req.version(), false, false);
    }
    parser_->body_limit(kMaxIgnoredBodyBytes);
  }
  if (parser_->is_done()) return OnRequest();
  if (beast::iequals(req[http::field::expect], "100-continue")) {
    // The client waits for this before sending its body (curl does for bodies over 1 KiB).
    auto interim = std::make_shared<http::response<http::empty_body>>(http::status::continue_, req.version());
    stream_.expires_after(Ms(server_.config.write_timeout_ms));
    return http::async_write(stream_, *interim,
                             [self = shared_from_this(), interim](beast::error_code wec, std::size_t) {
                               if (wec) return self->CloseNow();
                               self->ReadBody();
                             });
  }
  ReadBody();
}

void Connection::ReadBody() {
  if (stopping_ || closed_) return CloseNow();
  const auto deadline = request_started_ + Ms(server_.config.request_timeout_ms);
  const auto now = std::chrono::steady_clock::now();
  if (now >= deadline) return CloseNow();
  stream_.expires_after(deadline - now);
  reading_ = true;
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Connection::OnBody, shared_from_this()));
}

void Connection::OnBody(beast::error_code ec, std::size_t) {
  reading_ = false;
  if (ec) return OnReadError(ec);
  OnRequest();
}

void Connection::OnReadError(beast::error_code ec) {
  // A client that left, went quiet past a deadline, or was shut down gets no answer.
  if (ec == http::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
      ec == net::error::operation_aborted || ec == net::error::connection_reset || stopping_ || closed_) {
    return CloseNow();
  }
  const unsigned version = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
  Response response;
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    response = ErrorResponse("header_too_large", "the request header is larger than " +
                                                     std::to_string(server_.config.max_header_bytes) + " bytes");
  } else if (ec == http::error::body_limit) {
    response = ErrorResponse("too_large", "the request body is larger than " +
                                              std::to_string(server_.config.max_body_bytes) + " bytes");
  } else {
    response = ErrorResponse("bad_request", "malformed HTTP request: " + ec.message());
  }
  server_.metrics.Observe("unparsed", response.status, 0);
  Reply(std::move(response), version, /*keep_alive=*/false, /*head=*/false);
}

bool Connection::FramingIsAmbiguous(const HttpRequest& request) {
  auto [first, last] = request.equal_range(http::field::transfer_encoding);
  if (first == last) return false;
  if (request.version() < 11) return true;
  if (std::next(first) != last) return true;  // two header lines: one coding list split in two
  std::string_view value = Sv(first->value());
  auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (!value.empty() && is_space(value.front())) value.remove_prefix(1);
  while (!value.empty() && is_space(value.back())) value.remove_suffix(1);
  return !beast::iequals(beast::string_view(value.data(), value.size()), "chunked");
}

void Connection::OnRequest() {
  HttpRequest req = parser_->release();
  parser_.reset();
  Response response = Dispatch(server_, req);
  if (response.start_stream && req.method() == http::verb::head) {
    response.start_stream = false;  // HEAD learns the type of the stream, nothing more
    response.content_type = "text/event-stream; charset=utf-8";
  }
  if (response.start_stream) {
    if (req.version() < 11) {
      response = ErrorResponse("bad_request", "the event stream needs HTTP/1.1 (chunked transfer encoding)");
    } else if (stopping_) {
      response = ErrorResponse("unavailable", "the server is shutting down");
    } else if (!server_.sse.Subscribe(shared_from_this(), response.stream_topic)) {
      response = ErrorResponse("unavailable", "too many event-stream clients; try again later");
    } else {
      return StartStream(req.version(), response.stream_topic.empty(), std::move(response.stream_events));
    }
  }
  const bool keep_alive = req.keep_alive() && !stopping_;
  Reply(std::move(response), req.version(), keep_alive, req.method() == http::verb::head);
}

void Connection::Reply(Response r, unsigned version, bool keep_alive, bool head) {
  response_.emplace(static_cast<http::status>(r.status), version);
  http::response<http::string_body>& res = *response_;
  res.set(http::field::server, "shanliu");
  res.set(http::field::content_type, r.content_type);
  for (auto& [name, value] : r.headers) res.set(name, value);
  res.body() = std::move(r.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  if (head) {
    const std::size_t size = res.body().size();
    res.body().clear();
    res.content_length(size);  // what a GET would have sent
  }
  stream_.expires_after(Ms(server_.config.write_timeout_ms));
  http::async_write(stream_, res,
                    beast::bind_front_handler(&Connection::OnWrite, shared_from_this(), keep_alive));
}

void Connection::OnWrite(bool keep_alive, beast::error_code ec, std::size_t) {
  response_.reset();
  if (ec) return CloseNow();
  if (!keep_alive) return LingeringClose(kLinger);
  if (stopping_) return LingeringClose(kStopLinger);
  ReadHeader();
}

// ---------------------------------------------------------------- event stream

void Connection::StartStream(unsigned version, bool block_stream, std::vector<std::string> first_events) {
  streaming_ = true;
  stream_header_.emplace(http::status::ok, version);
  http::response<http::empty_body>& res = *stream_header_;
  res.set(http::field::server, "shanliu");
  res.set(http::field::content_type, "text/event-stream; charset=utf-8");
  res.set(http::field::cache_control, "no-cache");
  res.set("X-Accel-Buffering", "no");  // tell reverse proxies not to buffer the stream
  if (!server_.config.cors_allow_origin.empty()) {
    res.set(http::field::access_control_allow_origin, server_.config.cors_allow_origin);
  }
  res.keep_alive(true);
  res.chunked(true);
  stream_serializer_.emplace(res);

  // First the reconnect delay, then where the chain (or the receipt) is now.
  events_.push_back(std::make_shared<const std::string>("retry: 5000\n\n"));
  for (std::string& e : first_events) events_.push_back(std::make_shared<const std::string>(std::move(e)));
  if (block_stream) {
    try {
      auto view = server_.ledger.Read();
      auto head = view->Block(view->head().height());
      if (head) events_.push_back(std::make_shared<const std::string>(BlockEvent("head", *head, view->head_hash())));
    } catch (const ledger::StorageError& e) {
      LogEvent("error", "api_storage_error", {{"where", "stream_head"}, {"error", e.what()}});
    }
  }
  event_writing_ = true;  // the header goes first
  stream_.expires_after(Ms(server_.config.write_timeout_ms));
  http::async_write_header(stream_, *stream_serializer_,
                           beast::bind_front_handler(&Connection::OnStreamHeader, shared_from_this()));
}

void Connection::OnStreamHeader(beast::error_code ec, std::size_t) {
  event_writing_ = false;
  if (ec) return CloseNow();
  WatchPeer();
  ArmHeartbeat();
  WriteNextEvent();
}

void Connection::Deliver(std::shared_ptr<const std::string> event) {
  net::post(stream_.get_executor(), [self = shared_from_this(), event = std::move(event)]() mutable {
    if (self->streaming_ && !self->stream_ending_) self->Enqueue(std::move(event));
  });
}

void Connection::Enqueue(std::shared_ptr<const std::string> event) {
  if (!streaming_ || closed_) return;
  if (event && events_.size() >= kMaxQueuedEvents) return CloseNow();  // the client is not keeping up
  events_.push_back(std::move(event));
  WriteNextEvent();
}

void Connection::WriteNextEvent() {
  if (event_writing_ || events_.empty() || closed_) return;
  event_writing_ = true;
  std::shared_ptr<const std::string> event = events_.front();
  stream_.expires_after(Ms(server_.config.write_timeout_ms));
  auto done = beast::bind_front_handler(&Connection::OnEventWritten, shared_from_this());
  if (!event) {
    net::async_write(stream_, http::make_chunk_last(), std::move(done));
  } else {
    net::async_write(stream_, http::make_chunk(net::buffer(*event)),
                     [event, done = std::move(done)](beast::error_code e, std::size_t n) mutable { done(e, n); });
  }
}

void Connection::OnEventWritten(beast::error_code ec, std::size_t) {
  event_writing_ = false;
  if (ec) return CloseNow();
  const bool last = events_.front() == nullptr;
  events_.pop_front();
  // A stream client sends nothing, so closing right after the final chunk loses nothing.
  if (last) return CloseNow();
  WriteNextEvent();
}

void Connection::ArmHeartbeat() {
  heartbeat_.expires_after(Ms(server_.config.sse_heartbeat_ms));
  heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || !self->streaming_ || self->stream_ending_ || self->closed_) return;
    static const auto kBeat = std::make_shared<const std::string>(kSseHeartbeat);
    self->Enqueue(kBeat);
    self->ArmHeartbeat();
  });
}

void Connection::WatchPeer() {
  // A stream client sends nothing more; any input or EOF means it is gone, which frees its slot
  // at once instead of at the next heartbeat.
  stream_.socket().async_read_some(net::buffer(scratch_), [self = shared_from_this()](beast::error_code ec,
                                                                                      std::size_t) {
    if (ec != net::error::operation_aborted) self->CloseNow();
  });
}

// ---------------------------------------------------------------- closing

void Connection::Shutdown() {
  net::post(stream_.get_executor(), [self = shared_from_this()] { self->OnShutdown(); });
}

void Connection::OnShutdown() {
  stopping_ = true;
  if (closed_ || closing_) return;
  if (streaming_) {
    if (!stream_ending_) {
      stream_ending_ = true;
      heartbeat_.cancel();
      server_.sse.Unsubscribe(this);
      Enqueue(nullptr);  // the final chunk, then close
    }
    return;
  }
  // Waiting for a request: nothing is lost by closing now. Otherwise the response being
  // written finishes first and OnWrite closes.
  if (reading_) CloseNow();
}

void Connection::LingeringClose(std::chrono::milliseconds linger) {
  if (closed_ || closing_) return;
  closing_ = true;
  streaming_ = false;
  heartbeat_.cancel();
  server_.sse.Unsubscribe(this);
  // Half-close, then read and discard what the client still sends (e.g. the rest of a body
  // refused with 413), so the kernel does not answer it with a reset that would destroy the
  // response before the client reads it.
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return CloseNow();
  stream_.expires_after(linger);
  Drain();
}

void Connection::Drain() {
  stream_.async_read_some(net::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
    self->drained_ += n;
    if (ec || self->drained_ > kMaxDrainBytes) return self->CloseNow();
    self->Drain();
  });
}

void Connection::CloseNow() {
  if (closed_) return;
  closed_ = true;
  streaming_ = false;
  heartbeat_.cancel();
  server_.sse.Unsubscribe(this);
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.close();
}

}  // namespace shanliu::api::internal
