// The node's scheduled self-audit (scheduler.h). The thread sleeps on a condition variable
// until a run is due (blocks, time, a request) or Stop; each run audits a fresh ReadView.
#include "shanliu/audit/scheduler.h"

#include "shanliu/error_codes.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cassert>

namespace shanliu::audit {
namespace {

class LedgerViewSource final : public BlockSource {
 public:
  LedgerViewSource(std::shared_ptr<const ledger::ReadView> view, CorruptHook on_corrupt)
      : view_(std::move(view)), on_corrupt_(std::move(on_corrupt)) {
    assert(view_ != nullptr);
  }
  std::string Describe() const override {
    return "this node's ledger at height " + std::to_string(view_->head().height());
  }
  Result<std::uint64_t> HeadHeight() override { return view_->head().height(); }

  Result<std::vector<pb::CommittedBlock>> Fetch(std::uint64_t from, std::uint64_t max_count) override {
    try {
      return FetchBlocks(from, max_count);
    } catch (const ledger::StorageCorrupt& e) {
      return Corrupt(e);
    }
  }

  std::optional<Result<std::vector<Hash256>>> ConsistencyProof(std::uint64_t old_size, std::uint64_t new_size) override {
    try {
      return view_->ConsistencyProof(old_size, new_size);
    } catch (const ledger::StorageCorrupt& e) {
      return Result<std::vector<Hash256>>(Corrupt(e));
    }
  }

 private:
  Status Corrupt(const ledger::StorageCorrupt& e) const {
    if (on_corrupt_) on_corrupt_(e.key(), e.what());
    return Status::Error(std::string(errc::kStorageCorrupt), std::string(e.what()) + " (key " + e.key() + ")");
  }

  Result<std::vector<pb::CommittedBlock>> FetchBlocks(std::uint64_t from, std::uint64_t max_count) const {
    const std::uint64_t head = view_->head().height();
    if (from > head) return Status::Error(std::string(kBlockMissing), "block " + std::to_string(from) + " is above the head");
    std::vector<pb::CommittedBlock> out;
    for (std::uint64_t height = from; height <= head && height - from < max_count; ++height) {
      auto block = view_->CommittedBlockAt(height);
      if (!block) {
        if (!out.empty()) break;  // the good blocks first: the fault is reported at its own height
        return Status::Error(std::string(kBlockMissing), "block " + std::to_string(height) + " is missing from the store");
      }
      out.push_back(std::move(*block));
    }
    return out;
  }

  std::shared_ptr<const ledger::ReadView> view_;
  const CorruptHook on_corrupt_;
};

// Passes a source through, but answers "unavailable" once Stop was asked for, so a long audit
// ends after its current batch instead of holding up the node's shutdown.
class CancellableSource final : public BlockSource {
 public:
  CancellableSource(std::unique_ptr<BlockSource> inner, const std::atomic<bool>& cancelled)
      : inner_(std::move(inner)), cancelled_(cancelled) {}
  std::string Describe() const override { return inner_->Describe(); }
  Result<std::uint64_t> HeadHeight() override { return inner_->HeadHeight(); }
  const ledger::StoreReader* LocalStore() const override { return inner_->LocalStore(); }
  std::optional<Result<std::vector<Hash256>>> ConsistencyProof(std::uint64_t a, std::uint64_t b) override {
    return inner_->ConsistencyProof(a, b);
  }
  Result<std::vector<pb::CommittedBlock>> Fetch(std::uint64_t from, std::uint64_t max_count) override {
    if (cancelled_.load()) return Status::Error(std::string(errc::kUnavailable), "the node is stopping");
    return inner_->Fetch(from, max_count);
  }

