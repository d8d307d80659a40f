"""Chart layer: every figure is drawn by one routine from its spec and its plotted data.

Rules applied to every figure (no per-figure fixes; a spec only names its data and options):
- horizontal bars whenever labels are long or there are many categories; columns only for a few
  short labels (e.g. phases);
- categories sorted by value where the spec says their order has no meaning (``sort: value``),
  the total and any ``keep_last`` categories kept last;
- a total (the analysis' ``Total`` row) set apart: its own colour and a gap before it;
- subsets (``subsets: {child: parent}``) drawn inside their parent's bar, never as a sibling;
- stack labels rounded by largest remainder so a stack's labels add to 100 (labels only: bar
  lengths and the data file keep the unrounded values);
- bases on the chart: "(n=...)" on the axis labels, legend entries, panel titles or subtitle;
- more than ``MAX_CLUSTERED`` clustered bars become small multiples, one panel per series;
- a headline title (the spec's ``headline``, filled from the data) and a statistical subtitle;
- a footer at a readable size directly under the plot; the canvas grows with the content.

The layout is computed in inches from measured text widths before anything is drawn, so one
draw per output format is enough and no label can overlap another.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

WIDTH = 9.0  # inches; published at 100 dpi = 900 px
PAD = 0.15
SIZE = {
    "title": 13.0,
    "subtitle": 10.5,
    "tick": 10.0,
    "label": 9.0,
    "legend": 9.5,
    "footer": 8.5,
    "panel": 9.5,
}
GREY = "#3D3D3D"
TOTAL_COLOUR = "#3D3D3D"
MAX_CLUSTERED = 12
LONG_LABEL = 16  # characters: longer labels are drawn as horizontal bars
MAX_COLUMNS = 6
LINE = 1.25  # line height as a multiple of the font size


# ------------------------------------------------------------------------------------------------
# Text measurement (Agg renderer, no drawing)


@lru_cache(maxsize=2)
def _font(bold: bool):
    """The default font, to read glyph advances from (no text is laid out)."""
    from matplotlib.font_manager import FontProperties, findfont, get_font

    return get_font(findfont(FontProperties(weight="bold" if bold else "normal")))


@lru_cache(maxsize=4096)
def _advance(char: str, bold: bool) -> float:
    """Advance width of one character at 1 pt, in points (glyph metrics, no rendering)."""
    from matplotlib.ft2font import LoadFlags

    font = _font(bold)  # shared with the renderers, which resize it: set the size every time
    font.set_size(100, 72)
    glyph = font.load_char(ord(char), flags=LoadFlags.NO_HINTING)
    return glyph.linearHoriAdvance / 65536 / 100


@lru_cache(maxsize=8192)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in inches of one line of text: the sum of its glyph advances, a few per cent above
    the laid-out width (no kerning); measuring through a renderer costs far more."""
    return sum(_advance(c, bold) for c in text) * size / 72.0


def line_height(size: float, lines: int = 1) -> float:
    return lines * size * LINE / 72.0


def wrap(text: str, size: float, max_width: float, bold: bool = False) -> str:
    """Greedy word wrap to a measured width in inches."""
    out: list[str] = []
    for para in str(text).split("\n"):
        line = ""
        for word in para.split():
            trial = f"{line} {word}".strip()
            if line and text_width(trial, size, bold) > max_width:
                out.append(line)
                line = word
            else:
                line = trial
        out.append(line)
    return "\n".join(out)


def block_width(text: str, size: float, bold: bool = False) -> float:
    return max((text_width(t, size, bold) for t in text.split("\n")), default=0.0)


def n_lines(text: str) -> int:
    return text.count("\n") + 1 if text else 0


# ------------------------------------------------------------------------------------------------
# Data preparation


def largest_remainder(values: list[float], total: int = 100) -> list[int]:
    """Integers with the given total, each the floor or ceiling of its value (Hamilton's method)."""
    floors = [math.floor(v) for v in values]
    short = total - sum(floors)
    order = sorted(range(len(values)), key=lambda i: (-(values[i] - floors[i]), i))
    for i in order[: max(0, short)]:
        floors[i] += 1
    return floors


def stack_labels(values: list[float]) -> list[int] | None:
    """Labels of one percentage stack that add to exactly 100, or None if it is no full stack."""
    vals = [0.0 if pd.isna(v) else float(v) for v in values]
    if abs(sum(vals) - 100) > 0.5 or any(v < 0 for v in vals):
        return None
    scaled = [v * 100 / sum(vals) for v in vals]
    return largest_remainder(scaled)


def format_value(v, fmt: str, rounded=None) -> str:
    if v is None or pd.isna(v):
        return "no data"
    x = rounded if rounded is not None else v
    if fmt == "gbp":
        return f"£{x:,.0f}"
    if fmt == "percent":
        return f"{x:.0f}%"
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"


def n_text(n) -> str:
    return f"n={int(n)}" if n is not None and not pd.isna(n) else ""


@dataclass
class Plan:
    """What to draw: category order, series, orientation, panels and where each base goes."""

    cats: list[str]
    series: list[str] | None
    horizontal: bool
    stacked: bool
    panels: bool
    total: str | None
    subsets: dict[str, str]  # child label -> parent label
    base_on: str  # "subtitle", "category", "series", "bar" or ""
    base_all: str
    intervals: bool = False  # 95% intervals drawn as whiskers (charts of means, see ``whiskers``)


def _order(data: pd.DataFrame, spec: dict, total: str | None, stacked: bool) -> list[str]:
    cats = list(dict.fromkeys(data["category"]))
    if spec.get("sort") == "value":
        # a stack is sorted by its first segment (its total is 100); bars by their mean
        first = data[data["series"] == data["series"].iloc[0]] if stacked and "series" in data else data
        mean = first.groupby("category", sort=False)["value"].mean()
        cats = sorted(cats, key=lambda c: -(mean.get(c, 0) if not pd.isna(mean.get(c)) else -1e18))
    last = [
        c
        for c in cats
        if c in set(data.loc[data["category_code"].isin(spec.get("keep_last", [])), "category"])
    ]
    cats = [c for c in cats if c not in last] + last
    if total in cats:
        cats = [c for c in cats if c != total] + [total]
    return cats


