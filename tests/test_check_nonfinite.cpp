// `pgtruth check` at the edges of the double range: non-finite estimates and truths are refused
// with the row, episode or line named; estimates whose squares overflow are judged in scaled
// units, with the same verdict and p-value as the same estimates at a moderate scale.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "cli/cli.hpp"
#include "command.hpp"
#include "pgtruth/sampling/check.hpp"
#include "pgtruth/error.hpp"
#include "gradient_check.hpp"
#include "pgtruth/random.hpp"
#include "pgtruth/sampling/statistics.hpp"

namespace {

using pgtruth::CheckOptions;
using pgtruth::CheckResult;
using pgtruth::Rng;

const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

/// n estimates of dimension 4 with mean `mu`: correlated noise in the first three entries and
/// the fourth exactly minus the third (a singular covariance, as a tabular softmax gives).
Eigen::MatrixXd synthetic_estimates(const Eigen::Vector4d& mu, long n, std::uint64_t seed) {
  Rng rng(seed, 0);
  Eigen::MatrixXd x(n, 4);
  for (long i = 0; i < n; ++i) {
    const double a = rng.normal(), b = rng.normal(), c = rng.normal();
    x(i, 0) = mu(0) + 2.0 * a;
    x(i, 1) = mu(1) + a - 0.5 * b;
    x(i, 2) = mu(2) + 3.0 * c;
    x(i, 3) = -x(i, 2) + (mu(3) + mu(2));
  }
  return x;
}

double relative(double a, double b) { return std::abs(a - b) / std::max({std::abs(a), std::abs(b), 1e-300}); }

using pgtruth::test::is_one_line;
using pgtruth::test::pgtruth_run;
using pgtruth::test::Run;
using pgtruth::test::scratch;
using pgtruth::test::write_file;

/// The two-state case (cases/two-state.json) with rewards R(A, stay) = c1 and R(B, switch) = c2.
std::string two_state(const std::string& name, double c1, double c2) {
  char r1[64], r2[64];
  std::snprintf(r1, sizeof r1, "%.17g", c1);
  std::snprintf(r2, sizeof r2, "%.17g", c2);
  return write_file(name, std::string(R"({"problem": "finite", "gamma": 0.9, "states": ["A", "B"],
    "actions": ["stay", "switch"], "start": [1, 0],
    "P": [[[1, 0], [0, 1]], [[0, 1], [1, 0]]], "R": [[)") +
                              r1 + ", 0], [0, " + r2 + R"(]],
    "policy": {"type": "softmax", "features": "tabular", "theta": 0}})");
}

/// Whether a JSON document holds null anywhere (nlohmann writes NaN and infinity as null).
bool holds_null(const nlohmann::json& j) {
  if (j.is_null()) return true;
  if (j.is_structured())
    for (const auto& item : j)
      if (holds_null(item)) return true;
  return false;
}

}  // namespace

namespace {

/// The moments of the rows of x about mu.
pgtruth::EstimateMoments moments_of(const Eigen::MatrixXd& x, const Eigen::VectorXd& mu) {
  pgtruth::EstimateMoments m(mu);
  for (Eigen::Index i = 0; i < x.rows(); ++i) m.add(Eigen::VectorXd(x.row(i).transpose()));
  return m;
}

}  // namespace

TEST_CASE("test_mean: scaling every input by 2^600 or 2^-600 leaves every statistic unchanged") {
  // Each statistic's sums are kept in units of a power of two that tracks its largest value;
  // a power of two is exact, so the figures agree to 1e-12 relative (in practice bit for bit).
  const Eigen::Vector4d mu(1.0, -2.0, 0.5, 0.25);
  for (const double shift : {0.0, 0.3}) {  // unbiased, and biased along a direction that varies
    Eigen::MatrixXd x = synthetic_estimates(mu, 2000, 11);
    x.col(0).array() += shift;
    const pgtruth::MeanTest base = pgtruth::test_mean(moments_of(x, mu), 0.01);
    for (const int e : {600, -600, 1000, -1000}) {
      CAPTURE(e);
      const pgtruth::MeanTest t = pgtruth::test_mean(moments_of(x * std::ldexp(1.0, e), mu * std::ldexp(1.0, e)), 0.01);
      CHECK(relative(t.p_value, base.p_value) <= 1e-12);
      CHECK(t.verdict == base.verdict);
      CHECK(t.coordinates_admitted == base.coordinates_admitted);
      CHECK((t.z - base.z).cwiseAbs().maxCoeff() <= 1e-12 * base.z.cwiseAbs().maxCoeff());
      CHECK(relative(t.standard_error(0), std::ldexp(base.standard_error(0), e)) <= 1e-12);
      CHECK(relative(t.directions.front().t, base.directions.front().t) <= 1e-12);
    }
    if (shift == 0.0) CHECK(base.verdict == pgtruth::Verdict::consistent);  // with these seeds; the shift is caught:
    else CHECK(base.p_value < 1e-6);
  }
}

TEST_CASE("check_estimates: estimates of 1e200 and 1e307 get the verdict and p-value of the same estimates at scale 1") {
  // Their squares overflow (1e400); before the scaling, T^2 was NaN and the verdict "consistent".
  // 1e200 is not a power of two, so the estimates differ by rounding: tolerance 1e-9 relative.
  const Eigen::Vector4d mu(1.0, -2.0, 0.5, 0.25);
  CheckOptions options;
  options.alpha = 0.05;
  long rejected = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    const Eigen::MatrixXd x = synthetic_estimates(mu, 1000, seed);
    const CheckResult base = pgtruth::check_estimates(x, mu, options);
    for (const double c : {1e200, -1e200, 1e307}) {
      CAPTURE(seed);
      CAPTURE(c);
      const CheckResult big = pgtruth::check_estimates(x * c, mu * c, options);
      CHECK(relative(big.test.p_value, base.test.p_value) <= 1e-9);
      CHECK(big.consistent == base.consistent);
      CHECK(big.test.mean.allFinite());
      CHECK(big.test.standard_error.allFinite());
      // Var per episode = c^2 times the unscaled one: +inf as a double, exact as log10.
      CHECK(std::abs(big.log10_variance_per_episode - std::log10(base.variance_per_episode) - 2.0 * std::log10(std::abs(c))) <=
            1e-9);
    }
    rejected += !base.consistent;
  }
  // Calibration at alpha = 0.05 over 40 seeds: P(Binomial(40, 0.05) > 8) < 1e-3.
  CHECK(rejected <= 8);
  // A bias of 0.2 standard deviations of an estimate in entry 0 (0.4 of 2; 12 standard errors
  // of the mean of 4000) at 1e200 is caught.
  Eigen::MatrixXd x = synthetic_estimates(mu, 4000, 99);
  x.col(0).array() += 0.4;
  CHECK(pgtruth::check_estimates(x * 1e200, mu * 1e200, options).verdict == pgtruth::Verdict::inconsistent);
}

