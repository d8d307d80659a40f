"""Non-response: how respondents differ from the frame, and calibrated estimates as a sensitivity.

The published estimates stay unweighted (every answering LA counts once, as in the report);
this module shows beside them what calibration to the frame would change. Nothing here
replaces an estimate.

1. Respondents against the frame on real context (config/weighting.yaml ``compare``): means or
   shares for respondents, non-respondents and the frame, and the standardised difference
   d = (m_r - m_nr) / sqrt((s_r^2 + s_nr^2) / 2) (for a category, s^2 = p (1 - p)); |d| > 0.2 is
   the usual flag of a noticeable imbalance.
2. Calibration weights by raking (iterative proportional fitting): each answering LA starts at
   N / n and the weights are scaled margin by margin until the weighted count of LAs in every
   category of every margin (region, LA type, frame terciles of pupil headcount and deprivation)
   equals the frame's. Weights are computed separately for the LAs answering each item.
   Assumption: within the cells the margins define, answering is unrelated to the answer
   (missing at random given the margins).
3. England totals grossed up from the answering LAs three ways: expansion, total x N / n (the
   report's method for its elective home education figure; the report truncates, here it is not
   rounded); ratio to pupils, total x frame pupils / answering LAs' pupils; raked, sum of w_i y_i.

A small raking is written here rather than taken from a package: ``balance`` (PyPI) requires
numpy < 2 and scipy < 1.14 on Python 3.11, incompatible with the pinned stack, and ``svy``
brings polars, pyarrow and a compiled extension for a 20-line algorithm.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .config import Settings, read_yaml

CONFIG_FILE = "weighting.yaml"


class WeightingConfigError(ValueError):
    pass


def load_spec(settings: Settings) -> dict:
    name = f"config/{CONFIG_FILE}"
    try:
        spec = read_yaml(settings.cfg / CONFIG_FILE) or {}
    except FileNotFoundError as exc:
        raise WeightingConfigError(f"{name}: file missing") from exc
    for key in ("margins", "compare", "headline", "totals"):
        if not isinstance(spec.get(key), list):
            raise WeightingConfigError(f"{name}: key '{key}' must be a list")
        for i, item in enumerate(spec[key]):
            if not isinstance(item, dict) or "column" not in item or "label" not in item:
                raise WeightingConfigError(f"{name}: {key}[{i}] needs 'column' and 'label'")
    for i, h in enumerate(spec["headline"]):
        if h.get("estimator") not in ("mean", "share"):
            raise WeightingConfigError(f"{name}: headline[{i}].estimator must be 'mean' or 'share'")
    return spec


def context_frame(la_frame: pd.DataFrame, ehe_by_la: pd.Series | None = None) -> pd.DataFrame:
    """la_frame plus derived context: all pupils, and the LA's EHE total if given."""
    f = la_frame.copy()
    # missing when the LA has no headcount at all (no row in the denominators file): left out
    f["pupils_all"] = f[["pupils_primary", "pupils_secondary"]].sum(axis=1, min_count=1)
    f["responded"] = f["responded"].astype(bool)
    if ehe_by_la is not None:
        f["ehe_total"] = f["la_code"].map(ehe_by_la)
    return f


def banded(frame: pd.DataFrame, margin: dict) -> pd.Series:
    """The margin's categories for every frame LA (numeric columns cut at the quantiles of the frame
    LAs with a value); missing (None) for an LA without a value."""
    col = frame[margin["column"]]
    if margin.get("bands"):
        q = np.nanquantile(col.to_numpy(float), np.linspace(0, 1, margin["bands"] + 1))
        q[0], q[-1] = -np.inf, np.inf
        cut = pd.cut(col, q, labels=[f"band {i + 1}" for i in range(margin["bands"])])
        return cut.astype(object).where(col.notna(), None)
    return col.astype(str).astype(object).where(col.notna(), None)


# ------------------------------------------------------------------------------------------------
# Respondents against the frame


def standardised_difference(a: np.ndarray, b: np.ndarray, binary: bool = False) -> float:
    """(mean a - mean b) / sqrt((var a + var b) / 2); for 0/1 data var = p (1 - p)."""
    ma, mb = float(np.mean(a)), float(np.mean(b))
    va, vb = (
        (ma * (1 - ma), mb * (1 - mb)) if binary else (float(np.var(a, ddof=1)), float(np.var(b, ddof=1)))
    )
    pooled = np.sqrt((va + vb) / 2)
    return (ma - mb) / pooled if pooled > 0 else 0.0


