// The node's own audit (docs/decisions.md "The node audits itself"): the same RunAudit that
// `shanliu audit` runs, over a ReadView of the node's ledger (a LevelDB snapshot: a private,
// read-only copy of the committed chain), on a thread of its own at low CPU priority, at startup
// and then every `every_blocks` committed blocks or `every_ms`, whichever comes first. The last
// result is kept for GET /v1/audit. The node's io thread only ever calls NotifyCommitted, which
// takes one mutex for a counter update and never waits for an audit.
//
// Lock rule: mutex_ guards every member below it; RunAudit runs without it held.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "shanliu/audit/audit.h"
#include "shanliu/ledger/ledger.h"

namespace shanliu::audit {

// The committed chain as `view` sees it (heights 0..view's head). Blocks are read from the
// view's snapshot, so commits made while the audit runs do not change what it audits.
// A record that fails its checksum is a storage_corrupt error of Fetch or ConsistencyProof (the
// audit fails, never the thread), and is told to `on_corrupt` (printable key, detail) first: the
// node stops on damage whichever reader meets it.
using CorruptHook = std::function<void(const std::string& key, const std::string& detail)>;
std::unique_ptr<BlockSource> OpenLedgerSource(std::shared_ptr<const ledger::ReadView> view,
                                              CorruptHook on_corrupt = nullptr);

struct AuditSchedule {
  bool enabled = true;
  bool at_startup = true;                     // audit once as soon as Start is called
  std::uint64_t every_blocks = 10'000;        // after this many more committed blocks; 0: never by blocks
  std::uint64_t every_ms = 6 * 3'600'000ull;  // after this long since the last run; 0: never by time
  bool low_priority = true;                   // nice 19 for the audit thread (Linux: per thread)
  unsigned threads = 1;                       // signature verification threads of one run
  std::filesystem::path work_dir;             // parent of the replay's scratch dir; empty: system temp
};

// One finished run: the report (ok or failed), or the Status that kept it from running.
struct AuditRun {
  std::uint64_t started_ms = 0;   // wall clock, for readers; never used to decide anything
  std::uint64_t finished_ms = 0;
  std::optional<AuditReport> report;  // set when the audit ran (report->ok() or a failure)
  Status error;                       // set (not ok) when it could not run
};

struct AuditState {
  bool enabled = false;
  bool running = false;
  std::uint64_t runs = 0;  // finished runs since start
  std::optional<AuditRun> last;
};

class AuditScheduler {
 public:
  // Called on the audit thread for each run; errors become AuditRun::error.
  using SourceFactory = std::function<Result<std::unique_ptr<BlockSource>>()>;
  using WallClockMs = std::function<std::uint64_t()>;

  AuditScheduler(ledger::Genesis genesis, SourceFactory source, AuditSchedule schedule,
                 WallClockMs wall_clock_ms = {});
  ~AuditScheduler();  // Stop()
  AuditScheduler(const AuditScheduler&) = delete;
  AuditScheduler& operator=(const AuditScheduler&) = delete;

  // Starts the audit thread (nothing when the schedule is disabled). Call once.
  void Start();
  // Asks a running audit to stop after its current batch of blocks, and joins. Idempotent.
  void Stop();
  // The node committed `height` (any thread; cheap). A run starts once every_blocks more blocks
  // were committed since the height the last run audited.
  void NotifyCommitted(std::uint64_t height);
  // Starts a run as soon as the thread is free (operators, tests).
  void RequestRun();
  AuditState State() const;
  // Blocks until at least `runs` runs have finished or Stop was called; true if they have.
  bool WaitForRuns(std::uint64_t runs);

 private:
  void Loop();
  bool DueLocked(std::chrono::steady_clock::time_point now) const;
  AuditRun RunOnce();

  const ledger::Genesis genesis_;
  const SourceFactory source_;
  const AuditSchedule schedule_;
  const WallClockMs wall_clock_ms_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool requested_ = false;
  bool running_ = false;
  std::uint64_t committed_height_ = 0;
  std::uint64_t audited_height_ = 0;  // head height of the last run that ran (ok or failed)
  std::optional<std::chrono::steady_clock::time_point> last_run_end_;
  std::uint64_t runs_ = 0;
  std::optional<AuditRun> last_;
  std::thread thread_;  // started last, joined in Stop
};

}  // namespace shanliu::audit
