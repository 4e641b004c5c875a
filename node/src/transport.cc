// The peer manager of the P2P transport: the listener, one dialer per peer with an address
// (exponential backoff with jitter), the registry of connected peers with the
// one-connection-per-peer tie-break, and the thread-safe Send/Broadcast/Connected surface.
#include "shanliu/node/transport.h"

#include <sodium.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <map>
#include <random>
#include <set>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/node/log.h"
#include "transport_connection.h"

namespace shanliu::node::p2p {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// "host:port", "[v6]:port". The port must be 1..65535.
Status SplitHostPort(const std::string& address, std::string& host, std::string& port) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) {
    return Status::Error("bad_address", "expected host:port, got '" + address + "'");
  }
  host = address.substr(0, colon);
  port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) == 0 ||
      std::stoul(port) > 65535) {
    return Status::Error("bad_address", "bad port in '" + address + "'");
  }
  return Status::Ok();
}

}  // namespace

class Transport::Impl : public ConnectionOwner, public std::enable_shared_from_this<Transport::Impl> {
 public:
  Impl(asio::io_context& io, TransportConfig config, Transport::OnFrame on_frame, Transport::OnPeer on_peer)
      : strand_(asio::make_strand(io)),
        config_(std::make_shared<const TransportConfig>(std::move(config))),
        counters_(std::make_shared<Counters>()),
        on_frame_(std::move(on_frame)),
        on_peer_(std::move(on_peer)),
        acceptor_(strand_) {
    crypto::Init();
    std::uint64_t seed = 0;
    randombytes_buf(&seed, sizeof seed);
    rng_.seed(seed);
    for (const PeerAddress& peer : config_->peers) {
      allowed_.insert(peer.public_key);
      if (!peer.address.empty() && peer.public_key != config_->identity.public_key) {
        auto dialer = std::make_unique<Dialer>(strand_);
        dialer->address = peer.address;
        dialer->backoff_ms = MinBackoff();
        dialers_[peer.public_key] = std::move(dialer);
      }
    }
  }

  Status Start() {
    if (stopped_) return Status::Error("stopped", "a stopped transport cannot start again");
    if (started_.exchange(true)) return Status::Error("already_started", "Start was already called");
    Status s = Listen();
    if (!s.ok()) started_ = false;  // a port busy for a moment may be retried
    return s;
  }

