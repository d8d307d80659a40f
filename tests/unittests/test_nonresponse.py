"""Non-response: raking, standardised differences and grossing up against hand-computed answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.nonresponse import calibration_weights, grossed_up_totals, rake, standardised_difference


def test_rake_two_margins_by_hand():
    # 2 x 2 cells, one LA each, equal start weights (odds ratio 1): IPF converges to
    # w_ij = row target x column target / N: (x,u) 6*5/10 = 3, (x,v) 3, (y,u) 2, (y,v) 2.
    cats = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["u", "v", "u", "v"]})
    targets = [pd.Series({"x": 6, "y": 4}), pd.Series({"u": 5, "v": 5})]
    w, _, ok = rake(cats, targets, 2.5, 100, 1e-9)
    assert ok
    assert np.allclose(w, [3, 3, 2, 2])


def test_rake_one_margin_is_post_stratification():
    # category x: 3 LAs answering for a frame count of 6 -> weight 2; y: 1 LA for 4 -> 4
    cats = pd.DataFrame({"a": ["x", "x", "x", "y"]})
    w, it, ok = rake(cats, [pd.Series({"x": 6, "y": 4})], 2.5, 100, 1e-9)
    assert ok and it == 1
    assert np.allclose(w, [2, 2, 2, 4])


def test_standardised_difference_by_hand():
    assert standardised_difference(np.array([1, 2, 3.0]), np.array([3, 4, 5.0])) == pytest.approx(-2)
    # p 0.5 vs 0.25: (0.25) / sqrt((0.25 + 0.1875) / 2)
    d = standardised_difference(np.array([1, 1, 0, 0.0]), np.array([1, 0, 0, 0.0]), binary=True)
    assert d == pytest.approx(0.25 / math.sqrt(0.21875))


def _frame():
    # seven LAs: region N has 4 (2 answered), S has 3 (2 answered); the LA values y
    return pd.DataFrame(
        {
            "la_code": list("abcdefg"),
            "region_name": ["N", "N", "S", "S", "N", "S", "N"],
            "responded": [True, True, True, True, False, False, False],
            "pupils_all": [100.0, 100, 200, 200, 100, 200, 100],
            "y": [1.0, 3, 10, 20, np.nan, np.nan, np.nan],
        }
    )


SPEC = {
    "margins": [{"column": "region_name", "label": "Region"}],
    "totals": [{"id": "y", "column": "y", "label": "Y"}],
    "raking": {"max_iterations": 50, "tolerance": 1e-9},
}


def test_grossed_up_three_ways_by_hand():
    t = grossed_up_totals(_frame(), SPEC).iloc[0]
    assert t["total_answering_las"] == 34
    assert t["expansion"] == pytest.approx(34 * 7 / 4)  # 59.5
    assert t["ratio_to_pupils"] == pytest.approx(34 * 1000 / 600)  # 56.67
    # raked by region: N weight 4/2 = 2 on 1 + 3; S weight 3/2 = 1.5 on 10 + 20: 8 + 45 = 53
    assert t["raked"] == pytest.approx(53)


def test_margin_without_answering_la_is_left_out_with_a_note():
    f = _frame()
    f.loc[f["region_name"] == "S", "responded"] = False
    w, notes = calibration_weights(f, f["responded"] & f["y"].notna(), SPEC)
    assert len(w) == 2 and np.allclose(w, 3.5)  # N / n = 7 / 2
    assert "Region" in notes[0]


def test_weighting_config_mistake_is_one_line(tmp_path):
    import yaml

    from pipeline.config import Settings
    from pipeline.nonresponse import WeightingConfigError, load_spec

    (tmp_path / "config").mkdir()
    bad = {"margins": [{"label": "Region"}], "compare": [], "headline": [], "totals": []}
    (tmp_path / "config" / "weighting.yaml").write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(WeightingConfigError) as exc:
        load_spec(Settings("x", root=tmp_path))
    assert str(exc.value) == "config/weighting.yaml: margins[0] needs 'column' and 'label'"


# A frame LA without a context value (no row in a context file): left out, never a crash.

BANDED = {
    "margins": [{"column": "dep", "label": "Deprivation", "bands": 2}],
    "totals": [{"id": "y", "column": "y", "label": "Y"}],
    "raking": {"max_iterations": 50, "tolerance": 1e-9},
}


def _frame_with_dep(missing: str):
    f = _frame()
    f["dep"] = [1.0, 2, 3, 4, 5, 6, 7]
    f.loc[f["la_code"] == missing, "dep"] = np.nan
    return f


def test_frame_la_without_a_value_is_left_out_of_a_banded_margin():
    # g (did not respond) has no value. The other six split at their median 3.5: band 1 a, b, c;
    # band 2 d, e, f: 3 and 3, scaled to the 7 LAs of the frame: 3.5 and 3.5. Answering: a, b, c in
    # band 1 (weight 3.5 / 3 each), d in band 2 (weight 3.5).
    f = _frame_with_dep("g")
    w, notes = calibration_weights(f, f["responded"], BANDED)
    assert np.allclose(w.loc[["a", "b", "c"]], 3.5 / 3) and w.loc["d"] == pytest.approx(3.5)
    assert notes == ["Deprivation: 1 frame LA(s) without a value left out"]
    t = grossed_up_totals(f, BANDED).iloc[0]
    assert t["raked"] == pytest.approx((1 + 3 + 10) * 3.5 / 3 + 20 * 3.5)  # 86.33


def test_answering_la_without_a_value_leaves_the_margin_out():
    f = _frame_with_dep("a")
    w, notes = calibration_weights(f, f["responded"], BANDED)
    assert np.allclose(w, 7 / 4)  # N / n
    assert notes == ["Deprivation: left out (1 answering LA(s) without a value)"]


def test_categorical_margin_with_a_missing_value():
    f = _frame()
    f.loc[f["la_code"] == "g", "region_name"] = np.nan  # N now has a, b, e; S c, d, f: 3.5 each
    w, notes = calibration_weights(f, f["responded"], SPEC)
    assert np.allclose(w, 3.5 / 2)
    assert notes == ["Region: 1 frame LA(s) without a value left out"]


def test_ratio_to_pupils_leaves_out_las_without_a_headcount():
    f = _frame()
    f.loc[f["la_code"] == "a", "pupils_all"] = np.nan  # answering, y = 1
    t = grossed_up_totals(f, SPEC).iloc[0]
    # (3 + 10 + 20) x frame pupils with a headcount 900 / answering pupils with one 500
    assert t["ratio_to_pupils"] == pytest.approx(33 * 900 / 500)
    assert t["expansion"] == pytest.approx(34 * 7 / 4)  # unchanged: no headcount needed
