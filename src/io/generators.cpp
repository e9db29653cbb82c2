#include "io/generators.hpp"

#include <utility>

#include "io/generator_rows.hpp"

namespace pgtruth::detail {

FiniteSize generated_size(const JsonNode& generator) { return make_row_generator(generator)->size(); }

FiniteMdp generate_mdp(const JsonNode& generator, double gamma, std::optional<double> one_minus_gamma) {
  const auto rows = make_row_generator(generator);
  const Index S = rows->num_states();
  FiniteMdpBuilder mdp(S, rows->num_actions());
  if (auto names = rows->action_names(); !names.empty()) mdp.action_names(std::move(names));
  Eigen::VectorXd start(S);
  std::vector<char> terminal(static_cast<std::size_t>(S));
  for (Index s = 0; s < S; ++s) start(s) = rows->start(s), terminal[static_cast<std::size_t>(s)] = rows->is_terminal(s);
  mdp.start(std::move(start)).terminal(std::move(terminal)).gamma(gamma, one_minus_gamma);
  mdp.reserve(static_cast<Index>(rows->size().outcomes));
  rows->for_each_row(0, S, [&](Index, Index, const std::vector<Outcome>& outcomes) {
    for (const Outcome& o : outcomes) mdp.add_outcome(o.next, o.probability, o.reward);
    mdp.end_row();
  });
  return std::move(mdp).build();
}

}  // namespace pgtruth::detail
