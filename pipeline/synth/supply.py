"""Supply and use of AP: provider types used, places, providers and pupils placed.

Every LA's places and pupils are its real headcount (the wave's census) x a rate per 10,000 pupils
that rises with real deprivation (pupils also with the real secondary PEx rate, and fall where
secondary decisions are devolved). Rates are then scaled, group by group, until the pipeline's
means of LA rates hit the published means, and a size exponent is fitted so the pooled totals
hit the published totals. Places are split over provider types with an LA-level state-funded
share (mostly state-funded vs a wider range of providers), raked within provider groups to the
published pooled shares, and made integers. Pupils placed are finalised by the sen block once
the SEMH models are known (:func:`finalise_pupils`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import ndtr

from ..codebook import Codebook
from . import feasibility
from .common import Published, choose, count_for_share, key, largest_remainder

PHASES = ["primary", "ks3", "ks4", "ks5"]
# Generator's phase profile of places and pupils in each provider type (primary, KS3, KS4, KS5).
PHASE_PROFILE = {
    "pru": [0.13, 0.34, 0.52, 0.01],
    "ap_academy": [0.12, 0.35, 0.52, 0.01],
    "ap_free_school": [0.14, 0.14, 0.70, 0.02],
    "independent_registered": [0.11, 0.30, 0.56, 0.03],
    "independent_unregistered": [0.09, 0.29, 0.59, 0.03],
    "school_unit": [0.60, 0.22, 0.18, 0.0],
    "special_school": [0.40, 0.28, 0.30, 0.02],
    "fe_college": [0.0, 0.04, 0.72, 0.24],
    "other": [0.15, 0.30, 0.50, 0.05],
}
# Generator's base weight of each provider type within its group, where the LA uses it.
MIX_WEIGHT = {
    "pru": 1.0,
    "ap_academy": 0.8,
    "ap_free_school": 0.35,
    "independent_registered": 1.0,
    "independent_unregistered": 1.0,
    "school_unit": 1.2,
    "special_school": 1.0,
    "fe_college": 1.0,
    "other": 0.6,
}
GROUPS = ("state_funded", "independent", "other_setting")


@dataclass
class Supply:
    las: pd.DataFrame  # la_code index; real context
    uses: pd.DataFrame  # la_code x provider type booleans
    providers: pd.DataFrame  # la_code x provider type counts (all respondents)
    places: dict[str, pd.DataFrame]  # la_code -> provider type x phase places (places LAs)
    pupils: dict[str, pd.DataFrame]  # la_code -> provider type x phase pupils (pupil LAs)
    cost_las: list[str]
    fallback_las: list[str]
    pupil_las: list[str] = field(default_factory=list)
    sen_las: list[str] = field(default_factory=list)  # answer the SEN profile
    sen_primary: list[str] = field(default_factory=list)  # ... with primary pupils
    sen_secondary: list[str] = field(default_factory=list)  # ... with secondary pupils
    ehe_las: list[str] = field(default_factory=list)  # answer EHE / not in full-time education
    wider: list[str] = field(default_factory=list)  # places LAs relying on a wider range
    one_main: list[str] = field(default_factory=list)  # one main state-funded provider
    propensity: pd.Series | None = None  # LA's latent AP use (log scale)
    mix: pd.DataFrame | None = None  # la_code x provider type weights (places mix)


# ---- rates ---------------------------------------------------------------------------------------


def shape_quantiles(z: np.ndarray, shape: dict) -> np.ndarray:
    """Rates relative to the mean, read off a piecewise-linear quantile function at the normal
    quantiles of the standardised scores ``z`` (same order of LAs, a chosen distribution shape)."""
    return np.interp(ndtr(z), shape["q"], shape["rate"])


def shape_by_rank(
    log_base: np.ndarray, size: np.ndarray, g: float, ok: np.ndarray, shape: dict
) -> np.ndarray:
    """Relative rates from the shape's quantile function, LA by LA. The top (1 - tail_from) of
    LAs by propensity tilted by size (-tail_tilt x log size) take the tail of the shape, in that
    order; the others take the body in the order of propensity tilted by -g x log size, so the
    outlying LAs are mostly small ones while the rest keep growing with LA size."""
    out = np.zeros(len(log_base))
    idx = np.flatnonzero(ok)
    tail_score = log_base[idx] - shape.get("tail_tilt", g) * size[idx]
    body_score = log_base[idx] - g * size[idx]
    q_tail = shape.get("tail_from", 1.0)
    n_tail = int(round((1 - q_tail) * len(idx)))
    order = np.argsort(-tail_score, kind="stable")
    tail, body = order[:n_tail], np.sort(order[n_tail:])
    body_rank = np.argsort(np.argsort(body_score[body], kind="stable"), kind="stable")
    q = np.empty(len(idx))
    q[body] = (body_rank + 0.5) / len(body) * q_tail
    q[tail[::-1]] = q_tail + (np.arange(n_tail) + 0.5) / max(n_tail, 1) * (1 - q_tail)
    out[idx] = np.interp(q, shape["q"], shape["rate"])
    return out


def fit_rates(
    base: np.ndarray,
    pupils: np.ndarray,
    overall_mean: float,
    total: float,
    groups: np.ndarray | None = None,
    group_means: dict | None = None,
    shape: dict | None = None,
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
    post=None,
    rebound: bool = False,
) -> np.ndarray:
    """LA rates per 10,000: the mean over LAs (with pupils) is ``overall_mean``, each named group's
    mean is its target, the rest make up the overall mean, and sum(rate x pupils) / 10,000 equals
    ``total``. The base propensities are tilted by (pupils / median) ** -g, g found by bisection.
    With ``shape`` the tilted scores are mapped (by their normal quantiles) onto the shape's
    quantile function, so the spread across LAs has the chosen form whatever the base's.
    ``bounds`` (low, high per LA) are enforced before the final scaling by a few clip-and-rescale
    rounds, for rates that must stay within a ratio of another of the LA's values; with
    ``rebound`` they are re-imposed (with ``post``, group means kept) after the last tilt too."""
    ok = pupils > 0
    groups = np.full(len(base), None, dtype=object) if groups is None else groups
    group_means = group_means or {}
    med = np.median(pupils[ok])
    size = np.log(np.where(ok, pupils, med) / med)

    def scale(r: np.ndarray) -> np.ndarray:
        named = np.zeros(len(r), dtype=bool)
        sum_named = 0.0
        for name, target in group_means.items():
            m = ok & (groups == name)
            if m.any():
                r[m] *= target / r[m].mean()
                named |= m
                sum_named += target * m.sum()
        rest = ok & ~named
        rest_mean = (overall_mean * ok.sum() - sum_named) / rest.sum()
        r[rest] *= rest_mean / r[rest].mean()
        return r

    def rates(g: float) -> np.ndarray:
        if shape:  # LAs ordered by propensity tilted by size, mapped onto the chosen shape
            r = np.where(ok, shape_by_rank(np.log(base), size, g, ok, shape), 0.0)
        else:
            r = np.where(ok, base * np.exp(-g * np.clip(size, -1.4, 1.4)), 0.0)
        r = scale(r)
        if bounds is not None:
            for _ in range(8):
                r = scale(np.where(ok, np.clip(r, bounds[0], bounds[1]), 0.0))
        if post is not None:
            r = post(r, ok, groups)
        return r

    lo, hi = (-3.0, 6.0) if shape else (-1.5, 2.5)
    for _ in range(60):
        mid = (lo + hi) / 2
        pooled = (rates(mid) * pupils).sum() / 10_000
        lo, hi = (mid, hi) if pooled > total else (lo, mid)
    r = rates((lo + hi) / 2)
    # The tilt leaves a gap to the pooled total: close it with a mean-keeping tilt, re-impose the
    # bounds and rescale the means, a few rounds (means exact, pooled within a fraction).
    for _ in range(6):
        r = fix_pooled(r, pupils, total, ok, groups)
        if bounds is not None:
            r = np.where(ok, np.clip(r, bounds[0], bounds[1]), 0.0)
        r = scale(r)
        if post is not None:
            r = post(r, ok, groups)
    if post is not None:  # the outlier limit moved pupils: close the pooled gap on the other LAs
        # (bounds re-imposed after each tilt: the tilt may cross one)
        for _ in range(4 if bounds is not None and rebound else 1):
            free = ok & (r < 0.9 * r[ok].max()) & (r < np.median(r[ok]) * 1.3)
            r = fix_pooled(r, pupils, total, free, groups)
            if bounds is not None and rebound:
                r = _keep_group_sums(
                    r, post(np.where(ok, np.clip(r, *bounds), 0.0), ok, groups), ok, free, groups
                )
    return r


def _keep_group_sums(
    before: np.ndarray, after: np.ndarray, ok: np.ndarray, free: np.ndarray, groups: np.ndarray
) -> np.ndarray:
    """Give back to each group's free LAs (in proportion to their rates) what clipping took from
    the group, so every group's mean of rates is kept."""
    out = after.copy()
    for g in sorted({groups[i] for i in np.flatnonzero(ok)}, key=str):
        m = ok & np.array([x == g for x in groups])
        f = m & free
        if f.any() and out[f].sum() > 0:
            out[f] *= 1 + (before[m].sum() - out[m].sum()) / out[f].sum()
    return out


