"""Public context values the report quotes (census and exclusion statistics), from data/raw/public.

The measures are defined in config/context_measures.yaml (source table, row, column); this
module only looks them up, so the report's numbers are recomputed, never typed in.
"""

from __future__ import annotations

import pandas as pd

from ..analyse import FigureTable, value
from ..config import Settings, read_yaml


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


def run(settings: Settings, derived: dict) -> list[FigureTable]:
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
