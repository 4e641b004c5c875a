// `shanliu witness serve`'s HTTP server (see witness_http.h).
#include "witness_http.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "shanliu/crypto/codec.h"
#include "shanliu/log.h"

namespace shanliu::cli {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

struct Shared {
  ledger::Witness& witness;
  const WitnessHttpConfig& config;
  std::atomic<std::size_t> connections{0};
  // Anyone can POST: refusals are logged at most 20 at once, then one a second per status.
  LogLimiter log_limiter{20, 1'000};
};


// GET /: what this witness is and what it holds, for the operator and the curious reader.
std::string StatusPage(const ledger::Witness& witness) {
  std::string out = "C2SP tlog-witness (shanliu witness)\nname " + witness.name() + "\nvkey " +
                    witness.VerifierKey() + "\n";
  auto records = witness.Records();
  for (const auto& [origin, policy] : witness.logs()) {
    out += "\nlog " + origin + "\n";
    if (policy.genesis) out += "  policy: cosignature/v1 of genesis validators holding more than 2/3 of the power\n";
    for (const auto& key : policy.origin_keys) {
      out += "  policy: Ed25519 key " + ledger::FormatVerifierKey(key.name, key.type, key.public_key) + "\n";
    }
    if (!records.ok()) {
      out += "  cosigned: unreadable (" + records.status().ToString() + ")\n";
    } else if (auto it = records->find(origin); it != records->end()) {
      out += "  cosigned size " + std::to_string(it->second.size) + " root " + crypto::ToBase64(it->second.root) + "\n";
    } else {
      out += "  cosigned: nothing yet\n";
    }
  }
  return out;
}

std::uint64_t NowSeconds() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(now).count();
  return s > 0 ? static_cast<std::uint64_t>(s) : 1;  // the spec forbids a zero timestamp
}

Response Handle(Shared& shared, const Request& req) {
  Response res;
  res.version(req.version());
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  const std::string_view target(req.target().data(), req.target().size());
  if (target == "/add-checkpoint") {
    if (req.method() != http::verb::post) {
      res.result(http::status::method_not_allowed);
      res.set(http::field::allow, "POST");
      res.body() = "add-checkpoint takes POST\n";
      return res;
    }
    ledger::WitnessResponse answer = shared.witness.AddCheckpoint(req.body(), NowSeconds());
    res.result(answer.http_status);
    res.set(http::field::content_type, answer.content_type);
    res.body() = std::move(answer.body);
    nlohmann::json fields = {{"status", answer.http_status},
                             {"answer", answer.http_status == 200 ? std::string("cosigned") : res.body()}};
    if (shared.log_limiter.Allow(std::to_string(answer.http_status), SteadyNowMs(), fields)) {
      LogEvent(answer.http_status == 200 ? "info" : "warn", "witness_add_checkpoint", fields);
    }
    return res;
  }
  if (target == "/") {
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      res.result(http::status::method_not_allowed);
      res.set(http::field::allow, "GET, HEAD");
      return res;
    }
    res.body() = StatusPage(shared.witness);
    return res;
  }
  res.result(http::status::not_found);
  res.body() = "not found: this witness serves POST /add-checkpoint and GET /\n";
  return res;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Shared& shared) : stream_(std::move(socket)), shared_(shared) { ++shared_.connections; }
  ~Session() { --shared_.connections; }

  void Start(bool refuse) {
    net::dispatch(stream_.get_executor(), [self = shared_from_this(), refuse] {
      if (!refuse) return self->ReadHeader();
      Response res{http::status::service_unavailable, 11};
      res.body() = "too many open connections; try again later\n";
      self->Write(std::move(res), false);
    });
  }

 private:
  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shared_.config.max_header_bytes));
    parser_->body_limit(ledger::WitnessLimits::kMaxRequestBytes);
    // One deadline for the whole request, header and body: slow clients are cut off.
    stream_.expires_after(std::chrono::milliseconds(shared_.config.request_timeout_ms));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    if (parser_->is_done()) return OnRequest();
    if (beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
      // curl waits for this before sending a body over 1 KiB.
      auto interim = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      return http::async_write(stream_, *interim, [self = shared_from_this(), interim](beast::error_code wec, std::size_t) {
        if (wec) return self->Close();
        self->ReadBody();
      });
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::OnBody, shared_from_this()));
  }

  void OnBody(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    OnRequest();
  }

  void OnReadError(beast::error_code ec) {
    Response res{http::status::bad_request, 11};
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    if (ec == http::error::body_limit) {
      res.result(http::status::payload_too_large);
      res.body() = "an add-checkpoint body is at most " + std::to_string(ledger::WitnessLimits::kMaxRequestBytes) +
                   " bytes\n";
    } else if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      res.result(http::status::request_header_fields_too_large);
    } else if (ec == http::error::bad_method || ec == http::error::bad_target || ec == http::error::bad_version ||
               ec == http::error::bad_field || ec == http::error::bad_value || ec == http::error::bad_line_ending ||
               ec == http::error::bad_content_length || ec == http::error::bad_transfer_encoding ||
               ec == http::error::bad_chunk || ec == http::error::bad_obs_fold) {
      res.body() = "malformed HTTP request: " + ec.message() + "\n";
    } else {
      return Close();  // the client left or timed out: nobody to answer
    }
    Write(std::move(res), false);
  }

  void OnRequest() {
    const Request req = parser_->release();
    Response res = Handle(shared_, req);
    const bool keep_alive = req.keep_alive();
    if (req.method() == http::verb::head) {
      res.prepare_payload();
      const auto length = res.body().size();
      res.body().clear();
      res.content_length(length);
      return Write(std::move(res), keep_alive, /*prepared=*/true);
    }
    Write(std::move(res), keep_alive);
  }

  void Write(Response res, bool keep_alive, bool prepared = false) {
    res.keep_alive(keep_alive);
    if (!prepared) res.prepare_payload();
    auto owned = std::make_shared<Response>(std::move(res));
    stream_.expires_after(std::chrono::milliseconds(shared_.config.request_timeout_ms));
    http::async_write(stream_, *owned, [self = shared_from_this(), owned, keep_alive](beast::error_code ec, std::size_t) {
      if (ec || !keep_alive) return self->Close();
      self->ReadHeader();
    });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Shared& shared_;
};

