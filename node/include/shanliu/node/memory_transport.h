// An in-memory network of PeerTransports for tests and the simulator: nodes in one process,
// one io_context, no sockets. Links are made and cut by hand (Connect, Disconnect) and a test
// can put any bytes on a link as if a peer sent them (Inject: a hostile or broken peer).
//
// Like the TCP transport, every delivery and peer event is posted to the io_context, so a
// handler never runs inside Send; frames on one link arrive in the order they were sent. A
// peer is connected while a link joins two started endpoints; each side hears of it once.
//
// Thread-safe (one mutex); handlers run on the thread that runs the io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <mutex>

#include "shanliu/node/peer_transport.h"

namespace shanliu::node {

class MemoryNetwork {
 public:
  explicit MemoryNetwork(boost::asio::io_context& io);
  ~MemoryNetwork();
  MemoryNetwork(const MemoryNetwork&) = delete;
  MemoryNetwork& operator=(const MemoryNetwork&) = delete;

  // The factory a Runner makes its transport with: the endpoint of node `key`. One live
  // endpoint per key; the network must outlive it.
  TransportFactory Endpoint(const crypto::PublicKey& key);

  void Connect(const crypto::PublicKey& a, const crypto::PublicKey& b);
  void Disconnect(const crypto::PublicKey& a, const crypto::PublicKey& b);
  // Delivers `payload` to `to` as a frame from `from`, whether or not they are linked
  // (the bytes a misbehaving peer could send on an authenticated link).
  void Inject(const crypto::PublicKey& from, const crypto::PublicKey& to, Bytes payload);

  std::uint64_t frames_delivered() const;
  std::uint64_t frames_dropped() const;  // sent to a peer that was not connected

  class Hub;  // shared with the endpoints and the posted deliveries

 private:
  std::shared_ptr<Hub> hub_;
};

}  // namespace shanliu::node
