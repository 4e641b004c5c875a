// The transparency score (透明度评价) of one organisation for one Beijing calendar year, method
// "shanliu-transparency/1" (docs/transparency.md). Pure: every input is a ledger fact the caller
// read (the OrgYear counters kept at commit, the disclosure schedule, the project records), so
// tests can build any case and every node answers the same for the same head block.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compliance.h"
#include "shanliu/pb/state.pb.h"

namespace shanliu::api::internal {

inline constexpr const char* kTransparencyMethod = "shanliu-transparency/1";

// Component weights (points out of 100 when every component applies).
struct TransparencyWeights {
  static constexpr std::uint32_t kAnnualReport = 15;
  static constexpr std::uint32_t kAudit = 10;
  static constexpr std::uint32_t kAttestedInflows = 15;
  static constexpr std::uint32_t kAttestedOutflows = 15;
  static constexpr std::uint32_t kInvoicedSpending = 15;
  static constexpr std::uint32_t kRestrictedFunds = 10;
  static constexpr std::uint32_t kProjectReports = 10;
  static constexpr std::uint32_t kCorrections = 10;
};

// Correction-rate tiers in basis points of the year's entries (a rate exactly on a bound earns
// that bound's share).
struct CorrectionTiers {
  static constexpr std::uint64_t kLowRateBp = 100;   // up to 1 %: 80 % of the weight
  static constexpr std::uint64_t kHighRateBp = 500;  // up to 5 %: 50 %; above: 20 %, never 0
};

// The organisation's projects as restricted-fund integrity reads them.
struct RestrictedProjects {
  std::uint64_t projects = 0;           // projects the organisation owns
  std::uint64_t closed = 0;             // of those, closed
  std::uint64_t closed_not_empty = 0;   // closed with money left in the account (the executor refuses this)
};

struct TransparencyInputs {
  std::uint32_t year = 0;
  std::optional<pb::OrgYear> counters;  // nullopt: no OrgYear row, no activity in the year
  AnnualReport annual_report;           // for year - 1, due in year (compliance schedule)
  AnnualReport audit;                   // audit report for year - 1, same due day
  ProjectReports project_reports;       // projects closed in year
  RestrictedProjects restricted;
};

enum class ComponentState { kScored, kNotApplicable };

struct TransparencyComponent {
  std::string name;  // "annual_report", "audit", ...
  std::uint32_t weight = 0;
  ComponentState state = ComponentState::kNotApplicable;
  std::uint64_t earned_milli = 0;  // points x 1000, at most weight x 1000
  std::string why;                 // how the points follow from the inputs (English, for the record)
};

struct TransparencyScore {
  bool has_data = false;  // false: no activity in the year, no score (never a 0)
  std::uint32_t score = 0;            // 0..100, rounded half up
  std::uint32_t applicable_weight = 0;  // the sum of the weights of scored components
  std::vector<TransparencyComponent> components;  // always all eight, in weight-table order
};

// Points for a share part/whole of `weight`, floored to 1/1000 point; whole <= 0 is not
// applicable (nothing to share), a part outside [0, whole] is clamped.
TransparencyComponent ShareComponent(std::string name, std::uint32_t weight, std::int64_t part, std::int64_t whole);
TransparencyComponent ReportComponent(std::string name, std::uint32_t weight, ReportState state);
TransparencyComponent ProjectReportsComponent(const ProjectReports& reports);
TransparencyComponent RestrictedComponent(const RestrictedProjects& projects);
TransparencyComponent CorrectionsComponent(std::uint64_t corrections, std::uint64_t entries);

// Scored components only count: score = round(100 x earned / applicable weight). No OrgYear
// row, or no component applicable, answers has_data = false.
TransparencyScore ScoreTransparency(const TransparencyInputs& inputs);

const char* ComponentStateName(ComponentState state);

}  // namespace shanliu::api::internal
