"""Blank template -> filled in by hand with openpyxl -> read back: exactly what was typed."""

from __future__ import annotations

import zipfile

import openpyxl
import pandas as pd
import pytest

from pipeline.ingest import read_return_workbook
from pipeline.template import build_workbook, save_deterministic, write_templates
from pipeline.workbook import section_layout, workbook_layout

from ..fixtures.fixture_wave import LAS, A, B, C

FRAME = pd.DataFrame({"new_la_code": [A, B, C], "la_name": [LAS[A], LAS[B], LAS[C]]})
SHEETS = [
    "Cover",
    "Instructions",
    "Lists",
    "1 Purpose",
    "2 Provision",
    "3 Costs",
    "4 SEN and SEMH",
    "5 Responsibility",
    "6 Pupils in AP",
    "7 Demand",
    "8 Effectiveness",
]

# What a person types, with the cell it goes in (derived by hand from the layout rules:
# question row, optional help row, header row for two-dimension grids, one row per row value).
# fmt: off
TYPED = [
    # item key, sheet, cell, value typed, canonical text read back, kind
    ("places__pru__ks3", "2 Provision", "D7", 12, "12", "number"),
    ("places__total__ks3", "2 Provision", "D16", 12, "12", "number"),
    ("providers__other", "2 Provision", "C27", 3, "3", "number"),
    ("costs__pru__all_phases", "3 Costs", "C7", 17500.5, "17500.5", "number"),
    ("costs__fe_college__ks5", "3 Costs", "G14", 9000, "9000", "number"),  # 8th provider type: row 7 + 7
    ("strategic_planning", "1 Purpose", "C22", "Agree", "Agree", "text"),
    ("ap_reasons__excluded_pupils", "1 Purpose", "C6", "Yes", "Yes", "text"),
    ("semh_provision", "4 SEN and SEMH", "C17", "No", "No", "text"),
    ("decision_model__secondary", "5 Responsibility", "C6",
     "Fully devolved to schools or partnerships", "Fully devolved to schools or partnerships", "text"),
    ("self_evaluation__value_for_money", "8 Effectiveness", "C10", "Can't say", "Can't say", "text"),
]
# fmt: on


@pytest.fixture
def templates(tmp_path, codebook):
    out = tmp_path / "templates"
    return write_templates(codebook, "fixture", FRAME, out), out


def test_one_template_per_frame_row(templates):
    paths, out = templates
    assert paths == [
        out / "E09000002_barking_and_dagenham.xlsx",
        out / "E08000016_barnsley.xlsx",
        out / "E06000022_bath_and_north_east_somerset.xlsx",
    ]
    assert all(p.is_file() and p.stat().st_size > 0 for p in paths)
    assert sorted(out.iterdir()) == sorted(paths)


def test_cover_sheets_and_protection(templates, codebook):
    paths, _ = templates
    wb = openpyxl.load_workbook(paths[1])
    assert wb.sheetnames == SHEETS
    cover = wb["Cover"]
    assert (cover["C4"].value, cover["C5"].value, cover["C6"].value) == (B, "Barnsley", "fixture")
    assert wb["Lists"].sheet_state == "hidden"
    for ws in wb.worksheets:
        assert ws.protection.sheet, f"sheet {ws.title!r} is not protected"
    costs = wb["3 Costs"]
    assert costs["A4"].value == "costs"  # question id in hidden column A
    assert costs.column_dimensions["A"].hidden
    assert wb["2 Provision"]["A18"].value == "providers"
    n_inputs = 0
    for layout in workbook_layout(codebook):
        ws = wb[layout.name]
        for inp in layout.inputs:
            cell = ws.cell(inp.row, inp.col)
            assert cell.protection.locked is False, f"{layout.name}!{inp.ref} is locked"
            assert cell.value is None  # blank template
            n_inputs += 1
        for lab in layout.labels:
            cell = ws.cell(lab.row, lab.col)
            assert cell.protection.locked is True, f"label {layout.name}!{cell.coordinate} is unlocked"
            assert cell.value == lab.text
    assert n_inputs == len(codebook.items)  # every item has exactly one input cell
    # spot checks of labels: row labels in column B, column headers in the header row
    assert costs["B7"].value == "Pupil referral unit (PRU)" and costs["C6"].value == "All phases"
    assert wb["2 Provision"]["B16"].value == "Total"


def test_dropdowns_for_choice_questions_only(templates, codebook):
    paths, _ = templates
    wb = openpyxl.load_workbook(paths[0])
    for layout in workbook_layout(codebook):
        dvs = wb[layout.name].data_validations.dataValidation
        for inp in layout.inputs:
            covering = [dv for dv in dvs if inp.ref in dv.sqref]
            if inp.question.is_choice:
                assert len(covering) == 1, f"{layout.name}!{inp.ref} ({inp.item.key}) has no dropdown"
                dv = covering[0]
                assert dv.type == "list" and "Lists!" in dv.formula1
            else:
                assert covering == [], f"numeric cell {layout.name}!{inp.ref} has a dropdown"
    # the list behind 'strategic_planning' holds the five likert labels
    purpose = wb["1 Purpose"].data_validations.dataValidation
    (dv,) = [d for d in purpose if "C22" in d.sqref]
    ref = dv.formula1.lstrip("=").split("!")[1].replace("$", "")
    first, last = ref.split(":")
    lists = wb["Lists"]
    labels = [c.value for row in lists[first:last] for c in row]
    assert labels == ["Strongly agree", "Agree", "Disagree", "Strongly disagree", "Can't say"]


