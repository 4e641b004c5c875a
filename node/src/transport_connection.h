// One TCP connection of the P2P transport: the handshake, then the encrypted frame reader,
// a bounded send queue with its writer, keepalives and the idle timeout. Every member except
// Enqueue/TakeQueue runs on the transport's strand.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "shanliu/node/transport.h"
#include "transport_wire.h"

namespace shanliu::node::p2p {

using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

// Counters shared by the transport and its connections.
struct Counters {
  std::atomic<std::uint64_t> handshakes_ok{0}, handshakes_failed{0}, frames_in{0}, frames_out{0},
      frames_rejected{0}, send_queue_full{0}, disconnects{0}, duplicates_closed{0};

  // Anyone can open connections and fail handshakes, so their log lines are rate-limited:
  // at most kLogBurst per kLogWindow, then one line says how many were left out. Strand only.
  static constexpr std::uint32_t kLogBurst = 20;
  static constexpr std::chrono::seconds kLogWindow{10};
  std::chrono::steady_clock::time_point log_window_start{};
  std::uint32_t logged_in_window = 0;
  std::uint64_t log_suppressed = 0;
  // true if this line may be written; adds "suppressed" to `fields` after a quiet spell.
  bool AllowHandshakeLog(nlohmann::json& fields) {
    const auto now = std::chrono::steady_clock::now();
    if (now - log_window_start >= kLogWindow) {
      log_window_start = now;
      logged_in_window = 0;
      if (log_suppressed > 0) fields["suppressed_since_last"] = log_suppressed;
      log_suppressed = 0;
    }
    if (logged_in_window >= kLogBurst) {
      ++log_suppressed;
      return false;
    }
    ++logged_in_window;
    return true;
  }
};

class Connection;

// What a connection reports to the transport that owns it (all on the strand).
class ConnectionOwner {
 public:
  virtual ~ConnectionOwner() = default;
  virtual bool IsAllowed(const crypto::PublicKey& key) const = 0;
  virtual void OnEstablished(const std::shared_ptr<Connection>& conn) = 0;
  virtual void OnFrame(const std::shared_ptr<Connection>& conn, Bytes payload) = 0;
  // `established` says whether the handshake had completed.
  virtual void OnClosed(const std::shared_ptr<Connection>& conn, bool established) = 0;
};

struct Outgoing {
  wire::FrameType type = wire::FrameType::kData;
  Bytes payload;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  enum class EnqueueResult { kQueued, kFull, kClosed };

  // `expected_peer` is set when we dialed (client): the server must prove that key.
  Connection(Strand strand, boost::asio::ip::tcp::socket socket, wire::Role role,
             std::optional<crypto::PublicKey> expected_peer, std::shared_ptr<const TransportConfig> config,
             std::shared_ptr<Counters> counters, std::weak_ptr<ConnectionOwner> owner);
  ~Connection();

  void Start();
  // Idempotent. Reports OnClosed to the owner once (unless the owner is gone).
  void Close(std::string_view reason);

  // Thread-safe: queue one data frame; the writer is woken on the strand.
  EnqueueResult Enqueue(Bytes payload);
  // Thread-safe: hands over the frames not yet written (to the connection that replaces this one).
  std::deque<Outgoing> TakeQueue();
  void AdoptQueue(std::deque<Outgoing> frames);  // strand only

  bool dialed_by_us() const { return role_ == wire::Role::kClient; }
  // The key we dialed (set only when dialed_by_us()).
  const std::optional<crypto::PublicKey>& expected_peer() const { return expected_peer_; }
  bool established() const { return state_ == State::kOpen; }
  const crypto::PublicKey& peer() const { return peer_; }  // valid once the peer's hello was read
  bool peer_known() const { return peer_known_; }
  std::string remote() const { return remote_; }
  // Set before closing a connection that lost the tie-break, so its close is not a disconnect.
  void set_superseded() { superseded_ = true; }
  bool superseded() const { return superseded_; }

 private:
  enum class State { kHandshake, kOpen, kClosed };
  using Clock = std::chrono::steady_clock;

  void Fail(std::string_view reason, bool count_rejected_frame = false);
  void ReadHandshakeFrame(std::size_t expected_len, void (Connection::*next)());
  void OnPeerHello();
  void OnPeerAuth();
  void OnPeerHeader();
  void ReadFrames();
  void ParseFrames();
  void WriteRaw(Bytes bytes);
  void Pump();
  void Tick();
  void KickWriter();

  Strand strand_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer handshake_timer_;
  boost::asio::steady_timer tick_timer_;
  const wire::Role role_;
  const std::optional<crypto::PublicKey> expected_peer_;
  const std::shared_ptr<const TransportConfig> config_;
  const std::shared_ptr<Counters> counters_;
  const std::weak_ptr<ConnectionOwner> owner_;
  std::string remote_;

  State state_ = State::kHandshake;
  bool superseded_ = false;
  crypto::PublicKey peer_{};
  bool peer_known_ = false;

  // Handshake.
  wire::KeyExchange kx_;
  Bytes our_hello_, peer_hello_;
  Hash256 transcript_{};
  wire::SessionKeys keys_;
  wire::FrameSealer sealer_;
  wire::FrameOpener opener_;

  // Reading.
  std::array<std::uint8_t, wire::kLengthBytes> length_buf_{};
  Bytes read_buf_;  // handshake messages
  Bytes rx_buf_;    // encrypted frames: [rx_begin_, rx_end_) is received and not yet parsed
  std::size_t rx_begin_ = 0, rx_end_ = 0;
  Clock::time_point last_rx_;

  // Writing. raw_out_ (handshake bytes) and writing_ are strand-only; the queue is shared.
  std::deque<Bytes> raw_out_;
  Bytes write_buf_;
  std::size_t write_frames_ = 0;
  bool writing_ = false;
  Clock::time_point last_tx_;
  std::mutex queue_mu_;
  std::deque<Outgoing> queue_;
  std::size_t queue_bytes_ = 0;
  bool queue_closed_ = false;
  bool kick_posted_ = false;
};

}  // namespace shanliu::node::p2p
