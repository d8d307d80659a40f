"""The reproduction check: when a computed value reproduces a published one."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.reproduce import (
    COLUMNS,
    ReproductionConfigError,
    Rules,
    check_against_published,
    clustered,
    compare,
    count_beyond,
    direction_holds,
    finding_holds,
    load_rules,
    matches,
    modal_band,
    share_within,
    summary,
)

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
        _pub("edge", 5, unit="percent", rounding=1, qualifier="upper_bound"),
    ]
    computed = {"ok": _comp(17_600.0), "bad": _comp(1.0), "edge": _comp(5.0, basis="definition")}
    table = compare(published, computed, {})
    assert table.set_index("id").loc["edge", "status"] == "definition"
    # 3 counted values (the definition and the external value are not): 1 match, 1 mismatch, 1 not computed
    assert summary(table) == (
        "reproduced 1 of 3 published survey and public values; 1 mismatch; 0 known inconsistency; "
        "1 not computed; 1 analysis definitions (not counted); 1 external"
    )


def test_a_definition_that_disagrees_is_a_mismatch():
    table = compare([_pub("edge", 5, rounding=1)], {"edge": _comp(6.0, basis="definition")}, {})
    assert table.loc[0, "status"] == "mismatch"


# ---- distribution checks on small hand-made distributions ---------------------------------------


def test_count_beyond_a_small_number():
    # 20 LAs; "a small number" = at least 1 and at most 15% of 20 = 3 LAs above 30
    three_above = pd.Series([10.0] * 17 + [31, 40, 55])
    ok, text = count_beyond(three_above, 30, at_least=1, at_most_share=15)
    assert ok and text.startswith("3 of 20 LAs > 30")
    four_above = pd.Series([10.0] * 16 + [31, 40, 55, 60])
    assert not count_beyond(four_above, 30, at_least=1, at_most_share=15)[0]  # 4 > 3
    none_above = pd.Series([10.0] * 20)
    assert not count_beyond(none_above, 30, at_least=1, at_most_share=15)[0]  # "a number" needs one
    # "more than 30": exactly 30 is not above; "almost all" (inclusive) counts 90 itself
    at_edge = pd.Series([10.0] * 19 + [30.0])
    assert not count_beyond(at_edge, 30, at_least=1, at_most_share=15)[0]
    assert count_beyond(pd.Series([10.0] * 19 + [90.0]), 90, 1, 7.5, inclusive=True)[0]
    # missing values are not LAs answering: 3 of 20, not 3 of 25
    with_nan = pd.concat([three_above, pd.Series([float("nan")] * 5)])
    assert count_beyond(with_nan, 30, 1, 15)[1].startswith("3 of 20")


def test_count_beyond_a_very_small_number():
    # 40 LAs: 7.5% = 3 LAs; the old check (lowest outlier above 145) passed with 16 of 107 above
    assert count_beyond(pd.Series([90.0] * 37 + [150, 160, 170]), 145, 1, 7.5)[0]
    assert not count_beyond(pd.Series([90.0] * 36 + [150, 160, 170, 200]), 145, 1, 7.5)[0]


def test_modal_band_both_edges():
    # bands of width 8 from 1: [1-8] holds 5 LAs, [9-16] 3, below 1 (rounds to 0) 2
    rates = pd.Series([0.2, 0.4, 1.0, 3.0, 5.0, 7.9, 8.4, 9.0, 12.0, 16.0])
    ok, text = modal_band(rates, 1, 8)
    assert ok, text
    assert text == "5 of 10 LAs in 1-8; largest other band (9-16): 3"
    # the same LAs do not make 1-4 the modal band of width 4: [5-8] holds 3, [1-4] only 2
    assert not modal_band(rates, 1, 4)[0]
    # a tie is not "most common"
    assert not modal_band(pd.Series([2.0, 3.0, 10.0, 11.0]), 1, 8)[0]
    # LAs with none (below the band) can be the largest group
    zeros = pd.Series([0.0] * 6 + [2.0, 3.0, 4.0, 10.0])
    ok, text = modal_band(zeros, 1, 8)
    assert not ok and "below 1" in text


def test_share_within_most():
    # "most LAs between a half and two thirds": 3 of 5 = 60% > 50%
    shares = pd.Series([52.0, 60.0, 66.0, 70.0, 90.0])
    assert share_within(shares, 50, 66.7, 50)[0]
    # 2 of 4 = 50% is not "most"
    assert not share_within(pd.Series([52.0, 60.0, 70.0, 90.0]), 50, 66.7, 50)[0]


def test_clustered_around_the_average():
    # mean 10; within 50% of it = 5..15: 4 of 6 LAs (67%) are clustered
    rates = pd.Series([8.0, 9.0, 10.0, 12.0, 1.0, 20.0])
    ok, text = clustered(rates, 0.5, 50)
    assert ok and text.startswith("4 of 6 LAs within 5.0 of the mean 10.0")
    # mean 10 again, but only 2 of 6 (33%) lie within 5..15
    spread = pd.Series([1.0, 2.0, 9.0, 11.0, 18.0, 19.0])
    assert not clustered(spread, 0.5, 50)[0]


def test_direction_holds():
    assert direction_holds(40.0, 19.0, ("wider", "mostly"))[0]
    assert not direction_holds(30.4, 31.6, ("wider", "mostly"))[0]  # reversed
    assert not direction_holds(30.0, 30.0, ("wider", "mostly"))[0]  # no difference
    assert not direction_holds(NAN, 19.0, ("wider", "mostly"))[0]


def test_finding_direction_and_significance():
    assert finding_holds("positive", 0.4, 0.01, True, 0.05)[0]
    assert not finding_holds("positive", 0.4, 0.07, True, 0.05)[0]  # not significant at 5%
    assert not finding_holds("positive", 0.4, None, True, 0.05)[0]  # significance claimed, no p-value
    assert finding_holds("positive", 0.4, None, False, 0.05)[0]  # direction only
    assert not finding_holds("negative", 0.4, 0.001, True, 0.05)[0]  # reversed


# ---- claims inside compare ------------------------------------------------------------------


def _rules(**kw) -> Rules:
    readings = {
        "a small number": {"at_least": 1, "at_most_share": 15},
        "most": {"more_than_share": 50},
    }
    return Rules(readings=readings, **kw)


def test_known_inconsistency_with_reversed_direction_is_a_mismatch():
    published = [
        _pub("rural.wider", 40, unit="percent", rounding=1),
        _pub("rural.mostly", 19, unit="percent", rounding=1),
    ]
    claim = [{"check": "direction", "greater": "rural.wider", "than": "rural.mostly"}]
    rules = _rules(
        known_inconsistencies={"rural.wider": "not attainable", "rural.mostly": "not attainable"},
        claims={"rural.wider": claim, "rural.mostly": claim},
    )
    same_way = compare(published, {"rural.wider": _comp(35.0), "rural.mostly": _comp(20.0)}, rules)
    assert set(same_way["status"]) == {"known_inconsistency"}
    reversed_ = compare(published, {"rural.wider": _comp(31.6), "rural.mostly": _comp(30.4 + 2)}, rules)
    assert set(reversed_["status"]) == {"mismatch"}
    assert reversed_.loc[0, "claim"].startswith("FAILS")


def test_distribution_claim_replaces_the_value_check_and_pending_data_is_explicit():
    published = [_pub("outliers", 30, unit="per_10k_pupils", rounding=1, qualifier="lower_bound")]
    rules = _rules(
        claims={"outliers": [{"check": "count_beyond", "distribution": "d", "reading": "a small number"}]}
    )
    computed = {"outliers": _comp(31.0)}  # lowest Tukey outlier above 30: the old check passed
    many = {"d": pd.Series([10.0] * 10 + [40.0] * 10)}  # half the LAs above 30
    few = {"d": pd.Series([10.0] * 19 + [40.0])}
    assert compare(published, computed, rules, many).loc[0, "status"] == "mismatch"
    assert compare(published, computed, rules, few).loc[0, "status"] == "match"
    assert compare(published, computed, rules, {}).loc[0, "status"] == "mismatch"  # no per-LA data
    rules.pending_data.append("outliers")
    table = compare(published, computed, rules, many)
    assert table.loc[0, "status"] == "pending_data"
    assert "1 pending data" in summary(table)
    # pending_data never hides a value that does not match
    wrong = {"outliers": _comp(5.0)}
    rules.claims["outliers"] = [{"check": "clustered", "distribution": "d", "reading": "most"}]
    rules.readings["most"] = {"within_relative": 0.5, "more_than_share": 50}
    assert compare(published, wrong, rules, many).loc[0, "status"] == "mismatch"


def test_config_errors_name_file_and_key(tmp_path):
    (tmp_path / "a.yaml").write_text(
        "readings: {most: {more_than_share: 50}}\nclaims:\n  x:\n    - {check: share_within, "
        "distribution: places_per_10k.primary, reading: mostt, band: [x, y]}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ReproductionConfigError, match=r"a\.yaml: claims\.x\[0\]\.reading: unknown reading 'mostt'"
    ):
        load_rules(tmp_path)
    (tmp_path / "a.yaml").write_text(
        "known_inconsistencies: {x: why}\nclaims:\n  x: [{check: direction, greater: y, than: x}]\n",
        encoding="utf-8",
    )
    rules = load_rules(tmp_path)
    published = {"x": {"value": 40}, "y": {"value": 19}}
    with pytest.raises(ReproductionConfigError, match="does not state y > x"):
        check_against_published(rules, published)
    published["y"]["value"] = 50
    with pytest.raises(ReproductionConfigError, match=r"inconsistency_arithmetic\.x: missing"):
        check_against_published(rules, published)


def test_the_repository_config_is_consistent_with_the_report():
    from pathlib import Path

    from pipeline.config import read_yaml

    repo = Path(__file__).resolve().parents[2]
    rules = load_rules(repo / "config" / "reproduction")
    published = {p["id"]: p for p in read_yaml(repo / "data/raw/reference/isos2018_published_values.yaml")}
    check_against_published(rules, published)  # every id exists, every direction is the report's
    assert set(rules.known_inconsistencies) <= set(rules.inconsistency_arithmetic)


def test_count_flagged_and_below():
    from pipeline.reproduce import count_where

    # 40 LAs answering, 3 flagged: a very small number (at most 7.5% = 3)
    flags = pd.Series([False] * 37 + [True] * 3)
    assert count_where(flags, "continuing", 1, 7.5)[0]
    assert not count_where(pd.Series([False] * 36 + [True] * 4), "continuing", 1, 7.5)[0]
    # "fewer than two options": 1 and 0 count, 2 does not
    options = pd.Series([0, 1, 2, 5, 6, 6, 7, 3, 4, 5])
    ok, text = count_beyond(options, 2, 1, 20, below=True)
    assert ok and text.startswith("2 of 10 LAs < 2")
    assert not count_beyond(options, 2, 1, 15, below=True)[0]  # 2 > 15% of 10 = 1.5


def test_short_names_keep_what_differs():
    from pipeline.reproduce import short_names

    assert short_names("fig26.share.year11.other_ap", "fig26.share.ks5.other_ap") == ("year11", "ks5")
    assert short_names("a.b.ks3.x", "a.b.ks4.x.exec") == ("ks3.x", "ks4.x.exec")


def test_significant_difference_fisher_exact():
    from pipeline.reproduce import significant_difference

    # 5 of 5 vs 0 of 5: Fisher two-sided p = 2 / C(10, 5) = 2 / 252 = 0.0079 < 0.05
    ok, text = significant_difference(pd.Series([True] * 5), pd.Series([False] * 5), 0.05)
    assert ok and "p = 0.00794" in text
    # 3 of 5 vs 2 of 5: higher, but p = 1 (the most likely table): not significant
    assert not significant_difference(
        pd.Series([True] * 3 + [False] * 2), pd.Series([True] * 2 + [False] * 3), 0.05
    )[0]
    # significant but the other way round
    assert not significant_difference(pd.Series([False] * 5), pd.Series([True] * 5), 0.05)[0]


def test_range_edge_is_attained_not_merely_contained():
    from pipeline.reproduce import range_edge

    edge = {"value": 71, "rounding": 1}
    assert range_edge(edge, 70.6)[0]  # rounds to 71
    assert not range_edge(edge, 70.0)[0]  # inside "60 to 71", but 71 is never reached
    assert not range_edge(edge, None)[0]
    low = {"value": 10, "rounding": 1}
    assert not range_edge(low, 10.6)[0]  # rounds to 11: the range does not start at 10


def test_fisher_exact_by_hand_and_against_scipy():
    """Lady tasting tea, [[3, 1], [1, 3]]: tables with k = 0..4 in the first cell have
    probabilities C(4,k) C(4,4-k) / C(8,4) = 1, 16, 36, 16, 1 (/70); the observed k = 3 (16/70)
    and every table no more likely: (1 + 16 + 16 + 1) / 70 = 0.485714."""
    from scipy.stats import fisher_exact

    from pipeline.reproduce import fisher_exact_p

    assert fisher_exact_p(3, 1, 1, 3) == pytest.approx(34 / 70)
    assert fisher_exact_p(4, 0, 0, 4) == pytest.approx(2 / 70)  # the two extreme tables
    for table in (
        [[12, 5], [3, 9]],
        [[0, 10], [7, 3]],
        [[22, 54], [9, 11]],
        [[5, 5], [5, 5]],
        [[0, 0], [3, 4]],
    ):
        (a, b), (c, d) = table
        assert fisher_exact_p(a, b, c, d) == pytest.approx(float(fisher_exact(table).pvalue), rel=1e-12)
