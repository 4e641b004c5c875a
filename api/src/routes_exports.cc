// Exports for a period: every money movement as CSV, and IATI 2.03 activity XML (docs/exports.md).
// Each response is one bounded page; X-Next-Cursor and a Link rel="next" header name the next.
#include "exports.h"
#include "routes.h"
#include "shanliu/error_codes.h"
#include "shanliu/ledger/tx.h"

namespace shanliu::api::internal {
namespace {

struct ExportRequest {
  ExportScan scan;
  bool bom = false;
};

Result<ExportRequest> ParseExportRequest(RequestContext& ctx) {
  ExportRequest r;
  auto period = ParseExportPeriod(ctx.query.Find("from"), ctx.query.Find("to"));
  if (!period.ok()) return period.status();
  r.scan.period = *period;
  auto limit = QueryLimit(ctx.query, ExportLimits::kDefaultRows, ExportLimits::kMaxRows);
  if (!limit.ok()) return limit.status();
  r.scan.max_rows = *limit;
  auto cursor = QueryU64(ctx.query, "cursor");
  if (!cursor.ok()) return cursor.status();
  r.scan.cursor = *cursor;
  if (const std::string* org = ctx.query.Find("org")) {
    if (!ctx.view().Org(*org)) return Status::Error("not_found", "no organisation has the id '" + *org + "'");
    r.scan.org = *org;
  }
  if (const std::string* project = ctx.query.Find("project")) {
    // Checked before the lookup: the id goes back out in the Link header and the file name.
    if (!ledger::IsValidId(*project)) return Status::Error("invalid_argument", "project must be a project id ([a-z0-9-]{3,40})");
    if (!ctx.view().Project(*project)) {
      return Status::Error("not_found", "no project has the id '" + *project + "'");
    }
    r.scan.project = *project;
  }
  if (const std::string* only = ctx.query.Find("only")) {
    if (*only == "money") {
      r.scan.only = ExportOnly::kMoney;
    } else if (*only == "goods") {
      r.scan.only = ExportOnly::kGoods;
    } else {
      return Status::Error("invalid_argument", "only must be money or goods");
    }
  }
  if (const std::string* bom = ctx.query.Find("bom")) {
    if (*bom != "true" && *bom != "false") return Status::Error("invalid_argument", "bom must be true or false");
    r.bom = *bom == "true";
  }
  return r;
}

// The same request with cursor=next (the other parameters keep their order).
std::string NextLink(RequestContext& ctx, std::string_view path, std::uint64_t next) {
  std::string target = std::string(path) + "?";
  for (const auto& [key, value] : ctx.query.items()) {
    if (key == "cursor") continue;
    // Values were checked above: dates, org and project ids ([a-z0-9-]), numbers, true/false and
    // money/goods need no escaping.
    target += key + "=" + value + "&";
  }
  return "<" + target + "cursor=" + std::to_string(next) + ">; rel=\"next\"";
}

Response Paged(RequestContext& ctx, std::string_view path, const ExportRequest& r, const MovementPage& page,
               std::string content_type, std::string extension, std::string body) {
  Response out;
  out.content_type = std::move(content_type);
  out.body = std::move(body);
  std::string name = "shanliu-" + std::string(path.substr(path.rfind('/') + 1));
  name = name.substr(0, name.rfind('.')) + "-" + r.scan.period.from_date + "-" + r.scan.period.to_date;
  if (r.scan.org) name += "-" + *r.scan.org;
  if (r.scan.project) name += "-" + *r.scan.project;
  if (r.scan.cursor) name += "-from-" + std::to_string(*r.scan.cursor);
  out.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + extension + "\"");
  out.headers.emplace_back("X-Row-Count", std::to_string(page.rows.size()));
  out.headers.emplace_back("Access-Control-Expose-Headers", "X-Next-Cursor, X-Row-Count, Link");
  if (page.next_cursor) {
    out.headers.emplace_back("X-Next-Cursor", std::to_string(*page.next_cursor));
    out.headers.emplace_back("Link", NextLink(ctx, path, *page.next_cursor));
  }
  return out;
}

// The disclosure's X-Row-Count: its rows are accounts, not the page's movements.
void SetRowCount(Response& out, std::size_t rows) {
  for (auto& [name, value] : out.headers) {
    if (name == "X-Row-Count") value = std::to_string(rows);
  }
}

Response GetMovementsCsv(RequestContext& ctx) {
  auto r = ParseExportRequest(ctx);
  if (!r.ok()) return ErrorResponse(r.status());
  Names names(ctx.view());
  auto page = CollectMovements(ctx.view(), names, r->scan);
  if (!page.ok()) return ErrorResponse(page.status());
  std::string body = r->bom ? "\xEF\xBB\xBF" : "";
  body += CsvHeader();
  for (const Movement& m : page->rows) body += CsvRow(m);
  return Paged(ctx, "/v1/exports/movements.csv", *r, *page, "text/csv; charset=utf-8; header=present", ".csv",
               std::move(body));
}

Response GetIatiXml(RequestContext& ctx) {
  auto r = ParseExportRequest(ctx);
  if (!r.ok()) return ErrorResponse(r.status());
  if (r->bom) return ErrorResponse("invalid_argument", "bom applies to the CSV export only");
  Names names(ctx.view());
  auto page = CollectMovements(ctx.view(), names, r->scan);
  if (!page.ok()) return ErrorResponse(page.status());
  std::optional<std::string> xml = IatiXml(ctx.view(), page->rows, r->scan.org, r->scan.project);
  if (!xml) {
    // The schema needs one activity at least; a later page may still hold some, so say where it is.
    Json details = Json::object();
    if (page->next_cursor) details["next_cursor"] = *page->next_cursor;
    Response none = ErrorResponse(Status::Error(std::string(errc::kNoActivities), "no IATI activity to report in this page (org, dates)"), details);
    if (page->next_cursor) {
      none.headers.emplace_back("X-Next-Cursor", std::to_string(*page->next_cursor));
      none.headers.emplace_back("Link", NextLink(ctx, "/v1/exports/iati.xml", *page->next_cursor));
    }
    return none;
  }
  return Paged(ctx, "/v1/exports/iati.xml", *r, *page, "application/xml; charset=utf-8", ".xml", std::move(*xml));
}

// Disclosure pages: no row limit (rows are per account, not per movement); a page ends after
// the transactions any export page may read.
Result<std::pair<ExportRequest, MovementPage>> DisclosurePage(RequestContext& ctx, Names& names) {
  auto r = ParseExportRequest(ctx);
  if (!r.ok()) return r.status();
  r->scan.max_rows = ExportLimits::kMaxScannedTxs;
  auto page = CollectMovements(ctx.view(), names, r->scan);
  if (!page.ok()) return page.status();
  return std::make_pair(std::move(*r), std::move(*page));
}

Response GetDisclosureCsv(RequestContext& ctx) {
  Names names(ctx.view());
  auto page = DisclosurePage(ctx, names);
  if (!page.ok()) return ErrorResponse(page.status());
  const auto& [r, movements] = *page;
  const std::vector<DisclosureRow> rows = DisclosureRows(ctx.view(), names, r.scan, movements.rows);
  std::string body = r.bom ? "\xEF\xBB\xBF" : "";
  body += DisclosureCsvHeader();
  for (const DisclosureRow& row : rows) body += DisclosureCsvRow(row);
  Response out = Paged(ctx, "/v1/exports/disclosure.csv", r, movements, "text/csv; charset=utf-8; header=present",
                       ".csv", std::move(body));
  SetRowCount(out, rows.size());
  return out;
}

Response GetDisclosureJson(RequestContext& ctx) {
  Names names(ctx.view());
  auto page = DisclosurePage(ctx, names);
  if (!page.ok()) return ErrorResponse(page.status());
  const auto& [r, movements] = *page;
  Json rows = Json::array();
  for (const DisclosureRow& row : DisclosureRows(ctx.view(), names, r.scan, movements.rows)) {
    rows.push_back(DisclosureJson(row));
  }
  Json doc = {{"period", {{"from", r.scan.period.from_date}, {"to", r.scan.period.to_date}}},
              {"height", ctx.view().head().height()}};
  if (movements.next_cursor) doc["next_cursor"] = *movements.next_cursor;
  const std::size_t count = rows.size();
  doc["rows"] = std::move(rows);
  Response out = Paged(ctx, "/v1/exports/disclosure.json", r, movements, "application/json", ".json", doc.dump());
  SetRowCount(out, count);
  return out;
}

}  // namespace

void AddExportRoutes(Router& router) {
  router.Add({http::verb::get, "/v1/exports/movements.csv",
              {"from", "to", "org", "project", "only", "cursor", "limit", "bom"}, GetMovementsCsv});
  router.Add({http::verb::get, "/v1/exports/iati.xml", {"from", "to", "org", "project", "only", "cursor", "limit"},
              GetIatiXml});
  router.Add({http::verb::get, "/v1/exports/disclosure.csv", {"from", "to", "org", "project", "only", "cursor", "bom"},
              GetDisclosureCsv});
  router.Add({http::verb::get, "/v1/exports/disclosure.json", {"from", "to", "org", "project", "only", "cursor"},
              GetDisclosureJson});
}

}  // namespace shanliu::api::internal
