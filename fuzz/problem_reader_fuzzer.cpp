// libFuzzer target for the problem-file reader (pgtruth::parse_problem, spec §1-§2): every input
// must either be read into a problem whose structure the solvers can rely on, or be refused
// with a pgtruth::Error whose line names the source (and, when a value is at fault, its JSON
// pointer). Anything else (another exception, a crash, an address or undefined-behaviour
// report, an allocation beyond libFuzzer's -malloc_limit_mb, a hang beyond -timeout) is a
// finding. How to run it: docs/fuzzing.md; tools/fuzz builds and runs it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <variant>

#include "pgtruth/error.hpp"
#include "pgtruth/io/problem_file.hpp"

namespace {

constexpr const char* kSource = "fuzz.json";

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "pgtruth reader fuzzer: %s\n", what.c_str());
  std::abort();
}

void require(bool ok, const char* what) {
  if (!ok) finding(std::string("a problem read without error breaks an invariant: ") + what);
}

/// The structure the finite solver indexes without checking (src/finite/solver.cpp and
/// include/pgtruth/finite/mdp.hpp): one compressed row a (state, action), successors in
/// range, probabilities in [0, 1], a start distribution over the states, terminal flags.
void check_finite(const pgtruth::FiniteProblem& p) {
  const pgtruth::FiniteMdp& m = p.mdp;
  const auto S = m.num_states(), A = m.num_actions();
  require(S > 0 && A > 0, "at least one state and one action");
  require(m.start().size() == S && m.terminal().size() == static_cast<std::size_t>(S), "start and terminal per state");
  require(m.outcome_begin().size() == static_cast<std::size_t>(S * A + 1), "one outcome row per (state, action)");
  require(m.outcome_begin().front() == 0 && m.outcome_begin().back() == m.num_outcomes(), "outcome rows cover the outcomes");
  for (std::size_t r = 0; r + 1 < m.outcome_begin().size(); ++r)
    require(m.outcome_begin()[r] <= m.outcome_begin()[r + 1], "outcome rows in order");
  for (const auto next : m.outcome_next()) require(next >= 0 && next < S, "successors in range");
  for (const double q : m.outcome_probability()) require(q >= 0.0 && q <= 1.0, "probabilities in [0, 1]");
  require(m.outcome_probability().size() == m.outcome_next().size(), "a probability an outcome");
  require(m.outcome_reward().empty() ? m.row_reward().size() == static_cast<std::size_t>(S * A)
                                   : m.outcome_reward().size() == m.outcome_next().size(),
          "a reward a row, or one an outcome");
  require(p.policy.num_parameters() == pgtruth::expected_num_parameters(m, p.policy.kind, p.policy.features.cols()),
          "the policy's parameter count matches the MDP");
}

/// The LQG dimensions the solvers multiply without checking (include/pgtruth/lqg/problem.hpp).
void check_lqg(const pgtruth::LqgProblem& p) {
  const auto n = p.n(), m = p.m();
  require(n > 0 && m > 0, "at least one state and one control dimension");
  require(p.A.rows() == n && p.A.cols() == n && p.B.rows() == n && p.B.cols() == m, "A is n x n, B is n x m");
  require(p.Q.rows() == n && p.Q.cols() == n && p.R.rows() == m && p.R.cols() == m, "Q is n x n, R is m x m");
  require(p.K.rows() == m && p.K.cols() == n && p.Sigma.rows() == m && p.Sigma.cols() == m, "K is m x n, Sigma m x m");
  require(p.A.allFinite() && p.B.allFinite() && p.Q.allFinite() && p.R.allFinite() && p.K.allFinite(),
          "finite matrices");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const pgtruth::Problem problem = pgtruth::parse_problem(text, kSource);
    if (const auto* finite = std::get_if<pgtruth::FiniteProblem>(&problem)) check_finite(*finite);
    else check_lqg(std::get<pgtruth::LqgProblem>(problem));
  } catch (const pgtruth::Error& e) {
    // The one line the command prints: "fuzz.json: /pointer: message" (or "fuzz.json: message").
    const std::string line = e.what();
    if (e.source() != kSource || line.rfind(std::string(kSource) + ": ", 0) != 0)
      finding("a refusal that does not name the file: " + line);
    if (!e.pointer().empty() && e.pointer().front() != '/')
      finding("a refusal whose JSON pointer does not start with '/': " + line);
    if (e.message().empty()) finding("a refusal without a message: " + line);
  } catch (const std::exception& e) {
    finding(std::string("an exception other than pgtruth::Error (exit 3 in the command): ") + e.what());
  }
  return 0;
}
