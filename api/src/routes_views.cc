#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include <algorithm>
#include <cctype>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/json.h"
#include "shanliu/ledger/tx.h"
#include "views.h"

namespace shanliu::api::internal {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr std::size_t kCodeLength = 52;

Json DefaultValue(const Message& m, const FieldDescriptor* f) {
  if (f->is_repeated()) return Json::array();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64: return 0;
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: return 0.0;
    case FieldDescriptor::CPPTYPE_BOOL: return false;
    case FieldDescriptor::CPPTYPE_ENUM: return ledger::EnumValueName(f->default_value_enum());
    case FieldDescriptor::CPPTYPE_STRING: return "";
    case FieldDescriptor::CPPTYPE_MESSAGE: return RecordJson(m.GetReflection()->GetMessage(m, f));
  }
  return nullptr;
}

void FillDefaults(const Message& m, Json& out) {
  const auto* d = m.GetDescriptor();
  const auto* r = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->real_containing_oneof() != nullptr) continue;  // only the chosen member of a oneof shows
    if (!out.contains(f->name())) {
      out[f->name()] = DefaultValue(m, f);
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !f->is_repeated()) {
      FillDefaults(r->GetMessage(m, f), out[f->name()]);
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      for (int k = 0; k < r->FieldSize(m, f); ++k) FillDefaults(r->GetRepeatedMessage(m, f, k), out[f->name()][k]);
    }
  }
}

}  // namespace

std::string Hex(std::string_view raw_bytes) { return crypto::ToHex(AsBytes(raw_bytes)); }
std::string Hex(const Hash256& hash) { return crypto::ToHex(hash); }
std::string ReceiptCode(const Hash256& tx_id) { return crypto::ToBase32(tx_id); }

Hash256 HashFromBytes(std::string_view raw_bytes) {
  Hash256 h{};
  std::copy_n(raw_bytes.begin(), std::min(raw_bytes.size(), h.size()), h.begin());
  return h;
}

Result<Hash256> ParseTxId(std::string_view text) {
  if (text.size() == 64) {
    auto id = crypto::Hash256FromHex(text);
    if (!id.ok()) return Status::Error("invalid_hex", "a transaction id is 64 hex digits");
    return *id;
  }
  if (text.size() == kCodeLength) {
    auto bytes = crypto::FromBase32(text);
    if (!bytes.ok() || bytes->size() != 32) {
      return Status::Error("invalid_code", "a receipt code is 52 characters of a-z and 2-7");
    }
    return HashFromBytes(AsChars(*bytes));
  }
  return Status::Error("invalid_argument", "expected a transaction id (64 hex digits) or a receipt code (52 characters)");
}

Result<Hash256> ParseKey(std::string_view text, std::string_view what) {
  auto key = crypto::Hash256FromHex(text);
  if (!key.ok()) return Status::Error("invalid_hex", std::string(what) + " must be a 32-byte key in 64 hex digits");
  return *key;
}

Json HeaderJson(const pb::BlockHeader& h) {
  return Json{
      {"chain_id", h.chain_id()},
      {"height", h.height()},
      {"time_ms", h.time_ms()},
      {"prev_block_hash", Hex(h.prev_block_hash())},
      {"txs_root", Hex(h.txs_root())},
      {"log_size", h.log_size()},
      {"log_root", Hex(h.log_root())},
      {"state_root", Hex(h.state_root())},
      {"validators_hash", Hex(h.validators_hash())},
      {"next_validators_hash", Hex(h.next_validators_hash())},
      {"proposer_index", h.proposer_index()},
  };
}

Json CommitJson(const pb::CommitCertificate& c) {
  Json signatures = Json::array();
  for (const pb::CommitSignature& s : c.signatures()) {
    signatures.push_back({{"validator_index", s.validator_index()}, {"signature", Hex(s.signature())}});
  }
  return Json{
      {"height", c.height()},
      {"round", c.round()},
      {"block_hash", Hex(c.block_hash())},
      {"signatures", std::move(signatures)},
  };
}

Json ReceiptProofJson(const ledger::ReceiptProofData& p) {
  Json path = Json::array();
  for (const Hash256& h : p.inclusion_path) path.push_back(Hex(h));
  return Json{
      {"tx", crypto::ToHex(p.tx.envelope)},
      {"tx_id", Hex(p.tx.id)},
      {"leaf_index", p.tx.location.leaf()},
      {"log_size", p.header.log_size()},
      {"inclusion_path", std::move(path)},
      {"header", HeaderJson(p.header)},
      {"block_hash", Hex(p.block_hash)},
      {"commit", CommitJson(p.commit)},
      {"validator_transitions", ledger::TransitionsToJson(p.transitions)},
  };
}

Json RecordJson(const Message& record) {
  Json out = ledger::MessageToJson(record);
  FillDefaults(record, out);
  return out;
}

Json FlowJson(const ledger::flow::AccountFlow& f) {
  return Json{
      {"balance_fen", f.balance_fen}, {"inflow_fen", f.inflow_fen}, {"received_fen", f.received_fen},
      {"sent_fen", f.sent_fen},       {"spent_fen", f.spent_fen},   {"refunded_fen", f.refunded_fen},
  };
}

Json PayloadJson(const pb::TxBody& body) {
  const auto* oneof = pb::TxBody::descriptor()->FindOneofByName("payload");
  const FieldDescriptor* field = body.GetReflection()->GetOneofFieldDescriptor(body, oneof);
  if (field == nullptr) return Json::object();
  return ledger::MessageToJson(body.GetReflection()->GetMessage(body, field));
}

