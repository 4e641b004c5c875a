// A per-run memo of successful Ed25519 verifications, for the simulator's adapter (never the
// core). Most of a run's time went into libsodium: every validator verifies every vote it
// receives, and every commit certificate is checked again by the invariants. The answer of
// crypto::VerifyRaw for given bytes never changes, so a triple that verified once is accepted
// again on sight. Only successes are kept, keyed by the exact (public key, message, signature)
// bytes: a forged or altered signature never matches an entry and always goes to libsodium, so
// the memo cannot make anything pass that VerifyRaw rejects (the skip-vote-signature fault
// switch is still caught, by the certificate check in checks.cc).
#pragma once

#include <string>
#include <unordered_set>

#include "shanliu/crypto/keys.h"

namespace shanliu::sim {

class SignatureMemo {
 public:
  bool Verify(const crypto::PublicKey& key, ByteView message, const crypto::Signature& signature) {
    std::string entry;
    entry.reserve(key.size() + signature.size() + message.size());
    entry.append(AsChars(key));
    entry.append(AsChars(signature));
    entry.append(AsChars(message));
    if (verified_.contains(entry)) {
      ++hits_;
      return true;
    }
    ++checks_;
    if (!crypto::VerifyRaw(key, message, signature)) return false;
    verified_.insert(std::move(entry));
    return true;
  }
  std::uint64_t hits() const { return hits_; }
  std::uint64_t checks() const { return checks_; }  // calls that reached libsodium

 private:
  std::unordered_set<std::string> verified_;
  std::uint64_t hits_ = 0;
  std::uint64_t checks_ = 0;
};

}  // namespace shanliu::sim
