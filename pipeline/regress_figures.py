"""Figures of the regressions: coefficients with 95% intervals, residuals against fitted values,
and the real exclusion-deprivation relationship across every LA of the frame.

Each figure is written as PNG, SVG, the CSV of exactly what it plots and its alt text (.txt),
in the Analysis Function style of ``present``.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from .config import Settings
from .regress import predict_mean


def _save(fig, stem) -> None:
    fig.savefig(stem.with_suffix(".png"), metadata={"Software": None}, pil_kwargs={"compress_level": 1})
    fig.savefig(stem.with_suffix(".svg"), metadata={"Date": None, "Creator": None})


def _footer(fig, lines: list[str]) -> None:
    text = "\n".join(textwrap.fill(t, 160) for t in lines)
    fig.text(0.01, 0.01, text, fontsize=6.5, va="bottom", ha="left", color="#3D3D3D")


def _sample_note(spec: dict, model: str) -> str:
    """', all LAs' for a model fitted on the whole frame (the others use respondents)."""
    m = next((m for m in spec["models"] if m["id"] == model), {})
    return ", all LAs" if m.get("sample") == "frame" else ""


def _grid(n: int) -> tuple[int, int]:
    cols = 3 if n > 4 else max(1, min(n, 2))
    return int(np.ceil(n / cols)), cols


def coefficient_figure(rows: pd.DataFrame, settings: Settings, spec: dict) -> str:
    """One panel per model: each term's coefficient with its robust 95% interval (full sample)."""
    from .present import _colours, _style, write_csv, write_text

    plt = _style()
    data = rows[(rows["sample"] == "all") & (rows["term"] != "Intercept")].reset_index(drop=True)
    stem = settings.figures_dir / "regression_coefficients"
    stem.parent.mkdir(parents=True, exist_ok=True)
    cols = [
        "model",
        "formula",
        "term",
        "term_label",
        "data_basis",
        "coefficient",
        "ci_lower",
        "ci_upper",
        "p_value",
        "n_las",
    ]
    write_csv(stem.with_suffix(".csv"), data[cols])
    models = list(dict.fromkeys(data["model"]))
    nr, nc = _grid(len(models))
    fig, axes = plt.subplots(nr, nc, figsize=(4.2 * nc, 2.3 * nr + 1.4), squeeze=False)
    colour = _colours("categorical", 2)[0]
    for ax, model in zip(axes.flat, models, strict=False):
        d = data[data["model"] == model]
        pos = np.arange(len(d))[::-1]
        ax.errorbar(
            d["coefficient"],
            pos,
            xerr=[d["coefficient"] - d["ci_lower"], d["ci_upper"] - d["coefficient"]],
            fmt="o",
            color=colour,
            capsize=3,
        )
        ax.axvline(0, color="#3D3D3D", linewidth=0.8)
        ax.set_yticks(pos, d["term"])
        ax.set_title(
            f"{d['formula'].iloc[0]}\n(n = {d['n_las'].iloc[0]}{_sample_note(spec, model)})",
            fontsize=8.5,
            loc="left",
        )
        ax.tick_params(labelsize=7.5)
        ax.grid(axis="y", visible=False)
    for ax in list(axes.flat)[len(models) :]:
        ax.set_visible(False)
    fig.suptitle(
        "Regression coefficients with 95% confidence intervals (OLS, HC3 robust)",
        x=0.01,
        ha="left",
        fontsize=11,
    )
    _footer(
        fig,
        [
            "Each panel is one model; points are coefficients (change in the outcome per unit of the term), "
            "bars 95% intervals from HC3 robust standard errors. Variables and units: "
            "config/regressions.yaml and the data file.",
            f"{spec['variables']['ap_use']['label']}." if "ap_use" in spec["variables"] else "",
            f"Data: {settings.data_note_short} Models using AP use or the decision-making model depend on "
            "the returns.",
        ],
    )
    fig.subplots_adjust(left=0.08, right=0.98, top=0.86, bottom=0.2, hspace=0.9, wspace=0.45)
    _save(fig, stem)
    plt.close(fig)
    lines = [
        "Regression coefficients with 95% confidence intervals (OLS, HC3 robust standard errors).",
        "",
        "Dot-and-whisker chart, one panel per model. Values shown:",
    ]
    for r in data.itertuples(index=False):
        lines.append(
            f"- {r.formula}: {r.term_label}: coefficient {r.coefficient:.4g} "
            f"(95% CI {r.ci_lower:.4g} to {r.ci_upper:.4g}; p = {r.p_value:.3g}; n = {r.n_las}; "
            f"{r.data_basis})"
        )
    lines += ["", f"Data: {settings.data_note}"]
    write_text(stem.with_suffix(".txt"), "\n".join(lines) + "\n")
    return stem.name


