#pragma once
// Internal: the generated finite MDPs of spec §1 ("Generated problems") row by row: the one
// definition of their dynamics. generate_mdp (io/generators.hpp) builds the whole MDP from it;
// engines that hold only their own rows (the PETSc engine, src/petsc/) take a range of states.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "io/json_node.hpp"
#include "io/memory_estimate.hpp"
#include "pgtruth/finite/mdp.hpp"

namespace pgtruth::detail {

/// The transitions of one step (s, a), its outcomes in order.
using RowVisitor = std::function<void(Index s, Index a, const std::vector<Outcome>& outcomes)>;

class RowGenerator {
 public:
  virtual ~RowGenerator() = default;
  virtual Index num_states() const = 0;
  virtual Index num_actions() const = 0;
  /// The actions' names, or empty for "0", "1", ...
  virtual std::vector<std::string> action_names() const { return {}; }
  virtual bool is_terminal(Index s) const = 0;
  /// The initial distribution at s (uniform over the states for both generators).
  virtual double start(Index s) const = 0;
  /// The sizes, from the parameters alone, for the memory estimate made before generating.
  virtual FiniteSize size() const = 0;
  /// Calls `visit` for every step (s, a) with first <= s < end, in order, terminal states
  /// included (with no outcome). Costs the rows' outcomes for a gridworld; for Garnet, whose
  /// single random stream runs through the states in order, also the draws of the states
  /// before `first` (replayed, not stored).
  virtual void for_each_row(Index first, Index end, const RowVisitor& visit) const = 0;
};

/// The generator that "generator" describes, its type and parameters checked (InputError naming
/// the pointer of a bad one).
std::unique_ptr<RowGenerator> make_row_generator(const JsonNode& generator);

}  // namespace pgtruth::detail
