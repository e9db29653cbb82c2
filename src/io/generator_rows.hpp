#pragma once
// Internal: the generated finite MDPs of spec §1 ("Generated problems") a range of states at a
// time, for engines that hold only their own rows (the PETSc engine, src/petsc/). The rows are
// those generate_mdp (io/generators.hpp) makes, outcome for outcome, without building the MDP.

#include <functional>
#include <memory>
#include <vector>

#include "io/json_node.hpp"
#include "pgtruth/finite/mdp.hpp"

namespace pgtruth::detail {

/// The transitions of one step (s, a): its outcomes in generate_mdp's order.
using RowVisitor = std::function<void(Index s, Index a, const std::vector<Outcome>& outcomes)>;

class RowGenerator {
 public:
  virtual ~RowGenerator() = default;
  virtual Index num_states() const = 0;
  virtual Index num_actions() const = 0;
  virtual bool is_terminal(Index s) const = 0;
  /// The initial distribution at s (uniform over the states for both generators).
  virtual double start(Index s) const = 0;
  /// Calls `visit` for every step (s, a) with first <= s < end, in order, terminal states
  /// included (with no outcome). Costs the rows' outcomes for a gridworld; for Garnet, whose
  /// single random stream runs through the states in order, also the draws of the states
  /// before `first` (replayed, not stored).
  virtual void for_each_row(Index first, Index end, const RowVisitor& visit) const = 0;
};

/// The generator that "generator" describes, its parameters checked as generate_mdp checks them
/// (the same InputError, naming the pointer of a bad parameter).
std::unique_ptr<RowGenerator> make_row_generator(const JsonNode& generator);

}  // namespace pgtruth::detail
