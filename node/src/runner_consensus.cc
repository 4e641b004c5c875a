// The adapter side of the consensus core (docs/consensus.md, "the adapter's contract"):
// effects are performed in order, a WAL record is durable before anything after it, and
// every answer to the core is posted to the loop so it follows the effects that asked for it.
#include <boost/asio/post.hpp>

#include "runner_impl.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/merkle.h"
#include "shanliu/node/log.h"

namespace shanliu::node {

namespace cs = consensus;

Result<Hash256> LedgerBlockHash(ByteView block_bytes, std::size_t max_bytes) {
  if (block_bytes.size() > max_bytes) return Status::Error("oversize", "block is larger than the limit");
  pb::Block block;
  if (!block.ParseFromArray(block_bytes.data(), static_cast<int>(block_bytes.size()))) {
    return Status::Error("malformed", "block bytes are not a block");
  }
  // Other encodings of the same block would carry the same hash: only the canonical one is the
  // block. Unknown fields survive a parse and re-serialisation, so they are dropped first.
  block.DiscardUnknownFields();
  if (block.SerializeAsString() != std::string_view(reinterpret_cast<const char*>(block_bytes.data()),
                                                    block_bytes.size())) {
    return Status::Error("malformed", "block is not canonically encoded");
  }
  std::vector<Hash256> leaf_hashes;
  leaf_hashes.reserve(static_cast<std::size_t>(block.txs_size()));
  for (const std::string& tx : block.txs()) leaf_hashes.push_back(crypto::MerkleLeafHash(AsBytes(tx)));
  const Hash256 txs_root = crypto::MerkleRootOfLeafHashes(leaf_hashes);
  if (block.header().txs_root() != std::string_view(reinterpret_cast<const char*>(txs_root.data()), txs_root.size())) {
    return Status::Error("block_hash_mismatch", "txs root does not match the block's txs");
  }
  return ledger::BlockHash(block.header());
}

Status Runner::Impl::StartConsensus() {
  cs::Config config;
  config.chain_id = genesis_.chain_id;
  config.validators = genesis_.validators;
  // Room for a full block plus its protobuf framing.
  config.max_block_bytes = genesis_.params.max_block_bytes + (1u << 20);
  const std::size_t max_block = config.max_block_bytes;
  config.block_hash = [max_block](ByteView bytes) { return LedgerBlockHash(bytes, max_block); };
  config.propose_timeout = config_.propose_timeout;
  config.prevote_timeout = config_.prevote_timeout;
  config.precommit_timeout = config_.precommit_timeout;
  config.create_empty_blocks = false;
  config.empty_block_interval_ms = config_.heartbeat_ms;
  max_consensus_bytes_ = cs::MaxMessageBytes(config);

  WalReplay replay;
  auto wal = Wal::Open(config_.wal_path, &replay);
  if (!wal.ok()) return wal.status();
  if (replay.torn_tail_bytes > 0) {
    LogEvent("warn", "wal_torn_tail_dropped", {{"bytes", replay.torn_tail_bytes}});
  }
  std::vector<cs::WalRecord> records;
  for (const Bytes& raw : replay.records) {
    auto record = cs::DecodeWalRecord(raw);
    if (!record.ok()) return record.status();
    if (record->height > ledger_.height()) wal_records_.emplace_back(record->height, raw);
    records.push_back(std::move(*record));
  }
  wal_ = std::move(*wal);
  auto core = cs::Core::Create(std::move(config), key_, records);
  if (!core.ok()) return core.status();
  core_.emplace(std::move(*core));
  LogEvent("info", "consensus_ready", {{"validator_index", validator_index_}, {"wal_records", records.size()}});
  return Status::Ok();
}

void Runner::Impl::FeedLater(cs::Event event) {
  boost::asio::post(io_, [this, event = std::move(event)]() mutable {
    if (!stopped_) Feed(std::move(event));
  });
}

void Runner::Impl::Feed(cs::Event event) {
  if (stopped_ || !core_) return;
  cs::Output out = core_->Handle(std::move(event));
  if (!out.status.ok() && out.status.code() != "duplicate" && out.status.code() != "past_height") {
    LogEvent("debug", "consensus_input_refused", {{"error", out.status.ToString()}});
    std::lock_guard lock(stats_mutex_);
    ++stats_.messages_rejected;
  }
  for (cs::Effect& effect : out.effects) {
    if (stopped_) return;
    Perform(effect);
  }
  const auto snap = core_->snapshot();
  std::lock_guard lock(stats_mutex_);
  stats_.round = snap.round;
}

void Runner::Impl::Perform(cs::Effect& effect) {
  if (auto* persist = std::get_if<cs::PersistWal>(&effect)) {
    Bytes record = cs::EncodeWalRecord(persist->record);
    if (Status s = wal_->Append(record); !s.ok()) return Fatal("wal_append", s);
    wal_records_.emplace_back(persist->record.height, std::move(record));
  } else if (auto* broadcast = std::get_if<cs::Broadcast>(&effect)) {
    pb::p2p::P2pFrame frame;
    const Bytes bytes = cs::EncodeMessage(broadcast->message);
    frame.set_consensus(std::string(bytes.begin(), bytes.end()));
    const std::string encoded = frame.SerializeAsString();
    const Bytes wire(encoded.begin(), encoded.end());
    for (std::size_t i = 0; i < validator_keys_.size(); ++i) {
      if (i != validator_index_) transport_->Send(validator_keys_[i], wire);
    }
  } else if (auto* send = std::get_if<cs::SendTo>(&effect)) {
    // The vote relay's answer to one validator's RoundStatus.
    if (send->validator >= validator_keys_.size() || send->validator == validator_index_) return;
    pb::p2p::P2pFrame frame;
    const Bytes bytes = cs::EncodeMessage(send->message);
    frame.set_consensus(std::string(bytes.begin(), bytes.end()));
    Send(validator_keys_[send->validator], frame);
  } else if (auto* timeout = std::get_if<cs::ScheduleTimeout>(&effect)) {
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(timeout->duration_ms));
    timer->async_wait([this, timer, fired = cs::TimeoutFired{timeout->height, timeout->round, timeout->step}](
                          const boost::system::error_code& ec) {
      if (!ec && !stopped_) Feed(fired);
    });
  } else if (auto* build = std::get_if<cs::BuildProposal>(&effect)) {
    // The core asks only once txs are available, the heartbeat is due or a later round needs a
    // block: build at once (an empty block is right in the last two cases).
    if (ledger_.height() + 1 == build->height) Build(build->height, build->round);
  } else if (auto* wait = std::get_if<cs::WaitForTxs>(&effect)) {
    waiting_for_txs_height_ = wait->height;
    // Txs left over from the last block (or that came while it committed) start the height now.
    if (mempool_.size() > 0) OnTxsAvailable();
  } else if (auto* validate = std::get_if<cs::ValidateBlock>(&effect)) {
    Validate(*validate);
  } else if (auto* commit = std::get_if<cs::CommitBlock>(&effect)) {
    CommitDecided(*commit);
  } else if (auto* evidence = std::get_if<cs::RecordEvidence>(&effect)) {
    LogEvent("warn", "equivocation", {{"evidence", cs::Describe(cs::Effect(*evidence))}});
  } else if (auto* request = std::get_if<cs::RequestDecision>(&effect)) {
    // Ask up to two of the validators known to be ahead (any peer if none is named).
    std::size_t asked = 0;
    for (std::uint32_t index : request->ahead) {
      if (index >= validator_keys_.size() || index == validator_index_) continue;
      RequestBlocks(validator_keys_[index], request->height, config_.sync_blocks_per_request);
      if (++asked == 2) break;
    }
    if (asked == 0) MaybeSync();
  }
}

