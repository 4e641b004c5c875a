// Exports of money movements for a period (GET /v1/exports/movements.csv and iati.xml;
// docs/exports.md). Pages are bounded in rows and in transactions read, and continue from a
// log-leaf cursor, so a year of a busy chain never sits in memory at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "query.h"
#include "views.h"

namespace shanliu::api::internal {

struct ExportLimits {
  static constexpr std::uint32_t kMaxPeriodDays = 366;   // from..to inclusive
  static constexpr std::size_t kDefaultRows = 5'000;     // rows per page
  static constexpr std::size_t kMaxRows = 10'000;
  static constexpr std::size_t kMaxScannedTxs = 20'000;  // transactions read per page
};

// A period of whole Beijing (UTC+8) calendar days, from 00:00 of `from` to the end of `to`.
struct ExportPeriod {
  std::string from_date;  // "2025-01-01"
  std::string to_date;
  std::uint64_t begin_ms = 0;  // inclusive
  std::uint64_t end_ms = 0;    // exclusive
};

// "YYYY-MM-DD" with a real calendar day, years 1970..9999. Errors "invalid_argument".
Result<ExportPeriod> ParseExportPeriod(const std::string* from, const std::string* to);

// One movement of money or of goods, as both exports list it.
struct Movement {
  std::uint64_t leaf = 0;
  std::uint64_t height = 0;
  std::uint64_t time_ms = 0;
  Hash256 id{};
  std::string kind;  // donation, trust_deposit, transfer, trust_disbursement, spend, refund, correction
  std::string from;  // account, or "donor" / "settlor" for money from outside, "payee:<kind>" (a
                     // corrected spend's money back)
  std::string from_name;
  std::string to;  // account, or "donor" (refunds, withdrawn gifts) / "payee:<kind>" (spending)
  std::string to_name;
  std::int64_t amount_fen = 0;
  std::string project;   // project id when either side is a project account
  std::string category;  // spending category (material, cash_aid, service, admin, other)
  std::string description;  // purpose, spending description or refund reason
  std::uint32_t beneficiary_count = 0;
  // In-kind goods (kind goods_donation, goods_transfer, goods_distribution): amount_fen stays 0
  // and the amount columns stay empty, since goods are never money; these say what moved.
  std::string item_code;
  std::string unit;
  std::uint64_t quantity = 0;
  std::int64_t value_fen = 0;  // valued amount: declared by a donation, carried FIFO to outflows
  std::string lot;             // lot numbers, space-separated (an outflow may draw on several lots)
  std::string region;          // distributions: GB/T 2260 code of the distribution point
  std::string region_name;
  // Whether a third party signed for the movement (a bank; for a goods donation its notary) and
  // who; `channel` one of bank_attested, self_reported, ledger_transfer, goods, reversal
  // (docs/exports.md "Attestation and channel").
  bool attested = false;
  std::string attested_by;
  std::string channel;
};

struct MovementPage {
  std::vector<Movement> rows;
  std::optional<std::uint64_t> next_cursor;  // leaf to continue from
};

// Which movements a page lists: both kinds (the default), money only, or in-kind goods only.
enum class ExportOnly { kAll, kMoney, kGoods };

struct ExportScan {
  ExportPeriod period;
  std::optional<std::string> org;  // only txs indexed under this organisation
  // Only movements of this project's account; read from its owner's index unless `org` is set.
  std::optional<std::string> project;
  ExportOnly only = ExportOnly::kAll;
  std::optional<std::uint64_t> cursor;
  std::size_t max_rows = ExportLimits::kDefaultRows;
  std::size_t max_scanned = ExportLimits::kMaxScannedTxs;
};

// The movements of the period in log order, one page. Errors: "invalid_argument" (a cursor
// outside the period's leaves), "not_found" (an unknown project).
Result<MovementPage> CollectMovements(const ledger::ReadView& view, Names& names, const ExportScan& scan);

// The first log leaf of the first block at or after `time_ms` (the log size if none).
std::uint64_t FirstLeafAtOrAfter(const ledger::ReadView& view, std::uint64_t time_ms);

// ---------------------------------------------------------------- text forms

// Valid UTF-8 with XML-forbidden control characters: bad bytes and C0 controls other than
// tab, CR and LF become U+FFFD. Names on the ledger are length-checked, not UTF-8-checked.
std::string CleanUtf8(std::string_view text);
// 12345 -> "123.45", -5 -> "-0.05".
std::string YuanText(std::int64_t fen);

// RFC 4180: a field with a comma, quote, CR or LF is quoted, quotes doubled. Rows end in CRLF.
std::string CsvField(std::string_view text);
// CsvField for text a spreadsheet must not run (OWASP CSV injection): a cell starting with
// '=', '+', '-', '@', tab or CR gets a leading apostrophe and is quoted. Every column but the
// amounts, which the node writes from integers, goes through this.
std::string CsvTextField(std::string_view text);
// The money columns, then the goods columns (item_code, unit, quantity, value_fen, lot, region,
// region_name), empty on money rows; goods rows leave amount_fen and amount_yuan empty. Then
// attested, attested_by, channel and beneficiaries (empty when none is recorded).
std::string CsvHeader();
std::string CsvRow(const Movement& m);
bool IsGoodsMovement(const Movement& m);

// A tiny streaming XML writer: escapes text and attribute values, closes what it opened.
class XmlWriter {
 public:
  using Attributes = std::vector<std::pair<std::string, std::string>>;
  XmlWriter();  // writes the XML declaration
  void Open(std::string_view name, const Attributes& attributes = {});
  void Close();
  void Empty(std::string_view name, const Attributes& attributes);
  void Text(std::string_view name, const Attributes& attributes, std::string_view text);
  // Closes every open element and returns the document.
  std::string Finish();

