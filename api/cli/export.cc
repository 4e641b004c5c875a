// shanliu export: fetches every page of a period's movements (CSV) or IATI activity XML from a
// node and writes them to one file (docs/exports.md). CSV pages are joined under one header;
// IATI pages become one file per page (FILE, FILE.2, ...) since each page is a whole document.
#include <fstream>
#include <map>
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "shanliu/api/http_client.h"
#include "shanliu/ledger/tx.h"

namespace shanliu::cli {

const char kExportUsage[] = R"(usage: shanliu export --node URL --from YYYY-MM-DD --to YYYY-MM-DD
                     --format csv|iati|disclosure|disclosure-csv --out FILE [--org ID] [--project ID]
                     [--only money|goods]
       shanliu export settlement --node URL --merchant ORG --month YYYY-MM [--csv] [--out FILE]

Writes every money movement and in-kind goods movement (donation, transfer, distribution) of the
period (Beijing calendar days, at most 366) as CSV, or as IATI 2.03 activity XML (one file per page
of 5000 movements: FILE, FILE.2, ...). Goods rows carry item_code, unit, quantity, value_fen, lot
and region, and leave the money columns empty; in IATI they are in-kind transactions. --only goods
(or money) writes one kind alone; --project ID one project's movements (IATI: its activity).
disclosure writes one JSON document with a row per organisation x project (慈善中国's public
fields: income, spending, beneficiaries, period, with the tx ids behind each figure), the node's
pages summed; disclosure-csv joins the node's CSV pages (a row per account per page).

settlement  a merchant's monthly settlement report: every redemption at the merchant and every
            service exchange it provided in the calendar month (Asia/Shanghai, by block time),
            with totals and the block height it was computed at. JSON, or CSV with --csv; to
            standard output unless --out FILE.
)";

namespace {

int ExportSettlement(const Args& args) {
  const std::string cmd = "export";
  if (Status s = RequireOnly(args, {"node", "merchant", "month", "csv", "out"}); !s.ok()) {
    return UsageError(cmd, kExportUsage, s.message());
  }
  const auto node = args.Get("node"), merchant = args.Get("merchant"), month = args.Get("month");
  if (!node || !merchant || !month) {
    return UsageError(cmd, kExportUsage, "settlement needs --node, --merchant and --month");
  }
  if (args.positional.size() != 1) return UsageError(cmd, kExportUsage, "unexpected argument " + args.positional[1]);
  // Both go into the URL: checked here so no text can change the request's path or query.
  if (!ledger::IsValidId(*merchant)) return UsageError(cmd, kExportUsage, "--merchant is an organisation id");
  if (month->size() != 7 || month->find_first_not_of("0123456789-") != std::string::npos) {
    return UsageError(cmd, kExportUsage, "--month must be YYYY-MM");
  }
  std::string base = *node;
  while (base.ends_with('/')) base.pop_back();
  const std::string url = base + "/v1/merchants/" + *merchant + "/settlement?month=" + *month +
                          "&format=" + (args.Has("csv") ? "csv" : "json");
  auto r = api::HttpRequest("GET", url);
  if (!r.ok()) return Fail(cmd, r.status());
  if (r->status != 200) {
    // The node's typed error (invalid_argument, not_found, wrong_kind) is the CLI's error too.
    auto error = nlohmann::json::parse(r->body, nullptr, /*allow_exceptions=*/false);
    if (error.is_object() && error.contains("error") && error["error"].is_object()) {
      return Fail(cmd, Status::Error(error["error"].value("code", "http_error"), error["error"].value("message", "")));
    }
    return Fail(cmd, Status::Error("http_error", "HTTP " + std::to_string(r->status) + ": " + r->body));
  }
  if (auto out = args.Get("out")) {
    std::ofstream file(*out, std::ios::binary | std::ios::trunc);
    file << r->body;
    file.close();
    if (!file) return Fail(cmd, Status::Error("io_error", "cannot write " + *out));
    std::cerr << "wrote the " << *month << " settlement of " << *merchant << " to " << *out << "\n";
    return 0;
  }
  std::cout << r->body;
  if (!r->body.ends_with('\n')) std::cout << "\n";
  return 0;
}

}  // namespace

