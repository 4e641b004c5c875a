#include "shanliu/node/solo_producer.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cassert>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/block.h"
#include "shanliu/node/log.h"

namespace shanliu::node {
namespace {


}  // namespace

NextBlock PlanNextBlock(std::size_t pending_txs, std::size_t max_block_txs, std::uint64_t since_last_block_ms,
                        const ProducerTiming& timing) {
  if (pending_txs == 0) {
    const std::uint64_t beat = timing.heartbeat_ms;
    return {since_last_block_ms >= beat ? 0 : beat - since_last_block_ms, true};
  }
  // A full block's worth pending: waiting would only cap throughput at one block per interval.
  if (pending_txs >= max_block_txs) return {0, false};
  // Otherwise batch what trickles in, but never hold the first tx after an idle spell.
  const std::uint64_t gap = timing.min_interval_ms;
  return {since_last_block_ms >= gap ? 0 : gap - since_last_block_ms, false};
}

SoloProducer::SoloProducer(boost::asio::io_context& io, ledger::Ledger& ledger, Mempool& mempool,
                           crypto::KeyPair key, ProducerTiming timing, OnCommit on_commit, const Clock& clock)
    : io_(io), timer_(io), ledger_(ledger), mempool_(mempool), key_(std::move(key)), timing_(timing),
      on_commit_(std::move(on_commit)), clock_(clock) {
  const int index = ledger_.genesis().ValidatorIndex(key_.public_key);
  assert(index == 0 && ledger_.genesis().validators.size() == 1);
  assert(timing_.heartbeat_ms > 0);
  validator_index_ = static_cast<std::uint32_t>(index);
}

SoloProducer::~SoloProducer() { Stop(); }

void SoloProducer::Start() {
  *alive_ = true;
  last_block_at_ = std::chrono::steady_clock::now();
  // The listener runs on API threads: it only posts a re-plan to the io thread. Added once, so
  // a producer restarted after Stop does not hear each signal twice.
  if (listening_) return Schedule();
  listening_ = true;
  mempool_.AddTxsAvailableListener([&io = io_, alive = alive_, this] {
    if (!*alive) return;
    boost::asio::post(io, [alive, this] {
      if (*alive) Schedule();
    });
  });
  Schedule();
}

void SoloProducer::Stop() {
  *alive_ = false;
  timer_.cancel();
}

void SoloProducer::Schedule() {
  if (!*alive_) return;
  const auto since = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                           last_block_at_);
  const NextBlock next = PlanNextBlock(mempool_.size(), ledger_.genesis().params.max_block_txs,
                                       static_cast<std::uint64_t>(std::max<std::int64_t>(0, since.count())), timing_);
  // Re-arming cancels the wait in progress: its handler sees operation_aborted and returns.
  timer_.expires_after(std::chrono::milliseconds(next.delay_ms));
  timer_.async_wait([this, heartbeat = next.heartbeat](const boost::system::error_code& ec) {
    if (ec || !*alive_) return;
    if (!ProduceOnce(heartbeat && mempool_.size() == 0)) {
      *alive_ = false;
      io_.stop();  // a node that cannot store blocks must not keep serving
      return;
    }
    Schedule();
  });
}

bool SoloProducer::ProduceOnce(bool heartbeat) {
  const ledger::Genesis& genesis = ledger_.genesis();
  if (mempool_.size() == 0 && !heartbeat) return true;
  ledger::BuildResult built = BuildNextBlock(ledger_, mempool_, clock_.WallMs(), validator_index_);
  for (const ledger::RejectedTx& r : built.rejected) {
    LogEvent("info", "tx_rejected", {{"id", crypto::ToHex(r.id)}, {"error", r.status.ToString()}});
  }
  if (built.executed.block.txs_size() == 0 && !heartbeat) {
    // Every candidate was refused: no block, but the pool learns why.
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
    LogEvent("error", "node_fatal", {{"step", "commit"}, {"height", header.height()}, {"error", st.ToString()}});
    fatal_ = st;
    return false;
  }
  last_block_at_ = std::chrono::steady_clock::now();
  LogEvent("info", "block_committed",
           {{"height", header.height()}, {"txs", built.executed.block.txs_size()},
            {"hash", crypto::ToHex(built.executed.hash)}, {"mempool", mempool_.size()},
            {"heartbeat", built.executed.block.txs_size() == 0}});
  if (on_commit_) {
    on_commit_(CommittedBlock{built.executed, built.rejected, /*by_sync=*/false});
  } else {
    mempool_.OnCommitted(built.executed.tx_ids, built.rejected);  // no owner: keep the pool consistent
  }
  return true;
}

}  // namespace shanliu::node
