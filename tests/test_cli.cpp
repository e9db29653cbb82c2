// The pgtruth command, run in-process: help, version, exit codes, the JSON contract, one
// line per error, and no crash on any mutation of a valid file.
#include <doctest/doctest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "cli/cli.hpp"
#include "command.hpp"
#include "pgtruth/random.hpp"
#include "error_cases.hpp"
#include "support.hpp"

namespace {

using pgtruth::test::is_one_line;
using pgtruth::test::pgtruth_run;
using pgtruth::test::Run;
using pgtruth::test::scratch;
using pgtruth::test::write_file;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::string corridor = pgtruth::test::case_path("short-corridor.json");

}  // namespace

TEST_CASE("pgtruth --help, --version and usage errors") {
  const Run help = pgtruth_run({"--help"});
  CHECK(help.code == 0);
  CHECK(help.out.find("Usage: pgtruth COMMAND") != std::string::npos);
  CHECK(help.out.find("solve") != std::string::npos);
  CHECK(pgtruth_run({"-h"}).out == help.out);
  CHECK(pgtruth_run({"--version"}).out == "pgtruth 0.1.0\n");
  CHECK(pgtruth_run({"--version"}).code == 0);

  const Run none = pgtruth_run({});
  CHECK(none.code == 2);
  CHECK(none.err.find("Usage:") != std::string::npos);
  const Run unknown = pgtruth_run({"slove", corridor});
  CHECK(unknown.code == 2);
  CHECK(unknown.err == "pgtruth: unknown command 'slove' (see 'pgtruth --help')\n");
  CHECK(pgtruth_run({"--frobnicate"}).err == "pgtruth: unknown option '--frobnicate' (see 'pgtruth --help')\n");
}

TEST_CASE("pgtruth solve: help and usage errors") {
  const Run help = pgtruth_run({"solve", "--help"});
  CHECK(help.code == 0);
  CHECK(help.out.find("Usage: pgtruth solve FILE") != std::string::npos);
  CHECK(pgtruth_run({"help", "solve"}).out == help.out);

  const Run missing = pgtruth_run({"solve"});
  CHECK(missing.code == 2);
  CHECK(missing.err == "pgtruth solve: missing the problem FILE (see 'pgtruth solve --help')\n");
  CHECK(pgtruth_run({"solve", corridor, "--jsn"}).err ==
        "pgtruth solve: unknown option '--jsn' (see 'pgtruth solve --help')\n");
  CHECK(pgtruth_run({"solve", corridor, "--keys"}).err ==
        "pgtruth solve: option '--keys' needs a value (see 'pgtruth solve --help')\n");
  CHECK(pgtruth_run({"solve", corridor, "--rows", "ten"}).err ==
        "pgtruth solve: --rows needs an integer >= 1, found 'ten' (see 'pgtruth solve --help')\n");
  const Run bad_key = pgtruth_run({"solve", corridor, "--keys", "J,gradiant"});
  CHECK(bad_key.code == 2);
  CHECK(is_one_line(bad_key.err));
  CHECK(bad_key.err.find("unknown key 'gradiant' in --keys") != std::string::npos);
}

TEST_CASE("every command's help: its usage, its options with their ranges, --threads among them") {
  for (const char* command : {"solve", "equivalence", "check", "teach"}) {
    CAPTURE(command);
    const Run help = pgtruth_run({command, "--help"});
    CHECK(help.code == 0);
    CHECK(help.err.empty());
    CHECK(help.out.starts_with(std::string("Usage: pgtruth ") + command));
    CHECK(help.out.find("\n  --threads T ") != std::string::npos);
    std::string words;  // the help with each run of white space made one space, wherever its lines wrap
    for (const char c : help.out) {
      if (!std::isspace(static_cast<unsigned char>(c))) words += c;
      else if (!words.empty() && words.back() != ' ') words += ' ';
    }
    CHECK(words.find("0 every core (the default), 1 no helper thread, at most 256") != std::string::npos);
    CHECK(help.out.find("\n  --memory-limit M ") != std::string::npos);
    CHECK(help.out.find("\n  --help, -h ") != std::string::npos);
    CHECK(help.out.find("Exit codes: 0 ") != std::string::npos);
    CHECK(pgtruth_run({command, "--rows", "x", "--help"}).code == 0);  // help wins over any other argument
  }
  CHECK(pgtruth_run({"check", "--help"}).out.find("--episodes N") != std::string::npos);
  CHECK(pgtruth_run({"check", "--help"}).out.find("20 to 10^13 (default 20000)") != std::string::npos);
}

