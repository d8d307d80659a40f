"""Context from the AP census: LA-arranged placements by provider type over time, beside the survey.

Reads a published series named in ``config/context_series.yaml`` (data/raw/external/, never
computed here) and the wave's own open-data table of places by provider type. Writes, for the
wave:

- ``figures/<wave>/ctx01_<slug>.{svg,png,csv,txt}``: the series as lines, the survey's spring
  marked, each line labelled at its end (colour is not the only key);
- ``data/processed/<wave>/ctx01_<slug>_comparison.csv`` + ``.meta.csv``: the survey's pooled
  share of places in each census category (sum of places of the survey categories mapped to it /
  sum of all places) beside the census share of the same spring, with the definitional
  differences listed in the .txt and on the report page.

Survey shares are rounded half up to 1% for display only; census shares are as published.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .config import Settings, read_yaml
from .estimators import round_half_up
from .present import COUNTRY, csv_text, write_text

CONFIG_FILE = "context_series.yaml"


@dataclass
class ContextProducts:
    stem: Path
    comparison: pd.DataFrame
    differences: list[str]


def survey_year(settings: Settings) -> int:
    """Spring census year of the wave: 202223 -> 2023; a calendar-year period is itself."""
    period = str(settings.time_period)
    return int(period[:4]) + 1 if len(period) == 6 else int(period[:4])


def load_series(settings: Settings, spec: dict) -> pd.DataFrame:
    series = pd.read_csv(settings.path(spec["file"]), dtype={"provider_type": str})
    series["placement_share"] = pd.to_numeric(series["placement_share"])
    return series


def survey_shares(settings: Settings, spec: dict) -> pd.DataFrame:
    """Pooled share of the wave's places in each census category (percent, unrounded).

    Rows of the wave's table are found by the codebook labels of the survey codes in each
    group; a code whose row is missing counts no places. Base: LAs behind the table (max n).
    """
    survey = spec["survey"]
    path = settings.processed_dir / f"{survey['table']}.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    labels = settings.codebook.dimensions[survey["dimension"]].labels
    places = pd.to_numeric(table[survey["count"]], errors="coerce")
    by_label = dict(zip(table[survey["filter"]], places, strict=True))
    rows = []
    for group, codes in survey["groups"].items():
        rows.append({"provider_type": group, "places": sum(by_label.get(labels[c], 0) or 0 for c in codes)})
    out = pd.DataFrame(rows)
    total = out["places"].sum()
    out["survey_share"] = 100 * out["places"] / total if total else float("nan")
    base = pd.to_numeric(table.get(survey.get("base", "n_las"), pd.Series(dtype=str)), errors="coerce")
    out["n_las"] = int(base.max()) if base.notna().any() else pd.NA
    return out


def comparison(series: pd.DataFrame, survey: pd.DataFrame, year: int, spec: dict) -> pd.DataFrame:
    """Survey vs census share by census category for one spring, with a Total row."""
    census = series[series["census_year"] == year].set_index("provider_type")["placement_share"]
    rows = []
    for r in survey.itertuples(index=False):
        census_share = census.get(r.provider_type, float("nan"))
        rows.append(
            {
                "provider_type": spec["categories"][r.provider_type],
                "survey_places": r.places,
                "survey_share": r.survey_share,
                "survey_share_rounded": round_half_up(r.survey_share),
                "census_share": census_share,
                "difference_pp": round_half_up(r.survey_share) - census_share,
                "survey_n_las": r.n_las,
            }
        )
    out = pd.DataFrame(rows)
    total = {
        "provider_type": "Total",
        "survey_places": out["survey_places"].sum(),
        "survey_share": out["survey_share"].sum(),
        "survey_share_rounded": 100.0 if out["survey_places"].sum() > 0 else float("nan"),  # no places
        "census_share": out["census_share"].sum(min_count=1),
        "difference_pp": float("nan"),
        "survey_n_las": out["survey_n_las"].iloc[0] if len(out) else pd.NA,
    }
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


META = [
    ("provider_type", "Filter", "Type of provider (census categories)", "", ""),
    ("survey_places", "Indicator", "AP places commissioned (survey)", "", "0"),
    ("survey_share", "Indicator", "Share of places commissioned (survey)", "%", "1"),
    ("survey_share_rounded", "Indicator", "Share of places commissioned, rounded (survey)", "%", "0"),
    ("census_share", "Indicator", "Share of placements (AP and school census, as published)", "%", "0"),
    ("difference_pp", "Indicator", "Survey share minus census share (percentage points)", "", "0"),
    ("survey_n_las", "Indicator", "Number of LAs in the survey base", "", "0"),
]


def open_data(compared: pd.DataFrame, settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """EES-style CSV and .meta.csv of the comparison (GSS 'x' where the census has no value)."""
    out = pd.DataFrame(
        {"time_period": settings.time_period, "time_identifier": settings.time_identifier, **COUNTRY},
        index=compared.index,
    )
    for col, kind, _, _, dp in META:
        values = compared[col]
        if kind == "Indicator":
            values = values.map(lambda v, dp=int(dp): "x" if pd.isna(v) else f"{float(v):.{dp}f}")
        out[col] = values
    meta = pd.DataFrame(
        [
            {
                "col_name": col,
                "col_type": kind,
                "label": label,
                "indicator_grouping": "",
                "indicator_unit": unit,
                "indicator_dp": dp,
                "filter_hint": "Census category; survey categories mapped as stated in the notes"
                if kind == "Filter"
                else "",
                "filter_grouping_column": "",
            }
            for col, kind, label, unit, dp in META
        ]
    )
    return out, meta


def _style():
    """The chart layer's style (the context figure is drawn by the chart layer)."""
    from .present import _style as style

    return style()


