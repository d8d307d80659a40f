"""Chapter One and pupils placed: provision, places, pupils placed, SEN and SEMH (owner: area A).

Figures 2-6, 12-14, 19, 32 and 33, and the prose values around them. Every value is computed
from the returns (``derived['clean']``) and public context (``derived['context']``); shares of
places and pupils are pooled, shares of LAs are simple, per-10,000 rates are means of LA rates
(January 2018 census: primary headcount for primary, secondary for KS3-4; 'school-age' =
primary + secondary).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..analyse import (
    FigureTable,
    asked_choice,
    asked_numeric,
    attempt,
    require,
    require_groups,
    tables_of,
    value,
)
from ..config import Settings
from ..estimators import (
    la_rate_per_10k,
    lowest_outlier,
    modal_band,
    pooled_share,
    share_of_las,
    truncated_extrapolation,
)

SEC = ["ks3", "ks4"]
MODELS = ("devolved", "centralised")
SCHOOL_AGE = ["primary", "ks3", "ks4"]
PCT = {"unit": "%", "dp": 0}
RATE = {"unit": "", "dp": 0}
N_LAS = {"label": "Number of LAs", "unit": "", "dp": 0}
POOLED = "Pooled share: sum over LAs of the count in the category / sum over LAs of all counts."
MEAN_RATES = (
    "Mean of LA rates: each LA's count per 10,000 pupils (January 2018 school census headcount of "
    "the phase) averaged over LAs, every LA counting once."
)


def _table(key, rows, filters, indicators, estimator, base, vals) -> FigureTable:
    return FigureTable(key, pd.DataFrame(rows), filters, indicators, estimator, base, vals)


def _txt(key, vals, estimator, base) -> FigureTable:
    """A table of prose values (not drawn): one row per value."""
    rows = [{"measure": v["id"], "value": v["value"]} for v in vals]
    return _table(
        key, rows, ["measure"], {"value": {"label": "Value", "unit": "", "dp": 2}}, estimator, base, vals
    )


class Data:
    """The area's answers in handy shapes (computed once per run)."""

    def __init__(self, settings: Settings, derived: dict):
        cb = settings.codebook
        clean = derived["clean"]
        self.cb = cb
        self.group_of = cb.dimensions["provider_type"].groups
        self.ptypes = list(cb.dimensions["provider_type"].values)
        self.respondents = list(derived["respondents"])
        self.n_frame = len(derived["context"])
        ctx = derived["context"].set_index("la_code")
        self.ctx = ctx.loc[ctx.index.isin(self.respondents)]
        self.clean = clean
        self.la_frame = derived["la_frame"].set_index("la_code")

        def choice(qid, **where):
            df = asked_choice(clean, qid)
            for k, v in where.items():
                df = df[df[k] == v]
            return df.set_index("la_code")["value"]

        self.choice = choice

    NUMERIC = {
        "places": "places",
        "ehc_assessment": "ehc_assessment_share",
        "pupils": "pupils_placed",
        "providers": "providers",
        "sen": "pupils_by_sen",
        "semh_places": "semh_places",
        "ehe": "ehe",
        "nft": "not_full_time",
        "nft_ap": "not_full_time_in_ap",
        "deleg": "delegated_use_school_share",
        "tuition": "tuition_cost_per_pupil",
        "ehcp_n": "ehcp_pupils_in_ap",
    }
    # Per-LA concepts are read from derive's la_frame (the one place they are computed).
    PER_LA = {
        "semh": ("semh_provision", "semh_provision"),
        "model": ("semh_model", "semh_ap_model"),
        "devolved": ("la_model", "decision_model"),
    }
    RATES = {  # name -> (la_frame total column, rate column, question), per phase
        "places": ("places_{}", "places_per_10k_{}", "places"),
        "pupils": ("pupils_placed_{}", "ap_use_per_10k_{}", "pupils_placed"),
        "ehe": ("ehe_{}", "ehe_per_10k_{}", "ehe"),
        "semh_places": ("semh_places_{}", "semh_places_per_10k_{}", "semh_places"),
    }

    def rates(self, name: str, phases=("primary", "secondary")) -> dict[str, pd.Series]:
        """Each LA's rate per 10,000 pupils of the phase, from la_frame (NaN where the LA did not
        answer or has no headcount); :class:`NoAnswers` when no LA answered the question."""
        total, rate, qid = self.RATES[name]
        lf = self.la_frame
        require(lf[total.format(phases[0])].dropna(), f"question '{qid}'")
        return {ph: lf[rate.format(ph)] for ph in phases}

    def __getattr__(self, name: str):
        """Answers of a question, read on first use; :class:`NoAnswers` if nobody answered it."""
        if name in self.NUMERIC:
            df = asked_numeric(self.clean, self.cb, self.NUMERIC[name])
            if "provider_type" in df:
                df["group"] = df["provider_type"].map(self.group_of)
            if name == "ehc_assessment":
                df = df.set_index("la_code")["x"]
        elif name in self.PER_LA:
            col, qid = self.PER_LA[name]
            df = self.la_frame[col].reindex(self.respondents)
            require(df.dropna(), f"question '{qid}'")
        else:
            raise AttributeError(name)
        setattr(self, name, df)
        return df

    def by_la(self, df: pd.DataFrame, phases: list[str], col: str = "phase") -> pd.Series:
        """Sum per LA over the given phases (LAs that answered, zero where none)."""
        las = df["la_code"].unique()
        return df[df[col].isin(phases)].groupby("la_code")["x"].sum().reindex(las, fill_value=0.0)

    def pupils_of(self, phase: str) -> pd.Series:
        return self.ctx["pupils_primary" if phase == "primary" else "pupils_secondary"]

    def school_age_pupils(self) -> pd.Series:
        return self.ctx["pupils_primary"] + self.ctx["pupils_secondary"]


