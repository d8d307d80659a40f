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


# ------------------------------------------------------------------------------------------------
# Secondary suppression that has to leave the row: independent checks of protection


def _subtraction_attack(table: pd.DataFrame, mask: np.ndarray) -> dict[tuple[int, int], float]:
    """What a reader works out with subtraction alone: repeatedly, a line (row or column, its
    total last) with one unknown cell gives it; a line whose unknown interior cells must sum to 0
    (total known and equal to the known interior cells) gives them all 0 (counts are not negative)."""
    v = table.to_numpy(float)
    known = {(i, j): v[i, j] for i in range(v.shape[0]) for j in range(v.shape[1]) if not mask[i, j]}
    nr, nc = v.shape
    lines = [[(i, j) for j in range(nc)] for i in range(nr)] + [
        [(i, j) for i in range(nr)] for j in range(nc)
    ]
    found = {}
    changed = True
    while changed:
        changed = False
        for line in lines:
            *parts, total = line
            unknown = [c for c in line if c not in known]
            if len(unknown) == 1:
                c = unknown[0]
                rest = sum(known[p] for p in parts if p != c)
                known[c] = found[c] = known[total] - rest if c != total else rest
                changed = True
            elif unknown and total in known and known[total] == sum(known[p] for p in parts if p in known):
                for c in unknown:
                    known[c] = found[c] = 0.0
                changed = True
    return found


def _consistent_values(table: pd.DataFrame, mask: np.ndarray, cap: int) -> dict[tuple[int, int], set]:
    """Every value each suppressed cell takes over all non-negative integer tables (interior cells
    at most ``cap``) that agree with the published cells: brute force, row by row."""
    import itertools

    v = table.to_numpy(float)
    nr, nc = v.shape
    per_row = []
    for i in range(nr):
        hidden = [j for j in range(nc - 1) if mask[i, j]]
        options = []
        for vals in itertools.product(range(cap + 1), repeat=len(hidden)):
            row = v[i].copy()
            row[hidden] = vals
            row[-1] = row[:-1].sum()
            if mask[i, -1] or row[-1] == v[i, -1]:
                options.append(row)
        per_row.append(options)
    seen = {(i, j): set() for i in range(nr) for j in range(nc) if mask[i, j]}
    for rows in itertools.product(*per_row):
        t = np.array(rows)
        if np.allclose(t[:-1].sum(axis=0), t[-1]):
            for (i, j), s in seen.items():
                s.add(t[i, j])
    return seen


def _protected(table: pd.DataFrame, mask: np.ndarray, min_count: int = 5) -> None:
    _published_ok(table, mask, min_count)
    assert _subtraction_attack(table, mask) == {}


def test_brief_case_row_already_suppressed_takes_the_column():
    # (primary, secondary, post-16) = (20, 100, 0), (30, 200, 0), (40, 300, 10). The two zeros are
    # suppressed; rows 0 and 1 each need a second cell: 20 and 30. Column post-16 then has 0 + 0 +
    # 10 = 10 published: the two zeros sum to 0, so they are known. Row 0 cannot help (20 is already
    # suppressed; suppressing 100 or 120 leaves the column sum at 0), so the column's 10 goes, and
    # its row then needs a second: 40. Published: the secondary column and every total.
    counts = pd.DataFrame([(20, 100, 0), (30, 200, 0), (40, 300, 10)], columns=["p", "s", "k"])
    table, mask = suppress(counts, 5)
    expected = np.zeros(table.shape, bool)
    expected[[0, 1, 2, 0, 1, 2], [0, 0, 0, 2, 2, 2]] = True
    assert (mask == expected).all()
    # by hand: k0 + k1 + k2 = 10 and p_i = (row total - secondary) - k_i: p0 = 20 - k0, p1 = 30 - k1,
    # p2 = 50 - k2 (their sum, 100 - 10 = 90, is the published column total whatever the k_i)
    r = ranges(table.to_numpy(float), mask)
    assert r[(0, 2)] == pytest.approx((0, 10)) and r[(2, 2)] == pytest.approx((0, 10))
    assert r[(0, 0)] == pytest.approx((10, 20)) and r[(2, 0)] == pytest.approx((40, 50))
    _protected(table, mask)


def test_brief_case_by_brute_force():
    counts = pd.DataFrame([(20, 100, 0), (30, 200, 0), (40, 300, 10)], columns=["p", "s", "k"])
    table, mask = suppress(counts, 5)
    # only the primary and post-16 cells are hidden; cap 50 covers every row's hidden sum
    values = _consistent_values(table, mask, cap=50)
    assert values[(0, 2)] == set(range(11)) and values[(1, 0)] == set(range(20, 31))
    assert all(len(s) >= 2 for s in values.values())


def test_column_of_zeros_with_zero_total():
    # post-16 is 0, 0 and its total 0: all three suppressed; rows 0 and 1 and the totals row each
    # need a second cell: their primary counts 20, 30 and 50 (smallest in the row). Then
    # k0 + p0 = 20, k1 + p1 = 30, p0 + p1 = P, k0 + k1 = K, P + K = 50: k0 anywhere in [0, 20].
    counts = pd.DataFrame([(20, 100, 0), (30, 200, 0)], columns=["p", "s", "k"])
    table, mask = suppress(counts, 5)
    expected = np.zeros(table.shape, bool)
    expected[:, [0, 2]] = True
    assert (mask == expected).all()
    r = ranges(table.to_numpy(float), mask)
    assert r[(0, 2)] == pytest.approx((0, 20)) and r[(1, 2)] == pytest.approx((0, 30))
    assert r[(2, 2)] == pytest.approx((0, 50))
    _protected(table, mask)
    assert all(len(s) >= 2 for s in _consistent_values(table, mask, cap=50).values())


