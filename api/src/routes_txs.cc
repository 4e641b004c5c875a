// Submission (POST /v1/txs) and status (GET /v1/txs/{id}) of transactions.
#include <cctype>
#include <optional>

#include "base64.h"
#include "routes.h"
#include "shanliu/error_codes.h"
#include "shanliu/ledger/json.h"
#include "shanliu/ledger/tx.h"
#include "views.h"

namespace shanliu::api::internal {
namespace {

using ledger::TxLimits;

// "Application/JSON; charset=utf-8" -> "application/json"
std::string MediaType(std::string_view header) {
  std::string_view type = header.substr(0, header.find(';'));
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back()))) type.remove_suffix(1);
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.front()))) type.remove_prefix(1);
  std::string out(type);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status Invalid(const std::string& message) { return Status::Error("invalid_json", message); }

Result<Bytes> DecodeEnvelope(const Json& value, const std::string& where) {
  if (!value.is_string()) return Invalid(where + " must be a base64 string");
  const auto& text = value.get_ref<const std::string&>();
  if (text.empty()) return Status::Error("invalid_base64", where + " is empty");
  auto bytes = DecodeBase64(text, TxLimits::kMaxEnvelopeBytes);
  if (!bytes.ok()) return Status::Error(bytes.status().code(), where + ": " + bytes.status().message());
  return bytes;
}

// A resubmitted tx (the same id again: a client retrying after a timeout) is answered with
// where its first submission is, committed or still pending, as GET /v1/txs/{id} would say.
// Nothing when the node finds it in neither (a pending copy just refused): the error stands.
std::optional<Json> ResubmittedJson(RequestContext& ctx, const Hash256& id) {
  Json item = {{"id", Hex(id)}, {"code", ReceiptCode(id)}, {"resubmitted", true}, {"location", "/v1/txs/" + Hex(id)}};
  if (auto tx = ctx.view().TxById(id)) {
    item["status"] = "committed";
    item["height"] = tx->location.height();
    item["leaf"] = tx->location.leaf();
    return item;
  }
  if (ctx.server.hooks.pending && ctx.server.hooks.pending(id).state == PendingState::kPending) {
    item["status"] = "pending";
    return item;
  }
  return std::nullopt;
}

Response SubmitTxs(RequestContext& ctx) {
  const ServerContext& server = ctx.server;
  if (!server.hooks.submit) return ErrorResponse("unavailable", "this node does not accept transactions");
  const std::string media = MediaType(Sv(ctx.request[http::field::content_type]));
  std::vector<Bytes> envelopes;
  if (media == "application/json") {
    auto parsed = EnvelopesFromJson(ctx.request.body(), server.config.max_batch_txs);
    if (!parsed.ok()) return ErrorResponse(parsed.status());
    envelopes = std::move(*parsed);
  } else if (media == "application/x-protobuf" || media == "application/protobuf") {
    const std::string& body = ctx.request.body();
    if (body.empty()) return ErrorResponse("malformed", "the body is empty; send one Tx envelope");
    if (body.size() > TxLimits::kMaxEnvelopeBytes) {
      return ErrorResponse("too_large", "a transaction envelope is at most " +
                                            std::to_string(TxLimits::kMaxEnvelopeBytes) + " bytes");
    }
    envelopes.push_back(ToBytes(body));
  } else {
    return ErrorResponse("unsupported_media_type",
                         "send application/json ({\"txs\": [base64...]}) or application/x-protobuf (one Tx envelope)");
  }

  // A string field that is not UTF-8 makes protobuf's parser log a line per tx; found here
  // first, it is the request's fault like bad base64: 400 naming the field, nothing submitted.
  for (std::size_t i = 0; i < envelopes.size(); ++i) {
    if (auto field = ledger::FindInvalidUtf8(envelopes[i])) {
      return ErrorResponse("invalid_utf8", (envelopes.size() > 1 ? "txs[" + std::to_string(i) + "]: " : std::string()) +
                                               "string field " + *field + " is not valid UTF-8");
    }
  }
  const std::size_t count = envelopes.size();
  const std::vector<SubmitResult> results = server.hooks.submit(std::move(envelopes));
  if (results.size() != count) return ErrorResponse("internal", "the node answered for a different number of transactions");
  Json out = Json::array();
  for (const SubmitResult& r : results) {
    const bool known = r.id != Hash256{};
    Json item = {{"id", known ? Json(Hex(r.id)) : Json(nullptr)}};
    if (r.status.ok()) {
      item["code"] = ReceiptCode(r.id);
      item["status"] = "pending";
    } else if (auto again = known && r.status.code() == errc::kDuplicate ? ResubmittedJson(ctx, r.id) : std::nullopt) {
      item = std::move(*again);
    } else {
      item["status"] = "rejected";
      item["error"] = {{"code", r.status.code()}, {"message", r.status.message()}};
    }
    out.push_back(std::move(item));
  }
  return JsonResponse(Json{{"results", std::move(out)}});
}