TEST_CASE("pgtruth solve: the summary for a person starts with J and the gradient") {
  const Run r = pgtruth_run({"solve", corridor});
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  const auto J = r.out.find("J = -12 ");
  const auto gradient = r.out.find("gradient dJ/dtheta:\n  theta[0] 2\n  theta[1] -2\n");
  const auto table = r.out.find("state v");
  CHECK(J != std::string::npos);
  CHECK(gradient != std::string::npos);
  CHECK(table != std::string::npos);
  CHECK(J < gradient);
  CHECK(gradient < table);
  CHECK(r.out.find("solver: sparse LU") != std::string::npos);
  CHECK(r.out.find("\nerror bounds (absolute): J ") != std::string::npos);
  CHECK(r.out.find(", natural gradient (max) ") != std::string::npos);
}

TEST_CASE("pgtruth solve --json: every error bound in solver, beside the one it derives from") {
  const Run r = pgtruth_run({"solve", corridor, "--json", "--keys", "J,fisher,solver"});
  REQUIRE(r.code == 0);
  const auto solver = nlohmann::ordered_json::parse(r.out)["solver"];
  std::vector<std::string> bounds;
  for (const auto& [k, v] : solver.items()) {
    if (k.size() <= 6 || k.substr(k.size() - 6) != "_error") continue;
    bounds.push_back(k);
    CHECK(v.get<double>() >= 0.0);
  }
  CHECK(bounds == std::vector<std::string>{"value_error", "J_error", "q_error", "advantage_error", "occupancy_error",
                                           "expected_length_error", "visitation_error", "gradient_error",
                                           "fisher_error", "natural_gradient_error"});
}

TEST_CASE("pgtruth solve: large tables are shortened to the most visited states") {
  const Run r = pgtruth_run({"solve", pgtruth::test::case_path("slippery-gridworld.json"), "--rows", "3"});
  CHECK(r.code == 0);
  CHECK(r.out.find("... 13 more states (the table shows the 3 most visited") != std::string::npos);
  CHECK(r.out.find("... 61 more entries") != std::string::npos);
}

TEST_CASE("pgtruth solve --json: the spec's keys, in order, with full precision") {
  const Run r = pgtruth_run({"solve", corridor, "--json"});
  REQUIRE(r.code == 0);
  const auto j = nlohmann::ordered_json::parse(r.out);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"problem", "states", "actions", "sense", "J", "v", "q", "advantage",
                                         "policy", "occupancy", "expected_length", "visitation", "gradient", "fisher",
                                         "fisher_rank", "natural_gradient", "solver"});
  CHECK(j["sense"] == "reward");
  CHECK(j["J"].get<double>() == -12.0);
  CHECK(j["states"] == nlohmann::json({"s1", "s2", "s3", "goal"}));
  CHECK(j["gradient"] == nlohmann::json({2.0, -2.0}));
  CHECK(j["v"][3].get<double>() == 0.0);  // terminal
  CHECK(j["fisher_rank"] == 1);
  CHECK(j["solver"]["bellman_residual"].get<double>() < 1e-14);

  const Run some = pgtruth_run({"solve", corridor, "--keys", "J,gradient"});
  CHECK(some.code == 0);
  CHECK(nlohmann::json::parse(some.out) == nlohmann::json::parse(R"({"J": -12.0, "gradient": [2.0, -2.0]})"));
}

