// Block production for a chain whose genesis names exactly one validator: this node.
// With one validator the BFT protocol decides trivially (its own precommit is more than
// 2/3 of the power), so the node builds, executes, signs the 1-of-1 commit certificate and
// commits each block itself. Multi-validator chains run the consensus core instead.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>

#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/node/mempool.h"

namespace shanliu::node {

class SoloProducer {
 public:
  using OnCommit = std::function<void(const ledger::ExecutedBlock&)>;

  SoloProducer(boost::asio::io_context& io, ledger::Ledger& ledger, Mempool& mempool, crypto::KeyPair key,
               std::uint32_t interval_ms, OnCommit on_commit);
  void Start();
  void Stop();

  // One production step (public for tests): builds and commits a block if txs are pending.
  // Returns false only on a storage failure, after which the node must stop.
  bool ProduceOnce();

 private:
  void Arm();

  boost::asio::io_context& io_;
  boost::asio::steady_timer timer_;
  ledger::Ledger& ledger_;
  Mempool& mempool_;
  crypto::KeyPair key_;
  std::uint32_t validator_index_;
  std::uint32_t interval_ms_;
  OnCommit on_commit_;
  bool stopped_ = false;
};

}  // namespace shanliu::node
