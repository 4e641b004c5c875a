// FROST resharing (frost.h "Resharing"): the same group key handed to a new set of participants by
// Desmedt-Jajodia redistribution with Feldman VSS. Dealer i deals g_i with g_i(0) = s_i; new
// participant j holds s'_j = sum_{i in D} lambda_i^D g_i(j), which lies on the polynomial
// G(x) = sum_{i in D} lambda_i^D g_i(x) with G(0) = sum lambda_i^D s_i = the group secret.
#include <sodium.h>

#include "frost_group.h"
#include "shanliu/crypto/frost.h"
#include "shanliu/error_codes.h"

namespace shanliu::crypto::frost {
namespace {

using group::Scalar;

// The old package's threshold is what the number of dealers is measured against: a package with
// a threshold below 2 would let a single dealer hand the key over.
Status CheckOldThreshold(const PublicKeyPackage& old_keys) {
  if (old_keys.min_signers < kMinThreshold || old_keys.min_signers > old_keys.verifying_shares.size()) {
    return Status::Error(std::string(errc::kFrostBadThreshold),
                         "the old package's threshold " + std::to_string(old_keys.min_signers) + " of " +
                             std::to_string(old_keys.verifying_shares.size()) + " shares is out of range");
  }
  return Status::Ok();
}

// Every dealing: enough dealers, each an old participant whose commitment has the new threshold's
// length, valid points, and its old verifying share as constant term.
Status CheckDealings(const PublicKeyPackage& old_keys, const std::map<Identifier, ReshareDealing>& dealings,
                     std::uint16_t new_min_signers) {
  SHANLIU_RETURN_IF_ERROR(CheckOldThreshold(old_keys));
  if (dealings.size() < old_keys.min_signers) {
    return Status::Error(std::string(errc::kFrostTooFewSigners),
                         std::to_string(dealings.size()) + " dealings, the old threshold is " +
                             std::to_string(old_keys.min_signers));
  }
  for (const auto& [dealer, dealing] : dealings) {
    const auto old_share = old_keys.verifying_shares.find(dealer);
    if (old_share == old_keys.verifying_shares.end()) {
      return group::Participant(errc::kFrostMalformed, dealer, "dealt but is not an old participant");
    }
    SHANLIU_RETURN_IF_ERROR(group::CheckCommitment(dealing.commitment, new_min_signers, dealer.ToString() + ": "));
    if (!group::SameElement(dealing.commitment[0], old_share->second)) {
      return group::Participant(errc::kFrostInvalidShare, dealer,
                                "dealing's constant term is not its verifying share (it does not deal its own share)");
    }
  }
  return Status::Ok();
}

// lambda_i over the dealers' identifiers, in the map's order.
Result<std::vector<Scalar>> DealerLambdas(const std::map<Identifier, ReshareDealing>& dealings) {
  std::vector<Identifier> ids;
  for (const auto& [dealer, dealing] : dealings) ids.push_back(dealer);
  std::vector<Scalar> out;
  for (const Identifier& id : ids) {
    auto lambda = suite::DeriveInterpolatingValue(ids, id);
    if (!lambda.ok()) return lambda.status();
    out.push_back(*lambda);
  }
  return out;
}

// The new polynomial's commitment, coefficient-wise sum_i lambda_i C_{i,k}: t' x |D|
// multiplications once, instead of evaluating every dealing at every new identifier.
Result<std::vector<Element>> CombinedCommitment(const std::map<Identifier, ReshareDealing>& dealings,
                                                std::span<const Scalar> lambdas, std::uint16_t new_min_signers) {
  std::vector<Element> out;
  for (std::size_t k = 0; k < new_min_signers; ++k) {
    std::optional<Element> sum;
    std::size_t i = 0;
    for (const auto& [dealer, dealing] : dealings) {
      auto term = group::PointMul(lambdas[i++], dealing.commitment[k]);
      sum = term && sum ? group::PointAdd(*sum, *term) : term;
      if (!sum) {
        return Status::Error(std::string(errc::kFrostBadCommitment),
                             dealer.ToString() + ": dealing cancels the others out (a combined coefficient is the identity)");
      }
    }
    out.push_back(*sum);
  }
  return out;
}

// The new participant's value of every dealing it received, checked against that dealing.
Status CheckReceived(const std::map<Identifier, ReshareDealing>& dealings, const Identifier& own,
                     const std::map<Identifier, SecretScalar>& received) {
  for (const auto& [dealer, share] : received) {
    if (dealings.count(dealer) == 0) {
      return group::Participant(errc::kFrostMalformed, dealer, "sent a share but has no dealing");
    }
  }
  for (const auto& [dealer, dealing] : dealings) {
    const auto share = received.find(dealer);
    if (share == received.end()) {
      return group::Participant(errc::kFrostTooFewSigners, dealer, "has a dealing but sent this participant no share");
    }
    if (!group::IsCanonicalScalar(share->second.bytes())) {
      return group::Participant(errc::kFrostMalformed, dealer, "share is not a canonical scalar");
    }
    auto mine = group::BaseMul(share->second.bytes());
    auto promised = group::EvaluateCommitment(dealing.commitment, own.bytes());
    if (!mine || !promised || !group::SameElement(*mine, *promised)) {
      return group::Participant(errc::kFrostInvalidShare, dealer, "share does not match its dealing");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::pair<ReshareDealing, std::map<Identifier, SecretScalar>>> ReshareDeal(const KeyPackage& dealer,
                                                                                   std::uint16_t new_max_signers,
                                                                                   std::uint16_t new_min_signers,
                                                                                   const RandomFill& random) {
  SHANLIU_RETURN_IF_ERROR(group::CheckThreshold(new_max_signers, new_min_signers));
  if (!group::IsCanonicalScalar(dealer.signing_share.bytes())) {
    return group::Participant(errc::kFrostMalformed, dealer.identifier, "signing share is not a canonical scalar");
  }
  auto own = group::BaseMul(dealer.signing_share.bytes());
  if (!own || !group::SameElement(*own, dealer.verifying_share)) {
    return group::Participant(errc::kFrostInvalidShare, dealer.identifier, "signing share does not match its verifying share");
  }
  std::vector<SecretScalar> polynomial{dealer.signing_share};
  for (std::uint16_t k = 1; k < new_min_signers; ++k) polynomial.push_back(group::RandomScalar(random));
  auto commitment = group::CommitPolynomial(polynomial);
  if (!commitment.ok()) return commitment.status();
  std::map<Identifier, SecretScalar> shares;
  for (std::uint16_t j = 1; j <= new_max_signers; ++j) {
    const Identifier id = *Identifier::FromIndex(j);
    shares.emplace(id, group::EvaluatePolynomial(polynomial, id.bytes()));
  }
  return std::make_pair(ReshareDealing{std::move(*commitment)}, std::move(shares));
}

Result<PublicKeyPackage> ResharedPublicKeys(const PublicKeyPackage& old_keys,
                                            const std::map<Identifier, ReshareDealing>& dealings,
                                            std::uint16_t new_max_signers, std::uint16_t new_min_signers) {
  SHANLIU_RETURN_IF_ERROR(group::CheckThreshold(new_max_signers, new_min_signers));
  SHANLIU_RETURN_IF_ERROR(CheckDealings(old_keys, dealings, new_min_signers));
  auto lambdas = DealerLambdas(dealings);
  if (!lambdas.ok()) return lambdas.status();
  auto combined = CombinedCommitment(dealings, *lambdas, new_min_signers);
  if (!combined.ok()) return combined.status();
  // sum lambda_i Y_i is the group key exactly when the dealers' old verifying shares lie on the
  // old polynomial: a check of the old package where it matters.
  if (!group::SameElement((*combined)[0], old_keys.verifying_key)) {
    return Status::Error(std::string(errc::kFrostInvalidShare),
                         "the dealers' verifying shares do not interpolate to the group key");
  }
  auto out = DeriveGroupInfo(new_max_signers, *combined);
  if (!out.ok()) return out.status();
  SHANLIU_RETURN_IF_ERROR(CheckPublicKeyPackage(*out));
  return out;
}

Result<std::pair<KeyPackage, PublicKeyPackage>> ReshareCombine(const PublicKeyPackage& old_keys,
                                                               const std::map<Identifier, ReshareDealing>& dealings,
                                                               const Identifier& own,
                                                               const std::map<Identifier, SecretScalar>& received,
                                                               std::uint16_t new_max_signers,
                                                               std::uint16_t new_min_signers) {
  auto public_keys = ResharedPublicKeys(old_keys, dealings, new_max_signers, new_min_signers);
  if (!public_keys.ok()) return public_keys.status();
  const auto verifying_share = public_keys->verifying_shares.find(own);
  if (verifying_share == public_keys->verifying_shares.end()) {
    return group::Participant(errc::kFrostMalformed, own, "is not a new participant (identifiers 1..n')");
  }
  SHANLIU_RETURN_IF_ERROR(CheckReceived(dealings, own, received));
  auto lambdas = DealerLambdas(dealings);
  if (!lambdas.ok()) return lambdas.status();
  Scalar sum{};
  std::size_t i = 0;
  for (const auto& [dealer, dealing] : dealings) {
    Scalar term = group::ScalarMul((*lambdas)[i++], received.at(dealer).bytes());
    sum = group::ScalarAdd(sum, term);
    sodium_memzero(term.data(), term.size());
  }
  SecretScalar signing_share(sum);
  sodium_memzero(sum.data(), sum.size());
  // Each share matched its dealing, so by linearity the sum matches the combined commitment.
  auto mine = group::BaseMul(signing_share.bytes());
  if (!mine || !group::SameElement(*mine, verifying_share->second)) {
    return group::Participant(errc::kFrostInvalidShare, own, "combined share does not match the new package");
  }
  KeyPackage key{own, signing_share, verifying_share->second, public_keys->verifying_key, new_min_signers};
  return std::make_pair(std::move(key), std::move(*public_keys));
}

}  // namespace shanliu::crypto::frost
