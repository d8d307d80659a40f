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
from dataclasses import dataclass, replace
from functools import cache

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


@cache
def t_quantile(df: int, level: float = LEVEL) -> float:
    """t(0.5 + level / 2, df): the t with P(|T| <= t) = level, by Newton's method on the exact
    two-sided probability ``t_within``; agrees with scipy's ``stdtrit`` to 1e-12 (tested), without
    importing scipy (0.15 s of the run for one function). Computed once per degrees of freedom."""
    if df < 1 or int(df) != df or not 0 < level < 1:
        raise ValueError(
            f"t_quantile needs whole degrees of freedom >= 1 and 0 < level < 1, got {df}, {level}"
        )
    from statistics import NormalDist

    # P(|T| <= t) is concave in t > 0, so Newton's steps approach the root from below, from any start
    t = NormalDist().inv_cdf(0.5 + level / 2) * (1 + 1 / df)
    for _ in range(200):
        step = (t_within(t, df) - level) / (2 * _t_density(t, df))
        t -= step
        if abs(step) <= 1e-14 * t:
            break
    return t


def t_within(t: float, df: int) -> float:
    """P(|T| <= t) for Student's t with whole ``df``: the finite series of Abramowitz and Stegun
    26.7.3 (odd df) and 26.7.4 (even df) in theta = atan(t / sqrt(df))."""
    theta = math.atan(t / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    if df % 2:  # odd: (2 / pi) (theta + sin cos (1 + 2/3 c2 + 2*4/(3*5) c2^2 + ...))
        term, total = 1.0, 1.0 if df > 1 else 0.0
        for k in range(1, (df - 1) // 2):
            term *= c2 * (2 * k) / (2 * k + 1)
            total += term
        return 2 / math.pi * (theta + math.sin(theta) * math.cos(theta) * total)
    term, total = 1.0, 1.0  # even: sin (1 + 1/2 c2 + 1*3/(2*4) c2^2 + ...)
    for k in range(1, df // 2):
        term *= c2 * (2 * k - 1) / (2 * k)
        total += term
    return math.sin(theta) * total


def _t_density(t: float, df: int) -> float:
    log_norm = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_norm - (df + 1) / 2 * math.log1p(t * t / df))


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


def mean_of_non_negative(y, N: int) -> Interval:
    """``mean_of_values`` of counts or rates: when no value is negative the mean cannot be, so
    the lower bound is clipped at 0 (NaN = not answered, left out)."""
    iv = mean_of_values(y, N)
    if iv.lower < 0 and np.nanmin(np.asarray(y, dtype=float), initial=0.0) >= 0:
        return replace(iv, lower=0.0)
    return iv


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


# ------------------------------------------------------------------------------------------------
# Adapters with the inputs of pipeline/estimators.py (so a table builder adds an interval with one
# call beside its estimate). Percent estimators return percent; rows are grouped to LAs first,
# because the LA is the sampling unit.


def interval_share_of_las(answered, N: int) -> Interval:
    """Beside estimators.share_of_las: one entry per LA (True/False/missing), percent."""
    import pandas as pd

    s = pd.Series(answered).dropna().astype(bool).astype(float)
    return _scaled(share_of_las(s.to_numpy(), N), 100.0)


def group_sums(keys, *columns: np.ndarray, sort: bool = False) -> list[np.ndarray]:
    """Sum of each column within each key (an LA), groups in order of first appearance (or
    sorted), as ``DataFrame.groupby(keys, sort=sort)[columns].sum()`` but without building a
    frame per interval (sums of counts are exact either way; sums of non-integer values can
    differ from pandas' compensated summation in the last bit, far below any presented digit).
    Columns must hold no missing values (callers drop non-answers first)."""
    import pandas as pd

    codes, uniques = pd.factorize(np.asarray(keys, dtype=object), sort=sort)
    return [np.bincount(codes, weights=col, minlength=len(uniques)).astype(float) for col in columns]


def interval_pooled_share(values, in_category, la_codes, N: int) -> Interval:
    """Beside estimators.pooled_share: rows are LA cells; per LA y = its count in the category,
    x = its total; ratio of totals, percent."""
    import pandas as pd

    v = pd.Series(values).to_numpy(float)
    c = pd.Series(in_category).to_numpy(bool)
    la = np.asarray(list(la_codes), dtype=object)
    keep = ~np.isnan(v)
    v, c, la = v[keep], c[keep], la[keep]
    y, x = group_sums(la, np.where(c, v, 0.0), v)
    return _scaled(ratio_of_totals(y, x, N), 100.0)


def interval_pooled_shares(values, categories, la_codes, wanted, N: int) -> dict:
    """:func:`interval_pooled_share` of each category in ``wanted`` over the same rows (``values``
    per row, ``categories`` the category of each row): each LA's total is summed once."""
    v = np.asarray(values, dtype=float)
    cats = np.asarray(categories, dtype=object)
    la = np.asarray(la_codes, dtype=object)
    keep = ~np.isnan(v)
    v, cats, la = v[keep], cats[keep], la[keep]
    x, *ys = group_sums(la, v, *(np.where(cats == c, v, 0.0) for c in wanted))
    return {c: _scaled(ratio_of_totals(y, x, N), 100.0) for c, y in zip(wanted, ys, strict=True)}


def interval_mean_of_la_rates(count, pupils, N: int) -> Interval:
    """Beside estimators.mean_of_la_rates: one entry per LA; LAs without a denominator left out."""
    c = np.asarray(count, dtype=float)
    p = np.asarray(pupils, dtype=float)
    rates = np.where(p > 0, c / np.where(p > 0, p, 1.0) * 10_000, np.nan)
    return mean_of_values(rates, N)


def interval_place_weighted_cost(cost, places, la_codes, N: int) -> Interval:
    """Beside estimators.place_weighted_cost: rows are cost cells; the weights are those of
    estimators.place_weights; per LA y = sum(cost x weight), x = sum(weight); ratio of totals."""
    import pandas as pd

    from .estimators import place_weights

    df = pd.DataFrame(
        {
            "la": list(la_codes),
            "c": pd.Series(cost).to_numpy(float),
            "p": pd.Series(places).to_numpy(float),
        }
    )
    df = df[~np.isnan(df["c"])]
    if df.empty:
        return Interval(math.nan, math.nan, math.nan, 0, math.nan)
    df["w"] = place_weights(df["p"].reset_index(drop=True)).to_numpy()
    per_la = df.assign(cw=df["c"] * df["w"]).groupby("la", sort=False)[["cw", "w"]].sum()
    return ratio_of_totals(per_la["cw"].to_numpy(), per_la["w"].to_numpy(), N)


def _scaled(iv: Interval, k: float) -> Interval:
    return Interval(iv.estimate * k, iv.lower * k, iv.upper * k, iv.n, iv.se * k)
