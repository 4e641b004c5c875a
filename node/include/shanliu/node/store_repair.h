// Repairing a damaged ledger store from certified blocks (issue 15; docs/operator.md "Repairing a
// damaged store", docs/decisions.md "Repair rebuilds the store and swaps it").
//
// A damaged LevelDB table block cannot be healed by rewriting one key, so repair rebuilds: every
// block is replayed through the one ledger::Replayer (header chain, commit certificate against
// the genesis validators, signatures, re-execution, roots) into a fresh directory next to the
// data directory, first from what the damaged store still reads back intact (salvage), then from
// peers over the P2P block protocol, and again from the damaged store above each gap the peers
// filled. The rebuilt store must reach at least the damaged store's
// head and pass VerifyState before it replaces the old one; the old one is kept, never deleted.
//
// The swap, in order (each step durable before the next; a crash anywhere is recovered by
// RecoverInterruptedSwap, run by the repair and by every node start):
//   1. <data>.repair holds the rebuilt store and a copy of every other file of <data> (the
//      consensus WAL: a validator's own votes); <data>.repair/REPAIR_COMPLETE is written last.
//   2. <data> is renamed to <data>.damaged-<height>           (the commit point)
//   3. <data>.repair is renamed to <data>
//   4. <data>/REPAIR_COMPLETE is removed.
// Before step 2 the old store is still <data>: recovery drops an unfinished or unswapped
// <data>.repair (a node may have run on <data> since, so its WAL copy could be stale). After
// step 2 recovery finishes steps 3 and 4.
//
// Nothing here runs while a node holds the store: the damaged store is read through
// ledger::StoreReader (a private copy, under the store's LevelDB lock), so a running node makes
// the repair fail with "in_use" before anything is written.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/node/node.h"
#include "shanliu/pb/shanliu.pb.h"
#include "shanliu/status.h"

namespace shanliu::node {

// shanliu-node's exit status when it stops because its store is damaged (or refuses to start on
// one): a supervisor runs `shanliu-node repair` (or restarts a node with storage.auto_repair).
inline constexpr int kExitStorageDamaged = 4;

// Files the repair keeps beside a data directory's contents.
inline constexpr const char* kRepairNeededFile = "REPAIR_NEEDED";      // in <data>: damage was seen
inline constexpr const char* kRepairCompleteFile = "REPAIR_COMPLETE";  // in <data>.repair: step 1 done

// The swap's steps, in order (see the header comment). Tests stop after one to model a crash.
enum class SwapStep : std::uint8_t { kMarkComplete = 1, kSetAsideDamaged = 2, kMoveRebuilt = 3, kClearMarker = 4 };

std::filesystem::path RebuildDirFor(const std::filesystem::path& data_dir);  // <data>.repair

// Steps 1-4 for a rebuilt store already in RebuildDirFor(data_dir) (its `ledger/` database,
// closed). Copies the other files of data_dir into it first (not REPAIR_NEEDED). The damaged
// directory becomes <data>.damaged-<damaged_height> (-2, -3 ... if taken); *kept names it.
// `stop_after` (tests only) returns right after that step, as a crash would.
Status SwapInRebuilt(const std::filesystem::path& data_dir, std::uint64_t damaged_height,
                     std::filesystem::path* kept, std::optional<SwapStep> stop_after = std::nullopt);

// Finishes a swap interrupted after its commit point, or drops a rebuild interrupted before it.
// Returns what it did ("" when there was nothing to recover). Error io_error.
Result<std::string> RecoverInterruptedSwap(const std::filesystem::path& data_dir);

// Records (durably) that the store in data_dir was seen damaged, with why; kept until a repair
// swaps the store. A node with the record does not sign (see main.cc) and repairs or refuses.
Status MarkRepairNeeded(const std::filesystem::path& data_dir, const std::string& reason);
std::optional<std::string> RepairNeeded(const std::filesystem::path& data_dir);

// What a running node does when a read meets damage: records it (REPAIR_NEEDED, once) and, if
// `stop`, stops the node (`stop_node`, called once) — always for a validator, which must never
// sign from a store it knows is damaged; for an observer only with auto_repair (its restart
// repairs). Seen is thread-safe: the API threads and the io thread both report.
class DamageGuard {
 public:
  DamageGuard(std::filesystem::path data_dir, bool stop, std::function<void()> stop_node);
  void Seen(const std::string& key, const std::string& where);
  bool stopped() const { return stop_ && seen_; }

 private:
  const std::filesystem::path data_dir_;
  const bool stop_;
  const std::function<void()> stop_node_;
  std::atomic<bool> seen_{false};
};

// Where the repair fetches blocks that could not be salvaged: one or more peers, each asked
// for committed blocks from a height on, as in block sync (docs/p2p.md). Used from one thread.
class RemoteBlocks {
 public:
  struct Response {
    std::uint64_t head_height = 0;            // the head the peer says it has
    std::vector<pb::CommittedBlock> blocks;   // as served (decoded, not yet checked)
  };
  virtual ~RemoteBlocks() = default;
  virtual std::size_t peer_count() const = 0;
  virtual std::string PeerName(std::size_t peer) const = 0;
  // Errors: the peer cannot be reached or did not answer in time (any code), or
  // "block_malformed" (it served bytes that are not a block).
  virtual Result<Response> Fetch(std::size_t peer, std::uint64_t from_height, std::uint32_t max_blocks) = 0;
};

// Over the node's P2P transport: connects to each configured peer with the node's own key (the
// peers know it), one request at a time, `timeout_ms` for each connection and each answer.
std::unique_ptr<RemoteBlocks> MakePeerBlocks(const crypto::KeyPair& key, std::string chain_id,
                                             std::vector<PeerConfig> peers, std::uint32_t timeout_ms);

struct RepairOptions {
  std::filesystem::path data_dir;
  bool salvage_local = true;  // replay what the damaged store reads back intact before fetching
  std::uint32_t blocks_per_request = 64;
  // Progress lines for the operator (the command prints them; the node logs them).
  std::function<void(const std::string& event, const std::string& detail)> report;
};

struct RepairSummary {
  std::optional<std::uint64_t> damaged_head;  // the head the damaged store names, if readable
  std::string salvage_stopped;                // why salvage stopped early ("" if it did not)
  std::uint64_t salvaged_blocks = 0;          // replayed from the damaged store
  std::uint64_t salvaged_above_gap = 0;       // of those, above a block peers had to serve
  std::uint64_t fetched_blocks = 0;           // replayed from peers
  std::uint64_t height = 0;                   // the rebuilt head
  std::string head_hash_hex;
  std::string state_root_hex;
  std::vector<std::string> refused_peers;     // "<peer>: <why>" for peers whose blocks failed a check
  std::vector<std::string> unreachable_peers; // "<peer>: <why>"
  std::filesystem::path damaged_kept;         // where the damaged store now is
  std::string recovered;                      // what RecoverInterruptedSwap did first, if anything
};

// Rebuilds and swaps (see the header comment). Errors, each leaving data_dir as it was:
// "not_found" (no data directory), "in_use" (a running node holds the store), "repair_no_peers"
// (blocks were needed and no peer served them), "repair_incomplete" (peers could not bring the
// rebuild up to the damaged store's head), "repair_failed" (a certified block does not replay:
// wrong genesis, or a bug), "state_mismatch", "io_error".
Result<RepairSummary> RepairStore(const RepairOptions& options, const ledger::Genesis& genesis, RemoteBlocks& remote);

}  // namespace shanliu::node
