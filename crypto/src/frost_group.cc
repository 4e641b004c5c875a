#include "frost_group.h"

#include <sodium.h>

#include <array>

#include "shanliu/error_codes.h"

namespace shanliu::crypto::frost::group {

Scalar ScalarFromU16(std::uint16_t v) {
  Scalar s{};
  s[0] = static_cast<std::uint8_t>(v);
  s[1] = static_cast<std::uint8_t>(v >> 8);
  return s;
}

bool IsCanonicalScalar(const Scalar& s) {
  // libsodium 1.0.18 has no public canonical check: a value below L is its own reduction.
  std::array<std::uint8_t, 64> wide{};
  std::copy(s.begin(), s.end(), wide.begin());
  Scalar reduced = ReduceWide(wide);
  return sodium_memcmp(reduced.data(), s.data(), s.size()) == 0;
}

bool IsZero(const Scalar& s) { return sodium_is_zero(s.data(), s.size()) == 1; }

Scalar ScalarAdd(const Scalar& a, const Scalar& b) {
  Scalar out;
  crypto_core_ed25519_scalar_add(out.data(), a.data(), b.data());
  return out;
}

Scalar ScalarSub(const Scalar& a, const Scalar& b) {
  Scalar out;
  crypto_core_ed25519_scalar_sub(out.data(), a.data(), b.data());
  return out;
}

Scalar ScalarMul(const Scalar& a, const Scalar& b) {
  Scalar out;
  crypto_core_ed25519_scalar_mul(out.data(), a.data(), b.data());
  return out;
}

std::optional<Scalar> ScalarInvert(const Scalar& s) {
  Scalar out;
  if (IsZero(s) || crypto_core_ed25519_scalar_invert(out.data(), s.data()) != 0) return std::nullopt;
  return out;
}

Scalar ReduceWide(std::span<const std::uint8_t, 64> wide) {
  Scalar out;
  crypto_core_ed25519_scalar_reduce(out.data(), wide.data());
  return out;
}

SecretScalar RandomScalar(const RandomFill& random) {
  std::array<std::uint8_t, 64> wide{};
  for (;;) {
    random(wide);
    SecretScalar s(ReduceWide(wide));
    if (!IsZero(s.bytes())) {
      sodium_memzero(wide.data(), wide.size());
      return s;
    }
  }
}

bool IsValidElement(const Element& e) { return crypto_core_ed25519_is_valid_point(e.data()) == 1; }

std::optional<Element> BaseMul(const Scalar& s) {
  Element out;
  if (crypto_scalarmult_ed25519_base_noclamp(out.data(), s.data()) != 0) return std::nullopt;
  return out;
}

std::optional<Element> PointMul(const Scalar& s, const Element& p) {
  Element out;
  if (crypto_scalarmult_ed25519_noclamp(out.data(), s.data(), p.data()) != 0) return std::nullopt;
  return out;
}

// The sum of two prime-order points is of prime order or the identity, so checking for the
// identity is enough (a full IsValidElement would cost a scalar multiplication per addition).
bool IsIdentity(const Element& e) {
  static constexpr Element kIdentity = {1};
  return sodium_memcmp(e.data(), kIdentity.data(), e.size()) == 0;
}

std::optional<Element> PointAdd(const Element& a, const Element& b) {
  Element out;
  if (crypto_core_ed25519_add(out.data(), a.data(), b.data()) != 0 || IsIdentity(out)) return std::nullopt;
  return out;
}

std::optional<Element> PointSub(const Element& a, const Element& b) {
  Element out;
  if (crypto_core_ed25519_sub(out.data(), a.data(), b.data()) != 0 || IsIdentity(out)) return std::nullopt;
  return out;
}

std::optional<Element> EvaluateCommitment(std::span<const Element> commitment, const Scalar& x) {
  if (commitment.empty()) return std::nullopt;
  // Horner in the exponent: ((C_{t-1} x + C_{t-2}) x + ...) x + C_0.
  std::optional<Element> acc = commitment.back();
  for (std::size_t j = commitment.size() - 1; j-- > 0;) {
    acc = PointMul(x, *acc);
    if (!acc) return std::nullopt;
    acc = PointAdd(*acc, commitment[j]);
    if (!acc) return std::nullopt;
  }
  return acc;
}

SecretScalar EvaluatePolynomial(std::span<const SecretScalar> coefficients, const Scalar& x) {
  SecretScalar value;
  for (std::size_t j = coefficients.size(); j-- > 0;) {
    value = SecretScalar(ScalarAdd(ScalarMul(value.bytes(), x), coefficients[j].bytes()));
  }
  return value;
}

Status CheckThreshold(std::uint16_t max_signers, std::uint16_t min_signers) {
  if (min_signers < kMinThreshold || min_signers > max_signers || max_signers > kMaxParticipants) {
    return Status::Error(std::string(errc::kFrostBadThreshold),
                         std::to_string(min_signers) + "-of-" + std::to_string(max_signers) +
                             " is outside 2 <= t <= n <= " + std::to_string(kMaxParticipants));
  }
  return Status::Ok();
}

bool SameElement(const Element& a, const Element& b) { return sodium_memcmp(a.data(), b.data(), a.size()) == 0; }

Status CheckCommitment(std::span<const Element> commitment, std::size_t min_signers, const std::string& who) {
  if (commitment.size() != min_signers) {
    return Status::Error(std::string(errc::kFrostBadCommitment),
                         who + "commitment has " + std::to_string(commitment.size()) + " points, the threshold is " +
                             std::to_string(min_signers));
  }
  for (const Element& e : commitment) {
    if (!IsValidElement(e)) return Malformed(who + "commitment holds a point that is not of prime order");
  }
  return Status::Ok();
}

Result<std::vector<Element>> CommitPolynomial(std::span<const SecretScalar> coefficients) {
  std::vector<Element> out;
  out.reserve(coefficients.size());
  for (const SecretScalar& c : coefficients) {
    if (!IsCanonicalScalar(c.bytes())) return Malformed("a coefficient is not below the group order");
    auto point = BaseMul(c.bytes());
    if (!point) return Malformed("a coefficient is zero");
    out.push_back(*point);
  }
  return out;
}

Status Malformed(const std::string& what) { return Status::Error(std::string(errc::kFrostMalformed), what); }

Status Participant(std::string_view code, const Identifier& who, const std::string& what) {
  return Status::Error(std::string(code), who.ToString() + ": " + what);
}

}  // namespace shanliu::crypto::frost::group
