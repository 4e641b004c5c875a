#include "verify_flow.h"

#include <google/protobuf/descriptor.h>

#include "format.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/goods.h"
#include "shanliu/ledger/json.h"
#include "shanliu/ledger/text.h"
#include "shanliu/ledger/tx.h"

namespace shanliu::cli {
namespace {

using nlohmann::json;
namespace fp = ledger::flow_proof;
namespace flow = ledger::flow;
using google::protobuf::FieldDescriptor;

std::string Hex(std::string_view raw) { return crypto::ToHex(AsBytes(raw)); }
std::string Hex(const Hash256& h) { return crypto::ToHex(h); }

// A proto message as the API shows records: every field, defaults included.
json RecordJson(const google::protobuf::Message& m) {
  json out = ledger::MessageToJson(m);
  const auto* d = m.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (out.contains(f->name()) || f->real_containing_oneof() != nullptr) continue;
    if (f->is_repeated()) {
      out[f->name()] = json::array();
      continue;
    }
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_BOOL: out[f->name()] = false; break;
      case FieldDescriptor::CPPTYPE_ENUM: out[f->name()] = ledger::EnumValueName(f->default_value_enum()); break;
      case FieldDescriptor::CPPTYPE_STRING: out[f->name()] = ""; break;
      case FieldDescriptor::CPPTYPE_MESSAGE: break;  // not in the records compared here
      default: out[f->name()] = 0; break;
    }
  }
  return out;
}

json OrgRef(const fp::VerifiedFlow& flow, const std::string& id) {
  json out = {{"org_id", id}};
  auto it = flow.orgs.find(id);
  if (it == flow.orgs.end()) return out;
  out["kind"] = ledger::OrgKindName(it->second.kind());
  out["name_zh"] = it->second.name_zh();
  out["name_en"] = it->second.name_en();
  return out;
}

// {"account", "type", "id", "name_zh", "name_en", "owner_org"} from proven records.
json AccountRef(const fp::VerifiedFlow& flow, const std::string& account) {
  const std::size_t colon = account.find(':');
  const std::string type = account.substr(0, colon);
  const std::string id = colon == std::string::npos ? "" : account.substr(colon + 1);
  json out = {{"account", account}, {"type", type}, {"id", id}};
  if (auto o = flow.orgs.find(id); type == "org" && o != flow.orgs.end()) {
    out["name_zh"] = o->second.name_zh();
    out["name_en"] = o->second.name_en();
    out["owner_org"] = id;
  } else if (auto p = flow.projects.find(id); type == "project" && p != flow.projects.end()) {
    out["name_zh"] = p->second.spec().name_zh();
    out["name_en"] = p->second.spec().name_en();
    out["owner_org"] = p->second.spec().owner_org();
  } else if (auto t = flow.trusts.find(id); type == "trust" && t != flow.trusts.end()) {
    out["name_zh"] = t->second.spec().name_zh();
    out["name_en"] = t->second.spec().name_en();
    out["owner_org"] = t->second.spec().trustee_org();
  }
  return out;
}

std::string EnumName(const google::protobuf::EnumDescriptor* d, int value) {
  return ledger::EnumValueName(d->FindValueByNumber(value));
}

