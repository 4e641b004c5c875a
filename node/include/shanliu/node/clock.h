// The wall clock of the node's adapters: block times a proposer stamps, expiry checks at
// admission, sync deadlines, the proposal skew rule. Behind an interface so tests (and the
// simulator) drive time by hand. The consensus core and the state machine never read a clock:
// they are handed times as inputs.
#pragma once

#include <atomic>
#include <cstdint>

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

}  // namespace shanliu::node
