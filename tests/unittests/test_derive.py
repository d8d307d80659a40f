"""Derive helpers: usage bands, provider-count bands, and full numeric grids."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.codebook import Codebook
from pipeline.derive import band, count_band, numeric_answers

PROVIDER_BANDS = [
    ["providers_1", 1, 1],
    ["providers_2_4", 2, 4],
    ["providers_5_10", 5, 10],
    ["providers_gt10", 11, None],
]


def test_band_edges_are_inclusive_in_medium():
    # primary edges of config/analysis.yaml: low < 5, medium 5..18 (both inclusive), high > 18
    values = pd.Series([0.0, 4.999, 5.0, 11.0, 18.0, 18.001, 250.0, np.nan])
    out = band(values, lower=5, upper=18)
    assert out.tolist()[:7] == ["low", "low", "medium", "medium", "medium", "high", "high"]
    assert pd.isna(out.iloc[7])


def test_band_secondary_edges():
    out = band(pd.Series([58.99, 59.0, 124.0, 124.01]), lower=59, upper=124)
    assert out.tolist() == ["low", "medium", "medium", "high"]


def test_count_band():
    values = pd.Series([1.0, 2.0, 4.0, 5.0, 10.0, 11.0, 400.0, 0.0, np.nan])
    out = count_band(values, PROVIDER_BANDS)
    assert out.tolist()[:7] == [
        "providers_1",
        "providers_2_4",
        "providers_2_4",
        "providers_5_10",
        "providers_5_10",
        "providers_gt10",
        "providers_gt10",
    ]
    # 0 providers and no answer are in no band
    assert pd.isna(out.iloc[7]) and pd.isna(out.iloc[8])


def test_count_band_first_matching_band_wins():
    out = count_band(pd.Series([3.0]), [["a", 1, 5], ["b", 3, 4]])
    assert out.tolist() == ["a"]


def _codebook() -> Codebook:
    return Codebook(
        {
            "dimensions": {
                "ptype": {"label": "P", "values": {"p1": {"label": "P1"}, "p2": {"label": "P2"}}},
                "ph": {"label": "Ph", "values": {"x": {"label": "X"}, "y": {"label": "Y"}}},
            },
            "category_sets": {},
            "sections": [{"id": "s", "sheet": "S", "title": "S"}],
            "questions": [
                {
                    "id": "places",
                    "section": "s",
                    "text": "t",
                    "type": "count",
                    "dimensions": ["ptype", "ph"],
                    "total": True,
                    "blank": "zero",
                },
                {
                    "id": "costs",
                    "section": "s",
                    "text": "t",
                    "type": "money",
                    "dimensions": ["ptype", "ph"],
                    "blank": "missing",
                },
                {
                    "id": "shares",
                    "section": "s",
                    "text": "t",
                    "type": "count",
                    "dimensions": ["ptype", "ph"],
                    "blank": "zero_in_column",
                },
                {"id": "n", "section": "s", "text": "t", "type": "count"},
            ],
        }
    )


def _clean(rows):
    return pd.DataFrame(rows, columns=["la_code", "question_id", "ptype", "ph", "value"])


def test_numeric_answers_blank_zero_fills_the_grid_for_answering_las_only():
    cb = _codebook()
    clean = _clean(
        [
            ["L1", "places", "p1", "x", "10"],
            ["L1", "places", "total", "x", "10"],  # total rows are dropped
            ["L2", "places", "p2", "y", "3"],
            ["L3", "costs", "p1", "x", "5000"],  # L3 answered no places: not in the grid
        ]
    )
    out = numeric_answers(clean, cb, "places")
    # 2 answering LAs x 2 types x 2 phases = 8 cells; blanks are 0 (blank: zero)
    assert len(out) == 8
    assert sorted(out["la_code"].unique()) == ["L1", "L2"]
    assert "total" not in set(out["ptype"])
    grid = out.set_index(["la_code", "ptype", "ph"])["x"]
    assert grid[("L1", "p1", "x")] == 10.0
    assert grid[("L2", "p2", "y")] == 3.0
    assert grid[("L1", "p2", "y")] == 0.0
    assert out["x"].sum() == 13.0  # 10 + 3, the rest zeros
    assert out["x"].notna().all()


def test_an_la_giving_only_a_total_row_of_zeros_answered_with_zero_places():
    cb = _codebook()
    clean = _clean([["L1", "places", "p1", "x", "4"], ["L2", "places", "total", "x", "0"]])
    out = numeric_answers(clean, cb, "places")
    assert sorted(out["la_code"].unique()) == ["L1", "L2"]  # L2 is in the base
    assert out.loc[out["la_code"] == "L2", "x"].tolist() == [0.0] * 4  # 2 types x 2 phases


def test_numeric_answers_blank_missing_keeps_gaps():
    cb = _codebook()
    clean = _clean([["L1", "costs", "p1", "x", "5000"], ["L1", "costs", "p2", "y", "7000.5"]])
    out = numeric_answers(clean, cb, "costs")
    grid = out.set_index(["la_code", "ptype", "ph"])["x"]
    assert len(out) == 4  # 1 LA x 2 x 2
    assert grid[("L1", "p1", "x")] == 5000.0
    assert grid[("L1", "p2", "y")] == pytest.approx(7000.5)
    assert grid[["L1"]].isna().sum() == 2  # p1/y and p2/x stay missing


def test_numeric_answers_blank_zero_in_column_fills_answered_columns_only():
    cb = _codebook()
    # L1 answers p1 in column x only: p2/x is 0 (column x answered), column y stays unknown
    clean = _clean([["L1", "shares", "p1", "x", "7"]])
    grid = numeric_answers(clean, cb, "shares").set_index(["la_code", "ptype", "ph"])["x"]
    assert grid[("L1", "p1", "x")] == 7.0
    assert grid[("L1", "p2", "x")] == 0.0
    assert grid[[("L1", "p1", "y"), ("L1", "p2", "y")]].isna().all()


def test_numeric_answers_without_dimensions():
    cb = _codebook()
    clean = _clean([["L1", "n", None, None, "4"], ["L2", "n", None, None, "0"]])
    out = numeric_answers(clean, cb, "n")
    assert out.set_index("la_code")["x"].to_dict() == {"L1": 4.0, "L2": 0.0}


def test_place_weights_derived_once_per_cell():
    from pipeline.derive import with_place_weights

    cells = pd.DataFrame(
        {
            "la_code": ["L1", "L2", "L3", "L4", "L1"],
            "provider_type": ["pru", "pru", "pru", "pru", "ind"],
            "cost": [10_000.0, 20_000.0, 30_000.0, 40_000.0, 50_000.0],
            "places": [10.0, 30.0, 0.0, float("nan"), float("nan")],
        }
    )
    out = with_place_weights(cells, ["provider_type"])
    # pru: L3 gave 0 places -> 0; L4 gave none -> mean of the positive pru places (10 + 30) / 2 = 20
    # ind: no positive count of the type -> 1
    assert out["weight"].tolist() == [10.0, 30.0, 0.0, 20.0, 1.0]
    assert out["fallback_weight"].tolist() == [False, False, False, True, True]
