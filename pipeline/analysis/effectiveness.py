"""Self-evaluation of the local AP system (codebook section 'effectiveness'): Figures 35 and 36."""

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
    share_of_las,
)
from .common import (
    AGREE,
    DISAGREE,
    PCT,
    SHARE_OF_LAS,
    _frame_table,
    answer_bounds,
)


def fig35_self_evaluation(
    clean: pd.DataFrame, settings: Settings, n_frame: int | None = None
) -> tuple[FigureTable, pd.Series]:
    se = asked_choice(clean, "self_evaluation")
    cats = list(settings.codebook.category_sets["likert5"])
    statements = list(settings.codebook.dimensions["statement"].values)
    rows, agree, disagree, cant, answered = [], {}, {}, {}, {}
    n = se["la_code"].nunique()
    for st in statements:
        s = se[se["statement"] == st].set_index("la_code")["value"]
        sh = category_shares(s, cats)
        for c, v in sh.items():
            rows.append(
                {
                    "statement": st,
                    "response": c,
                    "la_share": v,
                    **answer_bounds(s, [c], n_frame or n),
                    "n_las": int(s.notna().sum()),
                }
            )
        agree[st] = sh[list(AGREE)].sum()
        disagree[st] = sh[list(DISAGREE)].sum()
        cant[st] = sh["cant_say"]
        answered[st] = int(s.notna().sum())
    agree, disagree = pd.Series(agree), pd.Series(disagree)
    wide = se.pivot(index="la_code", columns="statement", values="value")
    all_six = wide.isin(AGREE).all(axis=1)
    vals = [
        value("fig35.n_las", n, "count_las"),
        value("fig35.agree_share.most_statements.typical", agree.median(), "percent", n),
        value("fig35.disagree_share.most_statements.min", disagree.min(), "percent", n),
        value("fig35.disagree_share.most_statements.max", disagree.max(), "percent", n),
        value("fig35.agree_share.all_six_statements", share_of_las(all_six), "percent", n),
    ]
    for st in statements:
        vals += [
            value(f"fig35.agree_share.{st}", agree[st], "percent", answered[st]),
            value(f"fig35.disagree_share.{st}", disagree[st], "percent", answered[st]),
            value(f"fig35.cant_say_share.{st}", cant[st], "percent", answered[st]),
        ]
    fig = _frame_table(
        "fig35",
        pd.DataFrame(rows),
        ["statement", "response"],
        {
            "la_share": {"label": "Share of LAs", **PCT},
            "n_las": {"label": "LAs answering", "unit": "", "dp": 0},
        },
        SHARE_OF_LAS + " Agree = strongly agree + agree; disagree = disagree + strongly disagree; "
        "typical agreement = median over the six statements; agreeing with all six is per LA.",
        "LAs answering the self-evaluation statements",
        vals,
    )
    return fig, agree


def fig36_comparison(la_agree: pd.Series, n_las: int, settings: Settings) -> FigureTable:
    spec = settings.figures["fig36"]
    ext = pd.read_csv(settings.path(settings.wave_config["context_inputs"]["iff_self_evaluation"]))
    ext = ext[ext["statement"].isin(la_agree.index)]
    la = pd.DataFrame(
        {
            "statement": la_agree.index,
            "respondent_type": "la",
            "agree_share": la_agree.to_numpy(),
            "basis": "computed",
            "n_las": n_las,
        }
    )
    table = pd.concat(
        [
            la,
            ext[["statement", "respondent_type", "agree_share"]].assign(basis="external published aggregate"),
        ],
        ignore_index=True,
    )
    order = {s: i for i, s in enumerate(la_agree.index)}
    types = {t: i for i, t in enumerate(spec["series_order"])}
    table = table.sort_values(
        ["statement", "respondent_type"],
        key=lambda s: s.map(order) if s.name == "statement" else s.map(types),
    )
    vals = [value(f"fig36.agree_share.{st}.la", la_agree[st], "percent", n_las) for st in spec["la_ids"]]
    # Direction "schools below LAs on every statement": the largest school-minus-LA gap over the
    # statements with a published school share (negative when schools are below on all of them).
    school = ext[ext["respondent_type"] == "school"].set_index("statement")["agree_share"]
    if len(school):
        gaps = school - la_agree.reindex(school.index)
        vals.append(value("fig36.agree_share.all_statements.school_vs_la", gaps.max(), "finding", n_las))
    return _frame_table(
        "fig36",
        table,
        ["statement", "respondent_type"],
        {"agree_share": {"label": "Share strongly agreeing or agreeing", **PCT}},
        "LAs: share of LAs strongly agreeing or agreeing (computed from the returns, as Figure 35). "
        "School and AP-provider leaders: IFF Research's published shares (external, not computed).",
        f"{n_las} LAs; IFF Research telephone interviews with school leaders and AP provider leaders",
        vals,
    )


def run(settings: Settings, derived: dict) -> list[FigureTable]:
    clean = derived["clean"]
    fig35 = attempt("fig35", fig35_self_evaluation, clean, settings, len(derived["la_frame"]))
    n_se = clean.loc[clean["question_id"] == "self_evaluation", "la_code"].nunique()
    return tables_of(
        fig35[0] if fig35 else None,
        attempt("fig36", fig36_comparison, fig35[1], n_se, settings) if fig35 else None,
    )
