"""Single-answer and yes/no questions: LA counts that reproduce the published shares."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..codebook import Codebook
from .common import Published, assign_counts, choose, count_for_share, key
from .journeys import binary_matrix, counts_summing
from .supply import real_ap_z


def _counts(n: int, published: Published, shares: dict[str, str], rest: dict[str, float]) -> dict[str, int]:
    """Counts for categories with published shares; the remainder split over ``rest`` weights."""
    counts = {c: count_for_share(n, published(i)) for c, i in shares.items()}
    left = n - sum(counts.values())
    if rest:
        w = np.array(list(rest.values()), dtype=float)
        alloc = np.floor(w / w.sum() * left).astype(int)
        alloc[0] += left - alloc.sum()
        counts.update(dict(zip(rest, alloc.tolist(), strict=True)))
    return counts


def _spread_counts(total: int, m: int, lo: int, hi: int) -> np.ndarray:
    """m integers in [lo, hi] adding up to total, as even as possible (largest first)."""
    if not lo * m <= total <= hi * m:
        raise ValueError(f"{total} cannot be split into {m} values in [{lo}, {hi}]")
    base, extra = divmod(total, m)
    out = np.full(m, base, dtype=int)
    out[:extra] += 1
    # widen: move pairs apart inside the band so not every LA ticks the same number
    for i in range(0, m - 1, 2):
        if out[i] < hi and out[i + 1] > lo:
            out[i] += 1
            out[i + 1] -= 1
    return np.sort(out)[::-1]


def ols_hc1(y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS coefficients and heteroskedasticity-robust (HC1) standard errors."""
    n, k = X.shape
    xtx_inv = np.linalg.inv(X.T @ X)
    beta = xtx_inv @ X.T @ y
    u = y - X @ beta
    meat = X.T @ (X * (u**2)[:, None])
    cov = xtx_inv @ meat @ xtx_inv * n / (n - k)
    return beta, np.sqrt(np.diag(cov))


def devolved_score(las: pd.DataFrame, cfg: dict) -> np.ndarray:
    """Propensity of a devolved secondary model: lower permanent exclusion than the LA's
    deprivation predicts (real 2016/17 rates, IMD 2015), and larger LAs (devolved partnerships
    are a county-scale model). LAs with a suppressed rate get no exclusion term."""
    pex = las["pex_rate_secondary"].to_numpy(dtype=float)
    dep = las["deprivation"].to_numpy(dtype=float)
    ok = ~np.isnan(pex)
    X = np.column_stack([np.ones(ok.sum()), dep[ok]])
    beta = np.linalg.lstsq(X, pex[ok], rcond=None)[0]
    resid = np.zeros(len(las))
    resid[ok] = pex[ok] - X @ beta
    resid_z = resid / resid[ok].std()
    size = np.log(las["pupils_secondary"].clip(lower=1).to_numpy(dtype=float))
    size_z = (size - size.mean()) / size.std()
    return -cfg["pex_weight"] * resid_z + cfg["size_weight"] * size_z


def devolved_p_value(las: pd.DataFrame, devolved: np.ndarray) -> float:
    """Two-sided p of the devolved coefficient in pex ~ devolved + deprivation (HC1)."""
    from math import erfc, sqrt

    pex = las["pex_rate_secondary"].to_numpy(dtype=float)
    ok = ~np.isnan(pex)
    X = np.column_stack([np.ones(ok.sum()), devolved[ok].astype(float), las["deprivation"].to_numpy()[ok]])
    beta, se = ols_hc1(pex[ok], X)
    z = beta[1] / se[1]
    return float(erfc(abs(z) / sqrt(2))) if beta[1] < 0 else 1.0


def ks4_sustained(settings, las: pd.DataFrame) -> np.ndarray:
    """Each LA's real sustained KS4 destination rate (the regression source `ks4_destinations`
    of the wave config), NaN where the wave has none or the LA is suppressed."""
    spec = (settings.wave_config.get("regression_sources") or {}).get("ks4_destinations")
    if not spec:
        return np.full(len(las), np.nan)
    frame_key, file_key = next(iter(spec["join"].items()))
    source_column = spec["columns"]["sustained_pct"]
    src = pd.read_csv(settings.path(spec["file"]), dtype={file_key: str})
    values = pd.to_numeric(src.set_index(file_key)[source_column], errors="coerce")
    return las[frame_key].astype(str).map(values).to_numpy(dtype=float)


def devolved_ks4_coefficient(las: pd.DataFrame, devolved: np.ndarray, ks4: np.ndarray) -> float:
    """Devolved coefficient of sustained KS4 destinations ~ devolved + deprivation (OLS)."""
    ok = ~np.isnan(ks4) & las["deprivation"].notna().to_numpy()
    if ok.sum() < 4:
        return float("nan")
    X = np.column_stack([np.ones(ok.sum()), devolved[ok].astype(float), las["deprivation"].to_numpy()[ok]])
    return float(np.linalg.lstsq(X, ks4[ok], rcond=None)[0][1])


