// FROST(Ed25519, SHA-512), RFC 9591: t-of-n threshold Schnorr signatures whose aggregate is an
// ordinary Ed25519 signature under the group key (crypto_sign_verify_detached checks it). Built
// from libsodium's edwards25519 primitives only. Keys come from a trusted dealer (RFC 9591
// Appendix C) or from the two-round Pedersen DKG with proofs of knowledge of the FROST paper, so
// no party ever holds the group secret.
//
// Everything a peer sends (commitments, shares, proofs) arrives as raw bytes and is validated
// where it is used: a scalar must be below the group order, a point a canonical prime-order
// non-identity point. Failures are Status values with the frost_* codes of error_codes.def; a
// failure caused by one participant names it ("participant 3").
#pragma once

#include <array>
#include <compare>
#include <filesystem>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/status.h"

namespace shanliu::crypto::frost {

// Counts of participants: a validator set is far smaller, and the costs grow with t times n
// (docs/decisions.md "FROST for the origin signature" has measured figures).
inline constexpr std::uint16_t kMaxParticipants = 100;
inline constexpr std::uint16_t kMinThreshold = 2;  // 1-of-n is a shared plain key, not a threshold
inline constexpr std::size_t kMaxDkgContextBytes = 1024;

using Element = std::array<std::uint8_t, 32>;      // RFC 8032 point encoding
using ScalarBytes = std::array<std::uint8_t, 32>;  // little-endian, below the group order L

// Fills the span with random bytes. Production uses libsodium's randombytes_buf; tests inject
// fixed bytes (the RFC's nonce randomness) or a seeded stream.
using RandomFill = std::function<void(std::span<std::uint8_t>)>;
RandomFill SystemRandom();

// A secret scalar (a share, a nonce, a coefficient). Wiped on destruction.
class SecretScalar {
 public:
  SecretScalar() { bytes_.fill(0); }
  explicit SecretScalar(const ScalarBytes& bytes) : bytes_(bytes) {}
  ~SecretScalar();
  SecretScalar(const SecretScalar& other) = default;
  SecretScalar& operator=(const SecretScalar& other) = default;
  // frost_malformed unless below L. Zero is allowed (a coefficient may be zero in principle).
  static Result<SecretScalar> Parse(const ScalarBytes& bytes);
  const ScalarBytes& bytes() const { return bytes_; }

 private:
  ScalarBytes bytes_;
};

// A participant's identifier: a non-zero scalar (RFC 9591 section 2); the dealer uses 1..n.
class Identifier {
 public:
  static Result<Identifier> FromIndex(std::uint16_t index);   // frost_malformed for 0
  static Result<Identifier> Parse(const ScalarBytes& bytes);  // frost_malformed for 0 or >= L
  const ScalarBytes& bytes() const { return bytes_; }
  std::string ToString() const;  // "participant 3", or the hex scalar when above 65535
  // Ordered as integers, as the RFC sorts commitment lists.
  std::strong_ordering operator<=>(const Identifier& other) const;
  bool operator==(const Identifier& other) const { return bytes_ == other.bytes_; }

