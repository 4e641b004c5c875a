// The swap of a rebuilt store for a damaged one, its crash recovery and the REPAIR_NEEDED record
// (shanliu/node/store_repair.h has the step order and why it is safe at every point).

#include <cassert>
#include <fstream>
#include <sstream>

#include "shanliu/node/durable_files.h"
#include "shanliu/node/log.h"
#include "shanliu/node/store_repair.h"

namespace shanliu::node {
namespace fs = std::filesystem;

namespace {

Status RenameDurably(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (ec) return IoError("cannot rename " + from.string() + " to " + to.string(), ec);
  return SyncPath(to.parent_path());
}

// Everything in data_dir but the ledger database itself and the damage record: the consensus
// WAL above all (a validator's own votes, which must survive the swap or it could sign twice).
Status CopyNodeFiles(const fs::path& data_dir, const fs::path& rebuild_dir) {
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(data_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name == "ledger" || name == kRepairNeededFile || name == kRepairCompleteFile) continue;
    // A node that did not stop cleanly leaves its admin socket behind: not a file to copy (and
    // fs::copy refuses sockets); the next node start makes a new one.
    if (!entry.is_regular_file(ec) && !entry.is_directory(ec)) continue;
    const fs::path target = rebuild_dir / name;
    fs::copy(entry.path(), target, fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
    if (ec) return IoError("cannot copy " + entry.path().string(), ec);
    if (entry.is_regular_file()) SHANLIU_RETURN_IF_ERROR(SyncPath(target));
  }
  if (ec) return IoError("cannot list " + data_dir.string(), ec);
  return SyncPath(rebuild_dir);
}

fs::path FreeDamagedName(const fs::path& data_dir, std::uint64_t height) {
  const std::string base = data_dir.string() + ".damaged-" + std::to_string(height);
  fs::path candidate = base;
  std::error_code ec;
  for (int n = 2; fs::exists(candidate, ec); ++n) candidate = base + "-" + std::to_string(n);
  return candidate;
}

// Steps 3 and 4: after the commit point the rebuilt store is the one to use.
Status FinishSwap(const fs::path& data_dir) {
  SHANLIU_RETURN_IF_ERROR(RenameDurably(RebuildDirFor(data_dir), data_dir));
  return Status::Ok();
}

Status ClearCompleteMarker(const fs::path& data_dir) {
  std::error_code ec;
  fs::remove(data_dir / kRepairCompleteFile, ec);
  if (ec) return IoError("cannot remove " + (data_dir / kRepairCompleteFile).string(), ec);
  return SyncPath(data_dir);
}

// "dir/" and "dir" must name the same sibling directories.
fs::path Normal(const fs::path& dir) {
  fs::path p = dir.lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return p;
}

}  // namespace

fs::path RebuildDirFor(const fs::path& data_dir) { return fs::path(Normal(data_dir).string() + ".repair"); }

Status SwapInRebuilt(const fs::path& data_dir_in, std::uint64_t damaged_height, fs::path* kept,
                     std::optional<SwapStep> stop_after) {
  const fs::path data_dir = Normal(data_dir_in);
  const fs::path rebuild = RebuildDirFor(data_dir);
  std::error_code ec;
  assert(fs::is_directory(rebuild / "ledger", ec));
  const auto stop_here = [&](SwapStep step) { return stop_after && *stop_after == step; };

  SHANLIU_RETURN_IF_ERROR(CopyNodeFiles(data_dir, rebuild));
  SHANLIU_RETURN_IF_ERROR(WriteDurably(rebuild / kRepairCompleteFile, std::to_string(damaged_height) + "\n"));
  if (stop_here(SwapStep::kMarkComplete)) return Status::Ok();

  const fs::path damaged = FreeDamagedName(data_dir, damaged_height);
  SHANLIU_RETURN_IF_ERROR(RenameDurably(data_dir, damaged));
  if (kept) *kept = damaged;
  if (stop_here(SwapStep::kSetAsideDamaged)) return Status::Ok();

  SHANLIU_RETURN_IF_ERROR(FinishSwap(data_dir));
  if (stop_here(SwapStep::kMoveRebuilt)) return Status::Ok();
  return ClearCompleteMarker(data_dir);
}

Result<std::string> RecoverInterruptedSwap(const fs::path& data_dir_in) {
  const fs::path data_dir = Normal(data_dir_in);
  const fs::path rebuild = RebuildDirFor(data_dir);
  std::error_code ec;
  const bool data_exists = fs::exists(data_dir, ec);
  const bool rebuild_exists = fs::exists(rebuild, ec);
  const bool rebuild_complete = fs::exists(rebuild / kRepairCompleteFile, ec);
  if (!data_exists && rebuild_complete) {
    // Crashed after step 2: the damaged store is set aside, the rebuilt one is complete.
    SHANLIU_RETURN_IF_ERROR(FinishSwap(data_dir));
    SHANLIU_RETURN_IF_ERROR(ClearCompleteMarker(data_dir));
    return std::string("finished an interrupted swap: moved " + rebuild.string() + " to " + data_dir.string());
  }
  if (data_exists && fs::exists(data_dir / kRepairCompleteFile, ec)) {
    SHANLIU_RETURN_IF_ERROR(ClearCompleteMarker(data_dir));  // crashed after step 3
    return std::string("finished an interrupted swap: removed its marker");
  }
  if (data_exists && rebuild_exists) {
    // Crashed before the commit point: <data> is still the store in use and may have moved on.
    fs::remove_all(rebuild, ec);
    if (ec) return IoError("cannot remove the unfinished rebuild " + rebuild.string(), ec);
    return std::string("dropped an unfinished rebuild in " + rebuild.string());
  }
  return std::string();
}

Status MarkRepairNeeded(const fs::path& data_dir, const std::string& reason) {
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec)) return Status::Error("io_error", data_dir.string() + " is not a directory");
  return WriteDurably(data_dir / kRepairNeededFile, reason + "\n");
}

std::optional<std::string> RepairNeeded(const fs::path& data_dir) {
  std::ifstream in(data_dir / kRepairNeededFile, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  std::string reason = text.str();
  while (!reason.empty() && reason.back() == '\n') reason.pop_back();
  return reason;
}

DamageGuard::DamageGuard(fs::path data_dir, bool stop, std::function<void()> stop_node)
    : data_dir_(std::move(data_dir)), stop_(stop), stop_node_(std::move(stop_node)) {
  assert(!stop_ || stop_node_);
}

void DamageGuard::Seen(const std::string& key, const std::string& where) {
  if (seen_.exchange(true)) return;
  if (Status s = MarkRepairNeeded(data_dir_, "storage_corrupt at key " + key + " (" + where + ")"); !s.ok()) {
    LogEvent("error", "repair_record_failed", {{"error", s.ToString()}});
  }
  if (!stop_) return;
  LogEvent("error", "node_stopping", {{"reason", "storage_corrupt"}, {"key", key}});
  stop_node_();
}

}  // namespace shanliu::node