def swap_for_lower_ks4(
    las: pd.DataFrame,
    devolved: np.ndarray,
    ks4: np.ndarray,
    score: np.ndarray,
    alpha: float,
    max_swaps: int = 5,
) -> np.ndarray:
    """Devolved LAs with lower real sustained KS4 destinations than their deprivation predicts
    (the report's direction): while the coefficient is not negative, swap one devolved LA for one
    centralised LA, keeping the exclusion finding (p < alpha): of the swaps that make it negative
    the one closest to the devolved propensity (score), else the one lowering it most. Uses no
    random numbers, so the rest of the draw is unchanged."""
    flag = devolved.copy()
    for _ in range(max_swaps):
        coef_now = devolved_ks4_coefficient(las, flag, ks4)
        if coef_now < 0:
            return flag
        lowest, fit = (coef_now, None), (-np.inf, None)
        for i in np.flatnonzero(flag):
            for j in np.flatnonzero(~flag):
                trial = flag.copy()
                trial[i], trial[j] = False, True
                coef = devolved_ks4_coefficient(las, trial, ks4)
                if coef >= coef_now or devolved_p_value(las, trial) >= alpha:
                    continue
                if coef < lowest[0]:
                    lowest = (coef, trial)
                if coef < 0 and score[j] - score[i] > fit[0]:
                    fit = (score[j] - score[i], trial)
        step = fit[1] if fit[1] is not None else lowest[1]
        if step is None:
            break
        flag = step
    if devolved_ks4_coefficient(las, flag, ks4) >= 0:
        raise RuntimeError("no swap of devolved LAs gives lower sustained KS4 destinations")
    return flag


def run(ctx) -> None:
    """Generator block: categorical and yes/no questions."""
    las = ctx.las.assign(ks4_sustained=ks4_sustained(ctx.settings, ctx.las))
    required_items(ctx.rng, las, ctx.answers, ctx.published, ctx.settings.codebook, ctx.cfg["questions"])


