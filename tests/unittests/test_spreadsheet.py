"""Publication spreadsheet: numbers stay numbers, GSS shorthand moves to a Notes column, text is safe."""

from __future__ import annotations

import warnings
import zipfile
from types import SimpleNamespace

import openpyxl
import pandas as pd

from pipeline.outputs import OpenDataTable
from pipeline.spreadsheet import (
    WORKBOOK_OPTIONS,
    build,
    context_line,
    neutralise_formula,
    numeric_table,
    sheet_name,
)

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


# --- the workbook as written -------------------------------------------------------------------

FIG02_CSV = (
    "time_period,time_identifier,geographic_level,country_code,country_name,provider_type,place_share,cost\n"
    "201718,Academic year,National,E92000001,England,PRU,54.5,17650\n"
    "201718,Academic year,National,E92000001,England,Independent,c,18049.9\n"
    "201718,Academic year,National,E92000001,England,Other,2.49,x\n"
)
FIG02_META = (
    "col_name,col_type,label,indicator_unit,indicator_dp\n"
    "provider_type,Filter,Provider type,,\n"
    "place_share,Indicator,Share of places,%,0\n"
    "cost,Indicator,Average cost,£,0\n"
)


def test_workbook_cells_hold_numbers_and_symbols_sit_in_the_notes_column(tmp_path):
    processed, figures = tmp_path / "processed", tmp_path / "figures"
    processed.mkdir(), figures.mkdir()
    (processed / "fig02_place_share.csv").write_text(FIG02_CSV, encoding="utf-8")
    (processed / "fig02_place_share.meta.csv").write_text(FIG02_META, encoding="utf-8")
    (figures / "fig02_place_share.svg").write_text("<svg/>", encoding="utf-8")
    (figures / "fig02_place_share.txt").write_text("Figure 2: Share of places\n", encoding="utf-8")
    settings = SimpleNamespace(processed_dir=processed, figures_dir=figures, wave="2018", data_note="Note.")

    book = openpyxl.load_workbook(build(settings))
    assert book.sheetnames == ["Cover", "Contents", "Notes", "Fig02"]
    sheet = book["Fig02"]
    assert sheet["A1"].value == "Figure 2: Share of places"
    assert sheet["A2"].value == "England (national level), Academic year 2017/18"
    header = next(row for row in range(1, 20) if sheet.cell(row, 1).value == "Provider type")
    assert [sheet.cell(header, c).value for c in range(1, 5)] == [
        "Provider type",
        "Share of places\n(%)",
        "Average cost\n(£)",
        "Notes",
    ]
    pru, independent, other = header + 1, header + 2, header + 3
    # 54.5 -> 55 (half up), 17650 -> 17700 (nearest £100): stored as numbers, shown with commas
    assert sheet.cell(pru, 2).value == 55 and sheet.cell(pru, 2).data_type == "n"
    assert sheet.cell(pru, 3).value == 17700 and sheet.cell(pru, 3).number_format == "#,##0"
    assert sheet.cell(pru, 4).value is None
    # the symbol leaves the numeric cell empty and is explained in the row's Notes cell
    assert sheet.cell(independent, 2).value is None
    assert sheet.cell(independent, 3).value == 18000
    assert sheet.cell(independent, 4).value == "[c] Share of places"
    assert sheet.cell(other, 2).value == 2 and sheet.cell(other, 3).value is None
    assert sheet.cell(other, 4).value == "[x] Average cost"
    assert [t for t in sheet.tables] == ["fig02_place_share"]
    assert sheet.tables["fig02_place_share"].ref == f"A{header}:D{other}"


# --- the fast table step writes what gptables writes -------------------------------------------


