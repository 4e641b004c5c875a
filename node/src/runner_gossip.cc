// Mempool gossip: txs a client submitted to this node are passed to every peer in batches.
// Every node is connected to every other (the peer set is the whole network), so a tx is
// passed on once, by the node that admitted it from a client; peers do not pass it further.
#include <boost/asio/post.hpp>

#include "runner_impl.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/node/log.h"

namespace shanliu::node {

namespace {
constexpr std::size_t kMaxGossipBatchBytes = 8u << 20;
}  // namespace

void Runner::Impl::Gossip(std::vector<Bytes> envelopes) {
  std::lock_guard lock(gossip_mutex_);
  for (Bytes& e : envelopes) {
    if (gossip_queue_.size() >= config_.max_gossip_queue_txs) break;  // peers still get them in blocks
    gossip_queue_.push_back(std::move(e));
  }
}

void Runner::Impl::ArmGossipTimer() {
  if (stopped_) return;
  gossip_timer_.expires_after(std::chrono::milliseconds(config_.gossip_interval_ms));
  gossip_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    FlushGossip();
    ArmGossipTimer();
  });
}

void Runner::Impl::FlushGossip() {
  std::vector<Bytes> queue;
  {
    std::lock_guard lock(gossip_mutex_);
    queue.swap(gossip_queue_);
  }
  if (queue.empty()) return;
  std::size_t i = 0;
  while (i < queue.size()) {
    pb::p2p::P2pFrame frame;
    std::size_t bytes = 0;
    while (i < queue.size() && static_cast<std::size_t>(frame.txs().envelopes_size()) < config_.max_gossip_batch_txs &&
           bytes + queue[i].size() <= kMaxGossipBatchBytes) {
      bytes += queue[i].size();
      frame.mutable_txs()->add_envelopes(std::string(queue[i].begin(), queue[i].end()));
      ++i;
    }
    if (frame.txs().envelopes_size() == 0) {
      ++i;  // a single envelope over the batch limit cannot exist (the mempool bounds tx size); skip it
      continue;
    }
    SendToAll(frame);
  }
  std::lock_guard lock(stats_mutex_);
  stats_.txs_gossiped_out += queue.size();
}

void Runner::Impl::OnTxBatch(const crypto::PublicKey& from, const pb::p2p::TxBatch& batch) {
  if (static_cast<std::size_t>(batch.envelopes_size()) > config_.max_gossip_batch_txs) {
    LogEvent("warn", "gossip_batch_too_large", {{"peer", crypto::ToHex(from)}, {"txs", batch.envelopes_size()}});
    return;
  }
  std::vector<Bytes> envelopes;
  envelopes.reserve(static_cast<std::size_t>(batch.envelopes_size()));
  for (const std::string& e : batch.envelopes()) envelopes.emplace_back(e.begin(), e.end());
  {
    std::lock_guard lock(stats_mutex_);
    stats_.txs_gossiped_in += envelopes.size();
  }
  // Signature checks are the expensive part: do them off the consensus thread. The mempool
  // is thread-safe and refuses duplicates and txs already committed.
  boost::asio::post(admission_pool_, [this, envelopes = std::move(envelopes)] {
    for (const Bytes& e : envelopes) {
      if (stopped_) return;
      mempool_.Submit(e);
    }
  });
}

}  // namespace shanliu::node
