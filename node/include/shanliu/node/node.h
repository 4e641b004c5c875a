// One node of a Shanliu chain: the owner of the ledger, the mempool, the checkpoint collector
// and the block producer (SoloProducer for a one-validator chain, the network Runner's
// consensus otherwise, or none for an observer that only follows).
//
// Every committed block — built alone, decided by consensus or fetched by block sync — goes
// through one fan-out, on the io thread, always in this order:
//   1. the mempool drops the block's txs (and remembers the ones building refused),
//   2. a validator cosigns the new checkpoint into the collector,
//   3. the network hears of it: the head to peers (unless it came from them by sync) and the
//      cosignature to every peer's collector,
//   4. the subscriber set with SetOnCommitted (the API server's stream), last, so that what it
//      reads — pending state, checkpoint — already reflects the block.
//
// Threads: Start, Stop and the fan-out run on the io thread; Submit, TxState, CheckpointNote
// and the accessors of counts are thread-safe (the API calls them from its own threads).
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/checkpoint.h"
#include "shanliu/ledger/origin_signing.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/node/clock.h"
#include "shanliu/node/mempool.h"
#include "shanliu/node/peer_transport.h"
#include "shanliu/status.h"

namespace shanliu::node {

class OriginEpochs;
class Runner;
class SoloProducer;

// One origin share file: its FROST identifier and signing share (crypto::frost::ReadShareFile).
using OriginShareFile = std::pair<crypto::frost::Identifier, crypto::frost::SecretScalar>;

// Every "origin*.share" file in `dir`, in name order (none: an empty list). An unreadable,
// malformed or group-readable file is an error (crypto::frost::ReadShareFile's), so a node never
// starts with a share it would silently ignore.
Result<std::vector<OriginShareFile>> ReadOriginShares(const std::filesystem::path& dir);

struct PeerConfig {
  crypto::PublicKey public_key{};
  std::string address;  // host:port
};

// Everything the node itself needs (the API server's settings live with the executable).
struct NodeOptions {
  std::filesystem::path data_dir;
  // The wall clock of the producer, the mempool and the network side (tests drive it by hand);
  // null: SystemClock(). It must outlive the node.
  const Clock* clock = nullptr;
  bool observer = false;
  // Single validator: the least time between two blocks while txs trickle in (a full block's
  // worth pending is cut at once). The first tx on an idle chain is never held back by it.
  std::uint32_t block_interval_ms = 300;
  // With nothing pending no block is made (DESIGN 7); after this long without a block one
  // empty heartbeat block is made anyway, so checkpoints and peers' view of the head stay fresh.
  std::uint32_t heartbeat_ms = 60'000;
  MempoolConfig mempool;
  std::string p2p_listen = "127.0.0.1";
  std::uint16_t p2p_port = 26656;
  std::vector<PeerConfig> peers;
  // How the network side reaches its peers. Null: the encrypted TCP transport on p2p_listen /
  // p2p_port to `peers`. Tests pass a MemoryNetwork endpoint; then `peers` only tells an
  // observer that it has someone to follow.
  TransportFactory transport;
  // Consensus timeouts and the status tick. Null: timers on the io_context. Else it must outlive
  // the node (tests pass ManualTimers on the same ManualClock as `clock`).
  Timers* timers = nullptr;
  // Passed to the runner's block sync (RunnerConfig::on_storage_corrupt); may be empty.
  std::function<void(const std::string& key, const std::string& detail)> on_storage_corrupt;
  // A store restored from a snapshot fetches blocks 1..snapshot from the peers while it runs
  // (`state_sync.backfill`, RunnerConfig::backfill).
  bool backfill = true;
  // This validator's shares of the origin key, one per set it was handed the key in (main reads
  // every "origin*.share" file beside the node key: node/src/origin_epochs.h). Each set in force
  // takes the one that matches it; none: this node takes no part in that set's origin line.
  std::vector<OriginShareFile> origin_shares;
  // Read again when a newly effective set lists this node and no share matches (empty: never).
  std::filesystem::path origin_share_dir;
};

enum class NodeRole { kSolo, kValidator, kObserver };

// What the fan-out hands its steps: the block and how it arrived.
struct CommittedBlock {
  const ledger::ExecutedBlock& executed;
  const std::vector<ledger::RejectedTx>& rejected;  // refused while building it (this node's proposals)
  bool by_sync = false;                              // fetched from peers rather than decided here
};

class Node {
 public:
  using OnCommitted = std::function<void(std::uint64_t height)>;
  // The fan-out's steps by name, for tests of its order (see the header comment).
  using Trace = std::function<void(std::string_view step, std::uint64_t height)>;

  // Opens (or creates) the ledger in options.data_dir. Errors: the ledger's, and
  // "invalid_config" for an observer without peers.
  static Result<std::unique_ptr<Node>> Open(boost::asio::io_context& io, NodeOptions options,
                                            ledger::Genesis genesis, crypto::KeyPair key);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Set before Start.
  void SetOnCommitted(OnCommitted on_committed);
  void SetTrace(Trace trace);

  // Starts the network (if any) and the producer, and cosigns the current head. Call before io.run().
  Status Start();
  void Stop();

  // Thread-safe: admits envelopes to the mempool and passes the admitted ones on to peers.
  std::vector<std::pair<Hash256, Status>> Submit(std::vector<Bytes> envelopes);
  TxState PendingState(const Hash256& id, Status* error) const;  // thread-safe
  std::optional<std::string> CheckpointNote() const;           // thread-safe
  std::size_t peers() const;                                    // thread-safe
  // Why the node stopped itself, if it did: its producer or network could not store or agree
  // with a block (they logged node_fatal and stopped the io loop). io thread, after run().
  std::optional<Status> fatal() const;

  NodeRole role() const { return role_; }
  const std::string& node_id() const { return node_id_; }
  ledger::Ledger& ledger() { return *ledger_; }
  Mempool& mempool() { return *mempool_; }
  const ledger::CheckpointCollector& checkpoints() const { return *checkpoints_; }

 private:
  Node(boost::asio::io_context& io, NodeOptions options, crypto::KeyPair key, std::unique_ptr<ledger::Ledger> ledger);
  void Committed(const CommittedBlock& block);  // the fan-out; io thread
  void OpenOriginSigner();
  std::optional<ledger::Cosignature> CosignHead();
  void ShareCosignature(const pb::BlockHeader& header, const ledger::Cosignature& own);
  const Clock& clock() const { return options_.clock ? *options_.clock : SystemClock(); }

  boost::asio::io_context& io_;
  const NodeOptions options_;
  const crypto::KeyPair key_;
  const std::string node_id_;
  // One pool, sized to the cores, for admission, gossip and sync's signature checks and the
  // ledger's state-map updates. Declared before ledger_, which borrows it: destroyed after it.
  std::unique_ptr<ledger::VerifyPool> verify_pool_ = std::make_unique<ledger::VerifyPool>();
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<Mempool> mempool_;
  std::unique_ptr<ledger::CheckpointCollector> checkpoints_;
  std::unique_ptr<ledger::OriginSigner> origin_;  // null: the genesis has no origin key
  std::unique_ptr<OriginEpochs> origin_epochs_;    // with origin_
  bool cosigns_ = false;  // not an observer: cosigns checkpoints of sets that hold its key
  NodeRole role_ = NodeRole::kObserver;
  std::unique_ptr<Runner> runner_;  // null: a lone validator with no peers configured
  std::unique_ptr<SoloProducer> producer_;
  OnCommitted on_committed_;
  Trace trace_;
  bool started_ = false;
};

}  // namespace shanliu::node
