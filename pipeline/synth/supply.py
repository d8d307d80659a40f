"""Supply and use of AP: which provider types each LA uses, providers, places and pupils placed.

Pupils placed scale with each LA's real pupil headcount and rise with its real deprivation;
LAs with no PRU in the January 2018 census commission no PRU places; places follow pupils.
Pooled place shares by provider type are raked to the published shares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..codebook import Codebook
from .common import Published, choose, key, largest_remainder

PHASES = ["primary", "ks3", "ks4", "ks5"]
# Generator's phase profile of places and pupils in each provider type (primary, KS3, KS4, KS5).
PHASE_PROFILE = {
    "pru": [0.13, 0.34, 0.52, 0.01],
    "ap_academy": [0.12, 0.35, 0.52, 0.01],
    "ap_free_school": [0.14, 0.18, 0.66, 0.02],
    "independent_registered": [0.11, 0.30, 0.56, 0.03],
    "independent_unregistered": [0.09, 0.29, 0.59, 0.03],
    "school_unit": [0.48, 0.27, 0.25, 0.0],
    "special_school": [0.36, 0.30, 0.32, 0.02],
    "fe_college": [0.0, 0.04, 0.72, 0.24],
    "other": [0.15, 0.30, 0.50, 0.05],
}
# Generator's base weight of each provider type in an LA's mix, where the LA uses it.
MIX_WEIGHT = {
    "pru": 1.0,
    "ap_academy": 0.8,
    "ap_free_school": 0.35,
    "independent_registered": 0.13,
    "independent_unregistered": 0.13,
    "school_unit": 0.12,
    "special_school": 0.1,
    "fe_college": 0.1,
    "other": 0.08,
}
WIDER_RANGE_BOOST = 9.0  # independent weight in the LAs that rely on a wider range of providers


@dataclass
class Supply:
    las: pd.DataFrame  # la_code index; flags and sets
    uses: pd.DataFrame  # la_code x provider type booleans
    providers: pd.DataFrame  # la_code x provider type counts (all respondents)
    places: dict[str, pd.DataFrame]  # la_code -> provider type x phase places (places LAs)
    pupils: dict[str, pd.DataFrame]  # la_code -> provider type x phase pupils (pupil LAs)
    cost_las: list[str]
    fallback_las: list[str]


def _sets(rng, las: pd.DataFrame, cfg: dict, published: Published):
    codes = list(las["la_code"])
    n_places = int(published(cfg["bases"]["places"]))
    n_costs = int(published(cfg["bases"]["costs"]))
    n_pupils = int(published(cfg["bases"]["pupils_placed"]))
    n_fallback = int(cfg["cost_las_without_places"])
    places_las = choose(rng, codes, n_places)
    no_places = [c for c in codes if c not in set(places_las)]
    fallback = choose(rng, no_places, n_fallback)
    cost_las = sorted(choose(rng, places_las, n_costs - n_fallback) + fallback)
    pupil_las = choose(rng, codes, n_pupils)
    return places_las, cost_las, fallback, pupil_las


def _uses(
    rng,
    las: pd.DataFrame,
    cost_las: list[str],
    cfg: dict,
    published: Published,
    codebook: Codebook,
    devolved: set[str],
) -> pd.DataFrame:
    codes = list(las["la_code"])
    ptypes = list(codebook.dimensions["provider_type"].values)
    uses = pd.DataFrame(False, index=codes, columns=ptypes)
    has_pru = las.set_index("la_code")["has_pru"]
    uses["pru"] = has_pru.reindex(codes).to_numpy()
    urban = (~las["rural"]).to_numpy().astype(float)
    dep = las["dep_z"].to_numpy()
    acad = rng.random(len(codes)) < 0.38
    uses["ap_academy"] = acad | ~uses["pru"].to_numpy()
    n_free = int(published(cfg["local_ap_free_schools"]))
    uses.loc[choose(rng, codes, n_free, score=0.8 * urban + 0.5 * dep), "ap_free_school"] = True
    non_cost = [c for c in codes if c not in set(cost_las)]
    dev_cost = [c for c in cost_las if c in devolved]
    cen_cost = [c for c in cost_las if c not in devolved]
    for ptype, pid in cfg["cost_type_counts"].items():
        k = int(published(pid))
        # Both decision-making models among the LAs costing each type (Figure 34 compares them).
        k_dev = min(len(dev_cost), max(1, round(k * len(dev_cost) / len(cost_las))))
        uses.loc[choose(rng, dev_cost, k_dev) + choose(rng, cen_cost, k - k_dev), ptype] = True
        extra = {"independent_registered": 0.45}.get(ptype, 0.12)
        uses.loc[[c for c in non_cost if rng.random() < extra], ptype] = True
    uses["independent_unregistered"] = rng.random(len(codes)) < 0.5
    uses["other"] = rng.random(len(codes)) < 0.08
    return uses


def _expected_pupils(rng, las: pd.DataFrame, cfg: dict, published: Published) -> pd.DataFrame:
    """Pupils placed by phase for every LA: real headcount x a rate that rises with deprivation."""
    n = len(las)
    sigma, beta = cfg["rate_spread"], cfg["deprivation_slope"]
    common = rng.normal(size=n)
    out = {}
    for phase, col in (("primary", "pupils_primary"), ("secondary", "pupils_secondary")):
        target = published(cfg["pupil_rates"][phase])
        raw = np.exp(sigma * (0.6 * common + 0.8 * rng.normal(size=n)) + beta * las["dep_z"].to_numpy())
        has = las[col].to_numpy() > 0
        rate = raw / raw[has].mean() * target
        out[phase] = rate * las[col].to_numpy() / 10_000
    ks3_share = np.clip(rng.normal(0.39, 0.05, n), 0.25, 0.5)
    df = pd.DataFrame(
        {
            "primary": out["primary"],
            "ks3": out["secondary"] * ks3_share,
            "ks4": out["secondary"] * (1 - ks3_share),
        },
        index=las["la_code"],
    )
    df["ks5"] = 0.02 * (df["ks3"] + df["ks4"]) * rng.gamma(2.0, 0.5, n)
    return df


def _mix(rng, las: pd.DataFrame, uses: pd.DataFrame, wider: set[str]) -> pd.DataFrame:
    w = pd.DataFrame(
        {p: MIX_WEIGHT[p] * rng.lognormal(0, 0.35, len(uses)) for p in uses.columns},
        index=uses.index,
    )
    for p in ("independent_registered", "independent_unregistered"):
        w.loc[list(wider), p] *= WIDER_RANGE_BOOST
    w = w.where(uses, 0.0)
    return w.div(w.sum(axis=1), axis=0)


def _rake_type_shares(
    places: dict[str, pd.DataFrame],
    targets: dict[str, float],
    groups: dict[str, str],
    iterations: int = 50,
) -> None:
    """Scale provider-type rows so pooled shares of school-age places hit the targets (in place)."""
    ptypes = list(groups)
    for _ in range(iterations):
        totals = sum(df[["primary", "ks3", "ks4"]].sum(axis=1) for df in places.values())
        grand = totals.sum()
        factors = {}
        for name, share in targets.items():
            members = [p for p in ptypes if p == name or groups[p] == name]
            current = totals[members].sum() / grand
            factors.update({p: share / current for p in members if current > 0})
        for df in places.values():
            for p, f in factors.items():
                df.loc[p] *= f


def draw(
    rng, las: pd.DataFrame, cfg: dict, published: Published, codebook: Codebook, devolved: set[str]
) -> Supply:
    places_las, cost_las, fallback, pupil_las = _sets(rng, las, cfg, published)
    uses = _uses(rng, las, cost_las, cfg, published, codebook, devolved)
    n_wider = max(1, round(0.17 * len(las)))
    wider = set(choose(rng, list(las["la_code"]), n_wider, score=1.2 * las["rural"].to_numpy().astype(float)))
    for c in wider:
        uses.loc[c, "independent_unregistered"] = True
        if c not in set(cost_las):  # keeps the published count of cost LAs using registered AP
            uses.loc[c, "independent_registered"] = True
    mix = _mix(rng, las, uses, wider)
    expected = _expected_pupils(rng, las, cfg, published)

    # Pupils placed: expected pupils by phase spread over the LA's provider types.
    pupils = {}
    for c in pupil_las:
        grid = pd.DataFrame(
            {
                ph: mix.loc[c]
                * expected.loc[c, ph]
                * np.array([PHASE_PROFILE[p][PHASES.index(ph)] * 4 for p in mix.columns])
                for ph in PHASES
            },
            index=mix.columns,
        )
        grid = grid.div(grid.sum(axis=0).replace(0, 1), axis=1) * expected.loc[c].to_numpy()
        pupils[c] = grid.round().astype(int)

    # Places: fewer than pupils (part-time and short placements share places).
    ratio = cfg["places_per_pupil"]
    places = {}
    for c in places_las:
        jitter = rng.lognormal(0, 0.15)
        grid = pd.DataFrame(
            {
                ph: mix.loc[c] * np.array([PHASE_PROFILE[p][PHASES.index(ph)] for p in mix.columns])
                for ph in PHASES
            },
            index=mix.columns,
        )
        grid = grid / grid.sum().sum() * expected.loc[c].sum() * ratio * jitter
        places[c] = grid
    groups = codebook.dimensions["provider_type"].groups
    targets = {p: published(i) / 100 for p, i in cfg["place_shares"].items()}
    targets["other_setting"] = 1 - sum(targets.values())
    _rake_type_shares(places, targets, groups_for_rake(groups))
    school_age_total = int(published("fig02.places_total.school_age"))
    stacked = np.concatenate([places[c][["primary", "ks3", "ks4"]].to_numpy().ravel() for c in places_las])
    ints = largest_remainder(stacked, school_age_total)
    size = len(mix.columns) * 3
    for i, c in enumerate(places_las):
        df = places[c]
        df[["primary", "ks3", "ks4"]] = ints[i * size : (i + 1) * size].reshape(len(mix.columns), 3)
        df["ks5"] = df["ks5"].round()
        places[c] = df.astype(int)

    # Providers: at least one of each type used, more in larger LAs.
    size_factor = (las.set_index("la_code")["pupils_secondary"] / las["pupils_secondary"].median()).clip(
        0.2, 4
    )
    lam = {
        "pru": 0.3,
        "ap_academy": 0.4,
        "ap_free_school": 0.05,
        "independent_registered": 2.2,
        "independent_unregistered": 3.0,
        "school_unit": 1.2,
        "special_school": 0.6,
        "fe_college": 1.3,
        "other": 0.8,
    }
    providers = pd.DataFrame(0, index=uses.index, columns=uses.columns)
    for p in uses.columns:
        extra = rng.poisson(lam[p] * size_factor.reindex(uses.index).to_numpy())
        providers[p] = np.where(uses[p], 1 + extra, 0)
    return Supply(las.set_index("la_code"), uses, providers, places, pupils, cost_las, fallback)


def run(ctx) -> None:
    """Generator block: provider types used, pupils placed, places and providers."""
    devolved = {
        c
        for c, a in ctx.answers.items()
        if str(a.get("decision_model__secondary", "")).startswith("devolved")
    }
    sup = draw(ctx.rng, ctx.las, ctx.cfg, ctx.published, ctx.settings.codebook, devolved)
    write_answers(sup, ctx.answers)
    ctx.state["supply"] = sup


def groups_for_rake(groups: dict[str, str]) -> dict[str, str]:
    """Raking groups: each state-funded type on its own, independent types together, the rest together."""
    return {p: (p if g == "state_funded" else g) for p, g in groups.items()}


def write_answers(sup: Supply, answers: dict) -> None:
    for c in sup.providers.index:
        for p, n in sup.providers.loc[c].items():
            answers[c][key("providers", p)] = int(n)
    for name, table in (("places", sup.places), ("pupils_placed", sup.pupils)):
        for c, grid in table.items():
            for p in grid.index:
                for ph in PHASES:
                    answers[c][key(name, p, ph)] = int(grid.loc[p, ph])
            for ph in PHASES:
                answers[c][key(name, "total", ph)] = int(grid[ph].sum())
