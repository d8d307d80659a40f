"""Analyse: one tidy table per figure, plus every computed value keyed by its measure id.

Each figure function takes the derived data and returns a :class:`FigureTable`: the tidy
table (filters and unrounded indicators), the estimator used, the base, and the measure ids
of the values it computes. Measure ids name what is measured (``fig08.cost.pru``); they are
the join key of the reproduction check and hold no published value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .config import Settings

TOTAL_LABEL = "Total"


@dataclass
class FigureTable:
    """One output table. ``key`` is figNN for a figure (drawn as configured in config/figures/),
    or a name such as ``txt_provider_mix`` for a table of prose values (not drawn)."""

    key: str  # fig08
    table: pd.DataFrame  # filters + indicators, unrounded
    filters: list[str]
    indicators: dict[str, dict]  # column -> {label, unit, dp}
    estimator: str
    base: str
    values: list[dict] = field(default_factory=list)  # {id, value, unit, n_las, basis}
    time_identifier: str | None = None  # e.g. "Financial year" for costs; default: the wave's

    @property
    def is_figure(self) -> bool:
        return self.key.startswith("fig")


def value(id_: str, x, unit: str, n_las=None, basis: str = "computed") -> dict:
    return {
        "id": id_,
        "value": float(x) if x is not None and not pd.isna(x) else np.nan,
        "unit": unit,
        "n_las": n_las,
        "basis": basis,
    }


SKIPPED: list[dict] = []


def attempt(label: str, builder, *args, default=None):
    """Build one table; if the wave lacks the answers it needs (a question nobody answered),
    record it as skipped instead of stopping the run. The default wave must skip nothing
    (tests/backtests), so real errors stay visible."""
    try:
        return builder(*args)
    except (KeyError, ValueError, IndexError, ZeroDivisionError) as exc:
        SKIPPED.append({"table": label, "reason": f"{type(exc).__name__}: {exc}"})
        return default


def tables_of(*built) -> list[FigureTable]:
    """Flatten what builders returned (tables, tuples of tables, lists, or None when skipped)."""
    out: list[FigureTable] = []
    for b in built:
        if b is None:
            continue
        if isinstance(b, FigureTable):
            out.append(b)
        else:
            out += tables_of(*b)
    return out


def run(settings: Settings, derived: dict, on_tables=None) -> list[FigureTable]:
    """Every table of every analysis module, in module order (see ``pipeline/analysis``).

    ``on_tables`` is called with each module's tables as soon as they exist (so figures can be
    drawn while the next module computes)."""
    from .analysis import MODULES

    SKIPPED.clear()
    tables: list[FigureTable] = []
    for module in MODULES:
        built = module.run(settings, derived)
        if on_tables is not None:
            on_tables(built)
        tables += built
    return tables
