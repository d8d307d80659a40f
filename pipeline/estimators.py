"""The report's estimators, one small function each, named in every method note that uses them.

* share of LAs         - LAs giving an answer / LAs answering the question
* pooled share         - sum over LAs of a count in a category / sum over LAs of the total
* mean of LA rates     - mean over LAs of (LA count / LA pupil headcount x 10,000)
* place-weighted cost  - sum(cost x places) / sum(places), with the footnote-24 fallback
* group comparison     - any estimator applied within groups of LAs

Nothing is rounded here: rounding is presentation (:func:`round_half_up`).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

PER_10K = 10_000


def round_half_up(x: float, unit: float = 1) -> float:
    """Round to the nearest ``unit``, halves away from zero (the report's rule, not banker's).

    >>> round_half_up(82.5), round_half_up(12_350, 100)
    (83.0, 12400.0)
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return float("nan")
    q = Decimal(str(x)) / Decimal(str(unit))
    return float(q.quantize(Decimal(1), rounding=ROUND_HALF_UP) * Decimal(str(unit)))


def share_of_las(answered: pd.Series) -> float:
    """Share of LAs (percent): LAs whose answer is True / LAs that answered (non-missing).

    ``answered`` has one entry per LA: True, False, or missing for LAs that did not answer.
    """
    s = answered.dropna().astype(bool)
    return float("nan") if s.empty else 100.0 * s.sum() / len(s)


def pooled_share(values: pd.Series, in_category: pd.Series) -> float:
    """Pooled share (percent): sum of values in the category / sum of all values, over all LAs.

    Larger LAs weigh more; this is a national share, not an average of LA shares.
    """
    total = values.sum()
    return float("nan") if total == 0 else 100.0 * values[in_category.astype(bool)].sum() / total


def la_rate_per_10k(count: pd.Series, pupils: pd.Series) -> pd.Series:
    """Each LA's count per 10,000 pupils; missing where the denominator is missing or zero."""
    pupils = pupils.where(pupils > 0)
    return count / pupils * PER_10K


def mean_of_la_rates(count: pd.Series, pupils: pd.Series) -> float:
    """Mean of LA rates per 10,000 pupils: every LA counts once, whatever its size.

    LAs without a denominator (no pupils of that phase) are left out.
    """
    rates = la_rate_per_10k(count, pupils).dropna()
    return float("nan") if rates.empty else float(rates.mean())


def place_weights(places: pd.Series) -> pd.Series:
    """Weights of cost cells for :func:`place_weighted_cost`: the places the LA commissions in
    the cell (0 places: weight 0); where the LA gave no place numbers at all (missing), the mean
    of the positive place counts of the other cells, or 1 when no cell has a positive count
    (then the costs without places form a simple mean).

    The fill is OUR assumption, not the report's: footnote 24 says only that where LAs gave no
    usable place numbers their simple average cost was "combined" with the weighted ones. A cost
    without places counts as much as an average-sized cell, so it is neither dropped nor allowed
    to dominate. ``derive`` applies this once per LA x provider type (x phase) cell
    (``derive.cost_tables``); the tables never re-fill.
    """
    usable = places.where(places > 0)
    fill = usable.mean() if usable.notna().any() else 1.0
    return places.fillna(fill)


def place_weighted_cost(cost: pd.Series, weight: pd.Series) -> float:
    """Place-weighted average cost: sum(cost x weight) / sum(weight) over cost cells.

    Cells are LA x provider type (x phase) average costs; ``weight`` is the cell's place weight
    as derived once per cell (:func:`place_weights`). Base: the LAs with a cost and a positive
    weight (the LAs whose costs enter the average); NaN when there are none.
    """
    c, w = np.asarray(cost, dtype=float), np.asarray(weight, dtype=float)
    mask = ~np.isnan(c) & (w > 0)
    if not mask.any():
        return float("nan")
    return float(np.average(c[mask], weights=w[mask]))


def cost_base(cost: pd.Series, weight: pd.Series, la_code: pd.Series) -> int:
    """Base of :func:`place_weighted_cost`: LAs with a cost and a positive weight."""
    mask = ~np.isnan(np.asarray(cost, dtype=float)) & (np.asarray(weight, dtype=float) > 0)
    return len(pd.unique(np.asarray(la_code, dtype=object)[mask]))


def by_group(df: pd.DataFrame, group: str | list[str], estimator, *columns: str) -> pd.Series:
    """Group comparison: apply ``estimator`` to ``columns`` of each group of LAs."""
    return df.groupby(group, sort=True, observed=True).apply(
        lambda g: estimator(*(g[c] for c in columns)), include_groups=False
    )


