#include "shanliu/crypto/hash.h"

#include <sodium.h>

#include <cassert>
#include <stdexcept>

namespace shanliu::crypto {

static_assert(sizeof(crypto_hash_sha256_state) <= 128, "Sha256Stream state buffer too small");

void Init() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

Hash256 Sha256(ByteView data) {
  Hash256 out;
  crypto_hash_sha256(out.data(), data.data(), data.size());
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
