"""How high can the rank correlation of total places with pupil headcount go? (issue 9.1)

Issue 9 asks for a default wave whose total places rank with the LA's pupil headcount at 0.6 or
more. The report's statements about the distribution of secondary place rates pull the other
way: the mean of LA rates (88 per 10,000) is half as high again as the pooled rate (about 58),
so high rates must sit on small LAs, while the most common band is the lowest (1-44) and only a
small number of LAs lie above 130. This module searches for the secondary place rates that rank
total places highest with headcount, LA by LA, under those statements and a plausibility
envelope tied to each LA's real AP (each LA's rate between a share of its real AP school roll
and a multiple of its real AP pupils, and below a ceiling).

It keeps only the four distribution statements, and optionally the Figure 14 group means (on the
default wave's groups), with the envelope: not the provider mix, pupils placed or any other target
of the wave; the LAs, their headcounts and their primary places are the default wave's. A full
wave (with these groups) can only do worse than the true optimum of this problem. The search
(simulated annealing, fixed seed) is a heuristic: what it finds is attainable, but it is no
bound, so a failure to find more is evidence, not proof. docs/synthetic-data.md prints the table of
``python -m pipeline.synth.feasibility``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from . import plausibility as P


@dataclass(frozen=True)
class Statements:
    """What the report says about the distribution of LA secondary place rates (per 10,000)."""

    mean: float  # the mean of LA rates, as published (whole number)
    total: float  # the secondary places of all LAs (sets the pooled rate)
    band: float  # width of the bands; the modal band is the first, 1..band
    threshold: float  # 'a small number' of LAs above it
    max_over: int  # the most LAs that 'a small number' allows
    groups: tuple = ()  # per LA, the Figure 14 group (or None); empty: no group means
    group_means: tuple = ()  # (group, published mean of its LA rates) pairs
    # Margins (the generator's, so integer places keep every statement): each mean within
    # ``mean_tol`` of its target (0.5 with the target a published whole number: rounds to it),
    # total places within ``total_tol``, the first band ahead of every other by ``band_margin``
    # LAs, a rate above ``threshold - threshold_margin`` counted as above the threshold.
    mean_tol: float = 0.5
    total_tol: float = 0.01
    band_margin: int = 0
    band_edge: float = 0.0  # a rate within this of the first band's upper edge counts outside it
    threshold_margin: float = 0.0


@dataclass(frozen=True)
class Envelope:
    """Per-LA bounds on the secondary place rate: at least ``school_share`` x the LA's real AP
    school roll and ``ap_floor`` x its real AP pupils per 10,000, at most ``ap_multiple`` x its
    real AP pupils per 10,000 and ``ceiling`` (None: no such bound)."""

    ceiling: float | None
    ap_multiple: float | None
    school_share: float | None
    ap_floor: float | None = None  # at least this x the LA's real AP pupils per 10,000

    def label(self) -> str:
        parts = [f"at most {self.ceiling:g} per 10,000" if self.ceiling else "no ceiling"]
        if self.ap_multiple:
            parts.append(f"at most {self.ap_multiple:g} x real AP pupils")
        if self.school_share:
            parts.append(f"at least {self.school_share:g} x real AP school roll")
        if self.ap_floor:
            parts.append(f"at least {self.ap_floor:g} x real AP pupils")
        return "; ".join(parts)


def statement_gaps(rates: np.ndarray, heads: np.ndarray, s: Statements) -> dict[str, float]:
    """How far ``rates`` are from each statement (0 where it holds): the mean of rates rounds
    (half up) to the published mean, total places within 1% of the total, the band 1..band the
    most common (whole rates, ties to the lowest band as in ``plausibility.modal_band``), at most
    ``max_over`` LAs above the threshold (each with the margins of ``s``)."""
    mean = float(rates.mean())
    tol = s.mean_tol
    mean_ok = s.mean - tol <= mean < s.mean + tol
    places = float((rates * heads).sum() / 10_000)
    counts = np.bincount(P.band_index(rates, s.band) + 1)
    first = counts[1] if len(counts) > 1 else 0
    if s.band_edge:
        first = int(((rates >= 0.5) & (rates < s.band + 0.5 - s.band_edge)).sum())
    other = counts[2:].max() if len(counts) > 2 else 0
    group_gap = 0.0
    for g, target in s.group_means:
        m = rates[np.asarray(s.groups, dtype=object) == g].mean()
        group_gap += 0.0 if target - tol <= m < target + tol else abs(m - target) - tol + 1e-9
    over = int((rates > s.threshold - s.threshold_margin).sum())
    return {
        "group_means": group_gap,
        "mean": 0.0 if mean_ok else abs(mean - s.mean) - tol + 1e-9,
        "total": max(0.0, abs(places / s.total - 1) - s.total_tol),
        "modal_band": float(max(0, other + s.band_margin - first)),
        "over_threshold": float(max(0, over - s.max_over)),
    }


def meets_statements(rates: np.ndarray, heads: np.ndarray, s: Statements) -> bool:
    return not any(statement_gaps(rates, heads, s).values())


def bounds(t: pd.DataFrame, env: Envelope) -> tuple[np.ndarray, np.ndarray]:
    """Low and high secondary place rates per LA of ``t`` (a ``plausibility.la_table``); an LA
    without a real AP count gets the median of the others' rates for it."""
    heads = t["pupils_secondary"].to_numpy(dtype=float)
    school = t["real_pru_headcount"].fillna(0.0).to_numpy(dtype=float) / heads * 10_000
    ap = (t["real_ap_pupils"] / t["pupils_secondary"] * 10_000).to_numpy(dtype=float)
    ap = np.where(np.isnan(ap), np.nanmedian(ap), ap)
    hi = np.full(len(t), np.inf if env.ceiling is None else float(env.ceiling))
    if env.ap_multiple:
        hi = np.minimum(hi, env.ap_multiple * ap)
    lo = np.ones(len(t))  # at least one place per 10,000: the lowest band starts at 1
    if env.school_share:
        lo = np.maximum(lo, env.school_share * school)
    if env.ap_floor:
        lo = np.maximum(lo, env.ap_floor * ap)
    return np.minimum(lo, hi), hi