TEST_CASE("check_estimates: entries near the largest double, whose batch sums overflow") {
  // Entries up to about 1.4e308; a batch of 40 rows sums to about 5e308 in entry 0.
  const Eigen::Vector4d mu(1.2, -1.5, 1.0, -1.0);
  const Eigen::MatrixXd x = synthetic_estimates(mu, 2000, 5);
  REQUIRE((x * 1e307).allFinite());
  CheckOptions options;
  const CheckResult r = pgtruth::check_estimates(x * 1e307, mu * 1e307, options);
  const CheckResult base = pgtruth::check_estimates(x, mu, options);
  CHECK(r.test.mean.allFinite());
  CHECK(relative(r.test.mean(0), 1e307 * base.test.mean(0)) <= 1e-12);
  CHECK(relative(r.test.p_value, base.test.p_value) <= 1e-9);
  CHECK(r.consistent == base.consistent);
  CHECK(std::isinf(r.variance_per_episode));  // about 1e615: reported through its log10
  CHECK(std::isfinite(r.log10_variance_per_episode));
}

TEST_CASE("check_estimates and test_mean refuse NaN or infinite estimates and truths, naming the row or entry") {
  const Eigen::Vector4d mu(1.0, -2.0, 0.5, 0.25);
  CheckOptions options;
  Eigen::MatrixXd x = synthetic_estimates(mu, 100, 3);
  x(37, 2) = kNan;
  CHECK_THROWS_WITH_AS(pgtruth::check_estimates(x, mu, options),
                       "row 37 (counted from 0): entry 2 of the estimate is nan, not a finite number", pgtruth::InputError);
  x(37, 2) = 0.0;
  x(5, 0) = -kInf;
  CHECK_THROWS_WITH_AS(pgtruth::check_estimates(x, mu, options),
                       "row 5 (counted from 0): entry 0 of the estimate is -inf, not a finite number", pgtruth::InputError);
  x(5, 0) = 0.0;
  Eigen::Vector4d bad = mu;
  bad(1) = kInf;
  CHECK_THROWS_WITH_AS(pgtruth::check_estimates(x, bad, options),
                       "entry 1 of the exact gradient is infinite (it overflows a double), so no estimate can be tested "
                       "against it",
                       pgtruth::IllPosedError);
  bad(1) = kNan;
  CHECK_THROWS_AS(pgtruth::judge("reinforce", moments_of(x.topRows(10), bad), options), pgtruth::IllPosedError);
}

