"""Disclosure control: primary and secondary suppression, and that no suppressed cell can be
recovered from its row and column totals (checked by linear programming over the published cells)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.disclosure import pinned_cells, ranges, suppress, with_totals


def _published_ok(table: pd.DataFrame, mask: np.ndarray, min_count: int) -> None:
    v = table.to_numpy(float)
    assert not (v[~mask] < min_count).any(), "a published cell is below the threshold"
    for cell, (lo, hi) in ranges(v, mask).items():
        assert hi - lo >= 1, f"suppressed cell {cell} is recoverable: [{lo}, {hi}]"


def test_rectangle_by_hand():
    # a: 10, 3 (3 < 5 suppressed) -> row a needs a second: 10; column 0 then needs one: 20 (row b);
    # column 1 needs one: 30 (row b). Totals: row a 13, row b 50, column 0 70, column 1 83:
    # a0 = t, a1 = 13 - t, b0 = 30 - t, b1 = 20 + t, t anywhere in [0, 13].
    counts = pd.DataFrame({"p": [10, 20, 40], "s": [3, 30, 50]}, index=list("abc"))
    table, mask = suppress(counts, 5)
    expected = np.zeros(table.shape, bool)
    expected[[0, 0, 1, 1], [0, 1, 0, 1]] = True
    assert (mask == expected).all()
    r = ranges(table.to_numpy(float), mask)
    assert r[(0, 0)] == pytest.approx((0, 13))
    _published_ok(table, mask, 5)


def test_single_suppression_in_a_line_is_recoverable_and_detected():
    table = with_totals(pd.DataFrame({"p": [10, 20], "s": [3, 30]}))
    mask = np.zeros(table.shape, bool)
    mask[0, 1] = True  # only the 3: row a gives 13 - 10 = 3
    lo, hi = ranges(table.to_numpy(float), mask)[(0, 1)]
    assert lo == pytest.approx(3) and hi == pytest.approx(3)
    assert (0, 1) in pinned_cells(table.to_numpy(float), mask)


def test_zeros_summing_to_zero_are_recoverable_and_get_protected():
    # a: 0, 0 -> both and the LA total (0) suppressed; the row sums to 0 so all would be 0
    counts = pd.DataFrame({"p": [0, 20, 40, 7], "s": [0, 30, 50, 9]}, index=list("abcd"))
    table, mask = suppress(counts, 5)
    assert mask[0].all()
    _published_ok(table, mask, 5)


def test_zeros_can_be_published_when_configured():
    counts = pd.DataFrame({"p": [0, 20, 40], "s": [8, 30, 50]})
    table, mask = suppress(counts, 5, zeros=False)
    assert not mask.any()


@pytest.mark.parametrize("seed", range(6))
def test_random_tables_publish_nothing_small_and_nothing_recoverable(seed):
    rng = np.random.default_rng(seed)
    counts = pd.DataFrame(rng.poisson([3, 40, 2], size=(25, 3)).astype(float), columns=list("abc"))
    table, mask = suppress(counts, 5)
    _published_ok(table, mask, 5)


def _la_frame(placed):
    n = len(placed)
    return pd.DataFrame(
        {
            "la_code": [f"E0{i}" for i in range(n)],
            "old_la_code": [str(800 + i) for i in range(n)],
            "la_name": [f"LA {i}" for i in range(n)],
            "region_code": "E12000001",
            "region_name": "North East",
            "pupils_placed_primary": [p[0] for p in placed],
            "pupils_placed_secondary": [p[1] for p in placed],
            "pupils_placed_total": [p[0] + p[1] + p[2] for p in placed],
            "ap_use_per_10k_primary": [p[0] / 10 for p in placed],
            "ap_use_per_10k_secondary": [p[1] / 10 for p in placed],
        }
    )


def test_la_table_suppresses_counts_and_their_rates():
    from pipeline.config import Settings
    from pipeline.disclosure import la_pupils_placed

    frame = _la_frame([(3, 40, 6), (10, 60, 7), (12, 80, 9), (np.nan, np.nan, np.nan)])
    data, _ = la_pupils_placed(frame, Settings("2018"))
    la = data[data["geographic_level"] == "Local authority"].set_index("la_name")
    assert la.loc["LA 0", "pupils_placed_primary"] == "c"
    assert la.loc["LA 0", "ap_use_per_10k_primary"] == "c"
    assert la.loc["LA 3", "pupils_placed_total"] == "x"  # did not answer
    national = data[data["geographic_level"] == "National"].iloc[0]
    assert national["pupils_placed_total"] == str(3 + 40 + 6 + 10 + 60 + 7 + 12 + 80 + 9)


def test_la_table_when_nobody_answered():
    from pipeline.config import Settings
    from pipeline.disclosure import la_pupils_placed

    frame = _la_frame([(np.nan, np.nan, np.nan)] * 3)
    data, _ = la_pupils_placed(frame, Settings("2018"))
    assert (data.iloc[:, -6:] == "x").all().all()