def _ranks(x: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(x, kind="stable"), kind="stable").astype(float)


def search(
    heads: np.ndarray,
    head_rank: np.ndarray,
    other_places: np.ndarray,
    s: Statements,
    lo: np.ndarray,
    hi: np.ndarray,
    start: np.ndarray,
    iterations: int,
    seed: int,
) -> tuple[float, np.ndarray]:
    """Simulated annealing on the rank correlation of (rate x heads + other places) with the
    headcount ranks, the statements as penalties; moves scale one LA's rate or swap two LAs'
    rates, always inside the envelope. Returns the best correlation among profiles that meet
    every statement (nan if none did) and its rates."""
    rng = np.random.default_rng(seed)
    hr = head_rank - head_rank.mean()
    norm = np.sqrt((hr**2).sum())

    def corr(r: np.ndarray) -> float:
        pr = _ranks(r * heads / 10_000 + other_places)
        pr -= pr.mean()
        return float((pr * hr).sum() / (np.sqrt((pr**2).sum()) * norm))

    def score(r: np.ndarray) -> tuple[float, float]:
        g = statement_gaps(r, heads, s)
        penalty = (
            2 * g["mean"]
            + 2 * g["group_means"]
            + 200 * g["total"]
            + 0.5 * g["modal_band"]
            + 0.5 * g["over_threshold"]
        )
        c = corr(r)
        return c - penalty, c if penalty == 0 else np.nan

    r = np.clip(start, lo, hi)
    cur, _ = score(r)
    best_c, best_r = np.nan, r.copy()
    n = len(r)
    group = np.asarray(s.groups if s.groups else [None] * n, dtype=object)
    members = {g: np.flatnonzero(group == g) for g in set(group.tolist())}
    for it in range(iterations):
        temp = 0.02 * (1 - it / iterations) + 1e-4
        k = rng.integers(n)
        cand = r.copy()
        move = rng.random()
        if move < 0.5 and len(members[group[k]]) >= 3:
            cand = _three_way(r, heads, members[group[k]], k, rng)
            if cand is None or (cand < lo).any() or (cand > hi).any():
                continue
        elif move < 0.75:
            cand[k] = np.clip(cand[k] * np.exp(rng.normal(0, 0.3)), lo[k], hi[k])
        else:
            j = rng.integers(n)
            cand[k], cand[j] = np.clip(r[j], lo[k], hi[k]), np.clip(r[k], lo[j], hi[j])
        sc, c = score(cand)
        if sc > cur or rng.random() < np.exp((sc - cur) / temp):
            r, cur = cand, sc
            if not np.isnan(c) and (np.isnan(best_c) or c > best_c):
                best_c, best_r = c, r.copy()
    return best_c, best_r


def _three_way(
    r: np.ndarray, heads: np.ndarray, members: np.ndarray, k: int, rng: np.random.Generator
) -> np.ndarray | None:
    """LA ``k``'s rate scaled and two other LAs of its group changed so that the group's sum of
    rates and the total places stay exactly as they were (None where the two LAs are of nearly
    the same size): the move that keeps every mean and the pooled total."""
    j, m = rng.choice(members[members != k], 2, replace=False)
    if abs(heads[j] - heads[m]) < 1e-6 * heads[k]:
        return None
    d_k = r[k] * (np.exp(rng.normal(0, 0.3)) - 1)
    d_j = d_k * (heads[m] - heads[k]) / (heads[j] - heads[m])
    out = r.copy()
    out[k] += d_k
    out[j] += d_j
    out[m] -= d_k + d_j
    return out


