"""The publication spreadsheet of a wave, built with gptables from the run's open-data tables.

``data/processed/<wave>/apmarket_<wave>_tables.xlsx`` follows the Analysis Function guidance on
releasing statistics in spreadsheets: a cover sheet, a contents sheet, a notes sheet, then one
sheet per table with one table starting in cell A-something, a title, the source and
instructions above it. Numbers are stored as numbers (never as text); a cell without a number
is left empty and its GSS shorthand (``[c]``, ``[x]``, ``[z]``, ``[low]``, ``[u]``) goes into
the row's ``Notes`` column. Columns constant in a whole table (time, geography) are stated above
the table instead of repeated on every row. Text is neutralised against formula injection.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

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
    """'Academic year 2017/18' from EES 201718; a 4-digit period is shown as is."""
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


def numeric_table(table: outputs.OpenDataTable) -> tuple[pd.DataFrame, dict[str, str]]:
    """Indicators as numbers (rounded half up to their ``indicator_dp``), GSS symbols in a Notes column.

    Returns the sheet's table (headings = metadata labels) and the context columns' single
    values (e.g. {'time_period': '201718', 'geographic_level': 'National'}).
    """
    data = table.data.copy()
    context = {}
    for col in CONTEXT_COLUMNS:
        if col in data and data[col].nunique() <= 1 and len(data):
            context[col] = str(data[col].iloc[0])
            data = data.drop(columns=col)
    notes = pd.Series("", index=data.index)
    for col in data.columns:
        if table.column_type(col) != "Indicator":
            data[col] = data[col].map(neutralise_formula)
            continue
        text = data[col].astype(str).str.strip()
        symbol = text.isin(list(GSS_SYMBOLS))
        for i in data.index[symbol]:
            note = f"[{text[i]}] {table.label(col)}"
            notes[i] = f"{notes[i]}; {note}" if notes[i] else note
        values = pd.to_numeric(text.where(~symbol), errors="coerce")
        dp = decimals(table, col)
        if dp is not None:
            unit = PRESENTATION_UNITS.get(table.unit(col), 10.0**-dp)
            values = values.map(lambda v, unit=unit: round_half_up(v, unit) if pd.notna(v) else v)
            values = values.round(dp)  # drops float noise of the unit product (0.1 * 3)
        data[col] = values
    if (notes != "").any():
        data["notes"] = notes.where(notes != "", "")
    headings = {c: ("Notes" if c == "notes" else table.label(c)) for c in data.columns}
    return data.rename(columns=headings), context


def number_formats(table: outputs.OpenDataTable, frame: pd.DataFrame) -> list[dict]:
    """Excel number formats showing each indicator to its ``indicator_dp`` with thousands commas."""
    formats = []
    labels = list(frame.columns)
    for col in table.data.columns:
        dp = decimals(table, col)
        label = table.label(col)
        if dp is None or label not in labels or table.column_type(col) != "Indicator":
            continue
        pattern = "#,##0" + ("." + "0" * dp if dp else "")
        formats.append({"column": {"columns": [labels.index(label)], "format": {"num_format": pattern}}})
    return formats


def _title(table: outputs.OpenDataTable, figure_titles: dict[str, str]) -> str:
    key = table.name.split("_", 1)[0]
    if key in figure_titles:
        return figure_titles[key]
    return "Table: " + table.name.removeprefix("txt_").replace("_", " ")


def build(settings: Settings) -> Path:
    """Write the wave's publication spreadsheet and return its path."""
    import gptables as gpt

    tables = outputs.read_open_data(settings.processed_dir)
    figure_titles = {
        f.key: f.title
        for prefix in ("fig", "ctx")
        for f in outputs.read_figures(settings.figures_dir, prefix=prefix)
    }
    data_note = settings.data_note
    sheets = {}
    for table in tables:
        frame, context = numeric_table(table)
        if frame.empty or frame.shape[1] == 0:
            continue
        units = {table.label(c): table.unit(c) for c in table.data.columns if table.unit(c)}
        units = {k: v for k, v in units.items() if k in frame.columns}
        symbols = sorted(s for s in GSS_SYMBOLS if f"[{s}]" in " ".join(frame.get("Notes", [])))
        sheets[sheet_name(table.name)] = gpt.GPTable(
            table=frame,
            table_name=re.sub(r"\W", "_", table.name),
            title=neutralise_formula(_title(table, figure_titles)),
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
        gpt.write_workbook(
            filename=str(tmp),
            sheets=sheets,
            cover=cover,
            notes_table=notes_table,
            contentsheet_options={"additional_elements": ["subtitles", "source"]},
            auto_width=True,
            workbook_options={"strings_to_formulas": False, "strings_to_urls": False, "in_memory": True},
        )
    tmp.replace(path)
    return path
