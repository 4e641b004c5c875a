// FROST(Ed25519, SHA-512) signing: RFC 9591 sections 4 and 5 with the ciphersuite of 6.1.
#include "shanliu/crypto/frost.h"

#include <sodium.h>

#include <algorithm>

#include "frost_group.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/error_codes.h"

namespace shanliu::crypto::frost {
namespace {

using group::Scalar;

// SHA-512 over contextString || tag || m; an empty tag hashes m alone (H2, as in Ed25519).
std::array<std::uint8_t, 64> Sha512(std::string_view tag, ByteView m) {
  crypto_hash_sha512_state state;
  crypto_hash_sha512_init(&state);
  if (!tag.empty()) {
    crypto_hash_sha512_update(&state, AsBytes(suite::kContextString).data(), suite::kContextString.size());
    crypto_hash_sha512_update(&state, AsBytes(tag).data(), tag.size());
  }
  crypto_hash_sha512_update(&state, m.data(), m.size());
  std::array<std::uint8_t, 64> out;
  crypto_hash_sha512_final(&state, out.data());
  return out;
}

Scalar HashToScalar(std::string_view tag, ByteView m) { return group::ReduceWide(Sha512(tag, m)); }

// What round two, share verification and aggregation all derive from one signing package.
struct SigningContext {
  std::vector<ParticipantCommitment> sorted;
  std::vector<suite::BindingFactor> binding_factors;  // in the order of `sorted`
  std::vector<Identifier> participants;
  Element group_commitment{};
  Scalar challenge{};
};

Result<SigningContext> Prepare(const SigningPackage& package, const Element& group_key, std::uint16_t min_signers) {
  auto sorted = suite::CheckCommitmentList(package.commitments, min_signers);
  if (!sorted.ok()) return sorted.status();
  SigningContext ctx;
  ctx.sorted = std::move(*sorted);
  ctx.binding_factors = suite::ComputeBindingFactors(group_key, ctx.sorted, package.message);
  auto commitment = suite::ComputeGroupCommitment(ctx.sorted, ctx.binding_factors);
  if (!commitment.ok()) return commitment.status();
  ctx.group_commitment = *commitment;
  ctx.challenge = suite::ComputeChallenge(ctx.group_commitment, group_key, package.message);
  for (const auto& c : ctx.sorted) ctx.participants.push_back(c.identifier);
  return ctx;
}

// The position of `id` in the sorted list, or -1.
std::ptrdiff_t IndexOf(const SigningContext& ctx, const Identifier& id) {
  for (std::size_t i = 0; i < ctx.sorted.size(); ++i) {
    if (ctx.sorted[i].identifier == id) return static_cast<std::ptrdiff_t>(i);
  }
  return -1;
}

// verify_signature_share: z_i * G == (D_i + rho_i * E_i) + PK_i * (c * lambda_i).
Status VerifyShareIn(const SigningContext& ctx, const SignatureShare& share, const PublicKeyPackage& public_keys) {
  const std::ptrdiff_t index = IndexOf(ctx, share.identifier);
  if (index < 0) return group::Participant(errc::kFrostMalformed, share.identifier, "sent a share but is not a signer");
  auto pk = public_keys.verifying_shares.find(share.identifier);
  if (pk == public_keys.verifying_shares.end()) {
    return group::Participant(errc::kFrostMalformed, share.identifier, "has no verifying share");
  }
  if (!group::IsCanonicalScalar(share.share)) {
    return group::Participant(errc::kFrostMalformed, share.identifier, "signature share is not a canonical scalar");
  }
  const auto& c = ctx.sorted[static_cast<std::size_t>(index)].commitments;
  auto lambda = suite::DeriveInterpolatingValue(ctx.participants, share.identifier);
  if (!lambda.ok()) return lambda.status();
  auto bound = group::PointMul(ctx.binding_factors[static_cast<std::size_t>(index)].factor, c.binding);
  std::optional<Element> comm_share = bound ? group::PointAdd(c.hiding, *bound) : std::nullopt;
  auto key_part = group::PointMul(group::ScalarMul(ctx.challenge, *lambda), pk->second);
  std::optional<Element> right = comm_share && key_part ? group::PointAdd(*comm_share, *key_part) : std::nullopt;
  auto left = group::BaseMul(share.share);
  if (!left || !right || sodium_memcmp(left->data(), right->data(), left->size()) != 0) {
    return group::Participant(errc::kFrostInvalidShare, share.identifier, "signature share does not verify");
  }
  return Status::Ok();
}

// Exactly one share per signer of the package, in any order.
Status CheckShareSet(const SigningContext& ctx, std::span<const SignatureShare> shares) {
  std::vector<bool> seen(ctx.sorted.size(), false);
  for (const SignatureShare& s : shares) {
    const std::ptrdiff_t index = IndexOf(ctx, s.identifier);
    if (index < 0) return group::Participant(errc::kFrostMalformed, s.identifier, "sent a share but is not a signer");
    if (seen[static_cast<std::size_t>(index)]) {
      return group::Participant(errc::kFrostDuplicateIdentifier, s.identifier, "sent two signature shares");
    }
    seen[static_cast<std::size_t>(index)] = true;
  }
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (!seen[i])
      return group::Participant(errc::kFrostTooFewSigners, ctx.sorted[i].identifier, "sent no signature share");
  }
  return Status::Ok();
}

}  // namespace

