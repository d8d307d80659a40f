"""Present: open-data CSVs with metadata, and figures with their data, alt text and notes.

Rounding happens here and only here, with the report's rules (percentages to 1%, costs to
£100). Figures use the Analysis Function (afcharts) style; every footer names the base, the
estimator and what the returns are (from the wave config's ``data_note``).
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import safe_text
from .analyse import TOTAL_LABEL, FigureTable, headline_indicator, lower_first, with_intervals
from .config import Settings
from .estimators import round_half_up
from .totals import without_added_totals

COUNTRY = {"geographic_level": "National", "country_code": "E92000001", "country_name": "England"}
ROUND_UNITS = {"£": 100, "%": 1, "": 1}
WHISKER_NOTE = "95% intervals (design-based, finite population correction); bounds in the data file."


# ------------------------------------------------------------------------------------------------
# Files


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically (``write_bytes``), line ends as given."""
    write_bytes(path, text.encode("utf-8"))


def write_bytes(path: Path, data: bytes) -> None:
    """Write atomically (temp file, then rename) so a failed run never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def csv_text(df: pd.DataFrame) -> str:
    """CSV text in which no cell would run as a spreadsheet formula (see ``safe_text``).

    The text of ``DataFrame.to_csv(index=False)`` (minimal quoting, ``\\n`` line ends), written
    column-wise straight to the csv module: the cells are converted as pandas converts them
    (floats, integers, booleans by numpy's ``str``, missing values empty, other objects left
    to the csv module) without pandas' per-chunk frame slicing. Columns of other types (dates,
    categories, nullable extension types) go through ``to_csv`` itself."""
    df = safe_text.neutralise_frame(df)
    buf = io.StringIO()
    cells = _csv_columns(df)
    if cells is None:
        df.to_csv(buf, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        return buf.getvalue()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(list(df.columns))
    writer.writerows(zip(*cells, strict=True))
    return buf.getvalue()


def _csv_columns(df: pd.DataFrame) -> list[list] | None:
    """Each column's cells as ``to_csv`` hands them to the csv module; None where a column (or
    the header) needs pandas' own formatting."""
    if not len(df.columns) or not all(isinstance(c, str) for c in df.columns):
        return None
    out = []
    for _, s in df.items():
        dtype = s.dtype
        if isinstance(dtype, pd.StringDtype) or (isinstance(dtype, np.dtype) and dtype.kind == "O"):
            v = s.to_numpy(dtype=object, copy=True)
            v[pd.isna(v)] = ""
        elif isinstance(dtype, np.dtype) and dtype.kind == "f":
            raw = s.to_numpy()
            v = raw.astype(str).astype(object)
            v[np.isnan(raw)] = ""
        elif isinstance(dtype, np.dtype) and dtype.kind in "iub":
            v = s.to_numpy().astype(str)
        else:
            return None
        out.append(v.tolist())
    return out


def write_csv(path: Path, df: pd.DataFrame) -> None:
    write_text(path, csv_text(df))


# Columns that publish single LAs' values or reveal them (an extreme is one LA's answer; the count
# of LAs above a threshold among one or two LAs says where their answers lie).
LA_LEVEL_COLUMNS = ("lowest_la", "highest_la", "n_las_high")


def _fmt_number(x, dp: int = 2) -> str:
    """Deterministic text for a number: fixed decimals, no trailing zeros; GSS 'x' if missing."""
    if x is None or (isinstance(x, float) and np.isnan(x)) or x is pd.NA:
        return "x"
    if isinstance(x, str):
        return x
    s = f"{float(x):.{dp}f}"
    if "." in s:  # trailing zeros of decimals only: 1200 stays 1200
        s = s.rstrip("0").rstrip(".")
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


def _open_data_settings(settings: Settings) -> dict:
    return settings.figures.get("open_data", {})


