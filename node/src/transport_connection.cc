#include "transport_connection.h"

#include <algorithm>
#include <cstring>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "shanliu/crypto/codec.h"
#include "shanliu/node/log.h"

namespace shanliu::node::p2p {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
// The receive buffer's usual size (read_some fills what is there, so a large frame that is
// still arriving counts as traffic for the idle timeout); batches of small frames are
// encrypted into one write.
constexpr std::size_t kReadChunkBytes = 64u << 10;
constexpr std::size_t kWriteBatchBytes = 256u << 10;
// Buffers grown by one large frame are given back afterwards rather than kept per peer.
constexpr std::size_t kKeepBufferBytes = 1u << 20;

std::string EndpointText(const tcp::socket& socket) {
  boost::system::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "?";
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}
}  // namespace

Connection::Connection(Strand strand, tcp::socket socket, wire::Role role,
                       std::optional<crypto::PublicKey> expected_peer,
                       std::shared_ptr<const TransportConfig> config, std::shared_ptr<Counters> counters,
                       std::weak_ptr<ConnectionOwner> owner)
    : strand_(strand),
      socket_(std::move(socket)),
      handshake_timer_(strand),
      tick_timer_(strand),
      role_(role),
      expected_peer_(expected_peer),
      config_(std::move(config)),
      counters_(std::move(counters)),
      owner_(std::move(owner)),
      remote_(EndpointText(socket_)) {
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);  // consensus messages are small and urgent
}

Connection::~Connection() = default;

void Connection::Start() {
  last_rx_ = last_tx_ = Clock::now();
  handshake_timer_.expires_after(std::chrono::milliseconds(config_->handshake_timeout_ms));
  handshake_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && self->state_ == State::kHandshake) self->Fail("handshake timed out");
  });
  our_hello_ = wire::EncodeHello({config_->identity.public_key, kx_.public_key()});
  WriteRaw(wire::EncodeFrame(our_hello_));
  ReadHandshakeFrame(wire::kHelloBytes, &Connection::OnPeerHello);
}

void Connection::Fail(std::string_view reason, bool count_rejected_frame) {
  if (state_ == State::kClosed) return;
  nlohmann::json fields = {{"remote", remote_}, {"reason", reason}, {"dialed_by_us", dialed_by_us()}};
  if (peer_known_) fields["peer"] = crypto::ToHex(peer_);
  if (state_ == State::kHandshake) {
    counters_->handshakes_failed++;
    if (counters_->AllowHandshakeLog(fields)) LogEvent("warn", "p2p_handshake_failed", fields);
  } else {
    if (count_rejected_frame) counters_->frames_rejected++;
    LogEvent(count_rejected_frame ? "warn" : "info", "p2p_connection_failed", fields);
  }
  Close(reason);
}

void Connection::Close(std::string_view /*reason*/) {
  if (state_ == State::kClosed) return;
  const bool was_open = state_ == State::kOpen;
  state_ = State::kClosed;
  handshake_timer_.cancel();
  tick_timer_.cancel();
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  {
    std::lock_guard lock(queue_mu_);
    queue_closed_ = true;
    queue_.clear();
    queue_bytes_ = 0;
  }
  raw_out_.clear();
  if (auto owner = owner_.lock()) owner->OnClosed(shared_from_this(), was_open);
}

// ---- Handshake -------------------------------------------------------------------------------

void Connection::ReadHandshakeFrame(std::size_t expected_len, void (Connection::*next)()) {
  asio::async_read(socket_, asio::buffer(length_buf_),
                   [self = shared_from_this(), expected_len, next](const boost::system::error_code& ec, std::size_t) {
                     if (self->state_ == State::kClosed) return;
                     if (ec) return self->Fail("closed during handshake: " + ec.message());
                     const std::uint32_t len = wire::ReadLength(self->length_buf_.data());
                     // Exact sizes: the limit check comes first so no length is ever trusted.
                     if (len > wire::kHandshakeFrameLimit || len != expected_len) {
                       return self->Fail("handshake frame has the wrong length " + std::to_string(len));
                     }
                     self->read_buf_.resize(len);
                     asio::async_read(self->socket_, asio::buffer(self->read_buf_),
                                      [self, next](const boost::system::error_code& ec2, std::size_t) {
                                        if (self->state_ == State::kClosed) return;
                                        if (ec2) return self->Fail("closed during handshake: " + ec2.message());
                                        ((*self).*next)();
                                      });
                   });
}

