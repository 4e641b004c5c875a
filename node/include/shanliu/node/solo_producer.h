// Block production for a chain whose genesis names exactly one validator: this node.
// With one validator the BFT protocol decides trivially (its own precommit is more than
// 2/3 of the power), so the node builds, executes, signs the 1-of-1 commit certificate and
// commits each block itself. Multi-validator chains run the consensus core instead.
//
// Event-driven: the mempool's txs-available signal wakes the producer (no polling). A block is
// cut at once when the chain was idle, then at most one per min_interval_ms while txs keep
// coming (at once again whenever a full block's worth is pending). With nothing pending no
// block is made, except one empty heartbeat block per heartbeat_ms (DESIGN 7). All on the io
// thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/node/mempool.h"
#include "shanliu/node/node.h"

namespace shanliu::node {

struct ProducerTiming {
  std::uint32_t min_interval_ms = 300;
  std::uint32_t heartbeat_ms = 60'000;
};

// When the next block is due, from what is pending and how long ago the last block was made.
// Pure, so the policy is tested without clocks.
struct NextBlock {
  std::uint64_t delay_ms = 0;
  bool heartbeat = false;  // nothing pending: an empty block when it comes due
};
NextBlock PlanNextBlock(std::size_t pending_txs, std::size_t max_block_txs, std::uint64_t since_last_block_ms,
                        const ProducerTiming& timing);

class SoloProducer {
 public:
  // The owner's fan-out (node.h): it also clears the block's txs from the mempool.
  using OnCommit = std::function<void(const CommittedBlock& block)>;

  // `clock` stamps block times; it must outlive the producer.
  SoloProducer(boost::asio::io_context& io, ledger::Ledger& ledger, Mempool& mempool, crypto::KeyPair key,
               ProducerTiming timing, OnCommit on_commit, const Clock& clock = SystemClock());
  ~SoloProducer();
  void Start();
  void Stop();

  // One production step (public for tests): builds and commits a block if txs are pending, or
  // an empty one if `heartbeat`. Returns false only on a storage failure, after which the node
  // must stop.
  bool ProduceOnce(bool heartbeat = false);
  // Why the producer stopped the node, if it did (a failed commit). io thread.
  const std::optional<Status>& fatal() const { return fatal_; }

 private:
  void Schedule();  // (re)arms the timer for the next block; io thread

  boost::asio::io_context& io_;
  boost::asio::steady_timer timer_;
  ledger::Ledger& ledger_;
  Mempool& mempool_;
  crypto::KeyPair key_;
  std::uint32_t validator_index_;
  const ProducerTiming timing_;
  OnCommit on_commit_;
  const Clock& clock_;
  std::chrono::steady_clock::time_point last_block_at_;
  bool listening_ = false;
  std::optional<Status> fatal_;
  // Shared with the mempool's listener, which may outlive a stopped producer by a posted task.
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace shanliu::node
