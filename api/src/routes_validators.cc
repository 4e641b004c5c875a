// The validator set (docs/api.md "Validator set"): which set signs a height, and the certified
// transitions a verifier holding only genesis follows to reach it (DESIGN 7, first bullet).
#include "routes.h"
#include "shanliu/ledger/validator_set.h"
#include "views.h"

namespace shanliu::api::internal {
namespace {

// GET /v1/validators?height=H — the set that signs block H (default: the next block). Heights up
// to head + 2 are fixed by committed state (docs/rules.md); further ahead is refused.
Response GetValidators(RequestContext& ctx) {
  auto height = QueryU64(ctx.query, "height");
  if (!height.ok()) return ErrorResponse(height.status());
  const ledger::ReadView& view = ctx.view();
  const std::uint64_t head = view.head().height();
  const std::uint64_t h = height->value_or(head + 1);
  if (h > head + ledger::kMinValidatorChangeLeadBlocks) {
    return ErrorResponse("out_of_range", "the set of height " + std::to_string(h) +
                                             " is not fixed yet; the committed state decides heights up to " +
                                             std::to_string(head + ledger::kMinValidatorChangeLeadBlocks));
  }
  const std::vector<ledger::Validator> set = view.ValidatorsAt(h);
  return JsonResponse(Json{
      {"height", h},
      {"validators_hash", Hex(ledger::ValidatorsHash(set))},
      {"validators", ledger::ValidatorsToJson(set, /*with_index=*/true)},
  });
}

// GET /v1/validators/transitions?to_height=H — every transition effective at or before H
// (default: the head), each with block E-1's header and commit certificate.
Response GetTransitions(RequestContext& ctx) {
  auto to = QueryU64(ctx.query, "to_height");
  if (!to.ok()) return ErrorResponse(to.status());
  const ledger::ReadView& view = ctx.view();
  const std::uint64_t h = to->value_or(view.head().height());
  return JsonResponse(Json{{"transitions", ledger::TransitionsToJson(view.ProvenTransitions(h))}});
}

}  // namespace

void AddValidatorRoutes(Router& router) {
  router.Add({http::verb::get, "/v1/validators", {"height"}, GetValidators});
  router.Add({http::verb::get, "/v1/validators/transitions", {"to_height"}, GetTransitions});
}

}  // namespace shanliu::api::internal
