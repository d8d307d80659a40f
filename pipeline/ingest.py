"""Ingest: read every return of a wave into one long ``responses`` table.

Two input formats give the same table: per-LA return workbooks (one .xlsx per LA) and a
single export with one row per LA and one column per answer item (.xlsx or .csv). Every
value keeps the file, sheet and cell it came from, so problems can be pointed at.
Files that cannot be read at all become problems, not exceptions: the whole wave is read.
Reading needs no pandas (``read_rows``): a run reads its returns in a process forked before
pandas is imported, on the core the start of a run leaves idle; ``read_wave`` makes the table.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import pickle
import signal
import sys
import tempfile
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from .codebook import Codebook
from .config import Settings
from .workbook import (
    COVER_SHEET,
    LA_CODE_CELL,
    LA_NAME_CELL,
    MAX_SHEET_CELLS,
    WAVE_CELL,
    CellValue,
    FileProblem,
    SheetFacts,
    SheetLayout,
    canonical,
    cell_at,
    cell_ref,
    check_file,
    col_letter,
    expected_sheets,
    percent_typed,
    range_cells,
    read_sheet_cells,
    sheet_facts,
    unreadable_numbers,
    value_at,
    workbook_layout,
)

if TYPE_CHECKING:
    import pandas as pd

BASE_COLUMNS = ["wave", "la_code", "question_id", "item"]
SOURCE_COLUMNS = ["value", "kind", "source_file", "source_sheet", "source_cell"]
# Where each return gave its LA code and name (for problems about the LA itself).
READER_COLUMNS = ["la_name_given", "code_sheet", "code_cell", "name_cell"]
PROBLEM_COLUMNS = [
    "file",
    "sheet",
    "cell",
    "la_code",
    "question_id",
    "value",
    "rule",
    "severity",
    "message",
]


# An empty answer cell of a required question: not an answer, only where it should have been.
BLANK = CellValue("", "blank")


def response_columns(codebook: Codebook) -> list[str]:
    return BASE_COLUMNS + codebook.dimension_columns + SOURCE_COLUMNS


def problem(file="", sheet="", cell="", la_code="", question_id="", value="", *, rule, message) -> dict:
    """A problem record; severity is filled from config/validation.yaml later."""
    return {
        "file": str(file),
        "sheet": sheet,
        "cell": cell,
        "la_code": la_code,
        "question_id": question_id,
        "value": "" if value is None else str(value),
        "rule": rule,
        "severity": "",
        "message": message,
    }


def _rel(path: Path, root: Path) -> str:
    """The path as the user sees it, relative to the project root.

    A symbolic link keeps its own name (the link is not resolved), so no absolute path of the
    machine reaches the outputs; a file outside the root is named relative to it ('../...').
    """
    here, base = os.path.abspath(path), os.path.abspath(root)
    rel = os.path.relpath(here, base)
    if rel.startswith(".."):  # the root or the folder may be reached through a link
        real = os.path.join(os.path.realpath(os.path.dirname(here)), os.path.basename(here))
        rel = os.path.relpath(real, os.path.realpath(base))
    return Path(rel).as_posix()


def expected_wave_labels(wave: str) -> set[str]:
    """What the cover's survey wave cell may hold for this wave (compared case-blind)."""
    return {wave.strip().lower()}


def _cover_problems(cover: list[list], fname: str, la_code: str, wave: str) -> list[dict]:
    """The cover's survey wave must be the wave being processed (a return of another year is an error)."""
    cv = canonical(cell_at(cover, WAVE_CELL))
    if cv is None:
        return [
            problem(
                fname,
                COVER_SHEET,
                WAVE_CELL,
                la_code,
                rule="wave_missing",
                message=f"the survey wave cell is empty; it should say {wave}",
            )
        ]
    if cv.text.strip().lower() not in expected_wave_labels(wave):
        return [
            problem(
                fname,
                COVER_SHEET,
                WAVE_CELL,
                la_code,
                value=cv.text,
                rule="wave_mismatch",
                message=f"the return is for survey wave {cv.text!r}, not {wave}: use this wave's template",
            )
        ]
    return []


_EXPECTED_CELLS: dict[int, tuple[SheetLayout, frozenset[tuple[int, int]]]] = {}


