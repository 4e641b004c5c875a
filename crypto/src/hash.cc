#include "shanliu/crypto/hash.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <cassert>
#include <memory>
#include <stdexcept>

namespace shanliu::crypto {

static_assert(sizeof(crypto_hash_sha256_state) <= 128, "Sha256Stream state buffer too small");

void Init() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

namespace {

// One-shot SHA-256 comes from OpenSSL's libcrypto, which uses the CPU's SHA extensions where
// present (about 3x libsodium's portable code on 65-byte inputs, what the state map hashes; DESIGN
// 5.1 allows it). The digest and a context are fetched once per thread and reused.
struct OpenSslSha256 {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  OpenSslSha256() {
    if (md == nullptr || ctx == nullptr) throw std::runtime_error("OpenSSL has no SHA-256");
  }
  ~OpenSslSha256() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
  OpenSslSha256(const OpenSslSha256&) = delete;
  OpenSslSha256& operator=(const OpenSslSha256&) = delete;
};

}  // namespace

Hash256 Sha256(ByteView data) {
  thread_local OpenSslSha256 sha;
  Hash256 out;
  unsigned int length = 0;
  const bool ok = EVP_DigestInit_ex2(sha.ctx, sha.md, nullptr) == 1 &&
                  EVP_DigestUpdate(sha.ctx, data.data(), data.size()) == 1 &&
                  EVP_DigestFinal_ex(sha.ctx, out.data(), &length) == 1 && length == out.size();
  if (!ok) throw std::runtime_error("OpenSSL SHA-256 failed");
  return out;
}

Hash256 Sha256(std::string_view domain, ByteView data) {
  Sha256Stream s;
  s.Update(domain);
  s.Update(data);
  return s.Finish();
}

Sha256Stream::Sha256Stream() {
  crypto_hash_sha256_init(reinterpret_cast<crypto_hash_sha256_state*>(state_));
}

void Sha256Stream::Update(ByteView data) {
  assert(!finished_);
  crypto_hash_sha256_update(reinterpret_cast<crypto_hash_sha256_state*>(state_), data.data(), data.size());
}

Hash256 Sha256Stream::Finish() {
  assert(!finished_);
  finished_ = true;
  Hash256 out;
  crypto_hash_sha256_final(reinterpret_cast<crypto_hash_sha256_state*>(state_), out.data());
  return out;
}

}  // namespace shanliu::crypto
