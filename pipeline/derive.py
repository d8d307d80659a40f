"""Derive: typed answers per question and ``la_frame``, one row per LA of the frame.

``la_frame`` joins what each responding LA returned (totals, rates per 10,000 pupils, bands)
to the public context of all frame LAs, so non-respondents stay visible.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from .codebook import TOTAL, Codebook
from .config import Settings
from .estimators import la_rate_per_10k, place_weights

SECONDARY_PHASES = ("ks3", "ks4")
SCHOOL_AGE_PHASES = ("primary", "ks3", "ks4")
# LAs are classified on their secondary-phase arrangements (report footnote 7).
MODEL_GROUPS = {"centralised": "centralised", "devolved_partial": "devolved", "devolved_full": "devolved"}


_SPLIT: dict[int, tuple[pd.DataFrame, dict[str, pd.DataFrame], dict]] = {}


def _split(clean: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], dict]:
    """``clean`` split by question (once), with a memo of the answer tables built from it."""
    cached = _SPLIT.get(id(clean))
    if cached is None or cached[0] is not clean:
        cached = (clean, {k: g for k, g in clean.groupby("question_id", sort=False)}, {})
        _SPLIT.clear()
        _SPLIT[id(clean)] = cached
    return cached


def answers_of(clean: pd.DataFrame, qid: str) -> pd.DataFrame:
    """Rows of one question (``clean`` is split by question once, then looked up)."""
    part = _split(clean)[1].get(qid)
    return part if part is not None else clean.iloc[0:0]


def _memo(clean: pd.DataFrame, key: tuple, owner, build) -> pd.DataFrame:
    """A copy of ``build()``, built once per ``clean`` and ``owner`` (the codebook): derive and
    every table ask for the same questions again; callers may change their copy."""
    memo = _split(clean)[2]
    hit = memo.get(key)
    if hit is None or hit[0] is not owner:
        hit = memo[key] = (owner, build())
    return hit[1].copy()


def numeric_answers(clean: pd.DataFrame, codebook: Codebook, qid: str) -> pd.DataFrame:
    """One numeric question as a full grid for the LAs that answered it: la_code, dims..., x.

    LAs that answered any cell get every cell; empty cells become 0 where the codebook says a
    blank means none (``blank: zero``), or in a column (the last dimension) the LA answered any
    cell of (``blank: zero_in_column``: shares of a phase's pupils), and stay missing otherwise.
    Total rows are dropped.
    """
    return _memo(clean, ("numeric", qid), codebook, lambda: _numeric_answers(clean, codebook, qid))


def _numeric_answers(clean: pd.DataFrame, codebook: Codebook, qid: str) -> pd.DataFrame:
    q = codebook.questions[qid]
    dims = list(q.dimensions)
    sub = answers_of(clean, qid)
    # An LA that gave only the Total row answered the question: with blank rule zero its rows are
    # 0 (validation has checked that such a Total is 0), so it stays in the grid and the base.
    las = sorted(sub["la_code"].unique()) if q.blank == "zero" else None
    if dims:
        sub = sub[sub[dims[0]] != TOTAL]
    sub = sub[["la_code", *dims, "value"]].assign(x=lambda d: d["value"].astype(float)).drop(columns="value")
    sub = sub.astype({d: object for d in ["la_code", *dims]})  # all-empty dimension columns read as float
    las = las if las is not None else sorted(sub["la_code"].unique())
    if not dims:
        return sub.reset_index(drop=True)
    levels = [las] + [list(codebook.dimensions[d].values) for d in dims]
    keys = list(zip(*(sub[c].tolist() for c in ["la_code", *dims]), strict=True))
    if len(set(keys)) == len(keys):  # one answer per cell (validated): a lookup, not a merge
        given = dict(zip(keys, sub["x"].tolist(), strict=True))
        cells = list(itertools.product(*levels))
        columns = list(zip(*cells, strict=True)) if cells else [()] * len(levels)
        out = pd.DataFrame(dict(zip(["la_code", *dims], columns, strict=True)), dtype=object)
        out["x"] = np.array([given.get(cell, np.nan) for cell in cells], dtype=float)
    else:
        grid = (
            pd.MultiIndex.from_product(levels, names=["la_code", *dims]).to_frame(index=False).astype(object)
        )
        out = grid.merge(sub, on=["la_code", *dims], how="left")
    if q.blank == "zero":
        out["x"] = out["x"].fillna(0.0)
    elif q.blank == "zero_in_column":  # 0 only in the columns the LA answered (a grid: codebook)
        answered = out.groupby(["la_code", dims[-1]], sort=False)["x"].transform("count") > 0
        out["x"] = out["x"].where(~answered, out["x"].fillna(0.0))
    return out


def choice_answers(clean: pd.DataFrame, qid: str) -> pd.DataFrame:
    """A category / yes-no question: la_code, dims..., value (the category code)."""
    return _memo(clean, ("choice", qid), None, lambda: _choice_answers(clean, qid))


def _choice_answers(clean: pd.DataFrame, qid: str) -> pd.DataFrame:
    sub = answers_of(clean, qid)
    dims = [
        c
        for c in sub.columns
        if c
        not in (
            "wave",
            "la_code",
            "question_id",
            "item",
            "value",
            "kind",
            "source_file",
            "source_sheet",
            "source_cell",
        )
        and sub[c].notna().any()
    ]
    return sub[["la_code", *dims, "value"]].reset_index(drop=True)


def band(values: pd.Series, lower: float, upper: float) -> pd.Series:
    """Usage band: low (< lower), medium (lower..upper inclusive), high (> upper)."""
    out = pd.Series(pd.NA, index=values.index, dtype="object")
    out[values < lower] = "low"
    out[(values >= lower) & (values <= upper)] = "medium"
    out[values > upper] = "high"
    return out


def count_band(values: pd.Series, bands: list) -> pd.Series:
    """Label each value with the first band [label, min, max] that holds it (max None = open)."""
    out = pd.Series(pd.NA, index=values.index, dtype="object")
    for label, lo, hi in bands:
        hit = (values >= lo) & (values <= (np.inf if hi is None else hi))
        out[hit & out.isna()] = label
    return out


# Per-LA totals by phase turned into rates per 10,000 pupils of the phase (January census
# headcount of the wave): name, question, phase dimension, {phase: the dimension values summed}.
PHASE_RATES = (
    ("places", "places", "phase", {"primary": ("primary",), "secondary": SECONDARY_PHASES}),
    ("ehe", "ehe", "school_phase", {"primary": ("primary",), "secondary": ("secondary",)}),
    ("semh_places", "semh_places", "school_phase", {"secondary": ("secondary",)}),
)


def phase_totals(
    clean: pd.DataFrame, codebook: Codebook, qid: str, dim: str, phases: dict, name: str
) -> pd.DataFrame:
    """la_code, ``<name>_<phase>``: each answering LA's total over the phase's dimension values
    (0 where it gave none in the phase; LAs that did not answer the question are absent)."""
    ans = numeric_answers(clean, codebook, qid)
    las = pd.Index(sorted(ans["la_code"].unique()), name="la_code")
    out = pd.DataFrame(index=las)
    for ph, values in phases.items():
        part = ans[ans[dim].isin(values)].groupby("la_code")["x"].sum()
        out[f"{name}_{ph}"] = part.reindex(las, fill_value=0.0).astype(float)
    return out.reset_index()


def build_la_frame(
    context: pd.DataFrame,
    clean: pd.DataFrame,
    respondents: list[str],
    codebook: Codebook,
    analysis: dict,
) -> pd.DataFrame:
    """One row per frame LA with the per-LA measures the figures group or weight by."""
    df = context.copy()
    df["responded"] = df["la_code"].isin(respondents)

    providers = numeric_answers(clean, codebook, "providers")
    prov_total = providers.groupby("la_code")["x"].sum().rename("providers_total")
    df = df.merge(prov_total, on="la_code", how="left")
    df["provider_count_band"] = count_band(df["providers_total"], analysis["provider_count_bands"])

    pupils = numeric_answers(clean, codebook, "pupils_placed")
    by_phase = pupils.pivot_table(index="la_code", columns="phase", values="x", aggfunc="sum")
    by_phase = by_phase.reindex(columns=list(codebook.dimensions["phase"].values), fill_value=0.0)
    placed = pd.DataFrame(
        {
            "pupils_placed_primary": by_phase["primary"],
            "pupils_placed_secondary": by_phase[list(SECONDARY_PHASES)].sum(axis=1),
            "pupils_placed_total": by_phase.sum(axis=1),
        }
    ).reset_index()
    df = df.merge(placed, on="la_code", how="left")
    df["ap_use_per_10k_primary"] = la_rate_per_10k(df["pupils_placed_primary"], df["pupils_primary"])
    df["ap_use_per_10k_secondary"] = la_rate_per_10k(df["pupils_placed_secondary"], df["pupils_secondary"])
    bands = analysis["usage_bands"]
    df["usage_band_primary"] = band(df["ap_use_per_10k_primary"], **bands["primary"])
    df["usage_band_secondary"] = band(df["ap_use_per_10k_secondary"], **bands["secondary"])

    for name, qid, dim, phases in PHASE_RATES:
        df = df.merge(phase_totals(clean, codebook, qid, dim, phases, name), on="la_code", how="left")
        for ph in phases:
            df[f"{name}_per_10k_{ph}"] = la_rate_per_10k(df[f"{name}_{ph}"], df[f"pupils_{ph}"])

    model = choice_answers(clean, "decision_model")
    if len(model):
        sec = model[model["school_phase"] == "secondary"].set_index("la_code")["value"]
        df["decision_model_secondary"] = df["la_code"].map(sec)
    else:
        df["decision_model_secondary"] = pd.NA
    df["la_model"] = df["decision_model_secondary"].map(MODEL_GROUPS)
    for col, qid in (("semh_provision", "semh_provision"), ("semh_model", "semh_ap_model")):
        ans = choice_answers(clean, qid)
        df[col] = df["la_code"].map(ans.set_index("la_code")["value"]) if len(ans) else pd.NA

    places = numeric_answers(clean, codebook, "places")
    for p in codebook.dimensions["provider_type"].values:
        users = set(places.loc[(places["provider_type"] == p) & (places["x"] > 0), "la_code"])
        users |= set(providers.loc[(providers["provider_type"] == p) & (providers["x"] > 0), "la_code"])
        df[f"uses_{p}"] = df["la_code"].isin(users)
    df = df.merge(places.groupby("la_code")["x"].sum().rename("places_total"), on="la_code", how="left")
    asked: dict[str, set] = {}  # the questions each LA answered, over plain lists
    for la, qid in zip(clean["la_code"].tolist(), clean["question_id"].tolist(), strict=True):
        asked.setdefault(la, set()).add(qid)
    answered = pd.Series({la: ";".join(sorted(q)) for la, q in sorted(asked.items())}, dtype="str")
    df = df.merge(answered.rename_axis("la_code").rename("questions_answered"), on="la_code", how="left")
    return df.sort_values("la_code").reset_index(drop=True)


def la_own_average(cells: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """An LA's average cost for a provider type from its phase costs: weighted by its places in
    each phase, a simple mean where it gave no positive place numbers for them. keys..., cost."""
    w = cells["places"].where(cells["places"] > 0)
    has_places = w.groupby([cells[k] for k in keys]).transform("count") > 0
    w = w.fillna(0.0).where(has_places, 1.0)
    num = (cells["cost"] * w).groupby([cells[k] for k in keys]).sum()
    den = w.groupby([cells[k] for k in keys]).sum()
    return (num / den).rename("cost").reset_index()


def with_place_weights(cells: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Add each cost cell's place weight, once (see :func:`pipeline.estimators.place_weights`):
    the LA's places in the cell (0 places: 0); ``fallback_weight`` True where the LA gave no
    place numbers and the cell takes the mean positive place count of the cost cells of the same
    ``keys`` (provider type, or provider type x phase). Our assumption, stated in docs/methods.md."""
    out = cells.copy()
    out["fallback_weight"] = out["places"].isna()
    weight = np.full(len(out), np.nan)
    places = out["places"]
    for rows in out.groupby(keys, sort=False).indices.values():  # each group's rows, in row order
        weight[rows] = place_weights(places.iloc[rows]).to_numpy(float)
    out["weight"] = weight
    return out


def cost_tables(clean: pd.DataFrame, codebook: Codebook) -> dict[str, pd.DataFrame]:
    """Costs at two levels, each with the place weight of every cell (computed here, once).

    * ``type_costs``: one row per LA x provider type: the LA's 'all phases' average cost for the
      type, or, where it gave only phase costs, their place-weighted mean; ``places``: the LA's
      places in that type (missing when it gave no place numbers), ``weight`` and
      ``fallback_weight`` (:func:`with_place_weights` within the provider type).
    * ``phase_costs``: one row per LA x provider type x phase cost, with the LA's places in that
      type and phase and the weight (fallback within provider type x phase).
    """
    costs = numeric_answers(clean, codebook, "costs").dropna(subset=["x"]).rename(columns={"x": "cost"})
    places = numeric_answers(clean, codebook, "places").rename(columns={"x": "places"})
    groups = codebook.dimensions["provider_type"].groups
    phase = costs[costs["cost_phase"] != "all_phases"].rename(columns={"cost_phase": "phase"})
    phase = phase.merge(places, on=["la_code", "provider_type", "phase"], how="left")
    type_places = places.groupby(["la_code", "provider_type"], as_index=False)["places"].sum()
    given = costs[costs["cost_phase"] == "all_phases"][["la_code", "provider_type", "cost"]]
    derived = la_own_average(phase, ["la_code", "provider_type"])
    derived = derived.merge(given[["la_code", "provider_type"]], how="left", indicator=True)
    derived = derived[derived["_merge"] == "left_only"].drop(columns="_merge")
    types = pd.concat([given, derived], ignore_index=True).merge(
        type_places, on=["la_code", "provider_type"], how="left"
    )
    types = with_place_weights(types, ["provider_type"])
    phase = with_place_weights(phase, ["provider_type", "phase"])
    for df in (types, phase):
        df["provider_group"] = df["provider_type"].map(groups)
    cols = ["la_code", "provider_type", "cost", "places", "weight", "fallback_weight", "provider_group"]
    return {
        "type_costs": types[cols].sort_values(["la_code", "provider_type"]).reset_index(drop=True),
        "phase_costs": phase[[*cols[:2], "phase", *cols[2:]]]
        .sort_values(["la_code", "provider_type", "phase"])
        .reset_index(drop=True),
    }


def run(settings: Settings, clean: pd.DataFrame, respondents: list[str], context: pd.DataFrame) -> dict:
    codebook = settings.codebook
    return {
        "clean": clean,
        "respondents": respondents,
        "context": context,
        "la_frame": build_la_frame(context, clean, respondents, codebook, settings.analysis),
        **cost_tables(clean, codebook),
    }
