// An io_context driven by hand with a manual clock and manual timers: tests of runners over the
// in-memory network move time in steps and run whatever became ready, with no real waiting.
#pragma once

#include <doctest/doctest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>

#include "shanliu/node/clock.h"

namespace shanliu::testing {

struct ManualLoop {
  // `idle_wait`: how long an idle loop waits for a handler posted from another thread before it
  // counts as settled. Zero when everything runs on this thread; a whole node admits gossiped txs
  // on a thread of its own (runner_gossip.h) that posts back when the pool gains txs, and on a
  // loaded machine the manual clock could otherwise run out before that post lands.
  explicit ManualLoop(std::uint64_t start_ms, std::chrono::milliseconds idle_wait = std::chrono::milliseconds(0))
      : clock(start_ms), idle_wait_(idle_wait) {}

  // Runs every handler that is ready until none is; returns how many ran.
  std::size_t Settle() {
    std::size_t total = 0;
    for (int rounds = 0; rounds < 100'000; ++rounds) {
      std::size_t ran = io.poll();
      if (ran == 0 && idle_wait_.count() > 0) ran = io.run_one_for(idle_wait_);
      if (ran == 0) return total;
      total += ran;
    }
    FAIL("the network never settled");
    return total;
  }

  // Moves the clock on in steps, firing the timers due and settling after each, until `done`
  // holds or `limit_ms` have passed; returns whether it held.
  bool AdvanceUntil(std::uint64_t step_ms, std::uint64_t limit_ms, const std::function<bool()>& done) {
    for (std::uint64_t passed = 0; passed < limit_ms; passed += step_ms) {
      clock.Advance(step_ms);
      timers.RunDue();
      Settle();
      if (done()) return true;
    }
    return done();
  }

  boost::asio::io_context io;  // declared first: it outlives whatever runs on it
  // Every timer is a manual one, so the loop would otherwise run out of work and stop itself
  // between two polls.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> keep_polling =
      boost::asio::make_work_guard(io);
  node::ManualClock clock;
  node::ManualTimers timers{clock};

 private:
  const std::chrono::milliseconds idle_wait_;
};

}  // namespace shanliu::testing
