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
    series_labels = spec.get("series_labels", {})
    df = ft.table.copy()
    min_count = settings.analysis["suppression"]["min_count"]
    for f in ft.filters:
        mapping = labels if f == spec.get("category") else series_labels
        df[f] = df[f].map(lambda v, m=mapping: m.get(v, v))
    out = pd.DataFrame(
        {
            "time_period": settings.time_period,
            "time_identifier": settings.time_identifier,
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


def plotted(ft: FigureTable, spec: dict, settings: Settings) -> pd.DataFrame:
    """Exactly the numbers a figure shows, rounded as presented."""
    labels = category_labels(spec, settings)
    y = spec["y"]
    unit = ft.indicators[y]["unit"]
    df = ft.table
    out = pd.DataFrame({"category": df[spec["category"]].map(lambda v: labels.get(v, v))})
    if spec.get("series"):
        sl = spec.get("series_labels", {})
        out["series"] = df[spec["series"]].map(lambda v: sl.get(v, v))
    out["value"] = df[y].map(lambda v: round_half_up(v, ROUND_UNITS.get(unit, 1)))
    out["unit"] = unit or "number"
    out["n_las"] = df.get("n_las", "")
    return out.reset_index(drop=True)


def _money(v: float) -> str:
    return "no data" if np.isnan(v) else f"£{v:,.0f}"


def _value_text(v: float, fmt: str) -> str:
    if np.isnan(v):
        return "no data"
    return _money(v) if fmt == "gbp" else (f"{v:.0f}%" if fmt == "percent" else f"{v:,.0f}")


def alt_text(ft: FigureTable, spec: dict, data: pd.DataFrame, settings: Settings) -> str:
    fmt = spec.get("format", "number")
    lines = [f"Figure {spec['number']}: {spec['title']}.", f"{spec['subtitle']}.", ""]
    kind = {
        "bar": "Column chart",
        "barh": "Bar chart",
        "grouped_bar": "Clustered column chart",
    }.get(spec["kind"], "Chart")
    lines.append(f"{kind} with one value per category. Values shown:")
    for r in data.itertuples(index=False):
        who = f"{r.category}, {r.series}" if "series" in data else r.category
        lines.append(f"- {who}: {_value_text(r.value, fmt)} (based on {r.n_las} LAs)")
    lines += ["", f"Base: {ft.base}.", f"Method: {ft.estimator}", f"Data: {settings.data_note}"]
    return "\n".join(lines) + "\n"


def _style():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.style.use("afcharts.afcharts")
    plt.rcParams.update(
        {
            "svg.hashsalt": "apmarket",
            "font.size": 10,
            "axes.titlesize": 11,
            "figure.dpi": 100,
            "savefig.dpi": 110,
        }
    )
    return plt


def render(ft: FigureTable, spec: dict, data: pd.DataFrame, settings: Settings, stem: Path) -> None:
    """Draw one figure and save it as PNG and SVG (metadata-free, so bytes are stable)."""
    plt = _style()
    from afcharts.af_colours import get_af_colours

    fmt = spec.get("format", "number")
    fig, ax = plt.subplots(figsize=(9, 6.2))
    if spec["kind"] == "grouped_bar":
        cats = list(dict.fromkeys(data["category"]))
        series = list(dict.fromkeys(data["series"]))
        colours = get_af_colours("categorical", number_of_colours=max(2, len(series)))
        width = 0.8 / len(series)
        for i, s in enumerate(series):
            d = data[data["series"] == s].set_index("category").reindex(cats)
            xs = np.arange(len(cats)) + (i - (len(series) - 1) / 2) * width
            bars = ax.bar(xs, d["value"].fillna(0), width, label=s, color=colours[i])
            ax.bar_label(bars, labels=[_value_text(v, fmt) for v in d["value"]], fontsize=8, padding=2)
        ax.set_xticks(np.arange(len(cats)), ["\n".join(textwrap.wrap(str(c), 16)) for c in cats])
        ax.legend(loc="upper left", bbox_to_anchor=(0, -0.08), ncol=len(series), frameon=False)
    elif spec["kind"] == "barh":
        colour = get_af_colours("categorical", number_of_colours=2)[0]
        d = data.iloc[::-1]
        labels = ["\n".join(textwrap.wrap(str(c), 26)) for c in d["category"]]
        bars = ax.barh(labels, d["value"].fillna(0), color=colour)
        ax.bar_label(bars, labels=[_value_text(v, fmt) for v in d["value"]], fontsize=9, padding=3)
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
    else:
        colour = get_af_colours("categorical", number_of_colours=2)[0]
        labels = ["\n".join(textwrap.wrap(str(c), 16)) for c in data["category"]]
        bars = ax.bar(labels, data["value"].fillna(0), color=colour)
        ax.bar_label(bars, labels=[_value_text(v, fmt) for v in data["value"]], fontsize=9, padding=3)
    if fmt == "gbp":
        ax.xaxis.set_major_formatter("£{x:,.0f}") if spec["kind"] == "barh" else ax.yaxis.set_major_formatter(
            "£{x:,.0f}"
        )
    ax.set_title(
        "\n".join(textwrap.wrap(f"Figure {spec['number']}: {spec['title']}", 85)),
        loc="left",
        fontsize=11,
    )
    n_total = data["n_las"].max() if len(data) else 0
    footer = [
        f"{spec['subtitle']}. Base: {ft.base} (up to {n_total} LAs; n per bar in the data file).",
        f"Method: {ft.estimator}",
        f"Data: {settings.data_note}",
    ]
    text = "\n".join(textwrap.fill(t, 150) for t in footer)
    fig.text(0.01, 0.01, text, fontsize=6.5, va="bottom", ha="left", color="#3D3D3D")
    fig.subplots_adjust(left=0.26 if spec["kind"] == "barh" else 0.1, bottom=0.26, top=0.88, right=0.97)
    fig.savefig(stem.with_suffix(".png"), metadata={"Software": None})
    fig.savefig(stem.with_suffix(".svg"), metadata={"Date": None, "Creator": None})
    plt.close(fig)


def figure_stem(settings: Settings, spec: dict) -> Path:
    return settings.figures_dir / f"fig{spec['number']:02d}_{spec['slug']}"


def write_tables(settings: Settings, tables: list[FigureTable]) -> None:
    for ft in tables:
        spec = settings.figures[ft.key]
        data, meta = open_data_table(ft, spec, settings)
        stem = settings.processed_dir / f"fig{spec['number']:02d}_{spec['slug']}"
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


def write_figures(settings: Settings, tables: list[FigureTable], workers: int = 1) -> list[str]:
    jobs = [(ft, settings.figures[ft.key], settings) for ft in tables]
    if workers > 1 and len(jobs) > 1:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(workers) as pool:
            return pool.map(_render_one, jobs)
    return [_render_one(j) for j in jobs]