# ---- Chapter One: places ---------------------------------------------------------------------------


def fig02(d: Data) -> FigureTable:
    pl = d.places
    n = pl["la_code"].nunique()
    rows = []
    for p in d.ptypes:
        rows.append(
            {
                "provider_type": p,
                "group": d.group_of[p],
                "places": pl.loc[pl["provider_type"] == p, "x"].sum(),
                "place_share": pooled_share(pl["x"], pl["provider_type"] == p),
                "n_las": n,
            }
        )
    vals = [value("fig02.n_las", n, "count_las")]
    for p in ("pru", "ap_academy", "ap_free_school"):
        vals.append(
            value(f"fig02.place_share.{p}", pooled_share(pl["x"], pl["provider_type"] == p), "percent", n)
        )
    for g in ("state_funded", "independent"):
        vals.append(value(f"fig02.place_share.{g}", pooled_share(pl["x"], pl["group"] == g), "percent", n))
    vals.append(
        value(
            "fig02.places_total.school_age",
            pl.loc[pl["phase"].isin(SCHOOL_AGE), "x"].sum(),
            "count_places",
            n,
        )
    )
    return _table(
        "fig02",
        rows,
        ["provider_type"],
        {
            "place_share": {"label": "Share of commissioned places", **PCT},
            "places": {"label": "Places", **RATE},
            "n_las": N_LAS,
        },
        POOLED + " Places of all phases (KS1-KS5); state-funded = PRU + AP academy + AP free school; "
        "independent = registered + unregistered.",
        "LAs answering the places question",
        vals,
    )


def _type_rates(d: Data) -> pd.DataFrame:
    """LA x provider type places per 10,000 school-age pupils (0 where the LA has none)."""
    pl = d.places[d.places["phase"].isin(SCHOOL_AGE)]
    wide = pl.pivot_table(index="la_code", columns="provider_type", values="x", aggfunc="sum").reindex(
        columns=d.ptypes, fill_value=0.0
    )
    denom = d.school_age_pupils().reindex(wide.index)
    return wide.apply(lambda s: la_rate_per_10k(s, denom))


def fig03(d: Data) -> FigureTable:
    rates = _type_rates(d)
    rows = [
        {"provider_type": p, "places_per_10k": rates[p].mean(), "n_las": int(rates[p].notna().sum())}
        for p in d.ptypes
    ]
    return _table(
        "fig03",
        rows,
        ["provider_type"],
        {"places_per_10k": {"label": "School-age places per 10,000 pupils", **RATE}, "n_las": N_LAS},
        MEAN_RATES + " Denominator: primary + secondary headcount; LAs with no places of a type count as 0.",
        "LAs answering the places question",
        [],
    )


def _la_state_share(d: Data) -> pd.DataFrame:
    pl = d.places
    tot = pl.groupby("la_code")["x"].sum()
    st = pl[pl["group"] == "state_funded"].groupby("la_code")["x"].sum().reindex(tot.index, fill_value=0)
    ind = pl[pl["group"] == "independent"].groupby("la_code")["x"].sum().reindex(tot.index, fill_value=0)
    out = pd.DataFrame({"state": 100 * st / tot, "independent": 100 * ind / tot}).dropna()
    return out


