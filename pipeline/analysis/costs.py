"""Costs of AP places: Figures 8, 9, 10 and 11 (place-weighted average costs)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..analyse import (
    INTERVAL_NOTE,
    TOTAL_LABEL,
    FigureTable,
    attempt,
    require,
    require_groups,
    tables_of,
    value,
)
from ..config import Settings
from ..estimators import cost_base, place_weighted_cost
from ..uncertainty import group_sums, ratio_of_totals

AVERAGE_COST = {"label": "Average cost per FTE place", "unit": "£", "dp": 0}


def cost_and_base(cells: pd.DataFrame) -> tuple[float, int]:
    """Place-weighted average cost of some cost cells (weights from derive), and its base."""
    return place_weighted_cost(cells["cost"], cells["weight"]), cost_base(
        cells["cost"], cells["weight"], cells["la_code"]
    )


def cost_bounds(cells: pd.DataFrame, n_frame: int) -> dict:
    """95% interval of :func:`cost_and_base`'s average, with the same cells and derive's weights:
    per LA y = sum(cost x weight), x = sum(weight) over its cells in the average; the average is
    sum(y) / sum(x), a ratio of totals (uncertainty.ratio_of_totals, N = LAs in the frame); a cost
    is not negative, so the lower bound is clipped at 0."""
    cost, weight = cells["cost"].to_numpy(float), cells["weight"].to_numpy(float)
    used = ~np.isnan(cost) & (weight > 0)
    cost, weight = cost[used], weight[used]
    cw, w = group_sums(cells["la_code"].to_numpy()[used], cost * weight, weight, sort=True)
    iv = ratio_of_totals(cw, w, n_frame)
    return {"lower": max(iv.lower, 0.0) if not np.isnan(iv.lower) else iv.lower, "upper": iv.upper}


PLACE_WEIGHTED_NOTE = (
    "Place-weighted average cost: sum over LAs of (LA average cost x places the LA commissions) / "
    "sum of those places (an LA with 0 places in a cell weighs 0). Our assumption, not the report's "
    "stated method (footnote 24 says only that simple averages were 'combined'): where an LA gave no "
    "place numbers at all, its cost is weighted by the mean positive place count of the other LAs' "
    "cells of the same provider type (and phase). Base: LAs with a cost and a positive weight. "
    + INTERVAL_NOTE
)


def fig08_cost_by_provider(cells: pd.DataFrame, la_frame: pd.DataFrame, settings: Settings) -> FigureTable:
    require(cells, "question 'costs'")
    codebook = settings.codebook
    threshold = settings.analysis["cost_thresholds"]["high_cost_gbp"]
    la_costs = cells
    ptypes = list(codebook.dimensions["provider_type"].values)
    rows = [
        {
            "provider_type": TOTAL_LABEL,
            **dict(zip(("average_cost", "n_las"), cost_and_base(cells), strict=True)),
            **cost_bounds(cells, len(la_frame)),
            "n_las_giving_cost": cells["la_code"].nunique(),
            "lowest_la_cost": la_costs["cost"].min() if len(la_costs) else np.nan,
            "highest_la_cost": la_costs["cost"].max() if len(la_costs) else np.nan,
            "n_las_high_cost": int(la_costs.groupby("la_code")["cost"].max().ge(threshold).sum())
            if len(la_costs)
            else 0,
        }
    ]
    for p in ptypes:
        c = cells[cells["provider_type"] == p]
        lc = la_costs[la_costs["provider_type"] == p]["cost"]
        rows.append(
            {
                "provider_type": p,
                **dict(zip(("average_cost", "n_las"), cost_and_base(c), strict=True)),
                **cost_bounds(c, len(la_frame)),
                "n_las_giving_cost": c["la_code"].nunique(),
                "lowest_la_cost": lc.min() if len(lc) else np.nan,
                "highest_la_cost": lc.max() if len(lc) else np.nan,
                "n_las_high_cost": int(lc.ge(threshold).sum()),
            }
        )
    table = pd.DataFrame(rows)
    t = table.set_index("provider_type")
    vals = [
        value("fig08.n_las", t.loc[TOTAL_LABEL, "n_las_giving_cost"], "count_las"),
        value(
            "fig08.cost.all",
            t.loc[TOTAL_LABEL, "average_cost"],
            "gbp",
            int(t.loc[TOTAL_LABEL, "n_las"]),
        ),
    ]
    for p in ptypes:
        n, given = int(t.loc[p, "n_las"]), int(t.loc[p, "n_las_giving_cost"])
        vals += [
            value(f"fig08.cost.{p}", t.loc[p, "average_cost"], "gbp", n),
            value(f"fig08.n_las.{p}", given, "count_las"),
            value(f"fig08.cost_lowest_la.{p}", t.loc[p, "lowest_la_cost"], "gbp", given),
            value(f"fig08.cost_highest_la.{p}", t.loc[p, "highest_la_cost"], "gbp", given),
            value(f"fig08.la_count.{p}.cost_30k_plus", t.loc[p, "n_las_high_cost"], "count_las", given),
        ]
    state = [p for p in ptypes if codebook.dimensions["provider_type"].groups[p] == "state_funded"]
    overall = t.loc[TOTAL_LABEL, "average_cost"]
    vals.append(
        value(
            "fig08.state_funded.max_abs_deviation_from_average",
            (t.loc[state, "average_cost"] - overall).abs().max(),
            "gbp",
        )
    )
    minima = t.loc[state, "lowest_la_cost"].dropna()
    vals += [
        value("fig08.cost_lowest_la.state_funded_types.min", minima.min(), "gbp"),
        value("fig08.cost_lowest_la.state_funded_types.max", minima.max(), "gbp"),
    ]
    type_avgs = t.loc[ptypes, "average_cost"].dropna().sort_values(ascending=False)
    if len(type_avgs) >= 2:
        vals.append(value("fig08.threshold.over_20000", type_avgs.iloc[1], "gbp"))
    vals.append(value("fig08.threshold.high_cost", threshold, "gbp", basis="definition"))
    for p in ptypes:
        vals.append(value(f"fig08.n_las.{p}_local", la_frame[f"uses_{p}"].sum(), "count_las"))
    return FigureTable(
        "fig08",
        table,
        ["provider_type"],
        {
            "average_cost": AVERAGE_COST,
            "n_las": {"label": "Number of LAs in the average (a cost and places)", "unit": "", "dp": 0},
            "n_las_giving_cost": {"label": "Number of LAs giving a cost", "unit": "", "dp": 0},
            "lowest_la_cost": {"label": "Lowest LA average cost", "unit": "£", "dp": 0},
            "highest_la_cost": {"label": "Highest LA average cost", "unit": "£", "dp": 0},
            "n_las_high_cost": {
                "label": "LAs with an average cost at or above the high-cost threshold",
                "unit": "",
                "dp": 0,
            },
        },
        PLACE_WEIGHTED_NOTE + " Each LA's cost for a provider type is its 'all phases' average, or the "
        "place-weighted mean of its phase averages.",
        "LAs answering the cost question",
        vals,
    )


def fig09_cost_by_phase(cells: pd.DataFrame, la_frame: pd.DataFrame, settings: Settings) -> FigureTable:
    require(cells, "question 'costs'")
    phases = list(settings.codebook.dimensions["phase"].values)
    id_names = settings.figures["fig09"].get("id_names", {})
    rows, vals = [], []
    for ph in phases:
        c = cells[cells["phase"] == ph]
        cost, n = cost_and_base(c)
        rows.append({"phase": ph, "average_cost": cost, **cost_bounds(c, len(la_frame)), "n_las": n})
        vals.append(value(f"fig09.cost.{id_names.get(ph, ph)}", cost, "gbp", n))
    cost, n = cost_and_base(cells)
    rows.append({"phase": TOTAL_LABEL, "average_cost": cost, **cost_bounds(cells, len(la_frame)), "n_las": n})
    return FigureTable(
        "fig09",
        pd.DataFrame(rows),
        ["phase"],
        {
            "average_cost": AVERAGE_COST,
            "n_las": {"label": "Number of LAs giving a cost", "unit": "", "dp": 0},
        },
        PLACE_WEIGHTED_NOTE + " Phase averages given by LAs, all provider types pooled within each phase.",
        "LAs answering the cost question with a cost for the phase",
        vals,
    )


def fig10_cost_by_usage(cells: pd.DataFrame, la_frame: pd.DataFrame, settings: Settings) -> FigureTable:
    """Cost by level of AP use: primary costs by the primary band, KS3 and KS4 by the secondary band."""
    require(cells, "question 'costs'")
    bands = la_frame.set_index("la_code")[["usage_band_primary", "usage_band_secondary"]]
    rows, vals = [], []
    for ph, band_col in (
        ("primary", "usage_band_primary"),
        ("ks3", "usage_band_secondary"),
        ("ks4", "usage_band_secondary"),
    ):
        c = cells[cells["phase"] == ph].join(bands[band_col].rename("band"), on="la_code")
        for b in ("low", "medium", "high"):
            g = c[c["band"] == b]
            cost, n = cost_and_base(g)
            rows.append(
                {
                    "phase": ph,
                    "usage_band": b,
                    "average_cost": cost,
                    **cost_bounds(g, len(la_frame)),
                    "n_las": n,
                }
            )
            vals.append(value(f"fig10.cost.{ph}.{b}", cost, "gbp", n))
    for ph in ("primary", "secondary"):
        edges = settings.analysis["usage_bands"][ph]
        vals += [
            value(
                f"fig10.usage_band.{ph}.low.max",
                edges["lower"],
                "per_10k_pupils",
                basis="definition",
            ),
            value(
                f"fig10.usage_band.{ph}.medium.min",
                edges["lower"],
                "per_10k_pupils",
                basis="definition",
            ),
            value(
                f"fig10.usage_band.{ph}.medium.max",
                edges["upper"],
                "per_10k_pupils",
                basis="definition",
            ),
            value(
                f"fig10.usage_band.{ph}.high.min",
                edges["upper"],
                "per_10k_pupils",
                basis="definition",
            ),
        ]
    return FigureTable(
        "fig10",
        pd.DataFrame(rows),
        ["phase", "usage_band"],
        {
            "average_cost": AVERAGE_COST,
            "n_las": {"label": "Number of LAs", "unit": "", "dp": 0},
        },
        PLACE_WEIGHTED_NOTE + " LAs are banded by pupils placed in AP per 10,000 pupils (each LA's own "
        "rate; primary pupils for primary, secondary pupils for KS3 and KS4), with the band edges of "
        "config/analysis.yaml.",
        "LAs giving both pupils placed in AP and costs",
        vals,
    )


def fig11_cost_by_providers(cells: pd.DataFrame, la_frame: pd.DataFrame, settings: Settings) -> FigureTable:
    require(cells, "question 'costs'")
    bands = la_frame.set_index("la_code")["provider_count_band"]
    c = cells.join(bands.rename("band"), on="la_code")
    rows, vals = [], []
    for label, _, _ in settings.analysis["provider_count_bands"]:
        g = c[c["band"] == label]
        cost, n = cost_and_base(g)
        rows.append(
            {"providers_count_band": label, "average_cost": cost, **cost_bounds(g, len(la_frame)), "n_las": n}
        )
        vals.append(value(f"fig11.cost.{label}", cost, "gbp", n))
    c = c[c["band"].notna()]
    cost, n = cost_and_base(c)
    rows.append(
        {
            "providers_count_band": TOTAL_LABEL,
            "average_cost": cost,
            **cost_bounds(c, len(la_frame)),
            "n_las": n,
        }
    )
    return FigureTable(
        "fig11",
        pd.DataFrame(rows),
        ["providers_count_band"],
        {
            "average_cost": AVERAGE_COST,
            "n_las": {"label": "Number of LAs", "unit": "", "dp": 0},
        },
        PLACE_WEIGHTED_NOTE + " LAs are banded by the number of AP providers they commission from.",
        "LAs giving both the number of providers and costs",
        vals,
    )


def fig34_cost_by_model(cells: pd.DataFrame, la_frame: pd.DataFrame, settings: Settings) -> FigureTable:
    """Costs of LAs with devolved vs centralised decision-making (secondary-phase arrangements)."""
    require(cells, "question 'costs'")
    c = cells.join(la_frame.set_index("la_code")["la_model"].rename("la_model"), on="la_code")
    c = c[c["la_model"].notna()]
    require_groups(c["la_model"], ("devolved", "centralised"), "the cost question")
    ptypes = [TOTAL_LABEL, *settings.codebook.dimensions["provider_type"].values]
    rows, vals = [], []
    for p in ptypes:
        sub = c if p == TOTAL_LABEL else c[c["provider_type"] == p]
        avg, n = {}, {}
        for model in ("devolved", "centralised"):
            g = sub[sub["la_model"] == model]
            avg[model], n[model] = cost_and_base(g)
            rows.append(
                {
                    "provider_type": p,
                    "la_model": model,
                    "average_cost": avg[model],
                    **cost_bounds(g, len(la_frame)),
                    "n_las": n[model],
                }
            )
        name = "all" if p == TOTAL_LABEL else p
        if p == TOTAL_LABEL:
            vals += [value(f"fig34.average_cost.all.{m}", avg[m], "gbp", n[m]) for m in avg]
        vals.append(
            value(
                f"fig34.average_cost.{name}.devolved_vs_centralised",
                avg["devolved"] - avg["centralised"],
                "finding",
            )
        )
    return FigureTable(
        "fig34",
        pd.DataFrame(rows),
        ["provider_type", "la_model"],
        {
            "average_cost": AVERAGE_COST,
            "n_las": {"label": "Number of LAs giving a cost", "unit": "", "dp": 0},
        },
        PLACE_WEIGHTED_NOTE + " Group comparison: LAs with devolved (partially or fully) vs centralised "
        "decision-making for the secondary phase.",
        "LAs answering the cost question and the decision-making question",
        vals,
    )


def sens_cost_without_fallback(
    types: pd.DataFrame,
    phases: pd.DataFrame,
    la_frame: pd.DataFrame,
    settings: Settings,
    built: dict[str, FigureTable] | None = None,
) -> FigureTable:
    """Sensitivity of Figures 8-11 to our footnote-24 assumption: every average recomputed
    without the cost cells of LAs that gave no place numbers (``fallback_weight``), beside the
    published-method value. Measure ids ``sens.no_fallback.<figure measure id>``. ``built``: the
    figure tables already computed from the same cells (not computed again)."""
    require(types, "question 'costs'")
    kept = {"types": types[~types["fallback_weight"]], "phases": phases[~phases["fallback_weight"]]}
    builds = {
        "fig08": lambda t, p: fig08_cost_by_provider(t, la_frame, settings),
        "fig09": lambda t, p: fig09_cost_by_phase(p, la_frame, settings),
        "fig10": lambda t, p: fig10_cost_by_usage(p, la_frame, settings),
        "fig11": lambda t, p: fig11_cost_by_providers(t, la_frame, settings),
    }
    rows, vals = [], []
    for key, build in builds.items():
        base = (built or {}).get(key) or build(types, phases)
        sens = build(kept["types"], kept["phases"])
        with_fb = {v["id"]: v for v in base.values if v["unit"] == "gbp" and v["basis"] == "computed"}
        for v in sens.values:
            if v["id"] not in with_fb or not v["id"].startswith(f"{key}.cost."):
                continue
            rows.append(
                {
                    "figure": key,
                    "measure": v["id"],
                    "average_cost": with_fb[v["id"]]["value"],
                    "n_las": with_fb[v["id"]]["n_las"],
                    "average_cost_without_fallback": v["value"],
                    "n_las_without_fallback": v["n_las"],
                }
            )
            vals.append(value(f"sens.no_fallback.{v['id']}", v["value"], "gbp", v["n_las"]))
    table = pd.DataFrame(rows)
    table["difference"] = table["average_cost_without_fallback"] - table["average_cost"]
    return FigureTable(
        "sens_cost_without_fallback",
        table,
        ["figure", "measure"],
        {
            "average_cost": AVERAGE_COST,
            "n_las": {"label": "Number of LAs in the average", "unit": "", "dp": 0},
            "average_cost_without_fallback": {**AVERAGE_COST, "label": "Average cost without fallback LAs"},
            "n_las_without_fallback": {"label": "Number of LAs without fallback LAs", "unit": "", "dp": 0},
            "difference": {"label": "Difference (without minus with)", "unit": "£", "dp": 0},
        },
        PLACE_WEIGHTED_NOTE + " Sensitivity: the same averages leaving out the costs of LAs that gave no "
        "place numbers (our fallback weight is an assumption, not the report's stated method).",
        "LAs giving a cost and place numbers",
        vals,
    )


def run(settings: Settings, derived: dict) -> list[FigureTable]:
    """Cost tables; costs were asked for a financial year (EES time identifier 'Financial year')."""
    types, phases, la_frame = derived["type_costs"], derived["phase_costs"], derived["la_frame"]
    figures = tables_of(
        attempt("fig08", fig08_cost_by_provider, types, la_frame, settings),
        attempt("fig09", fig09_cost_by_phase, phases, la_frame, settings),
        attempt("fig10", fig10_cost_by_usage, phases, la_frame, settings),
        attempt("fig11", fig11_cost_by_providers, types, la_frame, settings),
        attempt("fig34", fig34_cost_by_model, types, la_frame, settings),
    )
    built = {t.key: t for t in figures}
    tables = figures + tables_of(
        attempt(
            "sens_cost_without_fallback", sens_cost_without_fallback, types, phases, la_frame, settings, built
        )
    )
    for t in tables:
        t.time_identifier = "Financial year"
    return tables