def _expected_cells(layout: SheetLayout) -> frozenset[tuple[int, int]]:
    """(row, col) of every cell the template fills or leaves for answers on a section sheet
    (kept per layout object: layouts are cached, and hold unhashable questions)."""
    hit = _EXPECTED_CELLS.get(id(layout))
    if hit is not None and hit[0] is layout:
        return hit[1]
    cells = {(1, 2), (2, 2)}  # title and instruction line
    cells |= {(lab.row, lab.col) for lab in layout.labels}
    cells |= {(inp.row, inp.col) for inp in layout.inputs}
    cells |= {(row, 1) for row, _ in layout.question_rows}
    _EXPECTED_CELLS[id(layout)] = (layout, frozenset(cells))
    return _EXPECTED_CELLS[id(layout)][1]


def _layout_problem(fname, sheet, ref, la_code, qid, value, message) -> dict:
    return problem(fname, sheet, ref, la_code, qid, value, rule="layout_changed", message=message)


def _sheet_layout_problems(grid: list[list], layout: SheetLayout, fname: str, la_code: str) -> list[dict]:
    """Rows and columns where the template put them: question ids in the hidden column A (rows)
    and the column headers of grids (columns); a mismatch means answers cannot be matched."""
    moved = [(row, qid) for row, qid in layout.question_rows if value_at(grid, row, 1) != qid]
    if moved:
        row, qid = moved[0]
        return [
            _layout_problem(
                fname,
                layout.name,
                f"A{row}",
                la_code,
                qid,
                cell_at(grid, f"A{row}"),
                f"question {qid!r} is no longer in row {row}: rows or columns were added or "
                "removed, so answers cannot be matched to questions; use an unchanged template",
            )
        ]
    for lab in layout.labels:
        if lab.style not in _MOVED:
            continue
        ref = cell_ref(lab.row, lab.col)
        found = canonical(cell_at(grid, ref))
        if (found.text if found else "") != lab.text:
            what, how = _MOVED[lab.style]
            return [
                _layout_problem(
                    fname,
                    layout.name,
                    ref,
                    la_code,
                    "",
                    found.text if found else "",
                    f"the {what} {lab.text!r} is no longer in {ref}: {how}, so answers cannot be "
                    "matched; use an unchanged template",
                )
            ]
    return []


# Labels that place answers: a column header or row label found elsewhere means the grid moved
# (rows sorted or swapped keep their hidden question id in column A, so only the label shows it).
_MOVED = {
    "header": ("column header", "columns were added, removed or moved"),
    "row": ("row label", "rows were moved, sorted or relabelled"),
}


def _stray_cells(grid: list[list], layout: SheetLayout, fname: str, la_code: str) -> list[dict]:
    """Values outside the template's cells: an inserted column or an answer typed beside its cell
    would otherwise be lost without a word."""
    expected = _expected_cells(layout)
    out = []
    for r, row in enumerate(grid, start=1):
        filled = [(c, v) for c, v in enumerate(row, start=1) if v is not None and v != ""]
        for c, v in filled:
            if (r, c) in expected:
                continue
            cv = canonical(v)
            if cv is None:
                continue
            out.append(
                problem(
                    fname,
                    layout.name,
                    cell_ref(r, c),
                    la_code,
                    value=cv.text,
                    rule="cell_outside_answers",
                    message="a value outside the answer cells is not read: type answers only in the "
                    "yellow cells of an unchanged template (no inserted rows or columns)",
                )
            )
    for lab in layout.labels:  # a question or help text overwritten: perhaps an answer typed there
        if lab.style in _MOVED:
            continue
        found = canonical(value_at(grid, lab.row, lab.col))
        if found is not None and found.text != lab.text:
            out.append(
                problem(
                    fname,
                    layout.name,
                    cell_ref(lab.row, lab.col),
                    la_code,
                    value=found.text,
                    rule="cell_outside_answers",
                    message="the template's text in this cell was changed; a value typed outside "
                    "the answer cells is not read: type answers only in the yellow cells",
                )
            )
    return out


def _formula_problems(fname: str, sheet: str, refs, la_code: str = "") -> list[dict]:
    """A finding per cell holding a formula: returns hold typed values only."""
    return [
        problem(
            fname,
            sheet,
            ref,
            la_code,
            rule="formula",
            message="the cell holds a formula; type the value instead",
        )
        for ref in refs
    ]


MERGED_MESSAGE = (
    "cells are merged, so only the first of them can be read: unmerge them and type each answer in "
    "its own cell"
)


