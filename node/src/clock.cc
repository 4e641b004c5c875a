#include "shanliu/node/clock.h"
#include "shanliu/node/offset_clock.h"

#include <chrono>
#include <iterator>
#include <limits>

namespace shanliu::node {
namespace {

class System final : public Clock {
 public:
  std::uint64_t WallMs() const override {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
  }
};

}  // namespace

const Clock& SystemClock() {
  static const System clock;
  return clock;
}

void ManualTimers::After(std::uint64_t delay_ms, std::function<void()> callback) {
  std::lock_guard lock(mutex_);
  pending_.emplace(std::pair{clock_.WallMs() + delay_ms, next_++}, std::move(callback));
}

std::size_t ManualTimers::RunDue() {
  std::multimap<std::pair<std::uint64_t, std::uint64_t>, std::function<void()>> due;
  {
    std::lock_guard lock(mutex_);
    const auto end = pending_.upper_bound({clock_.WallMs(), std::numeric_limits<std::uint64_t>::max()});
    due.insert(std::make_move_iterator(pending_.begin()), std::make_move_iterator(end));
    pending_.erase(pending_.begin(), end);
  }
  // Outside the lock: a callback sets timers of its own.
  for (auto& [when, callback] : due) callback();
  return due.size();
}

std::size_t ManualTimers::pending() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

std::uint64_t OffsetClock::WallMs() const {
  const std::uint64_t base_ms = base_.WallMs();
  if (offset_ms_ >= 0) return base_ms + static_cast<std::uint64_t>(offset_ms_);
  const auto back_ms = static_cast<std::uint64_t>(-(offset_ms_ + 1)) + 1;  // |offset| without overflow at INT64_MIN
  return base_ms > back_ms ? base_ms - back_ms : 0;
}

}  // namespace shanliu::node