  static std::string Escape(std::string_view text);  // &amp; &lt; &gt; &quot; &apos;, cleaned UTF-8

 private:
  void Indent();
  void Start(std::string_view name, const Attributes& attributes);
  std::string out_;
  std::vector<std::string> open_;
};

// "CN-USCC-<credit code>" (docs/exports.md explains the prefix).
std::string IatiOrgRef(std::string_view credit_code);

// An IATI 2.03 activity file: projects, trusts and each organisation's general fund as
// activities, the page's movements as their transactions. `org` set: only the activities that
// organisation reports. Nullopt when no activity is left: the official schema requires at least
// one iati-activity, so an empty file would not validate.
// `project` set: only that project's activity.
std::optional<std::string> IatiXml(const ledger::ReadView& view, const std::vector<Movement>& rows,
                                   const std::optional<std::string>& org,
                                   const std::optional<std::string>& project = std::nullopt);

// ---------------------------------------------------------------- disclosure

// One figure of a disclosure row: fen (or people, for beneficiaries) and the txs it comes from.
struct DisclosureFigure {
  std::int64_t fen = 0;
  std::vector<Hash256> txs;  // log order, each once
};

// One row of the disclosure export (docs/exports.md "Disclosure"): an organisation's general
// fund (project_id empty) or one of its projects, and what the page's movements added up to.
struct DisclosureRow {
  std::string period_start, period_end;  // the request's Beijing dates
  std::string org_id, org_name, credit_code;
  std::string project_id, project_name;
  DisclosureFigure donations;       // money donations in, net of withdrawn (corrected) gifts
  DisclosureFigure refunded;        // remainders returned to donors
  DisclosureFigure received;        // grants in: transfers from other organisations, trust disbursements
  DisclosureFigure allocated_in;    // from the same organisation's other account
  DisclosureFigure allocated_out;   // to the same organisation's other account
  DisclosureFigure granted_out;     // to another organisation's account
  DisclosureFigure spending;        // spends, net of corrected spends
  DisclosureFigure goods_received_value;     // valued goods in from donors and other organisations
  DisclosureFigure goods_distributed_value;  // valued goods handed out
  DisclosureFigure beneficiaries;   // people: recorded counts of spends and distributions
  // donations - refunded + received: what came in from outside the organisation.
  std::int64_t IncomeFen() const;
};

// The rows of a page's movements, ordered by organisation then project (general fund first);
// the scan's org and project filters keep only their rows.
std::vector<DisclosureRow> DisclosureRows(const ledger::ReadView& view, Names& names, const ExportScan& scan,
                                          const std::vector<Movement>& rows);
std::string DisclosureCsvHeader();
std::string DisclosureCsvRow(const DisclosureRow& row);
Json DisclosureJson(const DisclosureRow& row);


}  // namespace shanliu::api::internal
