// RepairStore: salvage, fetch, verify, swap (shanliu/node/store_repair.h). Every block that
// enters the rebuilt store went through ledger::Replayer, whichever source it came from.
#include "shanliu/node/store_repair.h"

#include <cassert>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/replay.h"
#include "shanliu/ledger/store_reader.h"
#include "shanliu/ledger/verify_pool.h"

namespace shanliu::node {
namespace fs = std::filesystem;

namespace {

// The damaged store as a block source: blocks up to the first one that does not read back
// intact (the Replayer turns storage_corrupt / block_missing into a kStorage failure there).
class SalvageSource final : public ledger::BlockSource {
 public:
  explicit SalvageSource(const ledger::StoreReader& reader) : reader_(reader) {}
  Result<std::vector<pb::CommittedBlock>> Fetch(std::uint64_t from, std::uint64_t max_count) override {
    std::vector<pb::CommittedBlock> blocks;
    for (std::uint64_t h = from; h < from + max_count; ++h) {
      auto block = reader_.CommittedBlockAt(h);
      if (!block.ok()) {
        if (blocks.empty()) return block.status();
        break;  // the blocks before it are good; the next Fetch reports this one
      }
      blocks.push_back(std::move(*block));
    }
    return blocks;
  }

 private:
  const ledger::StoreReader& reader_;
};

// Certificate and header-chain failures are the source's fault (a forged or stale block); a
// certified block that does not re-execute here means this rebuild itself is wrong.
bool IsSourceFault(ledger::ReplayCheck check) {
  return check == ledger::ReplayCheck::kStorage || check == ledger::ReplayCheck::kHeaderChain ||
         check == ledger::ReplayCheck::kCommitCertificate || check == ledger::ReplayCheck::kBlockLimits ||
         check == ledger::ReplayCheck::kTxSignature;
}

std::string Describe(const ledger::ReplayFailure& f) {
  return "block " + std::to_string(f.height) + " failed " + std::string(ledger::ReplayCheckName(f.check)) + " (" +
         f.cause.ToString() + ")";
}

struct Rebuild {
  const RepairOptions& options;
  ledger::Ledger& ledger;
  ledger::VerifyPool& pool;
  RepairSummary& summary;

  void Report(const std::string& event, const std::string& detail) const {
    if (options.report) options.report(event, detail);
  }

  // Replays what the damaged store still proves, from the rebuild's head + 1 up to its head.
  // Run first and again each time peers have filled a gap: the blocks above a damaged one are
  // often intact, and one decided after the damage may be the only honest copy anywhere.
  Status Salvage(const ledger::StoreReader& reader, std::uint64_t damaged_head) {
    SalvageSource source(reader);
    ledger::Replayer replayer(ledger, pool);
    auto replayed = replayer.Run(source, damaged_head);
    if (!replayed.ok()) {
      summary.salvage_stopped = replayed.status().ToString();
      return replayed.status().code() == "io_error" ? Status::Ok() : replayed.status();
    }
    const bool above_gap = summary.fetched_blocks > 0;
    summary.salvaged_blocks += replayed->done.blocks;
    if (above_gap) summary.salvaged_above_gap += replayed->done.blocks;
    if (replayed->failure && !above_gap) summary.salvage_stopped = Describe(*replayed->failure);  // the first stop
    if (above_gap && replayed->done.blocks == 0) return Status::Ok();
    Report(above_gap ? "repair_salvaged_above_gap" : "repair_salvaged",
           std::to_string(replayed->done.blocks) + " blocks from the damaged store" +
               (summary.salvage_stopped.empty() ? "" : "; stopped: " + summary.salvage_stopped));
    return Status::Ok();
  }

  // The response's blocks from our head on, consecutive.
  std::vector<pb::CommittedBlock> Consecutive(std::vector<pb::CommittedBlock> served) const {
    std::vector<pb::CommittedBlock> blocks;
    const std::uint64_t first = ledger.height() + 1;
    for (pb::CommittedBlock& b : served) {
      const std::uint64_t h = b.block().header().height();
      if (h < first + blocks.size()) continue;
      if (h != first + blocks.size()) break;
      blocks.push_back(std::move(b));
    }
    return blocks;
  }

  enum class Answer { kMore, kQuiet, kDrop };  // ask again / nothing past our head / never again

