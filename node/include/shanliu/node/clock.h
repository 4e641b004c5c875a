// The wall clock of the node's adapters: block times a proposer stamps, expiry checks at
// admission, sync deadlines, the proposal skew rule. Behind an interface so tests (and the
// simulator) drive time by hand. The consensus core and the state machine never read a clock:
// they are handed times as inputs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace shanliu::node {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::uint64_t WallMs() const = 0;  // milliseconds since the Unix epoch
};

// The machine's clock (stateless: one shared instance is no hidden state).
const Clock& SystemClock();

// A clock that moves only when told. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::uint64_t start_ms) : now_ms_(start_ms) {}
  std::uint64_t WallMs() const override { return now_ms_.load(); }
  void Set(std::uint64_t ms) { now_ms_.store(ms); }
  void Advance(std::uint64_t ms) { now_ms_.fetch_add(ms); }

 private:
  std::atomic<std::uint64_t> now_ms_;
};

// One-shot timers of the runner (consensus timeouts, the status tick), behind an interface for
// the same reason as the clock: tests fire them by hand (ManualTimers). The runner's default
// runs them on its io_context (runner.cc). A callback runs on the io thread; it must check that
// what it captured is still alive (timers are not cancelled one by one).
class Timers {
 public:
  virtual ~Timers() = default;
  virtual void After(std::uint64_t delay_ms, std::function<void()> callback) = 0;  // thread-safe
};

// Timers due by a ManualClock: RunDue runs, in due order (ties in the order set), every callback
// due at the clock's time, on the calling thread, which must be the io thread of what set them.
// Callbacks they set are due at the earliest from the next call. Thread-safe.
class ManualTimers final : public Timers {
 public:
  explicit ManualTimers(const ManualClock& clock) : clock_(clock) {}
  void After(std::uint64_t delay_ms, std::function<void()> callback) override;
  std::size_t RunDue();  // how many ran
  std::size_t pending() const;

 private:
  const ManualClock& clock_;
  mutable std::mutex mutex_;
  std::multimap<std::pair<std::uint64_t, std::uint64_t>, std::function<void()>> pending_;  // (due ms, order)
  std::uint64_t next_ = 0;
};

}  // namespace shanliu::node