 private:
  explicit Identifier(const ScalarBytes& bytes) : bytes_(bytes) {}
  ScalarBytes bytes_;
};

// ---- Keys ----

// What one participant holds to sign.
struct KeyPackage {
  Identifier identifier;
  SecretScalar signing_share;
  Element verifying_share{};  // signing_share * G
  Element verifying_key{};    // the group public key, an Ed25519 public key
  std::uint16_t min_signers = 0;
};

// What anyone needs to check signature shares and the aggregate.
struct PublicKeyPackage {
  Element verifying_key{};
  std::map<Identifier, Element> verifying_shares;
  std::uint16_t min_signers = 0;
};

// One participant's share from the dealer, with the dealer's VSS commitment to check it against.
struct SecretShare {
  Identifier identifier;
  SecretScalar value;
  std::vector<Element> vss_commitment;  // min_signers points, the first is the group key
};

struct DealerOutput {
  std::vector<SecretShare> shares;  // identifiers 1..max_signers
  PublicKeyPackage public_keys;
};

// RFC 9591 Appendix C with the caller's secret and the polynomial's other min_signers - 1 coefficients.
Result<DealerOutput> TrustedDealerKeygen(const SecretScalar& group_secret, std::span<const SecretScalar> coefficients,
                                         std::uint16_t max_signers, std::uint16_t min_signers);
// The same with a random secret and random coefficients.
Result<DealerOutput> TrustedDealerKeygen(std::uint16_t max_signers, std::uint16_t min_signers,
                                         const RandomFill& random = SystemRandom());
// vss_verify: the share matches the commitment (else frost_invalid_share naming the participant).
// VSS binds a share only to the commitment it is checked against: participants must also agree
// that they all hold the same commitment (compare its hash over the broadcast channel).
Result<KeyPackage> VerifySecretShare(const SecretShare& share);
// derive_group_info: the group key and every participant's verifying share from a VSS commitment.
Result<PublicKeyPackage> DeriveGroupInfo(std::uint16_t max_signers, std::span<const Element> vss_commitment);

// A public key package from outside (a genesis file): the threshold is in range, every point is
// valid, identifiers are 1..n, and the verifying shares lie on one polynomial of degree t - 1
// whose value at 0 is the group key (each share beyond the first t - 1 is interpolated with them).
// Errors frost_bad_threshold, frost_malformed, frost_invalid_share (naming the first share off the
// polynomial).
Status CheckPublicKeyPackage(const PublicKeyPackage& public_keys);
// A signer's key package from its stored share: the share times G must be the package's verifying
// share for that identifier (else frost_invalid_share; frost_malformed for an unknown identifier).
Result<KeyPackage> KeyPackageFromShare(const Identifier& identifier, const SecretScalar& signing_share,
                                       const PublicKeyPackage& public_keys);
// Share files hold "shanliu-frost-share-v1", the decimal identifier and the hex share, one a line.
// Written 0600 and created exclusively, as Ed25519 key files are; read refusing group- or
// world-accessible files (insecure_key_file) and anything else (invalid_key_file).
Status WriteShareFile(const std::filesystem::path& path, std::uint16_t identifier_index,
                      const SecretScalar& signing_share);
Result<std::pair<Identifier, SecretScalar>> ReadShareFile(const std::filesystem::path& path);

// ---- Distributed key generation (FROST paper, Figure 1) ----

// Broadcast to every other participant over an authenticated broadcast channel: everyone must see
// the same package from a sender (a sender showing others different commitments splits the key).
struct DkgRound1Package {
  std::vector<Element> commitment;  // phi_0..phi_{t-1}
  Element proof_r{};                // proof of knowledge of the secret behind phi_0: (R, mu)
  ScalarBytes proof_mu{};
};
// Sent to one recipient only, over a confidential authenticated channel.
struct DkgRound2Package {
  SecretScalar share;  // f_sender(recipient)
};
// Kept by the participant between parts; never sent.
struct DkgRound1Secret {
  Identifier identifier;
  std::vector<SecretScalar> coefficients;
  std::vector<Element> commitment;
  std::uint16_t max_signers = 0;
  std::uint16_t min_signers = 0;
  Bytes context;
};
struct DkgRound2Secret {
  Identifier identifier;
  // Every participant's checked commitment (its proof of knowledge verified), this one's included.
  std::map<Identifier, std::vector<Element>> commitments;
  SecretScalar own_share;  // f_self(self)
  std::uint16_t max_signers = 0;
  std::uint16_t min_signers = 0;
};

// `context` binds the proofs of knowledge to one key generation (e.g. chain id and validator-set
// epoch), so a proof cannot be replayed into another; every participant must use the same bytes.
Result<std::pair<DkgRound1Secret, DkgRound1Package>> DkgPart1(const Identifier& identifier, std::uint16_t max_signers,
                                                              std::uint16_t min_signers, ByteView context,
                                                              const RandomFill& random = SystemRandom());
// `received` holds every other participant's round-1 package, keyed by its sender.
Result<std::pair<DkgRound2Secret, std::map<Identifier, DkgRound2Package>>> DkgPart2(
    const DkgRound1Secret& secret, const std::map<Identifier, DkgRound1Package>& received);
// `received` holds the share each other participant sent to this one. Each is checked against its
// sender's commitment (frost_invalid_share names the sender); the group key and every verifying
// share come from the commitments alone, so all honest participants derive the same ones.
Result<std::pair<KeyPackage, PublicKeyPackage>> DkgPart3(const DkgRound2Secret& secret,
                                                         const std::map<Identifier, DkgRound2Package>& received);

// ---- Resharing: the group key to a new set of participants (docs/decisions.md "Origin key hand-over") ----
//
// Desmedt-Jajodia redistribution with Feldman VSS: at least t old participants (the dealers) each
// share their signing share with a fresh polynomial of degree t' - 1; a new participant's share is
// the Lagrange combination (over the dealers' identifiers) of what it received, so the new shares
// lie on one polynomial through the same group secret, which no one ever holds. Each dealing's
// constant term is pinned to that dealer's known verifying share, so no proof of knowledge is
// needed. As in the DKG, dealers must show every new participant the same dealings (compare a
// hash of them out of band), and all new participants must combine the same set of dealers.
struct ReshareDealing {
  std::vector<Element> commitment;  // new_min_signers points; commitment[0] is the dealer's verifying share
};
// A dealer (an old participant): a fresh polynomial of degree new_min_signers - 1 through its
// signing share; the public dealing and one share for each new identifier 1..new_max_signers.
Result<std::pair<ReshareDealing, std::map<Identifier, SecretScalar>>> ReshareDeal(
    const KeyPackage& dealer, std::uint16_t new_max_signers, std::uint16_t new_min_signers,
    const RandomFill& random = SystemRandom());
// Anyone: the new public key package from the dealings, keyed by old identifier. Needs at least
// old_keys.min_signers dealers (frost_too_few_signers), each an old participant (frost_malformed
// for an unknown one), each commitment new_min_signers points (frost_bad_commitment; a point not
// of prime order is frost_malformed, as everywhere in this file) whose first is that dealer's old
// verifying share (frost_invalid_share naming the dealer). verifying_key is old_keys.verifying_key;
// the result passes CheckPublicKeyPackage. `old_keys` must be a checked package (genesis, or
// ledger::OriginKeySetFromJson): only its threshold is checked again here.
Result<PublicKeyPackage> ResharedPublicKeys(const PublicKeyPackage& old_keys,
                                            const std::map<Identifier, ReshareDealing>& dealings,
                                            std::uint16_t new_max_signers, std::uint16_t new_min_signers);
// A new participant: the shares it received, keyed by dealer (exactly the dealers of `dealings`),
// each checked against its dealing (frost_invalid_share naming the dealer); its key package and
// the new public key package.
Result<std::pair<KeyPackage, PublicKeyPackage>> ReshareCombine(
    const PublicKeyPackage& old_keys, const std::map<Identifier, ReshareDealing>& dealings,
    const Identifier& own, const std::map<Identifier, SecretScalar>& received,
    std::uint16_t new_max_signers, std::uint16_t new_min_signers);

// ---- Signing (RFC 9591 section 5) ----

struct SigningCommitments {
  Element hiding{};
  Element binding{};
  bool operator==(const SigningCommitments&) const = default;
};

// A signer's round-one nonces. Move-only and single-use: Sign wipes them, and refuses a used set
// (frost_nonce_used), since two signatures with one nonce reveal the signing share.
class SigningNonces {
 public:
  SigningNonces() = default;
  SigningNonces(const SecretScalar& hiding, const SecretScalar& binding, const SigningCommitments& commitments)
      : hiding_(hiding), binding_(binding), commitments_(commitments), fresh_(true) {}
  SigningNonces(SigningNonces&& other) noexcept;
  SigningNonces& operator=(SigningNonces&& other) noexcept;
  SigningNonces(const SigningNonces&) = delete;
  SigningNonces& operator=(const SigningNonces&) = delete;
  ~SigningNonces() = default;  // the SecretScalar members wipe themselves

