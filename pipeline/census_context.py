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

import textwrap
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
        "survey_share_rounded": 100.0,
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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.style.use("afcharts.afcharts")
    plt.rcParams.update({"svg.hashsalt": "apmarket", "svg.fonttype": "none", "font.size": 10})
    return plt


def draw(series: pd.DataFrame, year: int, spec: dict, title: str, stem: Path) -> None:
    """Lines per provider type, markers and end labels (not colour alone), the survey spring marked."""
    from afcharts.af_colours import get_af_colours

    plt = _style()
    categories = spec["categories"]
    colours = get_af_colours("categorical", number_of_colours=max(2, len(categories)))
    markers = ["o", "s", "^", "D", "v"]
    fig, ax = plt.subplots(figsize=(9, 5.6))
    last = int(series["census_year"].max())
    for i, (code, label) in enumerate(categories.items()):
        s = series[series["provider_type"] == code].sort_values("census_year")
        ax.plot(
            s["census_year"], s["placement_share"], marker=markers[i % 5], color=colours[i], label=label, lw=2
        )
        end = s.iloc[-1]
        ax.annotate(
            f"{label} {end['placement_share']:.0f}%",
            (end["census_year"], end["placement_share"]),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=8.5,
            color="#0b0c0c",
        )
    ax.axvline(year, color="#3D3D3D", ls="--", lw=1)
    ax.text(
        year + 0.1,
        0.98,
        spec["marker"].format(year=year),
        transform=ax.get_xaxis_transform(),
        va="top",
        fontsize=8.5,
    )
    ax.set_xlim(series["census_year"].min() - 0.5, last + 4.5)
    ax.set_xticks(range(int(series["census_year"].min()), last + 1, 1))
    ax.tick_params(axis="x", labelrotation=45)
    ax.set_ylim(0, 60)
    ax.yaxis.set_major_formatter("{x:.0f}%")
    ax.set_title("\n".join(textwrap.wrap(title, 85)), loc="left", fontsize=11)
    footer = f"{spec['subtitle']}. Source: {spec['source']}."
    fig.text(0.01, 0.01, textwrap.fill(footer, 130), fontsize=8, va="bottom", ha="left", color="#3D3D3D")
    fig.subplots_adjust(left=0.08, right=0.97, top=0.88, bottom=0.2)
    fig.savefig(stem.with_suffix(".png"), metadata={"Software": None}, pil_kwargs={"compress_level": 1})
    fig.savefig(stem.with_suffix(".svg"), metadata={"Date": None, "Creator": None})
    plt.close(fig)


def alt_text(series: pd.DataFrame, compared: pd.DataFrame, year: int, spec: dict, title: str, diffs) -> str:
    first, last = int(series["census_year"].min()), int(series["census_year"].max())
    wide = series.pivot(index="census_year", columns="provider_type", values="placement_share")
    lines = [title, f"{spec['subtitle']}.", "", "Line chart. Values shown:"]
    for code, label in spec["categories"].items():
        values = ", ".join(f"{y}: {wide.loc[y, code]:.0f}%" for y in wide.index)
        lines.append(f"- {label}: {values}")
    lines += ["", f"Comparison with the LA survey, spring {year} (survey share of places vs census share):"]
    for r in compared.itertuples(index=False):
        census = "not available" if pd.isna(r.census_share) else f"{r.census_share:.0f}%"
        lines.append(f"- {r.provider_type}: survey {r.survey_share_rounded:.0f}%, census {census}")
    lines += ["", f"Key message: {key_message(series, first, last, spec)}"]
    lines += ["Base: every LA in England (census); survey: LAs answering the places question."]
    lines += ["Method: Published census shares, as published; survey pooled share of places by category."]
    lines += [f"Source: {spec['source']}."]
    lines += ["", "Definitional differences:", *(f"- {d}" for d in diffs)]
    return "\n".join(lines) + "\n"


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
    in the main process.
    """
    import matplotlib

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
        first, last = int(series["census_year"].min()), int(series["census_year"].max())
        title = f"Context figure {spec['number']}: " + spec["title"].format(first=first, last=last)
        compared = comparison(series, survey_shares(settings, spec), year, spec)
        stem = settings.figures_dir / f"ctx{spec['number']:02d}_{spec['slug']}"
        stem.parent.mkdir(parents=True, exist_ok=True)
        draw(series, year, spec, title, stem)
        data = series.assign(category=series["provider_type"].map(spec["categories"]))
        data = data.rename(columns={"census_year": "series", "placement_share": "value"})
        data = data[["category", "series", "value"]].assign(unit="%")
        write_text(stem.with_suffix(".csv"), csv_text(data))
        diffs = list(spec.get("differences", []))
        write_text(stem.with_suffix(".txt"), alt_text(series, compared, year, spec, title, diffs))
        table, meta = open_data(compared, settings)
        out = settings.processed_dir / f"{stem.name}_comparison"
        write_text(out.with_suffix(".csv"), csv_text(table))
        write_text(out.with_name(out.name + ".meta.csv"), csv_text(meta))
        products.append(ContextProducts(stem, compared, diffs))
    return products
