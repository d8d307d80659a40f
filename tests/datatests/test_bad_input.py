"""Bad returns: each is reported with its rule, file, sheet and cell, and stops the run
before any processed output other than the validation report is replaced."""

from __future__ import annotations

import io
import random
import shutil

import openpyxl
import pandas as pd
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from pipeline.run import run
from pipeline.template import build_workbook, return_filename, save_deterministic

from ..fixtures import fixture_wave as fw
from ..fixtures.fixture_wave import LAS, A

RETURNS = "data/raw/fixture/returns"
FILE_A = f"{RETURNS}/E09000002_barking_and_dagenham.xlsx"
REPORT_COLUMNS = ["file", "sheet", "cell", "la_code", "question_id", "value", "rule", "severity", "message"]
SENTINEL = "la_code,sentinel\nE09000002,written before the failed run\n"


def _project(make_project, answers=None):
    settings = make_project()
    fw.write_workbooks(settings.codebook, settings.returns_dir, answers=answers)
    sentinel = settings.processed_dir / "la_frame.csv"
    sentinel.parent.mkdir(parents=True, exist_ok=True)
    sentinel.write_text(SENTINEL, encoding="utf-8")
    return settings


def _report(settings) -> pd.DataFrame:
    path = settings.processed_dir / "validation_report.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _run_fails(settings) -> pd.DataFrame:
    """Run the whole pipeline: it must fail and leave every earlier output alone."""
    rc = run(settings, workers=1, quiet=True)
    assert rc != 0
    processed = settings.processed_dir
    assert (processed / "la_frame.csv").read_text(encoding="utf-8") == SENTINEL
    assert sorted(p.name for p in processed.iterdir()) == ["la_frame.csv", "validation_report.csv"]
    assert not settings.figures_dir.exists()
    report = _report(settings)
    assert list(report.columns) == REPORT_COLUMNS
    return report


def _errors(report):
    return report[report["severity"] == "error"]


def _only(report, rule):
    rows = report[report["rule"] == rule]
    assert len(rows) == 1, f"expected one {rule!r} problem, got:\n{report.to_string()}"
    return rows.iloc[0]


def _with(changes: dict, drop: dict | None = None) -> dict:
    answers = fw.answers_copy()
    for code, items in changes.items():
        answers[code].update(items)
    for code, keys in (drop or {}).items():
        for k in keys:
            del answers[code][k]
    return answers


# ------------------------------------------------------------------------------------------------
# Whole files that cannot be read


def test_fixture_wave_is_valid(make_project):
    """The unbroken fixture has no problem at all, so every problem below comes from the break."""
    settings = _project(make_project)
    assert run(settings, until="validate", workers=1, quiet=True) == 0
    assert len(_report(settings)) == 0


def test_corrupt_file(make_project):
    settings = _project(make_project)
    junk = random.Random(20180220).randbytes(4096)
    assert not junk.startswith((b"PK", bytes.fromhex("D0CF11E0A1B11AE1")))
    (settings.returns_dir / "corrupt.xlsx").write_bytes(junk)
    row = _only(_run_fails(settings), "file_unreadable")
    assert row["file"] == f"{RETURNS}/corrupt.xlsx"
    assert row["severity"] == "error"
    assert "not a valid .xlsx" in row["message"]


