"""Costs of AP places: LA average costs calibrated to the published place-weighted averages.

Each cost LA gives an 'all phases' average cost for every provider type it uses, and most
also give phase averages. Costs are first drawn around the type's level with an LA price
factor, then moved as little as possible (bounded least squares) until the pipeline's
place-weighted averages by provider type, provider-count band, phase and usage band hit their
targets; published LA-level extremes are placed in chosen LAs and all other costs kept
inside them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import lsq_linear

from ..config import Settings
from ..derive import MODEL_GROUPS, band, count_band
from ..estimators import place_weights
from .common import Published, key
from .supply import PHASES, Supply

CONSTRAINT_WEIGHT = 50.0
GENERIC_BOUNDS = (5_000.0, 45_000.0)
ROUND_TO = 10  # LAs report costs to the nearest £10


def _row(weights: pd.Series, cells: pd.Index, n: int) -> np.ndarray:
    """Coefficients of one place-weighted average over ``cells`` (positions in a vector of n)."""
    w = place_weights(weights.loc[cells])
    a = np.zeros(n)
    a[np.asarray(cells)] = (w / w.sum()).to_numpy()
    return a


def draw(
    rng, las: pd.DataFrame, sup: Supply, cfg: dict, published: Published, settings: Settings, answers: dict
) -> dict:
    codebook = settings.codebook
    groups = codebook.dimensions["provider_type"].groups
    targets = {t: published(i) for t, i in cfg["cost_targets"]["by_type"].items()}
    targets.setdefault("other", float(cfg["other_provider_cost"]))
    level = pd.Series(rng.lognormal(0, 0.06, len(sup.cost_las)), index=sup.cost_las)  # LA price factor

    # ---- cells ---------------------------------------------------------------------------------
    type_cells, phase_cells = [], []
    phase_las = [
        c for c in sup.cost_las if c not in sup.fallback_las and rng.random() < cfg["phase_cost_share"]
    ]
    for c in sup.cost_las:
        grid = sup.places.get(c)
        for p in codebook.dimensions["provider_type"].values:
            if not sup.uses.loc[c, p]:
                continue
            w = float(grid.loc[p].sum()) if grid is not None else np.nan
            type_cells.append({"la_code": c, "provider_type": p, "weight": w})
            if c in phase_las:
                for ph in PHASES:
                    if grid.loc[p, ph] > 0:
                        phase_cells.append(
                            {
                                "la_code": c,
                                "provider_type": p,
                                "phase": ph,
                                "weight": float(grid.loc[p, ph]),
                            }
                        )
    tcells = pd.DataFrame(type_cells)
    pcells = pd.DataFrame(phase_cells)
    nt, npc = len(tcells), len(pcells)

    # ---- pins (published LA-level extremes) and bounds ----------------------------------------
    fixed = pd.Series(np.nan, index=range(nt))
    lower = np.full(nt, GENERIC_BOUNDS[0])
    upper = np.full(nt, GENERIC_BOUNDS[1])
    for p, ext in cfg["cost_extremes"].items():
        idx = list(tcells.index[tcells["provider_type"] == p])
        chosen = list(rng.permutation(idx))
        lo = published(ext["min"]) if "min" in ext else None
        hi = published(ext["max"]) if "max" in ext else None
        if hi is not None and published.values[ext["max"]]["qualifier"] == "lower_bound":
            hi = float(np.round(hi * 1.04, -2))  # "or above": a little above the published bound
        if lo is not None:
            fixed[chosen.pop()] = lo
        if hi is not None:
            fixed[chosen.pop()] = hi
        m = tcells["provider_type"] == p
        lower[m] = (lo + 300) if lo is not None else max(GENERIC_BOUNDS[0], 0.55 * targets[p])
        upper[m] = (hi - 300) if hi is not None else min(GENERIC_BOUNDS[1], 1.9 * targets[p])
    for p in set(tcells["provider_type"]) - set(cfg["cost_extremes"]):
        m = tcells["provider_type"] == p
        lower[m] = max(4_000.0, 0.45 * targets[p])
        upper[m] = min(GENERIC_BOUNDS[1], 1.9 * targets[p])
    # Free schools: their lowest LA sits between the other state-funded minima.
    if "ap_free_school" not in {p for p, e in cfg["cost_extremes"].items() if "min" in e}:
        m = tcells["provider_type"] == "ap_free_school"
        los = [
            published(e["min"])
            for p, e in cfg["cost_extremes"].items()
            if "min" in e and groups[p] == "state_funded"
        ]
        if los and m.any():
            free_min = float(np.round(np.mean(los), -2))
            idx = [i for i in tcells.index[m] if np.isnan(fixed[i])]
            fixed[rng.choice(idx)] = free_min
            lower[m] = free_min + 300
    hc = cfg["high_cost"]
    threshold = published(hc["threshold"])
    m = (tcells["provider_type"] == hc["provider_type"]).to_numpy()
    n_high = int(published(hc["count"]))
    already = [i for i in tcells.index[m] if not np.isnan(fixed[i]) and fixed[i] >= threshold]
    free_idx = [i for i in tcells.index[m] if np.isnan(fixed[i])]
    # High costs go to LAs placing few pupils with that type (complex needs, small numbers), so
    # that they do not dominate the place-weighted average.
    w = tcells.loc[free_idx, "weight"].fillna(tcells.loc[free_idx, "weight"].mean())
    small = [i for i in free_idx if w[i] <= w.median()]
    for i in rng.choice(small, n_high - len(already), replace=False):
        fixed[i] = float(np.round(rng.uniform(threshold + 500, threshold + 12_000), -1))
    upper[m] = np.minimum(upper[m], threshold - 500)

    # ---- prior draws --------------------------------------------------------------------------
    spread = {g: cfg["cost_spread"][g] for g in ("state_funded", "independent", "other_setting")}
    x0 = np.array(
        [
            targets[r.provider_type] * level[r.la_code] + rng.normal(0, spread[groups[r.provider_type]])
            for r in tcells.itertuples()
        ]
    )
    x0 = np.clip(x0, lower + 1, upper - 1)
    phase_factor = {"primary": 1.06, "ks3": 1.02, "ks4": 0.98, "ks5": 1.02}
    tpos = {(r.la_code, r.provider_type): i for i, r in enumerate(tcells.itertuples())}
    y0 = np.array(
        [
            x0[tpos[(r.la_code, r.provider_type)]] * phase_factor[r.phase] + rng.normal(0, 800)
            for r in pcells.itertuples()
        ]
    )
    ylow = np.array([lower[tpos[(r.la_code, r.provider_type)]] for r in pcells.itertuples()])
    yup = np.array([upper[tpos[(r.la_code, r.provider_type)]] for r in pcells.itertuples()])
    y0 = np.clip(y0, ylow + 1, yup - 1)

    # ---- constraints --------------------------------------------------------------------------
    n = nt + npc
    rows, rhs = [], []

    def add(a_type: np.ndarray | None, a_phase: np.ndarray | None, target: float, weight: float = 1.0):
        a = np.zeros(n)
        if a_type is not None:
            a[:nt] = a_type
        if a_phase is not None:
            a[nt:] = a_phase
        rows.append(a * weight)
        rhs.append(target * weight)

    # Each cell's weight once, as derive does: the fallback is filled within the provider type.
    tw = tcells.groupby("provider_type", group_keys=False)["weight"].apply(place_weights).loc[tcells.index]
    for p, t in targets.items():
        cells = tcells.index[tcells["provider_type"] == p]
        if len(cells) and p in cfg["cost_targets"]["by_type"]:
            add(_row(tw, cells, nt), None, t)
    add(_row(tw, tcells.index, nt), None, published(cfg["cost_targets"]["all"]))
    bands = count_band(sup.providers.sum(axis=1).astype(float), settings.analysis["provider_count_bands"])
    tband = tcells["la_code"].map(bands)
    for b, pid in cfg["cost_targets"]["by_provider_band"].items():
        cells = tcells.index[tband == b]
        if len(cells):
            add(_row(tw, cells, nt), None, published(pid))
    # Devolved vs centralised LAs (secondary-phase model): group averages and their directions.
    model = tcells["la_code"].map(lambda c: MODEL_GROUPS.get(answers[c].get("decision_model__secondary")))
    for g, pid in cfg["cost_targets"]["by_model"].items():
        cells = tcells.index[model == g]
        if len(cells):
            add(_row(tw, cells, nt), None, published(pid))
    for p, offset in cfg["model_cost_offsets"].items():
        dev = tcells.index[(tcells["provider_type"] == p) & (model == "devolved")]
        cen = tcells.index[(tcells["provider_type"] == p) & (model == "centralised")]
        if len(dev) and len(cen):
            add(_row(tw, dev, nt) - _row(tw, cen, nt), None, float(offset), weight=0.3)
    pw = pcells["weight"]
    usage = _usage_bands(sup, settings)
    for ph, pid in cfg["cost_targets"]["by_phase"].items():
        cells = pcells.index[pcells["phase"] == ph]
        t = published(pid)
        add(None, _row(pw, cells, npc), t)
        offsets = cfg["usage_cost_offsets"].get(ph)
        if offsets:
            col = "usage_band_primary" if ph == "primary" else "usage_band_secondary"
            pb = pcells["la_code"].map(usage[col])
            for b, off in zip(("low", "medium", "high"), offsets, strict=True):
                cells_b = pcells.index[(pcells["phase"] == ph) & (pb == b)]
                if len(cells_b):
                    add(None, _row(pw, cells_b, npc), t + off, weight=0.3)

    # ---- solve: constraints (heavily weighted) + stay near the prior draws ---------------------
    A = np.array(rows)
    b = np.array(rhs)
    free = np.concatenate([np.isnan(fixed.to_numpy()), np.ones(npc, dtype=bool)])
    values = np.concatenate([np.where(np.isnan(fixed.to_numpy()), 0.0, fixed.to_numpy()), np.zeros(npc)])
    b = b - A[:, ~free] @ values[~free]
    A = A[:, free]
    prior = np.concatenate([x0, y0])[free]
    scale = np.concatenate(
        [np.array([spread[groups[p]] for p in tcells["provider_type"]]), np.full(npc, 1500.0)]
    )[free]
    lo = np.concatenate([lower, ylow])[free]
    hi = np.concatenate([upper, yup])[free]
    M = np.vstack([CONSTRAINT_WEIGHT * A, np.diag(1 / scale)])
    rhs_all = np.concatenate([CONSTRAINT_WEIGHT * b, prior / scale])
    sol = lsq_linear(M, rhs_all, bounds=(lo, hi), method="bvls", max_iter=5000)
    values[free] = np.round(sol.x / ROUND_TO) * ROUND_TO

    out: dict[str, dict] = {c: {} for c in sup.cost_las}
    for i, r in enumerate(tcells.itertuples()):
        out[r.la_code][key("costs", r.provider_type, "all_phases")] = float(values[i])
    for j, r in enumerate(pcells.itertuples()):
        out[r.la_code][key("costs", r.provider_type, r.phase)] = float(values[nt + j])
    return out


def run(ctx) -> None:
    """Generator block: costs (needs the supply block's results)."""
    out = draw(ctx.rng, ctx.las, ctx.state["supply"], ctx.cfg, ctx.published, ctx.settings, ctx.answers)
    for code, items in out.items():
        ctx.answers[code].update(items)


def _usage_bands(sup: Supply, settings: Settings) -> pd.DataFrame:
    """Usage bands as the pipeline derives them, from pupils placed and real headcounts."""
    las = sup.las
    rows = {}
    for c, grid in sup.pupils.items():
        pri, sec = grid["primary"].sum(), grid["ks3"].sum() + grid["ks4"].sum()
        pp, ps = las.loc[c, "pupils_primary"], las.loc[c, "pupils_secondary"]
        rows[c] = {
            "primary": pri / pp * 10_000 if pp > 0 else np.nan,
            "secondary": sec / ps * 10_000 if ps > 0 else np.nan,
        }
    rates = pd.DataFrame.from_dict(rows, orient="index")
    edges = settings.analysis["usage_bands"]
    return pd.DataFrame(
        {
            "usage_band_primary": band(rates["primary"], **edges["primary"]),
            "usage_band_secondary": band(rates["secondary"], **edges["secondary"]),
        }
    )
