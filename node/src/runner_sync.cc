// Block sync: a node behind its peers fetches committed blocks with their certificates,
// checks each certificate against the validator set of its height (in the ledger's replayer),
// re-executes the block (which checks every tx, the roots and the state digest) and commits it.
// Validators use it after a restart or a partition; observers use nothing else.
#include "runner_sync.h"

#include <cassert>

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

constexpr std::size_t kDecisionPeers = 2;  // validators asked at once for a missed decision

}  // namespace

SyncDriver::SyncDriver(Parts parts, const RunnerConfig& config, std::function<bool()> votes_now)
    : parts_(std::move(parts)),
      blocks_per_request_(config.sync_blocks_per_request),
      max_response_bytes_(config.max_sync_response_bytes),
      votes_now_(std::move(votes_now)),
      on_storage_corrupt_(config.on_storage_corrupt),
      sync_(BlockSync::Limits{.blocks_per_request = config.sync_blocks_per_request,
                              .request_timeout_ms = config.sync_request_timeout_ms}) {
  assert(parts_.fatal && parts_.on_synced && blocks_per_request_ > 0);
}

void SyncDriver::Stop() { stopped_ = true; }

void SyncDriver::OnHeadStatus(const crypto::PublicKey& from, const pb::p2p::HeadStatus& head) {
  io_thread_.Check();
  sync_.OnClaim(from, head.height());
  Tick();
}

void SyncDriver::OnPeerGone(const crypto::PublicKey& peer) {
  io_thread_.Check();
  sync_.OnPeerGone(peer);
}

void SyncDriver::Tick() {
  io_thread_.Check();
  if (stopped_) return;
  for (const BlockSync::Request& r : sync_.Next(parts_.ledger.height(), votes_now_(), parts_.clock.WallMs())) {
    RequestBlocks(r.peer, r.from_height, r.max_blocks);
  }
}

void SyncDriver::FetchDecision(const std::vector<crypto::PublicKey>& ahead, std::uint64_t height) {
  io_thread_.Check();
  std::size_t asked = 0;
  for (const crypto::PublicKey& peer : ahead) {
    if (asked == kDecisionPeers) break;
    RequestBlocks(peer, height, blocks_per_request_);
    ++asked;
  }
  if (asked == 0) Tick();
}

void SyncDriver::RequestBlocks(const crypto::PublicKey& peer, std::uint64_t from_height, std::uint32_t count) {
  pb::p2p::P2pFrame frame;
  frame.mutable_blocks_request()->set_from_height(from_height);
  frame.mutable_blocks_request()->set_max_blocks(count);
  parts_.peers.Send(peer, frame);
  sync_.Asked(peer, from_height, parts_.clock.WallMs());
}

void SyncDriver::OnBlocksRequest(const crypto::PublicKey& from, const pb::p2p::BlocksRequest& request) {
  io_thread_.Check();
  const std::uint32_t count = std::min(request.max_blocks(), blocks_per_request_);
  parts_.peers.Send(from, ReadBlocks(request.from_height(), count));
}

pb::p2p::P2pFrame SyncDriver::ReadBlocks(std::uint64_t from_height, std::uint32_t count) const {
  auto view = parts_.ledger.Read();
  const std::uint64_t head = view->head().height();
  pb::p2p::P2pFrame frame;
  pb::p2p::BlocksResponse* response = frame.mutable_blocks();
  response->set_head_height(head);
  response->set_from_height(from_height);
  if (from_height < 1) return frame;
  std::size_t bytes = 0;
  for (std::uint64_t h = from_height; h <= head && h < from_height + count; ++h) {
    std::optional<pb::CommittedBlock> block;
    try {
      block = view->CommittedBlockAt(h);
    } catch (const ledger::StorageCorrupt& e) {
      // Never send a peer bytes that failed their checksum: stop before them.
      LogEvent("error", "storage_corrupt", {{"key", e.key()}, {"detail", e.what()}, {"where", "sync request"}});
      if (on_storage_corrupt_) on_storage_corrupt_(e.key(), e.what());
      break;
    }
    if (!block) break;
    std::string encoded = block->SerializeAsString();
    // Always send at least one block, so a block near the size limit still travels.
    if (response->blocks_size() > 0 && bytes + encoded.size() > max_response_bytes_) break;
    bytes += encoded.size();
    response->add_blocks(std::move(encoded));
  }
  return frame;
}

