#include "runner_router.h"

#include <cstring>

#include "shanliu/crypto/codec.h"
#include "shanliu/node/log.h"

namespace shanliu::node {

void Router::OnFrame(const crypto::PublicKey& from, Bytes payload) {
  io_thread_.Check();
  if (stopped_) return;
  pb::p2p::P2pFrame frame;
  if (!frame.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    parts_.faults.Warn(from, "p2p_frame_malformed", {{"bytes", payload.size()}});
    ++messages_rejected_;
    return;
  }
  if (!Dispatch(from, frame)) ++messages_rejected_;
}

bool Router::Dispatch(const crypto::PublicKey& from, const pb::p2p::P2pFrame& frame) {
  switch (frame.kind_case()) {
    case pb::p2p::P2pFrame::kConsensus:
      // Only validators take part; an observer drops consensus traffic (the adapter drops it
      // from anyone but a validator, and counts what does not decode).
      if (parts_.adapter) parts_.adapter->OnMessage(from, frame.consensus());
      return true;
    case pb::p2p::P2pFrame::kTxs: return parts_.gossip.OnBatch(from, frame.txs());
    case pb::p2p::P2pFrame::kHead:
      if (parts_.backfill) parts_.backfill->OnHeadStatus(from, frame.head().height());
      parts_.sync.OnHeadStatus(from, frame.head());
      return true;
    case pb::p2p::P2pFrame::kBlocksRequest: parts_.sync.OnBlocksRequest(from, frame.blocks_request()); return true;
    case pb::p2p::P2pFrame::kBlocks:
      // The answer to the backfill's request (it echoes from_height), or to block sync's.
      if (parts_.backfill && parts_.backfill->Expects(from, frame.blocks())) {
        parts_.backfill->OnBlocks(from, frame.blocks());
      } else {
        parts_.sync.OnBlocks(from, frame.blocks());
      }
      return true;
    case pb::p2p::P2pFrame::kCosignature: OnCosignature(from, frame.cosignature()); return true;
    case pb::p2p::P2pFrame::kSnapshotManifestRequest:
      if (parts_.snapshots) parts_.snapshots->OnManifestRequest(from);
      return true;
    case pb::p2p::P2pFrame::kSnapshotChunkRequest:
      if (parts_.snapshots) parts_.snapshots->OnChunkRequest(from, frame.snapshot_chunk_request());
      return true;
    // Answers are read by the state-sync client before a node runs (node/state_sync.h); a
    // running node asked for none.
    case pb::p2p::P2pFrame::kSnapshotManifest:
    case pb::p2p::P2pFrame::kSnapshotChunk: return false;
    case pb::p2p::P2pFrame::KIND_NOT_SET: return false;
  }
  return false;
}

void Router::OnPeer(const crypto::PublicKey& peer, bool connected) {
  io_thread_.Check();
  LogEvent("info", connected ? "peer_connected" : "peer_disconnected", {{"peer", crypto::ToHex(peer)}});
  if (connected) {
    // Tell the newcomer where we are at once, so a lagging peer can start syncing.
    parts_.peers.Send(peer, HeadFrame());
    if (last_own_cosignature_) parts_.peers.Send(peer, *last_own_cosignature_);
  } else {
    parts_.sync.OnPeerGone(peer);
    if (parts_.backfill) parts_.backfill->OnPeerGone(peer);
  }
  peers_ = parts_.peers.connected();
}

void Router::OnCosignature(const crypto::PublicKey& from, const pb::p2p::CheckpointCosignature& message) {
  if (!parts_.checkpoints) return;
  ledger::Cosignature c;
  c.timestamp_s = message.timestamp_s();
  const std::vector<ledger::Validator>& genesis_set = parts_.ledger.genesis().validators;
  const bool by_key = message.public_key().size() == c.public_key.size();
  // Older peers name a genesis validator by index instead of sending the key.
  const bool by_index = message.public_key().empty() && message.validator_index() < genesis_set.size();
  if (message.log_root().size() != 32 || message.signature().size() != c.signature.size() || !(by_key || by_index)) {
    parts_.faults.Warn(from, "cosignature_malformed", {});
    return;
  }
  if (by_key) {
    std::memcpy(c.public_key.data(), message.public_key().data(), c.public_key.size());
  } else {
    c.public_key = genesis_set[message.validator_index()].public_key;
  }
  Hash256 root;
  std::memcpy(root.data(), message.log_root().data(), root.size());
  std::memcpy(c.signature.data(), message.signature().data(), c.signature.size());
  // The collector checks the key is in the set that cosigns this log size and verifies the
  // signature against it, so a peer cannot cosign in another validator's name.
  if (Status s = parts_.checkpoints->Add(message.log_size(), root, c); !s.ok()) {
    LogEvent("debug", "cosignature_refused", {{"peer", crypto::ToHex(from)}, {"error", s.ToString()}});
  }
}

pb::p2p::P2pFrame Router::HeadFrame() const {
  pb::p2p::P2pFrame frame;
  frame.mutable_head()->set_height(parts_.ledger.height());
  const Hash256 hash = parts_.ledger.head_hash();
  frame.mutable_head()->set_block_hash(std::string(hash.begin(), hash.end()));
  frame.mutable_head()->set_observer(parts_.adapter == nullptr);
  return frame;
}

void Router::AnnounceHead() {
  io_thread_.Check();
  parts_.peers.SendToAll(HeadFrame());
}

void Router::ShareCosignature(pb::p2p::P2pFrame frame) {
  parts_.peers.SendToAll(frame);
  // Kept for peers that connect later: they get a checkpoint without waiting for a block.
  last_own_cosignature_ = std::move(frame);
}

}  // namespace shanliu::node
