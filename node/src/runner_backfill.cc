#include "runner_backfill.h"

#include <algorithm>
#include <cassert>

#include "shanliu/crypto/codec.h"
#include "shanliu/node/log.h"

namespace shanliu::node {
namespace {

// A block a peer served that is not the certified one (Ledger::StoreBackfill): the peer's fault.
bool IsPeerFault(const Status& s) {
  return s.code() == "invalid_block" || s.code() == "bad_commit" || s.code() == "invalid_argument";
}

constexpr std::uint64_t kProgressLogBlocks = 1000;  // a backfill_progress line this often

}  // namespace

BackfillDriver::BackfillDriver(Parts parts, Limits limits) : parts_(std::move(parts)), limits_(limits) {
  assert(parts_.fatal && limits_.blocks_per_request > 0);
}

void BackfillDriver::OnHeadStatus(const crypto::PublicKey& from, std::uint64_t head_height) {
  io_thread_.Check();
  Peer& peer = known_[from];
  peer.claimed_height = std::max(peer.claimed_height, head_height);
}

void BackfillDriver::OnPeerGone(const crypto::PublicKey& peer) {
  io_thread_.Check();
  known_.erase(peer);
  if (in_flight_ && in_flight_->peer == peer) in_flight_.reset();
}

bool BackfillDriver::Expects(const crypto::PublicKey& from, const pb::p2p::BlocksResponse& response) const {
  return in_flight_ && in_flight_->peer == from && response.from_height() == in_flight_->from_height;
}

void BackfillDriver::Tick() {
  io_thread_.Check();
  if (stopped_ || !active()) return;
  const std::uint64_t now = parts_.clock.WallMs();
  if (in_flight_) {
    if (now < in_flight_->sent_ms + limits_.request_timeout_ms) return;
    Fail(in_flight_->peer, now);
    in_flight_.reset();
  }
  const std::optional<crypto::PublicKey> peer = Pick(now);
  if (!peer) return;
  const std::uint64_t base = parts_.ledger.history_base();
  const std::uint64_t from = parts_.ledger.backfilled_height() + 1;
  pb::p2p::P2pFrame frame;
  frame.mutable_blocks_request()->set_from_height(from);
  frame.mutable_blocks_request()->set_max_blocks(
      static_cast<std::uint32_t>(std::min<std::uint64_t>(limits_.blocks_per_request, base - from + 1)));
  if (!parts_.peers.Send(*peer, frame)) return;
  in_flight_ = InFlight{*peer, from, now};
  last_asked_ = *peer;
}

// Peers whose head is at or past the snapshot and that are not demoted, in turn after the last
// one asked, so the history is fetched from all of them rather than one.
std::optional<crypto::PublicKey> BackfillDriver::Pick(std::uint64_t now_ms) {
  const std::uint64_t base = parts_.ledger.history_base();
  std::optional<crypto::PublicKey> first, after_last;
  for (const auto& [key, peer] : known_) {
    if (peer.claimed_height < base || now_ms < peer.demoted_until_ms) continue;
    if (!first) first = key;
    if (!after_last && key > last_asked_) after_last = key;
  }
  return after_last ? after_last : first;
}

void BackfillDriver::Fail(const crypto::PublicKey& peer, std::uint64_t now_ms) {
  auto it = known_.find(peer);
  if (it == known_.end()) return;
  Peer& p = it->second;
  p.failures = std::min<std::uint32_t>(p.failures + 1, 32);
  std::uint64_t wait_ms = limits_.request_timeout_ms;
  for (std::uint32_t i = 1; i < p.failures && wait_ms < limits_.max_demotion_ms; ++i) wait_ms *= 2;
  p.demoted_until_ms = now_ms + std::min(wait_ms, limits_.max_demotion_ms);
}

bool BackfillDriver::Decode(const pb::p2p::BlocksResponse& response, std::vector<pb::CommittedBlock>& blocks) const {
  const std::uint64_t from = parts_.ledger.backfilled_height() + 1;
  const std::uint64_t base = parts_.ledger.history_base();
  for (const std::string& encoded : response.blocks()) {
    pb::CommittedBlock block;
    if (!block.ParseFromString(encoded)) return false;
    // Only the consecutive run the store takes next; StoreBackfill checks each height again.
    if (block.block().header().height() != from + blocks.size() || from + blocks.size() > base) break;
    blocks.push_back(std::move(block));
  }
  return true;
}

void BackfillDriver::OnBlocks(const crypto::PublicKey& from, const pb::p2p::BlocksResponse& response) {
  io_thread_.Check();
  in_flight_.reset();
  if (stopped_ || !active()) return;
  const std::uint64_t now = parts_.clock.WallMs();
  std::vector<pb::CommittedBlock> blocks;
  if (!Decode(response, blocks)) {
    parts_.faults.Warn(from, "backfill_block_malformed", {});
    Fail(from, now);
    return;
  }
  if (blocks.empty()) {
    // It does not hold them (a peer restored from a snapshot too, or one that is behind).
    Fail(from, now);
    return;
  }
  Store(from, blocks);
}

void BackfillDriver::Store(const crypto::PublicKey& from, const std::vector<pb::CommittedBlock>& blocks) {
  const std::uint64_t base = parts_.ledger.history_base();
  const Status s = parts_.ledger.StoreBackfill(blocks);
  if (!s.ok() && IsPeerFault(s)) {
    parts_.faults.Warn(from, "backfill_bad_block", {{"from_height", blocks.front().block().header().height()},
                                                     {"error", s.ToString()}});
    Fail(from, parts_.clock.WallMs());
    return;
  }
  if (!s.ok()) {
    parts_.fatal("backfill_store", s);  // our own store failed (or disagrees with certified history)
    return;
  }
  known_[from].failures = 0;
  const std::uint64_t before = stored_blocks_;
  stored_blocks_ += blocks.size();
  if (!active()) {
    LogEvent("info", "backfill_complete", {{"snapshot_height", base}, {"blocks", stored_blocks_}});
  } else if (stored_blocks_ / kProgressLogBlocks != before / kProgressLogBlocks) {
    LogEvent("info", "backfill_progress",
             {{"backfilled_height", parts_.ledger.backfilled_height()}, {"snapshot_height", base}});
  }
}

}  // namespace shanliu::node
