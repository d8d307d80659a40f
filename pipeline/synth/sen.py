"""Generator block: SEN and SEMH, pupils placed, EHE and children not in full-time education.

Runs after the supply block. Order: the AP-SEMH model of each LA with SEMH provision (chosen on
the LA's real secondary PEx rate, so the model groups' mean real rates round to the published
ones); pupils placed (:func:`supply.finalise_pupils`, with the SEMH-model group means); the SEN
profile of pupils placed; SEMH places; EHCP pupils in AP; post-16 placements; EHE and children
not in full-time education. Also the provision section's delegated-use and other-services items.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..estimators import round_half_up
from .common import Published, assign_counts, choose, count_for_share, key, largest_remainder
from .supply import PHASES, Supply, finalise_pupils, fit_rates, real_ap_z, write_answers


def _mean_ok(x: float, target: float, unit: float) -> bool:
    return abs(x - target) < 0.5 * unit - 1e-9


def semh_models(
    rng, las: pd.DataFrame, answers: dict, cfg: dict, published: Published, pupil_las: list[str] | None = None
) -> dict[str, str]:
    """Model of each LA with SEMH provision; integrated/combined LAs lean to higher real PEx rates.
    LAs giving no pupil numbers (not in ``pupil_las``) are kept in the 'separate' group: the
    published group means of pupils placed (63 separate, 96 integrated or combined, 98 overall)
    leave the LAs in neither group a high mean, lowest (and 'a very small number' above the
    outlier threshold attainable) when all of them and all integrated/combined LAs answer.
    With ``lean`` the LAs in neither group are those with the highest expected AP use
    (:func:`_use_score`), and swaps keeping both PEx means move high expected use from
    'separate' (the lower published mean of pupils placed) to integrated/combined."""
    sc = cfg["semh_models"]
    codes = [c for c in las["la_code"] if answers[c][key("semh_provision")] == "yes"]
    n_all = len(las)
    counts = {m: count_for_share(n_all, published(i)) for m, i in sc["counts"].items()}
    counts["no_detail"] = int(published(sc["no_detail"]))
    counts["separate"] += len(codes) - sum(counts.values())
    pex = las.set_index("la_code").loc[codes, "pex_rate_secondary"]
    z = ((pex - pex.mean()) / pex.std()).fillna(0.0).to_numpy()
    order = {"integrated": counts["integrated"], "combined": counts["combined"]}
    order.update({m: counts[m] for m in ("separate", "other", "no_detail")})
    fixed = set(codes) - set(pupil_las if pupil_las is not None else codes)
    lean = sc.get("lean")
    if lean:
        zap = pd.Series(_use_score(las, lean), index=list(las["la_code"])).loc[codes]
        # 'Other arrangements' and 'no detail' (the LAs outside both published groups, whose
        # pupils placed make up the high rest of the mean) among the answering LAs with the
        # highest real AP use; the rest as before (integrated/combined lean to high PEx rates).
        n_rest = counts["other"] + counts["no_detail"]
        answering = [c for c in codes if c not in fixed]
        rest = choose(rng, answering, n_rest, score=zap.loc[answering].to_numpy())
        model = assign_counts(rng, rest, {"other": counts["other"], "no_detail": counts["no_detail"]})
        others = [c for c in codes if c not in set(rest)]
        zo = z[[codes.index(c) for c in others]]
        order = {m: counts[m] for m in ("integrated", "combined", "separate")}
        model.update(assign_counts(rng, others, order, score=zo, noise=2.0))
    else:
        model = assign_counts(rng, codes, order, score=z, noise=2.0)
    if sc.get("silent_las_separate"):
        for x in sorted(fixed):
            if model[x] == "separate":
                continue
            swap = min(
                (c for c in codes if model[c] == "separate" and c not in fixed),
                key=lambda c, x=x: abs(pex[c] - pex[x]) if pd.notna(pex[c] - pex[x]) else np.inf,
            )
            model[x], model[swap] = "separate", model[x]
    else:
        fixed = set()
    # Local search: swap LAs between 'separate' and the others until both group means of the
    # real PEx rate round to their targets (the rate is published to 0.01).
    t_sep = published(sc["pex_targets"]["separate"])
    t_ic = published(sc["pex_targets"]["integrated_or_combined"])

    def means(m):
        s = [c for c in codes if m[c] == "separate"]
        ic = [c for c in codes if m[c] in ("integrated", "combined")]
        return pex[s].mean(), pex[ic].mean()

    def loss(m):
        a, b = means(m)
        return abs(a - t_sep) + abs(b - t_ic)

    cur = loss(model)
    for _ in range(4000):
        a, b = means(model)
        if _mean_ok(a, t_sep, 0.01) and _mean_ok(b, t_ic, 0.01) and cur < 0.004:
            break
        x = codes[rng.integers(len(codes))]
        y = codes[rng.integers(len(codes))]
        if model[x] == model[y] or x in fixed or y in fixed:
            continue
        model[x], model[y] = model[y], model[x]
        new = loss(model)
        if new < cur:
            cur = new
        else:
            model[x], model[y] = model[y], model[x]
    if lean:  # then swaps that keep both PEx means on target and move real AP use to the
        # integrated/combined group (published pupils placed mean 96) from 'separate' (63)
        sep = lambda m: [c for c in codes if m[c] == "separate" and c not in fixed]  # noqa: E731
        ic = lambda m: [c for c in codes if m[c] in ("integrated", "combined")]  # noqa: E731
        for _ in range(4000):
            s_list, i_list = sep(model), ic(model)
            x = s_list[rng.integers(len(s_list))]
            y = i_list[rng.integers(len(i_list))]
            if zap[x] <= zap[y]:
                continue
            model[x], model[y] = model[y], model[x]
            a, b = means(model)
            if _mean_ok(a, t_sep, 0.01) and _mean_ok(b, t_ic, 0.01) and loss(model) < 0.004:
                cur = loss(model)
            else:
                model[x], model[y] = model[y], model[x]
    for c in codes:
        if model[c] != "no_detail":
            answers[c][key("semh_ap_model")] = model[c]
    return model


def _z(x: pd.Series) -> np.ndarray:
    return ((x - x.mean()) / x.std()).fillna(0.0).to_numpy()


def _use_score(las: pd.DataFrame, lean: dict) -> np.ndarray:
    """An LA's expected AP use per pupil from real data: ``real_ap`` x its standardised log real AP
    pupils per secondary pupil + ``size`` x its standardised log secondary headcount (negative:
    the mean of LA rates is well above the pooled rate, so high rates fall on smaller LAs)."""
    logsec = np.log(las["pupils_secondary"].where(las["pupils_secondary"] > 0))
    return lean.get("real_ap", 0.0) * real_ap_z(las) + lean.get("size", 0.0) * _z(logsec)


def _group(model: str | None) -> str | None:
    if model == "separate":
        return "separate"
    if model in ("integrated", "combined"):
        return "integrated_or_combined"
    return None


def _split_pooled(rng, totals: np.ndarray, share: float, spread: float, cap: np.ndarray) -> np.ndarray:
    """Integers per LA, at most ``cap``, summing to round(share x total), LA shares scattered."""
    s = np.clip(share * np.exp(spread * rng.normal(size=len(totals))), 0, 1)
    target = int(round(share * totals.sum()))
    out = largest_remainder(totals * s, target)
    over = out - cap
    while (over > 0).any():  # move any excess to LAs with room
        i = int(np.argmax(over))
        room = np.where(cap - out > 0, totals * s, 0)
        j = int(np.argmax(room))
        out[i] -= 1
        out[j] += 1
        over = out - cap
    return out


def sen_profile(rng, sup: Supply, answers: dict, cfg: dict, published: Published) -> None:
    sc = cfg["sen_profile"]
    support = published(sc["sen_support_share"]) / 100
    for ph in PHASES:
        phase_las = sup.sen_primary if ph == "primary" else sup.sen_secondary
        codes = [c for c in sup.sen_las if c in set(phase_las)]
        tot = np.array([sup.pupils[c][ph].sum() for c in codes], dtype=float)
        e_share = published(sc["ehcp_share"][ph]) / 100 if ph in sc["ehcp_share"] else sc["ehcp_share_ks5"]
        ehcp = _split_pooled(rng, tot, e_share, sc["spread"], tot.astype(int))
        rest = tot - ehcp
        s_share = (support + sc["sen_support_tilt"][ph]) * tot.sum() / max(rest.sum(), 1)
        sup_n = _split_pooled(rng, rest, min(s_share, 0.95), sc["spread"], rest.astype(int))
        for i, c in enumerate(codes):
            answers[c][key("pupils_by_sen", "ehcp", ph)] = int(ehcp[i])
            answers[c][key("pupils_by_sen", "sen_support", ph)] = int(sup_n[i])
            answers[c][key("pupils_by_sen", "no_sen", ph)] = int(tot[i] - ehcp[i] - sup_n[i])
    for c in sup.sen_las:  # blank cells of an answered question read as zero: write them out
        for ph in PHASES:
            for s in ("no_sen", "sen_support", "ehcp"):
                answers[c].setdefault(key("pupils_by_sen", s, ph), 0)


def semh_places(rng, las: pd.DataFrame, answers: dict, model: dict, cfg: dict, published: Published) -> None:
    sc = cfg["semh_places"]
    codes = [c for c, m in model.items() if m != "no_detail"]
    lx = las.set_index("la_code").loc[codes]
    ns, npri = lx["pupils_secondary"].to_numpy(), lx["pupils_primary"].to_numpy()
    rate = np.exp(0.35 * rng.normal(size=len(codes)) + 0.2 * lx["dep_z"].to_numpy())
    groups = np.array([_group(model[c]) for c in codes], dtype=object)
    targets = {g: published(i) for g, i in sc["secondary_per_10k"].items()}
    for g, t in list(targets.items()) + [(None, sc["other_per_10k"])]:
        m = groups == g
        rate[m] *= t / rate[m].mean()
    sec = np.maximum(np.round(rate * ns / 10_000), 1).astype(int)
    share = published(sc["secondary_share"]) / 100
    p_total = int(round(sec.sum() * (1 - share) / share))
    pri = largest_remainder(sec * npri / np.maximum(ns, 1) * rng.lognormal(0, 0.3, len(codes)), p_total)
    out = {"primary": pri, "secondary": sec}
    for ph, arr in out.items():
        u_share = published(sc["unit_share"][ph]) / 100
        units = _split_pooled(rng, arr.astype(float), u_share, 0.6, arr)
        for i, c in enumerate(codes):
            answers[c][key("semh_places", "semh_unit", ph)] = int(units[i])
            answers[c][key("semh_places", "special_school", ph)] = int(arr[i] - units[i])


def ehcp_pupils(rng, las: pd.DataFrame, answers: dict, cfg: dict, published: Published) -> None:
    codes = [c for c in las["la_code"] if answers[c][key("ehcp_ap_use")] == "yes"]
    size = las.set_index("la_code").loc[codes, "pupils_secondary"].to_numpy()
    w = size / size.mean() * rng.lognormal(0, 0.4, len(codes))
    target = published(cfg["ehcp_pupils_per_la"])
    vals = largest_remainder(w, int(round(target * len(codes))))
    for c, v in zip(codes, vals, strict=True):
        answers[c][key("ehcp_pupils_in_ap")] = int(v)


def post16(rng, sup: Supply, las: pd.DataFrame, answers: dict, cfg: dict, published: Published) -> None:
    codes = list(las["la_code"])
    n = len(codes)
    pub = {c: published(i) for c, i in cfg["post16"].items()}
    feasible = {c: [k for k in range(n + 1) if round_half_up(100 * k / n) == v] for c, v in pub.items()}
    yes, no = next(
        (y, m) for y in feasible["yes"] for m in feasible["no"] if n - y - m in feasible["not_sure"]
    )
    ks5 = np.array([sup.pupils[c]["ks5"].sum() if c in sup.pupils else 0 for c in codes], dtype=float)
    score = np.log1p(ks5)
    for c, v in assign_counts(
        rng, codes, {"yes": yes, "not_sure": n - yes - no, "no": no}, score=score
    ).items():
        answers[c][key("post16_placements")] = v


def ehe_and_not_full_time(rng, sup: Supply, answers: dict, cfg: dict, published: Published) -> None:
    ec, nc = cfg["ehe"], cfg["not_full_time"]
    codes = sup.ehe_las
    lx = sup.las.loc[codes]
    devolved = np.array([answers[c][key("decision_model", "secondary")] != "centralised" for c in codes])
    total = int(published(ec["total"]))
    p_total = int(round(published(ec["share_primary"]) / 100 * total))
    common = rng.normal(size=len(codes))
    for ph, col, tot in (
        ("primary", "pupils_primary", p_total),
        ("secondary", "pupils_secondary", total - p_total),
    ):
        base = np.exp(
            ec["spread"] * (0.7 * common + 0.7 * rng.normal(size=len(codes)))
            + 0.15 * lx["dep_z"].to_numpy()
            + ec["devolved_effect"] * devolved
        )
        pupils = lx[col].to_numpy()
        rate = fit_rates(base, pupils, published(ec[f"rate_{ph}"]), tot)
        vals = largest_remainder(rate * pupils / 10_000, tot)
        for c, v in zip(codes, vals, strict=True):
            answers[c][key("ehe", ph)] = int(v)
    # Children not in full-time education, and how many of them are in AP.
    nft_total = int(published(nc["total"]))
    shares = {ph: published(i) / 100 for ph, i in nc["phase_share"].items()}
    counts = dict(zip(shares, largest_remainder(np.array(list(shares.values())), nft_total), strict=True))
    size = {"primary": lx["pupils_primary"].to_numpy(), "ks3": lx["pupils_secondary"].to_numpy() * 0.6}
    size["ks4"] = lx["pupils_secondary"].to_numpy() * 0.4
    la_factor = rng.lognormal(0, 0.5, len(codes))
    for ph, n_ph in counts.items():
        nft = largest_remainder(size[ph] * la_factor * rng.lognormal(0, 0.3, len(codes)), int(n_ph))
        in_ap_total = int(round(published(nc["in_ap_share"][ph]) / 100 * n_ph))
        in_ap = _split_pooled(rng, nft.astype(float), in_ap_total / n_ph, 0.3, nft)
        for i, c in enumerate(codes):
            answers[c][key("not_full_time", ph)] = int(nft[i])
            answers[c][key("not_full_time_in_ap", ph)] = int(in_ap[i])


def _mean_to(values: np.ndarray, target: float, lo: float, hi: float, rng, fixed: np.ndarray) -> np.ndarray:
    """Integer percentages nudged one point at a time until their mean is within 0.25 of target."""
    v = values.astype(int).copy()
    free = np.flatnonzero(~fixed)
    for _ in range(20_000):
        diff = v.mean() - target
        if abs(diff) < 0.25:
            break
        i = free[rng.integers(len(free))]
        step = -1 if diff > 0 else 1
        if lo <= v[i] + step <= hi:
            v[i] += step
    return v


def delegated_and_services(rng, las: pd.DataFrame, answers: dict, cfg: dict, published: Published) -> None:
    """Provision section: delegated-budget use of AP, other inclusion services, tuition costs."""
    dc, oc = cfg["delegated_use"], cfg["other_services"]
    codes = list(las["la_code"])
    n = len(codes)
    k = count_for_share(n, published(dc["informed_share"]))
    informed = choose(rng, codes, k, score=-las["rural"].to_numpy().astype(float))
    holds = set(choose(rng, informed, int(round(dc["holds_fraction"] * k))))
    for c in codes:
        answers[c][key("delegated_use_information")] = (
            "holds" if c in holds else "can_estimate" if c in set(informed) else "no"
        )
    m = len(informed)
    for st in ("primary", "secondary"):
        t = published(dc["school_share"][st])
        v = np.clip(np.round(rng.normal(t, 0.3 * t, m)), 0, 100)
        v = _mean_to(v, t, 0, 100, rng, np.zeros(m, dtype=bool))
        for c, x in zip(informed, v, strict=True):
            answers[c][key("delegated_use_school_share", st)] = int(x)
    lo, hi = (published(i) for i in dc["special_range"])
    t = published(dc["school_share"]["special"])
    v = np.round(rng.uniform(lo, hi, m))
    v[: dc["special_zero"]] = 0
    v[dc["special_zero"] : dc["special_zero"] + dc["special_all"]] = 100
    # the published range's edges are answers too (the report saw them): one LA at each
    edges = dc["special_zero"] + dc["special_all"]
    v[edges], v[edges + 1] = lo, hi
    fixed = np.zeros(m, dtype=bool)
    fixed[: edges + 2] = True
    v = _mean_to(v, t, lo, hi, rng, fixed)
    for c, x in zip(informed, rng.permutation(v), strict=True):
        answers[c][key("delegated_use_school_share", "special")] = int(x)

    # Other inclusion services: commissioning leans to larger and more deprived LAs.
    n_yes, n_no = int(published(oc["commission"])), int(published(oc["do_not_commission"]))
    score = np.log(las["pupils_secondary"].to_numpy()) + 0.5 * las["dep_z"].to_numpy()
    ans = assign_counts(
        rng, codes, {"commission": n_yes, "do_not_commission": n_no, "blank": n - n_yes - n_no}, score=score
    )
    comm = [c for c in codes if ans[c] == "commission"]
    for c in codes:
        if ans[c] != "blank":
            answers[c][key("other_services")] = ans[c]
    tuition = choose(rng, comm, int(round(oc["tuition_answer_share"] * len(comm))))
    lo_t, hi_t = published(oc["tuition_min"]), published(oc["tuition_max"])
    costs = np.round(rng.uniform(lo_t, hi_t * 1.15, len(tuition)), -2)
    costs[0], costs[-1] = lo_t, np.round(hi_t * 1.1, -2)  # the range the LAs described
    for c, x in zip(tuition, rng.permutation(costs), strict=True):
        answers[c][key("tuition_cost_per_pupil")] = float(x)


def ehc_assessment(
    rng, las: pd.DataFrame, answers: dict, model: dict, cfg: dict, published: Published
) -> None:
    """Share of AP pupils undergoing an EHC needs assessment, estimated by some LAs.

    Higher where AP and SEMH provision are integrated or combined (Figure 15 quotes such an LA);
    the integrated/combined LAs' mean is centred in the quoted range.
    """
    c = cfg["ehc_assessment"]
    lo, hi = published(c["quote_min"]), published(c["quote_max"])
    codes = [x for x in las["la_code"] if rng.random() < c["answer_share"]]
    ic = [x for x in codes if model.get(x) in ("integrated", "combined")]
    vals = {x: rng.normal(c["other_mean"], c["spread"]) for x in codes if x not in set(ic)}
    draws = rng.normal(0.0, c["spread"], len(ic))
    centre = (lo + hi) / 2
    for x, z in zip(ic, draws - draws.mean() if len(ic) > 1 else draws * 0, strict=True):
        vals[x] = centre + z
    for x, v in vals.items():
        answers[x][key("ehc_assessment_share")] = float(np.clip(np.round(v), 1, 60))


def run(ctx) -> None:
    """Generator block: SEMH models, pupils placed, SEN profile, SEMH places, EHE and more."""
    sup: Supply = ctx.state["supply"]
    model = semh_models(ctx.rng, ctx.las, ctx.answers, ctx.cfg, ctx.published, sup.pupil_las)
    groups = {c: _group(m) for c, m in model.items()}
    finalise_pupils(ctx.rng, sup, ctx.answers, groups, ctx.cfg, ctx.published, ctx.settings.codebook)
    write_answers(sup, ctx.answers)
    sen_profile(ctx.rng, sup, ctx.answers, ctx.cfg, ctx.published)
    semh_places(ctx.rng, ctx.las, ctx.answers, model, ctx.cfg, ctx.published)
    ehcp_pupils(ctx.rng, ctx.las, ctx.answers, ctx.cfg, ctx.published)
    post16(ctx.rng, sup, ctx.las, ctx.answers, ctx.cfg, ctx.published)
    ehe_and_not_full_time(ctx.rng, sup, ctx.answers, ctx.cfg, ctx.published)
    delegated_and_services(ctx.rng, ctx.las, ctx.answers, ctx.cfg, ctx.published)
    ehc_assessment(ctx.rng, ctx.las, ctx.answers, model, ctx.cfg, ctx.published)
