// shanliu trace: where a donation's money went, as an indented tree (DESIGN 5).
#include <algorithm>
#include <iostream>
#include <map>

#include "commands.h"
#include "format.h"
#include "node_client.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/text.h"
#include "tx_sign.h"

namespace shanliu::cli {
namespace {

using nlohmann::json;

// Every string shown comes from ledger text through here: control characters (old blocks may
// hold some, from before admission refused them) are escaped so they cannot drive the terminal.
std::string Str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return "";
  return ledger::EscapeForTerminal(j[key].get<std::string>());
}

std::int64_t Int(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number_integer()) return 0;
  return j[key].get<std::int64_t>();
}

std::uint64_t Ms(const json& j, const char* key) { return static_cast<std::uint64_t>(std::max<std::int64_t>(0, Int(j, key))); }

// "翠苑街道长者食堂助餐计划 (project:x)" or just the account when the node gave no name.
std::string AccountLabel(const std::string& name, const std::string& account) {
  return name.empty() ? account : name + " (" + account + ")";
}

std::string Clip(const std::string& hex) { return hex.size() > 12 ? hex.substr(0, 12) + "…" : hex; }

class TreePrinter {
 public:
  void Node(const json& node, const std::string& indent, bool last) {
    const std::string fate = Str(node, "fate");
    const std::int64_t amount = Int(node, "amount_fen");
    const json tx = node.is_object() && node.contains("tx") ? node["tx"] : json();
    const std::string account = Str(node, "account");
    const std::string here = AccountLabel(Str(node, "account_name_zh"), account);
    std::string line = Yuan(amount) + " ";
    if (fate == "spent") {
      line += "spent " + BeijingDate(Ms(tx, "occurred_at_ms") ? Ms(tx, "occurred_at_ms") : Ms(tx, "time_ms")) +
              " from " + here + ": " + Str(tx, "category");
      if (!Str(tx, "category_name_zh").empty()) line += " " + Str(tx, "category_name_zh");
      const std::string payee = Str(tx, "payee_name");
      const std::int64_t people = Int(tx, "beneficiary_count");
      if (!payee.empty()) line += ", paid to " + payee;
      if (Str(tx, "payee_kind") == "individuals") line += ", paid to " + std::to_string(people) + " beneficiaries";
      if (!Str(tx, "description").empty()) line += " — " + Str(tx, "description");
      if (!Str(tx, "invoice_hash").empty()) line += " (invoice " + Clip(Str(tx, "invoice_hash")) + ")";
      spent_ += amount;
    } else if (fate == "moved_on") {
      line += "moved on " + BeijingDate(Ms(tx, "time_ms")) + " from " + here + " to " +
              AccountLabel(Str(tx, "to_name_zh"), Str(tx, "to_account"));
      if (Str(tx, "kind") == "trust_disbursement") line += " (trust disbursement)";
      if (!Str(tx, "purpose").empty()) line += " — " + Str(tx, "purpose");
    } else if (fate == "unspent") {
      line += "unspent, still in " + here;
      unspent_by_account_[here] += amount;
    } else if (fate == "corrected") {
      // "spent by S — corrected by C — back in X", then where it went from there (the children).
      const json by = tx.is_object() && tx.contains("corrected_by") ? tx["corrected_by"] : json();
      line += (Str(tx, "kind") == "spend" ? "spent " : "moved ") + BeijingDate(Ms(tx, "time_ms")) + " from " + here +
              ", corrected by " + Clip(Str(by, "id")) + (Str(by, "reason").empty() ? "" : " (" + Str(by, "reason") + ")") +
              " — back in " + here;
    } else if (fate == "withdrawn") {
      line += "withdrawn by correction " + Clip(Str(tx, "id")) + " " + BeijingDate(Ms(tx, "time_ms")) + " from " + here;
      if (!Str(tx, "reason").empty()) line += " — " + Str(tx, "reason");
      withdrawn_ += amount;
    } else if (fate == "refunded") {
      line += "refunded to the donor " + BeijingDate(Ms(tx, "time_ms")) + " from " + here;
      if (!Str(tx, "reason").empty()) line += " — " + Str(tx, "reason");
      refunded_ += amount;
    } else {
      line += fate + " in " + here;
    }
    std::cout << indent << (last ? "└─ " : "├─ ") << line << "\n";
    const json children = node.is_object() && node.contains("children") && node["children"].is_array()
                              ? node["children"]
                              : json::array();
    if ((fate == "moved_on" || fate == "corrected") && children.empty()) {
      std::cout << indent << (last ? "   " : "│  ") << "└─ (not followed further: the trace was cut at its size limit)\n";
      untraced_ += amount;
    }
    for (std::size_t i = 0; i < children.size(); ++i) {
      Node(children[i], indent + (last ? "   " : "│  "), i + 1 == children.size());
    }
  }

