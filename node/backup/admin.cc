// The admin socket's server and client (shanliu/node/admin.h), on Boost.Asio's local sockets.
#include "shanliu/node/admin.h"

#include <sys/stat.h>
#include <sys/un.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <istream>
#include <thread>

namespace shanliu::node::admin {
namespace fs = std::filesystem;
namespace asio = boost::asio;
using Local = asio::local::stream_protocol;

namespace {

nlohmann::json ErrorJson(const std::string& code, const std::string& message) {
  return {{"error", {{"code", code}, {"message", message}}}};
}

// One line of JSON from `buffer` (read up to its first '\n').
nlohmann::json ParseLine(asio::streambuf& buffer) {
  std::istream in(&buffer);
  std::string line;
  std::getline(in, line);
  return nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
}

}  // namespace

struct Server::Impl {
  asio::io_context io;
  Local::acceptor acceptor{io};
  fs::path socket_path;
  Handler handler;
  std::atomic<bool> stopping{false};
  std::thread thread;

  void Accept();
  void Serve(std::shared_ptr<Local::socket> socket);
};

void Server::Impl::Accept() {
  auto socket = std::make_shared<Local::socket>(io);
  acceptor.async_accept(*socket, [this, socket](const boost::system::error_code& ec) {
    if (ec) return;  // closed: stopping
    Serve(socket);
    Accept();
  });
}

void Server::Impl::Serve(std::shared_ptr<Local::socket> socket) {
  auto buffer = std::make_shared<asio::streambuf>(kMaxAdminLineBytes);
  auto timer = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(kRequestTimeoutMs));
  timer->async_wait([socket](const boost::system::error_code& ec) {
    if (!ec) socket->close();  // said nothing in time
  });
  asio::async_read_until(*socket, *buffer, '\n', [this, socket, buffer, timer](const boost::system::error_code& ec,
                                                                              std::size_t) {
    timer->cancel();
    if (ec) return;  // closed, timed out or over the line limit: nothing to answer
    const nlohmann::json request = ParseLine(*buffer);
    nlohmann::json response;
    if (!request.is_object()) {
      response = ErrorJson("bad_request", "the request is not one JSON object on a line");
    } else {
      try {
        response = handler(request, stopping);
      } catch (const std::exception& e) {  // a storage fault in the task: answer, keep serving
        response = ErrorJson("io_error", e.what());
      }
    }
    auto text = std::make_shared<std::string>(response.dump() + "\n");
    asio::async_write(*socket, asio::buffer(*text), [socket, text](const boost::system::error_code&, std::size_t) {
      boost::system::error_code ignored;
      socket->close(ignored);
    });
  });
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { Stop(); }

Result<std::unique_ptr<Server>> Server::Start(const fs::path& socket_path, Handler handler) {
  if (socket_path.string().size() >= sizeof(sockaddr_un{}.sun_path)) {
    return Status::Error("invalid_config", "the admin socket path " + socket_path.string() + " is over " +
                                               std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) +
                                               " bytes (a unix socket's limit): use a shorter data_dir");
  }
  auto impl = std::make_unique<Impl>();
  impl->socket_path = socket_path;
  impl->handler = std::move(handler);
  std::error_code fs_ec;
  fs::remove(socket_path, fs_ec);  // a stale socket of a node that did not stop cleanly
  boost::system::error_code ec;
  impl->acceptor.open(Local(), ec);
  if (!ec) impl->acceptor.bind(Local::endpoint(socket_path.string()), ec);
  // Owner only, before listen(): until then a connect is refused, so nobody slips in between.
  if (!ec && ::chmod(socket_path.c_str(), 0600) != 0) ec = boost::system::error_code(errno, boost::system::system_category());
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    fs::remove(socket_path, fs_ec);
    return Status::Error("io_error", "cannot listen on " + socket_path.string() + ": " + ec.message());
  }
  impl->Accept();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

void Server::Stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->stopping = true;
  asio::post(impl_->io, [impl = impl_.get()] {
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
    impl->io.stop();
  });
  impl_->thread.join();
  std::error_code ec;
  fs::remove(impl_->socket_path, ec);
}

Result<nlohmann::json> Call(const fs::path& socket_path, const nlohmann::json& request) {
  asio::io_context io;
  Local::socket socket(io);
  boost::system::error_code ec;
  socket.connect(Local::endpoint(socket_path.string()), ec);
  if (ec) {
    return Status::Error("unavailable", "no node answers on " + socket_path.string() + " (" + ec.message() + ")");
  }
  const std::string line = request.dump() + "\n";
  asio::write(socket, asio::buffer(line), ec);
  if (ec) return Status::Error("io_error", "cannot send to " + socket_path.string() + ": " + ec.message());
  asio::streambuf buffer(kMaxAdminLineBytes);
  asio::read_until(socket, buffer, '\n', ec);
  if (ec) return Status::Error("bad_response", "the node closed its admin socket without one answer line (" + ec.message() + ")");
  nlohmann::json response = ParseLine(buffer);
  if (!response.is_object()) return Status::Error("bad_response", "the node's answer is not one JSON object");
  return response;
}

}  // namespace shanliu::node::admin
