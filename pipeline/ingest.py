"""Ingest: read every return of a wave into one long ``responses`` table.

Two input formats give the same table: per-LA return workbooks (one .xlsx per LA) and a
single export with one row per LA and one column per answer item (.xlsx or .csv). Every
value keeps the file, sheet and cell it came from, so problems can be pointed at.
Files that cannot be read at all become problems, not exceptions: the whole wave is read.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .codebook import Codebook
from .config import Settings
from .workbook import (
    COVER_SHEET,
    LA_CODE_CELL,
    LA_NAME_CELL,
    FileProblem,
    canonical,
    cell_at,
    check_file,
    col_letter,
    expected_sheets,
    formula_cells,
    read_sheet_cells,
    workbook_layout,
)

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
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def read_return_workbook(path: Path, codebook: Codebook, wave: str, root: Path, engine: str = "calamine"):
    """One LA's return workbook -> (response rows, problems)."""
    fname = _rel(path, root)
    try:
        check_file(path)
        sheets = read_sheet_cells(path, engine)
        formulas = formula_cells(path)
    except FileProblem as exc:
        return [], [problem(fname, rule=exc.rule, message=str(exc))]
    except Exception as exc:  # noqa: BLE001 - any reader failure is a problem with this file
        return [], [problem(fname, rule="file_unreadable", message=f"cannot read the workbook: {exc}")]

    problems: list[dict] = []
    expected = expected_sheets(codebook)
    for name in sheets:
        if name not in expected:
            problems.append(problem(fname, name, rule="sheet_unknown", message=f"unexpected sheet {name!r}"))
    if COVER_SHEET not in sheets:
        problems.append(
            problem(
                fname,
                COVER_SHEET,
                rule="la_code_missing",
                message="no Cover sheet with the LA code",
            )
        )
        return [], problems
    cover = sheets[COVER_SHEET]
    code_cell = canonical(cell_at(cover, LA_CODE_CELL))
    la_code = code_cell.text if code_cell else ""
    if not la_code:
        problems.append(
            problem(
                fname,
                COVER_SHEET,
                LA_CODE_CELL,
                rule="la_code_missing",
                message="the LA code cell is empty",
            )
        )
        return [], problems
    name_cell = canonical(cell_at(cover, LA_NAME_CELL))

    rows: list[dict] = []
    for layout in workbook_layout(codebook):
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
        for ref in formulas.get(layout.name, []):
            problems.append(
                problem(
                    fname,
                    layout.name,
                    ref,
                    la_code,
                    rule="formula",
                    message="the cell holds a formula; type the value instead",
                )
            )
        moved = [(row, qid) for row, qid in layout.question_rows if cell_at(grid, f"A{row}") != qid]
        if moved:
            row, qid = moved[0]
            problems.append(
                problem(
                    fname,
                    layout.name,
                    f"A{row}",
                    la_code,
                    qid,
                    cell_at(grid, f"A{row}"),
                    rule="layout_changed",
                    message=f"question {qid!r} is no longer in row {row}: rows or columns were added or "
                    "removed, so answers cannot be matched to questions; use an unchanged template",
                )
            )
            continue
        for inp in layout.inputs:
            cv = canonical(cell_at(grid, inp.ref))
            if cv is None:
                continue
            rows.append(_row(wave, la_code, inp.item, cv, fname, layout.name, inp.ref))
    for r in rows:
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


def read_export(path: Path, codebook: Codebook, wave: str, root: Path):
    """A one-row-per-LA export (.csv or .xlsx) -> (response rows, problems)."""
    fname = _rel(path, root)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        return [], [problem(fname, rule="file_unexpected_type", message="the export must be .csv or .xlsx")]
    if path.stat().st_size == 0:
        return [], [problem(fname, rule="file_empty", message="the file is empty (0 bytes)")]
    sheet = ""
    try:
        if suffix == ".csv":
            table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            header = list(table.columns)
            records = table.to_numpy().tolist()
        else:
            check_file(path)
            sheets = read_sheet_cells(path)
            sheet = next(iter(sheets))
            grid = sheets[sheet]
            header = [str(h).strip() for h in grid[0]] if grid else []
            records = grid[1:]
            formulas = formula_cells(path).get(sheet, [])
    except FileProblem as exc:
        return [], [problem(fname, rule=exc.rule, message=str(exc))]
    except Exception as exc:  # noqa: BLE001
        return [], [problem(fname, rule="file_unreadable", message=f"cannot read the export: {exc}")]

    problems: list[dict] = []
    if suffix == ".xlsx":
        for ref in formulas:
            problems.append(
                problem(
                    fname,
                    sheet,
                    ref,
                    rule="formula",
                    message="the cell holds a formula; type the value instead",
                )
            )
    if "la_code" not in header:
        return [], problems + [
            problem(fname, sheet, "A1", rule="la_code_missing", message="no la_code column")
        ]
    items = codebook.items
    columns = {}
    for j, name in enumerate(header):
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
        la_name = canonical(rec[name_j]).text if name_j is not None and canonical(rec[name_j]) else ""
        where = {
            "code_sheet": sheet,
            "code_cell": f"{col_letter(code_j + 1)}{i}",
            "name_cell": f"{col_letter(name_j + 1)}{i}" if name_j is not None else "",
        }
        n_before = len(rows)
        for j, name in columns.items():
            if name in ("la_code", "la_name", "") or j >= len(rec):
                continue
            cv = canonical(rec[j])
            if cv is None:
                continue
            row = _row(wave, la_code, items[name], cv, fname, sheet, f"{col_letter(j + 1)}{i}")
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


def return_files(settings: Settings) -> list[Path]:
    d = settings.returns_dir
    if d is None or not d.exists():
        return []
    return sorted(p for p in d.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))


def read_wave(settings: Settings, engine: str = "calamine") -> tuple[pd.DataFrame, list[dict]]:
    """Every return of the wave -> (raw responses incl. 'la_name_given', problems)."""
    codebook = settings.codebook
    rows: list[dict] = []
    problems: list[dict] = []
    for path in return_files(settings):
        r, p = read_return_workbook(path, codebook, settings.wave, settings.root, engine)
        rows += r
        problems += p
    if settings.export_file is not None:
        if settings.export_file.exists():
            r, p = read_export(settings.export_file, codebook, settings.wave, settings.root)
            rows += r
            problems += p
        else:
            problems.append(
                problem(
                    _rel(settings.export_file, settings.root),
                    rule="file_unreadable",
                    message="the export file named in the wave config does not exist",
                )
            )
    if not rows and not problems:
        problems.append(
            problem(
                str(settings.returns_dir),
                rule="file_unreadable",
                message="no returns found for this wave",
            )
        )
    columns = response_columns(codebook) + READER_COLUMNS
    df = pd.DataFrame(rows, columns=columns)
    return df, problems
