// The origin key set's JSON form (origin_keys.h): the resharing ceremony's output and the input
// of `shanliu validators change --origin-key`.
#include <cassert>
#include <set>
#include <string>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/origin_keys.h"

namespace shanliu::ledger {
namespace {

using nlohmann::json;

Status Malformed(const std::string& why) { return Status::Error("frost_malformed", "origin key set: " + why); }

Status OnlyFields(const json& object, const std::set<std::string>& fields, const std::string& where) {
  if (!object.is_object()) return Malformed(where + " must be an object");
  for (const auto& [name, value] : object.items()) {
    if (!fields.contains(name)) return Malformed("unknown field '" + name + "' in " + where);
  }
  for (const std::string& name : fields) {
    if (!object.contains(name)) return Malformed(where + " needs '" + name + "'");
  }
  return Status::Ok();
}

Result<crypto::PublicKey> Key32(const json& v, const std::string& where) {
  if (!v.is_string()) return Malformed(where + " must be a hex string");
  auto key = crypto::Hash256FromHex(v.get<std::string>());
  if (!key.ok()) return Malformed(where + ": " + key.status().message());
  return *key;
}

}  // namespace

std::optional<OriginKeySet> GenesisOriginKeys(const Genesis& genesis) {
  if (!genesis.origin_key) return std::nullopt;
  assert(genesis.origin_key->verifying_shares.size() == genesis.validators.size());
  OriginKeySet out{OriginPublicKeys(*genesis.origin_key), {}};
  for (const Validator& v : genesis.validators) out.participants.push_back(v.public_key);
  return out;
}

json OriginKeySetToJson(const OriginKeySet& keys) {
  assert(keys.participants.size() == keys.public_keys.verifying_shares.size());
  json shares = json::array();
  std::size_t i = 0;
  // verifying_shares is ordered by identifier, 1..n, as participants is.
  for (const auto& [identifier, share] : keys.public_keys.verifying_shares) {
    shares.push_back({{"public_key", crypto::ToHex(keys.participants[i++])}, {"verifying_share", crypto::ToHex(share)}});
  }
  return {{"verifying_key", crypto::ToHex(keys.public_keys.verifying_key)},
          {"min_signers", keys.public_keys.min_signers},
          {"shares", shares}};
}

Result<OriginKeySet> OriginKeySetFromJson(const json& j) {
  SHANLIU_RETURN_IF_ERROR(OnlyFields(j, {"verifying_key", "min_signers", "shares"}, "the file"));
  OriginKeySet out;
  auto group_key = Key32(j.at("verifying_key"), "verifying_key");
  if (!group_key.ok()) return group_key.status();
  out.public_keys.verifying_key = *group_key;
  const json& shares = j.at("shares");
  if (!shares.is_array() || shares.empty() || shares.size() > crypto::frost::kMaxParticipants) {
    return Malformed("shares must be an array of 1 to " + std::to_string(crypto::frost::kMaxParticipants));
  }
  std::set<crypto::PublicKey> seen;
  for (std::size_t i = 0; i < shares.size(); ++i) {
    const std::string where = "shares[" + std::to_string(i) + "]";
    SHANLIU_RETURN_IF_ERROR(OnlyFields(shares[i], {"public_key", "verifying_share"}, where));
    auto key = Key32(shares[i].at("public_key"), where + ".public_key");
    if (!key.ok()) return key.status();
    auto share = Key32(shares[i].at("verifying_share"), where + ".verifying_share");
    if (!share.ok()) return share.status();
    if (!seen.insert(*key).second) return Malformed(where + " lists a participant twice");
    out.participants.push_back(*key);
    out.public_keys.verifying_shares.emplace(*crypto::frost::Identifier::FromIndex(static_cast<std::uint16_t>(i + 1)),
                                             *share);
  }
  const json& t = j.at("min_signers");
  if (!t.is_number_unsigned() || t.get<std::uint64_t>() != OriginThreshold(shares.size())) {
    return Status::Error("frost_bad_threshold", "origin key set: min_signers must be floor(2n/3) + 1 = " +
                                                    std::to_string(OriginThreshold(shares.size())));
  }
  out.public_keys.min_signers = OriginThreshold(shares.size());
  SHANLIU_RETURN_IF_ERROR(crypto::frost::CheckPublicKeyPackage(out.public_keys));
  return out;
}

}  // namespace shanliu::ledger
