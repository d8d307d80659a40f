"""Single-answer and yes/no questions: LA counts that reproduce the published shares."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..codebook import Codebook
from .common import Published, assign_counts, count_for_share, key


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


def run(ctx) -> None:
    """Generator block: categorical and yes/no questions."""
    required_items(ctx.rng, ctx.las, ctx.answers, ctx.published, ctx.settings.codebook)


def required_items(
    rng: np.random.Generator,
    las: pd.DataFrame,
    answers: dict,
    published: Published,
    codebook: Codebook,
) -> None:
    """Answers to the questions every return must answer."""
    codes = list(las["la_code"])
    n = len(codes)
    dep = las["dep_z"].to_numpy()

    # 1.1 reasons AP is used (multi-select): each reason ticked by its published share of LAs.
    reasons = {
        "excluded_pupils": "fig01.la_share.reason.excluded_pupils",
        "health_related": "fig01.la_share.reason.health_related",
        "early_preventative": "fig01.la_share.reason.early_preventative",
        "alternative_pathways": "fig01.la_share.reason.alternative_pathways",
        "reintegration": "fig01.la_share.reason.reintegration",
        "mid_year_arrivals": "fig01.la_share.reason.mid_year_arrivals",
        "lack_of_specialist_provision": "fig01.la_share.reason.lack_of_specialist_provision",
    }
    breadth = rng.normal(size=n)  # some LAs tick many reasons, others few
    for reason, pid in reasons.items():
        k = count_for_share(n, published(pid))
        ticked = assign_counts(rng, codes, {"yes": k, "no": n - k}, score=breadth, noise=1.2)
        for c in codes:
            answers[c][key("ap_reasons", reason)] = ticked[c]
    other = assign_counts(rng, codes, {"yes": 12, "no": n - 12}, score=breadth)
    for c in codes:
        answers[c][key("ap_reasons", "other")] = other[c]

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
    k = count_for_share(n, published("txt.semh.la_share.has_specialist_provision"))
    for c, v in assign_counts(
        rng, codes, {"yes": k, "no": n - k}, score=np.log(las["pupils_secondary"] + 1)
    ).items():
        answers[c][key("semh_provision")] = v

    # 5.1-5.2 decision-making model by phase: classification on the secondary phase.
    n_sep = int(published("txt.centralised_devolved.la_count.separate_phase_arrangements"))
    sep = assign_counts(rng, codes, {"separate": n_sep, "same": n - n_sep})
    sep_codes = [c for c in codes if sep[c] == "separate"]
    same_codes = [c for c in codes if c not in set(sep_codes)]
    m = len(sep_codes)
    sec_sep = _counts(
        m,
        published,
        {
            "devolved_partial": "fig16.model_share.secondary.devolved_partial",
            "devolved_full": "fig16.model_share.secondary.devolved_full",
        },
        {"centralised": 1.0},
    )
    pri_sep = _counts(
        m,
        published,
        {
            "devolved_partial": "fig16.model_share.primary.devolved_partial",
            "devolved_full": "fig16.model_share.primary.devolved_full",
        },
        {"centralised": 1.0},
    )
    total = {
        "centralised": int(published("txt.centralised_devolved.la_count.centralised")),
        "devolved_partial": int(published("txt.centralised_devolved.la_count.devolved_partial")),
        "devolved_full": int(published("txt.centralised_devolved.la_count.devolved_full")),
    }
    same_counts = {c: total[c] - sec_sep[c] for c in ("devolved_full", "devolved_partial", "centralised")}
    sec_same = assign_counts(rng, same_codes, same_counts)
    sep_sec = assign_counts(
        rng,
        sep_codes,
        {c: sec_sep[c] for c in ("devolved_full", "devolved_partial", "centralised")},
    )
    # Where phases differ, primary is the more centralised phase (devolution is commoner in secondary).
    order = {"devolved_full": 0, "devolved_partial": 1, "centralised": 2}
    ranked = sorted(sep_codes, key=lambda c: (order[sep_sec[c]], c))
    pri_list = ["devolved_full"] * pri_sep["devolved_full"] + ["devolved_partial"] * pri_sep[
        "devolved_partial"
    ]
    pri_list += ["centralised"] * pri_sep["centralised"]
    sep_pri = dict(zip(ranked, pri_list, strict=True))
    for c in codes:
        if c in sec_same:
            answers[c][key("decision_model", "primary")] = sec_same[c]
            answers[c][key("decision_model", "secondary")] = sec_same[c]
            answers[c][key("same_arrangements")] = "yes"
        else:
            answers[c][key("decision_model", "primary")] = sep_pri[c]
            answers[c][key("decision_model", "secondary")] = sep_sec[c]
            answers[c][key("same_arrangements")] = "no"

    # 8.1 self-evaluation statements (Likert per statement).
    published_counts = {
        "meets_expected_needs": (
            "fig35.agree_share.meets_expected_needs",
            "fig35.disagree_share.meets_expected_needs",
            None,
        ),
        "good_outcomes": (
            None,
            "fig35.disagree_share.good_outcomes",
            "fig35.cant_say_share.good_outcomes",
        ),
        "value_for_money": (
            None,
            "fig35.disagree_share.value_for_money",
            "fig35.cant_say_share.value_for_money",
        ),
    }
    outlook = rng.normal(size=n)
    for st in codebook.dimensions["statement"].values:
        agree_id, disagree_id, cant_id = published_counts.get(st, (None, None, None))
        disagree = count_for_share(n, published(disagree_id)) if disagree_id else int(round(0.4 * n))
        cant = count_for_share(n, published(cant_id)) if cant_id else int(round(0.06 * n))
        agree = count_for_share(n, published(agree_id)) if agree_id else n - disagree - cant
        cant = n - agree - disagree
        sa = agree // 5
        sd = disagree // 6
        counts = {
            "strongly_agree": sa,
            "agree": agree - sa,
            "cant_say": cant,
            "disagree": disagree - sd,
            "strongly_disagree": sd,
        }
        for c, v in assign_counts(rng, codes, counts, score=outlook, noise=1.0).items():
            answers[c][key("self_evaluation", st)] = v
