"""Publication spreadsheet: numbers stay numbers, GSS shorthand moves to a Notes column, text is safe."""

from __future__ import annotations

import pandas as pd

from pipeline.outputs import OpenDataTable
from pipeline.spreadsheet import context_line, neutralise_formula, numeric_table, sheet_name

META = pd.DataFrame(
    {
        "col_name": ["provider_type", "place_share", "cost"],
        "col_type": ["Filter", "Indicator", "Indicator"],
        "label": ["Provider type", "Share of places", "Average cost"],
        "indicator_unit": ["", "%", "£"],
        "indicator_dp": ["", "0", "0"],
    }
)


def _table() -> OpenDataTable:
    data = pd.DataFrame(
        {
            "time_period": ["201718"] * 3,
            "time_identifier": ["Academic year"] * 3,
            "geographic_level": ["National"] * 3,
            "country_code": ["E92000001"] * 3,
            "country_name": ["England"] * 3,
            "provider_type": ["PRU", '=HYPERLINK("x")', "Other"],
            "place_share": ["54.5", "c", "2.49"],
            "cost": ["17650", "18049.9", "x"],
        }
    )
    return OpenDataTable("fig02_place_share", data, META)


def test_symbols_leave_numeric_cells_empty_and_go_to_notes():
    frame, context = numeric_table(_table())
    assert list(frame.columns) == ["Provider type", "Share of places", "Average cost", "Notes"]
    # half up to indicator_dp 0: 54.5 -> 55, 2.49 -> 2; costs to the nearest £100: 17650 -> 17700
    assert frame["Share of places"].tolist()[0] == 55
    assert frame["Share of places"].tolist()[2] == 2
    assert pd.isna(frame["Share of places"].iloc[1])
    assert frame["Average cost"].tolist()[:2] == [17700, 18000]
    assert pd.api.types.is_float_dtype(frame["Average cost"])
    assert frame["Notes"].tolist() == ["", "[c] Share of places", "[x] Average cost"]
    assert context_line(context) == "England (national level), Academic year 2017/18"


def test_text_that_could_run_as_a_formula_is_neutralised():
    frame, _ = numeric_table(_table())
    assert frame["Provider type"].iloc[1] == '\'=HYPERLINK("x")'
    assert neutralise_formula("+44 1234") == "'+44 1234"
    assert neutralise_formula("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise_formula("-5") == "-5"
    assert neutralise_formula("Pupil referral unit") == "Pupil referral unit"


def test_sheet_names_are_short():
    assert sheet_name("fig02_place_share_by_provider_type") == "Fig02"
    assert sheet_name("txt_ap_sen") == "Text_ap_sen"
    assert len(sheet_name("txt_" + "a" * 60)) == 31