// The hop tx as the trace shows it, signed fields only (its block height and time are not proven).
json HopJson(const fp::VerifiedFlow& flow, std::uint64_t leaf) {
  const fp::HopTx& hop = flow.hop_txs.at(leaf);
  const pb::TxBody& b = hop.body;
  json out = {{"id", Hex(hop.id)}, {"code", crypto::ToBase32(hop.id)}, {"leaf", leaf},
              {"kind", ledger::PayloadKindName(b)}};
  auto target = [&](const std::string& from, const std::string& to, std::int64_t amount, const std::string& purpose) {
    const json ref = AccountRef(flow, to);
    out["from_account"] = from;
    out["to_account"] = to;
    out["to_name_zh"] = ref.value("name_zh", "");
    out["to_name_en"] = ref.value("name_en", "");
    out["to_owner_org"] = ref.value("owner_org", "");
    out["amount_fen"] = amount;
    out["purpose"] = purpose;
  };
  if (b.has_transfer()) {
    target(b.transfer().from_account(), b.transfer().to_account(), b.transfer().amount_fen(), b.transfer().purpose());
  } else if (b.has_trust_disbursement()) {
    const pb::TrustDisbursement& t = b.trust_disbursement();
    target("trust:" + t.trust_id(), t.to_account(), t.amount_fen(), t.purpose());
  } else if (b.has_spend()) {
    const pb::Spend& s = b.spend();
    out["from_account"] = s.from_account();
    out["amount_fen"] = s.amount_fen();
    out["category"] = EnumName(pb::SpendCategory_descriptor(), s.category());
    out["payee_kind"] = EnumName(pb::PayeeKind_descriptor(), s.payee_kind());
    out["payee_name"] = s.payee_name();
    out["beneficiary_count"] = s.beneficiary_count();
    out["invoice_hash"] = Hex(s.invoice_hash());
    out["description"] = s.description();
    out["occurred_at_ms"] = s.occurred_at_ms();
  } else if (b.has_refund()) {
    out["donation_tx_id"] = Hex(b.refund().donation_tx_id());
    out["reason"] = b.refund().reason();
  } else if (b.has_correction()) {
    out["corrects"] = Hex(b.correction().corrected_tx_id());
    out["reason"] = b.correction().reason();
  }
  // A reversed outflow's correction, proven by its link row (docs/flow-proof.md check 6).
  if (auto it = flow.corrected_by.find(leaf); it != flow.corrected_by.end()) {
    const fp::HopTx& correction = flow.hop_txs.at(it->second);
    out["corrected_by"] = {{"id", Hex(correction.id)},
                           {"code", crypto::ToBase32(correction.id)},
                           {"leaf", it->second},
                           {"reason", correction.body.correction().reason()}};
  }
  if (b.has_spend() || b.has_refund()) {
    auto bank = flow.hop_attested_by.find(leaf);
    out["attested_by"] = bank == flow.hop_attested_by.end() ? json(nullptr) : json(bank->second);
  }
  return out;
}

json NodeJson(const fp::VerifiedFlow& flow, const flow::TraceNode& n) {
  const json ref = AccountRef(flow, n.account);
  json children = json::array();
  for (const flow::TraceNode& c : n.children) children.push_back(NodeJson(flow, c));
  return json{{"account", n.account},
              {"account_name_zh", ref.value("name_zh", "")},
              {"account_name_en", ref.value("name_en", "")},
              {"amount_fen", n.amount_fen},
              {"fate", flow::FateName(n.fate)},
              {"tx", n.fate == flow::Fate::kUnspent ? json(nullptr) : HopJson(flow, n.tx)},
              {"children", std::move(children)}};
}

std::string Value(const json& j) { return j.dump(); }

}  // namespace

fp::ReceiptFacts FactsOf(const ProofReport& receipt) {
  fp::ReceiptFacts facts;
  facts.tx_id = receipt.tx_id;
  facts.envelope = ToBytes(receipt.proof.tx());
  facts.body = receipt.body;
  facts.leaf_index = receipt.proof.leaf_index();
  facts.height = receipt.proof.header().height();
  return facts;
}