def test_typed_cells_match_hand_derived_layout(codebook):
    refs = {}
    for layout in workbook_layout(codebook):
        for inp in layout.inputs:
            refs[inp.item.key] = (layout.name, inp.ref)
    for key, sheet, cell, *_ in TYPED:
        assert refs[key] == (sheet, cell)


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_filled_template_reads_back_exactly(templates, codebook, tmp_path, engine):
    paths, _ = templates
    path = paths[0]
    wb = openpyxl.load_workbook(path)
    for _key, sheet, cell, value, *_ in TYPED:
        wb[sheet][cell] = value
    wb.save(path)

    rows, problems = read_return_workbook(path, codebook, "fixture", root=tmp_path, engine=engine)
    assert problems == []
    got = sorted((r["item"], r["value"], r["kind"], r["source_sheet"], r["source_cell"]) for r in rows)
    expected = sorted((key, text, kind, sheet, cell) for key, sheet, cell, _v, text, kind in TYPED)
    assert got == expected
    for r in rows:
        assert r["la_code"] == A
        assert r["la_name_given"] == "Barking and Dagenham"
        assert r["source_file"] == "templates/E09000002_barking_and_dagenham.xlsx"
        assert r["wave"] == "fixture"
    by_item = {r["item"]: r for r in rows}
    assert by_item["places__pru__ks3"]["provider_type"] == "pru"
    assert by_item["places__pru__ks3"]["phase"] == "ks3"
    assert by_item["places__total__ks3"]["provider_type"] == "total"
    assert by_item["costs__fe_college__ks5"]["cost_phase"] == "ks5"
    assert by_item["decision_model__secondary"]["question_id"] == "decision_model"


def test_blank_template_reads_as_an_la_without_answers(templates, codebook, tmp_path):
    paths, _ = templates
    rows, problems = read_return_workbook(paths[2], codebook, "fixture", root=tmp_path)
    assert problems == []
    # one placeholder row so the LA still counts as having sent a return
    assert len(rows) == 1
    assert (rows[0]["la_code"], rows[0]["question_id"], rows[0]["kind"]) == (C, "", "empty")
    assert (rows[0]["source_sheet"], rows[0]["source_cell"]) == ("Cover", "C4")


ANSWERS = {"places__pru__ks3": 12, "strategic_planning": "agree", "costs__pru__all_phases": 17500}


def test_save_deterministic_same_workbook_twice_is_byte_identical(tmp_path, codebook):
    wb = build_workbook(codebook, "fixture", A, LAS[A], ANSWERS)
    save_deterministic(wb, tmp_path / "one.xlsx")
    save_deterministic(wb, tmp_path / "two.xlsx")
    assert (tmp_path / "one.xlsx").read_bytes() == (tmp_path / "two.xlsx").read_bytes()


def test_save_deterministic_same_content_is_byte_identical(tmp_path, codebook):
    p1, p2 = tmp_path / "one.xlsx", tmp_path / "sub" / "two.xlsx"
    save_deterministic(build_workbook(codebook, "fixture", A, LAS[A], ANSWERS), p1)
    save_deterministic(build_workbook(codebook, "fixture", A, LAS[A], ANSWERS), p2)
    assert p1.read_bytes() == p2.read_bytes()
    with zipfile.ZipFile(p1) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}  # the zip epoch
        core = zf.read("docProps/core.xml").decode()
    assert core.count("1980-01-01T00:00:00Z") == 2  # created and modified are fixed
    # and the bytes change when the content changes
    save_deterministic(
        build_workbook(codebook, "fixture", A, LAS[A], {**ANSWERS, "places__pru__ks3": 13}), p2
    )
    assert p1.read_bytes() != p2.read_bytes()
    # no temporary files left behind
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["one.xlsx", "sub", "two.xlsx"]


def test_build_workbook_writes_labels_for_codes(tmp_path, codebook):
    wb = build_workbook(
        codebook,
        "fixture",
        A,
        LAS[A],
        {"strategic_planning": "cant_say", "same_arrangements": "no", "places__pru__ks3": 12},
    )
    assert wb["1 Purpose"]["C22"].value == "Can't say"
    assert wb["5 Responsibility"]["C9"].value == "No"
    assert wb["2 Provision"]["D7"].value == 12


def test_templates_are_reproducible(tmp_path, codebook):
    a = write_templates(codebook, "fixture", FRAME.iloc[:1], tmp_path / "a")
    b = write_templates(codebook, "fixture", FRAME.iloc[:1], tmp_path / "b")
    assert a[0].read_bytes() == b[0].read_bytes()
    assert section_layout(codebook, "costs").name == "3 Costs"
