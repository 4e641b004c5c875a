// The JSON of validator sets and transitions (docs/api.md "Validator set"): what the API serves
// and what `shanliu verify` and the flow-proof verifier read back, strictly.

#include <set>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/flow_proof.h"
#include "shanliu/ledger/json.h"
#include "shanliu/ledger/validator_set.h"

namespace shanliu::ledger {
namespace {

using nlohmann::json;


Status Invalid(const std::string& where, const std::string& why) {
  return Status::Error("invalid_proof", where + ": " + why);
}

Status ExactFields(const json& j, const std::set<std::string>& fields, const std::string& where) {
  if (!j.is_object()) return Invalid(where, "not an object");
  for (const std::string& f : fields) {
    if (!j.contains(f)) return Invalid(where + "." + f, "missing");
  }
  for (const auto& item : j.items()) {
    if (!fields.count(item.key())) return Invalid(where + "." + item.key(), "unknown field");
  }
  return Status::Ok();
}

Result<Hash256> ParseHash(const json& v, const std::string& where) {
  if (!v.is_string()) return Invalid(where, "not a hex string");
  auto h = crypto::Hash256FromHex(v.get<std::string>());
  if (!h.ok()) return Invalid(where, h.status().message());
  return *h;
}

Result<std::uint64_t> ParseU64(const json& v, const std::string& where) {
  if (!v.is_number_unsigned()) return Invalid(where, "not an unsigned integer");
  return v.get<std::uint64_t>();
}

Result<Validator> ParseValidator(const json& j, const std::string& where) {
  SHANLIU_RETURN_IF_ERROR(ExactFields(j, {"public_key", "voting_power", "org_id"}, where));
  Validator v;
  auto key = ParseHash(j["public_key"], where + ".public_key");
  if (!key.ok()) return key.status();
  v.public_key = *key;
  auto power = ParseU64(j["voting_power"], where + ".voting_power");
  if (!power.ok()) return power.status();
  v.voting_power = *power;
  if (!j["org_id"].is_string()) return Invalid(where + ".org_id", "not a string");
  v.org_id = j["org_id"].get<std::string>();
  return v;
}

// The header needs every field (it is hashed as a whole), like the receipt proof's.
Status ParseHeader(const json& j, const std::string& where, pb::BlockHeader* header) {
  if (!j.is_object()) return Invalid(where, "not an object");
  const google::protobuf::Descriptor* d = header->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    if (!j.contains(d->field(i)->name())) return Invalid(where + "." + std::string(d->field(i)->name()), "missing");
  }
  if (Status s = JsonToMessage(j, header); !s.ok()) return Invalid(where, s.message());
  return Status::Ok();
}

Result<ProvenTransition> ParseTransition(const json& j, const std::string& where) {
  SHANLIU_RETURN_IF_ERROR(
      ExactFields(j, {"effective_height", "header", "block_hash", "commit", "next_validators"}, where));
  ProvenTransition t;
  auto e = ParseU64(j["effective_height"], where + ".effective_height");
  if (!e.ok()) return e.status();
  t.effective_height = *e;
  SHANLIU_RETURN_IF_ERROR(ParseHeader(j["header"], where + ".header", &t.header));
  auto hash = ParseHash(j["block_hash"], where + ".block_hash");
  if (!hash.ok()) return hash.status();
  t.block_hash = *hash;
  SHANLIU_RETURN_IF_ERROR(ExactFields(j["commit"], {"height", "round", "block_hash", "signatures"}, where + ".commit"));
  if (Status s = JsonToMessage(j["commit"], &t.commit); !s.ok()) return Invalid(where + ".commit", s.message());
  const json& next = j["next_validators"];
  if (!next.is_array() || next.empty() || next.size() > kMaxValidatorCount) {
    return Invalid(where + ".next_validators", "not an array of 1 to 100 validators");
  }
  for (std::size_t i = 0; i < next.size(); ++i) {
    auto v = ParseValidator(next[i], where + ".next_validators[" + std::to_string(i) + "]");
    if (!v.ok()) return v.status();
    t.next_validators.push_back(std::move(*v));
  }
  return t;
}

}  // namespace

json ValidatorsToJson(std::span<const Validator> validators, bool with_index) {
  json out = json::array();
  for (std::size_t i = 0; i < validators.size(); ++i) {
    const Validator& v = validators[i];
    json entry = json::object();
    if (with_index) entry["index"] = i;
    entry["public_key"] = crypto::ToHex(v.public_key);
    entry["voting_power"] = v.voting_power;
    entry["org_id"] = v.org_id;
    out.push_back(std::move(entry));
  }
  return out;
}

Result<std::vector<Validator>> ValidatorsFromJson(const json& j, bool with_index, const std::string& path) {
  if (!j.is_array() || j.empty() || j.size() > kMaxValidatorCount) {
    return Invalid(path, "not an array of 1 to 100 validators");
  }
  std::vector<Validator> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string where = path + "[" + std::to_string(i) + "]";
    json entry = j[i];
    if (with_index) {
      if (!entry.is_object() || !entry.contains("index")) return Invalid(where + ".index", "missing");
      if (!entry["index"].is_number_unsigned() || entry["index"].get<std::uint64_t>() != i) {
        return Invalid(where + ".index", "must be " + std::to_string(i));
      }
      entry.erase("index");
    }
    auto v = ParseValidator(entry, where);
    if (!v.ok()) return v.status();
    out.push_back(std::move(*v));
  }
  return out;
}

json TransitionsToJson(std::span<const ProvenTransition> transitions) {
  json out = json::array();
  for (const ProvenTransition& t : transitions) {
    out.push_back(json{{"effective_height", t.effective_height},
                       {"header", flow_proof::HeaderToJson(t.header)},
                       {"block_hash", crypto::ToHex(t.block_hash)},
                       {"commit", flow_proof::CommitToJson(t.commit)},
                       {"next_validators", ValidatorsToJson(t.next_validators, false)}});
  }
  return out;
}

Result<std::vector<ProvenTransition>> TransitionsFromJson(const json& j, const std::string& path) {
  if (!j.is_array()) return Invalid(path, "not an array");
  // More transitions than any chain could certify in a proof's lifetime is a hostile input.
  constexpr std::size_t kMaxTransitions = 100000;
  if (j.size() > kMaxTransitions) return Invalid(path, "more than 100000 transitions");
  std::vector<ProvenTransition> out;
  out.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    auto t = ParseTransition(j[i], path + "[" + std::to_string(i) + "]");
    if (!t.ok()) return t.status();
    out.push_back(std::move(*t));
  }
  return out;
}

}  // namespace shanliu::ledger

namespace shanliu::ledger {

Result<CertifiedHeader> CertifiedHeaderFromJson(const json& j, const std::string& path) {
  if (!j.is_object()) return Invalid(path, "not an object");
  for (const char* field : {"header", "block_hash", "commit"}) {
    if (!j.contains(field)) return Invalid(path + "." + field, "missing");
  }
  CertifiedHeader out;
  SHANLIU_RETURN_IF_ERROR(ParseHeader(j["header"], path + ".header", &out.header));
  auto hash = ParseHash(j["block_hash"], path + ".block_hash");
  if (!hash.ok()) return hash.status();
  out.block_hash = *hash;
  SHANLIU_RETURN_IF_ERROR(ExactFields(j["commit"], {"height", "round", "block_hash", "signatures"}, path + ".commit"));
  if (Status s = JsonToMessage(j["commit"], &out.commit); !s.ok()) return Invalid(path + ".commit", s.message());
  return out;
}

}  // namespace shanliu::ledger
