#pragma once
// Internal: the generated finite MDPs of spec §1, "Generated problems".

#include "json_node.hpp"
#include "pgtruth/finite_mdp.hpp"

namespace pgtruth::detail {

/// Fills states, actions, start, terminal and transitions of `mdp` (gamma is the caller's)
/// from the "generator" object; throws InputError naming the pointer of a bad parameter.
void generate_mdp(const JsonNode& generator, FiniteMdp& mdp);

}  // namespace pgtruth::detail
