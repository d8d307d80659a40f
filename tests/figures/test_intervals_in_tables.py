"""Every open-data table of the default wave carries a 95% interval and its base: ``lower``,
``upper`` and ``n_las`` columns whose cells are numbers or a GSS symbol, with ``.meta.csv``
indicator rows; and the estimates that have an interval lie inside it."""

from __future__ import annotations

import pandas as pd

GSS = {"c", "x", "z", "low", "u"}


def _number_or_symbol(cell: str) -> bool:
    if cell in GSS:
        return True
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_every_table_has_lower_upper_and_base(written_tables):
    tables, _ = written_tables
    problems = []
    for key, (data, meta) in tables.items():
        for col in ("lower", "upper", "n_las"):
            if col not in data:
                problems.append(f"{key}: no column {col}")
            elif not data[col].map(_number_or_symbol).all():
                problems.append(f"{key}: {col} has cells that are neither numbers nor GSS symbols")
            elif col not in set(meta.loc[meta["col_type"] == "Indicator", "col_name"]):
                problems.append(f"{key}: {col} has no indicator row in the .meta.csv")
    assert not problems, "\n".join(problems)


def test_figure_tables_have_computed_intervals(written_tables):
    """Every figure's table has numeric bounds somewhere (only tables of totals carry ``z``)."""
    tables, _ = written_tables
    missing = [
        key
        for key, (data, _) in tables.items()
        if key.startswith("fig")
        and not pd.to_numeric(data["lower"], errors="coerce").notna().any()
        and not (data["lower"] == "z").all()
    ]
    assert len(missing) <= 2, missing  # fig27 (sums of fig26 shares) and fig36 (vs external aggregates)


def test_bounds_surround_their_estimate(written_tables):
    tables, _ = written_tables
    bad = []
    for key, (data, meta) in tables.items():
        ind = meta.loc[meta["col_type"] == "Indicator", "col_name"].tolist()
        if "lower" not in ind:
            continue
        head = ind[ind.index("lower") - 1] if ind.index("lower") > 0 else None
        if head is None:
            continue
        lo, hi = (pd.to_numeric(data[c], errors="coerce") for c in ("lower", "upper"))
        v = pd.to_numeric(data[head], errors="coerce")
        ok = lo.isna() | hi.isna() | v.isna() | ((lo <= v) & (v <= hi))
        # (rounding half up is monotone, so rounded bounds still surround the rounded estimate)
        if not ok.all():
            bad.append(key)
    assert not bad, bad
