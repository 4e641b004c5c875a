#include "flow_proof_names.h"

#include "shanliu/ledger/goods.h"
#include "state_keys.h"

namespace shanliu::ledger::flow_proof::internal {
namespace {

template <class Message>
Result<Message> Named(const Lookup& get, const std::string& key, const std::string& what) {
  auto value = get(key);
  if (!value.ok()) return value.status();
  Message m;
  if (!value->has_value()) return Status::Error("names", what + " is named but the state has no record " + key);
  if (!m.ParseFromString(**value)) return Status::Error("names", "the record " + key + " of " + what + " does not decode");
  return m;
}

}  // namespace

Result<NamedRecords> CollectNames(const Lookup& get, const std::set<std::string>& accounts,
                                  const std::set<std::string>& org_ids) {
  NamedRecords out;
  std::set<std::string> orgs = org_ids;
  for (const std::string& named : accounts) {
    // A goods account is shown under its holder's names ("goods:x/i" -> org x).
    const std::string account = goods::IsGoodsAccount(named) ? goods::HolderOf(named) : named;
    const std::size_t colon = account.find(':');
    const std::string type = account.substr(0, colon);
    const std::string id = colon == std::string::npos ? "" : account.substr(colon + 1);
    if (type == "org") {
      orgs.insert(id);
    } else if (type == "project") {
      auto p = Named<pb::ProjectRecord>(get, keys::Project(id), "project " + id);
      if (!p.ok()) return p.status();
      orgs.insert(p->spec().owner_org());
      out.projects.emplace(id, std::move(*p));
    } else if (type == "trust") {
      auto t = Named<pb::TrustRecord>(get, keys::Trust(id), "trust " + id);
      if (!t.ok()) return t.status();
      orgs.insert(t->spec().trustee_org());
      orgs.insert(t->spec().custodian_bank());
      out.trusts.emplace(id, std::move(*t));
    } else {
      return Status::Error("names", "'" + account + "' is not an account name");
    }
  }
  for (const std::string& id : orgs) {
    if (id.empty()) continue;
    auto o = Named<pb::OrgRecord>(get, keys::Org(id), "organisation " + id);
    if (!o.ok()) return o.status();
    if (o->org_id() != id) return Status::Error("names", "the record o/" + id + " is of organisation " + o->org_id());
    out.orgs.emplace(id, std::move(*o));
  }
  return out;
}

}  // namespace shanliu::ledger::flow_proof::internal