def _merged_answer_problems(facts: SheetFacts | None, layout: SheetLayout, fname: str, la_code: str):
    if facts is None or not facts.merged:
        return []
    inputs = {inp.ref: inp for inp in layout.inputs}
    out = []
    for rng in facts.merged:
        hit = [inputs[c] for c in range_cells(rng) if c in inputs]
        if hit:
            out.append(
                problem(
                    fname,
                    layout.name,
                    rng,
                    la_code,
                    hit[0].question.id,
                    rule="merged_cells",
                    message="answer " + MERGED_MESSAGE,
                )
            )
    return out


def _unreadable(path: Path, fname: str, exc: Exception) -> list[dict]:
    """A workbook the reader refused: the number cells holding text that made it refuse, by
    cell, if that is why; otherwise the file with the reader's message."""
    try:
        bad = unreadable_numbers(path)
    except Exception:  # noqa: BLE001 - the file is damaged beyond that: say so below
        bad = []
    if not bad:
        return [problem(fname, rule="file_unreadable", message=f"cannot read the workbook: {exc}")]
    return [
        problem(
            fname,
            sheet,
            ref,
            value=text,
            rule="type",
            message="a number cell holds text, so the workbook cannot be read: type the number "
            "(or clear the cell) and save the file again",
        )
        for sheet, ref, text in bad
    ]


FAR_CELLS_NAMED = 5  # far values named one by one per sheet; the rest in one finding


def _far_problems(facts: SheetFacts, sheet: str, fname: str, la_code: str) -> list[dict]:
    """The values that make a sheet too large to read (``SheetFacts.far``): the first few one by
    one, the rest (a filled-down column can hold a million) as one finding over their range."""
    rows, cols = facts.size
    why = (
        f"with it the sheet spans {rows:,} rows x {cols:,} columns from A1, more than the "
        f"{MAX_SHEET_CELLS:,} cells read, so the sheet is not read"
    )
    named, rest = facts.far[:FAR_CELLS_NAMED], facts.far[FAR_CELLS_NAMED:]
    out = [
        problem(
            fname,
            sheet,
            ref,
            la_code,
            value=text,
            rule="cell_outside_answers",
            message=f"a value far outside the answer cells: {why}; clear this cell (or copy the "
            "answers into an unchanged template)",
        )
        for ref, text in named
    ]
    if rest:
        out.append(
            problem(
                fname,
                sheet,
                f"{rest[0][0]}:{rest[-1][0]}",
                la_code,
                rule="cell_outside_answers",
                message=f"{len(rest):,} more values far outside the answer cells, from {rest[0][0]} "
                f"to {rest[-1][0]}: {why}; clear them (or copy the answers into an unchanged template)",
            )
        )
    return out


def _read_workbook(path: Path, engine: str = "calamine") -> tuple[dict, dict, dict]:
    """(facts, sheets too large to read, cell grids) of an xlsx file: the facts first, so that a
    sheet too large to read (``SheetFacts.far``) is never given to the reader."""
    check_file(path)
    facts = sheet_facts(path)
    too_large = {name: f for name, f in facts.items() if f.far}
    return facts, too_large, read_sheet_cells(path, engine, skip=too_large)


def _no_la_code(fname: str, message: str, cell: str = LA_CODE_CELL) -> dict:
    return problem(fname, COVER_SHEET, cell, rule="la_code_missing", message=message)