def plan(data: pd.DataFrame, spec: dict, total_label: str) -> Plan:
    total_codes = data.loc[data["category_code"] == total_label, "category"]
    total = total_codes.iloc[0] if len(total_codes) else None
    code_to_label = dict(zip(data["category_code"], data["category"], strict=True))
    subsets = {
        code_to_label[c]: code_to_label[p] for c, p in spec.get("subsets", {}).items() if c in code_to_label
    }
    cats = [c for c in _order(data, spec, total, spec["kind"].startswith("stacked")) if c not in subsets]
    series = list(dict.fromkeys(data["series"])) if "series" in data else None
    kind = spec["kind"]
    stacked = kind.startswith("stacked")
    long_labels = max((len(c) for c in cats), default=0) > LONG_LABEL
    horizontal = (
        kind.endswith("barh")
        or long_labels
        or len(cats) > MAX_COLUMNS
        or (series is not None and not stacked)
    )
    panels = series is not None and not stacked and len(cats) * len(series) > MAX_CLUSTERED
    n = pd.to_numeric(data["n_las"], errors="coerce")
    base_on, base_all = "", ""
    if n.notna().any():
        if n.nunique(dropna=False) == 1:
            base_on, base_all = "subtitle", n_text(n.iloc[0])
        elif data.assign(n=n).groupby("category")["n"].nunique(dropna=False).max() == 1:
            base_on = "category"
        elif series is not None and data.assign(n=n).groupby("series")["n"].nunique(dropna=False).max() == 1:
            base_on = "series"
        else:
            base_on = "bar"
    return Plan(cats, series, horizontal, stacked, panels, total, subsets, base_on, base_all)


def headline(spec: dict, data: pd.DataFrame, total_label: str) -> str:
    """The spec's ``headline`` template filled from the data, or the report caption."""
    template = spec.get("headline")
    if not template:
        return spec["title"]
    fmt = spec.get("format", "number")
    body = data[(data["category_code"] != total_label) & data["value"].notna()]
    fields: dict[str, str] = {}
    if len(body):
        hi = body.loc[body["value"].idxmax()]
        lo = body.loc[body["value"].idxmin()]
        fields.update(
            max_category=hi["category"],
            max_value=format_value(hi["value"], fmt, hi["value_rounded"]),
            min_category=lo["category"],
            min_value=format_value(lo["value"], fmt, lo["value_rounded"]),
        )
        if "series" in body:
            fields.update(max_series=hi["series"], min_series=lo["series"])
            by_series = body.groupby("series", sort=False)["value"].mean()
            fields.update(top_series=by_series.idxmax(), top_series_value=format_value(by_series.max(), fmt))
    tot = data[data["category_code"] == total_label]
    if len(tot):
        fields["total_value"] = format_value(tot["value"].iloc[0], fmt, tot["value_rounded"].iloc[0])
    try:
        return template.format(**fields)
    except (KeyError, IndexError):
        return spec["title"]


# ------------------------------------------------------------------------------------------------
# Drawing


def _label_texts(data: pd.DataFrame, p: Plan, fmt: str) -> dict[tuple, str]:
    """Displayed value label of every bar; stacks of percentages add to 100."""
    labels: dict[tuple, str] = {}
    for r in data.itertuples(index=False):
        key = (r.category, getattr(r, "series", None))
        single = getattr(r, "suppressed", False) == True  # noqa: E712 (object column)
        labels[key] = "c" if single else format_value(r.value, fmt, r.value_rounded)
    if p.stacked and fmt == "percent":
        for c in p.cats:
            rows = data[data["category"] == c].set_index("series").reindex(p.series)
            fixed = stack_labels(list(rows["value"]))
            if fixed is not None:
                for s, v in zip(p.series, fixed, strict=True):
                    labels[(c, s)] = f"{v}%"
    if p.base_on == "bar":
        for r in data.itertuples(index=False):
            key = (r.category, getattr(r, "series", None))
            if not pd.isna(pd.to_numeric(r.n_las, errors="coerce")):
                labels[key] += f" ({n_text(pd.to_numeric(r.n_las))})"
    return labels


def _n_of(data: pd.DataFrame, col: str) -> dict[str, str]:
    n = pd.to_numeric(data["n_las"], errors="coerce")
    return {k: n_text(v) for k, v in n.groupby(data[col]).first().items()}


@dataclass
class Layout:
    fig_h: float
    title: str
    subtitle: str
    footer: str
    tick_labels: list[str]
    plot: tuple[float, float, float, float]  # left, bottom, width, height (inches)
    legend_rows: list[list[int]]
    panel_titles: list[str]
    pitch: float
    bar_h: float
    gaps: list[float]  # y centre of every category, inches from the plot top
    label_room: float


