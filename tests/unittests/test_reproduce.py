"""The reproduction check: when a computed value reproduces a published one."""

from __future__ import annotations

import pytest

from pipeline.reproduce import COLUMNS, compare, matches, summary

NAN = float("nan")


@pytest.mark.parametrize(
    ("published", "computed", "rounding", "expected"),
    [
        (17_600, 17_599.9215, 100, True),  # rounds to 17,600
        (17_600, 17_550.0, 100, True),  # 175.5 hundreds rounds half up to 176
        (17_600, 17_549.99, 100, False),  # rounds to 17,500
        (17_600, 17_650.0, 100, False),  # rounds to 17,700
        (83, 82.5, 1, True),  # half up, not to even
        (82, 82.5, 1, False),
        (101, 101.0, 1, True),
        (5, 5.0000000001, None, True),  # no rounding: equal within 1e-9
        (5, 5.01, None, False),
    ],
)
def test_matches_exact(published, computed, rounding, expected):
    assert matches(published, computed, rounding, "exact") is expected


@pytest.mark.parametrize(
    ("published", "computed", "rounding", "expected"),
    [
        (40_000, 41_600, 100, True),  # "over 40,000": 41,600 >= 40,000
        (40_000, 39_950, 100, True),  # rounds to 40,000, which is >= 40,000
        (40_000, 39_949, 100, False),  # rounds to 39,900
        (10, 9.5, 1, True),  # rounds to 10
        (10, 9.4, 1, False),
    ],
)
def test_matches_lower_bound(published, computed, rounding, expected):
    assert matches(published, computed, rounding, "lower_bound") is expected


@pytest.mark.parametrize(
    ("published", "computed", "rounding", "expected"),
    [
        (400, 400.09, 100, True),  # "up to 400": rounds to 400 <= 400
        (400, 449.9, 100, True),  # rounds to 400
        (400, 450.0, 100, False),  # rounds to 500
        (400, 120.0, 100, True),  # rounds to 100
        (11_400, 11_400, 100, True),
    ],
)
def test_matches_upper_bound(published, computed, rounding, expected):
    assert matches(published, computed, rounding, "upper_bound") is expected


@pytest.mark.parametrize(
    ("published", "computed", "rounding", "expected"),
    [
        # rounding 1: tolerance max(5% x 3,782 = 189.1, 1) = 189.1
        (3_782, 3_971, 1, True),  # |3,971 - 3,782| = 189 <= 189.1
        (3_782, 3_972, 1, False),  # 190 > 189.1
        (3_782, 3_593, 1, True),  # 189 below
        (3_782, 3_592, 1, False),
        # rounding 100: tolerance max(5% x 1,000 = 50, 100) = 100 (one rounding unit is larger)
        (1_000, 1_149, 100, True),  # rounds to 1,100: diff 100 <= 100
        (1_000, 1_150, 100, False),  # rounds to 1,200: diff 200
        (1_000, 851, 100, True),  # rounds to 900: diff 100
        (1_000, 849, 100, False),  # rounds to 800
        # rounding 100, large value: tolerance max(5% x 20,000 = 1,000, 100) = 1,000
        (20_000, 20_950, 100, True),  # rounds to 21,000: diff 1,000
        (20_000, 21_050, 100, False),  # rounds to 21,100: diff 1,100
    ],
)
def test_matches_approximate(published, computed, rounding, expected):
    assert matches(published, computed, rounding, "approximate") is expected


@pytest.mark.parametrize("qualifier", ["exact", "lower_bound", "upper_bound", "approximate"])
@pytest.mark.parametrize("computed", [None, NAN])
def test_missing_computed_never_matches(qualifier, computed):
    assert matches(0, computed, 1, qualifier) is False


def _pub(id_, value, *, source="survey", unit="gbp", rounding=100, qualifier="exact", figure=8):
    return {
        "id": id_,
        "figure": figure,
        "source": source,
        "value": value,
        "unit": unit,
        "rounding": rounding,
        "qualifier": qualifier,
    }


def _comp(value, n_las=None, basis="computed"):
    return {"value": value, "unit": "gbp", "n_las": n_las, "basis": basis}


def test_compare_statuses():
    published = [
        _pub("ext", 10_000, source="external"),
        _pub("incons", 500, unit="count_las", rounding=1),
        _pub("missing", 123),
        _pub("finding", None, unit="finding", rounding=None),
        _pub("novalue", None),
        _pub("ok", 17_600),
        _pub("bad", 17_600),
        _pub("txt.null_figure", 5, rounding=1, unit="count_las", figure=None),
    ]
    computed = {
        "ext": _comp(9_999.0),
        "incons": _comp(480.0),
        "finding": _comp(1.0),
        "novalue": _comp(1.0),
        "ok": _comp(17_599.92154, n_las=101),
        "bad": _comp(18_875.0, n_las=4),
        "txt.null_figure": _comp(5.0),
    }
    table = compare(published, computed, {"incons": "restated as 480 in the summary"})
    assert list(table.columns) == COLUMNS
    t = table.set_index("id")
    assert t.loc["ext", "status"] == "external"
    assert t.loc["ext", "computed"] == ""  # an external value is not compared or shown
    assert t.loc["incons", "status"] == "known_inconsistency"
    assert t.loc["incons", "note"] == "restated as 480 in the summary"
    assert t.loc["missing", "status"] == "not_computed"
    assert t.loc["missing", "computed"] == "" and t.loc["missing", "basis"] == ""
    assert t.loc["finding", "status"] == "not_computed"
    assert t.loc["novalue", "status"] == "not_computed"
    assert t.loc["ok", "status"] == "match"
    assert t.loc["ok", "computed"] == pytest.approx(17_599.9215)  # rounded to 4 dp for the table
    assert t.loc["ok", "n_las"] == 101
    assert t.loc["bad", "status"] == "mismatch"  # 18,875 rounds to 18,900, not 17,600
    assert t.loc["txt.null_figure", "status"] == "match"
    assert t.loc["txt.null_figure", "figure"] == ""
    # order follows the published list
    assert list(table["id"]) == [p["id"] for p in published]


def test_summary_counts():
    published = [
        _pub("ext", 1, source="external"),
        _pub("ok", 17_600),
        _pub("bad", 17_600),
        _pub("missing", 1),
    ]
    table = compare(published, {"ok": _comp(17_600.0), "bad": _comp(1.0)}, {})
    # 3 non-external values, 1 match, 1 mismatch, 1 not computed, 1 external
    assert summary(table) == (
        "reproduced 1 of 3 published survey and public values (0 of them analysis definitions); "
        "1 mismatch; 0 known inconsistency; 1 not computed; 1 external"
    )