Response GetTx(RequestContext& ctx) {
  auto id = ParseTxId(ctx.params[0]);
  if (!id.ok()) return ErrorResponse(id.status());
  Json out = {{"id", Hex(*id)}, {"code", ReceiptCode(*id)}};
  if (auto tx = ctx.view().TxById(*id)) {
    Json signers = Json::array();
    for (std::string& key : SignerKeys(tx->envelope)) signers.push_back(std::move(key));
    out["status"] = "committed";
    out["kind"] = ledger::PayloadKindName(tx->body);
    out["height"] = tx->location.height();
    out["leaf"] = tx->location.leaf();
    out["index"] = tx->location.index_in_block();
    out["time_ms"] = tx->time_ms;
    out["size_bytes"] = tx->envelope.size();
    out["body"] = ledger::MessageToJson(tx->body);
    out["body_hex"] = Hex(SignedBodyBytes(tx->envelope));  // what a Correction of it carries
    out["signers"] = std::move(signers);
    out["attested_by"] = AttestedByJson(ctx.view(), *tx);
    // The pairing of a correction and the entry it reverses, shown on both.
    out["corrected_by"] = CorrectedByJson(ctx.view(), *id);
    out["corrects"] = tx->body.has_correction() ? Json(Hex(tx->body.correction().corrected_tx_id())) : Json(nullptr);
    return JsonResponse(out);
  }
  if (!ctx.server.hooks.pending) {
    return ErrorResponse("unavailable", "the transaction is not committed and this node cannot see pending ones");
  }
  const PendingInfo info = ctx.server.hooks.pending(*id);
  switch (info.state) {
    case PendingState::kPending:
      out["status"] = "pending";
      return JsonResponse(out);
    case PendingState::kRejected:
      out["status"] = "rejected";
      out["error"] = {{"code", info.error.code()}, {"message", info.error.message()}};
      return JsonResponse(out);
    case PendingState::kUnknown: break;
  }
  return ErrorResponse("not_found", "no transaction with this id is committed, pending or recently rejected");
}

}  // namespace

Result<std::vector<Bytes>> EnvelopesFromJson(const std::string& text, std::size_t max_batch) {
  const Json body = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return Invalid("the body is not valid JSON");
  if (!body.is_object()) return Invalid("the body must be an object with \"txs\" (an array) or \"tx\"");
  for (const auto& [key, value] : body.items()) {
    if (key != "txs" && key != "tx") return Invalid("unknown field '" + key.substr(0, 40) + "'; expected \"txs\" or \"tx\"");
  }
  if (body.contains("txs") == body.contains("tx")) return Invalid("give exactly one of \"txs\" and \"tx\"");
  std::vector<Bytes> envelopes;
  if (body.contains("tx")) {
    auto one = DecodeEnvelope(body["tx"], "tx");
    if (!one.ok()) return one.status();
    envelopes.push_back(std::move(*one));
    return envelopes;
  }
  const Json& txs = body["txs"];
  if (!txs.is_array()) return Invalid("\"txs\" must be an array of base64 strings");
  if (txs.empty()) return Invalid("\"txs\" is empty");
  if (txs.size() > max_batch) {
    return Status::Error("too_many_txs", "a batch holds at most " + std::to_string(max_batch) + " transactions; this one has " +
                                             std::to_string(txs.size()));
  }
  for (std::size_t i = 0; i < txs.size(); ++i) {
    auto envelope = DecodeEnvelope(txs[i], "txs[" + std::to_string(i) + "]");
    if (!envelope.ok()) return envelope.status();
    envelopes.push_back(std::move(*envelope));
  }
  return envelopes;
}

void AddTxRoutes(Router& router) {
  router.Add({http::verb::post, "/v1/txs", {}, SubmitTxs});
  router.Add({http::verb::get, "/v1/txs/{id}", {}, GetTx});
}

}  // namespace shanliu::api::internal