def read_return_workbook(
    path: Path, codebook: Codebook, wave: str, root: Path, engine: str = "calamine", blanks=None
):
    """One LA's return workbook -> (response rows, problems).

    ``blanks``, if a list, receives a row (kind 'blank') for each empty answer cell of a
    required question, so that a missing answer can be pointed at its cell.
    """
    fname = _rel(path, root)
    try:
        facts, too_large, sheets = _read_workbook(path, engine)
    except FileProblem as exc:
        return [], [problem(fname, rule=exc.rule, message=str(exc))]
    except Exception as exc:  # noqa: BLE001 - any reader failure is a problem with this file
        return [], _unreadable(path, fname, exc)

    problems: list[dict] = []
    expected = expected_sheets(codebook)
    for name in [*sheets, *(n for n in too_large if n not in sheets)]:
        if name not in expected:
            problems.append(problem(fname, name, rule="sheet_unknown", message=f"unexpected sheet {name!r}"))
    if COVER_SHEET in too_large:
        problems += _far_problems(too_large[COVER_SHEET], COVER_SHEET, fname, "")
        problems.append(
            _no_la_code(
                fname,
                "the Cover sheet is not read (a value far outside it, reported at its cell), "
                "so the LA code is not known",
            )
        )
        return [], problems
    if COVER_SHEET not in sheets:
        problems.append(_no_la_code(fname, "no Cover sheet with the LA code", cell=""))
        return [], problems
    cover = sheets[COVER_SHEET]
    code_cell = canonical(cell_at(cover, LA_CODE_CELL))
    la_code = code_cell.text if code_cell else ""
    cover_formulas = facts[COVER_SHEET].formulas if COVER_SHEET in facts else []
    identity = (LA_CODE_CELL, LA_NAME_CELL, WAVE_CELL)  # the cells that say whose return it is
    problems += _formula_problems(fname, COVER_SHEET, [r for r in cover_formulas if r in identity], la_code)
    if not la_code:
        problems.append(_no_la_code(fname, "the LA code cell is empty"))
        return [], problems
    name_cell = canonical(cell_at(cover, LA_NAME_CELL))
    problems += _cover_problems(cover, fname, la_code, wave)
    for name, far in too_large.items():
        problems += _far_problems(far, name, fname, la_code)

    rows: list[dict] = []
    n_blanks = len(blanks) if blanks is not None else 0
    for layout in workbook_layout(codebook):
        if layout.name in too_large:  # reported above; like a changed layout, the sheet is not read
            continue
        grid = sheets.get(layout.name)
        if grid is None:
            problems.append(
                problem(
                    fname,
                    layout.name,
                    la_code=la_code,
                    rule="sheet_missing",
                    message=f"sheet {layout.name!r} is missing",
                )
            )
            continue
        sheet_facts_ = facts.get(layout.name)
        problems += _formula_problems(
            fname, layout.name, sheet_facts_.formulas if sheet_facts_ else [], la_code
        )
        moved = _sheet_layout_problems(grid, layout, fname, la_code)
        if moved:
            problems += moved
            continue
        problems += _merged_answer_problems(sheet_facts_, layout, fname, la_code)
        problems += _stray_cells(grid, layout, fname, la_code)
        errors = sheet_facts_.errors if sheet_facts_ else {}
        percent = sheet_facts_.percent if sheet_facts_ else set()
        for inp in layout.inputs:
            if inp.ref in errors:
                cv = CellValue(errors[inp.ref], "error")
            else:  # by row and column: the reference is not parsed again
                v = value_at(grid, inp.row, inp.col)
                cv = None if v is None else canonical(v)
            if cv is None:
                if blanks is not None and inp.question.required:
                    blanks.append(_row(wave, la_code, inp.item, BLANK, fname, layout.name, inp.ref))
                continue
            if cv.kind == "number" and inp.ref in percent:
                cv = percent_typed(cv)
            rows.append(_row(wave, la_code, inp.item, cv, fname, layout.name, inp.ref))
    for r in rows + (blanks[n_blanks:] if blanks is not None else []):
        r["la_name_given"] = name_cell.text if name_cell else ""
        r["code_sheet"], r["code_cell"], r["name_cell"] = COVER_SHEET, LA_CODE_CELL, LA_NAME_CELL
    if not rows:
        rows.append(
            {
                "wave": wave,
                "la_code": la_code,
                "question_id": "",
                "item": "",
                "la_name_given": name_cell.text if name_cell else "",
                "code_sheet": COVER_SHEET,
                "code_cell": LA_CODE_CELL,
                "name_cell": LA_NAME_CELL,
                "source_file": fname,
                "source_sheet": COVER_SHEET,
                "source_cell": LA_CODE_CELL,
                "value": "",
                "kind": "empty",
            }
        )
    return rows, problems


def _row(wave, la_code, item, cv, fname, sheet, ref) -> dict:
    row = {
        "wave": wave,
        "la_code": la_code,
        "question_id": item.question_id,
        "item": item.key,
        "value": cv.text,
        "kind": cv.kind,
        "source_file": fname,
        "source_sheet": sheet,
        "source_cell": ref,
    }
    row.update(item.dim_dict)
    return row


CSV_FIELD_LIMIT = 1 << 24  # characters in one CSV field (the csv module's default is 131,072)


