// The edwards25519 group and its scalar field for frost.cc and frost_keygen.cc, as thin wrappers
// over libsodium (no arithmetic of our own). Private to the crypto library.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "shanliu/crypto/frost.h"

namespace shanliu::crypto::frost::group {

using Scalar = ScalarBytes;

Scalar ScalarFromU16(std::uint16_t v);
bool IsCanonicalScalar(const Scalar& s);  // below L
bool IsZero(const Scalar& s);
Scalar ScalarAdd(const Scalar& a, const Scalar& b);
Scalar ScalarSub(const Scalar& a, const Scalar& b);
Scalar ScalarMul(const Scalar& a, const Scalar& b);
std::optional<Scalar> ScalarInvert(const Scalar& s);  // none for zero
Scalar ReduceWide(std::span<const std::uint8_t, 64> wide);
// A uniformly random non-zero scalar from 64 random bytes (reduced, redrawn on zero).
SecretScalar RandomScalar(const RandomFill& random);

// DeserializeElement's checks: canonical, on the curve, in the prime-order subgroup, not the identity.
bool IsValidElement(const Element& e);
// The inputs must be valid elements (checked where they arrive). The results are none when the
// product or sum is the identity (which SerializeElement refuses)
// or a scalar is zero; callers turn that into a typed failure.
std::optional<Element> BaseMul(const Scalar& s);
std::optional<Element> PointMul(const Scalar& s, const Element& p);
std::optional<Element> PointAdd(const Element& a, const Element& b);
std::optional<Element> PointSub(const Element& a, const Element& b);
// sum_j commitment[j] * x^j (Horner), the value a VSS commitment promises at x.
std::optional<Element> EvaluateCommitment(std::span<const Element> commitment, const Scalar& x);
// f(x) for f's coefficients (constant first), by Horner's rule.
SecretScalar EvaluatePolynomial(std::span<const SecretScalar> coefficients, const Scalar& x);

// Shared by key generation and resharing (frost_keygen.cc, frost_reshare.cc).
// frost_bad_threshold unless 2 <= min_signers <= max_signers <= kMaxParticipants.
Status CheckThreshold(std::uint16_t max_signers, std::uint16_t min_signers);
bool SameElement(const Element& a, const Element& b);  // constant time
// A VSS commitment from outside: min_signers valid points (`who` names its sender, if known, and
// ends with ": "). frost_bad_commitment for the wrong count, frost_malformed for a bad point.
Status CheckCommitment(std::span<const Element> commitment, std::size_t min_signers, const std::string& who);
// The polynomial's public commitment: each coefficient times G (frost_malformed for a zero one).
Result<std::vector<Element>> CommitPolynomial(std::span<const SecretScalar> coefficients);

Status Malformed(const std::string& what);
Status Participant(std::string_view code, const Identifier& who, const std::string& what);

}  // namespace shanliu::crypto::frost::group
