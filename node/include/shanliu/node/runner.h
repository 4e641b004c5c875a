// The node's network side: the consensus core wired to the transport, the ledger, the WAL
// and the mempool (validators), block sync (validators that fell behind, and observers),
// and mempool gossip. Everything here runs on one io_context thread, so the ledger has a
// single writer; the API threads reach it only through the thread-safe entry points marked
// below. Inside, four pieces with their own state and thread rules (runner_impl.h; docs/p2p.md
// "Inside the runner") talk to peers through PeerTransport, so tests run it over MemoryNetwork.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/checkpoint.h"
#include "shanliu/ledger/origin_signing.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/ledger/verify_pool.h"
#include "shanliu/node/clock.h"
#include "shanliu/node/consensus.h"
#include "shanliu/node/mempool.h"
#include "shanliu/node/node.h"
#include "shanliu/node/peer_transport.h"
#include "shanliu/node/transport.h"

namespace shanliu::node {

struct RunnerConfig {
  // The origin-key signing of checkpoints (ledger/origin_signing.h), owned by the node; null:
  // the chain has no origin key, and origin frames are ignored.
  ledger::OriginSigner* origin = nullptr;
  // The origin key set that signs the checkpoint of a log size, as this node sees it (null: none,
  // or not known yet). Required with `origin`.
  std::function<ledger::OriginEpochPtr(std::uint64_t log_size)> origin_epoch;
  std::filesystem::path wal_path;  // validators only
  bool observer = false;
  // No empty blocks while nothing is pending (DESIGN 7): a height starts when the mempool
  // signals txs, when another validator starts it, or after this heartbeat.
  std::uint32_t heartbeat_ms = 60'000;
  std::uint32_t gossip_interval_ms = 20;         // admitted txs are passed on in batches this often
  std::size_t max_gossip_batch_txs = 2000;
  std::size_t max_gossip_queue_txs = 50'000;     // beyond this, new txs are not gossiped (peers still get blocks)
  // A node that never proposes (observer) passes its pending txs on again this often (0: never),
  // so a tx it acked reaches a validator even if the first batch found none (runner_gossip.h).
  std::uint32_t gossip_rebroadcast_ms = 3000;
  std::uint32_t status_interval_ms = 1000;       // head status to peers; also the consensus gossip tick
  std::uint32_t sync_blocks_per_request = 64;
  std::size_t max_sync_response_bytes = 16u << 20;
  std::uint32_t sync_request_timeout_ms = 5000;
  // State sync: a manifest request that finds the newest snapshot this many blocks or more
  // behind the head starts building a new one (node/src/runner_snapshots.h).
  std::uint64_t snapshot_rebuild_blocks = 100;
  // History backfill of a store restored from a snapshot (node/src/runner_backfill.h): on/off,
  // at most this many blocks per request, and one request (one stored step) per interval.
  bool backfill = true;
  std::uint32_t backfill_blocks_per_request = 16;
  std::uint32_t backfill_interval_ms = 100;
  std::uint64_t max_clock_skew_ms = 5000;        // proposals further ahead of our clock are refused
  consensus::TimeoutSchedule propose_timeout{3000, 500};
  consensus::TimeoutSchedule prevote_timeout{1000, 500};
  consensus::TimeoutSchedule precommit_timeout{1000, 500};
  // The node's shared signature-verification pool (sync and gossiped txs); it must outlive the
  // runner. Null: the runner starts one of its own (tests that run a Runner alone).
  ledger::VerifyPool* verify_pool = nullptr;
  const Clock* clock = nullptr;  // null: SystemClock(); else it must outlive the runner
  // Consensus timeouts and the status tick; null: timers on the io_context. Else it must
  // outlive the runner (tests pass ManualTimers on the same ManualClock).
  Timers* timers = nullptr;
  // A stored block failed its checksum while serving a peer (issue 15): the node records the
  // damage and stops (main.cc). Called on the io thread after the line is logged; may be empty.
  std::function<void(const std::string& key, const std::string& detail)> on_storage_corrupt;
};

// Identity of a ledger block's bytes for the consensus core: decodes a pb::Block (at most
// max_bytes), checks the txs root against the txs, and hashes the header (DESIGN 6.1).
Result<Hash256> LedgerBlockHash(ByteView block_bytes, std::size_t max_bytes);

class Runner {
 public:
  struct Stats {
    std::uint64_t height = 0;
    std::uint32_t round = 0;
    std::size_t peers = 0;
    std::uint64_t blocks_committed_by_consensus = 0;
    std::uint64_t blocks_synced = 0;
    std::uint64_t txs_gossiped_out = 0;
    std::uint64_t txs_gossiped_in = 0;
    std::uint64_t messages_rejected = 0;
  };
  // Every commit (by consensus or by sync) is handed to the owner's fan-out (node.h), on the io thread.
  using OnCommit = std::function<void(const CommittedBlock& block)>;

  // Over the encrypted TCP transport (transport.h), bound to `key` and the ledger's chain id.
  Runner(boost::asio::io_context& io, RunnerConfig config, p2p::TransportConfig transport, crypto::KeyPair key,
         ledger::Ledger& ledger, Mempool& mempool, OnCommit on_commit,
         ledger::CheckpointCollector* checkpoints = nullptr);
  // Over any transport (MemoryNetwork::Endpoint in tests); the factory is called once, here.
  Runner(boost::asio::io_context& io, RunnerConfig config, TransportFactory make_transport, crypto::KeyPair key,
         ledger::Ledger& ledger, Mempool& mempool, OnCommit on_commit,
         ledger::CheckpointCollector* checkpoints = nullptr);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Starts the transport and, on a validator of a multi-validator chain, opens the WAL and
  // starts the consensus core (a single validator decides alone: see SoloProducer).
  // Call before io.run().
  Status Start();
  void Stop();

  // Step 3 of the owner's fan-out: tell the peers of a new head (unless it came from them by
  // sync). Call on the io thread.
  void AnnounceHead();

  // This validator's cosignature of the checkpoint after a block, for every peer's collector.
  // Call on the io thread.
  // With this validator's FROST commitments to the same checkpoint, when it holds an origin share;
  // a validator that coordinates the checkpoint then sends the signing package once it can.
  void ShareCosignature(std::uint64_t log_size, const Hash256& log_root, const ledger::Cosignature& cosignature,
                        const std::optional<ledger::OriginCommitment>& origin_commitment = std::nullopt);

  // Thread-safe: txs the API admitted to the mempool, to be passed on to peers.
  void Gossip(std::vector<Bytes> envelopes);
  Stats stats() const;  // thread-safe
  // Why the runner stopped the node, if it did (a block it could not store or agree with). io thread.
  std::optional<Status> fatal() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace shanliu::node
