"""The purpose of local AP and how it is planned (codebook section 'purpose'): Figure 1 and
the strategic-planning prose values.
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
    category_shares,
    count_in_range,
    share_of_las,
)
from .common import (
    PCT,
    SHARE_OF_LAS,
    _frame_table,
    _single,
)


def fig01_reasons(clean: pd.DataFrame, settings: Settings) -> FigureTable:
    a = asked_choice(clean, "ap_reasons")
    ticked = a.assign(yes=a["value"].eq("yes"))
    reasons = list(settings.codebook.dimensions["ap_reason"].values)
    n = ticked["la_code"].nunique()
    rows = [
        {
            "ap_reason": r,
            "la_share": share_of_las(ticked.loc[ticked["ap_reason"] == r].set_index("la_code")["yes"]),
            "n_las": n,
        }
        for r in reasons
    ]
    table = pd.DataFrame(rows)
    vals = [
        value(f"fig01.la_share.reason.{r}", s, "percent", n)
        for r, s in zip(table["ap_reason"], table["la_share"], strict=True)
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
        "LAs answering the question on the main reasons AP is used",
        vals,
    )


def txt_strategic_planning(clean: pd.DataFrame, settings: Settings) -> FigureTable:
    cats = list(settings.codebook.category_sets["likert5"])
    sp = _single(clean, "strategic_planning")
    sh = category_shares(sp, cats)
    review = _single(clean, "reviewing_ap_system").eq("yes")
    n = int(sp.notna().sum())
    both = sh["strongly_agree"] + sh["agree"]
    vals = [
        value("txt.strategic_planning.n_las", n, "count_las"),
        value("txt.strategic_planning.la_share.strongly_agree", sh["strongly_agree"], "percent", n),
        value("txt.strategic_planning.la_share.agree", sh["agree"], "percent", n),
        value("txt.strategic_planning.la_share.agree_or_strongly_agree", both, "percent", n),
        value("txt.strategic_planning.la_share.agree_or_strongly_agree.footnote19", both, "percent", n),
        value(
            "txt.strategic_planning.la_share.reviewing_ap_system",
            share_of_las(review),
            "percent",
            len(review),
        ),
    ]
    table = pd.DataFrame({"response": cats, "la_share": sh.to_numpy()})
    return _frame_table(
        "txt_strategic_planning",
        table,
        ["response"],
        {"la_share": {"label": "Share of LAs", **PCT}},
        SHARE_OF_LAS + " Reviewing the AP system: LAs whose comments were coded as reviewing it.",
        "LAs answering the strategic-planning statement",
        vals,
    )


def run(settings: Settings, derived: dict) -> list[FigureTable]:
    clean = derived["clean"]
    return tables_of(
        attempt("fig01", fig01_reasons, clean, settings),
        attempt("txt_strategic_planning", txt_strategic_planning, clean, settings),
    )
