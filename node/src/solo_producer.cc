#include "shanliu/node/solo_producer.h"

#include <cassert>
#include <chrono>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/block.h"
#include "shanliu/node/log.h"

namespace shanliu::node {
namespace {

std::uint64_t NowMs() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

}  // namespace

SoloProducer::SoloProducer(boost::asio::io_context& io, ledger::Ledger& ledger, Mempool& mempool,
                           crypto::KeyPair key, std::uint32_t interval_ms, OnCommit on_commit)
    : io_(io), timer_(io), ledger_(ledger), mempool_(mempool), key_(std::move(key)), interval_ms_(interval_ms),
      on_commit_(std::move(on_commit)) {
  const int index = ledger_.genesis().ValidatorIndex(key_.public_key);
  assert(index == 0 && ledger_.genesis().validators.size() == 1);
  validator_index_ = static_cast<std::uint32_t>(index);
}

void SoloProducer::Start() {
  stopped_ = false;
  Arm();
}

void SoloProducer::Stop() {
  stopped_ = true;
  timer_.cancel();
}

void SoloProducer::Arm() {
  if (stopped_) return;
  // With a full block's worth pending, waiting would only cap throughput at one block per interval.
  const bool backlog = mempool_.size() >= ledger_.genesis().params.max_block_txs;
  timer_.expires_after(std::chrono::milliseconds(backlog ? 0 : interval_ms_));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    if (!ProduceOnce()) {
      stopped_ = true;
      io_.stop();  // a node that cannot store blocks must not keep serving
      return;
    }
    Arm();
  });
}

bool SoloProducer::ProduceOnce() {
  const ledger::Genesis& genesis = ledger_.genesis();
  std::vector<ledger::DecodedTx> candidates =
      mempool_.Candidates(genesis.params.max_block_txs, genesis.params.max_block_bytes);
  if (candidates.empty()) return true;
  ledger::BuildResult built = ledger_.BuildBlock(candidates, NowMs(), validator_index_);
  for (const ledger::RejectedTx& r : built.rejected) {
    LogEvent("info", "tx_rejected", {{"id", crypto::ToHex(r.id)}, {"error", r.status.ToString()}});
  }
  if (built.executed.block.txs_size() == 0) {
    mempool_.OnCommitted({}, built.rejected);
    return true;
  }
  const pb::BlockHeader& header = built.executed.block.header();
  const pb::CommitCertificate commit = ledger::MakeCommitCertificate(
      header.height(), /*round=*/0, built.executed.hash,
      {ledger::SignPrecommit(genesis.chain_id, header.height(), 0, built.executed.hash, validator_index_,
                             key_.secret_key)});
  Status st = ledger_.Commit(built.executed, commit);
  if (!st.ok()) {
    LogEvent("error", "commit_failed", {{"height", header.height()}, {"error", st.ToString()}});
    return false;
  }
  mempool_.OnCommitted(built.executed.tx_ids, built.rejected);
  LogEvent("info", "block_committed",
           {{"height", header.height()}, {"txs", built.executed.block.txs_size()},
            {"hash", crypto::ToHex(built.executed.hash)}, {"mempool", mempool_.size()}});
  if (on_commit_) on_commit_(built.executed);
  return true;
}

}  // namespace shanliu::node
