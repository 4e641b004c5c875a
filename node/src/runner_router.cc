#include "runner_router.h"

#include <cstring>

#include "shanliu/crypto/codec.h"
#include "shanliu/node/log.h"

namespace shanliu::node {
namespace {

// A fixed-size field of a peer's message: false unless exactly that many bytes.
template <std::size_t N>
bool CopyExact(const std::string& field, std::array<std::uint8_t, N>& out) {
  if (field.size() != N) return false;
  std::memcpy(out.data(), field.data(), N);
  return true;
}

}  // namespace

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
    case pb::p2p::P2pFrame::kOriginPackage: OnOriginPackage(from, frame.origin_package()); return true;
    case pb::p2p::P2pFrame::kOriginShare: OnOriginShare(from, frame.origin_share()); return true;
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
    return;
  }
  // The nonce commitments ride on a cosignature that verified, so only a validator can make a
  // checkpoint take one of the signer's bounded places.
  if (!parts_.origin || message.origin_hiding().empty()) return;
  // The checkpoint's origin key set says who holds which share: a cosigner outside it has none.
  const ledger::OriginEpochPtr epoch = parts_.origin_epoch(message.log_size());
  if (!epoch) {
    LogEvent("debug", "origin_commitment_dropped", {{"log_size", message.log_size()}, {"reason", "no origin key set known"}});
    return;
  }
  const int participant = epoch->keys.ParticipantIndex(c.public_key);
  if (participant < 0) {
    parts_.faults.Warn(from, "origin_commitment_refused", {{"error", "the cosigner holds no share of the origin key"}});
    return;
  }
  ledger::OriginCommitment commitment{static_cast<std::uint32_t>(participant), {}};
  if (!CopyExact(message.origin_hiding(), commitment.commitments.hiding) ||
      !CopyExact(message.origin_binding(), commitment.commitments.binding)) {
    parts_.faults.Warn(from, "origin_commitment_malformed", {});
    return;
  }
  const ledger::CheckpointRef checkpoint{message.log_size(), root};
  if (Status s = parts_.origin->AddCommitment(checkpoint, epoch, commitment); !s.ok()) {
    parts_.faults.Warn(from, "origin_commitment_refused", {{"error", s.ToString()}});
    return;
  }
  OriginProgress(checkpoint);
}

void Router::OriginProgress(const ledger::CheckpointRef& checkpoint) {
  if (!parts_.origin) return;
  auto package = parts_.origin->TakePackage(checkpoint);
  if (!package) return;
  pb::p2p::P2pFrame frame;
  auto* m = frame.mutable_origin_package();
  m->set_log_size(checkpoint.log_size);
  m->set_log_root(std::string(checkpoint.log_root.begin(), checkpoint.log_root.end()));
  for (const ledger::OriginCommitment& c : package->commitments) {
    auto* pc = m->add_commitments();
    pc->set_validator_index(c.validator_index);
    pc->set_hiding(std::string(c.commitments.hiding.begin(), c.commitments.hiding.end()));
    pc->set_binding(std::string(c.commitments.binding.begin(), c.commitments.binding.end()));
  }
  parts_.peers.SendToAll(frame);
  SignOrigin(checkpoint);
}

void Router::OnOriginPackage(const crypto::PublicKey& from, const pb::p2p::OriginSigningPackage& message) {
  if (!parts_.origin) return;
  ledger::OriginSigningPackage package;
  package.checkpoint.log_size = message.log_size();
  bool well_formed = CopyExact(message.log_root(), package.checkpoint.log_root) &&
                     message.commitments_size() <= crypto::frost::kMaxParticipants;
  for (const auto& c : message.commitments()) {
    if (!well_formed) break;
    ledger::OriginCommitment oc{c.validator_index(), {}};
    well_formed = CopyExact(c.hiding(), oc.commitments.hiding) && CopyExact(c.binding(), oc.commitments.binding);
    package.commitments.push_back(oc);
  }
  // The coordinator is a participant named by its transport key (peers are authenticated).
  const ledger::OriginEpochPtr epoch = well_formed ? parts_.origin_epoch(package.checkpoint.log_size) : nullptr;
  const int sender = epoch ? epoch->keys.ParticipantIndex(from) : -1;
  if (!well_formed || sender < 0) {
    parts_.faults.Warn(from, "origin_package_refused",
                       {{"error", !well_formed ? "malformed" : epoch ? "not a participant" : "no origin key set known"}});
    return;
  }
  auto result = parts_.origin->AddPackage(package, epoch, static_cast<std::uint32_t>(sender));
  if (!result.ok()) {
    parts_.faults.Warn(from, "origin_package_refused", {{"error", result.status().ToString()}});
    return;
  }
  OriginSigned(package.checkpoint, result);
  SignOrigin(package.checkpoint);
}

void Router::SignOrigin(const ledger::CheckpointRef& checkpoint) {
  auto share = parts_.origin->SignPackage(checkpoint);
  // Not listed, no share file, or already signed: nothing to send (a replayed package).
  if (!share.ok()) {
    LogEvent("debug", "origin_share_not_made", {{"log_size", checkpoint.log_size}, {"error", share.status().ToString()}});
    return;
  }
  pb::p2p::P2pFrame frame;
  auto* m = frame.mutable_origin_share();
  m->set_log_size(checkpoint.log_size);
  m->set_log_root(std::string(checkpoint.log_root.begin(), checkpoint.log_root.end()));
  m->set_validator_index(share->validator_index);
  m->set_share(std::string(share->share.begin(), share->share.end()));
  parts_.peers.SendToAll(frame);
  OriginSigned(checkpoint, parts_.origin->AddShare(*share));
}

void Router::OnOriginShare(const crypto::PublicKey& from, const pb::p2p::OriginSignatureShare& message) {
  if (!parts_.origin) return;
  ledger::OriginShare share;
  share.checkpoint.log_size = message.log_size();
  share.validator_index = message.validator_index();
  if (!CopyExact(message.log_root(), share.checkpoint.log_root) || !CopyExact(message.share(), share.share)) {
    parts_.faults.Warn(from, "origin_share_malformed", {});
    return;
  }
  auto result = parts_.origin->AddShare(share);
  if (!result.ok()) {
    // Rate-limited per peer; the message names the participant whose share failed.
    parts_.faults.Warn(from, "origin_share_refused",
                       {{"participant", share.validator_index}, {"error", result.status().ToString()}});
    return;
  }
  OriginSigned(share.checkpoint, result);
}

void Router::OriginSigned(const ledger::CheckpointRef& checkpoint,
                          const Result<std::optional<crypto::Signature>>& result) {
  if (!result.ok() || !result->has_value() || !parts_.checkpoints) return;
  if (Status s = parts_.checkpoints->AddOriginSignature(checkpoint.log_size, checkpoint.log_root, **result); !s.ok()) {
    LogEvent("warn", "origin_signature_refused", {{"log_size", checkpoint.log_size}, {"error", s.ToString()}});
    return;
  }
  LogEvent("debug", "origin_signed", {{"log_size", checkpoint.log_size}});
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
