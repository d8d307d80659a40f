"""AP places and providers (codebook section 'provision'): Figures 2-6 and the prose values on
the provider mix, provision by phase, schools' own use of AP and other services.
"""

from __future__ import annotations

import pandas as pd

from ..analyse import (
    INTERVAL_NOTE,
    FigureTable,
    attempt,
    tables_of,
    value,
)
from ..config import Settings
from ..estimators import (
    pooled_share,
    share_of_las,
)
from ..uncertainty import interval_pooled_shares
from .common import (
    MEAN_RATES,
    N_LAS,
    PCT,
    POOLED,
    RATE,
    SCHOOL_AGE,
    SEC,
    Data,
    _rate_values,
    _table,
    _txt,
    _type_rates,
    mean_bounds,
    percent_bounds,
    pooled_bounds,
    share_bounds,
)


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
                **pooled_bounds(pl["x"], pl["provider_type"] == p, pl["la_code"], d.n_frame),
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


def fig03(d: Data) -> FigureTable:
    rates = _type_rates(d)
    rows = [
        {
            "provider_type": p,
            "places_per_10k": rates[p].mean(),
            **mean_bounds(rates[p], d.n_frame),
            "n_las": int(rates[p].notna().sum()),
        }
        for p in d.ptypes
    ]
    return _table(
        "fig03",
        rows,
        ["provider_type"],
        {"places_per_10k": {"label": "School-age places per 10,000 pupils", **RATE}, "n_las": N_LAS},
        MEAN_RATES
        + " Denominator: primary + secondary headcount; LAs with no places of a type count as 0. "
        + INTERVAL_NOTE,
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
        {
            "la_group": "mostly_state_funded",
            "la_share": share_of_las(mostly),
            **share_bounds(mostly, d.n_frame),
            "n_las": n,
        },
        {
            "la_group": "one_main_provider",
            "la_share": share_of_las(one_main),
            **share_bounds(one_main, d.n_frame),
            "n_las": n,
        },
        {
            "la_group": "wider_range",
            "la_share": share_of_las(~mostly),
            **share_bounds(~mostly, d.n_frame),
            "n_las": n,
        },
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
        {
            "phase": ph,
            "place_share": pooled_share(pl["x"], pl["phase"] == ph),
            **pooled_bounds(pl["x"], pl["phase"] == ph, pl["la_code"], d.n_frame),
            "n_las": n,
        }
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
    phases = list(d.cb.dimensions["phase"].values)
    for p in d.ptypes:
        sub = pl[pl["provider_type"] == p]
        n_las = int((sub.groupby("la_code")["x"].sum() > 0).sum())
        # the intervals of every phase from one per-LA split (as common.pooled_bounds, phase by phase)
        ivs = interval_pooled_shares(sub["x"], sub["phase"], sub["la_code"], phases, d.n_frame)
        for ph in phases:
            rows.append(
                {
                    "provider_type": p,
                    "phase": ph,
                    "place_share": pooled_share(sub["x"], sub["phase"] == ph),
                    **percent_bounds(ivs[ph].lower, ivs[ph].upper),
                    "n_las": n_las,
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


def run(settings: Settings, derived: dict) -> list[FigureTable]:
    d = Data(settings, derived)
    f4 = attempt("fig04", fig04, d, settings.figures["fig04"])
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
    )
