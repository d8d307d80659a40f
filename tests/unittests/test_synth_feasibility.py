"""The feasibility search of issue 9.1 (pipeline/synth/feasibility.py) on hand-made problems."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.synth import feasibility as F

# Four LAs of 10,000 secondary pupils each: a rate r gives r places.
HEADS = np.full(4, 10_000.0)
# mean 50, 200 places in all (pooled 50), bands of 44, at most one LA above 130.
STATEMENTS = F.Statements(mean=50, total=200, band=44, threshold=130, max_over=1)


def test_a_profile_meeting_every_statement():
    # 30, 30, 40, 100: mean 50, 200 places; band 1-44 holds 3, 89-132 holds 1; none above 130.
    assert F.meets_statements(np.array([30.0, 30, 40, 100]), HEADS, STATEMENTS)


def test_each_statement_can_fail():
    gaps = F.statement_gaps
    # mean 51 (rounds to 51, not 50): the gap is |51 - 50| - 0.5
    assert gaps(np.array([30.0, 30, 44, 100]), HEADS, STATEMENTS)["mean"] == pytest.approx(0.5, abs=1e-6)
    # mean 49.5 rounds half up to 50: holds; 49.49 does not
    assert gaps(np.array([29.5, 30, 40, 98.5]), HEADS, STATEMENTS)["mean"] == 0
    assert gaps(np.array([29.46, 30, 40, 98.5]), HEADS, STATEMENTS)["mean"] > 0
    # 60 x 4 = 240 places: 20% above the total, 19% beyond the 1% allowed
    assert gaps(np.full(4, 60.0), HEADS, STATEMENTS)["total"] == pytest.approx(0.19)
    # 45, 45, 10, 100: band 45-88 holds 2, band 1-44 only 1 -> the modal band is not the first
    assert gaps(np.array([45.0, 45, 10, 100]), HEADS, STATEMENTS)["modal_band"] == 1
    # 44.5 rounds to 45 (second band); 44.4 to 44 (first)
    assert gaps(np.array([44.5, 44.5, 10, 101]), HEADS, STATEMENTS)["modal_band"] == 1
    assert gaps(np.array([44.4, 44.5, 10, 101.1]), HEADS, STATEMENTS)["modal_band"] == 0
    # two LAs above 130, one allowed
    assert gaps(np.array([10.0, 131, 131, 49]), HEADS, STATEMENTS)["over_threshold"] == 1


def test_bounds_follow_the_real_ap_of_each_la():
    t = pd.DataFrame(
        {
            "pupils_secondary": [10_000.0, 20_000.0, 5_000.0],
            "real_pru_headcount": [40.0, np.nan, 100.0],  # 40, 0 and 200 per 10,000
            "real_ap_pupils": [100.0, 100.0, np.nan],  # 100 and 50 per 10,000; the last unknown
        }
    )
    lo, hi = F.bounds(t, F.Envelope(ceiling=150, ap_multiple=2.0, school_share=0.5))
    # high: min(150, 2 x 100) = 150; min(150, 2 x 50) = 100; unknown AP -> median of 100 and 50 = 75 -> 150
    assert hi.tolist() == pytest.approx([150.0, 100.0, 150.0])
    # low: max(1, 0.5 x 40) = 20; max(1, 0) = 1; 0.5 x 200 = 100
    assert lo.tolist() == pytest.approx([20.0, 1.0, 100.0])
    lo, hi = F.bounds(t, F.Envelope(ceiling=None, ap_multiple=None, school_share=None))
    assert lo.tolist() == [1.0, 1.0, 1.0] and np.isinf(hi).all()


def test_search_finds_the_monotone_profile_when_one_exists():
    # Sizes 5k, 10k, 20k, 40k; headcount ranks 0..3. Rates 80, 60, 40, 25 give places 40, 60,
    # 80, 100 (rank correlation 1); mean 51.25 rounds to 51, total 280 places.
    heads = np.array([5_000.0, 10_000, 20_000, 40_000])
    s = F.Statements(mean=51, total=280, band=44, threshold=130, max_over=1)
    # The start is out of order: places 40, 25, 120, 160 (rank correlation 0.8, 345 places).
    start = np.array([80.0, 25, 60, 40])
    assert F.meets_statements(np.array([80.0, 60, 40, 25]), heads, s)
    lo, hi = np.ones(4), np.full(4, 300.0)
    best, rates = F.search(heads, np.arange(4.0), np.zeros(4), s, lo, hi, start, 20_000, seed=3)
    assert best == pytest.approx(1.0)
    assert F.meets_statements(rates, heads, s)


def test_search_reports_nan_when_no_profile_meets_the_statements():
    # every rate capped at 10: the mean can never reach 50
    lo, hi = np.ones(4), np.full(4, 10.0)
    best, _ = F.search(HEADS, np.arange(4.0), np.zeros(4), STATEMENTS, lo, hi, np.full(4, 5.0), 2_000, seed=1)
    assert np.isnan(best)


def test_group_means_are_kept_when_asked():
    # LAs 1-2 in group 'a' (published mean 30), LA 3 in 'b' (40), LA 4 in neither.
    s = F.Statements(
        mean=50,
        total=200,
        band=44,
        threshold=130,
        max_over=1,
        groups=("a", "a", "b", None),
        group_means=(("a", 30.0), ("b", 40.0)),
    )
    assert F.meets_statements(np.array([30.0, 30, 40, 100]), HEADS, s)  # a: 30, b: 40
    # a: (20 + 42) / 2 = 31 -> 0.5 beyond the half-unit rounding; b unchanged
    assert F.statement_gaps(np.array([20.0, 42, 40, 98]), HEADS, s)["group_means"] == pytest.approx(
        0.5, abs=1e-6
    )


def test_margins_tighten_each_statement():
    s = F.Statements(
        mean=50, total=200, band=44, threshold=130, max_over=1,
        mean_tol=0.2, total_tol=0.001, band_margin=2, band_edge=2.0, threshold_margin=5.0,
    )  # fmt: skip
    gaps = F.statement_gaps
    # mean 50.3: within the half-unit rounding but 0.1 beyond a tolerance of 0.2
    assert gaps(np.array([30.0, 31.2, 40, 100]), HEADS, s)["mean"] == pytest.approx(0.1, abs=1e-6)
    # 201.2 places: 0.6% above 200, 0.5% beyond the 0.1% allowed
    assert gaps(np.array([30.0, 31.2, 40, 100]), HEADS, s)["total"] == pytest.approx(0.005)
    # 126 counts as above 130 (margin 5): two LAs 'above', one allowed
    assert gaps(np.array([10.0, 126, 131, 33]), HEADS, s)["over_threshold"] == 1
    # 43 is within 2 of the first band's edge (44.5): the first band holds 10 and 30 only (2),
    # the next band holds 60 only: 2 < 1 + margin 2 -> gap 1
    assert gaps(np.array([10.0, 30, 43, 60]), HEADS, s)["modal_band"] == 1
    assert gaps(np.array([10.0, 30, 40, 60]), HEADS, s)["modal_band"] == 0  # 3 >= 1 + 2


def test_bounds_floor_on_real_ap_pupils():
    t = pd.DataFrame(
        {"pupils_secondary": [10_000.0], "real_pru_headcount": [10.0], "real_ap_pupils": [200.0]}
    )
    # 200 per 10,000 real AP pupils: floor 0.25 x 200 = 50 beats 0.5 x 10 = 5; high 4 x 200
    lo, hi = F.bounds(t, F.Envelope(ceiling=None, ap_multiple=4.0, school_share=0.5, ap_floor=0.25))
    assert lo.tolist() == [50.0] and hi.tolist() == [800.0]


def test_three_way_move_keeps_the_group_sum_and_total_places():
    heads = np.array([5_000.0, 10_000, 20_000, 40_000])
    r = np.array([80.0, 60, 40, 25])
    rng = np.random.default_rng(0)
    for _ in range(20):
        out = F._three_way(r, heads, np.arange(4), 1, rng)
        assert out is not None
        assert out.sum() == pytest.approx(r.sum())
        assert (out * heads).sum() == pytest.approx((r * heads).sum())
        assert not np.allclose(out, r)
    # two partners of the same size cannot balance both sums: no move
    same = np.array([5_000.0, 10_000, 20_000, 20_000])
    assert F._three_way(r, same, np.array([0, 2, 3]), 0, np.random.default_rng(1)) is None