def fix_pooled(
    r: np.ndarray, pupils: np.ndarray, total: float, ok: np.ndarray, groups: np.ndarray
) -> np.ndarray:
    """Close what the size tilt left of the gap to the pooled total: r x (1 + d x (mean log size
    - log size)) within each group (rate-weighted mean, so every group's mean of rates is kept),
    d solved exactly and kept small enough that no rate falls below a fifth of itself."""
    r = r.copy()
    logs = np.log(np.where(ok, pupils, 1.0))
    c = np.zeros(len(r))
    for g in sorted({groups[i] for i in np.flatnonzero(ok)}, key=str):
        m = ok & np.array([x == g for x in groups])
        if r[m].sum() > 0:
            c[m] = (r[m] * logs[m]).sum() / r[m].sum() - logs[m]
    slope = (r * c * pupils).sum() / 10_000
    gap = total - (r * pupils).sum() / 10_000
    if slope == 0 or gap == 0:
        return r
    d = gap / slope
    limit = 0.8 / max(np.abs(c[ok]).max(), 1e-9)
    return r * (1 + np.clip(d, -limit, limit) * c)


def limit_outliers(
    r: np.ndarray,
    ok: np.ndarray,
    groups: np.ndarray,
    threshold: float,
    max_count: int,
    cap: float,
    pupils: np.ndarray,
) -> np.ndarray:
    """At most ``max_count`` LAs above ``threshold``, every group's mean kept: the rates above it
    beyond the ``max_count`` with most pupils placed stay a little below it (room for integer
    rounding) and the excess goes to the group's kept outliers (up to ``cap``), then to its
    other LAs (up to the same level below the threshold)."""
    r = r.copy()
    below = threshold * 0.96
    over = np.flatnonzero(ok & (r > below))
    if len(over) <= max_count:
        return r
    # kept outliers: first in the groups with the highest mean rate (they need them), then highest rate
    group_mean = {g: r[ok & np.array([x == g for x in groups])].mean() for g in {groups[i] for i in over}}
    order = np.lexsort((-r[over], -np.array([group_mean[groups[i]] for i in over])))
    keep = set(over[order][:max_count].tolist())
    for g in sorted({groups[i] for i in over}, key=str):
        members = np.flatnonzero(ok & np.array([x == g for x in groups]))
        cut = [i for i in members if r[i] > below and i not in keep]
        excess = float(sum(r[i] - below for i in cut))
        r[cut] = below
        for pool, top in (
            ([i for i in members if i in keep], cap),
            ([i for i in members if r[i] < below], below),
        ):
            room = np.array([max(top - r[i], 0.0) for i in pool])
            if excess <= 0 or room.sum() <= 0:
                continue
            give = room * min(1.0, excess / room.sum())
            r[pool] += give
            excess -= give.sum()
    return r


def rural_count_wider(n_wider: int, n_mostly: int, n_rural: int, share: float, level: float) -> int:
    """Rural LAs among the wider-range group: nearest to ``share`` % of the group among the counts
    whose difference from the mostly-state-funded group is significant (two-sided Fisher's exact
    test at ``level``, wider group more rural)."""
    from scipy.stats import fisher_exact

    ok = []
    for k in range(max(0, n_rural - n_mostly), min(n_wider, n_rural) + 1):
        rest = n_rural - k
        p = fisher_exact([[k, n_wider - k], [rest, n_mostly - rest]]).pvalue
        if k / n_wider > rest / n_mostly and p < level:
            ok.append(k)
    if not ok:
        raise ValueError("no rural count gives a significant difference between the Figure 4 groups")
    return min(ok, key=lambda k: (abs(100 * k / n_wider - share), k))


def _force_integers(x: np.ndarray, total: int, minimum: np.ndarray | None = None) -> np.ndarray:
    """Largest-remainder integers summing to total, at least ``minimum`` where given."""
    m = np.zeros(len(x), dtype=int) if minimum is None else minimum.astype(int)
    return m + largest_remainder(np.clip(x - m, 0, None), total - int(m.sum()))


# ---- who answers ----------------------------------------------------------------------------------


