"""More damaged returns (found by a catalogue of 108 damaged copies of the default wave): each is a
located finding, never a silently misread, lost or accepted answer."""

from __future__ import annotations

import openpyxl

from pipeline.run import run

from ..fixtures import fixture_wave as fw
from ..fixtures.fixture_wave import A
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
from .test_damaged_returns import _edit


def _xlsx_export_project(make_project, change):
    """The fixture's .xlsx export (tests/fixtures), damaged by ``change(workbook, rows)``."""
    settings = make_project(returns_dir=None, export_file="data/raw/fixture/export.xlsx")
    fw.write_xlsx_export(settings.codebook, settings.export_file)
    wb = openpyxl.load_workbook(settings.export_file)
    change(wb, [list(r) for r in wb.active.iter_rows(values_only=True)])
    wb.save(settings.export_file)
    return settings


def test_swapped_rows_of_a_grid_are_caught_not_misread(make_project):
    """Rows 7 (PRU) and 8 (AP academy) of the costs grid swapped whole, hidden question id and all,
    as sorting the rows by name would: PRU costs would otherwise be read as AP academy's."""
    settings = _project(make_project)

    def swap(wb):
        ws = wb["3 Costs"]
        for c in range(1, 8):
            a, b = ws.cell(7, c), ws.cell(8, c)
            a.value, b.value = b.value, a.value

    _edit(settings, FILE_A, swap)
    report = _run_fails(settings)
    row = _only(report, "layout_changed")
    # B7 is where the template put the row label of PRUs; the AP academy label is found there
    assert (row["file"], row["sheet"], row["cell"], row["value"]) == (FILE_A, "3 Costs", "B7", "AP academy")
    assert "row label" in row["message"]
    assert set(_errors(report)["rule"]) == {"layout_changed"}


def test_an_answer_typed_over_a_help_text_is_reported(make_project):
    settings = _project(make_project)
    _edit(settings, FILE_A, lambda wb: wb["3 Costs"].__setitem__("B5", 19110))  # row 5: the help line
    row = _only(_run_fails(settings), "cell_outside_answers")
    assert (row["file"], row["sheet"], row["cell"], row["value"]) == (FILE_A, "3 Costs", "B5", "19110")


def test_a_total_row_alone_is_checked_against_empty_rows(make_project):
    """LA A fills only the Total row of the places grid (10, 20, 40, 0): with the rows empty (0)
    each non-zero Total is a mismatch, rather than its places silently disappearing."""
    parts = [k for k in fw.answers_copy()[A] if k.startswith("places__") and "__total__" not in k]
    settings = _project(make_project, _with({}, drop={A: parts}))
    report = _run_fails(settings)
    rows = report[report["rule"] == "total_mismatch"].sort_values("cell")
    assert rows["cell"].tolist() == ["C16", "D16", "E16"]  # primary, KS3, KS4; KS5's Total is 0
    assert rows["value"].tolist() == ["10", "20", "40"]
    assert set(rows["message"].str.extract(r"\((\d+)\)")[0]) == {"0"}


def test_a_hidden_return_is_a_warning_not_silence(make_project):
    settings = _project(make_project)
    hidden = f"{RETURNS}/.E09000002_barking_and_dagenham.xlsx"
    (settings.root / FILE_A).rename(settings.root / hidden)
    assert run(settings, until="validate", workers=1, quiet=True) == 0  # a warning only
    row = _only(_report(settings), "file_hidden")
    assert (row["file"], row["severity"]) == (hidden, "warning")


def test_lock_files_and_folder_files_are_not_reported(make_project):
    settings = _project(make_project)
    for name in ("~$E09000002_barking_and_dagenham.xlsx", ".DS_Store", ".gitkeep", "._x.xlsx"):
        (settings.returns_dir / name).write_bytes(b"x")
    assert run(settings, until="validate", workers=1, quiet=True) == 0
    assert "file_hidden" not in set(_report(settings)["rule"])


def test_a_value_past_the_last_header_of_an_export_is_reported(make_project):
    def longer(lines):
        return [lines[0], lines[1] + ",99", *lines[2:]]  # row 2 gets one cell past the header

    settings = _export_project(make_project, longer)
    width = len(settings.export_file.read_text(encoding="utf-8").splitlines()[0].split(","))
    row = _only(_run_fails(settings), "cell_outside_answers")
    col = openpyxl.utils.get_column_letter(width + 1)
    assert (row["cell"], row["value"]) == (f"{col}2", "99")


def test_a_value_under_an_empty_header_of_an_export_is_reported(make_project):
    def blank_header(lines):
        return [lines[0] + ",", lines[1] + ",7", *lines[2:]]

    settings = _export_project(make_project, blank_header)
    row = _only(_run_fails(settings), "cell_outside_answers")
    assert row["value"] == "7" and row["cell"].endswith("2")


