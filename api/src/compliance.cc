#include "compliance.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstdio>

#include "shanliu/ledger/flow.h"
#include "shanliu/ledger/totals.h"

namespace shanliu::api::internal {
namespace {

using namespace std::chrono;

constexpr std::int64_t kBeijingOffsetMs = 8LL * 3600 * 1000;
constexpr std::int64_t kDayMs = 86'400'000;

std::int64_t DaysToMs(sys_days day) { return static_cast<std::int64_t>(day.time_since_epoch().count()) * kDayMs; }

// A valid calendar day: the day clamped to the month's last day.
year_month_day Clamped(int y, unsigned m, unsigned d) {
  const year_month_day_last last{year{y}, month_day_last{month{m}}};
  const unsigned max_day = static_cast<unsigned>(last.day());
  return year_month_day{year{y}, month{m}, day{std::clamp(d, 1u, max_day)}};
}

std::uint64_t NonNegative(std::int64_t ms) { return ms < 0 ? 0 : static_cast<std::uint64_t>(ms); }

year_month_day BeijingDay(std::uint64_t time_ms) {
  return year_month_day{floor<days>(sys_time<milliseconds>(milliseconds(time_ms) + hours(8)))};
}

}  // namespace

std::uint64_t BeijingDayEndMs(int year_number, unsigned month_number, unsigned day_number) {
  const sys_days next = sys_days(Clamped(year_number, std::clamp(month_number, 1u, 12u), day_number)) + days(1);
  return NonNegative(DaysToMs(next) - kBeijingOffsetMs - 1);
}

std::uint64_t BeijingYearStartMs(int year_number) {
  return NonNegative(DaysToMs(sys_days(year_month_day{year{year_number}, January, day{1}})) - kBeijingOffsetMs);
}

std::uint64_t BeijingDueAfterMonths(std::uint64_t time_ms, unsigned months_after) {
  const year_month_day start = BeijingDay(time_ms);
  const year_month target = year_month{start.year(), start.month()} + months{months_after};
  return BeijingDayEndMs(static_cast<int>(target.year()), static_cast<unsigned>(target.month()),
                         static_cast<unsigned>(start.day()));
}

std::string BeijingIsoTime(std::uint64_t time_ms) {
  const auto local = sys_time<milliseconds>(milliseconds(time_ms) + hours(8));
  const sys_days day = floor<days>(local);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> t{local - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03d+08:00", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<int>(t.hours().count()),
                static_cast<int>(t.minutes().count()), static_cast<int>(t.seconds().count()),
                static_cast<int>(t.subseconds().count()));
  return buf;
}

std::string BeijingIsoDate(std::uint64_t time_ms) { return BeijingIsoTime(time_ms).substr(0, 10); }

const char* ReportStateName(ReportState state) {
  switch (state) {
    case ReportState::kOnTime: return "on_time";
    case ReportState::kLate: return "late";
    case ReportState::kMissing: return "missing";
    case ReportState::kNotYetDue: return "not_yet_due";
    case ReportState::kNotRequired: return "not_required";
  }
  return "unknown";
}

namespace {

bool CoversYear(const Filing& f, std::uint32_t covered) {
  const std::string y = std::to_string(covered);
  return f.period == y || f.period == y + "-01.." + y + "-12";
}

// Deadline rules shared by both report kinds.
ReportState Judge(const std::optional<Filing>& filed, std::uint64_t due_ms, std::uint64_t now_ms) {
  if (filed) return filed->time_ms <= due_ms ? ReportState::kOnTime : ReportState::kLate;
  return now_ms <= due_ms ? ReportState::kNotYetDue : ReportState::kMissing;
}

}  // namespace

AnnualReport CheckAnnualReport(const std::vector<Filing>& filings, std::uint32_t year_number,
                               const ledger::ComplianceParams& params, std::uint64_t now_ms, bool required) {
  return CheckYearReport(filings, pb::DISCLOSURE_TYPE_ANNUAL_REPORT, year_number, params, now_ms, required);
}

AnnualReport CheckYearReport(const std::vector<Filing>& filings, pb::DisclosureType type, std::uint32_t year_number,
                             const ledger::ComplianceParams& params, std::uint64_t now_ms, bool required) {
  AnnualReport out;
  out.covers_year = year_number - 1;
  out.due_ms = BeijingDayEndMs(static_cast<int>(year_number), params.annual_report_due_month,
                               params.annual_report_due_day);
  for (const Filing& f : filings) {
    if (f.type != type || !CoversYear(f, out.covers_year)) continue;
    if (!out.filed || f.time_ms < out.filed->time_ms) out.filed = f;
  }
  out.state = Judge(out.filed, out.due_ms, now_ms);
  // Nothing was owed: a voluntary report counts when on time and is never "late".
  if (!required && out.state != ReportState::kOnTime) out.state = ReportState::kNotRequired;
  return out;
}

ProjectReports CheckProjectReports(const std::vector<ClosedProject>& closed, const std::vector<Filing>& filings,
                                   const ledger::ComplianceParams& params, std::uint64_t now_ms,
                                   std::size_t max_listed) {
  ProjectReports out;
  for (const ClosedProject& p : closed) {
    ++out.closed;
    const std::uint64_t due_ms = BeijingDueAfterMonths(p.closed_time_ms, params.project_report_months);
    std::optional<Filing> filed;
    for (const Filing& f : filings) {
      // A report from before the close is an interim report, not the closing one.
      if (f.type != pb::DISCLOSURE_TYPE_PROJECT_REPORT || f.project_id != p.project_id) continue;
      if (f.time_ms < p.closed_time_ms) continue;
      if (!filed || f.time_ms < filed->time_ms) filed = f;
    }
    switch (Judge(filed, due_ms, now_ms)) {
      case ReportState::kOnTime: ++out.on_time; break;
      case ReportState::kLate:
        ++out.late;
        if (out.late_ids.size() < max_listed) out.late_ids.push_back(p.project_id);
        break;
      case ReportState::kMissing:
        ++out.missing;
        if (out.missing_ids.size() < max_listed) out.missing_ids.push_back(p.project_id);
        break;
      case ReportState::kNotYetDue: ++out.not_yet_due; break;
      case ReportState::kNotRequired: break;
    }
  }
  out.due = out.on_time + out.late + out.missing;
  return out;
}

RestrictedFunds CheckRestrictedFunds(const ledger::StateView& state, const std::vector<std::string>& project_ids,
                                     std::size_t max_ranges, std::size_t max_listed) {
  namespace flow = ledger::flow;
  constexpr std::size_t kPage = 512;
  RestrictedFunds out;
  for (const std::string& id : project_ids) {
    const std::string account = "project:" + id;
    std::uint64_t from = 0;
    while (true) {
      if (out.ranges_checked >= max_ranges) {
        out.complete = false;
        break;
      }
      const std::size_t want = std::min(kPage, max_ranges - out.ranges_checked);
      const std::vector<flow::ConsumedInfo> ranges = flow::ListConsumed(state, account, from, want);
      for (const flow::ConsumedInfo& r : ranges) {
        ++out.ranges_checked;
        // Spending and refunds are the only ways restricted money may leave its project; a
        // corrected spend's money came back, and a withdrawn range was never the project's to keep.
        if (r.kind == flow::ConsumedKind::kSpend || r.kind == flow::ConsumedKind::kRefund ||
            r.kind == flow::ConsumedKind::kCorrected || r.kind == flow::ConsumedKind::kWithdrawn) {
          continue;
        }
        ++out.violation_count;
        if (out.violations.size() < max_listed) {
          out.violations.push_back(RestrictedViolation{id, r.tx, r.target, r.amount_fen});
        }
      }
      if (ranges.size() < want) break;
      from = ranges.back().start + 1;
    }
    if (!out.complete) break;
    ++out.projects_checked;
  }
  out.ok = out.violation_count == 0;
  return out;
}

BankAttestation AttestedOutflows(const pb::OrgYear& year) {
  // Each figure is overflow-checked on the ledger, and their sum stays far below 2^63.
  return BankAttestation{ledger::SumTotals({year.charitable_spent_fen(), year.admin_spent_fen(), year.refunded_fen()}),
                         ledger::SumTotals({year.attested_spent_fen(), year.attested_refunded_fen()})};
}

OverBudget CheckOverBudget(const std::vector<const pb::ProjectRecord*>& projects, std::size_t max_listed) {
  OverBudget out;
  for (const pb::ProjectRecord* p : projects) {
    assert(p != nullptr);
    // Both are saturating report totals (ledger/totals.h): so is their sum.
    const std::int64_t received = ledger::SumTotals({p->donated_fen(), p->allocated_fen()});
    if (received <= p->spec().budget_fen()) continue;
    ++out.count;
    out.projects.push_back(OverBudgetProject{p->spec().project_id(), p->spec().name_zh(), p->spec().budget_fen(),
                                             received, received - p->spec().budget_fen()});
  }
  std::stable_sort(out.projects.begin(), out.projects.end(),
                   [](const OverBudgetProject& a, const OverBudgetProject& b) { return a.over_fen > b.over_fen; });
  if (out.projects.size() > max_listed) out.projects.resize(max_listed);
  return out;
}

}  // namespace shanliu::api::internal