def layout(data, spec, p: Plan, labels, title, subtitle, footer) -> Layout:
    inner = WIDTH - 2 * PAD
    title = wrap(title, SIZE["title"], inner, bold=True)
    subtitle = wrap(subtitle, SIZE["subtitle"], inner)
    footer = wrap(footer, SIZE["footer"], inner)
    n_cat = _n_of(data, "category") if p.base_on == "category" else {}
    ticks = [f"{c} ({n_cat[c]})" if n_cat.get(c) else c for c in p.cats]
    label_w = max((text_width(t, SIZE["label"]) for t in labels.values()), default=0.0) + 0.1
    n_series = len(p.series) if p.series else 1
    if p.horizontal:
        ticks = [wrap(t, SIZE["tick"], 2.6) for t in ticks]
        left = PAD + max((block_width(t, SIZE["tick"]) for t in ticks), default=0.4) + 0.12
        tick_lines = max((n_lines(t) for t in ticks), default=1)
        bar_block = 0.32 if (p.series is None or p.stacked or p.panels) else 0.2 * n_series
        pitch = max(bar_block / 0.8, line_height(SIZE["tick"], tick_lines) + 0.08)
        bar_h = bar_block if (p.series is None or p.stacked or p.panels) else bar_block / n_series
        centres, y = [], 0.0
        for c in p.cats:
            if c == p.total:
                y += 0.35 * pitch
            centres.append(y + pitch / 2)
            y += pitch
        plot_h = y
        label_room = 0.0 if p.stacked else label_w
        right = WIDTH - PAD - 0.25  # room for half the last x tick label
        below = line_height(SIZE["tick"]) + 0.12  # x tick labels
    else:
        left, right = PAD + 0.75, WIDTH - PAD - 0.05
        slot = (right - left) / max(1, len(p.cats))
        ticks = [wrap(t, SIZE["tick"], slot - 0.1) for t in ticks]
        tick_lines = max((n_lines(t) for t in ticks), default=1)
        plot_h, pitch, bar_h = 3.2, slot, min(0.6 * slot, 1.3)
        centres = [slot * (i + 0.5) for i in range(len(p.cats))]
        label_room = 0.0
        below = line_height(SIZE["tick"], tick_lines) + 0.15
    # legend: entries in bar order, row by row, as many per row as fit
    legend_rows = legend_layout(_legend_entries(data, spec, p))
    panel_titles, panel_title_h = [], 0.0
    if p.panels:
        n_ser = _n_of(data, "series") if p.base_on == "series" else {}
        panel_w = (right - left - 0.15 * (n_series - 1)) / n_series
        panel_titles = [
            wrap(f"{s} ({n_ser[s]})" if n_ser.get(s) else s, SIZE["panel"], panel_w, True) for s in p.series
        ]
        panel_title_h = max(line_height(SIZE["panel"], n_lines(t)) for t in panel_titles) + 0.08
    top = header_height(title, subtitle, legend_rows) + panel_title_h
    fig_h = top + plot_h + below + footer_height(footer)
    bottom = fig_h - top - plot_h
    return Layout(
        fig_h, title, subtitle, footer, ticks, (left, bottom, right - left, plot_h),
        legend_rows, panel_titles, pitch, bar_h, centres, label_room,
    )  # fmt: skip


def _legend_entries(data, spec, p: Plan) -> list[str]:
    entries: list[str] = []
    if p.series is not None and not p.panels:
        n_ser = _n_of(data, "series") if p.base_on == "series" else {}
        entries = [f"{s} ({n_ser[s]})" if n_ser.get(s) else s for s in p.series]
    if p.subsets:
        entries += list(p.subsets)
    return entries


def draw(fig, data: pd.DataFrame, spec: dict, p: Plan, lay: Layout, colours: list[str], labels) -> None:
    """Put every artist on ``fig`` (already sized) from the computed layout."""
    H = lay.fig_h
    fmt = spec.get("format", "number")
    draw_frame(fig, H, lay.title, lay.subtitle, lay.footer)
    left, bottom, width, height = lay.plot
    n_panels = len(p.series) if p.panels else 1
    gap = 0.15
    panel_w = (width - gap * (n_panels - 1)) / n_panels
    vmax = np.nanmax(data["value"].to_numpy(dtype=float)) if data["value"].notna().any() else 1.0
    if p.intervals:  # only with bounds (``whiskers``)
        vmax = max(vmax, float(np.nanmax(data["upper"].to_numpy(dtype=float))))
    if p.stacked:
        vmax = data.groupby("category")["value"].sum().max()
        vmax = 100.0 if fmt == "percent" and vmax <= 100.5 else vmax
    vmax = vmax if vmax > 0 else 1.0
    axes = []
    for k in range(n_panels):
        ax = _panel(fig, ((left + k * (panel_w + gap)) / WIDTH, bottom / H, panel_w / WIDTH, height / H))
        axes.append(ax)
        pw = panel_w if p.horizontal else height
        room = lay.label_room if p.horizontal else (0.0 if p.stacked else line_height(SIZE["label"]) + 0.05)
        hi = vmax * pw / max(pw - room, 0.3 * pw) if not p.stacked else vmax
        if p.horizontal:
            ax.set_xlim(0, hi)
            ax.set_ylim(height, 0)
        else:
            ax.set_ylim(0, hi)
            ax.set_xlim(0, width)
        series = [p.series[k]] if p.panels else (p.series or [None])
        _bars(
            ax,
            data,
            p,
            lay,
            series,
            colours if not p.panels else [colours[k % len(colours)]],
            labels,
            fmt,
            pw,
            hi,
        )
        _category_labels(ax, p, lay, k, panel_w, height)
        if p.horizontal and not p.stacked:  # ticks only up to the data: clear of the next panel
            nbins = max(2, min(6, int(panel_w / 0.75)))
            ticks = [t for t in _locator(nbins).tick_values(0, vmax) if 0 <= t <= vmax * 1.001]
        else:
            ticks = [t for t in _locator(6).tick_values(0, hi) if 0 <= t <= hi * (1 + 1e-9)]
        value_axis(ax, p.horizontal, ticks, tick_texts(ticks, fmt), height if p.horizontal else panel_w)
        if p.panels:
            ax.set_title(lay.panel_titles[k], fontsize=SIZE["panel"], weight="bold", loc="left", pad=4)
    if not data["value"].notna().any():
        axes[0].text(0.5, 0.5, "No data: no LA answered the questions behind this figure",
                     ha="center", va="center", transform=axes[0].transAxes)  # fmt: skip
    _legend(fig, data, spec, p, lay, colours)


