"""Decision-making and funding responsibilities (codebook section 'responsibility'): Figure 16,
the exclusion arrangements, and the devolved vs centralised comparisons (Figures 32, 33 and prose;
Figure 34, a cost comparison, is in costs).
"""

from __future__ import annotations

import pandas as pd

from ..analyse import (
    FigureTable,
    asked_choice,
    asked_numeric,
    attempt,
    require_groups,
    tables_of,
    value,
)
from ..config import Settings
from ..derive import choice_answers
from ..estimators import (
    category_shares,
    pooled_shares,
    share_of_las,
)
from .common import (
    DISAGREE,
    MEAN_RATES,
    MODELS,
    N_LAS,
    PCT,
    RATE,
    SHARE_OF_LAS,
    Data,
    _frame_table,
    _single,
    _table,
    _type_rates,
    answer_bounds,
    la_models,
    mean_bounds,
)


def fig32(d: Data) -> FigureTable:
    ap = d.rates("pupils")["secondary"]
    ehe = d.rates("ehe")["secondary"]
    rows, means, bases = [], {}, {}
    for measure, s in (("ap_pupils", ap), ("ehe", ehe)):
        require_groups(d.devolved.reindex(s.dropna().index), MODELS, f"the {measure} question")
        for g in ("devolved", "centralised"):
            x = s[d.devolved.reindex(s.index) == g].dropna()
            means[(measure, g)], bases[(measure, g)] = x.mean(), len(x)
            rows.append(
                {
                    "measure": measure,
                    "la_group": g,
                    "per_10k": x.mean(),
                    **mean_bounds(x, d.n_frame),
                    "n_las": len(x),
                }
            )
    vals = [
        value(
            "fig32.ap_pupils_per_10k.secondary.devolved_vs_centralised",
            means[("ap_pupils", "devolved")] - means[("ap_pupils", "centralised")],
            "per_10k_pupils",
        ),
        value(
            "fig32.ehe_per_10k.secondary.devolved",
            means[("ehe", "devolved")],
            "per_10k_pupils",
            bases[("ehe", "devolved")],
        ),
        value(
            "fig32.ehe_per_10k.secondary.centralised",
            means[("ehe", "centralised")],
            "per_10k_pupils",
            bases[("ehe", "centralised")],
        ),
    ]
    return _table(
        "fig32",
        rows,
        ["measure", "la_group"],
        {"per_10k": {"label": "Secondary-age pupils per 10,000 secondary pupils", **RATE}, "n_las": N_LAS},
        MEAN_RATES + " Groups by the secondary-phase decision-making model (devolved = partially or fully).",
        "LAs answering the pupils-placed (or EHE) question",
        vals,
    )


def fig33(d: Data) -> FigureTable:
    rates = _type_rates(d)
    grp = require_groups(d.devolved.reindex(rates.index), MODELS, "the places question")
    rows = []
    for p in d.ptypes:
        for g in ("devolved", "centralised"):
            x = rates.loc[grp == g, p]
            rows.append(
                {
                    "provider_type": p,
                    "la_group": g,
                    "places_per_10k": x.mean(),
                    **mean_bounds(x, d.n_frame),
                    "n_las": int(x.notna().sum()),
                }
            )
    gsum = {
        k: rates[[p for p in d.ptypes if d.group_of[p] == k]].sum(axis=1).groupby(grp).mean()
        for k in ("state_funded", "independent")
    }
    vals = [
        value(
            f"fig33.places_per_10k.{k}.devolved_vs_centralised",
            s.get("devolved") - s.get("centralised"),
            "per_10k_pupils",
        )
        for k, s in gsum.items()
    ]
    return _table(
        "fig33",
        rows,
        ["provider_type", "la_group"],
        {"places_per_10k": {"label": "School-age places per 10,000 pupils", **RATE}, "n_las": N_LAS},
        MEAN_RATES + " Denominator: primary + secondary headcount; groups by the secondary-phase model.",
        "LAs answering the places question",
        vals,
    )


