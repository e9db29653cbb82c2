#include "pgtruth/sampling/visitation_sampler.hpp"

#include <stdexcept>

#include "sampling/finite_sampling.hpp"

namespace pgtruth {

Index sample_visitation_state(const FiniteMdp& mdp, const Eigen::MatrixXd& pi, Rng& rng) {
  if (!(mdp.gamma() < 1.0)) throw std::invalid_argument("sample_visitation_state needs gamma < 1");
  double live_start = 0.0;
  for (Index s = 0; s < mdp.num_states(); ++s)
    if (!mdp.is_terminal(s)) live_start += mdp.start()(s);
  if (!(live_start > 0.0)) throw std::invalid_argument("sample_visitation_state: every start state is terminal");
  for (;;) {  // restarts until a state is returned; each try succeeds with probability >= (1 - gamma) live_start
    for (Index s = detail::sample_start(rng, mdp); !mdp.is_terminal(s);) {
      if (rng.uniform() >= mdp.gamma()) return s;
      const Index a = rng.categorical(pi.row(s), mdp.num_actions());
      s = detail::sample_outcome(rng, mdp, s, a).next;
    }
  }
}

}  // namespace pgtruth
