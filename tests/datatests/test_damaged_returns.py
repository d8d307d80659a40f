"""Returns damaged the ways real returns are (issue 12): each case is a located finding in the
validation report, never a crash or a silently lost answer. Each expected cell is also read back
with openpyxl, so the location is checked against the file and not only against the reader's
layout."""

from __future__ import annotations

import csv
import os

import openpyxl
import pandas as pd
import pytest

from pipeline.run import run

from ..fixtures import fixture_wave as fw
from ..fixtures.fixture_wave import LAS, A
from .test_bad_input import (
    FILE_A,
    RETURNS,
    _errors,
    _export_project,
    _only,
    _project,
    _report,
    _run_fails,
    _with,
)


def _edit(settings, rel: str, change) -> None:
    """Open one return with openpyxl, let ``change(wb)`` damage it, save it in place."""
    wb = openpyxl.load_workbook(settings.root / rel)
    change(wb)
    wb.save(settings.root / rel)


def _value_in_file(settings, rel: str, sheet: str, cell: str):
    return openpyxl.load_workbook(settings.root / rel)[sheet][cell].value


def test_shares_above_their_maximum_are_reported_not_a_crash(make_project):
    # placement_length: shares of pupils by length of placement, each year-group column at most 100
    settings = _project(
        make_project,
        _with(
            {
                A: {
                    "placement_length__up_to_half_term__primary": 60,
                    "placement_length__half_term_to_term__primary": 50,
                }
            }
        ),
    )
    row = _only(_run_fails(settings), "sum_above_max")
    assert (row["file"], row["sheet"], row["la_code"], row["question_id"]) == (
        FILE_A,
        "6 Pupils in AP",
        A,
        "placement_length",
    )
    assert _value_in_file(settings, FILE_A, row["sheet"], row["cell"]) == 60  # the column's first share
    assert row["message"] == "this column adds up to 110, more than 100"  # 60 + 50


EXCEL_ERRORS = ["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"]


@pytest.mark.parametrize("error", EXCEL_ERRORS)
def test_excel_error_value_in_a_number_cell(make_project, error):
    settings = _project(make_project)
    _edit(settings, FILE_A, lambda wb: wb["3 Costs"].__setitem__("E7", error))  # costs, PRU, KS3
    assert (
        openpyxl.load_workbook(settings.root / FILE_A)["3 Costs"]["E7"].data_type == "e"
    )  # a real error cell
    report = _run_fails(settings)
    row = _only(report, "excel_error")
    assert (row["file"], row["sheet"], row["cell"], row["question_id"], row["value"]) == (
        FILE_A,
        "3 Costs",
        "E7",
        "costs",
        error,
    )
    assert error in row["message"]
    assert set(_errors(report)["rule"]) == {"excel_error"}


def test_excel_error_text_in_an_export(make_project):
    def damage(lines):
        header = lines[0].split(",")
        j = header.index("providers__pru")
        cells = lines[1].split(",")
        cells[j] = "#DIV/0!"
        return [lines[0], ",".join(cells), *lines[2:]]

    settings = _export_project(make_project, damage)
    row = _only(_run_fails(settings), "excel_error")
    assert (row["la_code"], row["value"], row["question_id"]) == (A, "#DIV/0!", "providers")


def test_inserted_column_in_a_grid_is_caught_not_misread(make_project):
    """A column inserted before KS3 would make every KS3 cost read as KS4's."""
    settings = _project(make_project)

    def insert(wb):
        ws = wb["3 Costs"]
        ws.insert_cols(5)  # before column E (KS3)

    _edit(settings, FILE_A, insert)
    report = _run_fails(settings)
    problems = report[(report["file"] == FILE_A) & (report["sheet"] == "3 Costs")]
    assert "layout_changed" in set(problems["rule"])
    assert set(problems["severity"]) == {"error"}