def readable(code, settings: Settings, table_key: str = "") -> str:
    """A label for an internal code or id: words in sentence case, acronyms kept
    (``ap_reason`` -> "AP reason", ``txt.other_services.la_count.x`` -> "LA count x")."""
    if not isinstance(code, str) or not code or code != code.strip():
        return code
    if " " in code:  # already words, unless an id leads ('region_share.South West')
        first, rest = code.split(" ", 1)
        if "." not in first:
            return code
        head, tail = first.rsplit(".", 1)
        return f"{readable(head, settings, table_key)} {tail} {rest}"
    od = _open_data_settings(settings)
    acronyms = {a.lower(): a for a in od.get("acronyms", [])}
    text = code
    for prefix in od.get("drop_prefixes", []):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    topic = table_key.removeprefix("txt_")
    if topic and text.startswith(topic + "."):
        text = text[len(topic) + 1 :]
    words = [w for w in text.replace(".", " ").replace("_", " ").split(" ") if w]
    out = [acronyms.get(w.lower(), w) for w in words]
    if out and out[0] == words[0] and out[0] not in acronyms.values():
        out[0] = out[0][:1].upper() + out[0][1:]
    return " ".join(out)


def filter_label(col: str, settings: Settings) -> str:
    dims = settings.codebook.dimensions
    return dims[col].label if col in dims else readable(col, settings)


def filter_hint(col: str, settings: Settings) -> str:
    hints = _open_data_settings(settings).get("filter_hints", {})
    return hints.get(col) or f"Filter by {lower_first(filter_label(col, settings))}"


def item_labels(col: str, spec: dict, settings: Settings, categories: dict | None = None) -> dict[str, str]:
    """Labels of a filter's items: the dimension's, overridden by the figure's category labels
    (``categories``, default ``category_labels``) or series labels where the filter is one of those."""
    if col == spec.get("category"):
        own = category_labels(spec, settings) if categories is None else categories
    else:
        own = _series_labels(spec, settings) if col == spec.get("series") else {}
    return {**_item_labels(col, settings), **own}


def _item_labels(col: str, settings: Settings) -> dict[str, str]:
    dims = settings.codebook.dimensions
    return dict(dims[col].labels) if col in dims else {}


# ------------------------------------------------------------------------------------------------
# Open-data table


