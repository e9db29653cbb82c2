#pragma once
/// \file
/// Reproducible random numbers: the same draws for a given seed on every platform and for any
/// number of threads. Streams are derived from (seed, stream index) with SplitMix64 (Steele,
/// Lea & Flood 2014), the generator is std::mt19937_64 (its output is fixed by the C++
/// standard), and the uniform and normal draws are computed here rather than by the standard
/// library's distributions, whose algorithms differ between implementations.

#include <cmath>
#include <cstdint>
#include <random>

namespace pgtruth {

/// SplitMix64's finaliser: a bijective mix of 64 bits.
inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  /// Stream `stream` of the root seed `seed` (e.g. one stream per batch of episodes).
  Rng(std::uint64_t seed, std::uint64_t stream) : engine_(splitmix64(splitmix64(seed) ^ splitmix64(~stream))) {}

  /// Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  /// Standard normal by the Box-Muller transform (the second value is cached).
  double normal() {
    if (has_spare_) return has_spare_ = false, spare_;
    double u1 = uniform();
    while (u1 == 0.0) u1 = uniform();
    const double radius = std::sqrt(-2.0 * std::log(u1)), angle = 2.0 * M_PI * uniform();
    spare_ = radius * std::sin(angle);
    has_spare_ = true;
    return radius * std::cos(angle);
  }

  /// An index drawn with probabilities `weight(0..n-1)` (summing to 1, up to rounding).
  template <typename Weights>
  long categorical(const Weights& weight, long n) {
    double u = uniform();
    for (long i = 0; i + 1 < n; ++i)
      if ((u -= weight(i)) < 0.0) return i;
    return n - 1;
  }

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace pgtruth