std::vector<std::string> SignerKeys(ByteView envelope) {
  pb::Tx tx;
  std::vector<std::string> keys;
  if (!tx.ParseFromArray(envelope.data(), static_cast<int>(envelope.size()))) {
    throw ledger::StorageError("a stored transaction envelope does not parse");
  }
  for (const pb::Signature& s : tx.sigs()) keys.push_back(Hex(s.public_key()));
  return keys;
}

std::string SignedBodyBytes(ByteView envelope) {
  pb::Tx tx;
  if (!tx.ParseFromArray(envelope.data(), static_cast<int>(envelope.size()))) {
    throw ledger::StorageError("a stored transaction envelope does not parse");
  }
  return tx.body();
}

Json AttestedByJson(const ledger::ReadView& view, const ledger::TxRecord& tx) {
  const pb::TxBody& body = tx.body;
  if (body.has_donation()) {
    return body.donation().attesting_bank().empty() ? Json(nullptr) : Json(body.donation().attesting_bank());
  }
  if (body.has_trust_deposit()) {
    auto trust = view.Trust(body.trust_deposit().trust_id());
    return trust ? Json(trust->spec().custodian_bank()) : Json(nullptr);
  }
  const std::string bank = view.AttestedBy(tx.id);
  return bank.empty() ? Json(nullptr) : Json(bank);
}

Json CorrectedByJson(const ledger::ReadView& view, const Hash256& tx_id) {
  auto link = view.CorrectedBy(tx_id);
  if (!link) return nullptr;
  Json out = {{"id", Hex(link->correction_tx_id())},
              {"leaf", link->correction_leaf()},
              {"height", link->height()},
              {"amount_fen", link->amount_fen()},
              {"points_reversed", link->points_reversed()},
              {"reason", ""}};
  Hash256 id{};
  if (link->correction_tx_id().size() == id.size()) {
    std::copy(link->correction_tx_id().begin(), link->correction_tx_id().end(), id.begin());
    out["code"] = ReceiptCode(id);
    if (auto tx = view.TxById(id); tx && tx->body.has_correction()) out["reason"] = tx->body.correction().reason();
  }
  return out;
}

Json TxSummaryJson(const ledger::TxRecord& tx) {
  return Json{
      {"id", Hex(tx.id)},
      {"code", ReceiptCode(tx.id)},
      {"kind", ledger::PayloadKindName(tx.body)},
      {"leaf", tx.location.leaf()},
      {"height", tx.location.height()},
      {"index", tx.location.index_in_block()},
      {"time_ms", tx.time_ms},
      {"payload", PayloadJson(tx.body)},
  };
}

Json ActivityPage(const ledger::ReadView& view, const std::vector<std::uint64_t>& leaves, std::size_t limit) {
  Json items = Json::array();
  for (std::size_t i = 0; i < leaves.size() && i < limit; ++i) {
    auto tx = view.TxByLeaf(leaves[i]);
    if (!tx) throw ledger::StorageError("an activity index names a missing log leaf");
    items.push_back(TxSummaryJson(*tx));
  }
  Json next = leaves.size() > limit ? Json(leaves[limit - 1]) : Json(nullptr);
  return Json{{"items", std::move(items)}, {"next", std::move(next)}};
}

CategoryName SpendCategoryName(pb::SpendCategory category) {
  switch (category) {
    case pb::SPEND_CATEGORY_MATERIAL: return {"物资", "Material"};
    case pb::SPEND_CATEGORY_CASH_AID: return {"现金救助", "Cash aid"};
    case pb::SPEND_CATEGORY_SERVICE: return {"服务", "Services"};
    case pb::SPEND_CATEGORY_ADMIN: return {"管理费用", "Administration"};
    case pb::SPEND_CATEGORY_OTHER: return {"其他", "Other"};
    default: return {"未分类", "Unspecified"};
  }
}

const Json& Names::Org(const std::string& org_id) {
  auto it = orgs_.find(org_id);
  if (it != orgs_.end()) return it->second;
  Json out = {{"org_id", org_id}};
  if (auto org = view_.Org(org_id)) {
    out["kind"] = ledger::OrgKindName(org->kind());
    out["name_zh"] = org->name_zh();
    out["name_en"] = org->name_en();
  }
  return orgs_.emplace(org_id, std::move(out)).first->second;
}

const Json& Names::Account(const std::string& account) {
  auto it = accounts_.find(account);
  if (it != accounts_.end()) return it->second;
  Json out = {{"account", account}};
  const std::size_t colon = account.find(':');
  const std::string type = account.substr(0, colon);
  const std::string id = colon == std::string::npos ? "" : account.substr(colon + 1);
  out["type"] = type;
  out["id"] = id;
  if (type == "org") {
    const Json& org = Org(id);
    if (org.contains("name_zh")) {
      out["name_zh"] = org["name_zh"];
      out["name_en"] = org["name_en"];
      out["owner_org"] = id;
    }
  } else if (type == "project") {
    if (auto p = view_.Project(id)) {
      out["name_zh"] = p->spec().name_zh();
      out["name_en"] = p->spec().name_en();
      out["owner_org"] = p->spec().owner_org();
    }
  } else if (type == "trust") {
    if (auto t = view_.Trust(id)) {
      out["name_zh"] = t->spec().name_zh();
      out["name_en"] = t->spec().name_en();
      out["owner_org"] = t->spec().trustee_org();
    }
  }
  return accounts_.emplace(account, std::move(out)).first->second;
}

}  // namespace shanliu::api::internal
