#pragma once
// Internal: the generated finite MDPs of spec §1, "Generated problems".

#include "io/json_node.hpp"
#include "io/memory_estimate.hpp"
#include "pgtruth/finite/mdp.hpp"

namespace pgtruth::detail {

/// The sizes of the MDP that "generator" describes, from its parameters alone (checked as
/// generate_mdp checks them), for the memory estimate made before it is generated.
FiniteSize generated_size(const JsonNode& generator);

/// Fills states, actions, start, terminal and transitions of `mdp` (gamma is the caller's)
/// from the "generator" object; throws InputError naming the pointer of a bad parameter.
void generate_mdp(const JsonNode& generator, FiniteMdp& mdp);

}  // namespace pgtruth::detail
