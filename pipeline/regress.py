"""Regress: the report's regression findings as OLS models on the LA frame, declared in config.

Each model in ``config/regressions.yaml`` is ``outcome ~ term + term ...`` over variables
defined once there (a la_frame column, a 0/1 indicator of a category, or a column of a per-LA
public file). Estimator: ordinary least squares with an intercept; standard errors are HC3
heteroskedasticity-robust (MacKinnon and White 1985), tests and 95% intervals normal
(z), as statsmodels does for robust covariances. LAs missing any variable of a model are left
out of that model (complete cases); n is stated on every row.

Diagnostics for reviewers: residuals against fitted values, Cook's distance (from the
non-robust fit; LAs above ``cooks_multiple / n`` are "influential") and a robustness row per
model refitted without the influential LAs.

A model with a ``finding`` hands reproduce the signed coefficient of its term as the value of
that finding id, with ``p_value`` (robust) beside it. Nothing here reads published values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .config import Settings, fill_strings, read_yaml

CONFIG_FILE = "regressions.yaml"
Z975 = 1.959963984540054  # standard normal 97.5% quantile
DATA_LABELS = {
    "real": "real public data only",
    "survey": "depends on the LA returns",
}


class RegressionConfigError(ValueError):
    """A mistake in config/regressions.yaml: one line naming the file and key."""


# ------------------------------------------------------------------------------------------------
# Config


def load_spec(settings: Settings) -> dict:
    """Read and check config/regressions.yaml; raise RegressionConfigError naming file and key."""
    path = settings.cfg / CONFIG_FILE
    name = f"config/{CONFIG_FILE}"
    try:
        spec = fill_strings(read_yaml(path) or {}, settings.fill)  # {exclusions_year} etc. from the wave
    except FileNotFoundError as exc:
        raise RegressionConfigError(f"{name}: file missing") from exc
    variables = spec.get("variables")
    if not isinstance(variables, dict) or not variables:
        raise RegressionConfigError(f"{name}: key 'variables' must map variable names to definitions")
    for key, v in variables.items():
        if not isinstance(v, dict) or "column" not in v or "label" not in v:
            raise RegressionConfigError(f"{name}: variables.{key} needs 'column' and 'label'")
        if v.get("data") not in DATA_LABELS:
            raise RegressionConfigError(f"{name}: variables.{key}.data must be one of {sorted(DATA_LABELS)}")
        src = v.get("source")
        if src is not None and src not in (spec.get("sources") or {}):
            raise RegressionConfigError(f"{name}: variables.{key}.source '{src}' is not under 'sources'")
    models = spec.get("models")
    if not isinstance(models, list) or not models:
        raise RegressionConfigError(f"{name}: key 'models' must be a list of models")
    seen = set()
    for i, m in enumerate(models):
        where = f"{name}: models[{i}]"
        if not isinstance(m, dict) or "id" not in m or "formula" not in m:
            raise RegressionConfigError(f"{where} needs 'id' and 'formula'")
        if m["id"] in seen:
            raise RegressionConfigError(f"{where}.id '{m['id']}' is used twice")
        seen.add(m["id"])
        try:
            outcome, terms = parse_formula(m["formula"])
        except ValueError as exc:
            raise RegressionConfigError(f"{where}.formula: {exc}") from exc
        for v in (outcome, *terms):
            if v not in variables:
                raise RegressionConfigError(
                    f"{where}.formula: unknown variable '{v}' (define it under variables)"
                )
        if m.get("sample", "respondents") not in ("respondents", "frame"):
            raise RegressionConfigError(f"{where}.sample must be 'respondents' or 'frame'")
        f = m.get("finding")
        if f is not None and (not isinstance(f, dict) or f.get("term") not in terms or not f.get("id")):
            raise RegressionConfigError(f"{where}.finding needs 'id' and a 'term' of the formula")
    return spec


def parse_formula(formula: str) -> tuple[str, list[str]]:
    """'y ~ a + b' -> ('y', ['a', 'b']): additive main effects of declared variables, with intercept."""
    if not isinstance(formula, str) or formula.count("~") != 1:
        raise ValueError(f"expected 'outcome ~ term + term', got {formula!r}")
    lhs, rhs = (s.strip() for s in formula.split("~"))
    terms = [t.strip() for t in rhs.split("+")]
    if not lhs or not all(terms) or not all(t.isidentifier() for t in [lhs, *terms]):
        raise ValueError(f"expected 'outcome ~ term + term' with variable names, got {formula!r}")
    if len(set(terms)) != len(terms) or lhs in terms:
        raise ValueError(f"a variable appears twice in {formula!r}")
    return lhs, terms


# ------------------------------------------------------------------------------------------------
# Data


def variable_frame(la_frame: pd.DataFrame, spec: dict, settings: Settings) -> tuple[pd.DataFrame, list[str]]:
    """One row per frame LA: la_code, la_name, responded and every variable that can be built.

    Returns the frame and the variables that could not be built for this wave (with reasons)."""
    out = la_frame[["la_code", "old_la_code", "la_name", "responded"]].copy()
    out["responded"] = out["responded"].astype(bool)
    sources = {}
    missing = []
    for key, v in spec["variables"].items():
        base = la_frame
        if v.get("source"):
            src = v["source"]
            if src not in sources:
                sources[src] = _source(
                    la_frame, settings.wave_config.get("regression_sources") or {}, src, settings
                )
            base = sources[src]
            if base is None:
                missing.append(f"{key}: no '{src}' source configured for wave {settings.wave}")
                continue
        if v["column"] not in base.columns:
            missing.append(f"{key}: column '{v['column']}' not available")
            continue
        col = base[v["column"]]
        if "equals" in v:
            col = col.where(col.isna(), (col == v["equals"]).astype(float))
        out[key] = pd.to_numeric(col, errors="coerce").to_numpy()
    return out, missing


def _source(la_frame: pd.DataFrame, of_wave: dict, name: str, settings: Settings) -> pd.DataFrame | None:
    """The wave's per-LA file for a source, aligned to the rows of la_frame (None if it has none)."""
    s = of_wave.get(name)
    if not s:
        return None
    ((frame_key, file_key),) = s["join"].items()
    df = pd.read_csv(settings.path(s["file"]), dtype={file_key: str}, encoding="utf-8")
    df = df[[file_key, *s["columns"].values()]].rename(columns={v: k for k, v in s["columns"].items()})
    left = la_frame[[frame_key]].astype(str)
    return left.merge(df, left_on=frame_key, right_on=file_key, how="left").set_index(la_frame.index)


