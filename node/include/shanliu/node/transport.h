// The encrypted, authenticated P2P transport (docs/p2p.md): TCP, a handshake of ephemeral
// X25519 keys signed by each node's Ed25519 identity over a transcript bound to the chain id,
// then crypto_secretstream_xchacha20poly1305 in each direction. Only keys in the configured
// peer set connect, and there is at most one connection per peer.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/node/peer_transport.h"
#include "shanliu/status.h"

namespace shanliu::node::p2p {

struct PeerAddress {
  crypto::PublicKey public_key{};
  std::string address;  // "host:port"; empty = we never dial it, it dials us
};

struct TransportConfig {
  crypto::KeyPair identity;           // this node's Ed25519 key
  std::string chain_id;               // bound into the handshake transcript: nodes of other chains never connect
  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = 0;      // 0 = pick a free port (tests)
  std::vector<PeerAddress> peers;     // the ONLY keys allowed to connect (either direction)
  std::size_t max_frame_bytes = 24u << 20;     // plaintext payload limit; larger => disconnect
  std::size_t max_queue_frames = 4096;         // per-peer send queue bounds; when full, Send returns false
  std::size_t max_queue_bytes = 96u << 20;
  std::uint32_t handshake_timeout_ms = 5000;
  std::uint32_t keepalive_ms = 1000;           // send a keepalive frame when idle this long
  std::uint32_t idle_timeout_ms = 6000;        // nothing received this long => disconnect
  std::uint32_t backoff_min_ms = 100, backoff_max_ms = 5000;  // redial with exponential backoff + jitter
  // Inbound connections still in their handshake; more are closed at once, so a flood of
  // unauthenticated sockets cannot exhaust memory or file descriptors.
  std::size_t max_pending_handshakes = 64;
};

// The runner reaches it through PeerTransport (peer_transport.h).
class Transport final : public PeerTransport {
 public:
  // Both callbacks run on the io_context's thread(s) that run `io`. payload is one received frame.
  using OnFrame = PeerTransport::OnFrame;
  using OnPeer = PeerTransport::OnPeer;

  Transport(boost::asio::io_context& io, TransportConfig config, OnFrame on_frame, OnPeer on_peer);
  ~Transport() override;  // Stop()s
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  Status Start() override;  // bind+listen (error Status if the port is taken), start dialing peers with an address
  // Close everything; no callbacks after it returns. Callable from any thread, also from inside
  // a callback; from another thread it waits for a callback that is running to finish.
  void Stop() override;

  // Thread-safe (may be called from any thread). false if the peer is not connected, its queue is
  // full, or the payload exceeds max_frame_bytes.
  bool Send(const crypto::PublicKey& to, Bytes payload) override;
  void Broadcast(const Bytes& payload) override;              // to every connected peer (best effort)
  std::vector<crypto::PublicKey> Connected() const override;  // thread-safe
  std::uint16_t port() const;                        // the bound port

  // Counters for /metrics and tests (thread-safe).
  struct Stats {
    std::uint64_t handshakes_ok = 0, handshakes_failed = 0, frames_in = 0, frames_out = 0,
                  frames_rejected = 0, send_queue_full = 0, disconnects = 0;
    std::uint64_t duplicates_closed = 0;  // connections closed by the one-per-peer tie-break
  };
  Stats stats() const;

  // For tests and diagnostics (thread-safe): the connected peers and who dialed each connection,
  // and every socket still open (connected or in its handshake).
  struct ConnectedPeer {
    crypto::PublicKey public_key{};
    bool dialed_by_us = false;
  };
  std::vector<ConnectedPeer> ConnectedPeers() const;
  std::size_t open_connections() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;  // shared with in-flight handlers, which may outlive this object
};

}  // namespace shanliu::node::p2p
