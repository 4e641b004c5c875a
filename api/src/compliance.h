// Compliance indicators that need more than the yearly totals (GET /v1/compliance): disclosures
// on schedule and restricted-fund integrity. Shown, never enforced (DESIGN 8). The rules are
// pure functions over plain inputs so tests can build any case, including ones the state
// machine never lets happen.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/state_view.h"
#include "shanliu/pb/state.pb.h"

namespace shanliu::api::internal {

// ---------------------------------------------------------------- Beijing calendar (UTC+8)

// The last millisecond of the Beijing calendar day year-month-day. A day past the end of the
// month is clamped to its last day (a 29 February deadline is 28 February in common years).
std::uint64_t BeijingDayEndMs(int year, unsigned month, unsigned day);
// 00:00:00.000 Beijing time on 1 January of `year`, as Unix milliseconds (0 before 1970).
std::uint64_t BeijingYearStartMs(int year);
// The end of the Beijing day `months` calendar months after the day of `time_ms`, clamped
// to the end of a shorter month (30 November + 3 months = 28/29 February).
std::uint64_t BeijingDueAfterMonths(std::uint64_t time_ms, unsigned months);
// "2026-05-31T23:59:59.999+08:00".
std::string BeijingIsoTime(std::uint64_t time_ms);
// "2026-05-31" (Beijing date).
std::string BeijingIsoDate(std::uint64_t time_ms);

// ---------------------------------------------------------------- disclosures on schedule

// A disclosure as the schedule rules read it.
struct Filing {
  std::uint64_t time_ms = 0;  // block time of the disclosure tx
  pb::DisclosureType type = pb::DISCLOSURE_TYPE_UNSPECIFIED;
  std::string period;      // "2025" or "2025-01..2025-12"
  std::string project_id;  // project reports: the project covered
  std::string code;        // receipt code of the tx
};

enum class ReportState { kOnTime, kLate, kMissing, kNotYetDue, kNotRequired };
const char* ReportStateName(ReportState state);

struct AnnualReport {
  std::uint32_t covers_year = 0;  // Y - 1
  std::uint64_t due_ms = 0;       // end of the due day in Y
  std::optional<Filing> filed;    // the earliest annual report for covers_year
  ReportState state = ReportState::kNotYetDue;
};

// The annual report for year - 1 is due by params' month/day of `year` (end of that Beijing
// day). A filing counts when its type is annual report and its period is "<year-1>" or
// "<year-1>-01..<year-1>-12". `required` is false for an organisation registered after
// year - 1 ended (nothing to report: kNotRequired unless a report was filed on time anyway).
// Not filed and not yet due is kNotYetDue, never late.
AnnualReport CheckAnnualReport(const std::vector<Filing>& filings, std::uint32_t year,
                               const ledger::ComplianceParams& params, std::uint64_t now_ms, bool required);
// The same schedule for another yearly filing of `type` (the transparency score reads the audit
// report for year - 1 this way: same period forms, same due day).
AnnualReport CheckYearReport(const std::vector<Filing>& filings, pb::DisclosureType type, std::uint32_t year,
                             const ledger::ComplianceParams& params, std::uint64_t now_ms, bool required);

struct ClosedProject {
  std::string project_id;
  std::uint64_t closed_time_ms = 0;
};

struct ProjectReports {
  std::size_t closed = 0;       // projects closed in the year
  std::size_t due = 0;          // of those, whose deadline passed or that were reported
  std::size_t on_time = 0;      // reported by the deadline
  std::size_t late = 0;         // reported after it
  std::size_t not_yet_due = 0;  // not reported, deadline still ahead
  std::size_t missing = 0;      // not reported, deadline passed
  std::vector<std::string> missing_ids;  // at most max_listed
  std::vector<std::string> late_ids;     // at most max_listed
};

// Every project that closed needs a closing report (type project report naming it, filed at or
// after the close) within params.project_report_months months of the close.
ProjectReports CheckProjectReports(const std::vector<ClosedProject>& closed, const std::vector<Filing>& filings,
                                   const ledger::ComplianceParams& params, std::uint64_t now_ms,
                                   std::size_t max_listed);

// ---------------------------------------------------------------- restricted funds

struct RestrictedViolation {
  std::string project_id;
  std::uint64_t leaf = 0;  // the tx that moved the money
  std::string to_account;
  std::int64_t amount_fen = 0;
};

struct RestrictedFunds {
  bool ok = true;
  std::vector<RestrictedViolation> violations;  // at most max_listed
  std::size_t violation_count = 0;
  std::size_t projects_checked = 0;
  std::size_t ranges_checked = 0;
  bool complete = true;  // false: the budget ran out before every range was read
};

// Re-derives "money restricted to a project never left it except by spending or refund" from
// the fund-flow records: every consumed range of every `project:<id>` stream must be a spend or
// a refund, never a transfer to another account. At most `max_ranges` ranges are read.
RestrictedFunds CheckRestrictedFunds(const ledger::StateView& state, const std::vector<std::string>& project_ids,
                                     std::size_t max_ranges, std::size_t max_listed);

// How much of an organisation's money out in a year a bank vouched for: outflows are its spending
// (charitable and admin) and refunds, the two ways money leaves the ledger; attested are those
// co-signed by a bank (docs/rules.md). Grants stay on the ledger and are traced, so they are not here.
struct BankAttestation {
  std::int64_t outflow_fen = 0;
  std::int64_t attested_fen = 0;
};
BankAttestation AttestedOutflows(const pb::OrgYear& year);

// ---------------------------------------------------------------- projects over budget

// The ledger accepts gifts beyond a project's budget (and budget cuts below what was received):
// refusing a donor's money helps nobody, but the excess is shown. Received is what came into the
// project account: donations plus transfers and trust disbursements, before refunds.
struct OverBudgetProject {
  std::string project_id;
  std::string name_zh;
  std::int64_t budget_fen = 0;
  std::int64_t received_fen = 0;
  std::int64_t over_fen = 0;  // received - budget, > 0
};
struct OverBudget {
  std::size_t count = 0;
  std::vector<OverBudgetProject> projects;  // the largest excesses first, at most max_listed
};
OverBudget CheckOverBudget(const std::vector<const pb::ProjectRecord*>& projects, std::size_t max_listed);

}  // namespace shanliu::api::internal