def test_la_with_nothing_to_report_in_a_small_table():
    # LA a: 0, 0, 0, total 0, all suppressed. Each column then has one: p takes 6 (b), s takes 6 (c),
    # k takes 7 (c); row b has one (its 6): it takes its 7; the totals column has one (a's 0): it
    # takes the smaller LA total, 21. Nothing is pinned: a unit can move round a0 -> b0 -> b total
    # -> a total.
    counts = pd.DataFrame([(0, 0, 0), (6, 7, 8), (9, 6, 7)], columns=["p", "s", "k"])
    table, mask = suppress(counts, 5)
    expected = np.array([[1, 1, 1, 1], [1, 1, 0, 1], [0, 1, 1, 0], [0, 0, 0, 0]], bool)
    assert (mask == expected).all()
    _protected(table, mask)
    values = _consistent_values(table, mask, cap=7)
    assert values[(0, 0)] == set(range(7)) and values[(2, 1)] == {6.0, 7.0}
    assert all(len(s) >= 2 for s in values.values())


def test_la_table_for_the_brief_case_is_published():
    from pipeline.config import Settings
    from pipeline.disclosure import la_pupils_placed

    frame = _la_frame([(20, 100, 0), (30, 200, 0), (40, 300, 10)])
    data, _ = la_pupils_placed(frame, Settings("2018"))
    la = data[data["geographic_level"] == "Local authority"].set_index("la_name")
    assert la["pupils_placed_primary"].tolist() == ["c", "c", "c"]
    assert la["pupils_placed_post16"].tolist() == ["c", "c", "c"]
    assert la["pupils_placed_secondary"].tolist() == ["100", "200", "300"]
    assert la["pupils_placed_total"].tolist() == ["120", "230", "350"]
    national = data[data["geographic_level"] == "National"].iloc[0]
    assert national[["pupils_placed_primary", "pupils_placed_post16"]].tolist() == ["90", "10"]


def test_subtraction_attack_finds_what_the_old_rule_left():
    # the old rule's end state for the brief case: the zeros' column sums to 0 and row 0 is spent
    counts = pd.DataFrame([(20, 100, 0), (30, 200, 0), (40, 300, 10)], columns=["p", "s", "k"])
    table = with_totals(counts)
    mask = np.zeros(table.shape, bool)
    mask[[0, 0, 1, 1], [0, 2, 0, 2]] = True
    assert _subtraction_attack(table, mask) == {(0, 2): 0, (1, 2): 0, (0, 0): 20, (1, 0): 30}
    assert set(pinned_cells(table.to_numpy(float), mask)) == {(0, 0), (0, 2), (1, 0), (1, 2)}


@pytest.mark.parametrize("seed", range(40))
def test_random_sparse_tables_end_protected(seed):
    # few LAs, few phases, many zeros and small counts: where a row runs out of cells
    rng = np.random.default_rng(1000 + seed)
    nr, nc = int(rng.integers(1, 7)), int(rng.integers(1, 4))
    lam = rng.choice([0.3, 2.0, 8.0, 40.0], size=nc)
    counts = pd.DataFrame(rng.poisson(lam, size=(nr, nc)).astype(float))
    table, mask = suppress(counts, 5)
    _protected(table, mask)


@pytest.mark.parametrize("seed", range(30))
def test_pinned_cells_are_exactly_the_cells_linear_programming_pins(seed):
    # any mask, not only the ones suppress ends with: the network check and the LP agree, and every
    # range is either one value or at least a whole unit wide
    rng = np.random.default_rng(seed)
    nr, nc = int(rng.integers(1, 6)), int(rng.integers(1, 4))
    table = with_totals(pd.DataFrame(rng.poisson(rng.choice([0.3, 2.0, 8.0], size=nc), size=(nr, nc))))
    v = table.to_numpy(float)
    mask = rng.random(v.shape) < rng.uniform(0.2, 0.8)
    r = ranges(v, mask)
    assert all(hi - lo < 1e-9 or hi - lo >= 1 - 1e-9 for lo, hi in r.values())
    assert pinned_cells(v, mask) == sorted(c for c, (lo, hi) in r.items() if hi - lo < 0.5)


def test_many_las_with_post16_all_zero():
    # a whole column of zeros (total 0 too) over 40 LAs and sparse primary counts
    rng = np.random.default_rng(7)
    counts = pd.DataFrame({"p": rng.poisson(3, 40), "s": rng.poisson(60, 40) + 5, "k": np.zeros(40, int)})
    table, mask = suppress(counts, 5)
    assert mask[:, 2].all()
    _protected(table, mask)


def test_the_per_la_table_passes_the_open_data_screener():
    """Geography columns are not in the metadata; the National row leaves the LA columns blank."""
    from pipeline.config import Settings
    from pipeline.disclosure import la_pupils_placed
    from tests.figures.screener import screen

    frame = _la_frame([(3, 40, 6), (10, 60, 7), (12, 80, 9), (np.nan, np.nan, np.nan)])
    data, meta = la_pupils_placed(frame, Settings("2018"))
    data = data.astype(str).replace({"nan": ""})
    assert [f for f in screen(data, meta) if f[0] == "fail"] == []
    national = data[data["geographic_level"] == "National"].iloc[0]
    assert (national["new_la_code"], national["la_name"]) == ("", "")
    assert not set(meta["col_name"]) & {"region_code", "region_name", "old_la_code", "new_la_code", "la_name"}