def test_truncated_zip_is_unreadable(make_project):
    settings = _project(make_project)
    good = (settings.root / FILE_A).read_bytes()
    (settings.returns_dir / "truncated.xlsx").write_bytes(good[: len(good) // 2])  # starts with PK
    row = _only(_run_fails(settings), "file_unreadable")
    assert row["file"] == f"{RETURNS}/truncated.xlsx"
    assert row["message"].startswith("cannot read the workbook")


def test_non_xlsx_file(make_project):
    settings = _project(make_project)
    (settings.returns_dir / "notes.txt").write_text("Barnet will send its return next week\n")
    row = _only(_run_fails(settings), "file_unexpected_type")
    assert row["file"] == f"{RETURNS}/notes.txt"
    assert ".txt" in row["message"]


def test_empty_file(make_project):
    settings = _project(make_project)
    (settings.returns_dir / "empty.xlsx").write_bytes(b"")
    row = _only(_run_fails(settings), "file_empty")
    assert row["file"] == f"{RETURNS}/empty.xlsx"


def test_password_protected_workbook(make_project):
    settings = _project(make_project)
    path = settings.root / FILE_A
    out = io.BytesIO()
    with open(path, "rb") as fh:
        OOXMLFile(fh).encrypt("secret", out)
    path.write_bytes(out.getvalue())
    assert path.read_bytes()[:8] == bytes.fromhex("D0CF11E0A1B11AE1")  # an OLE container now
    report = _run_fails(settings)
    row = _only(report, "file_encrypted")
    assert row["file"] == FILE_A
    assert "password" in row["message"]
    assert set(_errors(report)["rule"]) == {"file_encrypted"}


# ------------------------------------------------------------------------------------------------
# Cells: (rule, changed answers of LA A, sheet, cell, question id, value in the report)
# Cells are derived by hand: e.g. '3 Costs' has the question on row 4, help on row 5, column
# headers on row 6 and PRU on row 7, with columns C..G = all phases, primary, KS3, KS4, KS5.

# fmt: off
CELL_CASES = [
    # rule, change, sheet, cell, question id, value
    ("type", {"costs__pru__ks3": "about 17k"}, "3 Costs", "E7", "costs", "about 17k"),
    ("type", {"providers__pru": 1.5}, "2 Provision", "C19", "providers", "1.5"),
    ("formula", {"costs__pru__all_phases": "=1+2"}, "3 Costs", "C7", "", ""),
    ("negative", {"providers__pru": -1}, "2 Provision", "C19", "providers", "-1"),
    ("range", {"providers__pru": 501}, "2 Provision", "C19", "providers", "501"),
    ("category", {"strategic_planning": "Maybe"}, "1 Purpose", "C22", "strategic_planning", "Maybe"),
    # places total row 16, KS3 column D: 25 typed, parts add up to 20
    ("total_mismatch", {"places__total__ks3": 25}, "2 Provision", "D16", "places", "25"),
    # KS5 column F: 6 typed in the Total, every KS5 row empty (blank rule zero: the parts add to 0)
    ("total_mismatch", {"places__total__ks5": 6}, "2 Provision", "F16", "places", "6"),
    # number text that float() would read, but is not digits only
    ("type", {"costs__pru__ks3": "19_110"}, "3 Costs", "E7", "costs", "19_110"),
    ("type", {"costs__pru__ks3": "1e4"}, "3 Costs", "E7", "costs", "1e4"),
    ("type", {"costs__pru__ks3": "\u0661\u0669\u0661\u0661\u0660"}, "3 Costs", "E7", "costs",
     "\u0661\u0669\u0661\u0661\u0660"),  # Arabic-Indic digits for 19110
]
# fmt: on


# A rejected answer is no answer: a required question whose only answer is rejected is also
# reported as missing.
ALSO_REPORTED = {"category": {"required_missing"}}


@pytest.mark.parametrize(
    ("rule", "change", "sheet", "cell", "qid", "value"),
    CELL_CASES,
    ids=[f"{c[0]}-{c[4] or c[3]}" for c in CELL_CASES],
)
def test_bad_cell(make_project, rule, change, sheet, cell, qid, value):
    if rule == "formula":  # templates store '=' text as text: the formula is typed in afterwards
        settings = _project(make_project)
        _type_formula(settings.root / FILE_A, sheet, cell, next(iter(change.values())))
    else:
        settings = _project(make_project, _with({A: change}))
    report = _run_fails(settings)
    row = _only(report, rule)
    assert (row["file"], row["sheet"], row["cell"], row["la_code"]) == (FILE_A, sheet, cell, A)
    assert (row["question_id"], row["value"], row["severity"]) == (qid, value, "error")
    # nothing else is reported
    assert set(_errors(report)["rule"]) == {rule} | ALSO_REPORTED.get(rule, set())


def _type_formula(path, sheet: str, cell: str, formula: str) -> None:
    """A formula typed into one answer cell, as an LA would in Excel."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    wb[sheet][cell] = formula
    assert wb[sheet][cell].data_type == "f"
    wb.save(path)


def test_total_mismatch_message_gives_the_sum(make_project):
    settings = _project(make_project, _with({A: {"places__total__ks3": 25}}))
    row = _only(_run_fails(settings), "total_mismatch")
    assert row["message"] == "total 25 does not equal the sum of its parts (20)"  # 20 = PRU KS3 only


def test_required_answer_missing(make_project):
    settings = _project(make_project, _with({}, drop={A: ["strategic_planning"]}))
    report = _run_fails(settings)
    row = _only(report, "required_missing")
    assert (row["file"], row["sheet"], row["la_code"], row["question_id"]) == (
        FILE_A,
        "1 Purpose",
        A,
        "strategic_planning",
    )
    # 4th question of section 1; its answer cell C22 as in CELL_CASES (category case)
    assert row["cell"] == "C22"
    assert row["message"] == "question 1.4 must be answered (cell C22)"


def test_required_grid_needs_only_one_answer(make_project):
    """A required question with dimensions is answered when any of its cells is."""
    drop = [f"self_evaluation__{s}" for s in fw.STATEMENTS[1:]]
    settings = _project(make_project, _with({}, drop={A: drop}))
    assert run(settings, until="validate", workers=1, quiet=True) == 0


def test_duplicate_la(make_project):
    settings = _project(make_project)
    shutil.copyfile(settings.root / FILE_A, settings.returns_dir / "E09000002_copy.xlsx")
    report = _run_fails(settings)
    dup = report[report["rule"] == "la_duplicate"]
    assert sorted(dup["file"]) == [
        f"{RETURNS}/E09000002_barking_and_dagenham.xlsx",
        f"{RETURNS}/E09000002_copy.xlsx",
    ]
    assert set(dup["la_code"]) == {A}
    assert set(dup["value"]) == {A}
    assert set(zip(dup["sheet"], dup["cell"], strict=True)) == {("Cover", "C4")}  # each file's code cell


def test_duplicate_la_reports_nothing_but_the_duplicate(make_project):
    settings = _project(make_project)
    shutil.copyfile(settings.root / FILE_A, settings.returns_dir / "E09000002_copy.xlsx")
    report = _run_fails(settings)
    assert set(_errors(report)["rule"]) == {"la_duplicate"}


def test_la_code_not_in_frame(make_project):
    settings = _project(make_project)
    wb = build_workbook(settings.codebook, "fixture", "E99999999", "Nowhere", fw.ANSWERS[A])
    save_deterministic(wb, settings.returns_dir / return_filename("E99999999", "Nowhere"))
    report = _run_fails(settings)
    row = _only(report, "la_code_not_in_frame")
    assert (row["file"], row["sheet"], row["la_code"], row["value"]) == (
        f"{RETURNS}/E99999999_nowhere.xlsx",
        "Cover",
        "E99999999",
        "E99999999",
    )
    assert "152 LAs of the frame" in row["message"]  # la_lookup_2018.csv has 152 LAs
    assert set(_errors(report)["rule"]) == {"la_code_not_in_frame"}


def test_renamed_sheet(make_project):
    settings = _project(make_project)

    wb = openpyxl.load_workbook(settings.root / FILE_A)
    wb["7 Demand"].title = "Demand"
    wb.save(settings.root / FILE_A)
    report = _run_fails(settings)
    unknown = _only(report, "sheet_unknown")
    assert (unknown["file"], unknown["sheet"], unknown["severity"]) == (FILE_A, "Demand", "error")
    missing = _only(report, "sheet_missing")
    assert (missing["file"], missing["sheet"], missing["severity"]) == (FILE_A, "7 Demand", "warning")


def test_inserted_row_is_caught_not_misread(make_project):
    """A row inserted in a section sheet would shift every answer below it to another question."""
    settings = _project(make_project)

    wb = openpyxl.load_workbook(settings.root / FILE_A)
    ws = wb["3 Costs"]
    ws.protection.sheet = False
    ws.insert_rows(5)
    wb.save(settings.root / FILE_A)
    report = _run_fails(settings)
    moved = _only(report, "layout_changed")
    # the costs question's id was in A4 (first block row); after inserting row 5 it is still in A4,
    # so the first moved question id is looked for in its own row and found elsewhere: the sheet
    # and the question are named, whatever the exact row
    assert (moved["file"], moved["sheet"], moved["severity"]) == (FILE_A, "3 Costs", "error")
    assert moved["question_id"] != ""


def test_all_problems_of_the_wave_are_collected(make_project):
    settings = _project(make_project, _with({A: {"costs__pru__ks3": "about 17k"}}))
    (settings.returns_dir / "corrupt.xlsx").write_bytes(b"\x00garbage" * 64)
    (settings.returns_dir / "notes.txt").write_text("n/a")
    report = _run_fails(settings)
    errors = _errors(report)
    assert sorted(zip(errors["rule"], errors["file"], strict=True)) == [
        ("file_unexpected_type", f"{RETURNS}/notes.txt"),
        ("file_unreadable", f"{RETURNS}/corrupt.xlsx"),
        ("type", FILE_A),
    ]
    # the other four LAs were still read and checked: their answers are not in the report
    assert set(report["la_code"]) == {"", A}


# ------------------------------------------------------------------------------------------------
# Warnings: reported, and the run goes on


def test_implausible_cost_is_a_warning_and_the_run_succeeds(make_project):
    settings = _project(make_project, _with({A: {"costs__pru__all_phases": 95000}}))  # plausible 2000..80000
    rc = run(settings, until="analyse", workers=1, quiet=True)
    assert rc == 0
    report = _report(settings)
    row = _only(report, "plausible")
    assert (row["file"], row["sheet"], row["cell"], row["value"], row["severity"]) == (
        FILE_A,
        "3 Costs",
        "C7",
        "95000",
        "warning",
    )
    assert len(report) == 1
    # outputs were replaced this time
    assert (settings.processed_dir / "la_frame.csv").read_text(encoding="utf-8") != SENTINEL
    assert (settings.processed_dir / "computed_values.csv").exists()
    # and the implausible value is used, not dropped:
    # PRU cells A 95,000 x 60, B 19,000 x 40, D 15,000 x 20, C 22,000 x (60 + 40 + 20) / 3 = 40
    # -> (5,700,000 + 760,000 + 300,000 + 880,000) / 160 = 7,640,000 / 160 = 47,750
    values = pd.read_csv(settings.processed_dir / "computed_values.csv").set_index("id")["value"]
    assert values["fig08.cost.pru"] == pytest.approx(47_750)


def test_la_name_differing_from_frame_is_a_warning(make_project):
    settings = make_project()
    fw.write_workbooks(settings.codebook, settings.returns_dir, las={**LAS, A: "Barking & Dagenham"})
    assert run(settings, until="validate", workers=1, quiet=True) == 0
    row = _only(_report(settings), "la_name_mismatch")
    assert (row["la_code"], row["value"], row["severity"]) == (A, "Barking & Dagenham", "warning")
    assert row["file"] == f"{RETURNS}/E09000002_barking_dagenham.xlsx"


# ------------------------------------------------------------------------------------------------
# The one-row-per-LA export


def _export_project(make_project, rows_changer=None):
    settings = make_project(returns_dir=None, export_file="data/raw/fixture/export.csv")
    fw.write_csv_export(settings.codebook, settings.export_file)
    if rows_changer:
        text = settings.export_file.read_text(encoding="utf-8").splitlines()
        settings.export_file.write_text("\n".join(rows_changer(text)) + "\n", encoding="utf-8")
    sentinel = settings.processed_dir / "la_frame.csv"
    sentinel.parent.mkdir(parents=True, exist_ok=True)
    sentinel.write_text(SENTINEL, encoding="utf-8")
    return settings


def test_export_unknown_column(make_project):
    def rename_third_column(lines):
        header = lines[0].split(",")
        assert header[2] == "ap_reasons__excluded_pupils"
        header[2] = "ap_reasons__excluded"
        return [",".join(header), *lines[1:]]

    settings = _export_project(make_project, rename_third_column)
    row = _only(_run_fails(settings), "column_unknown")
    # header row 1, third column C
    assert (row["file"], row["cell"], row["value"]) == (
        "data/raw/fixture/export.csv",
        "C1",
        "ap_reasons__excluded",
    )


def test_export_duplicate_row(make_project):
    settings = _export_project(make_project, lambda lines: [*lines, lines[1]])  # A again on row 7
    row = _only(_run_fails(settings), "la_duplicate")
    # header on row 1, five LAs on rows 2-6, the repeated LA on row 7, la_code in column A
    assert (row["cell"], row["la_code"]) == ("A7", A)
    assert "first on row 2" in row["message"]


@pytest.mark.parametrize("fmt", ["workbook", "export"])
def test_la_code_not_in_frame_names_the_code_cell(make_project, fmt):
    if fmt == "workbook":
        settings = _project(make_project)
        wb = build_workbook(settings.codebook, "fixture", "E99999999", "Nowhere", fw.ANSWERS[A])
        save_deterministic(wb, settings.returns_dir / return_filename("E99999999", "Nowhere"))
        expected = ("Cover", "C4")
    else:
        settings = _export_project(make_project, lambda lines: [*lines, lines[1].replace(A, "E99999999", 1)])
        expected = ("", "A7")  # a CSV has no sheet; the code is in column A of row 7
    row = _only(_run_fails(settings), "la_code_not_in_frame")
    assert (row["sheet"], row["cell"]) == expected
