// Transparency score, method shanliu-transparency/1 (docs/transparency.md). Integer arithmetic
// throughout (milli-points, 128-bit products) so every node and every test gets the same digits.
#include "transparency.h"

#include <cassert>
#include <utility>

#include "shanliu/ledger/totals.h"

namespace shanliu::api::internal {
namespace {

using Weights = TransparencyWeights;
__extension__ using U128 = unsigned __int128;  // products of a weight and fen never overflow

TransparencyComponent Scored(std::string name, std::uint32_t weight, std::uint64_t earned_milli, std::string why) {
  assert(earned_milli <= std::uint64_t{weight} * 1000);
  return TransparencyComponent{std::move(name), weight, ComponentState::kScored, earned_milli, std::move(why)};
}

TransparencyComponent NotApplicable(std::string name, std::uint32_t weight, std::string why) {
  return TransparencyComponent{std::move(name), weight, ComponentState::kNotApplicable, 0, std::move(why)};
}

// weight x 1000 x numerator / denominator, floored; numerator <= denominator.
std::uint64_t Fraction(std::uint32_t weight, std::uint64_t numerator, std::uint64_t denominator) {
  assert(denominator > 0 && numerator <= denominator);
  const U128 product = static_cast<U128>(weight) * 1000u * numerator;
  return static_cast<std::uint64_t>(product / denominator);
}

}  // namespace

const char* ComponentStateName(ComponentState state) {
  return state == ComponentState::kScored ? "scored" : "not_applicable";
}

TransparencyComponent ShareComponent(std::string name, std::uint32_t weight, std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return NotApplicable(std::move(name), weight, "no money in the denominator this year");
  const std::int64_t clamped = part < 0 ? 0 : (part > whole ? whole : part);
  return Scored(std::move(name), weight,
                Fraction(weight, static_cast<std::uint64_t>(clamped), static_cast<std::uint64_t>(whole)),
                "weight x share, linear from 0 % to 100 %");
}

TransparencyComponent ReportComponent(std::string name, std::uint32_t weight, ReportState state) {
  switch (state) {
    case ReportState::kOnTime: return Scored(std::move(name), weight, weight * 1000u, "filed by the due day: full weight");
    case ReportState::kLate: return Scored(std::move(name), weight, weight * 500u, "filed after the due day: half");
    case ReportState::kMissing: return Scored(std::move(name), weight, 0, "not filed and the due day passed: 0");
    case ReportState::kNotYetDue: return NotApplicable(std::move(name), weight, "not filed and not yet due");
    case ReportState::kNotRequired:
      return NotApplicable(std::move(name), weight, "registered after the covered year: nothing owed");
  }
  return NotApplicable(std::move(name), weight, "unknown state");
}

TransparencyComponent ProjectReportsComponent(const ProjectReports& r) {
  const std::uint64_t due = r.on_time + r.late + r.missing;
  if (due == 0) {
    return NotApplicable("project_reports", Weights::kProjectReports,
                         "no project closed in the year has a closing report due yet");
  }
  // On time counts 2 halves, late 1, missing 0.
  const std::uint64_t halves = 2 * static_cast<std::uint64_t>(r.on_time) + r.late;
  return Scored("project_reports", Weights::kProjectReports, Fraction(Weights::kProjectReports, halves, 2 * due),
                "share of due closing reports: on time counts 1, late 1/2, missing 0");
}

TransparencyComponent RestrictedComponent(const RestrictedProjects& p) {
  assert(p.closed <= p.projects && p.closed_not_empty <= p.closed);
  if (p.projects == 0) return NotApplicable("restricted_funds", Weights::kRestrictedFunds, "the organisation has no project");
  if (p.closed_not_empty > 0) {
    return Scored("restricted_funds", Weights::kRestrictedFunds, 0, "a closed project still holds money: 0");
  }
  return Scored("restricted_funds", Weights::kRestrictedFunds, Weights::kRestrictedFunds * 1000u,
                "no project money left its project except by spending or refund (enforced by the executor) and "
                "every closed project is at zero: full weight");
}

TransparencyComponent CorrectionsComponent(std::uint64_t corrections, std::uint64_t entries) {
  constexpr std::uint32_t w = Weights::kCorrections;
  if (corrections == 0 && entries == 0) return NotApplicable("corrections", w, "no money entries in the year");
  if (corrections == 0) return Scored("corrections", w, w * 1000u, "no correction: full weight");
  // A correction of an entry booked in an earlier year may outnumber this year's entries.
  const std::uint64_t base = entries == 0 ? 1 : entries;
  const U128 rate_bp = static_cast<U128>(corrections) * 10'000u / base;
  if (rate_bp <= CorrectionTiers::kLowRateBp) return Scored("corrections", w, w * 800u, "rate up to 1 %: 80 %");
  if (rate_bp <= CorrectionTiers::kHighRateBp) return Scored("corrections", w, w * 500u, "rate up to 5 %: 50 %");
  return Scored("corrections", w, w * 200u, "rate above 5 %: 20 % (a fixed error still earns more than none)");
}

TransparencyScore ScoreTransparency(const TransparencyInputs& in) {
  TransparencyScore out;
  const pb::OrgYear y = in.counters.value_or(pb::OrgYear());
  const BankAttestation outflows = AttestedOutflows(y);
  const std::int64_t spent_fen = ledger::SumTotals({y.charitable_spent_fen(), y.admin_spent_fen()});
  out.components.push_back(ReportComponent("annual_report", Weights::kAnnualReport, in.annual_report.state));
  out.components.push_back(ReportComponent("audit", Weights::kAudit, in.audit.state));
  out.components.push_back(
      ShareComponent("attested_inflows", Weights::kAttestedInflows, y.attested_donated_fen(), y.donated_fen()));
  out.components.push_back(ShareComponent("attested_outflows", Weights::kAttestedOutflows, outflows.attested_fen,
                                          outflows.outflow_fen));
  out.components.push_back(
      ShareComponent("invoiced_spending", Weights::kInvoicedSpending, y.invoiced_spent_fen(), spent_fen));
  out.components.push_back(RestrictedComponent(in.restricted));
  out.components.push_back(ProjectReportsComponent(in.project_reports));
  out.components.push_back(CorrectionsComponent(y.corrections(), y.entries()));

  std::uint64_t earned_milli = 0;
  for (const TransparencyComponent& c : out.components) {
    if (c.state != ComponentState::kScored) continue;
    out.applicable_weight += c.weight;
    earned_milli += c.earned_milli;
  }
  out.has_data = in.counters.has_value() && out.applicable_weight > 0;
  if (!out.has_data) return out;
  // round(100 x earned / (weight x 1000)), half up.
  const std::uint64_t denominator = std::uint64_t{out.applicable_weight} * 1000;
  out.score = static_cast<std::uint32_t>((earned_milli * 100 * 2 + denominator) / (2 * denominator));
  assert(out.score <= 100);
  return out;
}

}  // namespace shanliu::api::internal
