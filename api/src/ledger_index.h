// Ledger queries the ReadView does not offer (yet), written on top of its StateView.
// They read the state's key layout, which this file mirrors from the ledger (docs/data-format.md):
//   "o/<org_id>" OrgRecord, "p/<project_id>" ProjectRecord, "t/<trust_id>" TrustRecord,
//   'M' u8 level u64 index -> 32-byte perfect-subtree hash of the RFC 9162 log.
// Every listing is bounded: at most `limit` items, after scanning at most `max_scanned` records.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shanliu/ledger/ledger.h"
#include "shanliu/pb/state.pb.h"

namespace shanliu::api::internal {

template <class Record>
struct RecordPage {
  std::vector<Record> items;
  std::optional<std::string> next;  // pass as `cursor` to continue after this page
};

struct ListOptions {
  std::string after;               // exclusive: ids greater than this
  std::size_t limit = 20;
  std::size_t max_scanned = 10'000;  // with a filter, a page may end early; `next` continues
};

RecordPage<pb::OrgRecord> ListOrgs(const ledger::ReadView& view, const ListOptions& options,
                                   const std::function<bool(const pb::OrgRecord&)>& keep);
RecordPage<pb::ProjectRecord> ListProjects(const ledger::ReadView& view, const ListOptions& options,
                                           const std::function<bool(const pb::ProjectRecord&)>& keep);
RecordPage<pb::TrustRecord> ListTrusts(const ledger::ReadView& view, const ListOptions& options,
                                       const std::function<bool(const pb::TrustRecord&)>& keep);

// RFC 9162 inclusion proof of `leaf` in the log at any committed `size` (not only block ends).
// Errors: "invalid_argument" (leaf >= size), "out_of_range" (size beyond the log).
Result<std::vector<Hash256>> InclusionProofAt(const ledger::ReadView& view, std::uint64_t leaf, std::uint64_t size);

}  // namespace shanliu::api::internal