# ------------------------------------------------------------------------------------------------
# Fitting


@dataclass
class Fit:
    model: str
    sample: str  # all | without_influential
    outcome: str
    terms: list[str]
    params: pd.Series
    se: pd.Series
    pvalues: pd.Series
    ci: pd.DataFrame
    n: int
    r2: float
    fitted: np.ndarray
    resid: np.ndarray
    cooks: np.ndarray
    la_codes: np.ndarray
    la_names: np.ndarray
    cov: np.ndarray  # HC3 covariance of the coefficients


def fit_ols_hc3(
    data: pd.DataFrame, outcome: str, terms: list[str], model: str, sample: str = "all", min_las: int = 0
) -> Fit:
    """OLS with an intercept on complete cases; HC3 robust SEs; Cook's distance from the plain fit.

    Fitted by statsmodels (``OLS(y, X).fit(cov_type="HC3")``; normal reference distribution for
    the robust z statistics, as statsmodels does by default for robust covariances):
    b = (X'X)^-1 X'y, V_HC3 = (X'X)^-1 X' diag(e_i^2 / (1 - h_i)^2) X (X'X)^-1,
    Cook's D_i = e_i^2 h_i / (k s^2 (1 - h_i)^2) with k parameters and s^2 = e'e / (n - k).
    """
    from statsmodels.regression.linear_model import OLS

    d = data.dropna(subset=[outcome, *terms])
    n, k = len(d), len(terms) + 1
    if n <= k + 1 or n < min_las:
        raise ValueError(f"model {model}: only {n} LAs with every variable (minimum {max(min_las, k + 2)})")
    X = np.column_stack([np.ones(n), d[terms].to_numpy(float)])
    y = d[outcome].to_numpy(float)
    result = OLS(y, X).fit(cov_type="HC3")
    b, se, p, cov = result.params, result.bse, result.pvalues, result.cov_params()
    e = result.resid
    cooks = result.get_influence().cooks_distance[0]
    names = ["Intercept", *terms]
    tss = float(((y - y.mean()) ** 2).sum())
    return Fit(
        model=model,
        sample=sample,
        outcome=outcome,
        terms=terms,
        params=pd.Series(b, index=names),
        se=pd.Series(se, index=names),
        pvalues=pd.Series(p, index=names),
        ci=pd.DataFrame({"lower": b - Z975 * se, "upper": b + Z975 * se}, index=names),
        n=n,
        r2=1 - float(e @ e) / tss if tss > 0 else float("nan"),
        fitted=X @ b,
        resid=e,
        cooks=cooks,
        la_codes=d["la_code"].to_numpy(),
        la_names=d["la_name"].to_numpy(),
        cov=cov,
    )


