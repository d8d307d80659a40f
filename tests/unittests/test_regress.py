"""Regressions: OLS with HC3 robust errors against hand-computed answers; config errors; findings."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from pipeline.config import Settings
from pipeline.regress import RegressionConfigError, fit_ols_hc3, influential, load_spec, parse_formula

# Two groups of two LAs: x = 0 has y 0 and 2 (mean 1), x = 1 has y 1 and 5 (mean 3).
# OLS: intercept 1, slope 2; residuals -1, 1, -2, 2; every leverage h = 1/2.
# HC3 variance of a group mean = sum(e^2 / (1 - h)^2) / n_g^2: group 0: (1 + 1) / 0.25 / 4 = 2,
# group 1: (4 + 4) / 0.25 / 4 = 8; slope = difference of means: var 2 + 8 = 10.
# R2 = 1 - SSR/SST = 1 - 10/14. Cook's D = e^2 / (p s^2) * h / (1 - h)^2 with p = 2,
# s^2 = 10 / 2 = 5: 0.2 for |e| = 1 and 0.8 for |e| = 2.
HAND = pd.DataFrame({"la_code": list("abcd"), "la_name": list("ABCD"), "x": [0, 0, 1, 1], "y": [0, 2, 1, 5]})


def test_ols_hc3_against_hand_computed_answers():
    f = fit_ols_hc3(HAND, "y", ["x"], "m")
    assert f.params["Intercept"] == pytest.approx(1)
    assert f.params["x"] == pytest.approx(2)
    assert f.se["Intercept"] == pytest.approx(math.sqrt(2))
    assert f.se["x"] == pytest.approx(math.sqrt(10))
    z = 2 / math.sqrt(10)
    assert f.pvalues["x"] == pytest.approx(math.erfc(z / math.sqrt(2)))  # two-sided normal p
    assert f.ci.loc["x", "lower"] == pytest.approx(2 - 1.959964 * math.sqrt(10), rel=1e-6)
    assert f.ci.loc["x", "upper"] == pytest.approx(2 + 1.959964 * math.sqrt(10), rel=1e-6)
    assert f.r2 == pytest.approx(1 - 10 / 14)
    assert f.n == 4
    assert np.allclose(f.cooks, [0.2, 0.2, 0.8, 0.8])


def test_influential_uses_multiple_over_n():
    f = fit_ols_hc3(HAND, "y", ["x"], "m")
    # 4/n = 1: nobody; 2/n = 0.5: the two LAs with |e| = 2, largest first
    assert influential(f, 4).empty
    assert set(influential(f, 2)["la_code"]) == {"c", "d"}


def test_missing_values_are_left_out_and_too_few_las_refused():
    d = pd.concat([HAND, HAND.assign(la_code=list("efgh"), y=np.nan)], ignore_index=True)
    assert fit_ols_hc3(d, "y", ["x"], "m").n == 4
    with pytest.raises(ValueError, match="only 3 LAs"):
        fit_ols_hc3(HAND.iloc[:3], "y", ["x"], "m")


@pytest.mark.parametrize(
    ("formula", "expected"),
    [("y ~ x", ("y", ["x"])), (" y~a +b ", ("y", ["a", "b"]))],
)
def test_parse_formula(formula, expected):
    assert parse_formula(formula) == expected


@pytest.mark.parametrize("formula", ["y = x", "y ~", "y ~ x + x", "y ~ log(x)", "y ~ a ~ b"])
def test_parse_formula_refuses(formula):
    with pytest.raises(ValueError):
        parse_formula(formula)


def _settings_with(tmp_path: Path, spec: dict) -> Settings:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "regressions.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    return Settings("x", root=tmp_path)


def test_config_mistake_is_one_line_naming_file_and_key(tmp_path):
    spec = {
        "variables": {"y": {"column": "y", "label": "Y", "data": "real"}},
        "models": [{"id": "m", "formula": "y ~ nope"}],
    }
    with pytest.raises(RegressionConfigError) as exc:
        load_spec(_settings_with(tmp_path, spec))
    msg = str(exc.value)
    assert "\n" not in msg
    assert "config/regressions.yaml" in msg and "models[0].formula" in msg and "nope" in msg


def test_the_shipped_config_loads():
    spec = load_spec(Settings("2018"))
    assert all(m.get("finding", {}).get("id", "txt.regression.").startswith("txt.") for m in spec["models"])


def test_statsmodels_fit_agrees_with_the_hc3_formula_written_out():
    """The fit (statsmodels) against the textbook formulas computed here in numpy."""
    from math import erfc, sqrt

    rng = np.random.default_rng(3)
    d = pd.DataFrame({"la_code": range(40), "la_name": range(40), "a": rng.normal(size=40)})
    d["b"] = (rng.uniform(size=40) > 0.6).astype(float)
    d["y"] = 1 + 2 * d["a"] - d["b"] + rng.normal(size=40) * (1 + d["a"].abs())
    f = fit_ols_hc3(d, "y", ["a", "b"], "m")
    X = np.column_stack([np.ones(40), d[["a", "b"]]])
    y = d["y"].to_numpy()
    xtx_inv = np.linalg.inv(X.T @ X)
    b = xtx_inv @ X.T @ y
    e = y - X @ b
    h = np.einsum("ij,jk,ik->i", X, xtx_inv, X)
    cov = xtx_inv @ (X.T @ (X * (e**2 / (1 - h) ** 2)[:, None])) @ xtx_inv
    se = np.sqrt(np.diag(cov))
    p = [erfc(abs(v) / sqrt(2)) for v in b / se]
    s2 = e @ e / (40 - 3)
    assert np.allclose(f.params, b)
    assert np.allclose(f.se, se)
    assert np.allclose(f.pvalues, p)
    assert np.allclose(f.ci["lower"], b - 1.959963984540054 * se)
    assert np.allclose(f.cooks, e**2 * h / (3 * s2 * (1 - h) ** 2))
    assert f.r2 == pytest.approx(1 - e @ e / ((y - y.mean()) ** 2).sum())


def test_minimum_number_of_las():
    with pytest.raises(ValueError, match="minimum 20"):
        fit_ols_hc3(HAND, "y", ["x"], "m", min_las=20)
