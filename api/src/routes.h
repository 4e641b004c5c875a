// Route groups; each routes_<group>.cc adds its endpoints to the table (see RegisterRoutes).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "compliance.h"
#include "router.h"
#include "server_context.h"

namespace shanliu::api::internal {

void AddTxRoutes(Router& router);       // POST /v1/txs, GET /v1/txs/{id}
void AddReceiptRoutes(Router& router);  // receipts, traces, spend sources
void AddProofRoutes(Router& router);    // consistency and inclusion proofs, checkpoint
void AddBlockRoutes(Router& router);    // blocks
void AddOrgRoutes(Router& router);      // organisations, disclosures
void AddProjectRoutes(Router& router);  // projects, trusts
void AddPointsRoutes(Router& router);   // charity points by holder
void AddHonourRoutes(Router& router);   // the opt-in honour list (/v1/honour)
void AddStatsRoutes(Router& router);    // statistics, compliance indicators
void AddTransparencyRoutes(Router& router);  // transparency scores (docs/transparency.md)
void AddExportRoutes(Router& router);   // movements CSV and IATI XML for a period
void AddOpsRoutes(Router& router);      // /healthz, /metrics, openapi, event stream
void AddDonorRoutes(Router& router);    // activity feed, a receipt's event stream and Atom feed
void AddAuditRoutes(Router& router);    // the node's own audit, the checkpoint history
void AddSigningRoutes(Router& router);  // the co-signing inbox (/v1/signing-requests)
void AddGoodsRoutes(Router& router);    // in-kind goods: catalogue, stock by item, goods traces
void AddGoodsHistoryRoutes(Router& router);  // goods donations, transfers, distributions of a holder
void AddMerchantRoutes(Router& router);  // a merchant's catalogue and monthly settlement report
void AddRegionRoutes(Router& router);    // region dashboards (docs/regions.md)
void AddValidatorRoutes(Router& router);  // the validator set by height and its transitions

// GET /v1/regions/{code}/stats's body for `region` and the query's `year` (also /v1/stats?region=).
// Errors: invalid_argument (not a code), unknown_region, out_of_range (year).
Result<Json> RegionStatsForQuery(const ledger::ReadView& view, const std::string& region, const Query& query);

// One page of a merchant's catalogue in item-id order, withdrawn items included:
// {"items": [...], "next": <item id to pass as cursor> | null} (also part of GET /v1/orgs/{id}).
Json CataloguePage(const ledger::ReadView& view, const std::string& merchant, const std::string& after_item,
                   std::size_t limit);

// The JSON body of POST /v1/txs: {"txs": [base64 envelope, ...]} (1..max_batch) or {"tx": base64},
// nothing else. Errors: invalid_json, invalid_base64, too_large, too_many_txs. Not a route of its
// own so the JSON fuzz target (tests/fuzz) reaches it.
Result<std::vector<Bytes>> EnvelopesFromJson(const std::string& text, std::size_t max_batch);

// Page sizes: every list takes `limit` (1..max) and answers "next" for the following page.
struct PageSizes {
  static constexpr std::size_t kDefault = 20;
  static constexpr std::size_t kMax = 100;
  static constexpr std::size_t kMaxBlockTxs = 1000;  // tx ids of one block per page
  static constexpr std::size_t kMaxSources = 200;    // pieces of a spend's sources per page
};

// Calendar year in Beijing time (UTC+8), the year OrgYear records use.
inline std::uint32_t BeijingYear(std::uint64_t time_ms) {
  using namespace std::chrono;
  const sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(time_ms) + hours(8)));
  return static_cast<std::uint32_t>(static_cast<int>(year_month_day(day).year()));
}

// The `year` query parameter: absent is the head block's Beijing year; else a decimal from the
// genesis year to the head's (a year the ledger cannot hold is out_of_range, not "no data").
// Shared by transparency, compliance-style reports and the region figures.
Result<std::uint32_t> QueryYear(const ledger::ReadView& view, const Query& query);

// The org's disclosures filed since 1 January (Beijing) of year - 1, newest first, at most
// 2,000 (*complete is false when more were left unread). Shared by compliance and transparency.
std::vector<Filing> RecentFilings(const ledger::ReadView& view, const std::string& org, std::uint32_t year,
                                  bool* complete);
// When the organisation was registered: its block's time, or genesis time for genesis orgs.
std::uint64_t RegisteredTimeMs(const ledger::ReadView& view, const pb::OrgRecord& org);

// `before` leaf cursor for activity lists: absent means "from the newest".
Result<std::uint64_t> BeforeLeaf(const Query& query);

}  // namespace shanliu::api::internal
