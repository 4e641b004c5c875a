#include "shanliu/node/memory_transport.h"

#include <boost/asio/post.hpp>
#include <cassert>
#include <map>
#include <set>
#include <utility>

namespace shanliu::node {
namespace {

using Key = crypto::PublicKey;

std::pair<Key, Key> LinkOf(const Key& a, const Key& b) { return a < b ? std::pair{a, b} : std::pair{b, a}; }

}  // namespace

class MemoryNetwork::Hub : public std::enable_shared_from_this<MemoryNetwork::Hub> {
 public:
  explicit Hub(boost::asio::io_context& io) : io_(io) {}

  struct Handlers {
    PeerTransport::OnFrame on_frame;
    PeerTransport::OnPeer on_peer;
    bool started = false;
    std::uint64_t generation = 0;  // a delivery posted to an earlier endpoint of this key is dropped
  };

  void Register(const Key& key, PeerTransport::OnFrame on_frame, PeerTransport::OnPeer on_peer) {
    std::lock_guard lock(mutex_);
    assert(!nodes_.count(key) && "one live endpoint per key");
    const std::uint64_t generation = ++generations_;
    nodes_[key] = Handlers{std::move(on_frame), std::move(on_peer), false, generation};
  }

  void SetStarted(const Key& key, bool started) {
    std::lock_guard lock(mutex_);
    auto it = nodes_.find(key);
    if (it == nodes_.end() || it->second.started == started) return;
    // Every link to a started peer comes up (or goes down) with this endpoint.
    for (const auto& [a, b] : links_) {
      if (a != key && b != key) continue;
      const Key& other = a == key ? b : a;
      auto peer = nodes_.find(other);
      if (peer == nodes_.end() || !peer->second.started) continue;
      PostPeerEventLocked(key, other, started);
      PostPeerEventLocked(other, key, started);
    }
    it->second.started = started;
  }

  void Unregister(const Key& key) {
    SetStarted(key, false);
    std::lock_guard lock(mutex_);
    nodes_.erase(key);
  }

  void Link(const Key& a, const Key& b, bool up) {
    assert(a != b);
    std::lock_guard lock(mutex_);
    const bool had = links_.count(LinkOf(a, b)) > 0;
    if (had == up) return;
    if (up) {
      links_.insert(LinkOf(a, b));
    } else {
      links_.erase(LinkOf(a, b));
    }
    if (StartedLocked(a) && StartedLocked(b)) {
      PostPeerEventLocked(a, b, up);
      PostPeerEventLocked(b, a, up);
    }
  }

  bool Send(const Key& from, const Key& to, Bytes payload, bool require_link) {
    std::lock_guard lock(mutex_);
    if (require_link && !(links_.count(LinkOf(from, to)) && StartedLocked(from) && StartedLocked(to))) {
      ++dropped_;
      return false;
    }
    PostFrameLocked(from, to, std::move(payload));
    return true;
  }

  std::vector<Key> Connected(const Key& key) const {
    std::lock_guard lock(mutex_);
    std::vector<Key> out;
    if (!StartedLocked(key)) return out;
    for (const auto& [a, b] : links_) {
      if (a != key && b != key) continue;
      const Key& other = a == key ? b : a;
      if (StartedLocked(other)) out.push_back(other);
    }
    return out;
  }

  std::uint64_t delivered() const {
    std::lock_guard lock(mutex_);
    return delivered_;
  }
  std::uint64_t dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
  }

 private:
  bool StartedLocked(const Key& key) const {
    auto it = nodes_.find(key);
    return it != nodes_.end() && it->second.started;
  }