def read_export(path: Path, codebook: Codebook, wave: str, root: Path, blanks=None):
    """A one-row-per-LA export (.csv or .xlsx) -> (response rows, problems); ``blanks`` as for
    ``read_return_workbook``."""
    fname = _rel(path, root)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        return [], [problem(fname, rule="file_unexpected_type", message="the export must be .csv or .xlsx")]
    if path.stat().st_size == 0:
        return [], [problem(fname, rule="file_empty", message="the file is empty (0 bytes)")]
    sheet = ""
    errors: dict[str, str] = {}
    percent: set[str] = set()
    formulas: list[str] = []
    merged: list[str] = []
    other_sheets: dict[str, list[list]] = {}
    unclosed: tuple[int, int] | None = None
    try:
        if suffix == ".csv":
            # the csv module, not pandas: pandas renames a repeated column ('x.1') and hides it
            # a long free-text answer is read, not a failure of the whole export
            csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
            with open(path, encoding="utf-8-sig", newline="") as fh:
                text = fh.read()
            grid = list(csv.reader(io.StringIO(text, newline="")))
            unclosed = _unclosed_quote(text, grid)
        else:
            all_facts, too_large, sheets = _read_workbook(path)
            first = next(iter(all_facts), None)
            if first in too_large:  # the export's sheet: nothing of it is read
                return [], _far_problems(too_large[first], first, fname, "")
            sheet = next(iter(sheets))
            grid = sheets[sheet]
            other_sheets = {name: g for name, g in sheets.items() if name != sheet}
            facts = all_facts.get(sheet)
            if facts is not None:
                formulas, errors, percent = facts.formulas, facts.errors, facts.percent
                merged = facts.merged
        header = [str(h).strip() if h is not None else "" for h in grid[0]] if grid else []
        records = grid[1:]
    except FileProblem as exc:
        return [], [problem(fname, rule=exc.rule, message=str(exc))]
    except UnicodeDecodeError:
        return [], [
            problem(fname, rule="file_unreadable", message="the CSV is not UTF-8 text: save it as CSV UTF-8")
        ]
    except Exception as exc:  # noqa: BLE001
        return [], [problem(fname, rule="file_unreadable", message=f"cannot read the export: {exc}")]

    problems = _formula_problems(fname, sheet, formulas)
    if unclosed is not None:
        i, j = unclosed
        problems.append(
            problem(
                fname,
                sheet,
                f"{col_letter(j + 1)}{i}",
                rule="file_unreadable",
                message=f"a quote opened in row {i} is never closed, so every line after it is read "
                "as part of this one cell and the rows below are lost: close the quote (or remove it)",
            )
        )
    problems += _other_sheet_values(other_sheets, fname, sheet)
    problems += [problem(fname, sheet, rng, rule="merged_cells", message=MERGED_MESSAGE) for rng in merged]
    if "la_code" not in header:
        return [], problems + [
            problem(fname, sheet, "A1", rule="la_code_missing", message="no la_code column")
        ]
    items = codebook.items
    required = {q.id for q in codebook.questions.values() if q.required}
    columns = {}
    first_seen: dict[str, int] = {}
    for j, name in enumerate(header):
        if name and name in first_seen:
            problems.append(
                problem(
                    fname,
                    sheet,
                    f"{col_letter(j + 1)}1",
                    value=name,
                    rule="column_duplicate",
                    message=f"column {name!r} appears again (first in column "
                    f"{col_letter(first_seen[name] + 1)}): keep one column per question item",
                )
            )
            continue
        first_seen[name] = j
        if name in ("la_code", "la_name", "") or name in items:
            columns[j] = name
        else:
            problems.append(
                problem(
                    fname,
                    sheet,
                    f"{col_letter(j + 1)}1",
                    value=name,
                    rule="column_unknown",
                    message=f"column {name!r} is not a question item of the codebook",
                )
            )
    code_j = header.index("la_code")
    name_j = header.index("la_name") if "la_name" in header else None
    rows: list[dict] = []
    seen: dict[str, int] = {}
    for i, rec in enumerate(records, start=2):
        code_cv = canonical(rec[code_j]) if code_j < len(rec) else None
        if code_cv is None:
            if any(canonical(v) for v in rec):
                problems.append(
                    problem(
                        fname,
                        sheet,
                        f"{col_letter(code_j + 1)}{i}",
                        rule="la_code_missing",
                        message="row has answers but no LA code",
                    )
                )
            continue
        la_code = code_cv.text
        if la_code in seen:
            problems.append(
                problem(
                    fname,
                    sheet,
                    f"{col_letter(code_j + 1)}{i}",
                    la_code,
                    value=la_code,
                    rule="la_duplicate",
                    message=f"LA {la_code} appears again (first on row {seen[la_code]})",
                )
            )
            continue
        seen[la_code] = i
        problems += _headless_cells(rec, header, fname, sheet, i, la_code)
        name_cv = canonical(rec[name_j]) if name_j is not None and name_j < len(rec) else None
        la_name = name_cv.text if name_cv else ""
        where = {
            "code_sheet": sheet,
            "code_cell": f"{col_letter(code_j + 1)}{i}",
            "name_cell": f"{col_letter(name_j + 1)}{i}" if name_j is not None else "",
        }
        n_before = len(rows)
        extra = {"la_name_given": la_name, **where}
        for j, name in columns.items():
            if name in ("la_code", "la_name", ""):
                continue
            if j >= len(rec):
                rec = [*rec, *[""] * (j + 1 - len(rec))]
            ref = f"{col_letter(j + 1)}{i}"
            cv = CellValue(errors[ref], "error") if ref in errors else canonical(rec[j])
            if cv is None:
                if blanks is not None and items[name].question_id in required:
                    blanks.append(_row(wave, la_code, items[name], BLANK, fname, sheet, ref) | extra)
                continue
            if cv.kind == "number" and ref in percent:
                cv = percent_typed(cv)
            row = _row(wave, la_code, items[name], cv, fname, sheet, ref)
            row["la_name_given"] = la_name
            row.update(where)
            rows.append(row)
        if len(rows) == n_before:
            rows.append(
                {
                    "wave": wave,
                    "la_code": la_code,
                    "question_id": "",
                    "item": "",
                    "la_name_given": la_name,
                    **where,
                    "source_file": fname,
                    "source_sheet": sheet,
                    "source_cell": f"{col_letter(code_j + 1)}{i}",
                    "value": "",
                    "kind": "empty",
                }
            )
    return rows, problems


