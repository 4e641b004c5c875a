// The mempool: signed txs waiting for a block.
//
// Admission verifies signatures once (outside the lock, so API threads verify in
// parallel), then applies the tx to a pending overlay — committed state plus every
// pending tx in admission order — so a tx that breaks a rule is refused at once with its
// typed error, while a tx depending on an earlier pending one (a donation to a project
// opened in the same batch) is accepted. Bounded in count, bytes and per-signer share.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <unordered_map>
#include <vector>

#include "shanliu/ledger/ledger.h"

namespace shanliu::node {

struct MempoolConfig {
  std::size_t max_txs = 50'000;
  std::size_t max_bytes = 64 << 20;
  std::size_t max_per_signer = 20'000;  // one organisation cannot crowd out the others
  // New admissions per first signer (organisation key): a token bucket refilled at this rate,
  // holding at most signer_burst. 0 turns the rate limit off.
  std::uint32_t signer_rate_per_second = 5'000;
  std::uint32_t signer_burst = 20'000;
  std::size_t remembered_rejections = 100'000;
  std::size_t verified_cache = 200'000;  // tx ids whose signatures were checked
  // The block time admission checks rules against (expires_at_ms above all); empty means the wall
  // clock, which is what the next block's proposer stamps. Tests whose chains run on their own
  // calendar set it to that calendar.
  std::function<std::uint64_t()> clock;
};

enum class TxState { kUnknown, kPending, kRejected };

class Mempool {
 public:
  Mempool(ledger::Ledger& ledger, MempoolConfig config);

  // Decodes, verifies and admits one envelope. Returns the id (zero if undecodable) and status.
  std::pair<Hash256, Status> Submit(ByteView envelope);

  // Pending txs in admission order, as many as fit the limits, for the next block.
  std::vector<ledger::DecodedTx> Candidates(std::size_t max_txs, std::size_t max_bytes) const;

  // After a block commits: drop its txs, remember `rejected` ones with their errors, and
  // re-check every remaining pending tx against the new state.
  void OnCommitted(const std::vector<Hash256>& committed, const std::vector<ledger::RejectedTx>& rejected);

  // Called (on the admitting thread, outside the pool's lock) whenever an admission makes an
  // empty pool non-empty: block producers wait on this instead of polling. Add listeners before
  // the pool is shared between threads; they must be cheap (post to a loop, set a flag).
  void AddTxsAvailableListener(std::function<void()> listener);

  TxState State(const Hash256& id, Status* error) const;
  // Keyed by the SHA-256 of the whole envelope (signatures included), never the tx id.
  bool SignatureVerified(const Hash256& envelope_hash) const;
  std::size_t size() const;

 private:
  struct Entry {
    ledger::DecodedTx tx;
    crypto::PublicKey first_signer{};
  };
  struct HashOf {
    std::size_t operator()(const Hash256& h) const {
      std::size_t v;
      std::memcpy(&v, h.data(), sizeof v);
      return v;
    }
  };

  Status Admit(ledger::DecodedTx tx);  // requires mutex_
  bool TakeToken(const crypto::PublicKey& signer, std::uint64_t now_ms);  // requires mutex_
  void RebuildPending();               // requires mutex_
  void Remember(const Hash256& id, Status error);  // requires mutex_
  void MarkVerified(const Hash256& envelope_hash);  // requires mutex_

  ledger::Ledger& ledger_;
  const MempoolConfig config_;
  mutable std::mutex mutex_;
  std::deque<Entry> pending_;
  std::unordered_map<Hash256, std::size_t, HashOf> pending_ids_;  // id -> count (always 1)
  std::map<crypto::PublicKey, std::size_t> per_signer_;
  std::size_t pending_bytes_ = 0;
  std::shared_ptr<const ledger::ReadView> base_;
  std::unique_ptr<ledger::StateView> overlay_;
  std::uint64_t next_leaf_ = 0;  // provisional leaf numbers inside the overlay
  std::size_t fast_commits_ = 0;  // blocks taken off the front since the last full rebuild
  std::unordered_map<Hash256, Status, HashOf> rejected_;
  std::deque<Hash256> rejected_order_;
  struct Bucket {
    double tokens = 0;
    std::uint64_t refilled_ms = 0;
  };
  std::map<crypto::PublicKey, Bucket> buckets_;
  std::vector<std::function<void()>> txs_available_;  // fixed once shared: read without the lock
  std::unordered_map<Hash256, bool, HashOf> verified_;  // envelope hashes whose signatures verified
  std::deque<Hash256> verified_order_;
};

}  // namespace shanliu::node