def fig04(d: Data, spec: dict) -> tuple[FigureTable, FigureTable]:
    threshold = float(spec["state_funded_threshold"])
    max_prov = int(spec["one_main_provider_max_state_providers"])
    sh = _la_state_share(d)
    n = len(sh)
    mostly = sh["state"] >= threshold
    pv = d.providers
    state_prov = pv[pv["provider_type"].map(d.group_of) == "state_funded"].groupby("la_code")["x"].sum()
    one_main = mostly & (state_prov.reindex(sh.index) <= max_prov)
    wider = sh[~mostly]
    rural = d.ctx["rurality"].reindex(sh.index).fillna("").str.contains("Rural")
    rows = [
        {"la_group": "mostly_state_funded", "la_share": share_of_las(mostly), "n_las": n},
        {"la_group": "one_main_provider", "la_share": share_of_las(one_main), "n_las": n},
        {"la_group": "wider_range", "la_share": share_of_las(~mostly), "n_las": n},
    ]
    vals = [
        value("fig04.la_share.mostly_state_funded", share_of_las(mostly), "percent", n),
        value("fig04.threshold.state_funded_place_share", threshold, "percent", basis="definition"),
        value("fig04.la_share.one_main_provider", share_of_las(one_main), "percent", n),
        value("fig04.la_share.wider_range", share_of_las(~mostly), "percent", n),
        value(
            "fig04.wider_range.mean_state_funded_place_share", wider["state"].mean(), "percent", len(wider)
        ),
        value(
            "fig04.wider_range.mean_independent_place_share",
            (100 - wider["state"]).mean(),
            "percent",
            len(wider),
        ),
        value(
            "fig04.wider_range.typical_independent_place_share.min",
            wider["independent"].quantile(0.25),
            "percent",
            len(wider),
        ),
        value(
            "fig04.wider_range.typical_independent_place_share.max",
            wider["independent"].quantile(0.75),
            "percent",
            len(wider),
        ),
    ]
    fig = _table(
        "fig04",
        rows,
        ["la_group"],
        {"la_share": {"label": "Share of LAs", **PCT}, "n_las": N_LAS},
        "Share of LAs: each LA's state-funded share of its places (all phases); 'mostly state-funded' "
        "at or above the report's threshold; 'one main provider' = mostly state-funded and commissioning "
        "from no more than the configured number of state-funded providers. Within the wider-range group: "
        "mean of LA shares; the non-state-funded remainder counted as independent as the report does; "
        "'typical' independent share = interquartile range of LA independent shares.",
        "LAs answering the places question",
        vals,
    )
    rv = [
        value(
            "txt.provider_mix.rural_share.wider_range",
            share_of_las(rural[~mostly]),
            "percent",
            int((~mostly).sum()),
        ),
        value(
            "txt.provider_mix.rural_share.mostly_state_funded",
            share_of_las(rural[mostly]),
            "percent",
            int(mostly.sum()),
        ),
    ]
    return fig, rv


def txt_provider_mix(d: Data, rural_vals: list[dict]) -> FigureTable:
    pv = d.providers
    n = pv["la_code"].nunique()
    grp = pv["provider_type"].map(d.group_of)
    vals = [
        value("txt.provider_mix.providers.n_las", n, "count_las"),
        value("txt.provider_mix.providers.total", pv["x"].sum(), "count_providers", n),
    ]
    for g in ("state_funded", "independent"):
        vals.append(
            value(f"txt.provider_mix.providers.share.{g}", pooled_share(pv["x"], grp == g), "percent", n)
        )
    for p in (
        "independent_registered",
        "independent_unregistered",
        "fe_college",
        "school_unit",
        "special_school",
    ):
        vals.append(
            value(
                f"txt.provider_mix.providers.share.{p}",
                pooled_share(pv["x"], pv["provider_type"] == p),
                "percent",
                n,
            )
        )
    return _txt(
        "txt_provider_mix",
        vals + rural_vals,
        POOLED + " (providers). Rural shares: share of LAs in each Figure 4 group whose ONS rural-urban "
        "classification is rural.",
        "LAs answering the providers question; Figure 4 groups",
    )


def fig05(d: Data) -> FigureTable:
    pl = d.places
    n = pl["la_code"].nunique()
    rows = [
        {"phase": ph, "place_share": pooled_share(pl["x"], pl["phase"] == ph), "n_las": n}
        for ph in d.cb.dimensions["phase"].values
    ]
    vals = [
        value("fig05.place_share.secondary", pooled_share(pl["x"], pl["phase"].isin(SEC)), "percent", n),
        value("fig05.place_share.primary", pooled_share(pl["x"], pl["phase"] == "primary"), "percent", n),
        value("fig05.place_share.ks5", pooled_share(pl["x"], pl["phase"] == "ks5"), "percent", n),
    ]
    return _table(
        "fig05",
        rows,
        ["phase"],
        {"place_share": {"label": "Share of commissioned places", **PCT}, "n_las": N_LAS},
        POOLED + " Places of all provider types; secondary = KS3 + KS4.",
        "LAs answering the places question",
        vals,
    )


