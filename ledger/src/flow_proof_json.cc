// Flow proofs as JSON (docs/flow-proof.md): hashes and bytes as lowercase hex, the header with
// every field of the v2 header (named as in the .proto), strict parsing naming the bad field.
#include <google/protobuf/descriptor.h>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/flow_proof.h"
#include "shanliu/ledger/json.h"

namespace shanliu::ledger::flow_proof {
namespace {

using nlohmann::json;

std::string Hex(ByteView b) { return crypto::ToHex(b); }
std::string Hex(std::string_view s) { return crypto::ToHex(AsBytes(s)); }

Status Invalid(const std::string& field, const std::string& why) {
  return Status::Error("invalid_proof", "flow proof: " + field + ": " + why);
}

// Field access with a clear error for a missing or mistyped field.
class Reader {
 public:
  Reader(const json& j, std::string path) : j_(j), path_(std::move(path)) {}

  bool Has(const char* f) const { return j_.is_object() && j_.contains(f); }
  Status Object(std::initializer_list<const char*> fields) const {
    if (!j_.is_object()) return Invalid(path_, "not an object");
    for (const char* f : fields) {
      if (!j_.contains(f)) return Invalid(path_ + "." + f, "missing");
    }
    for (const auto& item : j_.items()) {
      // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
      const std::string& k = item.key();
      if (std::find_if(fields.begin(), fields.end(), [&](const char* f) { return k == f; }) == fields.end()) {
        return Invalid(path_ + "." + k, "unknown field");
      }
    }
    return Status::Ok();
  }
  Result<std::uint64_t> U64(const char* f) const {
    const json& v = j_[f];
    if (!v.is_number_integer() || (!v.is_number_unsigned() && v.get<std::int64_t>() < 0)) {
      return Invalid(path_ + "." + f, "not an unsigned integer");
    }
    return j_[f].get<std::uint64_t>();
  }
  Result<Bytes> HexBytes(const json& v, const std::string& where) const {
    if (!v.is_string()) return Invalid(where, "not a hex string");
    auto b = crypto::FromHex(v.get<std::string>());
    if (!b.ok()) return Invalid(where, b.status().message());
    return *b;
  }
  Result<Bytes> HexField(const char* f) const { return HexBytes(j_[f], path_ + "." + f); }
  Result<Hash256> HashField(const char* f) const {
    auto b = HexField(f);
    if (!b.ok()) return b.status();
    if (b->size() != 32) return Invalid(path_ + "." + f, "not 32 bytes");
    Hash256 h{};
    std::copy(b->begin(), b->end(), h.begin());
    return h;
  }
  const json& operator[](const char* f) const { return j_[f]; }
  const std::string& path() const { return path_; }

