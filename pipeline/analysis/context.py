"""The respondents' profile (Annex A) and the public context values the report quotes (census
and exclusion statistics, from data/raw/public).

The measures are defined in config/context_measures.yaml (source table, row, column); this
module only looks them up, so the report's numbers are recomputed, never typed in.
"""

from __future__ import annotations

import pandas as pd

from ..analyse import FigureTable, attempt, tables_of, value
from ..config import Settings, read_yaml
from ..estimators import share_of_las
from .common import _frame_table


def _sources(settings: Settings) -> dict[str, pd.DataFrame]:
    exclusions = settings.wave_config["exclusions"]
    return {
        "la": pd.read_csv(settings.path(exclusions["file"])),
        "national": pd.read_csv(settings.path(exclusions["national_file"])),
        "census": pd.read_csv(settings.path(settings.wave_config["denominators"]["file"])),
    }


def lookup(spec: dict, sources: dict[str, pd.DataFrame]) -> float:
    """One context value: a cell of a public table (or a column total), times ``scale``."""
    src = sources[spec["source"]]
    if spec["source"] == "la":
        cell = src.loc[src["la_name"] == spec["la"], spec["column"]]
    elif spec["source"] == "national":
        rows = (src["geographic_level"] == "National") & (src["school_type"] == spec["school_type"])
        cell = src.loc[rows, spec["column"]]
    else:
        cell = pd.Series([src[spec["column"]].sum()])
    if len(cell) != 1:
        raise ValueError(f"context measure {spec} matches {len(cell)} rows")
    return float(cell.iloc[0]) * spec.get("scale", 1)


def txt_approach(derived: dict, settings: Settings) -> FigureTable:
    ctx = derived["context"]
    resp = ctx[ctx["la_code"].isin(derived["respondents"])]
    n, n_frame = len(resp), len(ctx)
    urban_class = settings.figures["txt_approach"]["urban_class"]
    urban = resp["rurality"].eq(urban_class)
    regions = resp["region_name"].value_counts()
    rows = [
        {"measure": "respondents", "value": n, "n_las": n_frame},
        {"measure": "las_in_england", "value": n_frame, "n_las": n_frame},
    ]
    rows += [
        {"measure": f"region_share.{r}", "value": 100.0 * k / n, "n_las": n}
        for r, k in regions.sort_index().items()
    ]
    vals = [
        value("txt.approach.survey.respondents", n, "count_las", n_frame),
        value("txt.approach.survey.las_in_england", n_frame, "count_las"),
        value("txt.approach.survey.response_rate", 100.0 * n / n_frame, "percent", n_frame),
        value("txt.approach.respondents.area_share.urban", share_of_las(urban), "percent", n),
        value("txt.approach.respondents.area_share.rural", share_of_las(~urban), "percent", n),
        value("txt.approach.respondents.regions_represented", resp["region_name"].nunique(), "other", n),
        value("txt.annex.survey_las", n, "count_las"),
    ]
    for r, rid in settings.figures["txt_approach"]["region_ids"].items():
        vals.append(
            value(f"txt.approach.respondents.region_share.{rid}", 100.0 * regions.get(r, 0) / n, "percent", n)
        )
    return _frame_table(
        "txt_approach",
        pd.DataFrame(rows),
        ["measure"],
        {"value": {"label": "Value", "unit": "", "dp": 1}},
        "Counts of responding LAs and shares of respondents (each LA once) by the public "
        "classifications: urban = 'Predominantly Urban' in the 2011 Rural-Urban Classification, "
        "rural = the other classes; regions from the wave's LA frame.",
        "The LAs that returned a survey, out of the {frame_size} LAs of the frame",
        vals,
    )


def run(settings: Settings, derived: dict) -> list[FigureTable]:
    return tables_of(attempt("txt_approach", txt_approach, derived, settings), public_context(settings))


def public_context(settings: Settings) -> list[FigureTable]:
    name = settings.wave_settings.context_measures
    if name is None or "national_file" not in settings.wave_config.get("exclusions", {}):
        return []
    measures = read_yaml(settings.cfg / name)
    sources = _sources(settings)
    rows, vals = [], []
    for mid, spec in measures.items():
        x = lookup(spec, sources)
        rows.append({"measure": mid, "source_table": spec["source"], "value": x})
        vals.append(value(mid, x, spec["unit"], basis="public"))
    return [
        FigureTable(
            "txt_public_context",
            pd.DataFrame(rows),
            ["measure", "source_table"],
            {"value": {"label": "Value", "unit": "", "dp": 2}},
            "Published public statistics looked up as defined in config/context_measures.yaml.",
            settings.fill("England and named LAs; exclusions {exclusions_year}, census {census_date}"),
            vals,
        )
    ]
