// The co-signing inbox (docs/api.md "Co-signing inbox"): POST and GET signing requests, add
// signatures; a request is submitted to the node's mempool by the call that completes it.
#include <cassert>

#include "routes.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/signing_request.h"
#include "shanliu/ledger/tx.h"
#include "signing_inbox.h"
#include "views.h"

namespace shanliu::api::internal {
namespace {

constexpr std::size_t kMaxSignatureBodyBytes = 1024;

ledger::SignerLookup Lookup(const ledger::ReadView& view) {
  ledger::SignerLookup lookup;
  lookup.org = [&view](const std::string& id) { return view.Org(id); };
  lookup.project = [&view](const std::string& id) { return view.Project(id); };
  lookup.trust = [&view](const std::string& id) { return view.Trust(id); };
  lookup.donation_account = [&view](const Hash256& id) -> std::optional<std::string> {
    auto gift = view.Gift(id);
    if (!gift) return std::nullopt;
    return gift->account();
  };
  lookup.bureau = [&view]() -> std::optional<pb::OrgRecord> {
    for (const ledger::GenesisOrg& org : view.genesis().organisations) {
      if (org.kind == pb::ORG_KIND_BUREAU) return view.Org(org.org_id);
    }
    return std::nullopt;
  };
  return lookup;
}

std::optional<std::uint64_t> HeadHeight(RequestContext& ctx) { return ctx.view().head().height(); }

Json TxStateJson(RequestContext& ctx, const SigningInbox::Entry& entry, std::string& state) {
  const Hash256& id = entry.request.id;
  Json tx = {{"id", Hex(id)}, {"code", ReceiptCode(id)}, {"location", "/v1/txs/" + Hex(id)}};
  if (auto committed = ctx.view().TxById(id)) {
    state = "committed";
    tx["height"] = committed->location.height();
    return tx;
  }
  const Status& submitted = entry.submit_status;
  if (!submitted.ok() && submitted.code() != "duplicate") {
    state = "rejected";
    tx["error"] = {{"code", submitted.code()}, {"message", submitted.message()}};
    return tx;
  }
  const PendingInfo info = ctx.server.hooks.pending ? ctx.server.hooks.pending(id) : PendingInfo{};
  state = info.state == PendingState::kRejected ? "rejected" : "pending";
  if (info.state == PendingState::kRejected) tx["error"] = {{"code", info.error.code()}, {"message", info.error.message()}};
  return tx;
}

Json EntryJson(RequestContext& ctx, const SigningInbox::Entry& entry) {
  Json missing = Json::array();
  for (const ledger::SignerSlot* slot : entry.request.Missing()) {
    missing.push_back({{"role", slot->role}, {"org_id", slot->org_id.empty() ? Json(nullptr) : Json(slot->org_id)}});
  }
  std::string state = entry.request.Complete() ? "submitting" : "collecting";
  Json tx = entry.submitted ? TxStateJson(ctx, entry, state) : Json(nullptr);
  return {{"id", Hex(entry.request.id)},
          {"state", state},
          {"missing", std::move(missing)},
          {"tx", std::move(tx)},
          {"location", "/v1/signing-requests/" + Hex(entry.request.id)},
          {"request", ledger::SigningRequestToJson(entry.request)}};
}

// Called once per request, by the call that completed it, outside the inbox's lock.
void SubmitComplete(RequestContext& ctx, const SigningInbox::Entry& entry) {
  SigningInbox& inbox = ctx.server.signing_inbox;
  auto envelope = ledger::RequestEnvelope(entry.request);
  assert(envelope.ok());
  if (!ctx.server.hooks.submit) {
    inbox.MarkSubmitted(entry.request.id, Status::Error("unavailable", "this node does not accept transactions"));
    return;
  }
  const std::vector<SubmitResult> results = ctx.server.hooks.submit({*envelope});
  inbox.MarkSubmitted(entry.request.id, results.size() == 1 ? results[0].status
                                                             : Status::Error("internal", "the node gave no result"));
}

Response Answer(RequestContext& ctx, Result<SigningInbox::Outcome> outcome, unsigned status) {
  if (!outcome.ok()) return ErrorResponse(outcome.status());
  if (outcome->completed_now) SubmitComplete(ctx, outcome->entry);
  auto now = ctx.server.signing_inbox.Get(outcome->entry.request.id, HeadHeight(ctx));
  return JsonResponse(EntryJson(ctx, now.ok() ? *now : outcome->entry), status);
}

// The posted request with the signer slots this node derives from its own state (the client's
// list is only a hint), every posted signature re-verified against them.
Result<ledger::SigningRequest> Rederive(RequestContext& ctx, const ledger::SigningRequest& posted) {
  std::string bank;
  for (const ledger::SignerSlot& slot : posted.required) {
    if (slot.role == "attesting_bank" && (posted.body.has_spend() || posted.body.has_refund())) bank = slot.org_id;
  }
  auto required = ledger::RequiredSigners(posted.body, Lookup(ctx.view()), bank);
  if (!required.ok()) return required.status();
  ledger::SigningRequest out = posted;
  out.required = std::move(*required);
  out.signatures.clear();
  for (const ledger::SignatureEntry& s : posted.signatures) {
    SHANLIU_RETURN_IF_ERROR(ledger::AddSignature(out, s.public_key, s.signature));
  }
  if (out.signatures.empty()) {
    return Status::Error("unsigned_request", "post a request signed by at least one of its required signers");
  }
  return out;
}

Response PostRequest(RequestContext& ctx) {
  const std::string& text = ctx.request.body();
  auto posted = ledger::ParseSigningRequest(text, ctx.view().genesis().chain_id);
  if (!posted.ok()) return ErrorResponse(posted.status());
  auto request = Rederive(ctx, *posted);
  if (!request.ok()) return ErrorResponse(request.status());
  return Answer(ctx, ctx.server.signing_inbox.Put(std::move(*request), HeadHeight(ctx)), 201);
}

Response GetRequest(RequestContext& ctx) {
  auto id = ParseTxId(ctx.params[0]);
  if (!id.ok()) return ErrorResponse(id.status());
  auto entry = ctx.server.signing_inbox.Get(*id, HeadHeight(ctx));
  if (!entry.ok()) return ErrorResponse(entry.status());
  return JsonResponse(EntryJson(ctx, *entry));
}

Response ListRequests(RequestContext& ctx) {
  std::string signer;
  if (const std::string* s = ctx.query.Find("signer")) {
    const bool key = s->size() == 64 && crypto::FromHex(*s).ok();
    if (!key && !ledger::IsValidId(*s)) {
      return ErrorResponse("invalid_argument", "signer is an organisation id or a 64-hex-digit public key");
    }
    signer = *s;
  }
  auto limit = QueryLimit(ctx.query, PageSizes::kDefault, PageSizes::kMax);
  if (!limit.ok()) return ErrorResponse(limit.status());
  Json list = Json::array();
  for (const SigningInbox::Entry& e : ctx.server.signing_inbox.Waiting(signer, *limit, HeadHeight(ctx))) {
    list.push_back(EntryJson(ctx, e));
  }
  return JsonResponse(Json{{"requests", std::move(list)}});
}

Response PostSignature(RequestContext& ctx) {
  auto id = ParseTxId(ctx.params[0]);
  if (!id.ok()) return ErrorResponse(id.status());
  const std::string& text = ctx.request.body();
  if (text.size() > kMaxSignatureBodyBytes) return ErrorResponse("too_large", "a signature body is at most 1 KiB");
  const Json body = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object() || body.size() != 2 || !body.contains("public_key") ||
      !body.contains("signature") || !body["public_key"].is_string() || !body["signature"].is_string()) {
    return ErrorResponse("invalid_json", "send {\"public_key\": \"<64 hex>\", \"signature\": \"<128 hex>\"}");
  }
  auto key = crypto::FromHex(body["public_key"].get<std::string>());
  auto sig = crypto::FromHex(body["signature"].get<std::string>());
  if (!key.ok() || key->size() != 32 || !sig.ok() || sig->size() != 64) {
    return ErrorResponse("invalid_hex", "public_key is 64 and signature 128 lowercase hex digits");
  }
  crypto::PublicKey public_key{};
  crypto::Signature signature{};
  std::copy(key->begin(), key->end(), public_key.begin());
  std::copy(sig->begin(), sig->end(), signature.begin());
  return Answer(ctx, ctx.server.signing_inbox.AddSignature(*id, public_key, signature, HeadHeight(ctx)), 200);
}

}  // namespace

void AddSigningRoutes(Router& router) {
  router.Add({http::verb::post, "/v1/signing-requests", {}, PostRequest});
  router.Add({http::verb::get, "/v1/signing-requests", {"signer", "limit"}, ListRequests});
  router.Add({http::verb::get, "/v1/signing-requests/{id}", {}, GetRequest});
  router.Add({http::verb::post, "/v1/signing-requests/{id}/signatures", {}, PostSignature});
}

}  // namespace shanliu::api::internal
