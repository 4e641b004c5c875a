// A small deterministic generator for the demo: the same seed gives the same district on
// every platform (std::uniform_*_distribution is implementation-defined, so it is not used).
#pragma once

#include <cassert>
#include <cstdint>
#include <vector>

#include "shanliu/bytes.h"

namespace shanliu::cli::demo {

class Rng {
 public:
  explicit Rng(const Hash256& seed) : state_(ReadU64(seed)) {}

  std::uint64_t Next() {  // SplitMix64
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n > 0. The modulo bias is below 2^-40 for the sizes used here.
  std::uint64_t Below(std::uint64_t n) {
    assert(n > 0);
    return Next() % n;
  }
  // Uniform in [lo, hi].
  std::int64_t Range(std::int64_t lo, std::int64_t hi) {
    assert(lo <= hi);
    return lo + static_cast<std::int64_t>(Below(static_cast<std::uint64_t>(hi - lo) + 1));
  }
  // True with probability percent / 100.
  bool Percent(unsigned percent) { return Below(100) < percent; }
  template <class T>
  const T& Pick(const std::vector<T>& items) {
    assert(!items.empty());
    return items[Below(items.size())];
  }
  // Index drawn in proportion to `weights` (not all zero).
  std::size_t Weighted(const std::vector<std::uint64_t>& weights) {
    std::uint64_t total = 0;
    for (std::uint64_t w : weights) total += w;
    assert(total > 0);
    std::uint64_t x = Below(total);
    for (std::size_t i = 0; i < weights.size(); ++i) {
      if (x < weights[i]) return i;
      x -= weights[i];
    }
    return weights.size() - 1;
  }

 private:
  std::uint64_t state_;
};

}  // namespace shanliu::cli::demo
