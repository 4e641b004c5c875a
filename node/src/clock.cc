#include "shanliu/node/clock.h"
#include "shanliu/node/offset_clock.h"

#include <chrono>

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

std::uint64_t OffsetClock::WallMs() const {
  const std::uint64_t base_ms = base_.WallMs();
  if (offset_ms_ >= 0) return base_ms + static_cast<std::uint64_t>(offset_ms_);
  const auto back_ms = static_cast<std::uint64_t>(-(offset_ms_ + 1)) + 1;  // |offset| without overflow at INT64_MIN
  return base_ms > back_ms ? base_ms - back_ms : 0;
}

}  // namespace shanliu::node
