"""The DfE open-data screener's checks (EES data standards), applied to a data frame and its
metadata as this project writes them. Each check returns findings ``(level, check, message)``
with level "fail" or "warning"; a clean table returns none.

Written from the published screener rules (dfe-analytical-services: required columns, time,
geography, metadata columns, units, filters and their hints, totals, labels).
"""

from __future__ import annotations

import re

import pandas as pd

REQUIRED = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name"]
META_COLUMNS = [
    "col_name", "col_type", "label", "indicator_grouping", "indicator_unit", "indicator_dp",
    "filter_hint", "filter_grouping_column",
]  # fmt: skip
TIME_IDENTIFIERS = {"Academic year", "Financial year", "Calendar year", "Tax year", "Reporting year"}
LEVELS = {
    "National": ["country_code", "country_name"],
    "Regional": ["region_code", "region_name"],
    "Local authority": ["region_code", "region_name", "new_la_code", "old_la_code", "la_name"],
}
UNITS = {"", "%", "£", "£m", "pp"}
GEO_TIME = set(REQUIRED) | {c for cols in LEVELS.values() for c in cols}
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
INTERNAL_ID = re.compile(r"^[a-z0-9]+([._][a-z0-9]+)+$")  # snake_case or dotted ids
ACRONYM_LOST = re.compile(r"\b(Ap|La|Las|Sen|Semh|Ehc|Ehcp|Ehe|Pru|Prus|Ks[1-5]|Fe|Neet)\b")


def screen(data: pd.DataFrame, meta: pd.DataFrame, la_names: set[str] = frozenset()) -> list[tuple]:
    found: list[tuple] = []

    def fail(check, msg):
        found.append(("fail", check, msg))

    def warn(check, msg):
        found.append(("warning", check, msg))

    for col in REQUIRED:
        if col not in data:
            fail("required_columns", f"missing column {col}")
    for col in data.columns:
        if not SNAKE.match(col):
            fail("column_names", f"column name {col!r} is not lower snake case")
    if "time_period" in data:
        for tp in set(data["time_period"].astype(str)):
            ok = re.fullmatch(r"\d{4}", tp) or (
                re.fullmatch(r"\d{6}", tp) and int(tp[4:]) == (int(tp[2:4]) + 1) % 100
            )
            if not ok:
                fail("time_period", f"time_period {tp} is not YYYY or consecutive YYYYYY")
    if "time_identifier" in data:
        for ti in set(data["time_identifier"]) - TIME_IDENTIFIERS:
            fail("time_identifier", f"time_identifier {ti!r} not allowed")
    if "geographic_level" in data:
        for level, rows in data.groupby("geographic_level"):
            if level not in LEVELS:
                fail("geographic_level", f"geographic_level {level!r} not allowed")
                continue
            for col in LEVELS[level]:
                if col not in data or rows[col].isna().any() or (rows[col].astype(str) == "").any():
                    fail("geography", f"{level} rows need {col}")
    if list(meta.columns) != META_COLUMNS:
        fail("meta_columns", f"metadata columns {list(meta.columns)} != {META_COLUMNS}")
        return found
    meta = meta.fillna("")
    described = set(meta["col_name"])
    for col in data.columns:
        if col not in GEO_TIME and col not in described:
            fail("meta_coverage", f"column {col} missing from the metadata")
    for r in meta.itertuples(index=False):
        if r.col_name not in data:
            fail("meta_coverage", f"metadata row {r.col_name} has no column in the data")
        if r.col_name in GEO_TIME:
            fail("meta_geo_time", f"{r.col_name} must not be in the metadata")
        if r.col_type not in ("Filter", "Indicator"):
            fail("col_type", f"{r.col_name}: col_type {r.col_type!r}")
        if not str(r.label).strip():
            fail("label", f"{r.col_name}: no label")
        elif ACRONYM_LOST.search(str(r.label)):
            warn("label_acronyms", f"{r.col_name}: label {r.label!r} loses an acronym")
        if r.col_type == "Filter":
            if str(r.indicator_unit) or str(r.indicator_dp) or str(r.indicator_grouping):
                fail("filter_fields", f"{r.col_name}: indicator fields filled for a filter")
            if not str(r.filter_hint).strip():
                warn("filter_hint", f"{r.col_name}: no filter_hint")
            items = data[r.col_name].astype(str) if r.col_name in data else pd.Series(dtype=str)
            ids = sorted({v for v in items if INTERNAL_ID.match(v)})
            if ids:
                warn("filter_items", f"{r.col_name}: internal ids as items, e.g. {ids[:3]}")
            lost = sorted({v for v in items if ACRONYM_LOST.search(v)})
            if lost:
                warn("item_acronyms", f"{r.col_name}: items lose acronyms, e.g. {lost[:3]}")
            las = sorted(set(items) & set(la_names))
            if las and (data["geographic_level"] != "Local authority").any():
                fail("la_rows", f"{r.col_name}: LA rows not at Local authority level, e.g. {las[:3]}")
        if r.col_type == "Indicator":
            if str(r.filter_hint) or str(r.filter_grouping_column):
                fail("indicator_fields", f"{r.col_name}: filter fields filled for an indicator")
            if str(r.indicator_unit) not in UNITS:
                fail("indicator_unit", f"{r.col_name}: unit {r.indicator_unit!r} not allowed")
            try:
                dp = int(float(r.indicator_dp))
            except ValueError:
                warn("indicator_dp", f"{r.col_name}: indicator_dp {r.indicator_dp!r} is not a number")
                continue
            if r.col_name in data:
                decimals = data[r.col_name].astype(str).str.extract(r"^-?\d+\.(\d+)$")[0].dropna().str.len()
                if len(decimals) and decimals.max() > dp:
                    warn(
                        "indicator_dp",
                        f"{r.col_name}: values with {decimals.max()} decimals, indicator_dp {dp}",
                    )
    return found


def missing_totals(data: pd.DataFrame, meta: pd.DataFrame, additive: set[str]) -> list[str]:
    """Filters of ``additive`` columns (where summing is meaningful) without a Total item."""
    filters = meta.loc[meta["col_type"] == "Filter", "col_name"]
    return [f for f in filters if f in additive and f in data and "Total" not in set(data[f].astype(str))]


def duplicate_rows(data: pd.DataFrame, meta: pd.DataFrame) -> int:
    keys = [c for c in data.columns if c in GEO_TIME] + list(
        meta.loc[meta["col_type"] == "Filter", "col_name"]
    )
    return int(data.duplicated(subset=keys).sum())