def open_data_table(ft: FigureTable, spec: dict, settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """EES-style tidy CSV and its .meta.csv for one figure table: readable filter items and
    labels (acronyms kept), a hint for every filter, values rounded half up to ``indicator_dp``."""
    ft = with_intervals(ft)
    labels = {**category_labels(spec, settings), TOTAL_LABEL: TOTAL_LABEL}  # EES default item
    df = ft.table
    min_count = settings.analysis["suppression"]["min_count"]
    n = len(df)
    columns: dict[str, list] = {
        "time_period": [settings.time_period_for(ft.time_identifier)] * n,
        "time_identifier": [ft.time_identifier or settings.time_identifier] * n,
        **{k: [v] * n for k, v in COUNTRY.items()},
    }
    for f in ft.filters:  # cell by cell over plain lists: tables are small, pandas calls are not
        mapping = item_labels(f, spec, settings, labels)
        columns[f] = [mapping[v] if v in mapping else readable(v, settings, ft.key) for v in df[f].tolist()]
    for col, m in ft.indicators.items():
        dp = int(m.get("dp", 0) or 0)
        vals = [_fmt_number(_round_dp(v, dp), dp) for v in df[col].tolist()]
        base = "n_las_giving_cost" if "n_las_giving_cost" in df else "n_las"
        if col.startswith(LA_LEVEL_COLUMNS) and base in df:
            # LA-level values (extremes, counts of LAs above a threshold): suppressed where fewer
            # LAs than the disclosure threshold gave the values they come from; 'x' (none) stays.
            enough = (df[base] >= min_count).tolist()
            vals = [v if ok or v == "x" else "c" for v, ok in zip(vals, enough, strict=True)]
        columns[col] = vals
    head = headline_indicator(ft)
    min_las, symbol = small_base_min(settings), small_base_symbol(settings)
    flags = reliability(df["n_las"], min_las, symbol).tolist() if head is not None else ["z"] * n
    # A row resting on one LA publishes its base only: its estimate, bounds, sums and extremes are
    # that LA's own answers (counts of LAs, 'n_las...', stay).
    one_la = [fl == "c" for fl in flags]
    for col in [c for c in ft.indicators if not c.startswith("n_las")] if head is not None else ():
        keep_x = col not in (head, "lower", "upper")  # the estimate and its bounds always read c
        columns[col] = [
            "c" if one and not (keep_x and v == "x") else v
            for v, one in zip(columns[col], one_la, strict=True)
        ]
    if any(fl != "z" for fl in flags):  # the flag column only in tables with a small base
        columns["reliability"] = flags
        ft.indicators = {
            **ft.indicators,
            "reliability": {
                "label": f"Reliability (GSS symbol: {symbol} = fewer than {min_las} LAs in the base; "
                "c = one LA; z = not applicable)",
                "unit": "",
                "dp": 0,
            },
        }
    meta_rows = [
        {
            "col_name": f,
            "col_type": "Filter",
            "label": filter_label(f, settings),
            "indicator_grouping": "",
            "indicator_unit": "",
            "indicator_dp": "",
            "filter_hint": filter_hint(f, settings),
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
    return pd.DataFrame(columns, index=df.index), pd.DataFrame(meta_rows)


def small_base_min(settings: Settings) -> int:
    """``config/analysis.yaml: small_base.min_las``, checked (an integer of at least 2)."""
    v = (settings.analysis.get("small_base") or {}).get("min_las")
    if isinstance(v, bool) or not isinstance(v, int) or v < 2:
        raise SystemExit(
            f"error: config/analysis.yaml: small_base.min_las must be an integer >= 2, got {v!r}"
        )
    return v


def small_base_symbol(settings: Settings) -> str:
    """``config/analysis.yaml: small_base.symbol``: the GSS symbol of low reliability (``u``)."""
    v = (settings.analysis.get("small_base") or {}).get("symbol", "u")
    if v not in ("u", "low"):
        raise SystemExit(f"error: config/analysis.yaml: small_base.symbol must be 'u' or 'low', got {v!r}")
    return v


def reliability(n_las: pd.Series, min_las: int, symbol: str = "u") -> pd.Series:
    """GSS flag of each estimate by its base: ``c`` for a single LA (its own answer, never an
    average), ``symbol`` (low reliability, value kept) below ``min_las`` LAs, ``z`` otherwise."""
    n = pd.to_numeric(n_las, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return pd.Series(np.where(n == 1, "c", np.where(n < min_las, symbol, "z")), index=n_las.index)


def _round_dp(v, dp: int):
    """Half up to ``dp`` decimals (presentation rounding of open data); text passes through."""
    if isinstance(v, str) or v is None or pd.isna(v):
        return v
    return round_half_up(v, 10.0**-dp) if dp > 0 else round_half_up(v, 1)


# ------------------------------------------------------------------------------------------------
# Figures


def _series_labels(spec: dict, settings: Settings) -> dict[str, str]:
    labels: dict[str, str] = {}
    if spec.get("series_dimension"):
        labels.update(settings.codebook.dimensions[spec["series_dimension"]].labels)
    labels.update(spec.get("series_labels", {}))
    return labels


def plotted(ft: FigureTable, spec: dict, settings: Settings) -> pd.DataFrame:
    """The numbers a figure shows: unrounded, and rounded as presented (half up), with the base."""
    labels = category_labels(spec, settings)
    y = spec["y"]
    unit = ft.indicators[y]["unit"]
    step = spec.get("round", ROUND_UNITS.get(unit, 1))
    df = without_added_totals(ft.table, spec)
    if spec.get("rows"):
        df = df.query(spec["rows"])
    codes = df[spec["category"]].astype(str)
    out = pd.DataFrame({"category_code": codes, "category": codes.map(lambda v: labels.get(v, v))})
    if spec.get("series"):
        sl = _series_labels(spec, settings)
        out["series"] = df[spec["series"]].map(lambda v: sl.get(v, v))
    out["value"] = pd.to_numeric(df[y], errors="coerce").astype(float)
    out["value_rounded"] = out["value"].map(lambda v: round_half_up(v, step))
    out["unit"] = unit or "number"
    out["n_las"] = pd.to_numeric(df["n_las"], errors="coerce") if "n_las" in df else np.nan
    out["small_base"] = (out["n_las"] < small_base_min(settings)).to_numpy(dtype=object)
    bounds = y == headline_indicator(ft) and "lower" in df
    for col in ("lower", "upper"):  # the 95% interval of the plotted value (NaN: none)
        out[col] = pd.to_numeric(df[col], errors="coerce").astype(float) if bounds else np.nan
    # One LA's answer is never published as an estimate (GSS 'c', as in the open data): no bar.
    out["suppressed"] = (out["n_las"] == 1).to_numpy(dtype=object)
    out.loc[out["suppressed"] == True, ["value", "value_rounded", "lower", "upper"]] = np.nan  # noqa: E712
    return out.reset_index(drop=True)


def figure_csv(spec: dict, data: pd.DataFrame) -> pd.DataFrame:
    """The figure's data file: figure number, labels, unrounded and rounded values, base (n LAs)
    and 95% interval (GSS ``x`` where not available)."""
    out = pd.DataFrame({"figure": spec["number"], "category": data["category"]}, index=data.index)
    if "series" in data:
        out["series"] = data["series"]
    out["value"] = data["value"].map(lambda v: _fmt_number(v, 6))
    out["value_rounded"] = data["value_rounded"].map(lambda v: _fmt_number(v, 6))
    if "suppressed" in data:  # a single LA's answer: GSS 'c'
        single = (data["suppressed"] == True).to_numpy()  # noqa: E712 (object column)
        out.loc[single, ["value", "value_rounded"]] = "c"
    out["unit"] = data["unit"]
    out["n_las"] = data["n_las"].map(lambda v: "x" if pd.isna(v) else str(int(v)))  # GSS x: not available
    for col in ("lower", "upper"):
        out[col] = data[col].map(lambda v: _fmt_number(v, 6)) if col in data else "x"
    return out


KIND_NAMES = {
    (True, "single"): "Bar chart",
    (False, "single"): "Column chart",
    (True, "grouped"): "Clustered bar chart",
    (False, "grouped"): "Clustered column chart",
    (True, "stacked"): "Stacked bar chart",
    (False, "stacked"): "Stacked column chart",
    (True, "panels"): "Small multiples of bar charts, one panel per series",
}


def _kind_name(p) -> str:
    shape = "panels" if p.panels else ("stacked" if p.stacked else ("grouped" if p.series else "single"))
    return KIND_NAMES.get((p.horizontal, shape), "Chart")


@dataclass
class ChartPlan:
    """What the chart and its alt text share: the bar plan, the value labels, the headline."""

    plan: object  # charts.Plan
    labels: dict
    headline: str


def chart_plan(ft: FigureTable, spec: dict, data: pd.DataFrame) -> ChartPlan:
    from .charts import _label_texts, headline, plan, whiskers

    p = plan(data, spec, TOTAL_LABEL)
    p.intervals = whiskers(spec, ft.estimator, p, data)
    labels = _label_texts(data, p, spec.get("format", "number"))
    return ChartPlan(p, labels, headline(spec, data, TOTAL_LABEL))


def alt_text(
    ft: FigureTable, spec: dict, data: pd.DataFrame, settings: Settings, chart: ChartPlan | None = None
) -> str:
    """Title line (figure number and headline), subtitle, the short key message (alt text), then
    the long description: report caption, chart type, every value as labelled, base, method."""
    fmt = spec.get("format", "number")
    chart = chart or chart_plan(ft, spec, data)
    p, shown = chart.plan, chart.labels
    message = short_message(chart.headline)
    lines = [f"Figure {spec['number']}: {message}", f"{spec['subtitle']}.", f"Key message: {message}"]
    lines += [f"Report caption: {spec['title']}."]
    lines += [f"{_kind_name(p)}{', with 95% intervals as whiskers' if p.intervals else ''}. Values shown:"]
    for r in data.itertuples(index=False):
        s = getattr(r, "series", None)
        who = f"{r.category}, {s}" if s is not None else r.category
        n = None if pd.isna(r.n_las) else int(r.n_las)
        base = f" (based on {n} LA{'' if n == 1 else 's'})" if n is not None else ""
        ci = ""
        if p.intervals and not (pd.isna(r.lower) or pd.isna(r.upper)):
            ci = f" (95% interval {_value_text(r.lower, fmt)} to {_value_text(r.upper, fmt)})"
        value = shown.get((r.category, s), _value_text(r.value, fmt))
        if getattr(r, "suppressed", False) == True:  # noqa: E712 (object column)
            value = "not published: one LA's answer (c)"
        lines.append(f"- {who}: {value}{ci}{base}")
    if spec.get("context_note"):
        lines += ["", spec["context_note"]]
    lines += ["", f"Base: {ft.base}.", f"Method: {ft.estimator}", f"Data: {settings.data_note}"]
    return "\n".join(lines) + "\n"


def _value_text(v: float, fmt: str) -> str:
    from .charts import format_value

    return format_value(v, fmt)


@lru_cache(maxsize=1)
def _canvas():
    """One figure per process, cleared between charts (creating a figure costs more than clearing)."""
    from .canvas import figure

    _style()
    return figure(9, 6.2)


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
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "text.hinting": "no_hinting",  # hinting costs a third of the PNG time, for no visible gain
        }
    )
    return plt


def canvas(height: float):
    """The process's figure, cleared and sized for a chart of ``height`` inches."""
    from .charts import WIDTH

    fig = _canvas()
    _empty(fig)
    fig.set_size_inches(WIDTH, height)
    return fig


def _empty(fig) -> None:
    """Remove every artist (the charts draw on panels, never on matplotlib Axes)."""
    fig.clear()


def save_figure(fig, stem: Path) -> None:
    """PNG and SVG, metadata-free so that bytes are stable; the canvas is emptied after. Both are
    written atomically, as new files: the report links to a run's images (``report.link_or_copy``),
    and a later run must not change them under it."""
    fig.canvas.draw()  # Agg, at the figure's dpi (= savefig.dpi)
    write_png(stem.with_suffix(".png"), np.asarray(fig.canvas.buffer_rgba()), fig.dpi)
    svg = io.StringIO()
    fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    write_text(stem.with_suffix(".svg"), svg.getvalue())
    _empty(fig)


def png_bytes(rgba: np.ndarray, dpi: float) -> bytes:
    """A PNG of an RGBA image: rows unfiltered, zlib level 1, the resolution, nothing else.

    Charts are large flat areas, which zlib compresses as well without PNG's row filters;
    Pillow (through matplotlib's savefig) chooses a filter per row, which took two thirds of the
    encoding time for the same file size (76 vs 78 KB, 4.5 vs 10.8 ms per figure)."""
    import struct
    import zlib

    height, width, _ = rgba.shape
    rows = np.zeros((height, width * 4 + 1), dtype=np.uint8)  # each row: filter type 0, pixels
    rows[:, 1:] = rgba.reshape(height, -1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    per_metre = round(dpi / 0.0254)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)),  # 8-bit RGBA
            chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
            chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)),
            chunk(b"IEND", b""),
        )
    )


