"""Design-based intervals against closed-form answers computed by hand (t quantiles from tables)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pipeline.uncertainty import (
    bootstrap_ratio,
    mean_of_values,
    ratio_of_totals,
    share_of_las,
    weighted_mean,
)

T = {1: 12.706205, 2: 4.302653, 3: 3.182446, 9: 2.262157}  # t(0.975, df)


def test_share_of_las_with_fpc():
    # p = 0.5, n = 10, N = 40: fpc 0.75, var = 0.75 * 0.25 / 9, se = 0.1443376
    iv = share_of_las([1, 0] * 5, N=40)
    se = math.sqrt(0.75 * 0.25 / 9)
    assert iv.estimate == 0.5 and iv.n == 10
    assert iv.se == pytest.approx(se)
    assert iv.lower == pytest.approx(0.5 - T[9] * se, rel=1e-6)
    assert iv.upper == pytest.approx(0.5 + T[9] * se, rel=1e-6)


def test_share_is_clipped_to_zero_one():
    # p = 0.2, n = 10, N = 20: se = sqrt(0.5 * 0.16 / 9) = 0.0942809; 0.2 - 2.262 * se < 0
    iv = share_of_las([1, 1] + [0] * 8, N=20)
    assert iv.lower == 0.0
    assert iv.upper == pytest.approx(0.2 + T[9] * math.sqrt(0.5 * 0.16 / 9), rel=1e-6)


def test_a_census_has_no_sampling_error():
    iv = share_of_las([1, 0, 1, 1], N=4)
    assert iv.lower == iv.upper == iv.estimate == 0.75
    iv = mean_of_values([1.0, 5.0], N=2)
    assert iv.lower == iv.upper == 3.0


def test_mean_of_values():
    # mean 5, s^2 = (9 + 1 + 1 + 9) / 3 = 20/3, n = 4, N = 8: var = 0.5 * (20/3) / 4 = 5/6
    iv = mean_of_values([2, 4, 6, 8], N=8)
    assert iv.estimate == 5
    assert iv.se == pytest.approx(math.sqrt(5 / 6))
    assert iv.upper - iv.estimate == pytest.approx(T[3] * math.sqrt(5 / 6), rel=1e-6)


def test_ratio_of_totals_taylor():
    # R = 6/4 = 1.5; e = (-0.5, 0.5, 0); xbar = 4/3; n = 3, N = 6:
    # var = 0.5 * 0.5 / (2 * 3 * 16/9) = 0.0234375
    iv = ratio_of_totals([1, 2, 3], [1, 1, 2], N=6)
    assert iv.estimate == 1.5
    assert iv.se == pytest.approx(math.sqrt(0.0234375))
    assert iv.lower == pytest.approx(1.5 - T[2] * math.sqrt(0.0234375), rel=1e-6)


def test_weighted_mean_is_a_ratio():
    # (100 * 1 + 200 * 3) / 4 = 175; y = (100, 600), x = (1, 3), e = (-75, 75), xbar = 2, n = 2, N = 4:
    # var = 0.5 * 11250 / (1 * 2 * 4) = 703.125
    iv = weighted_mean([100, 200], [1, 3], N=4)
    assert iv.estimate == 175
    assert iv.se == pytest.approx(math.sqrt(703.125))
    assert iv.upper == pytest.approx(175 + T[1] * math.sqrt(703.125), rel=1e-6)


def test_item_non_response_is_dropped_and_tiny_bases_have_no_interval():
    iv = ratio_of_totals([1, 2, np.nan, 3], [1, 1, 5, 2], N=6)
    assert iv.n == 3 and iv.estimate == 1.5
    one = mean_of_values([4.0, np.nan], N=10)
    assert one.n == 1 and one.estimate == 4 and math.isnan(one.lower) and math.isnan(one.upper)
    assert math.isnan(share_of_las([], N=10).estimate)


def test_frame_smaller_than_sample_is_refused():
    with pytest.raises(ValueError, match="frame size"):
        mean_of_values([1, 2, 3], N=2)


def test_bootstrap_agrees_with_taylor_and_is_seeded():
    rng = np.random.default_rng(1)
    x = rng.uniform(50, 150, 100)
    y = 0.3 * x + rng.normal(0, 5, 100)
    taylor = ratio_of_totals(y, x, N=150)
    boot = bootstrap_ratio(y, x, N=150, reps=4000, seed=7)
    assert boot.estimate == taylor.estimate
    assert boot.se == pytest.approx(taylor.se, rel=0.1)
    assert bootstrap_ratio(y, x, N=150, reps=500, seed=7) == bootstrap_ratio(y, x, N=150, reps=500, seed=7)


def test_pooled_share_groups_rows_to_las_first():
    # LA a: cells 2 (in) + 2 (out); LA b: 1 (in) + 3 (out); LA c: 3 (in) + 1 (out)
    # per LA y = (2, 1, 3), x = (4, 4, 4): R = 6/12 = 0.5; e = (0, -1, 1); xbar = 4; n = 3, N = 6
    # var = 0.5 * 2 / (2 * 3 * 16) = 1/96 -> percent: 50, se = 100 / sqrt(96)
    from pipeline.uncertainty import interval_pooled_share

    iv = interval_pooled_share(
        [2, 2, 1, 3, 3, 1], [True, False, True, False, True, False], list("aabbcc"), N=6
    )
    assert iv.estimate == pytest.approx(50)
    assert iv.se == pytest.approx(100 / math.sqrt(96))
    assert iv.n == 3


def test_place_weighted_cost_adapter():
    # LA a: cells (cost 100, 1 place), (200, 1); LA b: (300, 2): per LA cw = (300, 600), w = (2, 2)
    # R = 900 / 4 = 225; e = (300 - 450, 600 - 450) = (-150, 150); xbar = 2; n = 2, N = 4:
    # var = 0.5 * 45000 / (1 * 2 * 4) = 2812.5
    from pipeline.uncertainty import interval_place_weighted_cost

    iv = interval_place_weighted_cost([100, 200, 300], [1, 1, 2], list("aab"), N=4)
    assert iv.estimate == pytest.approx(225)
    assert iv.se == pytest.approx(math.sqrt(2812.5))


def test_share_and_rate_adapters():
    from pipeline.uncertainty import interval_mean_of_la_rates, interval_share_of_las

    iv = interval_share_of_las([True, False] * 5 + [None], N=40)
    assert iv.estimate == 50 and iv.n == 10
    assert iv.se == pytest.approx(100 * math.sqrt(0.75 * 0.25 / 9))
    # rates 10 and 30 per 10,000 (the LA without pupils is left out): mean 20, s^2 = 200, n = 2, N = 4
    r = interval_mean_of_la_rates([1, 3, 5], [1000, 1000, 0], N=4)
    assert r.estimate == pytest.approx(20) and r.n == 2
    assert r.se == pytest.approx(math.sqrt(0.5 * 200 / 2))


@pytest.mark.parametrize(
    ("df", "expected"),  # printed tables of t(0.975, df)
    [
        (1, 12.7062047361747),
        (2, 4.30265272974946),
        (5, 2.57058183563631),
        (10, 2.22813885198627),
        (30, 2.04227245630124),
        (100, 1.98397151852355),
    ],  # fmt: skip
)
def test_t_quantile_matches_the_tables(df, expected):
    from pipeline.uncertainty import t_quantile

    assert t_quantile(df) == pytest.approx(expected, rel=1e-12)


def test_t_quantile_agrees_with_scipy_for_every_base_and_other_levels():
    from scipy.special import stdtrit

    from pipeline.uncertainty import t_quantile, t_within

    for df in [*range(1, 160), 500, 2000]:
        assert t_quantile(df) == pytest.approx(float(stdtrit(df, 0.975)), rel=1e-12)
    assert t_quantile(7, 0.9) == pytest.approx(float(stdtrit(7, 0.95)), rel=1e-12)
    assert t_within(0.0, 3) == 0.0 and t_within(1e9, 4) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        t_quantile(0)
