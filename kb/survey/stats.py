"""The statistics of a survey: one cell's description, and the change between two rounds.

Takes arrays of respondents' scale scores; gives plain numbers. The
distributions and the test come from SciPy: the 95 % confidence interval of
a mean from Student's t distribution (``scipy.stats.t.interval``, with the
standard error ``scipy.stats.sem``), the change's p-value from Welch's
t-test (``scipy.stats.ttest_ind(equal_var=False)``). Hedges' g is Cohen's d
with the pooled standard deviation, times the exact small-sample correction
J(df) = Γ(df/2) / (√(df/2) Γ((df-1)/2)) (Hedges 1981), df = n1 + n2 - 2,
computed with ``scipy.special.gammaln``; SciPy has no function for g itself.

A value that is undefined (the SD of a cell whose answers are all equal
gives no t-test and no g) is None, never NaN, so JSON output stays valid.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

CONFIDENCE = 0.95


class Description(NamedTuple):
    n: int
    mean: float
    sd: float
    ci_low: float
    ci_high: float


class Difference(NamedTuple):
    change: float
    p: float | None
    g: float | None


def describe(scores: np.ndarray) -> Description:
    """n, mean, SD (n - 1 in the denominator) and the 95 % CI of the mean by the t distribution (n >= 2)."""
    from scipy import stats

    n = int(scores.size)
    mean = float(np.mean(scores))
    sd = float(np.std(scores, ddof=1))
    if sd == 0.0:
        return Description(n, mean, 0.0, mean, mean)
    low, high = stats.t.interval(CONFIDENCE, n - 1, loc=mean, scale=float(stats.sem(scores)))
    return Description(n, mean, sd, float(low), float(high))


def difference(start: np.ndarray, end: np.ndarray) -> Difference:
    """end - start in means, Welch's two-sided p, and Hedges' g (positive when the end is higher)."""
    from scipy import special, stats

    change = float(np.mean(end) - np.mean(start))
    n1, n2 = int(start.size), int(end.size)
    var1, var2 = float(np.var(start, ddof=1)), float(np.var(end, ddof=1))
    if var1 == 0.0 and var2 == 0.0:
        return Difference(change, None, None)
    p = float(stats.ttest_ind(end, start, equal_var=False).pvalue)
    df = n1 + n2 - 2
    pooled = math.sqrt(((n1 - 1) * var1 + (n2 - 1) * var2) / df)
    j = math.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2)) / math.sqrt(df / 2)
    return Difference(change, p, change / pooled * j)