def respondents_vs_frame(frame: pd.DataFrame, spec: dict) -> pd.DataFrame:
    rows = []
    r = frame["responded"]
    for c in spec["compare"]:
        if c["column"] not in frame:
            continue
        col = frame[c["column"]]
        if pd.api.types.is_numeric_dtype(col):
            ok = col.notna()
            a, b = col[r & ok].to_numpy(float), col[~r & ok].to_numpy(float)
            rows.append(_row(c["label"], "mean", a.mean(), b.mean(), col[ok].mean(), a, b, False))
        else:
            for cat in sorted(col.dropna().unique()):
                x = (col == cat).astype(float)
                a, b = x[r].to_numpy(), x[~r].to_numpy()
                rows.append(_row(c["label"], str(cat), a.mean(), b.mean(), x.mean(), a, b, True))
    return pd.DataFrame(rows)


def _row(label, category, m_r, m_nr, m_f, a, b, binary) -> dict:
    return {
        "characteristic": label,
        "category": category if binary else "Mean",
        "statistic": "share of LAs" if binary else "mean",
        "respondents": m_r,
        "non_respondents": m_nr,
        "frame": m_f,
        "standardised_difference": standardised_difference(a, b, binary),
        "n_respondents": len(a),
        "n_non_respondents": len(b),
    }


# ------------------------------------------------------------------------------------------------
# Raking


def rake(categories: pd.DataFrame, targets: list[pd.Series], start: float, max_iter: int, tol: float):
    """Iterative proportional fitting of unit weights to categorical margins.

    ``categories``: one column per margin, a row per answering LA; ``targets``: for each margin,
    the frame count of LAs in each category. Returns (weights, iterations, converged)."""
    codes, goals = [], []
    for j, target in enumerate(targets):
        c, uniques = pd.factorize(categories.iloc[:, j])
        codes.append(c)
        goals.append(target.reindex(uniques).to_numpy(float))
    w = np.full(len(categories), float(start))
    for it in range(1, max_iter + 1):
        for c, g in zip(codes, goals, strict=True):
            w = w * (g / np.bincount(c, weights=w, minlength=len(g)))[c]
        worst = max(
            float(np.abs(np.bincount(c, weights=w, minlength=len(g)) - g).max())
            for c, g in zip(codes, goals, strict=True)
        )
        if worst < tol:
            return w, it, True
    return w, max_iter, False


def calibration_weights(frame: pd.DataFrame, answered: pd.Series, spec: dict) -> tuple[pd.Series, list[str]]:
    """Raked weights for the answering LAs (index la_code); notes on margins left out."""
    notes = []
    cats, targets = [], []
    n, N = int(answered.sum()), len(frame)
    for m in spec["margins"]:
        b = banded(frame, m)
        known = b.notna()
        if not known[answered].all():
            notes.append(
                f"{m['label']}: left out ({int((~known[answered]).sum())} answering LA(s) without a value)"
            )
            continue
        empty = sorted(set(b[known]) - set(b[answered]))
        if empty:
            notes.append(f"{m['label']}: left out (no answering LA in {', '.join(empty)})")
            continue
        counts = b[known].value_counts()
        if not known.all():  # frame LAs without a value: left out, the others stand for all N
            notes.append(f"{m['label']}: {int((~known).sum())} frame LA(s) without a value left out")
            counts = counts * N / int(known.sum())
        cats.append(b[answered].rename(m["column"]))
        targets.append(counts)
    r = spec.get("raking", {})
    if not cats:
        return pd.Series(N / n, index=frame.loc[answered, "la_code"]), notes
    w, iters, ok = rake(
        pd.concat(cats, axis=1).reset_index(drop=True),
        targets,
        N / n,
        int(r.get("max_iterations", 200)),
        float(r.get("tolerance", 1e-6)),
    )
    if not ok:
        notes.append(f"raking did not converge in {iters} sweeps")
    return pd.Series(w, index=frame.loc[answered, "la_code"].to_numpy()), notes


# ------------------------------------------------------------------------------------------------
# Estimates


