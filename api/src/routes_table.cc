#include "routes.h"

namespace shanliu::api::internal {

void RegisterRoutes(Router& router) {
  AddTxRoutes(router);
  AddReceiptRoutes(router);
  AddProofRoutes(router);
  AddBlockRoutes(router);
  AddOrgRoutes(router);
  AddProjectRoutes(router);
  AddPointsRoutes(router);
  AddHonourRoutes(router);
  AddStatsRoutes(router);
  AddTransparencyRoutes(router);
  AddExportRoutes(router);
  AddOpsRoutes(router);
  AddDonorRoutes(router);
  AddAuditRoutes(router);
  AddSigningRoutes(router);
  AddGoodsRoutes(router);
  AddGoodsHistoryRoutes(router);
  AddMerchantRoutes(router);
  AddRegionRoutes(router);
  AddValidatorRoutes(router);
}

Result<std::uint64_t> BeforeLeaf(const Query& query) {
  auto before = QueryU64(query, "before");
  if (!before.ok()) return before.status();
  return before->value_or(UINT64_MAX);
}

}  // namespace shanliu::api::internal