TEST_CASE("pgtruth solve --json: a direct policy has a gradient shaped like theta, and no Fisher keys") {
  const std::string file = write_file("direct.json", pgtruth::test::valid_with(
      R"({"type": "softmax", "features": "tabular", "theta": 0})", R"({"type": "direct", "theta": [[0.5, 0.5], [0.2, 0.8]]})"));
  const Run r = pgtruth_run({"solve", file, "--json"});
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["gradient"].size() == 2);
  CHECK(j["gradient"][0].size() == 2);
  CHECK(!j.contains("fisher"));
  const Run fisher = pgtruth_run({"solve", file, "--keys", "fisher"});
  CHECK(fisher.code == 2);
  CHECK(fisher.err == "pgtruth solve: cannot print fisher: \"fisher\" is defined for softmax policies only "
                      "(see 'pgtruth solve --help')\n");
}

TEST_CASE("every malformed file: exit code 2 and exactly one line naming the file and the JSON path") {
  int i = 0;
  for (const pgtruth::test::ErrorCase& c : pgtruth::test::error_cases()) {
    CAPTURE(c.what);
    const std::string file = write_file("bad-" + std::to_string(i++) + ".json", c.text);
    const Run r = pgtruth_run({"solve", file});
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(is_one_line(r.err));
    CHECK(r.err == file + c.message.substr(std::string("x.json").size()) + "\n");
  }
  const Run missing = pgtruth_run({"solve", "no-such-file.json"});
  CHECK(missing.code == 2);
  CHECK(missing.err == "no-such-file.json: cannot open the file: No such file or directory\n");
}

TEST_CASE("pgtruth solve on LQG files: summary, JSON keys, and an unstable policy refused") {
  const std::string scalar = pgtruth::test::case_path("scalar-lqr-stochastic.json");
  const Run human = pgtruth_run({"solve", scalar});
  CHECK(human.code == 0);
  CHECK(human.out.find("J = 9.452593918") != std::string::npos);
  CHECK(human.out.find("gradient dJ/dK") < human.out.find("value v(x)"));
  const Run r = pgtruth_run({"solve", scalar, "--json"});
  REQUIRE(r.code == 0);
  const auto j = nlohmann::ordered_json::parse(r.out);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"problem", "formulation", "sense", "J", "P", "value_constant", "gradient",
                                         "gradient_sigma", "state_moment", "q_matrix", "q_constant", "fisher",
                                         "fisher_rank", "natural_gradient", "spectral_radius", "optimal", "solver"});
  CHECK(j["sense"] == "cost");
  CHECK(j["gradient"].size() == 1);
  CHECK(j["optimal"].contains("K"));
  auto doc = nlohmann::json::parse(read_file(scalar));
  doc["policy"]["K"] = {{0.0}};  // sqrt(0.9) * 1.2 = 1.138 > 1
  const std::string unstable = write_file("unstable.json", doc.dump());
  const Run bad = pgtruth_run({"solve", unstable});
  CHECK(bad.code == 2);
  CHECK(bad.err == unstable + ": /policy/K: the policy is unstable: the spectral radius of sqrt(gamma) (A - B K) is "
                              "1.13842 >= 1, so J is infinite\n");
}

TEST_CASE("pgtruth equivalence: exit 0 when every identity holds, 1 when a perturbed side fails") {
  for (const char* name : {"three-state-deterministic.json", "machine-maintenance.json"}) {
    CAPTURE(name);
    const std::string file = pgtruth::test::case_path(name);
    const Run ok = pgtruth_run({"equivalence", file});
    CHECK(ok.code == 0);
    CHECK(ok.out.find("identities hold") != std::string::npos);
    CHECK(ok.out.find("FAIL") == std::string::npos);
    const Run perturbed = pgtruth_run({"equivalence", file, "--perturb", "1e-6"});
    CHECK(perturbed.code == 1);
    CHECK(perturbed.out.find("FAIL") != std::string::npos);
    const auto j = nlohmann::json::parse(pgtruth_run({"equivalence", file, "--json"}).out);
    CHECK(j["verdict"] == "all hold");
  }
  CHECK(pgtruth_run({"equivalence", "--perturb", "x", corridor}).code == 2);
}