def predict_mean(fit: Fit, x_values: np.ndarray) -> pd.DataFrame:
    """Fitted mean and its 95% interval (robust covariance) along one term of a one-term model."""
    X0 = np.column_stack([np.ones(len(x_values)), x_values])
    mean = X0 @ fit.params.to_numpy()
    se = np.sqrt(np.einsum("ij,jk,ik->i", X0, fit.cov, X0))
    return pd.DataFrame({"mean": mean, "lower": mean - Z975 * se, "upper": mean + Z975 * se})


def influential(fit: Fit, multiple: float) -> pd.DataFrame:
    """LAs whose Cook's distance exceeds multiple / n, largest first."""
    cut = multiple / fit.n
    df = pd.DataFrame({"la_code": fit.la_codes, "la_name": fit.la_names, "cooks_distance": fit.cooks})
    big = df[df["cooks_distance"] > cut]
    return big.sort_values(["cooks_distance", "la_code"], ascending=[False, True]).reset_index(drop=True)


def sample_of(data: pd.DataFrame, sample: str) -> pd.DataFrame:
    return data[data["responded"]] if sample == "respondents" else data


@dataclass
class Results:
    fits: list[Fit]  # all-LA fits, in config order
    robustness: list[Fit]  # refits without influential LAs
    influence: pd.DataFrame  # model, rank, la_code, la_name, cooks_distance
    skipped: list[dict]
    data: pd.DataFrame
    spec: dict


def fit_all(la_frame: pd.DataFrame, settings: Settings, spec: dict | None = None) -> Results:
    """Fit every configured model; models whose variables the wave lacks are skipped with a reason."""
    spec = spec or load_spec(settings)
    data, missing = variable_frame(la_frame, spec, settings)
    multiple = spec.get("influence", {}).get("cooks_multiple", 4)
    listed = spec.get("influence", {}).get("max_listed", 5)
    min_las = int(spec.get("min_las", 0))
    fits, robust, infl, skipped = [], [], [], []
    for m in spec["models"]:
        outcome, terms = parse_formula(m["formula"])
        lacking = [v for v in (outcome, *terms) if v not in data.columns]
        if lacking:
            skipped.append(
                {"model": m["id"], "reason": "; ".join(x for x in missing if x.split(":")[0] in lacking)}
            )
            continue
        sub = sample_of(data, m.get("sample", "respondents"))
        try:
            f = fit_ols_hc3(sub, outcome, terms, m["id"], min_las=min_las)
        except ValueError as exc:
            skipped.append({"model": m["id"], "reason": str(exc)})
            continue
        fits.append(f)
        top = influential(f, multiple)
        infl.append(top.head(listed).assign(model=m["id"], rank=lambda d: np.arange(1, len(d) + 1)))
        if len(top):
            keep = sub[~sub["la_code"].isin(top["la_code"])]
            try:
                robust.append(
                    fit_ols_hc3(keep, outcome, terms, m["id"], sample="without_influential", min_las=min_las)
                )
            except ValueError as exc:
                skipped.append({"model": f"{m['id']} (robustness)", "reason": str(exc)})
    cols = ["model", "rank", "la_code", "la_name", "cooks_distance"]
    influence = pd.concat(infl, ignore_index=True)[cols] if infl else pd.DataFrame(columns=cols)
    return Results(fits, robust, influence, skipped, data, spec)


