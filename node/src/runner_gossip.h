// Mempool gossip, one part of the runner (runner_impl.h): txs a client submitted to this node
// are passed to every peer in batches, and peers' batches are admitted to the mempool.
//
// Thread rule: Queue and the counters are thread-safe (API threads call Queue); Start, Stop and
// OnBatch run on the io thread, which the first of them records and the rest assert. Peer
// batches are admitted on a thread of their own: signature checks are the heavy part.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <atomic>
#include <cassert>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "shanliu/node/log.h"

#include "shanliu/bytes.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/node/clock.h"
#include "shanliu/node/mempool.h"
#include "shanliu/node/thread_rule.h"
#include "shanliu/pb/p2p.pb.h"

namespace shanliu::node {

class TxGossip {
 public:
  struct Limits {
    std::uint32_t interval_ms = 20;       // admitted txs are passed on in batches this often
    std::size_t max_batch_txs = 2000;
    std::size_t max_queue_txs = 50'000;   // beyond this, new txs are not gossiped (peers still get blocks)
    // 0: never. Else every this often the mempool's pending txs (one batch's worth, oldest first)
    // are passed on again. For nodes that never propose (observers): a batch sent while no
    // validator was connected, or only to a validator that then lost its memory, is otherwise
    // pending on them for good (the chaos testnet found txs acked by a just-restarted observer
    // never committed). Validators need none: their own proposals carry their pending txs.
    std::uint32_t rebroadcast_ms = 0;
  };
  using SendToAll = std::function<void(const pb::p2p::P2pFrame& frame)>;

  // `timers` paces the batches (the runner's: io_context timers, or a test's ManualTimers).
  TxGossip(Timers& timers, Limits limits, Mempool& mempool, SendToAll send_to_all);
  ~TxGossip();
  TxGossip(const TxGossip&) = delete;
  TxGossip& operator=(const TxGossip&) = delete;

  void Start();  // io thread (or before io.run())
  // One gossip interval: the queued txs go out, and pending ones again when rebroadcast_ms has
  // passed (counted in ticks, so no clock). The timer calls it; tests call it to step. io thread.
  void Tick();
  void Stop();   // any thread, once the io loop no longer runs this component's handlers
  void Queue(std::vector<Bytes> envelopes);  // thread-safe
  // A peer's batch; false (and nothing admitted) when it is over the batch limit. io thread.
  bool OnBatch(const crypto::PublicKey& from, const pb::p2p::TxBatch& batch);
  // Where gossiped txs' signatures are checked (the node's shared pool). Set before Start.
  void SetVerifyPool(ledger::VerifyPool* pool) { verify_pool_ = pool; }

  std::uint64_t gossiped_out() const { return gossiped_out_; }
  std::uint64_t gossiped_in() const { return gossiped_in_; }
  std::uint64_t rebroadcast() const { return rebroadcast_; }

 private:
  void Arm();
  void Flush();
  void Send(const std::vector<Bytes>& envelopes);  // in batches within the limits
  void MaybeRebroadcast();

  const Limits limits_;
  Mempool& mempool_;
  ledger::VerifyPool* verify_pool_ = nullptr;  // null: the admission thread verifies alone
  const SendToAll send_to_all_;
  Timers& timers_;
  std::atomic<bool> stopped_{false};
  // The pacing callback checks it first: it may run after this object is gone.
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
  ThreadRule io_thread_;

  std::mutex queue_mutex_;
  std::vector<Bytes> queue_;  // guarded by queue_mutex_
  boost::asio::thread_pool admission_pool_{1};
  std::atomic<std::uint64_t> gossiped_out_{0};
  std::atomic<std::uint64_t> gossiped_in_{0};
  std::atomic<std::uint64_t> rebroadcast_{0};
  std::uint64_t since_rebroadcast_ms_ = 0;  // io thread
  LogLimiter log_limiter_{/*burst=*/5, /*refill_ms=*/10'000};  // per peer: oversized batches
};

}  // namespace shanliu::node
