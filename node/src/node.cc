#include "shanliu/node/node.h"

#include "origin_epochs.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "shanliu/crypto/codec.h"
#include "shanliu/node/log.h"
#include "shanliu/node/runner.h"
#include "shanliu/node/solo_producer.h"

namespace shanliu::node {
namespace {

// The mempool stamps planned blocks with the node's clock unless told otherwise.
MempoolConfig WithClock(MempoolConfig config, const Clock* clock) {
  if (config.clock == nullptr) config.clock = clock;
  return config;
}

// A header's log root as a fixed-size hash.
Hash256 LogRoot(const pb::BlockHeader& header) {
  Hash256 root{};
  std::memcpy(root.data(), header.log_root().data(), std::min(root.size(), header.log_root().size()));
  return root;
}

// Who cosigns a log size, from the committed store (checkpoint.h SignersLookup): the set of the
// block carrying it, or for a size beyond the head the sets of the next two heights (fixed by
// committed state), which are the ones that may cosign it before this node commits its block.
ledger::SignersOf SignersFromLedger(const ledger::Ledger& ledger) {
  return [&ledger](std::uint64_t log_size) -> std::optional<ledger::SignersLookup> {
    const std::shared_ptr<const ledger::ReadView> view = ledger.Read();
    try {
      if (log_size <= view->head().log_size()) {
        auto signers = view->CheckpointSignersAt(log_size);
        if (!signers.ok()) return std::nullopt;
        return ledger::SignersLookup{std::move(signers->validators), true};
      }
      const std::uint64_t next = view->head().height() + 1;
      std::vector<ledger::Validator> candidates = view->ValidatorsAt(next);
      for (ledger::Validator& v : view->ValidatorsAt(next + 1)) {
        const bool known = std::any_of(candidates.begin(), candidates.end(),
                                       [&](const ledger::Validator& c) { return c.public_key == v.public_key; });
        if (!known) candidates.push_back(std::move(v));
      }
      return ledger::SignersLookup{std::move(candidates), false};
    } catch (const ledger::StorageError& e) {
      LogEvent("error", "checkpoint_signers_unreadable", {{"error", e.what()}});
      return std::nullopt;
    }
  };
}

}  // namespace

Result<std::unique_ptr<Node>> Node::Open(boost::asio::io_context& io, NodeOptions options, ledger::Genesis genesis,
                                         crypto::KeyPair key) {
  const int index = genesis.ValidatorIndex(key.public_key);
  // A key outside the genesis set on a multi-validator chain, not configured as an observer, is
  // a standby validator: it follows until a ValidatorSetChange adds it (docs/operator.md).
  const bool standby = !options.observer && index < 0 && genesis.validators.size() > 1;
  const bool observer = (options.observer || index < 0) && !standby;
  if ((observer || standby) && options.peers.empty()) {
    return Status::Error("invalid_config", "an observer needs at least one peer to follow");
  }
  auto opened = ledger::Ledger::Open(options.data_dir, genesis);
  if (!opened.ok()) return opened.status();
  std::unique_ptr<Node> node(new Node(io, std::move(options), std::move(key), std::move(*opened)));
  node->cosigns_ = !observer;
  node->OpenOriginSigner();
  node->role_ = observer ? NodeRole::kObserver
                         : (node->ledger_->genesis().validators.size() == 1 ? NodeRole::kSolo : NodeRole::kValidator);
  return node;
}

Node::Node(boost::asio::io_context& io, NodeOptions options, crypto::KeyPair key, std::unique_ptr<ledger::Ledger> ledger)
    : io_(io),
      options_(std::move(options)),
      key_(std::move(key)),
      node_id_(crypto::ToHex(key_.public_key)),
      ledger_(std::move(ledger)),
      mempool_(std::make_unique<Mempool>(*ledger_, WithClock(options_.mempool, options_.clock))),
      checkpoints_(std::make_unique<ledger::CheckpointCollector>(ledger_->genesis(), SignersFromLedger(*ledger_))) {
  ledger_->SetParallelFor(verify_pool_->AsParallelFor());
}

Node::~Node() { Stop(); }

void Node::OpenOriginSigner() {
  const ledger::Genesis& genesis = ledger_->genesis();
  if (!genesis.origin_key) return;
  origin_ = std::make_unique<ledger::OriginSigner>(genesis);
  // An observer holds no share: it still aggregates what the participants send.
  origin_epochs_ = std::make_unique<OriginEpochs>(*ledger_, key_.public_key,
                                                  cosigns_ ? options_.origin_shares : std::vector<OriginShareFile>{},
                                                  cosigns_ ? options_.origin_share_dir : std::filesystem::path{});
  // Resolve the head's set now, so a missing or mismatched share is logged at start.
  (void)origin_epochs_->ForLogSize(ledger_->Read()->head().log_size());
}

void Node::SetOnCommitted(OnCommitted on_committed) {
  assert(!started_);
  on_committed_ = std::move(on_committed);
}

void Node::SetTrace(Trace trace) {
  assert(!started_);
  trace_ = std::move(trace);
}

Status Node::Start() {
  assert(!started_);
  started_ = true;
  const auto fan_out = [this](const CommittedBlock& block) { Committed(block); };
  // The network side: consensus between validators, block sync and tx gossip. A lone
  // validator with no peers configured has no one to talk to and runs without it.
  if (role_ != NodeRole::kSolo || !options_.peers.empty()) {
    RunnerConfig rc;
    rc.wal_path = options_.data_dir / "consensus.wal";
    rc.observer = role_ == NodeRole::kObserver;
    rc.heartbeat_ms = options_.heartbeat_ms;
    rc.verify_pool = verify_pool_.get();
    rc.clock = options_.clock;
    rc.on_storage_corrupt = options_.on_storage_corrupt;
    rc.timers = options_.timers;
    rc.backfill = options_.backfill;
    rc.origin = origin_.get();
    if (origin_epochs_) {
      rc.origin_epoch = [epochs = origin_epochs_.get()](std::uint64_t log_size) { return epochs->ForLogSize(log_size); };
    }
    if (options_.transport) {
      runner_ = std::make_unique<Runner>(io_, rc, options_.transport, key_, *ledger_, *mempool_, fan_out,
                                         checkpoints_.get());
    } else {
      p2p::TransportConfig tc;
      tc.listen_address = options_.p2p_listen;
      tc.listen_port = options_.p2p_port;
      for (const PeerConfig& p : options_.peers) tc.peers.push_back({p.public_key, p.address});
      runner_ = std::make_unique<Runner>(io_, rc, tc, key_, *ledger_, *mempool_, fan_out, checkpoints_.get());
    }
    SHANLIU_RETURN_IF_ERROR(runner_->Start());
  }
  if (role_ == NodeRole::kSolo) {
    producer_ = std::make_unique<SoloProducer>(io_, *ledger_, *mempool_, key_,
                                               ProducerTiming{options_.block_interval_ms, options_.heartbeat_ms}, fan_out,
                                               clock());
    producer_->Start();
  }
  // A checkpoint of the head at once, so a restarted validator serves one before the next block.
  if (auto own = CosignHead(); own) ShareCosignature(ledger_->head(), *own);
  return Status::Ok();
}

void Node::Stop() {
  if (producer_) producer_->Stop();
  if (runner_) runner_->Stop();
}

void Node::Committed(const CommittedBlock& block) {
  const std::uint64_t height = block.executed.block.header().height();
  assert(height == ledger_->height());
  const auto step = [&](std::string_view name) {
    if (trace_) trace_(name, height);
  };
  mempool_->OnCommitted(block.executed.tx_ids, block.rejected);
  step("mempool");
  const std::optional<ledger::Cosignature> own = CosignHead();
  step("checkpoint");
  if (runner_ && !block.by_sync) runner_->AnnounceHead();
  if (own) ShareCosignature(block.executed.block.header(), *own);
  step("network");
  if (on_committed_) on_committed_(height);
  step("subscriber");
}

std::optional<ledger::Cosignature> Node::CosignHead() {
  // Every validator of the checkpoint's set (the set of the block that first carried the head's
  // log size) cosigns the log after each block it commits; every node collects them and serves
  // the best-cosigned note. A standby or removed validator has nothing to add.
  if (!cosigns_) return std::nullopt;
  const std::shared_ptr<const ledger::ReadView> view = ledger_->Read();
  const pb::BlockHeader head = view->head();
  auto signers = view->CheckpointSignersAt(head.log_size());
  if (!signers.ok()) return std::nullopt;  // not_backfilled: a restored node's snapshot block
  const bool member = std::any_of(signers->validators.begin(), signers->validators.end(),
                                  [&](const ledger::Validator& v) { return v.public_key == key_.public_key; });
  if (!member) return std::nullopt;
  const Hash256 root = LogRoot(head);
  // The note's timestamp is the node's clock (seconds), like everything else the node stamps.
  const std::uint64_t now_s = clock().WallMs() / 1000;
  ledger::Cosignature own =
      ledger::MakeCosignature(ledger_->genesis(), key_.secret_key, head.log_size(), root, now_s);
  if (Status s = checkpoints_->Add(head.log_size(), root, own); !s.ok()) {
    LogEvent("warn", "cosignature_failed", {{"error", s.ToString()}});
    return std::nullopt;
  }
  return own;
}

void Node::ShareCosignature(const pb::BlockHeader& header, const ledger::Cosignature& own) {
  if (!runner_) return;
  // Round one of the origin signature rides on the cosignature, made with this node's share of
  // the set that signs this checkpoint (none after a change that handed no key over).
  std::optional<ledger::OriginCommitment> commitment;
  if (origin_) {
    if (ledger::OriginEpochPtr epoch = origin_epochs_->ForLogSize(header.log_size())) {
      auto made = origin_->Commit({header.log_size(), LogRoot(header)}, epoch);
      if (made.ok()) commitment = *made;
    }
  }
  runner_->ShareCosignature(header.log_size(), LogRoot(header), own, commitment);
}

std::vector<std::pair<Hash256, Status>> Node::Submit(std::vector<Bytes> envelopes) {
  std::vector<std::pair<Hash256, Status>> results = mempool_->SubmitBatch(envelopes, verify_pool_.get());
  std::vector<Bytes> admitted;
  for (std::size_t i = 0; i < envelopes.size(); ++i) {
    if (results[i].second.ok()) admitted.push_back(std::move(envelopes[i]));
  }
  // Observers pass txs on to the validators like anyone else: they are an API front end too.
  if (runner_ && !admitted.empty()) runner_->Gossip(std::move(admitted));
  return results;
}

TxState Node::PendingState(const Hash256& id, Status* error) const { return mempool_->State(id, error); }

std::optional<std::string> Node::CheckpointNote() const {
  // With an origin key, the newest supermajority checkpoint whose origin line is in (it follows the
  // cosignatures by two message rounds), so a witness that knows only the origin key can follow.
  // Only while a set holding the key signs (ShareCosignature): after a change that handed no key
  // over no newer origin line comes, and preferring the last one would serve an ever older one.
  if (origin_ && origin_epochs_->ForLogSize(ledger_->Read()->head().log_size())) {
    if (auto signed_best = checkpoints_->BestWithOrigin()) return signed_best->note;
  }
  auto best = checkpoints_->Best();
  if (!best) return std::nullopt;
  return best->note;
}

std::optional<Status> Node::fatal() const {
  if (producer_ && producer_->fatal()) return producer_->fatal();
  if (runner_) return runner_->fatal();
  return std::nullopt;
}

std::size_t Node::peers() const { return runner_ ? runner_->stats().peers : 0; }

}  // namespace shanliu::node
