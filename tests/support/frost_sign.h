// FROST signing for tests: a reproducible random stream and one whole signing session (round one,
// the coordinator's package, round two, aggregation), so tests and the shared vectors can make
// real threshold signatures whose bytes do not change from run to run.
#pragma once

#include <doctest/doctest.h>
#include <sodium.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "shanliu/crypto/frost.h"
#include "shanliu/crypto/keys.h"

namespace shanliu::testing {

// libsodium's seeded ChaCha20, one block per call: a failing run can be replayed; the protocol
// does not depend on it being unpredictable in tests.
inline crypto::frost::RandomFill SeededRandom(std::uint64_t seed) {
  auto counter = std::make_shared<std::uint64_t>(0);
  return [seed, counter](std::span<std::uint8_t> out) {
    std::array<std::uint8_t, randombytes_SEEDBYTES> key{};
    for (int i = 0; i < 8; ++i) key[i] = static_cast<std::uint8_t>(seed >> (8 * i));
    for (int i = 0; i < 8; ++i) key[8 + i] = static_cast<std::uint8_t>(*counter >> (8 * i));
    ++*counter;
    randombytes_buf_deterministic(out.data(), out.size(), key.data());
  };
}

// One signing session by `signers` over `message`; every share is checked before aggregation.
inline Result<crypto::Signature> FrostSign(const std::map<crypto::frost::Identifier, crypto::frost::KeyPackage>& keys,
                                           const crypto::frost::PublicKeyPackage& public_keys,
                                           const std::vector<crypto::frost::Identifier>& signers, ByteView message,
                                           const crypto::frost::RandomFill& random) {
  using namespace crypto::frost;
  std::map<Identifier, SigningNonces> nonces;
  SigningPackage package{{}, Bytes(message.begin(), message.end())};
  for (const Identifier& id : signers) {
    SigningNonces n = Commit(keys.at(id), random);
    package.commitments.push_back({id, n.commitments()});
    nonces.emplace(id, std::move(n));
  }
  std::vector<SignatureShare> shares;
  for (const Identifier& id : signers) {
    auto share = Sign(package, nonces.at(id), keys.at(id));
    if (!share.ok()) return share.status();
    CHECK(VerifySignatureShare(package, *share, public_keys).ok());
    shares.push_back(*share);
  }
  return Aggregate(package, shares, public_keys);
}

}  // namespace shanliu::testing