def required_items(
    rng: np.random.Generator,
    las: pd.DataFrame,
    answers: dict,
    published: Published,
    codebook: Codebook,
    cfg: dict,
) -> None:
    """Answers to the questions every return must answer (and the purpose comments)."""
    codes = list(las["la_code"])
    n = len(codes)
    dep = las["dep_z"].to_numpy()

    # 1.1 reasons AP is used (multi-select): each reason ticked by as many LAs as its published
    # share implies, and each LA ticks as many reasons as its latent breadth implies, so the
    # distribution of the number of reasons ticked matches the report's bands.
    reasons = {
        "excluded_pupils": "fig01.la_share.reason.excluded_pupils",
        "health_related": "fig01.la_share.reason.health_related",
        "early_preventative": "fig01.la_share.reason.early_preventative",
        "alternative_pathways": "fig01.la_share.reason.alternative_pathways",
        "reintegration": "fig01.la_share.reason.reintegration",
        "mid_year_arrivals": "fig01.la_share.reason.mid_year_arrivals",
        "lack_of_specialist_provision": "fig01.la_share.reason.lack_of_specialist_provision",
    }
    rcfg = cfg["ap_reasons"]
    col = {r: count_for_share(n, published(pid)) for r, pid in reasons.items()}
    col["other"] = int(rcfg["other_count"])
    n_24 = int(published(rcfg["count_2_4"]))
    n_57 = int(published(rcfg["count_5_7"]))
    n_low, n_all = rcfg["fewer_than_two"], n - n_24 - n_57 - rcfg["fewer_than_two"]
    total = sum(col.values())
    k_24 = int(round(rcfg["mean_2_4"] * n_24))
    k_57 = total - n_low * 1 - n_all * len(col) - k_24
    breadth = rng.normal(size=n)
    order = np.argsort(-breadth, kind="stable")
    k = np.zeros(n, dtype=int)
    k[order[:n_all]] = len(col)
    k[order[n_all : n_all + n_57]] = _spread_counts(k_57, n_57, 5, 7)
    k[order[n_all + n_57 : n_all + n_57 + n_24]] = _spread_counts(k_24, n_24, 2, 4)
    k[order[n_all + n_57 + n_24 :]] = 1
    # LA characteristics shift which reasons are ticked: mid-year arrivals in urban, deprived
    # areas; lack of specialist provision where there is no PRU-heavy state-funded offer.
    names = list(col)
    urban = (~las["rural"]).to_numpy().astype(float)
    w = np.ones((n, len(names))) * np.array([col[r] for r in names], dtype=float)[None, :]
    w[:, names.index("mid_year_arrivals")] *= np.exp(0.5 * urban + 0.3 * dep)
    w[:, names.index("lack_of_specialist_provision")] *= np.exp(-0.3 * dep)
    w[:, names.index("excluded_pupils")] *= 50.0
    ticks = binary_matrix(rng, k, np.array([col[r] for r in names]), w)
    for i, c in enumerate(codes):
        for j, r in enumerate(names):
            answers[c][key("ap_reasons", r)] = "yes" if ticks[i, j] else "no"

    # 1.4 strategic planning (Likert).
    sp = _counts(
        n,
        published,
        {
            "strongly_agree": "txt.strategic_planning.la_share.strongly_agree",
            "agree": "txt.strategic_planning.la_share.agree",
        },
        {"disagree": 0.75, "strongly_disagree": 0.1, "cant_say": 0.15},
    )
    for c, v in assign_counts(rng, codes, sp, score=-dep, noise=1.5).items():
        answers[c][key("strategic_planning")] = v

    # 4.1 would the LA use AP for pupils with EHCPs.
    eh = _counts(
        n,
        published,
        {"yes": "txt.ap_sen.ehcp_ap_use.la_share.yes", "no": "txt.ap_sen.ehcp_ap_use.la_share.no"},
        {"not_sure": 1.0},
    )
    for c, v in assign_counts(rng, codes, eh).items():
        answers[c][key("ehcp_ap_use")] = v

    # 4.4 local state-funded specialist SEMH provision.
    # Larger LAs more often have provision; LAs with a high real AP size for their size less often
    # (they place more pupils in AP: Figure 14 and the SEMH-model group means).
    k = count_for_share(n, published("txt.semh.la_share.has_specialist_provision"))
    lean = cfg.get("semh_provision_lean", {"size": 1.0, "real_ap": 0.0})
    score = lean["size"] * np.log(las["pupils_secondary"].to_numpy() + 1)
    if lean["real_ap"]:
        score = score - lean["real_ap"] * real_ap_z(las)
    for c, v in assign_counts(rng, codes, {"yes": k, "no": n - k}, score=score).items():
        answers[c][key("semh_provision")] = v

    # 1.3 reviewing the local AP system (coded from the purpose comments)
    k = count_for_share(n, published(cfg["reviewing_ap_system"]))
    for c, v in assign_counts(rng, codes, {"yes": k, "no": n - k}, score=-dep, noise=1.5).items():
        answers[c][key("reviewing_ap_system")] = v

    # 5.1-5.2 decision-making model by phase, classified on the secondary phase. Which LAs are
    # devolved follows real public data: lower secondary permanent exclusion than deprivation
    # predicts, and larger LAs. The draw is repeated (next random numbers) until devolved is
    # associated with lower exclusion rates controlling for deprivation (HC1, p < 0.05), the
    # report's finding; the number of draws is reported in docs/synthetic-data.md.
    total = {
        "centralised": int(published("txt.centralised_devolved.la_count.centralised")),
        "devolved_partial": int(published("txt.centralised_devolved.la_count.devolved_partial")),
        "devolved_full": int(published("txt.centralised_devolved.la_count.devolved_full")),
    }
    n_dev = total["devolved_partial"] + total["devolved_full"]
    dcfg = cfg["decision_model"]
    score = devolved_score(las, dcfg)
    ks4 = las["ks4_sustained"].to_numpy(dtype=float) if "ks4_sustained" in las else np.full(len(las), np.nan)
    for _attempt in range(dcfg["max_draws"]):
        dev_codes = choose(rng, codes, n_dev, score=score, noise=dcfg["noise"])
        flag = np.array([c in set(dev_codes) for c in codes])
        if devolved_p_value(las, flag) < dcfg["alpha"]:
            break
    else:
        raise RuntimeError("no draw of devolved LAs shows the report's exclusion-rate finding")
    if dcfg.get("ks4_lower"):
        flag = swap_for_lower_ks4(las, flag, ks4, score, dcfg["alpha"])
        dev_codes = [c for c, f in zip(codes, flag, strict=True) if f]
    # full devolution in the LAs with the strongest propensity among the devolved
    dev_idx = [codes.index(c) for c in dev_codes]
    full = set(choose(rng, dev_codes, total["devolved_full"], score=score[dev_idx], noise=1.0))
    sec_model = {
        c: ("devolved_full" if c in full else "devolved_partial") if flag[i] else "centralised"
        for i, c in enumerate(codes)
    }
    n_sep = int(published("txt.centralised_devolved.la_count.separate_phase_arrangements"))
    sec_sep = _counts(
        n_sep,
        published,
        {
            "devolved_partial": "fig16.model_share.secondary.devolved_partial",
            "devolved_full": "fig16.model_share.secondary.devolved_full",
        },
        {"centralised": 1.0},
    )
    pri_sep = _counts(
        n_sep,
        published,
        {
            "devolved_partial": "fig16.model_share.primary.devolved_partial",
            "devolved_full": "fig16.model_share.primary.devolved_full",
        },
        {"centralised": 1.0},
    )
    # LAs with separate phase arrangements: the required number of each secondary model
    sep_codes = []
    for model in ("devolved_full", "devolved_partial", "centralised"):
        group = [c for c in codes if sec_model[c] == model]
        sep_codes += choose(rng, group, sec_sep[model])
    sep_set = set(sep_codes)
    # Where phases differ, primary is the more centralised phase (devolution is commoner in secondary).
    order = {"devolved_full": 0, "devolved_partial": 1, "centralised": 2}
    ranked = sorted(sep_codes, key=lambda c: (order[sec_model[c]], c))
    pri_list = ["devolved_full"] * pri_sep["devolved_full"] + ["devolved_partial"] * pri_sep[
        "devolved_partial"
    ]
    pri_list += ["centralised"] * pri_sep["centralised"]
    sep_pri = dict(zip(ranked, pri_list, strict=True))
    dto = cfg["devolved_to"]
    dev_to = assign_counts(rng, dev_codes, {k: int(v) for k, v in dto.items()})
    for c in codes:
        answers[c][key("decision_model", "secondary")] = sec_model[c]
        answers[c][key("decision_model", "primary")] = sep_pri[c] if c in sep_set else sec_model[c]
        answers[c][key("same_arrangements")] = "no" if c in sep_set else "yes"
        answers[c][key("devolved_to")] = dev_to.get(c, "not_applicable")

    # 8.1 self-evaluation statements (Likert per statement): a latent outlook per LA; devolved
    # LAs are more likely to disagree that AP responds to changing needs and gets good outcomes.
    self_evaluation(rng, codes, answers, published, codebook, cfg["self_evaluation"], flag)


