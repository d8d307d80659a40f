"""Pupils with SEN in AP and specialist SEMH provision (codebook section 'sen'): Figures 12-14
and the SEN / SEMH prose values (Figure 15's quote as a survey statistic).
"""

from __future__ import annotations

from ..analyse import (
    FigureTable,
    attempt,
    require_groups,
    tables_of,
    value,
)
from ..config import Settings
from ..estimators import (
    pooled_share,
    share_of_las,
)
from .common import (
    MEAN_RATES,
    N_LAS,
    PCT,
    POOLED,
    RATE,
    SCHOOL_AGE,
    SEC,
    Data,
    _table,
    _txt,
    mean_bounds,
    pooled_bounds,
)


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
                    **pooled_bounds(sub["x"], sub["sen_status"] == st, sub["la_code"], d.n_frame),
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
    table = _table(
        "fig13",
        rows,
        ["school_phase", "semh_setting"],
        {"places": {"label": "Places in specialist SEMH provision", **RATE}, "n_las": N_LAS},
        "Total places (sum over LAs); " + POOLED + " Share with SEMH provision: share of LAs.",
        "LAs with local state-funded specialist SEMH provision giving place numbers",
        vals,
    )
    table.no_interval = "z"  # totals of places reported, not estimates: no interval applies
    return table


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
            rows.append(
                {
                    "phase": ph,
                    "semh_provision": label,
                    "places_per_10k": x.mean(),
                    **mean_bounds(x, d.n_frame),
                    "n_las": len(x),
                }
            )
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
        "secondary pupils; real {exclusions_year} secondary permanent-exclusion rate (DfE, % of pupils; "
        "suppressed LAs left out).",
        "LAs with separate vs integrated or combined AP and SEMH provision",
    )


def run(settings: Settings, derived: dict) -> list[FigureTable]:
    d = Data(settings, derived)
    semh_vals = attempt("txt_semh", txt_semh, d)
    return tables_of(
        attempt("txt_ap_sen", txt_ap_sen, d),
        attempt("fig12", fig12, d),
        attempt("fig13", fig13, d, semh_vals) if semh_vals is not None else None,
        attempt("fig14", fig14, d),
        attempt("txt_semh_models", txt_semh_models, d),
        attempt("txt_ehc_assessment", txt_ehc_assessment, d),
        attempt("txt_semh_interface", txt_semh_interface, d),
    )
