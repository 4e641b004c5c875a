// A clock moved by a fixed offset from another. Test-only: the chaos testnet (docs/testing.md)
// runs real nodes with skewed clocks on one machine through the config's
// test_only.clock_offset_ms. Its own header so the clock every module includes stays as it was.
#pragma once

#include <cstdint>

#include "shanliu/node/clock.h"

namespace shanliu::node {

// WallMs() = base.WallMs() + offset_ms, never below 0. `base` must outlive it. Thread-safe
// when `base` is.
class OffsetClock final : public Clock {
 public:
  OffsetClock(const Clock& base, std::int64_t offset_ms) : base_(base), offset_ms_(offset_ms) {}
  std::uint64_t WallMs() const override;

 private:
  const Clock& base_;
  const std::int64_t offset_ms_;
};

}  // namespace shanliu::node
