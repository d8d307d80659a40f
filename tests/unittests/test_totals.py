"""Total rows of additive filters (pipeline/totals.py), on tables small enough to add by hand."""

import math

import pandas as pd

from pipeline.analyse import FigureTable
from pipeline.totals import with_totals, without_added_totals


def _ft(table, filters):
    indicators = {c: {"label": c, "unit": "", "dp": 0} for c in table.columns if c not in filters}
    return FigureTable("figX", table, filters, indicators, "", "")


def test_two_additive_filters_get_a_grand_total():
    # places: primary special 10 + unit 10 = 20; secondary 50 + 15 = 65; special 60, unit 25; all 85
    t = pd.DataFrame(
        {
            "school_phase": ["primary", "primary", "secondary", "secondary"],
            "setting": ["special", "unit", "special", "unit"],
            "places": [10, 10, 50, 15],
            "n_las": [2, 2, 2, 2],
        }
    )
    out = with_totals(
        _ft(t, ["school_phase", "setting"]), {"additive": {"school_phase": True, "setting": True}}
    )
    got = out.table.set_index(["school_phase", "setting"])
    assert got.loc[("primary", "Total"), "places"] == 20
    assert got.loc[("secondary", "Total"), "places"] == 65
    assert got.loc[("Total", "special"), "places"] == 60
    assert got.loc[("Total", "unit"), "places"] == 25
    assert got.loc[("Total", "Total"), "places"] == 85
    assert got.loc[("Total", "Total"), "n_las"] == 2  # the base, not 2 + 2 + 2 + 2
    assert out.table.iloc[:4].equals(t)  # the builder's rows stay first and unchanged
    assert len(out.table) == 9


def test_not_additive_bounds_missing_and_rules():
    t = pd.DataFrame({"phase": ["ks3", "ks4"], "share": [40.0, 60.0], "lower": [30.0, 50.0], "n_las": [3, 4]})
    out = with_totals(_ft(t, ["phase"]), {"additive": {"phase": True}}).table.set_index("phase")
    assert out.loc["Total", "share"] == 100
    assert math.isnan(out.loc["Total", "lower"])  # interval bounds do not add up
    assert out.loc["Total", "n_las"] == 4
    counted = with_totals(_ft(t, ["phase"]), {"additive": {"phase": True}, "total_rules": {"n_las": "sum"}})
    assert counted.table.set_index("phase").loc["Total", "n_las"] == 7


def test_undeclared_or_not_additive_filters_get_no_total():
    t = pd.DataFrame({"ap_reason": ["a", "b"], "share": [80.0, 70.0]})
    ft = _ft(t, ["ap_reason"])
    assert with_totals(ft, {}) is ft
    assert with_totals(ft, {"additive": {"ap_reason": False}}) is ft


def test_figures_draw_added_totals_only_when_asked():
    t = pd.DataFrame({"phase": ["ks3", "ks4", "Total"], "share": [40.0, 60.0, 100.0]})
    spec = {"additive": {"phase": True}}
    assert without_added_totals(t, spec)["phase"].tolist() == ["ks3", "ks4"]
    assert len(without_added_totals(t, {**spec, "draw_totals": ["phase"]})) == 3
    assert len(without_added_totals(t, {"additive": {"phase": False}})) == 3
