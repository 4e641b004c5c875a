#include "shanliu/node/runner.h"

#include <cassert>

#include "runner_impl.h"
#include "shanliu/node/log.h"

namespace shanliu::node {

namespace {

// The real transport: encrypted TCP to the configured peers, bound to this node's key and chain.
TransportFactory TcpTransport(boost::asio::io_context& io, p2p::TransportConfig config, const crypto::KeyPair& key,
                              const std::string& chain_id) {
  config.identity = key;
  config.chain_id = chain_id;
  return [&io, config = std::move(config)](PeerTransport::OnFrame on_frame, PeerTransport::OnPeer on_peer) {
    return std::unique_ptr<PeerTransport>(
        std::make_unique<p2p::Transport>(io, config, std::move(on_frame), std::move(on_peer)));
  };
}

// Whether this node runs the consensus core: any node of a multi-validator chain not configured
// as an observer (a single validator decides alone: see SoloProducer). Its key need not be a
// genesis validator: the core follows without voting until a ValidatorSetChange adds the key,
// and goes back to following if one removes it (docs/operator.md).
bool RunsConsensus(const ledger::Genesis& genesis, bool observer) {
  return !observer && genesis.validators.size() > 1;
}

// The set that signs a height, from the ledger's committed state (exact up to head + 2, which
// is as far as the adapter asks).
ConsensusAdapter::ValidatorsAt ValidatorsAtSeam(const ledger::Ledger& ledger) {
  return [&ledger](std::uint64_t height) { return ledger.ValidatorsAt(height); };
}

}  // namespace

Runner::Runner(boost::asio::io_context& io, RunnerConfig config, p2p::TransportConfig transport, crypto::KeyPair key,
               ledger::Ledger& ledger, Mempool& mempool, OnCommit on_commit,
               ledger::CheckpointCollector* checkpoints)
    : Runner(io, std::move(config), TcpTransport(io, std::move(transport), key, ledger.genesis().chain_id), key,
             ledger, mempool, std::move(on_commit), checkpoints) {}

Runner::Runner(boost::asio::io_context& io, RunnerConfig config, TransportFactory make_transport, crypto::KeyPair key,
               ledger::Ledger& ledger, Mempool& mempool, OnCommit on_commit,
               ledger::CheckpointCollector* checkpoints)
    : impl_(std::make_unique<Impl>(io, std::move(config), std::move(make_transport), std::move(key), ledger, mempool,
                                   std::move(on_commit), checkpoints)) {}
Runner::~Runner() { impl_->Stop(); }
Status Runner::Start() { return impl_->Start(); }
void Runner::Stop() { impl_->Stop(); }
void Runner::AnnounceHead() { impl_->AnnounceHead(); }
void Runner::ShareCosignature(std::uint64_t log_size, const Hash256& log_root, const ledger::Cosignature& c,
                              const std::optional<ledger::OriginCommitment>& origin_commitment) {
  pb::p2p::P2pFrame frame;
  auto* m = frame.mutable_cosignature();
  m->set_log_size(log_size);
  m->set_log_root(std::string(log_root.begin(), log_root.end()));
  m->set_public_key(std::string(c.public_key.begin(), c.public_key.end()));
  m->set_timestamp_s(c.timestamp_s);
  m->set_signature(std::string(c.signature.begin(), c.signature.end()));
  if (origin_commitment) {
    const auto& oc = origin_commitment->commitments;
    m->set_origin_hiding(std::string(oc.hiding.begin(), oc.hiding.end()));
    m->set_origin_binding(std::string(oc.binding.begin(), oc.binding.end()));
  }
  impl_->ShareCosignature(std::move(frame));
  if (origin_commitment) impl_->OriginProgress({log_size, log_root});
}
void Runner::Gossip(std::vector<Bytes> envelopes) { impl_->Gossip(std::move(envelopes)); }
Runner::Stats Runner::stats() const { return impl_->stats(); }
std::optional<Status> Runner::fatal() const { return impl_->fatal(); }

// Whether Start will run consensus as a validator (the same test as Start's): such a node
// carries its own pending txs into its proposals and needs no rebroadcast.
static bool ProposesBlocks(const RunnerConfig& config, const ledger::Ledger& ledger, const crypto::KeyPair& key) {
  return !config.observer && ledger.genesis().ValidatorIndex(key.public_key) >= 0 &&
         ledger.genesis().validators.size() > 1;
}

Runner::Impl::Impl(boost::asio::io_context& io, RunnerConfig config, TransportFactory make_transport,
                   crypto::KeyPair key, ledger::Ledger& ledger, Mempool& mempool, OnCommit on_commit,
                   ledger::CheckpointCollector* checkpoints)
    : io_(io),
      config_(std::move(config)),
      clock_(config_.clock ? *config_.clock : SystemClock()),
      own_timers_(config_.timers ? nullptr : std::make_unique<AsioTimers>(io)),
      timers_(config_.timers ? *config_.timers : *own_timers_),
      ledger_(ledger),
      own_verify_pool_(config_.verify_pool ? nullptr : std::make_unique<ledger::VerifyPool>()),
      verify_pool_(config_.verify_pool ? *config_.verify_pool : *own_verify_pool_),
      transport_(make_transport(
          [this](const crypto::PublicKey& from, Bytes payload) { router_->OnFrame(from, std::move(payload)); },
          [this](const crypto::PublicKey& peer, bool connected) { router_->OnPeer(peer, connected); })),
      peers_(*transport_),
      commits_(mempool, std::move(on_commit)),
      sync_(SyncDriver::Parts{ledger, mempool, verify_pool_, clock_, peers_, faults_, commits_,
                              [this](std::string_view step, const Status& s) { Fatal(step, s); },
                              [this] { Synced(); }},
            config_, [this] { return adapter_ && adapter_->votes(); }),
      gossip_(timers_,
              TxGossip::Limits{config_.gossip_interval_ms, config_.max_gossip_batch_txs, config_.max_gossip_queue_txs,
                               ProposesBlocks(config_, ledger, key) ? 0 : config_.gossip_rebroadcast_ms},
              mempool, [this](const pb::p2p::P2pFrame& frame) { peers_.SendToAll(frame); }),
      snapshots_(ledger, peers_, config_.snapshot_rebuild_blocks) {
  assert(transport_);
  if (RunsConsensus(ledger.genesis(), config_.observer)) {
    adapter_ = std::make_unique<ConsensusAdapter>(
        ConsensusAdapter::Parts{io, ledger, mempool, clock_, timers_, peers_, commits_,
                                [this](std::string_view step, const Status& s) { Fatal(step, s); },
                                [this](const std::vector<crypto::PublicKey>& ahead, std::uint64_t height) {
                                  sync_.FetchDecision(ahead, height);
                                },
                                ValidatorsAtSeam(ledger)},
        config_, key);
    commits_.SetAdapterStep([this](std::uint64_t height) { adapter_->Committed(height); });
  }
  gossip_.SetVerifyPool(&verify_pool_);
  if (config_.backfill && ledger.history_base() > 0) {
    backfill_ = std::make_unique<BackfillDriver>(
        BackfillDriver::Parts{ledger, clock_, peers_, faults_,
                              [this](std::string_view step, const Status& s) { Fatal(step, s); }},
        BackfillDriver::Limits{.blocks_per_request = config_.backfill_blocks_per_request,
                               .request_timeout_ms = config_.sync_request_timeout_ms});
  }
  router_ = std::make_unique<Router>(Router::Parts{ledger, peers_, faults_, adapter_.get(), sync_, gossip_, checkpoints,
                                                   &snapshots_, backfill_.get(), config_.origin,
                                                   config_.origin_epoch});
}

Runner::Impl::~Impl() {
  Stop();
  *alive_ = false;
}

Status Runner::Impl::Start() {
  if (adapter_) SHANLIU_RETURN_IF_ERROR(adapter_->Open());
  SHANLIU_RETURN_IF_ERROR(transport_->Start());
  if (adapter_) adapter_->Begin();
  ArmStatusTimer();
  gossip_.Start();
  if (ledger_.history_base() > 0) {
    LogEvent("info", backfill_ ? "backfill_started" : "backfill_off",
             {{"snapshot_height", ledger_.history_base()}, {"backfilled_height", ledger_.backfilled_height()}});
  }
  ArmBackfillTimer();
  return Status::Ok();
}

void Runner::Impl::Stop() {
  if (stopped_.exchange(true)) return;
  if (own_timers_) own_timers_->CancelAll();
  // Inputs first, then outputs: nothing is handled, then nothing is sent.
  router_->Stop();
  if (adapter_) adapter_->Stop();
  sync_.Stop();
  if (backfill_) backfill_->Stop();
  gossip_.Stop();
  snapshots_.Stop();
  peers_.Stop();
  transport_->Stop();
}

Runner::Stats Runner::Impl::stats() const {
  Stats s;
  s.height = commits_.height();
  s.round = adapter_ ? adapter_->round() : 0;
  s.peers = router_->peers();
  s.blocks_committed_by_consensus = adapter_ ? adapter_->blocks_committed() : 0;
  s.blocks_synced = sync_.blocks_synced();
  s.txs_gossiped_out = gossip_.gossiped_out();
  s.txs_gossiped_in = gossip_.gossiped_in();
  s.messages_rejected = router_->messages_rejected() + (adapter_ ? adapter_->messages_rejected() : 0);
  return s;
}

void Runner::Impl::Fatal(std::string_view step, const Status& status) {
  LogEvent("error", "node_fatal", {{"step", step}, {"error", status.ToString()}});
  if (!fatal_) fatal_ = status;
  // A node that cannot store or agree with the committed chain must stop rather than serve.
  Stop();
  io_.stop();
}

void Runner::Impl::Synced() {
  router_->AnnounceHead();
  if (adapter_) adapter_->RestartAtStoreHeight();
}

// One backfill step per tick while blocks are missing; the timer ends with the backfill.
void Runner::Impl::ArmBackfillTimer() {
  if (stopped_ || !backfill_ || !backfill_->active()) return;
  timers_.After(config_.backfill_interval_ms, [this, alive = alive_] {
    if (!*alive || stopped_) return;
    backfill_->Tick();
    ArmBackfillTimer();
  });
}

void Runner::Impl::ArmStatusTimer() {
  if (stopped_) return;
  timers_.After(config_.status_interval_ms, [this, alive = alive_] {
    if (!*alive || stopped_) return;
    router_->AnnounceHead();
    if (adapter_) adapter_->GossipTick();
    sync_.Tick();
    ArmStatusTimer();
  });
}

}  // namespace shanliu::node
