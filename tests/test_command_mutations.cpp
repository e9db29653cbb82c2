// The structure-aware mutation test of whole commands (issue 21): valid problem files are
// mutated at the JSON level (json_mutations.hpp) and `pgtruth solve`, `equivalence` and `check`
// are run on each as child processes (the built command, with a time limit and an address-space
// limit), and every outcome must be one the spec allows (§3):
//   exit 0 with output and no NaN or infinity in it; exit 1 from `check` only (its verdict);
//   exit 2 with exactly one line on stderr that names the file, and nothing on stdout.
// Never exit 3 (an internal error), a signal (a crash, an abort), a timeout, or another code.
//
// Fixed seeds: the same mutants on every run. PGTRUTH_MUTANTS=N in the environment runs N
// mutants a base file instead of the default (longer runs: docs/fuzzing.md); each failure is
// printed with its command and the mutated file, kept under the test's scratch directory.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "command.hpp"
#include "json_mutations.hpp"
#include "subprocess.hpp"
#include "support.hpp"

namespace {

using pgtruth::test::OrderedJson;

/// The problem files mutated: shipped cases (finite and LQG, explicit tables and matrices)
/// and two small generator problems.
std::vector<std::pair<std::string, OrderedJson>> base_files() {
  std::vector<std::pair<std::string, OrderedJson>> bases;
  for (const char* name : {"two-state.json", "short-corridor.json", "machine-maintenance.json",
                           "scalar-lqr-stochastic.json", "three-state-stochastic.json"}) {
    std::ifstream in(pgtruth::test::case_path(name));
    OrderedJson j = OrderedJson::parse(in);
    for (auto it = j.begin(); it != j.end();) it = it.key().starts_with("_") ? j.erase(it) : std::next(it);  // comments
    bases.emplace_back(name, j);
  }
  bases.emplace_back("gridworld-4x3", OrderedJson::parse(R"({"problem": "finite", "gamma": 0.9,
      "generator": {"type": "gridworld", "width": 4, "height": 3, "slip": 0.1, "step_reward": -1},
      "policy": {"type": "softmax", "features": "tabular", "theta": 0}})"));
  bases.emplace_back("garnet-12", OrderedJson::parse(R"({"problem": "finite", "gamma": 0.8,
      "generator": {"type": "garnet", "states": 12, "actions": 3, "branching": 3, "seed": 7},
      "policy": {"type": "softmax", "features": "tabular", "theta": 0}})"));
  return bases;
}

struct CommandLine {
  std::string name;
  std::vector<std::string> args;  ///< FILE stands for the mutated file
};

const std::vector<CommandLine>& commands() {
  static const std::vector<CommandLine> c{
      {"solve", {"solve", "FILE"}},  // the summary for a person (finite_report, lqg_report)
      {"solve", {"solve", "FILE", "--json"}},
      {"equivalence", {"equivalence", "FILE", "--json"}},
      {"check", {"check", "FILE", "--estimator", "reinforce-rtg", "--episodes", "200", "--threads", "1", "--json"}},
  };
  return c;
}

/// Empty when `text` is one JSON object whose numbers are all finite and which holds no null
/// (the JSON writer's NaN), else what is wrong. (The summary for a person is not read: a state
/// may be named "nan".)
std::string non_finite_json(const std::string& text) {
  OrderedJson j;
  try {
    j = OrderedJson::parse(text);
  } catch (const std::exception& e) {
    return std::string("output that is not JSON (") + e.what() + ")";
  }
  std::string found;
  const auto walk = [&found](const auto& self, const OrderedJson& x, const std::string& at) -> void {
    if (!found.empty()) return;
    if (x.is_null()) found = "null (a NaN) at " + at;
    else if (x.is_number_float() && !std::isfinite(x.get<double>())) found = "a non-finite number at " + at;
    else if (x.is_object())
      for (const auto& [k, v] : x.items()) self(self, v, at + "/" + k);
    else if (x.is_array())
      for (std::size_t i = 0; i < x.size(); ++i) self(self, x[i], at + "/" + std::to_string(i));
  };
  if (!j.is_object()) return "output that is not one JSON object";
  walk(walk, j, "");
  return found;
}

bool wants_json(const CommandLine& c) { return std::find(c.args.begin(), c.args.end(), "--json") != c.args.end(); }

/// Empty when the outcome is allowed, else what is wrong with it.
std::string judge(const CommandLine& command, const std::string& file, const pgtruth::test::ProcessResult& r) {
  if (r.timed_out) return "timed out";
  if (r.signal) return "killed by signal " + std::to_string(r.signal);
  switch (r.exit_code) {
    case 0:
      if (r.out.empty()) return "exit 0 with no output";
      if (wants_json(command)) {
        const std::string wrong = non_finite_json(r.out);
        if (!wrong.empty()) return "exit 0 with " + wrong;
      }
      return "";
    case 1:
      if (command.name != "check") return "exit 1 (only check's verdict may be 1)";
      if (r.out.empty()) return "exit 1 with no output";
      return non_finite_json(r.out).empty() ? "" : "exit 1 with " + non_finite_json(r.out);
    case 2:
      if (!pgtruth::test::is_one_line(r.err)) return "exit 2 without exactly one line on stderr";
      if (r.err.rfind(file + ": ", 0) != 0) return "exit 2 with a line that does not start with the file";
      // check's "undecided" verdict is exit 2 with its report (finite JSON) on stdout.
      if (command.name == "check" && r.err.find(": check undecided: ") != std::string::npos)
        return non_finite_json(r.out).empty() && r.out.find("\"undecided\"") != std::string::npos
                   ? ""
                   : "exit 2 (undecided) without a finite report naming the verdict";
      if (!r.out.empty()) return "exit 2 with output on stdout";
      return "";
    default:
      return "exit " + std::to_string(r.exit_code);
  }
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

TEST_CASE("mutation test: solve, equivalence and check on mutated problem files end in exit 0, 1 or 2, never 3, "
          "a signal or a timeout") {
#ifdef PGTRUTH_TESTS_UNDER_SANITIZERS
  // Without an address-space limit (the sanitizers reserve terabytes), a mutated count could
  // take the machine's memory; the reader is fuzzed under ASan + UBSan by tools/fuzz.
  MESSAGE("skipped under the sanitizers");
  return;
#endif
  const char* env = std::getenv("PGTRUTH_MUTANTS");
  const int mutants = std::max(1, env ? std::atoi(env) : 100);  // a base file: 7 x 100 x 4 = 2 800 runs, about a minute
  constexpr double kSeconds = 20;                  // per run; the unmutated bases take < 0.5 s
  constexpr long long kAddressSpace = 4LL << 30;   // 4 GiB: a mutated count must be refused, not allocated
  const std::string scratch = pgtruth::test::scratch().string();
  int runs = 0, outcomes[3] = {0, 0, 0};  // exits 0, 1, 2
  std::vector<std::string> failures;
  std::uint64_t seed = 1;
  for (const auto& [base, document] : base_files()) {
    pgtruth::test::SplitMix64 random(seed++);
    for (int k = 0; k < mutants; ++k) {
      const pgtruth::test::Mutant m = pgtruth::test::mutate(document, random);
      const std::string file = scratch + "/mutant-" + base + "-" + std::to_string(k) + ".json";
      std::ofstream(file, std::ios::binary) << m.text;
      bool kept = false;
      for (const CommandLine& command : commands()) {
        std::vector<std::string> args = command.args;
        for (std::string& a : args)
          if (a == "FILE") a = file;
        const auto r = pgtruth::test::run_process(PGTRUTH_COMMAND, args, kSeconds, scratch + "/run", kAddressSpace);
        ++runs;
        if (!r.timed_out && !r.signal && r.exit_code >= 0 && r.exit_code <= 2) ++outcomes[r.exit_code];
        const std::string wrong = judge(command, file, r);
        if (wrong.empty()) continue;
        kept = true;
        std::ostringstream line;
        line << "pgtruth " << command.name << " on " << base << " with " << m.description << ": " << wrong
             << " (stderr: " << first_line(r.err) << "; file " << file << ")";
        failures.push_back(line.str());
      }
      if (!kept) std::filesystem::remove(file);
    }
  }
  MESSAGE(runs << " runs of " << mutants << " mutants of each of " << base_files().size() << " base files: exit 0 "
               << outcomes[0] << ", exit 1 " << outcomes[1] << ", exit 2 " << outcomes[2] << ", " << failures.size()
               << " not allowed");
  for (const std::string& f : failures) FAIL_CHECK(f);
  CHECK(failures.empty());
  // Not vacuous: the mutants reached both the solvers (exit 0) and the refusals (exit 2).
  CHECK(outcomes[0] > 0);
  CHECK(outcomes[2] > 0);
}
