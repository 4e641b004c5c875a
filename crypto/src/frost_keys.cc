// FROST key material from outside the process: a group's public key package read from a genesis
// file, and a signer's share read from its key directory.
#include <sodium.h>

#include <charconv>

#include "frost_group.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/frost.h"
#include "shanliu/error_codes.h"

namespace shanliu::crypto::frost {
namespace {

constexpr std::string_view kShareFileMagic = "shanliu-frost-share-v1";
constexpr std::size_t kMaxShareFileBytes = 4096;  // a valid file is under 100 bytes

// sum lambda_i * Y_i over `list` (identifiers and their verifying shares): the group key when
// every share lies on the polynomial.
Result<Element> InterpolateAtZero(std::span<const Identifier> ids, std::span<const Element> shares) {
  std::optional<Element> sum;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto lambda = suite::DeriveInterpolatingValue(ids, ids[i]);
    if (!lambda.ok()) return lambda.status();
    auto term = group::PointMul(*lambda, shares[i]);
    if (!term) return group::Participant(errc::kFrostInvalidShare, ids[i], "verifying share interpolates to the identity");
    sum = sum ? group::PointAdd(*sum, *term) : term;
    if (!sum) return group::Malformed("verifying shares interpolate to the identity");
  }
  return *sum;
}

Status CheckShape(const PublicKeyPackage& keys) {
  const std::size_t n = keys.verifying_shares.size();
  if (keys.min_signers < kMinThreshold || keys.min_signers > n || n > kMaxParticipants) {
    return Status::Error(std::string(errc::kFrostBadThreshold),
                         std::to_string(keys.min_signers) + "-of-" + std::to_string(n) +
                             " is outside 2 <= t <= n <= " + std::to_string(kMaxParticipants));
  }
  if (!group::IsValidElement(keys.verifying_key)) return group::Malformed("the group key is not of prime order");
  std::uint16_t expected = 1;
  for (const auto& [id, share] : keys.verifying_shares) {
    if (id != *Identifier::FromIndex(expected++)) return group::Malformed("identifiers must be 1..n");
    if (!group::IsValidElement(share)) return group::Participant(errc::kFrostMalformed, id, "verifying share is not of prime order");
  }
  return Status::Ok();
}

}  // namespace

Status CheckPublicKeyPackage(const PublicKeyPackage& public_keys) {
  SHANLIU_RETURN_IF_ERROR(CheckShape(public_keys));
  // The first t - 1 shares with each further one: every t-subset of this form must give the group
  // key, which holds exactly when all n shares lie on one degree t - 1 polynomial through it.
  std::vector<Identifier> base_ids;
  std::vector<Element> base_shares;
  auto it = public_keys.verifying_shares.begin();
  for (std::uint16_t i = 0; i + 1 < public_keys.min_signers; ++i, ++it) {
    base_ids.push_back(it->first);
    base_shares.push_back(it->second);
  }
  for (; it != public_keys.verifying_shares.end(); ++it) {
    std::vector<Identifier> ids = base_ids;
    std::vector<Element> shares = base_shares;
    ids.push_back(it->first);
    shares.push_back(it->second);
    auto at_zero = InterpolateAtZero(ids, shares);
    if (!at_zero.ok()) return at_zero.status();
    if (sodium_memcmp(at_zero->data(), public_keys.verifying_key.data(), at_zero->size()) != 0) {
      return group::Participant(errc::kFrostInvalidShare, it->first,
                                "verifying share is not on the group key's polynomial (or an earlier one is not)");
    }
  }
  return Status::Ok();
}

Result<KeyPackage> KeyPackageFromShare(const Identifier& identifier, const SecretScalar& signing_share,
                                       const PublicKeyPackage& public_keys) {
  const auto it = public_keys.verifying_shares.find(identifier);
  if (it == public_keys.verifying_shares.end()) {
    return group::Participant(errc::kFrostMalformed, identifier, "is not in the group's public key package");
  }
  const auto mine = group::BaseMul(signing_share.bytes());
  if (!mine || sodium_memcmp(mine->data(), it->second.data(), mine->size()) != 0) {
    return group::Participant(errc::kFrostInvalidShare, identifier,
                              "signing share does not match the group's verifying share (wrong share file or group key)");
  }
  return KeyPackage{identifier, signing_share, it->second, public_keys.verifying_key, public_keys.min_signers};
}

Status WriteShareFile(const std::filesystem::path& path, std::uint16_t identifier_index,
                      const SecretScalar& signing_share) {
  std::string text = std::string(kShareFileMagic) + "\n" + std::to_string(identifier_index) + "\n" +
                     ToHex(signing_share.bytes()) + "\n";
  Status s = WriteSecretFile(path, text);
  sodium_memzero(text.data(), text.size());
  return s;
}

Result<std::pair<Identifier, SecretScalar>> ReadShareFile(const std::filesystem::path& path) {
  auto read = ReadSecretFile(path, kMaxShareFileBytes);
  if (!read.ok()) return read.status();
  std::string& text = *read;
  Result<std::pair<Identifier, SecretScalar>> result =
      Status::Error("invalid_key_file", path.string() + " is not a shanliu FROST share file");
  const std::string_view view(text);
  const std::size_t first = view.find('\n');
  const std::size_t second = first == std::string_view::npos ? first : view.find('\n', first + 1);
  if (second != std::string_view::npos && view.substr(0, first) == kShareFileMagic &&
      view.size() == second + 1 + 64 + 1 && view.back() == '\n') {
    const std::string_view index_text = view.substr(first + 1, second - first - 1);
    std::uint16_t index = 0;
    const auto [end, ec] = std::from_chars(index_text.data(), index_text.data() + index_text.size(), index);
    auto share = Hash256FromHex(view.substr(second + 1, 64));
    if (ec == std::errc() && end == index_text.data() + index_text.size() && index_text.front() != '0' &&
        index <= kMaxParticipants && share.ok()) {
      auto id = Identifier::FromIndex(index);
      auto scalar = SecretScalar::Parse(*share);
      if (id.ok() && scalar.ok()) result = std::make_pair(*id, *scalar);
      sodium_memzero(share->data(), share->size());
    }
  }
  sodium_memzero(text.data(), text.size());
  return result;
}

}  // namespace shanliu::crypto::frost