def _rate_values(prefix: str, rates: dict[str, pd.Series], modal: bool) -> list[dict]:
    vals = []
    for ph, r in rates.items():
        n = int(r.notna().sum())
        vals.append(value(f"{prefix}.{ph}", r.mean(), "per_10k_pupils", n))
        if modal:
            lo, hi = modal_band(r)
            vals += [
                value(f"{prefix}.{ph}.modal_band.min", lo, "per_10k_pupils", n),
                value(f"{prefix}.{ph}.modal_band.max", hi, "per_10k_pupils", n),
            ]
        vals.append(value(f"{prefix}.{ph}.outlier_threshold", lowest_outlier(r), "per_10k_pupils", n))
    return vals


def txt_provision_by_phase(d: Data) -> FigureTable:
    vals = _rate_values("txt.provision_by_phase.places_per_10k", d.rates("places"), modal=True)
    return _txt(
        "txt_provision_by_phase",
        vals,
        MEAN_RATES + " Places: primary per 10,000 primary pupils, KS3-4 per 10,000 secondary pupils. "
        "Modal band: Sturges' equal whole-number bands from 1 (LAs with at least one place per 10,000). "
        "Outlier threshold: lowest LA rate above Tukey's upper fence (Q3 + 1.5 IQR).",
        "LAs answering the places question",
    )


def fig06(d: Data) -> FigureTable:
    pl = d.places
    rows = []
    for p in d.ptypes:
        sub = pl[pl["provider_type"] == p]
        for ph in d.cb.dimensions["phase"].values:
            rows.append(
                {
                    "provider_type": p,
                    "phase": ph,
                    "place_share": pooled_share(sub["x"], sub["phase"] == ph),
                    "n_las": int((sub.groupby("la_code")["x"].sum() > 0).sum()),
                }
            )
    return _table(
        "fig06",
        rows,
        ["provider_type", "phase"],
        {"place_share": {"label": "Share of the provider type's places", **PCT}, "n_las": N_LAS},
        POOLED + " Within each provider type: its places in the phase / all its places.",
        "LAs answering the places question",
        [],
    )


def txt_delegated_use(d: Data) -> FigureTable:
    info = d.choice("delegated_use_information")
    n = len(info)
    sh = d.deleg.dropna(subset=["x"])
    means = sh.groupby("school_type")["x"].mean()
    spec = sh[(sh["school_type"] == "special") & (sh["x"] > 0) & (sh["x"] < 100)]["x"]
    vals = [
        value(
            "txt.delegated_use.la_share.holds_information",
            share_of_las(info.isin(["holds", "can_estimate"])),
            "percent",
            n,
        ),
        value(
            "txt.delegated_use.school_share_placing.secondary",
            means.get("secondary"),
            "percent",
            int((sh["school_type"] == "secondary").sum()),
        ),
        value(
            "txt.delegated_use.school_share_placing.primary",
            means.get("primary"),
            "percent",
            int((sh["school_type"] == "primary").sum()),
        ),
        value(
            "txt.delegated_use.school_share_placing.special",
            means.get("special"),
            "percent",
            int((sh["school_type"] == "special").sum()),
        ),
        value("txt.delegated_use.school_share_placing.special.range.min", spec.min(), "percent", len(spec)),
        value("txt.delegated_use.school_share_placing.special.range.max", spec.max(), "percent", len(spec)),
    ]
    return _txt(
        "txt_delegated_use",
        vals,
        "Share of LAs holding or able to estimate the information; mean over those LAs of the "
        "percentage of their schools placing pupils in AP; special-school range excludes 0% and "
        "100% answers.",
        "LAs answering the delegated-use question",
    )