def _unclosed_quote(text: str, grid: list[list]) -> tuple[int, int] | None:
    """(row, column index) of the cell a quote that never closes has swallowed: with an odd number
    of quote characters (doubled quotes inside a field come in pairs), the last field of the last
    row then runs over several lines to the end of the file."""
    if text.count('"') % 2 == 0 or not grid or not grid[-1]:
        return None
    last = grid[-1][-1]
    return (len(grid), len(grid[-1]) - 1) if "\n" in last or "\r" in last else None


def _other_sheet_values(sheets: dict[str, list[list]], fname: str, first: str) -> list[dict]:
    """An export is read from its first sheet only: the first value of any other sheet (a hidden
    first sheet, or rows continued on a second one) is reported, not silently left out."""
    out = []
    for name, grid in sheets.items():
        hit = next(
            ((r, c, v) for r, row in enumerate(grid, 1) for c, v in enumerate(row, 1) if canonical(v)),
            None,
        )
        if hit:
            r, c, v = hit
            out.append(
                problem(
                    fname,
                    name,
                    cell_ref(r, c),
                    value=canonical(v).text,
                    rule="cell_outside_answers",
                    message=f"an export is read from its first sheet ({first!r}) only: the values on "
                    f"sheet {name!r} are not read; put every LA's row on the first sheet",
                )
            )
    return out


def _headless_cells(rec: list, header: list[str], fname: str, sheet: str, i: int, la_code: str) -> list[dict]:
    """Values of an export row in a column without a header (or past the last header): no item
    to read them as, so they are reported rather than dropped. An unnamed first column is the row
    index pandas writes by default: it holds no answers and is not read."""
    out = []
    for j, v in enumerate(rec):
        if (j < len(header) and header[j]) or (j == 0 and header and not header[0]):
            continue
        cv = canonical(v)
        if cv is not None:
            out.append(
                problem(
                    fname,
                    sheet,
                    f"{col_letter(j + 1)}{i}",
                    la_code,
                    value=cv.text,
                    rule="cell_outside_answers",
                    message="a value in a column without a header is not read: put it under its "
                    "item's column (or give the column its item name)",
                )
            )
    return out


def _listed(entry: Path) -> bool:
    """Hidden files and Excel's lock files ('~$...') are not returns."""
    return not entry.name.startswith((".", "~$"))


def _hidden_return(entry: Path) -> bool:
    """A hidden file that may be a return: a workbook or CSV name after the '.' (not macOS's
    '._x' copies; '.gitkeep' or '.DS_Store' are no returns)."""
    name = entry.name
    return (
        name.startswith(".")
        and not name.startswith("._")
        and entry.suffix.lower() in {".xlsx", ".xlsm", ".xls", ".csv", ".ods"}
        and entry.is_file()
    )


def return_files(settings: Settings) -> list[Path]:
    """The readable files of the returns folder; links are followed (their own name is kept)."""
    d = settings.returns_dir
    if d is None or not d.exists():
        return []
    return sorted(p for p in d.iterdir() if _listed(p) and p.is_file())


