// The consensus adapter (runner_consensus.h) and the ledger block's identity for the core.
#include "runner_consensus.h"

#include <boost/asio/post.hpp>
#include <cassert>

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

ConsensusAdapter::ConsensusAdapter(Parts parts, const RunnerConfig& config, crypto::KeyPair key)
    : parts_(std::move(parts)), config_(config), key_(std::move(key)) {
  assert(parts_.fatal && parts_.fetch_decision && parts_.validators_at);
}

ConsensusAdapter::~ConsensusAdapter() {
  Stop();
  *alive_ = false;  // posted inputs and timers still queued on the loop find the adapter gone
}

void ConsensusAdapter::Stop() { stopped_ = true; }

Status ConsensusAdapter::Open() {
  const ledger::Genesis& genesis = parts_.ledger.genesis();
  cs::Config config;
  config.chain_id = genesis.chain_id;
  config.validators = genesis.validators;
  // Room for a full block plus its protobuf framing.
  config.max_block_bytes = genesis.params.max_block_bytes + (1u << 20);
  const std::size_t max_block = config.max_block_bytes;
  config.block_hash = [max_block](ByteView bytes) { return LedgerBlockHash(bytes, max_block); };
  config.propose_timeout = config_.propose_timeout;
  config.prevote_timeout = config_.prevote_timeout;
  config.precommit_timeout = config_.precommit_timeout;
  config.create_empty_blocks = false;
  config.empty_block_interval_ms = config_.heartbeat_ms;
  max_message_bytes_ = cs::MaxMessageBytes(config);

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
    if (record->height > parts_.ledger.height()) wal_records_.emplace_back(record->height, raw);
    records.push_back(std::move(*record));
  }
  wal_ = std::move(*wal);
  auto core = cs::Core::Create(std::move(config), key_, records);
  if (!core.ok()) return core.status();
  core_.emplace(std::move(*core));
  LogEvent("info", "consensus_ready", {{"wal_records", records.size()}});
  // API threads signal; the core hears it on the io thread.
  parts_.mempool.AddTxsAvailableListener([this, alive = alive_] {
    if (!*alive) return;
    boost::asio::post(parts_.io, [this, alive] {
      if (*alive && !stopped_) OnTxsAvailable();
    });
  });
  return Status::Ok();
}

void ConsensusAdapter::Begin() {
  // Once the loop runs, so the core's first effects go through the same path as all others.
  boost::asio::post(parts_.io, [this, alive = alive_] {
    if (*alive && !stopped_) RestartAtStoreHeight();
  });
}

Result<std::vector<ledger::Validator>> ConsensusAdapter::SetAt(std::uint64_t height) {
  auto set = parts_.validators_at(height);
  if (!set.ok()) LogEvent("error", "validator_set_unavailable", {{"height", height}, {"error", set.status().ToString()}});
  return set;
}

std::optional<cs::Start> ConsensusAdapter::StartAt(std::uint64_t height) {
  auto at = SetAt(height);
  auto after = SetAt(height + 1);
  if (!at.ok() || !after.ok()) {
    parts_.fatal("validator_set", at.ok() ? after.status() : at.status());
    return std::nullopt;
  }
  return cs::Start{height, std::move(*at), std::move(*after)};
}

void ConsensusAdapter::RefreshAccepted(std::uint64_t core_height) {
  accepted_.clear();
  for (std::uint64_t h = core_height > 1 ? core_height - 1 : 1; h <= core_height + 1; ++h) {
    auto set = parts_.validators_at(h);
    if (!set.ok()) continue;  // not yet fixed: the next refresh has it
    for (const ledger::Validator& v : *set) accepted_.insert(v.public_key);
  }
  accepted_.erase(key_.public_key);
}

void ConsensusAdapter::OnMessage(const crypto::PublicKey& from, const std::string& bytes) {
  io_thread_.Check();
  // Only validators of the heights around the core's take part; the others' consensus traffic
  // (observers, a removed validator once its last height is behind) is dropped here.
  if (!accepted_.count(from) || stopped_) return;
  auto message = cs::DecodeMessage(AsBytes(bytes), max_message_bytes_);
  if (!message.ok()) {
    ++messages_rejected_;
    return;
  }
  // The authenticated sender goes with it, by key: the core finds its index at its height.
  Feed(cs::MessageReceived{std::move(*message), std::nullopt, from});
}

void ConsensusAdapter::GossipTick() { Feed(cs::GossipTick{}); }

void ConsensusAdapter::RestartAtStoreHeight() {
  const std::uint64_t height = parts_.ledger.height() + 1;
  if (auto start = StartAt(height)) {
    RefreshAccepted(height);
    Feed(std::move(*start));
  }
}

void ConsensusAdapter::AfterDecided(std::uint64_t height) {
  // set(height + 2) is fixed by the state at `height`, which is committed now (or block sync
  // went further, and a Start follows).
  auto set = SetAt(height + 2);
  RefreshAccepted(height + 1);
  if (set.ok()) Feed(cs::NextValidators{height + 2, std::move(*set)});
}