json ProvenDonationJson(const fp::VerifiedFlow& flow, const ProofReport& receipt) {
  const pb::GiftRecord& g = flow.gift;
  const pb::TxBody& body = receipt.body;
  json d = RecordJson(g);
  d.erase("donor_ref");  // the signed body's, compared below with the rest of the body
  d["id"] = Hex(receipt.tx_id);
  d["code"] = crypto::ToBase32(receipt.tx_id);
  d["kind"] = g.trust_deposit() ? "trust_deposit" : "donation";
  d["restricted"] = g.account().starts_with("project:");
  // Shown from the signed body (docs/flow-proof.md: donor display name, channel, memo).
  const std::string donor = body.has_donation() ? body.donation().donor_display_name()
                                                : body.trust_deposit().settlor_display_name();
  d["donor_display_name"] = donor;
  d["anonymous"] = donor.empty();
  d["memo"] = body.has_donation() ? body.donation().memo() : "";
  if (body.has_donation()) {
    d["channel"] = EnumName(pb::DonationChannel_descriptor(), body.donation().channel());
    d["donor_ref"] = Hex(body.donation().donor_ref());
  }
  d["to"] = AccountRef(flow, g.account());
  d["recorded_by_org"] = OrgRef(flow, g.recorded_by());
  d["attesting_bank_org"] = g.attesting_bank().empty() ? json(nullptr) : OrgRef(flow, g.attesting_bank());
  d["refund_tx"] = nullptr;
  if (auto it = flow.hop_txs.find(g.refund_leaf()); g.refunded_fen() != 0 && it != flow.hop_txs.end()) {
    d["refund_tx"] = Hex(it->second.id);
  } else if (g.refunded_fen() != 0) {
    d.erase("refund_tx");  // refunded before the walk's reach: the refund tx is not in the proof
  }
  if (auto it = flow.hop_txs.find(g.corrected_leaf()); g.corrected_leaf() != 0 && it != flow.hop_txs.end()) {
    d["corrected_by"] = {{"id", Hex(it->second.id)}, {"code", crypto::ToBase32(it->second.id)},
                         {"leaf", g.corrected_leaf()}};
  }
  return d;
}

json ProvenTraceJson(const fp::VerifiedFlow& flow) {
  json nodes = json::array();
  for (const flow::TraceNode& n : flow.trace.roots) nodes.push_back(NodeJson(flow, n));
  return json{{"account", flow.gift.account()},
              {"amount_fen", flow.gift.amount_fen()},
              {"truncated", flow.trace.truncated},
              {"totals",
               {{"spent_fen", flow.spent_fen},
                {"unspent_fen", flow.unspent_fen},
                {"refunded_fen", flow.refunded_fen},
                {"withdrawn_fen", flow.withdrawn_fen},
                {"untraced_fen", flow.untraced_fen}}},
              {"nodes", std::move(nodes)}};
}

namespace {

std::string DateText(std::uint32_t yyyymmdd) {
  if (yyyymmdd == 0) return "";
  char out[16];
  std::snprintf(out, sizeof out, "%04u-%02u-%02u", yyyymmdd / 10000, yyyymmdd / 100 % 100, yyyymmdd % 100);
  return out;
}

// A goods hop as GET /v1/goods/{id}/trace shows it, signed and recorded fields only.
json GoodsHopJson(const fp::VerifiedFlow& flow, std::uint64_t leaf) {
  const fp::HopTx& hop = flow.hop_txs.at(leaf);
  json out = {{"tx_id", Hex(hop.id)}, {"leaf", leaf}};
  if (hop.body.has_goods_distribution()) {
    const pb::GoodsDistribution& d = hop.body.goods_distribution();
    const pb::GoodsDistributionRecord& rec = flow.goods->distributions.at(leaf);
    out["kind"] = "goods_distribution";
    out["date"] = DateText(rec.block_date());
    out["place_name"] = d.place_name();
    out["region"] = d.region();
    out["beneficiary_count"] = d.beneficiary_count();
    out["evidence_hash"] = d.evidence_hash().empty() ? json(nullptr) : json(Hex(d.evidence_hash()));
    out["occurred_at_ms"] = d.occurred_at_ms();
    out["expired_quantity"] = rec.expired_quantity();
  } else {
    const pb::GoodsTransfer& t = hop.body.goods_transfer();
    out["kind"] = "goods_transfer";
    out["to_account"] = t.to_account();
    out["to_name_zh"] = AccountRef(flow, t.to_account()).value("name_zh", "");
    out["purpose"] = t.purpose();
  }
  return out;
}

json GoodsNodeJson(const fp::VerifiedFlow& flow, const flow::TraceNode& n) {
  const std::string holder = ledger::goods::HolderOf(n.account);
  const json ref = AccountRef(flow, holder);
  json children = json::array();
  for (const flow::TraceNode& c : n.children) children.push_back(GoodsNodeJson(flow, c));
  return json{{"account", n.account},
              {"holder", holder},
              {"holder_name_zh", ref.value("name_zh", "")},
              {"holder_name_en", ref.value("name_en", "")},
              {"quantity", n.amount_fen},
              {"fate", n.fate == flow::Fate::kSpent ? "distributed" : flow::FateName(n.fate)},
              {"tx", n.fate == flow::Fate::kUnspent ? json(nullptr) : GoodsHopJson(flow, n.tx)},
              {"children", std::move(children)}};
}

}  // namespace

