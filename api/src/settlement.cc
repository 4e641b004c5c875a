#include "settlement.h"

#include <cassert>
#include <chrono>

#include "exports.h"
#include "shanliu/ledger/tx.h"

namespace shanliu::api::internal {
namespace {

constexpr std::int64_t kBeijingOffsetMs = 8 * 3'600'000;

Status Invalid(std::string message) { return Status::Error("invalid_argument", std::move(message)); }

std::optional<int> Digits(std::string_view text) {
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// 00:00 Beijing time on the first day of the month, as Unix ms.
std::uint64_t MonthStartMs(std::chrono::year_month month) {
  using namespace std::chrono;
  const sys_days day{month / 1};
  const std::int64_t utc_ms = duration_cast<milliseconds>(day.time_since_epoch()).count() - kBeijingOffsetMs;
  assert(utc_ms >= -kBeijingOffsetMs);
  return utc_ms < 0 ? 0 : static_cast<std::uint64_t>(utc_ms);  // 1970-01 begins before the epoch
}

// The settlement row a tx gives the merchant, if any.
std::optional<SettlementRow> RowOf(const ledger::TxRecord& tx, const std::string& merchant) {
  SettlementRow row;
  if (tx.body.has_redeem_points() && tx.body.redeem_points().merchant_org() == merchant) {
    const pb::RedeemPoints& r = tx.body.redeem_points();
    row.kind = "redemption";
    row.holder_hex = Hex(r.holder());
    row.catalogue_item = r.catalogue_item();
    row.item = r.item();
    row.points = r.points();
  } else if (tx.body.has_service_exchange() && tx.body.service_exchange().provider_org() == merchant) {
    const pb::ServiceExchange& e = tx.body.service_exchange();
    row.kind = "service_exchange";
    row.holder_hex = Hex(e.holder());
    row.item = e.service();
    row.points = e.points();
    row.minutes = e.minutes();
  } else {
    return std::nullopt;
  }
  row.tx_id = tx.id;
  row.leaf = tx.location.leaf();
  row.height = tx.location.height();
  row.time_ms = tx.time_ms;
  return row;
}

void AddToTotals(SettlementReport& report, const SettlementRow& row) {
  if (row.kind == "redemption") {
    report.redemption_count += 1;
    report.points_redeemed += row.points;
  } else {
    report.service_exchange_count += 1;
    report.service_points += row.points;
    report.service_minutes += row.minutes;
  }
}

}  // namespace

Result<SettlementMonth> ParseSettlementMonth(const std::string* text) {
  if (text == nullptr) return Invalid("month (YYYY-MM, Beijing time) is required");
  if (text->size() != 7 || (*text)[4] != '-') return Invalid("month must be YYYY-MM, e.g. 2026-03");
  const auto year = Digits(std::string_view(*text).substr(0, 4));
  const auto month = Digits(std::string_view(*text).substr(5, 2));
  if (!year || !month) return Invalid("month must be YYYY-MM, e.g. 2026-03");
  if (*year < 1970 || *year > 9999) return Invalid("month's year must be between 1970 and 9999");
  if (*month < 1 || *month > 12) return Invalid("month's month must be between 01 and 12");
  using namespace std::chrono;
  const year_month ym{std::chrono::year{*year}, std::chrono::month{static_cast<unsigned>(*month)}};
  SettlementMonth out;
  out.text = *text;
  out.begin_ms = MonthStartMs(ym);
  out.end_ms = MonthStartMs(ym + months{1});
  return out;
}

Result<SettlementReport> BuildSettlement(const ledger::ReadView& view, const std::string& merchant,
                                         const SettlementMonth& month, std::size_t max_scanned) {
  auto org = view.Org(merchant);
  if (!org) return Status::Error("not_found", "no organisation '" + merchant + "' is registered");
  if (org->kind() != pb::ORG_KIND_MERCHANT) {
    return Status::Error("wrong_kind", "organisation '" + merchant + "' is not a points merchant");
  }
  SettlementReport report;
  report.merchant = merchant;
  report.month = month;
  report.computed_at = view.head();
  report.month_closed = view.head().time_ms() >= month.end_ms;
  const std::uint64_t first = FirstLeafAtOrAfter(view, month.begin_ms);
  const std::uint64_t end = FirstLeafAtOrAfter(view, month.end_ms);
  constexpr std::size_t kBatch = 1'000;
  std::uint64_t next = first;
  std::size_t scanned = 0;
  while (next < end) {
    const std::vector<std::uint64_t> leaves = view.OrgActivityFrom(merchant, next, kBatch);
    for (std::uint64_t leaf : leaves) {
      if (leaf >= end) return report;
      if (++scanned > max_scanned) {
        return Status::Error("too_large", "the month holds more than " + std::to_string(max_scanned) +
                                              " transactions of this merchant; ask the node operator for an export");
      }
      auto tx = view.TxByLeaf(leaf);
      if (!tx) throw ledger::StorageError("an organisation index names a missing log leaf");
      if (auto row = RowOf(*tx, merchant)) {
        AddToTotals(report, *row);
        report.rows.push_back(std::move(*row));
      }
    }
    if (leaves.size() < kBatch) break;
    next = leaves.back() + 1;
  }
  return report;
}

Json SettlementJson(const SettlementReport& report) {
  Json rows = Json::array();
  for (const SettlementRow& r : report.rows) {
    rows.push_back({{"tx_id", Hex(r.tx_id)},
                    {"code", ReceiptCode(r.tx_id)},
                    {"leaf", r.leaf},
                    {"height", r.height},
                    {"time_ms", r.time_ms},
                    {"kind", r.kind},
                    {"holder", r.holder_hex},
                    {"catalogue_item", r.catalogue_item.empty() ? Json(nullptr) : Json(r.catalogue_item)},
                    {"item", CleanUtf8(r.item)},
                    {"points", r.points},
                    {"minutes", r.minutes}});
  }
  const pb::BlockHeader& h = report.computed_at;
  return Json{{"merchant", report.merchant},
              {"month", report.month.text},
              {"time_zone", "Asia/Shanghai (UTC+8), by block time"},
              {"begin_ms", report.month.begin_ms},
              {"end_ms", report.month.end_ms},
              {"month_closed", report.month_closed},
              {"rows", std::move(rows)},
              {"totals",
               {{"redemption_count", report.redemption_count},
                {"points_redeemed", report.points_redeemed},
                {"service_exchange_count", report.service_exchange_count},
                {"service_points", report.service_points},
                {"service_minutes", report.service_minutes},
                {"points_total", report.points_redeemed + report.service_points}}},
              {"computed_at",
               {{"height", h.height()},
                {"time_ms", h.time_ms()},
                {"log_size", h.log_size()},
                {"log_root", Hex(h.log_root())},
                {"state_root", Hex(h.state_root())}}}};
}

std::string SettlementCsv(const SettlementReport& report) {
  std::string out = "tx_id,height,time_ms,kind,holder,catalogue_item,item,points,minutes\r\n";
  for (const SettlementRow& r : report.rows) {
    out += CsvTextField(Hex(r.tx_id)) + "," + std::to_string(r.height) + "," + std::to_string(r.time_ms) + "," +
           CsvTextField(r.kind) + "," + CsvTextField(r.holder_hex) + "," + CsvTextField(r.catalogue_item) + "," +
           CsvTextField(r.item) + "," + std::to_string(r.points) + "," + std::to_string(r.minutes) + "\r\n";
  }
  // The totals row names the head it was computed at, so a printed report is still reconcilable.
  out += CsvTextField("total") + "," + std::to_string(report.computed_at.height()) + "," +
         std::to_string(report.computed_at.time_ms()) + "," + CsvTextField(report.month_closed ? "closed" : "open") +
         ",,," + CsvTextField(report.month.text) + "," +
         std::to_string(report.points_redeemed + report.service_points) + "," +
         std::to_string(report.service_minutes) + "\r\n";
  return out;
}

}  // namespace shanliu::api::internal
