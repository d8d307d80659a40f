"""Hand-computed tests of area A's estimators and generator helpers."""

import numpy as np
import pandas as pd

from pipeline.estimators import lowest_outlier, modal_band, truncated_extrapolation
from pipeline.synth.supply import _controlled_round, fit_rates


def test_modal_band_sturges_bands_from_one():
    # 8 LAs: k = ceil(log2 8) + 1 = 4 bands; max 40 -> width ceil(40/4) = 10:
    # bands 1-10, 11-20, 21-30, 31-40. Rates 2, 3, 9 | 12 | 25 | 33, 40 and one 0.3 (rounds to 0,
    # left out) -> 7 LAs: k = ceil(log2 7) + 1 = 4, same bands; band 1-10 holds 3 LAs.
    rates = pd.Series([2, 3, 9, 12, 25, 33, 40, 0.3])
    assert modal_band(rates) == (1.0, 10.0)


def test_modal_band_tie_takes_lower_band():
    # 4 LAs: k = 3, width ceil(30/3) = 10; bands 1-10 (5), 11-20 (15), 21-30 (28, 30): mode 21-30.
    assert modal_band(pd.Series([5, 15, 28, 30])) == (21.0, 30.0)


def test_lowest_outlier_tukey_fence():
    # 1..9 and 40: Q1 = 3.25, Q3 = 7.75 (linear), IQR 4.5, fence 7.75 + 6.75 = 14.5 -> only 40.
    s = pd.Series(list(range(1, 10)) + [40])
    assert lowest_outlier(s) == 40.0
    assert np.isnan(lowest_outlier(pd.Series([1, 2, 3, 4])))


def test_truncated_extrapolation_floors():
    # 100 x 152 / 67 = 226.87 -> 226 (rounding would give 227).
    assert truncated_extrapolation(100, 67, 152) == 226.0


def test_fit_rates_hits_group_means_overall_mean_and_total():
    base = np.array([1.0, 2.0, 3.0, 4.0])
    pupils = np.array([1000.0, 2000.0, 4000.0, 8000.0])
    groups = np.array(["a", "a", None, None], dtype=object)
    # Group a mean 5; overall mean 10 -> rest mean (40 - 10) / 2 = 15. Untilted (g = 0) rates are
    # 3.33, 6.67 (1:2) and 12.86, 17.14 (3:4): pooled (3333 + 13333 + 51429 + 137143) / 10,000
    # = 20.5 children; a target of 18 needs a tilt towards small LAs (g > 0), within reach.
    r = fit_rates(base, pupils, 10.0, 18.0, groups, {"a": 5.0})
    assert abs(r[:2].mean() - 5.0) < 1e-9
    assert abs(r.mean() - 10.0) < 1e-9
    assert abs((r * pupils).sum() / 10_000 - 18.0) < 1e-6
    assert r[0] > 10 / 3  # tilted towards the smaller LA


def test_controlled_round_keeps_la_totals_and_pooled_targets():
    # Two LAs of 3 and 2; floats 1.5/1.5 and 1/1; targets a=3, b=2.
    gs = pd.DataFrame({"a": [1.5, 1.0], "b": [1.5, 1.0]}, index=["x", "y"])
    out = _controlled_round(gs, np.array([3, 2]), {"a": 3, "b": 2})
    assert out.sum(axis=1).tolist() == [3, 2]
    assert out.sum().tolist() == [3, 2]