  const SecretScalar& hiding() const { return hiding_; }
  const SecretScalar& binding() const { return binding_; }
  const SigningCommitments& commitments() const { return commitments_; }
  bool fresh() const { return fresh_; }
  void Burn();  // wipe and mark used

 private:
  SecretScalar hiding_;
  SecretScalar binding_;
  SigningCommitments commitments_;
  bool fresh_ = false;
};

struct ParticipantCommitment {
  Identifier identifier;
  SigningCommitments commitments;
};

// What the coordinator sends every chosen signer in round two.
struct SigningPackage {
  std::vector<ParticipantCommitment> commitments;  // any order; sorted by identifier internally
  Bytes message;
};

struct SignatureShare {
  Identifier identifier;
  ScalarBytes share{};
};

// Round one: fresh nonces from the signing share and 32 random bytes each (nonce_generate).
SigningNonces Commit(const KeyPackage& key, const RandomFill& random = SystemRandom());
// Round two. Consumes the nonces whether or not it succeeds.
Result<SignatureShare> Sign(const SigningPackage& package, SigningNonces& nonces, const KeyPackage& key);
// verify_signature_share (frost_invalid_share naming the participant).
Status VerifySignatureShare(const SigningPackage& package, const SignatureShare& share,
                            const PublicKeyPackage& public_keys);
// aggregate: exactly one share per listed signer. The result is checked with
// crypto_sign_verify_detached; when it fails, the first share that does not verify is named.
Result<Signature> Aggregate(const SigningPackage& package, std::span<const SignatureShare> shares,
                            const PublicKeyPackage& public_keys);

// ---- RFC 9591 building blocks, public so tests can check each intermediate value ----
namespace suite {

inline constexpr std::string_view kContextString = "FROST-ED25519-SHA512-v1";

ScalarBytes H1(ByteView m);                   // binding factor ("rho")
ScalarBytes H2(ByteView m);                   // challenge: plain SHA-512, as Ed25519 has it
ScalarBytes H3(ByteView m);                   // nonce
std::array<std::uint8_t, 64> H4(ByteView m);  // message ("msg")
std::array<std::uint8_t, 64> H5(ByteView m);  // commitment list ("com")
ScalarBytes HDkg(ByteView m);                 // DKG proof-of-knowledge challenge ("dkg")

SecretScalar NonceGenerate(const SecretScalar& secret, const std::array<std::uint8_t, 32>& random_bytes);

struct BindingFactor {
  Identifier identifier;
  Bytes input;  // binding_factor_input: group key || H4(msg) || H5(commitments) || identifier
  ScalarBytes factor{};
};
// Validates the list (count, duplicates, points) and returns it sorted, or the typed failure.
Result<std::vector<ParticipantCommitment>> CheckCommitmentList(std::span<const ParticipantCommitment> list,
                                                               std::uint16_t min_signers);
// For a sorted, checked list.
std::vector<BindingFactor> ComputeBindingFactors(const Element& group_public_key,
                                                 std::span<const ParticipantCommitment> sorted_list, ByteView message);
Result<Element> ComputeGroupCommitment(std::span<const ParticipantCommitment> sorted_list,
                                       std::span<const BindingFactor> binding_factors);
ScalarBytes ComputeChallenge(const Element& group_commitment, const Element& group_public_key, ByteView message);
// derive_interpolating_value: Lagrange coefficient of x_i over the list at 0.
Result<ScalarBytes> DeriveInterpolatingValue(std::span<const Identifier> list, const Identifier& x_i);

}  // namespace suite
}  // namespace shanliu::crypto::frost
