// The repair's RemoteBlocks over the P2P protocol (shanliu/node/store_repair.h): the node is
// stopped, so the repair is a plain client of its peers, with the node's own key (which the
// peers accept), asking for blocks exactly as block sync does (BlocksRequest -> BlocksResponse).
// Whatever else a peer sends meanwhile (head announcements, votes, gossip) is skipped.
#include <chrono>
#include <memory>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/replay.h"
#include "shanliu/node/store_repair.h"
#include "shanliu/pb/p2p.pb.h"
#include "transport_client.h"

namespace shanliu::node {
namespace {

using Clock = std::chrono::steady_clock;
using Ms = std::chrono::milliseconds;

class PeerBlocks final : public RemoteBlocks {
 public:
  PeerBlocks(crypto::KeyPair key, std::string chain_id, std::vector<PeerConfig> peers, std::uint32_t timeout_ms)
      : key_(std::move(key)),
        chain_id_(std::move(chain_id)),
        peers_(std::move(peers)),
        timeout_(timeout_ms),
        clients_(peers_.size()) {}

  std::size_t peer_count() const override { return peers_.size(); }
  std::string PeerName(std::size_t peer) const override {
    return peers_.at(peer).address + " (" + crypto::ToHex(peers_.at(peer).public_key).substr(0, 16) + ")";
  }

  Result<Response> Fetch(std::size_t peer, std::uint64_t from_height, std::uint32_t max_blocks) override {
    auto client = Connected(peer);
    if (!client.ok()) return client.status();
    pb::p2p::P2pFrame request;
    request.mutable_blocks_request()->set_from_height(from_height);
    request.mutable_blocks_request()->set_max_blocks(max_blocks);
    const std::string bytes = request.SerializeAsString();
    if (Status s = (*client)->SendFrame(0, AsBytes(bytes), timeout_); !s.ok()) return Drop(peer, s);
    const auto deadline = Clock::now() + timeout_;
    while (Clock::now() < deadline) {
      const auto left = std::chrono::duration_cast<Ms>(deadline - Clock::now());
      auto payload = (*client)->ReadFrame(std::max(left, Ms(1)));
      if (!payload.ok()) return Drop(peer, payload.status());
      pb::p2p::P2pFrame frame;
      if (!frame.ParseFromArray(payload->data(), static_cast<int>(payload->size())) || !frame.has_blocks()) continue;
      return Decode(frame.blocks());
    }
    return Drop(peer, Status::Error("timeout", "no blocks response within " + std::to_string(timeout_.count()) + " ms"));
  }

 private:
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

  static Result<Response> Decode(const pb::p2p::BlocksResponse& served) {
    Response response;
    response.head_height = served.head_height();
    for (const std::string& encoded : served.blocks()) {
      pb::CommittedBlock block;
      if (!block.ParseFromString(encoded)) {
        return Status::Error(std::string(ledger::kBlockMalformed),
                             "block " + std::to_string(response.blocks.size() + 1) + " of the response does not parse");
      }
      response.blocks.push_back(std::move(block));
    }
    return response;
  }

  const crypto::KeyPair key_;
  const std::string chain_id_;
  const std::vector<PeerConfig> peers_;
  const Ms timeout_;
  std::vector<std::unique_ptr<p2p::BlockingClient>> clients_;  // null until connected, or after a failure
};

}  // namespace

std::unique_ptr<RemoteBlocks> MakePeerBlocks(const crypto::KeyPair& key, std::string chain_id,
                                             std::vector<PeerConfig> peers, std::uint32_t timeout_ms) {
  return std::make_unique<PeerBlocks>(key, std::move(chain_id), std::move(peers), timeout_ms);
}

}  // namespace shanliu::node
