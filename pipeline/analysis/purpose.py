"""The purpose of local AP and how it is planned (codebook section 'purpose'): Figure 1 here;
the strategic-planning tables are specs (config/tables/purpose.yaml).
"""

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
    count_in_range,
)
from .common import (
    PCT,
    SHARE_OF_LAS,
    _frame_table,
)
from .specs import build_section, estimate_share


def fig01_reasons(clean: pd.DataFrame, settings: Settings, n_frame: int | None = None) -> FigureTable:
    a = asked_choice(clean, "ap_reasons")
    ticked = a.assign(yes=a["value"].eq("yes"))
    reasons = list(settings.codebook.dimensions["ap_reason"].values)
    n = ticked["la_code"].nunique()  # LAs answering the question (any reason): base of the counts
    rows = []
    for r in reasons:
        # base of each reason's share: the LAs answering that reason (a blank cell is no answer)
        est = estimate_share(a.loc[a["ap_reason"] == r, "value"], ["yes"], n_frame or n)
        rows.append(
            {
                "ap_reason": r,
                "la_share": est.value,
                "lower": est.lower,
                "upper": est.upper,
                "n_las": est.n_las,
            }
        )
    table = pd.DataFrame(rows)
    vals = [
        value(f"fig01.la_share.reason.{r}", s, "percent", int(k))
        for r, s, k in zip(table["ap_reason"], table["la_share"], table["n_las"], strict=True)
        if r != "other"
    ]
    per_la = ticked.groupby("la_code")["yes"].sum()
    for label, lo, hi in settings.figures["fig01"]["option_bands"]:
        vals.append(
            value(f"fig01.la_count.options_selected.{label}", count_in_range(per_la, lo, hi), "count_las", n)
        )
    return _frame_table(
        "fig01",
        table,
        ["ap_reason"],
        {
            "la_share": {"label": "Share of LAs selecting the reason", **PCT},
            "n_las": {"label": "LAs answering", "unit": "", "dp": 0},
        },
        SHARE_OF_LAS + " Multi-select: shares add up to more than 100. Counts of LAs by the number of "
        "options ticked (all eight options, 'other' included).",
        "LAs answering each reason of the question on the main reasons AP is used (the counts by "
        "number of options: LAs answering any reason)",
        vals,
    )


def run(settings: Settings, derived: dict) -> list[FigureTable]:
    clean = derived["clean"]
    return tables_of(
        attempt("fig01", fig01_reasons, clean, settings, len(derived["la_frame"])),
        build_section("purpose", settings, derived),
    )