# ------------------------------------------------------------------------------------------------
# Tables and values


def model_basis(spec: dict, fit: Fit) -> str:
    """'real public data only' or 'depends on the LA returns', from the variables' data kinds."""
    kinds = {spec["variables"][v]["data"] for v in (fit.outcome, *fit.terms)}
    return DATA_LABELS["survey"] if "survey" in kinds else DATA_LABELS["real"]


def coefficient_rows(results: Results) -> pd.DataFrame:
    """One row per model, sample and term: coefficient, robust SE, 95% CI, p, n, R2 (unrounded)."""
    spec = results.spec
    formula = {m["id"]: m["formula"] for m in spec["models"]}
    rows = []
    for f in [*results.fits, *results.robustness]:
        for term in f.params.index:
            label = "Intercept" if term == "Intercept" else spec["variables"][term]["label"]
            rows.append(
                {
                    "model": f.model,
                    "formula": formula[f.model],
                    "outcome": spec["variables"][f.outcome]["label"],
                    "sample": f.sample,
                    "term": term,
                    "term_label": label,
                    "data_basis": model_basis(spec, f),
                    "coefficient": f.params[term],
                    "robust_se": f.se[term],
                    "ci_lower": f.ci.loc[term, "lower"],
                    "ci_upper": f.ci.loc[term, "upper"],
                    "p_value": f.pvalues[term],
                    "n_las": f.n,
                    "r_squared": f.r2,
                }
            )
    order = {m["id"]: i for i, m in enumerate(spec["models"])}
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    df["_o"] = df["model"].map(order)
    df["_s"] = (df["sample"] != "all").astype(int)
    return df.sort_values(["_o", "_s"], kind="stable").drop(columns=["_o", "_s"]).reset_index(drop=True)


def finding_values(results: Results) -> list[dict]:
    """Computed values for reproduce: value = signed coefficient of the finding's term, plus p_value."""
    by_id = {f.model: f for f in results.fits}
    out = []
    for m in results.spec["models"]:
        f, finding = by_id.get(m["id"]), m.get("finding")
        if f is None or not finding:
            continue
        term = finding["term"]
        out.append(
            {
                "id": finding["id"],
                "value": float(f.params[term]),
                "unit": "finding",
                "n_las": f.n,
                "basis": f"regression {m['id']} (OLS, HC3)",
                "p_value": float(f.pvalues[term]),
            }
        )
    return out