  Status Listen() {
    for (const auto& [key, dialer] : dialers_) {
      std::string dial_host, dial_port;
      SHANLIU_RETURN_IF_ERROR(SplitHostPort(dialer->address, dial_host, dial_port));
    }
    const std::string listen = config_->listen_address + ":" + std::to_string(config_->listen_port);
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(config_->listen_address, ec);
    if (ec) return Status::Error("bad_address", "listen address '" + config_->listen_address + "' is not an IP");
    const tcp::endpoint endpoint(address, config_->listen_port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      return Status::Error("listen_failed", "cannot listen on " + listen + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint(ec).port();
    asio::dispatch(strand_, [self = shared_from_this()] {
      if (self->stopped_) return;
      self->Accept();
      for (auto& [key, dialer] : self->dialers_) self->Dial(key);
    });
    return Status::Ok();
  }

  void Stop() {
    {
      std::lock_guard callbacks(callback_mu_);  // waits for a callback running on another thread
      if (stopped_.exchange(true)) return;
    }
    {
      std::lock_guard lock(mu_);
      active_.clear();
    }
    asio::dispatch(strand_, [self = shared_from_this()] { self->CloseAll(); });
  }

  bool Send(const crypto::PublicKey& to, Bytes payload) {
    if (stopped_ || payload.size() > config_->max_frame_bytes) return false;
    std::shared_ptr<Connection> conn;
    {
      std::lock_guard lock(mu_);
      auto it = active_.find(to);
      if (it == active_.end()) return false;
      conn = it->second;
    }
    switch (conn->Enqueue(std::move(payload))) {
      case Connection::EnqueueResult::kQueued:
        return true;
      case Connection::EnqueueResult::kFull:
        counters_->send_queue_full++;
        return false;
      case Connection::EnqueueResult::kClosed:
        return false;
    }
    return false;
  }

  void Broadcast(const Bytes& payload) {
    for (const crypto::PublicKey& key : Connected()) Send(key, payload);
  }

  std::vector<crypto::PublicKey> Connected() const {
    std::lock_guard lock(mu_);
    std::vector<crypto::PublicKey> out;
    for (const auto& [key, conn] : active_) out.push_back(key);
    return out;
  }

  std::vector<ConnectedPeer> ConnectedPeers() const {
    std::lock_guard lock(mu_);
    std::vector<ConnectedPeer> out;
    for (const auto& [key, conn] : active_) out.push_back({key, conn->dialed_by_us()});
    return out;
  }

  std::size_t open_connections() const { return open_count_; }
  std::uint16_t port() const { return port_; }

  Stats stats() const {
    Stats s;
    s.handshakes_ok = counters_->handshakes_ok;
    s.handshakes_failed = counters_->handshakes_failed;
    s.frames_in = counters_->frames_in;
    s.frames_out = counters_->frames_out;
    s.frames_rejected = counters_->frames_rejected;
    s.send_queue_full = counters_->send_queue_full;
    s.disconnects = counters_->disconnects;
    s.duplicates_closed = counters_->duplicates_closed;
    return s;
  }

  // ---- ConnectionOwner (strand) ----

  bool IsAllowed(const crypto::PublicKey& key) const override { return allowed_.count(key) != 0; }

  void OnEstablished(const std::shared_ptr<Connection>& conn) override {
    if (!conn->dialed_by_us()) --pending_inbound_;
    if (stopped_) return conn->Close("stopped");
    const crypto::PublicKey& key = conn->peer();
    if (conn->dialed_by_us()) {
      if (auto it = dialers_.find(key); it != dialers_.end()) it->second->backoff_ms = MinBackoff();
    }
    std::shared_ptr<Connection> loser;
    bool newly_connected = false;
    {
      std::lock_guard lock(mu_);
      auto it = active_.find(key);
      if (it == active_.end()) {
        active_[key] = conn;
        newly_connected = true;
      } else {
        const bool we_are_lower = config_->identity.public_key < key;
        if (wire::KeepIncoming(it->second->dialed_by_us(), conn->dialed_by_us(), we_are_lower)) {
          loser = it->second;
          it->second = conn;
        } else {
          loser = conn;
        }
      }
    }
    if (loser) {
      counters_->duplicates_closed++;
      loser->set_superseded();
      if (loser != conn) conn->AdoptQueue(loser->TakeQueue());  // frames not yet written move over
      LogEvent("info", "p2p_duplicate_connection_closed",
               {{"peer", crypto::ToHex(key)}, {"kept_dialed_by_us", loser == conn ? !conn->dialed_by_us() : conn->dialed_by_us()}});
      loser->Close("duplicate connection");
    }
    if (newly_connected) {
      LogEvent("info", "p2p_peer_connected",
               {{"peer", crypto::ToHex(key)}, {"remote", conn->remote()}, {"dialed_by_us", conn->dialed_by_us()}});
      FirePeer(key, true);
    }
  }

  void OnFrame(const std::shared_ptr<Connection>& conn, Bytes payload) override {
    std::lock_guard callbacks(callback_mu_);
    if (stopped_ || !on_frame_) return;
    on_frame_(conn->peer(), std::move(payload));
  }

  void OnClosed(const std::shared_ptr<Connection>& conn, bool established) override {
    connections_.erase(conn);
    open_count_ = connections_.size();
    if (!established && !conn->dialed_by_us()) --pending_inbound_;
    bool was_active = false;
    if (conn->peer_known()) {
      const crypto::PublicKey key = conn->peer();
      {
        std::lock_guard lock(mu_);
        auto it = active_.find(key);
        if (it != active_.end() && it->second == conn) {
          active_.erase(it);
          was_active = true;
        }
      }
      if (was_active) {
        counters_->disconnects++;
        LogEvent("info", "p2p_peer_disconnected", {{"peer", crypto::ToHex(key)}, {"remote", conn->remote()}});
        FirePeer(key, false);
      }
    }
    // A dialer is keyed by the key we expected, which an impostor's hello does not change.
    const crypto::PublicKey dial_key = conn->dialed_by_us() ? *conn->expected_peer() : conn->peer();
    if (conn->dialed_by_us()) {
      auto it = dialers_.find(dial_key);
      if (it != dialers_.end() && it->second->attempt == conn) {
        it->second->attempt.reset();
        it->second->in_progress = false;
        if (!established) Grow(*it->second);
      }
    }
    if (was_active || conn->dialed_by_us()) MaybeRedial(dial_key);
  }

 private:
  struct Dialer {
    explicit Dialer(const Strand& strand) : timer(strand) {}
    std::string address;
    asio::steady_timer timer;       // the backoff wait, then the connect timeout
    std::uint32_t backoff_ms = 0;   // the next wait's upper bound
    bool waiting = false;           // a backoff wait is scheduled
    bool in_progress = false;       // resolving, connecting or in the handshake
    std::shared_ptr<Connection> attempt;
    // While resolving/connecting, so Stop can cut them short.
    std::shared_ptr<tcp::resolver> resolver;
    std::shared_ptr<tcp::socket> socket;
  };

  void Accept() {
    acceptor_.async_accept(strand_, [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
      if (self->stopped_ || !self->acceptor_.is_open()) return;
      if (ec) {
        // Out of descriptors and the like: back off a little instead of spinning.
        auto timer = std::make_shared<asio::steady_timer>(self->strand_, std::chrono::milliseconds(50));
        timer->async_wait([self, timer](const boost::system::error_code&) {
          if (!self->stopped_) self->Accept();
        });
        return;
      }
      if (self->pending_inbound_ >= self->config_->max_pending_handshakes) {
        self->counters_->handshakes_failed++;
        nlohmann::json fields = {{"reason", "too many handshakes in progress"}};
        if (self->counters_->AllowHandshakeLog(fields)) LogEvent("warn", "p2p_handshake_failed", fields);
        boost::system::error_code ignored;
        socket.close(ignored);
      } else {
        ++self->pending_inbound_;
        self->Adopt(std::move(socket), wire::Role::kServer, std::nullopt);
      }
      self->Accept();
    });
  }

  std::shared_ptr<Connection> Adopt(tcp::socket socket, wire::Role role, std::optional<crypto::PublicKey> expected) {
    auto conn = std::make_shared<Connection>(strand_, std::move(socket), role, expected, config_, counters_,
                                             weak_from_this());
    connections_.insert(conn);
    open_count_ = connections_.size();
    conn->Start();
    return conn;
  }

  bool IsActive(const crypto::PublicKey& key) const {
    std::lock_guard lock(mu_);
    return active_.count(key) != 0;
  }

  std::uint32_t MinBackoff() const { return std::max<std::uint32_t>(1, config_->backoff_min_ms); }

  void Grow(Dialer& d) {
    d.backoff_ms = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(std::uint64_t{d.backoff_ms} * 2, std::max(config_->backoff_max_ms, MinBackoff())));
  }

  // A wait drawn uniformly from [backoff/2, backoff], so peers that lost each other at the same
  // moment do not redial in lockstep.
  std::uint32_t Jittered(std::uint32_t backoff_ms) {
    std::uniform_int_distribution<std::uint32_t> pick(backoff_ms / 2, backoff_ms);
    return pick(rng_);
  }

  void MaybeRedial(const crypto::PublicKey& key) {
    auto it = dialers_.find(key);
    if (stopped_ || it == dialers_.end()) return;
    Dialer& d = *it->second;
    if (d.waiting || d.in_progress || IsActive(key)) return;
    d.waiting = true;
    d.timer.expires_after(std::chrono::milliseconds(Jittered(d.backoff_ms)));
    d.timer.async_wait([self = shared_from_this(), key](const boost::system::error_code& ec) {
      auto it2 = self->dialers_.find(key);
      if (it2 == self->dialers_.end()) return;
      it2->second->waiting = false;
      if (ec || self->stopped_) return;
      self->Dial(key);
    });
  }

  void DialFailed(const crypto::PublicKey& key, const std::string& why) {
    auto it = dialers_.find(key);
    if (it == dialers_.end()) return;
    it->second->in_progress = false;
    it->second->timer.cancel();
    it->second->resolver.reset();
    it->second->socket.reset();
    LogEvent("debug", "p2p_dial_failed", {{"peer", crypto::ToHex(key)}, {"address", it->second->address}, {"reason", why}});
    Grow(*it->second);
    MaybeRedial(key);
  }

  void Dial(const crypto::PublicKey& key) {
    auto it = dialers_.find(key);
    if (stopped_ || it == dialers_.end()) return;
    Dialer& d = *it->second;
    if (d.in_progress || IsActive(key)) return;
    d.in_progress = true;
    std::string host, port;
    if (!SplitHostPort(d.address, host, port).ok()) return DialFailed(key, "bad address");
    auto resolver = std::make_shared<tcp::resolver>(strand_);
    auto socket = std::make_shared<tcp::socket>(strand_);
    d.resolver = resolver;
    d.socket = socket;
    // The connect timeout shares the dialer's timer; the handshake has its own.
    d.timer.expires_after(std::chrono::milliseconds(config_->handshake_timeout_ms));
    d.timer.async_wait([resolver, socket](const boost::system::error_code& ec) {
      if (ec) return;
      resolver->cancel();
      boost::system::error_code ignored;
      socket->close(ignored);
    });
    resolver->async_resolve(host, port, [self = shared_from_this(), key, resolver, socket](
                                            const boost::system::error_code& ec, tcp::resolver::results_type results) {
      if (self->stopped_) return;
      if (ec) return self->DialFailed(key, "resolve: " + ec.message());
      asio::async_connect(*socket, results, [self, key, socket](const boost::system::error_code& ec2, const tcp::endpoint&) {
        if (self->stopped_) return;
        if (ec2) return self->DialFailed(key, "connect: " + ec2.message());
        auto it = self->dialers_.find(key);
        if (it == self->dialers_.end()) return;
        it->second->timer.cancel();
        it->second->resolver.reset();
        it->second->socket.reset();
        it->second->attempt = self->Adopt(std::move(*socket), wire::Role::kClient, key);
      });
    });
  }

  void CloseAll() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto& [key, dialer] : dialers_) {
      dialer->timer.cancel();
      dialer->attempt.reset();
      if (dialer->resolver) dialer->resolver->cancel();
      if (dialer->socket) dialer->socket->close(ignored);
    }
    const auto connections = connections_;  // Close() erases from connections_
    for (const auto& conn : connections) conn->Close("stopped");
    connections_.clear();
    open_count_ = 0;
  }

  void FirePeer(const crypto::PublicKey& key, bool connected) {
    std::lock_guard callbacks(callback_mu_);
    if (stopped_ || !on_peer_) return;
    on_peer_(key, connected);
  }

  Strand strand_;
  const std::shared_ptr<const TransportConfig> config_;
  const std::shared_ptr<Counters> counters_;
  const Transport::OnFrame on_frame_;
  const Transport::OnPeer on_peer_;
  std::set<crypto::PublicKey> allowed_;
  std::mt19937_64 rng_;
  std::atomic<std::uint16_t> port_{0};
  std::atomic<bool> stopped_{false};
  std::atomic<bool> started_{false};
  // Held while a callback runs, so Stop() from another thread returns only once none is running;
  // recursive so a callback may itself call Stop().
  std::recursive_mutex callback_mu_;

  // Strand only.
  tcp::acceptor acceptor_;
  std::map<crypto::PublicKey, std::unique_ptr<Dialer>> dialers_;
  std::set<std::shared_ptr<Connection>> connections_;  // every open socket, for Stop
  std::size_t pending_inbound_ = 0;
  std::atomic<std::size_t> open_count_{0};

  // The connected peers, read by Send/Connected from any thread.
  mutable std::mutex mu_;
  std::map<crypto::PublicKey, std::shared_ptr<Connection>> active_;
};

Transport::Transport(asio::io_context& io, TransportConfig config, OnFrame on_frame, OnPeer on_peer)
    : impl_(std::make_shared<Impl>(io, std::move(config), std::move(on_frame), std::move(on_peer))) {}

Transport::~Transport() { impl_->Stop(); }

Status Transport::Start() { return impl_->Start(); }
void Transport::Stop() { impl_->Stop(); }
bool Transport::Send(const crypto::PublicKey& to, Bytes payload) { return impl_->Send(to, std::move(payload)); }
void Transport::Broadcast(const Bytes& payload) { impl_->Broadcast(payload); }
std::vector<crypto::PublicKey> Transport::Connected() const { return impl_->Connected(); }
std::vector<Transport::ConnectedPeer> Transport::ConnectedPeers() const { return impl_->ConnectedPeers(); }
std::size_t Transport::open_connections() const { return impl_->open_connections(); }
std::uint16_t Transport::port() const { return impl_->port(); }
Transport::Stats Transport::stats() const { return impl_->stats(); }

}  // namespace shanliu::node::p2p