TEST_CASE("pgtruth check: the spec's JSON keys, exit 1 when inconsistent, thread-independent results") {
  const std::string grid = pgtruth::test::case_path("slippery-gridworld.json");
  const Run ok = pgtruth_run({"check", grid, "--estimator", "advantage", "--episodes", "4000", "--seed", "3", "--json"});
  CHECK(ok.code == 0);
  const auto j = nlohmann::json::parse(ok.out);
  for (const char* key : {"estimator", "episodes", "truth", "mean", "stderr", "p_value", "alpha", "verdict"})
    CHECK(j.contains(key));
  CHECK(j["verdict"] == "consistent");
  CHECK(j["truth"].size() == 64);
  const Run threads = pgtruth_run({"check", grid, "--estimator", "advantage", "--episodes", "4000", "--seed", "3",
                                   "--json", "--threads", "1"});
  CHECK(nlohmann::json::parse(threads.out)["mean"] == j["mean"]);
  const Run biased = pgtruth_run({"check", grid, "--estimator", "reinforce-rtg-undiscounted"});
  CHECK(biased.code == 1);
  CHECK(biased.out.find("INCONSISTENT") != std::string::npos);
  CHECK(pgtruth_run({"check", grid, "--estimator", "reinforc"}).code == 2);
  CHECK(pgtruth_run({"check", grid}).err ==
        "pgtruth check: give exactly one of --estimator NAME, --all, --estimates FILE.csv or --fisher (see 'pgtruth check "
        "--help')\n");
  CHECK(pgtruth_run({"check", corridor, "--estimator", "visitation"}).err ==
        corridor + ": /gamma: the visitation estimator samples s ~ d by restarts with probability 1 - gamma, so it needs gamma < 1\n");
}

TEST_CASE("pgtruth check --estimates: a CSV from elsewhere, with a header; bad rows named by line") {
  std::string csv = "d_right,d_left\n";
  pgtruth::Rng rng(1, 0);
  for (int i = 0; i < 2000; ++i) {
    const double noise = 4.0 * rng.normal();
    csv += std::to_string(2.0 + noise) + "," + std::to_string(-2.0 - noise) + "\n";
  }
  const std::string good = write_file("estimates.csv", csv);
  const Run r = pgtruth_run({"check", corridor, "--estimates", good});
  CHECK(r.code == 0);
  CHECK(r.out.find("consistent with the exact gradient") != std::string::npos);
  const std::string bad = write_file("bad.csv", "1,2\n3\n");
  const Run e = pgtruth_run({"check", corridor, "--estimates", bad});
  CHECK(e.code == 2);
  CHECK(e.err == bad + ": line 2: expected 2 columns (one per theta entry), found 1\n");
  const std::string nan = write_file("nan.csv", "1,2\n3,nan\n");
  CHECK(pgtruth_run({"check", corridor, "--estimates", nan}).err ==
        nan + ": line 2: column 2: expected a finite number, found 'nan'\n");
}

TEST_CASE("pgtruth check --fisher: the sampled Fisher matrix against the exact one") {
  const Run r = pgtruth_run({"check", pgtruth::test::case_path("machine-maintenance.json"), "--fisher"});
  CHECK(r.code == 0);
  CHECK(r.out.find("consistent with the exact Fisher matrix") != std::string::npos);
  CHECK(r.out.find("F[theta[0],theta[2]]") != std::string::npos);
}

