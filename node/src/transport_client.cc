#include "transport_client.h"

#include <boost/asio/connect.hpp>
#include <cassert>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

namespace shanliu::node::p2p {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Runs one async operation on `io` for at most `timeout`; cancels it when time runs out.
template <class StartOp>
boost::system::error_code RunFor(asio::io_context& io, tcp::socket& socket, std::chrono::milliseconds timeout,
                                 StartOp start, bool& timed_out, std::size_t* transferred = nullptr) {
  boost::system::error_code result;
  bool done = false;
  start([&](const boost::system::error_code& ec, std::size_t n) {
    result = ec;
    done = true;
    if (transferred) *transferred = n;
  });
  io.restart();
  io.run_for(timeout);
  timed_out = false;
  if (!done) {
    timed_out = true;
    boost::system::error_code ignored;
    socket.cancel(ignored);
    io.restart();
    io.run();
  }
  return result;
}

Status FromError(const boost::system::error_code& ec, bool timed_out, std::string_view what) {
  if (timed_out) return Status::Error("timeout", std::string(what) + " timed out");
  if (ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
      ec == asio::error::connection_aborted) {
    return Status::Error("closed", std::string(what) + ": the other side closed the connection");
  }
  return Status::Error("io", std::string(what) + ": " + ec.message());
}

}  // namespace

BlockingClient::BlockingClient() : socket_(io_) {}

Status BlockingClient::Connect(const std::string& address, Timeout timeout) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) return Status::Error("bad_address", "expected host:port");
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  tcp::resolver resolver(io_);
  boost::system::error_code ec;
  const auto endpoints = resolver.resolve(host, address.substr(colon + 1), ec);
  if (ec) return Status::Error("bad_address", "cannot resolve " + address + ": " + ec.message());
  bool timed_out = false;
  ec = RunFor(io_, socket_, timeout, [&](auto handler) {
    asio::async_connect(socket_, endpoints, [handler](const boost::system::error_code& e, const tcp::endpoint&) mutable {
      handler(e, 0);
    });
  }, timed_out);
  if (timed_out || ec) return FromError(ec, timed_out, "connect");
  return Status::Ok();
}

Status BlockingClient::Read(std::uint8_t* data, std::size_t size, Timeout timeout) {
  bool timed_out = false;
  const auto ec = RunFor(io_, socket_, timeout, [&](auto handler) {
    asio::async_read(socket_, asio::buffer(data, size), handler);
  }, timed_out);
  if (timed_out || ec) return FromError(ec, timed_out, "read");
  return Status::Ok();
}

Status BlockingClient::SendRaw(ByteView bytes, Timeout timeout) {
  bool timed_out = false;
  const auto ec = RunFor(io_, socket_, timeout, [&](auto handler) {
    asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()), handler);
  }, timed_out);
  if (timed_out || ec) return FromError(ec, timed_out, "write");
  return Status::Ok();
}

Status BlockingClient::ReadHandshakeFrame(std::size_t expected, Bytes& body, Timeout timeout) {
  std::uint8_t length[wire::kLengthBytes];
  SHANLIU_RETURN_IF_ERROR(Read(length, sizeof length, timeout));
  if (wire::ReadLength(length) != expected) return Status::Error("bad_hello", "handshake frame of the wrong length");
  body.resize(expected);
  return Read(body.data(), body.size(), timeout);
}

