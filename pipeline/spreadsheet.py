"""The publication spreadsheet of a wave, built with gptables from the run's open-data tables.

``data/processed/<wave>/apmarket_<wave>_tables.xlsx`` follows the Analysis Function guidance on
releasing statistics in spreadsheets: a cover sheet, a contents sheet, a notes sheet, then one
sheet per table with one table starting in cell A-something, a title, the source and
instructions above it. Numbers are stored as numbers (never as text); a cell without a number
is left empty and its GSS shorthand (``[c]``, ``[x]``, ``[z]``, ``[low]``, ``[u]``) goes into
the row's ``Notes`` column. Columns constant in a whole table (time, geography) are stated above
the table instead of repeated on every row. Text is neutralised against formula injection.

Cost: pandas' per-call overhead on ~60 small tables was most of the time, so the tables are read
with ``csv`` into lists, converted without cell-by-cell ``.loc``, and gptables' table step runs
in plain Python (``spreadsheet_gpt``: same cells, formats and widths as gptables writes). The
default wave: about 0.25 CPU s instead of 1.3.
"""

from __future__ import annotations

import csv
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from . import outputs, safe_text
from .config import Settings
from .estimators import round_half_up

GSS_SYMBOLS = {
    "c": "[c] confidential: suppressed to protect LAs (fewer LAs answered than the disclosure threshold)",
    "x": "[x] not available",
    "z": "[z] not applicable",
    "low": "[low] rounds to zero, but is not zero",
    "u": "[u] low reliability",
}
CONTEXT_COLUMNS = ("time_period", "time_identifier", "geographic_level", "country_code", "country_name")
PRESENTATION_UNITS = {"£": 100}  # costs to the nearest £100 (docs/methods.md), whatever indicator_dp says
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "in_memory": True}
_INTEGER = re.compile(r"[+-]?[0-9]+")


def neutralise_formula(text: str) -> str:
    """Text that a spreadsheet could read as a formula (=, +, -, @ first) gets a leading apostrophe.

    Numbers written as text are numbers, not formulas, and are left alone.
    """
    return safe_text.neutralise(text)  # the one rule for every output (pipeline/safe_text.py)


def spreadsheet_path(settings: Settings) -> Path:
    return settings.processed_dir / f"apmarket_{settings.wave}_tables.xlsx"


def sheet_name(table_name: str) -> str:
    """Short sheet label: 'Fig02' for figure tables, 'Text_ap_sen' for text tables (<= 31 chars)."""
    match = re.match(r"^(fig|ctx)(\d+[a-z]?)_", table_name)
    if match:
        return f"{'Fig' if match[1] == 'fig' else 'Context'}{match[2]}"
    return re.sub(r"^txt_", "Text_", table_name)[:31]


def decimals(table: outputs.OpenDataTable, column: str) -> int | None:
    """The column's ``indicator_dp`` from the metadata, or None when not stated."""
    dp = table.field(column, "indicator_dp").strip()
    return int(dp) if dp.isdigit() else None


def period_text(time_period: str, time_identifier: str) -> str:
    """'Academic year 2022/23' from EES 202223; a 4-digit period is shown as is."""
    text = str(time_period)
    if re.fullmatch(r"\d{6}", text):
        text = f"{text[:4]}/{text[4:]}"
    return f"{time_identifier} {text}".strip()


def context_line(context: dict[str, str]) -> str:
    """One subtitle for the time and geography every row of a table shares."""
    place = context.get("country_name", "")
    level = context.get("geographic_level", "")
    where = f"{place} ({level.lower()} level)" if place and level else place or level
    when = period_text(context.get("time_period", ""), context.get("time_identifier", ""))
    return ", ".join(x for x in (where, when) if x)


class SheetSource:
    """One open-data table as the spreadsheet reads it: text columns and metadata by column.

    Plain lists rather than DataFrames: the ~60 tables are small, and pandas' per-call cost
    was most of the time of reading and converting them. The metadata lookups are
    ``OpenDataTable``'s, so labels and types follow the one rule of ``outputs``.
    """

    field = outputs.OpenDataTable.field
    label = outputs.OpenDataTable.label
    column_type = outputs.OpenDataTable.column_type
    unit = outputs.OpenDataTable.unit

    def __init__(self, name: str, columns: dict[str, list], meta: dict[str, dict[str, str]]):
        self.name, self.columns, self._meta = name, columns, meta

    @classmethod
    def of(cls, table: outputs.OpenDataTable) -> SheetSource:
        return cls(table.name, {c: table.data[c].tolist() for c in table.data.columns}, table._meta)


