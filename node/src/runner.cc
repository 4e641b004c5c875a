#include "shanliu/node/runner.h"

#include <boost/asio/post.hpp>
#include <cstring>

#include "runner_impl.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/node/log.h"

namespace shanliu::node {


Runner::Runner(boost::asio::io_context& io, RunnerConfig config, p2p::TransportConfig transport, crypto::KeyPair key,
               ledger::Ledger& ledger, Mempool& mempool, OnCommit on_commit,
               ledger::CheckpointCollector* checkpoints)
    : impl_(std::make_unique<Impl>(io, std::move(config), std::move(transport), std::move(key), ledger, mempool,
                                   std::move(on_commit), checkpoints)) {}
Runner::~Runner() { impl_->Stop(); }
Status Runner::Start() { return impl_->Start(); }
void Runner::Stop() { impl_->Stop(); }
void Runner::AnnounceHead() { impl_->SendHead(); }
void Runner::ShareCosignature(std::uint64_t log_size, const Hash256& log_root, const ledger::Cosignature& c) {
  pb::p2p::P2pFrame frame;
  auto* m = frame.mutable_cosignature();
  m->set_log_size(log_size);
  m->set_log_root(std::string(log_root.begin(), log_root.end()));
  m->set_validator_index(c.validator_index);
  m->set_timestamp_s(c.timestamp_s);
  m->set_signature(std::string(c.signature.begin(), c.signature.end()));
  impl_->SendToAll(frame);
  // Kept for peers that connect later: they get a checkpoint without waiting for a block.
  impl_->last_own_cosignature_ = std::move(frame);
}
void Runner::Gossip(std::vector<Bytes> envelopes) { impl_->Gossip(std::move(envelopes)); }
Runner::Stats Runner::stats() const { return impl_->stats(); }
std::optional<Status> Runner::fatal() const { return impl_->fatal_; }

// Whether Start will run consensus as a validator (the same test as Start's): such a node
// carries its own pending txs into its proposals and needs no rebroadcast.
static bool ProposesBlocks(const RunnerConfig& config, const ledger::Ledger& ledger, const crypto::KeyPair& key) {
  return !config.observer && ledger.genesis().ValidatorIndex(key.public_key) >= 0 &&
         ledger.genesis().validators.size() > 1;
}

Runner::Impl::Impl(boost::asio::io_context& io, RunnerConfig config, p2p::TransportConfig transport,
                   crypto::KeyPair key, ledger::Ledger& ledger, Mempool& mempool, OnCommit on_commit,
                   ledger::CheckpointCollector* checkpoints)
    : io_(io),
      config_(std::move(config)),
      transport_config_(std::move(transport)),
      key_(std::move(key)),
      ledger_(ledger),
      mempool_(mempool),
      on_commit_(std::move(on_commit)),
      genesis_(ledger.genesis()),
      checkpoints_(checkpoints),
      status_timer_(io),
      sync_(BlockSync::Limits{.blocks_per_request = config_.sync_blocks_per_request,
                              .request_timeout_ms = config_.sync_request_timeout_ms}),
      gossip_(io,
              TxGossip::Limits{config_.gossip_interval_ms, config_.max_gossip_batch_txs, config_.max_gossip_queue_txs,
                               ProposesBlocks(config_, ledger, key_) ? 0 : config_.gossip_rebroadcast_ms},
              mempool, [this](const pb::p2p::P2pFrame& frame) { SendToAll(frame); }),
      own_verify_pool_(config_.verify_pool ? nullptr : std::make_unique<ledger::VerifyPool>()),
      verify_pool_(config_.verify_pool ? *config_.verify_pool : *own_verify_pool_) {
  gossip_.SetVerifyPool(&verify_pool_);
  for (const ledger::Validator& v : genesis_.validators) validator_keys_.push_back(v.public_key);
}

Status Runner::Impl::Start() {
  const int index = genesis_.ValidatorIndex(key_.public_key);
  if (!config_.observer && index >= 0 && genesis_.validators.size() > 1) {
    validator_index_ = static_cast<std::uint32_t>(index);
    SHANLIU_RETURN_IF_ERROR(StartConsensus());
    // API threads signal; the core hears it on the io thread. The mempool keeps the listener
    // after the runner is gone, so it checks a shared flag before touching the runner.
    mempool_.AddTxsAvailableListener([this, alive = alive_] {
      if (!*alive) return;
      boost::asio::post(io_, [this, alive] {
        if (*alive && !stopped_) OnTxsAvailable();
      });
    });
  }
  transport_config_.identity = key_;
  transport_config_.chain_id = genesis_.chain_id;
  transport_ = std::make_unique<p2p::Transport>(
      io_, transport_config_, [this](const crypto::PublicKey& from, Bytes payload) { OnFrame(from, std::move(payload)); },
      [this](const crypto::PublicKey& peer, bool connected) { OnPeer(peer, connected); });
  SHANLIU_RETURN_IF_ERROR(transport_->Start());
  if (core_) {
    // Start the core once the loop runs, so its first effects go through the same path as all others.
    FeedLater(consensus::Start{ledger_.height() + 1});
  }
  ArmStatusTimer();
  gossip_.Start();
  return Status::Ok();
}

void Runner::Impl::Stop() {
  if (stopped_) return;
  stopped_ = true;
  *alive_ = false;
  status_timer_.cancel();
  gossip_.Stop();
  if (transport_) transport_->Stop();
}

Runner::Stats Runner::Impl::stats() const {
  std::lock_guard lock(stats_mutex_);
  Stats s = stats_;
  s.txs_gossiped_out = gossip_.gossiped_out();
  s.txs_gossiped_in = gossip_.gossiped_in();
  return s;
}

void Runner::Impl::Gossip(std::vector<Bytes> envelopes) { gossip_.Queue(std::move(envelopes)); }

void Runner::Impl::Fatal(const std::string& what, const Status& status) {
  LogEvent("error", "node_fatal", {{"step", what}, {"error", status.ToString()}});
  if (!fatal_) fatal_ = status;
  // A node that cannot store or agree with the committed chain must stop rather than serve.
  Stop();
  io_.stop();
}

std::optional<std::uint32_t> Runner::Impl::ValidatorIndexOf(const crypto::PublicKey& key) const {
  for (std::size_t i = 0; i < validator_keys_.size(); ++i) {
    if (validator_keys_[i] == key) return static_cast<std::uint32_t>(i);
  }
  return std::nullopt;
}

void Runner::Impl::Send(const crypto::PublicKey& to, const pb::p2p::P2pFrame& frame) {
  if (stopped_) return;
  const std::string bytes = frame.SerializeAsString();
  transport_->Send(to, Bytes(bytes.begin(), bytes.end()));
}

void Runner::Impl::SendToAll(const pb::p2p::P2pFrame& frame) {
  if (stopped_) return;
  const std::string bytes = frame.SerializeAsString();
  transport_->Broadcast(Bytes(bytes.begin(), bytes.end()));
}

void Runner::Impl::OnPeer(const crypto::PublicKey& peer, bool connected) {
  LogEvent("info", connected ? "peer_connected" : "peer_disconnected", {{"peer", crypto::ToHex(peer)}});
  if (connected) {
    // Tell the newcomer where we are at once, so a lagging peer can start syncing.
    Send(peer, HeadFrame());
    if (last_own_cosignature_) Send(peer, *last_own_cosignature_);
  } else {
    sync_.OnPeerGone(peer);
  }
  std::lock_guard lock(stats_mutex_);
  stats_.peers = transport_->Connected().size();
}

void Runner::Impl::OnFrame(const crypto::PublicKey& from, Bytes payload) {
  if (stopped_) return;
  pb::p2p::P2pFrame frame;
  if (!frame.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    LogPeerFault(from, "p2p_frame_malformed", {{"bytes", payload.size()}});
    std::lock_guard lock(stats_mutex_);
    ++stats_.messages_rejected;
    return;
  }
  switch (frame.kind_case()) {
    case pb::p2p::P2pFrame::kConsensus: {
      // Only validators take part; an observer's or unknown peer's consensus traffic is dropped.
      if (!core_) return;
      const std::optional<std::uint32_t> sender = ValidatorIndexOf(from);
      if (!sender) return;
      const std::string& bytes = frame.consensus();
      auto message = consensus::DecodeMessage(AsBytes(bytes), max_consensus_bytes_);
      if (!message.ok()) {
        std::lock_guard lock(stats_mutex_);
        ++stats_.messages_rejected;
        return;
      }
      // The authenticated sender goes with it: a RoundStatus is answered to that validator.
      Feed(consensus::MessageReceived{std::move(*message), *sender});
      return;
    }
    case pb::p2p::P2pFrame::kTxs:
      if (!gossip_.OnBatch(from, frame.txs())) break;  // counted as rejected below
      return;
    case pb::p2p::P2pFrame::kHead: OnHeadStatus(from, frame.head()); return;
    case pb::p2p::P2pFrame::kBlocksRequest: OnBlocksRequest(from, frame.blocks_request()); return;
    case pb::p2p::P2pFrame::kBlocks: OnBlocks(from, frame.blocks()); return;
    case pb::p2p::P2pFrame::kCosignature: OnCosignature(from, frame.cosignature()); return;
    case pb::p2p::P2pFrame::KIND_NOT_SET: break;
  }
  std::lock_guard lock(stats_mutex_);
  ++stats_.messages_rejected;
}

void Runner::Impl::LogPeerFault(const crypto::PublicKey& from, std::string_view event, nlohmann::json fields) {
  const std::string peer = crypto::ToHex(from);
  if (!fields.is_object()) fields = nlohmann::json::object();
  if (!peer_log_limiter_.Allow(peer + "/" + std::string(event), SteadyNowMs(), fields)) return;
  fields["peer"] = peer;
  LogEvent("warn", event, fields);
}

void Runner::Impl::OnCosignature(const crypto::PublicKey& from, const pb::p2p::CheckpointCosignature& message) {
  if (!checkpoints_) return;
  ledger::Cosignature c;
  c.validator_index = message.validator_index();
  c.timestamp_s = message.timestamp_s();
  if (message.log_root().size() != 32 || message.signature().size() != c.signature.size()) {
    LogPeerFault(from, "cosignature_malformed", {});
    return;
  }
  Hash256 root;
  std::memcpy(root.data(), message.log_root().data(), root.size());
  std::memcpy(c.signature.data(), message.signature().data(), c.signature.size());
  // The collector verifies the signature against the genesis key of that validator index,
  // so a peer cannot cosign in another validator's name.
  if (Status s = checkpoints_->Add(message.log_size(), root, c); !s.ok()) {
    LogEvent("debug", "cosignature_refused", {{"peer", crypto::ToHex(from)}, {"error", s.ToString()}});
  }
}

pb::p2p::P2pFrame Runner::Impl::HeadFrame() const {
  pb::p2p::P2pFrame frame;
  frame.mutable_head()->set_height(ledger_.height());
  const Hash256 hash = ledger_.head_hash();
  frame.mutable_head()->set_block_hash(std::string(hash.begin(), hash.end()));
  frame.mutable_head()->set_observer(!IsValidator());
  return frame;
}

void Runner::Impl::SendHead() { SendToAll(HeadFrame()); }

void Runner::Impl::ArmStatusTimer() {
  if (stopped_) return;
  status_timer_.expires_after(std::chrono::milliseconds(config_.status_interval_ms));
  status_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    SendHead();
    if (core_) Feed(consensus::GossipTick{});
    MaybeSync();
    ArmStatusTimer();
  });
}

}  // namespace shanliu::node