# ------------------------------------------------------------------------------------------------
# Area B: shares of LAs by answer, pooled shares within groups, means of LA percentages.


def category_shares(answers: pd.Series, categories: list[str]) -> pd.Series:
    """Share of LAs (percent) giving each answer, among LAs that answered (non-missing).

    Categories nobody chose get 0; the result is indexed by ``categories`` in that order.
    """
    a = answers.dropna()
    if a.empty:
        return pd.Series(np.nan, index=categories, dtype=float)
    return (a.value_counts().reindex(categories, fill_value=0) / len(a) * 100.0).astype(float)


def answered_cells(df: pd.DataFrame, by: list[str], value: str = "x") -> pd.DataFrame:
    """Rows of the LA x group cells an LA answered: at least one non-missing value in the group.

    ``df`` is long (one row per LA x group x category); blank cells of an answered group count
    as zero, groups with every cell blank are dropped (the LA gave no data for that group).
    """
    keys = ["la_code", *by]
    answered = df.groupby(keys, sort=False)[value].transform("count") > 0
    return df[answered].assign(**{value: df.loc[answered, value].fillna(0.0)})


def pooled_shares(df: pd.DataFrame, by: list[str], category: str, value: str = "x") -> pd.DataFrame:
    """Pooled share (percent) of each category within each group, over the LAs answering it.

    Sum over LAs of the category's count / sum over LAs of all the group's counts. Returns
    by..., category, share, n_las (LAs that answered the group).
    """
    cells = answered_cells(df, by, value)
    num = cells.groupby([*by, category], sort=False)[value].sum()
    den = cells.groupby(by, sort=False)[value].sum()
    n = cells.groupby(by, sort=False)["la_code"].nunique()
    out = num.reset_index(name="count")
    key = by[0] if len(by) == 1 else by
    out = out.merge(den.rename("total").reset_index(), on=key).merge(n.rename("n_las").reset_index(), on=key)
    out["share"] = np.where(
        out["total"] > 0, 100.0 * out["count"] / out["total"].where(out["total"] > 0), np.nan
    )
    return out[[*by, category, "share", "n_las"]]


def mean_of_la_shares(df: pd.DataFrame, by: list[str], category: str, value: str = "x") -> pd.DataFrame:
    """Mean over LAs of the percentages they reported, within each group (every LA counts once).

    Used where LAs report typical proportions rather than counts (Figure 25). Returns by...,
    category, share, n_las.
    """
    cells = answered_cells(df, by, value)
    out = cells.groupby([*by, category], sort=False).agg(share=(value, "mean"), n_las=("la_code", "nunique"))
    return out.reset_index()


def count_in_range(values: pd.Series, lower: float, upper: float) -> int:
    """Number of LAs whose value lies in [lower, upper] (both inclusive); missing values excluded."""
    v = values.dropna()
    return int(((v >= lower) & (v <= upper)).sum())


def modal_band(rates: pd.Series) -> tuple[float, float]:
    """Most common band of LA rates: whole-number rates of LAs with at least 1, cut into
    Sturges' number of equal whole-number bands starting at 1 (k = ceil(log2 n) + 1, width =
    ceil(max / k)); returns the (lowest, highest) whole number of the band holding most LAs
    (the lower band on a tie). LAs rounding to 0 have none and are left out.
    """
    r = rates.dropna().map(round_half_up)
    r = r[r >= 1]
    if r.empty:
        return float("nan"), float("nan")
    k = math.ceil(math.log2(len(r))) + 1
    width = math.ceil(r.max() / k)
    band_no = ((r - 1) // width).astype(int)
    top = band_no.value_counts().sort_index(kind="stable")
    b = int(top.idxmax())
    return float(1 + b * width), float((b + 1) * width)


def lowest_outlier(rates: pd.Series) -> float:
    """Lowest LA rate above Tukey's upper fence (Q3 + 1.5 x IQR, linear quantiles); NaN if none."""
    r = rates.dropna()
    q1, q3 = r.quantile(0.25), r.quantile(0.75)
    out = r[r > q3 + 1.5 * (q3 - q1)]
    return float(out.min()) if len(out) else float("nan")


def truncated_extrapolation(total: float, n_answering: int, n_frame: int) -> float:
    """Simple grossing-up of a total from the LAs answering to all LAs, in whole units truncated
    (not rounded) as the report does for both of its extrapolations: floor(total x N / n)."""
    if not n_answering:
        return float("nan")
    return float(math.floor(total * n_frame / n_answering))
