// FROST key generation: the trusted dealer with Feldman VSS (RFC 9591 Appendix C) and the
// two-round Pedersen DKG with proofs of knowledge (FROST paper, Komlo and Goldberg, Figure 1).
#include <sodium.h>

#include <algorithm>

#include "frost_group.h"
#include "shanliu/crypto/frost.h"
#include "shanliu/error_codes.h"

namespace shanliu::crypto::frost {
namespace {

using group::Scalar;

// The DKG proof of knowledge's challenge: HDKG(identifier || phi_0 || R || context).
Scalar DkgChallenge(const Identifier& id, const Element& phi0, const Element& r, ByteView context) {
  Bytes preimage;
  AppendRaw(preimage, id.bytes());
  AppendRaw(preimage, phi0);
  AppendRaw(preimage, r);
  AppendRaw(preimage, context);
  return suite::HDkg(preimage);
}

// A round-1 package from `sender`: shape, points, and mu * G == R + c * phi_0.
Status CheckRound1(const Identifier& sender, const DkgRound1Package& package, std::uint16_t min_signers,
                   ByteView context) {
  SHANLIU_RETURN_IF_ERROR(group::CheckCommitment(package.commitment, min_signers, sender.ToString() + ": "));
  if (!group::IsValidElement(package.proof_r) || !group::IsCanonicalScalar(package.proof_mu)) {
    return group::Participant(errc::kFrostMalformed, sender, "proof of knowledge does not parse");
  }
  const Scalar c = DkgChallenge(sender, package.commitment[0], package.proof_r, context);
  auto left = group::BaseMul(package.proof_mu);
  auto product = group::PointMul(c, package.commitment[0]);
  auto right = product ? group::PointAdd(package.proof_r, *product) : std::nullopt;
  if (!left || !right || !group::SameElement(*left, *right)) {
    return group::Participant(errc::kFrostBadProof, sender, "proof of knowledge does not verify");
  }
  return Status::Ok();
}

// Each participant's verifying share from the group's commitment (shares are linear in it).
Result<PublicKeyPackage> GroupInfoAt(std::span<const Element> commitment, std::span<const Identifier> participants) {
  PublicKeyPackage out;
  out.verifying_key = commitment[0];
  out.min_signers = static_cast<std::uint16_t>(commitment.size());
  for (const Identifier& id : participants) {
    auto share = group::EvaluateCommitment(commitment, id.bytes());
    if (!share)
      return Status::Error(std::string(errc::kFrostBadCommitment), id.ToString() + ": verifying share is the identity");
    out.verifying_shares.emplace(id, *share);
  }
  return out;
}

// The first sender whose round-2 share does not match its commitment at this participant.
Status NameBadSender(const DkgRound2Secret& secret, const std::map<Identifier, DkgRound2Package>& received) {
  for (const auto& [sender, package] : received) {
    auto own = group::BaseMul(package.share.bytes());
    auto promised = group::EvaluateCommitment(secret.commitments.at(sender), secret.identifier.bytes());
    if (!own || !promised || !group::SameElement(*own, *promised)) {
      return group::Participant(errc::kFrostInvalidShare, sender, "share does not match its commitment");
    }
  }
  return group::Participant(errc::kFrostInvalidShare, secret.identifier,
                            "the summed share does not match the group commitment");
}

}  // namespace

Result<PublicKeyPackage> DeriveGroupInfo(std::uint16_t max_signers, std::span<const Element> vss_commitment) {
  SHANLIU_RETURN_IF_ERROR(group::CheckThreshold(
      max_signers, static_cast<std::uint16_t>(std::min<std::size_t>(vss_commitment.size(), kMaxParticipants + 1))));
  SHANLIU_RETURN_IF_ERROR(group::CheckCommitment(vss_commitment, vss_commitment.size(), ""));
  std::vector<Identifier> participants;
  for (std::uint16_t i = 1; i <= max_signers; ++i) participants.push_back(*Identifier::FromIndex(i));
  return GroupInfoAt(vss_commitment, participants);
}

Result<DealerOutput> TrustedDealerKeygen(const SecretScalar& group_secret, std::span<const SecretScalar> coefficients,
                                         std::uint16_t max_signers, std::uint16_t min_signers) {
  SHANLIU_RETURN_IF_ERROR(group::CheckThreshold(max_signers, min_signers));
  if (coefficients.size() + 1 != min_signers) {
    return group::Malformed(std::to_string(coefficients.size()) + " coefficients for a threshold of " +
                            std::to_string(min_signers) + " (want threshold - 1)");
  }
  std::vector<SecretScalar> polynomial{group_secret};
  polynomial.insert(polynomial.end(), coefficients.begin(), coefficients.end());
  auto vss = group::CommitPolynomial(polynomial);
  if (!vss.ok()) return vss.status();
  // The dealer knows the shares, so each verifying share is one fixed-base multiplication instead
  // of derive_group_info's t variable-base ones (equal by construction; participants who only hold
  // the commitment use DeriveGroupInfo, and the tests check both agree).
  DealerOutput out{{}, PublicKeyPackage{(*vss)[0], {}, min_signers}};
  for (std::uint16_t i = 1; i <= max_signers; ++i) {
    Identifier id = *Identifier::FromIndex(i);
    SecretShare share{id, group::EvaluatePolynomial(polynomial, id.bytes()), *vss};
    auto verifying_share = group::BaseMul(share.value.bytes());
    if (!verifying_share)
      return group::Participant(errc::kFrostMalformed, id, "share is zero (the polynomial has a root there)");
    out.public_keys.verifying_shares.emplace(id, *verifying_share);
    out.shares.push_back(std::move(share));
  }
  return out;
}

Result<DealerOutput> TrustedDealerKeygen(std::uint16_t max_signers, std::uint16_t min_signers,
                                         const RandomFill& random) {
  SHANLIU_RETURN_IF_ERROR(group::CheckThreshold(max_signers, min_signers));
  SecretScalar secret = group::RandomScalar(random);
  std::vector<SecretScalar> coefficients;
  for (std::uint16_t j = 1; j < min_signers; ++j) coefficients.push_back(group::RandomScalar(random));
  return TrustedDealerKeygen(secret, coefficients, max_signers, min_signers);
}

Result<KeyPackage> VerifySecretShare(const SecretShare& share) {
  const std::size_t t = share.vss_commitment.size();
  if (t < kMinThreshold || t > kMaxParticipants) {
    return Status::Error(std::string(errc::kFrostBadCommitment),
                         "a VSS commitment of " + std::to_string(t) + " points is outside the threshold limits");
  }
  SHANLIU_RETURN_IF_ERROR(group::CheckCommitment(share.vss_commitment, t, ""));
  if (!group::IsCanonicalScalar(share.value.bytes())) {
    return group::Participant(errc::kFrostMalformed, share.identifier, "share is not a canonical scalar");
  }
  auto own = group::BaseMul(share.value.bytes());
  auto promised = group::EvaluateCommitment(share.vss_commitment, share.identifier.bytes());
  if (!own || !promised || !group::SameElement(*own, *promised)) {
    return group::Participant(errc::kFrostInvalidShare, share.identifier, "share does not match the VSS commitment");
  }
  return KeyPackage{share.identifier, share.value, *own, share.vss_commitment[0], static_cast<std::uint16_t>(t)};
}

Result<std::pair<DkgRound1Secret, DkgRound1Package>> DkgPart1(const Identifier& identifier, std::uint16_t max_signers,
                                                              std::uint16_t min_signers, ByteView context,
                                                              const RandomFill& random) {
  SHANLIU_RETURN_IF_ERROR(group::CheckThreshold(max_signers, min_signers));
  if (context.size() > kMaxDkgContextBytes) return group::Malformed("the DKG context is over 1024 bytes");
  DkgRound1Secret secret{identifier, {}, {}, max_signers, min_signers, Bytes(context.begin(), context.end())};
  for (std::uint16_t j = 0; j < min_signers; ++j) secret.coefficients.push_back(group::RandomScalar(random));
  auto commitment = group::CommitPolynomial(secret.coefficients);
  if (!commitment.ok()) return commitment.status();
  secret.commitment = *commitment;
  // Schnorr proof of knowledge of a_0 (against rogue-key attacks): R = kG, mu = k + a_0 * c.
  const SecretScalar k = group::RandomScalar(random);
  DkgRound1Package package{*commitment, *group::BaseMul(k.bytes()), {}};
  const Scalar c = DkgChallenge(identifier, package.commitment[0], package.proof_r, context);
  package.proof_mu = group::ScalarAdd(k.bytes(), group::ScalarMul(secret.coefficients[0].bytes(), c));
  return std::make_pair(std::move(secret), std::move(package));
}

Result<std::pair<DkgRound2Secret, std::map<Identifier, DkgRound2Package>>> DkgPart2(
    const DkgRound1Secret& secret, const std::map<Identifier, DkgRound1Package>& received) {
  if (received.count(secret.identifier) != 0) {
    return group::Participant(errc::kFrostDuplicateIdentifier, secret.identifier,
                              "a received package carries this participant's own identifier");
  }
  if (received.size() + 1 != secret.max_signers) {
    return Status::Error(
        std::string(errc::kFrostTooFewSigners),
        std::to_string(received.size()) + " round-1 packages, want " + std::to_string(secret.max_signers - 1));
  }
  DkgRound2Secret next{secret.identifier, {}, {}, secret.max_signers, secret.min_signers};
  std::map<Identifier, DkgRound2Package> outgoing;
  for (const auto& [sender, package] : received) {
    SHANLIU_RETURN_IF_ERROR(CheckRound1(sender, package, secret.min_signers, secret.context));
    next.commitments.emplace(sender, package.commitment);
    outgoing.emplace(sender, DkgRound2Package{group::EvaluatePolynomial(secret.coefficients, sender.bytes())});
  }
  next.commitments.emplace(secret.identifier, secret.commitment);
  next.own_share = group::EvaluatePolynomial(secret.coefficients, secret.identifier.bytes());
  return std::make_pair(std::move(next), std::move(outgoing));
}

Result<std::pair<KeyPackage, PublicKeyPackage>> DkgPart3(const DkgRound2Secret& secret,
                                                         const std::map<Identifier, DkgRound2Package>& received) {
  if (received.size() + 1 != secret.commitments.size()) {
    return Status::Error(
        std::string(errc::kFrostTooFewSigners),
        std::to_string(received.size()) + " round-2 shares, want " + std::to_string(secret.commitments.size() - 1));
  }
  SecretScalar signing_share = secret.own_share;
  for (const auto& [sender, package] : received) {
    auto commitment = secret.commitments.find(sender);
    if (sender == secret.identifier || commitment == secret.commitments.end()) {
      return group::Participant(errc::kFrostMalformed, sender, "sent a share but has no round-1 commitment");
    }
    if (!group::IsCanonicalScalar(package.share.bytes())) {
      return group::Participant(errc::kFrostMalformed, sender, "share is not a canonical scalar");
    }
    signing_share = SecretScalar(group::ScalarAdd(signing_share.bytes(), package.share.bytes()));
  }
  // The group's commitment is the coefficient-wise sum of everyone's; its first point is the key.
  std::vector<Element> group_commitment = secret.commitments.begin()->second;
  std::vector<Identifier> participants;
  for (const auto& [id, commitment] : secret.commitments) {
    participants.push_back(id);
    if (id == secret.commitments.begin()->first) continue;
    for (std::size_t k = 0; k < group_commitment.size(); ++k) {
      auto sum = group::PointAdd(group_commitment[k], commitment[k]);
      if (!sum) return group::Participant(errc::kFrostBadCommitment, id, "commitment cancels the others out");
      group_commitment[k] = *sum;
    }
  }
  auto public_keys = GroupInfoAt(group_commitment, participants);
  if (!public_keys.ok()) return public_keys.status();
  const Element& verifying_share = public_keys->verifying_shares.at(secret.identifier);
  // One check of the sum against the summed commitments instead of one per sender (t multiplications
  // each); only when it fails is each share checked, to name the sender.
  auto own_point = group::BaseMul(signing_share.bytes());
  if (!own_point || !group::SameElement(*own_point, verifying_share)) return NameBadSender(secret, received);
  KeyPackage key{secret.identifier, signing_share, verifying_share, public_keys->verifying_key, secret.min_signers};
  return std::make_pair(std::move(key), std::move(*public_keys));
}

}  // namespace shanliu::crypto::frost
