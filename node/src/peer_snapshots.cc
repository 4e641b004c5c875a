// State sync's SnapshotPeers over the P2P protocol (shanliu/node/state_sync.h): the node has not
// started yet, so, like the repair (peer_blocks.cc), it is a plain client of its peers with its
// own key, one request in flight per peer, skipping whatever else a peer sends meanwhile.
#include <chrono>
#include <memory>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/snapshot.h"
#include "shanliu/node/state_sync.h"
#include "shanliu/pb/p2p.pb.h"
#include "transport_client.h"

namespace shanliu::node {
namespace {

using Clock = std::chrono::steady_clock;
using Ms = std::chrono::milliseconds;

class PeerSnapshots final : public SnapshotPeers {
 public:
  PeerSnapshots(crypto::KeyPair key, std::string chain_id, std::vector<PeerConfig> peers, std::uint32_t timeout_ms)
      : key_(std::move(key)),
        chain_id_(std::move(chain_id)),
        peers_(std::move(peers)),
        timeout_(timeout_ms),
        clients_(peers_.size()) {}

  std::size_t peer_count() const override { return peers_.size(); }
  std::string PeerName(std::size_t peer) const override {
    return peers_.at(peer).address + " (" + crypto::ToHex(peers_.at(peer).public_key).substr(0, 16) + ")";
  }

  Result<std::string> Manifest(std::size_t peer) override {
    pb::p2p::P2pFrame request;
    request.mutable_snapshot_manifest_request();
    auto answer = Ask(peer, request, pb::p2p::P2pFrame::kSnapshotManifest);
    if (!answer.ok()) return answer.status();
    return std::move(*answer->mutable_snapshot_manifest()->mutable_manifest());
  }

  Result<std::string> Chunk(std::size_t peer, std::uint64_t height, std::uint32_t index) override {
    pb::p2p::P2pFrame request;
    request.mutable_snapshot_chunk_request()->set_height(height);
    request.mutable_snapshot_chunk_request()->set_index(index);
    // Answers come in order on one connection, but a late answer to an earlier request that
    // timed out could still arrive: only the one for this (height, index) counts.
    auto answer = Ask(peer, request, pb::p2p::P2pFrame::kSnapshotChunk, [&](const pb::p2p::P2pFrame& f) {
      return f.snapshot_chunk().height() == height && f.snapshot_chunk().index() == index;
    });
    if (!answer.ok()) return answer.status();
    return std::move(*answer->mutable_snapshot_chunk()->mutable_chunk());
  }

 private:
  Result<pb::p2p::P2pFrame> Ask(std::size_t peer, const pb::p2p::P2pFrame& request, pb::p2p::P2pFrame::KindCase kind,
                                const std::function<bool(const pb::p2p::P2pFrame&)>& matches = {}) {
    auto client = Connected(peer);
    if (!client.ok()) return client.status();
    const std::string bytes = request.SerializeAsString();
    if (Status s = (*client)->SendFrame(0, AsBytes(bytes), timeout_); !s.ok()) return Drop(peer, s);
    const auto deadline = Clock::now() + timeout_;
    while (Clock::now() < deadline) {
      const auto left = std::chrono::duration_cast<Ms>(deadline - Clock::now());
      auto payload = (*client)->ReadFrame(std::max(left, Ms(1)));
      if (!payload.ok()) return Drop(peer, payload.status());
      // Hard limit before decoding: a chunk frame is at most one chunk and a few bytes more.
      if (payload->size() > ledger::snapshot::kMaxManifestBytes + 64) {
        return Drop(peer, Status::Error(std::string(ledger::snapshot::kSnapshotMalformed), "answer over the size limit"));
      }
      pb::p2p::P2pFrame frame;
      if (!frame.ParseFromArray(payload->data(), static_cast<int>(payload->size())) || frame.kind_case() != kind) continue;
      if (matches && !matches(frame)) continue;
      return frame;
    }
    return Drop(peer, Status::Error("timeout", "no answer within " + std::to_string(timeout_.count()) + " ms"));
  }

  Result<p2p::BlockingClient*> Connected(std::size_t peer) {
    if (clients_.at(peer)) return clients_[peer].get();
    auto client = std::make_unique<p2p::BlockingClient>();
    SHANLIU_RETURN_IF_ERROR(client->Connect(peers_[peer].address, timeout_));
    SHANLIU_RETURN_IF_ERROR(client->Handshake(key_, chain_id_, peers_[peer].public_key, timeout_));
    clients_[peer] = std::move(client);
    return clients_[peer].get();
  }

  Status Drop(std::size_t peer, Status why) {
    clients_.at(peer).reset();
    return why;
  }

  const crypto::KeyPair key_;
  const std::string chain_id_;
  const std::vector<PeerConfig> peers_;
  const Ms timeout_;
  std::vector<std::unique_ptr<p2p::BlockingClient>> clients_;  // one per peer; each used by one thread
};

}  // namespace

std::unique_ptr<SnapshotPeers> MakePeerSnapshots(const crypto::KeyPair& key, std::string chain_id,
                                                 std::vector<PeerConfig> peers, std::uint32_t timeout_ms) {
  return std::make_unique<PeerSnapshots>(key, std::move(chain_id), std::move(peers), timeout_ms);
}

}  // namespace shanliu::node
