// Asserts that every call it guards runs on one thread: the first caller's. For components that
// belong to the runner's io thread (TxGossip, BlockSync): a call from elsewhere is a bug.
#pragma once

#include <atomic>
#include <cassert>
#include <thread>

namespace shanliu::node {

class ThreadRule {
 public:
  void Check() {
    const std::thread::id me = std::this_thread::get_id();
    std::thread::id expected{};
    if (owner_.compare_exchange_strong(expected, me)) return;
    assert(expected == me && "called off the thread this component belongs to");
    (void)expected;
  }

 private:
  std::atomic<std::thread::id> owner_{};
};

}  // namespace shanliu::node
