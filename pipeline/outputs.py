"""Small readers of a run's OUTPUT FILES, for the reviewer's report and the publication spreadsheet.

They read only what a run wrote (figures/<wave>/*, data/processed/<wave>/*), never the stages'
objects, so that a rework of analysis or drawing that keeps the files keeps the report working.
Every reader tolerates a missing or extra column: a file it does not understand is shown as is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .config import Settings

FIGURE_STEM = re.compile(r"^(?P<key>(?P<prefix>fig|ctx)(?P<number>\d+)[a-z]?)_(?P<slug>.+)$")
ALT_TEXT_LIMIT = 250
EES_CONTEXT = ("time_period", "time_identifier", "geographic_level", "country_code", "country_name")
NOTE_PREFIXES = ("Base:", "Method:", "Data:", "Source:", "Note:", "Notes:")


@dataclass
class Figure:
    """One drawn figure and what the run wrote beside it."""

    key: str
    number: int
    stem: str
    title: str
    subtitle: str
    description: str
    notes: dict[str, str]
    svg: Path | None
    png: Path | None
    data: pd.DataFrame
    published: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def alt(self) -> str:
        """One short sentence for the image's alt attribute; the long description is beside it."""
        return short_alt(self.title, self.subtitle, self.notes.get("Key message", ""))

    @property
    def estimator(self) -> str:
        """The estimator's name: the words before the first colon of the method note."""
        method = self.notes.get("Method", "")
        return method.split(":", 1)[0].strip() if ":" in method else ""

    @property
    def base_n(self) -> str:
        """Number of LAs behind the figure ("111", or "94 to 111" when it varies by bar)."""
        for col in ("n_las", "base", "n"):
            if col in self.data:
                values = pd.to_numeric(self.data[col], errors="coerce").dropna()
                if values.empty:
                    return ""
                low, high = int(values.min()), int(values.max())
                return str(low) if low == high else f"{low} to {high}"
        return ""


def short_alt(title: str, subtitle: str, key_message: str = "") -> str:
    """The key message if the figure has one, else its title; cut at a word to 250 characters."""
    text = key_message or re.sub(r"^Figure \w+:\s*", "", title)
    text = " ".join(text.split())
    if len(text) <= ALT_TEXT_LIMIT:
        return text
    return text[: ALT_TEXT_LIMIT - 1].rsplit(" ", 1)[0] + "…"


def parse_alt_text(text: str) -> tuple[str, str, str, dict[str, str]]:
    """Split a figure's .txt into title, subtitle, long description and its labelled notes."""
    lines = text.strip("\n").splitlines()
    title = lines[0].strip() if lines else ""
    subtitle = lines[1].strip() if len(lines) > 1 and lines[1].strip() else ""
    body, notes = [], {}
    for line in lines[2 if subtitle else 1 :]:
        label = next((p for p in (*NOTE_PREFIXES, "Key message:") if line.startswith(p)), None)
        if label:
            notes[label.rstrip(":")] = line[len(label) :].strip()
        else:
            body.append(line)
    return title, subtitle, "\n".join(body).strip(), notes


def read_figures(
    figures_dir: Path, reproduction: pd.DataFrame | None = None, prefix: str | None = "fig"
) -> list[Figure]:
    """Every figure of a run folder that has an image, in figure order.

    ``prefix`` "fig": the report's figures; "ctx": context figures; None: every other figure
    (e.g. the regression charts), keyed by its file name.
    """
    stems = sorted({p.stem for ext in ("svg", "png") for p in figures_dir.glob(f"{prefix or ''}*.{ext}")})
    figures = []
    for stem in stems:
        match = FIGURE_STEM.match(stem)
        if prefix is None:
            if match:
                continue
            key, number = stem, 0
        elif not match or match["prefix"] != prefix:
            continue
        else:
            key, number = match["key"], int(match["number"])
        txt = figures_dir / f"{stem}.txt"
        title, subtitle, description, notes = parse_alt_text(
            txt.read_text(encoding="utf-8") if txt.exists() else stem
        )
        csv = figures_dir / f"{stem}.csv"
        data = pd.read_csv(csv, dtype=str, keep_default_na=False) if csv.exists() else pd.DataFrame()
        svg, png = figures_dir / f"{stem}.svg", figures_dir / f"{stem}.png"
        figure = Figure(
            key=key,
            number=number,
            stem=stem,
            title=title,
            subtitle=subtitle,
            description=description,
            notes=notes,
            svg=svg if svg.exists() else None,
            png=png if png.exists() else None,
            data=data,
        )
        if reproduction is not None and len(reproduction):
            figure.published = published_for(reproduction, figure.key)
        figures.append(figure)
    return sorted(figures, key=lambda f: (f.number, f.key))


def published_for(reproduction: pd.DataFrame, key: str) -> pd.DataFrame:
    """The published values of one figure: ids starting with the figure key (``fig08.``)."""
    return reproduction[reproduction["id"].str.startswith(f"{key}.")].reset_index(drop=True)


def read_csv(path: Path) -> pd.DataFrame:
    """A run's CSV as text (as written), or an empty frame when the run did not write it."""
    if not path.exists() or path.stat().st_size == 0:
        return pd.DataFrame()
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def reproduction_summary(settings: Settings) -> str:
    path = settings.processed_dir / "summary.txt"
    return path.read_text(encoding="utf-8").strip() if path.exists() else ""


def read_run_record(settings: Settings) -> dict:
    path = settings.processed_dir / "run.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


@dataclass
class OpenDataTable:
    """One EES open-data table and its metadata, as written by the run."""

    name: str
    data: pd.DataFrame
    meta: pd.DataFrame

    def __post_init__(self) -> None:
        rows = self.meta.to_dict("records") if "col_name" in self.meta else []
        self._meta = {str(r["col_name"]): r for r in rows}

    def field(self, column: str, key: str) -> str:
        """One metadata field of a column ('' when the metadata does not say)."""
        return str(self._meta.get(column, {}).get(key, "") or "")

    def label(self, column: str) -> str:
        return self.field(column, "label") or column.replace("_", " ").capitalize()

    def column_type(self, column: str) -> str:
        return self.field(column, "col_type")

    def unit(self, column: str) -> str:
        return self.field(column, "indicator_unit")


def read_open_data(processed_dir: Path, pattern: str = "*") -> list[OpenDataTable]:
    """Every table that has a ``.meta.csv`` beside it (the EES open-data tables), by name."""
    tables = []
    for meta_path in sorted(processed_dir.glob(f"{pattern}.meta.csv")):
        name = meta_path.name[: -len(".meta.csv")]
        data_path = processed_dir / f"{name}.csv"
        if data_path.exists():
            tables.append(OpenDataTable(name, read_csv(data_path), read_csv(meta_path)))
    return tables
