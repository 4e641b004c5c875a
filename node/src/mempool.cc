#include "shanliu/node/mempool.h"

#include <cassert>
#include <chrono>
#include <algorithm>
#include <cstring>

#include "shanliu/ledger/executor.h"
#include "shanliu/node/log.h"

namespace shanliu::node {
namespace {


}  // namespace

Mempool::Mempool(ledger::Ledger& ledger, MempoolConfig config) : ledger_(ledger), config_(config) {
  std::lock_guard lock(mutex_);
  RebuildPending();
}

std::uint64_t Mempool::NowMs() const { return (config_.clock ? *config_.clock : SystemClock()).WallMs(); }

std::pair<Hash256, Status> Mempool::Submit(ByteView envelope) {
  const Bytes copy(envelope.begin(), envelope.end());
  return SubmitBatch(std::span<const Bytes>(&copy, 1), nullptr).front();
}

std::vector<std::pair<Hash256, Status>> Mempool::SubmitBatch(std::span<const Bytes> envelopes,
                                                              ledger::VerifyPool* pool) {
  // Signature checks are the expensive part: do them before taking the lock, in parallel on
  // the shared pool when there is one. Envelopes verified before are only decoded.
  const std::string& chain_id = ledger_.genesis().chain_id;
  const std::function<bool(const Hash256&)> known = [this](const Hash256& envelope_hash) {
    return SignatureVerified(envelope_hash);
  };
  std::vector<Result<ledger::DecodedTx>> decoded;
  if (pool != nullptr) {
    std::vector<std::string_view> views;
    views.reserve(envelopes.size());
    for (const Bytes& e : envelopes) views.emplace_back(reinterpret_cast<const char*>(e.data()), e.size());
    decoded = pool->CheckTxs(views, chain_id, known);
  } else {
    decoded.reserve(envelopes.size());
    for (const Bytes& e : envelopes) decoded.push_back(ledger::DecodeTxCached(e, chain_id, known));
  }
  assert(decoded.size() == envelopes.size());
  std::vector<std::pair<Hash256, Status>> results(envelopes.size());
  for (std::size_t i = 0; i < decoded.size(); ++i) {
    if (decoded[i].ok()) continue;
    // The id of a tx whose signature failed is still worth reporting.
    auto plain = ledger::DecodeTx(envelopes[i], chain_id, /*verify_signatures=*/false);
    results[i] = {plain.ok() ? plain->id : Hash256{}, decoded[i].status()};
  }
  bool woke = false;
  {
    std::lock_guard lock(mutex_);
    TopUpLocked();  // earlier arrivals are planned before this batch
    for (std::size_t i = 0; i < decoded.size(); ++i) {
      if (!decoded[i].ok()) continue;
      const Hash256 id = decoded[i]->id;
      results[i] = {id, AdmitChecked(std::move(*decoded[i]), &woke)};
    }
  }
  if (woke) {
    for (const auto& listener : txs_available_) listener();
  }
  return results;
}

Status Mempool::AdmitChecked(ledger::DecodedTx decoded, bool* woke) {
  const Hash256 id = decoded.id;
  MarkVerified(decoded.envelope_hash);
  if (pending_ids_.count(id)) return Status::Ok();  // resubmission of a pending tx is harmless
  if (!TakeToken(decoded.signers.front(), NowMs())) {
    return Status::Error("rate_limited", "this organisation is submitting faster than the node admits; slow down");
  }
  const bool was_empty = pending_.empty() && waiting_.empty();
  Status s = Admit(std::move(decoded));
  if (!s.ok()) Remember(id, s);
  if (s.ok() && was_empty) *woke = true;
  return s;
}

void Mempool::AddTxsAvailableListener(std::function<void()> listener) {
  assert(listener);
  txs_available_.push_back(std::move(listener));
}

bool Mempool::LastBlockHasRoom(std::size_t envelope_bytes) const {
  if (planned_.empty()) return false;
  const ledger::GenesisParams& limits = ledger_.genesis().params;
  const PlannedBlock& last = planned_.back();
  return last.txs < limits.max_block_txs && last.bytes + envelope_bytes <= limits.max_block_bytes;
}

bool Mempool::OpenBlockFor(std::size_t envelope_bytes) {
  if (LastBlockHasRoom(envelope_bytes)) return false;
  // A new planned block: the next height, and a time that is now but always after the block
  // before it (block times strictly increase).
  PlannedBlock block;
  const std::uint64_t prev_time_ms = planned_.empty() ? base_->head().time_ms() : planned_.back().time_ms;
  block.height = base_->head().height() + planned_.size() + 1;
  block.time_ms = std::max(NowMs(), prev_time_ms + 1);
  block.first_leaf = next_leaf_;
  if (!planned_.empty()) overlay_->PushLayer();
  planned_.push_back(block);
  assert(overlay_->depth() == planned_.size());
  return true;
}

Status Mempool::Admit(ledger::DecodedTx tx) {
  if (pending_ids_.count(tx.id)) return Status::Ok();
  if (pending_.size() + waiting_.size() >= config_.max_txs || pending_bytes_ + tx.envelope.size() > config_.max_bytes) {
    return Status::Error("mempool_full", "the node's mempool is full; retry shortly");
  }
  const crypto::PublicKey signer = tx.signers.front();
  if (per_signer_[signer] >= config_.max_per_signer) {
    return Status::Error("rate_limited", "too many pending transactions from this signer; wait for a block");
  }
  Entry entry{std::move(tx), signer};
  // Arrival order is kept: once one tx waits, every later one waits behind it.
  if (waiting_.empty() && RoomToPlan(entry.tx.envelope.size())) {
    if (Status s = Plan(entry.tx); !s.ok()) return s;
    Count(entry);
    pending_.push_back(std::move(entry));
  } else {
    Count(entry);
    waiting_.push_back(std::move(entry));
  }
  return Status::Ok();
}

bool Mempool::RoomToPlan(std::size_t envelope_bytes) const {
  assert(config_.max_planned_blocks >= 1);
  return planned_.size() < config_.max_planned_blocks || LastBlockHasRoom(envelope_bytes);
}

Status Mempool::Plan(ledger::DecodedTx& tx) {
  const bool opened = OpenBlockFor(tx.envelope.size());
  PlannedBlock& block = planned_.back();
  ledger::TxContext ctx{block.height, block.time_ms, next_leaf_, block.txs};
  Status s = ledger::ApplyTx(*overlay_, ledger_.genesis(), tx, ctx);
  ++applied_total_;
  if (!s.ok()) {
    if (opened) {  // an empty planned block carries nothing: close it again
      planned_.pop_back();
      if (!planned_.empty()) overlay_->PopLayer(/*keep=*/false);
    }
    return s;
  }
  ++next_leaf_;
  ++block.txs;
  block.bytes += tx.envelope.size();
  return Status::Ok();
}

void Mempool::Count(const Entry& e) {
  pending_bytes_ += e.tx.envelope.size();
  ++per_signer_[e.first_signer];
  pending_ids_[e.tx.id] = 1;
}

void Mempool::Uncount(const Entry& e) {
  assert(pending_bytes_ >= e.tx.envelope.size());
  pending_bytes_ -= e.tx.envelope.size();
  if (--per_signer_[e.first_signer] == 0) per_signer_.erase(e.first_signer);
  pending_ids_.erase(e.tx.id);
}

void Mempool::TopUp() {
  std::lock_guard lock(mutex_);
  TopUpLocked();
}

void Mempool::TopUpLocked() {
  while (!waiting_.empty() && RoomToPlan(waiting_.front().tx.envelope.size())) {
    Entry entry = std::move(waiting_.front());
    waiting_.pop_front();
    if (Status s = Plan(entry.tx); !s.ok()) {
      Uncount(entry);
      Remember(entry.tx.id, std::move(s));
      continue;
    }
    pending_.push_back(std::move(entry));
  }
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
  for (const std::deque<Entry>* queue : {&pending_, &waiting_}) {
    for (const Entry& e : *queue) {
      if (out.size() >= max_txs || bytes + e.tx.envelope.size() > max_bytes) return out;
      bytes += e.tx.envelope.size();
      out.push_back(e.tx);
    }
  }
  return out;
}

std::optional<ledger::PreparedBlock> Mempool::PrepareBlock(std::uint64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (base_->head_hash() != ledger_.head_hash()) RebuildPending();  // a block we have not heard of yet
  if (planned_.empty()) TopUpLocked();
  if (planned_.empty()) return std::nullopt;
  if (now_ms > planned_.front().time_ms + config_.max_planned_age_ms) RebuildPending();
  if (planned_.empty()) return std::nullopt;
  const PlannedBlock& first = planned_.front();
  ledger::PreparedBlock out;
  out.base_hash = base_->head_hash();
  out.height = first.height;
  out.time_ms = first.time_ms;
  out.first_leaf = first.first_leaf;
  out.txs.reserve(first.txs);
  for (std::uint32_t i = 0; i < first.txs; ++i) out.txs.push_back(pending_[i].tx);
  out.writes = overlay_->layer(0);
  return out;
}

void Mempool::OnCommitted(const std::vector<Hash256>& committed, const std::vector<ledger::RejectedTx>& rejected) {
  std::lock_guard lock(mutex_);
  if (rejected.empty() && CommitFirstPlanned(committed)) return;
  std::set<Hash256> gone(committed.begin(), committed.end());
  for (const ledger::RejectedTx& r : rejected) {
    gone.insert(r.id);
    Remember(r.id, r.status);
  }
  for (std::deque<Entry>* queue : {&pending_, &waiting_}) {
    std::deque<Entry> keep;
    for (Entry& e : *queue) {
      if (!gone.count(e.tx.id)) keep.push_back(std::move(e));
    }
    *queue = std::move(keep);
  }
  RebuildPending();
}

bool Mempool::CommitFirstPlanned(const std::vector<Hash256>& committed) {
  // The fast path holds only if the committed block is exactly the first planned block: the
  // same txs in the same order, at the same time, directly on the head the pool planned on.
  // Then the block's state is base + layer 0, which is what every later layer was built on.
  if (planned_.empty() || committed.empty() || committed.size() != planned_.front().txs) return false;
  for (std::size_t i = 0; i < committed.size(); ++i) {
    if (pending_[i].tx.id != committed[i]) return false;
  }
  std::shared_ptr<const ledger::ReadView> next = ledger_.Read();
  const pb::BlockHeader& head = next->head();
  if (head.height() != base_->head().height() + 1 || head.time_ms() != planned_.front().time_ms ||
      head.prev_block_hash() != std::string(base_->head_hash().begin(), base_->head_hash().end())) {
    return false;
  }
  assert(head.log_size() == planned_.front().first_leaf + committed.size());
  for (std::size_t i = 0; i < committed.size(); ++i) {
    Uncount(pending_.front());
    pending_.pop_front();
  }
  planned_.pop_front();
  next->AdoptOverlay(*overlay_);
  base_ = std::move(next);  // after the overlay moved: it must not outlive the view it reads
  assert(overlay_->depth() == std::max<std::size_t>(planned_.size(), 1));
  return true;
}

void Mempool::RebuildPending() {
  // Re-apply what is still pending on top of the newly committed state, planning blocks
  // afresh up to the horizon (the rest waits again, unchecked); anything that no longer fits
  // the rules is dropped with its error, so clients learn why.
  std::deque<Entry> old = std::move(pending_);
  pending_.clear();
  for (Entry& e : waiting_) old.push_back(std::move(e));
  waiting_.clear();
  pending_ids_.clear();
  per_signer_.clear();
  planned_.clear();
  pending_bytes_ = 0;
  overlay_.reset();
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
  return pending_.size() + waiting_.size();
}

std::uint64_t Mempool::applied_total() const {
  std::lock_guard lock(mutex_);
  return applied_total_;
}

std::size_t Mempool::planned_size() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

ledger::BuildResult BuildNextBlock(ledger::Ledger& ledger, Mempool& mempool, std::uint64_t now_ms,
                                   std::uint32_t proposer_index) {
  if (auto prepared = mempool.PrepareBlock(now_ms)) {
    const std::uint64_t height = prepared->height;
    auto sealed = ledger.SealPrepared(std::move(*prepared), proposer_index);
    if (sealed.ok()) return ledger::BuildResult{std::move(*sealed), {}};
    // Planned on the head, so only a bug in planning gets here: say so loudly, and take the
    // slow path, which stays correct.
    LogEvent("error", "prepared_block_refused", {{"height", height}, {"error", sealed.status().ToString()}});
  }
  const ledger::GenesisParams& limits = ledger.genesis().params;
  return ledger.BuildBlock(mempool.Candidates(limits.max_block_txs, limits.max_block_bytes), now_ms, proposer_index);
}

}  // namespace shanliu::node
