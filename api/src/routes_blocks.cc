// Blocks: header (hashes in hex), block hash, tx ids with codes and kinds, commit certificate;
// and the raw protobuf form auditors replay.
#include "routes.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/tx.h"
#include "views.h"

namespace shanliu::api::internal {
namespace {

// A state-synced node holds no block at or below its snapshot height (docs/operator.md).
std::optional<Response> NotHeld(const ledger::ReadView& view, std::uint64_t height) {
  if (!view.NotHeld(height)) return std::nullopt;
  return ErrorResponse("not_backfilled", "this node started from a snapshot at height " +
                                             std::to_string(view.history_base()) + " and does not hold block " +
                                             std::to_string(height) + "; ask a node with the full history");
}


Response BlockAt(RequestContext& ctx, std::uint64_t height) {
  auto cursor = QueryU64(ctx.query, "cursor");
  if (!cursor.ok()) return ErrorResponse(cursor.status());
  auto limit = QueryLimit(ctx.query, 100, PageSizes::kMaxBlockTxs);
  if (!limit.ok()) return ErrorResponse(limit.status());
  const ledger::ReadView& view = ctx.view();
  if (height > view.head().height()) {
    return ErrorResponse("not_found", "block " + std::to_string(height) + " is not committed; the head is " +
                                          std::to_string(view.head().height()));
  }
  if (auto not_held = NotHeld(view, height)) return *not_held;
  auto block = view.Block(height);
  if (!block) throw ledger::StorageError("a committed block is missing");
  auto hash = ledger::BlockHash(block->header());
  if (!hash.ok()) throw ledger::StorageError("a stored block header is malformed");

  const std::uint64_t first = cursor->value_or(0);
  Json txs = Json::array();
  for (std::uint64_t i = first; i < block->tx_count() && txs.size() < *limit; ++i) {
    auto tx = view.TxByLeaf(block->first_leaf() + i);
    if (!tx) throw ledger::StorageError("a block's log leaf is missing");
    txs.push_back({{"id", Hex(tx->id)},
                   {"code", ReceiptCode(tx->id)},
                   {"kind", ledger::PayloadKindName(tx->body)},
                   {"leaf", tx->location.leaf()},
                   {"index", i},
                   // Amount, payer and payee, so a block's list says what moved without a
                   // request per transaction.
                   {"payload", PayloadJson(tx->body)}});
  }
  const std::uint64_t after = first + txs.size();
  return JsonResponse(Json{
      {"height", height},
      {"block_hash", Hex(*hash)},
      {"header", HeaderJson(block->header())},
      {"commit", height == 0 ? Json(nullptr) : CommitJson(block->commit())},
      {"tx_count", block->tx_count()},
      {"first_leaf", block->first_leaf()},
      {"txs", std::move(txs)},
      {"next", after < block->tx_count() ? Json(after) : Json(nullptr)},
  });
}

Response GetLatestBlock(RequestContext& ctx) { return BlockAt(ctx, ctx.view().head().height()); }

Response GetBlock(RequestContext& ctx) {
  auto height = ParseU64(ctx.params[0], "height");
  if (!height.ok()) return ErrorResponse(height.status());
  return BlockAt(ctx, *height);
}

Response ListBlocks(RequestContext& ctx) {
  auto before = QueryU64(ctx.query, "before");
  if (!before.ok()) return ErrorResponse(before.status());
  auto limit = QueryLimit(ctx.query, PageSizes::kDefault, PageSizes::kMax);
  if (!limit.ok()) return ErrorResponse(limit.status());
  const ledger::ReadView& view = ctx.view();
  const std::uint64_t head = view.head().height();
  // Newest first, heights strictly below `before`.
  std::uint64_t top = before->has_value() ? std::min<std::uint64_t>(**before, head + 1) : head + 1;
  Json blocks = Json::array();
  Json skipped = nullptr;
  while (top > 0 && blocks.size() < *limit) {
    --top;
    if (view.NotHeld(top)) {
      // A restored store's blocks below its snapshot that the backfill has not fetched yet are
      // skipped as one range, said once, as a block page never lists a block it cannot serve.
      const std::uint64_t lowest = view.backfilled_height() + 1;
      skipped = Json{{"from_height", lowest}, {"to_height", top}};
      top = lowest;
      continue;
    }
    auto block = view.Block(top);
    if (!block) throw ledger::StorageError("a committed block is missing");
    auto hash = ledger::BlockHash(block->header());
    if (!hash.ok()) throw ledger::StorageError("a stored block header is malformed");
    blocks.push_back({{"height", top},
                      {"block_hash", Hex(*hash)},
                      {"time_ms", block->header().time_ms()},
                      {"tx_count", block->tx_count()},
                      {"log_size", block->header().log_size()},
                      {"proposer_index", block->header().proposer_index()}});
  }
  return JsonResponse(Json{{"blocks", std::move(blocks)},
                           {"next", top > 0 ? Json(top) : Json(nullptr)},
                           {"not_backfilled", std::move(skipped)}});
}

// Raw blocks for auditors and replicas: protobuf CommittedBlock bytes (block with its tx
// envelopes exactly as committed, and its commit certificate), so nothing is re-encoded.
constexpr std::string_view kProtobufType = "application/x-protobuf";
constexpr std::size_t kMaxRawBlocks = 1000;
constexpr std::size_t kRawBatchBytes = 8 << 20;  // a batch stops after this many bytes (at least one block)

Response RawResponse(std::string body) {
  Response r;
  r.content_type = std::string(kProtobufType);
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

Response GetRawBlock(RequestContext& ctx) {
  auto height = ParseU64(ctx.params[0], "height");
  if (!height.ok()) return ErrorResponse(height.status());
  const ledger::ReadView& view = ctx.view();
  if (*height > view.head().height()) {
    return ErrorResponse("not_found", "block " + std::to_string(*height) + " is not committed; the head is " +
                                          std::to_string(view.head().height()));
  }
  if (auto not_held = NotHeld(view, *height)) return *not_held;
  auto block = view.CommittedBlockAt(*height);
  if (!block) throw ledger::StorageError("a committed block is missing");
  return RawResponse(block->SerializeAsString());
}

// Blocks from `from` on, each framed as a u32 big-endian length then CommittedBlock bytes.
Response GetRawBlocks(RequestContext& ctx) {
  auto from = QueryU64(ctx.query, "from");
  if (!from.ok()) return ErrorResponse(from.status());
  if (!from->has_value()) return ErrorResponse("invalid_argument", "from (the first height) is required");
  auto limit = QueryLimit(ctx.query, 100, kMaxRawBlocks);
  if (!limit.ok()) return ErrorResponse(limit.status());
  const ledger::ReadView& view = ctx.view();
  const std::uint64_t head = view.head().height();
  if (**from > head) {
    return ErrorResponse("not_found", "block " + std::to_string(**from) + " is not committed; the head is " +
                                          std::to_string(head));
  }
  if (auto not_held = NotHeld(view, **from)) return *not_held;
  std::string body;
  for (std::uint64_t h = **from; h <= head && h - **from < *limit && body.size() < kRawBatchBytes; ++h) {
    auto block = view.CommittedBlockAt(h);
    if (!block) throw ledger::StorageError("a committed block is missing");
    const std::string bytes = block->SerializeAsString();
    Bytes frame;
    AppendU32(frame, static_cast<std::uint32_t>(bytes.size()));
    body.append(frame.begin(), frame.end());
    body += bytes;
  }
  return RawResponse(std::move(body));
}

}  // namespace

void AddBlockRoutes(Router& router) {
  router.Add({http::verb::get, "/v1/blocks", {"before", "limit"}, ListBlocks});
  router.Add({http::verb::get, "/v1/blocks/latest", {"cursor", "limit"}, GetLatestBlock});
  router.Add({http::verb::get, "/v1/blocks/raw", {"from", "limit"}, GetRawBlocks});
  router.Add({http::verb::get, "/v1/blocks/{height}/raw", {}, GetRawBlock});
  router.Add({http::verb::get, "/v1/blocks/{height}", {"cursor", "limit"}, GetBlock});
}

}  // namespace shanliu::api::internal
