// Ed25519 identities, domain-separated signatures and key files.
#pragma once

#include <array>
#include <filesystem>

#include "shanliu/bytes.h"
#include "shanliu/status.h"

namespace shanliu::crypto {

using PublicKey = std::array<std::uint8_t, 32>;
using Signature = std::array<std::uint8_t, 64>;
using Seed = std::array<std::uint8_t, 32>;

// The 64-byte libsodium secret key (seed || public key). Wiped on destruction.
class SecretKey {
 public:
  SecretKey();
  ~SecretKey();
  SecretKey(const SecretKey& other);
  SecretKey& operator=(const SecretKey& other);
  std::uint8_t* data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  Seed seed() const;

 private:
  std::array<std::uint8_t, 64> bytes_;
};

struct KeyPair {
  PublicKey public_key{};
  SecretKey secret_key;
};

KeyPair GenerateKeyPair();
// Deterministic keys for the simulator, devnet and demo data; never for production identities.
KeyPair KeyPairFromSeed(const Seed& seed);

// Ed25519 over (domain || message). The domain is part of the signed bytes so a signature
// made for one purpose (a tx) can never be replayed as another (a vote).
Signature Sign(const SecretKey& key, std::string_view domain, ByteView message);
bool Verify(const PublicKey& key, std::string_view domain, ByteView message, const Signature& sig);
// A point on the curve, canonically encoded, not of small order (libsodium's check): a key that
// can sign. A key no one can sign with would strand whatever it is given.
bool IsValidPublicKey(const PublicKey& key);
// Plain Ed25519 for layouts that already carry their domain prefix inside the message.
Signature SignRaw(const SecretKey& key, ByteView message);
bool VerifyRaw(const PublicKey& key, ByteView message, const Signature& sig);

// Key files are JSON-free text: two lines, "shanliu-ed25519-secret-v1" and the hex seed.
// Written 0600 (created exclusively: an existing file is never overwritten).
Status WriteKeyFile(const std::filesystem::path& path, const KeyPair& key);
// Refuses a file that is group- or world-accessible, malformed, or unreadable.
Result<KeyPair> ReadKeyFile(const std::filesystem::path& path);

// Anonymous sealed boxes (libsodium crypto_box_seal) to the X25519 key converted from an Ed25519
// public key, and opened with the converted secret key: how a DKG share reaches one validator
// over an untrusted channel. Open fails ("invalid_argument") for a box sealed to another key or
// altered in any byte.
Result<Bytes> SealToEd25519(const PublicKey& recipient, ByteView message);
Result<Bytes> OpenSealedWithEd25519(const KeyPair& recipient, ByteView sealed);

// The same file handling for any secret text (FROST share files): created exclusively with mode
// 0600 and synced; read refusing non-regular, group- or world-accessible files and more than
// max_bytes. The caller wipes the text it reads.
Status WriteSecretFile(const std::filesystem::path& path, const std::string& text);
Result<std::string> ReadSecretFile(const std::filesystem::path& path, std::size_t max_bytes);

}  // namespace shanliu::crypto
