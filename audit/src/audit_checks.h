// The audit's steps other than the replay itself (audit.cc runs them in order). Each returns
// the audit failure it found, nothing if its check held, or a Status when it could not run.
#pragma once

#include <filesystem>
#include <optional>

#include "shanliu/audit/audit.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/ledger/replay.h"
#include "shanliu/ledger/verify_pool.h"

namespace shanliu::audit::internal {

using MaybeFailure = Result<std::optional<AuditFailure>>;

// A directory for the replay ledger, removed with everything in it.
class ScratchDir {
 public:
  static Result<ScratchDir> Make(const std::filesystem::path& parent);
  ScratchDir(ScratchDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  ScratchDir(const ScratchDir&) = delete;
  ~ScratchDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit ScratchDir(std::filesystem::path p) : path_(std::move(p)) {}
  std::filesystem::path path_;
};

// A source fault (kBlockMissing / kBlockMalformed) becomes a "storage" failure at `height`;
// any other error stays an error.
MaybeFailure FromSource(const Status& status, std::uint64_t height);
AuditFailure FromReplay(const ledger::ReplayFailure& failure);

// The source's block 0 is the one the genesis file makes (the fresh `replay` ledger's head).
MaybeFailure CheckGenesis(BlockSource& source, const ledger::Ledger& replay);

// Fills the report's head fields, then checks conservation and every trace's sums (traced on
// the pool's threads).
MaybeFailure CheckWholeChain(const ledger::ReadView& view, ledger::VerifyPool& pool, AuditReport& report);

// With options.since_checkpoint_note: the note's cosignatures, then that the replayed log
// extends it (locally and by the source's own proof). Fills report.checkpoint.
MaybeFailure CheckCheckpoint(const ledger::ReadView& view, BlockSource& source, const AuditOptions& options,
                             AuditReport& report);

// The source's local store against the replay's (closed) store in `replay_dir`.
MaybeFailure CheckStoredState(const ledger::StoreReader& stored, const std::filesystem::path& replay_dir,
                              std::uint64_t head_height);

}  // namespace shanliu::audit::internal
