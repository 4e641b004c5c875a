// What the runner's pieces (runner_impl.h) share, each with one job:
//   PeerOut      frames to peers through the transport interface (encoded once per call)
//   PeerFaultLog warnings a peer caused, rate-limited per peer and event
//   CommitPath   the one function every commit ends in, by consensus or by sync
//   FatalFn      how a piece stops the node on a fault of its own store
//   AsioTimers   the runner's timers on its io_context, unless the owner passed its own
#pragma once

#include <boost/asio/io_context.hpp>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "shanliu/ledger/ledger.h"
#include "shanliu/node/log.h"
#include "shanliu/node/clock.h"
#include "shanliu/node/mempool.h"
#include "shanliu/node/peer_transport.h"
#include "shanliu/node/runner.h"
#include "shanliu/node/thread_rule.h"
#include "shanliu/pb/p2p.pb.h"

namespace shanliu::node {

// A fault of this node's own (a block it cannot store, a certified block it cannot replay): the
// node logs node_fatal and stops. io thread.
using FatalFn = std::function<void(std::string_view step, const Status& status)>;

// Thread-safe (the transport is); sends nothing once stopped.
class PeerOut {
 public:
  explicit PeerOut(PeerTransport& transport) : transport_(transport) {}
  bool Send(const crypto::PublicKey& to, const pb::p2p::P2pFrame& frame);
  bool SendEncoded(const crypto::PublicKey& to, Bytes encoded);  // a frame already serialised
  void SendToAll(const pb::p2p::P2pFrame& frame);
  std::size_t connected() const { return transport_.Connected().size(); }
  void Stop() { stopped_ = true; }

 private:
  PeerTransport& transport_;
  std::atomic<bool> stopped_{false};
};

Bytes EncodeFrame(const pb::p2p::P2pFrame& frame);

// A warning a peer caused (malformed frame, bad block): 5 lines at once per peer and event,
// then one per 10 s, so a hostile peer cannot flood the log; the next line written says how
// many were suppressed. io thread (asserted).
class PeerFaultLog {
 public:
  void Warn(const crypto::PublicKey& from, std::string_view event, nlohmann::json fields);

 private:
  LogLimiter limiter_{/*burst=*/5, /*refill_ms=*/10'000};
  ThreadRule io_thread_;
};

// Every commit — decided by consensus or fetched by sync — ends in AfterCommit, and only there
// do the adapter's per-height state, the stats and the owner's fan-out (node.h) hear of it.
// io thread (asserted); height() is thread-safe.
class CommitPath {
 public:
  // The adapter's step (forget the height's executed blocks, compact the WAL); first, so the
  // fan-out that follows may start the next height.
  using AdapterStep = std::function<void(std::uint64_t height)>;

  CommitPath(const Mempool& mempool, Runner::OnCommit on_commit) : mempool_(mempool), on_commit_(std::move(on_commit)) {}
  void SetAdapterStep(AdapterStep step) { adapter_step_ = std::move(step); }  // before the io loop runs

  void AfterCommit(const ledger::ExecutedBlock& executed, bool by_sync);
  std::uint64_t height() const { return height_; }

 private:
  const Mempool& mempool_;
  const Runner::OnCommit on_commit_;
  AdapterStep adapter_step_;
  std::atomic<std::uint64_t> height_{0};  // the last height committed while running (stats)
  ThreadRule io_thread_;
};

// Timers on the io_context. CancelAll (any thread) drops every pending one, so a stopped
// runner leaves no work that keeps io.run() going.
class AsioTimers final : public Timers {
 public:
  explicit AsioTimers(boost::asio::io_context& io);
  ~AsioTimers() override;
  void After(std::uint64_t delay_ms, std::function<void()> callback) override;
  void CancelAll();

  struct Live;  // shared with the pending handlers, which may outlive this object

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<Live> live_;
};

}  // namespace shanliu::node