MARKERS = ["o", "s", "^", "D", "v"]


def headline(series: pd.DataFrame, spec: dict) -> str:
    first, last = int(series["census_year"].min()), int(series["census_year"].max())
    return f"Context figure {spec['number']}: {key_message(series, first, last, spec).rstrip('.')}"


def subtitle(series: pd.DataFrame, spec: dict) -> str:
    first, last = int(series["census_year"].min()), int(series["census_year"].max())
    return f"{spec['title'].format(first=first, last=last)}. {spec['subtitle']}"


def footer(year: int, spec: dict) -> list[str]:
    return [
        "Base: every placement arranged by an LA in England at the census (all LAs).",
        f"Method: shares as published; the dashed line marks the {spec['marker'].format(year=year)} "
        "(survey and census compared in the .txt file and the comparison table).",
        f"Source: {spec['source']}.",
        "Data: published statistics only; the figure does not use the LA returns.",
    ]


def compose(series: pd.DataFrame, year: int, spec: dict):
    """Line series per provider type, markers and end labels (not colour alone), the survey's
    spring marked: drawn by the chart layer on the shared canvas."""
    from . import charts
    from .charts import PAD, SIZE, WIDTH
    from .present import _colours, canvas

    _style()
    categories = spec["categories"]
    colours = _colours("categorical", max(2, len(categories)))
    lines = []
    for i, (code, label) in enumerate(categories.items()):
        s = series[series["provider_type"] == code].sort_values("census_year")
        end = s["placement_share"].iloc[-1]
        key = {"kind": "marker", "colour": colours[i], "marker": MARKERS[i % len(MARKERS)]}
        x, y = s["census_year"].to_numpy(), s["placement_share"].to_numpy()
        lines.append(charts.Line(f"{label} {end:.0f}%", x, y, key))
    inner = WIDTH - 2 * PAD
    title = charts.wrap(headline(series, spec), SIZE["title"], inner, bold=True)
    sub = charts.wrap(subtitle(series, spec), SIZE["subtitle"], inner)
    foot = charts.wrap("\n".join(footer(year, spec)), SIZE["footer"], inner)
    top = charts.header_height(title, sub, []) + charts.line_height(SIZE["label"]) + 0.1  # mark's label
    left, plot_h = 0.5, 3.4
    plot_w = WIDTH - PAD - left - PAD - charts.end_label_room(lines)
    below = charts.line_height(SIZE["label"]) + 0.1
    H = top + plot_h + below + charts.footer_height(foot)
    fig = canvas(H)
    charts.draw_frame(fig, H, title, sub, foot)
    first, last = int(series["census_year"].min()), int(series["census_year"].max())
    ax = charts.axes_at(fig, H, PAD + left, top, plot_w, plot_h)
    ax.set_xlim(first - 0.4, last + 0.4)
    y_max = float(series["placement_share"].max())
    y_ticks = [float(t) for t in charts._locator(5).tick_values(0, y_max * 1.08) if t >= 0]
    ax.set_ylim(0, max(y_ticks[-1], y_max * 1.08))
    y_ticks = [t for t in y_ticks if t <= ax.get_ylim()[1]]
    step = charts.year_step(first, last, plot_w)
    x_ticks = list(range(last - step * ((last - first) // step), last + 1, step))
    charts.axis_ticks(ax, "x", x_ticks, [str(x) for x in x_ticks], plot_h, grid=False)
    charts.axis_ticks(ax, "y", y_ticks, charts.tick_labels(y_ticks, "%"), plot_w)
    marks = [(year, spec["marker"].format(year=year))] if first <= year <= last else []
    charts.draw_lines(ax, lines, plot_w, plot_h, marks)
    return fig


def draw(series: pd.DataFrame, year: int, spec: dict, stem: Path) -> None:
    """Write the context figure as PNG and SVG."""
    from .present import save_figure

    save_figure(compose(series, year, spec), stem)


def alt_text(series: pd.DataFrame, compared: pd.DataFrame, year: int, spec: dict, diffs) -> str:
    """The .txt as for every figure: headline, subtitle, key message, long description, notes."""
    from .present import figure_text

    first, last = int(series["census_year"].min()), int(series["census_year"].max())
    wide = series.pivot(index="census_year", columns="provider_type", values="placement_share")
    lines = ["Line chart, one line per provider type, the survey's spring marked. Values shown:"]
    for code, label in spec["categories"].items():
        values = ", ".join(f"{y}: {wide.loc[y, code]:.0f}%" for y in wide.index)
        lines.append(f"- {label}: {values}")
    lines += ["", f"Comparison with the LA survey, spring {year} (survey share of places vs census share):"]
    for r in compared.itertuples(index=False):
        census = "not available" if pd.isna(r.census_share) else f"{r.census_share:.0f}%"
        lines.append(f"- {r.provider_type}: survey {r.survey_share_rounded:.0f}%, census {census}")
    lines += ["", "Definitional differences:", *(f"- {d}" for d in diffs)]
    return figure_text(
        headline(series, spec),
        subtitle(series, spec),
        key_message(series, first, last, spec),
        lines,
        {
            "Base": "Every LA in England (census); survey: LAs answering the places question.",
            "Method": "Published census shares, as published; survey pooled share of places by category.",
            "Source": f"{spec['source']}.",
            "Data": "Published statistics only (the census series); the survey shares use the LA returns.",
        },
    )


def key_message(series: pd.DataFrame, first: int, last: int, spec: dict) -> str:
    """One sentence: the categories whose share moved by 5 points or more between the ends."""
    at = series.set_index(["census_year", "provider_type"])["placement_share"]
    parts = []
    for code, label in spec["categories"].items():
        a, b = at.get((first, code)), at.get((last, code))
        if a is not None and b is not None and abs(b - a) >= 5:
            parts.append(f"in {label.lower()} {'rose' if b > a else 'fell'} from {a:.0f}% to {b:.0f}%")
    if not parts:
        return f"Between {first} and {last} the shares of LA-arranged AP placements changed little."
    return f"Between {first} and {last} the share of LA-arranged AP placements {' and '.join(parts)}."


def build_in_worker(settings: Settings) -> int:
    """``build`` in a figure worker, its matplotlib style kept to this call; the number drawn.

    The worker's rcParams are the chart layer's: restoring them keeps the other figures as drawn
    in the main process. The chart layer's style is applied (once per process) before the
    context, so that leaving it cannot undo it.
    """
    import matplotlib

    _style()
    with matplotlib.rc_context():
        return len(build(settings))


def build(settings: Settings) -> list[ContextProducts]:
    """Write every configured context series for the wave.

    A series is left out when its input file or the wave's places table is missing (the stage
    log counts the context figures drawn).
    """
    path = settings.cfg / CONFIG_FILE
    if not path.exists():
        return []
    products = []
    for spec in (read_yaml(path) or {}).values():
        if not (settings.processed_dir / f"{spec['survey']['table']}.csv").exists():
            continue  # the wave has no places table to compare
        if not settings.path(spec["file"]).exists():
            continue  # a project without the external series (e.g. a test fixture)
        series = load_series(settings, spec)
        year = survey_year(settings)
        compared = comparison(series, survey_shares(settings, spec), year, spec)
        stem = settings.figures_dir / f"ctx{spec['number']:02d}_{spec['slug']}"
        stem.parent.mkdir(parents=True, exist_ok=True)
        draw(series, year, spec, stem)
        data = series.assign(category=series["provider_type"].map(spec["categories"]))
        data = data.rename(columns={"census_year": "series", "placement_share": "value"})
        # GSS z: a census of every placement has no sampling interval, and no base of LAs
        data = data[["category", "series", "value"]].assign(unit="%", n_las="z", lower="z", upper="z")
        write_text(stem.with_suffix(".csv"), csv_text(data))
        diffs = list(spec.get("differences", []))
        write_text(stem.with_suffix(".txt"), alt_text(series, compared, year, spec, diffs))
        table, meta = open_data(compared, settings)
        out = settings.processed_dir / f"{stem.name}_comparison"
        write_text(out.with_suffix(".csv"), csv_text(table))
        write_text(out.with_name(out.name + ".meta.csv"), csv_text(meta))
        products.append(ContextProducts(stem, compared, diffs))
    return products