def residual_figure(results, settings: Settings) -> str:
    """Residuals against fitted values, one panel per model; influential LAs (Cook's) marked."""
    from .present import _colours, _style, write_csv, write_text

    plt = _style()
    stem = settings.figures_dir / "regression_residuals"
    multiple = results.spec.get("influence", {}).get("cooks_multiple", 4)
    frames = [
        pd.DataFrame(
            {
                "model": f.model,
                "la_code": f.la_codes,
                "la_name": f.la_names,
                "fitted": f.fitted,
                "residual": f.resid,
                "cooks_distance": f.cooks,
                "influential": f.cooks > multiple / f.n,
            }
        )
        for f in results.fits
    ]
    data = pd.concat(frames, ignore_index=True)
    write_csv(stem.with_suffix(".csv"), data)
    nr, nc = _grid(len(results.fits))
    fig, axes = plt.subplots(nr, nc, figsize=(4.2 * nc, 2.4 * nr + 1.2), squeeze=False)
    c1, c2 = _colours("categorical", 2)
    formula = {m["id"]: m["formula"] for m in results.spec["models"]}
    for ax, f in zip(axes.flat, results.fits, strict=False):
        big = f.cooks > multiple / f.n
        ax.scatter(f.fitted[~big], f.resid[~big], s=10, color=c1, label="LA")
        ax.scatter(f.fitted[big], f.resid[big], s=18, color=c2, marker="D", label=f"Cook's D > {multiple}/n")
        ax.axhline(0, color="#3D3D3D", linewidth=0.8)
        ax.set_title(
            f"{formula[f.model]} (n = {f.n}{_sample_note(results.spec, f.model)})", fontsize=8.5, loc="left"
        )
        ax.set_xlabel("fitted", fontsize=7.5)
        ax.set_ylabel("residual", fontsize=7.5)
        ax.tick_params(labelsize=7.5)
    for ax in list(axes.flat)[len(results.fits) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7, frameon=False)
    fig.suptitle("Regression diagnostics: residuals against fitted values", x=0.01, ha="left", fontsize=11)
    _footer(
        fig,
        [
            "Influential LAs (Cook's distance above the configured multiple of 1/n) are listed in "
            "regression_influential_las.csv; regressions.csv has each model refitted without them.",
            f"Data: {settings.data_note_short}",
        ],
    )
    fig.subplots_adjust(left=0.07, right=0.98, top=0.88, bottom=0.14, hspace=0.8, wspace=0.35)
    _save(fig, stem)
    plt.close(fig)
    lines = ["Regression diagnostics: residuals against fitted values, one scatter panel per model.", ""]
    for f in results.fits:
        big = f.la_names[f.cooks > multiple / f.n]
        lines.append(
            f"- {formula[f.model]}: n = {f.n}; residuals from {f.resid.min():.3g} to {f.resid.max():.3g}; "
            f"influential LAs: {', '.join(big) if len(big) else 'none'}"
        )
    lines += ["", f"Data: {settings.data_note}"]
    write_text(stem.with_suffix(".txt"), "\n".join(lines) + "\n")
    return stem.name