  void Summary(std::int64_t total) const {
    std::int64_t unspent = 0;
    for (const auto& [where, fen] : unspent_by_account_) unspent += fen;
    std::cout << "\nof " << Yuan(total) << ": " << Yuan(spent_) << " spent, " << Yuan(unspent) << " unspent, "
              << Yuan(refunded_) << " refunded";
    if (withdrawn_ > 0) std::cout << ", " << Yuan(withdrawn_) << " withdrawn by correction";
    if (untraced_ > 0) std::cout << ", " << Yuan(untraced_) << " not followed";
    std::cout << "\n";
    for (const auto& [where, fen] : unspent_by_account_) std::cout << "  unspent " << Yuan(fen) << " in " << where << "\n";
  }

 private:
  std::int64_t spent_ = 0, refunded_ = 0, withdrawn_ = 0, untraced_ = 0;
  std::map<std::string, std::int64_t> unspent_by_account_;
};

void PrintDonation(const json& d) {
  const bool deposit = Str(d, "kind") == "trust_deposit";
  const std::string donor = Str(d, "donor_display_name").empty() ? "匿名 (anonymous)" : Str(d, "donor_display_name");
  const json to = d.is_object() && d.contains("to") ? d["to"] : json();
  std::cout << (deposit ? "trust deposit " : "donation ") << Str(d, "code") << "\n"
            << "  " << Yuan(Int(d, "amount_fen")) << " from " << donor << " on " << BeijingDateTime(Ms(d, "time_ms"))
            << " (Beijing time) to " << AccountLabel(Str(to, "name_zh"), Str(d, "account"))
            << (d.is_object() && d.value("restricted", false) ? ", restricted to this project" : "") << "\n  ";
  if (d.is_object() && d.value("attested", false)) {
    const json bank = d.contains("attesting_bank_org") ? d["attesting_bank_org"] : json();
    std::cout << "attested by " << AccountLabel(Str(bank, "name_zh"), Str(d, "attesting_bank"));
  } else {
    std::cout << "self-reported by the receiving organisation";
  }
  if (!Str(d, "channel").empty()) std::cout << " · channel " << Str(d, "channel");
  if (Int(d, "points_earned") > 0) std::cout << " · " << Int(d, "points_earned") << " charity points earned";
  std::cout << "\n";
  if (!Str(d, "memo").empty()) std::cout << "  memo: " << Str(d, "memo") << "\n";
}

}  // namespace

namespace {

// What GET /v1/trace/{ref} takes: a receipt code (lowercased) or a 64-hex tx id; "" if neither.
std::string TraceRef(std::string text) {
  for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (LooksLikeReceiptCode(text)) return text;
  if (text.size() == 64 && crypto::FromHex(text).ok()) return text;
  return {};
}

}  // namespace

const char kTraceUsage[] = R"(usage: shanliu trace CODE --node URL [--json]

Prints where the money of a donation (or trust deposit) went, from GET /v1/trace/{code}: an
indented tree of hops with amounts in yuan, dates (Beijing time), counterparties, spending
categories, payees and invoice hashes, and what is still unspent where. CODE is the receipt
code (52 characters) or its first 12 or more characters, or the tx id (64 hex digits, as the API
and `shanliu tx` print it).

options:
  --node URL   node API, e.g. http://127.0.0.1:8080
  --json       print the node's JSON answer instead
)";

int Trace(const Args& args) {
  const auto usage = [](const std::string& m) { return UsageError("trace", kTraceUsage, m); };
  if (Status s = RequireOnly(args, {"node", "json"}); !s.ok()) return usage(s.message());
  if (args.positional.size() != 1) return usage("one receipt CODE is needed");
  if (!args.Has("node")) return usage("--node URL is required");
  const std::string code = TraceRef(args.positional[0]);
  if (code.empty()) {
    return usage("'" + args.positional[0] + "' is neither a receipt code (12 to 52 base32 characters) nor a tx id (64 hex)");
  }

  NodeClient node(*args.Get("node"));
  auto answer = node.GetJson("/v1/trace/" + code);
  if (!answer.ok()) return Fail("trace", answer.status());
  if (args.Has("json")) {
    std::cout << answer->dump(2) << "\n";
    return 0;
  }
  const json& a = *answer;
  if (!a.is_object() || !a.contains("trace") || !a["trace"].is_object() || !a["trace"].contains("nodes") ||
      !a["trace"]["nodes"].is_array()) {
    return Fail("trace", Status::Error("bad_response", "the node's trace answer has no trace.nodes"));
  }
  const json& trace = a["trace"];
  PrintDonation(a.contains("donation") ? a["donation"] : json());
  std::cout << "\nwhere the money went:\n";
  TreePrinter printer;
  const json& nodes = trace["nodes"];
  for (std::size_t i = 0; i < nodes.size(); ++i) printer.Node(nodes[i], "", i + 1 == nodes.size());
  printer.Summary(Int(trace, "amount_fen"));
  if (trace.value("truncated", false)) {
    std::cout << "(the trace is larger than the node's limit and was cut; see the explorer for every hop)\n";
  }
  return 0;
}

}  // namespace shanliu::cli
