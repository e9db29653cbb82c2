// pgtruth check CASE (--estimator NAME | --all | --estimates FILE.csv) [options]
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <variant>

#include "cli/commands.hpp"
#include "cli/error_source.hpp"
#include "cli/finite_report.hpp"
#include "cli/format.hpp"
#include "cli/help.hpp"
#include "cli/options.hpp"
#include "cli/progress.hpp"
#include "pgtruth/sampling/check.hpp"
#include "pgtruth/lqg/solver.hpp"
#include "pgtruth/error.hpp"
#include "pgtruth/io/problem_file.hpp"
#include "pgtruth/sampling/todorov.hpp"

namespace pgtruth::cli {
namespace {

constexpr const char* kAbout =
    "Runs a sampled policy-gradient estimator on CASE and tests whether its mean equals the exact\n"
    "gradient: Student's t on every coordinate and on 9 fixed directions (the gradient's and 8\n"
    "random sign vectors), weighted Bonferroni, each used only where its skewness and kurtosis\n"
    "certify the normal approximation at this budget; otherwise the verdict is 'undecided' with\n"
    "the episodes a decision needs (exit 2). --estimates judges estimates produced by\n"
    "your own code instead: CSV, one estimate per row, one column per theta entry (a first row\n"
    "of names is a header); NaN, infinity, NUL bytes and lines over 4096 + 64 bytes per column\n"
    "are refused naming the line. A non-finite estimate or exact gradient is refused, never\n"
    "judged; estimates whose squares overflow (1e200) are judged in scaled units.\n";

constexpr const char* kNotes =
    "Episodes of infinite-horizon problems end with probability 1 - gamma after each step, which\n"
    "makes every estimator except reinforce-rtg-undiscounted unbiased without truncation.\n"
    "Exit codes: 0 consistent; 1 inconsistent; 2 bad input, or undecided.\n";

/// The most episodes: 10^13 (a batch's first episode stays well within 64 bits).
constexpr long kMaxEpisodes = 10'000'000'000'000;

struct Settings {
  CheckOptions options;
  std::optional<std::string> estimator;  ///< --estimator NAME
  bool all = false;
  std::optional<std::string> estimates;  ///< --estimates FILE.csv
  bool fisher = false;
  bool vhat_scale_given = false;
  bool json = false;
  bool quiet = false;
  double progress_interval = 10.0;
  MemoryLimit memory;
  /// Progress lines on stderr while estimators sample (none with --quiet).
  std::shared_ptr<ProgressReport> progress;
};

/// Announces a sampled run to the progress report, if any.
void begin_run(const Settings& s, const std::string& label) {
  if (!s.progress) return;
  const CheckOptions& o = s.options;
  const long batches = work_batches(o.episodes);
  const int threads = o.threads ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  s.progress->begin("pgtruth check: " + label, o.episodes, batches, static_cast<int>(std::min<long>(threads, batches)));
}

std::string num(double x, int digits = 6) { return significant(unsigned_zero(x), digits); }

/// 10^log10 in decimal, for figures beyond the range of a double (such as 1.3e+400).
std::string power_of_ten(double lg, int digits = 6) {
  if (std::isnan(lg)) return "undefined (0/0)";
  if (!std::isfinite(lg)) return lg > 0 ? "inf" : "0";
  const double exponent = std::floor(lg);
  return num(std::pow(10.0, lg - exponent), digits) + "e" + (exponent < 0 ? "-" : "+") +
         std::to_string(static_cast<long>(std::abs(exponent)));
}

/// A figure known as a double and as log10: the double when finite, else its decimal text.
std::string figure(double value, double lg, int digits) {
  return std::isfinite(value) ? num(value, digits) : power_of_ten(lg, digits);
}

/// The same for JSON: a number when finite, else a string ("1.3e+400"), never null.
nlohmann::ordered_json json_figure(double value, double lg) {
  if (std::isfinite(value)) return value;
  return power_of_ten(lg, 17);
}

/// log10 of the variance of `reference` over that of `r`, finite when the variances overflow.
double log10_relative_efficiency(const CheckResult& reference, const CheckResult& r) {
  return reference.log10_variance_per_episode - r.log10_variance_per_episode;
}
/// The ratio itself: the plain quotient, or from the log10 when a variance overflows.
double relative_efficiency(const CheckResult& reference, const CheckResult& r) {
  const double ratio = reference.variance_per_episode / r.variance_per_episode;
  return std::isfinite(ratio) || !std::isfinite(log10_relative_efficiency(reference, r))
             ? ratio
             : std::pow(10.0, log10_relative_efficiency(reference, r));
}

std::string pad(const std::string& s, std::size_t w) { return column(s, w); }

/// What `check` runs on: a finite or an LQG problem, with its exact gradient.
struct Target {
  std::string title;
  std::string truth_name = "the exact gradient";
  Eigen::VectorXd truth;
  double gamma = 1.0;
  std::function<std::string(Eigen::Index)> parameter;  ///< the name of theta entry i
  std::function<bool(const EstimatorInfo&)> applies;
  std::function<CheckResult(Estimator)> run;
};

Target make_target(const Problem& loaded, const std::string& file, const CheckOptions& options) {
  Target t;
  if (const auto* finite = std::get_if<FiniteProblem>(&loaded)) {
    FiniteSolveOptions solve_options;
    solve_options.threads = options.threads;
    auto solution = std::make_shared<FiniteSolution>(solve(finite->mdp, finite->policy, solve_options));
    t.title = finite->name.empty() ? file : finite->name + " (" + file + ")";
    t.truth = solution->gradient;
    t.gamma = finite->mdp.gamma();
    t.parameter = [finite](Eigen::Index i) { return parameter_name(*finite, i); };
    t.applies = [finite](const EstimatorInfo& info) { return estimator_applies(*finite, info.id); };
    t.run = [finite, solution, options](Estimator e) {
      if (is_todorov(e)) throw InputError("/problem", todorov_needs_continuous_control(e));
      return check_estimator(*finite, *solution, e, options);
    };
    return t;
  }
  const auto* lqg = std::get_if<LqgProblem>(&loaded);
  LqgSolveOptions no_optimum;
  no_optimum.compute_optimal = false;
  no_optimum.threads = options.threads;
  auto solution = std::make_shared<LqgSolution>(solve(*lqg, no_optimum));
  t.title = lqg->name.empty() ? file : lqg->name + " (" + file + ")";
  t.truth = Eigen::VectorXd(solution->gradient.transpose().reshaped());
  t.gamma = lqg->gamma;
  const Eigen::Index n = lqg->n();
  t.parameter = [n](Eigen::Index i) { return "K[" + std::to_string(i / n) + "," + std::to_string(i % n) + "]"; };
  t.applies = [lqg](const EstimatorInfo& info) { return estimator_applies(*lqg, info.id); };
  t.run = [lqg, solution, options](Estimator e) { return check_estimator(*lqg, *solution, e, options); };
  return t;
}

/// The verdict as the reports print it.
std::string verdict_words(const CheckResult& r, const std::string& truth_name) {
  switch (r.verdict) {
    case Verdict::consistent: return "consistent with " + truth_name;
    case Verdict::inconsistent: return "INCONSISTENT with " + truth_name;
    case Verdict::undecided: return "UNDECIDED: " + r.test.reason;
  }
  return "";
}

void print_result(std::ostream& out, const Target& target, const CheckResult& r) {
  out << r.episodes << " estimates, seed " << r.seed;
  if (r.seconds > 0) out << "; " << num(r.seconds, 3) << " s (" << num(r.episodes_per_second, 3) << " episodes/s)";
  out << "\n\n" << pad("component", 18) << pad("truth", 16) << pad("mean", 16) << pad("std. error", 14) << "t\n";
  const Eigen::Index d = r.truth.size();
  const Eigen::Index shown = std::min<Eigen::Index>(d, 20);
  // The components with the largest |t| first when there are many.
  std::vector<Eigen::Index> order(static_cast<std::size_t>(d));
  for (Eigen::Index i = 0; i < d; ++i) order[static_cast<std::size_t>(i)] = i;
  if (d > shown)
    std::partial_sort(order.begin(), order.begin() + shown, order.end(),
                      [&](Eigen::Index a, Eigen::Index b) { return std::abs(r.test.z(a)) > std::abs(r.test.z(b)); });
  for (Eigen::Index k = 0; k < shown; ++k) {
    const Eigen::Index i = order[static_cast<std::size_t>(k)];
    out << pad(target.parameter(i), 18) << pad(num(r.truth(i), 10), 16) << pad(num(r.test.mean(i), 10), 16)
        << pad(num(r.test.standard_error(i), 3), 14) << num(r.test.z(i), 3) << "\n";
  }
  if (d > shown) out << "... " << d - shown << " more components (the " << shown << " with the largest |t| are shown)\n";
  const MeanTest& t = r.test;
  long random_admitted = 0;
  for (const StatisticReport& u : t.directions) random_admitted += u.admitted && u.name != "gradient direction";
  out << "\nTest: Student's t on " << t.coordinates_admitted << " of " << d << " coordinates and " << random_admitted
      << " of " << kRandomDirections << " random directions, those whose skewness and kurtosis certify the normal\n"
      << "approximation (Edgeworth tail error <= " << num(kTailErrorLimit, 2) << "; " << t.coordinates_varying
      << " coordinates varied at all)";
  for (const StatisticReport& u : t.directions)
    if (u.name == "gradient direction")
      out << ";\ngradient direction: t = " << num(u.t, 3) << ", skewness " << num(u.skewness, 3) << ", excess kurtosis "
          << num(u.kurtosis, 3) << ", tail error " << num(u.tail_error, 2) << (u.admitted ? " (admitted)" : " (not admitted)");
  if (!t.worst.name.empty()) out << ";\nsmallest p/weight: " << t.worst.name << " (t = " << num(t.worst.t, 4) << ")";
  out << "\np-value " << num(t.p_value, 4) << " at alpha = " << num(r.alpha, 3) << ": " << verdict_words(r, target.truth_name)
      << "\n";
  out << "variance per episode (trace of the covariance of one estimate): " << figure(r.variance_per_episode, r.log10_variance_per_episode, 6) << "\n";
}

nlohmann::ordered_json statistic_json(const StatisticReport& u) {
  return {{"name", u.name},       {"t", u.t},
          {"skewness", u.skewness}, {"excess_kurtosis", u.kurtosis},
          {"tail_error", u.tail_error}, {"admitted", u.admitted},
          {"p_value", u.p_value},   {"weight", u.weight},
          {"episodes_needed", u.episodes_needed}};
}

/// A check's JSON; an estimator's options that change its estimates (GAE's lambda, the
/// todorov-*-baseline estimators' vhat scale) are recorded beside its name, so that the run can
/// be repeated from the JSON alone.
nlohmann::ordered_json result_json(const CheckResult& r, const EstimatorOptions& options) {
  const auto vec = [](const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); };
  const MeanTest& t = r.test;
  nlohmann::ordered_json directions = nlohmann::ordered_json::array();
  for (const StatisticReport& u : t.directions) directions.push_back(statistic_json(u));
  nlohmann::ordered_json j = {{"estimator", r.estimator}};
  const std::optional<Estimator> e = estimator_by_name(r.estimator);
  if (e == Estimator::gae) j["lambda"] = options.lambda;
  if (e == Estimator::todorov_ks_baseline || e == Estimator::todorov_kd_baseline) j["vhat_scale"] = options.vhat_scale;
  j.update(nlohmann::ordered_json{{"episodes", r.episodes},
                                   {"seed", r.seed},
                                   {"truth", vec(r.truth)},
                                   {"mean", vec(t.mean)},
                                   {"stderr", vec(t.standard_error)},
                                   {"t", vec(t.z)},
                                   {"p_value", t.p_value},
                                   {"alpha", r.alpha},
                                   {"verdict", verdict_name(r.verdict)},
                                   {"test",
                                    {{"statistic", "Student's t per coordinate and direction, weighted Bonferroni"},
                                     {"tail_error_limit", kTailErrorLimit},
                                     {"kurtosis_term_limit", kKurtosisTermLimit},
                                     {"coordinates", r.truth.size()},
                                     {"coordinates_varying", t.coordinates_varying},
                                     {"coordinates_admitted", t.coordinates_admitted},
                                     {"random_directions_seed", Directions::kSeed},
                                     {"directions", directions}}},
                                   {"variance_per_episode", json_figure(r.variance_per_episode, r.log10_variance_per_episode)},
                                   {"seconds", r.seconds},
                                   {"episodes_per_second", r.episodes_per_second}});
  if (!t.worst.name.empty()) j["test"]["smallest"] = statistic_json(t.worst);  // absent when none was admitted
  if (r.verdict == Verdict::undecided) j["reason"] = t.reason, j["episodes_needed"] = t.episodes_needed;
  return j;
}

/// The exit code of a verdict; an undecided one ends with its reason on stderr (exit 2).
int finish(const CheckResult& r) {
  if (r.verdict == Verdict::undecided) throw IllPosedError("", "check undecided: " + r.test.reason);
  return r.verdict == Verdict::consistent ? 0 : 1;
}

/// The longest line read_estimates accepts: 64 bytes per column and 4 KiB more, ample for
/// 17 significant digits and a name per column, and a bound on memory for any input.
std::size_t max_line_length(Eigen::Index dim) { return 4096 + 64 * static_cast<std::size_t>(dim); }

/// One cell of a CSV row: a number (possibly nan, inf or beyond a double) or not a number.
struct Cell {
  bool number = false;
  bool overflow = false;  ///< a number beyond the largest double, such as 1e400
  double value = 0;
};

Cell parse_cell(const std::string& text) {
  const std::size_t lo = text.find_first_not_of(" \t"), hi = text.find_last_not_of(" \t");
  if (lo == std::string::npos) return {};
  const std::string trimmed = text.substr(lo, hi - lo + 1);
  char* end = nullptr;
  errno = 0;
  const double x = std::strtod(trimmed.c_str(), &end);
  if (end != trimmed.c_str() + trimmed.size()) return {};
  return {true, errno == ERANGE && std::isinf(x), x};
}

/// Reads FILE.csv: one estimate per row, `dim` columns. A first row of names (no cell a
/// number) is a header; every other row must hold `dim` finite numbers, or the line is named.
/// Directories, devices, NUL bytes and lines over max_line_length are refused, so memory stays
/// bounded by the file's size whatever it holds.
EstimateRows read_estimates(const std::string& file, Eigen::Index dim) {
  const auto fail = [&](long line, const std::string& message) {
    throw_in_file(file, InputError(line ? "line " + std::to_string(line) : "", message));
  };
  std::error_code ec;
  const auto kind = std::filesystem::status(file, ec).type();
  if (kind == std::filesystem::file_type::directory) fail(0, "is a directory, expected a CSV file of estimates");
  if (kind == std::filesystem::file_type::character || kind == std::filesystem::file_type::block)
    fail(0, "is a device, expected a CSV file of estimates");
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(0, std::string("cannot open the file: ") + std::strerror(errno));
  std::streambuf& source = *in.rdbuf();
  const std::size_t longest = max_line_length(dim);
  std::vector<double> values;
  long rows = 0, line_number = 0;
  bool header_allowed = true;
  std::string line;
  for (int c = source.sgetc(); c != std::char_traits<char>::eof(); c = source.sgetc()) {
    // One line, up to '\n' or the end of the file, read byte by byte against the limits.
    ++line_number;
    line.clear();
    for (; (c = source.sbumpc()) != std::char_traits<char>::eof() && c != '\n';) {
      if (c == '\0') fail(line_number, "a NUL byte: this is not a text (CSV) file");
      if (line.size() == longest)
        fail(line_number, "the line is longer than " + std::to_string(longest) + " bytes (64 per column and 4096), " +
                              "not a CSV row of " + std::to_string(dim) + " estimates");
      line.push_back(static_cast<char>(c));
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::vector<std::string> texts;
    std::vector<Cell> cells;
    std::stringstream split(line);
    for (std::string text; std::getline(split, text, ',');) texts.push_back(text), cells.push_back(parse_cell(text));
    if (line.back() == ',') texts.emplace_back(), cells.emplace_back();  // a trailing empty cell
    const bool first = header_allowed;
    header_allowed = false;
    if (first && std::none_of(cells.begin(), cells.end(), [](const Cell& x) { return x.number; })) continue;  // names
    for (std::size_t j = 0; j < cells.size(); ++j) {
      const std::string column = "column " + std::to_string(j + 1) + ": ";
      if (cells[j].overflow) fail(line_number, column + "'" + texts[j] + "' overflows a double (beyond 1.8e308)");
      if (!cells[j].number || !std::isfinite(cells[j].value))
        fail(line_number, column + "expected a finite number, found '" + texts[j] + "'");
    }
    if (static_cast<Eigen::Index>(cells.size()) != dim)
      fail(line_number, "expected " + std::to_string(dim) + " columns (one per theta entry), found " + std::to_string(cells.size()));
    for (const Cell& x : cells) values.push_back(x.value);
    ++rows;
  }
  if (in.bad()) fail(0, std::string("cannot read the file: ") + std::strerror(errno));
  if (rows < 2) fail(0, "expected at least 2 estimates (rows), found " + std::to_string(rows));
  return Eigen::Map<EstimateRows>(values.data(), rows, dim);
}

int run_all(std::ostream& out, const std::string& file, const Target& target, const Settings& s) {
  struct Row {
    std::string name;
    CheckResult r;
    bool biased;
  };
  std::vector<Row> rows;
  for (const EstimatorInfo& info : estimator_table()) {
    if (!target.applies(info)) continue;
    const bool biased = info.id == Estimator::reinforce_rtg_undiscounted && target.gamma < 1.0;
    begin_run(s, info.name);
    rows.push_back({info.name, target.run(info.id), biased});
  }
  const CheckResult& reference = rows.front().r;
  bool failed = false;
  const Row* undecided = nullptr;
  for (const Row& row : rows) {
    failed = failed || (!row.biased && row.r.verdict == Verdict::inconsistent);
    if (!row.biased && row.r.verdict == Verdict::undecided && !undecided) undecided = &row;
  }
  const auto code = [&] {
    if (failed) return 1;
    if (undecided) throw IllPosedError("", "check undecided for " + undecided->name + ": " + undecided->r.test.reason);
    return 0;
  };
  if (s.json) {
    nlohmann::ordered_json j = {{"case", file}, {"episodes", s.options.episodes}, {"seed", s.options.seed},
                                {"alpha", s.options.alpha}, {"estimators", nlohmann::ordered_json::array()}};
    for (const Row& row : rows) {
      auto e = result_json(row.r, s.options.estimator);
      e["expected_biased"] = row.biased;
      e["relative_efficiency"] = json_figure(relative_efficiency(reference, row.r), log10_relative_efficiency(reference, row.r));
      j["estimators"].push_back(e);
    }
    out << j.dump(1) << "\n";
    return code();
  }
  out << "pgtruth check --all: " << target.title << "\n"
      << s.options.episodes << " episodes per estimator, seed " << s.options.seed << ", alpha " << num(s.options.alpha, 3)
      << "; relative efficiency = variance of " << rows.front().name << " / variance of the estimator\n\n"
      << pad("estimator", 28) << pad("verdict", 15) << pad("p-value", 11) << pad("variance/episode", 18)
      << pad("rel. efficiency", 17) << "episodes/s\n";
  for (const Row& row : rows)
    out << pad(row.name, 28)
        << pad(row.r.consistent ? "consistent"
               : row.biased     ? "biased (known)"
               : row.r.verdict == Verdict::undecided ? "UNDECIDED"
                                                     : "INCONSISTENT",
               15)
        << pad(num(row.r.test.p_value, 3), 11) << pad(figure(row.r.variance_per_episode, row.r.log10_variance_per_episode, 5), 18)
        << pad(figure(relative_efficiency(reference, row.r), log10_relative_efficiency(reference, row.r), 4), 17) << num(row.r.episodes_per_second, 3) << "\n";
  out << "\n"
      << (failed      ? "an estimator expected to be unbiased is INCONSISTENT"
          : undecided ? "an estimator expected to be unbiased is UNDECIDED at this budget"
                      : "every estimator expected to be unbiased is consistent")
      << "\n";
  return code();
}

int run_fisher(std::ostream& out, const Problem& loaded, const std::string& file, const Settings& s) {
  const auto* problem = std::get_if<FiniteProblem>(&loaded);
  if (!problem) throw UsageError("--fisher is available for finite MDPs only");
  FiniteSolveOptions solve_options;
  solve_options.threads = s.options.threads;
  const FiniteSolution solution = solve(problem->mdp, problem->policy, solve_options);
  const Eigen::Index d = problem->policy.num_parameters();
  begin_run(s, "fisher");
  const CheckResult r = check_fisher(*problem, solution, s.options);
  if (s.json) {
    out << result_json(r, s.options.estimator).dump(1) << "\n";
    return finish(r);
  }
  Target target;
  target.title = problem->name.empty() ? file : problem->name + " (" + file + ")";
  target.truth_name = "the exact Fisher matrix";
  target.parameter = [problem, d](Eigen::Index k) {  // entry k of the upper triangle, row by row
    Eigen::Index i = 0;
    while (k >= d - i) k -= d - i, ++i;
    return "F[" + parameter_name(*problem, i) + "," + parameter_name(*problem, i + k) + "]";
  };
  out << "pgtruth check --fisher: psi psi' at s ~ d, a ~ pi on " << target.title << "\n";
  print_result(out, target, r);
  return finish(r);
}

int run_check(const Settings& s, const std::string& file, std::ostream& out) {
  const int modes = (s.estimator ? 1 : 0) + (s.all ? 1 : 0) + (s.estimates ? 1 : 0) + (s.fisher ? 1 : 0);
  if (modes != 1) throw UsageError("give exactly one of --estimator NAME, --all, --estimates FILE.csv or --fisher");
  const Problem loaded = load_problem(file, s.memory);
  std::optional<Estimator> estimator;
  if (s.estimator) {
    estimator = estimator_by_name(*s.estimator);
    if (!estimator) {
      std::string list;
      for (const EstimatorInfo& i : estimator_table()) list += (list.empty() ? "" : ", ") + std::string(i.name);
      throw UsageError("unknown estimator '" + *s.estimator + "' (known: " + list + ")");
    }
  }
  if (s.vhat_scale_given && !s.all &&
      !(estimator == Estimator::todorov_ks_baseline || estimator == Estimator::todorov_kd_baseline))
    throw UsageError("--vhat-scale applies to todorov-ks-baseline and todorov-kd-baseline (and --all) only");
  return in_file(file, [&] {
    if (s.fisher) return run_fisher(out, loaded, file, s);
    const Target target = make_target(loaded, file, s.options);
    if (s.all) return run_all(out, file, target, s);
    CheckResult r;
    if (estimator) {
      begin_run(s, *s.estimator);
      r = target.run(*estimator);
    } else {
      const EstimateRows estimates = read_estimates(*s.estimates, target.truth.size());
      r = check_estimates(estimates, target.truth, s.options);
    }
    if (s.json) {
      out << result_json(r, s.options.estimator).dump(1) << "\n";
    } else {
      out << "pgtruth check: " << r.estimator << " on " << target.title << "\n";
      print_result(out, target, r);
    }
    return finish(r);
  });
}

Runner declare(CLI::App& app) {
  auto s = std::make_shared<Settings>();
  set_help(app,
           {"pgtruth check CASE --estimator NAME [options]", "pgtruth check CASE --all [options]",
            "pgtruth check CASE --estimates FILE.csv [--alpha A] [--json]", "pgtruth check CASE --fisher [options]"},
           kAbout, kNotes);
  CheckOptions& o = s->options;
  add_value(app, "--estimator", "NAME",
            "reinforce, reinforce-rtg, reinforce-rtg-undiscounted, baseline-value, baseline-optimal, qvalue, advantage, "
            "gae, td0, visitation, all-actions; LQG also dpg, pathwise and Todorov's (2025) todorov-ks, todorov-kd, "
            "todorov-ks-baseline, todorov-kd-baseline (eqs. 42-44; not baseline-optimal)",
            [s](const std::string& text) { s->estimator = text; });
  add_flag(app, "--all", s->all, "every applicable estimator, as one table with relative efficiencies");
  add_text(app, "--estimates", "FILE.csv", s->estimates, "a file name", "judge your own estimates (see above)");
  add_flag(app, "--fisher", s->fisher,
               "sample psi psi' at s ~ d, a ~ pi and test it against the exact Fisher matrix (finite MDPs, softmax, "
               "gamma < 1; components are its upper triangle)");
  add_integer(app, "--episodes", "N", o.episodes, 20, kMaxEpisodes, "episodes per estimator, 20 to 10^13 (default 20000)");
  add_integer(app, "--max-episode-steps", "N", o.estimator.max_episode_steps, 1, 1'000'000'000'000'000,
              "the cap on one episode's length, 1 to 10^15 (default 10^7); an episode that reaches it ends the check "
              "(exit 2)");
  add_integer(app, "--seed", "S", o.seed, 0, std::numeric_limits<std::int64_t>::max(),
              "root seed, 0 to 2^63 - 1 (default 1); the result is the same for any --threads");
  add_real(app, "--alpha", "A", o.alpha, {0.0, 1.0, true, true}, "the test's false-alarm rate, in (0, 1) (default 0.01)");
  add_real(app, "--lambda", "L", o.estimator.lambda, {0.0, 1.0, false, false}, "GAE's lambda, in [0, 1] (default 0.95)");
  add_value(app, "--vhat-scale", "S",
            "the todorov-*-baseline estimators use vhat = S v, a deliberately wrong baseline when S != 1 (default 1: "
            "the exact v); any S keeps them unbiased",
            [s](const std::string& text) {
              s->options.estimator.vhat_scale = read_real("--vhat-scale", text, {-INFINITY, INFINITY, true, true});
              s->vhat_scale_given = true;
            });
  add_threads(app, o.threads, "sampling and the linear solves");
  add_flag(app, "--json", s->json, "one JSON object (spec section 3)");
  add_real(app, "--progress", "S", s->progress_interval, {0.0, 1e6, false, false},
           "seconds between progress lines on stderr (default 10; 0: one per batch)");
  add_flag(app, "--quiet", s->quiet, "no progress lines");
  add_memory_limit(app, s->memory, "a problem");
  return [s, &app](std::ostream& out, std::ostream& err) {
    const std::vector<std::string> files = operands(app);
    if (files.size() != 1) throw UsageError(files.empty() ? "missing the CASE file" : "expected one CASE file");
    if (!s->quiet) {
      s->progress = std::make_shared<ProgressReport>(err, s->progress_interval);
      s->options.progress = [report = s->progress](long done, long total) { report->batches_done(done, total); };
    }
    return run_check(*s, files.front(), out);
  };
}

}  // namespace

const Command kCheckCommand{"check", "sampled estimators (or your estimates) against the exact gradient", &declare};

}  // namespace pgtruth::cli
