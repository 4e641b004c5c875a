#include "runner_parts.h"

#include <boost/asio/steady_timer.hpp>
#include <map>
#include <mutex>

#include "shanliu/crypto/codec.h"

namespace shanliu::node {

Bytes EncodeFrame(const pb::p2p::P2pFrame& frame) {
  const std::string bytes = frame.SerializeAsString();
  return Bytes(bytes.begin(), bytes.end());
}

bool PeerOut::Send(const crypto::PublicKey& to, const pb::p2p::P2pFrame& frame) {
  if (stopped_) return false;
  return transport_.Send(to, EncodeFrame(frame));
}

bool PeerOut::SendEncoded(const crypto::PublicKey& to, Bytes encoded) {
  if (stopped_) return false;
  return transport_.Send(to, std::move(encoded));
}

void PeerOut::SendToAll(const pb::p2p::P2pFrame& frame) {
  if (stopped_) return;
  transport_.Broadcast(EncodeFrame(frame));
}

void PeerFaultLog::Warn(const crypto::PublicKey& from, std::string_view event, nlohmann::json fields) {
  io_thread_.Check();
  const std::string peer = crypto::ToHex(from);
  if (!fields.is_object()) fields = nlohmann::json::object();
  if (!limiter_.Allow(peer + "/" + std::string(event), SteadyNowMs(), fields)) return;
  fields["peer"] = peer;
  LogEvent("warn", event, fields);
}

void CommitPath::AfterCommit(const ledger::ExecutedBlock& executed, bool by_sync) {
  io_thread_.Check();
  const std::uint64_t height = executed.block.header().height();
  if (adapter_step_) adapter_step_(height);
  height_ = height;
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

struct AsioTimers::Live {
  std::mutex mutex;
  bool cancelled = false;                                                // guarded by mutex
  std::uint64_t next_id = 0;                                             // guarded by mutex
  std::map<std::uint64_t, std::shared_ptr<boost::asio::steady_timer>> timers;  // guarded by mutex
};

AsioTimers::AsioTimers(boost::asio::io_context& io) : io_(io), live_(std::make_shared<Live>()) {}
AsioTimers::~AsioTimers() { CancelAll(); }

void AsioTimers::After(std::uint64_t delay_ms, std::function<void()> callback) {
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(delay_ms));
  std::uint64_t id = 0;
  {
    std::lock_guard lock(live_->mutex);
    if (live_->cancelled) return;
    id = live_->next_id++;
    live_->timers.emplace(id, timer);
  }
  timer->async_wait([live = live_, id, callback = std::move(callback)](const boost::system::error_code& ec) {
    {
      std::lock_guard lock(live->mutex);
      live->timers.erase(id);
      if (live->cancelled) return;
    }
    if (!ec) callback();
  });
}

void AsioTimers::CancelAll() {
  std::lock_guard lock(live_->mutex);
  live_->cancelled = true;
  for (auto& [id, timer] : live_->timers) timer->cancel();
  live_->timers.clear();
}

}  // namespace shanliu::node
