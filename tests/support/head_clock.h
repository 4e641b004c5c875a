// A node clock on the test chain's calendar, not the wall clock: a second after its head block.
// Header-only: only tests that link the node library include it.
#pragma once

#include "shanliu/node/clock.h"
#include "test_chain.h"

namespace shanliu::testing {

class HeadClock final : public node::Clock {
 public:
  explicit HeadClock(TestChain& chain) : chain_(chain) {}
  std::uint64_t WallMs() const override { return chain_.ledger().head().time_ms() + 1000; }

 private:
  TestChain& chain_;
};

}  // namespace shanliu::testing
