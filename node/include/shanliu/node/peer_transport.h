// What the node's network side needs of a transport, and nothing more: send a frame to one
// peer, send one to all, say who is connected, and deliver frames and peer events. The real
// one is the encrypted TCP transport (transport.h); tests and the simulator use MemoryNetwork
// (memory_transport.h), so the runner's pieces run in one thread with no sockets and no sleeps.
//
// Contract of every implementation: the handlers it was made with run on the io thread, never
// from inside Send or Broadcast (a handler may send, so a synchronous delivery would re-enter the
// sender), and never after Stop returns.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/status.h"

namespace shanliu::node {

class PeerTransport {
 public:
  using OnFrame = std::function<void(const crypto::PublicKey& from, Bytes payload)>;
  using OnPeer = std::function<void(const crypto::PublicKey& peer, bool connected)>;

  virtual ~PeerTransport() = default;
  virtual Status Start() = 0;  // before the io loop runs
  virtual void Stop() = 0;     // any thread; no handler runs after it returns
  // Thread-safe. false when the peer is not connected or the frame cannot be queued.
  virtual bool Send(const crypto::PublicKey& to, Bytes payload) = 0;
  virtual void Broadcast(const Bytes& payload) = 0;                   // thread-safe, best effort
  virtual std::vector<crypto::PublicKey> Connected() const = 0;        // thread-safe
};

// Makes the transport that will deliver to these handlers (the runner's router).
using TransportFactory = std::function<std::unique_ptr<PeerTransport>(PeerTransport::OnFrame, PeerTransport::OnPeer)>;

}  // namespace shanliu::node
