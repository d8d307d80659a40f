"""Demand for AP (codebook section 'demand'): Figure 29 and the demand-trend prose values."""

from __future__ import annotations

import pandas as pd

from ..analyse import (
    FigureTable,
    asked_choice,
    attempt,
    tables_of,
    value,
)
from ..config import Settings
from ..estimators import (
    category_shares,
)
from .common import (
    PCT,
    SHARE_OF_LAS,
    _frame_table,
    _single,
)


def txt_demand(clean: pd.DataFrame, settings: Settings) -> list[FigureTable]:
    sets = settings.codebook.category_sets
    out = []
    specs = [
        ("txt_reintegration", "reintegration", "extent4", "txt.reintegration.la_share", {}),
        ("txt_demand_change", "demand_change", "change3", "txt.demand_trends.demand_change_3y.la_share", {}),
        (
            "txt_spend_vs_budget",
            "spend_vs_budget",
            "spend_vs_budget",
            "txt.demand_trends.spend_vs_budget.la_share",
            {"more": "over_budget", "less": "under_budget"},
        ),
        (
            "txt_changing_demand",
            "delegated_use_change",
            "delegated_change",
            "txt.changing_demand.schools_own_ap_use_3y.la_share",
            {},
        ),
        ("txt_demand_outlook", "demand_outlook", "demand_outlook", None, {}),
    ]
    for key, qid, cset, prefix, rename in specs:
        a = _single(clean, qid)
        cats = list(sets[cset])
        sh = category_shares(a, cats)
        n = int(a.notna().sum())
        vals = (
            [value(f"{prefix}.{rename.get(c, c)}", s, "percent", n) for c, s in sh.items()] if prefix else []
        )
        if qid == "reintegration":
            vals.append(
                value(
                    "txt.reintegration.la_share.significant_or_some_extent",
                    sh["significant_extent"] + sh["some_extent"],
                    "percent",
                    n,
                )
            )
        if qid == "demand_change":
            vals.append(value("txt.demand_trends.n_las", n, "count_las"))
        if qid == "delegated_use_change":
            vals.append(value("txt.changing_demand.schools_own_ap_use.n_las", n, "count_las"))
        if qid == "demand_outlook":
            vals.append(value("txt.demand_trends.expect_demand_rise_la_share", sh["rise"], "percent", n))
        out.append(
            _frame_table(
                key,
                pd.DataFrame({"response": cats, "la_share": sh.to_numpy(), "n_las": n}),
                ["response"],
                {"la_share": {"label": "Share of LAs", **PCT}},
                SHARE_OF_LAS,
                f"LAs answering the {qid.replace('_', ' ')} question",
                vals,
            )
        )
    return out


def fig29_pex_change(clean: pd.DataFrame, settings: Settings) -> FigureTable:
    a = asked_choice(clean, "pex_rate_change")
    cats = list(settings.codebook.category_sets["change3"])
    rows, vals = [], []
    for ph in ("secondary", "primary"):
        s = a[a["school_phase"] == ph].set_index("la_code")["value"]
        sh = category_shares(s, cats)
        for c, v in sh.items():
            rows.append({"school_phase": ph, "response": c, "la_share": v, "n_las": int(s.notna().sum())})
            vals.append(
                value(f"fig29.pex_rate_change_12m.la_share.{ph}.{c}", v, "percent", int(s.notna().sum()))
            )
    return _frame_table(
        "fig29",
        pd.DataFrame(rows),
        ["school_phase", "response"],
        {
            "la_share": {"label": "Share of LAs", **PCT},
            "n_las": {"label": "LAs answering", "unit": "", "dp": 0},
        },
        SHARE_OF_LAS + " Per phase, among LAs that answered for that phase.",
        "LAs answering the question on changes in permanent exclusion rates, by phase",
        vals,
    )


def run(settings: Settings, derived: dict) -> list[FigureTable]:
    clean = derived["clean"]
    return tables_of(
        attempt("txt_demand", txt_demand, clean, settings),
        attempt("fig29", fig29_pex_change, clean, settings),
    )
