#include "transport_wire.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "shanliu/crypto/hash.h"

namespace shanliu::node::p2p::wire {

Bytes EncodeHello(const Hello& hello) {
  Bytes out;
  out.reserve(kHelloBytes);
  AppendRaw(out, AsBytes(kMagic));
  AppendRaw(out, hello.identity);
  AppendRaw(out, hello.ephemeral);
  return out;
}

Result<Hello> DecodeHello(ByteView body) {
  if (body.size() != kHelloBytes) return Status::Error("bad_hello", "hello has the wrong size");
  if (AsChars(body.first(kMagic.size())) != kMagic) {
    return Status::Error("bad_hello", "hello has the wrong protocol magic (not shanliu/p2p/v1)");
  }
  Hello hello;
  std::copy_n(body.begin() + kMagic.size(), 32, hello.identity.begin());
  std::copy_n(body.begin() + kMagic.size() + 32, 32, hello.ephemeral.begin());
  return hello;
}

Hash256 Transcript(std::string_view chain_id, ByteView client_hello, ByteView server_hello) {
  Bytes message;
  AppendStr(message, chain_id);  // length-prefixed so chain ids cannot run into the hellos
  AppendRaw(message, client_hello);
  AppendRaw(message, server_hello);
  return crypto::Sha256(kTranscriptDomain, message);
}

namespace {
Bytes AuthMessage(const Hash256& transcript, Role signer_role) {
  Bytes message(transcript.begin(), transcript.end());
  message.push_back(static_cast<std::uint8_t>(signer_role));
  return message;
}
}  // namespace

crypto::Signature SignAuth(const crypto::SecretKey& key, const Hash256& transcript, Role signer_role) {
  return crypto::Sign(key, kAuthDomain, AuthMessage(transcript, signer_role));
}

bool VerifyAuth(const crypto::PublicKey& key, const Hash256& transcript, Role signer_role,
                const crypto::Signature& sig) {
  return crypto::Verify(key, kAuthDomain, AuthMessage(transcript, signer_role), sig);
}

Bytes EncodeFrame(ByteView body) {
  assert(body.size() <= 0xffffffffu);
  Bytes out;
  out.reserve(kLengthBytes + body.size());
  AppendU32(out, static_cast<std::uint32_t>(body.size()));
  AppendRaw(out, body);
  return out;
}

std::uint32_t ReadLength(const std::uint8_t* b) {
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
}

SessionKeys::~SessionKeys() {
  sodium_memzero(rx.data(), rx.size());
  sodium_memzero(tx.data(), tx.size());
}

KeyExchange::KeyExchange() { crypto_kx_keypair(public_.data(), secret_.data()); }
KeyExchange::~KeyExchange() { sodium_memzero(secret_.data(), secret_.size()); }

Status KeyExchange::Derive(Role our_role, const KxKey& peer_public, SessionKeys& out) const {
  const int rc = our_role == Role::kClient
                     ? crypto_kx_client_session_keys(out.rx.data(), out.tx.data(), public_.data(),
                                                     secret_.data(), peer_public.data())
                     : crypto_kx_server_session_keys(out.rx.data(), out.tx.data(), public_.data(),
                                                     secret_.data(), peer_public.data());
  if (rc != 0) return Status::Error("bad_hello", "unacceptable ephemeral key");
  return Status::Ok();
}

FrameSealer::~FrameSealer() { sodium_memzero(&state_, sizeof state_); }

std::array<std::uint8_t, kStreamHeaderBytes> FrameSealer::Init(const KxKey& tx_key) {
  std::array<std::uint8_t, kStreamHeaderBytes> header{};
  crypto_secretstream_xchacha20poly1305_init_push(&state_, header.data(), tx_key.data());
  return header;
}

void FrameSealer::Seal(FrameType type, ByteView payload, Bytes& out) {
  const std::size_t cipher_len = kFrameOverhead + payload.size();
  assert(cipher_len <= 0xffffffffu);
  scratch_.resize(1 + payload.size());
  scratch_[0] = static_cast<std::uint8_t>(type);
  if (!payload.empty()) std::memcpy(scratch_.data() + 1, payload.data(), payload.size());
  const std::size_t at = out.size();
  out.resize(at + kLengthBytes + cipher_len);
  std::uint8_t* p = out.data() + at;
  p[0] = static_cast<std::uint8_t>(cipher_len >> 24);
  p[1] = static_cast<std::uint8_t>(cipher_len >> 16);
  p[2] = static_cast<std::uint8_t>(cipher_len >> 8);
  p[3] = static_cast<std::uint8_t>(cipher_len);
  unsigned long long written = 0;
  crypto_secretstream_xchacha20poly1305_push(&state_, p + kLengthBytes, &written, scratch_.data(),
                                             scratch_.size(), nullptr, 0,
                                             crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
  assert(written == cipher_len);
}

FrameOpener::~FrameOpener() { sodium_memzero(&state_, sizeof state_); }

Status FrameOpener::Init(const KxKey& rx_key, ByteView header) {
  if (header.size() != kStreamHeaderBytes ||
      crypto_secretstream_xchacha20poly1305_init_pull(&state_, header.data(), rx_key.data()) != 0) {
    return Status::Error("bad_stream_header", "invalid secretstream header");
  }
  return Status::Ok();
}

Status FrameOpener::Open(ByteView ciphertext, FrameType& type, Bytes& payload) {
  if (ciphertext.size() < kFrameOverhead) return Status::Error("bad_frame", "frame shorter than its overhead");
  scratch_.resize(ciphertext.size() - crypto_secretstream_xchacha20poly1305_ABYTES);
  unsigned long long plain_len = 0;
  unsigned char tag = 0;
  if (crypto_secretstream_xchacha20poly1305_pull(&state_, scratch_.data(), &plain_len, &tag,
                                                 ciphertext.data(), ciphertext.size(), nullptr, 0) != 0) {
    return Status::Error("bad_frame", "frame failed authentication");
  }
  if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) {
    return Status::Error("bad_frame", "unexpected secretstream tag");
  }
  if (plain_len != scratch_.size() || plain_len < 1) return Status::Error("bad_frame", "frame has no type byte");
  if (scratch_[0] != static_cast<std::uint8_t>(FrameType::kData) &&
      scratch_[0] != static_cast<std::uint8_t>(FrameType::kKeepalive)) {
    return Status::Error("bad_frame", "unknown frame type");
  }
  type = static_cast<FrameType>(scratch_[0]);
  payload.assign(scratch_.begin() + 1, scratch_.end());
  return Status::Ok();
}

bool KeepIncoming(bool existing_dialed_by_us, bool incoming_dialed_by_us, bool we_are_lower) {
  if (existing_dialed_by_us == incoming_dialed_by_us) return true;
  return incoming_dialed_by_us == we_are_lower;
}

}  // namespace shanliu::node::p2p::wire