def txt_other_services(d: Data) -> FigureTable:
    ans = d.choice("other_services").reindex(d.respondents)
    n_all = len(d.respondents)
    n_ans = int(ans.notna().sum())
    yes, no = int((ans == "commission").sum()), int((ans == "do_not_commission").sum())
    blank = n_all - n_ans
    t = d.tuition["x"].dropna()
    vals = [
        value("txt.other_services.n_las", n_ans, "count_las"),
        value("txt.other_services.la_count.commission_services", yes, "count_las", n_all),
        value("txt.other_services.la_share.commission_services", 100 * yes / n_all, "percent", n_all),
        value("txt.other_services.la_count.no_services", no, "count_las", n_all),
        value("txt.other_services.la_share.no_services", 100 * no / n_all, "percent", n_all),
        value("txt.other_services.la_count.no_response", blank, "count_las", n_all),
        value("txt.other_services.la_share.no_response", 100 * blank / n_all, "percent", n_all),
        value("txt.other_services.la_share_commissioning.range.min", 100 * yes / n_all, "percent", n_all),
        value(
            "txt.other_services.la_share_commissioning.range.max", 100 * yes / max(n_ans, 1), "percent", n_ans
        ),
        value("txt.other_services.tuition_cost_per_pupil.min", t.min(), "gbp", len(t)),
        value("txt.other_services.tuition_cost_per_pupil.max", t.max(), "gbp", len(t)),
    ]
    return _txt(
        "txt_other_services",
        vals,
        "Counts and shares of all responding LAs (the report's base); commissioning range: share of all "
        "respondents (non-response read as not commissioning) to share of LAs answering. Tuition: lowest "
        "and highest cost per pupil given.",
        "All responding LAs",
    )


# ---- pupils placed ---------------------------------------------------------------------------------


def txt_strategic_plan(d: Data) -> FigureTable:
    vals = _rate_values("txt.strategic_plan.pupils_per_10k", d.rates("pupils"), modal=False)
    return _txt(
        "txt_strategic_plan",
        vals,
        MEAN_RATES + " Pupils placed in AP (Chapter Two item); outlier threshold as for places.",
        "LAs answering the pupils-placed question",
    )


def fig19(d: Data) -> FigureTable:
    pu = d.pupils
    n = pu["la_code"].nunique()
    rows, vals = [], []
    for ph in d.cb.dimensions["phase"].values:
        sub = pu[pu["phase"] == ph]
        for g in ("state_funded", "independent", "other_setting"):
            rows.append(
                {
                    "phase": ph,
                    "provider_group": g,
                    "pupil_share": pooled_share(sub["x"], sub["group"] == g),
                    "n_las": n,
                }
            )
        for g in ("state_funded", "independent"):
            vals.append(
                value(f"fig19.pupil_share.{ph}.{g}", pooled_share(sub["x"], sub["group"] == g), "percent", n)
            )
    k5 = pu[pu["phase"] == "ks5"]
    vals += [
        value(
            "fig19.pupil_share.ks5.fe_college",
            pooled_share(k5["x"], k5["provider_type"] == "fe_college"),
            "percent",
            n,
        ),
        value("fig19.n_las.pupils_placed_question", n, "count_las"),
        value("fig19.pupils_placed.total", pu["x"].sum(), "count_pupils", n),
        value(
            "fig19.pupil_share.provider_type.state_funded",
            pooled_share(pu["x"], pu["group"] == "state_funded"),
            "percent",
            n,
        ),
        value(
            "fig19.pupil_share.phase.secondary", pooled_share(pu["x"], pu["phase"].isin(SEC)), "percent", n
        ),
        value("fig19.pupil_share.phase.ks5", pooled_share(pu["x"], pu["phase"] == "ks5"), "percent", n),
    ]
    return _table(
        "fig19",
        rows,
        ["phase", "provider_group"],
        {"pupil_share": {"label": "Share of pupils placed in AP", **PCT}, "n_las": N_LAS},
        POOLED + " (pupils placed, within each phase); state-funded = PRU + AP academy + AP free school.",
        "LAs answering the pupils-placed question",
        vals,
    )