def write_png(path: Path, rgba: np.ndarray, dpi: float) -> None:
    write_bytes(path, png_bytes(rgba, dpi))


def short_message(text: str) -> str:
    """A key message of at most 250 characters, cut at a word."""
    text = text.rstrip(".") + "."
    return text if len(text) <= 250 else text[:246].rsplit(" ", 1)[0] + "..."


def figure_text(title: str, subtitle: str, message: str, description: list[str], notes: dict) -> str:
    """A figure's .txt as for the chart-layer figures: title, subtitle, the short key message (alt
    text), the long description, then the labelled notes (Base, Method, Data, Source...)."""
    lines = [title, f"{subtitle.rstrip('.')}.", f"Key message: {short_message(message)}", *description, ""]
    lines += [f"{k}: {v}" for k, v in notes.items()]
    return "\n".join(lines) + "\n"


def compose(
    ft: FigureTable, spec: dict, data: pd.DataFrame, settings: Settings, chart: ChartPlan | None = None
):
    """Size ``fig`` for the content and put every artist on it (nothing is saved here)."""
    from . import charts

    _style()
    chart = chart or chart_plan(ft, spec, data)
    p, labels = chart.plan, chart.labels
    n_colours = len(p.series) if p.series else 1 + len(p.subsets)
    palette = "categorical" if n_colours <= 6 else "sequential"
    colours = _colours(palette, min(max(2, n_colours), 6 if palette == "categorical" else 5))
    subtitle = spec["subtitle"] + (f" ({p.base_all} LAs)" if p.base_on == "subtitle" else "")
    method = ft.estimator.split(": ")[0] if ": " in ft.estimator[:60] else ft.estimator.split(". ")[0]
    footer = [f"Base: {ft.base}.", f"Method: {method}; full note in the .txt file."]
    if "small_base" in data and (data["small_base"] == True).any():  # noqa: E712 (object column)
        footer.append(f"Paler bars: fewer than {small_base_min(settings)} LAs (low reliability).")
    if "suppressed" in data and (data["suppressed"] == True).any():  # noqa: E712 (object column)
        footer.append("c: one LA's answer, not published as an estimate (no bar).")
    if p.intervals:
        footer.append(f"Whiskers: {WHISKER_NOTE}")
    if spec.get("context_note"):
        footer.append(spec["context_note"])
    footer.append(f"Data: {settings.data_note_short}")
    title = f"Figure {spec['number']}: {chart.headline}"
    lay = charts.layout(data, spec, p, labels, title, subtitle, "\n".join(footer))
    fig = canvas(lay.fig_h)
    charts.draw(fig, data, spec, p, lay, colours, labels)
    return fig


