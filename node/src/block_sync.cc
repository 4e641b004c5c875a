// Block sync's choice of peers (shanliu/node/block_sync.h). Issue 15 found the old rule, "ask
// the highest claimant", frozen by one peer announcing a head it did not have. Here a claim only
// makes a peer eligible; what ranks it is the blocks it delivered, and failing to serve demotes
// it for exponentially longer each time, so a liar costs one timeout per demotion and the honest
// peers keep a request slot all along.
#include "shanliu/node/block_sync.h"

#include <algorithm>
#include <cassert>

namespace shanliu::node {

BlockSync::BlockSync(Limits limits) : limits_(limits) {
  assert(limits_.blocks_per_request > 0 && limits_.request_timeout_ms > 0 && limits_.peers_per_round > 0);
  assert(limits_.max_demotion_ms >= limits_.request_timeout_ms);
}

void BlockSync::OnClaim(const crypto::PublicKey& peer, std::uint64_t height) {
  io_thread_.Check();
  peers_[peer].claimed_height = height;  // the latest claim, up or down: a peer may restart empty
}

void BlockSync::OnPeerGone(const crypto::PublicKey& peer) {
  io_thread_.Check();
  peers_.erase(peer);
}

void BlockSync::Fail(Peer& peer, std::uint64_t now_ms) {
  peer.asked_at_ms.reset();
  ++peer.failures_in_a_row;
  ++failures_total_;
  const std::uint32_t doublings = std::min<std::uint32_t>(peer.failures_in_a_row - 1, 20);
  const std::uint64_t demotion_ms = std::min(limits_.request_timeout_ms << doublings, limits_.max_demotion_ms);
  peer.demoted_until_ms = now_ms + demotion_ms;
}

void BlockSync::ExpireRequests(std::uint64_t now_ms) {
  for (auto& [key, peer] : peers_) {
    if (peer.asked_at_ms && now_ms >= *peer.asked_at_ms + limits_.request_timeout_ms) Fail(peer, now_ms);
  }
}

bool BlockSync::WithinGrace(std::uint64_t my_height, std::uint64_t best_claim, bool is_validator,
                            std::uint64_t now_ms) {
  if (!behind_since_ms_ || behind_height_ != my_height) {
    behind_since_ms_ = now_ms;
    behind_height_ = my_height;
  }
  return is_validator && best_claim == my_height + 1 && now_ms - *behind_since_ms_ < limits_.validator_lag_grace_ms;
}

std::vector<BlockSync::Request> BlockSync::Next(std::uint64_t my_height, bool is_validator, std::uint64_t now_ms) {
  io_thread_.Check();
  if (fault_ask_highest_claimant_) return NextHighestClaimant(my_height, now_ms);
  ExpireRequests(now_ms);
  // Eligible: claims more than we have and is not serving a demotion. Busy ones still count
  // towards the slots.
  std::vector<const crypto::PublicKey*> eligible;
  std::size_t in_flight = 0;
  std::uint64_t best_claim = my_height;
  for (const auto& [key, peer] : peers_) {
    if (peer.asked_at_ms) ++in_flight;
    if (peer.claimed_height <= my_height || now_ms < peer.demoted_until_ms) continue;
    best_claim = std::max(best_claim, peer.claimed_height);
    if (!peer.asked_at_ms) eligible.push_back(&key);
  }
  if (best_claim == my_height) {
    behind_since_ms_.reset();
    return {};
  }
  if (WithinGrace(my_height, best_claim, is_validator, now_ms)) return {};
  if (in_flight >= limits_.peers_per_round || eligible.empty()) return {};
  // Most blocks delivered first; among equals, a rotating start so no one peer is always first.
  const std::size_t n = eligible.size();
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  const std::size_t start = static_cast<std::size_t>(rotation_++ % n);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const std::uint64_t da = peers_.at(*eligible[a]).delivered_blocks;
    const std::uint64_t db = peers_.at(*eligible[b]).delivered_blocks;
    if (da != db) return da > db;
    return (a + n - start) % n < (b + n - start) % n;
  });
  std::vector<Request> requests;
  for (std::size_t i = 0; i < n && in_flight + requests.size() < limits_.peers_per_round; ++i) {
    const crypto::PublicKey& key = *eligible[order[i]];
    Peer& peer = peers_.at(key);
    peer.asked_at_ms = now_ms;
    peer.asked_from_height = my_height + 1;
    requests.push_back(Request{key, my_height + 1, limits_.blocks_per_request});
  }
  return requests;
}

std::vector<BlockSync::Request> BlockSync::NextHighestClaimant(std::uint64_t my_height, std::uint64_t now_ms) {
  const crypto::PublicKey* best = nullptr;
  for (auto& [key, peer] : peers_) {
    if (peer.asked_at_ms && now_ms < *peer.asked_at_ms + limits_.request_timeout_ms) return {};  // one at a time
    peer.asked_at_ms.reset();
    if (peer.claimed_height > my_height && (best == nullptr || peer.claimed_height > peers_.at(*best).claimed_height)) {
      best = &key;
    }
  }
  if (best == nullptr) return {};
  Peer& peer = peers_.at(*best);
  peer.asked_at_ms = now_ms;
  peer.asked_from_height = my_height + 1;
  return {Request{*best, my_height + 1, limits_.blocks_per_request}};
}

void BlockSync::Asked(const crypto::PublicKey& peer, std::uint64_t from_height, std::uint64_t now_ms) {
  io_thread_.Check();
  Peer& p = peers_[peer];
  p.asked_at_ms = now_ms;
  p.asked_from_height = from_height;
}

void BlockSync::OnResponse(const crypto::PublicKey& peer, std::uint64_t committed, std::uint64_t my_height,
                           std::uint64_t now_ms) {
  io_thread_.Check();
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;  // gone meanwhile, or never announced itself: nothing to rank
  Peer& p = it->second;
  const bool was_asked = p.asked_at_ms.has_value();
  p.asked_at_ms.reset();
  if (committed > 0) {
    p.delivered_blocks += committed;
    p.failures_in_a_row = 0;
    p.demoted_until_ms = 0;
    return;
  }
  if (was_asked && my_height < p.asked_from_height && p.claimed_height > my_height) Fail(p, now_ms);
}

void BlockSync::OnBadBlocks(const crypto::PublicKey& peer, std::uint64_t now_ms) {
  io_thread_.Check();
  auto it = peers_.find(peer);
  if (it != peers_.end()) Fail(it->second, now_ms);
}

std::optional<BlockSync::PeerView> BlockSync::View(const crypto::PublicKey& peer, std::uint64_t now_ms) const {
  io_thread_.Check();
  auto it = peers_.find(peer);
  if (it == peers_.end()) return std::nullopt;
  const Peer& p = it->second;
  return PeerView{p.claimed_height, p.delivered_blocks, p.failures_in_a_row, now_ms < p.demoted_until_ms,
                  p.asked_at_ms.has_value()};
}

}  // namespace shanliu::node