RandomFill SystemRandom() {
  return [](std::span<std::uint8_t> out) { randombytes_buf(out.data(), out.size()); };
}

SecretScalar::~SecretScalar() { sodium_memzero(bytes_.data(), bytes_.size()); }

Result<SecretScalar> SecretScalar::Parse(const ScalarBytes& bytes) {
  if (!group::IsCanonicalScalar(bytes)) return group::Malformed("a scalar is not below the group order");
  return SecretScalar(bytes);
}

Result<Identifier> Identifier::FromIndex(std::uint16_t index) {
  if (index == 0) return group::Malformed("the identifier 0 is not allowed (it would reveal the group secret)");
  return Identifier(group::ScalarFromU16(index));
}

Result<Identifier> Identifier::Parse(const ScalarBytes& bytes) {
  if (group::IsZero(bytes))
    return group::Malformed("the identifier 0 is not allowed (it would reveal the group secret)");
  if (!group::IsCanonicalScalar(bytes)) return group::Malformed("an identifier is not below the group order");
  return Identifier(bytes);
}

std::string Identifier::ToString() const {
  const bool small = std::all_of(bytes_.begin() + 2, bytes_.end(), [](std::uint8_t b) { return b == 0; });
  if (small) return "participant " + std::to_string(bytes_[0] | (bytes_[1] << 8));
  return "participant " + ToHex(bytes_);
}

std::strong_ordering Identifier::operator<=>(const Identifier& other) const {
  // Little-endian: the most significant byte is last.
  for (std::size_t i = bytes_.size(); i-- > 0;) {
    if (bytes_[i] != other.bytes_[i]) return bytes_[i] <=> other.bytes_[i];
  }
  return std::strong_ordering::equal;
}

SigningNonces::SigningNonces(SigningNonces&& other) noexcept
    : hiding_(other.hiding_), binding_(other.binding_), commitments_(other.commitments_), fresh_(other.fresh_) {
  other.Burn();
}

SigningNonces& SigningNonces::operator=(SigningNonces&& other) noexcept {
  if (this != &other) {
    hiding_ = other.hiding_;
    binding_ = other.binding_;
    commitments_ = other.commitments_;
    fresh_ = other.fresh_;
    other.Burn();
  }
  return *this;
}

void SigningNonces::Burn() {
  hiding_ = SecretScalar();
  binding_ = SecretScalar();
  fresh_ = false;
}

SigningNonces Commit(const KeyPackage& key, const RandomFill& random) {
  std::array<std::uint8_t, 32> hiding_random{};
  std::array<std::uint8_t, 32> binding_random{};
  random(hiding_random);
  random(binding_random);
  SecretScalar hiding = suite::NonceGenerate(key.signing_share, hiding_random);
  SecretScalar binding = suite::NonceGenerate(key.signing_share, binding_random);
  sodium_memzero(hiding_random.data(), hiding_random.size());
  sodium_memzero(binding_random.data(), binding_random.size());
  // H3 output is zero with probability 2^-252; base multiplication then fails, so draw again.
  auto hiding_point = group::BaseMul(hiding.bytes());
  auto binding_point = group::BaseMul(binding.bytes());
  if (!hiding_point || !binding_point) return Commit(key, random);
  return SigningNonces(hiding, binding, SigningCommitments{*hiding_point, *binding_point});
}