def render(
    ft: FigureTable,
    spec: dict,
    data: pd.DataFrame,
    settings: Settings,
    stem: Path,
    chart: ChartPlan | None = None,
) -> None:
    """Draw one figure and save it as PNG and SVG (metadata-free, so bytes are stable)."""
    save_figure(compose(ft, spec, data, settings, chart), stem)


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


def _render_one(ft: FigureTable, spec: dict, settings: Settings) -> list[str]:
    """One figure of the report: data CSV, alt text, PNG and SVG; its name (a job of the pool)."""
    stem = figure_stem(settings, spec)
    data = plotted(ft, spec, settings)
    stem.parent.mkdir(parents=True, exist_ok=True)
    write_csv(stem.with_suffix(".csv"), figure_csv(spec, data))
    chart = chart_plan(ft, spec, data)  # shared by the alt text and the drawing
    write_text(stem.with_suffix(".txt"), alt_text(ft, spec, data, settings, chart))
    render(ft, spec, data, settings, stem, chart)
    return [stem.name]


@lru_cache(maxsize=16)
def _colours(palette: str, n: int) -> list[str]:
    """Analysis Function palette (afcharts reads its YAML on every call: cache it)."""
    from afcharts.af_colours import get_af_colours

    return get_af_colours(palette, number_of_colours=n)


