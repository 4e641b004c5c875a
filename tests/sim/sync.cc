// Block sync in the simulator: every honest node (validators and observers) runs the node's own
// BlockSync policy (shanliu/node/block_sync.h), fed head claims and responses and driven by the
// simulated clock, as SyncDriver (node/src/runner_sync.cc) feeds it with the wall clock. Blocks
// that arrive are checked as the node's replayer checks them before anything else: the header
// chain (height and parent) and the commit certificate against the validator set. Observers
// follow by nothing else. The liar claims a head it never serves, answers nothing or forges; the
// slow peer answers past the request timeout.
#include <algorithm>
#include <cassert>

#include "block_sync_faults.h"
#include "scripted_net.h"
#include "world.h"

namespace shanliu::sim {

void World::NewSync(std::uint32_t i) {
  Node& node = nodes_[i];
  node.sync.emplace(node::BlockSync::Limits{.blocks_per_request = kBlocksPerRequest});
  if (options_.faults.sync_ask_highest_claimant) node::BlockSyncFaults::AskHighestClaimant(*node.sync);
}

std::uint64_t World::LiarClaim() const {
  if (node_scenario_.liar_claim == 2) return 1'000'000'000'000'000ULL;
  return MaxHonestHeight() + (node_scenario_.liar_claim == 1 ? 5 : 1);
}

void World::SyncTick(std::uint32_t i) {
  Node& node = nodes_[i];
  if (node.role == Role::kLiar) return SendClaims(i, true);
  if (!node.sync) return;  // Byzantine validators neither claim nor sync
  SendClaims(i, node.ticks++ % kClaimRefreshTicks == 0);
  SyncNext(i);
}

// A HeadStatus to every peer that syncs, when the head moved (or now and then, for peers that
// restarted and forgot the claims).
void World::SendClaims(std::uint32_t i, bool force) {
  Node& node = nodes_[i];
  const std::uint64_t head = node.role == Role::kLiar ? LiarClaim() : node.chain.size();
  if (!force && head == node.claimed) return;
  node.claimed = head;
  for (std::uint32_t j = 0; j < nodes_.size(); ++j) {
    if (j == i || nodes_[j].byzantine || nodes_[j].role == Role::kLiar) continue;
    Send(Packet{i, j, Packet::Kind::kHeadClaim, {}, head, 0, {}}, node_random_);
  }
}

void World::SyncNext(std::uint32_t i) {
  Node& node = nodes_[i];
  if (!node.up || !node.sync) return;
  for (const node::BlockSync::Request& r : node.sync->Next(node.chain.size(), IsValidator(i), now_)) {
    const auto peer = std::find(keys_.begin(), keys_.end(), r.peer);
    assert(peer != keys_.end());
    const auto j = static_cast<std::uint32_t>(peer - keys_.begin());
    Trace(i, "->", [&] {
      return "blocks request to n" + std::to_string(j) + " from " + std::to_string(r.from_height);
    });
    if (++node.sync_requests > kMaxSyncRequestsPerSecond * (now_ / 1000 + 1)) {
      return Fail("sync storm: peer " + std::to_string(i) + " sent " + std::to_string(node.sync_requests) +
                  " block requests in " + std::to_string(now_) + " ms");
    }
    Send(Packet{i, j, Packet::Kind::kBlocksRequest, {}, r.from_height, r.max_blocks, {}}, node_random_);
  }
}

void World::ReceiveSync(Packet& packet) {
  const std::uint32_t i = packet.to;
  Node& node = nodes_[i];
  switch (packet.kind) {
    case Packet::Kind::kHeadClaim:
      if (!node.sync) return;
      node.sync->OnClaim(KeyOf(packet.from), packet.height);
      return SyncNext(i);
    case Packet::Kind::kBlocksRequest:
      if (node.role == Role::kLiar) return LiarAnswer(i, packet);
      if (node.byzantine) return;  // withholds, as with decision requests
      return ServeBlocks(i, packet);
    case Packet::Kind::kBlocksResponse:
      if (node.sync) OnBlocks(i, packet);
      return;
    default:
      assert(false);
  }
}

// SyncDriver::ReadBlocks: from the store, checksummed; a record that fails its checksum ends the
// answer before it, and the node stops (StopOnDamage).
void World::ServeBlocks(std::uint32_t i, const Packet& request) {
  Node& node = nodes_[i];
  Packet response{i, request.from, Packet::Kind::kBlocksResponse, {}, node.chain.size(), 0, {}};
  const std::uint64_t count = std::min(request.max_blocks, kBlocksPerRequest);
  std::optional<std::uint64_t> damaged;
  const std::uint64_t first = std::max<std::uint64_t>(request.height, 1);
  for (std::uint64_t h = first; h <= node.chain.size() && h < request.height + count; ++h) {
    std::optional<cs::CommitBlock> block = StoreRead(i, h);
    if (!block) {
      damaged = h;
      break;
    }
    CheckServed(i, *block);
    if (!report_.ok) return;
    response.blocks.push_back(std::move(*block));
  }
  const bool slow = node_scenario_.slow_peer == static_cast<int>(i);
  Send(std::move(response), node_random_, slow ? node_random_.Between(2000, 9000) : 0);
  if (damaged) StopOnDamage(i, *damaged, "block sync");
}

void World::LiarAnswer(std::uint32_t i, const Packet& request) {
  if (node_random_.Chance(node_scenario_.liar_silence)) return;
  Packet response{i, request.from, Packet::Kind::kBlocksResponse, {}, LiarClaim(), 0, {}};
  if (request.height >= 1 && node_random_.Chance(0.5)) response.blocks.push_back(ForgedBlock(request.height));
  Send(std::move(response), node_random_);
}

// Either a real block with a byte changed (hash and certificate kept), or a fresh block that
// names the right parent and carries the real block's certificate (or none, above the head).
cs::CommitBlock World::ForgedBlock(std::uint64_t height) {
  const cs::CommitBlock* real = nullptr;
  for (std::uint32_t v = 0; v < validators_ && real == nullptr; ++v) {
    if (!nodes_[v].byzantine && nodes_[v].chain.size() >= height) real = &nodes_[v].chain[height - 1];
  }
  if (real != nullptr && node_random_.Chance(0.5)) {
    cs::CommitBlock forged = *real;
    forged.block.back() ^= 0x01;
    return forged;
  }
  cs::CommitBlock forged;
  forged.height = height;
  AppendU64(forged.block, height);
  AppendRaw(forged.block, ParentOf(height));
  for (int k = 0; k < 24; ++k) forged.block.push_back(static_cast<std::uint8_t>(node_random_.Next()));
  forged.block_hash = *BlockIdentity(forged.block);
  if (real != nullptr) {
    forged.round = real->round;
    forged.certificate = real->certificate;
  }
  return forged;
}

// SyncDriver::OnBlocks: the consecutive blocks from our head on, each checked before it commits;
// the first that fails ends the response and counts against the peer.
void World::OnBlocks(std::uint32_t i, const Packet& response) {
  Node& node = nodes_[i];
  std::uint64_t committed = 0;
  bool bad = false;
  for (const cs::CommitBlock& block : response.blocks) {
    if (block.height <= node.chain.size()) continue;
    if (block.height != node.chain.size() + 1) break;
    if (!options_.faults.skip_block_check) {
      const Status check = CheckSyncedBlock(i, block);
      if (!check.ok()) {
        bad = true;
        ++report_.bad_blocks_refused;
        Trace(i, "!!", [&] {
          return "refused synced block from n" + std::to_string(response.from) + ": " + check.ToString();
        });
        break;
      }
    }
    if (TearIfArmed(i, block)) return;
    CommitChecked(i, block);
    if (!report_.ok) return;
    ++committed;
    ++report_.blocks_synced;
  }
  if (!node.above_gap.empty()) {
    const std::uint64_t before = node.chain.size();
    CommitAboveGap(i);
    if (!node.up || !report_.ok) return;
    committed += node.chain.size() - before;
  }
  const crypto::PublicKey& from = KeyOf(response.from);
  node.sync->OnClaim(from, response.height);
  node.sync->OnResponse(from, committed, node.chain.size(), now_);
  if (bad) node.sync->OnBadBlocks(from, now_);
  if (committed > 0) {
    Trace(i, "<-", [&] { return std::to_string(committed) + " blocks synced from n" + std::to_string(response.from); });
    if (node.repair_to != 0 && node.chain.size() >= node.repair_to) {
      node.repair_to = 0;
      if (IsValidator(i)) StartConsensus(i);
    } else if (node.core) {
      Handle(i, cs::Start{node.chain.size() + 1});  // RestartAtStoreHeight
    }
    if (!node.up || !report_.ok) return;
  }
  SyncNext(i);
}

// A block that passed CheckSyncedBlock (or came from the node's own intact store) commits.
void World::CommitChecked(std::uint32_t i, const cs::CommitBlock& block) {
  Node& node = nodes_[i];
  if (IsValidator(i)) {
    CommitDecided(i, block);
  } else {
    CheckObserverCommit(i, block);
    node.chain.push_back(block);
    StoreAppend(i, block);
  }
}

// The repair's second salvage pass: once peers have filled the gap, the damaged store's intact
// blocks above it replay in order, checked as synced blocks are (header chain, certificate); the
// first that does not fit ends the pass and is dropped with everything above it.
void World::CommitAboveGap(std::uint32_t i) {
  Node& node = nodes_[i];
  while (!node.above_gap.empty()) {
    auto next = node.above_gap.begin();
    if (next->first <= node.chain.size()) {
      node.above_gap.erase(next);
      continue;
    }
    if (next->first != node.chain.size() + 1) return;  // the gap is not filled yet
    if (const Status check = CheckSyncedBlock(i, next->second); !check.ok()) {
      Trace(i, "!!", [&] { return "dropped the stored blocks above the gap: " + check.ToString(); });
      node.above_gap.clear();
      return;
    }
    if (TearIfArmed(i, next->second)) return;  // the damaged store, and this block in it, are kept
    const cs::CommitBlock block = std::move(next->second);
    node.above_gap.erase(next);
    CommitChecked(i, block);
    if (!report_.ok) return;
    Trace(i, "<-", [&] { return "block " + std::to_string(block.height) + " kept from the damaged store"; });
  }
}

Status World::CheckSyncedBlock(std::uint32_t i, const cs::CommitBlock& block) {
  const Node& node = nodes_[i];
  const Result<Hash256> identity = BlockIdentity(block.block);
  if (!identity.ok() || *identity != block.block_hash) {
    return Status::Error("block_hash_mismatch", "the block's bytes do not hash to the certified hash");
  }
  Hash256 parent{};
  if (block.block.size() < 8 + parent.size() || ReadU64(block.block) != block.height) {
    return Status::Error("header_chain", "the header names another height");
  }
  std::copy_n(block.block.begin() + 8, parent.size(), parent.begin());
  const Hash256 expected = node.chain.empty() ? Hash256{} : node.chain.back().block_hash;
  if (parent != expected) return Status::Error("header_chain", "the header names another parent");
  return CertificateStatus(block.certificate, block.height, block.block_hash);
}

const Status& World::CertificateStatus(const pb::CommitCertificate& certificate, std::uint64_t height,
                                       const Hash256& hash) {
  std::string key = certificate.SerializeAsString();
  key.append(reinterpret_cast<const char*>(hash.data()), hash.size());
  key.append(std::to_string(height));
  auto [checked, fresh] = certificates_.try_emplace(std::move(key));
  if (fresh) {
    // Through the memo: each precommit in it was verified when a core received it. One the
    // cores never verified (skip-vote-signature, a forger's) is not in the memo and goes to libsodium.
    checked->second = ledger::VerifyCommitCertificate(
        certificate, config_.chain_id, height, hash, config_.validators,
        [this](const crypto::PublicKey& key, ByteView message, const crypto::Signature& sig) {
          return signatures_.Verify(key, message, sig);
        });
  }
  return checked->second;
}

Hash256 World::ParentOf(std::uint64_t height) const {
  if (height <= 1) return Hash256{};
  if (auto it = decided_.find(height - 1); it != decided_.end()) return it->second.second;
  for (const Node& node : nodes_) {  // a Byzantine core's commit, which decided_ does not record
    if (node.chain.size() >= height - 1) return node.chain[height - 2].block_hash;
  }
  return Hash256{};
}

// No fork and nothing forged: an observer commits exactly what the validators committed.
void World::CheckObserverCommit(std::uint32_t i, const cs::CommitBlock& commit) {
  const std::string who = "observer " + std::to_string(i);
  auto decided = decided_.find(commit.height);
  if (decided == decided_.end() || decided->second.second != commit.block_hash) {
    return Fail("fork: " + who + " committed " + cs::ShortHash(commit.block_hash) + " at height " +
                std::to_string(commit.height) + ", which no validator committed");
  }
  const Result<Hash256> identity = BlockIdentity(commit.block);
  if (!identity.ok() || *identity != commit.block_hash) {
    return Fail("forged: " + who + " committed bytes at height " + std::to_string(commit.height) +
                " that are not the certified block");
  }
}

// An honest node serves only what it committed: a corrupt read must never leave the node.
void World::CheckServed(std::uint32_t i, const cs::CommitBlock& served) {
  auto decided = decided_.find(served.height);
  const Result<Hash256> identity = BlockIdentity(served.block);
  if (decided == decided_.end() || !identity.ok() || *identity != decided->second.second) {
    Fail("storage: peer " + std::to_string(i) + " served block " + std::to_string(served.height) +
         " with bytes that are not the block it committed (a corrupt read was used)");
  }
}

}  // namespace shanliu::sim