def test_merged_cells_in_an_xlsx_export(make_project):
    settings = _xlsx_export_project(make_project, lambda wb, grid: wb.active.merge_cells("C2:D2"))
    rc = run(settings, until="validate", workers=1, quiet=True)
    row = _only(_report(settings), "merged_cells")
    assert (row["cell"], row["severity"]) == ("C2:D2", "error")
    assert rc != 0


def test_a_rejected_required_answer_is_also_missing_at_its_cell(make_project):
    # 1.4 strategic_planning (required) answered with a curly apostrophe: not an allowed answer
    settings = _project(make_project, _with({A: {"strategic_planning": "Can\u2019t say"}}))
    report = _run_fails(settings)
    missing = _only(report, "required_missing")
    assert (missing["sheet"], missing["cell"]) == ("1 Purpose", "C22")  # where the answer was typed
    assert _only(report, "category")["cell"] == "C22"


def test_a_very_long_text_in_a_csv_export_is_read(make_project):
    long_text = "x" * 200_000  # above the csv module's default field limit of 131,072

    def longer(lines):
        header = lines[0].split(",")
        cells = lines[1].split(",")
        cells[header.index("ap_purpose_text")] = long_text
        return [lines[0], ",".join(cells), *lines[2:]]

    settings = _export_project(make_project, longer)
    assert run(settings, until="validate", workers=1, quiet=True) == 0
    assert "file_unreadable" not in set(_report(settings)["rule"])


def test_a_formula_in_the_cover_code_cell_is_an_error(make_project):
    settings = _project(make_project)

    def formula(wb):
        wb["Cover"]["C4"] = '="E0900000"&"2"'  # gives the right code, but a formula

    _edit(settings, FILE_A, formula)
    report = _run_fails(settings)
    rows = report[(report["rule"] == "formula") & (report["sheet"] == "Cover")]
    assert rows["cell"].tolist() == ["C4"]


def test_an_unnamed_first_column_of_an_export_is_a_row_index_not_an_answer(make_project):
    """pandas' to_csv writes its row index as an unnamed first column: not read, not reported."""

    def with_index(lines):
        return ["," + lines[0], *(f"{i}," + line for i, line in enumerate(lines[1:]))]

    settings = _export_project(make_project, with_index)
    assert run(settings, until="validate", workers=1, quiet=True) == 0
    assert "cell_outside_answers" not in set(_report(settings)["rule"])


def test_a_named_pipe_in_the_returns_folder_is_reported_never_opened(make_project):
    import os

    settings = _project(make_project)
    os.mkfifo(settings.returns_dir / "pipe.xlsx")
    report = _run_fails(settings)
    row = _only(report, "file_unexpected_type")
    assert row["file"] == f"{RETURNS}/pipe.xlsx" and "not a regular file" in row["message"]


def test_rows_on_a_second_sheet_of_an_xlsx_export_are_reported(make_project):
    def move_last_row(wb, grid):
        wb.active.delete_rows(len(grid), 1)
        more = wb.create_sheet("more LAs")
        more.append(grid[0])
        more.append(grid[-1])

    settings = _xlsx_export_project(make_project, move_last_row)
    assert run(settings, until="validate", workers=1, quiet=True) != 0
    row = _only(_report(settings), "cell_outside_answers")
    assert (row["sheet"], row["cell"]) == ("more LAs", "A1")


def test_a_hidden_first_sheet_of_an_xlsx_export_does_not_hide_the_visible_one(make_project):
    def hide_first(wb, grid):
        current = wb.copy_worksheet(wb.active)
        current.title = "current"
        wb.active.sheet_state = "hidden"
        wb.active = 1

    settings = _xlsx_export_project(make_project, hide_first)
    assert run(settings, until="validate", workers=1, quiet=True) != 0
    assert _only(_report(settings), "cell_outside_answers")["sheet"] == "current"


def test_an_export_with_a_header_and_no_rows_names_the_export(make_project):
    settings = _export_project(make_project, lambda lines: lines[:1])
    assert run(settings, until="validate", workers=1, quiet=True) != 0
    assert _only(_report(settings), "file_unreadable")["file"] == "data/raw/fixture/export.csv"


def test_an_unclosed_quote_in_a_csv_export_is_reported_where_it_swallows_the_rest(make_project):
    def open_quote(lines):
        cells = lines[2].split(",")  # row 3 (LA B): a quote opened before its name, never closed
        cells[1] = '"' + cells[1]
        return [lines[0], lines[1], ",".join(cells), *lines[3:]]

    settings = _export_project(make_project, open_quote)
    report = _run_fails(settings)
    row = _only(report, "file_unreadable")
    assert row["cell"] == "B3" and "never closed" in row["message"]


def test_quotes_inside_an_unquoted_text_are_not_an_unclosed_quote():
    from pipeline.ingest import _unclosed_quote

    text = 'la_code,ap_purpose_text\nE09000002,a 5" screen\n'
    assert _unclosed_quote(text, [["la_code", "ap_purpose_text"], ["E09000002", 'a 5" screen']]) is None