void SyncDriver::OnBlocks(const crypto::PublicKey& from, const pb::p2p::BlocksResponse& response) {
  io_thread_.Check();
  if (stopped_) return;
  const std::uint64_t before = parts_.ledger.height();
  bool peer_at_fault = false;
  const std::uint64_t synced = CommitSyncedBlocks(from, response, &peer_at_fault);
  if (stopped_) return;  // a fatal error on our side
  assert(parts_.ledger.height() == before + synced);
  (void)before;
  if (synced > 0) {
    LogEvent("info", "blocks_synced",
             {{"blocks", synced}, {"height", parts_.ledger.height()}, {"peer", crypto::ToHex(from)}});
    parts_.on_synced();
  }
  // The head it says it has is a claim like any HeadStatus; what it delivered is what counts.
  sync_.OnClaim(from, response.head_height());
  const std::uint64_t now = parts_.clock.WallMs();
  sync_.OnResponse(from, synced, parts_.ledger.height(), now);
  if (peer_at_fault) sync_.OnBadBlocks(from, now);
  Tick();
}

std::vector<pb::CommittedBlock> SyncDriver::ConsecutiveBlocks(const crypto::PublicKey& from,
                                                              const pb::p2p::BlocksResponse& response,
                                                              bool* peer_at_fault) {
  std::vector<pb::CommittedBlock> blocks;
  const std::uint64_t first_height = parts_.ledger.height() + 1;
  for (const std::string& encoded : response.blocks()) {
    pb::CommittedBlock committed;
    if (!committed.ParseFromString(encoded)) {
      parts_.faults.Warn(from, "sync_block_malformed", {});
      *peer_at_fault = true;
      break;
    }
    const std::uint64_t height = committed.block().header().height();
    if (height < first_height + blocks.size()) continue;  // already have it
    if (height != first_height + blocks.size()) break;    // a gap: ask again from our head
    blocks.push_back(std::move(committed));
  }
  return blocks;
}

std::uint64_t SyncDriver::CommitSyncedBlocks(const crypto::PublicKey& from, const pb::p2p::BlocksResponse& response,
                                             bool* peer_at_fault) {
  // The replayer checks each block's header chain and certificate before its txs' signatures
  // and execution.
  std::vector<pb::CommittedBlock> blocks = ConsecutiveBlocks(from, response, peer_at_fault);
  if (blocks.empty()) return 0;
  const std::uint64_t first_height = parts_.ledger.height() + 1;
  const std::uint64_t last_height = first_height + blocks.size() - 1;
  ledger::VectorBlockSource source(first_height, std::move(blocks));
  ledger::ReplayOptions options;
  options.known_verified = [this](const Hash256& h) { return parts_.mempool.SignatureVerified(h); };
  options.on_commit = [this](const ledger::ExecutedBlock& executed) {
    ++blocks_synced_;
    parts_.commits.AfterCommit(executed, /*by_sync=*/true);
  };
  ledger::Replayer replayer(parts_.ledger, parts_.verify_pool, std::move(options));
  auto replayed = replayer.Run(source, last_height);
  if (!replayed.ok()) {
    parts_.fatal("sync_commit", replayed.status());
    return 0;
  }
  if (const auto& f = replayed->failure) {
    if (!IsPeerFault(f->check)) {
      parts_.fatal("sync_execute", f->cause);
      return replayed->done.blocks;
    }
    *peer_at_fault = true;
    parts_.faults.Warn(from, "sync_bad_block",
                       {{"height", f->height},
                        {"check", std::string(ledger::ReplayCheckName(f->check))},
                        {"error", f->cause.ToString()}});
  }
  return replayed->done.blocks;
}

}  // namespace shanliu::node