def fig16_models(
    clean: pd.DataFrame, settings: Settings, la_frame: pd.DataFrame
) -> tuple[FigureTable, FigureTable]:
    dm = asked_choice(clean, "decision_model")
    same = _single(clean, "same_arrangements")
    separate = same[same.eq("no")].index
    rows, vals = [], []
    for ph in ("primary", "secondary"):
        a = dm[(dm["school_phase"] == ph) & dm["la_code"].isin(separate)].set_index("la_code")["value"]
        sh = category_shares(a, ["centralised", "devolved_partial", "devolved_full"])
        sh["devolved"] = sh["devolved_partial"] + sh["devolved_full"]
        for model, s in sh.items():
            members = ["devolved_partial", "devolved_full"] if model == "devolved" else [model]
            rows.append(
                {
                    "school_phase": ph,
                    "model": model,
                    "la_share": s,
                    **answer_bounds(a, members, len(la_frame)),
                    "n_las": int(a.notna().sum()),
                }
            )
            vals.append(value(f"fig16.model_share.{ph}.{model}", s, "percent", int(a.notna().sum())))
    fig = _frame_table(
        "fig16",
        pd.DataFrame(rows),
        ["school_phase", "model"],
        {"la_share": {"label": "Share of LAs", **PCT}, "n_las": {"label": "LAs", "unit": "", "dp": 0}},
        SHARE_OF_LAS + " Within each phase, among LAs with separate arrangements for primary and secondary.",
        "LAs with separate phase-specific arrangements",
        vals,
    )
    sec = dm[dm["school_phase"] == "secondary"].set_index("la_code")["value"]
    n = int(sec.notna().sum())
    counts = sec.value_counts()
    model = la_models(la_frame)
    t_vals = [
        value("txt.centralised_devolved.la_count.centralised", counts.get("centralised", 0), "count_las", n),
        value(
            "txt.centralised_devolved.la_share.centralised",
            share_of_las(model.eq("centralised")),
            "percent",
            n,
        ),
        value("txt.centralised_devolved.la_count.devolved", int(model.eq("devolved").sum()), "count_las", n),
        value("txt.centralised_devolved.la_share.devolved", share_of_las(model.eq("devolved")), "percent", n),
        value(
            "txt.centralised_devolved.la_count.devolved_partial",
            counts.get("devolved_partial", 0),
            "count_las",
            n,
        ),
        value(
            "txt.centralised_devolved.la_count.devolved_full", counts.get("devolved_full", 0), "count_las", n
        ),
        value(
            "txt.centralised_devolved.la_share.same_arrangements_both_phases",
            share_of_las(same.eq("yes")),
            "percent",
            len(same),
        ),
        value(
            "txt.centralised_devolved.la_share.separate_phase_arrangements",
            share_of_las(same.eq("no")),
            "percent",
            len(same),
        ),
        value(
            "txt.centralised_devolved.la_count.separate_phase_arrangements",
            int(same.eq("no").sum()),
            "count_las",
            len(same),
        ),
    ]
    txt = _frame_table(
        "txt_centralised_devolved",
        pd.DataFrame({"secondary_model": counts.index, "n_las": counts.to_numpy()}),
        ["secondary_model"],
        {"n_las": {"label": "LAs", "unit": "", "dp": 0}},
        "Counts and shares of LAs by the model of their secondary-phase arrangements (the same "
        "arrangements for both phases, or the secondary arrangements where they differ); devolved = "
        "partially or fully devolved.",
        "All LAs answering the decision-making question",
        t_vals,
    )
    return fig, txt


def txt_pex_arrangements(clean: pd.DataFrame) -> FigureTable:
    arr = asked_choice(clean, "pex_financial_arrangement")
    # optional: no LA charging is an answer, not a reason to skip
    charge = choice_answers(clean, "pex_charge_amount").assign(x=lambda d: d["value"].astype(float))
    rows, vals = [], []
    for ph in ("primary", "secondary"):
        a = arr[arr["school_phase"] == ph].set_index("la_code")["value"]
        has = a.ne("none")
        with_arr = a[has]
        removal = share_of_las(with_arr.eq("funding_removed"))
        extra = share_of_las(with_arr.eq("additional_charge"))
        charges = charge.loc[charge["school_phase"] == ph, "x"].dropna()
        mean_charge = charges.mean()
        n = int(a.notna().sum())
        rows.append(
            {
                "school_phase": ph,
                "any_arrangement": share_of_las(has),
                "funding_removed": removal,
                "additional_charge": extra,
                "average_charge": mean_charge,
                "n_las": n,  # the LAs answering for the phase (the shares of those with an
                # arrangement and the mean charge have smaller bases, given in computed_values)
            }
        )
        vals += [
            value(
                f"txt.pex_financial_arrangements.la_share.{ph}.any_arrangement",
                share_of_las(has),
                "percent",
                n,
            ),
            value(
                f"txt.pex_financial_arrangements.arrangement_share.{ph}.awpu_removal_only",
                removal,
                "percent",
                len(with_arr),
            ),
            value(
                f"txt.pex_financial_arrangements.arrangement_share.{ph}.additional_charge",
                extra,
                "percent",
                len(with_arr),
            ),
            value(
                f"txt.pex_financial_arrangements.average_additional_charge.{ph}",
                mean_charge,
                "gbp",
                len(charges),  # base: the LAs giving a charge (the mean's denominator)
            ),
            value(
                f"txt.pex_financial_arrangements.la_share_contribution_beyond_awpu.{ph}",
                share_of_las(a.eq("additional_charge")),
                "percent",
                n,
            ),
        ]
    return _frame_table(
        "txt_pex_financial_arrangements",
        pd.DataFrame(rows),
        ["school_phase"],
        {
            "any_arrangement": {"label": "LAs with a financial arrangement", **PCT},
            "funding_removed": {"label": "Of those: AWPU and per-pupil funding removed only", **PCT},
            "additional_charge": {"label": "Of those: an additional charge", **PCT},
            "average_charge": {"label": "Mean additional charge", "unit": "£", "dp": 0},
        },
        SHARE_OF_LAS + " Arrangement types are shares of LAs with an arrangement (some did not specify "
        "which); the contribution beyond AWPU is the share of all answering LAs charging extra; the "
        "average charge is the simple mean over LAs that charge.",
        "LAs answering the exclusion-arrangements question, by phase",
        vals,
    )