Result<SignatureShare> Sign(const SigningPackage& package, SigningNonces& nonces, const KeyPackage& key) {
  if (!nonces.fresh()) {
    return group::Participant(errc::kFrostNonceUsed, key.identifier, "these nonces were already used to sign");
  }
  SigningNonces used = std::move(nonces);  // `nonces` is burnt now; `used` wipes itself on return
  auto ctx = Prepare(package, key.verifying_key, key.min_signers);
  if (!ctx.ok()) return ctx.status();
  const std::ptrdiff_t index = IndexOf(*ctx, key.identifier);
  if (index < 0) {
    return group::Participant(errc::kFrostBadCommitment, key.identifier, "is not in the commitment list");
  }
  if (!(ctx->sorted[static_cast<std::size_t>(index)].commitments == used.commitments())) {
    return group::Participant(errc::kFrostBadCommitment, key.identifier,
                              "the listed commitment is not the one this signer made");
  }
  auto lambda = suite::DeriveInterpolatingValue(ctx->participants, key.identifier);
  if (!lambda.ok()) return lambda.status();
  const Scalar& rho = ctx->binding_factors[static_cast<std::size_t>(index)].factor;
  // z_i = d_i + e_i * rho_i + lambda_i * s_i * c
  SecretScalar key_term(group::ScalarMul(group::ScalarMul(*lambda, key.signing_share.bytes()), ctx->challenge));
  SecretScalar nonce_term(group::ScalarAdd(used.hiding().bytes(), group::ScalarMul(used.binding().bytes(), rho)));
  return SignatureShare{key.identifier, group::ScalarAdd(nonce_term.bytes(), key_term.bytes())};
}

Status VerifySignatureShare(const SigningPackage& package, const SignatureShare& share,
                            const PublicKeyPackage& public_keys) {
  auto ctx = Prepare(package, public_keys.verifying_key, public_keys.min_signers);
  if (!ctx.ok()) return ctx.status();
  return VerifyShareIn(*ctx, share, public_keys);
}

Result<Signature> Aggregate(const SigningPackage& package, std::span<const SignatureShare> shares,
                            const PublicKeyPackage& public_keys) {
  auto ctx = Prepare(package, public_keys.verifying_key, public_keys.min_signers);
  if (!ctx.ok()) return ctx.status();
  SHANLIU_RETURN_IF_ERROR(CheckShareSet(*ctx, shares));
  Scalar z{};
  for (const SignatureShare& s : shares) {
    if (!group::IsCanonicalScalar(s.share)) {
      return group::Participant(errc::kFrostMalformed, s.identifier, "signature share is not a canonical scalar");
    }
    z = group::ScalarAdd(z, s.share);
  }
  Signature sig;
  std::copy(ctx->group_commitment.begin(), ctx->group_commitment.end(), sig.begin());
  std::copy(z.begin(), z.end(), sig.begin() + 32);
  if (crypto_sign_verify_detached(sig.data(), package.message.data(), package.message.size(),
                                  public_keys.verifying_key.data()) == 0) {
    return sig;
  }
  // Name the cheater: the first share that does not verify.
  for (const SignatureShare& s : shares) SHANLIU_RETURN_IF_ERROR(VerifyShareIn(*ctx, s, public_keys));
  return Status::Error(std::string(errc::kFrostInvalidShare), "every share verifies but the aggregate does not");
}

namespace suite {

ScalarBytes H1(ByteView m) { return HashToScalar("rho", m); }
ScalarBytes H2(ByteView m) { return HashToScalar("", m); }
ScalarBytes H3(ByteView m) { return HashToScalar("nonce", m); }
std::array<std::uint8_t, 64> H4(ByteView m) { return Sha512("msg", m); }
std::array<std::uint8_t, 64> H5(ByteView m) { return Sha512("com", m); }
ScalarBytes HDkg(ByteView m) { return HashToScalar("dkg", m); }

SecretScalar NonceGenerate(const SecretScalar& secret, const std::array<std::uint8_t, 32>& random_bytes) {
  std::array<std::uint8_t, 64> input{};
  std::copy(random_bytes.begin(), random_bytes.end(), input.begin());
  std::copy(secret.bytes().begin(), secret.bytes().end(), input.begin() + 32);
  SecretScalar nonce(H3(input));
  sodium_memzero(input.data(), input.size());
  return nonce;
}

Result<std::vector<ParticipantCommitment>> CheckCommitmentList(std::span<const ParticipantCommitment> list,
                                                               std::uint16_t min_signers) {
  if (list.size() > kMaxParticipants) {
    return group::Malformed("a commitment list of " + std::to_string(list.size()) + " signers is over the limit of " +
                            std::to_string(kMaxParticipants));
  }
  if (list.size() < min_signers || list.size() < kMinThreshold) {
    return Status::Error(std::string(errc::kFrostTooFewSigners),
                         std::to_string(list.size()) + " signers, the threshold is " + std::to_string(min_signers));
  }
  std::vector<ParticipantCommitment> sorted(list.begin(), list.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.identifier < b.identifier; });
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const auto& entry = sorted[i];
    if (i > 0 && sorted[i - 1].identifier == entry.identifier) {
      return group::Participant(errc::kFrostDuplicateIdentifier, entry.identifier, "is listed twice");
    }
    if (!group::IsValidElement(entry.commitments.hiding) || !group::IsValidElement(entry.commitments.binding)) {
      return group::Participant(errc::kFrostMalformed, entry.identifier,
                                "a nonce commitment is not a prime-order curve point");
    }
  }
  return sorted;
}