def value_axis(ax, horizontal: bool, ticks: list[float], texts: list[str], across: float) -> None:
    """The value axis as plain artists: grid lines and tick marks as two line collections, tick
    labels as text (``across``: the panel's size in inches across the value axis). matplotlib's
    tick objects (two lines, a grid line and two labels each, re-laid out at every draw) cost
    about a third of the drawing time of a chart."""
    import matplotlib as mpl
    from matplotlib.collections import LineCollection
    from matplotlib.transforms import ScaledTranslation, blended_transform_factory

    rc = mpl.rcParams
    key = "xtick" if horizontal else "ytick"
    colour = rc[f"{key}.labelcolor"]
    colour = rc[f"{key}.color"] if colour == "inherit" else colour
    mark = rc[f"{key}.major.size"] / 72 / across  # tick mark length, in axes units
    pad = (rc[f"{key}.major.size"] + rc[f"{key}.major.pad"]) / 72  # inches
    if horizontal:
        along = blended_transform_factory(ax.transData, ax.transAxes)
        grid, marks = [[(t, 0), (t, 1)] for t in ticks], [[(t, 0), (t, -mark)] for t in ticks]
        shift, where = ScaledTranslation(0, -pad, ax.figure.dpi_scale_trans), {"ha": "center", "va": "top"}
    else:
        along = blended_transform_factory(ax.transAxes, ax.transData)
        grid, marks = [[(0, t), (1, t)] for t in ticks], [[(0, t), (-mark, t)] for t in ticks]
        shift, where = ScaledTranslation(-pad, 0, ax.figure.dpi_scale_trans), {"ha": "right", "va": "center"}
    line = {"transform": along, "clip_on": False}
    ax.add_collection(LineCollection(grid, colors=rc["grid.color"], linewidths=rc["grid.linewidth"],
                                     zorder=0.5, **line), autolim=False)  # fmt: skip
    ax.add_collection(LineCollection(marks, colors=rc[f"{key}.color"], linewidths=rc[f"{key}.major.width"],
                                     zorder=0.5, **line), autolim=False)  # fmt: skip
    for t, text in zip(ticks, texts, strict=True):
        x, y = (t, 0) if horizontal else (0, t)
        ax.text(x, y, text, transform=along + shift, fontsize=SIZE["tick"], color=colour, **where)


def tick_texts(ticks: list[float], fmt: str) -> list[str]:
    """Tick labels with the fewest decimals that tell the ticks apart (2.5 -> '2.5', 5 -> '5.0'
    beside it), thousands separated; '£' before costs, '%' after percentages."""
    decimals = 0
    while decimals < 3 and any(abs(t * 10**decimals - round(t * 10**decimals)) > 1e-9 for t in ticks):
        decimals += 1
    texts = [f"{t:,.{decimals}f}" for t in ticks]
    if fmt == "gbp":
        return [f"£{x}" for x in texts]
    return [f"{x}%" for x in texts] if fmt == "percent" else texts


def _locator(n: int):
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=n, steps=[1, 2, 2.5, 5, 10], min_n_ticks=1)


def paler(colour: str) -> tuple:
    """``colour`` mixed half with white: the mark of an estimate over a small base."""
    from matplotlib.colors import to_rgb

    return tuple(0.5 + 0.5 * c for c in to_rgb(colour))


def _rects(ax, horizontal: bool, centres, lengths, starts, thickness: float, colours) -> None:
    """Bars as one polygon collection: a single artist draws faster than one patch per bar."""
    from matplotlib.collections import PolyCollection

    half = thickness / 2
    polys = []
    for c, v, b in zip(centres, lengths, starts, strict=True):
        lo, hi = c - half, c + half
        polys.append(
            [(b, lo), (b + v, lo), (b + v, hi), (b, hi)]
            if horizontal
            else [(lo, b), (hi, b), (hi, b + v), (lo, b + v)]
        )
    ax.add_collection(PolyCollection(polys, facecolors=colours, edgecolors="none", zorder=2), autolim=False)


def _text(ax, horizontal: bool, along: float, across: float, text: str, inside: bool) -> None:
    """A value label: centred inside a bar segment (white) or just past the bar's end."""
    if not text:
        return
    x, y = (along, across) if horizontal else (across, along)
    if inside:
        ax.text(x, y, text, ha="center", va="center", fontsize=SIZE["label"], color="white", zorder=3)
    elif horizontal:
        ax.text(x, y, text, ha="left", va="center", fontsize=SIZE["label"], zorder=3)
    else:
        ax.text(x, y, text, ha="center", va="bottom", fontsize=SIZE["label"], zorder=3)


def _bars(ax, data, p: Plan, lay: Layout, series, colours, labels, fmt, pw, hi) -> None:
    horizontal = p.horizontal
    centres = np.array(lay.gaps, dtype=float)
    n_s = len(series)
    grouped = n_s > 1 and not p.stacked
    base = np.zeros(len(p.cats))
    px_per_unit = pw / hi  # inches per data unit along the value axis
    pad = (3 / 72) / px_per_unit  # 3 pt between a bar's end and its label, in data units
    for i, s in enumerate(series):
        d = data if s is None else data[data["series"] == s]
        d = d.drop_duplicates("category").set_index("category").reindex(p.cats)
        drawn = np.nan_to_num(d["value"].to_numpy(dtype=float))
        offset = centres + ((i - (n_s - 1) / 2) * lay.bar_h if grouped else 0.0)
        colour = [colours[i % len(colours)]] * len(p.cats)
        if s is None or p.panels:
            colour = [TOTAL_COLOUR if c == p.total else colour[0] for c in p.cats]
        if "small_base" in d:  # estimates over few LAs: paler (footnote in the figure's footer)
            colour = [
                paler(c) if isinstance(f, (bool, np.bool_)) and f else c
                for c, f in zip(colour, d["small_base"], strict=True)
            ]
        starts = base if p.stacked else np.zeros(len(p.cats))
        _rects(ax, horizontal, offset, drawn, starts, lay.bar_h, colour)
        ends = drawn
        if p.intervals:  # the label goes beyond the whisker's upper end
            lo, up = (d[k].to_numpy(dtype=float) for k in ("lower", "upper"))
            _whiskers(ax, horizontal, offset, lo, up, lay.bar_h, ends=drawn)
            ends = np.fmax(drawn, np.nan_to_num(up, nan=-np.inf))
        texts = [labels.get((c, s), "") for c in p.cats]
        for t, v, b, c in zip(texts, ends, starts, offset, strict=True):
            if p.stacked:
                need = text_width(t, SIZE["label"]) if horizontal else line_height(SIZE["label"])
                across = line_height(SIZE["label"]) if horizontal else text_width(t, SIZE["label"])
                fits = v * px_per_unit >= need + 0.06 and across <= lay.bar_h
                _text(ax, horizontal, b + v / 2, c, t if fits else "", inside=True)
            else:
                _text(ax, horizontal, v + pad, c, t, inside=False)
        if p.stacked:
            base = base + drawn
    _subsets(ax, data, p, lay, colours, labels)