def txt_pupils_placed(d: Data) -> FigureTable:
    p16 = d.choice("post16_placements").reindex(d.respondents)
    n16 = int(p16.notna().sum())
    vals = [
        value(
            f"txt.pupils_placed.post16_placements.la_share.{c}",
            share_of_las((p16 == c).where(p16.notna())),
            "percent",
            n16,
        )
        for c in ("yes", "no", "not_sure")
    ]
    nft, ap = d.nft, d.nft_ap
    n_nft = nft["la_code"].nunique()
    vals += [
        value("txt.pupils_placed.not_full_time_education.n_las", n_nft, "count_las"),
        value("txt.pupils_placed.not_full_time_education.total", nft["x"].sum(), "count_pupils", n_nft),
    ]
    for ph in ("primary", "ks3", "ks4"):
        vals.append(
            value(
                f"txt.pupils_placed.not_full_time_education.phase_share.{ph}",
                pooled_share(nft["x"], nft["compulsory_phase"] == ph),
                "percent",
                n_nft,
            )
        )
        tot = nft.loc[nft["compulsory_phase"] == ph, "x"].sum()
        vals.append(
            value(
                f"txt.pupils_placed.not_full_time_education.in_ap_share.{ph}",
                100 * ap.loc[ap["compulsory_phase"] == ph, "x"].sum() / tot if tot else np.nan,
                "percent",
                n_nft,
            )
        )
    ehe = d.ehe
    n_ehe = ehe["la_code"].nunique()
    total = ehe["x"].sum()
    vals += [
        value("txt.pupils_placed.ehe.total", total, "count_pupils", n_ehe),
        value(
            "txt.pupils_placed.ehe.extrapolated_england",
            truncated_extrapolation(total, n_ehe, d.n_frame),
            "count_pupils",
            n_ehe,
        ),
        value(
            "txt.pupils_placed.ehe.phase_share.primary",
            pooled_share(ehe["x"], ehe["school_phase"] == "primary"),
            "percent",
            n_ehe,
        ),
        value(
            "txt.pupils_placed.ehe.phase_share.secondary",
            pooled_share(ehe["x"], ehe["school_phase"] == "secondary"),
            "percent",
            n_ehe,
        ),
    ]
    for ph, r in d.rates("ehe").items():
        vals.append(
            value(f"txt.pupils_placed.ehe.per_10k.{ph}", r.mean(), "per_10k_pupils", int(r.notna().sum()))
        )
    return _txt(
        "txt_pupils_placed",
        vals,
        "Shares of LAs (post-16 policy); pooled shares (children not in full-time education, EHE); "
        + MEAN_RATES
        + " EHE for England: the answering LAs' total x (LAs in England / LAs answering), "
        "truncated to whole children as the report does.",
        "All responding LAs (post-16); LAs answering the EHE / not-in-full-time-education question",
    )


# ---- SEN and SEMH ----------------------------------------------------------------------------------


def txt_ap_sen(d: Data) -> FigureTable:
    use = d.choice("ehcp_ap_use").reindex(d.respondents)
    n = int(use.notna().sum())
    vals = [value("txt.ap_sen.ehcp_ap_use.n_las", n, "count_las")]
    vals += [
        value(
            f"txt.ap_sen.ehcp_ap_use.la_share.{c}", share_of_las((use == c).where(use.notna())), "percent", n
        )
        for c in ("yes", "no", "not_sure")
    ]
    e = d.ehcp_n["x"].dropna()
    vals.append(value("txt.ap_sen.ehcp_pupils_in_ap_per_la", e.mean(), "count_pupils", len(e)))
    return _txt(
        "txt_ap_sen",
        vals,
        "Share of LAs; mean over answering LAs of their estimated EHCP pupils in AP.",
        "All responding LAs",
    )


def fig12(d: Data) -> FigureTable:
    s = d.sen
    n = s["la_code"].nunique()
    rows, vals = [], [value("fig12.n_las", n, "count_las")]
    for ph in d.cb.dimensions["phase"].values:
        sub = s[s["phase"] == ph]
        for st in d.cb.dimensions["sen_status"].values:
            rows.append(
                {
                    "phase": ph,
                    "sen_status": st,
                    "pupil_share": pooled_share(sub["x"], sub["sen_status"] == st),
                    "n_las": int((sub.groupby("la_code")["x"].sum() > 0).sum()),
                }
            )
        if ph in SCHOOL_AGE:
            vals.append(
                value(
                    f"fig12.pupil_share.ehcp.{ph}",
                    pooled_share(sub["x"], sub["sen_status"] == "ehcp"),
                    "percent",
                    n,
                )
            )
    sa = s[s["phase"].isin(SCHOOL_AGE)]
    vals.append(
        value(
            "fig12.pupil_share.sen_support.school_age",
            pooled_share(sa["x"], sa["sen_status"] == "sen_support"),
            "percent",
            n,
        )
    )
    return _table(
        "fig12",
        rows,
        ["phase", "sen_status"],
        {"pupil_share": {"label": "Share of pupils placed in AP", **PCT}, "n_las": N_LAS},
        POOLED + " (pupils placed in AP by SEN status, within each phase); school-age = primary + KS3 + KS4.",
        "LAs answering the SEN-profile question",
        vals,
    )


def txt_semh(d: Data) -> list[dict]:
    sp = d.semh
    return [
        value(
            "txt.semh.la_share.has_specialist_provision",
            share_of_las((sp == "yes").where(sp.notna())),
            "percent",
            int(sp.notna().sum()),
        )
    ]


