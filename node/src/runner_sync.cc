// Block sync: a node behind its peers fetches committed blocks with their certificates,
// checks each certificate against the genesis validators, re-executes the block (which checks
// every tx, the roots and the state digest) and commits it. Validators use it after a restart
// or a partition; observers use nothing else.
#include <cassert>

#include "runner_impl.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/replay.h"
#include "shanliu/node/log.h"

namespace shanliu::node {

namespace {

// Failures a peer's bad response explains (it sent something uncertified): warn and ask again.
// Anything later is a certified block that does not replay here: our state diverged.
bool IsPeerFault(ledger::ReplayCheck check) {
  return check == ledger::ReplayCheck::kStorage || check == ledger::ReplayCheck::kHeaderChain ||
         check == ledger::ReplayCheck::kCommitCertificate;
}
}  // namespace

void Runner::Impl::OnHeadStatus(const crypto::PublicKey& from, const pb::p2p::HeadStatus& head) {
  sync_.OnClaim(from, head.height());
  MaybeSync();
}

void Runner::Impl::MaybeSync() {
  if (stopped_) return;
  for (const BlockSync::Request& r : sync_.Next(ledger_.height(), IsValidator(), WallClockMs())) {
    RequestBlocks(r.peer, r.from_height, r.max_blocks);
  }
}

void Runner::Impl::RequestBlocks(const crypto::PublicKey& peer, std::uint64_t from_height, std::uint32_t count) {
  pb::p2p::P2pFrame frame;
  frame.mutable_blocks_request()->set_from_height(from_height);
  frame.mutable_blocks_request()->set_max_blocks(count);
  Send(peer, frame);
  sync_.Asked(peer, from_height, WallClockMs());
}

void Runner::Impl::OnBlocksRequest(const crypto::PublicKey& from, const pb::p2p::BlocksRequest& request) {
  const std::uint32_t count = std::min(request.max_blocks(), config_.sync_blocks_per_request);
  auto view = ledger_.Read();
  const std::uint64_t head = view->head().height();
  pb::p2p::P2pFrame frame;
  pb::p2p::BlocksResponse* response = frame.mutable_blocks();
  response->set_head_height(head);
  std::size_t bytes = 0;
  if (request.from_height() >= 1) {
    for (std::uint64_t h = request.from_height(); h <= head && h < request.from_height() + count; ++h) {
      std::optional<pb::CommittedBlock> block;
      try {
        block = view->CommittedBlockAt(h);
      } catch (const ledger::StorageCorrupt& e) {
        // Never send a peer bytes that failed their checksum: stop before them.
        LogEvent("error", "storage_corrupt", {{"key", e.key()}, {"detail", e.what()}, {"where", "sync request"}});
        break;
      }
      if (!block) break;
      std::string encoded = block->SerializeAsString();
      // Always send at least one block, so a block near the size limit still travels.
      if (response->blocks_size() > 0 && bytes + encoded.size() > config_.max_sync_response_bytes) break;
      bytes += encoded.size();
      response->add_blocks(std::move(encoded));
    }
  }
  Send(from, frame);
}

void Runner::Impl::OnBlocks(const crypto::PublicKey& from, const pb::p2p::BlocksResponse& response) {
  const std::uint64_t before = ledger_.height();
  bool peer_at_fault = false;
  const std::uint64_t synced = CommitSyncedBlocks(from, response, &peer_at_fault);
  if (stopped_) return;  // a fatal error on our side
  assert(ledger_.height() == before + synced);
  (void)before;
  if (synced > 0) {
    LogEvent("info", "blocks_synced", {{"blocks", synced}, {"height", ledger_.height()}, {"peer", crypto::ToHex(from)}});
    SendHead();
    // The store moved past the core's height: it starts again at the next one.
    if (core_) Feed(consensus::Start{ledger_.height() + 1});
  }
  // The head it says it has is a claim like any HeadStatus; what it delivered is what counts.
  sync_.OnClaim(from, response.head_height());
  const std::uint64_t now = WallClockMs();
  sync_.OnResponse(from, synced, ledger_.height(), now);
  if (peer_at_fault) sync_.OnBadBlocks(from, now);
  MaybeSync();
}

std::uint64_t Runner::Impl::CommitSyncedBlocks(const crypto::PublicKey& from, const pb::p2p::BlocksResponse& response,
                                               bool* peer_at_fault) {
  // The consecutive blocks from our head on; the replayer checks each one's header chain and
  // certificate before its txs' signatures and execution.
  std::vector<pb::CommittedBlock> blocks;
  const std::uint64_t first_height = ledger_.height() + 1;
  for (const std::string& encoded : response.blocks()) {
    pb::CommittedBlock committed;
    if (!committed.ParseFromString(encoded)) {
      LogPeerFault(from, "sync_block_malformed", {});
      *peer_at_fault = true;
      break;
    }
    const std::uint64_t height = committed.block().header().height();
    if (height < first_height + blocks.size()) continue;  // already have it
    if (height != first_height + blocks.size()) break;    // a gap: ask again from our head
    blocks.push_back(std::move(committed));
  }
  if (blocks.empty()) return 0;
  const std::uint64_t last_height = first_height + blocks.size() - 1;
  ledger::VectorBlockSource source(first_height, std::move(blocks));
  ledger::ReplayOptions options;
  options.known_verified = [this](const Hash256& h) { return mempool_.SignatureVerified(h); };
  options.on_commit = [this](const ledger::ExecutedBlock& executed) {
    {
      std::lock_guard lock(stats_mutex_);
      ++stats_.blocks_synced;
    }
    AfterCommit(executed, /*by_sync=*/true);
  };
  ledger::Replayer replayer(ledger_, verify_pool_, std::move(options));
  auto replayed = replayer.Run(source, last_height);
  if (!replayed.ok()) {
    Fatal("sync_commit", replayed.status());
    return 0;
  }
  if (const auto& f = replayed->failure) {
    if (!IsPeerFault(f->check)) {
      Fatal("sync_execute", f->cause);
      return replayed->done.blocks;
    }
    *peer_at_fault = true;
    LogPeerFault(from, "sync_bad_block", {{"height", f->height},
                                          {"check", std::string(ledger::ReplayCheckName(f->check))},
                                          {"error", f->cause.ToString()}});
  }
  return replayed->done.blocks;
}

}  // namespace shanliu::node
