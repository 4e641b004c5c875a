// The disclosure export (GET /v1/exports/disclosure.csv and .json; docs/exports.md "Disclosure"):
// one row per organisation account (its general fund or one project) with the figures 慈善中国's
// public pages show — income, spending, beneficiaries, period — each with the txs it comes from.
#include <map>

#include "exports.h"

namespace shanliu::api::internal {
namespace {

// Saturating: a page's sums stay within int64 whatever the ledger holds (amounts are bounded by
// the genesis, but a report must never wrap around into a wrong sign).
void AddFen(std::int64_t& total, std::int64_t fen) {
  if (__builtin_add_overflow(total, fen, &total)) {
    total = fen > 0 ? INT64_MAX : INT64_MIN;
  }
}

void Add(DisclosureFigure& figure, std::int64_t fen, const Hash256& tx) {
  AddFen(figure.fen, fen);
  if (figure.txs.empty() || figure.txs.back() != tx) figure.txs.push_back(tx);
}

class DisclosureBuilder {
 public:
  DisclosureBuilder(const ledger::ReadView& view, Names& names, const ExportScan& scan)
      : view_(view), names_(names), scan_(scan) {}

  void Take(const Movement& m) {
    const std::int64_t fen = m.amount_fen;
    if (m.kind == "donation") {
      if (DisclosureRow* r = Row(m.to)) Add(r->donations, fen, m.id);
    } else if (m.kind == "refund") {
      if (DisclosureRow* r = Row(m.from)) Add(r->refunded, fen, m.id);
    } else if (m.kind == "transfer" || m.kind == "trust_disbursement") {
      Moved(m.from, m.to, fen, m.id);
    } else if (m.kind == "spend") {
      if (DisclosureRow* r = Row(m.from)) {
        Add(r->spending, fen, m.id);
        Served(*r, m.beneficiary_count, m.id);
      }
    } else if (m.kind == "correction") {
      Reversed(m);
    } else if (m.kind == "goods_donation") {
      if (DisclosureRow* r = Row(m.to)) Add(r->goods_received_value, m.value_fen, m.id);
    } else if (m.kind == "goods_transfer") {
      // Only goods from another organisation are received; an organisation moving its own goods
      // to its own project is neither side's income (docs/exports.md).
      if (Owner(m.from) != Owner(m.to)) {
        if (DisclosureRow* r = Row(m.to)) Add(r->goods_received_value, m.value_fen, m.id);
      }
    } else if (m.kind == "goods_distribution") {
      if (DisclosureRow* r = Row(m.from)) {
        Add(r->goods_distributed_value, m.value_fen, m.id);
        Served(*r, m.beneficiary_count, m.id);
      }
    }
    // trust_deposit: money into a trust account, which is no organisation's row.
  }

  std::vector<DisclosureRow> Rows() && {
    std::vector<DisclosureRow> out;
    for (auto& [key, row] : rows_) out.push_back(std::move(row));
    return out;
  }

 private:
  // Money between two ledger accounts: within one organisation an allocation, across
  // organisations (or from a trust) a grant received and a grant made.
  void Moved(const std::string& from, const std::string& to, std::int64_t fen, const Hash256& tx) {
    const bool internal = !Owner(from).empty() && Owner(from) == Owner(to);
    if (DisclosureRow* r = Row(from)) Add(internal ? r->allocated_out : r->granted_out, fen, tx);
    if (DisclosureRow* r = Row(to)) Add(internal ? r->allocated_in : r->received, fen, tx);
  }

  // A correction takes its figure back from where the corrected tx put it.
  void Reversed(const Movement& m) {
    if (m.from.starts_with("payee:")) {  // a spend reversed: money back into m.to
      if (DisclosureRow* r = Row(m.to)) {
        Add(r->spending, -m.amount_fen, m.id);
        if (m.beneficiary_count > 0) Served(*r, -static_cast<std::int64_t>(m.beneficiary_count), m.id);
      }
    } else if (m.to == "donor") {  // a gift withdrawn from m.from
      if (DisclosureRow* r = Row(m.from)) Add(r->donations, -m.amount_fen, m.id);
    } else {  // a transfer reversed: it went from m.to to m.from
      Moved(m.to, m.from, -m.amount_fen, m.id);
    }
  }

  static void Served(DisclosureRow& r, std::int64_t count, const Hash256& tx) {
    if (count == 0) return;  // not recorded: never counted as zero people
    Add(r.beneficiaries, count, tx);
  }

  const std::string& Owner(const std::string& account) {
    static const std::string kNone;
    if (!account.starts_with("org:") && !account.starts_with("project:")) return kNone;
    const Json& a = names_.Account(account);
    auto it = a.find("owner_org");
    return it != a.end() && it->is_string() ? it->get_ref<const std::string&>() : kNone;
  }