json ProvenGoodsJson(const fp::VerifiedFlow& flow, const ProofReport& receipt) {
  const pb::GoodsGiftRecord& g = flow.goods->gift;
  const pb::GoodsItem& item = flow.goods->item;
  const std::string holder = ledger::goods::HolderOf(g.account());
  json nodes = json::array();
  for (const flow::TraceNode& n : flow.trace.roots) nodes.push_back(GoodsNodeJson(flow, n));
  return json{
      {"id", Hex(receipt.tx_id)},
      {"code", crypto::ToBase32(receipt.tx_id)},
      // The genesis file is trusted here, so a genesis item's names are proven too.
      {"item", {{"item_code", item.item_code()}, {"name_zh", item.name_zh()}, {"name_en", item.name_en()},
                {"unit", item.unit()}}},
      {"quantity", g.quantity()},
      {"value_fen", g.value_fen()},
      {"lot_number", g.lot_number()},
      {"expires_on", DateText(g.expires_on())},
      {"donor_display_name", g.donor_display_name().empty() ? "匿名" : g.donor_display_name()},
      {"account", g.account()},
      {"holder", holder},
      {"holder_name_zh", AccountRef(flow, holder).value("name_zh", "")},
      {"recorded_by", g.recorded_by()},
      {"notary_org", g.notary_org().empty() ? json(nullptr) : json(g.notary_org())},
      {"height", g.height()},
      {"time_ms", g.time_ms()},
      {"truncated", flow.trace.truncated},
      {"totals", {{"distributed", flow.spent_fen}, {"held", flow.unspent_fen}, {"untraced", flow.untraced_fen}}},
      {"nodes", std::move(nodes)},
  };
}

std::size_t CompareJson(const json& proven, const json& server, const std::string& path,
                        std::vector<std::string>& mismatches) {
  if (proven.is_object()) {
    if (!server.is_object()) {
      mismatches.push_back(path + ": the server's value is not an object");
      return 1;
    }
    std::size_t n = 0;
    for (const auto& [key, value] : proven.items()) {
      const std::string where = path + "." + key;
      if (!server.contains(key)) {
        mismatches.push_back(where + ": missing from the server's answer (the proof says " + Value(value) + ")");
        ++n;
        continue;
      }
      n += CompareJson(value, server[key], where, mismatches);
    }
    return n;
  }
  if (proven.is_array()) {
    if (!server.is_array() || server.size() != proven.size()) {
      mismatches.push_back(path + ": the server lists " + (server.is_array() ? std::to_string(server.size()) : "no") +
                           " entries, the proof " + std::to_string(proven.size()));
      return 1;
    }
    std::size_t n = 0;
    for (std::size_t i = 0; i < proven.size(); ++i) {
      n += CompareJson(proven[i], server[i], path + "[" + std::to_string(i) + "]", mismatches);
    }
    return n;
  }
  if (proven != server) {
    mismatches.push_back(path + ": the server says " + Value(server) + ", the proof " + Value(proven));
  }
  return 1;
}