Status BlockingClient::Handshake(const crypto::KeyPair& identity, std::string_view chain_id,
                                 const crypto::PublicKey& server_key, Timeout timeout) {
  wire::KeyExchange kx;
  const Bytes our_hello = wire::EncodeHello({identity.public_key, kx.public_key()});
  SHANLIU_RETURN_IF_ERROR(SendRaw(wire::EncodeFrame(our_hello), timeout));
  Bytes peer_hello;
  SHANLIU_RETURN_IF_ERROR(ReadHandshakeFrame(wire::kHelloBytes, peer_hello, timeout));
  auto hello = wire::DecodeHello(peer_hello);
  if (!hello.ok()) return hello.status();
  if (hello->identity != server_key) return Status::Error("wrong_key", "the server presented another key");
  const Hash256 transcript = wire::Transcript(chain_id, our_hello, peer_hello);
  wire::SessionKeys keys;
  SHANLIU_RETURN_IF_ERROR(kx.Derive(wire::Role::kClient, hello->ephemeral, keys));
  const crypto::Signature our_sig = wire::SignAuth(identity.secret_key, transcript, wire::Role::kClient);
  SHANLIU_RETURN_IF_ERROR(SendRaw(wire::EncodeFrame(our_sig), timeout));
  Bytes peer_auth;
  SHANLIU_RETURN_IF_ERROR(ReadHandshakeFrame(wire::kAuthBytes, peer_auth, timeout));
  crypto::Signature peer_sig{};
  std::copy(peer_auth.begin(), peer_auth.end(), peer_sig.begin());
  if (!wire::VerifyAuth(server_key, transcript, wire::Role::kServer, peer_sig)) {
    return Status::Error("bad_signature", "the server's handshake signature does not verify");
  }
  std::array<std::uint8_t, wire::kStreamHeaderBytes> header{};
  crypto_secretstream_xchacha20poly1305_init_push(&tx_state_, header.data(), keys.tx.data());
  SHANLIU_RETURN_IF_ERROR(SendRaw(header, timeout));
  // The server's header arrives only once it has accepted our signature.
  std::array<std::uint8_t, wire::kStreamHeaderBytes> peer_header{};
  SHANLIU_RETURN_IF_ERROR(Read(peer_header.data(), peer_header.size(), timeout));
  SHANLIU_RETURN_IF_ERROR(opener_.Init(keys.rx, peer_header));
  open_ = true;
  return Status::Ok();
}

Status BlockingClient::SendFrame(std::uint8_t type, ByteView payload, Timeout timeout) {
  if (!open_) return Status::Error("io", "no handshake yet");
  return SendRaw(SealFrame(type, payload), timeout);
}

Bytes BlockingClient::SealFrame(std::uint8_t type, ByteView payload) {
  assert(open_);
  Bytes plain;
  plain.reserve(1 + payload.size());
  plain.push_back(type);
  AppendRaw(plain, payload);
  Bytes frame;
  AppendU32(frame, static_cast<std::uint32_t>(plain.size() + crypto_secretstream_xchacha20poly1305_ABYTES));
  const std::size_t at = frame.size();
  frame.resize(at + plain.size() + crypto_secretstream_xchacha20poly1305_ABYTES);
  crypto_secretstream_xchacha20poly1305_push(&tx_state_, frame.data() + at, nullptr, plain.data(), plain.size(),
                                             nullptr, 0, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
  return frame;
}

Result<Bytes> BlockingClient::ReadFrame(Timeout timeout) {
  if (!open_) return Status::Error("io", "no handshake yet");
  for (;;) {
    std::uint8_t length[wire::kLengthBytes];
    SHANLIU_RETURN_IF_ERROR(Read(length, sizeof length, timeout));
    const std::uint32_t len = wire::ReadLength(length);
    if (len < wire::kFrameOverhead || len > (64u << 20)) return Status::Error("bad_frame", "frame length out of bounds");
    Bytes body(len);
    SHANLIU_RETURN_IF_ERROR(Read(body.data(), body.size(), timeout));
    wire::FrameType type{};
    Bytes payload;
    SHANLIU_RETURN_IF_ERROR(opener_.Open(body, type, payload));
    if (type == wire::FrameType::kData) return payload;
  }
}

bool BlockingClient::WaitClosed(Timeout timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::array<std::uint8_t, 4096> sink{};
  for (;;) {
    const auto left = std::chrono::duration_cast<Timeout>(deadline - std::chrono::steady_clock::now());
    if (left <= Timeout(0)) return false;
    bool timed_out = false;
    const auto ec = RunFor(io_, socket_, left, [&](auto handler) {
      socket_.async_read_some(asio::buffer(sink), handler);
    }, timed_out);
    if (timed_out) return false;
    if (ec) return true;  // EOF, reset or any other failure: the connection is gone
  }
}

}  // namespace shanliu::node::p2p
