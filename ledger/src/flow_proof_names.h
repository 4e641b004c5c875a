// Private to flow proofs: which o/ p/ t/ records a proven trace names (check 7), collected by
// one function over a lookup, so the prover proves exactly the keys the verifier reads.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "shanliu/pb/state.pb.h"
#include "shanliu/status.h"

namespace shanliu::ledger::flow_proof::internal {

// The state value under `key` (nullopt: absent), or an error (the verifier: not in the proof).
using Lookup = std::function<Result<std::optional<std::string>>(const std::string& key)>;

struct NamedRecords {
  std::map<std::string, pb::OrgRecord> orgs;
  std::map<std::string, pb::ProjectRecord> projects;
  std::map<std::string, pb::TrustRecord> trusts;
};

// Reads the record of every account in `accounts` (org:, project:, trust:), of the
// organisations owning them (a project's owner, a trust's trustee and custodian bank) and of
// every organisation in `org_ids`. Errors: whatever `get` returns, or "names" when a record is
// absent or does not decode.
Result<NamedRecords> CollectNames(const Lookup& get, const std::set<std::string>& accounts,
                                  const std::set<std::string>& org_ids);

}  // namespace shanliu::ledger::flow_proof::internal