void Accept(tcp::acceptor& acceptor, Shared& shared) {
  acceptor.async_accept(net::make_strand(acceptor.get_executor()),
                        [&acceptor, &shared](beast::error_code ec, tcp::socket socket) {
                          if (ec == net::error::operation_aborted) return;
                          if (!ec) {
                            const bool refuse = shared.connections.load() >= shared.config.max_connections;
                            std::make_shared<Session>(std::move(socket), shared)->Start(refuse);
                          }
                          Accept(acceptor, shared);
                        });
}

}  // namespace

Status ServeWitness(ledger::Witness& witness, const WitnessHttpConfig& config) {
  Shared shared{witness, config};  // before the io_context: sessions it destroys still count down here
  net::io_context io(static_cast<int>(config.threads));
  beast::error_code ec;
  const auto address = net::ip::make_address(config.address, ec);
  if (ec) return Status::Error("invalid_argument", "not an IP address: " + config.address);
  tcp::acceptor acceptor(io);
  const tcp::endpoint endpoint(address, config.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::Error("unavailable", "cannot listen on " + config.address + ":" +
                                                  std::to_string(config.port) + ": " + ec.message());
  Accept(acceptor, shared);
  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](beast::error_code, int) { io.stop(); });
  std::cout << "witness listening on " << config.address << ":" << acceptor.local_endpoint().port() << std::endl;
  LogEvent("info", "witness_started", {{"name", witness.name()}, {"vkey", witness.VerifierKey()},
                                       {"port", acceptor.local_endpoint().port()}});
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < config.threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (std::thread& t : threads) t.join();
  LogEvent("info", "witness_stopped", {{"name", witness.name()}});
  return Status::Ok();
}

}  // namespace shanliu::cli
