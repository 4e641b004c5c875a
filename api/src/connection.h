// One HTTP/1.1 connection: reads a request (header deadline, then a whole-request deadline,
// header and body limits), answers it, and either reads the next (keep-alive) or closes.
// Pipelined requests are answered strictly in order, one at a time: the connection reads no
// further ahead than the request in hand, so a client can never queue more than one
// request's worth of work (TCP flow control holds back the rest).
// GET /v1/stream turns the connection into a chunked text/event-stream until Stop().
#pragma once

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "server_context.h"
#include "sse.h"

namespace shanliu::api::internal {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

class Connection;

// Live connections, so Stop() can close each one and wait for them to finish.
class ConnectionRegistry {
 public:
  // False once CloseAndSnapshot has run: the caller must drop the connection.
  bool Add(const std::shared_ptr<Connection>& connection);
  void Remove(const Connection* connection);
  // Refuses further Adds and returns every live connection.
  std::vector<std::shared_ptr<Connection>> CloseAndSnapshot();
  // True if every connection ended within `timeout`.
  bool WaitUntilEmpty(std::chrono::milliseconds timeout);

 private:
  std::mutex mutex_;
  std::condition_variable empty_;
  bool closed_ = false;
  std::unordered_map<const Connection*, std::weak_ptr<Connection>> live_;
};

class Connection final : public SseSink, public std::enable_shared_from_this<Connection> {
 public:
  // Lingering close: after the last response, unread input is drained for at most this long.
  static constexpr std::chrono::milliseconds kLinger{2000};
  // On Stop() a keep-alive client is not expected to send more, so the drain is short.
  static constexpr std::chrono::milliseconds kStopLinger{200};
  static constexpr std::size_t kMaxDrainBytes = 64 << 20;
  // Bodies of requests other than POST are ignored and limited to this size.
  static constexpr std::size_t kMaxIgnoredBodyBytes = 4096;
  // A stream client that falls this many events behind is disconnected.
  static constexpr std::size_t kMaxQueuedEvents = 256;

  Connection(tcp::socket socket, ServerContext& server, ConnectionRegistry& registry);
  ~Connection() override;

  // Starts serving on the connection's strand; `reject` answers 503 (too many connections).
  void Start(bool reject);
  // Thread-safe: finish what is being written, end a stream cleanly, then close.
  void Shutdown();
  // Thread-safe (SseSink): queue an event if this connection is a stream.
  void Deliver(std::shared_ptr<const std::string> event) override;

 private:
  void ReadHeader();
  void OnHeader(beast::error_code ec, std::size_t bytes);
  void ReadBody();
  void OnBody(beast::error_code ec, std::size_t bytes);
  void OnReadError(beast::error_code ec);
  void OnRequest();
  void Reply(Response response, unsigned version, bool keep_alive, bool head);
  void OnWrite(bool keep_alive, beast::error_code ec, std::size_t bytes);

  // `block_stream`: GET /v1/stream, which starts with the head block; a receipt stream starts
  // with `first_events` instead.
  void StartStream(unsigned version, bool block_stream, std::vector<std::string> first_events);
  void OnStreamHeader(beast::error_code ec, std::size_t bytes);
  void Enqueue(std::shared_ptr<const std::string> event);  // null: the final chunk
  void WriteNextEvent();
  void OnEventWritten(beast::error_code ec, std::size_t bytes);
  void ArmHeartbeat();
  void WatchPeer();

  void OnShutdown();
  void LingeringClose(std::chrono::milliseconds linger);
  void Drain();
  void CloseNow();
  std::chrono::steady_clock::duration Ms(unsigned ms) const { return std::chrono::milliseconds(ms); }

  ServerContext& server_;
  ConnectionRegistry& registry_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::chrono::steady_clock::time_point request_started_;
  std::optional<http::response<http::string_body>> response_;  // being written

  // Stream mode (GET /v1/stream).
  std::optional<http::response<http::empty_body>> stream_header_;
  std::optional<http::response_serializer<http::empty_body>> stream_serializer_;
  std::deque<std::shared_ptr<const std::string>> events_;
  net::steady_timer heartbeat_;
  bool streaming_ = false;
  bool stream_ending_ = false;
  bool event_writing_ = false;

  std::array<char, 4096> scratch_{};  // peer watch and drain reads
  std::size_t drained_ = 0;
  bool reading_ = false;   // a request read is pending (safe to cancel on Shutdown)
  bool stopping_ = false;
  bool closing_ = false;   // lingering close started
  bool closed_ = false;
};

}  // namespace shanliu::api::internal