 private:
  std::unique_ptr<BlockSource> inner_;
  const std::atomic<bool>& cancelled_;
};

std::uint64_t SystemWallMs() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

// Lowest CPU priority for the calling thread only (on Linux, nice values are per thread), so
// the audit uses what the node's consensus and API threads leave idle.
void LowerThisThreadPriority() {
#ifdef __linux__
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  (void)::setpriority(PRIO_PROCESS, tid, 19);  // best effort: a failure only costs priority
#endif
}

}  // namespace

std::unique_ptr<BlockSource> OpenLedgerSource(std::shared_ptr<const ledger::ReadView> view, CorruptHook on_corrupt) {
  return std::make_unique<LedgerViewSource>(std::move(view), std::move(on_corrupt));
}

AuditScheduler::AuditScheduler(ledger::Genesis genesis, SourceFactory source, AuditSchedule schedule,
                               WallClockMs wall_clock_ms)
    : genesis_(std::move(genesis)),
      source_(std::move(source)),
      schedule_(std::move(schedule)),
      wall_clock_ms_(wall_clock_ms ? std::move(wall_clock_ms) : WallClockMs(SystemWallMs)) {
  assert(source_);
}

AuditScheduler::~AuditScheduler() { Stop(); }

void AuditScheduler::Start() {
  if (!schedule_.enabled) return;
  std::lock_guard lock(mutex_);
  assert(!thread_.joinable());
  requested_ = requested_ || schedule_.at_startup;
  // Without a startup run, blocks count from the height the node started at, and time from now.
  if (!schedule_.at_startup) {
    audited_height_ = committed_height_;
    last_run_end_ = std::chrono::steady_clock::now();
  }
  thread_ = std::thread([this] { Loop(); });
}

void AuditScheduler::Stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AuditScheduler::NotifyCommitted(std::uint64_t height) {
  bool due = false;
  {
    std::lock_guard lock(mutex_);
    committed_height_ = std::max(committed_height_, height);
    due = schedule_.every_blocks != 0 && committed_height_ >= audited_height_ + schedule_.every_blocks;
  }
  if (due) wake_.notify_all();
}

void AuditScheduler::RequestRun() {
  {
    std::lock_guard lock(mutex_);
    requested_ = true;
  }
  wake_.notify_all();
}

AuditState AuditScheduler::State() const {
  std::lock_guard lock(mutex_);
  return AuditState{schedule_.enabled, running_, runs_, last_};
}

bool AuditScheduler::WaitForRuns(std::uint64_t runs) {
  std::unique_lock lock(mutex_);
  wake_.wait(lock, [&] { return runs_ >= runs || stop_; });
  return runs_ >= runs;
}

bool AuditScheduler::DueLocked(std::chrono::steady_clock::time_point now) const {
  if (requested_) return true;
  if (schedule_.every_blocks != 0 && committed_height_ >= audited_height_ + schedule_.every_blocks) return true;
  return schedule_.every_ms != 0 && last_run_end_ &&
         now - *last_run_end_ >= std::chrono::milliseconds(schedule_.every_ms);
}

void AuditScheduler::Loop() {
  if (schedule_.low_priority) LowerThisThreadPriority();
  std::unique_lock lock(mutex_);
  while (!stop_) {
    const auto now = std::chrono::steady_clock::now();
    if (!DueLocked(now)) {
      if (schedule_.every_ms != 0 && last_run_end_) {
        wake_.wait_until(lock, *last_run_end_ + std::chrono::milliseconds(schedule_.every_ms));
      } else {
        wake_.wait(lock);
      }
      continue;
    }
    requested_ = false;
    running_ = true;
    lock.unlock();
    AuditRun run = RunOnce();
    lock.lock();
    running_ = false;
    if (run.error.code() == errc::kUnavailable && stop_) break;  // a stop, not a result
    if (run.report) audited_height_ = std::max(audited_height_, run.report->source_head_height);
    last_run_end_ = std::chrono::steady_clock::now();
    last_ = std::move(run);
    ++runs_;
    wake_.notify_all();  // WaitForRuns
  }
  wake_.notify_all();
}

// Runs without mutex_ held; reads stop_ only through the cancel flag set by the source wrapper.
AuditRun AuditScheduler::RunOnce() {
  AuditRun run;
  run.started_ms = wall_clock_ms_();
  auto source = source_();
  if (!source.ok()) {
    run.error = source.status();
  } else {
    std::atomic<bool> cancelled{false};
    CancellableSource guarded(std::move(*source), cancelled);
    AuditOptions options;
    options.threads = std::max(1u, schedule_.threads);
    options.work_dir = schedule_.work_dir;
    options.progress = [this, &cancelled](const AuditProgress&) {
      std::lock_guard lock(mutex_);
      if (stop_) cancelled.store(true);
    };
    // A fault the audit's own scratch store meets (a full disk, say) fails this run, not the
    // node: an exception leaving this thread would end the process with std::terminate.
    try {
      auto report = RunAudit(guarded, genesis_, options);
      if (report.ok()) {
        run.report = std::move(*report);
      } else {
        run.error = report.status();
      }
    } catch (const std::exception& e) {
      run.error = Status::Error(std::string(errc::kIoError), std::string("the audit stopped: ") + e.what());
    }
  }
  run.finished_ms = wall_clock_ms_();
  return run;
}

}  // namespace shanliu::audit
