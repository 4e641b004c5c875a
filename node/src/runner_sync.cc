// Block sync: a node behind its peers fetches committed blocks with their certificates,
// checks each certificate against the genesis validators, re-executes the block (which checks
// every tx, the roots and the state digest) and commits it. Validators use it after a restart
// or a partition; observers use nothing else.
#include <cstring>
#include <thread>
#include <unordered_set>

#include "runner_impl.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/tx.h"
#include "shanliu/node/log.h"

namespace shanliu::node {

namespace {

struct HashOf {
  std::size_t operator()(const Hash256& h) const {
    std::size_t v;
    std::memcpy(&v, h.data(), sizeof v);
    return v;
  }
};
using VerifiedSet = std::unordered_set<Hash256, HashOf>;

// Checks the signatures of every tx in a batch of synced blocks on `threads` threads and
// returns the envelope hashes that verified; execution then skips those checks. Txs that fail
// are simply absent, so execution checks them again and reports the failure itself.
VerifiedSet VerifySignatures(const std::vector<pb::CommittedBlock>& blocks, const std::string& chain_id,
                             unsigned threads) {
  std::vector<const std::string*> envelopes;
  for (const pb::CommittedBlock& b : blocks) {
    for (const std::string& tx : b.block().txs()) envelopes.push_back(&tx);
  }
  std::vector<std::vector<Hash256>> verified(threads);
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (std::size_t i = t; i < envelopes.size(); i += threads) {
        auto decoded = ledger::DecodeTx(AsBytes(*envelopes[i]), chain_id, /*verify_signatures=*/true);
        if (decoded.ok()) verified[t].push_back(decoded->envelope_hash);
      }
    });
  }
  for (std::thread& th : pool) th.join();
  VerifiedSet out;
  for (const auto& part : verified) out.insert(part.begin(), part.end());
  return out;
}

// A validator one height behind normally catches up through the core's own decision
// request; only when that does not happen within this long does it sync.
constexpr std::uint64_t kValidatorLagGraceMs = 2000;
// Signature checks of synced blocks run on this many threads (the machine DESIGN targets has 2).
constexpr unsigned kSyncVerifyThreads = 2;
}  // namespace

void Runner::Impl::OnHeadStatus(const crypto::PublicKey& from, const pb::p2p::HeadStatus& head) {
  peer_heights_[from] = head.height();
  MaybeSync();
}

void Runner::Impl::MaybeSync() {
  if (stopped_) return;
  const std::uint64_t now = WallClockMs();
  if (sync_peer_ && now < sync_deadline_ms_) return;  // a request is in flight
  sync_peer_.reset();
  const std::uint64_t mine = ledger_.height();
  const crypto::PublicKey* best = nullptr;
  std::uint64_t best_height = mine;
  for (const auto& [peer, height] : peer_heights_) {
    if (height > best_height) {
      best_height = height;
      best = &peer;
    }
  }
  if (!best) {
    behind_since_ms_ = 0;
    return;
  }
  if (behind_since_ms_ == 0 || behind_height_ != mine) {
    behind_since_ms_ = now;
    behind_height_ = mine;
  }
  if (IsValidator() && best_height == mine + 1 && now - behind_since_ms_ < kValidatorLagGraceMs) return;
  RequestBlocks(*best, mine + 1, config_.sync_blocks_per_request);
}

void Runner::Impl::RequestBlocks(const crypto::PublicKey& peer, std::uint64_t from_height, std::uint32_t count) {
  pb::p2p::P2pFrame frame;
  frame.mutable_blocks_request()->set_from_height(from_height);
  frame.mutable_blocks_request()->set_max_blocks(count);
  Send(peer, frame);
  sync_peer_ = peer;
  sync_deadline_ms_ = WallClockMs() + config_.sync_request_timeout_ms;
}

void Runner::Impl::OnBlocksRequest(const crypto::PublicKey& from, const pb::p2p::BlocksRequest& request) {
  const std::uint32_t count = std::min(request.max_blocks(), config_.sync_blocks_per_request);
  auto view = ledger_.Read();
  const std::uint64_t head = view->head().height();
  pb::p2p::P2pFrame frame;
  pb::p2p::BlocksResponse* response = frame.mutable_blocks();
  response->set_head_height(head);
  std::size_t bytes = 0;
  if (request.from_height() >= 1) {
    for (std::uint64_t h = request.from_height(); h <= head && h < request.from_height() + count; ++h) {
      auto block = view->CommittedBlockAt(h);
      if (!block) break;
      std::string encoded = block->SerializeAsString();
      // Always send at least one block, so a block near the size limit still travels.
      if (response->blocks_size() > 0 && bytes + encoded.size() > config_.max_sync_response_bytes) break;
      bytes += encoded.size();
      response->add_blocks(std::move(encoded));
    }
  }
  Send(from, frame);
}

void Runner::Impl::OnBlocks(const crypto::PublicKey& from, const pb::p2p::BlocksResponse& response) {
  if (sync_peer_ == from) sync_peer_.reset();
  // First the certificates, in height order from our head: they are cheap next to the txs'
  // signatures and execution, and nothing uncertified is checked or run.
  std::vector<pb::CommittedBlock> blocks;
  std::uint64_t next_height = ledger_.height() + 1;
  for (const std::string& encoded : response.blocks()) {
    pb::CommittedBlock committed;
    if (!committed.ParseFromString(encoded)) {
      LogEvent("warn", "sync_block_malformed", {{"peer", crypto::ToHex(from)}});
      break;
    }
    const std::uint64_t height = committed.block().header().height();
    if (height < next_height) continue;  // already have it
    if (height != next_height) break;    // a gap: ask again from our head
    auto block_hash = ledger::BlockHash(committed.block().header());
    if (!block_hash.ok()) break;
    if (Status s = ledger::VerifyCommitCertificate(committed.commit(), genesis_.chain_id, height, *block_hash,
                                                   genesis_.validators);
        !s.ok()) {
      LogEvent("warn", "sync_bad_certificate", {{"peer", crypto::ToHex(from)}, {"height", height}, {"error", s.ToString()}});
      break;
    }
    blocks.push_back(std::move(committed));
    ++next_height;
  }
  const VerifiedSet verified = VerifySignatures(blocks, genesis_.chain_id, kSyncVerifyThreads);
  const auto signature_verified = [&](const Hash256& h) {
    return verified.count(h) > 0 || mempool_.SignatureVerified(h);
  };
  std::uint64_t synced = 0;
  for (const pb::CommittedBlock& committed : blocks) {
    auto executed = ledger_.ExecuteProposal(committed.block(), signature_verified);
    if (!executed.ok()) {
      // A certified block that does not execute here means our state diverged from the network's.
      return Fatal("sync_execute", executed.status());
    }
    if (Status s = ledger_.Commit(*executed, committed.commit()); !s.ok()) return Fatal("sync_commit", s);
    {
      std::lock_guard lock(stats_mutex_);
      ++stats_.blocks_synced;
    }
    AfterCommit(*executed, /*by_sync=*/true);
    ++synced;
  }
  if (synced > 0) {
    LogEvent("info", "blocks_synced", {{"blocks", synced}, {"height", ledger_.height()}, {"peer", crypto::ToHex(from)}});
    behind_since_ms_ = 0;
    SendHead();
    // The store moved past the core's height: it starts again at the next one.
    if (core_) Feed(consensus::Start{ledger_.height() + 1});
  }
  if (response.head_height() > ledger_.height()) {
    peer_heights_[from] = std::max(peer_heights_[from], response.head_height());
  }
  MaybeSync();
}

}  // namespace shanliu::node
