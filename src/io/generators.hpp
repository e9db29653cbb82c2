#pragma once
// Internal: the generated finite MDPs of spec §1, "Generated problems", whole (built from the
// rows of io/generator_rows.hpp).

#include <optional>

#include "io/json_node.hpp"
#include "io/memory_estimate.hpp"
#include "pgtruth/finite/mdp.hpp"

namespace pgtruth::detail {

/// The sizes of the MDP that "generator" describes, from its parameters alone (checked as
/// generate_mdp checks them), for the memory estimate made before it is generated.
FiniteSize generated_size(const JsonNode& generator);

/// The MDP the "generator" object describes, with the caller's gamma (and 1 - gamma from its
/// decimal text, FiniteMdp::gamma_complement()); throws InputError naming the pointer of a bad
/// parameter. Sequential: generating starts no thread.
FiniteMdp generate_mdp(const JsonNode& generator, double gamma, std::optional<double> one_minus_gamma);

}  // namespace pgtruth::detail
