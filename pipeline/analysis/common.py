"""What every section module shares: the answers in handy shapes (``Data``, per-LA concepts
read from derive's la_frame), estimator notes and small table constructors."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..analyse import (
    FigureTable,
    asked_choice,
    asked_numeric,
    require,
    value,
)
from ..config import Settings
from ..estimators import (
    la_rate_per_10k,
    lowest_outlier,
    modal_band,
)
from ..uncertainty import interval_pooled_share, interval_share_of_las, mean_of_non_negative

SEC = ["ks3", "ks4"]
MODELS = ("devolved", "centralised")
SCHOOL_AGE = ["primary", "ks3", "ks4"]
PCT = {"unit": "%", "dp": 0}
RATE = {"unit": "", "dp": 0}
N_LAS = {"label": "Number of LAs", "unit": "", "dp": 0}
POOLED = "Pooled share: sum over LAs of the count in the category / sum over LAs of all counts."
MEAN_RATES = (
    "Mean of LA rates: each LA's count per 10,000 pupils ({census} headcount of "
    "the phase) averaged over LAs, every LA counting once."
)
SHARE_OF_LAS = "Share of LAs: LAs giving the answer / LAs answering the question (each LA counts once)."
POOLED_PUPILS = (
    "Pooled share of pupils: sum over LAs of pupils in the category / sum over LAs of all pupils "
    "they reported for that phase, over the LAs that gave data for the phase (larger LAs weigh more)."
)
AGREE = ("strongly_agree", "agree")
DISAGREE = ("disagree", "strongly_disagree")


def mean_bounds(values: pd.Series, n_frame: int) -> dict:
    """``lower``/``upper`` of an unweighted mean over LAs (NaN = not answered, left out), 95%
    design-based interval over a frame of ``n_frame`` LAs (uncertainty.mean_of_values); the lower
    bound of a mean of non-negative values is clipped at 0."""
    iv = mean_of_non_negative(pd.to_numeric(values, errors="coerce").to_numpy(float), n_frame)
    return {"lower": iv.lower, "upper": iv.upper}


def share_bounds(answered: pd.Series, n_frame: int) -> dict:
    """``lower``/``upper`` (percent) of a share of LAs (True/False per LA, NaN = not answered)."""
    iv = interval_share_of_las(answered, n_frame)
    return {"lower": iv.lower, "upper": iv.upper}


def answer_bounds(answers: pd.Series, members, n_frame: int) -> dict:
    """``lower``/``upper`` of the share of LAs whose answer is one of ``members`` (one answer per
    LA, NaN = not answered), as estimated by estimators.category_shares."""
    return share_bounds(answers.dropna().isin(list(members)), n_frame)


def pooled_bounds(values: pd.Series, in_category: pd.Series, la_codes: pd.Series, n_frame: int) -> dict:
    """``lower``/``upper`` (percent) of estimators.pooled_share over the same rows: per LA y = its
    count in the category, x = its total; a ratio of totals (uncertainty.interval_pooled_share)."""
    iv = interval_pooled_share(values, in_category, la_codes, n_frame)
    return percent_bounds(iv.lower, iv.upper)


def percent_bounds(lower: float, upper: float) -> dict:
    """Bounds of a percentage clipped to [0, 100] (a ratio interval is symmetric and can leave it)."""
    return {"lower": float(np.clip(lower, 0.0, 100.0)), "upper": float(np.clip(upper, 0.0, 100.0))}


def _table(key, rows, filters, indicators, estimator, base, vals) -> FigureTable:
    return FigureTable(key, pd.DataFrame(rows), filters, indicators, estimator, base, vals)


def _frame_table(key, df, filters, indicators, estimator, base, vals) -> FigureTable:
    return FigureTable(key, df.reset_index(drop=True), filters, indicators, estimator, base, vals)


def _single(clean: pd.DataFrame, qid: str) -> pd.Series:
    """A single-answer question: one answer per LA (index la_code)."""
    a = asked_choice(clean, qid)
    return a.set_index("la_code")["value"]


def la_models(la_frame: pd.DataFrame) -> pd.Series:
    """Each answering LA's model from derive (devolved or centralised, on its secondary-phase
    arrangements; report line 874)."""
    return la_frame.set_index("la_code")["la_model"].dropna()


class Data:
    """The area's answers in handy shapes (computed once per run)."""

    def __init__(self, settings: Settings, derived: dict):
        cb = settings.codebook
        clean = derived["clean"]
        self.cb = cb
        self.group_of = cb.dimensions["provider_type"].groups
        self.ptypes = list(cb.dimensions["provider_type"].values)
        self.respondents = list(derived["respondents"])
        self.n_frame = len(derived["context"])
        ctx = derived["context"].set_index("la_code")
        self.ctx = ctx.loc[ctx.index.isin(self.respondents)]
        self.clean = clean
        self.la_frame = derived["la_frame"].set_index("la_code")

        def choice(qid, **where):
            df = asked_choice(clean, qid)
            for k, v in where.items():
                df = df[df[k] == v]
            return df.set_index("la_code")["value"]

        self.choice = choice

    NUMERIC = {
        "places": "places",
        "ehc_assessment": "ehc_assessment_share",
        "pupils": "pupils_placed",
        "providers": "providers",
        "sen": "pupils_by_sen",
        "semh_places": "semh_places",
        "ehe": "ehe",
        "nft": "not_full_time",
        "nft_ap": "not_full_time_in_ap",
        "deleg": "delegated_use_school_share",
        "tuition": "tuition_cost_per_pupil",
        "ehcp_n": "ehcp_pupils_in_ap",
    }
    # Per-LA concepts are read from derive's la_frame (the one place they are computed).
    PER_LA = {
        "semh": ("semh_provision", "semh_provision"),
        "model": ("semh_model", "semh_ap_model"),
        "devolved": ("la_model", "decision_model"),
    }
    RATES = {  # name -> (la_frame total column, rate column, question), per phase
        "places": ("places_{}", "places_per_10k_{}", "places"),
        "pupils": ("pupils_placed_{}", "ap_use_per_10k_{}", "pupils_placed"),
        "ehe": ("ehe_{}", "ehe_per_10k_{}", "ehe"),
        "semh_places": ("semh_places_{}", "semh_places_per_10k_{}", "semh_places"),
    }

    def rates(self, name: str, phases=("primary", "secondary")) -> dict[str, pd.Series]:
        """Each answering LA's rate per 10,000 pupils of the phase, from la_frame (NaN where it has
        no headcount); :class:`NoAnswers` when no LA answered the question."""
        total, rate, qid = self.RATES[name]
        lf = self.la_frame
        answered = require(lf[total.format(phases[0])].dropna(), f"question '{qid}'").index
        return {ph: lf.loc[answered, rate.format(ph)] for ph in phases}

    def __getattr__(self, name: str):
        """Answers of a question, read on first use; :class:`NoAnswers` if nobody answered it."""
        if name in self.NUMERIC:
            df = asked_numeric(self.clean, self.cb, self.NUMERIC[name])
            if "provider_type" in df:
                df["group"] = df["provider_type"].map(self.group_of)
            if name == "ehc_assessment":
                df = df.set_index("la_code")["x"]
        elif name in self.PER_LA:
            col, qid = self.PER_LA[name]
            df = self.la_frame[col].reindex(self.respondents)
            require(df.dropna(), f"question '{qid}'")
        else:
            raise AttributeError(name)
        setattr(self, name, df)
        return df

    def by_la(self, df: pd.DataFrame, phases: list[str], col: str = "phase") -> pd.Series:
        """Sum per LA over the given phases (LAs that answered, zero where none)."""
        las = df["la_code"].unique()
        return df[df[col].isin(phases)].groupby("la_code")["x"].sum().reindex(las, fill_value=0.0)

    def pupils_of(self, phase: str) -> pd.Series:
        return self.ctx["pupils_primary" if phase == "primary" else "pupils_secondary"]

    def school_age_pupils(self) -> pd.Series:
        return self.ctx["pupils_primary"] + self.ctx["pupils_secondary"]


