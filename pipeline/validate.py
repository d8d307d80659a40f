"""Validate: check every response of a wave against the codebook and the LA frame.

Every problem of the whole wave is collected (never first-error-only) with its file, sheet,
cell, LA, question, value, rule and severity. Errors stop the run before any processed output
is replaced; warnings are reported and the run goes on.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .codebook import TOTAL, Codebook, Question
from .ingest import PROBLEM_COLUMNS, problem, response_columns
from .safe_text import looks_like_formula
from .workbook import COVER_SHEET

SUM_TOLERANCE = 0.5  # shares typed to whole percentages may add up to 100.5 by rounding


# Typed number text: ASCII digits with an optional sign and decimal point only ('digits only' in
# the data contract): no exponents, digit separators ('1_000', '1,000') or non-ASCII digits,
# which Python's float() would accept.
_NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def _number(text: str, typed: bool = False) -> float | None:
    """The number in a cell's canonical text; ``typed`` text must be plain digits (cells that
    hold numbers come as Python's own number text, e.g. '1e+20')."""
    if typed and not _NUMBER_TEXT.fullmatch(text.strip()):
        return None
    try:
        x = float(text)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def check_value(q: Question, text: str, kind: str) -> tuple[str | None, list[tuple[str, str]]]:
    """Parse one answer: (canonical value or None if unusable, [(rule, message), ...])."""
    issues: list[tuple[str, str]] = []
    if kind == "error":
        return None, [
            ("excel_error", f"the cell holds the Excel error {text}: type the answer, or leave it blank")
        ]
    if q.is_numeric and kind == "text" and text.endswith("%"):
        if q.type != "percent":
            return None, [("type", f"expected a number ({q.type}), found a percentage {text!r}")]
        text = text[:-1].strip()
        issues.append(("percent_sign", f"read as {text} (percent); type digits only, without %"))
    if q.is_numeric:
        x = _number(text, typed=kind == "text") if kind in ("number", "text") else None
        if x is None:
            return None, [("type", f"expected a number ({q.type}), found {kind} {text!r}")]
        if q.type == "count" and not float(x).is_integer():
            return None, [("type", f"expected a whole number of {q.unit}, found {text}")]
        if x < 0:
            return None, [("negative", f"{q.unit} cannot be negative")]
        if q.range and not (q.range[0] <= x <= q.range[1]):
            return None, [("range", f"outside the allowed range {q.range[0]:g} to {q.range[1]:g}")]
        if q.plausible and not (q.plausible[0] <= x <= q.plausible[1]):
            issues.append(
                (
                    "plausible",
                    f"outside the plausible range {q.plausible[0]:g} to {q.plausible[1]:g}; please check",
                )
            )
        return _fmt(x), issues
    if q.is_choice:
        lookup = {k.lower(): k for k in q.categories}
        lookup.update({v.lower(): k for k, v in q.categories.items()})
        code = lookup.get(text.strip().lower())
        if code is None:
            allowed = "; ".join(q.categories.values())
            return None, [("category", f"not one of the allowed answers: {allowed}")]
        return code, issues
    if looks_like_formula(text):
        issues.append(("text_formula_like", FORMULA_LIKE_MESSAGE))
    return text, issues


FORMULA_LIKE_MESSAGE = (
    "the text starts like a spreadsheet formula; it is kept, and written with a leading ' so that "
    "no spreadsheet runs it"
)


def _cell_problem(row, rule: str, message: str) -> dict:
    return problem(
        row.source_file,
        row.source_sheet,
        row.source_cell,
        row.la_code,
        row.question_id,
        row.value,
        rule=rule,
        message=message,
    )


def check_cells(raw: pd.DataFrame, codebook: Codebook) -> tuple[pd.DataFrame, list[dict]]:
    """Type, category and range of every answer; returns rows with canonical values."""
    problems: list[dict] = []
    keep: list[bool] = []
    values: list[str | None] = []
    seen: dict[tuple[str, str, str], tuple] = {}  # answers repeat a lot (0, Yes, labels): parse once
    columns = zip(raw["question_id"].tolist(), raw["value"].tolist(), raw["kind"].tolist(), strict=True)
    for i, k in enumerate(columns):
        if k not in seen:
            seen[k] = check_value(codebook.questions[k[0]], k[1], k[2])
        value, issues = seen[k]
        if issues:
            row = next(raw.iloc[[i]].itertuples(index=False))
            for rule, message in issues:
                problems.append(_cell_problem(row, rule, message))
        keep.append(value is not None)
        values.append(value)
    out = raw.assign(value=values)[np.array(keep, dtype=bool)]  # an empty list would select columns
    return out, problems