namespace {

// Sums the rows of disclosure JSON pages by (organisation, project): every *_fen figure and
// beneficiaries add up, evidence lists are joined (docs/exports.md "Disclosure", "Pages").
class DisclosureMerge {
 public:
  Status Add(const std::string& body) {
    auto page = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!page.is_object() || !page.contains("rows") || !page["rows"].is_array()) {
      return Status::Error("http_error", "the node's disclosure page is not the documented JSON");
    }
    if (page.contains("period")) period_ = page["period"];
    if (page.contains("height")) height_ = page["height"];
    for (auto& row : page["rows"]) {
      if (!row.is_object() || !row.contains("organisation") || !row["organisation"].is_object()) {
        return Status::Error("http_error", "a disclosure row has no organisation");
      }
      const std::string org = row["organisation"].value("id", "");
      const std::string project = row["project"].is_object() ? row["project"].value("id", "") : "";
      auto [it, fresh] = rows_.emplace(std::make_pair(org, project), row);
      if (!fresh) Sum(it->second, row);
    }
    return Status::Ok();
  }

  nlohmann::json Document() const {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& [key, row] : rows_) rows.push_back(row);
    return {{"period", period_}, {"height", height_}, {"rows", std::move(rows)}};
  }
  std::size_t size() const { return rows_.size(); }

 private:
  static void Sum(nlohmann::json& into, const nlohmann::json& row) {
    for (const auto& [key, value] : row.items()) {
      if (key.ends_with("_fen") && value.is_number_integer()) {
        into[key] = into.value(key, std::int64_t{0}) + value.get<std::int64_t>();
      } else if (key == "beneficiaries" && value.is_number_integer()) {
        into[key] = (into[key].is_number_integer() ? into[key].get<std::int64_t>() : 0) + value.get<std::int64_t>();
      } else if (key == "evidence" && value.is_object()) {
        for (const auto& [figure, ids] : value.items()) {
          for (const auto& id : ids) into["evidence"][figure].push_back(id);
        }
      }
    }
  }

  nlohmann::json period_, height_;
  std::map<std::pair<std::string, std::string>, nlohmann::json> rows_;  // general fund first
};

const char* ExportPath(const std::string& format) {
  if (format == "csv") return "/v1/exports/movements.csv";
  if (format == "iati") return "/v1/exports/iati.xml";
  if (format == "disclosure") return "/v1/exports/disclosure.json";
  if (format == "disclosure-csv") return "/v1/exports/disclosure.csv";
  return nullptr;
}

// The query every page shares, from checked arguments only: ids are [a-z0-9-], so no text can
// change the request's path or add a parameter.
Result<std::string> ExportQuery(const Args& args) {
  const auto from = args.Get("from"), to = args.Get("to");
  for (const auto* date : {&*from, &*to}) {
    if (date->size() != 10 || date->find_first_not_of("0123456789-") != std::string::npos) {
      return Status::Error("usage", "--from and --to must be YYYY-MM-DD");
    }
  }
  std::string query = "?from=" + *from + "&to=" + *to;
  for (const char* id : {"org", "project"}) {
    if (auto value = args.Get(id)) {
      if (!ledger::IsValidId(*value)) return Status::Error("usage", std::string("--") + id + " is an id: [a-z0-9-]{3,40}");
      query += std::string("&") + id + "=" + *value;
    }
  }
  if (const auto only = args.Get("only")) {
    if (*only != "money" && *only != "goods") return Status::Error("usage", "--only must be money or goods");
    query += "&only=" + *only;
  }
  return query;
}

