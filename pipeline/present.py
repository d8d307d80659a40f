"""Present: open-data CSVs with metadata, and figures with their data, alt text and notes.

Rounding happens here and only here, with the report's rules (percentages to 1%, costs to
£100). Figures use the Analysis Function (afcharts) style; every footer names the base, the
estimator and what the returns are (from the wave config's ``data_note``).
"""

from __future__ import annotations

import csv
import io
import os
import textwrap
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .analyse import TOTAL_LABEL, FigureTable
from .config import Settings
from .estimators import round_half_up

COUNTRY = {"geographic_level": "National", "country_code": "E92000001", "country_name": "England"}
ROUND_UNITS = {"£": 100, "%": 1, "": 1}


# ------------------------------------------------------------------------------------------------
# Files


def write_text(path: Path, text: str) -> None:
    """Write atomically (temp file, then rename) so a failed run never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    os.replace(tmp, path)


def csv_text(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    return buf.getvalue()


def write_csv(path: Path, df: pd.DataFrame) -> None:
    write_text(path, csv_text(df))


def _fmt_number(x, dp: int = 2) -> str:
    """Deterministic text for a number: fixed decimals, no trailing zeros; GSS 'x' if missing."""
    if x is None or (isinstance(x, float) and np.isnan(x)) or x is pd.NA:
        return "x"
    if isinstance(x, str):
        return x
    s = f"{float(x):.{dp}f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


# ------------------------------------------------------------------------------------------------
# Labels


def category_labels(spec: dict, settings: Settings) -> dict[str, str]:
    labels: dict[str, str] = {}
    dim = spec.get("dimension")
    if dim:
        labels.update(settings.codebook.dimensions[dim].labels)
    labels.update(spec.get("labels", {}))
    labels[TOTAL_LABEL] = spec.get("total_label", "Total")
    return labels


# ------------------------------------------------------------------------------------------------
# Open-data table


def open_data_table(ft: FigureTable, spec: dict, settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """EES-style tidy CSV and its .meta.csv for one figure table."""
    labels = category_labels(spec, settings)
    series_labels = _series_labels(spec, settings)
    df = ft.table.copy()
    min_count = settings.analysis["suppression"]["min_count"]
    for f in ft.filters:
        mapping = labels if f == spec.get("category") else series_labels
        df[f] = df[f].map(lambda v, m=mapping: m.get(v, v))
    out = pd.DataFrame(
        {
            "time_period": settings.time_period,
            "time_identifier": ft.time_identifier or settings.time_identifier,
            **COUNTRY,
        },
        index=df.index,
    )
    for f in ft.filters:
        out[f] = df[f]
    for col in ft.indicators:
        vals = df[col].map(_fmt_number)
        if col.startswith(("lowest_la", "highest_la")) and "n_las" in df:
            # LA-level values: suppressed where fewer LAs than the disclosure threshold answered.
            vals = vals.where(df["n_las"] >= min_count, "c")
        out[col] = vals
    meta_rows = [
        {
            "col_name": f,
            "col_type": "Filter",
            "label": f.replace("_", " ").capitalize(),
            "indicator_grouping": "",
            "indicator_unit": "",
            "indicator_dp": "",
            "filter_hint": "",
            "filter_grouping_column": "",
        }
        for f in ft.filters
    ]
    meta_rows += [
        {
            "col_name": col,
            "col_type": "Indicator",
            "label": m["label"],
            "indicator_grouping": "",
            "indicator_unit": m["unit"],
            "indicator_dp": m.get("dp", 0),
            "filter_hint": "",
            "filter_grouping_column": "",
        }
        for col, m in ft.indicators.items()
    ]
    return out, pd.DataFrame(meta_rows)


# ------------------------------------------------------------------------------------------------
# Figures


def _series_labels(spec: dict, settings: Settings) -> dict[str, str]:
    labels: dict[str, str] = {}
    if spec.get("series_dimension"):
        labels.update(settings.codebook.dimensions[spec["series_dimension"]].labels)
    labels.update(spec.get("series_labels", {}))
    return labels


def plotted(ft: FigureTable, spec: dict, settings: Settings) -> pd.DataFrame:
    """Exactly the numbers a figure shows, rounded as presented."""
    labels = category_labels(spec, settings)
    y = spec["y"]
    unit = ft.indicators[y]["unit"]
    step = spec.get("round", ROUND_UNITS.get(unit, 1))
    df = ft.table
    if spec.get("rows"):
        df = df.query(spec["rows"])
    out = pd.DataFrame({"category": df[spec["category"]].map(lambda v: labels.get(v, v))})
    if spec.get("series"):
        sl = _series_labels(spec, settings)
        out["series"] = df[spec["series"]].map(lambda v: sl.get(v, v))
    out["value"] = df[y].map(lambda v: round_half_up(v, step))
    out["unit"] = unit or "number"
    out["n_las"] = df.get("n_las", "")
    return out.reset_index(drop=True)


def _money(v: float) -> str:
    return "no data" if np.isnan(v) else f"£{v:,.0f}"


def _value_text(v: float, fmt: str) -> str:
    if v is None or np.isnan(v):
        return "no data"
    if fmt == "gbp":
        return _money(v)
    if fmt == "percent":
        return f"{v:.0f}%"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


KIND_NAMES = {
    "bar": "Column chart",
    "barh": "Bar chart",
    "grouped_bar": "Clustered column chart",
    "grouped_barh": "Clustered bar chart",
    "stacked_barh": "Stacked bar chart",
    "stacked_bar": "Stacked column chart",
}


def alt_text(ft: FigureTable, spec: dict, data: pd.DataFrame, settings: Settings) -> str:
    fmt = spec.get("format", "number")
    lines = [f"Figure {spec['number']}: {spec['title']}.", f"{spec['subtitle']}.", ""]
    lines.append(f"{KIND_NAMES.get(spec['kind'], 'Chart')}. Values shown:")
    for r in data.itertuples(index=False):
        who = f"{r.category}, {r.series}" if "series" in data else r.category
        base = f" (based on {r.n_las} LAs)" if r.n_las != "" and not pd.isna(r.n_las) else ""
        lines.append(f"- {who}: {_value_text(r.value, fmt)}{base}")
    if spec.get("context_note"):
        lines += ["", spec["context_note"]]
    lines += ["", f"Base: {ft.base}.", f"Method: {ft.estimator}", f"Data: {settings.data_note}"]
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=1)
def _canvas():
    """One figure per process, cleared between charts (creating a figure costs more than clearing)."""
    return _style().figure(figsize=(9, 6.2))


@lru_cache(maxsize=1)
def _style():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.style.use("afcharts.afcharts")
    plt.rcParams.update(
        {
            "svg.hashsalt": "apmarket",
            "svg.fonttype": "none",  # text stays text in SVG: smaller, searchable, read by screen readers
            "font.size": 10,
            "axes.titlesize": 11,
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "text.hinting": "no_hinting",  # hinting costs a third of the PNG time, for no visible gain
        }
    )
    return plt


def _wrap(labels, width: int) -> list[str]:
    return ["\n".join(textwrap.wrap(str(c), width)) or str(c) for c in labels]


def _draw(ax, spec: dict, data: pd.DataFrame, colours: list[str]) -> None:
    """Bars of every kind: single, clustered or stacked, vertical or horizontal."""
    fmt = spec.get("format", "number")
    kind = spec["kind"]
    horizontal = kind.endswith("barh")
    if data.empty or data["value"].isna().all():
        ax.text(
            0.5,
            0.5,
            "No data: no LA answered the questions behind this figure",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        ax.set_xticks([])
        ax.set_yticks([])
        return
    cats = list(dict.fromkeys(data["category"]))
    pos = np.arange(len(cats))
    if horizontal:
        pos = pos[::-1]
    bar = ax.barh if horizontal else ax.bar
    if "series" not in data:
        d = data.set_index("category").reindex(cats)
        bars = bar(pos, d["value"].fillna(0), 0.7, color=colours[0])
        ax.bar_label(bars, labels=[_value_text(v, fmt) for v in d["value"]], fontsize=8.5, padding=3)
    else:
        series = list(dict.fromkeys(data["series"]))
        stacked = kind.startswith("stacked")
        width = 0.7 if stacked else 0.8 / len(series)
        base = np.zeros(len(cats))
        for i, s in enumerate(series):
            d = data[data["series"] == s].set_index("category").reindex(cats)
            vals = d["value"].fillna(0).to_numpy(dtype=float)
            offset = pos if stacked else pos + (i - (len(series) - 1) / 2) * width * (-1 if horizontal else 1)
            kw = {"left": base} if (stacked and horizontal) else ({"bottom": base} if stacked else {})
            bars = bar(offset, vals, width, label=s, color=colours[i % len(colours)], **kw)
            if stacked:
                texts = [
                    _value_text(v, fmt) if v >= spec.get("label_min", 4) else "" for v in d["value"].fillna(0)
                ]
                ax.bar_label(bars, labels=texts, label_type="center", fontsize=7.5, color="white")
                base = base + vals
            else:
                ax.bar_label(bars, labels=[_value_text(v, fmt) for v in d["value"]], fontsize=7.5, padding=2)
        ax.legend(
            loc="upper left",
            bbox_to_anchor=(0, -0.1 if not horizontal else -0.06),
            ncol=min(len(series), 4),
            frameon=False,
            fontsize=8,
        )
    if horizontal:
        ax.set_yticks(pos, _wrap(cats, 28))
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
    else:
        ax.set_xticks(pos, _wrap(cats, 16 if len(cats) < 7 else 11))
    axis = ax.xaxis if horizontal else ax.yaxis
    if fmt == "gbp":
        axis.set_major_formatter("£{x:,.0f}")
    elif fmt == "percent":
        axis.set_major_formatter("{x:.0f}%")


def render(ft: FigureTable, spec: dict, data: pd.DataFrame, settings: Settings, stem: Path) -> None:
    """Draw one figure and save it as PNG and SVG (metadata-free, so bytes are stable)."""
    _style()
    n_series = data["series"].nunique() if "series" in data else 1
    palette = "categorical" if n_series <= 6 else "sequential"
    colours = _colours(palette, min(max(2, n_series), 6 if palette == "categorical" else 5))
    fig = _canvas()
    ax = fig.add_subplot()
    _draw(ax, spec, data, colours)
    ax.set_title(
        "\n".join(textwrap.wrap(f"Figure {spec['number']}: {spec['title']}", 85)), loc="left", fontsize=11
    )
    n_total = pd.to_numeric(data["n_las"], errors="coerce").max() if len(data) else 0
    base = (
        f"{ft.base} (up to {n_total:.0f} LAs; n per bar in the data file)" if n_total == n_total else ft.base
    )
    method = ft.estimator.split(": ")[0] if ": " in ft.estimator[:60] else ft.estimator.split(". ")[0]
    footer = [f"{spec['subtitle']}. Base: {base}.", f"Method: {method}; full note in the .txt file."]
    if spec.get("context_note"):
        footer.append(spec["context_note"])
    footer.append(f"Data: {settings.data_note_short}")
    text = "\n".join(textwrap.fill(t, 150) for t in footer)
    fig.text(0.01, 0.01, text, fontsize=6.5, va="bottom", ha="left", color="#3D3D3D")
    horizontal = spec["kind"].endswith("barh")
    fig.subplots_adjust(left=0.27 if horizontal else 0.1, bottom=0.3, top=0.88, right=0.97)
    fig.savefig(stem.with_suffix(".png"), metadata={"Software": None}, pil_kwargs={"compress_level": 1})
    fig.savefig(stem.with_suffix(".svg"), metadata={"Date": None, "Creator": None})
    fig.clear()


def figure_stem(settings: Settings, spec: dict) -> Path:
    return settings.figures_dir / f"fig{spec['number']:02d}_{spec['slug']}"


def table_stem(settings: Settings, ft: FigureTable) -> Path:
    if ft.is_figure:
        spec = settings.figures[ft.key]
        return settings.processed_dir / f"fig{spec['number']:02d}_{spec['slug']}"
    return settings.processed_dir / ft.key


def write_tables(settings: Settings, tables: list[FigureTable]) -> None:
    for ft in tables:
        spec = settings.figures.get(ft.key, {})
        data, meta = open_data_table(ft, spec, settings)
        stem = table_stem(settings, ft)
        write_csv(stem.with_suffix(".csv"), data)
        write_csv(stem.parent / f"{stem.name}.meta.csv", meta)


def _render_one(args) -> str:
    ft, spec, settings = args
    stem = figure_stem(settings, spec)
    data = plotted(ft, spec, settings)
    stem.parent.mkdir(parents=True, exist_ok=True)
    write_csv(stem.with_suffix(".csv"), data)
    write_text(stem.with_suffix(".txt"), alt_text(ft, spec, data, settings))
    render(ft, spec, data, settings, stem)
    return stem.name


@lru_cache(maxsize=16)
def _colours(palette: str, n: int) -> list[str]:
    """Analysis Function palette (afcharts reads its YAML on every call: cache it)."""
    from afcharts.af_colours import get_af_colours

    return get_af_colours(palette, number_of_colours=n)


def _init_worker() -> None:
    _style()
    import afcharts.af_colours  # noqa: F401 - warm the import before the first job


class FigurePool:
    """Draws figures in worker processes (fork) as soon as their tables exist; with one worker,
    draws in this process. ``submit`` may be called several times; ``results`` waits for all."""

    def __init__(self, workers: int):
        self.workers = workers
        self.pool = None
        self.pending: list = []
        if workers > 1:
            import multiprocessing as mp

            self.pool = mp.get_context("fork").Pool(workers, initializer=_init_worker)

    def submit(self, settings: Settings, tables: list[FigureTable]):
        jobs = [(ft, settings.figures[ft.key], settings) for ft in tables if ft.is_figure]
        if self.pool is None:
            self.pending.append(_Done([_render_one(j) for j in jobs]))
        else:
            self.pending.append(self.pool.map_async(_render_one, jobs, chunksize=1))
        return self

    def call(self, fn, *args):
        """Run another drawing function (module-level, returning a list of names) the same way."""
        if self.pool is None:
            self.pending.append(_Done(fn(*args)))
        else:
            self.pending.append(self.pool.apply_async(fn, args))
        return self

    def results(self) -> list[str]:
        return [name for p in self.pending for name in p.get()]

    def get(self) -> list[str]:
        return self.results()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()


class _Done:
    def __init__(self, result):
        self.result = result

    def get(self):
        return self.result