void Runner::Impl::OnTxsAvailable() {
  const std::uint64_t height = waiting_for_txs_height_;
  if (height == 0 || height != ledger_.height() + 1) return;
  waiting_for_txs_height_ = 0;
  FeedLater(cs::TxsAvailable{height});
}

void Runner::Impl::Build(std::uint64_t height, std::uint32_t round) {
  ledger::BuildResult built = BuildNextBlock(ledger_, mempool_, WallClockMs(), validator_index_);
  if (!built.rejected.empty()) {
    for (const ledger::RejectedTx& r : built.rejected) {
      LogEvent("info", "tx_rejected", {{"id", crypto::ToHex(r.id)}, {"error", r.status.ToString()}});
    }
    mempool_.OnCommitted({}, built.rejected);
  }
  const std::string bytes = built.executed.block.SerializeAsString();
  const Hash256 hash = built.executed.hash;
  RememberExecuted(std::move(built.executed));
  FeedLater(cs::ProposalBuilt{height, round, Bytes(bytes.begin(), bytes.end()), hash});
}

void Runner::Impl::RememberExecuted(ledger::ExecutedBlock executed) {
  if (executed_.size() >= kMaxExecutedCache) executed_.erase(executed_.begin());
  const Hash256 hash = executed.hash;
  executed_[hash] = std::move(executed);
}

