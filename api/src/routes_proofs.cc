// RFC 9162 proofs over the transaction log, and the checkpoint (log size and root with the
// commit certificate of the block that reached it, plus the validators' cosigned C2SP note).
#include "ledger_index.h"
#include "routes.h"
#include "shanliu/crypto/merkle.h"
#include "shanliu/ledger/checkpoint.h"
#include "shanliu/ledger/flow_proof.h"
#include "shanliu/ledger/origin_key_row.h"
#include "views.h"

namespace shanliu::api::internal {
namespace {

Response GetConsistency(RequestContext& ctx) {
  auto from = QueryU64(ctx.query, "from");
  if (!from.ok()) return ErrorResponse(from.status());
  auto to = QueryU64(ctx.query, "to");
  if (!to.ok()) return ErrorResponse(to.status());
  if (!from->has_value()) return ErrorResponse("invalid_argument", "from (the older log size) is required");
  const ledger::ReadView& view = ctx.view();
  const std::uint64_t old_size = **from;
  const std::uint64_t new_size = to->value_or(view.head().log_size());
  if (old_size == 0 || old_size > new_size) {
    return ErrorResponse("invalid_argument", "need 0 < from <= to (RFC 9162 consistency proofs)");
  }
  if (new_size > view.head().log_size()) {
    return ErrorResponse("out_of_range", "the log has " + std::to_string(view.head().log_size()) + " leaves");
  }
  auto proof = view.ConsistencyProof(old_size, new_size);
  if (!proof.ok()) return ErrorResponse(proof.status());
  auto old_root = view.LogRootAt(old_size);
  if (!old_root.ok()) return ErrorResponse(old_root.status());
  auto new_root = view.LogRootAt(new_size);
  if (!new_root.ok()) return ErrorResponse(new_root.status());
  Json path = Json::array();
  for (const Hash256& h : *proof) path.push_back(Hex(h));
  return JsonResponse(Json{{"from", old_size},
                           {"to", new_size},
                           {"from_root", Hex(*old_root)},
                           {"to_root", Hex(*new_root)},
                           {"proof", std::move(path)}});
}

Response GetInclusion(RequestContext& ctx) {
  auto leaf_param = QueryU64(ctx.query, "leaf");
  if (!leaf_param.ok()) return ErrorResponse(leaf_param.status());
  auto size_param = QueryU64(ctx.query, "size");
  if (!size_param.ok()) return ErrorResponse(size_param.status());
  const std::string* id_param = ctx.query.Find("id");
  if (leaf_param->has_value() == (id_param != nullptr)) {
    return ErrorResponse("invalid_argument", "give exactly one of leaf (a log index) and id (a tx id or receipt code)");
  }
  const ledger::ReadView& view = ctx.view();
  std::optional<ledger::TxRecord> tx;
  if (id_param != nullptr) {
    auto id = ParseTxId(*id_param);
    if (!id.ok()) return ErrorResponse(id.status());
    tx = view.TxById(*id);
    if (!tx) return ErrorResponse("not_found", "no committed transaction has this id");
  } else {
    tx = view.TxByLeaf(**leaf_param);
    if (!tx) return ErrorResponse("not_found", "the log has no leaf " + std::to_string(**leaf_param));
  }
  const std::uint64_t leaf = tx->location.leaf();
  const std::uint64_t size = size_param->value_or(view.head().log_size());
  auto proof = InclusionProofAt(view, leaf, size);
  if (!proof.ok()) return ErrorResponse(proof.status());
  auto root = view.LogRootAt(size);
  if (!root.ok()) return ErrorResponse(root.status());
  Json path = Json::array();
  for (const Hash256& h : *proof) path.push_back(Hex(h));
  return JsonResponse(Json{{"leaf_index", leaf},
                           {"log_size", size},
                           {"tx_id", Hex(tx->id)},
                           {"leaf_hash", Hex(crypto::MerkleLeafHash(tx->envelope))},
                           {"log_root", Hex(*root)},
                           {"inclusion_path", std::move(path)}});
}

// The node's newest cosigned checkpoint note, if the hook is set and has one.
std::optional<std::string> CheckpointNote(RequestContext& ctx) {
  if (!ctx.server.hooks.checkpoint_note) return std::nullopt;
  return ctx.server.hooks.checkpoint_note();
}

// The witnesses this node's operator configured and what each cosigned last: the checkpoint text
// and the signature line, so a reader can check the line against the listed key themselves. The
// list itself is the node's configuration, not something the validators proved.
Json WitnessesJson(RequestContext& ctx) {
  Json out = Json::array();
  if (!ctx.server.hooks.witnesses) return out;
  for (const WitnessCosigned& w : ctx.server.hooks.witnesses()) {
    out.push_back({{"name", w.name},
                   {"vkey", w.vkey},
                   {"log_size", w.log_size ? Json(*w.log_size) : Json(nullptr)},
                   {"timestamp", w.timestamp_s ? Json(*w.timestamp_s) : Json(nullptr)},
                   {"checkpoint", w.line.empty() ? Json(nullptr) : Json(w.checkpoint_body)},
                   {"signature_line", w.line.empty() ? Json(nullptr) : Json(w.line)},
                   {"failing", !w.last_error.empty()}});
  }
  return out;
}

// What the note says and who counts for it: the checkpoint's block (the lowest carrying its log
// size) with its certificate, and the set of that height, which the response's
// validator_transitions lead to from genesis (CheckpointSignersFromProof).
Json NoteCheckpointJson(const ledger::ReadView& view, const ledger::CheckpointVerification& verified,
                        const ledger::CheckpointSigners& signers) {
  auto block = view.Block(signers.height);
  if (!block) throw ledger::StorageError("block " + std::to_string(signers.height) + " of a checkpoint is missing");
  auto hash = ledger::BlockHash(block->header());
  if (!hash.ok()) throw ledger::StorageError(hash.status().message());
  return Json{{"origin", verified.checkpoint.origin},
              {"log_size", verified.checkpoint.size},
              {"log_root", Hex(verified.checkpoint.root)},
              {"cosigned_power", verified.cosigned_power},
              {"total_power", verified.total_power},
              {"supermajority", verified.supermajority},
              {"origin_signed", verified.origin_signed},
              {"height", signers.height},
              {"block_hash", Hex(*hash)},
              {"header", HeaderJson(block->header())},
              {"commit", signers.height == 0 ? Json(nullptr) : CommitJson(block->commit())},
              {"validators", ledger::ValidatorsToJson(signers.validators, /*with_index=*/true)}};
}

Response GetCheckpoint(RequestContext& ctx) {
  const ledger::ReadView& view = ctx.view();
  const pb::BlockHeader& head = view.head();
  auto block = view.Block(head.height());
  if (!block) throw ledger::StorageError("the head block is missing");
  const std::optional<std::string> note = CheckpointNote(ctx);
  Json cosigners = Json::array();
  Json note_checkpoint = nullptr;
  if (note) {
    // The note may lag the head by a block or two while cosignatures arrive; say what it covers
    // and which set's cosignatures count for it.
    auto parsed = ledger::ParseNote(*note);
    auto fields = parsed.ok() ? ledger::ParseCheckpointBody(parsed->body) : Result<ledger::CheckpointFields>(parsed.status());
    auto signers = fields.ok() ? view.CheckpointSignersAt(fields->size) : Result<ledger::CheckpointSigners>(fields.status());
    auto verified = signers.ok() ? ledger::VerifyCheckpointNote(*parsed, view.genesis(), signers->validators)
                                 : Result<ledger::CheckpointVerification>(signers.status());
    if (verified.ok()) {
      for (const ledger::CheckpointCosigner& c : verified->cosigners) {
        cosigners.push_back({{"validator_index", c.validator_index},
                             {"org_id", c.org_id},
                             {"name", c.name},
                             {"timestamp", c.timestamp_s}});
      }
      note_checkpoint = NoteCheckpointJson(view, *verified, *signers);
    }
  }
  return JsonResponse(Json{
      {"note", note ? Json(*note) : Json(nullptr)},
      {"note_checkpoint", std::move(note_checkpoint)},
      {"cosigners", std::move(cosigners)},
      {"witnesses", WitnessesJson(ctx)},
      {"origin", ledger::CheckpointOrigin(view.genesis())},
      {"origin_vkey", view.genesis().origin_key ? Json(ledger::OriginVerifierKey(view.genesis())) : Json(nullptr)},
      {"chain_id", head.chain_id()},
      {"log_size", head.log_size()},
      {"log_root", Hex(head.log_root())},
      {"height", head.height()},
      {"block_hash", Hex(view.head_hash())},
      {"time_ms", head.time_ms()},
      {"header", HeaderJson(head)},
      {"commit", head.height() == 0 ? Json(nullptr) : CommitJson(block->commit())},
      {"validator_transitions", ledger::TransitionsToJson(view.ProvenTransitions(head.height()))},
  });
}

Response GetCheckpointNote(RequestContext& ctx) {
  const std::optional<std::string> note = CheckpointNote(ctx);
  if (!note) return ErrorResponse("not_found", "this node has no cosigned checkpoint yet");
  Response r;
  r.content_type = "text/plain; charset=utf-8";
  r.body = *note;
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

// The genesis origin key row proven against the head's certified state root, in the flow proofs'
// envelope: the anchor trusts the genesis document's origin_key only once this proof holds, as
// nothing in the genesis header covers the key itself (docs/api.md).
Response GetOriginKey(RequestContext& ctx) {
  const ledger::ReadView& view = ctx.view();
  if (!view.genesis().origin_key) return ErrorResponse("no_origin_key", "the chain's genesis has no origin_key");
  // The genesis block carries no commit certificate; the first certified header is block 1's.
  if (view.head().height() == 0) return ErrorResponse("not_found", "no certified block yet: the chain is at genesis");
  const ledger::flow_proof::Envelope envelope =
      ledger::flow_proof::ProveRecords(view, {std::string(ledger::kOriginKeyRow)});
  return JsonResponse(ledger::flow_proof::ToJson(envelope));
}

}  // namespace

void AddProofRoutes(Router& router) {
  router.Add({http::verb::get, "/v1/proofs/consistency", {"from", "to"}, GetConsistency});
  router.Add({http::verb::get, "/v1/proofs/inclusion", {"leaf", "id", "size"}, GetInclusion});
  router.Add({http::verb::get, "/v1/checkpoint", {}, GetCheckpoint});
  router.Add({http::verb::get, "/v1/checkpoint/note", {}, GetCheckpointNote});
  router.Add({http::verb::get, "/v1/genesis/origin_key", {}, GetOriginKey});
}

}  // namespace shanliu::api::internal