def returns_folder_problems(settings: Settings) -> list[dict]:
    """Entries of the returns folder that are not read: a link to nothing is an error (the LA
    would silently become a non-respondent); a sub-folder is a warning (returns are not
    searched for in sub-folders)."""
    d = settings.returns_dir
    if d is None or not d.exists():
        return []
    out = []
    for p in sorted(d.iterdir()):
        if _hidden_return(p):
            out.append(
                problem(
                    _rel(p, settings.root),
                    rule="file_hidden",
                    message="a hidden file (its name starts with '.') is not read: if it is a "
                    "return, remove the leading '.' from its name",
                )
            )
        if not _listed(p) or p.is_file():
            continue
        fname = _rel(p, settings.root)
        if p.is_symlink() and not p.exists():
            out.append(
                problem(
                    fname,
                    rule="file_link_dangling",
                    message="the link points to a file that does not exist: replace it with the return",
                )
            )
        elif p.is_dir():
            out.append(
                problem(
                    fname,
                    rule="folder_ignored",
                    message="sub-folders of the returns folder are not read: move any returns out of it",
                )
            )
        else:  # a named pipe, socket or device: never opened (reading a pipe would wait for ever)
            out.append(
                problem(
                    fname,
                    rule="file_unexpected_type",
                    message="not a regular file (a pipe, socket or device): it is not read; put the "
                    "return itself in the folder",
                )
            )
    return out


def _read_one(path: Path, codebook: Codebook, wave: str, root: Path, engine: str = "calamine", export=False):
    """One return (or the export) -> (rows, problems, blank rows): a module-level function, so
    that a process pool can read returns in parallel."""
    blanks: list[dict] = []
    if export:
        rows, problems = read_export(path, codebook, wave, root, blanks)
    else:
        rows, problems = read_return_workbook(path, codebook, wave, root, engine, blanks)
    return rows, problems, blanks


def _read_apart(paths: list[Path], read, root: Path) -> list[tuple[list, list, list]]:
    """``read`` of each path (rows, problems, blank rows), run in a child process forked for the
    purpose. A return whose reading ends that process (the xlsx library aborting when memory runs
    out, a crash) becomes a ``file_unreadable`` problem of its own, and the returns after it are
    read by a new child: the process reading the returns (a run's helper, or the run itself)
    never ends with them, so a run stops with a rewritten validation report, never a stale one.
    Without ``os.fork`` (not POSIX) the returns are read here."""
    if not paths or not hasattr(os, "fork"):
        return [read(p) for p in paths]
    out: list[tuple[list, list, list]] = []
    while len(out) < len(paths):
        done, ended = _read_in_child(paths[len(out) :], read)
        out += done
        if ended is not None:
            fname = _rel(paths[len(out)], root)
            message = (
                f"the file could not be read: the process reading it ended ({ended}); it may be "
                "damaged or far too large: open it in Excel, check it and save it again"
            )
            out.append(([], [problem(fname, rule="file_unreadable", message=message)], []))
    return out


def _read_in_child(paths: list[Path], read) -> tuple[list, str | None]:
    """``read`` of the paths in order, in one forked child, until it ends: the results it sent,
    and why it ended early (None: it did not). An exception of ``read`` is raised here."""
    receive, send = os.pipe()
    with tempfile.TemporaryFile() as said:
        sys.stdout.flush()  # nothing written before the fork is written again by the child
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: results out through the pipe, its standard error into ``said``
            status = 1
            try:
                os.close(receive)
                os.dup2(said.fileno(), 2)
                with open(send, "wb") as out:
                    for path in paths:
                        blob = _result_message(read, path)
                        out.write(len(blob).to_bytes(8, "little") + blob)
                        out.flush()  # each result is out before the next return is read
                status = 0
            except BaseException:  # noqa: BLE001 - said, then this child ends (see finally)
                traceback.print_exc()
            finally:
                os._exit(status)
        os.close(send)
        done: list = []
        try:
            with open(receive, "rb") as results:
                while len(done) < len(paths):
                    head = results.read(8)
                    size = int.from_bytes(head, "little") if len(head) == 8 else -1
                    blob = results.read(size) if size >= 0 else b""
                    if size < 0 or len(blob) < size:
                        break
                    ok, result, trace = pickle.loads(blob)
                    if not ok:
                        result.add_note(f"raised in the process reading the returns:\n{trace}")
                        raise result
                    done.append(result)
        except BaseException:
            os.kill(pid, signal.SIGKILL)  # the child forked above, and only it
            raise
        finally:
            _, status = os.waitpid(pid, 0)
        said.seek(0)
        text = said.read().decode("utf-8", "replace")
    if len(done) == len(paths):
        if text:  # warnings of the reading libraries: shown as if read here
            sys.stderr.write(text)
        return done, None
    return done, _why_ended(status, text)


