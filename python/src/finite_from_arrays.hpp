#pragma once
// Internal: a finite MDP from arrays, the one place where the Python binding builds a FiniteMdp
// (spec §1, dense form "P and R"; the same checks and the same outcomes as the file reader).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pgtruth/finite/mdp.hpp"

namespace pgtruth::python {

/// The transitions as compressed rows: row s * A + a holds the outcomes
/// next[k], probability[k] for row_begin[row] <= k < row_begin[row + 1], as in a
/// scipy.sparse CSR matrix of shape (S A, S) (a dense P of shape (S, A, S) is passed the same
/// way, with every entry of every row).
struct TransitionRows {
  const std::int64_t* row_begin = nullptr;  ///< S A + 1 offsets
  const std::int64_t* next = nullptr;       ///< nullptr: dense rows, next = k - row_begin[row]
  const double* probability = nullptr;
};

struct FiniteArrays {
  Index num_states = 0, num_actions = 0;
  TransitionRows P;
  const double* R = nullptr;      ///< r(s, a) at s * A + a, the expected reward of the step
  const double* start = nullptr;  ///< S probabilities
  std::vector<char> terminal;     ///< S flags
  double gamma = 1;
  std::string gamma_text;         ///< gamma as shortest decimal text, for 1 - gamma (FiniteMdp::gamma_complement)
  std::vector<std::string> state_names, action_names;  ///< empty: "0", "1", ...
};

/// Checks the arrays as the reader checks a file's (gamma in (0, 1], no negative probability,
/// start and each non-terminal row summing to 1 within 1e-9) and builds the MDP; outcomes of
/// probability 0 are dropped and terminal rows left empty. Throws InputError naming the entry
/// ("P[1, 0]: probabilities sum to 0.8, expected 1").
FiniteMdp finite_mdp_from_arrays(const FiniteArrays& in);

}  // namespace pgtruth::python