def whiskers(spec: dict, estimator: str, p: Plan, data: pd.DataFrame) -> bool:
    """Whether a figure shows its 95% intervals as whiskers: charts of means (an estimator named
    a mean or an average, e.g. mean of LA rates, place-weighted average cost) with bounds, never
    stacked or percentage-share charts, where whiskers would clutter. ``error_bars`` in a spec
    overrides the rule."""
    if "error_bars" in spec and not isinstance(spec["error_bars"], bool):
        raise SystemExit(
            f"error: config/figures: figure {spec.get('number')}: error_bars must be true or false, "
            f"got {spec['error_bars']!r}"
        )
    has_bounds = "upper" in data and bool(data["upper"].notna().any())
    if "error_bars" in spec:
        return spec["error_bars"] and has_bounds
    name = estimator.split(":")[0].lower()
    is_mean = any(w in name.replace("-", " ").split() for w in ("mean", "average"))
    share = spec.get("format") == "percent" or p.stacked
    return is_mean and not share and has_bounds


def _whiskers(ax, horizontal: bool, centres, lower, upper, thickness: float, ends=None) -> None:
    """95% intervals as thin whiskers with short caps (missing bounds: none). Where a bar ends at
    ``ends``, the part of the whisker over the bar is white and the rest dark, so that both show."""
    from matplotlib.collections import LineCollection

    cap = min(0.12, thickness * 0.35)
    ends = np.full(len(lower), -np.inf) if ends is None else np.asarray(ends, dtype=float)
    over, out = [], []
    for c, lo, up, e in zip(centres, lower, upper, ends, strict=True):
        if np.isnan(lo) or np.isnan(up):
            continue
        mid = min(max(e, lo), up)  # the bar's end, inside the interval
        (over if lo < mid else out).append(((lo, c - cap), (lo, c + cap)))
        (over if up <= mid else out).append(((up, c - cap), (up, c + cap)))
        if lo < mid:
            over.append(((lo, c), (mid, c)))
        if mid < up:
            out.append(((mid, c), (up, c)))
    for segs, colour in ((over, "white"), (out, GREY)):
        if segs:
            segs = segs if horizontal else [[(y, x) for x, y in seg] for seg in segs]
            lines = LineCollection(segs, colors=colour, linewidths=0.9, zorder=4)
            lines.set_gid("interval")
            ax.add_collection(lines, autolim=False)


def _subsets(ax, data, p: Plan, lay: Layout, colours, labels) -> None:
    """A subset is a narrower bar inside its parent's bar, labelled inside."""
    for child, parent in p.subsets.items():
        row = data[data["category"] == child]
        if parent not in p.cats or not len(row):
            continue
        y = lay.gaps[p.cats.index(parent)]
        v = float(np.nan_to_num(row["value"].iloc[0]))
        colour = colours[1] if len(colours) > 1 else "#28A197"
        _rects(ax, p.horizontal, [y], [v], [0.0], lay.bar_h * 0.45, [colour])
        _text(ax, p.horizontal, v / 2, y, labels.get((child, None), ""), inside=True)


def _category_labels(ax, p: Plan, lay: Layout, k: int, panel_w: float, height: float) -> None:
    """Category names as plain text beside the bars (first panel only): no tick objects, whose
    creation and per-draw extent bookkeeping cost more than the text itself."""
    import matplotlib as mpl
    from matplotlib.transforms import blended_transform_factory

    colour = mpl.rcParams["ytick.labelcolor"]
    colour = mpl.rcParams["ytick.color"] if colour == "inherit" else colour
    size = SIZE["tick"]
    if p.horizontal:
        ax.set_yticks([])
        if k:
            return
        where = blended_transform_factory(ax.transAxes, ax.transData)
        for c, t in zip(lay.gaps, lay.tick_labels, strict=True):
            ax.text(-0.08 / panel_w, c, t, transform=where, ha="right", va="center", multialignment="right",
                    fontsize=size, color=colour)  # fmt: skip
    else:
        ax.set_xticks([])
        where = blended_transform_factory(ax.transData, ax.transAxes)
        for c, t in zip(lay.gaps, lay.tick_labels, strict=True):
            ax.text(c, -0.06 / height, t, transform=where, ha="center", va="top", multialignment="center",
                    fontsize=size, color=colour)  # fmt: skip


def _legend(fig, data, spec, p: Plan, lay: Layout, colours) -> None:
    """Legend entries in bar order: a key square each."""
    entries = _legend_entries(data, spec, p)
    if not entries:
        return
    n_series = len(p.series) if (p.series is not None and not p.panels) else 0
    keys = [colours[i % len(colours)] for i in range(n_series)]
    keys += [colours[1] if len(colours) > 1 else "#28A197" for _ in p.subsets]
    keyed = [{"colour": k} for k in keys]
    draw_legend(fig, lay.fig_h, lay.title, lay.subtitle, lay.legend_rows, entries, keyed)


# ------------------------------------------------------------------------------------------------
# Frame: headline title, subtitle, legend rows and footer, shared by every chart kind


def header_height(title: str, subtitle: str, legend_rows: list[list[int]]) -> float:
    """Inches from the top of the canvas to the top of the plot: title, subtitle, legend, gaps."""
    h = PAD + line_height(SIZE["title"], n_lines(title)) + 0.06
    return h + line_height(SIZE["subtitle"], n_lines(subtitle)) + 0.15 + legend_height(legend_rows)


def footer_height(footer: str) -> float:
    """Inches from the bottom of the plot's furniture (tick labels) to the bottom of the canvas."""
    return 0.15 + line_height(SIZE["footer"], n_lines(footer)) + PAD


