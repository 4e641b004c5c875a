#include "runner_parts.h"

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

}  // namespace shanliu::node
