"""Write docs/data-contract.md from the codebook, so the contract never drifts from the code.

One contract per instrument version: the default wave's is ``docs/data-contract.md``, any other
``docs/data-contract-<version>.md``; wave-specific words (the finance year asked about) come
from the latest configured wave using that version.
"""

from __future__ import annotations

from pathlib import Path

from .codebook import TOTAL
from .config import Settings, configured_waves, default_wave
from .template import TYPE_GUIDANCE
from .validate import damaged_input_contract
from .workbook import COVER_SHEET, LA_CODE_CELL, LA_NAME_CELL, WAVE_CELL, section_layout

RULES = {
    "file_unreadable": "the file cannot be opened as a workbook (corrupt or another format)",
    "file_encrypted": "the workbook is password-protected",
    "file_empty": "the file has 0 bytes",
    "file_unexpected_type": "a file in the returns folder is not .xlsx (exports: not .csv or .xlsx)",
    "sheet_unknown": "a sheet that is not in the template",
    "sheet_missing": "a section sheet of the template is missing",
    "la_code_missing": "no LA code (Cover!C4, or the la_code column of an export)",
    "la_code_not_in_frame": "the LA code is not one of the LAs of the wave's frame",
    "la_duplicate": "more than one return for the same LA",
    "column_unknown": "an export column that is not an item of the codebook",
    "formula": "a cell holds a formula instead of a typed value",
    "layout_changed": "rows or columns were inserted or deleted in a section sheet (the hidden question ids in column A moved)",
    "type": "text in a number cell, a fraction in a count, a date or TRUE/FALSE where a number is expected",
    "category": "an answer that is not one of the allowed answers",
    "range": "a number outside the question's allowed range",
    "negative": "a negative count, amount or percentage",
    "total_mismatch": "a Total row that differs from the sum of the rows above it",
    "sum_above_max": "percentages along a column that add up to more than allowed (100)",
    "required_missing": "a required question left unanswered",
    "plausible": "a value outside the plausible range (check it)",
    "la_name_mismatch": "the LA name differs from the frame's",
}


def _values(settings: Settings, q) -> str:
    if q.is_choice:
        return "; ".join(f"`{k}` = {v}" for k, v in q.categories.items())
    if q.range:
        out = f"{q.range[0]:g} to {q.range[1]:g}"
        if q.plausible:
            out += f" (plausible {q.plausible[0]:g} to {q.plausible[1]:g})"
        return out
    return "free text" if q.type == "text" else ""


