// The audit as orchestration: a fresh ledger from the genesis file, fed every block of the
// source by ledger::Replayer (the replay block sync uses), then the whole-chain checks. The
// checks themselves live in the ledger (Replayer, flow, StoreReader) and audit_checks.cc.
#include <chrono>
#include <thread>

#include "audit_checks.h"
#include "shanliu/ledger/verify_pool.h"

namespace shanliu::audit {

using namespace internal;

Result<AuditReport> RunAudit(BlockSource& source, const ledger::Genesis& genesis, const AuditOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  AuditReport report;
  report.source = source.Describe();
  report.chain_id = genesis.chain_id;
  report.threads = options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  auto finish = [&](const MaybeFailure& step) -> Result<AuditReport> {
    if (!step.ok()) return step.status();
    report.failure = *step;
    report.seconds = elapsed();
    return report;
  };

  // Declared before the scratch ledger, which borrows it for its state-map updates.
  ledger::VerifyPool pool(report.threads);
  auto scratch = ScratchDir::Make(options.work_dir);
  if (!scratch.ok()) return scratch.status();
  // A scratch copy: unsynced, uncompressed writes (a crash only loses the audit's own work).
  auto opened = ledger::Ledger::Open(scratch->path(), genesis,
                                     {.sync_writes = false, .check_conservation = true, .compress = false});
  if (!opened.ok()) return opened.status();
  std::unique_ptr<ledger::Ledger> replay = std::move(*opened);
  replay->SetParallelFor(pool.AsParallelFor());

  auto head = source.HeadHeight();
  if (!head.ok()) return finish(FromSource(head.status(), 0));
  report.source_head_height = *head;
  if (MaybeFailure f = CheckGenesis(source, *replay); !f.ok() || *f) return finish(f);

  auto progress = [&](const ledger::ReplayProgress& p) {
    report.blocks_checked = p.blocks;
    report.txs_checked = p.txs;
    report.signatures_checked = p.signatures;
    if (options.progress) options.progress(AuditProgress{p.blocks, *head, p.txs, elapsed()});
  };
  progress({});
  ledger::ReplayOptions replay_options;
  replay_options.max_batch_blocks = std::max<std::uint64_t>(1, options.batch_blocks);
  replay_options.on_progress = progress;
  auto replayed = ledger::Replayer(*replay, pool, replay_options).Run(source, *head);
  if (!replayed.ok()) return replayed.status();
  report.blocks_checked = replayed->done.blocks;  // also those of a batch cut short by a failure
  report.txs_checked = replayed->done.txs;
  report.signatures_checked = replayed->done.signatures;
  report.replay_seconds = elapsed();
  if (replayed->failure) return finish(std::optional<AuditFailure>(FromReplay(*replayed->failure)));

  auto view = replay->Read();
  if (MaybeFailure f = CheckWholeChain(*view, pool, report); !f.ok() || *f) return finish(f);
  // The checkpoint is checked now, while the replay is open, and reported after stored_state.
  const MaybeFailure checkpoint = CheckCheckpoint(*view, source, options, report);
  if (!checkpoint.ok()) return checkpoint.status();
  view.reset();
  replay.reset();  // the stored-state check reads the replay's store once it is closed

  if (const ledger::StoreReader* stored = source.LocalStore()) {
    if (MaybeFailure f = CheckStoredState(*stored, scratch->path(), report.head_height); !f.ok() || *f) {
      return finish(f);
    }
    report.checks_passed.push_back("stored_state");
  }
  if (*checkpoint) return finish(checkpoint);
  if (options.since_checkpoint_note) report.checks_passed.push_back("checkpoint");
  return finish(std::optional<AuditFailure>());
}

}  // namespace shanliu::audit