def _read_csv_rows(path: Path) -> list[list[str]]:
    """A CSV the run wrote, as rows of text (blank lines skipped, as pandas does)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:  # a BOM is dropped, as pandas does
        return [row for row in csv.reader(handle) if row]


def read_sources(processed_dir: Path) -> list[SheetSource]:
    """Every open-data table of the run (a ``.csv`` with a ``.meta.csv`` beside it), by name."""
    sources = []
    for meta_path in sorted(processed_dir.glob("*.meta.csv")):
        name = meta_path.name[: -len(".meta.csv")]
        data_path = processed_dir / f"{name}.csv"
        if not data_path.exists():
            continue
        rows = _read_csv_rows(data_path)
        header, body = (rows[0], rows[1:]) if rows else ([], [])
        columns = {h: [row[i] if i < len(row) else "" for row in body] for i, h in enumerate(header)}
        meta_rows = _read_csv_rows(meta_path)
        records = [dict(zip(meta_rows[0], row, strict=False)) for row in meta_rows[1:]]
        meta = {r["col_name"]: r for r in records if "col_name" in r}
        sources.append(SheetSource(name, columns, meta))
    return sources


def _number(text: str) -> float:
    """A decimal number written as text, else NaN (symbols, blanks and other text have no number)."""
    return float(text) if _DECIMAL.fullmatch(text) else math.nan


def indicator_values(source: SheetSource, column: str, texts: list[str]) -> list:
    """Numbers of an indicator column, rounded half up to its ``indicator_dp`` (costs to £100).

    NaN where the text is not a number. Without ``indicator_dp`` the numbers are kept as
    written: whole numbers as integers when every cell is one, else floats.
    """
    values = [_number(t) for t in texts]
    dp = decimals(source, column)
    if dp is None:
        if texts and all(_INTEGER.fullmatch(t) for t in texts):
            return [int(t) for t in texts]
        return values
    unit = PRESENTATION_UNITS.get(source.unit(column), 10.0**-dp)
    rounded = np.array([round_half_up(v, unit) if v == v else v for v in values], dtype=float)
    return np.round(rounded, dp).tolist()  # drops float noise of the unit product (0.1 * 3)


def numeric_table(table: outputs.OpenDataTable | SheetSource) -> tuple[pd.DataFrame, dict[str, str]]:
    """Indicators as numbers (rounded half up to their ``indicator_dp``), GSS symbols in a Notes column.

    Returns the sheet's table (headings = metadata labels) and the context columns' single
    values (e.g. {'time_period': '202223', 'geographic_level': 'National'}).
    """
    source = table if isinstance(table, SheetSource) else SheetSource.of(table)
    n_rows = len(next(iter(source.columns.values()), []))
    context, columns = {}, {}
    for col, values in source.columns.items():
        if col in CONTEXT_COLUMNS and n_rows and len({v for v in values if v == v}) <= 1:
            context[col] = str(values[0])
        else:
            columns[col] = values
    notes = [""] * n_rows
    data = {}
    for col, values in columns.items():
        if source.column_type(col) != "Indicator":
            data[col] = [neutralise_formula(v) for v in values]
            continue
        texts = [str(v).strip() for v in values]
        no_numbers = all(t == "" or t in GSS_SYMBOLS for t in texts)
        if no_numbers and len(set(texts)) == 1:  # e.g. intervals 'x' throughout: no column, no notes
            continue
        for i, text in enumerate(texts):
            if text in GSS_SYMBOLS and not (no_numbers and text == "z"):
                note = f"[{text}] {source.label(col)}"
                notes[i] = f"{notes[i]}; {note}" if notes[i] else note
        if not no_numbers:  # a column of symbols only (e.g. reliability) lives in the Notes
            data[col] = indicator_values(source, col, ["" if t in GSS_SYMBOLS else t for t in texts])
    if any(notes):
        data["notes"] = notes
    frame = pd.DataFrame(dict(enumerate(data.values())), index=pd.RangeIndex(n_rows))
    frame.columns = [("Notes" if c == "notes" else source.label(c)) for c in data]  # headings: labels
    return frame, context


def number_formats(table: SheetSource, frame: pd.DataFrame) -> list[dict]:
    """Excel number formats showing each indicator to its ``indicator_dp`` with thousands commas."""
    formats = []
    labels = list(frame.columns)
    for col in table.columns:
        dp = decimals(table, col)
        label = table.label(col)
        if dp is None or label not in labels or table.column_type(col) != "Indicator":
            continue
        pattern = "#,##0" + ("." + "0" * dp if dp else "")
        formats.append({"column": {"columns": [labels.index(label)], "format": {"num_format": pattern}}})
    return formats


def figure_titles(figures_dir: Path) -> dict[str, str]:
    """Title of each drawn figure and context figure by key ('fig02'), from its .txt's first line.

    The same figures as ``outputs.read_figures`` (an image beside it), without reading their data.
    """
    titles = {}
    for prefix in ("fig", "ctx"):
        stems = sorted({p.stem for ext in ("svg", "png") for p in figures_dir.glob(f"{prefix}*.{ext}")})
        found = []
        for stem in stems:
            match = outputs.FIGURE_STEM.match(stem)
            if not match or match["prefix"] != prefix:
                continue
            txt = figures_dir / f"{stem}.txt"
            title = outputs.parse_alt_text(txt.read_text(encoding="utf-8") if txt.exists() else stem)[0]
            found.append((int(match["number"]), match["key"], title))
        titles.update({key: title for _, key, title in sorted(found, key=lambda f: f[:2])})
    return titles


def _title(table: SheetSource, figure_titles: dict[str, str]) -> str:
    key = table.name.split("_", 1)[0]
    if key in figure_titles:
        return figure_titles[key]
    return "Table: " + table.name.removeprefix("txt_").replace("_", " ")


def build(settings: Settings) -> Path:
    """Write the wave's publication spreadsheet and return its path."""
    import gptables as gpt

    from . import spreadsheet_gpt

    tables = read_sources(settings.processed_dir)
    titles = figure_titles(settings.figures_dir)
    data_note = settings.data_note
    sheets = {}
    for table in tables:
        frame, context = numeric_table(table)
        if frame.empty or frame.shape[1] == 0:
            continue
        units = {table.label(c): table.unit(c) for c in table.columns if table.unit(c)}
        units = {k: v for k, v in units.items() if k in frame.columns}
        symbols = sorted(s for s in GSS_SYMBOLS if f"[{s}]" in " ".join(frame.get("Notes", [])))
        sheets[sheet_name(table.name)] = gpt.GPTable(
            table=frame,
            table_name=re.sub(r"\W", "_", table.name),
            title=neutralise_formula(_title(table, titles)),
            subtitles=[line for line in (context_line(context),) if line],
            legend=[GSS_SYMBOLS[s] for s in symbols],
            additional_formatting=number_formats(table, frame),
            instructions=(
                "This worksheet contains one table. Empty cells have no number; the reason is "
                "given as a GSS shorthand in the Notes column and explained below the title."
                if symbols
                else "This worksheet contains one table."
            ),
            source=f"apmarket run of wave {settings.wave}, open-data file {table.name}.csv",
            units=units or None,
            index_columns={2: 0},
        )
    cover = gpt.Cover(
        title=f"Alternative provision: LA survey tables, wave {settings.wave}",
        intro=[
            "This spreadsheet holds the tables of the LA survey of alternative provision, one per sheet.",
            "They are the same numbers as the open-data CSV files written beside it.",
            data_note,
        ],
        about=[
            "Values are rounded for presentation only, half up, as stated in docs/methods.md.",
            "Shares are percentages; costs are pounds; counts are numbers of LAs or pupils.",
            "See the Notes sheet for the shorthand used in the Notes columns.",
        ],
        contact=["See the project README for how to raise an issue."],
    )
    notes_table = pd.DataFrame(
        {
            "Note number": [f"note_{i}" for i in range(len(GSS_SYMBOLS) + 2)],
            "Note text": [
                data_note,
                "Values are rounded for presentation only, half up (percentages to 1, costs to £100).",
                *(f"Shorthand {text}" for text in GSS_SYMBOLS.values()),
            ],
        }
    )
    path = spreadsheet_path(settings)
    tmp = path.with_name(path.stem + ".tmp.xlsx")
    with warnings.catch_warnings():
        # gptables warns of empty cells (their reason is in each row's Notes column) and of
        # pandas deprecations inside its own code.
        warnings.filterwarnings("ignore", module=r"gptables\.")
        spreadsheet_gpt.produce(  # gptables' write_workbook, its table step without pandas
            str(tmp),
            sheets,
            cover=cover,
            notes_table=notes_table,
            contentsheet_options={"additional_elements": ["subtitles", "source"]},
            workbook_options=WORKBOOK_OPTIONS,
        ).close()
    tmp.replace(path)
    return path