def render(settings: Settings) -> str:
    cb = settings.codebook
    sev = settings.validation["severity"]
    version = settings.wave_settings.instrument
    lines = [
        f"# Data contract: the LA return (instrument {version})",
        "",
        f"_Generated from `config/instruments/{version}.yaml` by `python -m pipeline docs`; do not edit by hand._",
        f"_Wording as printed for wave {settings.wave} ({settings.wave_settings.title})._",
        "",
        "This is what an LA returns, and how the pipeline reads it. It is written for analysts who fill in",
        "or check returns and have not read the code.",
        "",
        "## Two ways to return the survey",
        "",
        "1. **One workbook per LA** (`data/raw/<wave>/returns/*.xlsx`): print blank workbooks with",
        "   `python -m pipeline template --wave <wave> --out <folder>`. Each has:",
        f"   - a `{COVER_SHEET}` sheet with the LA code in **{LA_CODE_CELL}** (the ONS GSS code, e.g. `E09000002`),",
        f"     the LA name in {LA_NAME_CELL} and the wave in {WAVE_CELL}; these are filled in and locked;",
        "   - an `Instructions` sheet, and a hidden `Lists` sheet that feeds the dropdowns;",
        "   - one sheet per section below. Only the yellow answer cells are unlocked.",
        "2. **One export with one row per LA** (`export_file` in the wave config, `.csv` or `.xlsx`, first sheet):",
        "   a column `la_code`, optionally `la_name`, and one column per answer item named",
        "   `<question id>__<dimension value>__<dimension value>`, for example `costs__pru__ks3`,",
        "   `places__total__ks4`, `strategic_planning`. Categorical answers may be given as the code or the label.",
        "",
        "Both are read into the same long table `responses` (one row per answered cell: wave, LA, question,",
        "item, dimension values, value, and the source file, sheet and cell; `kind` says what the cell held:",
        "`number` for a number cell of a workbook, `text` for text, including every value of a CSV export).",
        "",
        "## Rules for answers",
        "",
        "- An empty cell is no answer. An LA that leaves every cell of a question empty did not answer it",
        "  (item non-response); the question's base excludes it.",
        "- Where a question's blank rule is **zero**, an empty cell in a question the LA did answer counts as",
        "  0 (for example, no places of that type). Where it is **missing**, it stays unknown. Where it is",
        "  **zero_in_column** (grids of pupils by reason, type of place, history, length or destination),",
        "  an empty cell counts as 0 if the LA answered any cell of the same column (phase or year group),",
        "  and a column left wholly empty is no answer for that column (the column's base excludes the LA).",
        "- Type values only: no formulas, no units or words in number cells (`17500`, not `£17.5k`).",
        "- A question with a **Total** row: the Total row is optional (left empty, nothing is checked);",
        "  a Total that is given must equal the sum of the rows above it (empty rows count as 0). An LA",
        "  that fills in only a Total row of zeros has answered the question: none in every row.",
        "- Categorical answers, in either route, may be the label (as in the dropdown) or the code; case and",
        "  spaces around the answer are ignored. Anything else is a `category` error.",
        "- Shares along a column (a question with a maximum sum, e.g. 6.9) may add up to less than 100:",
        "  the rest is taken as unallocated; more than the maximum (with 0.5 allowed for rounding) is an",
        "  error.",
        "",
    ]
    for t, g in TYPE_GUIDANCE.items():
        lines.append(f"- `{t}`: {g}")
    lines += ["", "## Questions", ""]
    for s in cb.sections.values():
        layout = section_layout(cb, s.id)
        first_cell = {}
        for inp in layout.inputs:
            first_cell.setdefault(inp.question.id, inp.ref)
        lines += [
            f"### Sheet `{s.sheet}`: {s.title}",
            "",
            "| no. | id | question | type | dimensions | unit | allowed | blank | required | figures | first cell |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for q in cb.questions_in(s.id):
            dims = " x ".join(q.dimensions) + (" (+ Total row)" if q.total else "") if q.dimensions else ""
            figs = ", ".join(str(f) for f in q.figures)
            lines.append(
                f"| {q.number} | `{q.id}` | {q.text} | {q.type} | {dims} | {q.unit} | {_values(settings, q)} | "
                f"{q.blank if q.dimensions else ''} | {'yes' if q.required else 'no'} | {figs} | {first_cell.get(q.id, '')} |"
            )
        lines.append("")
    lines += [
        "## Dimensions",
        "",
        "Rows come from the first dimension, columns from the second.",
        "",
    ]
    for d in cb.dimensions.values():
        vals = "; ".join(f"`{v}` = {d.labels[v]}" for v in d.values)
        lines.append(f"- **{d.id}** ({d.label}): {vals}")
    lines += [
        "",
        f"A Total row has the value `{TOTAL}` in its first dimension.",
        "",
        "## Validation rules",
        "",
        "Every problem of a wave is collected and written to `data/processed/<wave>/validation_report.csv`",
        "(file, sheet, cell, LA, question, value, rule, severity, message). Any error stops the run with a",
        "non-zero exit and leaves the previous outputs in place; warnings are reported only.",
        "",
        "| rule | severity | meaning |",
        "| --- | --- | --- |",
    ]
    for rule, meaning in RULES.items():
        lines.append(f"| `{rule}` | {sev.get(rule, 'error')} | {meaning} |")
    lines += damaged_input_contract(sev)  # owned by validate.py
    return "\n".join(lines) + "\n"


def write_data_contract(settings: Settings, name: str = "data-contract.md") -> Path:
    path = settings.root / "docs" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(settings), encoding="utf-8")
    return path


def contract_waves(config_dir: Path | None = None) -> dict[str, str]:
    """{file name: wave}: the default wave's instrument, then every other version in use."""
    default = Settings(default_wave(config_dir), config_dir=config_dir)
    out = {"data-contract.md": default.wave}
    by_version: dict[str, str] = {}
    for wave in configured_waves(default.cfg):
        by_version[Settings(wave, config_dir=config_dir).wave_settings.instrument] = wave
    for version, wave in sorted(by_version.items()):
        if version != default.wave_settings.instrument:
            out[f"data-contract-{version}.md"] = wave
    return out


def write_data_contracts() -> list[Path]:
    return [write_data_contract(Settings(wave), name) for name, wave in contract_waves().items()]