  // The row of an organisation's or project's account, or null for other accounts (trusts,
  // payees, places) and for rows the org/project filters leave out.
  DisclosureRow* Row(const std::string& account) {
    const std::string& owner = Owner(account);
    if (owner.empty()) return nullptr;
    const std::string project = account.starts_with("project:") ? account.substr(8) : "";
    if (scan_.org && owner != *scan_.org) return nullptr;
    if (scan_.project && project != *scan_.project) return nullptr;
    auto key = std::make_pair(owner, project);
    auto it = rows_.find(key);
    if (it != rows_.end()) return &it->second;
    DisclosureRow r;
    r.period_start = scan_.period.from_date;
    r.period_end = scan_.period.to_date;
    r.org_id = owner;
    r.org_name = names_.Org(owner).value("name_zh", std::string());
    if (auto org = view_.Org(owner)) r.credit_code = org->credit_code();
    r.project_id = project;
    if (!project.empty()) r.project_name = names_.Account(account).value("name_zh", std::string());
    return &rows_.emplace(std::move(key), std::move(r)).first->second;
  }

  const ledger::ReadView& view_;
  Names& names_;
  const ExportScan& scan_;
  std::map<std::pair<std::string, std::string>, DisclosureRow> rows_;  // (org, project): general fund first
};

std::string Fen(std::int64_t fen) { return std::to_string(fen); }

}  // namespace

std::int64_t DisclosureRow::IncomeFen() const {
  std::int64_t income = donations.fen;
  AddFen(income, received.fen);
  AddFen(income, refunded.fen == INT64_MIN ? INT64_MAX : -refunded.fen);
  return income;
}

std::vector<DisclosureRow> DisclosureRows(const ledger::ReadView& view, Names& names, const ExportScan& scan,
                                          const std::vector<Movement>& rows) {
  DisclosureBuilder b(view, names, scan);
  for (const Movement& m : rows) b.Take(m);
  return std::move(b).Rows();
}

std::vector<std::pair<std::string, const DisclosureFigure DisclosureRow::*>> DisclosureFigures() {
  return {{"donations", &DisclosureRow::donations},
          {"refunded", &DisclosureRow::refunded},
          {"received", &DisclosureRow::received},
          {"allocated_in", &DisclosureRow::allocated_in},
          {"allocated_out", &DisclosureRow::allocated_out},
          {"granted_out", &DisclosureRow::granted_out},
          {"spending", &DisclosureRow::spending},
          {"goods_received_value", &DisclosureRow::goods_received_value},
          {"goods_distributed_value", &DisclosureRow::goods_distributed_value}};
}

std::string DisclosureCsvHeader() {
  std::string h = "period_start,period_end,org_id,org_name,credit_code,project_id,project_name,income_fen,income_yuan";
  for (const auto& [name, figure] : DisclosureFigures()) h += "," + name + "_fen";
  h += ",beneficiaries";
  for (const auto& [name, figure] : DisclosureFigures()) h += "," + name + "_txs";
  h += ",beneficiaries_txs\r\n";
  return h;
}

std::string DisclosureCsvRow(const DisclosureRow& r) {
  std::string row;
  for (const std::string* text : {&r.period_start, &r.period_end, &r.org_id, &r.org_name, &r.credit_code,
                                  &r.project_id, &r.project_name}) {
    row += CsvTextField(*text) + ",";
  }
  // Numbers the node formats (a correction can make one negative): plain fields, never prefixed.
  row += Fen(r.IncomeFen()) + "," + YuanText(r.IncomeFen());
  for (const auto& [name, figure] : DisclosureFigures()) row += "," + Fen((r.*figure).fen);
  row += "," + (r.beneficiaries.txs.empty() ? std::string() : Fen(r.beneficiaries.fen));
  for (const auto& [name, figure] : DisclosureFigures()) row += "," + std::to_string((r.*figure).txs.size());
  row += "," + std::to_string(r.beneficiaries.txs.size()) + "\r\n";
  return row;
}

Json DisclosureJson(const DisclosureRow& r) {
  Json row = {{"period_start", r.period_start},
              {"period_end", r.period_end},
              {"organisation", {{"id", r.org_id}, {"name_zh", CleanUtf8(r.org_name)}, {"credit_code", r.credit_code}}},
              {"project", r.project_id.empty() ? Json(nullptr)
                                               : Json{{"id", r.project_id}, {"name_zh", CleanUtf8(r.project_name)}}},
              {"income_fen", r.IncomeFen()},
              {"beneficiaries", r.beneficiaries.txs.empty() ? Json(nullptr) : Json(r.beneficiaries.fen)}};
  Json evidence = Json::object();
  auto ids = [](const DisclosureFigure& f) {
    Json out = Json::array();
    for (const Hash256& id : f.txs) out.push_back(Hex(id));
    return out;
  };
  for (const auto& [name, figure] : DisclosureFigures()) {
    row[name + "_fen"] = (r.*figure).fen;
    evidence[name] = ids(r.*figure);
  }
  evidence["beneficiaries"] = ids(r.beneficiaries);
  row["evidence"] = std::move(evidence);
  return row;
}

}  // namespace shanliu::api::internal
