// The simulator's only source of randomness: one explicitly seeded generator, drawn from in a
// fixed order, so a seed replays the same run exactly.
#pragma once

#include <cassert>
#include <cstdint>
#include <random>

namespace shanliu::sim {

class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}

  std::uint64_t Between(std::uint64_t lo, std::uint64_t hi) {  // inclusive
    assert(lo <= hi);
    return lo + engine_() % (hi - lo + 1);
  }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0.0, 1.0)(engine_) < p; }
  template <class T>
  const T& Pick(const std::vector<T>& items) {
    assert(!items.empty());
    return items[Between(0, items.size() - 1)];
  }
  std::uint64_t Next() { return engine_(); }

 private:
  std::mt19937_64 engine_;
};

}  // namespace shanliu::sim
