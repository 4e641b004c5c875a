// The human summary a signer reads before signing a request: generated from the body bytes
// each time, never taken from the request file, so an edited summary cannot mislead a signer.
#include <google/protobuf/descriptor.h>

#include <map>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/json.h"
#include "shanliu/ledger/origin_keys.h"
#include "shanliu/ledger/signing_request.h"
#include "shanliu/ledger/tx.h"

namespace shanliu::ledger {
namespace {

using google::protobuf::FieldDescriptor;

const char* KindZh(const std::string& kind) {
  static const std::map<std::string, const char*> names = {
      {"register_org", "登记组织"},       {"update_org", "变更组织"},         {"rotate_key", "更换密钥"},
      {"open_project", "设立项目"},       {"close_project", "项目结项"},      {"update_project", "项目进展"},
      {"donation", "捐赠"},               {"transfer", "拨付"},               {"open_trust", "设立慈善信托"},
      {"trust_deposit", "信托资金存入"},  {"trust_disbursement", "信托资金拨付"}, {"spend", "支出"},
      {"refund", "退款"},                 {"volunteer_service", "志愿服务"},  {"redeem_points", "积分兑换"},
      {"disclosure", "信息公开"},         {"correction", "更正"},             {"region_population", "常住人口"},
      {"register_street", "登记街道"},   {"request_key_recovery", "申请恢复密钥"}, {"veto_key_recovery", "否决密钥恢复"},
      {"complete_key_recovery", "完成密钥恢复"}, {"validator_set_change", "变更验证人"}};
  auto it = names.find(kind);
  return it == names.end() ? "交易" : it->second;
}

const char* FieldZh(const std::string& field) {
  static const std::map<std::string, const char*> names = {
      {"from_account", "付款账户"}, {"to_account", "收款账户"}, {"trust_id", "信托"},       {"project_id", "项目"},
      {"org_id", "组织"},           {"owner_org", "所属组织"},  {"charity_org", "慈善组织"}, {"merchant_org", "商户"},
      {"holder", "积分持有人"},     {"points", "积分"},         {"minutes", "分钟"},        {"purpose", "用途"},
      {"description", "说明"},      {"memo", "备注"},           {"title", "标题"},          {"reason", "原因"},
      {"category", "类别"},         {"payee_name", "收款方"},   {"attesting_bank", "见证银行"}};
  auto it = names.find(field);
  return it == names.end() ? nullptr : it->second;
}

// ¥1,234.56 from fen, exactly (integer arithmetic).
std::string Yuan(std::int64_t fen) {
  const bool negative = fen < 0;
  const std::uint64_t abs = negative ? 0 - static_cast<std::uint64_t>(fen) : static_cast<std::uint64_t>(fen);
  std::string whole = std::to_string(abs / 100);
  for (int i = static_cast<int>(whole.size()) - 3; i > 0; i -= 3) whole.insert(static_cast<std::size_t>(i), ",");
  const std::uint64_t cents = abs % 100;
  return std::string(negative ? "-" : "") + "¥" + whole + "." + (cents < 10 ? "0" : "") + std::to_string(cents);
}

// "name: value" parts of the payload's set scalar fields, amounts in yuan and fen.
std::vector<std::pair<std::string, std::string>> Fields(const google::protobuf::Message& payload, bool zh) {
  std::vector<std::pair<std::string, std::string>> out;
  const nlohmann::json j = MessageToJson(payload);
  for (const auto& [name, value] : j.items()) {
    if (value.is_object() || value.is_array() || value.is_null()) continue;
    if (value.is_string() && value.get<std::string>().empty()) continue;
    std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    if (name.ends_with("_fen") && value.is_number_integer()) {
      text = Yuan(value.get<std::int64_t>()) + (zh ? "（" + text + " 分）" : " (" + text + " fen)");
    }
    if (text.size() > 80) {  // cut on a UTF-8 boundary, never inside a character
      std::size_t cut = 77;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
      text = text.substr(0, cut) + "...";
    }
    const char* label = zh ? FieldZh(name) : nullptr;
    out.emplace_back(label ? std::string(label) : name, text);
  }
  return out;
}

// A ValidatorSetChange's updates and hand-over, which Fields() leaves out (they are messages): a
// validator signing the change must see whom it adds and removes and which origin key shares it
// hands over (the digest is the one `shanliu validators change` prints from the ceremony's file).
std::vector<std::pair<std::string, std::string>> ValidatorChangeFields(const pb::ValidatorSetChange& p, bool zh) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const pb::ValidatorUpdate& u : p.updates()) {
    const std::string key = crypto::ToHex(AsBytes(u.public_key().substr(0, 8))) + "…";
    std::string text;
    if (u.voting_power() == 0) {
      text = zh ? "移除 " + key : "remove " + key;
    } else if (u.org_id().empty()) {
      text = (zh ? "调整 " : "reweight ") + key + (zh ? " 投票权 " : " power ") + std::to_string(u.voting_power());
    } else {
      text = (zh ? "加入 " : "add ") + key + (zh ? " 投票权 " : " power ") + std::to_string(u.voting_power()) +
             (zh ? "，组织 " : ", org ") + u.org_id();
    }
    out.emplace_back(zh ? "验证人" : "validator", text);
  }
  if (p.has_origin_key()) {
    const pb::OriginKeyHandover& h = p.origin_key();
    const std::string digest = crypto::ToHex(OriginHandoverDigest(h));
    out.emplace_back(zh ? "起源密钥移交" : "origin_key",
                     zh ? std::to_string(h.shares_size()) + " 份（门限 " + std::to_string(h.min_signers()) +
                              "），SHA-256 " + digest
                        : "handed over in " + std::to_string(h.shares_size()) + " shares (min_signers " +
                              std::to_string(h.min_signers()) + "), SHA-256 " + digest);
  } else {
    out.emplace_back(zh ? "起源密钥移交" : "origin_key", zh ? "无（新集合不持有份额，起源签名停止）"
                                                             : "none (the new set holds no share: the origin line stops)");
  }
  return out;
}

}  // namespace

std::string SigningSummary(const pb::TxBody& body, std::string_view language) {
  const std::string kind = PayloadKindName(body);
  const bool zh = language == "zh";
  std::string out = zh ? std::string(KindZh(kind)) + "（" + kind + "）" : kind;
  if (body.payload_case() != pb::TxBody::PAYLOAD_NOT_SET) {
    const FieldDescriptor* field = pb::TxBody::descriptor()->FindFieldByNumber(static_cast<int>(body.payload_case()));
    const auto& payload = body.GetReflection()->GetMessage(body, field);
    auto fields = Fields(payload, zh);
    if (body.has_validator_set_change()) {
      for (auto& f : ValidatorChangeFields(body.validator_set_change(), zh)) fields.push_back(std::move(f));
    }
    for (const auto& [name, text] : fields) out += (zh ? "；" : "; ") + name + (zh ? "：" : ": ") + text;
  }
  out += zh ? "。链 " + body.chain_id() + "，有效期至区块高度 " + std::to_string(body.expires_at_height()) + " 或 " +
                  std::to_string(body.expires_at_ms()) + " 毫秒（UTC 纪元），先到为准。"
            : ". Chain " + body.chain_id() + "; valid until height " + std::to_string(body.expires_at_height()) +
                  " or " + std::to_string(body.expires_at_ms()) + " ms (UTC epoch), whichever comes first.";
  return out;
}

}  // namespace shanliu::ledger