def _init_worker() -> None:
    _style()
    import afcharts.af_colours  # noqa: F401 - warm the import before the first job


def _start_worker(niceness: int) -> None:
    """In each figure worker: its priority, and no copy of the helpers' pipe ends (a helper must
    see its pipe end when the run's main process is gone)."""
    from .background import close_inherited_ends

    os.nice(niceness)
    close_inherited_ends()


WORKER_NICENESS = 5  # added to the figure workers' niceness (see FigurePool)


class FigurePool:
    """Draws figures in worker processes (fork) as soon as their tables exist; with one worker,
    draws in this process. ``submit`` and ``call`` may be called several times; ``results`` waits
    for all, drawing queued figures in this process meanwhile (work stealing).

    Jobs wait in a queue here and go to the workers a few at a time (enough that a worker never
    waits for the next one), so that this process, once its own stages are done, takes the
    figures no worker has started instead of waiting for the workers to draw them."""

    AHEAD = 1  # jobs handed to the workers beyond one each

    def __init__(self, workers: int):
        import threading
        from collections import deque

        self.workers = workers
        self.pool = None
        self.context = None  # handle of the context figure job (run.py), None until started
        self._queue: deque = deque()  # (slot, fn, args) not yet handed out
        self._slots: list = []  # results in submission order (a list of names per job)
        self._sent = 0  # jobs handed to the workers and not yet back
        self._failed: list[BaseException] = []
        self._closed = False  # set by close(): nothing more goes to the workers
        self._lock = threading.Condition()
        if workers > 1:
            import multiprocessing as mp

            _init_worker()  # before the fork: the workers share one import of matplotlib (-0.35 s each)
            # a lower priority for the workers: the stages of this process are the run's critical
            # path (every figure waits for its table), and it draws what is left at the end
            from .background import freeze_before_fork

            freeze_before_fork()
            context = mp.get_context("fork")
            self.pool = context.Pool(workers, initializer=_start_worker, initargs=(WORKER_NICENESS,))

    def submit(self, settings: Settings, tables: list[FigureTable]):
        for ft in tables:
            if ft.is_figure:
                self._add(_render_one, (ft, settings.figures[ft.key], settings))
        return self

    def call(self, fn, *args, first: bool = False):
        """Run another drawing function (module-level, returning a list of names) the same way;
        ``first``: before the queued figures (a long job late in a run: the short figures still
        queued then fill the end, instead of the run waiting for the long one)."""
        return self._add(fn, args, first)

    def _add(self, fn, args, first: bool = False):
        with self._lock:
            self._slots.append(None)
            job = (len(self._slots) - 1, fn, args)
            self._queue.appendleft(job) if first else self._queue.append(job)
            self._hand_out()
        if self.pool is None:  # one worker: draw now, in order
            self._steal()
        return self

    def _hand_out(self) -> None:
        """Keep the workers supplied (called with the lock held)."""
        while (
            self.pool is not None
            and not self._closed
            and self._queue
            and self._sent < self.workers + self.AHEAD
        ):
            slot, fn, args = self._queue.popleft()
            self._sent += 1
            self.pool.apply_async(
                fn, args, callback=lambda r, slot=slot: self._back(slot, r), error_callback=self._error
            )

    def _back(self, slot: int, result) -> None:
        with self._lock:
            self._slots[slot] = result
            self._sent -= 1
            self._hand_out()
            self._lock.notify_all()

    def _error(self, exc: BaseException) -> None:
        with self._lock:
            self._failed.append(exc)
            self._sent -= 1
            self._lock.notify_all()

    def _steal(self, until=lambda: False) -> None:
        """Draw the jobs no worker has taken yet, here, one by one until ``until()`` is true."""
        while not until():
            with self._lock:
                if not self._queue:
                    return
                slot, fn, args = self._queue.popleft()
            self._slots[slot] = fn(*args)

    def help_until(self, job) -> None:
        """Draw queued figures here while ``job`` (a background result this process waits for)
        is not ready: the waiting time goes to drawing."""
        self._steal(until=job.ready)

    def later(self, fn, *args):
        """Start ``fn(*args)`` in a worker and return its handle (``.get()``), outside ``results``."""
        return _Done(fn(*args)) if self.pool is None else self.pool.apply_async(fn, args)

    def results(self) -> list[str]:
        self._steal()
        with self._lock:
            self._lock.wait_for(lambda: self._sent == 0 or self._failed)
            if self._failed:
                raise self._failed[0]
        return [name for names in self._slots for name in names]

    def get(self) -> list[str]:
        return self.results()

    def close(self) -> None:
        """Wait for the workers once every job is back; with jobs still out or queued (a stage
        failed), stop them at once. Nothing is handed out once closing starts: a job handed to a
        closed pool kills its result thread, and join() would then wait for ever."""
        with self._lock:
            self._closed = True
            unfinished = bool(self._queue) or self._sent > 0 or bool(self._failed)
        if self.pool is not None:
            if unfinished:
                self.pool.terminate()
            else:
                self.pool.close()
            self.pool.join()


class _Done:
    def __init__(self, result):
        self.result = result

    def get(self):
        return self.result