@lru_cache(maxsize=4096)  # the frame's LA names are compared with every file name
def _words(text: str) -> str:
    """'Barking & Dagenham AP return (final).xlsx' -> ' barking dagenham ap return final xlsx '."""
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("&", " and "))) + " "


def other_la_named(file_name: str, la_code: str, known: dict[str, str]) -> str | None:
    """The code or name of another LA of the frame that the file name contains, if any.

    Any file name is accepted (the LA comes from the code cell); a name that names another LA
    points at a return saved over another LA's file. Whole words only, and a name that is part
    of the return's own LA name (York in North Yorkshire is not whole, Bristol in City of
    Bristol is) does not count.
    """
    words = _words(Path(file_name).stem)
    own = _words(known.get(la_code, ""))
    own_variants = (own, own.replace(" and ", " "))
    for code, name in known.items():
        if code == la_code:
            continue
        if f" {code.lower()} " in words:
            return code
        full = _words(name)
        for candidate in (full, full.replace(" and ", " ")):
            if candidate in words and not any(candidate in o for o in own_variants):
                return name
    return None


def _code_hint(code: str, known: dict[str, str]) -> str:
    """A hint for a code that is a frame code but for case or spaces inside."""
    near = code.upper().replace(" ", "")
    return f" (did you mean {near}? codes are upper case, without spaces)" if near in known else ""


def check_frame(raw: pd.DataFrame, frame: pd.DataFrame) -> list[dict]:
    """LA codes in the frame, one return per LA, names as in the frame, file names that do not
    name another LA, and LA names that do not start like a formula."""
    problems: list[dict] = []
    known = dict(zip(frame["la_code"].tolist(), frame["la_name"].tolist(), strict=True))
    sources = raw.groupby("la_code", sort=True)["source_file"].unique()
    first = raw.drop_duplicates(["la_code", "source_file"])
    for row in first.itertuples(index=False):
        if row.la_code not in known:
            problems.append(
                problem(
                    row.source_file,
                    row.code_sheet,
                    row.code_cell,
                    row.la_code,
                    value=row.la_code,
                    rule="la_code_not_in_frame",
                    message=f"LA code {row.la_code!r} is not one of the {len(known)} LAs of the frame"
                    + _code_hint(row.la_code, known),
                )
            )
        elif row.la_name_given and row.la_name_given.strip().lower() != known[row.la_code].lower():
            problems.append(
                problem(
                    row.source_file,
                    row.code_sheet,
                    row.name_cell,
                    row.la_code,
                    value=row.la_name_given,
                    rule="la_name_mismatch",
                    message=f"LA name differs from the frame ({known[row.la_code]!r})",
                )
            )
        if row.la_name_given and looks_like_formula(row.la_name_given):
            problems.append(
                problem(
                    row.source_file,
                    row.code_sheet,
                    row.name_cell,
                    row.la_code,
                    value=row.la_name_given,
                    rule="text_formula_like",
                    message=FORMULA_LIKE_MESSAGE,
                )
            )
        is_return = row.code_sheet == COVER_SHEET  # an export holds every LA: its name is not checked
        other = (
            other_la_named(row.source_file, row.la_code, known)
            if is_return and row.la_code in known
            else None
        )
        if other:
            problems.append(
                problem(
                    row.source_file,
                    row.code_sheet,
                    row.code_cell,
                    row.la_code,
                    value=Path(row.source_file).name,
                    rule="file_name_other_la",
                    message=f"the file name names {other}, but the return is for LA {row.la_code} "
                    f"({known[row.la_code]}); check that the right return was saved under this name",
                )
            )
    code_cells = {
        (r.la_code, r.source_file): (r.code_sheet, r.code_cell) for r in first.itertuples(index=False)
    }
    for code, files in sources.items():
        if len(files) > 1:
            for f in files:
                sheet, cell = code_cells.get((code, f), ("", ""))
                problems.append(
                    problem(
                        f,
                        sheet,
                        cell,
                        code,
                        value=code,
                        rule="la_duplicate",
                        message=f"more than one return for LA {code}: {', '.join(sorted(files))}",
                    )
                )
    return problems


