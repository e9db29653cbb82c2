#pragma once
// Internal: the draws every finite-MDP sampler makes.

#include "pgtruth/finite/mdp.hpp"
#include "pgtruth/random.hpp"

namespace pgtruth::detail {

/// s₀ ~ start.
inline Index sample_start(Rng& rng, const FiniteMdp& mdp) { return rng.categorical(mdp.start(), mdp.num_states()); }

/// One outcome of (s, a), drawn with its probability.
inline Outcome sample_outcome(Rng& rng, const FiniteMdp& mdp, Index s, Index a) {
  const auto outcomes = mdp.outcomes_of(s, a);
  const long k = rng.categorical([&](long i) { return outcomes[static_cast<std::size_t>(i)].probability; },
                                 static_cast<long>(outcomes.size()));
  return outcomes[static_cast<std::size_t>(k)];
}

}  // namespace pgtruth::detail
