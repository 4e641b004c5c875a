// Mempool gossip: txs a client submitted to this node are passed to every peer in batches.
// Every node is connected to every other (the peer set is the whole network), so a tx is
// passed on once, by the node that admitted it from a client; peers do not pass it further.
#include "runner_gossip.h"

#include <boost/asio/post.hpp>
#include <cassert>

#include "shanliu/crypto/codec.h"
#include "shanliu/node/log.h"

namespace shanliu::node {

namespace {
constexpr std::size_t kMaxGossipBatchBytes = 8u << 20;
}  // namespace

TxGossip::TxGossip(Timers& timers, Limits limits, Mempool& mempool, SendToAll send_to_all)
    : limits_(limits), mempool_(mempool), send_to_all_(std::move(send_to_all)), timers_(timers) {
  assert(send_to_all_ && limits_.interval_ms > 0 && limits_.max_batch_txs > 0);
}

TxGossip::~TxGossip() {
  Stop();
  *alive_ = false;
}

void TxGossip::Start() {
  Arm();
}

void TxGossip::Stop() {
  if (stopped_.exchange(true)) return;
  admission_pool_.join();
}

void TxGossip::Queue(std::vector<Bytes> envelopes) {
  std::lock_guard lock(queue_mutex_);
  for (Bytes& e : envelopes) {
    if (queue_.size() >= limits_.max_queue_txs) break;  // peers still get them in blocks
    queue_.push_back(std::move(e));
  }
}

void TxGossip::Arm() {
  if (stopped_) return;
  timers_.After(limits_.interval_ms, [this, alive = alive_] {
    if (!*alive || stopped_) return;
    Tick();
    Arm();
  });
}

void TxGossip::Tick() {
  io_thread_.Check();
  Flush();
  MaybeRebroadcast();
}

void TxGossip::MaybeRebroadcast() {
  if (limits_.rebroadcast_ms == 0) return;
  since_rebroadcast_ms_ += limits_.interval_ms;
  if (since_rebroadcast_ms_ < limits_.rebroadcast_ms) return;
  since_rebroadcast_ms_ = 0;
  std::vector<Bytes> pending;
  for (ledger::DecodedTx& tx : mempool_.Candidates(limits_.max_batch_txs, kMaxGossipBatchBytes)) {
    pending.push_back(std::move(tx.envelope));
  }
  if (pending.empty()) return;
  Send(pending);
  rebroadcast_ += pending.size();
}

void TxGossip::Flush() {
  std::vector<Bytes> queue;
  {
    std::lock_guard lock(queue_mutex_);
    queue.swap(queue_);
  }
  if (queue.empty()) return;
  Send(queue);
  gossiped_out_ += queue.size();
}

void TxGossip::Send(const std::vector<Bytes>& queue) {
  std::size_t i = 0;
  while (i < queue.size()) {
    pb::p2p::P2pFrame frame;
    std::size_t bytes = 0;
    while (i < queue.size() && static_cast<std::size_t>(frame.txs().envelopes_size()) < limits_.max_batch_txs &&
           bytes + queue[i].size() <= kMaxGossipBatchBytes) {
      bytes += queue[i].size();
      frame.mutable_txs()->add_envelopes(std::string(queue[i].begin(), queue[i].end()));
      ++i;
    }
    if (frame.txs().envelopes_size() == 0) {
      ++i;  // a single envelope over the batch limit cannot exist (the mempool bounds tx size); skip it
      continue;
    }
    send_to_all_(frame);
  }
}

bool TxGossip::OnBatch(const crypto::PublicKey& from, const pb::p2p::TxBatch& batch) {
  io_thread_.Check();
  if (stopped_) return true;
  if (static_cast<std::size_t>(batch.envelopes_size()) > limits_.max_batch_txs) {
    nlohmann::json fields = {{"peer", crypto::ToHex(from)}, {"txs", batch.envelopes_size()}};
    if (log_limiter_.Allow(crypto::ToHex(from), SteadyNowMs(), fields)) LogEvent("warn", "gossip_batch_too_large", fields);
    return false;
  }
  std::vector<Bytes> envelopes;
  envelopes.reserve(static_cast<std::size_t>(batch.envelopes_size()));
  for (const std::string& e : batch.envelopes()) envelopes.emplace_back(e.begin(), e.end());
  gossiped_in_ += envelopes.size();
  // Signature checks are the expensive part: do them off the consensus thread. The mempool
  // is thread-safe and refuses duplicates and txs already committed.
  boost::asio::post(admission_pool_, [this, envelopes = std::move(envelopes)] {
    if (!stopped_) mempool_.SubmitBatch(envelopes, verify_pool_);
  });
  return true;
}

}  // namespace shanliu::node
