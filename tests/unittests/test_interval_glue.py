"""The glue that puts 95% intervals into the tables, against hand-computed answers.

Hand computations (design of pipeline/uncertainty.py: fpc = 1 - n/N, t with n - 1 df;
t(0.975, 2) = 4.302653, t(0.975, 9) = 2.262157):

- cost: LAs A (cost 10, weight 1), B (20, 1), C (30, 2) of N = 6; R = 90 / 4 = 22.5;
  residuals y - R x = -12.5, -2.5, 15 -> sum of squares 387.5;
  var = 0.5 x 387.5 / (2 x 3 x (4/3)^2) = 18.1640625; half = 4.302653 x 4.26193 = 18.3376.
- pooled share: LAs with 3, 1, 2 of 4 pupils in the category, N = 6; R = 6/12 = 50%;
  residuals 1, -1, 0; var = 0.5 x 2 / (2 x 3 x 16) = 1/96; half = 4.302653 x 0.102062 = 43.91%.
- share of LAs: 3 of 10 answering LAs, N = 20; var = 0.5 x 0.21 / 9; half = 2.262157 x 0.108012.
- mean: 2, 4, 6 (one LA not answering), N = 6; s^2 = 4; var = 0.5 x 4 / 3; half = 4.302653 x 0.816497.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.analyse import FigureTable, with_intervals
from pipeline.analysis.common import answer_bounds, mean_bounds, percent_bounds, pooled_bounds, share_bounds
from pipeline.analysis.costs import cost_and_base, cost_bounds
from pipeline.analysis.pupils import mean_share_bounds
from pipeline.compare import exceeds_intervals, interval_columns


def test_cost_interval_uses_the_estimate_cells_and_weights():
    cells = pd.DataFrame(
        {
            "la_code": ["A", "B", "C", "D", "E"],
            "cost": [10.0, 20.0, 30.0, 99.0, np.nan],  # D weighs 0 and E has no cost: both left out
            "weight": [1.0, 1.0, 2.0, 0.0, 5.0],
        }
    )
    est, n = cost_and_base(cells)
    b = cost_bounds(cells, 6)
    assert est == pytest.approx(22.5) and n == 3
    assert b["lower"] == pytest.approx(4.16239, abs=1e-4)
    assert b["upper"] == pytest.approx(40.83761, abs=1e-4)


def test_cost_interval_pools_an_las_cells():
    # one LA with two cells (10 x 1, 30 x 3) is one unit: y = 100, x = 4 -- the same as a single cell
    two = pd.DataFrame(
        {"la_code": ["A", "A", "B", "C"], "cost": [10.0, 30.0, 20.0, 30.0], "weight": [1, 3, 4, 4.0]}
    )
    one = pd.DataFrame({"la_code": ["A", "B", "C"], "cost": [25.0, 20.0, 30.0], "weight": [4.0, 4.0, 4.0]})
    assert cost_bounds(two, 10) == pytest.approx(cost_bounds(one, 10))


def test_pooled_share_interval():
    rows = pd.DataFrame(
        {
            "la_code": ["A", "A", "B", "B", "C", "C"],
            "x": [3.0, 1.0, 1.0, 3.0, 2.0, 2.0],
            "cat": ["in", "out", "in", "out", "in", "out"],
        }
    )
    b = pooled_bounds(rows["x"], rows["cat"] == "in", rows["la_code"], 6)
    assert b["lower"] == pytest.approx(6.0862, abs=1e-3)
    assert b["upper"] == pytest.approx(93.9138, abs=1e-3)


def test_pooled_share_intervals_of_several_categories_at_once():
    from pipeline.uncertainty import interval_pooled_shares

    rows = pd.DataFrame(
        {
            "la_code": ["A", "A", "B", "B", "C", "C", "C"],
            "x": [3.0, 1.0, 1.0, 3.0, 2.0, 2.0, np.nan],  # a missing cell is left out
            "cat": ["in", "out", "in", "out", "in", "out", "in"],
        }
    )
    ivs = interval_pooled_shares(rows["x"], rows["cat"], rows["la_code"], ["in", "out"], 6)
    # "in": R = 50%, half = 43.91 (module docstring); "out" is its mirror image: 50% +/- 43.91.
    for c in ("in", "out"):
        assert ivs[c].estimate == pytest.approx(50.0)
        assert ivs[c].lower == pytest.approx(6.0862, abs=1e-3)
        assert ivs[c].upper == pytest.approx(93.9138, abs=1e-3)
        assert ivs[c].n == 3


def test_share_of_las_interval_drops_non_answering_las():
    answered = pd.Series([True] * 3 + [False] * 7 + [np.nan] * 2, dtype=object)
    b = share_bounds(answered, 20)
    assert b["lower"] == pytest.approx(5.5659, abs=1e-3)
    assert b["upper"] == pytest.approx(54.4341, abs=1e-3)
    answers = pd.Series(["a"] * 3 + ["b"] * 4 + ["c"] * 3 + [np.nan] * 2)
    assert answer_bounds(answers, ["a"], 20) == pytest.approx(b)
    assert answer_bounds(answers, ["b", "c"], 20)["lower"] == pytest.approx(100 - b["upper"])


def test_mean_interval():
    b = mean_bounds(pd.Series([2.0, 4.0, 6.0, np.nan]), 6)
    assert b["lower"] == pytest.approx(0.4869, abs=1e-3)
    assert b["upper"] == pytest.approx(7.5131, abs=1e-3)


def test_a_full_census_has_zero_width_and_one_la_has_none():
    b = mean_bounds(pd.Series([2.0, 4.0, 6.0]), 3)
    assert b["lower"] == pytest.approx(4.0) and b["upper"] == pytest.approx(4.0)
    one = mean_bounds(pd.Series([5.0]), 10)
    assert math.isnan(one["lower"]) and math.isnan(one["upper"])


def test_percent_bounds_clip_but_keep_missing():
    assert percent_bounds(-3.0, 104.0) == {"lower": 0.0, "upper": 100.0}
    b = percent_bounds(math.nan, math.nan)
    assert math.isnan(b["lower"]) and math.isnan(b["upper"])


def test_mean_of_la_percentages_counts_an_la_once():
    # 'All' group: LA A gave two rows (10, 30), LA B one row (20): mean over rows = 20, and the
    # interval treats A as one unit: y = (40, 20), x = (2, 1), R = 20, residuals (0, 0) -> width 0
    cells = pd.DataFrame({"la_code": ["A", "A", "B"], "g": "all", "band": "short", "x": [10.0, 30.0, 20.0]})
    b = mean_share_bounds(cells, "g", "band", 5).iloc[0]
    assert b["lower"] == pytest.approx(20.0) and b["upper"] == pytest.approx(20.0)


def _table(**cols) -> FigureTable:
    return FigureTable(
        "fig99",
        pd.DataFrame({"group": ["a", "b"], **cols}),
        ["group"],
        {k: {"label": "Share of LAs", "unit": "%", "dp": 0} for k in cols if k not in ("lower", "upper")},
        "Share of LAs.",
        "LAs answering",
    )


def test_tables_without_intervals_get_the_gss_symbol_and_metadata():
    ft = _table(la_share=[10.0, 90.0])
    done = with_intervals(ft)
    assert list(done.table["lower"]) == ["x", "x"] and list(done.table["n_las"]) == ["x", "x"]
    assert list(done.indicators) == ["la_share", "lower", "upper", "n_las"]
    assert done.indicators["lower"]["unit"] == "%"
    assert "95% interval" not in done.estimator
    ft.no_interval = "z"
    assert list(with_intervals(ft).table["upper"]) == ["z", "z"]


def test_computed_intervals_are_kept_and_named_in_the_method_note():
    ft = _table(la_share=[10.0, 90.0], lower=[5.0, 80.0], upper=[15.0, 95.0], n_las=[20, 20])
    done = with_intervals(ft)
    assert list(done.table["lower"]) == [5.0, 80.0]
    assert "95% interval" in done.estimator
    assert interval_columns(done, "la_share") == ("lower", "upper")


@pytest.mark.parametrize(
    ("old", "new", "flag"),
    [
        ((50, 40, 60), (70, 65, 75), "yes"),  # each value outside the other's interval
        ((50, 40, 60), (58, 55, 75), "no"),  # new value inside the old interval
        ((50, 45, 55), (62, 48, 70), "no"),  # old value inside the new interval
        ((50, math.nan, math.nan), (70, 65, 75), "x"),  # an interval not available
    ],
)
def test_compare_flags_changes_larger_than_both_intervals(old, new, flag):
    side = lambda v: pd.Series({"value": v[0], "lower": v[1], "upper": v[2], "has_interval": True})  # noqa: E731
    assert exceeds_intervals(side(old), side(new)) == flag


def test_reliability_flags_small_bases_and_single_las():
    from pipeline.present import reliability

    n = pd.Series([1, 2, 9, 10, 118, np.nan])
    assert list(reliability(n, 10, "u")) == ["c", "u", "u", "z", "z", "z"]
    assert list(reliability(n, 3, "low")) == ["c", "low", "z", "z", "z", "z"]


def test_small_base_setting_is_checked(make_project):
    from pipeline.present import small_base_min

    settings = make_project()
    settings.analysis["small_base"] = {"min_las": 1}
    with pytest.raises(SystemExit, match=r"config/analysis.yaml: small_base.min_las must be an integer >= 2"):
        small_base_min(settings)


def test_group_sums_per_la_in_order_of_first_appearance_or_sorted():
    from pipeline.uncertainty import group_sums

    keys = ["E2", "E1", "E2", "E3", "E1"]
    y = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    x = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    first, second = group_sums(keys, y, x)
    assert first.tolist() == [4.0, 7.0, 4.0]  # E2, E1, E3
    assert second.tolist() == [40.0, 70.0, 40.0]
    (ordered,) = group_sums(keys, y, sort=True)
    assert ordered.tolist() == [7.0, 4.0, 4.0]  # E1, E2, E3
    (empty,) = group_sums([], np.array([]))
    assert empty.size == 0
