"""Generator block: pupils' journeys through AP and demand (report Chapters Two and Three).

Runs after the supply block, so every count of pupils by reason, type of place and placement
history adds up, LA by LA and phase by phase, to the pupils the LA placed in AP (where it gave
pupil numbers). Shares are calibrated at run time (integer raking to the published pooled
shares), so they stay right whatever supply draws. See docs/synthetic-data.md.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from ..estimators import round_half_up
from .common import assign_counts, choose, count_for_share, key, largest_remainder

PHASES = ["primary", "ks3", "ks4", "ks5"]
YEAR_GROUPS = ["primary", "ks3", "year10", "year11"]
LEAVER_GROUPS = ["primary", "ks3", "year10", "year11", "ks5"]


# ------------------------------------------------------------------------------------------------
# Integer tools


def counts_summing(n: int, pcts: dict[str, float]) -> dict[str, int]:
    """Counts out of n, one per category, that each round (half up) to its share and sum to n.

    Of all such combinations the one nearest to pct x n is returned; ValueError if none exists.
    """
    cands = {}
    for c, p in pcts.items():
        ks = [k for k in range(n + 1) if round_half_up(100.0 * k / n) == round_half_up(p)]
        if not ks:
            raise ValueError(f"no count out of {n} rounds to {p}%")
        cands[c] = ks
    best, best_d = None, None
    for combo in itertools.product(*cands.values()):
        if sum(combo) != n:
            continue
        d = sum(abs(k - p * n / 100) for k, p in zip(combo, pcts.values(), strict=True))
        if best_d is None or d < best_d - 1e-12:
            best, best_d = combo, d
    if best is None:
        raise ValueError(f"no counts out of {n} round to {pcts}")
    return dict(zip(pcts, best, strict=True))


def attainable_base(n: int, pcts: dict[str, float], max_drop: int = 3) -> int:
    """The largest base <= n (dropping at most max_drop non-answering LAs) at which the shares
    are attainable with counts summing to the base."""
    for m in range(n, n - max_drop - 1, -1):
        try:
            counts_summing(m, pcts)
            return m
        except ValueError:
            continue
    raise ValueError(f"shares {pcts} not attainable with {n - max_drop}..{n} LAs")


def integer_table(weights: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Non-negative integers with the given row and column totals, proportional to ``weights``.

    Iterative proportional fitting on the weights, then rounding each row by largest remainder,
    then moving single units between columns within rows until every column total is exact.
    """
    w = np.asarray(weights, dtype=float).copy()
    rows = np.asarray(rows, dtype=int)
    cols = np.asarray(cols, dtype=int)
    if rows.sum() != cols.sum():
        raise ValueError("row and column totals differ")
    w[:, cols == 0] = 0.0
    w = np.where(w.sum(axis=1, keepdims=True) > 0, w, np.where(cols > 0, 1.0, 0.0))
    for _ in range(200):
        rs = w.sum(axis=1)
        w = w * np.divide(rows, rs, out=np.zeros_like(rs), where=rs > 0)[:, None]
        cs = w.sum(axis=0)
        w = w * np.divide(cols, cs, out=np.zeros_like(cs), where=cs > 0)[None, :]
        if np.abs(w.sum(axis=1) - rows).max() < 1e-6:
            break
    out = np.vstack([largest_remainder(r, int(t)) for r, t in zip(w, rows, strict=True)])
    resid = w - out
    for _ in range(10 * int(rows.sum()) + 10):
        diff = out.sum(axis=0) - cols
        if not diff.any():
            break
        j = int(np.argmax(diff))  # column with a surplus
        k = int(np.argmin(diff))  # column short
        movable = np.where(out[:, j] > 0)[0]
        i = movable[np.argmax(resid[movable, k] - resid[movable, j])]
        out[i, j] -= 1
        out[i, k] += 1
        resid[i, j] += 1
        resid[i, k] -= 1
    return out