def _gptables_cases() -> dict:
    import gptables as gpt

    nan = float("nan")
    mixed = pd.DataFrame(
        {
            "Area": ["North", "South", "  ", "West [note]"],
            "Share": [12.25, nan, 3.0, 40.0],
            "Empty": [nan, nan, nan, nan],
            "Count": [1, 22, 333, 4444],
            "Notes": ["", "[c] Share", "[x] Empty", ""],
        }
    )
    no_index = pd.DataFrame(
        {"Year": [2018, 2019], "Value": [1.5, 2.5], "Label": pd.Series(["A b", " "], dtype=object)}
    )
    shorthand_heading = pd.DataFrame({"Name": ["a", "b"], "Value [x]": [1.0, nan], "Other": [nan, 2.0]})
    link = pd.DataFrame({"Name": ["[site](https://example.org)", "b"], "Value": [1.0, 2.0]})
    flags = pd.DataFrame({"Name": ["a", "b"], "Flag": [True, False]})  # not numbers or text: gptables
    return {
        "Mixed": gpt.GPTable(
            table=mixed,
            table_name="mixed",
            title="Mixed columns",
            subtitles=["England"],
            legend=["[c] confidential"],
            source="Test",
            units={"Share": "%"},
            index_columns={2: 0},
            additional_formatting=[
                {"column": {"columns": [1], "format": {"num_format": "#,##0.0"}}},
                {"column": {"columns": ["Count"], "format": {"bold": True}, "include_names": False}},
            ],
        ),
        "NoIndex": gpt.GPTable(
            no_index, table_name="no_index", title="No index", source="T", index_columns={}
        ),
        "Heading": gpt.GPTable(shorthand_heading, table_name="heading", title="Heading", source="T"),
        "Rows": gpt.GPTable(  # row formatting: gptables writes the table
            no_index.copy(),
            table_name="rows",
            title="Rows",
            source="T",
            additional_formatting=[{"row": {"rows": [1], "format": {"italic": True}}}],
        ),
        "Link": gpt.GPTable(link, table_name="link", title="Link", source="T", index_columns={2: 0}),
        "Flags": gpt.GPTable(flags, table_name="flags", title="Flags", source="T", index_columns={2: 0}),
    }


def test_fast_table_step_writes_the_same_workbook_as_gptables(tmp_path):
    import gptables as gpt

    from pipeline import spreadsheet_gpt

    notes = pd.DataFrame({"Note number": ["note_0"], "Note text": ["Shorthand [c] confidential"]})
    cover = gpt.Cover(title="Cover", intro=["Intro"], about=["About"], contact=["Contact"])
    options = {"additional_elements": ["subtitles", "source"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gpt.write_workbook(
            filename=str(tmp_path / "gptables.xlsx"),
            sheets=_gptables_cases(),
            cover=cover,
            notes_table=notes,
            contentsheet_options=options,
            workbook_options=WORKBOOK_OPTIONS,
        )
        cover = gpt.Cover(title="Cover", intro=["Intro"], about=["About"], contact=["Contact"])
        spreadsheet_gpt.produce(
            str(tmp_path / "fast.xlsx"), _gptables_cases(), cover, notes, options, WORKBOOK_OPTIONS
        ).close()
    expected, written = (zipfile.ZipFile(tmp_path / n) for n in ("gptables.xlsx", "fast.xlsx"))
    assert written.namelist() == expected.namelist()
    for name in expected.namelist():
        if name != "docProps/core.xml":  # creation time
            assert written.read(name) == expected.read(name), name


def test_rewriting_the_workbook_gives_the_same_bytes(tmp_path):
    """Reruns are byte-identical: the creation date is fixed (the run record keeps the real time)."""
    import time

    import gptables as gpt

    from pipeline import spreadsheet_gpt

    notes = pd.DataFrame({"Note number": ["note_0"], "Note text": ["Shorthand [c] confidential"]})
    written = []
    for name in ("first.xlsx", "second.xlsx"):
        cover = gpt.Cover(title="Cover", intro=["Intro"], about=["About"], contact=["Contact"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            spreadsheet_gpt.produce(
                str(tmp_path / name), _gptables_cases(), cover, notes, {}, WORKBOOK_OPTIONS
            ).close()
        written.append((tmp_path / name).read_bytes())
        time.sleep(1.1)  # the creation time has a resolution of one second
    assert written[0] == written[1]