void ConsensusAdapter::FeedLater(cs::Event event) {
  boost::asio::post(parts_.io, [this, alive = alive_, event = std::move(event)]() mutable {
    if (*alive && !stopped_) Feed(std::move(event));
  });
}

void ConsensusAdapter::Feed(cs::Event event) {
  io_thread_.Check();
  if (stopped_ || !core_) return;
  cs::Output out = core_->Handle(std::move(event));
  out.refused.push_back(std::move(out.status));
  for (const Status& refused : out.refused) {
    if (refused.ok() || refused.code() == "duplicate" || refused.code() == "past_height") continue;
    LogEvent("debug", "consensus_input_refused", {{"error", refused.ToString()}});
    ++messages_rejected_;
  }
  std::optional<std::uint64_t> decided;
  for (cs::Effect& effect : out.effects) {
    if (stopped_) return;
    if (const auto* commit = std::get_if<cs::CommitBlock>(&effect)) decided = commit->height;
    Perform(effect);
  }
  const cs::Core::Snapshot now = core_->snapshot();
  round_ = now.round;
  votes_ = now.member;
  // Before any other input: the core is at decided + 1 and must know set(decided + 2) before it
  // can decide again.
  if (decided && !stopped_) AfterDecided(*decided);
}

void ConsensusAdapter::Perform(cs::Effect& effect) {
  if (auto* persist = std::get_if<cs::PersistWal>(&effect)) {
    Bytes record = cs::EncodeWalRecord(persist->record);
    if (Status s = wal_->Append(record); !s.ok()) return parts_.fatal("wal_append", s);
    wal_records_.emplace_back(persist->record.height, std::move(record));
  } else if (auto* broadcast = std::get_if<cs::Broadcast>(&effect)) {
    SendToValidators(broadcast->to, broadcast->message);
  } else if (auto* send = std::get_if<cs::SendTo>(&effect)) {
    SendToValidator(send->to_key, send->message);  // the vote relay's answer to a RoundStatus
  } else if (auto* timeout = std::get_if<cs::ScheduleTimeout>(&effect)) {
    ScheduleTimeout(*timeout);
  } else if (auto* build = std::get_if<cs::BuildProposal>(&effect)) {
    // The core asks only once txs are available, the heartbeat is due or a later round needs a
    // block: build at once (an empty block is right in the last two cases).
    if (parts_.ledger.height() + 1 == build->height) Build(build->height, build->round);
  } else if (auto* wait = std::get_if<cs::WaitForTxs>(&effect)) {
    waiting_for_txs_height_ = wait->height;
    // Txs left over from the last block (or that came while it committed) start the height now.
    if (parts_.mempool.size() > 0) OnTxsAvailable();
  } else if (auto* validate = std::get_if<cs::ValidateBlock>(&effect)) {
    Validate(*validate);
  } else if (auto* commit = std::get_if<cs::CommitBlock>(&effect)) {
    CommitDecided(*commit);
  } else if (auto* evidence = std::get_if<cs::RecordEvidence>(&effect)) {
    LogEvent("warn", "equivocation", {{"evidence", cs::Describe(cs::Effect(*evidence))}});
  } else if (auto* request = std::get_if<cs::RequestDecision>(&effect)) {
    RequestDecision(*request);
  }
}

namespace {
Bytes ConsensusFrame(const cs::Message& message) {
  pb::p2p::P2pFrame frame;
  const Bytes bytes = cs::EncodeMessage(message);
  frame.set_consensus(std::string(bytes.begin(), bytes.end()));
  return EncodeFrame(frame);
}
}  // namespace

// To the validators of the message's height and the next (the core names them): a validator
// joining at the next height is a configured peer already, and hears the height before it.
void ConsensusAdapter::SendToValidators(const std::vector<crypto::PublicKey>& to, const cs::Message& message) {
  const Bytes wire = ConsensusFrame(message);  // encoded once for all of them
  for (const crypto::PublicKey& key : to) {
    if (key != key_.public_key) parts_.peers.SendEncoded(key, wire);
  }
}

void ConsensusAdapter::SendToValidator(const crypto::PublicKey& to, const cs::Message& message) {
  if (to == key_.public_key) return;
  parts_.peers.SendEncoded(to, ConsensusFrame(message));
}

void ConsensusAdapter::ScheduleTimeout(const cs::ScheduleTimeout& timeout) {
  parts_.timers.After(timeout.duration_ms,
                      [this, alive = alive_, fired = cs::TimeoutFired{timeout.height, timeout.round, timeout.step}] {
                        if (*alive && !stopped_) Feed(fired);
                      });
}

void ConsensusAdapter::RequestDecision(const cs::RequestDecision& request) {
  std::vector<crypto::PublicKey> ahead;
  for (const crypto::PublicKey& key : request.ahead_keys) {
    if (key != key_.public_key) ahead.push_back(key);
  }
  parts_.fetch_decision(ahead, request.height);
}

