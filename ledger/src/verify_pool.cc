#include "shanliu/ledger/verify_pool.h"

#include <algorithm>
#include <atomic>
#include <cassert>

#include "shanliu/crypto/hash.h"

namespace shanliu::ledger {

struct VerifyPool::Job {
  const std::function<void(std::size_t, std::size_t)>* body = nullptr;
  std::size_t count = 0;
  std::size_t chunk = 1;
  std::atomic<std::size_t> next{0};  // the first index no thread has claimed yet
  std::size_t finished = 0;          // indices done (guarded by the pool's mutex)
  std::condition_variable done;
};

VerifyPool::VerifyPool(unsigned threads)
    : threads_(threads != 0 ? threads : std::max(1u, std::thread::hardware_concurrency())) {
  assert(threads_ >= 1 && threads_ <= 1024);
  workers_.reserve(threads_ - 1);
  for (unsigned i = 1; i < threads_; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

VerifyPool::~VerifyPool() {
  {
    std::lock_guard lock(mutex_);
    assert(queue_.empty());
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

std::size_t VerifyPool::RunChunks(Job& job) {
  std::size_t ran = 0;
  for (;;) {
    const std::size_t begin = job.next.fetch_add(job.chunk, std::memory_order_relaxed);
    if (begin >= job.count) return ran;
    const std::size_t end = std::min(job.count, begin + job.chunk);
    (*job.body)(begin, end);
    ran += end - begin;
  }
}

void VerifyPool::WorkerLoop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left to help with
    const std::shared_ptr<Job> job = queue_.front();
    lock.unlock();
    const std::size_t ran = RunChunks(*job);
    lock.lock();
    // Every range of the job is claimed now: later workers must not pick it up again.
    if (auto it = std::find(queue_.begin(), queue_.end(), job); it != queue_.end()) queue_.erase(it);
    job->finished += ran;
    if (job->finished == job->count) job->done.notify_all();
  }
}

void VerifyPool::ParallelFor(std::size_t count, const std::function<void(std::size_t, std::size_t)>& body) {
  if (count == 0) return;
  auto job = std::make_shared<Job>();
  job->body = &body;
  job->count = count;
  // Several chunks per thread balance uneven envelopes; at most 64 keeps the counter cold.
  job->chunk = std::clamp<std::size_t>(count / (std::size_t{threads_} * 4), 1, 64);
  if (threads_ > 1 && count > job->chunk) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(job);
    }
    wake_.notify_all();
  }
  const std::size_t ran = RunChunks(*job);
  std::unique_lock lock(mutex_);
  if (auto it = std::find(queue_.begin(), queue_.end(), job); it != queue_.end()) queue_.erase(it);
  job->finished += ran;
  job->done.wait(lock, [&] { return job->finished == job->count; });
}

std::vector<Result<DecodedTx>> VerifyPool::CheckTxs(std::span<const std::string_view> envelopes,
                                                    std::string_view chain_id,
                                                    const std::function<bool(const Hash256&)>& known_verified) {
  std::vector<Result<DecodedTx>> out(envelopes.size(), Result<DecodedTx>(Status::Error("internal", "not checked")));
  ParallelFor(envelopes.size(), [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      out[i] = DecodeTxCached(AsBytes(envelopes[i]), chain_id, known_verified);
    }
  });
  return out;
}

}  // namespace shanliu::ledger