def problem(t: pd.DataFrame, published, small_number: float) -> tuple[pd.DataFrame, Statements]:
    """The places LAs of a wave's LA table and the statements (from the published values)."""
    t = t.dropna(subset=["places_total"])
    t = t[t["pupils_secondary"] > 0]
    base = "txt.provision_by_phase.places_per_10k.secondary"
    s = Statements(
        mean=published(base),
        total=float(t["places_secondary"].sum()),
        band=published(f"{base}.modal_band.max"),
        threshold=published(f"{base}.outlier_threshold"),
        max_over=int(np.floor(small_number * len(t))),
    )
    return t, s


def figure14_groups(processed: Path, t: pd.DataFrame) -> np.ndarray:
    """Per LA of ``t``, its Figure 14 group ('yes' or 'no' SEMH provision) if it is in that
    figure's secondary base (an SEN profile with KS3 or KS4 pupils), else None."""
    resp = pd.read_csv(processed / "responses.csv", dtype=str, low_memory=False)
    sen = resp[(resp["question_id"] == "pupils_by_sen") & resp["phase"].isin(["ks3", "ks4"])]
    sen_pupils = pd.to_numeric(sen["value"], errors="coerce").groupby(sen["la_code"]).sum()
    semh = resp[resp["question_id"] == "semh_provision"].set_index("la_code")["value"]
    in_base = sen_pupils.reindex(t.index).fillna(0) > 0
    return np.array(
        [semh.get(c) if ok else None for c, ok in zip(t.index, in_base, strict=True)], dtype=object
    )


def profile_summary(rates: np.ndarray, s: Statements) -> str:
    """Counts per band of the best profile: lowest band, next, above the threshold."""
    band = P.band_index(rates, s.band)
    return (
        f"{int((band == 0).sum())} / {int((band == 1).sum())} / {int((rates > s.threshold).sum())}; "
        f"lowest {rates.min():.0f}, highest {rates.max():.0f}"
    )


ENVELOPES = [
    Envelope(300, None, None),
    Envelope(500, None, None),
    Envelope(None, None, None),
    Envelope(500, None, 0.5),
    Envelope(500, 2.0, 0.5),
    Envelope(500, 3.0, 0.5),
    Envelope(None, 3.0, 0.5),
]


def main(iterations: str = "300000", seed: str = "1") -> int:
    """Print the best rank correlation found for each envelope (a markdown table)."""
    from ..config import Settings, default_wave
    from .common import Published

    wave = default_wave()
    settings = Settings(wave)
    full = P.la_table(
        settings.root / "data" / "processed" / wave,
        settings.root / "data" / "raw" / "public" / "ap_pupils_by_la.csv",
        int(settings.wave_config["time_period"]),
    )
    measured = P.measures(full)["spearman_places_vs_headcount"]
    published = Published.load(settings)
    t, s = problem(full, published, P.SMALL_NUMBER)
    heads = t["pupils_secondary"].to_numpy(dtype=float)
    head_rank = t["headcount"].rank().to_numpy(dtype=float)
    primary = t["places_primary"].fillna(0.0).to_numpy(dtype=float)
    ks5 = t["places_total"].to_numpy(dtype=float) - primary - t["places_secondary"].to_numpy(dtype=float)
    start = t["places_secondary"].to_numpy(dtype=float) / heads * 10_000
    processed = settings.root / "data" / "processed" / wave
    fig14 = "fig14.places_per_10k.secondary.semh_provision_"
    with_groups = replace(
        s,
        groups=tuple(figure14_groups(processed, t)),
        group_means=(("yes", published(fig14 + "some")), ("no", published(fig14 + "none"))),
    )
    print(
        f"{len(t)} LAs; mean {s.mean:g}, {s.total:g} secondary places, modal band 1-{s.band:g}, "
        f"at most {s.max_over} above {s.threshold:g}; the default wave: {measured:.3f}"
    )
    print(
        "| envelope (secondary places per 10,000 secondary pupils) | statements kept | best rank "
        "correlation found | LAs in 1-44 / 45-88 / above 130; lowest, highest rate |"
    )
    print("| --- | --- | --- | --- |")
    for env in ENVELOPES:
        lo, hi = bounds(t, env)
        for name, st in (("four", s), ("four + Figure 14 group means", with_groups)):
            best, rates = search(
                heads, head_rank, primary + ks5, st, lo, hi, start, int(iterations), int(seed)
            )
            print(f"| {env.label()} | {name} | {best:.3f} | {profile_summary(rates, s)} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