def self_evaluation(rng, codes, answers, published, codebook, cfg, devolved) -> None:
    """Six Likert statements; exactly the published number of LAs agree with all six."""
    n = len(codes)
    statements = list(codebook.dimensions["statement"].values)
    outlook = rng.normal(size=n)
    n_all = count_for_share(n, published(cfg["all_six"]))
    all_six = set(choose(rng, codes, n_all, score=outlook, noise=0.5))
    for st in statements:
        spec = cfg["statements"][st]
        pcts = {c: (published(v) if isinstance(v, str) else float(v)) for c, v in spec.items()}
        counts = counts_summing(n, pcts)
        agree = counts.pop("agree_total")
        sa = int(round(agree * cfg["strongly_agree_fraction"]))
        sd = int(round(counts["disagree_total"] * cfg["strongly_disagree_fraction"]))
        score = outlook - cfg["devolved_effect"] * devolved * (st in cfg["devolved_disagree"])
        rest = [c for c in codes if c not in all_six]
        idx = [codes.index(c) for c in rest]
        # the all-six LAs agree; the other agreements go by outlook among the rest
        lik = assign_counts(
            rng,
            rest,
            {
                "agree_rest": agree - n_all,
                "cant_say": counts["cant_say"],
                "disagree": counts["disagree_total"] - sd,
                "strongly_disagree": sd,
            },
            score=score[idx],
            noise=1.0,
        )
        agreeing = sorted(all_six | {c for c, v in lik.items() if v == "agree_rest"})
        strong = set(choose(rng, agreeing, sa, score=outlook[[codes.index(c) for c in agreeing]]))
        for c in codes:
            v = "agree" if c in all_six else lik[c]
            if v in ("agree", "agree_rest"):
                v = "strongly_agree" if c in strong else "agree"
            answers[c][key("self_evaluation", st)] = v
    # no LA outside the chosen set may agree with all six: swap one answer with an LA that
    # does not agree with that statement (counts per statement stay the same)
    agree_codes = ("strongly_agree", "agree")
    for c in codes:
        if c in all_six:
            continue
        if all(answers[c][key("self_evaluation", st)] in agree_codes for st in statements):
            st = statements[int(rng.integers(len(statements)))]
            partners = [
                d
                for d in codes
                if d not in all_six
                and answers[d][key("self_evaluation", st)] not in agree_codes
                and sum(answers[d][key("self_evaluation", s)] in agree_codes for s in statements) < 5
            ]
            d = partners[int(rng.integers(len(partners)))]
            k_c, k_d = key("self_evaluation", st), key("self_evaluation", st)
            answers[c][k_c], answers[d][k_d] = answers[d][k_d], answers[c][k_c]