// The node's typed error (invalid_argument, not_found, ...) as the CLI's error.
Status NodeError(const api::HttpResponse& r) {
  auto error = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (error.is_object() && error.contains("error") && error["error"].is_object()) {
    return Status::Error(error["error"].value("code", "http_error"), error["error"].value("message", ""));
  }
  return Status::Error("http_error", "HTTP " + std::to_string(r.status) + ": " + r.body);
}

}  // namespace

int Export(const Args& args) {
  if (!args.positional.empty() && args.positional[0] == "settlement") return ExportSettlement(args);
  const std::string cmd = "export";
  if (Status s = RequireOnly(args, {"node", "from", "to", "format", "out", "org", "only", "project"}); !s.ok()) {
    return UsageError(cmd, kExportUsage, s.message());
  }
  const auto node = args.Get("node"), from = args.Get("from"), to = args.Get("to"), format = args.Get("format"),
             out = args.Get("out");
  if (!node || !from || !to || !format || !out) {
    return UsageError(cmd, kExportUsage, "--node, --from, --to, --format and --out are required");
  }
  const char* path = ExportPath(*format);
  if (path == nullptr) return UsageError(cmd, kExportUsage, "--format must be csv, iati, disclosure or disclosure-csv");
  auto query = ExportQuery(args);
  if (!query.ok()) return UsageError(cmd, kExportUsage, query.status().message());
  if (!args.positional.empty()) return UsageError(cmd, kExportUsage, "unexpected argument " + args.positional[0]);
  std::string base = *node;
  while (base.ends_with('/')) base.pop_back();
  const bool csv = *format == "csv" || *format == "disclosure-csv";
  const auto only = args.Get("only");

  std::ofstream file;
  DisclosureMerge merged;
  std::size_t pages = 0, rows = 0;
  std::string cursor;
  constexpr std::size_t kMaxPages = 100'000;  // a runaway cursor must not loop forever
  while (pages < kMaxPages) {
    auto r = api::HttpRequest("GET", base + path + *query + (cursor.empty() ? "" : "&cursor=" + cursor));
    if (!r.ok()) return Fail(cmd, r.status());
    if (r->status != 200) return Fail(cmd, NodeError(*r));
    std::string body = std::move(r->body);
    if (*format == "disclosure") {
      if (Status s = merged.Add(body); !s.ok()) return Fail(cmd, s);
    } else if (csv) {
      if (pages == 0) {
        file.open(*out, std::ios::binary | std::ios::trunc);
      } else {
        body.erase(0, body.find("\r\n") == std::string::npos ? body.size() : body.find("\r\n") + 2);  // header again
      }
    } else {
      file.close();
      file.open(pages == 0 ? *out : *out + "." + std::to_string(pages + 1), std::ios::binary | std::ios::trunc);
    }
    if (*format != "disclosure") {
      if (!file) return Fail(cmd, Status::Error("io_error", "cannot write " + *out));
      file << body;
    }
    ++pages;
    if (const std::string* n = r->Header("X-Row-Count")) rows += std::stoull(*n);
    const std::string* next = r->Header("X-Next-Cursor");
    if (next == nullptr) break;
    if (*next == cursor) return Fail(cmd, Status::Error("http_error", "the node repeated a cursor"));
    cursor = *next;
  }
  if (*format == "disclosure") {
    file.open(*out, std::ios::binary | std::ios::trunc);
    file << merged.Document().dump(2) << "\n";
    rows = merged.size();
  }
  file.close();
  if (!file) return Fail(cmd, Status::Error("io_error", "cannot write " + *out));
  const bool disclosure = format->starts_with("disclosure");
  std::cout << "wrote " << rows << (only ? " " + *only : std::string()) << (disclosure ? " disclosure rows" : " movements")
            << " in " << pages << " page(s) to " << *out << "\n";
  return 0;
}

}  // namespace shanliu::cli