def legend_layout(entries: list[str]) -> list[list[int]]:
    """Entries row by row, in the given order, as many per row as fit the canvas width."""
    rows: list[list[int]] = []
    row, used = [], 0.0
    for i, text in enumerate(entries):
        w = 0.22 + text_width(text, SIZE["legend"]) + 0.3
        if row and used + w > WIDTH - 2 * PAD:
            rows.append(row)
            row, used = [], 0.0
        row.append(i)
        used += w
    return [*rows, row] if row else rows


def legend_height(rows: list[list[int]]) -> float:
    return len(rows) * line_height(SIZE["legend"]) * 1.15 + (0.1 if rows else 0)


def draw_frame(fig, H: float, title: str, subtitle: str, footer: str) -> None:
    """Title (bold), subtitle (grey) from the top and the footer from the bottom, wrapped already."""
    fig.text(PAD / WIDTH, 1 - PAD / H, title, fontsize=SIZE["title"], weight="bold", va="top", ha="left")
    y_sub = PAD + line_height(SIZE["title"], n_lines(title)) + 0.06
    fig.text(PAD / WIDTH, 1 - y_sub / H, subtitle, fontsize=SIZE["subtitle"], color=GREY, va="top", ha="left")
    fig.text(PAD / WIDTH, PAD / H, footer, fontsize=SIZE["footer"], color=GREY, va="bottom", ha="left")


def draw_legend(fig, H: float, title: str, subtitle: str, rows, entries: list[str], keys: list[dict]) -> None:
    """Legend rows under the subtitle, at the positions ``legend_layout`` reserved: a key and a text
    each (a matplotlib Legend re-measures its texts on every draw). A key is a dict: ``colour`` and
    ``kind`` ("square", default; "marker" with ``marker`` and ``filled``; "line"; "band")."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    top = PAD + line_height(SIZE["title"], n_lines(title)) + 0.06
    top += line_height(SIZE["subtitle"], n_lines(subtitle)) + 0.1
    row_h = line_height(SIZE["legend"]) * 1.15
    box = 0.14
    for r, row in enumerate(rows):
        y = top + r * row_h + row_h / 2  # centre of the row, inches from the top
        x = PAD
        for i in row:
            key = keys[i]
            kind, colour = key.get("kind", "square"), key["colour"]
            if kind in ("square", "band"):
                fig.add_artist(
                    Rectangle(
                        (x / WIDTH, 1 - (y + box / 2) / H), box / WIDTH, box / H, transform=fig.transFigure,
                        facecolor=colour, edgecolor="none", alpha=key.get("alpha", 1.0),
                    )
                )  # fmt: skip
            else:
                xs = [x / WIDTH, (x + box) / WIDTH] if kind == "line" else [(x + box / 2) / WIDTH]
                filled = key.get("filled", True)
                fig.add_artist(
                    Line2D(
                        xs, [1 - y / H] * len(xs), transform=fig.transFigure, color=colour,
                        linewidth=key.get("linewidth", 2.0), linestyle=key.get("linestyle", "-"),
                        marker=key.get("marker", "o") if kind == "marker" else "", markersize=6,
                        markerfacecolor=colour if filled else "white", markeredgecolor=colour,
                    )
                )  # fmt: skip
            fig.text((x + box + 0.08) / WIDTH, 1 - y / H, entries[i], va="center", ha="left",
                     fontsize=SIZE["legend"])  # fmt: skip
            x += 0.22 + text_width(entries[i], SIZE["legend"]) + 0.3


# ------------------------------------------------------------------------------------------------
# Other chart kinds: point ranges (estimates with intervals), scatter panels with an optional
# fitted line and band, line series with end labels. Positions are computed in inches; axes carry
# marks only, their furniture (tick labels, headings, labels) is plain text, as for the bars.


def put(fig, H: float, x: float, y: float, text: str, size: float, **kw):
    """Text at ``x`` inches from the left and ``y`` inches from the top of the canvas."""
    return fig.text(x / WIDTH, 1 - y / H, text, fontsize=size, **kw)


def axes_at(fig, H: float, left: float, top: float, width: float, height: float):
    """A plot area at a rectangle given in inches (``top`` from the top of the canvas)."""
    return _panel(fig, (left / WIDTH, 1 - (top + height) / H, width / WIDTH, height / H))


def _panel(fig, rect):
    """A plot area: the rectangle and data limits of an Axes without its cost (see ``panel``)."""
    from .panel import Panel

    return Panel(fig, rect)


def sig(x: float, digits: int = 2) -> str:
    """``x`` to ``digits`` significant figures in plain decimals (0.00073, 18, -30)."""
    if x is None or not np.isfinite(x):
        return "no data"
    if x == 0:
        return "0"
    d = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    return f"{x:,.{d}f}"


def nice_ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    """Round tick values inside [lo, hi] (MaxNLocator steps 1, 2, 2.5, 5)."""
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        return []
    return [float(t) for t in _locator(n).tick_values(lo, hi) if lo - 1e-12 <= t <= hi + 1e-12]


def tick_labels(ticks: list[float], suffix: str = "") -> list[str]:
    """Tick texts with as many decimals as the step needs (0.15, 0.2, 0.25; 10, 20)."""
    if len(ticks) < 2:
        return [f"{t:g}{suffix}" for t in ticks]
    step = min(abs(b - a) for a, b in zip(ticks, ticks[1:], strict=False))
    d = 0
    while d < 6 and abs(step * 10**d - round(step * 10**d)) > 1e-9:
        d += 1
    return [f"{t + 0.0:,.{d}f}{suffix}" for t in ticks]


def axis_ticks(ax, which: str, ticks: list[float], labels: list[str], across: float, grid: bool = True):
    """Tick labels as plain text outside the axes (``across``: the axes' size across the labels,
    inches) and light grid lines through the axes, one collection."""
    import matplotlib as mpl
    from matplotlib.collections import LineCollection
    from matplotlib.transforms import blended_transform_factory

    colour = mpl.rcParams["ytick.labelcolor"]
    colour = "#1A1A1A" if colour == "inherit" else colour
    if which == "x":
        where = blended_transform_factory(ax.transData, ax.transAxes)
        for t, s in zip(ticks, labels, strict=True):
            ax.text(t, -0.06 / across, s, transform=where, ha="center", va="top", fontsize=SIZE["label"],
                    color=colour)  # fmt: skip
        segs = [((t, 0), (t, 1)) for t in ticks]
    else:
        where = blended_transform_factory(ax.transAxes, ax.transData)
        for t, s in zip(ticks, labels, strict=True):
            ax.text(-0.06 / across, t, s, transform=where, ha="right", va="center", fontsize=SIZE["label"],
                    color=colour)  # fmt: skip
        segs = [((0, t), (1, t)) for t in ticks]
    if grid and segs:
        lines = LineCollection(segs, transform=where, colors=mpl.rcParams["grid.color"],
                               linewidths=mpl.rcParams["grid.linewidth"], zorder=0)  # fmt: skip
        ax.add_collection(lines, autolim=False)


def padded(values, pad: float = 0.05, include: tuple = ()) -> tuple[float, float]:
    """Data range of ``values`` (and ``include``) widened by ``pad`` of its span on each side."""
    v = np.asarray([*np.asarray(values, dtype=float).ravel(), *include], dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return 0.0, 1.0
    lo, hi = float(v.min()), float(v.max())
    span = hi - lo or (abs(hi) or 1.0)
    return lo - pad * span, hi + pad * span


def points(ax, x, y, key: dict, size: float = 14) -> None:
    """One group of points in the style of its legend key (``marker``, ``filled``, ``colour``)."""
    face = key["colour"] if key.get("filled", True) else key.get("face", "none")
    ax.scatter(x, y, s=size, marker=key.get("marker", "o"), linewidths=1.0, zorder=3, facecolors=face,
               edgecolors=key["colour"])  # fmt: skip


def line_band(ax, x, mean, lower, upper, colour: str) -> None:
    """A fitted line and its interval as a translucent band."""
    ax.fill_between(x, lower, upper, color=colour, alpha=0.25, linewidth=0, zorder=1)
    ax.plot(x, mean, color=colour, linewidth=1.8, zorder=2)


def spread(values: list[float], gap: float, lo: float, hi: float) -> list[float]:
    """Positions as near ``values`` as possible, at least ``gap`` apart and inside [lo, hi], in the
    order of the values: end labels of lines that finish close together."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    pos = [min(max(values[i], lo), hi) for i in order]
    for k in range(1, len(pos)):
        pos[k] = max(pos[k], pos[k - 1] + gap)
    if pos and pos[-1] > hi:
        pos[-1] = hi
        for k in range(len(pos) - 2, -1, -1):
            pos[k] = min(pos[k], pos[k + 1] - gap)
    out = [0.0] * len(values)
    for k, i in enumerate(order):
        out[i] = pos[k]
    return out