def fig13(d: Data, semh_vals: list[dict]) -> FigureTable:
    sp = d.semh_places
    n = sp["la_code"].nunique()
    rows = []
    for ph in ("primary", "secondary"):
        for st in d.cb.dimensions["semh_setting"].values:
            rows.append(
                {
                    "school_phase": ph,
                    "semh_setting": st,
                    "places": sp.loc[(sp["school_phase"] == ph) & (sp["semh_setting"] == st), "x"].sum(),
                    "n_las": n,
                }
            )
    vals = list(semh_vals)
    for ph in ("primary", "secondary"):
        sub = sp[sp["school_phase"] == ph]
        vals += [
            value(f"fig13.place_share.{ph}", pooled_share(sp["x"], sp["school_phase"] == ph), "percent", n),
            value(
                f"fig13.semh_unit_share.{ph}",
                pooled_share(sub["x"], sub["semh_setting"] == "semh_unit"),
                "percent",
                n,
            ),
        ]
    return _table(
        "fig13",
        rows,
        ["school_phase", "semh_setting"],
        {"places": {"label": "Places in specialist SEMH provision", **RATE}, "n_las": N_LAS},
        "Total places (sum over LAs); " + POOLED + " Share with SEMH provision: share of LAs.",
        "LAs with local state-funded specialist SEMH provision giving place numbers",
        vals,
    )


def fig14(d: Data) -> FigureTable:
    """AP places per 10,000 pupils by SEMH provision, for LAs that gave places and an SEN profile
    with pupils in the phase (the report's bases for this comparison are the LAs answering both)."""
    rates = d.rates("places")
    sen_phase = {"primary": ["primary"], "secondary": SEC}
    rows, vals = [], []
    for ph, r in rates.items():
        has = d.by_la(d.sen, sen_phase[ph])
        base = r[r.index.isin(has[has > 0].index)].dropna()
        grp = require_groups(d.semh.reindex(base.index), ("yes", "no"), f"the SEMH provision question ({ph})")
        vals.append(value(f"fig14.n_las.{ph}", len(base), "count_las"))
        for g, label in (("yes", "semh_provision_some"), ("no", "semh_provision_none")):
            x = base[grp == g]
            rows.append({"phase": ph, "semh_provision": label, "places_per_10k": x.mean(), "n_las": len(x)})
            vals.append(value(f"fig14.places_per_10k.{ph}.{label}", x.mean(), "per_10k_pupils", len(x)))
    return _table(
        "fig14",
        rows,
        ["phase", "semh_provision"],
        {"places_per_10k": {"label": "AP places per 10,000 pupils", **RATE}, "n_las": N_LAS},
        MEAN_RATES + " Groups: LAs with some / no local specialist SEMH provision.",
        "LAs answering both the places and the SEN-profile question with pupils in the phase",
        vals,
    )


def txt_ehc_assessment(d: Data) -> FigureTable:
    """Figure 15's quote as a survey statistic: the mean of LA estimates of the share of AP pupils
    undergoing an EHC needs assessment, for LAs with integrated or combined AP and SEMH provision
    (the quote's column); the report's quoted range is checked as bounds on that mean."""
    est = d.ehc_assessment
    group = d.model.reindex(est.index).isin(["integrated", "combined"])
    ic, other = est[group], est[~group]
    vals = [
        value("fig15.la_quote.ap_students_undergoing_ehcp_application.min", ic.mean(), "percent", len(ic)),
        value("fig15.la_quote.ap_students_undergoing_ehcp_application.max", ic.mean(), "percent", len(ic)),
        value("txt.ehc_assessment.mean_share.other_models", other.mean(), "percent", len(other)),
    ]
    return _txt(
        "txt_ehc_assessment",
        vals,
        "Mean of LA estimates (every LA counts once), by SEMH model group.",
        "LAs estimating the share of AP pupils undergoing an EHC needs assessment",
    )


def txt_semh_models(d: Data) -> FigureTable:
    m = d.model
    n = len(d.respondents)
    vals = [
        value(f"txt.semh_models.la_share.semh_{k}", 100 * (m == k).sum() / n, "percent", n)
        for k in ("separate", "integrated", "combined")
    ]
    vals += [
        value(
            "txt.semh_models.la_share.semh_other_arrangements", 100 * (m == "other").sum() / n, "percent", n
        ),
        value("txt.semh_models.la_share.semh_not_stated", 100 * m.isna().sum() / n, "percent", n),
        value(
            "txt.semh_models.la_count.provision_but_no_detail",
            int(((d.semh == "yes") & m.isna()).sum()),
            "count_las",
            n,
        ),
        value(
            "txt.semh_models.la_share.semh_integrated_or_combined",
            100 * m.isin(["integrated", "combined"]).sum() / n,
            "percent",
            n,
        ),
    ]
    return _txt(
        "txt_semh_models",
        vals,
        "Share of all responding LAs; 'not stated' = no answer to the model question.",
        "All responding LAs",
    )