def _result_message(read, path: Path) -> bytes:
    """(ok, result or exception, traceback text), pickled; an exception that cannot be pickled
    goes as a RuntimeError with its traceback."""
    try:
        return pickle.dumps((True, read(path), ""), pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
        trace = traceback.format_exc()
        try:
            blob = pickle.dumps((False, exc, trace), pickle.HIGHEST_PROTOCOL)
            pickle.loads(blob)
            return blob
        except Exception:  # noqa: BLE001
            return pickle.dumps((False, RuntimeError(trace), trace), pickle.HIGHEST_PROTOCOL)


_CRASH_WORDS = ("memory allocation", "panicked", "Error", "error", "Killed")


def _why_ended(status: int, said: str) -> str:
    """How a child ended early: the line of its standard error that says why (e.g. 'memory
    allocation of 549755813888 bytes failed', the last line of a Python traceback), else its last
    line, and its signal or exit code."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            how = signal.Signals(number).name
        except ValueError:
            how = f"signal {number}"
    else:
        how = f"exit code {os.waitstatus_to_exitcode(status)}"
    lines = [line.strip() for line in said.splitlines() if line.strip()]
    crash = [x for x in lines if any(w in x for w in _CRASH_WORDS)]  # not a warning printed before
    line = (crash or lines[-1:] or [""])[-1]
    return f"{line[:200]}; {how}" if line else how


def _batches(files: list[Path], map_) -> list[list[Path]]:
    """The returns in consecutive batches, one child process each (see ``_read_apart``): one batch
    for the built-in ``map``, one per core for a process pool's (each batch costs a fork and a
    second pickling of its rows, so no more batches than can run at once)."""
    if not files:
        return []
    n = 1 if map_ is map else min(len(files), os.cpu_count() or 2)
    size = -(-len(files) // n)
    return [files[i : i + size] for i in range(0, len(files), size)]


def read_rows(settings: Settings, engine: str = "calamine", map_=map) -> tuple[list[dict], list[dict]]:
    """Every return of the wave -> (response rows incl. 'la_name_given', problems), in plain
    Python (no pandas): see ``read_wave``, which makes them a table.

    ``map_`` applies the reader to batches of files and gives the results in file order (the
    built-in ``map``, or a process pool's ``map`` to read the returns in parallel: same result).
    Each batch is read in a child process of its own (``_read_apart``)."""
    codebook = settings.codebook
    rows: list[dict] = []
    problems: list[dict] = returns_folder_problems(settings)
    blanks: list[dict] = []
    read = functools.partial(
        _read_one, codebook=codebook, wave=settings.wave, root=settings.root, engine=engine
    )
    apart = functools.partial(_read_apart, read=read, root=settings.root)
    results = [r for batch in map_(apart, _batches(return_files(settings), map_)) for r in batch]
    export = settings.export_file
    if export is not None and export.exists():
        results += _read_apart([export], functools.partial(read, export=True), settings.root)
    for r, p, b in results:
        rows += r
        problems += p
        blanks += b
    if export is not None and not export.exists():
        problems.append(
            problem(
                _rel(export, settings.root),
                rule="file_unreadable",
                message="the export file named in the wave config does not exist",
            )
        )
    if not rows and not problems:
        where = settings.returns_dir or export
        problems.append(
            problem(
                _rel(where, settings.root) if where else "",
                rule="file_unreadable",
                message="no returns found for this wave",
            )
        )
    return (rows + blanks if rows else rows), problems


def responses_frame(rows: list[dict], codebook: Codebook) -> pd.DataFrame:
    """The raw responses table of ``read_rows``' rows (the reader's columns, in order)."""
    import pandas as pd  # here, not at the top: the reading process has no pandas

    return pd.DataFrame(rows, columns=response_columns(codebook) + READER_COLUMNS)


def read_wave(settings: Settings, engine: str = "calamine", map_=map) -> tuple[pd.DataFrame, list[dict]]:
    """Every return of the wave -> (raw responses incl. 'la_name_given', problems)."""
    rows, problems = read_rows(settings, engine, map_)
    return responses_frame(rows, settings.codebook), problems