TEST_CASE("pgtruth check --json: the options that change an estimator's estimates are recorded beside it") {
  const std::string grid = pgtruth::test::case_path("slippery-gridworld.json");
  const auto gae = nlohmann::json::parse(
      pgtruth_run({"check", grid, "--estimator", "gae", "--lambda", "0.5", "--episodes", "500", "--json"}).out);
  CHECK(gae["lambda"] == 0.5);
  CHECK_FALSE(gae.contains("vhat_scale"));
  const auto plain = nlohmann::json::parse(pgtruth_run({"check", grid, "--estimator", "advantage", "--episodes", "500", "--json"}).out);
  CHECK_FALSE(plain.contains("lambda"));
  const auto todorov = nlohmann::json::parse(pgtruth_run({"check", pgtruth::test::case_path("scalar-lqr-stochastic.json"),
                                                          "--estimator", "todorov-ks-baseline", "--vhat-scale", "2",
                                                          "--episodes", "500", "--json"})
                                                 .out);
  CHECK(todorov["vhat_scale"] == 2.0);
  CHECK_FALSE(todorov.contains("lambda"));
}

TEST_CASE("pgtruth check on an LQG file: components named K[i,j]") {
  const Run r = pgtruth_run({"check", pgtruth::test::case_path("three-state-stochastic.json"), "--estimator", "pathwise",
                             "--episodes", "4000"});
  CHECK(r.code == 0);
  CHECK(r.out.find("K[1,2]") != std::string::npos);
}

TEST_CASE("pgtruth check --all: one table, the known-biased estimator marked") {
  const Run r = pgtruth_run({"check", pgtruth::test::case_path("two-state.json"), "--all", "--episodes", "5000"});
  CHECK(r.code == 0);
  CHECK(r.out.find("biased (known)") != std::string::npos);
  CHECK(r.out.find("rel. efficiency") != std::string::npos);
  CHECK(r.out.find("every estimator expected to be unbiased is consistent") != std::string::npos);
}

TEST_CASE("an error message stays one line when a name holds a newline") {
  // The JSON escape \n puts a real newline into the name of an unknown state.
  const std::string file = write_file("newline.json", pgtruth::test::valid_with(R"("next": {"s1": 1})", R"("next": {"s\n1": 1})"));
  const Run r = pgtruth_run({"solve", file});
  CHECK(r.code == 2);
  CHECK(is_one_line(r.err));
  CHECK(r.err == file + ": /transitions/0/next/s\\x0a1: unknown state \"s\\x0a1\"\n");
}

TEST_CASE("no mutation of a valid file crashes the command: it exits 0, or 2 with one line") {
  // Deterministic fuzzing: delete, duplicate or replace a span, or swap a value for another
  // JSON type or a hostile number. Run under ASan/UBSan in CI.
  std::mt19937_64 rng(7);
  const std::vector<std::string> inserts{"", "{", "}", "[", "]", ",", ":", "\"", "-", "0", "1e999", "-1", "1e-320",
                                         "null", "true", "\"s1\"", "[]", "{}", "0.5", "123456789012", "\"\\u0000\""};
  int crashes = 0, accepted = 0, refused = 0;
  std::vector<std::string> files = pgtruth::test::shipped_cases();
  files.push_back("scalar-lqr-stochastic.json");
  files.push_back("three-state-deterministic.json");
  for (const std::string& name : files) {
    const std::string original = read_file(pgtruth::test::case_path(name));
    for (int trial = 0; trial < 150; ++trial) {
      std::string text = original;
      const std::size_t at = std::uniform_int_distribution<std::size_t>(0, text.size() - 1)(rng);
      const std::size_t len = std::uniform_int_distribution<std::size_t>(0, 8)(rng);
      const std::string& insert = inserts[std::uniform_int_distribution<std::size_t>(0, inserts.size() - 1)(rng)];
      text.replace(at, std::min(len, text.size() - at), insert);
      const std::string file = write_file("fuzz.json", text);
      const Run r = pgtruth_run({"solve", file, "--json"});
      (r.code == 0 ? accepted : refused) += 1;
      const bool ok = r.code == 0 || (r.code == 2 && is_one_line(r.err) && r.err.rfind(file + ": ", 0) == 0);
      if (!ok) {
        ++crashes;
        MESSAGE("mutation of " << name << " at " << at << " gave exit " << r.code << ": " << r.err);
      }
    }
  }
  CHECK(crashes == 0);
  CHECK(accepted > 0);  // the mutations reach both the solver and the refusals
  CHECK(refused > 0);
}