def _sets(rng, las: pd.DataFrame, cfg: dict, published: Published, answers: dict):
    codes = list(las["la_code"])
    bases, ab = cfg["bases"], cfg["area_a_bases"]
    n_places = int(published(bases["places"]))
    n_costs = int(published(bases["costs"]))
    n_pupils = int(published(bases["pupils_placed"]))
    n_fallback = int(cfg["cost_las_without_places"])
    # LAs leaving the places grid blank lean rural (generator choice: the rural shares of the
    # Figure 4 groups, line 517, need as few rural LAs among the places LAs as possible).
    rural = las["rural"].to_numpy().astype(float)
    places_las = choose(rng, codes, n_places, score=-cfg["places"]["non_response_rural_lean"] * rural)
    no_places = [c for c in codes if c not in set(places_las)]
    fallback = choose(rng, no_places, n_fallback)
    cost_las = sorted(choose(rng, places_las, n_costs - n_fallback) + fallback)
    no_semh = np.array([answers[c].get(key("semh_provision")) == "no" for c in codes])
    pupil_las = choose(rng, codes, n_pupils, score=3.0 * no_semh)
    both = [c for c in places_las if c in set(pupil_las)]
    # SEN profile: LAs answering places and pupils; some LAs without SEMH provision among them.
    semh_no = np.array([answers[c].get(key("semh_provision")) == "no" for c in both])
    size = np.log(las.set_index("la_code").loc[both, "pupils_primary"].to_numpy() + 1.0)
    sen_las = choose(rng, both, int(published(ab["sen_profile"])), score=1.5 * semh_no + 0.8 * size)
    sub = las.set_index("la_code").loc[sen_las]
    sen_primary = choose(
        rng, sen_las, int(published(ab["sen_profile_primary"])), score=np.log(sub["pupils_primary"] + 1.0)
    )
    sen_secondary = choose(rng, sen_las, int(published(ab["sen_profile_secondary"])))
    ehe_las = choose(rng, codes, int(published(ab["ehe"])))
    return places_las, cost_las, fallback, pupil_las, sen_las, sen_primary, sen_secondary, ehe_las


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
    uses["pru"] = las["has_pru"].to_numpy()
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
        extra = cfg["non_cost_use"][ptype]
        uses.loc[[c for c in non_cost if rng.random() < extra], ptype] = True
    uses["independent_unregistered"] = rng.random(len(codes)) < 0.5
    uses["other"] = rng.random(len(codes)) < cfg["other_use"]
    return uses


# ---- places ---------------------------------------------------------------------------------------


