// What a regulator asks of the node: its own audit of the ledger (the node's claim, from the
// audit_status hook) and the history of the log's checkpoints (from the stored blocks).
#include <set>

#include "routes.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/checkpoint.h"
#include "views.h"

namespace shanliu::api::internal {
namespace {

constexpr std::size_t kMaxCheckpointsPerPage = 100;
// Blocks looked at per page: runs of empty heartbeat blocks do not make a page unbounded work.
constexpr std::uint64_t kMaxBlocksScanned = 10'000;

Json FailureJson(const AuditFailureInfo& f) {
  return Json{{"check", f.check},
              {"height", f.height},
              {"tx_index", f.tx_index ? Json(*f.tx_index) : Json(nullptr)},
              {"tx_id", f.tx_id_hex.empty() ? Json(nullptr) : Json(f.tx_id_hex)},
              {"expected", f.expected},
              {"found", f.found},
              {"message", f.message}};
}

Json RunJson(const AuditRunInfo& run) {
  const char* result = !run.ran ? "error" : run.failure ? "failed" : "ok";
  Json out{{"result", result},
           {"started_ms", run.started_ms},
           {"finished_ms", run.finished_ms},
           {"duration_ms", run.finished_ms >= run.started_ms ? run.finished_ms - run.started_ms : 0},
           {"error", run.ran ? Json(nullptr) : Json{{"code", run.error_code}, {"message", run.error_message}}}};
  if (!run.ran) return out;
  out.update(Json{{"audited_height", run.audited_height},
                  {"head_hash", run.head_hash_hex},
                  {"log_size", run.log_size},
                  {"log_root", run.log_root_hex},
                  {"state_root", run.state_root_hex},
                  {"blocks_checked", run.blocks_checked},
                  {"txs_checked", run.txs_checked},
                  {"signatures_checked", run.signatures_checked},
                  {"checks_passed", run.checks_passed},
                  {"failure", run.failure ? FailureJson(*run.failure) : Json(nullptr)}});
  return out;
}

Response GetAudit(RequestContext& ctx) {
  AuditStatusInfo status;
  if (ctx.server.hooks.audit_status) status = ctx.server.hooks.audit_status();
  return JsonResponse(Json{
      {"claim", "node"},
      {"note",
       "What this node says its own audit found (the replay of `shanliu audit` over its ledger). "
       "It is not a proof: run `shanliu audit` yourself to check."},
      {"enabled", status.enabled},
      {"running", status.running},
      {"runs", status.runs},
      {"schedule", Json{{"every_blocks", status.every_blocks}, {"every_ms", status.every_ms}}},
      {"head_height", ctx.view().head().height()},
      {"last", status.last ? RunJson(*status.last) : Json(nullptr)},
  });
}

// The validators whose precommits the block's commit certificate carries (verified when the
// block was committed against `set`, the set that signed that height), and the power they hold.
// Cosigner names follow the key and organisation (checkpoint.h), so every set's validators have one.
Json SignersJson(const ledger::Genesis& genesis, std::span<const ledger::Validator> set,
                 const pb::CommitCertificate& commit, std::uint64_t* power) {
  Json signers = Json::array();
  std::set<std::uint32_t> seen;
  *power = 0;
  for (const pb::CommitSignature& s : commit.signatures()) {
    if (s.validator_index() >= set.size() || !seen.insert(s.validator_index()).second) continue;
    const ledger::Validator& v = set[s.validator_index()];
    *power += v.voting_power;
    signers.push_back({{"validator_index", s.validator_index()},
                       {"org_id", v.org_id},
                       {"cosigner_name", ledger::CosignerName(genesis, v)}});
  }
  return signers;
}

// The log's checkpoints, newest first: each committed block that grew the log (its header's
// log size and root, signed by its commit certificate). `before` is a height cursor.
Response ListCheckpoints(RequestContext& ctx) {
  auto before = QueryU64(ctx.query, "before");
  if (!before.ok()) return ErrorResponse(before.status());
  if (before->has_value() && **before == 0) return ErrorResponse("invalid_argument", "before must be a height of at least 1");
  auto limit = QueryLimit(ctx.query, PageSizes::kDefault, kMaxCheckpointsPerPage);
  if (!limit.ok()) return ErrorResponse(limit.status());
  const ledger::ReadView& view = ctx.view();
  const ledger::Genesis& genesis = view.genesis();
  std::uint64_t top = before->has_value() ? std::min<std::uint64_t>(**before, view.head().height() + 1)
                                          : view.head().height() + 1;
  Json items = Json::array();
  std::uint64_t scanned = 0;
  // Height 0 (the empty log) is never a checkpoint; stop at 1.
  while (top > 1 && items.size() < *limit && scanned < kMaxBlocksScanned) {
    --top;
    ++scanned;
    auto block = view.Block(top);
    if (!block) throw ledger::StorageError("a committed block is missing");
    if (block->tx_count() == 0) continue;  // the log did not grow: the previous checkpoint stands
    auto hash = ledger::BlockHash(block->header());
    if (!hash.ok()) throw ledger::StorageError("a stored block header is malformed");
    std::uint64_t power = 0, total_power = 0;
    const std::vector<ledger::Validator> set = view.ValidatorsAt(top);
    for (const ledger::Validator& v : set) total_power += v.voting_power;
    Json signers = SignersJson(genesis, set, block->commit(), &power);
    items.push_back({{"height", top},
                     {"block_hash", Hex(*hash)},
                     {"time_ms", block->header().time_ms()},
                     {"log_size", block->header().log_size()},
                     {"log_root", Hex(block->header().log_root())},
                     {"tx_count", block->tx_count()},
                     {"signers", std::move(signers)},
                     {"signed_power", power},
                     {"total_power", total_power}});
  }
  return JsonResponse(Json{{"checkpoints", std::move(items)},
                           {"scanned_blocks", scanned},
                           {"next", top > 1 ? Json(top) : Json(nullptr)}});
}

}  // namespace

void AddAuditRoutes(Router& router) {
  router.Add({http::verb::get, "/v1/audit", {}, GetAudit});
  router.Add({http::verb::get, "/v1/checkpoints", {"before", "limit"}, ListCheckpoints});
}

}  // namespace shanliu::api::internal