def _type_rates(d: Data) -> pd.DataFrame:
    """LA x provider type places per 10,000 school-age pupils (0 where the LA has none)."""
    pl = d.places[d.places["phase"].isin(SCHOOL_AGE)]
    wide = pl.pivot_table(index="la_code", columns="provider_type", values="x", aggfunc="sum").reindex(
        columns=d.ptypes, fill_value=0.0
    )
    denom = d.school_age_pupils().reindex(wide.index)
    return wide.apply(lambda s: la_rate_per_10k(s, denom))


def _rate_values(prefix: str, rates: dict[str, pd.Series], modal: bool) -> list[dict]:
    vals = []
    for ph, r in rates.items():
        n = int(r.notna().sum())
        vals.append(value(f"{prefix}.{ph}", r.mean(), "per_10k_pupils", n))
        if modal:
            lo, hi = modal_band(r)
            vals += [
                value(f"{prefix}.{ph}.modal_band.min", lo, "per_10k_pupils", n),
                value(f"{prefix}.{ph}.modal_band.max", hi, "per_10k_pupils", n),
            ]
        vals.append(value(f"{prefix}.{ph}.outlier_threshold", lowest_outlier(r), "per_10k_pupils", n))
    return vals


def _txt(key, vals, estimator, base) -> FigureTable:
    """A table of prose values (not drawn): one row per value, with its base where it has one."""
    rows = [
        {"measure": v["id"], "value": v["value"], "n_las": np.nan if v.get("n_las") is None else v["n_las"]}
        for v in vals
    ]
    return _table(
        key,
        rows,
        ["measure"],
        {
            "value": {"label": "Value", "unit": "", "dp": 2},
            "n_las": {"label": "Number of LAs", "unit": "", "dp": 0},
        },
        estimator,
        base,
        vals,
    )
