#include "shanliu/node/clock.h"

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

}  // namespace shanliu::node
