// A blocking, single-connection client of the P2P protocol (docs/p2p.md) on its own
// io_context, with a timeout on every step. The probe tool (tests/tools/p2p_probe.cc) and the
// transport tests use it to act as an honest or a hostile peer, and `shanliu-node repair` to
// fetch certified blocks from the peers of a stopped node (peer_blocks.cc).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <string>

#include "shanliu/crypto/keys.h"
#include "shanliu/status.h"
#include "transport_wire.h"

namespace shanliu::node::p2p {

class BlockingClient {
 public:
  using Timeout = std::chrono::milliseconds;

  BlockingClient();
  BlockingClient(const BlockingClient&) = delete;
  BlockingClient& operator=(const BlockingClient&) = delete;

  // "host:port" (numeric or a name).
  Status Connect(const std::string& address, Timeout timeout);
  // The whole client side of the handshake. Error codes: "closed" (the server closed or reset
  // the connection: refused), "timeout", "wrong_key" (the server is not server_key),
  // "bad_hello", "bad_signature", "io".
  Status Handshake(const crypto::KeyPair& identity, std::string_view chain_id,
                   const crypto::PublicKey& server_key, Timeout timeout);
  // After Handshake: one encrypted frame of the given type byte (any value, for hostile tests).
  // SealFrame only builds it (length || ciphertext) so a test can tamper with it first.
  Bytes SealFrame(std::uint8_t type, ByteView payload);
  Status SendFrame(std::uint8_t type, ByteView payload, Timeout timeout);
  Status SendRaw(ByteView bytes, Timeout timeout);
  // After Handshake: the next data frame's payload (keepalives skipped).
  Result<Bytes> ReadFrame(Timeout timeout);
  // true if the other side closed (or reset) the connection within `timeout`; bytes it sends
  // meanwhile are read and dropped.
  bool WaitClosed(Timeout timeout);

 private:
  Status Read(std::uint8_t* data, std::size_t size, Timeout timeout);
  Status ReadHandshakeFrame(std::size_t expected, Bytes& body, Timeout timeout);

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  crypto_secretstream_xchacha20poly1305_state tx_state_{};
  wire::FrameOpener opener_;
  bool open_ = false;
};

}  // namespace shanliu::node::p2p
