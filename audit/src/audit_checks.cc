#include "audit_checks.h"

#include <unistd.h>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/merkle.h"
#include "shanliu/ledger/checkpoint.h"
#include "shanliu/ledger/flow.h"
#include "shanliu/ledger/goods.h"

namespace shanliu::audit::internal {
namespace {

std::string Hex(std::string_view raw) { return crypto::ToHex(AsBytes(raw)); }
std::string Hex(const Hash256& h) { return crypto::ToHex(h); }

AuditFailure Failure(std::uint64_t height, std::string check, std::string message) {
  AuditFailure f;
  f.height = height;
  f.check = std::move(check);
  f.message = std::move(message);
  return f;
}

std::string Base64Of(const Hash256& h) {
  // The checkpoint body spells roots in base64; reuse its encoder by building a body.
  const std::string body = ledger::CheckpointBody("x", 0, h);
  return body.substr(4, body.size() - 5);
}

}  // namespace

Result<ScratchDir> ScratchDir::Make(const std::filesystem::path& parent) {
  std::error_code ec;
  const std::filesystem::path base = parent.empty() ? std::filesystem::temp_directory_path(ec) : parent;
  if (ec) return Status::Error("io_error", "no temp directory: " + ec.message());
  std::string pattern = (base / "shanliu-audit-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Status::Error("io_error", "cannot create a scratch directory under " + base.string());
  }
  return ScratchDir(pattern);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

MaybeFailure FromSource(const Status& status, std::uint64_t height) {
  if (status.code() != kBlockMissing && status.code() != kBlockMalformed && status.code() != ledger::kStorageCorrupt) {
    return status;
  }
  return std::optional<AuditFailure>(Failure(height, "storage", status.message()));
}

AuditFailure FromReplay(const ledger::ReplayFailure& r) {
  std::string where = "block " + std::to_string(r.height);
  if (r.tx_index) where += ", tx " + std::to_string(*r.tx_index);
  AuditFailure f = Failure(r.height, std::string(ledger::ReplayCheckName(r.check)), where + ": " + r.cause.ToString());
  if (r.check == ledger::ReplayCheck::kStorage) f.message = r.cause.message();
  f.tx_index = r.tx_index;
  if (r.tx_id) f.tx_id_hex = Hex(*r.tx_id);
  f.expected = r.expected;
  f.found = r.found;
  return f;
}

MaybeFailure CheckGenesis(BlockSource& source, const ledger::Ledger& replay) {
  auto first = source.Fetch(0, 1);
  if (!first.ok()) return FromSource(first.status(), 0);
  const pb::BlockHeader& found = first->front().block().header();
  if (found.SerializeAsString() == replay.head().SerializeAsString()) return std::optional<AuditFailure>();
  AuditFailure f = Failure(0, "genesis", "the source's genesis block is not the one this genesis file makes "
                                         "(different chain or genesis)");
  auto found_hash = ledger::BlockHash(found);
  f.expected = Hex(replay.head_hash());
  f.found = found_hash.ok() ? Hex(*found_hash) : "a malformed header";
  return std::optional<AuditFailure>(f);
}

MaybeFailure CheckWholeChain(const ledger::ReadView& view, ledger::VerifyPool& pool, AuditReport& report) {
  const pb::BlockHeader& head = view.head();
  report.head_height = head.height();
  report.head_hash_hex = Hex(view.head_hash());
  report.log_size = head.log_size();
  report.log_root_hex = Hex(head.log_root());
  report.state_root_hex = Hex(head.state_root());
  if (Status s = ledger::flow::CheckConservation(view.state()); !s.ok()) {
    return std::optional<AuditFailure>(
        Failure(head.height(), "conservation", "after block " + std::to_string(head.height()) + ": " + s.message()));
  }
  report.checks_passed.push_back("conservation");
  auto sums = ledger::flow::CheckTraceSums(view.state(), &pool);
  if (!sums.ok()) return std::optional<AuditFailure>(Failure(head.height(), "trace_sums", sums.status().ToString()));
  report.gifts_traced = sums->gifts_traced;
  if (const auto& fault = sums->fault) {
    AuditFailure f = Failure(fault->height, "trace_sums",
                             "the trace of the gift at leaf " + std::to_string(fault->leaf) + " into " + fault->account +
                                 " does not add up to its amount");
    f.tx_id_hex = Hex(fault->gift_tx_id);
    f.expected = std::to_string(fault->expected_fen);
    f.found = std::to_string(fault->found_fen);
    return std::optional<AuditFailure>(f);
  }
  report.checks_passed.push_back("trace_sums");
  // Goods (units of items, never fen): conservation per item and every goods donation's trace.
  if (Status s = ledger::goods::CheckConservation(view.state()); !s.ok()) {
    return std::optional<AuditFailure>(Failure(head.height(), "goods_conservation",
                                               "after block " + std::to_string(head.height()) + ": " + s.message()));
  }
  report.checks_passed.push_back("goods_conservation");
  auto goods_sums = ledger::goods::CheckTraceSums(view.state());
  if (!goods_sums.ok()) {
    return std::optional<AuditFailure>(Failure(head.height(), "goods_trace_sums", goods_sums.status().ToString()));
  }
  report.checks_passed.push_back("goods_trace_sums");
  return std::optional<AuditFailure>();
}

MaybeFailure CheckStoredState(const ledger::StoreReader& stored, const std::filesystem::path& replay_dir,
                              std::uint64_t head_height) {
  auto replayed = ledger::StoreReader::Open(replay_dir);
  if (!replayed.ok()) return replayed.status();
  auto diff = stored.FirstDifference(**replayed);
  if (!diff.ok()) return std::optional<AuditFailure>(Failure(head_height, "stored_state", diff.status().ToString()));
  if (!*diff) return std::optional<AuditFailure>();
  AuditFailure f = Failure(head_height, "stored_state",
                           "the stored database differs from re-execution at key '" + (*diff)->key + "'");
  f.expected = (*diff)->expected;
  f.found = (*diff)->found;
  return std::optional<AuditFailure>(f);
}

namespace {

// The replayed log extends the saved checkpoint (same root at its size, checked by the caller):
// an RFC 9162 consistency proof from the replay, and the source's own if it serves one.
MaybeFailure CheckConsistency(const ledger::ReadView& view, BlockSource& source,
                              const ledger::CheckpointVerification& saved, AuditFailure f) {
  const std::uint64_t size = saved.checkpoint.size;
  const std::uint64_t log_size = view.head().log_size();
  Hash256 final_root{};
  std::copy(view.head().log_root().begin(), view.head().log_root().end(), final_root.begin());
  if (size > 0) {
    auto local = view.ConsistencyProof(size, log_size);
    if (!local.ok()) return local.status();
    if (!crypto::VerifyMerkleConsistency(size, log_size, saved.checkpoint.root, final_root, *local)) {
      f.message = "the consistency proof from size " + std::to_string(size) + " to " + std::to_string(log_size) +
                  " does not verify";
      return std::optional<AuditFailure>(f);
    }
    if (auto served = source.ConsistencyProof(size, log_size)) {
      if (!served->ok()) return served->status();
      if (!crypto::VerifyMerkleConsistency(size, log_size, saved.checkpoint.root, final_root, **served)) {
        f.message = "the source's consistency proof from size " + std::to_string(size) + " to " +
                    std::to_string(log_size) + " does not verify against the saved and replayed roots";
        return std::optional<AuditFailure>(f);
      }
    }
  }
  return std::optional<AuditFailure>();
}

}  // namespace

MaybeFailure CheckCheckpoint(const ledger::ReadView& view, BlockSource& source, const AuditOptions& options,
                             AuditReport& report) {
  if (!options.since_checkpoint_note) return std::optional<AuditFailure>();
  const std::string& label = options.since_checkpoint_label;
  AuditFailure f = Failure(report.head_height, "checkpoint", "");
  // The note's cosigners count against the set of the block carrying its size in this chain; a
  // size no block carries (a truncated log, another chain) is judged with the genesis set, whose
  // names and keys a note of such a log can only match if nothing changed.
  auto parsed = ledger::ParseNote(*options.since_checkpoint_note);
  auto fields = parsed.ok() ? ledger::ParseCheckpointBody(parsed->body) : Result<ledger::CheckpointFields>(parsed.status());
  auto signers = fields.ok() ? view.CheckpointSignersAt(fields->size) : Result<ledger::CheckpointSigners>(fields.status());
  const std::vector<ledger::Validator>& set = signers.ok() ? signers->validators : view.genesis().validators;
  auto saved = parsed.ok() ? ledger::VerifyCheckpointNote(*parsed, view.genesis(), set)
                           : Result<ledger::CheckpointVerification>(parsed.status());
  if (!saved.ok()) {
    f.message = label + " is not a valid checkpoint of this chain: " + saved.status().ToString();
    return std::optional<AuditFailure>(f);
  }
  const std::uint64_t size = saved->checkpoint.size;
  CheckpointResult& result = report.checkpoint.emplace();
  result.size = size;
  result.root_hex = Hex(saved->checkpoint.root);
  for (const auto& c : saved->cosigners) result.cosigners.push_back(c.name);
  result.cosigned_power = saved->cosigned_power;
  result.total_power = saved->total_power;
  if (!saved->supermajority) {
    f.expected = "more than 2/3 of " + std::to_string(saved->total_power);
    f.found = std::to_string(saved->cosigned_power);
    f.message = label + " is cosigned by validators holding " + f.found + " of " +
                std::to_string(saved->total_power) + " voting power; more than 2/3 is needed";
    return std::optional<AuditFailure>(f);
  }
  f.check = "consistency";
  if (size > report.log_size) {
    f.expected = ">= " + std::to_string(size) + " leaves";
    f.found = std::to_string(report.log_size);
    f.message = "log was truncated or rewritten: it has " + std::to_string(report.log_size) +
                " leaves, fewer than the " + std::to_string(size) + " of the checkpoint saved in " + label;
    return std::optional<AuditFailure>(f);
  }
  auto root_at_saved = view.LogRootAt(size);
  if (!root_at_saved.ok()) return root_at_saved.status();
  if (*root_at_saved != saved->checkpoint.root) {
    f.expected = Base64Of(saved->checkpoint.root);
    f.found = Base64Of(*root_at_saved);
    f.message = "log was rewritten: root at size " + std::to_string(size) + " differs from the checkpoint saved in " +
                label + " (saved " + f.expected + ", the audited log has " + f.found + ")";
    return std::optional<AuditFailure>(f);
  }
  MaybeFailure consistent = CheckConsistency(view, source, *saved, f);
  if (consistent.ok() && !*consistent) result.consistent = true;
  return consistent;
}

}  // namespace shanliu::audit::internal
