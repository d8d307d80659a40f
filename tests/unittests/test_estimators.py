"""The report's estimators, each checked against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.estimators import (
    by_group,
    cost_base,
    la_rate_per_10k,
    mean_of_la_rates,
    place_weighted_cost,
    place_weights,
    pooled_share,
    round_half_up,
    share_of_las,
)

NAN = float("nan")


# ------------------------------------------------------------------------------------------------
# round_half_up


@pytest.mark.parametrize(
    ("x", "unit", "expected"),
    [
        (82.5, 1, 83),  # the report's rule: halves go up
        (17.5, 1, 18),
        (17_650, 100, 17_700),  # 176.5 hundreds -> 177 hundreds
        (17_649.99, 100, 17_600),  # 176.4999 hundreds -> 176 hundreds
        (17_549.99, 100, 17_500),
        (82.4999, 1, 82),
        (0.5, 1, 1),
        (1.5, 1, 2),
        (-2.5, 1, -3),  # halves away from zero
        (1.005, 0.01, 1.01),  # decimal text 1.005 -> 100.5 hundredths -> 101 hundredths
        (30_000, 100, 30_000),
        (0, 100, 0),
    ],
)
def test_round_half_up(x, unit, expected):
    assert round_half_up(x, unit) == expected


@pytest.mark.parametrize(
    ("x", "unit", "half_up", "bankers"),
    [
        # Python's round() rounds halves to even; the report does not.
        (2.5, 1, 3, 2),  # round(2.5) == 2
        (0.5, 1, 1, 0),  # round(0.5) == 0
        (18_250, 100, 18_300, 18_200),  # round(182.5) == 182 hundreds
        (21_250, 100, 21_300, 21_200),  # round(212.5) == 212 hundreds
    ],
)
def test_round_half_up_is_not_bankers_rounding(x, unit, half_up, bankers):
    assert round(x / unit) * unit == bankers  # the counterexample really is one
    assert round_half_up(x, unit) == half_up


@pytest.mark.parametrize("missing", [None, NAN])
def test_round_half_up_missing_is_nan(missing):
    assert math.isnan(round_half_up(missing, 100))


# ------------------------------------------------------------------------------------------------
# share of LAs and pooled share


def test_share_of_las_excludes_missing():
    # 3 LAs answered (True, False, True), 2 did not: 2 / 3 = 66.67%
    answered = pd.Series([True, False, True, None, np.nan], dtype="object")
    assert share_of_las(answered) == pytest.approx(200 / 3)


def test_share_of_las_counts_false_answers_in_the_base():
    # 1 yes of 4 answers = 25%
    assert share_of_las(pd.Series([False, False, True, False])) == pytest.approx(25.0)


def test_share_of_las_nobody_answered_is_nan():
    assert math.isnan(share_of_las(pd.Series([None, None], dtype="object")))


def test_pooled_share_weights_large_las_more():
    # LAs with 10, 30, 60 pupils; 10 and 60 in the category: (10 + 60) / 100 = 70%
    values = pd.Series([10, 30, 60])
    in_cat = pd.Series([True, False, True])
    assert pooled_share(values, in_cat) == pytest.approx(70.0)
    # the mean of LA shares would be (100 + 0 + 100) / 3 = 66.7%, not 70%


def test_pooled_share_zero_total_is_nan():
    assert math.isnan(pooled_share(pd.Series([0, 0]), pd.Series([True, False])))


# ------------------------------------------------------------------------------------------------
# rates per 10,000 pupils


def test_la_rate_per_10k_drops_zero_and_missing_denominators():
    count = pd.Series([5.0, 10.0, 3.0, 4.0])
    pupils = pd.Series([10_000.0, 20_000.0, 0.0, np.nan])
    rates = la_rate_per_10k(count, pupils)
    # 5 / 10,000 x 10,000 = 5; 10 / 20,000 x 10,000 = 5; zero and missing denominators -> missing
    assert rates.iloc[0] == pytest.approx(5.0)
    assert rates.iloc[1] == pytest.approx(5.0)
    assert rates.iloc[2:].isna().all()


def test_mean_of_la_rates_is_not_the_pooled_rate():
    count = pd.Series([5.0, 30.0, 7.0, 9.0])
    pupils = pd.Series([10_000.0, 20_000.0, 0.0, np.nan])
    # rates 5 and 15 (LAs with 0 or missing pupils dropped): mean (5 + 15) / 2 = 10
    assert mean_of_la_rates(count, pupils) == pytest.approx(10.0)
    # pooled would be 35 / 30,000 x 10,000 = 11.67: the estimator must not pool
    assert mean_of_la_rates(count, pupils) != pytest.approx(35 / 30_000 * 10_000)


def test_mean_of_la_rates_without_denominators_is_nan():
    assert math.isnan(mean_of_la_rates(pd.Series([1.0, 2.0]), pd.Series([0.0, np.nan])))


# ------------------------------------------------------------------------------------------------
# place weights and the place-weighted cost (footnote 24 fallback)


def test_place_weights_fill_missing_cells_with_mean_of_positive():
    # positive places 10 and 30 -> mean 20 for the cell without place numbers; 0 places weigh 0
    w = place_weights(pd.Series([10.0, 0.0, np.nan, 30.0]))
    assert w.tolist() == [10.0, 0.0, 20.0, 30.0]


def test_place_weights_without_any_positive_count():
    # no positive count to average: cells without places weigh 1, 0 places still weigh 0
    w = place_weights(pd.Series([np.nan, 0.0, np.nan]))
    assert w.tolist() == [1.0, 0.0, 1.0]


def test_place_weighted_cost_plain():
    # (10,000 x 1 + 20,000 x 3) / (1 + 3) = 70,000 / 4 = 17,500
    assert place_weighted_cost(pd.Series([10_000.0, 20_000.0]), pd.Series([1.0, 3.0])) == pytest.approx(
        17_500
    )


def test_place_weighted_cost_with_fallback_weights():
    # weights 10, 30 and (10 + 30) / 2 = 20 for the cell without places:
    # (10,000 x 10 + 20,000 x 30 + 40,000 x 20) / 60 = (100,000 + 600,000 + 800,000) / 60 = 25,000
    cost = pd.Series([10_000.0, 20_000.0, 40_000.0])
    assert place_weighted_cost(cost, place_weights(pd.Series([10.0, 30.0, np.nan]))) == pytest.approx(25_000)


def test_place_weighted_cost_zero_places_weigh_nothing():
    # the 30,000 cost has 0 places: weight 0 -> only 10,000 counts; base 1 LA
    cost, weight = pd.Series([10_000.0, 30_000.0]), pd.Series([10.0, 0.0])
    assert place_weighted_cost(cost, weight) == pytest.approx(10_000)
    assert cost_base(cost, weight, pd.Series(["a", "b"])) == 1


def test_place_weighted_cost_all_weights_zero_is_nan():
    assert math.isnan(place_weighted_cost(pd.Series([12_000.0, 18_000.0]), pd.Series([0.0, 0.0])))


def test_place_weighted_cost_ignores_cells_without_cost():
    # the 2nd cell has no cost: its 1,000 places do not weigh -> (10,000 x 10 + 30,000 x 10) / 20
    cost = pd.Series([10_000.0, np.nan, 30_000.0])
    weight = pd.Series([10.0, 1_000.0, 10.0])
    assert place_weighted_cost(cost, weight) == pytest.approx(20_000)
    assert cost_base(cost, weight, pd.Series(["a", "b", "c"])) == 2


def test_place_weighted_cost_no_costs_is_nan():
    assert math.isnan(place_weighted_cost(pd.Series([np.nan, np.nan]), pd.Series([5.0, 6.0])))
    assert math.isnan(place_weighted_cost(pd.Series([], dtype=float), pd.Series([], dtype=float)))


# ------------------------------------------------------------------------------------------------
# group comparison


def test_by_group_applies_estimator_within_groups():
    df = pd.DataFrame(
        {
            "band": ["low", "low", "high", "high", "high"],
            "cost": [10_000.0, 20_000.0, 30_000.0, 40_000.0, 50_000.0],
            "places": [30.0, 10.0, 1.0, 1.0, 1.0],
        }
    )
    out = by_group(df, "band", place_weighted_cost, "cost", "places")
    # low:  (10,000 x 30 + 20,000 x 10) / 40 = 500,000 / 40 = 12,500
    # high: weights 1, 1, 1 -> (30,000 + 40,000 + 50,000) / 3 = 40,000
    assert list(out.index) == ["high", "low"]  # groups sorted
    assert out["low"] == pytest.approx(12_500)
    assert out["high"] == pytest.approx(40_000)


def test_by_group_with_share_of_las():
    df = pd.DataFrame({"region": ["N", "N", "N", "S", "S"], "yes": [True, False, True, False, False]})
    out = by_group(df, "region", share_of_las, "yes")
    # N: 2 / 3 = 66.67%; S: 0 / 2 = 0%
    assert out["N"] == pytest.approx(200 / 3)
    assert out["S"] == pytest.approx(0.0)
