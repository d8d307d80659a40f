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
from .derive import choice_answers, numeric_answers

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
    # GSS symbol written in ``lower``/``upper`` where the table computes no interval: ``z`` (not
    # applicable: counts, definitions, LA minima/maxima) or ``x`` (not available).
    no_interval: str = "x"

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


# ------------------------------------------------------------------------------------------------
# Intervals: every table carries ``lower``/``upper`` (95% interval of its headline estimate) and
# its base ``n_las``; builders that compute intervals fill them (pipeline/uncertainty.py), the rest
# get the table's GSS symbol at presentation.

INTERVAL_COLUMNS = ("lower", "upper")
INTERVAL_NOTE = (
    "95% interval (lower, upper): design-based, the LAs answering treated as a simple random sample "
    "of the N LAs of the frame (finite population correction 1 - n/N), estimate +/- t(0.975, n - 1) "
    "x standard error; none with fewer than 2 LAs (see docs/methods.md)."
)
NOT_HEADLINE = ("n_las", "lowest_la", "highest_la")  # bases and LA extremes
COUNTS = ("places",)  # counts shown beside a headline share


def headline_indicator(ft: FigureTable) -> str | None:
    """The indicator ``lower``/``upper`` belong to: the first that is not a base, an LA extreme or
    an interval bound (None when the table has only such columns)."""
    for col in ft.indicators:
        if col not in (*INTERVAL_COLUMNS, *COUNTS) and not col.startswith(NOT_HEADLINE):
            return col
    return None


def lower_first(label: str) -> str:
    """'Type of AP' -> 'type of AP'; an acronym ('LA group', 'SEN status', 'LAs') keeps its capitals."""
    first = label.split(" ", 1)[0]
    return label if sum(c.isupper() for c in first) >= 2 else label[:1].lower() + label[1:]


def interval_indicators(ft: FigureTable) -> dict[str, dict]:
    """The indicator metadata of ``lower``/``upper``: the headline's unit and decimals."""
    head = ft.indicators.get(headline_indicator(ft) or "", {"label": "Value", "unit": "", "dp": 0})
    name = lower_first(head["label"])
    return {
        "lower": {
            "label": f"Lower limit of 95% interval of {name}",
            "unit": head["unit"],
            "dp": head.get("dp", 0),
        },
        "upper": {
            "label": f"Upper limit of 95% interval of {name}",
            "unit": head["unit"],
            "dp": head.get("dp", 0),
        },
    }


def with_intervals(ft: FigureTable) -> FigureTable:
    """A copy of ``ft`` whose table has ``lower``, ``upper`` (after the headline indicator) and
    ``n_las``: columns the builder did not compute hold the table's GSS symbol; bounds the
    builder could not compute (fewer than 2 LAs) are NaN and show as ``x``."""
    table = ft.table.copy()
    for col in (*INTERVAL_COLUMNS, "n_las"):
        if col not in table:
            table[col] = ft.no_interval
    head = headline_indicator(ft)
    indicators: dict[str, dict] = {}
    for col, meta in ft.indicators.items():
        if col in INTERVAL_COLUMNS:
            continue
        indicators[col] = meta
        if col == head:
            indicators.update(interval_indicators(ft))
    if head is None:
        indicators.update(interval_indicators(ft))
    if "n_las" not in indicators:
        indicators["n_las"] = {"label": "Number of LAs", "unit": "", "dp": 0}
    computed = pd.to_numeric(table["lower"], errors="coerce").notna().any()
    estimator = ft.estimator
    if computed and INTERVAL_NOTE not in estimator:
        estimator = f"{estimator} {INTERVAL_NOTE}"
    return FigureTable(
        ft.key,
        table,
        ft.filters,
        indicators,
        estimator,
        ft.base,
        ft.values,
        ft.time_identifier,
        ft.no_interval,
    )


SKIPPED: list[dict] = []


class NoAnswers(Exception):
    """A table cannot be computed because no LA answered a question it needs, or one of the
    groups it compares has no answering LA. The only reason a table is ever skipped."""


def require(data, what: str):
    """``data`` (answers of one question, or the LAs behind an estimate) unless it is empty."""
    if data is None or len(data) == 0:
        raise NoAnswers(f"no answers to {what}")
    return data


def require_groups(labels: pd.Series, groups, what: str) -> pd.Series:
    """``labels`` (one group label per answering LA) unless one of ``groups`` has no LA."""
    present = set(labels.dropna())
    missing = [g for g in groups if g not in present]
    if missing:
        raise NoAnswers(f"no answers to {what} from the {' / '.join(map(str, missing))} LAs")
    return labels


def asked_numeric(clean: pd.DataFrame, codebook, qid: str) -> pd.DataFrame:
    """:func:`pipeline.derive.numeric_answers`, or :class:`NoAnswers` when nobody answered."""
    return require(numeric_answers(clean, codebook, qid), f"question '{qid}'")


def asked_choice(clean: pd.DataFrame, qid: str) -> pd.DataFrame:
    """:func:`pipeline.derive.choice_answers`, or :class:`NoAnswers` when nobody answered."""
    return require(choice_answers(clean, qid), f"question '{qid}'")


def attempt(label: str, builder, *args, default=None):
    """Build one table; if the wave has no answers for it (:class:`NoAnswers`), record it as
    skipped with the reason instead of stopping the run. Any other error is a bug and stops
    the run; the default wave must skip nothing (tests/backtests)."""
    try:
        return builder(*args)
    except NoAnswers as exc:
        SKIPPED.append({"table": label, "reason": str(exc)})
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
    from .analysis.specs import TableSpecError, load_specs
    from .totals import with_totals

    SKIPPED.clear()
    try:  # every section's specs checked before anything is computed: one line per mistake
        for section in settings.codebook.sections:
            load_specs(settings, section)
    except TableSpecError as exc:
        raise SystemExit(f"error: {exc}") from None
    tables: list[FigureTable] = []
    for module in MODULES:
        # Total items of additive filters first, so that columns a builder left out take the
        # table's symbol on the Total rows too.
        built = [with_totals(ft, settings.figures.get(ft.key, {})) for ft in module.run(settings, derived)]
        built = [with_intervals(ft) for ft in built]
        if on_tables is not None:
            on_tables(built)
        tables += built
    return tables
