// Give back (回馈): a merchant's catalogue (items and their points price, as the federation listed
// them) and its monthly settlement report of redemptions and service exchanges (JSON or CSV).
#include "routes.h"
#include "settlement.h"
#include "shanliu/ledger/tx.h"
#include "views.h"

namespace shanliu::api::internal {
namespace {

Json CatalogueItemJson(const pb::CatalogueRecord& rec) {
  const pb::CatalogueEntry& e = rec.entry();
  return Json{{"item_id", e.item_id()},
              {"name_zh", e.name_zh()},
              {"name_en", e.name_en()},
              {"points", e.points()},
              {"active", e.active()},
              {"revision", rec.revision()},
              {"created_height", rec.created_height()},
              {"updated_height", rec.updated_height()},
              {"last_tx_id", Hex(rec.last_tx_id())},
              {"listed_by", e.federation_org()}};
}

// The merchant named by the path: 400 for a malformed id, 404 unknown, 400 wrong_kind otherwise.
Status RequireMerchant(const ledger::ReadView& view, const std::string& id) {
  if (!ledger::IsValidId(id)) return Status::Error("invalid_argument", "an organisation id matches [a-z0-9-]{3,40}");
  auto org = view.Org(id);
  if (!org) return Status::Error("not_found", "no organisation '" + id + "' is registered");
  if (org->kind() != pb::ORG_KIND_MERCHANT) {
    return Status::Error("wrong_kind", "organisation '" + id + "' is not a points merchant");
  }
  return Status::Ok();
}

Response GetCatalogue(RequestContext& ctx) {
  const std::string& id = ctx.params[0];
  if (Status s = RequireMerchant(ctx.view(), id); !s.ok()) return ErrorResponse(s);
  auto limit = QueryLimit(ctx.query, PageSizes::kDefault, PageSizes::kMax);
  if (!limit.ok()) return ErrorResponse(limit.status());
  std::string after;
  if (const std::string* c = ctx.query.Find("cursor")) {
    if (!ledger::IsValidId(*c)) return ErrorResponse("invalid_argument", "cursor is an item id ([a-z0-9-]{3,40})");
    after = *c;
  }
  Json out = CataloguePage(ctx.view(), id, after, *limit);
  out["merchant"] = id;
  return JsonResponse(out);
}

Response GetSettlement(RequestContext& ctx) {
  const std::string& id = ctx.params[0];
  if (Status s = RequireMerchant(ctx.view(), id); !s.ok()) return ErrorResponse(s);
  auto month = ParseSettlementMonth(ctx.query.Find("month"));
  if (!month.ok()) return ErrorResponse(month.status());
  bool csv = false;
  if (const std::string* format = ctx.query.Find("format")) {
    if (*format != "json" && *format != "csv") return ErrorResponse("invalid_argument", "format must be json or csv");
    csv = *format == "csv";
  }
  auto report = BuildSettlement(ctx.view(), id, *month);
  if (!report.ok()) return ErrorResponse(report.status());
  if (!csv) return JsonResponse(SettlementJson(*report));
  Response out;
  out.content_type = "text/csv; charset=utf-8; header=present";
  out.body = SettlementCsv(*report);
  // Ids and months are [a-z0-9-]: safe inside the quoted file name.
  out.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"shanliu-settlement-" + id + "-" + month->text + ".csv\"");
  out.headers.emplace_back("X-Computed-At-Height", std::to_string(report->computed_at.height()));
  out.headers.emplace_back("Access-Control-Expose-Headers", "X-Computed-At-Height");
  return out;
}

}  // namespace

Json CataloguePage(const ledger::ReadView& view, const std::string& merchant, const std::string& after_item,
                   std::size_t limit) {
  const std::vector<pb::CatalogueRecord> records = view.Catalogue(merchant, after_item, limit + 1);
  Json items = Json::array();
  for (std::size_t i = 0; i < records.size() && i < limit; ++i) items.push_back(CatalogueItemJson(records[i]));
  const bool more = records.size() > limit;
  return Json{{"items", std::move(items)}, {"next", more ? Json(records[limit - 1].entry().item_id()) : Json(nullptr)}};
}

void AddMerchantRoutes(Router& router) {
  router.Add({http::verb::get, "/v1/merchants/{org}/catalogue", {"cursor", "limit"}, GetCatalogue});
  router.Add({http::verb::get, "/v1/merchants/{org}/settlement", {"month", "format"}, GetSettlement});
}

}  // namespace shanliu::api::internal