 private:
  const json& j_;
  std::string path_;
};

json RecordsJson(const std::vector<Record>& records) {
  json out = json::array();
  for (const Record& r : records) {
    out.push_back({{"key", Hex(r.key)}, {"value", r.value ? json(Hex(*r.value)) : json(nullptr)}});
  }
  return out;
}

json TxsJson(const std::vector<ProvenTx>& txs) {
  json out = json::array();
  for (const ProvenTx& t : txs) {
    json path = json::array();
    for (const Hash256& h : t.inclusion_path) path.push_back(Hex(h));
    out.push_back({{"leaf", t.leaf}, {"tx", Hex(t.envelope)}, {"inclusion_path", std::move(path)}});
  }
  return out;
}

void AddEnvelope(const Envelope& e, json& out) {
  out["header"] = HeaderToJson(e.header);
  out["block_hash"] = Hex(e.block_hash);
  out["commit"] = CommitToJson(e.commit);
  out["state_proof"] = Hex(e.state_proof);
  out["records"] = RecordsJson(e.records);
  out["txs"] = TxsJson(e.txs);
  out["validator_transitions"] = TransitionsToJson(e.transitions);
}

Result<Record> ParseRecord(const json& j, const std::string& path) {
  Reader r(j, path);
  SHANLIU_RETURN_IF_ERROR(r.Object({"key", "value"}));
  auto key = r.HexField("key");
  if (!key.ok()) return key.status();
  Record out{ToString(*key), std::nullopt};
  if (!r["value"].is_null()) {
    auto value = r.HexField("value");
    if (!value.ok()) return value.status();
    out.value = ToString(*value);
  }
  return out;
}

Result<ProvenTx> ParseTx(const json& j, const std::string& path) {
  Reader r(j, path);
  SHANLIU_RETURN_IF_ERROR(r.Object({"leaf", "tx", "inclusion_path"}));
  ProvenTx out;
  auto leaf = r.U64("leaf");
  if (!leaf.ok()) return leaf.status();
  out.leaf = *leaf;
  auto tx = r.HexField("tx");
  if (!tx.ok()) return tx.status();
  out.envelope = std::move(*tx);
  if (!r["inclusion_path"].is_array()) return Invalid(path + ".inclusion_path", "not an array");
  for (std::size_t i = 0; i < r["inclusion_path"].size(); ++i) {
    const std::string where = path + ".inclusion_path[" + std::to_string(i) + "]";
    auto h = r.HexBytes(r["inclusion_path"][i], where);
    if (!h.ok()) return h.status();
    if (h->size() != 32) return Invalid(where, "not 32 bytes");
    Hash256 hash{};
    std::copy(h->begin(), h->end(), hash.begin());
    out.inclusion_path.push_back(hash);
  }
  return out;
}

// Every field of `message` must be present in `j` (the header has no optional parts).
Status ParseMessage(const json& j, const std::string& path, google::protobuf::Message* message) {
  if (!j.is_object()) return Invalid(path, "not an object");
  const google::protobuf::Descriptor* d = message->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    if (!d->field(i)->is_repeated() && !j.contains(d->field(i)->name())) {
      return Invalid(path + "." + std::string(d->field(i)->name()), "missing");
    }
  }
  if (Status s = JsonToMessage(j, message); !s.ok()) return Invalid(path, s.message());
  return Status::Ok();
}

Status ParseEnvelope(const Reader& r, Envelope& e) {
  SHANLIU_RETURN_IF_ERROR(ParseMessage(r["header"], "header", &e.header));
  auto hash = r.HashField("block_hash");
  if (!hash.ok()) return hash.status();
  e.block_hash = *hash;
  SHANLIU_RETURN_IF_ERROR(ParseMessage(r["commit"], "commit", &e.commit));
  auto proof = r.HexField("state_proof");
  if (!proof.ok()) return proof.status();
  e.state_proof = std::move(*proof);
  if (!r["records"].is_array()) return Invalid("records", "not an array");
  for (std::size_t i = 0; i < r["records"].size(); ++i) {
    auto rec = ParseRecord(r["records"][i], "records[" + std::to_string(i) + "]");
    if (!rec.ok()) return rec.status();
    e.records.push_back(std::move(*rec));
  }
  if (!r["txs"].is_array()) return Invalid("txs", "not an array");
  for (std::size_t i = 0; i < r["txs"].size(); ++i) {
    auto tx = ParseTx(r["txs"][i], "txs[" + std::to_string(i) + "]");
    if (!tx.ok()) return tx.status();
    e.txs.push_back(std::move(*tx));
  }
  if (r.Has("validator_transitions")) {
    auto transitions = TransitionsFromJson(r["validator_transitions"], r.path() + ".validator_transitions");
    if (!transitions.ok()) return Status::Error("invalid_proof", "flow proof: " + transitions.status().message());
    e.transitions = std::move(*transitions);
  }
  return Status::Ok();
}

Status CheckVersion(const Reader& r) {
  auto version = r.U64("version");
  if (!version.ok()) return version.status();
  if (*version != kVersion) return Invalid("version", "version " + std::to_string(*version) + " is not supported");
  return Status::Ok();
}

}  // namespace

