"""Write return workbooks: blank templates for LAs to fill in, or filled ones (generator, tests).

Only answer cells are unlocked; categorical answers get dropdowns; an Instructions sheet says
how to fill the return in. Output is byte-identical for identical inputs.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from .codebook import Codebook, Question
from .workbook import (
    COVER_SHEET,
    INSTRUCTIONS_SHEET,
    LA_CODE_CELL,
    LA_NAME_CELL,
    LISTS_SHEET,
    WAVE_CELL,
    col_letter,
    workbook_layout,
)

INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
# Fixed document and zip times (the zip epoch), so identical content gives identical bytes.
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
FIXED_TIMESTAMP = "1980-01-01T00:00:00Z"
NUMBER_FORMATS = {"count": "0", "money": "£#,##0", "percent": "0"}
TYPE_GUIDANCE = {
    "count": "a whole number, 0 or more",
    "money": "an amount in pounds, digits only (no £ sign or text)",
    "percent": "a percentage from 0 to 100 (digits only)",
    "category": "choose from the dropdown list",
    "yes_no": "choose Yes or No from the dropdown list",
    "text": "free text",
}


def instructions(codebook: Codebook, wave: str) -> list[str]:
    lines = [
        f"LA survey of alternative provision (AP): return workbook, wave {wave}",
        "",
        "How to fill in this return",
        "1. Check the LA code and name on the Cover sheet. Do not change them.",
        "2. Answer on each numbered sheet in the yellow cells only; other cells are locked.",
        "3. Type values, not formulas. Do not add, rename or delete sheets.",
        "4. Leave a cell blank if you cannot answer; enter 0 only when the true answer is none.",
        "5. Where a question has a Total row, it must equal the sum of the rows above it.",
        "6. Save as .xlsx without a password and return the file unchanged in name.",
        "",
        "What each kind of answer cell takes",
    ]
    lines += [f"- {t}: {g}" for t, g in TYPE_GUIDANCE.items()]
    lines += ["", "Sheets"]
    lines += [f"- {s.sheet}: {s.title}" for s in codebook.sections.values()]
    lines += ["", "The full data contract is in docs/data-contract.md of the apmarket repository."]
    return lines


def _choice_lists(codebook: Codebook) -> dict[str, list[str]]:
    """One dropdown list per distinct set of category labels, keyed by question id."""
    return {q.id: list(q.categories.values()) for q in codebook.questions.values() if q.is_choice}


def build_workbook(
    codebook: Codebook,
    wave: str,
    la_code: str,
    la_name: str,
    answers: dict[str, object] | None = None,
) -> openpyxl.Workbook:
    """A return workbook for one LA; ``answers`` maps item keys to values (numbers or codes)."""
    answers = answers or {}
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = COVER_SHEET
    cover["B2"] = "LA survey of alternative provision: return"
    cover["B2"].font = Font(bold=True, size=14)
    for ref, label, value in (
        (LA_CODE_CELL, "LA code", la_code),
        (LA_NAME_CELL, "LA name", la_name),
        (WAVE_CELL, "Survey wave", wave),
    ):
        row = int(ref[1:])
        cover.cell(row=row, column=2, value=label).font = Font(bold=True)
        cover[ref] = value
    cover.column_dimensions["B"].width = 18
    cover.column_dimensions["C"].width = 40
    cover.protection.sheet = True

    ins = wb.create_sheet(INSTRUCTIONS_SHEET)
    for i, line in enumerate(instructions(codebook, wave), start=1):
        ins.cell(row=i, column=1, value=line)
    ins["A1"].font = Font(bold=True, size=14)
    ins.column_dimensions["A"].width = 110
    ins.protection.sheet = True

    lists = wb.create_sheet(LISTS_SHEET)
    list_ranges: dict[str, str] = {}
    for j, (qid, labels) in enumerate(_choice_lists(codebook).items(), start=1):
        col = col_letter(j)
        lists.cell(row=1, column=j, value=qid)
        for i, label in enumerate(labels, start=2):
            lists.cell(row=i, column=j, value=label)
        list_ranges[qid] = f"{LISTS_SHEET}!${col}$2:${col}${len(labels) + 1}"
    lists.sheet_state = "hidden"
    lists.protection.sheet = True

    for layout in workbook_layout(codebook):
        ws = wb.create_sheet(layout.name)
        ws["B1"] = layout.title
        ws["B1"].font = Font(bold=True, size=14)
        ws["B2"] = "Answer in the yellow cells. Question ids in column A are for processing."
        ws.column_dimensions["A"].width = 4
        ws.column_dimensions["A"].hidden = True
        ws.column_dimensions["B"].width = 70
        for j in range(3, 12):
            ws.column_dimensions[col_letter(j)].width = 16
        for row, qid in layout.question_rows:
            ws.cell(row=row, column=1, value=qid)
        for lab in layout.labels:
            c = ws.cell(row=lab.row, column=lab.col, value=lab.text)
            if lab.style == "question":
                c.font = Font(bold=True)
                c.alignment = Alignment(wrap_text=False)
            elif lab.style == "help":
                c.font = Font(italic=True, color="595959")
            elif lab.style == "header":
                c.font = Font(bold=True)
                c.alignment = Alignment(wrap_text=True, horizontal="center")
        validations: dict[str, DataValidation] = {}
        for inp in layout.inputs:
            c = ws.cell(row=inp.row, column=inp.col)
            c.fill = INPUT_FILL
            c.protection = Protection(locked=False)
            q = inp.question
            if q.type in NUMBER_FORMATS:
                c.number_format = NUMBER_FORMATS[q.type]
            if q.is_choice:
                dv = validations.get(q.id)
                if dv is None:
                    dv = DataValidation(type="list", formula1=f"={list_ranges[q.id]}", allow_blank=True)
                    dv.error = "Choose a value from the list"
                    dv.showErrorMessage = True
                    ws.add_data_validation(dv)
                    validations[q.id] = dv
                dv.add(c)
            value = answers.get(inp.item.key)
            if value is not None:
                c.value = _cell_value(q, value)
        ws.protection.sheet = True
    return text_stays_text(wb)


def text_stays_text(wb: openpyxl.Workbook) -> openpyxl.Workbook:
    """No cell of a template is a formula: openpyxl stores any text starting with '=' (an LA name,
    a label, an answer) as one, which Excel would run. Such text is stored as text instead."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    return wb


def _cell_value(q: Question, value):
    """What an LA would type: category labels rather than codes, numbers as numbers."""
    if q.is_choice:
        return q.categories.get(str(value), value)
    return value


def save_deterministic(wb: openpyxl.Workbook, path: Path) -> None:
    """Save so that identical content gives identical bytes (fixed zip and document times)."""
    for ws in wb.worksheets:  # openpyxl records outline levels on save; reset so re-saving is stable
        ws.column_dimensions.max_outline = None
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    lambda m: m.group(1) + FIXED_TIMESTAMP.encode() + m.group(3),
                    data,
                )
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, data)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(out.getvalue())
    tmp.replace(path)


def return_filename(la_code: str, la_name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", la_name.lower()).strip("_")
    return f"{la_code}_{slug}.xlsx"


def write_templates(codebook: Codebook, wave: str, frame, out_dir: Path) -> list[Path]:
    """Blank returns for every LA in the frame (columns la_code or new_la_code, and la_name)."""
    paths = []
    codes = frame["la_code"] if "la_code" in frame else frame["new_la_code"]
    for code, name in zip(codes, frame["la_name"], strict=True):
        path = out_dir / return_filename(code, name)
        save_deterministic(build_workbook(codebook, wave, code, name), path)
        paths.append(path)
    return paths