def test_inserted_column_in_a_one_column_sheet_is_caught(make_project):
    """'1 Purpose' has one answer column (C) and no column headers: answers moved to D are found."""
    settings = _project(make_project)
    _edit(settings, FILE_A, lambda wb: wb["1 Purpose"].insert_cols(3))
    report = _run_fails(settings)
    stray = report[(report["rule"] == "cell_outside_answers") & (report["sheet"] == "1 Purpose")]
    assert len(stray) > 0
    assert set(stray["cell"].str[0]) == {"D"}  # every moved answer is named in column D
    assert set(stray["file"]) == {FILE_A}


def _rename_a(settings, new_name: str) -> str:
    (settings.root / FILE_A).rename(settings.returns_dir / new_name)
    return f"{RETURNS}/{new_name}"


def test_return_named_as_las_name_files_is_read(make_project):
    settings = _project(make_project)
    rel = _rename_a(settings, "Barking and Dagenham AP return (final).xlsx")
    assert run(settings, until="validate", workers=1, quiet=True) == 0
    assert len(_report(settings)) == 0
    responses = pd.read_csv(settings.processed_dir / "responses.csv", dtype=str, keep_default_na=False)
    assert rel in set(responses.loc[responses["la_code"] == A, "source_file"])


@pytest.mark.parametrize(
    ("name", "named"),
    [("Sheffield AP return (final).xlsx", "Sheffield"), ("E09000003 AP return.xlsx", "E09000003")],
)
def test_file_name_naming_another_la_is_a_warning(make_project, name, named):
    settings = _project(make_project)
    rel = _rename_a(settings, name)  # A's return (Barking and Dagenham) saved under another LA's name
    assert run(settings, until="validate", workers=1, quiet=True) == 0
    row = _only(_report(settings), "file_name_other_la")
    assert (row["file"], row["la_code"], row["severity"]) == (rel, A, "warning")
    assert named in row["message"]


def test_free_text_and_la_name_that_look_like_formulas_are_neutralised(make_project):
    settings = make_project()
    evil_name = "@SUM(1+1)*cmd|' /C calc'!A0"
    fw.write_workbooks(settings.codebook, settings.returns_dir, las={**LAS, A: evil_name})
    evil_text = '=HYPERLINK("http://example.invalid","click")'
    rel = next(f"{RETURNS}/{p.name}" for p in settings.returns_dir.iterdir() if p.name.startswith(A))

    def type_text(wb):  # typed with a leading apostrophe in Excel: a text cell, not a formula
        cell = wb["1 Purpose"]["C16"]  # free-text purpose of AP
        cell.value = evil_text
        cell.data_type = "s"

    _edit(settings, rel, type_text)
    assert run(settings, until="validate", workers=1, quiet=True) == 0
    report = _report(settings)
    flagged = report[report["rule"] == "text_formula_like"]
    assert sorted(flagged["cell"]) == ["C16", "C5"]  # the answer, and the LA name on the cover
    assert set(flagged["severity"]) == {"warning"}
    raw_report = (settings.processed_dir / "validation_report.csv").read_text(encoding="utf-8")
    raw_responses = (settings.processed_dir / "responses.csv").read_text(encoding="utf-8")
    for text in (raw_report, raw_responses):
        for line in text.splitlines():
            for cell in next(csv.reader([line])):
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
    assert (
        "'" + evil_text in pd.read_csv(settings.processed_dir / "responses.csv", dtype=str)["value"].tolist()
    )


def test_dangling_link_in_the_returns_folder_is_an_error(make_project):
    settings = _project(make_project)
    os.symlink(
        "E09000003_barnet_final.xlsx", settings.returns_dir / "E09000003 return.xlsx"
    )  # points nowhere
    row = _only(_run_fails(settings), "file_link_dangling")
    assert (row["file"], row["severity"]) == (f"{RETURNS}/E09000003 return.xlsx", "error")