def headline_estimates(frame: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """Each headline measure unweighted (95% interval with fpc) and with raked weights."""
    from .uncertainty import mean_of_non_negative, share_of_las

    N = len(frame)
    rows = []
    for h in spec["headline"]:
        if h["column"] not in frame:
            continue
        col = frame[h["column"]]
        answered = frame["responded"] & col.notna()
        if not answered.any():  # no LA answered: no estimate (as in grossed_up_totals)
            continue
        if h["estimator"] == "share":
            y = (col[answered] == h["equals"]).astype(float)
            iv = share_of_las(y, N)
        else:
            y = col[answered].astype(float)
            iv = mean_of_non_negative(y, N)
        w, notes = calibration_weights(frame, answered, spec)
        weighted = float(np.sum(w.to_numpy() * y.to_numpy()) / w.sum()) if len(y) else np.nan
        rows.append(
            {
                "measure": h["label"],
                "estimator": "share of LAs" if h["estimator"] == "share" else "mean of LA values",
                "unweighted": iv.estimate,
                "lower": iv.lower,
                "upper": iv.upper,
                "weighted": weighted,
                "n_las": iv.n,
                "note": "; ".join(notes),
            }
        )
    return pd.DataFrame(rows)


def grossed_up_totals(frame: pd.DataFrame, spec: dict) -> pd.DataFrame:
    N = len(frame)
    rows = []
    for t in spec["totals"]:
        if t["column"] not in frame:
            continue
        col = frame[t["column"]]
        answered = frame["responded"] & col.notna()
        n = int(answered.sum())
        if n == 0:
            continue
        y = col[answered].astype(float)
        w, notes = calibration_weights(frame, answered, spec)
        pupils = frame["pupils_all"]  # LAs without a headcount are left out of the ratio
        with_pupils = answered & pupils.notna()
        rows.append(
            {
                "measure": t["label"],
                "n_las": n,
                "total_answering_las": float(y.sum()),
                "expansion": float(y.sum()) * N / n,
                "ratio_to_pupils": float(col[with_pupils].sum())
                * float(pupils.sum())
                / float(pupils[with_pupils].sum()),
                "raked": float(np.sum(w.to_numpy() * y.to_numpy())),
                "note": "; ".join(notes),
            }
        )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------------
# Stage


def _fmt(x) -> str:
    if isinstance(x, str):
        return x
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "x"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    return f"{float(x):.6g}"


def _ees(df: pd.DataFrame, settings: Settings, filters: list[str], labels: dict[str, str]):
    out = pd.DataFrame(
        {
            "time_period": settings.time_period,
            "time_identifier": settings.time_identifier,
            "geographic_level": "National",
            "country_code": "E92000001",
            "country_name": "England",
        },
        index=df.index,
    )
    for c in df.columns:  # a filter is never blank in open data: an empty note reads "none"
        out[c] = df[c].replace("", "none") if c in filters else df[c].map(_fmt)
    meta = pd.DataFrame(
        [
            {
                "col_name": c,
                "col_type": "Filter" if c in filters else "Indicator",
                "label": labels.get(c, c.replace("_", " ").capitalize()),
                "indicator_grouping": "",
                "indicator_unit": "",
                "indicator_dp": "" if c in filters else (0 if c == "n_las" else 3),
                "filter_hint": "",
                "filter_grouping_column": "",
            }
            for c in df.columns
        ]
    )
    return out, meta


LABELS = {
    "standardised_difference": "Standardised difference, respondents - non-respondents (flag |d| > 0.2)",
    "unweighted": "Unweighted estimate (as published; every answering LA counts once)",
    "lower": "Lower bound of the 95% interval of the unweighted estimate (fpc)",
    "upper": "Upper bound of the 95% interval of the unweighted estimate (fpc)",
    "weighted": "Estimate with raking weights to the frame (sensitivity)",
    "expansion": "Total x N / n (the report's extrapolation, not truncated)",
    "ratio_to_pupils": "Total x frame pupils / answering LAs' pupils",
    "raked": "Sum of raked weights x LA values",
    "n_las": "Number of LAs",
}


def stage(settings: Settings, la_frame: pd.DataFrame, clean: pd.DataFrame | None = None) -> None:
    """Write the three non-response tables (EES + .meta.csv) and the weights (working file)."""
    from .present import write_csv

    spec = load_spec(settings)
    ehe = None
    if clean is not None and (clean["question_id"] == "ehe").any():
        from .derive import numeric_answers

        e = numeric_answers(clean, settings.codebook, "ehe")
        ehe = e.groupby("la_code")["x"].sum(min_count=1)
    frame = context_frame(la_frame, ehe)
    out = settings.processed_dir
    tables = {
        "nonresponse_respondents_vs_frame": (
            respondents_vs_frame(frame, spec),
            ["characteristic", "category", "statistic"],
        ),
        "nonresponse_headline_estimates": (headline_estimates(frame, spec), ["measure", "estimator", "note"]),
        "nonresponse_grossed_up_totals": (grossed_up_totals(frame, spec), ["measure", "note"]),
    }
    for name, (df, filters) in tables.items():
        data, meta = _ees(df, settings, filters, LABELS)
        write_csv(out / f"{name}.csv", data)
        write_csv(out / f"{name}.meta.csv", meta)
    w, notes = calibration_weights(frame, frame["responded"], spec)
    write_csv(out / "nonresponse_weights.csv", w.rename("weight").rename_axis("la_code").reset_index())
