// The signature-verification pool: one set of threads, sized to the cores, that checks signed
// tx envelopes (DecodeTx with every Ed25519 signature) in parallel for whoever asks — block
// replay (sync and the audit) today, mempool admission next — so no path verifies on the
// io thread and no path spawns threads of its own.
//
// Thread-safe: any number of threads may call CheckTxs at once; each call's own thread works
// on its batch too, so a call completes even while other callers keep every worker busy.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <thread>
#include <vector>

#include "shanliu/ledger/state_map.h"
#include "shanliu/ledger/tx.h"

namespace shanliu::ledger {

class VerifyPool {
 public:
  // `threads` 0 means one per hardware thread. The pool starts threads - 1 workers: the
  // calling thread is the last one.
  explicit VerifyPool(unsigned threads = 0);
  ~VerifyPool();  // joins the workers; no call may be running
  VerifyPool(const VerifyPool&) = delete;
  VerifyPool& operator=(const VerifyPool&) = delete;

  unsigned threads() const { return threads_; }

  // DecodeTx(envelope, chain_id, verify_signatures = true) for every envelope, in parallel;
  // result i belongs to envelope i. `known_verified(envelope_hash)`, if set, names envelopes
  // whose signatures were verified before (a verified-signature cache): those are decoded
  // without the Ed25519 checks. It is called from the pool's threads, so it must be
  // thread-safe.
  std::vector<Result<DecodedTx>> CheckTxs(std::span<const std::string_view> envelopes, std::string_view chain_id,
                                          const std::function<bool(const Hash256&)>& known_verified = {});

  // Runs body(begin, end) over disjoint ranges covering [0, count), on the workers and the
  // calling thread; returns when every range ran. `body` must not throw.
  void ParallelFor(std::size_t count, const std::function<void(std::size_t, std::size_t)>& body);
  // ParallelFor on this pool as the state map's hook (Ledger::SetParallelFor); the pool must
  // outlive whoever holds it.
  smt::ParallelFor AsParallelFor() {
    return [this](std::size_t count, const std::function<void(std::size_t, std::size_t)>& body) {
      ParallelFor(count, body);
    };
  }

 private:
  struct Job;
  void WorkerLoop();
  static std::size_t RunChunks(Job& job);

  const unsigned threads_;
  std::mutex mutex_;             // guards queue_, stopping_ and every Job's finished count
  std::condition_variable wake_;  // a job was queued, or the pool is stopping
  std::deque<std::shared_ptr<Job>> queue_;  // jobs with ranges not yet claimed
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace shanliu::ledger