def scatter_figure(results, settings: Settings) -> str | None:
    """Real data: the configured outcome against its single term for every LA, respondents marked,
    with the fitted line and its 95% interval (HC3)."""
    from .present import _colours, _style, write_csv, write_text

    sc = results.spec.get("scatter")
    fit = next((f for f in results.fits if sc and f.model == sc["model"]), None)
    if fit is None or len(fit.terms) != 1:
        return None
    plt = _style()
    x_name, y_name = fit.terms[0], fit.outcome
    var = results.spec["variables"]
    d = results.data.dropna(subset=[x_name, y_name])
    stem = settings.figures_dir / sc["slug"]
    write_csv(stem.with_suffix(".csv"), d[["la_code", "la_name", "responded", x_name, y_name]])
    grid = np.linspace(d[x_name].min(), d[x_name].max(), 50)
    pred = predict_mean(fit, grid)
    fig = plt.figure(figsize=(9, 6.2))
    ax = fig.add_subplot()
    c1, c2, c3 = _colours("categorical", 3)
    ax.fill_between(
        grid,
        pred["lower"],
        pred["upper"],
        color=c3,
        alpha=0.3,
        label="95% interval of the fitted line",
    )
    ax.plot(grid, pred["mean"], color=c3, linewidth=1.5, label="Fitted line (OLS)")
    r = d[d["responded"]]
    nr = d[~d["responded"]]
    ax.scatter(r[x_name], r[y_name], s=16, color=c1, label=f"Responded to the survey ({len(r)} LAs)")
    ax.scatter(
        nr[x_name],
        nr[y_name],
        s=22,
        facecolors="none",
        edgecolors=c2,
        linewidths=1.2,
        label=f"Did not respond ({len(nr)} LAs)",
    )
    ax.set_xlabel("\n".join(textwrap.wrap(var[x_name]["label"], 80)), fontsize=9)
    ax.set_ylabel("\n".join(textwrap.wrap(var[y_name]["label"], 50)), fontsize=9)
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    b = fit.params[x_name]
    lo, hi = fit.ci.loc[x_name]
    ax.set_title(sc["title"], loc="left", fontsize=11)
    _footer(
        fig,
        [
            f"Slope {b:.3g} per unit of x (95% CI {lo:.3g} to {hi:.3g}, HC3 robust; p = "
            f"{fit.pvalues[x_name]:.2g}; R squared {fit.r2:.2f}; n = {fit.n} LAs with both measures).",
            "Real public data only; which LAs responded is the real list of responding LAs. "
            "This relationship does not depend on the LA returns.",
        ],
    )
    fig.subplots_adjust(left=0.12, right=0.97, top=0.92, bottom=0.2)
    _save(fig, stem)
    plt.close(fig)
    text = [
        f"{sc['title']}.",
        "",
        f"Scatter chart of {fit.n} LAs: x = {var[x_name]['label']}; y = {var[y_name]['label']}. "
        f"Filled points: {len(r)} LAs that responded to the survey; open points: {len(nr)} that did not.",
        f"An OLS line is drawn with its 95% interval: slope {b:.3g} "
        f"(95% CI {lo:.3g} to {hi:.3g}, HC3 robust, p = {fit.pvalues[x_name]:.2g}), R squared {fit.r2:.2f}.",
        "Real public data only; does not depend on the LA returns. Values per LA are in the CSV file.",
    ]
    write_text(stem.with_suffix(".txt"), "\n".join(text) + "\n")
    return stem.name


def draw_coefficients(results, rows: pd.DataFrame, settings: Settings) -> list[str]:
    return [coefficient_figure(rows, settings, results.spec)] if results.fits else []


def draw_residuals(results, rows: pd.DataFrame, settings: Settings) -> list[str]:
    return [residual_figure(results, settings)] if results.fits else []


def draw_scatter(results, rows: pd.DataFrame, settings: Settings) -> list[str]:
    s = scatter_figure(results, settings) if results.fits else None
    return [s] if s else []


# One job per figure, so that the run's two figure workers share them.
JOBS = (draw_coefficients, draw_residuals, draw_scatter)


def draw_all(results, rows: pd.DataFrame, settings: Settings) -> list[str]:
    return [name for job in JOBS for name in job(results, rows, settings)]