def txt_semh_interface(d: Data) -> FigureTable:
    grp = d.model.map(
        {
            "separate": "semh_separate",
            "integrated": "semh_integrated_or_combined",
            "combined": "semh_integrated_or_combined",
        }
    )
    ap = d.rates("pupils")["secondary"]
    semh_sec = d.rates("semh_places", ("secondary",))["secondary"]
    pex = d.ctx["pex_rate_secondary"]
    vals = []
    for g in ("semh_separate", "semh_integrated_or_combined"):

        def mean_in(s, g=g):
            x = s[grp.reindex(s.index) == g].dropna()
            return x.mean(), len(x)

        for name, s, unit in (
            ("ap_pupils_per_10k", ap, "per_10k_pupils"),
            ("pex_rate", pex, "rate_percent"),
            ("semh_pupils_per_10k", semh_sec, "per_10k_pupils"),
        ):
            mu, k = mean_in(s)
            vals.append(value(f"txt.semh_interface.{name}.secondary.{g}", mu, unit, k))
    return _txt(
        "txt_semh_interface",
        vals,
        "Group comparison of means of LA values: secondary pupils placed in AP and SEMH places per 10,000 "
        "secondary pupils; real 2016/17 secondary permanent-exclusion rate (DfE, % of pupils; "
        "suppressed LAs left out).",
        "LAs with separate vs integrated or combined AP and SEMH provision",
    )


# ---- devolved vs centralised ----------------------------------------------------------------------


def fig32(d: Data) -> FigureTable:
    ap = d.rates("pupils")["secondary"]
    ehe = d.rates("ehe")["secondary"]
    rows, means = [], {}
    for measure, s in (("ap_pupils", ap), ("ehe", ehe)):
        require_groups(d.devolved.reindex(s.dropna().index), MODELS, f"the {measure} question")
        for g in ("devolved", "centralised"):
            x = s[d.devolved.reindex(s.index) == g].dropna()
            means[(measure, g)] = x.mean()
            rows.append({"measure": measure, "la_group": g, "per_10k": x.mean(), "n_las": len(x)})
    vals = [
        value(
            "fig32.ap_pupils_per_10k.secondary.devolved_vs_centralised",
            means[("ap_pupils", "devolved")] - means[("ap_pupils", "centralised")],
            "per_10k_pupils",
        ),
        value("fig32.ehe_per_10k.secondary.devolved", means[("ehe", "devolved")], "per_10k_pupils"),
        value("fig32.ehe_per_10k.secondary.centralised", means[("ehe", "centralised")], "per_10k_pupils"),
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
                {"provider_type": p, "la_group": g, "places_per_10k": x.mean(), "n_las": int(x.notna().sum())}
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


def run(settings: Settings, derived: dict) -> list[FigureTable]:
    d = Data(settings, derived)
    f4 = attempt("fig04", fig04, d, settings.figures["fig04"])
    semh_vals = attempt("txt_semh", txt_semh, d)
    return tables_of(
        attempt("fig02", fig02, d),
        attempt("fig03", fig03, d),
        f4[0] if f4 else None,
        attempt("txt_provider_mix", txt_provider_mix, d, f4[1]) if f4 else None,
        attempt("fig05", fig05, d),
        attempt("txt_provision_by_phase", txt_provision_by_phase, d),
        attempt("fig06", fig06, d),
        attempt("txt_delegated_use", txt_delegated_use, d),
        attempt("txt_other_services", txt_other_services, d),
        attempt("txt_strategic_plan", txt_strategic_plan, d),
        attempt("txt_ap_sen", txt_ap_sen, d),
        attempt("fig12", fig12, d),
        attempt("fig13", fig13, d, semh_vals) if semh_vals is not None else None,
        attempt("fig14", fig14, d),
        attempt("txt_semh_models", txt_semh_models, d),
        attempt("txt_ehc_assessment", txt_ehc_assessment, d),
        attempt("txt_semh_interface", txt_semh_interface, d),
        attempt("fig19", fig19, d),
        attempt("txt_pupils_placed", txt_pupils_placed, d),
        attempt("fig32", fig32, d),
        attempt("fig33", fig33, d),
    )