  // One request to one peer.
  Result<Answer> AskPeer(RemoteBlocks& remote, std::size_t peer) {
    const std::string name = remote.PeerName(peer);
    auto response = remote.Fetch(peer, ledger.height() + 1, options.blocks_per_request);
    if (!response.ok()) {
      if (response.status().code() == ledger::kBlockMalformed) {
        summary.refused_peers.push_back(name + ": " + response.status().ToString());
      } else {
        summary.unreachable_peers.push_back(name + ": " + response.status().ToString());
      }
      Report("repair_peer_dropped", name + ": " + response.status().ToString());
      return Answer::kDrop;
    }
    std::vector<pb::CommittedBlock> blocks = Consecutive(std::move(response->blocks));
    if (blocks.empty()) {
      if (response->head_height > ledger.height()) {
        summary.refused_peers.push_back(name + ": claims head " + std::to_string(response->head_height) +
                                        " but served no block after " + std::to_string(ledger.height()));
        return Answer::kDrop;
      }
      return Answer::kQuiet;
    }
    const std::uint64_t first = ledger.height() + 1;
    const std::uint64_t last = first + blocks.size() - 1;
    ledger::VectorBlockSource source(first, std::move(blocks));
    ledger::Replayer replayer(ledger, pool);
    auto replayed = replayer.Run(source, last);
    if (!replayed.ok()) return replayed.status();  // our own store failed
    summary.fetched_blocks += replayed->done.blocks;
    if (const auto& f = replayed->failure) {
      if (!IsSourceFault(f->check)) {
        return Status::Error("repair_failed", "a certified block from " + name + " does not replay: " + Describe(*f));
      }
      summary.refused_peers.push_back(name + ": " + Describe(*f));
      Report("repair_peer_refused", name + ": " + Describe(*f));
      return Answer::kDrop;
    }
    return Answer::kMore;
  }