TEST_CASE("run_check: a non-finite draw is refused naming the estimator, seed, batch and episode, for any thread count") {
  // Draws are (u, 1 - u) with u uniform, and NaN in entry 1 when u < 2e-3.
  const pgtruth::EstimateSampler sample = [](Rng& rng) {
    const double u = rng.uniform();
    return Eigen::Vector2d(u, u < 2e-3 ? kNan : 1.0 - u).eval();
  };
  CheckOptions options;
  options.episodes = 20000;
  options.seed = 7;
  std::string messages[2];
  for (int threads : {1, 2}) {
    options.threads = threads;
    try {
      pgtruth::run_check("toy", sample, Eigen::Vector2d(0.5, 0.5), options);
      FAIL("a NaN draw was not refused");
    } catch (const pgtruth::IllPosedError& e) {
      messages[threads - 1] = e.what();
    }
  }
  CHECK(messages[0] == messages[1]);
  long b = -1, e = -1;
  REQUIRE(std::sscanf(messages[0].c_str(), "estimator toy: seed 7, batch %ld, episode %ld (counted from 0): ", &b, &e) == 2);
  CHECK(messages[0].find("entry 1 of the estimate is nan") != std::string::npos);
  // Independently: replaying the streams, the named draw is the first NaN of the lowest batch.
  // The documented partition: 20000 episodes in 64 batches, the first 20000 % 64 of them one longer.
  REQUIRE(pgtruth::work_batches(20000) == 64);
  for (long bb = 0; bb <= b; ++bb) {
    Rng rng(7, static_cast<std::uint64_t>(bb));
    const long count = 20000 / 64 + (bb < 20000 % 64 ? 1 : 0);
    long first = -1;
    for (long ee = 0; ee < count && first < 0; ++ee)
      if (rng.uniform() < 2e-3) first = ee;
    if (bb < b) CHECK(first == -1);
    else CHECK(first == e);
  }
}

TEST_CASE("sample_moments: draws near the largest double give the statistics of a scaled sampler") {
  // Entry 0 is about 1e308 (its sum over a batch overflows a double), entry 1 about 1e307,
  // entry 2 about 1. The reference samples entry 0 times 2^-20 and cannot overflow: every
  // statistic of entry 0 agrees to 1e-12 relative (a power of two is exact).
  const auto sampler = [](double scale0) {
    return pgtruth::EstimateSampler([scale0](Rng& rng) {
      const double u = rng.uniform(), n = rng.normal();
      return Eigen::Vector3d(scale0 * 1e308 * (1.0 + 0.7 * (u - 0.5)), 1e307 * (1.0 + n), 1.0 + n * u).eval();
    });
  };
  CheckOptions options;
  options.episodes = 8000;
  options.threads = 2;
  const Eigen::Vector3d truth(1e308, 1e307, 1.0), scaled_truth(std::ldexp(1e308, -20), 1e307, 1.0);
  const CheckResult right = pgtruth::run_check("toy", sampler(1.0), truth, options);
  const CheckResult reference = pgtruth::run_check("toy", sampler(std::ldexp(1.0, -20)), scaled_truth, options);
  REQUIRE(right.test.mean.allFinite());
  CHECK(relative(right.test.mean(0), std::ldexp(reference.test.mean(0), 20)) <= 1e-12);
  CHECK(relative(right.test.standard_error(0), std::ldexp(reference.test.standard_error(0), 20)) <= 1e-12);
  CHECK(relative(right.test.z(0), reference.test.z(0)) <= 1e-12);
  CHECK(right.test.mean(1) == reference.test.mean(1));
  CHECK(right.test.mean(2) == reference.test.mean(2));
  // The verdicts: E[draw] = (1e308, 1e307, 1.0); a truth off by 5e306 (about 15 standard errors) in entry 0 is caught.
  CHECK(right.consistent);
  const CheckResult wrong = pgtruth::run_check("toy", sampler(1.0), Eigen::Vector3d(1.05e308, 1e307, 1.0), options);
  CHECK(wrong.verdict == pgtruth::Verdict::inconsistent);
}

