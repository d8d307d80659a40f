"""Open-data tables never publish one LA's answer: extremes and counts of LAs above a threshold
on the base of the LAs giving the values, and every value of a row resting on one LA."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import present
from pipeline.analyse import FigureTable

COST = {"label": "Cost", "unit": "£", "dp": 0}
COUNT = {"label": "LAs", "unit": "", "dp": 0}


def _cost_table() -> FigureTable:
    # row 1: 4 LAs in the average but 6 gave a cost (suppression threshold 5): extremes published
    # row 2: 1 LA: only its base is published
    # row 3: no LA gave a cost: extremes 'x' (none), not 'c'
    table = pd.DataFrame(
        {
            "provider_type": ["pru", "ap_academy", "ap_free_school"],
            "average_cost": [20_000.0, 25_000.0, np.nan],
            "lower": [18_000.0, np.nan, np.nan],
            "upper": [22_000.0, np.nan, np.nan],
            "n_las": [4, 1, 0],
            "n_las_giving_cost": [6, 1, 0],
            "lowest_la_cost": [15_000.0, 25_000.0, np.nan],
            "highest_la_cost": [31_000.0, 25_000.0, np.nan],
            "n_las_high_cost": [1, 0, 0],
        }
    )
    indicators = {
        "average_cost": COST,
        "lower": COST,
        "upper": COST,
        "n_las": COUNT,
        "n_las_giving_cost": COUNT,
        "lowest_la_cost": COST,
        "highest_la_cost": COST,
        "n_las_high_cost": COUNT,
    }
    return FigureTable("fig08", table, ["provider_type"], indicators, "place-weighted cost", "LAs")


def test_la_level_values_use_the_base_of_las_giving_them(fixture_settings):
    data, _ = present.open_data_table(_cost_table(), {}, fixture_settings)
    rows = data.set_index("provider_type")
    pru = rows.iloc[0]
    assert (pru["lowest_la_cost"], pru["highest_la_cost"], pru["n_las_high_cost"]) == ("15000", "31000", "1")
    one = rows.iloc[1]  # one LA: its cost is not published anywhere in the row
    assert (one["average_cost"], one["lowest_la_cost"], one["highest_la_cost"]) == ("c", "c", "c")
    assert one["n_las_high_cost"] == "c" and one["n_las"] == "1"
    none = rows.iloc[2]
    assert (none["lowest_la_cost"], none["highest_la_cost"]) == ("x", "x")