void Runner::Impl::Validate(const cs::ValidateBlock& request) {
  bool valid = false;
  if (executed_.count(request.block_hash)) {
    valid = true;
  } else if (ledger_.height() + 1 == request.height) {
    pb::Block block;
    if (block.ParseFromArray(request.block.data(), static_cast<int>(request.block.size()))) {
      // Time is the one check that needs a clock, so it lives here and not in the ledger.
      if (block.header().time_ms() > WallClockMs() + config_.max_clock_skew_ms) {
        LogEvent("warn", "proposal_from_the_future", {{"height", request.height}, {"time_ms", block.header().time_ms()}});
      } else {
        auto executed =
            ledger_.ExecuteProposal(block, [this](const Hash256& h) { return mempool_.SignatureVerified(h); });
        if (executed.ok() && executed->hash == request.block_hash) {
          valid = true;
          RememberExecuted(std::move(*executed));
        } else {
          LogEvent("warn", "proposal_invalid",
                   {{"height", request.height},
                    {"error", executed.ok() ? "hash differs" : executed.status().ToString()}});
        }
      }
    }
  } else {
    return;  // not our height any more: the answer would be stale
  }
  FeedLater(cs::BlockValidated{request.height, request.block_hash, valid});
}

void Runner::Impl::CommitDecided(const cs::CommitBlock& decided) {
  if (ledger_.height() >= decided.height) return;  // block sync got there first
  if (ledger_.height() + 1 != decided.height) {
    return Fatal("commit", Status::Error("internal", "decided height " + std::to_string(decided.height) +
                                                         " does not follow the store's " +
                                                         std::to_string(ledger_.height())));
  }
  auto cached = executed_.find(decided.block_hash);
  ledger::ExecutedBlock executed;
  if (cached != executed_.end()) {
    executed = std::move(cached->second);
  } else {
    pb::Block block;
    if (!block.ParseFromArray(decided.block.data(), static_cast<int>(decided.block.size()))) {
      return Fatal("commit", Status::Error("internal", "decided block does not decode"));
    }
    auto result = ledger_.ExecuteProposal(block, [this](const Hash256& h) { return mempool_.SignatureVerified(h); });
    // More than 2/3 of the validators found this block valid; if we do not, our state diverged.
    if (!result.ok()) return Fatal("execute_decided_block", result.status());
    executed = std::move(*result);
  }
  if (Status s = ledger_.Commit(executed, decided.certificate); !s.ok()) return Fatal("commit", s);
  {
    std::lock_guard lock(stats_mutex_);
    ++stats_.blocks_committed_by_consensus;
  }
  AfterCommit(executed, /*by_sync=*/false);
}

void Runner::Impl::AfterCommit(const ledger::ExecutedBlock& executed, bool by_sync) {
  const std::uint64_t height = executed.block.header().height();
  executed_.clear();
  if (wal_) CompactWal(height);
  {
    std::lock_guard lock(stats_mutex_);
    stats_.height = height;
  }
  LogEvent(by_sync ? "debug" : "info", by_sync ? "block_synced" : "block_committed",
           {{"height", height},
            {"txs", executed.block.txs_size()},
            {"hash", crypto::ToHex(executed.hash)},
            {"mempool", mempool_.size()}});
  // The mempool, checkpoints, the head announcement and the API hear of it from the owner's
  // fan-out, in its fixed order.
  static const std::vector<ledger::RejectedTx> kNoneRejected;
  if (on_commit_) on_commit_(CommittedBlock{executed, kNoneRejected, by_sync});
}

void Runner::Impl::CompactWal(std::uint64_t committed_height) {
  // Rewriting costs a file per commit; do it once the committed records dominate.
  std::size_t old_records = 0;
  for (const auto& [h, _] : wal_records_) old_records += h <= committed_height ? 1 : 0;
  if (old_records < 64) return;
  std::deque<std::pair<std::uint64_t, Bytes>> kept;
  std::vector<Bytes> bytes;
  for (auto& [h, record] : wal_records_) {
    if (h > committed_height) {
      bytes.push_back(record);
      kept.emplace_back(h, std::move(record));
    }
  }
  if (Status s = wal_->Rewrite(bytes); !s.ok()) return Fatal("wal_rewrite", s);
  wal_records_ = std::move(kept);
}

}  // namespace shanliu::node