def check_totals_and_sums(clean: pd.DataFrame, codebook: Codebook) -> list[dict]:
    """Cross-field rules: total rows equal the sum of their parts; shares not above their maximum."""
    problems: list[dict] = []
    for q in codebook.questions.values():
        if not (q.total or q.max_sum) or not q.dimensions:
            continue
        sub = clean[clean["question_id"] == q.id]
        if sub.empty:
            continue
        d1 = q.dimensions[0]
        keys = ["la_code", "source_file", *q.dimensions[1:]]  # a duplicate LA's returns stay apart
        sub = sub.assign(x=sub["value"].astype(float))
        is_total = sub[d1] == TOTAL
        parts = sub[~is_total]
        sums = parts.groupby(keys, sort=True)["x"].sum().rename("parts_sum")
        if q.total:
            # Blank parts of a 'zero' question count as 0, so a Total over empty rows is checked
            # too (otherwise its places would be lost without a word); 'missing' parts are unknown.
            tot = sub[is_total].join(sums, on=keys, how="left" if q.blank == "zero" else "inner")
            tot = tot.assign(parts_sum=tot["parts_sum"].fillna(0.0))
            for t in tot[(tot["x"] - tot["parts_sum"]).abs() > 1e-9].itertuples(index=False):
                problems.append(
                    _cell_problem(
                        t,
                        "total_mismatch",
                        f"total {t.value} does not equal the sum of its parts ({_fmt(t.parts_sum)})",
                    )
                )
        if q.max_sum is not None:
            over = sums[sums > q.max_sum + SUM_TOLERANCE]
            if len(over):
                # the first cell of each column that adds up too much (keys stay columns)
                first = parts.drop_duplicates(keys).set_index(keys, drop=False)
                for k, total in over.items():
                    row = first.loc[[k]].iloc[0]
                    problems.append(
                        problem(
                            row["source_file"],
                            row["source_sheet"],
                            row["source_cell"],
                            row["la_code"],
                            q.id,
                            row["value"],
                            rule="sum_above_max",
                            message=f"this column adds up to {_fmt(total)}, more than {q.max_sum:g}",
                        )
                    )
    return problems


def check_required(clean: pd.DataFrame, raw: pd.DataFrame, codebook: Codebook) -> list[dict]:
    """Every required question has at least one accepted answer; the message names the first
    empty cell the reader saw for it, or else its first rejected answer (none when its sheet or
    column is missing altogether)."""
    problems = []
    answered = set(zip(clean["la_code"].tolist(), clean["question_id"].tolist(), strict=True))
    files = raw.drop_duplicates("la_code").set_index("la_code")["source_file"]
    # the first empty cell, or else the first (rejected) answer: a finding always names a cell
    blanks = raw[raw["kind"] == "blank"].drop_duplicates(["la_code", "question_id"])
    given = raw[raw["kind"] != "blank"].drop_duplicates(["la_code", "question_id"])
    where = {
        (b.la_code, b.question_id): (b.source_sheet, b.source_cell)
        for b in pd.concat([given, blanks]).itertuples(index=False)
    }
    for q in codebook.questions.values():
        if not q.required:
            continue
        sheet = codebook.sections[q.section].sheet
        for code, f in files.items():
            if (code, q.id) not in answered:
                found_sheet, cell = where.get((code, q.id), (sheet, ""))
                at = f" (cell {cell})" if cell else ""
                problems.append(
                    problem(
                        f,
                        found_sheet,
                        cell,
                        code,
                        q.id,
                        rule="required_missing",
                        message=f"question {q.number} must be answered{at}",
                    )
                )
    return problems


def with_severity(problems: list[dict], severity: dict) -> pd.DataFrame:
    df = pd.DataFrame(problems, columns=PROBLEM_COLUMNS)
    if df.empty:
        return df
    df["severity"] = df["rule"].map(severity).fillna("error")
    return df.sort_values(["severity", "file", "sheet", "cell", "rule"], kind="stable").reset_index(drop=True)


