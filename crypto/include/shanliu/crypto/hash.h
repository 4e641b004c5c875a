// SHA-256, plain and domain-separated.
#pragma once

#include "shanliu/bytes.h"

namespace shanliu::crypto {

// Must be called once before any other crypto function (idempotent, thread-safe).
// Throws std::runtime_error if libsodium cannot initialise: nothing can work without it.
void Init();

Hash256 Sha256(ByteView data);
// SHA-256(domain || data); domains are literals like "shanliu/txid/v1\0" including the NUL.
Hash256 Sha256(std::string_view domain, ByteView data);

// Streaming SHA-256 for data that arrives in pieces.
class Sha256Stream {
 public:
  Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void Update(ByteView data);
  void Update(std::string_view data) { Update(AsBytes(data)); }
  Hash256 Finish();

 private:
  alignas(16) unsigned char state_[128];
  bool finished_ = false;
};

}  // namespace shanliu::crypto
