#!/usr/bin/env python3
"""How far the first-order Edgeworth term under-predicts the tail inflation of Student's t.

For skewed and heavy-tailed draws, the two-sided tail P(|T| > x) of the t statistic of n draws
is simulated and compared with Student's t_{n-1}; the inflation is set beside the n^-1 term of
the Edgeworth expansion (Hall 1992, sec. 2.6) evaluated with the draws' skewness and kurtosis.
pgtruth's check multiplies its p-values by 1.25 + 2 r (docs/check-test.md); this shows why twice.

    /usr/bin/python3 tools/calibration/edgeworth_study.py     (numpy, scipy; about a minute)
"""
import numpy as np
from scipy import stats

rng = np.random.default_rng(2)


def edgeworth_inflation(x, skew, kurt, n):
    mills = x * stats.norm.pdf(x) / stats.norm.sf(x) / n
    return mills * (skew**2 * (x**4 + 2 * x**2 - 3) / 18 - kurt * (x**2 - 3) / 12)


def study(name, draw, mean, n, x, reps):
    exceed, skews, kurts = 0, [], []
    for _ in range(reps // 500):
        X = draw((500, n))
        T = (X.mean(1) - mean) / (X.std(1, ddof=1) / np.sqrt(n))
        exceed += np.sum(np.abs(T) > x)
        Y = X[:20] - X[:20].mean(1, keepdims=True)
        m2 = (Y**2).mean(1)
        skews += list((Y**3).mean(1) / m2**1.5)
        kurts += list((Y**4).mean(1) / m2**2 - 3)
    nominal = 2 * stats.t.sf(x, n - 1)
    g, k = np.median(skews), np.median(kurts)
    print(f"{name:12s} n={n:6d} x={x}: skewness {g:5.1f}, kurtosis {k:6.0f}; inflation simulated "
          f"{exceed / reps / nominal - 1:5.2f}, first-order term {edgeworth_inflation(x, g, k, n):5.2f}")


study("exponential", lambda s: rng.exponential(size=s), 1.0, 400, 3.0, 100000)
study("lognormal 1", lambda s: rng.lognormal(0, 1, s), np.exp(0.5), 2000, 3.0, 100000)
study("lognormal 1.5", lambda s: rng.lognormal(0, 1.5, s), np.exp(1.125), 5000, 3.0, 60000)
study("rare 1%", lambda s: (rng.random(s) < 0.01) * rng.exponential(100, s), 1.0, 5000, 3.0, 60000)
study("rare 0.2%", lambda s: (rng.random(s) < 0.002) * rng.exponential(100, s), 0.2, 20000, 3.0, 30000)
