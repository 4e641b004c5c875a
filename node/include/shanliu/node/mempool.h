// The mempool: signed txs waiting for a block.
//
// Admission verifies signatures once (outside the lock, on the shared VerifyPool or the
// caller's thread), then applies the tx to a pending overlay — committed state plus every
// pending tx in admission order — so a tx that breaks a rule is refused at once with its
// typed error, while a tx depending on an earlier pending one (a donation to a project
// opened in the same batch) is accepted. Bounded in count, bytes and per-signer share.
//
// Execute once: the pending txs are cut into planned blocks as they arrive (the genesis
// block limits; heights head+1, head+2, ...; each block's time fixed when its first tx
// arrives), and every tx is applied under the context of the block it is planned for, one
// overlay layer per planned block. The first planned block is therefore already executed
// exactly as a proposer would execute it: PrepareBlock hands it to Ledger::SealPrepared, and
// when it commits, its layer becomes committed state and the later planned blocks stay valid
// without re-applying anything. Any other block (a peer's proposal, a sync, refusals) makes
// the pool re-apply what remains, as before.
//
// Planning looks at most max_planned_blocks blocks ahead. Txs beyond that horizon wait, their
// signatures and form checked but their rules not yet, and are planned (in arrival order) as
// blocks commit: a re-plan — a stale first block, another proposer's block — then costs at most
// the horizon's txs instead of the whole backlog, and no block is planned long before its turn.
// A tx refused when it is planned is remembered with its error like any later refusal.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <unordered_map>
#include <vector>

#include "shanliu/ledger/ledger.h"
#include "shanliu/ledger/verify_pool.h"
#include "shanliu/node/clock.h"

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
  // The clock that stamps planned blocks (the time a block opens, which admission checks rules
  // against: expires_at_ms above all); empty means the wall clock. Tests whose chains run on
  // their own calendar set it to that calendar.
  const Clock* clock = nullptr;  // null: SystemClock(); else it must outlive the pool
  // A planned block older than this when its proposer's turn comes is re-planned at the current
  // time (its txs applied again) rather than proposed with a stale block time.
  std::uint64_t max_planned_age_ms = 2'000;
  // How many blocks ahead admission plans (applies txs under their block's context); later
  // txs wait verified but unplanned. At least 1.
  std::size_t max_planned_blocks = 2;
};

enum class TxState { kUnknown, kPending, kRejected };

class Mempool {
 public:
  Mempool(ledger::Ledger& ledger, MempoolConfig config);

  // Decodes, verifies and admits one envelope. Returns the id (zero if undecodable) and status.
  std::pair<Hash256, Status> Submit(ByteView envelope);
  // The same for a batch, in order: signatures are checked on `pool` (if given, else on this
  // thread) before the pool's lock is taken once for the whole batch.
  std::vector<std::pair<Hash256, Status>> SubmitBatch(std::span<const Bytes> envelopes, ledger::VerifyPool* pool);

  // The first planned block, ready for Ledger::SealPrepared, if it was planned on the ledger's
  // current head; re-planned first if it is older than max_planned_age_ms at `now_ms`. Empty
  // when nothing is pending. Call on the thread that commits blocks.
  std::optional<ledger::PreparedBlock> PrepareBlock(std::uint64_t now_ms);

  // Pending txs in admission order, as many as fit the limits, for the next block.
  std::vector<ledger::DecodedTx> Candidates(std::size_t max_txs, std::size_t max_bytes) const;

  // After a block commits: drop its txs, remember `rejected` ones with their errors, and
  // re-check every remaining pending tx against the new state — unless the block is exactly
  // the first planned block (same txs and time, on the same head), whose layer simply becomes
  // committed state.
  void OnCommitted(const std::vector<Hash256>& committed, const std::vector<ledger::RejectedTx>& rejected);

  // Plans waiting txs while fewer than max_planned_blocks blocks are planned. Admission and
  // PrepareBlock call it; callers with a spare thread may call it after a commit so the next
  // blocks are planned off the producer's thread.
  void TopUp();

  // Called (on the admitting thread, outside the pool's lock) whenever an admission makes an
  // empty pool non-empty: block producers wait on this instead of polling. Add listeners before
  // the pool is shared between threads; they must be cheap (post to a loop, set a flag).
  void AddTxsAvailableListener(std::function<void()> listener);

  TxState State(const Hash256& id, Status* error) const;  // waiting txs are kPending
  // Keyed by the SHA-256 of the whole envelope (signatures included), never the tx id.
  bool SignatureVerified(const Hash256& envelope_hash) const;
  std::size_t size() const;  // planned and waiting
  std::size_t planned_size() const;  // the planned txs alone
  // Txs applied to plan them since the pool was made (each planning and re-planning counts).
  std::uint64_t applied_total() const;

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

  struct PlannedBlock {
    std::uint64_t height = 0;
    std::uint64_t time_ms = 0;
    std::uint64_t first_leaf = 0;
    std::uint32_t txs = 0;  // the next `txs` entries of pending_ after the earlier planned blocks
    std::uint64_t bytes = 0;
  };

  Status Admit(ledger::DecodedTx tx);  // requires mutex_; plans the tx or makes it wait
  Status Plan(ledger::DecodedTx& tx);  // requires mutex_; applies it in the last planned block
  bool RoomToPlan(std::size_t envelope_bytes) const;  // requires mutex_
  void TopUpLocked();                  // requires mutex_
  void Count(const Entry& e);          // requires mutex_
  void Uncount(const Entry& e);        // requires mutex_
  Status AdmitChecked(ledger::DecodedTx decoded, bool* woke);  // signatures checked; requires mutex_
  bool LastBlockHasRoom(std::size_t envelope_bytes) const;  // requires mutex_
  bool OpenBlockFor(std::size_t envelope_bytes);  // requires mutex_; true if it opened one
  bool CommitFirstPlanned(const std::vector<Hash256>& committed);  // requires mutex_
  std::uint64_t NowMs() const;
  bool TakeToken(const crypto::PublicKey& signer, std::uint64_t now_ms);  // requires mutex_
  void RebuildPending();               // requires mutex_
  void Remember(const Hash256& id, Status error);  // requires mutex_
  void MarkVerified(const Hash256& envelope_hash);  // requires mutex_

  ledger::Ledger& ledger_;
  const MempoolConfig config_;
  mutable std::mutex mutex_;
  std::deque<Entry> pending_;  // planned, in planned-block order
  std::deque<Entry> waiting_;  // verified, not yet planned, in arrival order
  // Counted over pending_ and waiting_ alike.
  std::unordered_map<Hash256, std::size_t, HashOf> pending_ids_;  // id -> count (always 1)
  std::map<crypto::PublicKey, std::size_t> per_signer_;
  std::size_t pending_bytes_ = 0;
  std::shared_ptr<const ledger::ReadView> base_;
  std::unique_ptr<ledger::StateView> overlay_;
  std::uint64_t next_leaf_ = 0;  // provisional leaf numbers inside the overlay
  std::deque<PlannedBlock> planned_;  // planned_[k]'s writes are overlay_ layer k
  std::uint64_t applied_total_ = 0;
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

// The proposer's next block (solo producer and consensus alike): the mempool's first planned
// block sealed without executing its txs again when it is current, else the pending txs
// executed afresh at `now_ms` (refusals reported in `rejected`). Writer thread only.
ledger::BuildResult BuildNextBlock(ledger::Ledger& ledger, Mempool& mempool, std::uint64_t now_ms,
                                   std::uint32_t proposer_index);

}  // namespace shanliu::node