TEST_CASE("check_gradient: a non-finite side is an infinite error, never a NaN that compares false") {
  // exp(x1) overflows beyond x1 = 709.78: at x1 = 709.78 the step x1 + h (h = 0.0071) gives an
  // infinite central difference in entry 1 only.
  const auto f = [](const Eigen::VectorXd& x) { return x(0) * x(0) + std::exp(x(1)); };
  const pgtruth::GradientCheck c = pgtruth::check_gradient(f, Eigen::Vector2d(1.0, 709.78), Eigen::Vector2d(2.0, 1.7e308));
  CHECK(std::isfinite(c.finite_difference(0)));
  CHECK(std::isinf(c.max_abs_error));
  CHECK(std::isinf(c.max_relative_error));
  CHECK(c.worst == 1);
  const pgtruth::GradientCheck ok = pgtruth::check_gradient(f, Eigen::Vector2d(1.0, 0.0), Eigen::Vector2d(2.0, 1.0));
  CHECK(ok.max_relative_error < 1e-8);
}

TEST_CASE("pgtruth check on rewards of 2^664 (about 1e200): the p-values of rewards of 1, and no null in the JSON") {
  // Rewards times 2^664 multiply every estimate and the gradient by 2^664 exactly: each
  // estimator's p-value must agree with the unscaled case's to 1e-9 relative.
  const std::string small = two_state("two-state-1.json", 1.0, 2.0),
                    big = two_state("two-state-2p664.json", 0x1p664, 0x1p665);
  const std::vector<std::string> options{"--all", "--episodes", "4000", "--seed", "3", "--json", "--threads", "2"};
  std::vector<std::string> a{"check", small}, b{"check", big};
  a.insert(a.end(), options.begin(), options.end());
  b.insert(b.end(), options.begin(), options.end());
  const Run r1 = pgtruth_run(a), r2 = pgtruth_run(b);
  CHECK(r1.code == r2.code);
  REQUIRE(r2.err.empty());
  const auto j1 = nlohmann::json::parse(r1.out), j2 = nlohmann::json::parse(r2.out);
  CHECK(!holds_null(j2));
  REQUIRE(j1["estimators"].size() == j2["estimators"].size());
  for (std::size_t k = 0; k < j1["estimators"].size(); ++k) {
    const auto &e1 = j1["estimators"][k], &e2 = j2["estimators"][k];
    CAPTURE(e1["estimator"]);
    CHECK(relative(e1["p_value"].get<double>(), e2["p_value"].get<double>()) <= 1e-9);
    CHECK(e1["verdict"] == e2["verdict"]);
    // About 1e400: beyond a double, so written as a decimal string rather than null.
    REQUIRE(e2["variance_per_episode"].is_string());
    CHECK(e2["variance_per_episode"].get<std::string>().find("e+4") != std::string::npos);
    CHECK(relative(e1["relative_efficiency"].get<double>(), e2["relative_efficiency"].get<double>()) <= 1e-9);
  }
  const Run text = pgtruth_run({"check", big, "--estimator", "reinforce-rtg", "--episodes", "4000"});
  CHECK(text.code == 0);
  CHECK(text.out.find("consistent with the exact gradient") != std::string::npos);
  CHECK(text.out.find(" inf") == std::string::npos);
  CHECK(text.out.find(" nan") == std::string::npos);
  CHECK(text.out.find("variance per episode (trace of the covariance of one estimate): ") != std::string::npos);
}