void Connection::OnPeerHello() {
  auto hello = wire::DecodeHello(read_buf_);
  if (!hello.ok()) return Fail(hello.status().message());
  peer_ = hello->identity;
  peer_known_ = true;
  if (peer_ == config_->identity.public_key) return Fail("peer presented our own key");
  if (expected_peer_) {
    if (peer_ != *expected_peer_) return Fail("peer key differs from the configured one");
  } else {
    auto owner = owner_.lock();
    if (!owner) return Close("transport gone");
    if (!owner->IsAllowed(peer_)) return Fail("peer key not in the peer set");
  }
  peer_hello_ = read_buf_;
  transcript_ = role_ == wire::Role::kClient ? wire::Transcript(config_->chain_id, our_hello_, peer_hello_)
                                             : wire::Transcript(config_->chain_id, peer_hello_, our_hello_);
  if (Status s = kx_.Derive(role_, hello->ephemeral, keys_); !s.ok()) return Fail(s.message());
  const crypto::Signature sig = wire::SignAuth(config_->identity.secret_key, transcript_, role_);
  WriteRaw(wire::EncodeFrame(sig));
  ReadHandshakeFrame(wire::kAuthBytes, &Connection::OnPeerAuth);
}

void Connection::OnPeerAuth() {
  crypto::Signature sig{};
  std::copy_n(read_buf_.begin(), sig.size(), sig.begin());
  const wire::Role peer_role = role_ == wire::Role::kClient ? wire::Role::kServer : wire::Role::kClient;
  if (!wire::VerifyAuth(peer_, transcript_, peer_role, sig)) {
    return Fail("handshake signature invalid (different chain id, or not the key's owner)");
  }
  // Our header goes out only after the peer proved its key, so receiving the peer's header
  // tells each side that the other accepted it too.
  const auto header = sealer_.Init(keys_.tx);
  WriteRaw(Bytes(header.begin(), header.end()));
  read_buf_.resize(wire::kStreamHeaderBytes);
  asio::async_read(socket_, asio::buffer(read_buf_), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
    if (self->state_ == State::kClosed) return;
    if (ec) return self->Fail("closed during handshake: " + ec.message());
    self->OnPeerHeader();
  });
}

void Connection::OnPeerHeader() {
  if (Status s = opener_.Init(keys_.rx, read_buf_); !s.ok()) return Fail(s.message());
  sodium_memzero(keys_.rx.data(), keys_.rx.size());
  sodium_memzero(keys_.tx.data(), keys_.tx.size());
  state_ = State::kOpen;
  handshake_timer_.cancel();
  last_rx_ = Clock::now();
  counters_->handshakes_ok++;
  auto owner = owner_.lock();
  if (!owner) return Close("transport gone");
  owner->OnEstablished(shared_from_this());
  if (state_ != State::kOpen) return;  // lost the one-connection-per-peer tie-break
  ReadFrames();
  Tick();
  Pump();
}

// ---- Reading frames --------------------------------------------------------------------------

// Frames are parsed out of one receive buffer filled by read_some, so a burst of small frames
// costs one system call rather than two per frame. The buffer grows to hold one large frame
// (never beyond max_frame_bytes + overhead: the length is checked first) and shrinks after.
void Connection::ReadFrames() {
  if (rx_begin_ > 0) {  // keep the unparsed tail at the front
    std::memmove(rx_buf_.data(), rx_buf_.data() + rx_begin_, rx_end_ - rx_begin_);
    rx_end_ -= rx_begin_;
    rx_begin_ = 0;
  }
  if (rx_buf_.size() < kReadChunkBytes) rx_buf_.resize(kReadChunkBytes);
  // Idleness counts from when we are ready to read again, so time spent in our own OnFrame
  // callbacks is never blamed on the peer.
  last_rx_ = Clock::now();
  socket_.async_read_some(asio::buffer(rx_buf_.data() + rx_end_, rx_buf_.size() - rx_end_),
                          [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                            if (self->state_ == State::kClosed) return;
                            if (ec) return self->Fail("read: " + ec.message());
                            self->last_rx_ = Clock::now();
                            self->rx_end_ += n;
                            self->ParseFrames();
                          });
}

void Connection::ParseFrames() {
  for (;;) {
    const std::size_t available = rx_end_ - rx_begin_;
    if (available < wire::kLengthBytes) break;
    const std::uint32_t len = wire::ReadLength(rx_buf_.data() + rx_begin_);
    // Checked before the body is buffered: an oversize frame costs no memory.
    if (len < wire::kFrameOverhead || len > config_->max_frame_bytes + wire::kFrameOverhead) {
      return Fail("frame length " + std::to_string(len) + " out of bounds", true);
    }
    const std::size_t frame_bytes = wire::kLengthBytes + len;
    if (available < frame_bytes) {
      if (rx_buf_.size() < frame_bytes) {  // a large frame: make room for all of it
        if (rx_begin_ > 0) {
          std::memmove(rx_buf_.data(), rx_buf_.data() + rx_begin_, available);
          rx_end_ = available;
          rx_begin_ = 0;
        }
        rx_buf_.resize(frame_bytes);
      }
      break;
    }
    wire::FrameType type{};
    Bytes payload;
    const ByteView ciphertext(rx_buf_.data() + rx_begin_ + wire::kLengthBytes, len);
    if (Status s = opener_.Open(ciphertext, type, payload); !s.ok()) return Fail(s.message(), true);
    rx_begin_ += frame_bytes;
    if (type == wire::FrameType::kData) {
      counters_->frames_in++;
      auto owner = owner_.lock();
      if (!owner) return Close("transport gone");
      owner->OnFrame(shared_from_this(), std::move(payload));
      if (state_ != State::kOpen) return;  // closed from the callback (Stop)
    }
  }
  if (rx_begin_ == rx_end_) {
    rx_begin_ = rx_end_ = 0;
    if (rx_buf_.size() > kKeepBufferBytes) Bytes(kReadChunkBytes).swap(rx_buf_);
  }
  ReadFrames();
}

