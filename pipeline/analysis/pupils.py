"""Pupils placed in AP and their journeys (codebook section 'pupils'): Figures 19, 20, 23-27 and
the prose values on pupils placed, children not in full-time education and EHE.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..analyse import (
    FigureTable,
    asked_numeric,
    attempt,
    require,
    tables_of,
    value,
)
from ..config import Settings
from ..estimators import (
    answered_cells,
    mean_of_la_shares,
    pooled_share,
    share_of_las,
    truncated_extrapolation,
)
from ..uncertainty import group_sums, ratio_of_totals
from .common import (
    MEAN_RATES,
    N_LAS,
    PCT,
    POOLED,
    POOLED_PUPILS,
    SCHOOL_AGE,
    SEC,
    Data,
    _frame_table,
    _rate_values,
    _table,
    _txt,
    percent_bounds,
    pooled_bounds,
)
from .specs import build_section


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
                    **pooled_bounds(sub["x"], sub["group"] == g, sub["la_code"], d.n_frame),
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


def fig20_health_range(table: pd.DataFrame) -> list[dict]:
    """The report's range of health shares over the school-age phases (Figure 20 prose)."""
    health = table[(table["placement_reason"] == "health") & table["phase"].isin(SCHOOL_AGE)]["share"]
    return [
        value("fig20.reason_share.school_age.health.min", health.min(), "percent"),
        value("fig20.reason_share.school_age.health.max", health.max(), "percent"),
    ]


def fig23_extras(table: pd.DataFrame) -> list[dict]:
    """Figure 23 prose: the range of school-age bases, and the KS4 split-place share the
    executive summary quotes again (its own id)."""
    school = table[table["phase"].isin(SCHOOL_AGE)].groupby("phase")["n_las"].first()
    ks4 = table[(table["phase"] == "ks4") & (table["place_type"] == "split_with_mainstream")]
    out = [
        value("fig23.n_las.school_age.min", school.min(), "count_las"),
        value("fig23.n_las.school_age.max", school.max(), "count_las"),
    ]
    for r in ks4.itertuples(index=False):
        out.append(
            value(
                "fig23.place_type_share.ks4.split_with_mainstream.exec_summary", r.share, "percent", r.n_las
            )
        )
    return out


def mean_share_bounds(cells: pd.DataFrame, by: str, category: str, n_frame: int) -> pd.DataFrame:
    """``lower``/``upper`` of estimators.mean_of_la_shares over the same cells (LA x group x
    category rows, blanks of answered groups as 0). The mean over rows is a ratio of per-LA totals
    (y = sum of an LA's percentages, x = its number of rows), so an LA giving several rows (the
    'All' group) is one sampling unit (uncertainty.ratio_of_totals)."""
    rows = []
    for (g, c), sub in cells.groupby([by, category], sort=False):
        x = sub["x"].to_numpy(float)
        given = ~np.isnan(x)  # as the LA's sum and count of its non-missing percentages
        total, count = group_sums(sub["la_code"].to_numpy(), np.where(given, x, 0.0), given * 1.0, sort=True)
        iv = ratio_of_totals(total, count, n_frame)
        rows.append({by: g, category: c, **percent_bounds(iv.lower, iv.upper)})
    return pd.DataFrame(rows, columns=[by, category, "lower", "upper"])


def fig25_length(clean: pd.DataFrame, settings: Settings, n_frame: int | None = None) -> FigureTable:
    df = asked_numeric(clean, settings.codebook, "placement_length")
    sh = mean_of_la_shares(df, ["year_group"], "length_band")
    answered = answered_cells(df, ["year_group"])  # LA x year-group answers, before pooling groups
    overall = mean_of_la_shares(answered.assign(all="all"), ["all"], "length_band").rename(
        columns={"all": "year_group"}
    )
    table = pd.concat([sh, overall], ignore_index=True)
    n_frame = n_frame or df["la_code"].nunique()
    bounds = pd.concat(
        [
            mean_share_bounds(answered, "year_group", "length_band", n_frame),
            mean_share_bounds(answered.assign(year_group="all"), "year_group", "length_band", n_frame),
        ],
        ignore_index=True,
    )
    table = table.merge(bounds, on=["year_group", "length_band"], how="left")
    table = table[["year_group", "length_band", "share", "lower", "upper", "n_las"]]
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
    return _frame_table(
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


def fig27_any_mainstream(specs: list[FigureTable], settings: Settings) -> FigureTable:
    """Figure 27 from Figure 26's pooled destination shares (the spec'd table)."""
    fig26 = require([t for t in specs if t.key == "fig26"], "question 'destinations'")
    sh = fig26[0].table
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
    fig27 = _frame_table(
        "fig27",
        table,
        ["leaver_group", "measure"],
        {
            "share": {"label": "Share of pupils leaving AP", **PCT},
            "n_las": {"label": "LAs giving data", "unit": "", "dp": 0},
        },
        POOLED_PUPILS.replace("pupils they reported", "leavers they reported")
        + " Any mainstream destination = "
        "previous or another mainstream school + FE college; the second series adds employment.",
        "LAs giving destinations of pupils who left AP in the last 12 months",
        vals,
    )
    return fig27


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
    return _frame_table(
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


def run(settings: Settings, derived: dict) -> list[FigureTable]:
    clean = derived["clean"]
    specs = build_section(
        "pupils", settings, derived, extras={"fig20": fig20_health_range, "fig23": fig23_extras}
    )
    d = Data(settings, derived)
    return tables_of(
        attempt("txt_strategic_plan", txt_strategic_plan, d),
        attempt("fig19", fig19, d),
        attempt("txt_pupils_placed", txt_pupils_placed, d),
        attempt("fig25", fig25_length, clean, settings, len(derived["la_frame"])),
        attempt("txt_pupils_journeys", txt_pupils_journeys, clean, len(derived["respondents"])),
        specs,
        attempt("fig27", fig27_any_mainstream, specs, settings),
    )