void ConsensusAdapter::OnTxsAvailable() {
  io_thread_.Check();
  const std::uint64_t height = waiting_for_txs_height_;
  if (height == 0 || height != parts_.ledger.height() + 1) return;
  waiting_for_txs_height_ = 0;
  FeedLater(cs::TxsAvailable{height});
}

void ConsensusAdapter::Build(std::uint64_t height, std::uint32_t round) {
  // The core asks only a member that is the round's proposer: its index in this height's set.
  const std::uint32_t proposer_index = core_->snapshot().validator_index;
  ledger::BuildResult built = BuildNextBlock(parts_.ledger, parts_.mempool, parts_.clock.WallMs(), proposer_index);
  if (!built.rejected.empty()) {
    for (const ledger::RejectedTx& r : built.rejected) {
      LogEvent("info", "tx_rejected", {{"id", crypto::ToHex(r.id)}, {"error", r.status.ToString()}});
    }
    parts_.mempool.OnCommitted({}, built.rejected);
  }
  const std::string bytes = built.executed.block.SerializeAsString();
  const Hash256 hash = built.executed.hash;
  RememberExecuted(std::move(built.executed));
  FeedLater(cs::ProposalBuilt{height, round, Bytes(bytes.begin(), bytes.end()), hash});
}

void ConsensusAdapter::RememberExecuted(ledger::ExecutedBlock executed) {
  if (executed_.size() >= kMaxExecutedCache) executed_.erase(executed_.begin());
  const Hash256 hash = executed.hash;
  executed_[hash] = std::move(executed);
}

void ConsensusAdapter::Validate(const cs::ValidateBlock& request) {
  bool valid = false;
  if (executed_.count(request.block_hash)) {
    valid = true;
  } else if (parts_.ledger.height() + 1 == request.height) {
    if (auto executed = ExecuteForValidation(request)) {
      valid = true;
      RememberExecuted(std::move(*executed));
    }
  } else {
    return;  // not our height any more: the answer would be stale
  }
  FeedLater(cs::BlockValidated{request.height, request.block_hash, valid});
}

std::optional<ledger::ExecutedBlock> ConsensusAdapter::ExecuteForValidation(const cs::ValidateBlock& request) {
  pb::Block block;
  if (!block.ParseFromArray(request.block.data(), static_cast<int>(request.block.size()))) return std::nullopt;
  // Time is the one check that needs a clock, so it lives here and not in the ledger.
  if (block.header().time_ms() > parts_.clock.WallMs() + config_.max_clock_skew_ms) {
    LogEvent("warn", "proposal_from_the_future", {{"height", request.height}, {"time_ms", block.header().time_ms()}});
    return std::nullopt;
  }
  auto executed =
      parts_.ledger.ExecuteProposal(block, [this](const Hash256& h) { return parts_.mempool.SignatureVerified(h); });
  if (executed.ok() && executed->hash == request.block_hash) return std::move(*executed);
  LogEvent("warn", "proposal_invalid",
           {{"height", request.height}, {"error", executed.ok() ? "hash differs" : executed.status().ToString()}});
  return std::nullopt;
}

void ConsensusAdapter::CommitDecided(const cs::CommitBlock& decided) {
  ledger::Ledger& ledger = parts_.ledger;
  if (ledger.height() >= decided.height) return;  // block sync got there first
  if (ledger.height() + 1 != decided.height) {
    return parts_.fatal("commit", Status::Error("internal", "decided height " + std::to_string(decided.height) +
                                                                " does not follow the store's " +
                                                                std::to_string(ledger.height())));
  }
  auto cached = executed_.find(decided.block_hash);
  ledger::ExecutedBlock executed;
  if (cached != executed_.end()) {
    executed = std::move(cached->second);
  } else {
    pb::Block block;
    if (!block.ParseFromArray(decided.block.data(), static_cast<int>(decided.block.size()))) {
      return parts_.fatal("commit", Status::Error("internal", "decided block does not decode"));
    }
    auto result = ledger.ExecuteProposal(block, [this](const Hash256& h) { return parts_.mempool.SignatureVerified(h); });
    // More than 2/3 of the validators found this block valid; if we do not, our state diverged.
    if (!result.ok()) return parts_.fatal("execute_decided_block", result.status());
    executed = std::move(*result);
  }
  if (Status s = ledger.Commit(executed, decided.certificate); !s.ok()) return parts_.fatal("commit", s);
  ++blocks_committed_;
  parts_.commits.AfterCommit(executed, /*by_sync=*/false);
}

void ConsensusAdapter::Committed(std::uint64_t height) {
  io_thread_.Check();
  executed_.clear();
  if (wal_) CompactWal(height);
}

void ConsensusAdapter::CompactWal(std::uint64_t committed_height) {
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
  if (Status s = wal_->Rewrite(bytes); !s.ok()) return parts_.fatal("wal_rewrite", s);
  wal_records_ = std::move(kept);
}

}  // namespace shanliu::node