std::vector<BindingFactor> ComputeBindingFactors(const Element& group_public_key,
                                                 std::span<const ParticipantCommitment> sorted_list, ByteView message) {
  Bytes encoded;  // encode_group_commitment_list
  encoded.reserve(sorted_list.size() * 96);
  for (const auto& c : sorted_list) {
    AppendRaw(encoded, c.identifier.bytes());
    AppendRaw(encoded, c.commitments.hiding);
    AppendRaw(encoded, c.commitments.binding);
  }
  Bytes prefix;  // rho_input_prefix
  AppendRaw(prefix, group_public_key);
  AppendRaw(prefix, H4(message));
  AppendRaw(prefix, H5(encoded));
  std::vector<BindingFactor> out;
  out.reserve(sorted_list.size());
  for (const auto& c : sorted_list) {
    Bytes input = prefix;
    AppendRaw(input, c.identifier.bytes());
    ScalarBytes factor = H1(input);
    out.push_back(BindingFactor{c.identifier, std::move(input), factor});
  }
  return out;
}

Result<Element> ComputeGroupCommitment(std::span<const ParticipantCommitment> sorted_list,
                                       std::span<const BindingFactor> binding_factors) {
  std::optional<Element> sum;
  for (std::size_t i = 0; i < sorted_list.size(); ++i) {
    const auto& c = sorted_list[i].commitments;
    auto bound = group::PointMul(binding_factors[i].factor, c.binding);
    std::optional<Element> term = bound ? group::PointAdd(c.hiding, *bound) : std::nullopt;
    if (term && sum) term = group::PointAdd(*sum, *term);
    if (!term) {
      // Only adversarial commitments that cancel out get here (SerializeElement refuses the identity).
      return Status::Error(std::string(errc::kFrostBadCommitment), "the group commitment is the identity");
    }
    sum = term;
  }
  if (!sum) return Status::Error(std::string(errc::kFrostTooFewSigners), "no commitments");
  return *sum;
}

ScalarBytes ComputeChallenge(const Element& group_commitment, const Element& group_public_key, ByteView message) {
  Bytes input;
  AppendRaw(input, group_commitment);
  AppendRaw(input, group_public_key);
  AppendRaw(input, message);
  return H2(input);
}

Result<ScalarBytes> DeriveInterpolatingValue(std::span<const Identifier> list, const Identifier& x_i) {
  if (std::find(list.begin(), list.end(), x_i) == list.end()) {
    return group::Participant(errc::kFrostMalformed, x_i, "is not in the signer list");
  }
  Scalar numerator = group::ScalarFromU16(1);
  Scalar denominator = group::ScalarFromU16(1);
  for (std::size_t j = 0; j < list.size(); ++j) {
    if (std::find(list.begin() + static_cast<std::ptrdiff_t>(j) + 1, list.end(), list[j]) != list.end()) {
      return group::Participant(errc::kFrostDuplicateIdentifier, list[j], "is listed twice");
    }
    if (list[j] == x_i) continue;
    numerator = group::ScalarMul(numerator, list[j].bytes());
    denominator = group::ScalarMul(denominator, group::ScalarSub(list[j].bytes(), x_i.bytes()));
  }
  auto inverse = group::ScalarInvert(denominator);
  if (!inverse) return group::Malformed("the Lagrange denominator is zero");
  return group::ScalarMul(numerator, *inverse);
}

}  // namespace suite
}  // namespace shanliu::crypto::frost