// ---- Writing ---------------------------------------------------------------------------------

Connection::EnqueueResult Connection::Enqueue(Bytes payload) {
  {
    std::lock_guard lock(queue_mu_);
    if (queue_closed_) return EnqueueResult::kClosed;
    if (queue_.size() >= config_->max_queue_frames || queue_bytes_ + payload.size() > config_->max_queue_bytes) {
      return EnqueueResult::kFull;
    }
    queue_bytes_ += payload.size();
    queue_.push_back({wire::FrameType::kData, std::move(payload)});
    if (kick_posted_) return EnqueueResult::kQueued;
    kick_posted_ = true;
  }
  asio::post(strand_, [self = shared_from_this()] { self->KickWriter(); });
  return EnqueueResult::kQueued;
}

void Connection::KickWriter() {
  {
    std::lock_guard lock(queue_mu_);
    kick_posted_ = false;
  }
  Pump();
}

std::deque<Outgoing> Connection::TakeQueue() {
  std::lock_guard lock(queue_mu_);
  std::deque<Outgoing> out;
  out.swap(queue_);
  queue_bytes_ = 0;
  return out;
}

void Connection::AdoptQueue(std::deque<Outgoing> frames) {
  {
    std::lock_guard lock(queue_mu_);
    if (queue_closed_) return;
    for (auto& f : frames) {
      queue_bytes_ += f.payload.size();
      queue_.push_back(std::move(f));
    }
  }
  Pump();
}

void Connection::WriteRaw(Bytes bytes) {
  raw_out_.push_back(std::move(bytes));
  Pump();
}

void Connection::Pump() {
  if (writing_ || state_ == State::kClosed) return;
  write_buf_.clear();
  write_frames_ = 0;
  if (!raw_out_.empty()) {
    write_buf_ = std::move(raw_out_.front());
    raw_out_.pop_front();
  } else if (state_ == State::kOpen) {
    std::deque<Outgoing> batch;
    std::size_t batch_bytes = 0;
    {
      std::lock_guard lock(queue_mu_);
      while (!queue_.empty() && (batch.empty() || batch_bytes < kWriteBatchBytes)) {
        batch_bytes += queue_.front().payload.size();
        queue_bytes_ -= queue_.front().payload.size();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    for (const Outgoing& frame : batch) {
      sealer_.Seal(frame.type, frame.payload, write_buf_);
      if (frame.type == wire::FrameType::kData) ++write_frames_;
    }
  }
  if (write_buf_.empty()) return;
  writing_ = true;
  asio::async_write(socket_, asio::buffer(write_buf_), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
    self->writing_ = false;
    if (self->state_ == State::kClosed) return;
    if (ec) return self->Fail("write: " + ec.message());
    self->last_tx_ = Clock::now();
    self->counters_->frames_out += self->write_frames_;
    if (self->write_buf_.capacity() > kKeepBufferBytes) Bytes().swap(self->write_buf_);
    self->Pump();
  });
}

void Connection::Tick() {
  const std::uint32_t shortest = std::min(config_->keepalive_ms, config_->idle_timeout_ms);
  const std::uint32_t tick_ms = std::clamp<std::uint32_t>(shortest / 4, 5, 1000);
  tick_timer_.expires_after(std::chrono::milliseconds(tick_ms));
  tick_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->state_ != State::kOpen) return;
    const auto now = Clock::now();
    if (now - self->last_rx_ >= std::chrono::milliseconds(self->config_->idle_timeout_ms)) {
      return self->Fail("idle timeout: nothing received");
    }
    if (!self->writing_ && now - self->last_tx_ >= std::chrono::milliseconds(self->config_->keepalive_ms)) {
      {
        std::lock_guard lock(self->queue_mu_);
        if (self->queue_.empty()) self->queue_.push_back({wire::FrameType::kKeepalive, {}});
      }
      self->Pump();
    }
    self->Tick();
  });
}

}  // namespace shanliu::node::p2p