FlowReport VerifyFlowAnswer(const json& answer, const ProofReport& receipt, const ledger::Genesis& genesis) {
  FlowReport report;
  if (!answer.is_object() || !answer.contains("flow_proof")) {
    report.status = Status::Error("invalid_proof", "the receipt answer holds no flow_proof");
    return report;
  }
  auto proof = fp::FlowProofFromJson(answer["flow_proof"]);
  if (!proof.ok()) {
    report.status = proof.status();
    return report;
  }
  auto flow = fp::VerifyFlow(*proof, FactsOf(receipt), genesis);
  if (!flow.ok()) {
    report.status = flow.status();
    return report;
  }
  report.flow = std::move(*flow);
  if (report.flow.goods) {
    if (!answer.contains("goods")) {
      report.mismatches.push_back("goods: missing from the server's answer");
    } else {
      report.compared += CompareJson(ProvenGoodsJson(report.flow, receipt), answer["goods"], "goods", report.mismatches);
    }
    return report;
  }
  for (const char* part : {"donation", "trace"}) {
    if (!answer.contains(part)) {
      report.mismatches.push_back(std::string(part) + ": missing from the server's answer");
      continue;
    }
    const json proven = std::string(part) == "donation" ? ProvenDonationJson(report.flow, receipt)
                                                        : ProvenTraceJson(report.flow);
    report.compared += CompareJson(proven, answer[part], part, report.mismatches);
  }
  return report;
}