TEST_CASE("pgtruth check on rewards of 1.7e308 and 1e307: a refusal with one line, or a right verdict in finite figures") {
  // 1.7e308: J overflows, so every estimator is refused. 1e307: J = 5e307 fits, but returns
  // summed along an episode overflow for reinforce and qvalue (refused naming the episode);
  // all-actions sums advantage-sized terms that fit, and is judged (it is unbiased: consistent).
  const std::string huge = two_state("two-state-huge.json", 1.7e308, 1.7e308);
  const std::string large = two_state("two-state-large.json", 1e307, 1e307);
  for (const char* estimator : {"reinforce", "qvalue", "all-actions", "visitation"}) {
    CAPTURE(estimator);
    const Run r = pgtruth_run({"check", huge, "--estimator", estimator, "--episodes", "2000"});
    CHECK(r.code == 2);
    CHECK(is_one_line(r.err));
    CHECK(r.out.empty());
  }
  for (const char* estimator : {"reinforce", "qvalue"}) {
    CAPTURE(estimator);
    const Run r = pgtruth_run({"check", large, "--estimator", estimator, "--episodes", "2000"});
    CHECK(r.code == 2);
    CHECK(is_one_line(r.err));
    CHECK(r.err.find(": estimator " + std::string(estimator) + ": seed 1, batch ") != std::string::npos);
    CHECK(r.err.find("overflow a double") != std::string::npos);
  }
  const Run r = pgtruth_run({"check", large, "--estimator", "all-actions", "--episodes", "2000", "--json"});
  CHECK(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(!holds_null(j));
  CHECK(j["verdict"] == "consistent");
}

TEST_CASE("pgtruth check --estimates: NaN rows, an overflowing cell, a directory, a device, binary content, a long line") {
  const std::string corridor = std::string(PGTRUTH_CASES_DIR) + "/short-corridor.json";
  const auto check = [&](const std::string& csv) { return pgtruth_run({"check", corridor, "--estimates", csv}); };
  // A first row of numbers that parse to NaN is data, not a header.
  const std::string nan_first = write_file("nan-first.csv", "nan,nan\n1,2\n3,4\n");
  Run r = check(nan_first);
  CHECK(r.code == 2);
  CHECK(r.err == nan_first + ": line 1: column 1: expected a finite number, found 'nan'\n");
  const std::string inf_row = write_file("inf-row.csv", "d0,d1\n1,2\n3,4\n5, -inf\n");
  CHECK(check(inf_row).err == inf_row + ": line 4: column 2: expected a finite number, found ' -inf'\n");
  const std::string overflow = write_file("overflow.csv", "1,2\n1e400,4\n");
  CHECK(check(overflow).err == overflow + ": line 2: column 1: '1e400' overflows a double (beyond 1.8e308)\n");
  // A row of names is still a header, and a mixed first row is an error naming its cell.
  const std::string mixed = write_file("mixed.csv", "d0,1.5\n1,2\n3,4\n");
  CHECK(check(mixed).err == mixed + ": line 1: column 1: expected a finite number, found 'd0'\n");
  // Directories and devices are refused by kind, at once.
  const std::string dir = scratch().string();
  r = check(dir);
  CHECK(r.code == 2);
  CHECK(r.err == dir + ": is a directory, expected a CSV file of estimates\n");
  const auto start = std::chrono::steady_clock::now();
  r = check("/dev/zero");
  CHECK(r.code == 2);
  CHECK(r.err == "/dev/zero: is a device, expected a CSV file of estimates\n");
  // 8 MB of NUL bytes and an 8 MB line without a newline: refused at the first NUL and at the
  // length limit, 4096 + 64 per column = 4224 bytes for 2 columns, so memory stays small.
  const std::string zeros = write_file("zeros.csv", std::string(8 << 20, '\0'));
  CHECK(check(zeros).err == zeros + ": line 1: a NUL byte: this is not a text (CSV) file\n");
  const std::string longline = write_file("long.csv", std::string(8 << 20, '1'));
  CHECK(check(longline).err == longline + ": line 1: the line is longer than 4224 bytes (64 per column and 4096), not a CSV row of 2 estimates\n");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::filesystem::remove(zeros);
  std::filesystem::remove(longline);
  CHECK(seconds < 5.0);  // "promptly": in practice milliseconds
  // Estimates of 1e200 from a file: judged as the same estimates at scale 1.
  std::string csv = "d_right,d_left\n", scaled = csv;
  Rng rng(1, 0);
  for (int i = 0; i < 2000; ++i) {
    const double noise = 4.0 * rng.normal();
    char row[128];
    std::snprintf(row, sizeof row, "%.17g,%.17g\n", 2.0 + noise, -2.0 - noise);
    csv += row;
    std::snprintf(row, sizeof row, "%.17g,%.17g\n", (2.0 + noise) * 0x1p664, (-2.0 - noise) * 0x1p664);
    scaled += row;
  }
  const Run plain = check(write_file("plain.csv", csv));
  CHECK(plain.code == 0);
  // The corridor's gradient is [2, -2]: estimates 2^664 times larger are inconsistent with it.
  const Run large = check(write_file("large.csv", scaled));
  CHECK(large.code == 1);
  CHECK(large.err.empty());
  CHECK(large.out.find("INCONSISTENT") != std::string::npos);
}
