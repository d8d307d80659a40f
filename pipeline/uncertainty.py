"""Uncertainty: design-based 95% intervals for survey estimates over a finite frame of LAs.

Design assumed. The survey is a census of the N LAs of the frame with non-response: the n LAs
that answered an item are treated as a simple random sample without replacement of the N
(non-response ignorable within the frame). Variances therefore carry the finite population
correction ``fpc = 1 - n/N``: if every LA answered, the estimate is the population value and
its interval has zero width. This is the variance under that assumption only; it says nothing
about bias from LAs that chose not to answer (see ``nonresponse`` for that sensitivity).

Estimators (y, x, c, w: per-LA values of the n LAs that answered; bar = mean over them):

- share of LAs (proportion), p = mean of 0/1: var = fpc * p (1 - p) / (n - 1)
  (the sample variance of a 0/1 variable is n p (1 - p) / (n - 1); var of a mean is fpc s^2 / n)
- mean of LA values (e.g. a mean of LA rates): ybar, var = fpc * s_y^2 / n
- ratio of totals, R = sum(y) / sum(x) (a pooled share or rate), Taylor linearisation:
  var = fpc * sum((y_i - R x_i)^2) / ((n - 1) n xbar^2)
- weighted mean, sum(c w) / sum(w) (e.g. place-weighted cost): the ratio with y = c w, x = w.

Intervals: estimate +/- t(0.975, n - 1) * se (t with n - 1 degrees of freedom, as R's survey
package uses for a simple random sample); shares are clipped to [0, 1]. With n < 2 there is no
variance estimate and the bounds are missing.

Interface for table builders: each function takes per-LA arrays (NaN = did not answer, dropped)
and N, and returns an :class:`Interval` (estimate, lower, upper, n, se); ``as_dict()`` gives the
columns ``value, lower, upper, n_las``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    estimate: float
    lower: float
    upper: float
    n: int
    se: float

    def as_dict(self) -> dict:
        return {"value": self.estimate, "lower": self.lower, "upper": self.upper, "n_las": self.n}


def fpc(n: int, N: int) -> float:
    """Finite population correction 1 - n/N; a frame smaller than the sample is a caller error."""
    if n > N or N <= 0:
        raise ValueError(f"frame size N={N} must be at least the number of answering LAs n={n}")
    return 1.0 - n / N


def t_quantile(df: int, level: float = LEVEL) -> float:
    from scipy.special import stdtrit  # the t quantile, without importing all of scipy.stats

    return float(stdtrit(df, 0.5 + level / 2))


def _answered(*arrays) -> list[np.ndarray]:
    """Drop LAs missing any of the arrays (item non-response)."""
    arrs = [np.asarray(a, dtype=float) for a in arrays]
    keep = np.all([~np.isnan(a) for a in arrs], axis=0)
    return [a[keep] for a in arrs]


def _interval(est: float, var: float, n: int, lo: float = -math.inf, hi: float = math.inf) -> Interval:
    if n < 2 or math.isnan(var):
        return Interval(est, math.nan, math.nan, n, math.nan)
    se = math.sqrt(max(var, 0.0))
    half = t_quantile(n - 1) * se
    return Interval(est, max(lo, est - half), min(hi, est + half), n, se)


def share_of_las(indicator, N: int) -> Interval:
    """Share of answering LAs with the attribute (0/1 per LA), with its design-based interval."""
    (x,) = _answered(indicator)
    n = len(x)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0, math.nan)
    if not np.isin(x, (0.0, 1.0)).all():
        raise ValueError("share_of_las needs 0/1 values")
    p = float(x.mean())
    var = fpc(n, N) * p * (1 - p) / (n - 1) if n > 1 else math.nan
    return _interval(p, var, n, 0.0, 1.0)


def mean_of_values(y, N: int) -> Interval:
    """Unweighted mean over answering LAs (e.g. the mean of LA rates per 10,000 pupils)."""
    (y,) = _answered(y)
    n = len(y)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0, math.nan)
    m = float(y.mean())
    var = fpc(n, N) * float(y.var(ddof=1)) / n if n > 1 else math.nan
    return _interval(m, var, n)


def ratio_of_totals(y, x, N: int) -> Interval:
    """sum(y) / sum(x) over answering LAs, variance by Taylor linearisation."""
    y, x = _answered(y, x)
    n = len(y)
    if n == 0 or x.sum() == 0:
        return Interval(math.nan, math.nan, math.nan, n, math.nan)
    r = float(y.sum() / x.sum())
    if n < 2:
        return Interval(r, math.nan, math.nan, n, math.nan)
    e = y - r * x
    var = fpc(n, N) * float((e**2).sum()) / ((n - 1) * n * float(x.mean()) ** 2)
    return _interval(r, var, n)


def weighted_mean(c, w, N: int) -> Interval:
    """sum(c w) / sum(w), e.g. the average cost per place weighted by places: a ratio of totals."""
    c, w = _answered(c, w)
    return ratio_of_totals(c * w, w, N)


def bootstrap_ratio(y, x, N: int, reps: int = 2000, seed: int = 20180) -> Interval:
    """Check on the Taylor interval: a seeded with-replacement bootstrap of LAs whose variance is
    scaled by the fpc (variance of the replicates times fpc; percentile-free, normal interval)."""
    y, x = _answered(y, x)
    n = len(y)
    if n < 2 or x.sum() == 0:
        return ratio_of_totals(y, x, N)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(reps, n))
    reps_r = y[idx].sum(axis=1) / x[idx].sum(axis=1)
    # A with-replacement bootstrap estimates var * (n - 1) / n of the with-replacement variance.
    var = fpc(n, N) * float(reps_r.var(ddof=1)) * n / (n - 1)
    return _interval(float(y.sum() / x.sum()), var, n)
