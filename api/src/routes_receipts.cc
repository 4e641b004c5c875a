// Receipts (donation + trace + proof), traces, and the reverse walk from a spend to its sources.
#include "receipt_qr.h"
#include "routes.h"
#include "shanliu/error_codes.h"
#include "shanliu/ledger/flow_proof.h"
#include "shanliu/ledger/tx.h"
#include "trace.h"

namespace shanliu::api::internal {
namespace {

namespace flow = ledger::flow;

Response ResolveError(const Status& status, const std::vector<std::string>& candidates) {
  if (status.code() == errc::kAmbiguousCode) return ErrorResponse(status, Json{{"candidates", candidates}});
  return ErrorResponse(status);
}

Response GetReceipt(RequestContext& ctx) {
  const ledger::ReadView& view = ctx.view();
  std::vector<std::string> candidates;
  auto ref = ResolveGift(view, ctx.params[0], &candidates, GiftKinds::kMoneyOrGoods);
  if (!ref.ok()) return ResolveError(ref.status(), candidates);
  auto proof = view.ReceiptProof(ref->id);
  if (!proof.ok()) return ErrorResponse(proof.status());
  // The flow proof walks with the same node budget as the trace, so it proves exactly the
  // trace shown (docs/flow-proof.md).
  const std::size_t max_nodes = ctx.server.config.max_trace_nodes;
  auto flow_proof = ledger::flow_proof::ProveFlow(view, ref->id, max_nodes);
  if (!flow_proof.ok()) return ErrorResponse(flow_proof.status());
  Names names(view);
  if (ref->goods) {  // a goods donation: the same envelope, the trace in units of its item
    return JsonResponse(Json{
        {"goods", GoodsTraceJson(view, names, ref->id, *ref->goods, max_nodes)},
        {"proof", ReceiptProofJson(*proof)},
        {"flow_proof", ledger::flow_proof::ToJson(*flow_proof)},
    });
  }
  return JsonResponse(Json{
      {"donation", DonationJson(view, names, *ref)},
      {"trace", TraceJson(view, names, ref->gift, ctx.server.config.max_trace_nodes)},
      {"proof", ReceiptProofJson(*proof)},
      {"flow_proof", ledger::flow_proof::ToJson(*flow_proof)},
  });
}

Response GetTrace(RequestContext& ctx) {
  const ledger::ReadView& view = ctx.view();
  std::vector<std::string> candidates;
  auto ref = ResolveGift(view, ctx.params[0], &candidates, GiftKinds::kMoneyOrGoods);
  if (!ref.ok()) return ResolveError(ref.status(), candidates);
  Names names(view);
  if (ref->goods) {
    return JsonResponse(Json{{"goods", GoodsTraceJson(view, names, ref->id, *ref->goods, ctx.server.config.max_trace_nodes)}});
  }
  return JsonResponse(Json{
      {"donation", DonationJson(view, names, *ref)},
      {"trace", TraceJson(view, names, ref->gift, ctx.server.config.max_trace_nodes)},
  });
}

Response GetReceiptQr(RequestContext& ctx) {
  const ledger::ReadView& view = ctx.view();
  std::vector<std::string> candidates;
  auto ref = ResolveGift(view, ctx.params[0], &candidates, GiftKinds::kMoneyOrGoods);
  if (!ref.ok()) return ResolveError(ref.status(), candidates);
  // The link is <public_url>/r/<code>: from the configuration, never from the request's Host
  // (docs/decisions.md), so the response is the same for every client.
  const std::string base = PublicBase(ctx.server.config, ctx.server.bound_port.load());
  const std::string code = ReceiptCode(ref->id);
  auto qr = EncodeQr(base + "/r/" + code);
  if (!qr.ok()) return ErrorResponse(qr.status());
  Response r;
  r.content_type = "image/svg+xml";
  r.body = QrSvg(*qr, "善流捐赠凭证 / Shanliu receipt " + code.substr(0, kMinCodePrefix));
  r.headers.emplace_back("Cache-Control", "public, max-age=3600");
  return r;
}

const char* OriginKindName(flow::InflowKind kind) {
  switch (kind) {
    case flow::InflowKind::kDonation: return "donation";
    case flow::InflowKind::kTrustDeposit: return "trust_deposit";
    case flow::InflowKind::kTransfer: return "transfer";
    case flow::InflowKind::kCorrection: return "correction";
  }
  return "unknown";
}

Response GetSources(RequestContext& ctx) {
  auto id = ParseTxId(ctx.params[0]);
  if (!id.ok()) return ErrorResponse(id.status());
  auto cursor = QueryU64(ctx.query, "cursor");
  if (!cursor.ok()) return ErrorResponse(cursor.status());
  auto limit = QueryLimit(ctx.query, PageSizes::kDefault, PageSizes::kMaxSources);
  if (!limit.ok()) return ErrorResponse(limit.status());

  const ledger::ReadView& view = ctx.view();
  auto tx = view.TxById(*id);
  if (!tx) return ErrorResponse("not_found", "no committed transaction has this id");
  auto outflow = flow::GetOutflow(view.state(), tx->location.leaf());
  if (!outflow) {
    return ErrorResponse("not_found", "transaction " + ReceiptCode(*id) + " is a " + ledger::PayloadKindName(tx->body) +
                                          "; only spends, transfers and trust disbursements have sources");
  }
  auto page = flow::TraceBackward(view.state(), tx->location.leaf(), cursor->value_or(0), *limit);
  if (!page.ok()) return ErrorResponse(page.status());
  auto proof = ledger::flow_proof::ProveSources(view, tx->location.leaf(), cursor->value_or(0), *limit);
  if (!proof.ok()) return ErrorResponse(proof.status());

  Names names(view);
  std::map<std::uint64_t, Json> origins;  // each origin tx read once
  Json sources = Json::array();
  for (const flow::SourcePiece& piece : page->pieces) {
    auto it = origins.find(piece.origin_tx);
    if (it == origins.end()) {
      auto origin = view.TxByLeaf(piece.origin_tx);
      if (!origin) throw ledger::StorageError("a fund-flow record names a missing log leaf");
      Json o = {{"id", Hex(origin->id)},
                {"code", ReceiptCode(origin->id)},
                {"kind", OriginKindName(piece.origin_kind)},
                {"leaf", piece.origin_tx},
                {"time_ms", origin->time_ms}};
      if (auto gift = view.Gift(origin->id)) {
        o["account"] = gift->account();
        o["amount_fen"] = gift->amount_fen();
        o["donor_display_name"] = gift->donor_display_name();
        o["attested"] = gift->attested();
      }
      it = origins.emplace(piece.origin_tx, std::move(o)).first;
    }
    sources.push_back({{"origin", it->second}, {"amount_fen", piece.amount_fen}, {"path", piece.path}});
  }
  Json out_info = {
      {"id", Hex(*id)},
      {"code", ReceiptCode(*id)},
      {"kind", ledger::PayloadKindName(tx->body)},
      {"leaf", tx->location.leaf()},
      {"time_ms", tx->time_ms},
      {"from_account", outflow->from},
      {"from_name_zh", names.Account(outflow->from).value("name_zh", "")},
      {"to_account", outflow->to.empty() ? Json(nullptr) : Json(outflow->to)},
      {"amount_fen", outflow->amount_fen},
  };
  return JsonResponse(Json{
      {"outflow", std::move(out_info)},
      {"sources", std::move(sources)},
      {"next", page->next_cursor ? Json(*page->next_cursor) : Json(nullptr)},
      {"proof", ledger::flow_proof::ToJson(*proof)},
  });
}

}  // namespace

void AddReceiptRoutes(Router& router) {
  router.Add({http::verb::get, "/v1/receipts/{code}", {}, GetReceipt});
  router.Add({http::verb::get, "/v1/receipts/{code}/qr.svg", {}, GetReceiptQr});
  router.Add({http::verb::get, "/v1/trace/{code}", {}, GetTrace});
  router.Add({http::verb::get, "/v1/spends/{id}/sources", {"cursor", "limit"}, GetSources});
}

}  // namespace shanliu::api::internal