def txt_devolved_vs_centralised(
    clean: pd.DataFrame, settings: Settings, la_frame: pd.DataFrame
) -> FigureTable:
    model = require_groups(la_models(la_frame), ("devolved", "centralised"), "the decision-making question")
    df = asked_numeric(clean, settings.codebook, "placement_reasons")
    df = df[df["phase"] == "ks4"].assign(model=lambda d: d["la_code"].map(model))
    sh = pooled_shares(df, ["model"], "placement_reason")
    vals = []
    for r in sh[sh["placement_reason"].isin(["preventative", "permanent_exclusion"])].itertuples(index=False):
        vals.append(
            value(
                f"txt.devolved_vs_centralised.reason_share.ks4.{r.placement_reason}.{r.model}",
                r.share,
                "percent",
                r.n_las,
            )
        )
    spend = _single(clean, "spend_vs_budget").to_frame("answer").join(model.rename("model"))
    for m, g in spend.groupby("model"):
        vals.append(
            value(
                f"txt.devolved_vs_centralised.spend_in_line_with_budget.{m}",
                share_of_las(g["answer"].eq("in_line")),
                "percent",
                len(g),
            )
        )
    se = asked_choice(clean, "self_evaluation").assign(model=lambda d: d["la_code"].map(model))
    by_group = se.assign(disagree=se["value"].isin(DISAGREE)).groupby(["statement", "model"])
    dis = by_group["disagree"].mean() * 100
    dis_n = by_group["la_code"].nunique()
    # Directions: devolved minus centralised share of LAs disagreeing (report line 1457).
    for name, st in (
        ("responsive_to_local_needs", "responds_to_changes"),
        ("good_outcomes", "good_outcomes"),
    ):
        if (st, "devolved") in dis.index and (st, "centralised") in dis.index:
            diff = dis[(st, "devolved")] - dis[(st, "centralised")]
            vals.append(value(f"txt.devolved_vs_centralised.disagree_{name}", diff, "finding"))
    rows = [
        {"measure": f"ks4_reason.{r.placement_reason}", "model": r.model, "value": r.share, "n_las": r.n_las}
        for r in sh.itertuples(index=False)
    ]
    rows += [
        {"measure": f"disagree.{st}", "model": m, "value": v, "n_las": int(dis_n[(st, m)])}
        for (st, m), v in dis.items()
    ]
    return _frame_table(
        "txt_devolved_vs_centralised",
        pd.DataFrame(rows),
        ["measure", "model"],
        {"value": {"label": "Share", **PCT}},
        "Group comparison by model (devolved = partially or fully devolved on secondary arrangements): "
        "KS4 reasons as pooled shares of pupils; spend in line with budget and disagreement with the "
        "self-evaluation statements as shares of LAs in the group.",
        "LAs answering each question, split by model",
        vals,
    )


def run(settings: Settings, derived: dict) -> list[FigureTable]:
    clean, la_frame = derived["clean"], derived["la_frame"]
    d = Data(settings, derived)
    return tables_of(
        attempt("fig16", fig16_models, clean, settings, la_frame),
        attempt("txt_pex_arrangements", txt_pex_arrangements, clean),
        attempt("txt_devolved_vs_centralised", txt_devolved_vs_centralised, clean, settings, la_frame),
        attempt("fig32", fig32, d),
        attempt("fig33", fig33, d),
    )
