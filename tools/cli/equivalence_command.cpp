// pgtruth equivalence FILE [--json] [--perturb EPS] [--threads T] [--memory-limit M]
#include <algorithm>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <variant>

#include "cli/commands.hpp"
#include "cli/error_source.hpp"
#include "cli/format.hpp"
#include "cli/help.hpp"
#include "cli/options.hpp"
#include "pgtruth/equivalence.hpp"
#include "pgtruth/error.hpp"
#include "pgtruth/io/problem_file.hpp"

namespace pgtruth::cli {
namespace {

constexpr const char* kAbout =
    "Shows the equivalence of stochastic (S) and deterministic (D) policy gradients (Todorov 2025,\n"
    "\"Equivalence of stochastic and deterministic policy gradients\", arXiv:2505.23244), computing\n"
    "each side separately and printing every identity with its largest deviation and pass/fail.\n"
    "\n"
    "  LQG file:    section 3. Both formulations are solved (the file's \"formulation\" is ignored):\n"
    "               visitation, P, v_S - v_D = tr(R Sigma)/(1 - gamma), the stochastic and the\n"
    "               deterministic policy gradients, F_S against the modified F_D of eq. 22, the\n"
    "               natural gradients, and Q_S - Q_D, a constant in LQG.\n"
    "  finite MDP:  Theorem 1. The D-MDP whose control is the action-probability vector (eq. 47)\n"
    "               is built and evaluated under mu(s) = pi(.|s): P_S = P_D, v_S = v_D, equal\n"
    "               occupancies, and its deterministic policy gradient equals the stochastic one.\n";

constexpr const char* kNotes =
    "An identity holds when its largest absolute deviation is at most 1e-9 max(1, size of the\n"
    "quantities). Exit codes: 0 every identity holds; 1 one fails; 2 bad input.\n";

struct Settings {
  bool json = false;
  double perturb = 0.0;
  int threads = 0;
  MemoryLimit memory;
};

/// Multiplies the D side by (1 + eps), for --perturb.
void perturb(LqgPair& pair, double eps) {
  LqgSolution& D = pair.D;
  const double f = 1.0 + eps;
  D.P *= f, D.state_moment *= f, D.q_matrix *= f, D.gradient *= f;
  D.value_constant *= f, D.q_constant *= f, D.J *= f;
  if (D.fisher) *D.fisher *= f, *D.natural_gradient *= f;
}

void perturb(FinitePair& pair, double eps) {
  pair.D.v *= 1.0 + eps;
  pair.D.occupancy *= 1.0 + eps;
  // The D-MDP's transitions, made again with every probability scaled (a built MDP is read-only).
  const FiniteMdp& d = pair.d_mdp;
  FiniteMdpBuilder scaled(d.num_states(), d.num_actions());
  scaled.gamma(d.gamma(), d.gamma_complement()).state_names(d.state_names()).action_names(d.action_names());
  scaled.start(d.start()).terminal(d.terminal());
  for (Index s = 0; s < d.num_states(); ++s)
    for (Index a = 0; a < d.num_actions(); ++a) {
      for (const Outcome& o : d.outcomes_of(s, a)) scaled.add_outcome(o.next, o.probability * (1.0 + eps), o.reward);
      scaled.end_row();
    }
  pair.d_mdp = std::move(scaled).build();
}

void print_report(std::ostream& out, const std::string& title, const EquivalenceReport& r) {
  out << title << "\n\n";
  std::size_t width = 8;
  for (const Identity& i : r.identities) width = std::max(width, i.name.size());
  out << "identity" << std::string(width - 8 + 2, ' ') << "largest deviation   size of sides   result\n";
  for (const Identity& i : r.identities) {
    out << column(i.name, width + 2) << column(significant(i.deviation, 3), 20) << column(significant(i.scale, 3), 16)
        << (!i.holds() ? "FAIL" : i.by_construction ? "pass (by construction)" : "pass") << "\n";
  }
  for (const std::string& note : r.notes) out << "note: " << note << "\n";
  const auto failed = std::count_if(r.identities.begin(), r.identities.end(), [](const Identity& i) { return !i.holds(); });
  const auto shared = std::count_if(r.identities.begin(), r.identities.end(),
                                    [](const Identity& i) { return i.by_construction; });
  out << "\n" << (failed == 0 ? "all " + std::to_string(r.identities.size()) + " identities hold"
                              : std::to_string(failed) + " of " + std::to_string(r.identities.size()) + " identities FAIL")
      << " (tolerance: deviation <= 1e-9 max(1, size))\n";
  if (shared > 0)
    out << shared << " of them by construction: the engine computes both of their sides in one computation, "
           "which the two formulations share\n";
}

std::string report_json(const std::string& problem, const EquivalenceReport& r) {
  nlohmann::ordered_json j;
  j["problem"] = problem;
  j["source"] = "Todorov 2025, Equivalence of stochastic and deterministic policy gradients, arXiv:2505.23244";
  j["identities"] = nlohmann::ordered_json::array();
  for (const Identity& i : r.identities)
    j["identities"].push_back({{"name", i.name}, {"source", i.source}, {"deviation", i.deviation},
                               {"scale", i.scale}, {"tolerance", i.tolerance}, {"holds", i.holds()},
                               {"by_construction", i.by_construction}});
  j["notes"] = r.notes;
  j["verdict"] = r.all_hold() ? "all hold" : "some fail";
  return j.dump(1);
}

int run_equivalence(const Settings& s, const std::string& file, std::ostream& out) {
  const Problem problem = load_problem(file, s.memory);
  EquivalenceReport report;
  std::string title, kind;
  in_file(file, [&] {
    if (const auto* lqg = std::get_if<LqgProblem>(&problem)) {
      LqgSolveOptions options;
      options.threads = s.threads;
      LqgPair pair = solve_both_formulations(*lqg, options);
      if (s.perturb != 0.0) perturb(pair, s.perturb);
      report = lqg_equivalence(pair);
      kind = "lqg";
      title = "Todorov (2025), section 3: stochastic and deterministic formulations of " +
              (lqg->name.empty() ? file : lqg->name + " (" + file + ")");
    } else {
      const auto& finite = std::get<FiniteProblem>(problem);
      FiniteSolveOptions options;
      options.threads = s.threads;
      FinitePair pair = solve_both_formulations(finite, options);
      if (s.perturb != 0.0) perturb(pair, s.perturb);
      report = finite_equivalence(finite, pair);
      kind = "finite";
      title = "Todorov (2025), Theorem 1: the D-MDP of " + (finite.name.empty() ? file : finite.name + " (" + file + ")") +
              ", control = action-probability vector";
    }
  });
  if (s.perturb != 0.0) title += "\n(the D side is perturbed by a factor 1 + " + fixed(s.perturb, 6) + ")";
  if (s.json) out << report_json(kind, report) << "\n";
  else print_report(out, title, report);
  return report.all_hold() ? 0 : 1;
}

Runner declare(CLI::App& app) {
  auto s = std::make_shared<Settings>();
  set_help(app, {"pgtruth equivalence FILE [--json] [--perturb EPS] [--threads T] [--memory-limit M]"}, kAbout, kNotes);
  add_flag(app, "--json", s->json, "print the identities as one JSON object");
  add_real(app, "--perturb", "EPS", s->perturb, {-1.0, 1.0, false, false},
           "scale the D side's results by (1 + EPS), EPS in [-1, 1], before comparing, to see a check fail");
  add_threads(app, s->threads, "the linear solves");
  add_memory_limit(app, s->memory, "a problem");
  return [s, &app](std::ostream& out, std::ostream&) {
    const std::vector<std::string> files = operands(app);
    if (files.size() != 1) throw UsageError(files.empty() ? "missing the problem FILE" : "expected one problem FILE");
    return run_equivalence(*s, files.front(), out);
  };
}

}  // namespace

const Command kEquivalenceCommand{"equivalence", "stochastic vs deterministic policy gradients (Todorov 2025)",
                                  &declare};

}  // namespace pgtruth::cli
