// shanliu export: fetches every page of a period's movements (CSV) or IATI activity XML from a
// node and writes them to one file (docs/exports.md). CSV pages are joined under one header;
// IATI pages become one file per page (FILE, FILE.2, ...) since each page is a whole document.
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "shanliu/api/http_client.h"
#include "shanliu/ledger/tx.h"

namespace shanliu::cli {

const char kExportUsage[] = R"(usage: shanliu export --node URL --from YYYY-MM-DD --to YYYY-MM-DD --format csv|iati --out FILE [--org ID]
                     [--only money|goods]
       shanliu export settlement --node URL --merchant ORG --month YYYY-MM [--csv] [--out FILE]

Writes every money movement and in-kind goods movement (donation, transfer, distribution) of the
period (Beijing calendar days, at most 366) as CSV, or as IATI 2.03 activity XML (one file per page
of 5000 movements: FILE, FILE.2, ...). Goods rows carry item_code, unit, quantity, value_fen, lot
and region, and leave the money columns empty; in IATI they are in-kind transactions. --only goods
(or money) writes one kind alone.

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

int Export(const Args& args) {
  if (!args.positional.empty() && args.positional[0] == "settlement") return ExportSettlement(args);
  const std::string cmd = "export";
  if (Status s = RequireOnly(args, {"node", "from", "to", "format", "out", "org", "only"}); !s.ok()) {
    return UsageError(cmd, kExportUsage, s.message());
  }
  const auto node = args.Get("node"), from = args.Get("from"), to = args.Get("to"), format = args.Get("format"),
             out = args.Get("out");
  if (!node || !from || !to || !format || !out) {
    return UsageError(cmd, kExportUsage, "--node, --from, --to, --format and --out are required");
  }
  if (*format != "csv" && *format != "iati") return UsageError(cmd, kExportUsage, "--format must be csv or iati");
  const auto only = args.Get("only");
  if (only && *only != "money" && *only != "goods") return UsageError(cmd, kExportUsage, "--only must be money or goods");
  if (!args.positional.empty()) return UsageError(cmd, kExportUsage, "unexpected argument " + args.positional[0]);
  std::string base = *node;
  while (base.ends_with('/')) base.pop_back();
  std::string query = "?from=" + *from + "&to=" + *to;
  if (auto org = args.Get("org")) query += "&org=" + *org;
  if (only) query += "&only=" + *only;
  const std::string path = *format == "csv" ? "/v1/exports/movements.csv" : "/v1/exports/iati.xml";

  std::ofstream file;
  std::size_t pages = 0, rows = 0;
  std::string cursor;
  constexpr std::size_t kMaxPages = 100'000;  // a runaway cursor must not loop forever
  while (pages < kMaxPages) {
    auto r = api::HttpRequest("GET", base + path + query + (cursor.empty() ? "" : "&cursor=" + cursor));
    if (!r.ok()) return Fail(cmd, r.status());
    if (r->status != 200) return Fail(cmd, Status::Error("http_error", "HTTP " + std::to_string(r->status) + ": " + r->body));
    std::string body = std::move(r->body);
    if (*format == "csv") {
      if (pages == 0) {
        file.open(*out, std::ios::binary | std::ios::trunc);
      } else {
        body.erase(0, body.find("\r\n") == std::string::npos ? body.size() : body.find("\r\n") + 2);  // header again
      }
    } else {
      file.close();
      file.open(pages == 0 ? *out : *out + "." + std::to_string(pages + 1), std::ios::binary | std::ios::trunc);
    }
    if (!file) return Fail(cmd, Status::Error("io_error", "cannot write " + *out));
    file << body;
    ++pages;
    if (const std::string* n = r->Header("X-Row-Count")) rows += std::stoull(*n);
    const std::string* next = r->Header("X-Next-Cursor");
    if (next == nullptr) break;
    if (*next == cursor) return Fail(cmd, Status::Error("http_error", "the node repeated a cursor"));
    cursor = *next;
  }
  file.close();
  if (!file) return Fail(cmd, Status::Error("io_error", "cannot write " + *out));
  std::cout << "wrote " << rows << (only ? " " + *only : std::string()) << " movements in " << pages << " page(s) to "
            << *out << "\n";
  return 0;
}

}  // namespace shanliu::cli