@dataclass
class RangeRow:
    """One estimate of a point-range chart: label, estimate, 95% bounds and the text beside it."""

    label: str
    value: float
    lower: float
    upper: float
    text: str


@dataclass
class RangeLayout:
    headings: list[str]
    labels: list[list[str]]
    heading_y: list[float]  # inches from the top of the block
    row_y: list[list[float]]
    label_w: float
    text_w: float
    height: float


def range_layout(groups: list[tuple[str, list[RangeRow]]]) -> RangeLayout:
    """Rows grouped under bold headings: labels on the left, marks in the middle, each estimate and
    its interval as text on the right."""
    inner = WIDTH - 2 * PAD
    labels = [[wrap(r.label, SIZE["tick"], 2.6) for r in rows] for _, rows in groups]
    label_w = max((block_width(t, SIZE["tick"]) for ls in labels for t in ls), default=0.5) + 0.15
    text_w = max((text_width(r.text, SIZE["label"]) for _, rows in groups for r in rows), default=0.5)
    headings = [wrap(h, SIZE["panel"], inner, bold=True) for h, _ in groups]
    heading_y, row_y, y = [], [], 0.0
    for heading, ls in zip(headings, labels, strict=True):
        heading_y.append(y)
        y += line_height(SIZE["panel"], n_lines(heading)) + 0.04
        ys = []
        for t in ls:
            pitch = max(0.3, line_height(SIZE["tick"], n_lines(t)) + 0.08)
            ys.append(y + pitch / 2)
            y += pitch
        row_y.append(ys)
        y += 0.14
    return RangeLayout(headings, labels, heading_y, row_y, label_w, text_w + 0.15, max(y - 0.14, 0.3))


def range_keys(colour: str) -> tuple[list[str], list[dict]]:
    """Legend of a point-range chart: filled = interval clear of zero, open = includes zero."""
    entries = ["Estimate; 95% interval clear of zero", "Estimate; 95% interval includes zero"]
    entries.append("Zero (no association); each row on its own scale")
    keys = [
        {"kind": "marker", "colour": colour},
        {"kind": "marker", "colour": colour, "filled": False},
        {"kind": "line", "colour": GREY, "linewidth": 1.0},
    ]
    return entries, keys


def draw_point_range(fig, H: float, top: float, lay: RangeLayout, groups, colour: str) -> None:
    """Each estimate with its 95% interval (whisker) about a common zero line, each row scaled so
    that its largest bound reaches the edge (rows may be in different units; the numbers are
    beside them). Filled point: the interval excludes zero; open point: it includes zero."""
    from matplotlib.collections import LineCollection

    left = PAD + lay.label_w
    width = WIDTH - PAD - lay.text_w - left
    ax = axes_at(fig, H, left, top, width, lay.height)
    ax.set_axis_off()
    ax.set_xlim(-1.06, 1.06)
    ax.set_ylim(lay.height, 0)
    whisk, zero, filled, hollow = [], [], [], []
    for (_, rows), hy, heading, ys, ls in zip(
        groups, lay.heading_y, lay.headings, lay.row_y, lay.labels, strict=True
    ):
        put(fig, H, PAD, top + hy, heading, SIZE["panel"], weight="bold", va="top", ha="left")
        zero.append(((0, ys[0] - 0.15), (0, ys[-1] + 0.15)))  # under the heading, not through it
        for r, y, label in zip(rows, ys, ls, strict=True):
            m = max(abs(r.lower), abs(r.upper), abs(r.value)) or 1.0  # this row's scale
            whisk.append(((r.lower / m, y), (r.upper / m, y)))
            whisk += [((b / m, y - 0.06), (b / m, y + 0.06)) for b in (r.lower, r.upper)]
            (filled if r.lower > 0 or r.upper < 0 else hollow).append((r.value / m, y))
            put(fig, H, left - 0.1, top + y, label, SIZE["tick"], ha="right", va="center",
                multialignment="right")  # fmt: skip
            put(fig, H, WIDTH - PAD - lay.text_w + 0.15, top + y, r.text, SIZE["label"], ha="left",
                va="center")  # fmt: skip
    ax.add_collection(LineCollection(zero, colors=GREY, linewidths=1.0, zorder=1), autolim=False)
    ax.add_collection(LineCollection(whisk, colors=colour, linewidths=1.5, zorder=2), autolim=False)
    for pts, fill in ((filled, True), (hollow, False)):
        if pts:
            xs, ys = zip(*pts, strict=True)
            points(ax, xs, ys, {"colour": colour, "filled": fill, "face": "white"}, size=36)