def test_link_to_a_return_elsewhere_is_followed_and_named_relatively(make_project, tmp_path):
    settings = _project(make_project)
    elsewhere = tmp_path / "shared drive" / "returns"
    elsewhere.mkdir(parents=True)
    target = elsewhere / "barking.xlsx"
    (settings.root / FILE_A).rename(target)
    os.symlink(target, settings.root / FILE_A)
    assert run(settings, until="validate", workers=1, quiet=True) == 0
    text = (settings.processed_dir / "responses.csv").read_text(encoding="utf-8")
    assert str(tmp_path) not in text  # no absolute path of the machine
    responses = pd.read_csv(settings.processed_dir / "responses.csv", dtype=str)
    assert FILE_A in set(responses.loc[responses["la_code"] == A, "source_file"])


def test_export_with_a_duplicated_column(make_project):
    def duplicate_third_column(lines):
        out = []
        for line in lines:
            cells = line.split(",")
            out.append(",".join([*cells[:3], cells[2], *cells[3:]]))  # column C repeated as D
        return out

    settings = _export_project(make_project, duplicate_third_column)
    report = _run_fails(settings)
    row = _only(report, "column_duplicate")
    assert (row["file"], row["cell"], row["value"]) == (
        "data/raw/fixture/export.csv",
        "D1",
        "ap_reasons__excluded_pupils",
    )
    assert "column C" in row["message"]
    assert set(_errors(report)["rule"]) == {"column_duplicate"}


def test_percentage_typed_with_a_percent_sign_in_a_workbook(make_project):
    """Excel stores "5%" typed into the cell as 0.05 formatted 0%: read as 5 (percent), with a warning."""
    settings = _project(make_project)

    def type_percent(wb):
        cell = wb["4 SEN and SEMH"]["C26"]  # share of AP pupils with an EHC needs assessment
        cell.value = 0.05
        cell.number_format = "0%"

    _edit(settings, FILE_A, type_percent)
    assert run(settings, until="validate", workers=1, quiet=True) == 0
    row = _only(_report(settings), "percent_sign")
    assert (row["file"], row["sheet"], row["cell"], row["question_id"], row["value"], row["severity"]) == (
        FILE_A,
        "4 SEN and SEMH",
        "C26",
        "ehc_assessment_share",
        "5%",
        "warning",
    )
    responses = pd.read_csv(settings.processed_dir / "responses.csv", dtype=str)
    assert responses.loc[responses["item"] == "ehc_assessment_share", "value"].tolist() == ["5"]


@pytest.mark.parametrize(
    ("item", "typed", "rule"),
    [("ehc_assessment_share", "12.5%", "percent_sign"), ("providers__pru", "12%", "type")],
)
def test_percent_sign_in_an_export(make_project, item, typed, rule):
    def damage(lines):
        header = lines[0].split(",")
        cells = lines[1].split(",")
        cells[header.index(item)] = typed
        return [lines[0], ",".join(cells), *lines[2:]]

    settings = _export_project(make_project, damage)
    rc = run(settings, until="validate", workers=1, quiet=True)
    row = _only(_report(settings), rule)
    assert (row["la_code"], row["value"]) == (A, typed)
    assert rc == (0 if rule == "percent_sign" else 1)  # a percentage of a count is rejected


def test_merged_answer_cells_are_an_error(make_project):
    settings = _project(make_project)
    _edit(settings, FILE_A, lambda wb: wb["3 Costs"].merge_cells("C7:D7"))  # PRU all phases + primary
    row = _only(_run_fails(settings), "merged_cells")
    assert (row["file"], row["sheet"], row["cell"], row["question_id"]) == (
        FILE_A,
        "3 Costs",
        "C7:D7",
        "costs",
    )


def test_survey_wave_on_the_cover_must_be_this_wave(make_project):
    settings = _project(make_project)
    _edit(settings, FILE_A, lambda wb: wb["Cover"].__setitem__("C6", "2016"))
    report = _run_fails(settings)
    row = _only(report, "wave_mismatch")
    assert (row["file"], row["sheet"], row["cell"], row["value"]) == (FILE_A, "Cover", "C6", "2016")
    assert set(_errors(report)["rule"]) == {"wave_mismatch"}
