// Signing request files: building one (tx --unsigned), reading, writing and printing them.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "cosign.h"
#include "format.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/json.h"
#include "shanliu/ledger/tx.h"

namespace shanliu::cli {
namespace {

using nlohmann::json;

// GET `path` and convert `field` of the answer into `record`; nothing for a 404.
template <class Record>
std::optional<Record> Fetch(const NodeClient& node, const std::string& path, const char* field, Status& error) {
  auto answer = node.GetJson(path);
  if (!answer.ok()) {
    if (answer.status().code() != "not_found" && error.ok()) error = answer.status();
    return std::nullopt;
  }
  Record record;
  if (!answer->is_object() || !answer->contains(field) ||
      !ledger::JsonToMessage((*answer)[field], &record).ok()) {
    if (error.ok()) error = Status::Error("bad_response", path + " did not return a readable " + field);
    return std::nullopt;
  }
  return record;
}

bool PathSafeId(const std::string& id) { return ledger::IsValidId(id); }

}  // namespace

ledger::SignerLookup NodeLookup(const NodeClient& node, Status& first_error) {
  ledger::SignerLookup lookup;
  lookup.org = [&node, &first_error](const std::string& id) -> std::optional<pb::OrgRecord> {
    if (!PathSafeId(id)) return std::nullopt;
    return Fetch<pb::OrgRecord>(node, "/v1/orgs/" + id + "?limit=1", "org", first_error);
  };
  lookup.project = [&node, &first_error](const std::string& id) -> std::optional<pb::ProjectRecord> {
    if (!PathSafeId(id)) return std::nullopt;
    return Fetch<pb::ProjectRecord>(node, "/v1/projects/" + id + "?limit=1", "project", first_error);
  };
  lookup.trust = [&node, &first_error](const std::string& id) -> std::optional<pb::TrustRecord> {
    if (!PathSafeId(id)) return std::nullopt;
    return Fetch<pb::TrustRecord>(node, "/v1/trusts/" + id + "?limit=1", "trust", first_error);
  };
  lookup.donation_account = [&node, &first_error](const Hash256& id) -> std::optional<std::string> {
    auto tx = node.GetJson("/v1/txs/" + crypto::ToHex(id));
    if (!tx.ok()) {
      if (tx.status().code() != "not_found" && first_error.ok()) first_error = tx.status();
      return std::nullopt;
    }
    const json account = tx->value("body", json::object()).value("donation", json::object()).value("to_account", json());
    if (!account.is_string()) return std::nullopt;
    return account.get<std::string>();
  };
  lookup.bureau = [&node, &first_error]() -> std::optional<pb::OrgRecord> {
    auto list = node.GetJson("/v1/orgs?kind=bureau&limit=1");
    if (!list.ok()) {
      if (first_error.ok()) first_error = list.status();
      return std::nullopt;
    }
    const json orgs = list->value("orgs", json::array());
    if (!orgs.is_array() || orgs.empty()) return std::nullopt;
    pb::OrgRecord record;
    if (!ledger::JsonToMessage(orgs[0], &record).ok()) return std::nullopt;
    return record;
  };
  return lookup;
}

Result<std::string> ReadSmallFile(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("usage", "cannot open " + path);
  std::string text(max_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_bytes) {
    return Status::Error("too_large", path + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  return text;
}

Status WriteFileAtomically(const std::string& path, const std::string& text, bool overwrite) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!overwrite && fs::exists(path, ec)) return Status::Error("usage", path + " exists; choose another --out");
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return Status::Error("io_error", "cannot write " + temp);
  }
  fs::rename(temp, path, ec);
  if (ec) return Status::Error("io_error", "cannot rename " + temp + " to " + path + ": " + ec.message());
  return Status::Ok();
}

void PrintRequest(std::ostream& out, const ledger::SigningRequest& request) {
  out << "request  " << crypto::ToHex(request.id) << " (" << ledger::PayloadKindName(request.body) << ")\n"
      << "摘要     " << ledger::SigningSummary(request.body, "zh") << "\n"
      << "summary  " << ledger::SigningSummary(request.body, "en") << "\n"
      << "expires  " << BeijingDateTime(request.body.expires_at_ms()) << " Beijing time, or at height "
      << request.body.expires_at_height() << "\n";
  for (const ledger::SignerSlot& slot : request.required) {
    bool signed_slot = false;
    for (const ledger::SignatureEntry& s : request.signatures) {
      for (const crypto::PublicKey& k : slot.public_keys) signed_slot = signed_slot || k == s.public_key;
    }
    out << (signed_slot ? "signed   " : "missing  ") << slot.role
        << (slot.org_id.empty() ? " key " + crypto::ToHex(slot.public_keys.front()) : " " + slot.org_id) << "\n";
  }
}

int WriteUnsignedRequest(const Args& args, const NodeClient& node, const pb::TxBody& body,
                         const std::vector<const crypto::KeyPair*>& keys) {
  Status lookup_error;
  auto required = ledger::RequiredSigners(body, NodeLookup(node, lookup_error), args.Get("cosigner").value_or(""));
  if (!lookup_error.ok()) return Fail("tx", lookup_error);
  if (!required.ok()) return Fail("tx", required.status());
  ledger::SigningRequest request = ledger::NewSigningRequest(body, std::move(*required));
  for (const crypto::KeyPair* key : keys) {
    if (Status s = ledger::SignRequest(request, *key); !s.ok()) return Fail("tx", s);
  }
  const std::string text = ledger::SigningRequestToJson(request).dump(2) + "\n";
  if (Status s = WriteFileAtomically(*args.Get("out"), text, /*overwrite=*/false); !s.ok()) return Fail("tx", s);
  PrintRequest(std::cout, request);
  std::cout << "status   " << (request.Complete() ? "complete: shanliu submit " : "waiting for signatures: ")
            << *args.Get("out") << "\n";
  return 0;
}

}  // namespace shanliu::cli
