"""Chapters Two and Three: responsibilities, pupils' journeys, demand, self-evaluation (owner: area B).

Figures 1, 16, 20, 23-27, 29, 35 and 36, and tables of prose values (respondent profile,
strategic planning, decision-making model, exclusion arrangements, demand, devolved vs
centralised). Every value is computed from the returns (``clean``), who returned one
(``respondents``) and the public frame (``context``); Figure 36's school and AP-provider series
are read from a sourced file of external published aggregates (data/raw/external).
"""

from __future__ import annotations

import pandas as pd

from ..analyse import FigureTable, asked_choice, asked_numeric, attempt, require_groups, tables_of, value
from ..config import Settings
from ..derive import choice_answers
from ..estimators import (
    answered_cells,
    category_shares,
    count_in_range,
    mean_of_la_shares,
    pooled_shares,
    share_of_las,
)

PCT = {"unit": "%", "dp": 0}
SHARE_OF_LAS = "Share of LAs: LAs giving the answer / LAs answering the question (each LA counts once)."
POOLED = (
    "Pooled share of pupils: sum over LAs of pupils in the category / sum over LAs of all pupils "
    "they reported for that phase, over the LAs that gave data for the phase (larger LAs weigh more)."
)
AGREE = ("strongly_agree", "agree")
DISAGREE = ("disagree", "strongly_disagree")


def _table(key, df, filters, indicators, estimator, base, vals) -> FigureTable:
    return FigureTable(key, df.reset_index(drop=True), filters, indicators, estimator, base, vals)


def _single(clean: pd.DataFrame, qid: str) -> pd.Series:
    """A single-answer question: one answer per LA (index la_code)."""
    a = asked_choice(clean, qid)
    return a.set_index("la_code")["value"]


def la_models(la_frame: pd.DataFrame) -> pd.Series:
    """Each answering LA's model from derive (devolved or centralised, on its secondary-phase
    arrangements; report line 874)."""
    return la_frame.set_index("la_code")["la_model"].dropna()


# ------------------------------------------------------------------------------------------------
# Respondent profile and Annex A (no survey answers needed)


def txt_approach(derived: dict, settings: Settings) -> FigureTable:
    ctx = derived["context"]
    resp = ctx[ctx["la_code"].isin(derived["respondents"])]
    n, n_frame = len(resp), len(ctx)
    urban_class = settings.figures["txt_approach"]["urban_class"]
    urban = resp["rurality"].eq(urban_class)
    regions = resp["region_name"].value_counts()
    rows = [{"measure": "respondents", "value": n}, {"measure": "las_in_england", "value": n_frame}]
    rows += [
        {"measure": f"region_share.{r}", "value": 100.0 * k / n} for r, k in regions.sort_index().items()
    ]
    vals = [
        value("txt.approach.survey.respondents", n, "count_las", n_frame),
        value("txt.approach.survey.las_in_england", n_frame, "count_las"),
        value("txt.approach.survey.response_rate", 100.0 * n / n_frame, "percent", n_frame),
        value("txt.approach.respondents.area_share.urban", share_of_las(urban), "percent", n),
        value("txt.approach.respondents.area_share.rural", share_of_las(~urban), "percent", n),
        value("txt.approach.respondents.regions_represented", resp["region_name"].nunique(), "other", n),
        value("txt.annex.survey_las", n, "count_las"),
    ]
    for r, rid in settings.figures["txt_approach"]["region_ids"].items():
        vals.append(
            value(f"txt.approach.respondents.region_share.{rid}", 100.0 * regions.get(r, 0) / n, "percent", n)
        )
    return _table(
        "txt_approach",
        pd.DataFrame(rows),
        ["measure"],
        {"value": {"label": "Value", "unit": "", "dp": 1}},
        "Counts of responding LAs and shares of respondents (each LA once) by the public "
        "classifications: urban = 'Predominantly Urban' in the 2011 Rural-Urban Classification, "
        "rural = the other classes; regions from the 2018 LA lookup.",
        "The LAs that returned a survey, out of the 152 LAs of the frame",
        vals,
    )