  // Whether any peer answered. Asks the peers in turn until none has anything more: a peer stays in the rotation while it
  // delivers, is dropped for good when it cannot be reached or serves a block that fails a
  // check, and is asked again after a quiet answer only once another peer moved the head.
  Result<bool> Fetch(RemoteBlocks& remote) {
    const std::size_t n = remote.peer_count();
    std::vector<bool> dropped(n, false);
    std::vector<std::optional<std::uint64_t>> quiet_at(n);  // the height at which it had nothing more
    bool answered = false;
    for (bool progress = true; progress;) {
      progress = false;
      for (std::size_t p = 0; p < n; ++p) {
        while (!dropped[p] && quiet_at[p] != ledger.height()) {
          const std::uint64_t before = ledger.height();
          auto answer = AskPeer(remote, p);
          if (!answer.ok()) return answer.status();
          // Only a peer that served checked blocks or honestly had none counts as an answer.
          if (*answer != Answer::kDrop) answered = true;
          if (ledger.height() > before) progress = true;
          if (*answer == Answer::kDrop) dropped[p] = true;
          if (*answer == Answer::kQuiet) quiet_at[p] = ledger.height();
        }
      }
    }
    return answered;
  }
};

std::string Hex(const std::string& raw) { return crypto::ToHex(AsBytes(raw)); }

// The damaged store, if it opens at all (nullptr if not, or if salvage is off); its head, if
// readable, goes to the summary.
Result<std::unique_ptr<ledger::StoreReader>> OpenDamaged(const RepairOptions& options, Rebuild& rebuild) {
  auto reader = ledger::StoreReader::Open(options.data_dir);
  if (!reader.ok()) {
    if (reader.status().code() == "in_use") return reader.status();
    rebuild.summary.salvage_stopped = reader.status().ToString();
    rebuild.Report("repair_salvage_skipped", reader.status().ToString());
    return std::unique_ptr<ledger::StoreReader>();
  }
  auto head = (*reader)->HeadHeight();
  if (!head.ok()) {
    rebuild.summary.salvage_stopped = head.status().ToString();
    return std::unique_ptr<ledger::StoreReader>();
  }
  rebuild.summary.damaged_head = *head;
  if (!options.salvage_local) return std::unique_ptr<ledger::StoreReader>();
  return std::move(*reader);
}

// Salvage, then peers and the damaged store's blocks above each gap in turn until neither moves
// the head. Returns whether any peer answered.
Result<bool> SalvageAndFetch(const RepairOptions& options, Rebuild& rebuild, RemoteBlocks& remote) {
  auto damaged = OpenDamaged(options, rebuild);
  if (!damaged.ok()) return damaged.status();
  const ledger::StoreReader* reader = damaged->get();
  const std::uint64_t damaged_head = rebuild.summary.damaged_head.value_or(0);
  if (reader != nullptr) SHANLIU_RETURN_IF_ERROR(rebuild.Salvage(*reader, damaged_head));
  bool answered = false;
  for (;;) {
    auto fetched = rebuild.Fetch(remote);
    if (!fetched.ok()) return fetched.status();
    answered = answered || *fetched;
    const std::uint64_t before = rebuild.ledger.height();
    if (reader == nullptr || before >= damaged_head) return answered;
    SHANLIU_RETURN_IF_ERROR(rebuild.Salvage(*reader, damaged_head));
    if (rebuild.ledger.height() == before) return answered;
  }
}

// Everything up to the swap, in the rebuild directory; the caller removes it on failure.
Status BuildAndCheck(const RepairOptions& options, const ledger::Genesis& genesis, RemoteBlocks& remote,
                     RepairSummary& summary) {
  ledger::VerifyPool pool;  // before the ledger, which borrows it for its state-map updates
  auto opened = ledger::Ledger::Open(RebuildDirFor(options.data_dir), genesis);
  if (!opened.ok()) return opened.status();
  ledger::Ledger& ledger = **opened;
  ledger.SetParallelFor(pool.AsParallelFor());
  Rebuild rebuild{options, ledger, pool, summary};
  auto answered = SalvageAndFetch(options, rebuild, remote);
  if (!answered.ok()) return answered.status();
  const bool needed_peers = !summary.damaged_head || summary.salvaged_blocks < *summary.damaged_head;
  if (needed_peers && !*answered) {
    return Status::Error("repair_no_peers", "blocks after " + std::to_string(ledger.height()) +
                                                " are needed and no peer served them (" +
                                                std::to_string(summary.unreachable_peers.size()) + " unreachable, " +
                                                std::to_string(summary.refused_peers.size()) + " refused)");
  }
  if (summary.damaged_head && ledger.height() < *summary.damaged_head) {
    return Status::Error("repair_incomplete", "the rebuild reached height " + std::to_string(ledger.height()) +
                                                  " of the damaged store's " + std::to_string(*summary.damaged_head));
  }
  // Every block was checked on the way in; the state map is recomputed from every key as well,
  // and must give the state root the head's certificate covers.
  SHANLIU_RETURN_IF_ERROR(ledger.VerifyState());
  const pb::BlockHeader head = ledger.head();
  summary.height = head.height();
  summary.head_hash_hex = crypto::ToHex(ledger.head_hash());
  summary.state_root_hex = Hex(head.state_root());
  opened->reset();
  // Reopen as a node would: head checks and the startup sample, on the closed, synced store.
  auto reopened = ledger::Ledger::Open(RebuildDirFor(options.data_dir), genesis);
  if (!reopened.ok()) return reopened.status();
  return Status::Ok();
}

}  // namespace

Result<RepairSummary> RepairStore(const RepairOptions& options, const ledger::Genesis& genesis, RemoteBlocks& remote) {
  assert(options.blocks_per_request > 0);
  RepairSummary summary;
  auto recovered = RecoverInterruptedSwap(options.data_dir);
  if (!recovered.ok()) return recovered.status();
  summary.recovered = *recovered;
  std::error_code ec;
  if (!fs::is_directory(options.data_dir, ec)) {
    return Status::Error("not_found", "no data directory " + options.data_dir.string());
  }
  const fs::path rebuild_dir = RebuildDirFor(options.data_dir);
  fs::remove_all(rebuild_dir, ec);  // only ever ours; recovery kept any complete swap
  if (Status s = BuildAndCheck(options, genesis, remote, summary); !s.ok()) {
    fs::remove_all(rebuild_dir, ec);
    return s;
  }
  const std::uint64_t damaged_height = summary.damaged_head.value_or(summary.height);
  if (Status s = SwapInRebuilt(options.data_dir, damaged_height, &summary.damaged_kept); !s.ok()) {
    // Before the commit point nothing changed; after it RecoverInterruptedSwap finishes the job.
    return s;
  }
  return summary;
}

}  // namespace shanliu::node
