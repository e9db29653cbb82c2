// The built-in estimators (their per-episode estimates as an array) and the calibrated check,
// on sampled estimators or on a user's estimates (spec §3; the numbers of `pgtruth check`).
#include <atomic>
#include <exception>
#include <mutex>
#include <pybind11/stl.h>
#include <thread>

#include "arrays.hpp"
#include "bindings.hpp"
#include "pgtruth/error.hpp"
#include "pgtruth/sampling/todorov.hpp"

namespace pgtruth::python {
namespace {

py::dict statistic_dict(const StatisticReport& u) {
  py::dict d;
  d["name"] = u.name, d["t"] = u.t, d["skewness"] = u.skewness, d["excess_kurtosis"] = u.kurtosis;
  d["tail_error"] = u.tail_error, d["admitted"] = u.admitted, d["p_value"] = u.p_value, d["weight"] = u.weight;
  d["episodes_needed"] = u.episodes_needed;
  return d;
}

Estimator estimator_named(const std::string& name) {
  if (const auto e = estimator_by_name(name)) return *e;
  std::string list;
  for (const EstimatorInfo& i : estimator_table()) list += (list.empty() ? "" : ", ") + std::string(i.name);
  throw InputError("estimator", "unknown estimator '" + name + "' (known: " + list + ")");
}

struct SampleSettings {
  long episodes = 20000;
  std::uint64_t seed = 1;
  double alpha = 0.01;
  int threads = 0;
  EstimatorOptions estimator;
  CheckOptions check() const {
    CheckOptions o;
    o.episodes = episodes, o.seed = seed, o.alpha = alpha, o.threads = threads, o.estimator = estimator;
    return o;
  }
};

SampleSettings settings(long episodes, long seed, double alpha, int threads, double lambda, long max_episode_steps,
                        double vhat_scale) {
  if (episodes < 1) throw InputError("episodes", "expected at least 1, found " + std::to_string(episodes));
  if (seed < 0) throw InputError("seed", "expected 0 to 2^63 - 1, found " + std::to_string(seed));
  if (!(alpha > 0.0 && alpha < 1.0)) throw InputError("alpha", "expected a level in (0, 1), found " + std::to_string(alpha));
  if (threads < 0 || threads > kMaxThreads) throw InputError("threads", "expected 0 (every core) to " + std::to_string(kMaxThreads));
  if (!(lambda >= 0.0 && lambda <= 1.0)) throw InputError("lam", "GAE's lambda must be in [0, 1], found " + std::to_string(lambda));
  if (max_episode_steps < 1) throw InputError("max_episode_steps", "expected at least 1");
  if (!std::isfinite(vhat_scale)) throw InputError("vhat_scale", "expected a finite number");
  SampleSettings s;
  s.episodes = episodes, s.seed = static_cast<std::uint64_t>(seed), s.alpha = alpha, s.threads = threads;
  s.estimator.lambda = lambda, s.estimator.max_episode_steps = max_episode_steps, s.estimator.vhat_scale = vhat_scale;
  return s;
}

/// The sampler and the truth of estimator `name` on a problem at its own parameters.
struct Sampling {
  std::function<void(Rng&, double*)> draw;
  Eigen::VectorXd truth;
  std::function<CheckResult(const CheckOptions&)> check;
};

Sampling finite_sampling(const FiniteHandle& h, const std::string& name, const EstimatorOptions& options) {
  const Estimator e = estimator_named(name);
  if (is_todorov(e)) throw InputError("estimator", todorov_needs_continuous_control(e));
  auto problem = h.problem;
  auto solution = std::make_shared<FiniteSolution>(solve(problem->mdp, problem->policy));
  const Index dim = problem->policy.num_parameters();
  auto sampler = finite_estimator(*problem, *solution, e, options);
  Sampling s;
  s.truth = solution->gradient;
  s.draw = [sampler, dim](Rng& rng, double* row) {
    thread_local SparseEstimate x;
    if (x.values.size() != dim) x = SparseEstimate(dim);
    sampler(rng, x);
    for (const Index i : x.support) row[i] = x.values(i);
    x.clear();
  };
  s.check = [problem, solution, e](const CheckOptions& o) { return check_estimator(*problem, *solution, e, o); };
  return s;
}

Sampling lqg_sampling(const LqgHandle& h, const std::string& name, const EstimatorOptions& options) {
  const Estimator e = estimator_named(name);
  auto problem = h.problem;
  LqgSolveOptions no_optimum;  // as `pgtruth check`
  no_optimum.compute_optimal = false;
  auto solution = std::make_shared<LqgSolution>(solve(*problem, no_optimum));
  const EstimateSampler sampler = is_todorov(e) ? todorov_estimator(*problem, e, options) : lqg_estimator(*problem, e, options);
  Sampling s;
  s.truth = Eigen::VectorXd(solution->gradient.transpose().reshaped());
  s.draw = [sampler](Rng& rng, double* row) {
    const Eigen::VectorXd x = sampler(rng);
    Eigen::Map<Eigen::VectorXd>(row, x.size()) = x;
  };
  s.check = [problem, solution, e](const CheckOptions& o) { return check_estimator(*problem, *solution, e, o); };
  return s;
}

template <typename Handle>
py::array_t<double> sample(const Handle& h, const std::string& name, long episodes, long seed, int threads, double lambda,
                           long max_episode_steps, double vhat_scale,
                           Sampling (*make)(const Handle&, const std::string&, const EstimatorOptions&)) {
  const SampleSettings s = settings(episodes, seed, 0.01, threads, lambda, max_episode_steps, vhat_scale);
  Sampling sampling;
  {
    py::gil_scoped_release release;
    sampling = make(h, name, s.estimator);
  }
  return sample_rows(s.episodes, s.seed, s.threads, sampling.truth.size(), sampling.draw);
}

template <typename Handle>
py::dict check(const Handle& h, const std::string& name, long episodes, long seed, double alpha, int threads, double lambda,
               long max_episode_steps, double vhat_scale,
               Sampling (*make)(const Handle&, const std::string&, const EstimatorOptions&)) {
  const SampleSettings s = settings(episodes, seed, alpha, threads, lambda, max_episode_steps, vhat_scale);
  CheckResult r;
  {
    py::gil_scoped_release release;
    r = make(h, name, s.estimator).check(s.check());
  }
  return report_dict(r);
}

}  // namespace

py::array_t<double> sample_rows(long episodes, std::uint64_t seed, int threads, Eigen::Index dim, const RowDraw& draw) {
  py::array_t<double> out({static_cast<Eigen::Index>(episodes), dim});
  double* data = out.mutable_data();
  std::fill(data, data + out.size(), 0.0);
  py::gil_scoped_release release;
  // The partition of `pgtruth check` (sample_moments): batch b holds the episodes
  // first(b) <= e < first(b + 1) and draws from Rng(seed, b).
  const long B = work_batches(episodes);
  const auto first = [&](long b) { return b * (episodes / B) + std::min(b, episodes % B); };
  std::atomic<long> next{0};
  std::mutex lock;
  long failed = B;
  std::exception_ptr failure;
  const auto work = [&] {
    for (long b; (b = next++) < B;) {
      try {
        Rng rng(seed, static_cast<std::uint64_t>(b));
        for (long e = first(b); e < first(b + 1); ++e) {
          double* row = data + e * dim;
          draw(rng, row);
          for (Eigen::Index i = 0; i < dim; ++i)
            if (!std::isfinite(row[i]))
              throw IllPosedError("", "seed " + std::to_string(seed) + ", episode " + std::to_string(e) +
                                          ": the estimate is not finite; the sampled returns or scores overflow a double");
        }
      } catch (...) {
        const std::lock_guard<std::mutex> guard(lock);
        if (b < failed) failed = b, failure = std::current_exception();
        return;
      }
    }
  };
  const long wanted = threads ? threads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (long i = 1; i < std::min(wanted, B); ++i) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  return out;
}

py::dict report_dict(const CheckResult& r) {
  const MeanTest& t = r.test;
  py::dict d, test;
  d["estimator"] = r.estimator, d["episodes"] = r.episodes, d["seed"] = r.seed;
  d["truth"] = to_numpy(r.truth), d["mean"] = to_numpy(t.mean), d["stderr"] = to_numpy(t.standard_error), d["t"] = to_numpy(t.z);
  d["p_value"] = t.p_value, d["alpha"] = r.alpha, d["verdict"] = verdict_name(r.verdict);
  py::list directions;
  for (const StatisticReport& u : t.directions) directions.append(statistic_dict(u));
  test["statistic"] = "Student's t per coordinate and direction, weighted Bonferroni";
  test["tail_error_limit"] = kTailErrorLimit, test["kurtosis_term_limit"] = kKurtosisTermLimit;
  test["coordinates"] = r.truth.size(), test["coordinates_varying"] = t.coordinates_varying;
  test["coordinates_admitted"] = t.coordinates_admitted, test["random_directions_seed"] = Directions::kSeed;
  test["directions"] = directions;
  if (!t.worst.name.empty()) test["smallest"] = statistic_dict(t.worst);
  d["test"] = test;
  d["variance_per_episode"] = r.variance_per_episode, d["log10_variance_per_episode"] = r.log10_variance_per_episode;
  d["seconds"] = r.seconds, d["episodes_per_second"] = r.episodes_per_second;
  if (r.verdict == Verdict::undecided) d["reason"] = t.reason, d["episodes_needed"] = t.episodes_needed;
  return d;
}

void bind_check(py::module_& m) {
  m.def("check_estimates", [](py::object estimates, py::object truth, double alpha, int threads) {
    const auto mu = real_array(truth, "truth", {-1});
    // The check refuses the first row that is not finite itself, on its threads: no pass here.
    const auto x = real_array(estimates, "estimates", {-1, mu.shape(0)}, false);
    if (!(alpha > 0.0 && alpha < 1.0)) throw InputError("alpha", "expected a level in (0, 1), found " + std::to_string(alpha));
    if (threads < 0 || threads > kMaxThreads) throw InputError("threads", "expected 0 (every core) to " + std::to_string(kMaxThreads));
    CheckOptions options;
    options.alpha = alpha, options.threads = threads;
    CheckResult r;
    try {
      py::gil_scoped_release release;
      r = check_estimates(Eigen::Map<const EstimateRows>(x.data(), x.shape(0), x.shape(1)), to_vector(mu), options);
    } catch (const InputError& e) {  // a row that is not finite, or too few rows
      throw InputError("estimates", e.message());
    }
    return report_dict(r);
  }, py::arg("estimates"), py::arg("truth"), py::arg("alpha") = 0.01, py::arg("threads") = 0,
     "Judges estimates (N x dim theta, one per row) against truth, as `pgtruth check --estimates`;\n"
     "threads: 0 every core, 1 no helper thread (the report is the same for any).");
  const auto bind_sampling = [&m](auto tag, const char* suffix, auto make) {
    using Handle = decltype(tag);
    m.def((std::string("_sample_") + suffix).c_str(), [make](const Handle& h, const std::string& name, long episodes, long seed,
                                                               int threads, double lambda, long max_steps, double vhat_scale) {
      return sample<Handle>(h, name, episodes, seed, threads, lambda, max_steps, vhat_scale, make);
    });
    m.def((std::string("_check_") + suffix).c_str(), [make](const Handle& h, const std::string& name, long episodes, long seed,
                                                              double alpha, int threads, double lambda, long max_steps,
                                                              double vhat_scale) {
      return check<Handle>(h, name, episodes, seed, alpha, threads, lambda, max_steps, vhat_scale, make);
    });
  };
  bind_sampling(FiniteHandle{}, "finite", &finite_sampling);
  bind_sampling(LqgHandle{}, "lqg", &lqg_sampling);
  m.def("estimator_names", [] {
    std::vector<std::string> names;
    for (const EstimatorInfo& i : estimator_table()) names.emplace_back(i.name);
    return names;
  });
}

}  // namespace pgtruth::python