def _phase_totals(published: Published, pc: dict) -> tuple[int, int, int]:
    """Integer primary, secondary and KS5 place totals whose pooled shares round to the published
    ones, with primary + secondary equal to the published school-age total."""
    school_age = int(published(pc["total_school_age"]))
    sp, ss, s5 = (published(pc[k]) for k in ("share_primary", "share_secondary", "share_ks5"))
    best = None
    for k5 in range(0, school_age // 10):
        t = school_age + k5
        if round(100 * k5 / t) != s5 and not abs(100 * k5 / t - s5) < 0.5:
            continue
        ps = [p for p in range(school_age + 1) if abs(100 * p / t - sp) < 0.5]
        ps = [p for p in ps if abs(100 * (school_age - p) / t - ss) < 0.5]
        if ps and (best is None or len(ps) > best[1]):
            best = (k5, len(ps), ps[len(ps) // 2])
    if best is None:
        raise ValueError("no integer place totals reproduce the published phase shares")
    k5, _, p = best
    return p, school_age - p, k5


def _places(
    rng, sup: Supply, places_las: list[str], answers: dict, cfg: dict, published: Published, codebook
):
    pc = cfg["places"]
    las = sup.las.loc[places_las]
    n = len(places_las)
    devolved = np.array([answers[c][key("decision_model", "secondary")] != "centralised" for c in places_las])
    semh = np.array([answers[c][key("semh_provision")] for c in places_las], dtype=object)
    prop = sup.propensity.loc[places_las].to_numpy()
    if pc.get("real_school_slope"):  # places lean on the LA's real AP school headcount per pupil
        zs = pd.Series(real_school_z(sup.las), index=sup.las.index).loc[places_las].to_numpy()
        prop = prop + pc["real_school_slope"] * zs
    p_total, s_total, k5_total = _phase_totals(published, pc)

    out = {}
    for phase, col, subset in (
        ("primary", "pupils_primary", set(sup.sen_primary)),
        ("secondary", "pupils_secondary", set(sup.sen_secondary)),
    ):
        noise = rng.normal(size=n)
        base = np.exp(prop + 0.5 * pc["spread"] * noise + pc["devolved_effect"] * devolved)
        groups = np.array([semh[i] if c in subset else None for i, c in enumerate(places_las)], dtype=object)
        targets = {g: published(i) for g, i in pc[f"fig14_{phase}"].items()}
        rate = fit_rates(
            base,
            las[col].to_numpy(),
            published(pc[f"rate_{phase}"]) + pc["rounding_allowance"][phase],
            p_total if phase == "primary" else s_total,
            groups,
            targets,
            pc["shape"][phase],
        )
        if phase == "secondary" and pc.get("rank_search"):
            mean = published(pc["rate_secondary"]) + pc["rounding_allowance"]["secondary"]
            rate = rank_rates(
                rate,
                las,
                out["primary"],
                groups,
                targets,
                mean,
                s_total,
                published,
                pc["rank_search"],
                devolved,
            )
        out[phase] = rate * las[col].to_numpy() / 10_000
    ks3_share = np.clip(rng.normal(*pc["ks3_share"], n), 0.25, 0.55)
    totals = pd.DataFrame(
        {
            "primary": out["primary"],
            "ks3": out["secondary"] * ks3_share,
            "ks4": out["secondary"] * (1 - ks3_share),
            "ks5": out["secondary"] * rng.gamma(2.0, 0.5, n),
        },
        index=places_las,
    )
    totals["ks5"] *= k5_total / totals["ks5"].sum()

    # LA state-funded share of places: a wider range of providers in some (rural, devolved) LAs.
    n_mostly = count_for_share(n, published(pc["mostly_state_share"]))
    small = -np.log(las["pupils_secondary"].to_numpy() / las["pupils_secondary"].median())
    score = 1.2 * las["rural"].to_numpy().astype(float) + pc["wider_devolved_lean"] * devolved + 2.0 * small
    # Rural LAs among the wider-range group: the count nearest the published share that keeps
    # the report's 'only significant difference' (line 517) with the rest (Fisher's exact test).
    rural = las["rural"].to_numpy()
    k_rural = rural_count_wider(
        n - n_mostly, n_mostly, int(rural.sum()), published(pc["rural_share_wider"]), pc["rural_p_level"]
    )
    idx = np.arange(n)
    pick = choose(rng, [places_las[i] for i in idx[rural]], k_rural, score=score[rural])
    pick += choose(rng, [places_las[i] for i in idx[~rural]], n - n_mostly - k_rural, score=score[~rural])
    wider = [c for c in places_las if c in set(pick)]
    for c in wider:
        sup.uses.loc[c, "independent_unregistered"] = True
        if c not in set(sup.cost_las):
            sup.uses.loc[c, "independent_registered"] = True
    sup.wider = wider
    is_wider = np.isin(places_las, wider)
    if pc.get("academy_for_excess"):  # a PRU-only LA with places far beyond its real AP schools
        # also uses an AP academy (capacity beyond the PRU), so its PRU places can follow the PRU
        ratio = totals.sum(axis=1) / las["ap_school_headcount"].where(las["ap_school_headcount"] > 0)
        u = sup.uses.loc[places_las]
        pru_only = u["pru"] & ~u["ap_academy"] & ~u["ap_free_school"]
        high = ratio > pc["academy_for_excess"] * ratio[u["pru"]].median()
        sup.uses.loc[[c for c in places_las if pru_only[c] and high[c]], "ap_academy"] = True
    uses = sup.uses.loc[places_las]
    ptypes = list(uses.columns)
    group_of = codebook.dimensions["provider_type"].groups
    has = {g: uses[[p for p in ptypes if group_of[p] == g]].any(axis=1).to_numpy() for g in GROUPS}
    la_size = totals.sum(axis=1).to_numpy()

    # Wider range: independent share mostly between the published 'typical' bounds, a few near all.
    lo_t, hi_t = (published(i) / 100 for i in pc["wider_typical_independent"])
    m = int(is_wider.sum())
    indep = rng.uniform(lo_t + 0.03, hi_t - 0.04, m)
    indep[: max(1, m // 9)] = rng.uniform(0.93, 0.99, max(1, m // 9))
    other = np.where(has["other_setting"][is_wider], rng.uniform(0.0, 0.1, m), 0.0)
    target_state = published(pc["wider_mean_state_share"]) / 100
    indep = np.clip(indep + (1 - target_state - other).mean() - indep.mean(), 0.0, 1 - other)
    state_w = 1 - indep - other

    # Mostly state-funded: state share between the floor and 1, tilted to hit the pooled share.
    state_pooled = published(pc["state_share"]) / 100
    z = rng.beta(1.5, 1.5, n - m)
    floor = pc["mostly_min_state"]
    mostly_size = la_size[~is_wider]
    non_state_ok = (has["independent"] | has["other_setting"])[~is_wider]
    lo_a, hi_a = 0.01, 50.0
    for _ in range(60):
        a = np.sqrt(lo_a * hi_a)
        s = np.where(non_state_ok, floor + (1 - floor) * z**a, 1.0)
        pooled = ((s * mostly_size).sum() + (state_w * la_size[is_wider]).sum()) / la_size.sum()
        lo_a, hi_a = (a, hi_a) if pooled > state_pooled else (lo_a, a)
    state_m = np.where(non_state_ok, floor + (1 - floor) * z**a, 1.0)
    # Split the non-state rest of mostly-state LAs between independent and other settings.
    indep_pooled = published(pc["independent_share"]) / 100
    hi_i = has["independent"][~is_wider]
    hi_o = has["other_setting"][~is_wider]
    lo_l, hi_l = 1e-3, 1e3
    for _ in range(60):
        lam = np.sqrt(lo_l * hi_l)
        fi = np.where(hi_i & hi_o, lam / (1 + lam), np.where(hi_i, 1.0, 0.0))
        pooled = (
            ((1 - state_m) * fi * mostly_size).sum() + (indep * la_size[is_wider]).sum()
        ) / la_size.sum()
        lo_l, hi_l = (lam, hi_l) if pooled < indep_pooled else (lo_l, lam)
    shares = np.zeros((n, 3))
    shares[is_wider] = np.column_stack([state_w, indep, other])
    shares[~is_wider] = np.column_stack([state_m, (1 - state_m) * fi, (1 - state_m) * (1 - fi)])
    shares = pd.DataFrame(shares, index=places_las, columns=list(GROUPS))

    # Within-group type weights, raked so pooled type shares within state-funded hit the targets.
    w = pd.DataFrame({p: MIX_WEIGHT[p] * rng.lognormal(0, 0.5, n) for p in ptypes}, index=places_las)
    w["pru"] = MIX_WEIGHT["pru"] * pru_weight(las) ** pc["pru_weight_power"] * rng.lognormal(0, 0.15, n)
    w = w.where(uses, 0.0)
    if pc.get("pru_anchor"):
        w["pru"] = pru_anchor_weight(w, uses, totals, shares, las, published(pc["type_shares"]["pru"]) / 100)
    type_targets = {p: published(i) / 100 for p, i in pc["type_shares"].items()}
    prof = pd.DataFrame(PHASE_PROFILE, index=PHASES).T
    for _ in range(40):
        cells = _place_cells(totals, shares, w, prof, group_of)
        grand = sum(df.to_numpy().sum() for df in cells.values())
        for p, t in type_targets.items():
            cur = sum(df.loc[p].sum() for df in cells.values()) / grand
            if cur > 0:
                w[p] *= t / cur
    sup.mix = w
    cells = _place_cells(totals, shares, w, prof, group_of)

    # Integers: exact phase totals, then keep each LA on its side of the state-funded threshold.
    targets = {"primary": p_total, "ks5": k5_total}
    sec = np.concatenate([cells[c][["ks3", "ks4"]].to_numpy().ravel() for c in places_las])
    sec_int = largest_remainder(sec, s_total)
    k = len(ptypes)
    places = {}
    for ph in ("primary", "ks5"):
        stacked = np.concatenate([cells[c][ph].to_numpy() for c in places_las])
        ints = largest_remainder(stacked, targets[ph])
        for i, c in enumerate(places_las):
            places.setdefault(c, pd.DataFrame(0, index=ptypes, columns=PHASES))
            places[c][ph] = ints[i * k : (i + 1) * k]
    for i, c in enumerate(places_las):
        places[c][["ks3", "ks4"]] = sec_int[i * 2 * k : (i + 1) * 2 * k].reshape(k, 2)
        places[c] = places[c].astype(int)
    _keep_classes(places, wider, group_of, floor)
    shares_wanted = {p: published(i) / 100 for p, i in pc["type_shares"].items()}
    shares_wanted["independent"] = published(pc["independent_share"]) / 100
    shares_wanted["other_setting"] = 1 - sum(shares_wanted.values())
    _nudge_pooled_shares(places, shares_wanted, wider, group_of, floor)
    return places


def rank_rates(
    rate: np.ndarray,
    las: pd.DataFrame,
    other_places: np.ndarray,
    groups: np.ndarray,
    group_means: dict,
    mean: float,
    total: float,
    published: Published,
    rs: dict,
    devolved: np.ndarray,
) -> np.ndarray:
    """Secondary place rates moved (from the fitted ones) so that total places rise with the LA's
    pupil headcount as far as the report's statements allow: the mean of LA rates, the Figure 14
    group means, the pooled total, the modal band and 'a small number' above the outlier
    threshold all kept (with margins for integer places), each LA's rate inside an envelope of
    its real AP (at most ``ap_multiple`` x its real AP pupils, ``devolved_ap_multiple`` x where
    secondary decisions are devolved, at least ``school_share`` x its real AP school roll and
    ``ap_floor`` x its real AP pupils, per 10,000 secondary pupils). The search is
    ``feasibility.search`` with a fixed seed; the fitted rates are its start. Why: the size tilt
    alone leaves large LAs with fewer places than small ones (rank correlation about 0.3, issue
    9.1)."""
    heads = las["pupils_secondary"].to_numpy(dtype=float)
    t = pd.DataFrame(
        {
            "pupils_secondary": heads,
            "real_pru_headcount": las["ap_school_headcount"].to_numpy(dtype=float),
            "real_ap_pupils": real_ap_pupils(las).to_numpy(dtype=float),
        }
    )
    lo, hi = feasibility.bounds(
        t, feasibility.Envelope(rs.get("ceiling"), rs["ap_multiple"], rs["school_share"], rs.get("ap_floor"))
    )
    if rs.get("devolved_ap_multiple"):  # devolved LAs use less AP (report line 1457): fewer places
        _, cap = feasibility.bounds(t, feasibility.Envelope(None, rs["devolved_ap_multiple"], None))
        hi = np.where(devolved, np.minimum(hi, cap), hi)
        lo = np.minimum(lo, hi)
    s = feasibility.Statements(
        mean=mean,
        total=total,
        band=published(rs["band"]),
        threshold=published(rs["threshold"]),
        max_over=int(np.floor(rs["small_number"] * int((heads > 0).sum()))),
        groups=tuple(groups),
        group_means=tuple(group_means.items()),
        mean_tol=rs["mean_tolerance"],
        total_tol=rs["total_tolerance"],
        band_margin=rs["band_margin"],
        band_edge=rs.get("band_edge", 0.0),
        threshold_margin=rs["threshold_margin"],
    )
    headcount = las["pupils_primary"].to_numpy(dtype=float) + heads
    head_rank = pd.Series(headcount).rank().to_numpy()
    best, r = feasibility.search(
        heads, head_rank, other_places, s, lo, hi, rate, int(rs["iterations"]), int(rs["seed"])
    )
    if np.isnan(best):
        raise ValueError("places.rank_search: no profile met the statements; loosen its envelope or margins")
    return r


def _place_cells(totals, shares, w, prof, group_of) -> dict[str, pd.DataFrame]:
    """Float places per LA: phase total x group share x within-group type weight x phase profile
    (array form: LA x type x phase; a group the LA does not use in a phase passes its share on)."""
    types = list(w.columns)
    gidx = np.array([GROUPS.index(group_of[p]) if group_of[p] in GROUPS else -1 for p in types])
    tw = w.to_numpy(dtype=float)[:, :, None] * prof.loc[types].to_numpy(dtype=float)[None, :, :]
    gsum = np.zeros((len(w), len(GROUPS), len(PHASES)))
    for j in range(len(types)):  # type by type, in column order (the sums' order of old)
        if gidx[j] >= 0:
            gsum[:, gidx[j], :] += tw[:, j, :]
    avail = np.where(gsum > 0, shares.loc[w.index, list(GROUPS)].to_numpy(dtype=float)[:, :, None], 0.0)
    norm = np.zeros((len(w), len(PHASES)))
    for g in range(len(GROUPS)):
        norm = norm + avail[:, g, :]
    tot = totals.loc[w.index, PHASES].to_numpy(dtype=float)
    grid = np.zeros_like(tw)
    for j in range(len(types)):
        g = gidx[j]
        if g < 0:
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            v = tot * avail[:, g, :] / norm * tw[:, j, :] / gsum[:, g, :]
        grid[:, j, :] = np.where((avail[:, g, :] > 0) & (norm > 0) & (tw[:, j, :] > 0), v, 0.0)
    return {c: pd.DataFrame(grid[i], index=types, columns=PHASES) for i, c in enumerate(w.index)}


def _nudge_pooled_shares(
    places: dict,
    wanted: dict[str, float],
    wider: list[str],
    group_of: dict,
    floor: float,
    tol: float = 0.0005,
) -> None:
    """Move single places within an LA and phase until the pooled shares sit on their targets.

    Integer rounding and class-keeping leave pooled shares a little off; this moves places from
    the most over-represented provider type (or group) to the most under-represented one, in
    mostly-state-funded LAs only and never across the state-funded threshold.
    """
    codes = [c for c in places if c not in set(wider)]
    if not codes:
        return
    types = list(places[codes[0]].index)
    cube = np.stack([places[c].loc[types].to_numpy() for c in codes]).astype(int)  # LA x type x phase
    others = sum(places[c].to_numpy().sum() for c in places if c in set(wider))
    member = {k: np.array([p == k or group_of[p] == k for p in types]) for k in wanted}
    is_state = np.array([group_of[p] == "state_funded" for p in types])
    others_by = {
        k: sum(places[c].loc[member[k]].to_numpy().sum() for c in places if c in set(wider)) for k in wanted
    }
    for _ in range(5000):
        total = cube.sum() + others
        gaps = {k: (cube[:, m, :].sum() + others_by[k]) / total - wanted[k] for k, m in member.items()}
        if max(abs(g) for g in gaps.values()) < tol:
            break
        pairs = sorted(
            ((o, u) for o in gaps for u in gaps if gaps[o] > 0 > gaps[u]),
            key=lambda ou: gaps[ou[1]] - gaps[ou[0]],
        )
        if not any(_move_one(cube, member[o], member[u], is_state, floor) for o, u in pairs):
            break
    for j, c in enumerate(codes):
        places[c].loc[types] = cube[j]


def _move_one(
    cube: np.ndarray, over: np.ndarray, under: np.ndarray, is_state: np.ndarray, floor: float
) -> bool:
    """Move one place from an 'over' type to an 'under' type the same LA uses, in the same phase,
    choosing the largest source cell; False when no LA allows it without leaving its class."""
    src = np.where(over[None, :, None], cube, -1)
    dst_ok = (cube[:, under, :].sum(axis=2) > 0).any(axis=1)
    tot = cube.sum(axis=(1, 2))
    delta = int(is_state[under].any() and not is_state[over].any()) - int(
        is_state[over].any() and not is_state[under].any()
    )
    share_after = (cube[:, is_state, :].sum(axis=(1, 2)) + delta) / np.maximum(tot, 1)
    best = src.reshape(len(cube), -1).max(axis=1)
    best[~(dst_ok & (share_after >= floor))] = 0
    i = int(np.argmax(best))
    if best[i] <= 0:
        return False
    t, ph = np.unravel_index(int(np.argmax(src[i])), src[i].shape)
    under_idx = np.flatnonzero(under)
    d = under_idx[int(np.argmax(cube[i, under_idx, ph]))]
    cube[i, t, ph] -= 1
    cube[i, d, ph] += 1
    return True


def _keep_classes(places: dict, wider: list[str], group_of: dict, floor: float) -> None:
    """Move single places between a LA's own cells so integer rounding never flips its class."""
    state = [p for p, g in group_of.items() if g == "state_funded"]
    for c, df in places.items():
        for _ in range(50):
            tot = df.to_numpy().sum()
            st = df.loc[state].to_numpy().sum()
            share = st / tot if tot else 1.0
            need_up = c not in wider and share < floor - 0.04
            need_down = c in wider and share >= 0.7
            if not (need_up or need_down):
                break
            src_rows = [p for p in df.index if (p not in state) == need_up]
            dst_rows = [p for p in df.index if (p in state) == need_up]
            src = df.loc[src_rows].stack()
            src = src[src > 0]
            if src.empty:
                break
            (sp, ph) = src.idxmax()
            dst = df.loc[dst_rows, ph]
            dp = dst.idxmax()
            df.loc[sp, ph] -= 1
            df.loc[dp, ph] += 1


# ---- providers ------------------------------------------------------------------------------------


def _providers(rng, sup: Supply, cfg: dict, published: Published, codebook) -> pd.DataFrame:
    pc = cfg["providers"]
    uses = sup.uses
    codes = list(uses.index)
    group_of = codebook.dimensions["provider_type"].groups
    state = [p for p in uses.columns if group_of[p] == "state_funded"]
    total = int(published(pc["total"]))
    targets = {p: round(published(i) / 100 * total) for p, i in pc["type_shares"].items()}
    targets["state_funded"] = round(published(pc["state_share"]) / 100 * total)
    targets["other"] = total - sum(targets.values())
    size = (
        (sup.las.loc[codes, "pupils_secondary"] / sup.las["pupils_secondary"].median())
        .clip(0.2, 4)
        .to_numpy()
    )
    prov = pd.DataFrame(0, index=codes, columns=uses.columns)

    # 'One main provider': mostly state-funded LAs with at most two state-funded providers.
    mostly = [c for c in sup.places if c not in set(sup.wider)]
    n_one = count_for_share(len(sup.places), published(cfg["places"]["one_main_provider_share"]))
    n_state_types = uses.loc[mostly, state].sum(axis=1)
    cand = [c for c in mostly if n_state_types[c] <= 2]
    sup.one_main = choose(rng, cand, n_one, score=-np.log(sup.las.loc[cand, "pupils_secondary"].to_numpy()))
    one = set(sup.one_main)
    # Single-provider LAs (for Figure 11's first band): one-main LAs using one type only.
    singles = [c for c in sup.one_main if uses.loc[c].sum() == 1][: int(pc["single_provider_las"])]
    # State-funded providers: one per type used; more in LAs other than one-main, >= 3 in mostly.
    base_state = uses[state].astype(int)
    for c in mostly:
        if c not in one:
            short = 3 - base_state.loc[c].sum()
            if short > 0:
                t = "pru" if uses.loc[c, "pru"] else "ap_academy"
                base_state.loc[c, t] += short
    extra_state = targets["state_funded"] - int(base_state.to_numpy().sum())
    eligible = np.array([c not in one for c in codes])
    wts = np.where(eligible, size * rng.lognormal(0, 0.5, len(codes)), 0.0)
    add = largest_remainder(wts, max(extra_state, 0))
    for i, c in enumerate(codes):
        if add[i]:
            used = [p for p in state if uses.loc[c, p]]
            split = largest_remainder(np.array([MIX_WEIGHT[p] for p in used]), int(add[i]))
            for p, a in zip(used, split, strict=True):
                base_state.loc[c, p] += a
    prov[state] = base_state
    for p in [p for p in uses.columns if p not in state]:
        users = uses[p].to_numpy()
        extra = targets[p] - int(users.sum())
        w = np.where(users & ~np.isin(codes, singles), size * rng.lognormal(0, 0.6, len(codes)), 0.0)
        prov[p] = users.astype(int) + largest_remainder(w, max(extra, 0))
    return prov


# ---- pupils placed --------------------------------------------------------------------------------


def pupil_targets(published: Published, pc: dict) -> dict:
    """Integer pooled pupil counts by phase and provider group that round to the published shares."""
    total = int(published(pc["total"]))
    sec = round(published(pc["share_secondary"]) / 100 * total)
    k5 = round(published(pc["share_ks5"]) / 100 * total)
    if round(100 * k5 / total) != published(pc["share_ks5"]):
        k5 += 1
    ks3 = int(round(pc["ks3_share"] * sec / 200.0)) * 200
    counts = {"primary": total - sec - k5, "ks3": ks3, "ks4": sec - ks3, "ks5": k5}
    groups = {}
    for ph, ids in pc["group_shares"].items():
        s, i = published(ids["state_funded"]) / 100, published(ids["independent"]) / 100
        if s + i > 1:  # published shares add to 101: the lowest values that still round up
            s, i = s - 0.005, i - 0.005
        n = counts[ph]
        ns, ni = round(s * n), round(i * n)
        groups[ph] = {"state_funded": ns, "independent": ni, "other_setting": n - ns - ni}
    return {"phase": counts, "group": groups}


def finalise_pupils(rng, sup: Supply, answers: dict, models: dict, cfg: dict, published: Published, codebook):
    """Pupils placed by LA x provider type x phase, once the SEMH models are known."""
    pc = cfg["pupils"]
    codes = sup.pupil_las
    las = sup.las.loc[codes]
    n = len(codes)
    devolved = np.array([answers[c][key("decision_model", "secondary")] != "centralised" for c in codes])
    pex = las["pex_rate_secondary"]
    pex_z = ((pex - pex.mean()) / pex.std()).fillna(0.0).to_numpy()
    prop = sup.propensity.loc[codes].to_numpy()
    tg = pupil_targets(published, pc)
    bounds = _pupil_bounds(sup, codes, las, pc)
    common = rng.normal(size=n)
    own = {ph: rng.normal(size=n) for ph in ("primary", "secondary")}
    follow = float(pc.get("primary_follows_secondary", 0.0))
    rates = {}
    for phase, col in (("secondary", "pupils_secondary"), ("primary", "pupils_primary")):
        base = np.exp(
            prop
            + pc["spread"] * (0.6 * common + 0.8 * own[phase])
            + pc["pex_slope"] * pex_z
            + pc["devolved_effect"] * devolved
        )
        if phase == "primary" and follow:  # an LA's primary rate follows its secondary rate
            # (its log relative to the mean, on the propensity's scale: 3 x a standardised log)
            sec_ok = rates["secondary"] > 0
            rel = np.where(sec_ok, rates["secondary"] / rates["secondary"][sec_ok].mean(), 1.0)
            base = base ** (1 - follow) * np.exp(follow * 3.0 * np.log(np.maximum(rel, 1e-3)))
        if phase == "secondary":
            groups = np.array([models.get(c) for c in codes], dtype=object)
            gm = {g: published(i) for g, i in pc["semh_groups"].items()}
            total = tg["phase"]["ks3"] + tg["phase"]["ks4"]
        else:
            groups, gm, total = None, None, tg["phase"]["primary"]
        heads = las[col].to_numpy()
        post = None
        if phase == "secondary":
            so = pc["secondary_outliers"]
            max_over = int(np.floor(so["max_share"] * int((heads > 0).sum())))
            thr = published(so["threshold"])

            def post(r, ok, g, thr=thr, max_over=max_over, heads=heads):
                return limit_outliers(r, ok, g, thr, max_over, pc["max_secondary_per_10k"], heads)

        rates[phase] = fit_rates(
            base,
            heads,
            published(pc[f"rate_{phase}"]) + pc["rounding_allowance"][phase],
            total,
            groups,
            gm,
            pc["shape"][phase],
            bounds[phase],
            post,
            bool(pc.get("bounds_after_tilt", False)),
        )
    prim = rates["primary"] * las["pupils_primary"].to_numpy() / 10_000
    sec = rates["secondary"] * las["pupils_secondary"].to_numpy() / 10_000
    ks3_share = np.clip(rng.normal(pc["ks3_share"], 0.04, n), 0.2, 0.55)
    need = np.isin(codes, sup.sen_primary).astype(int)
    phase_tot = {
        "primary": _force_integers(prim, tg["phase"]["primary"], need),
        "ks3": _force_integers(sec * ks3_share, tg["phase"]["ks3"], np.isin(codes, sup.sen_secondary)),
        "ks4": _force_integers(sec * (1 - ks3_share), tg["phase"]["ks4"]),
        "ks5": largest_remainder(sec * rng.gamma(1.5, 1.0, n), tg["phase"]["ks5"]),
    }
    # Group mix per LA: follows the LA's place mix where it has one, otherwise a draw.
    group_of = codebook.dimensions["provider_type"].groups
    ptypes = list(sup.uses.columns)
    mix = pd.DataFrame(
        {p: MIX_WEIGHT[p] * rng.lognormal(0, 0.5, len(sup.uses)) for p in ptypes}, index=sup.uses.index
    )
    if sup.mix is not None:
        mix.loc[sup.mix.index] = sup.mix.to_numpy()
    mix = mix.where(sup.uses, 0.0).loc[codes]
    prof = pd.DataFrame(PHASE_PROFILE, index=PHASES).T
    pupils = {c: pd.DataFrame(0, index=ptypes, columns=PHASES) for c in codes}
    for ph in PHASES:
        tw = mix * prof[ph]
        if ph == "ks5":  # post-16 pupils in other settings are in FE
            tw.loc[:, [p for p in ptypes if group_of[p] == "other_setting" and p != "fe_college"]] = 0.0
        gw = pd.DataFrame({g: tw[[p for p in ptypes if group_of[p] == g]].sum(axis=1) for g in GROUPS})
        # Rake group weights so pooled group counts approach the targets, keeping LA phase totals.
        tot = phase_tot[ph].astype(float)
        f = {g: 1.0 for g in GROUPS}
        for _ in range(50):
            gs = gw.mul(pd.Series(f))
            gs = gs.div(gs.sum(axis=1).replace(0, 1), axis=0).mul(tot, axis=0)
            for g in GROUPS:
                cur = gs[g].sum()
                want = tg["group"][ph][g]
                if cur > 0 and want > 0:
                    f[g] *= want / cur
        gs = gw.mul(pd.Series(f))
        gs = gs.div(gs.sum(axis=1).replace(0, 1), axis=0).mul(tot, axis=0)
        alloc = _controlled_round(gs, phase_tot[ph], tg["group"][ph])
        for g in GROUPS:
            ints = alloc[g].to_numpy()
            members = [p for p in ptypes if group_of[p] == g]
            for i, c in enumerate(codes):
                if ints[i] == 0:
                    continue
                wts = tw.loc[c, members].to_numpy()
                if wts.sum() == 0 and ph == "ks5" and g == "other_setting":  # post-16: FE
                    wts = np.array([1.0 if p == "fe_college" else 0.0 for p in members])
                if wts.sum() == 0:
                    wts = np.array([1.0 if sup.uses.loc[c, p] else 0.0 for p in members])
                if wts.sum() == 0:
                    wts = np.ones(len(members))
                split = largest_remainder(wts, int(ints[i]))
                for p, v in zip(members, split, strict=True):
                    pupils[c].loc[p, ph] = int(v)
    _ensure_phase(pupils, sup.sen_primary, "primary")
    _ensure_phase(pupils, sup.sen_secondary, "ks4")
    sup.pupils = pupils
    return pupils


def _pupil_bounds(sup: Supply, codes: list[str], las: pd.DataFrame, pc: dict) -> dict:
    """Per-LA bounds on pupil rates by phase that keep pupils placed per place inside the
    configured range where the LA gave places (phase's share of pupils x places x ratio bound)."""
    lo_r, hi_r = pc["per_place"]
    places = np.array([sup.places[c].to_numpy().sum() if c in sup.places else np.nan for c in codes])
    out = {}
    for phase, col, share in (("primary", "pupils_primary", 0.12), ("secondary", "pupils_secondary", 0.86)):
        heads = las[col].to_numpy()
        per10k = np.where(heads > 0, places * share / np.maximum(heads, 1) * 10_000, np.nan)
        lo = np.where(np.isnan(per10k), 0.0, lo_r * per10k)
        hi = np.where(np.isnan(per10k), np.inf, hi_r * per10k)
        if phase == "secondary":
            hi = np.minimum(hi, pc["max_secondary_per_10k"])
        out[phase] = (lo, hi)
    return out


def _controlled_round(gs: pd.DataFrame, totals: np.ndarray, targets: dict) -> pd.DataFrame:
    """Integers per LA x group keeping each LA's total and hitting the pooled group targets:
    largest remainder within each LA, then single units moved between groups inside LAs
    (preferring LAs whose float share of the needed group is furthest above its integers)."""
    w = gs.to_numpy(dtype=float).copy()
    w[w.sum(axis=1) == 0, 0] = 1.0
    alloc = np.array([largest_remainder(w[i], int(totals[i])) for i in range(len(w))])
    tgt = np.array([targets[g] for g in gs.columns])
    for _ in range(20_000):
        diff = tgt - alloc.sum(axis=0)
        need, over = int(np.argmax(diff)), int(np.argmin(diff))
        if diff[need] <= 0:
            break
        room = w[:, need] - alloc[:, need] + 1e6 * (w[:, need] > 0)
        room = np.where(alloc[:, over] > 0, room, -np.inf)
        i = int(np.argmax(room))
        alloc[i, need] += 1
        alloc[i, over] -= 1
    return pd.DataFrame(alloc, index=gs.index, columns=gs.columns)


def _ensure_phase(pupils: dict, codes: list[str], phase: str) -> None:
    """LAs that give an SEN profile for a phase have pupils in it: move one pupil of the same
    provider type and phase from the LA with most (pooled counts unchanged)."""
    for c in codes:
        if pupils[c][phase].sum() > 0:
            continue
        donor = max(pupils, key=lambda d: (pupils[d][phase].max(), d))
        p = pupils[donor][phase].idxmax()
        pupils[donor].loc[p, phase] -= 1
        pupils[c].loc[p, phase] += 1


def real_ap_pupils(las: pd.DataFrame) -> pd.Series:
    """The LA's real AP pupils (AP census + state-funded AP school headcount); an LA missing from
    the AP census gets the median AP-census-to-secondary-headcount ratio of the others."""
    sec = las["pupils_secondary"].where(las["pupils_secondary"] > 0)
    apc = las["ap_census_pupils"]
    apc = apc.fillna((apc / sec).median() * sec.fillna(0.0))
    return apc + las["ap_school_headcount"].fillna(0.0)


def real_ap_z(las: pd.DataFrame) -> np.ndarray:
    """Standardised log of the LA's real AP pupils per secondary pupil (0 where not computable)."""
    rate = np.log(real_ap_pupils(las) / las["pupils_secondary"].where(las["pupils_secondary"] > 0))
    rate = rate.replace([np.inf, -np.inf], np.nan)
    return ((rate - rate.mean()) / rate.std()).fillna(0.0).to_numpy()


def pru_anchor_weight(
    w: pd.DataFrame,
    uses: pd.DataFrame,
    totals: pd.DataFrame,
    shares: pd.DataFrame,
    las: pd.DataFrame,
    share: float,
) -> pd.Series:
    """PRU weight in the state-funded mix so that an LA's PRU places are about k x its real AP
    school headcount (capacity tracks headcount), k common to all LAs (the pooled PRU share of
    places), at most 95% and at least 5% of its state-funded places; where the LA uses no other
    state-funded type the PRU takes them all whatever its weight. k is solved counting half the
    state-funded places of PRU LAs without a real AP school headcount (their weight is kept);
    the raking that follows sets the pooled share exactly."""
    state = totals.sum(axis=1).to_numpy() * shares["state_funded"].to_numpy()
    heads = las.loc[w.index, "ap_school_headcount"].fillna(0.0).to_numpy()
    has = uses["pru"].to_numpy() & (heads > 0)
    other = (w["ap_academy"] + w["ap_free_school"]).to_numpy()
    want = share * totals.to_numpy().sum()
    lo, hi = 1e-3, 1e3
    for _ in range(60):
        k = np.sqrt(lo * hi)
        got = np.where(has, np.clip(k * heads, 0.05 * state, 0.95 * state), 0.0).sum()
        got += state[~has & uses["pru"].to_numpy()].sum() * 0.5
        lo, hi = (k, hi) if got < want else (lo, k)
    f = np.clip(k * heads / np.maximum(state, 1e-9), 0.05, 0.95)
    wp = np.where(other > 0, f / (1 - f) * other, 1.0)
    return pd.Series(
        np.where(uses["pru"].to_numpy(), np.where(has, wp, w["pru"].to_numpy()), 0.0), index=w.index
    )


def real_school_z(las: pd.DataFrame) -> np.ndarray:
    """Standardised log of the LA's real state-funded AP school headcount per secondary pupil
    (0 where it has none or no secondary pupils)."""
    h = las["ap_school_headcount"].where(las["ap_school_headcount"] > 0)
    rate = np.log(h / las["pupils_secondary"].where(las["pupils_secondary"] > 0))
    rate = rate.replace([np.inf, -np.inf], np.nan)
    return ((rate - rate.mean()) / rate.std()).fillna(0.0).to_numpy()


def pru_weight(las: pd.DataFrame) -> np.ndarray:
    """Relative weight of PRU places in an LA's state-funded mix: its real AP school headcount's
    share of its real AP pupils, over the median share (PRU places follow the real PRUs)."""
    share = (las["ap_school_headcount"].fillna(0.0) / real_ap_pupils(las).where(lambda x: x > 0)).fillna(0.0)
    return (share / share[share > 0].median()).clip(0.05, 4.0).to_numpy()


# ---- block ----------------------------------------------------------------------------------------


def draw(
    rng, las: pd.DataFrame, cfg: dict, published: Published, codebook: Codebook, answers: dict
) -> Supply:
    places_las, cost_las, fallback, pupil_las, sen_las, sen_pri, sen_sec, ehe_las = _sets(
        rng, las, cfg, published, answers
    )
    devolved = {
        c for c, a in answers.items() if str(a.get("decision_model__secondary", "")).startswith("devolved")
    }
    uses = _uses(rng, las, cost_las, cfg, published, codebook, devolved)
    lx = las.set_index("la_code")
    sup = Supply(lx, uses, pd.DataFrame(), {}, {}, cost_las, fallback)
    sup.pupil_las, sup.sen_las, sup.sen_primary, sup.sen_secondary, sup.ehe_las = (
        pupil_las,
        sen_las,
        sen_pri,
        sen_sec,
        ehe_las,
    )
    pc = cfg["places"]
    sup.propensity = pd.Series(
        pc["real_ap_slope"] * real_ap_z(lx)
        + pc["deprivation_slope"] * lx["dep_z"].to_numpy()
        + pc["spread"] * 0.8 * rng.normal(size=len(lx)),
        index=lx.index,
    )
    sup.places = _places(rng, sup, places_las, answers, cfg, published, codebook)
    sup.providers = _providers(rng, sup, cfg, published, codebook)
    return sup


def run(ctx) -> None:
    """Generator block: provider types used, places and providers (pupils: see the sen block)."""
    sup = draw(ctx.rng, ctx.las, ctx.cfg, ctx.published, ctx.settings.codebook, ctx.answers)
    ctx.state["supply"] = sup


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