def validate(
    raw: pd.DataFrame,
    file_problems: list[dict],
    frame: pd.DataFrame,
    codebook: Codebook,
    severity: dict,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Raw responses -> (clean responses, problem report, responding LA codes)."""
    respondents = sorted(set(raw["la_code"].tolist()))
    answers = raw[(raw["question_id"] != "") & (raw["kind"] != "blank")]
    problems = list(file_problems)
    problems += check_frame(raw, frame)
    clean, cell_problems = check_cells(answers, codebook)
    problems += cell_problems
    problems += check_totals_and_sums(clean, codebook)
    problems += check_required(clean, raw, codebook)
    report = with_severity(problems, severity)
    clean = clean[response_columns(codebook)].sort_values(
        ["la_code", "source_sheet", "source_cell"], kind="stable"
    )
    return clean.reset_index(drop=True), report, respondents


# ------------------------------------------------------------------------------------------------
# The data contract's section on damaged returns (rendered into docs/data-contract.md by docs.py)

# (case, what happens, rule, what to do)
DAMAGED_INPUT_CASES = [
    (
        "Excel error value (`#N/A`, `#DIV/0!`, `#VALUE!`, `#REF!`, `#NAME?`, `#NUM!`, `#NULL!`) "
        "typed, pasted or computed in an answer cell, or written as text in an export",
        "the cell is reported, never read as blank",
        "excel_error",
        "type the answer, or leave the cell empty if there is none",
    ),
    (
        "a percentage typed with `%` (Excel stores `5%` as 0.05 in a cell it then formats as a percentage; "
        "an export may hold the text `5%`)",
        "accepted and converted: read as 5 (percent) with a warning; `%` after a count or an "
        "amount is a `type` error",
        "percent_sign",
        "type digits only (`5`)",
    ),
    (
        "answer cells merged with each other (or with a neighbour); in an `.xlsx` export, any merged cells",
        "only the first cell of a merged range holds a value, so the range is reported",
        "merged_cells",
        "unmerge the cells and type each answer in its own cell",
    ),
    (
        "a value far outside the answers (for example in Excel's last cell, XFD1048576) that makes a "
        "sheet, counted from A1, more than 1,000,000 cells (rows x columns; the template's sheets are "
        "under 100 x 21, an export of every LA under 200 x 400)",
        "the sheet is not given to the xlsx reader (it would ask for billions of cells); each value that "
        "makes it too large is reported at its cell and the sheet is not read (a Cover sheet: the LA is "
        "not known, `la_code_missing`); a formatted cell without a value counts for nothing",
        "cell_outside_answers",
        "clear the cell (or copy the answers into an unchanged template)",
    ),
    (
        "a workbook whose reading ends the process reading it (the xlsx library running out of memory "
        "or crashing on a damaged file)",
        "the returns are read in a child process: the workbook is reported, the other returns are read, "
        "and the run stops with a rewritten validation report (never the last run's)",
        "file_unreadable",
        "open it in Excel, check it, and save it again as .xlsx",
    ),
    (
        "an old Excel 97-2003 workbook (`.xls`) renamed `.xlsx`, or a password-protected workbook (both "
        "OLE files, not zip archives)",
        "not read: a file whose OLE directory has an `EncryptionInfo` stream is password-protected, any "
        "other is not an .xlsx workbook",
        "file_encrypted, file_unreadable",
        "save it as an unprotected Excel Workbook (.xlsx)",
    ),
    (
        "a valid .xlsx written by another tool: XML attributes in another order, namespace prefixes "
        "(`<x:c>`, `<x:f>`, as Open XML SDK tools write them)",
        "read like a workbook saved by Excel: formulas, error values, percentage formats and merged "
        "cells are found as usual",
        "",
        "",
    ),
    (
        "a row inserted or deleted in a section sheet",
        "the hidden question ids in column A no longer match: the sheet is not read",
        "layout_changed",
        "copy the answers into an unchanged template",
    ),
    (
        "a column inserted, deleted or moved in a section sheet",
        "the column headers of grids no longer match (the sheet is not read); values outside the answer "
        "cells are reported one by one",
        "layout_changed, cell_outside_answers",
        "copy the answers into an unchanged template; type answers only in the yellow cells",
    ),
    (
        "rows of a grid moved, sorted or swapped (each with its hidden question id), or a row label retyped",
        "the row labels (column B) no longer match the template: the sheet is not read",
        "layout_changed",
        "copy the answers into an unchanged template",
    ),
    (
        "a question or help text of the template overwritten (for example an answer typed there)",
        "the cell is reported; nothing in it is read",
        "cell_outside_answers",
        "type answers only in the yellow cells",
    ),
    (
        "a value in an export column without a header, or past the last header",
        "reported at its cell (row and column), never dropped; an unnamed first column (the row "
        "index pandas writes) is not read",
        "cell_outside_answers",
        "put the value under its item's column",
    ),
    (
        "a Total row typed with some or all of the rows above it left empty",
        "empty rows of a question whose blank rule is zero count as 0, so the Total must equal the sum "
        "of the rows that are filled in (a Total alone, with no rows, is a mismatch unless it is 0)",
        "total_mismatch",
        "fill in the rows, or correct the Total",
    ),
    (
        "number text with anything but ASCII digits, one optional sign and one decimal point "
        "(`1e4`, `19_110`, `1,200`, non-ASCII digits)",
        "not read as a number",
        "type",
        "type digits only (`19110`)",
    ),
    (
        "any file name (`Sheffield AP return (final).xlsx`: spaces, brackets, quotes, non-ASCII letters)",
        "accepted: the LA is the code in Cover!C4, never the file name",
        "",
        "",
    ),
    (
        "a file name that names another LA of the frame (its name as whole words, or its code)",
        "a warning: the return may have been saved over another LA's file",
        "file_name_other_la",
        "check that the right return was saved under this name",
    ),
    (
        "text starting with `=`, `+`, `-`, `@`, a tab or a carriage return in a free-text answer "
        "or the LA name",
        "kept, with a warning; every CSV written prefixes such text with `'` so that no spreadsheet runs it "
        "(numbers such as `-5` are unchanged); a category answer like it is a `category` error",
        "text_formula_like",
        "nothing, unless the text was not meant",
    ),
    (
        "a symbolic link in the returns folder",
        "followed; the return is recorded under the link's own path, relative to the project root "
        "(never an absolute path of the machine)",
        "",
        "",
    ),
    (
        "a symbolic link that points to nothing",
        "an error (the LA would otherwise silently become a non-respondent)",
        "file_link_dangling",
        "replace the link with the return, or remove it",
    ),
    (
        "a sub-folder in the returns folder",
        "not searched: a warning",
        "folder_ignored",
        "move returns out of sub-folders",
    ),
    (
        "a hidden workbook or CSV in the returns folder (its name starts with `.`, e.g. `.x.xlsx`)",
        "not read: a warning (Excel's lock files `~$*` are skipped without one)",
        "file_hidden",
        "if it is a return, remove the leading `.` from its name",
    ),
    (
        "an export with the same column twice",
        "the repeated column (its header cell) is reported and not read, before any other check",
        "column_duplicate",
        "keep one column per item",
    ),
    (
        "a required question left blank",
        "reported at its first empty answer cell (`cell`, and in the message)",
        "required_missing",
        "answer it",
    ),
    (
        "shares along a column adding up to more than their maximum",
        "reported at the column's first share",
        "sum_above_max",
        "correct the shares",
    ),
    (
        "the survey wave on the cover (Cover!C6) differs from the wave being processed",
        "an error (a return of another year); an empty cell is a warning",
        "wave_mismatch, wave_missing",
        "use this wave's template",
    ),
    (
        "a number cell whose stored value is not a number (`NaN`, or text such as `twelve` written "
        "into a number cell by a converter or by hand)",
        "a `type` error at the cell; where the reader refuses the whole workbook for it, the cell is "
        "still named (and the rest of that return is not read)",
        "type",
        "type the number, or clear the cell, and save the file again",
    ),
    (
        'a CSV export with a quote that is never closed (`"Barnsley,...`)',
        "the rows after it would be read as one cell: an error at that cell, naming the row",
        "file_unreadable",
        "close the quote, or remove it",
    ),
    (
        "a named pipe, socket or device in the returns folder",
        "never opened (reading a pipe would wait for ever): an error",
        "file_unexpected_type",
        "put the return itself in the folder",
    ),
    (
        "an `.xlsx` export with values on a sheet other than the first (rows continued on a second "
        "sheet, or a hidden first sheet with the real one after it)",
        "only the first sheet is read; the first value of each other sheet is reported",
        "cell_outside_answers",
        "put every LA's row on the first sheet",
    ),
    (
        "a formula in the Cover's LA code, LA name or wave cell (C4, C5, C6)",
        "an error at the cell, even where the formula shows the right text; other Cover cells are not read",
        "formula",
        "type the code, name and wave as text",
    ),
    (
        "an LA code that is not in the wave's frame",
        "an error at the code cell",
        "la_code_not_in_frame",
        "use the LA's ONS GSS code",
    ),
]


def damaged_input_contract(severity: dict) -> list[str]:
    """Markdown lines for docs/data-contract.md: what happens to each kind of damaged return."""
    lines = [
        "",
        "## Damaged returns: what happens",
        "",
        "Every case below ends in a finding in `validation_report.csv` (file, sheet, cell or row and column,",
        "rule, what to do), never in a crash or a silently lost answer. The whole wave is read before the",
        "run stops; any error gives a non-zero exit, and nothing under `data/raw/` or among earlier",
        "outputs is changed (only the validation report is rewritten).",
        "",
        "| case | what happens | rule (severity) | what to do |",
        "| --- | --- | --- | --- |",
    ]
    for case, what, rules, todo in DAMAGED_INPUT_CASES:
        named = (
            ", ".join(f"`{r}` ({severity.get(r, 'error')})" for r in rules.split(", ")) if rules else "none"
        )
        lines.append(f"| {case} | {what} | {named} | {todo} |")
    return lines