namespace {

std::string AccountLabel(const fp::VerifiedFlow& flow, const std::string& account) {
  const json ref = AccountRef(flow, account);
  const std::string name = ref.value("name_zh", "");
  return name.empty() ? account : name + " (" + account + ")";
}

// A goods node: units of the item, handed out (where, when) or moved on, or held.
std::string GoodsHopLine(const fp::VerifiedFlow& flow, const flow::TraceNode& n) {
  const std::string units = std::to_string(n.amount_fen) + " " + flow.goods->item.unit();
  const std::string holder = AccountLabel(flow, ledger::goods::HolderOf(n.account));
  if (n.fate == flow::Fate::kUnspent) return units + " held by " + holder;
  const fp::HopTx& hop = flow.hop_txs.at(n.tx);
  const std::string code = " [" + crypto::ToBase32(hop.id).substr(0, 12) + ", leaf " + std::to_string(n.tx) + "]";
  if (hop.body.has_goods_distribution()) {
    const pb::GoodsDistribution& d = hop.body.goods_distribution();
    return units + " handed out by " + holder + " at " + d.place_name() + " (region " + d.region() + ") on " +
           DateText(flow.goods->distributions.at(n.tx).block_date()) + code;
  }
  std::string line = units + " moved on from " + holder + " to " + AccountLabel(flow, hop.body.goods_transfer().to_account());
  if (n.children.empty()) line += " (what happened there is not proven: the walk stopped at its node limit)";
  return line + code;
}

std::string HopLine(const fp::VerifiedFlow& flow, const flow::TraceNode& n) {
  if (flow.goods) return GoodsHopLine(flow, n);
  const std::string amount = Yuan(n.amount_fen);
  if (n.fate == flow::Fate::kUnspent) return amount + " unspent in " + AccountLabel(flow, n.account);
  const fp::HopTx& hop = flow.hop_txs.at(n.tx);
  const std::string code = " [" + crypto::ToBase32(hop.id).substr(0, 12) + ", leaf " + std::to_string(n.tx) + "]";
  const pb::TxBody& b = hop.body;
  if (n.fate == flow::Fate::kRefunded) return amount + " refunded to the donor" + code;
  if (n.fate == flow::Fate::kSpent) {
    const pb::Spend& s = b.spend();
    std::string line = amount + " spent by " + AccountLabel(flow, n.account) + ": " +
                       EnumName(pb::SpendCategory_descriptor(), s.category());
    if (!s.payee_name().empty()) line += ", paid to " + s.payee_name();
    if (s.beneficiary_count() > 0) line += ", " + std::to_string(s.beneficiary_count()) + " beneficiaries";
    if (s.occurred_at_ms() > 0) line += ", on " + BeijingDate(s.occurred_at_ms());
    if (!s.description().empty()) line += " — " + s.description();
    if (auto bank = flow.hop_attested_by.find(n.tx); bank != flow.hop_attested_by.end()) {
      line += " (attested by bank " + flow.orgs.at(bank->second).name_zh() + ")";
    }
    return line + code;
  }
  const std::string to = b.has_transfer() ? b.transfer().to_account() : b.trust_disbursement().to_account();
  std::string line = amount + " moved on from " + AccountLabel(flow, n.account) + " to " + AccountLabel(flow, to);
  if (n.children.empty()) line += " (what happened there is not proven: the walk stopped at its node limit)";
  return line + code;
}

void PrintNodes(std::ostream& out, const fp::VerifiedFlow& flow, const std::vector<flow::TraceNode>& nodes,
                int depth) {
  for (const flow::TraceNode& n : nodes) {
    // Names, payees and descriptions are ledger text: escaped so none can drive the terminal.
    out << std::string(4 + 2 * depth, ' ') << ledger::EscapeForTerminal(HopLine(flow, n)) << "\n";
    PrintNodes(out, flow, n.children, depth + 1);
  }
}

// A goods receipt: where the units went, and who witnessed the donation.
void PrintGoodsFlow(std::ostream& out, const fp::VerifiedFlow& flow) {
  const std::string unit = " " + ledger::EscapeForTerminal(flow.goods->item.unit());
  out << "  where the " << flow.goods->gift.quantity() << unit << " of " << ledger::EscapeForTerminal(flow.goods->item.name_zh())
      << " went (proven against block " << flow.header.height() << "):\n";
  PrintNodes(out, flow, flow.trace.roots, 0);
  out << "  " << flow.hops << (flow.hops == 1 ? " hop" : " hops") << " verified: handed out " << flow.spent_fen << unit
      << ", held " << flow.unspent_fen << unit;
  if (flow.untraced_fen > 0) out << ", not proven " << flow.untraced_fen << unit;
  out << "\n";
  if (flow.attesting_bank.empty()) {
    out << "  self-reported by the receiving organisation (no notary)\n";
  } else {
    out << "  witnessed by " << ledger::EscapeForTerminal(flow.orgs.at(flow.attesting_bank).name_zh()) << " ("
        << flow.attesting_bank << "): the donation's signature verifies under a key of its proven record\n";
  }
}

}  // namespace

void PrintFlow(std::ostream& out, const fp::VerifiedFlow& flow) {
  if (flow.goods) {
    PrintGoodsFlow(out, flow);
    return;
  }
  out << "  where the money went (proven against block " << flow.header.height() << "):\n";
  PrintNodes(out, flow, flow.trace.roots, 0);
  out << "  " << flow.hops << (flow.hops == 1 ? " hop" : " hops") << " verified: spent " << Yuan(flow.spent_fen)
      << ", unspent " << Yuan(flow.unspent_fen) << ", refunded " << Yuan(flow.refunded_fen);
  if (flow.untraced_fen > 0) out << ", not proven " << Yuan(flow.untraced_fen);
  out << "\n";
  if (flow.attesting_bank.empty()) {
    out << "  self-reported by the receiving organisation (no bank attestation)\n";
  } else {
    const auto& bank = flow.orgs.at(flow.attesting_bank);
    out << "  attested by bank " << ledger::EscapeForTerminal(bank.name_zh()) << " (" << flow.attesting_bank
        << "): the donation's signature verifies under a key of its proven record\n";
  }
}

}  // namespace shanliu::cli