json HeaderToJson(const pb::BlockHeader& header) {
  json out = MessageToJson(header);
  // Every field, defaults included (proto3 JSON leaves zeros out).
  const google::protobuf::Descriptor* d = header.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = d->field(i);
    const std::string name(f->name());
    if (out.contains(name)) continue;
    out[name] = f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_STRING ? json("") : json(0);
  }
  return out;
}

json CommitToJson(const pb::CommitCertificate& c) {
  json signatures = json::array();
  for (const pb::CommitSignature& s : c.signatures()) {
    signatures.push_back({{"validator_index", s.validator_index()}, {"signature", Hex(s.signature())}});
  }
  return json{{"height", c.height()}, {"round", c.round()}, {"block_hash", Hex(c.block_hash())},
              {"signatures", std::move(signatures)}};
}

json ToJson(const FlowProof& p) {
  json out = {{"version", kVersion}, {"tx_id", Hex(p.tx_id)}};
  AddEnvelope(p.envelope, out);
  out["max_nodes"] = p.max_nodes;
  return out;
}

json ToJson(const Envelope& e) {
  json out = {{"version", kVersion}};
  AddEnvelope(e, out);
  return out;
}

json ToJson(const SourcesProof& p) {
  json out = {{"version", kVersion}, {"outflow_leaf", p.outflow_leaf}, {"cursor", p.cursor}, {"limit", p.limit}};
  AddEnvelope(p.envelope, out);
  return out;
}

Result<FlowProof> FlowProofFromJson(const json& j) {
  Reader r(j, "flow_proof");
  // validator_transitions is optional: proofs of chains whose set never changed were served without it.
  SHANLIU_RETURN_IF_ERROR(r.Has("validator_transitions")
                              ? r.Object({"version", "tx_id", "header", "block_hash", "commit", "state_proof", "records",
                                          "txs", "max_nodes", "validator_transitions"})
                              : r.Object({"version", "tx_id", "header", "block_hash", "commit", "state_proof", "records",
                                          "txs", "max_nodes"}));
  SHANLIU_RETURN_IF_ERROR(CheckVersion(r));
  FlowProof out;
  auto id = r.HashField("tx_id");
  if (!id.ok()) return id.status();
  out.tx_id = *id;
  auto max_nodes = r.U64("max_nodes");
  if (!max_nodes.ok()) return max_nodes.status();
  if (*max_nodes == 0 || *max_nodes > kMaxNodes) return Invalid("max_nodes", "must be 1.." + std::to_string(kMaxNodes));
  out.max_nodes = *max_nodes;
  SHANLIU_RETURN_IF_ERROR(ParseEnvelope(r, out.envelope));
  return out;
}

Result<SourcesProof> SourcesProofFromJson(const json& j) {
  Reader r(j, "proof");
  SHANLIU_RETURN_IF_ERROR(r.Has("validator_transitions")
                              ? r.Object({"version", "outflow_leaf", "cursor", "limit", "header", "block_hash", "commit",
                                          "state_proof", "records", "txs", "validator_transitions"})
                              : r.Object({"version", "outflow_leaf", "cursor", "limit", "header", "block_hash", "commit",
                                          "state_proof", "records", "txs"}));
  SHANLIU_RETURN_IF_ERROR(CheckVersion(r));
  SourcesProof out;
  auto leaf = r.U64("outflow_leaf");
  if (!leaf.ok()) return leaf.status();
  auto cursor = r.U64("cursor");
  if (!cursor.ok()) return cursor.status();
  auto limit = r.U64("limit");
  if (!limit.ok()) return limit.status();
  out.outflow_leaf = *leaf;
  out.cursor = *cursor;
  out.limit = *limit;
  SHANLIU_RETURN_IF_ERROR(ParseEnvelope(r, out.envelope));
  return out;
}

}  // namespace shanliu::ledger::flow_proof
