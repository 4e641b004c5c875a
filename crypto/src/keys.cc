#include "shanliu/crypto/keys.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstring>
#include <string>

#include "shanliu/crypto/codec.h"

namespace shanliu::crypto {
namespace {

constexpr std::string_view kKeyFileMagic = "shanliu-ed25519-secret-v1";
constexpr std::size_t kMaxKeyFileBytes = 4096;  // a valid file is under 100 bytes

Bytes Concat(std::string_view domain, ByteView message) {
  Bytes out;
  out.reserve(domain.size() + message.size());
  AppendRaw(out, AsBytes(domain));
  AppendRaw(out, message);
  return out;
}

}  // namespace

SecretKey::SecretKey() { bytes_.fill(0); }
SecretKey::~SecretKey() { sodium_memzero(bytes_.data(), bytes_.size()); }
SecretKey::SecretKey(const SecretKey& other) : bytes_(other.bytes_) {}
SecretKey& SecretKey::operator=(const SecretKey& other) {
  bytes_ = other.bytes_;
  return *this;
}

Seed SecretKey::seed() const {
  Seed s;
  crypto_sign_ed25519_sk_to_seed(s.data(), bytes_.data());
  return s;
}

KeyPair GenerateKeyPair() {
  KeyPair kp;
  crypto_sign_keypair(kp.public_key.data(), kp.secret_key.data());
  return kp;
}

KeyPair KeyPairFromSeed(const Seed& seed) {
  KeyPair kp;
  crypto_sign_seed_keypair(kp.public_key.data(), kp.secret_key.data(), seed.data());
  return kp;
}

Signature SignRaw(const SecretKey& key, ByteView message) {
  Signature sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), key.data());
  return sig;
}

bool VerifyRaw(const PublicKey& key, ByteView message, const Signature& sig) {
  return crypto_sign_verify_detached(sig.data(), message.data(), message.size(), key.data()) == 0;
}

bool IsValidPublicKey(const PublicKey& key) { return crypto_core_ed25519_is_valid_point(key.data()) == 1; }

Signature Sign(const SecretKey& key, std::string_view domain, ByteView message) {
  return SignRaw(key, Concat(domain, message));
}

bool Verify(const PublicKey& key, std::string_view domain, ByteView message, const Signature& sig) {
  return VerifyRaw(key, Concat(domain, message), sig);
}

Result<Bytes> SealToEd25519(const PublicKey& recipient, ByteView message) {
  std::array<std::uint8_t, crypto_box_PUBLICKEYBYTES> x25519{};
  if (crypto_sign_ed25519_pk_to_curve25519(x25519.data(), recipient.data()) != 0) {
    return Status::Error("invalid_argument", "the recipient key has no X25519 form");
  }
  Bytes out(message.size() + crypto_box_SEALBYTES);
  if (crypto_box_seal(out.data(), message.data(), message.size(), x25519.data()) != 0) {
    return Status::Error("invalid_argument", "cannot seal to the recipient key");
  }
  return out;
}

Result<Bytes> OpenSealedWithEd25519(const KeyPair& recipient, ByteView sealed) {
  std::array<std::uint8_t, crypto_box_PUBLICKEYBYTES> pk{};
  std::array<std::uint8_t, crypto_box_SECRETKEYBYTES> sk{};
  if (sealed.size() < crypto_box_SEALBYTES ||
      crypto_sign_ed25519_pk_to_curve25519(pk.data(), recipient.public_key.data()) != 0 ||
      crypto_sign_ed25519_sk_to_curve25519(sk.data(), recipient.secret_key.data()) != 0) {
    sodium_memzero(sk.data(), sk.size());
    return Status::Error("invalid_argument", "not a sealed box for this key");
  }
  Bytes out(sealed.size() - crypto_box_SEALBYTES);
  const int rc = crypto_box_seal_open(out.data(), sealed.data(), sealed.size(), pk.data(), sk.data());
  sodium_memzero(sk.data(), sk.size());
  if (rc != 0) return Status::Error("invalid_argument", "the sealed box is not for this key or was altered");
  return out;
}

Status WriteSecretFile(const std::filesystem::path& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::Error(errno == EEXIST ? "already_exists" : "io_error",
                         "cannot create key file " + path.string() + ": " + std::strerror(errno));
  }
  // The umask can only remove bits, but make the mode explicit all the same.
  if (::fchmod(fd, 0600) != 0) {
    ::close(fd);
    return Status::Error("io_error", "cannot set key file mode: " + std::string(std::strerror(errno)));
  }
  const char* p = text.data();
  std::size_t left = text.size();
  bool ok = true;
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) { ok = false; break; }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Status::Error("io_error", "cannot write key file " + path.string());
  return Status::Ok();
}

Status WriteKeyFile(const std::filesystem::path& path, const KeyPair& key) {
  Seed seed = key.secret_key.seed();
  std::string text = std::string(kKeyFileMagic) + "\n" + ToHex(seed) + "\n";
  sodium_memzero(seed.data(), seed.size());
  Status s = WriteSecretFile(path, text);
  sodium_memzero(text.data(), text.size());
  return s;
}

Result<std::string> ReadSecretFile(const std::filesystem::path& path, std::size_t max_bytes) {
  // O_NONBLOCK: a FIFO must be refused below, not wait here for a writer (no effect on regular files).
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    return Status::Error("io_error", "cannot open key file " + path.string() + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::Error("invalid_key_file", path.string() + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return Status::Error("insecure_key_file", path.string() +
                                                  " is readable or writable by group or others; run chmod 600 on it");
  }
  std::string text(max_bytes, '\0');
  std::size_t used = 0;
  while (used < text.size()) {
    ssize_t n = ::read(fd, text.data() + used, text.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  text.resize(used);
  return text;
}

Result<KeyPair> ReadKeyFile(const std::filesystem::path& path) {
  auto read = ReadSecretFile(path, kMaxKeyFileBytes);
  if (!read.ok()) return read.status();
  std::string& text = *read;
  std::string expected_prefix = std::string(kKeyFileMagic) + "\n";
  Result<KeyPair> result = Status::Error("invalid_key_file", path.string() + " is not a shanliu key file");
  if (text.size() == expected_prefix.size() + 65 && text.compare(0, expected_prefix.size(), expected_prefix) == 0 &&
      text.back() == '\n') {
    auto seed_hex = std::string_view(text).substr(expected_prefix.size(), 64);
    auto seed = Hash256FromHex(seed_hex);
    if (seed.ok()) {
      result = KeyPairFromSeed(*seed);
      sodium_memzero(seed->data(), seed->size());
    }
  }
  sodium_memzero(text.data(), text.size());
  return result;
}

}  // namespace shanliu::crypto