  // Both posts look the endpoint up again when they run: it may have stopped meanwhile.
  void PostFrameLocked(const Key& from, const Key& to, Bytes payload) {
    auto it = nodes_.find(to);
    if (it == nodes_.end()) return;
    boost::asio::post(io_, [hub = shared_from_this(), from, to, generation = it->second.generation,
                            payload = std::move(payload)]() mutable {
      PeerTransport::OnFrame handler;
      {
        std::lock_guard lock(hub->mutex_);
        auto node = hub->nodes_.find(to);
        if (node == hub->nodes_.end() || !node->second.started || node->second.generation != generation) return;
        handler = node->second.on_frame;
        ++hub->delivered_;
      }
      if (handler) handler(from, std::move(payload));
    });
  }

  void PostPeerEventLocked(const Key& to, const Key& peer, bool connected) {
    auto it = nodes_.find(to);
    if (it == nodes_.end()) return;
    boost::asio::post(io_, [hub = shared_from_this(), to, peer, connected, generation = it->second.generation] {
      PeerTransport::OnPeer handler;
      {
        std::lock_guard lock(hub->mutex_);
        auto node = hub->nodes_.find(to);
        if (node == hub->nodes_.end() || node->second.generation != generation) return;
        // A stopped endpoint hears nothing more (the contract of PeerTransport::Stop).
        if (!node->second.started) return;
        handler = node->second.on_peer;
      }
      if (handler) handler(peer, connected);
    });
  }

  boost::asio::io_context& io_;
  mutable std::mutex mutex_;
  std::map<Key, Handlers> nodes_;       // guarded by mutex_
  std::set<std::pair<Key, Key>> links_;  // guarded by mutex_; (smaller key, larger key)
  std::uint64_t generations_ = 0;
  std::uint64_t delivered_ = 0;
  std::uint64_t dropped_ = 0;
};

namespace {

class MemoryEndpoint final : public PeerTransport {
 public:
  MemoryEndpoint(std::shared_ptr<MemoryNetwork::Hub> hub, const Key& key, OnFrame on_frame, OnPeer on_peer)
      : hub_(std::move(hub)), key_(key) {
    hub_->Register(key_, std::move(on_frame), std::move(on_peer));
  }
  ~MemoryEndpoint() override { hub_->Unregister(key_); }

  Status Start() override {
    hub_->SetStarted(key_, true);
    return Status::Ok();
  }
  void Stop() override { hub_->SetStarted(key_, false); }
  bool Send(const Key& to, Bytes payload) override { return hub_->Send(key_, to, std::move(payload), true); }
  void Broadcast(const Bytes& payload) override {
    for (const Key& peer : hub_->Connected(key_)) hub_->Send(key_, peer, payload, true);
  }
  std::vector<Key> Connected() const override { return hub_->Connected(key_); }

 private:
  const std::shared_ptr<MemoryNetwork::Hub> hub_;
  const Key key_;
};

}  // namespace

MemoryNetwork::MemoryNetwork(boost::asio::io_context& io) : hub_(std::make_shared<Hub>(io)) {}
MemoryNetwork::~MemoryNetwork() = default;

TransportFactory MemoryNetwork::Endpoint(const crypto::PublicKey& key) {
  return [hub = hub_, key](PeerTransport::OnFrame on_frame, PeerTransport::OnPeer on_peer) {
    return std::unique_ptr<PeerTransport>(
        std::make_unique<MemoryEndpoint>(hub, key, std::move(on_frame), std::move(on_peer)));
  };
}

void MemoryNetwork::Connect(const crypto::PublicKey& a, const crypto::PublicKey& b) { hub_->Link(a, b, true); }
void MemoryNetwork::Disconnect(const crypto::PublicKey& a, const crypto::PublicKey& b) { hub_->Link(a, b, false); }
void MemoryNetwork::Inject(const crypto::PublicKey& from, const crypto::PublicKey& to, Bytes payload) {
  hub_->Send(from, to, std::move(payload), false);
}
std::uint64_t MemoryNetwork::frames_delivered() const { return hub_->delivered(); }
std::uint64_t MemoryNetwork::frames_dropped() const { return hub_->dropped(); }

}  // namespace shanliu::node