def binary_matrix(rng, row_sums: np.ndarray, col_sums: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """0/1 matrix with exact row and column sums; each row starts from its k most likely columns
    (weights + noise), then swaps within rows fix the column sums."""
    n, m = weights.shape
    x = np.zeros((n, m), dtype=int)
    noisy = np.log(np.clip(weights, 1e-9, None)) + rng.gumbel(size=(n, m))
    need = np.asarray(col_sums, dtype=float).copy()
    for i in np.argsort(-np.asarray(row_sums), kind="stable"):  # widest rows first (Ryser)
        s = np.where(
            need > 0, np.log(np.clip(need, 1e-9, None)) + noisy[i] - np.log(col_sums.clip(1)), -np.inf
        )
        pick = np.argsort(-s, kind="stable")[: row_sums[i]]
        x[i, pick] = 1
        need[pick] -= 1
    for _ in range(50 * n * m):
        diff = x.sum(axis=0) - col_sums
        if not diff.any():
            return x
        pairs = [(j, k) for j in np.where(diff > 0)[0] for k in np.where(diff < 0)[0]]
        for j, k in pairs:
            cand = np.where((x[:, j] == 1) & (x[:, k] == 0))[0]
            if len(cand):
                i = cand[np.argmax(noisy[cand, k] - noisy[cand, j])]
                x[i, j], x[i, k] = 0, 1
                break
        else:
            raise ValueError(f"column sums not attainable: {diff} {x.sum(axis=0)} {col_sums}")
    raise ValueError("column sums not attainable")


# ------------------------------------------------------------------------------------------------
# Context


def _placed(ctx) -> pd.DataFrame:
    """Pupils placed per LA and phase: the LA's own numbers where it gave them, otherwise the
    number its pupil headcount implies at the mean placement rate of LAs that gave numbers."""
    las = ctx.las.set_index("la_code")
    given = {c: [ctx.answers[c].get(key("pupils_placed", "total", ph)) for ph in PHASES] for c in las.index}
    df = pd.DataFrame(given, index=PHASES).T.astype(float)
    has = df.notna().all(axis=1)
    sec = las["pupils_secondary"].where(las["pupils_secondary"] > 0)
    pri = las["pupils_primary"].where(las["pupils_primary"] > 0)
    rate_p = (df.loc[has, "primary"] / pri[has]).mean()
    rate_s = (df.loc[has, ["ks3", "ks4"]].sum(axis=1) / sec[has]).mean()
    ks5_ratio = df.loc[has, "ks5"].sum() / df.loc[has, ["ks3", "ks4"]].sum(axis=1).sum()
    est = pd.DataFrame(
        {
            "primary": (pri * rate_p).fillna(0).round(),
            "ks3": (sec * rate_s * 0.4).fillna(0).round(),
            "ks4": (sec * rate_s * 0.6).fillna(0).round(),
            "ks5": (sec * rate_s * ks5_ratio).fillna(0).round(),
        }
    )
    df = df.where(has, est)
    df["given"] = has
    return df


def _devolved(ctx) -> pd.Series:
    return pd.Series(
        {c: ctx.answers[c][key("decision_model", "secondary")] != "centralised" for c in ctx.answers}
    ).reindex(ctx.las["la_code"])


def _phase_sets(rng, codes, n_any, sizes, info, eligible, sizes_of=None) -> dict[str, list[str]]:
    """Which LAs answer an item (n_any) and which of them give data for each phase (sizes).

    LAs with a higher data-capability score ``info`` answer more; a phase is only answered by
    LAs with pupils in it; every answering LA gives at least one phase.
    """
    pool = [c for c in codes if eligible.loc[c].any()]
    # a phase every answering LA gives (its base is the item's): answerers need pupils in it
    for ph in (p for p, k in sizes.items() if k >= n_any):
        pool = [c for c in pool if eligible.loc[c, ph]]
    score = info.reindex(pool).to_numpy()
    ans = choose(rng, pool, n_any, score=score, noise=0.7)
    sets = {}
    for ph, k in sizes.items():
        elig = [c for c in ans if eligible.loc[c, ph]]
        score = info.reindex(elig).to_numpy()
        if sizes_of is not None and k < len(elig) / 3:
            # few LAs give this phase (post-16): those with the most pupils in it
            score = score + 3.0 * np.log1p(sizes_of.reindex(elig)[ph].to_numpy())
        sets[ph] = choose(rng, elig, min(k, len(elig)), score=score, noise=0.7)
    covered = set().union(*map(set, sets.values()))
    big = max(sizes, key=sizes.get)
    for c in ans:  # every answering LA gives some phase: it replaces an LA that gives several
        if c in covered:
            continue
        phases_of = {d: sum(d in sets[p] for p in sets) for d in sets[big]}
        out = max((d for d in sets[big] if phases_of[d] > 1), key=lambda d: (phases_of[d], d))
        sets[big] = sorted(set(sets[big]) - {out} | {c})
        covered.add(c)
    sets["any"] = sorted(ans)
    return {k: sorted(v) for k, v in sets.items()}


def _target(v, published) -> float:
    """A generator target: a number it chose, a published id, or {of: id, plus: offset}."""
    if isinstance(v, dict):
        return published(v["of"]) - sum(published(i) for i in v.get("minus", [])) + float(v.get("plus", 0))
    return published(v) if isinstance(v, str) else float(v)


def _shares(cfg_targets: dict, published) -> dict[str, float]:
    """Target shares: a published id's value, or a generator-chosen number."""
    return {c: (published(t) if isinstance(t, str) else float(t)) for c, t in cfg_targets.items()}


def _published_cats(cfg_targets: dict) -> list[str]:
    return [c for c, t in cfg_targets.items() if isinstance(t, (str, dict))]


def exact_totals(shares: dict[str, float], total: int, exact: list[str], remainder: str) -> np.ndarray:
    """Category totals out of ``total``: proportional, except that each ``exact`` category gets
    the count nearest its share that rounds (half up) to it; ``remainder`` absorbs the rest."""
    cats = list(shares)
    p = np.array([shares[c] for c in cats], dtype=float)
    cols = largest_remainder(p, total)
    for c in exact:
        j = cats.index(c)
        ok = [k for k in range(total + 1) if round_half_up(100.0 * k / total) == round_half_up(shares[c])]
        if ok:
            cols[j] = min(ok, key=lambda k: (abs(k - shares[c] * total / 100), k))
    r = cats.index(remainder)
    cols[r] += total - cols.sum()
    if cols[r] < 0:
        raise ValueError(f"shares {shares} leave no room for {remainder} with {total}")
    return cols


def _attainable(shares: dict[str, float], exact: list[str], total: int) -> bool:
    """Can every ``exact`` share be met (half-up rounding) with a whole count out of ``total``?"""
    return all(
        any(round_half_up(100.0 * k / total) == round_half_up(shares[c]) for k in range(total + 1))
        for c in exact
    )


def _fit_phase(sets: dict, ph: str, counts: pd.Series, shares: dict, exact: list[str]) -> None:
    """Small phases (post-16): if no whole counts out of the LAs' pupils can round to the
    published shares, swap one answering LA for another that gives the phase until they can."""
    members = sets[ph]
    if not exact or _attainable(shares, exact, int(counts[members].sum())):
        return
    pool = [c for c in sets["any"] if c not in members and counts[c] > 0]
    for o in sorted(members, key=lambda c: (counts[c], c)):
        for i in sorted(pool, key=lambda c: (-counts[c], c)):
            new = sorted(set(members) - {o} | {i})
            if _attainable(shares, exact, int(counts[new].sum())):
                sets[ph] = new
                return


def _pooled(
    rng, rows: pd.Series, shares: dict[str, float], spread: float, exact=(), remainder=None
) -> pd.DataFrame:
    """Split each LA's pupils (rows) over categories so pooled shares equal ``shares`` (percent)."""
    cats = list(shares)
    p = np.array([shares[c] for c in cats], dtype=float)
    n = len(rows)
    w = p[None, :] * np.exp(spread * rng.normal(size=(n, len(cats))))
    total = int(rows.sum())
    cols = exact_totals(shares, total, list(exact), remainder) if remainder else largest_remainder(p, total)
    return pd.DataFrame(integer_table(w, rows.to_numpy(dtype=int), cols), index=rows.index, columns=cats)


def _write(answers, qid, table: pd.DataFrame, group: str) -> None:
    for c, r in table.iterrows():
        for cat, v in r.items():
            answers[c][key(qid, cat, group)] = int(v)


# ------------------------------------------------------------------------------------------------
# Items


def reasons(ctx, cfg, placed, info, devolved) -> None:
    """Figure 20: pupils by reason for placement and phase; KS4 split by decision model."""
    rng, pub = ctx.rng, ctx.published
    item = cfg["reasons"]
    sizes = {ph: int(pub(i)) for ph, i in item["n_las"].items()}
    elig = placed[PHASES] > 0
    sets = _phase_sets(rng, list(placed.index), int(pub(item["n_las_any"])), sizes, info, elig, placed)
    ks4 = sets["ks4"]
    # Devolved LAs' share of KS4 pupils must let both model groups and the total hit their
    # published KS4 shares; swap answering LAs (same size) until it does.
    lo, hi = item["devolved_pupil_share_range"]
    for _ in range(200):
        w = placed.loc[ks4, "ks4"][devolved[ks4].to_numpy()].sum() / placed.loc[ks4, "ks4"].sum()
        if lo <= w <= hi:
            break
        want_dev = w < lo
        out = [c for c in ks4 if devolved[c] != want_dev]
        inn = [
            c for c in placed.index if c not in sets["any"] and devolved[c] == want_dev and elig.loc[c, "ks4"]
        ]
        if not out or not inn:
            break
        o = max(out, key=lambda c: (placed.loc[c, "ks4"], c)) if want_dev else rng.choice(sorted(out))
        i = max(inn, key=lambda c: (placed.loc[c, "ks4"], c))
        for ph in [*PHASES, "any"]:
            if o in sets[ph] and (ph == "any" or elig.loc[i, ph]):
                sets[ph] = sorted(set(sets[ph]) - {o} | {i})
            elif o in sets[ph]:
                sets[ph] = sorted(set(sets[ph]) - {o})
        ks4 = sets["ks4"]
    ctx.state["reasons_sets"] = sets
    for ph in PHASES:
        members = sets[ph]
        rows = placed.loc[members, ph]
        shares = _shares(item["shares"][ph], pub)
        if ph != "ks4":
            exact = _published_cats(item["shares"][ph])
            _fit_phase(sets, ph, placed[ph], shares, exact)
            members = sets[ph]
            rows = placed.loc[members, ph]
            table = _pooled(rng, rows, shares, item["spread"], exact, item["remainder"])
        else:
            dev = devolved[members].to_numpy()
            w = rows[dev].sum() / rows.sum()
            g = item["ks4_by_model"]
            parts = []
            for flag in (True, False):
                s = dict(shares)
                for cat, (dev_id, cen_id) in g.items():
                    a, b = pub(dev_id), pub(cen_id)
                    # group targets inside their rounding intervals, solved so the total lands
                    # on the published KS4 share
                    nudge = 0.4 if (b < a) else -0.4
                    a_t = a - nudge
                    b_t = float(np.clip((shares[cat] - w * a_t) / (1 - w), b - 0.4, b + 0.4))
                    s[cat] = a_t if flag else b_t
                rest = [c for c in s if c not in g]
                scale = (100 - sum(s[c] for c in g)) / sum(shares[c] for c in rest)
                for c in rest:
                    s[c] = shares[c] * scale
                idx = [m for m, d in zip(members, dev, strict=True) if d == flag]
                parts.append(_pooled(rng, rows[idx], s, item["spread"]))
            table = pd.concat(parts).loc[members]
        _write(ctx.answers, "placement_reasons", table, ph)


def _needed_shift(sets, placed, shares, ft, target_all, school) -> float:
    """Shift of the school-age full-time shares needed for the all-phase share to hit its target."""
    tot = {ph: placed.loc[sets[ph], ph].sum() for ph in sets if ph != "any"}
    n = sum(tot.values())
    base = sum(tot[ph] * shares[ph][ft] for ph in tot) / n
    return (target_all - base) * n / sum(tot[ph] for ph in school)


def _balance_phase_mix(sets, placed, elig, shares, ft, target_all, school, limit: float = 0.35):
    """Swap which answering LAs give a phase (same numbers of LAs) until the all-phase full-time
    share is reachable with every phase's share inside its rounding interval."""
    sets = {k: list(v) for k, v in sets.items()}
    for _ in range(300):
        need = _needed_shift(sets, placed, shares, ft, target_all, school)
        if abs(need) <= limit:
            break
        # too high overall: fewer pupils in the phase with the highest full-time share, and back
        ph = (
            max(school, key=lambda p: shares[p][ft]) if need < 0 else min(school, key=lambda p: shares[p][ft])
        )
        members = sets[ph]
        outside = [c for c in sets["any"] if c not in set(members) and elig.loc[c, ph]]
        if not outside:
            break
        out = max(members, key=lambda c: (placed.loc[c, ph], c))
        inn = min(outside, key=lambda c: (placed.loc[c, ph], c))
        if placed.loc[inn, ph] >= placed.loc[out, ph]:
            break
        sets[ph] = sorted(set(members) - {out} | {inn})
    return sets


def place_types(ctx, cfg, placed, info) -> None:
    """Figure 23: pupils by type of place and phase; the all-phase full-time share is met by
    choosing each phase's full-time target inside its rounding interval."""
    rng, pub = ctx.rng, ctx.published
    item = cfg["place_types"]
    sizes = {ph: int(pub(v)) if isinstance(v, str) else int(v) for ph, v in item["n_las"].items()}
    n_any = item["n_las_any"]
    n_any = int(pub(n_any)) if isinstance(n_any, str) else int(n_any)
    elig = placed[PHASES] > 0
    sets = _phase_sets(rng, list(placed.index), n_any, sizes, info, elig, placed)
    shares = {ph: _shares(item["shares"][ph], pub) for ph in PHASES}
    ft = "full_time_single_ap"
    target_all = pub(item["all_full_time"])
    school = ["primary", "ks3", "ks4"]
    sets = _balance_phase_mix(sets, placed, elig, shares, ft, target_all, school)
    tot = {ph: placed.loc[sets[ph], ph].sum() for ph in PHASES}
    N = sum(tot.values())
    base = sum(tot[ph] * shares[ph][ft] for ph in PHASES) / N
    shift = float(np.clip((target_all - base) * N / sum(tot[ph] for ph in school), -0.4, 0.4))
    for ph in school:
        shares[ph][ft] += shift
        shares[ph][item["balance"][ph]] -= shift
    ctx.state["place_type_sets"] = sets
    for ph in PHASES:
        exact = _published_cats(item["shares"][ph]) if ph == "ks5" else ()
        table = _pooled(
            rng, placed.loc[sets[ph], ph], shares[ph], item["spread"], exact, item["balance"].get(ph, "other")
        )
        _write(ctx.answers, "place_types", table, ph)


def history(ctx, cfg, placed, info) -> None:
    """Figure 24: first / previous AP placement / not known, by phase."""
    rng, pub = ctx.rng, ctx.published
    item = cfg["history"]
    sizes = {ph: int(pub(i)) for ph, i in item["n_las"].items()}
    elig = placed[PHASES] > 0
    sets = _phase_sets(rng, list(placed.index), int(pub(item["n_las_any"])), sizes, info, elig, placed)
    for ph in PHASES:
        exact = _published_cats(item["shares"][ph])
        shares = _shares(item["shares"][ph], pub)
        _fit_phase(sets, ph, placed[ph], shares, exact)
        table = _pooled(rng, placed.loc[sets[ph], ph], shares, item["spread"], exact, "not_known")
        _write(ctx.answers, "placement_history", table, ph)


def lengths(ctx, cfg, placed, info) -> None:
    """Figure 25: each LA's typical percentages by placement length (means of LA percentages)."""
    rng, pub = ctx.rng, ctx.published
    item = cfg["lengths"]
    sizes = {g: int(pub(i)) for g, i in item["n_las"].items()}
    elig = pd.DataFrame(
        {
            g: placed["primary" if g == "primary" else ("ks3" if g == "ks3" else "ks4")] > 0
            for g in YEAR_GROUPS
        }
    )
    sets = _phase_sets(rng, list(placed.index), int(pub(item["n_las_any"])), sizes, info, elig)
    bands = ["up_to_half_term", "half_term_to_term", "term_to_year", "more_than_year"]
    for g in YEAR_GROUPS:
        t = item["targets"][g]
        up_half, half_term = _target(t["up_to_half_term"], pub), _target(t["half_term_to_term"], pub)
        more_year = pub(t["more_than_year"]) + float(t.get("more_than_year_offset", 0))
        term_year = pub(t["more_than_term"]) - more_year + float(t.get("term_to_year_offset", 0))
        p = np.array([up_half, half_term, term_year, more_year])
        unreported = 100 - p.sum()
        members = sets[g]
        n = len(members)
        # most LAs' percentages add up to 100; the rest leave some pupils unaccounted for
        gap = np.zeros(n, dtype=int)
        n_gap = int(min(n, max(0, round(unreported * n / 4))))
        if n_gap:
            idx = rng.choice(n, size=n_gap, replace=False)
            gap[idx] = 4
        gap_total = int(round(unreported * n))
        extra = gap_total - gap.sum()
        gap[np.argsort(-gap, kind="stable")[: abs(extra)]] += int(np.sign(extra))
        gap = np.clip(gap, 0, 100)
        rows = 100 - gap
        cols = largest_remainder(p, int(rows.sum()))
        w = p[None, :] * np.exp(item["spread"] * rng.normal(size=(n, 4)))
        table = integer_table(w, rows, cols)
        for c, r in zip(members, table, strict=True):
            for b, v in zip(bands, r, strict=True):
                ctx.answers[c][key("placement_length", b, g)] = int(v)


def destinations(ctx, cfg, placed, info) -> None:
    """Figures 26-27: leavers of the last 12 months by destination and year group."""
    rng, pub = ctx.rng, ctx.published
    item = cfg["destinations"]
    sizes = {g: int(pub(i)) for g, i in item["n_las"].items()}
    phase_of = {"primary": "primary", "ks3": "ks3", "year10": "ks4", "year11": "ks4", "ks5": "ks5"}
    leavers = pd.DataFrame(
        {
            g: np.maximum(
                1,
                np.round(
                    placed[phase_of[g]] * item["leavers_per_pupil"][g] * rng.lognormal(0, 0.25, len(placed))
                ),
            ).where(placed[phase_of[g]] > 0, 0)
            for g in LEAVER_GROUPS
        }
    )
    elig = leavers > 0
    n_any = int(pub(item["n_las_any"]))
    sets = _phase_sets(rng, list(placed.index), n_any, sizes, info, elig, leavers)
    for g in LEAVER_GROUPS:
        t = item["shares"][g]
        shares = {}
        for cat, v in t.items():
            if isinstance(v, dict):  # difference of two published values (Figure 27 minus 26)
                shares[cat] = pub(v["of"]) - sum(pub(i) for i in v.get("minus", [])) + float(v.get("plus", 0))
            else:
                shares[cat] = pub(v) if isinstance(v, str) else float(v)
        rest = item["remainder"][g]
        shares[rest] = 100 - sum(v for c, v in shares.items() if c != rest)
        exact = [c for c in _published_cats(t) if c != rest]
        _fit_phase(sets, g, leavers[g], shares, exact)
        table = _pooled(rng, leavers.loc[sets[g], g], shares, item["spread"], exact, rest)
        _write(ctx.answers, "destinations", table, g)


def _assign(ctx, codes, counts: dict[str, int], score=None, noise=1.0) -> dict[str, str]:
    return assign_counts(ctx.rng, list(codes), counts, score=score, noise=noise)


def spend_budget_base(
    max_dev: int, max_cen: int, shares: dict[str, float], dev_share: float, cen_share: float
) -> tuple[int, int, int, int, dict[str, int]]:
    """The largest base (devolved + centralised LAs answering) on which whole counts give every
    published share of the spend-against-budget item at once: the all-LA shares by category and
    the in-line shares of devolved and centralised LAs. Returns (devolved base, centralised base,
    devolved in line, centralised in line, counts by category)."""
    for n in range(max_dev + max_cen, 0, -1):
        try:
            total = counts_summing(n, shares)
        except ValueError:
            continue
        for nd in range(min(max_dev, n), 0, -1):
            nc = n - nd
            if not 0 < nc <= max_cen:
                continue
            for dev_in in range(nd + 1):
                cen_in = total["in_line"] - dev_in
                if (
                    0 <= cen_in <= nc
                    and round_half_up(100 * dev_in / nd) == round_half_up(dev_share)
                    and round_half_up(100 * cen_in / nc) == round_half_up(cen_share)
                    and all(total[c] >= v for c, v in _rest_of_devolved(total, nd, dev_in).items())
                ):
                    return nd, nc, dev_in, cen_in, total
    raise ValueError("no base gives the published spend-against-budget shares")


def _rest_of_devolved(total: dict[str, int], nd: int, dev_in: int) -> dict[str, int]:
    others = [c for c in total if c != "in_line"]
    alloc = largest_remainder(np.array([total[c] for c in others], dtype=float), nd - dev_in)
    return dict(zip(others, alloc.tolist(), strict=True))


def demand(ctx, cfg, placed, devolved) -> None:
    """Reintegration, demand, spend against budget, exclusion trends, delegated use of AP."""
    pub, las = ctx.published, ctx.las.set_index("la_code")
    codes = list(las.index)
    n = len(codes)
    dep = las["dep_z"].to_numpy()
    sec = las["pupils_secondary"].where(las["pupils_secondary"] > 0)
    use = np.log((placed[["ks3", "ks4"]].sum(axis=1) / sec).fillna(0) + 1e-4).to_numpy()
    use = (use - use.mean()) / use.std()
    pex = las["pex_rate_secondary"]
    pex_z = ((pex - pex.mean()) / pex.std()).fillna(0).to_numpy()
    d = cfg["demand"]

    def shares(spec):
        return {c: pub(v) if isinstance(v, str) else float(v) for c, v in spec.items()}

    def write(qid, assigned, *dims):
        for c, v in assigned.items():
            ctx.answers[c][key(qid, *dims)] = v

    # reintegration works well: less so where deprivation is high
    s = shares(d["reintegration"])
    counts = counts_summing(n, s)
    write("reintegration", _assign(ctx, codes, counts, score=-dep, noise=1.5))
    # demand over three years: rises most where AP use and deprivation are high
    s = shares(d["demand_change"])
    write("demand_change", _assign(ctx, codes, counts_summing(n, s), score=use + dep, noise=1.5))
    # expected demand: coded comments; around two thirds expect a rise
    s = shares(d["demand_outlook"])
    counts = {c: int(round(v * n / 100)) for c, v in s.items()}
    counts[d["demand_outlook_rest"]] = n - sum(counts.values())
    write("demand_outlook", _assign(ctx, codes, counts, score=use, noise=1.5))
    # spend against budget: the report's shares (all LAs and by model) are attainable together
    # only on a smaller base (item non-response): the largest one found by arithmetic
    s = shares(d["spend_vs_budget"])
    dev_all = [c for c in codes if devolved[c]]
    cen_all = [c for c in codes if not devolved[c]]
    dev_share = pub(d["spend_in_line_devolved"])
    cen_share = pub(d["spend_in_line_centralised"])
    nd, nc, dev_in, cen_in, total = spend_budget_base(len(dev_all), len(cen_all), s, dev_share, cen_share)
    dev_codes = choose(ctx.rng, dev_all, nd)
    cen_codes = choose(ctx.rng, cen_all, nc)
    others = [c for c in total if c != "in_line"]
    alloc = largest_remainder(np.array([total[c] for c in others], dtype=float), nd - dev_in)
    dev_counts = {"in_line": dev_in, **dict(zip(others, alloc.tolist(), strict=True))}
    cen_counts = {c: total[c] - dev_counts[c] for c in total}
    cen_counts["in_line"] = cen_in
    for group, cnt in ((dev_codes, dev_counts), (cen_codes, cen_counts)):
        idx = [codes.index(c) for c in group]
        write("spend_vs_budget", _assign(ctx, group, cnt, score=-use[idx], noise=1.5))
    # exclusion-rate trend by phase: 'increased' leans to LAs with high exclusion rates; the
    # base is the largest number of LAs (at most all) at which the published shares are attainable
    for ph in ("primary", "secondary"):
        s = shares(d["pex_rate_change"][ph])
        m = attainable_base(n, s)
        skip = set(choose(ctx.rng, codes, n - m))
        group = [c for c in codes if c not in skip]
        idx = [codes.index(c) for c in group]
        write("pex_rate_change", _assign(ctx, group, counts_summing(m, s), score=pex_z[idx], noise=1.5), ph)
    # schools' own use of AP from delegated budgets (not every LA answered)
    m = int(pub(d["delegated_use_change_n"]))
    group = choose(ctx.rng, codes, m)
    s = shares(d["delegated_use_change"])
    write("delegated_use_change", _assign(ctx, group, counts_summing(m, s)))


def pex_arrangements(ctx, cfg, devolved) -> None:
    """Financial arrangements when a school permanently excludes, by phase, and the charges."""
    rng, pub = ctx.rng, ctx.published
    codes = list(ctx.las["la_code"])
    n = len(codes)
    a = cfg["pex_arrangements"]
    score = devolved.to_numpy().astype(float)
    charged_primary: set[str] = set()
    for ph in ("secondary", "primary"):
        spec = a[ph]
        n_any = count_for_share(n, pub(spec["any_arrangement"]))
        split = counts_summing(
            n_any,
            {
                "funding_removed": pub(spec["funding_removed"]),
                "additional_charge": pub(spec["additional_charge"]),
                "unspecified": 100 - pub(spec["funding_removed"]) - pub(spec["additional_charge"]),
            },
        )
        with_arr = choose(rng, codes, n_any, score=score, noise=1.5)
        # primary arrangements mostly where the LA has a secondary one
        if ph == "primary":
            sec_has = np.array(
                [ctx.answers[c][key("pex_financial_arrangement", "secondary")] != "none" for c in codes]
            )
            with_arr = choose(rng, codes, n_any, score=2.0 * sec_has + score, noise=1.0)
        idx = [codes.index(c) for c in with_arr]
        prior = np.array(
            [
                ctx.answers[c].get(key("pex_financial_arrangement", "secondary")) == "additional_charge"
                for c in with_arr
            ]
        )
        kinds = assign_counts(rng, with_arr, split, score=-(score[idx] + 2.0 * prior), noise=1.0)
        for c in codes:
            ctx.answers[c][key("pex_financial_arrangement", ph)] = kinds.get(c, "none")
        charged = sorted(c for c, k in kinds.items() if k == "additional_charge")
        if ph == "primary":
            charged_primary = set(charged)
        amounts = rng.lognormal(np.log(pub(spec["average_charge"])), a["charge_spread"], len(charged))
        amounts = np.round(amounts / 50) * 50
        amounts += np.round((pub(spec["average_charge"]) - amounts.mean()) / 10) * 10
        long_run = set(choose(rng, charged, min(len(charged), a["continuing_charges"])))
        for c, v in zip(charged, amounts, strict=True):
            ctx.answers[c][key("pex_charge_amount", ph)] = float(v)
            ctx.answers[c][key("pex_charge_duration", ph)] = "to_end_of_phase" if c in long_run else "one_off"
    del charged_primary


def run(ctx) -> None:
    """Generator block: pupils' journeys, demand and exclusion arrangements."""
    cfg = ctx.cfg["journeys"]
    placed = _placed(ctx)
    las = ctx.las.set_index("la_code")
    # LAs with better data systems answer more of the journey questions (one latent score)
    info = pd.Series(ctx.rng.normal(size=len(las)) + 0.3 * placed["given"].to_numpy(), index=las.index)
    devolved = _devolved(ctx)
    reasons(ctx, cfg, placed, info, devolved)
    place_types(ctx, cfg, placed, info)
    history(ctx, cfg, placed, info)
    lengths(ctx, cfg, placed, info)
    destinations(ctx, cfg, placed, info)
    demand(ctx, cfg, placed, devolved)
    pex_arrangements(ctx, cfg, devolved)