@dataclass
class Line:
    """One line of a line-series chart: its end label, values and key (``colour``, ``marker``)."""

    label: str
    x: np.ndarray
    y: np.ndarray
    key: dict


def end_label_room(lines: list[Line]) -> float:
    """Inches right of the plot for the lines' end labels."""
    return max((text_width(ln.label, SIZE["label"]) for ln in lines), default=0.0) + 0.2


def year_step(first: int, last: int, width: float) -> int:
    """The smallest step of 1, 2 or 5 years whose labels fit side by side in ``width`` inches."""
    label = text_width("2000", SIZE["label"]) * 1.5
    span = max(last - first, 1)
    return next((s for s in (1, 2, 5) if s * width / span >= label), 10)


def draw_lines(ax, lines: list[Line], plot_w: float, plot_h: float, marks=()) -> None:
    """Lines with markers (colour is not the only key), each labelled at its end; labels of lines
    that end close together are spread to a line height apart. ``marks``: (x, text) pairs drawn
    as dashed vertical lines labelled above the plot (the layout leaves a label's height free)."""
    from matplotlib.transforms import blended_transform_factory

    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    for ln in lines:
        ax.plot(ln.x, ln.y, color=ln.key["colour"], marker=ln.key.get("marker", "o"), markersize=4.5,
                linewidth=2.0, zorder=3)  # fmt: skip
    gap = line_height(SIZE["label"]) * (y1 - y0) / plot_h
    ends = [float(ln.y[-1]) for ln in lines]
    ys = spread(ends, gap, y0 + gap / 2, y1 - gap / 2)
    dx = 0.08 * (x1 - x0) / plot_w
    for ln, y in zip(lines, ys, strict=True):
        ax.text(float(ln.x[-1]) + dx, y, ln.label, ha="left", va="center", fontsize=SIZE["label"],
                color="#0B0C0C", clip_on=False)  # fmt: skip
    where = blended_transform_factory(ax.transData, ax.transAxes)
    for x, text in marks:
        ax.axvline(x, color=GREY, linestyle="--", linewidth=1.0, zorder=2)
        right = (x - x0) / (x1 - x0) > 0.5
        ax.text(x + (-dx if right else dx), 1 + 0.05 / plot_h, text, transform=where, va="bottom",
                ha="right" if right else "left", fontsize=SIZE["label"], color=GREY)  # fmt: skip


@dataclass
class Box:
    """A panel of small multiples inside one shared axes whose coordinates are inches (x from the
    block's left, y down from its top): one axes draws every panel, far cheaper than an axes
    each. Maps data to the panel's rectangle."""

    left: float
    top: float
    width: float
    height: float
    xlim: tuple[float, float]
    ylim: tuple[float, float]

    def x(self, v):
        v = np.asarray(v, dtype=float)
        return self.left + (v - self.xlim[0]) / (self.xlim[1] - self.xlim[0]) * self.width

    def y(self, v):
        v = np.asarray(v, dtype=float)
        return self.top + self.height - (v - self.ylim[0]) / (self.ylim[1] - self.ylim[0]) * self.height


def block_axes(fig, H: float, left: float, top: float, width: float, height: float):
    """One axes over a block of panels, in inches from the block's top-left corner, no furniture."""
    ax = axes_at(fig, H, left, top, width, height)
    ax.set_axis_off()
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    return ax


def box_furniture(ax, boxes: list[Box], x_ticks, y_ticks, y_labels_on) -> None:
    """Tick labels as text, light horizontal grid lines, a darker line at y = 0 (if in range) and
    the baseline of every panel, as three line collections for the whole block."""
    import matplotlib as mpl
    from matplotlib.collections import LineCollection

    colour = "#1A1A1A"
    grid, zero, base = [], [], []
    for b, xt, yt, show in zip(boxes, x_ticks, y_ticks, y_labels_on, strict=True):
        right = b.left + b.width
        for t, s in zip(xt, tick_labels(xt), strict=True):
            ax.text(float(b.x(t)), b.top + b.height + 0.06, s, ha="center", va="top", fontsize=SIZE["label"],
                    color=colour)  # fmt: skip
        for t, s in zip(yt, tick_labels(yt), strict=True):
            y = float(b.y(t))
            grid.append(((b.left, y), (right, y)))
            if show:
                ax.text(b.left - 0.06, y, s, ha="right", va="center", fontsize=SIZE["label"], color=colour)
        if b.ylim[0] < 0 < b.ylim[1]:
            zero.append(((b.left, float(b.y(0))), (right, float(b.y(0)))))
        base.append(((b.left, b.top + b.height), (right, b.top + b.height)))
    rc = mpl.rcParams
    for segs, c, lw in ((grid, rc["grid.color"], rc["grid.linewidth"]), (zero, GREY, 0.8),
                        (base, rc["axes.edgecolor"], rc["axes.linewidth"])):  # fmt: skip
        if segs:
            ax.add_collection(LineCollection(segs, colors=[c], linewidths=lw, zorder=1), autolim=False)
