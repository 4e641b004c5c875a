// The P2P wire protocol without sockets (docs/p2p.md): handshake messages, the signed
// transcript, session keys, and secretstream frame sealing/opening. Shared by the transport,
// the blocking client of the probe tool, and tests.
#pragma once

#include <sodium.h>

#include <array>
#include <cstdint>
#include <string_view>

#include "shanliu/bytes.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/status.h"

namespace shanliu::node::p2p::wire {

inline constexpr std::string_view kMagic = "shanliu/p2p/v1";  // 14 bytes, no NUL
inline constexpr std::size_t kLengthBytes = 4;                // u32 big-endian prefix of every frame
inline constexpr std::size_t kHelloBytes = 14 + 32 + 32;     // magic || Ed25519 key || X25519 key
inline constexpr std::size_t kAuthBytes = 64;                 // Ed25519 signature
inline constexpr std::size_t kHandshakeFrameLimit = 1024;     // any larger handshake length => close
inline constexpr std::size_t kStreamHeaderBytes = crypto_secretstream_xchacha20poly1305_HEADERBYTES;  // 24
// Ciphertext = secretstream overhead (17) + 1 type byte + payload.
inline constexpr std::size_t kFrameOverhead = crypto_secretstream_xchacha20poly1305_ABYTES + 1;
inline constexpr std::string_view kTranscriptDomain{"shanliu/p2p/transcript/v1\0", 26};
inline constexpr std::string_view kAuthDomain{"shanliu/p2p/auth/v1\0", 20};

enum class Role : std::uint8_t { kClient = 1, kServer = 2 };  // the dialer is the client
enum class FrameType : std::uint8_t { kData = 0, kKeepalive = 1 };

using KxKey = std::array<std::uint8_t, 32>;

struct Hello {
  crypto::PublicKey identity{};
  KxKey ephemeral{};
};
Bytes EncodeHello(const Hello& hello);
// Exactly kHelloBytes with the right magic, else "bad_hello".
Result<Hello> DecodeHello(ByteView body);

// SHA-256(kTranscriptDomain || u16 len || chain_id || client hello || server hello).
Hash256 Transcript(std::string_view chain_id, ByteView client_hello, ByteView server_hello);
// The signed message is transcript || role byte, so a side's signature cannot be reflected back.
crypto::Signature SignAuth(const crypto::SecretKey& key, const Hash256& transcript, Role signer_role);
bool VerifyAuth(const crypto::PublicKey& key, const Hash256& transcript, Role signer_role,
                const crypto::Signature& sig);

// u32 big-endian length || body.
Bytes EncodeFrame(ByteView body);
std::uint32_t ReadLength(const std::uint8_t* four_bytes);

// Session keys for one side. Secrets are wiped on destruction.
struct SessionKeys {
  KxKey rx{}, tx{};
  SessionKeys() = default;
  SessionKeys(const SessionKeys&) = delete;
  SessionKeys& operator=(const SessionKeys&) = delete;
  ~SessionKeys();
};

// One side's ephemeral X25519 key pair (crypto_kx_keypair), wiped on destruction.
class KeyExchange {
 public:
  KeyExchange();
  ~KeyExchange();
  KeyExchange(const KeyExchange&) = delete;
  KeyExchange& operator=(const KeyExchange&) = delete;
  const KxKey& public_key() const { return public_; }
  // crypto_kx_client_session_keys / crypto_kx_server_session_keys; fails on a weak peer key.
  Status Derive(Role our_role, const KxKey& peer_public, SessionKeys& out) const;

 private:
  KxKey public_{};
  KxKey secret_{};
};

// Encrypts our direction. Init() returns the header to send before the first frame.
class FrameSealer {
 public:
  FrameSealer() = default;
  ~FrameSealer();
  FrameSealer(const FrameSealer&) = delete;
  FrameSealer& operator=(const FrameSealer&) = delete;
  std::array<std::uint8_t, kStreamHeaderBytes> Init(const KxKey& tx_key);
  // Appends u32 BE ciphertext length || ciphertext of (type || payload) to `out`.
  void Seal(FrameType type, ByteView payload, Bytes& out);

 private:
  crypto_secretstream_xchacha20poly1305_state state_{};
  Bytes scratch_;
};

// Decrypts the peer's direction.
class FrameOpener {
 public:
  FrameOpener() = default;
  ~FrameOpener();
  FrameOpener(const FrameOpener&) = delete;
  FrameOpener& operator=(const FrameOpener&) = delete;
  Status Init(const KxKey& rx_key, ByteView header);
  // `ciphertext` is one frame body (without its length). Fails on authentication failure,
  // a tag other than MESSAGE, or an unknown type byte. After a failure the stream is unusable.
  Status Open(ByteView ciphertext, FrameType& type, Bytes& payload);

 private:
  crypto_secretstream_xchacha20poly1305_state state_{};
  Bytes scratch_;
};

// The one-connection-per-peer tie-break, decided identically on both ends: when a second
// authenticated connection to the same peer appears, is the new one kept (and the old closed)?
// Different dialers: keep the one dialed by the lower public key. Same dialer: keep the newer,
// because a dialer only redials once it believes its previous connection is dead.
bool KeepIncoming(bool existing_dialed_by_us, bool incoming_dialed_by_us, bool we_are_lower);

}  // namespace shanliu::node::p2p::wire