# ------------------------------------------------------------------------------------------------
# Purpose of AP and strategic planning (Chapter One)


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
    return _table(
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
    return _table(
        "txt_strategic_planning",
        table,
        ["response"],
        {"la_share": {"label": "Share of LAs", **PCT}},
        SHARE_OF_LAS + " Reviewing the AP system: LAs whose comments were coded as reviewing it.",
        "LAs answering the strategic-planning statement",
        vals,
    )


# ------------------------------------------------------------------------------------------------
# Responsibilities (Chapter Two)


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
            rows.append({"school_phase": ph, "model": model, "la_share": s, "n_las": int(a.notna().sum())})
            vals.append(value(f"fig16.model_share.{ph}.{model}", s, "percent", int(a.notna().sum())))
    fig = _table(
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
    txt = _table(
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
        mean_charge = charge.loc[charge["school_phase"] == ph, "x"].mean()
        n = int(a.notna().sum())
        rows.append(
            {
                "school_phase": ph,
                "any_arrangement": share_of_las(has),
                "funding_removed": removal,
                "additional_charge": extra,
                "average_charge": mean_charge,
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
                int(with_arr.eq("additional_charge").sum()),
            ),
            value(
                f"txt.pex_financial_arrangements.la_share_contribution_beyond_awpu.{ph}",
                share_of_las(a.eq("additional_charge")),
                "percent",
                n,
            ),
        ]
    return _table(
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


# ------------------------------------------------------------------------------------------------
# Pupils' journeys (Chapter Two)


def fig20_reasons(clean: pd.DataFrame, settings: Settings) -> FigureTable:
    df = asked_numeric(clean, settings.codebook, "placement_reasons")
    sh = pooled_shares(df, ["phase"], "placement_reason")
    vals = [value("fig20.n_las.any_phase", df["la_code"].nunique(), "count_las")]
    for ph, n in sh.groupby("phase", sort=False)["n_las"].first().items():
        vals.append(value(f"fig20.n_las.{ph}", n, "count_las"))
    for r in sh.itertuples(index=False):
        vals.append(value(f"fig20.reason_share.{r.phase}.{r.placement_reason}", r.share, "percent", r.n_las))
    school_health = sh[(sh["placement_reason"] == "health") & sh["phase"].isin(["primary", "ks3", "ks4"])][
        "share"
    ]
    vals += [
        value("fig20.reason_share.school_age.health.min", school_health.min(), "percent"),
        value("fig20.reason_share.school_age.health.max", school_health.max(), "percent"),
    ]
    return _table(
        "fig20",
        sh,
        ["phase", "placement_reason"],
        {
            "share": {"label": "Share of pupils in AP", **PCT},
            "n_las": {"label": "LAs giving data for the phase", "unit": "", "dp": 0},
        },
        POOLED + " 'Not known' holds pupils whose reason the LA could not give.",
        "LAs giving reasons for placement, by phase",
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
    dis = (
        se.assign(disagree=se["value"].isin(DISAGREE)).groupby(["statement", "model"])["disagree"].mean()
        * 100
    )
    # Directions: devolved minus centralised share of LAs disagreeing (report line 1457).
    for name, st in (
        ("responsive_to_local_needs", "responds_to_changes"),
        ("good_outcomes", "good_outcomes"),
    ):
        if (st, "devolved") in dis.index and (st, "centralised") in dis.index:
            diff = dis[(st, "devolved")] - dis[(st, "centralised")]
            vals.append(value(f"txt.devolved_vs_centralised.disagree_{name}", diff, "finding"))
    rows = [
        {"measure": f"ks4_reason.{r.placement_reason}", "model": r.model, "value": r.share}
        for r in sh.itertuples(index=False)
    ]
    rows += [{"measure": f"disagree.{st}", "model": m, "value": v} for (st, m), v in dis.items()]
    return _table(
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


def fig23_place_types(clean: pd.DataFrame, settings: Settings) -> FigureTable:
    df = asked_numeric(clean, settings.codebook, "place_types")
    sh = pooled_shares(df, ["phase"], "place_type")
    overall = pooled_shares(df.assign(all="all"), ["all"], "place_type").rename(columns={"all": "phase"})
    table = pd.concat([sh, overall], ignore_index=True)
    vals = []
    school = sh[sh["phase"].isin(["primary", "ks3", "ks4"])].groupby("phase")["n_las"].first()
    vals += [
        value("fig23.n_las.school_age.min", school.min(), "count_las"),
        value("fig23.n_las.school_age.max", school.max(), "count_las"),
    ]
    for r in table.itertuples(index=False):
        vals.append(value(f"fig23.place_type_share.{r.phase}.{r.place_type}", r.share, "percent", r.n_las))
        if r.phase == "ks4" and r.place_type == "split_with_mainstream":
            vals.append(
                value(
                    "fig23.place_type_share.ks4.split_with_mainstream.exec_summary",
                    r.share,
                    "percent",
                    r.n_las,
                )
            )
    return _table(
        "fig23",
        table,
        ["phase", "place_type"],
        {
            "share": {"label": "Share of pupils in AP", **PCT},
            "n_las": {"label": "LAs giving data", "unit": "", "dp": 0},
        },
        POOLED + " 'All' pools every phase an LA gave.",
        "LAs giving types of place, by phase",
        vals,
    )


def fig24_history(clean: pd.DataFrame, settings: Settings) -> FigureTable:
    df = asked_numeric(clean, settings.codebook, "placement_history")
    sh = pooled_shares(df, ["phase"], "placement_history")
    vals = [value("fig24.n_las.any_phase", df["la_code"].nunique(), "count_las")]
    for ph, n in sh.groupby("phase", sort=False)["n_las"].first().items():
        vals.append(value(f"fig24.n_las.{ph}", n, "count_las"))
    for r in sh.itertuples(index=False):
        vals.append(
            value(
                f"fig24.placement_history_share.{r.phase}.{r.placement_history}", r.share, "percent", r.n_las
            )
        )
    return _table(
        "fig24",
        sh,
        ["phase", "placement_history"],
        {
            "share": {"label": "Share of pupils in AP", **PCT},
            "n_las": {"label": "LAs giving data", "unit": "", "dp": 0},
        },
        POOLED,
        "LAs giving placement history, by phase",
        vals,
    )


def fig25_length(clean: pd.DataFrame, settings: Settings) -> FigureTable:
    df = asked_numeric(clean, settings.codebook, "placement_length")
    sh = mean_of_la_shares(df, ["year_group"], "length_band")
    answered = answered_cells(df, ["year_group"])  # LA x year-group answers, before pooling groups
    overall = mean_of_la_shares(answered.assign(all="all"), ["all"], "length_band").rename(
        columns={"all": "year_group"}
    )
    table = pd.concat([sh, overall], ignore_index=True)
    wide = table.pivot(index="year_group", columns="length_band", values="share")
    wide["up_to_term"] = wide["up_to_half_term"] + wide["half_term_to_term"]
    wide["more_than_term"] = wide["term_to_year"] + wide["more_than_year"]
    vals = [value("fig25.n_las.any_phase", df["la_code"].nunique(), "count_las")]
    for g, n in sh.groupby("year_group", sort=False)["n_las"].first().items():
        vals.append(value(f"fig25.n_las.{g}", n, "count_las"))
    n_by = table.groupby("year_group")["n_las"].max()
    for g, r in wide.iterrows():
        for band, s in r.items():
            vals.append(value(f"fig25.placement_length_share.{g}.{band}", s, "percent", int(n_by[g])))
    return _table(
        "fig25",
        table,
        ["year_group", "length_band"],
        {
            "share": {"label": "Mean of LA percentages", **PCT},
            "n_las": {"label": "LAs giving data", "unit": "", "dp": 0},
        },
        "Mean of LA proportions: each LA's typical percentage of pupils in the band, averaged over "
        "the LAs that gave that year group (every LA counts once; 'All' averages every LA x year-group "
        "answer). LAs' percentages may add up to less than 100.",
        "LAs giving placement lengths, by phase or year group",
        vals,
    )


def fig26_27_destinations(clean: pd.DataFrame, settings: Settings) -> tuple[FigureTable, FigureTable]:
    df = asked_numeric(clean, settings.codebook, "destinations")
    sh = pooled_shares(df, ["leaver_group"], "destination")
    vals = []
    for g, n in sh.groupby("leaver_group", sort=False)["n_las"].first().items():
        vals.append(value(f"fig26.n_las.{g}", n, "count_las"))
    for r in sh.itertuples(index=False):
        vals.append(
            value(f"fig26.destination_share.{r.leaver_group}.{r.destination}", r.share, "percent", r.n_las)
        )
    fig26 = _table(
        "fig26",
        sh,
        ["leaver_group", "destination"],
        {
            "share": {"label": "Share of pupils leaving AP", **PCT},
            "n_las": {"label": "LAs giving data", "unit": "", "dp": 0},
        },
        POOLED.replace("pupils they reported", "leavers of the last 12 months they reported"),
        "LAs giving destinations of pupils who left AP in the last 12 months, by phase or year group",
        vals,
    )
    wide = sh.pivot(index="leaver_group", columns="destination", values="share")
    n_by = sh.groupby("leaver_group")["n_las"].first()
    mainstream = wide["mainstream_school"] + wide["fe_college"]
    with_emp = mainstream + wide["employment"]
    rows, vals = [], []
    for g in wide.index:
        rows += [
            {"leaver_group": g, "measure": "any_mainstream", "share": mainstream[g], "n_las": n_by[g]},
            {
                "leaver_group": g,
                "measure": "any_mainstream_or_employment",
                "share": with_emp[g],
                "n_las": n_by[g],
            },
        ]
        vals.append(
            value(f"fig27.destination_share.{g}.any_mainstream", mainstream[g], "percent", int(n_by[g]))
        )
    vals.append(
        value(
            "fig27.destination_share.ks5.any_mainstream_or_employment",
            with_emp.get("ks5"),
            "percent",
            int(n_by.get("ks5", 0)),
        )
    )
    school = with_emp.drop(index="ks5", errors="ignore")
    vals += [
        value("fig27.destination_share.school_age.any_mainstream_or_employment.min", school.min(), "percent"),
        value("fig27.destination_share.school_age.any_mainstream_or_employment.max", school.max(), "percent"),
    ]
    order = {g: i for i, g in enumerate(settings.codebook.dimensions["leaver_group"].values)}
    table = pd.DataFrame(rows).sort_values(
        ["measure", "leaver_group"], key=lambda s: s.map(order) if s.name == "leaver_group" else s
    )
    fig27 = _table(
        "fig27",
        table,
        ["leaver_group", "measure"],
        {
            "share": {"label": "Share of pupils leaving AP", **PCT},
            "n_las": {"label": "LAs giving data", "unit": "", "dp": 0},
        },
        POOLED.replace("pupils they reported", "leavers they reported") + " Any mainstream destination = "
        "previous or another mainstream school + FE college; the second series adds employment.",
        "LAs giving destinations of pupils who left AP in the last 12 months",
        vals,
    )
    return fig26, fig27


def txt_pupils_journeys(clean: pd.DataFrame, n_resp: int) -> FigureTable:
    items = ["placement_reasons", "place_types", "placement_history", "placement_length"]
    counts = {q: clean.loc[clean["question_id"] == q, "la_code"].nunique() for q in items}
    dest = clean.loc[clean["question_id"] == "destinations", "la_code"].nunique()
    lo, hi = min(counts.values()), max(counts.values())
    vals = [
        value("txt.pupils_journeys.item_response_count.min", lo, "count_las"),
        value("txt.pupils_journeys.item_response_count.max", hi, "count_las"),
        value("txt.pupils_journeys.item_response_rate.min", 100.0 * lo / n_resp, "percent", n_resp),
        value("txt.pupils_journeys.item_response_rate.max", 100.0 * hi / n_resp, "percent", n_resp),
        value("txt.pupils_journeys.destinations_response_count", dest, "count_las"),
        value("txt.pupils_journeys.destinations_response_rate", 100.0 * dest / n_resp, "percent", n_resp),
    ]
    table = pd.DataFrame({"question": [*items, "destinations"], "n_las": [*counts.values(), dest]})
    table["response_rate"] = 100.0 * table["n_las"] / n_resp
    return _table(
        "txt_pupils_journeys",
        table,
        ["question"],
        {
            "n_las": {"label": "LAs answering any part", "unit": "", "dp": 0},
            "response_rate": {"label": "Share of respondents", **PCT},
        },
        "LAs answering any part of each pupils'-journeys question, and their share of all responding LAs.",
        "All responding LAs",
        vals,
    )


# ------------------------------------------------------------------------------------------------
# Demand (Chapter Two)


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
            _table(
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
    return _table(
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


# ------------------------------------------------------------------------------------------------
# Self-evaluation (Chapter Three)


def fig35_self_evaluation(clean: pd.DataFrame, settings: Settings) -> tuple[FigureTable, pd.Series]:
    se = asked_choice(clean, "self_evaluation")
    cats = list(settings.codebook.category_sets["likert5"])
    statements = list(settings.codebook.dimensions["statement"].values)
    rows, agree, disagree, cant = [], {}, {}, {}
    n = se["la_code"].nunique()
    for st in statements:
        s = se[se["statement"] == st].set_index("la_code")["value"]
        sh = category_shares(s, cats)
        for c, v in sh.items():
            rows.append({"statement": st, "response": c, "la_share": v, "n_las": int(s.notna().sum())})
        agree[st] = sh[list(AGREE)].sum()
        disagree[st] = sh[list(DISAGREE)].sum()
        cant[st] = sh["cant_say"]
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
            value(f"fig35.agree_share.{st}", agree[st], "percent", n),
            value(f"fig35.disagree_share.{st}", disagree[st], "percent", n),
            value(f"fig35.cant_say_share.{st}", cant[st], "percent", n),
        ]
    fig = _table(
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
    return _table(
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
    n_resp = len(derived["respondents"])
    fig35 = attempt("fig35", fig35_self_evaluation, clean, settings)
    n_se = clean.loc[clean["question_id"] == "self_evaluation", "la_code"].nunique()
    return tables_of(
        attempt("txt_approach", txt_approach, derived, settings),
        attempt("fig01", fig01_reasons, clean, settings),
        attempt("txt_strategic_planning", txt_strategic_planning, clean, settings),
        attempt("fig16", fig16_models, clean, settings, derived["la_frame"]),
        attempt("txt_pex_arrangements", txt_pex_arrangements, clean),
        attempt("fig20", fig20_reasons, clean, settings),
        attempt(
            "txt_devolved_vs_centralised", txt_devolved_vs_centralised, clean, settings, derived["la_frame"]
        ),
        attempt("fig23", fig23_place_types, clean, settings),
        attempt("fig24", fig24_history, clean, settings),
        attempt("fig25", fig25_length, clean, settings),
        attempt("fig26_27", fig26_27_destinations, clean, settings),
        attempt("txt_pupils_journeys", txt_pupils_journeys, clean, n_resp),
        attempt("txt_demand", txt_demand, clean, settings),
        attempt("fig29", fig29_pex_change, clean, settings),
        fig35[0] if fig35 else None,
        attempt("fig36", fig36_comparison, fig35[1], n_se, settings) if fig35 else None,
    )