def fmt(x) -> str:
    """Numbers in the open-data table: 6 significant figures, GSS 'x' when missing."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "x"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    return f"{float(x):.6g}"


INDICATORS = {
    "coefficient": ("Coefficient (change in outcome per unit of the term)", "", 6),
    "robust_se": ("Standard error (HC3 robust)", "", 6),
    "ci_lower": ("Lower bound of the 95% confidence interval", "", 6),
    "ci_upper": ("Upper bound of the 95% confidence interval", "", 6),
    "p_value": ("p-value (two-sided, robust)", "", 4),
    "n_las": ("Number of LAs in the model", "", 0),
    "r_squared": ("R squared", "", 3),
}
FILTERS = {
    "model": "Model",
    "formula": "Formula (variables defined in config/regressions.yaml)",
    "outcome": "Outcome",
    "sample": "Sample (all = every LA with the variables; without_influential = robustness refit)",
    "term": "Term",
    "term_label": "Term label",
    "data_basis": "Data basis (real public data only, or depends on the LA returns)",
}


def open_data(rows: pd.DataFrame, settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """regressions.csv and its .meta.csv in the DfE open-data (EES) layout."""
    out = pd.DataFrame(
        {
            "time_period": settings.time_period,
            "time_identifier": settings.time_identifier,
            "geographic_level": "National",
            "country_code": "E92000001",
            "country_name": "England",
        },
        index=rows.index,
    )
    for f in FILTERS:
        out[f] = rows[f]
    for col in INDICATORS:
        out[col] = rows[col].map(fmt)
    meta = [
        {
            "col_name": f,
            "col_type": "Filter",
            "label": lab,
            "indicator_grouping": "",
            "indicator_unit": "",
            "indicator_dp": "",
            "filter_hint": "",
            "filter_grouping_column": "",
        }
        for f, lab in FILTERS.items()
    ] + [
        {
            "col_name": c,
            "col_type": "Indicator",
            "label": lab,
            "indicator_grouping": "",
            "indicator_unit": unit,
            "indicator_dp": dp,
            "filter_hint": "",
            "filter_grouping_column": "",
        }
        for c, (lab, unit, dp) in INDICATORS.items()
    ]
    return out, pd.DataFrame(meta)


# ------------------------------------------------------------------------------------------------
# Stage


def write_outputs(results: Results, settings: Settings) -> pd.DataFrame:
    """Write regressions.csv (+ meta), the influence table and the skipped list; return the rows."""
    from . import present

    out = settings.processed_dir
    rows = coefficient_rows(results)
    data, meta = open_data(rows, settings)
    present.write_csv(out / "regressions.csv", data)
    present.write_csv(out / "regressions.meta.csv", meta)
    infl = results.influence.copy()
    infl["cooks_distance"] = infl["cooks_distance"].map(fmt)
    present.write_csv(out / "regression_influential_las.csv", infl)
    present.write_csv(
        out / "regression_skipped.csv", pd.DataFrame(results.skipped, columns=["model", "reason"])
    )
    return rows


def stage(settings: Settings, la_frame: pd.DataFrame, log=print, draw=None) -> list[dict]:
    """Fit, write and return the finding values (the run loop's hook). Config mistakes: one line.

    ``draw(fn, *args)`` schedules the figures elsewhere (the run's figure workers); without it
    they are drawn here."""
    from .regress_figures import JOBS, draw_all

    results = fit_all(la_frame, settings)
    rows = write_outputs(results, settings)
    if draw is None:
        draw_all(results, rows, settings)
    else:
        for job in JOBS:
            draw(job, results, rows, settings)
    log(
        f"fitted {len(results.fits)} regression models (+{len(results.robustness)} robustness refits); "
        f"{len(results.skipped)} skipped"
    )
    return finding_values(results)


def main(wave: str) -> int:
    """``python -m pipeline regress --wave W``: reads la_frame.csv written by derive."""
    import sys

    settings = Settings(wave)
    path = settings.processed_dir / "la_frame.csv"
    if not path.exists():
        print(
            f"{path.relative_to(settings.root)} missing: run `python -m pipeline derive --wave {wave}` first",
            file=sys.stderr,
        )
        return 1
    try:
        la_frame = pd.read_csv(path, dtype={"old_la_code": str}, encoding="utf-8")
        values = stage(settings, la_frame, log=lambda m: print(m, file=sys.stderr))
    except RegressionConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    for v in values:
        print(f"{v['id']}: coefficient {v['value']:.4g}, p = {v['p_value']:.3g}, n = {v['n_las']}")
    return 0
