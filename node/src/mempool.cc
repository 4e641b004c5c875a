#include "shanliu/node/mempool.h"

#include <cassert>
#include <chrono>
#include <algorithm>
#include <cstring>

#include "shanliu/ledger/executor.h"

namespace shanliu::node {
namespace {

std::uint64_t WallClockMs() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

}  // namespace

Mempool::Mempool(ledger::Ledger& ledger, MempoolConfig config) : ledger_(ledger), config_(config) {
  std::lock_guard lock(mutex_);
  RebuildPending();
}

std::pair<Hash256, Status> Mempool::Submit(ByteView envelope) {
  // Signature checks are the expensive part: do them before taking the lock.
  auto decoded = ledger::DecodeTx(envelope, ledger_.genesis().chain_id, /*verify_signatures=*/false);
  if (!decoded.ok()) return {Hash256{}, decoded.status()};
  const Hash256 id = decoded->id;
  {
    std::lock_guard lock(mutex_);
    if (pending_ids_.count(id)) return {id, Status::Ok()};  // resubmission of a pending tx is harmless
  }
  const Hash256 envelope_hash = decoded->envelope_hash;
  if (!SignatureVerified(envelope_hash)) {
    decoded = ledger::DecodeTx(envelope, ledger_.genesis().chain_id, /*verify_signatures=*/true);
    if (!decoded.ok()) return {id, decoded.status()};
  }
  bool woke = false;
  Status s;
  {
    std::lock_guard lock(mutex_);
    MarkVerified(envelope_hash);
    if (pending_ids_.count(id)) return {id, Status::Ok()};
    if (!TakeToken(decoded->signers.front(), WallClockMs())) {
      return {id,
              Status::Error("rate_limited", "this organisation is submitting faster than the node admits; slow down")};
    }
    const bool was_empty = pending_.empty();
    s = Admit(std::move(*decoded));
    if (!s.ok()) Remember(id, s);
    woke = s.ok() && was_empty;
  }
  if (woke) {
    for (const auto& listener : txs_available_) listener();
  }
  return {id, s};
}

void Mempool::AddTxsAvailableListener(std::function<void()> listener) {
  assert(listener);
  txs_available_.push_back(std::move(listener));
}

Status Mempool::Admit(ledger::DecodedTx tx) {
  if (pending_ids_.count(tx.id)) return Status::Ok();
  if (pending_.size() >= config_.max_txs || pending_bytes_ + tx.envelope.size() > config_.max_bytes) {
    return Status::Error("mempool_full", "the node's mempool is full; retry shortly");
  }
  const crypto::PublicKey signer = tx.signers.front();
  if (per_signer_[signer] >= config_.max_per_signer) {
    return Status::Error("rate_limited", "too many pending transactions from this signer; wait for a block");
  }
  const std::uint64_t now_ms = config_.clock ? config_.clock() : WallClockMs();
  ledger::TxContext ctx{base_->head().height() + 1, now_ms, next_leaf_, 0};
  Status s = ledger::ApplyTx(*overlay_, ledger_.genesis(), tx, ctx);
  if (!s.ok()) return s;
  ++next_leaf_;
  pending_bytes_ += tx.envelope.size();
  ++per_signer_[signer];
  pending_ids_[tx.id] = 1;
  pending_.push_back(Entry{std::move(tx), signer});
  return Status::Ok();
}

bool Mempool::TakeToken(const crypto::PublicKey& signer, std::uint64_t now_ms) {
  if (config_.signer_rate_per_second == 0) return true;
  const double burst = static_cast<double>(config_.signer_burst);
  auto [it, fresh] = buckets_.try_emplace(signer, Bucket{burst, now_ms});
  Bucket& b = it->second;
  if (!fresh && now_ms > b.refilled_ms) {
    b.tokens = std::min(burst, b.tokens + static_cast<double>(now_ms - b.refilled_ms) *
                                              config_.signer_rate_per_second / 1000.0);
    b.refilled_ms = now_ms;
  }
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  // Bound the table: full buckets carry no information and can go.
  if (buckets_.size() > 100'000) {
    std::erase_if(buckets_, [&](const auto& entry) { return &entry.second != &b && entry.second.tokens >= burst - 1; });
  }
  return true;
}

std::vector<ledger::DecodedTx> Mempool::Candidates(std::size_t max_txs, std::size_t max_bytes) const {
  std::lock_guard lock(mutex_);
  std::vector<ledger::DecodedTx> out;
  std::size_t bytes = 0;
  for (const Entry& e : pending_) {
    if (out.size() >= max_txs || bytes + e.tx.envelope.size() > max_bytes) break;
    bytes += e.tx.envelope.size();
    out.push_back(e.tx);
  }
  return out;
}

void Mempool::OnCommitted(const std::vector<Hash256>& committed, const std::vector<ledger::RejectedTx>& rejected) {
  std::lock_guard lock(mutex_);
  // Fast path: the block is exactly the oldest pending txs, in order (what this node's own
  // proposals are). The overlay already holds their effects on top of the older snapshot, so
  // it stays a valid admission filter without re-applying every remaining tx: that would cost
  // time quadratic in the backlog. Block building re-checks everything anyway; the overlay is
  // rebuilt fully every kMaxFastCommits blocks, on any other block, and once the pool drains.
  constexpr std::size_t kMaxFastCommits = 16;
  bool prefix = rejected.empty() && !committed.empty() && committed.size() <= pending_.size() &&
                fast_commits_ < kMaxFastCommits;
  for (std::size_t i = 0; prefix && i < committed.size(); ++i) prefix = pending_[i].tx.id == committed[i];
  if (prefix) {
    for (std::size_t i = 0; i < committed.size(); ++i) {
      Entry& e = pending_.front();
      pending_bytes_ -= e.tx.envelope.size();
      if (--per_signer_[e.first_signer] == 0) per_signer_.erase(e.first_signer);
      pending_ids_.erase(e.tx.id);
      pending_.pop_front();
    }
    ++fast_commits_;
    if (!pending_.empty()) return;
  }
  std::set<Hash256> gone(committed.begin(), committed.end());
  for (const ledger::RejectedTx& r : rejected) {
    gone.insert(r.id);
    Remember(r.id, r.status);
  }
  std::deque<Entry> keep;
  for (Entry& e : pending_) {
    if (!gone.count(e.tx.id)) keep.push_back(std::move(e));
  }
  pending_ = std::move(keep);
  RebuildPending();
}

void Mempool::RebuildPending() {
  // Re-apply what is still pending on top of the newly committed state; anything that no
  // longer fits the rules is dropped with its error, so clients learn why.
  std::deque<Entry> old = std::move(pending_);
  pending_.clear();
  pending_ids_.clear();
  per_signer_.clear();
  pending_bytes_ = 0;
  overlay_.reset();
  fast_commits_ = 0;
  base_ = ledger_.Read();
  overlay_ = std::make_unique<ledger::StateView>(base_->NewOverlay());
  overlay_->EnableReadCache(1 << 16);  // on a fixed snapshot, used under mutex_ only
  next_leaf_ = base_->head().log_size();
  for (Entry& e : old) {
    const Hash256 id = e.tx.id;
    Status s = Admit(std::move(e.tx));
    if (!s.ok()) Remember(id, s);
  }
}

void Mempool::Remember(const Hash256& id, Status error) {
  if (!rejected_.count(id)) rejected_order_.push_back(id);
  rejected_[id] = std::move(error);
  while (rejected_order_.size() > config_.remembered_rejections) {
    rejected_.erase(rejected_order_.front());
    rejected_order_.pop_front();
  }
}

void Mempool::MarkVerified(const Hash256& envelope_hash) {
  if (verified_.emplace(envelope_hash, true).second) verified_order_.push_back(envelope_hash);
  while (verified_order_.size() > config_.verified_cache) {
    verified_.erase(verified_order_.front());
    verified_order_.pop_front();
  }
}

TxState Mempool::State(const Hash256& id, Status* error) const {
  std::lock_guard lock(mutex_);
  if (pending_ids_.count(id)) return TxState::kPending;
  if (auto it = rejected_.find(id); it != rejected_.end()) {
    if (error) *error = it->second;
    return TxState::kRejected;
  }
  return TxState::kUnknown;
}

bool Mempool::SignatureVerified(const Hash256& envelope_hash) const {
  std::lock_guard lock(mutex_);
  return verified_.count(envelope_hash) != 0;
}

std::size_t Mempool::size() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

}  // namespace shanliu::node
