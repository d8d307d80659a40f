"""``Total`` rows for the filters whose items add up to a whole (the EES default filter item).

A table spec (config/figures/*.yaml) says, per filter, whether summing over its items is
meaningful: ``additive: {phase: true, provider_type: false}``. Items of an additive filter
partition a whole (phases, provider types, answers of a single-choice question), so their
counts, pooled shares (summing to 100) and mean-of-LA rates with absent types counted as 0 (the
mean of the LAs' totals) add up. Multi-select answers (``ap_reason``), overlapping groups and
averages over different LAs (costs, means by group) are not additive and get no Total.

The Total of an additive filter is added within every combination of the other filters
(including the Totals added before it, so two additive filters also get a grand Total):
indicators are summed (all missing stays missing), LA counts (``n_las...``) take the largest
item's base (the LAs answering the question), and interval or range bounds (lower/upper,
lowest/highest LA) are not additive and are left missing; a spec's ``total_rules`` overrides
these defaults per column (e.g. a table whose ``n_las`` is itself the count being split).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from .analyse import TOTAL_LABEL, FigureTable

NOT_SUMMED = ("lower", "upper", "lowest", "highest", "ci_", "median", "min", "max")


def additive_filters(ft: FigureTable, spec: dict) -> list[str]:
    """The table's filters that its spec declares additive, in the table's filter order."""
    declared = spec.get("additive") or {}
    return [f for f in ft.filters if declared.get(f) is True]


def _total_of(col: str, values: pd.Series, rules: dict) -> float:
    rule = rules.get(col) or ("max" if col.startswith("n_las") else "sum")
    if rule == "none" or (col not in rules and any(part in col for part in NOT_SUMMED)):
        return np.nan
    return values.max() if rule == "max" else values.sum(min_count=1)


def _totals_over(table: pd.DataFrame, f: str, filters: list[str], indicators: list[str], rules: dict):
    body = table[table[f].astype(str) != TOTAL_LABEL]
    others = [g for g in filters if g != f]
    groups = body.groupby(others, sort=False, dropna=False) if others else [((), body)]
    rows = []
    for key, sub in groups:
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(others, key, strict=True))
        row[f] = TOTAL_LABEL
        for col in indicators:
            row[col] = _total_of(col, pd.to_numeric(sub[col], errors="coerce"), rules)
        rows.append(row)
    return pd.DataFrame(rows, columns=table.columns)


def with_totals(ft: FigureTable, spec: dict) -> FigureTable:
    """The table with a ``Total`` item added to each additive filter that has none yet (rows
    appended after the table's own rows, which stay as they are). ``total_rules: {column:
    sum|max|none}`` in the spec overrides the default rule of an indicator."""
    table = ft.table
    indicators = [c for c in table.columns if c not in ft.filters]
    rules = spec.get("total_rules") or {}
    for f in additive_filters(ft, spec):
        if f not in table or (table[f].astype(str) == TOTAL_LABEL).any():
            continue
        totals = _totals_over(table, f, ft.filters, indicators, rules)
        table = pd.concat([table, totals], ignore_index=True)
    return ft if table is ft.table else replace(ft, table=table)


def without_added_totals(table: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """Rows a figure draws: the Total items of additive filters only where the spec asks
    (``draw_totals: [filter, ...]``)."""
    declared = spec.get("additive") or {}
    drawn = set(spec.get("draw_totals", []))
    keep = pd.Series(True, index=table.index)
    for f, additive in declared.items():
        if additive is True and f in table and f not in drawn:
            keep &= table[f].astype(str) != TOTAL_LABEL
    return table[keep]
