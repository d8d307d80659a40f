"""Figures of the regressions, drawn by the chart layer (pipeline/charts.py): coefficients with
95% intervals, diagnostics (standardised residuals against fitted values, influential LAs by
Cook's distance), and the real exclusion-deprivation relationship across every LA of the frame.

Each figure has a headline title stating its finding, a statistical subtitle, a footer at the
chart layer's size naming base, method and which inputs it uses (the LA returns or public data
only), and is written as PNG, SVG, the CSV of exactly what it plots (with ``lower``, ``upper``,
``n_las`` or a GSS symbol) and its alt text (.txt: key message, long description, notes).
Compose functions build the figure only (the label-overlap test draws them); the others write.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import charts
from .charts import PAD, SIZE, WIDTH
from .config import Settings
from .regress import DATA_LABELS, parse_formula, predict_mean

STEMS = {
    "coefficients": "regression_coefficients",
    "diagnostics": "regression_residuals",
}
USES_RETURNS = DATA_LABELS["survey"]


def short(spec: dict, name: str) -> str:
    """A variable's short label (``short`` in config/regressions.yaml), else its name."""
    v = spec["variables"].get(name, {})
    return v.get("short") or name.replace("_", " ")


def formula_text(spec: dict, outcome: str, terms: list[str]) -> str:
    return f"{short(spec, outcome)} ~ {' + '.join(short(spec, t) for t in terms)}"


def _model(spec: dict, model: str) -> dict:
    return next((m for m in spec["models"] if m["id"] == model), {})


def _sample_words(spec: dict, model: str) -> str:
    return "all LAs" if _model(spec, model).get("sample") == "frame" else "responding LAs"


def _data_line(settings: Settings) -> str:
    return (
        f"Data: {settings.data_note_short} Models marked '{USES_RETURNS}' use the LA returns; "
        f"the others use {DATA_LABELS['real']}."
    )


# ------------------------------------------------------------------------------------------------
# Coefficients


def coefficient_data(rows: pd.DataFrame) -> pd.DataFrame:
    """The plotted rows (full sample, no intercept) with the figure CSV's interval columns."""
    data = rows[(rows["sample"] == "all") & (rows["term"] != "Intercept")].reset_index(drop=True)
    return data.assign(lower=data["ci_lower"], upper=data["ci_upper"])


def coefficient_headline(data: pd.DataFrame, spec: dict) -> str:
    """How many of the configured findings (a model's ``finding`` term) have intervals clear of zero."""
    tested = clear = 0
    for m in spec["models"]:
        term = (m.get("finding") or {}).get("term")
        row = data[(data["model"] == m["id"]) & (data["term"] == term)]
        if term and len(row):
            tested += 1
            clear += bool(row["lower"].iloc[0] > 0 or row["upper"].iloc[0] < 0)
    if not tested:
        return "Regression coefficients with their 95% intervals"
    return f"{clear} of the {tested} associations tested have 95% intervals clear of zero"


def _groups(data: pd.DataFrame, spec: dict) -> list[tuple[str, list[charts.RangeRow]]]:
    groups = []
    for model, d in data.groupby("model", sort=False):
        outcome, _ = parse_formula(_model(spec, model)["formula"])
        heading = (
            f"{formula_text(spec, outcome, list(d['term']))}: n={int(d['n_las'].iloc[0])} "
            f"{_sample_words(spec, model)}; {d['data_basis'].iloc[0]}"
        )
        rows = [
            charts.RangeRow(
                short(spec, r.term),
                r.coefficient,
                r.lower,
                r.upper,
                f"{charts.sig(r.coefficient)} ({charts.sig(r.lower)} to {charts.sig(r.upper)})",
            )
            for r in d.itertuples(index=False)
        ]
        groups.append((heading, rows))
    return groups


def compose_coefficients(
    rows: pd.DataFrame, settings: Settings, spec: dict, data: pd.DataFrame | None = None
):
    """Point ranges, one group per model, each row on its own scale (terms differ in units)."""
    from .present import _colours, _style

    _style()
    data = coefficient_data(rows) if data is None else data
    title = f"Regression coefficients: {coefficient_headline(data, spec)}"
    subtitle = (
        "Coefficients of OLS models (change in the outcome per unit of the term) with 95% confidence "
        "intervals from HC3 robust standard errors, printed on the right: estimate (lower to upper); "
        "LAs in England"
    )
    footer = [
        "Base: LAs with every variable of the model (n in each heading).",
        "Method: OLS with an intercept; HC3 robust standard errors, normal 95% intervals. Each row is "
        "scaled to its largest bound, about a common zero line. Robustness refits without influential "
        "LAs: regressions.csv. Variables in full: the .txt and .csv files.",
        _data_line(settings),
    ]
    groups = _groups(data, spec)
    colour = _colours("categorical", 2)[0]
    entries, keys = charts.range_keys(colour)
    return _frame_and_draw(
        title,
        subtitle,
        footer,
        entries,
        keys,
        lambda: charts.range_layout(groups),
        lambda lay: lay.height + 0.1,
        lambda fig, H, top, lay: charts.draw_point_range(fig, H, top, lay, groups, colour),
    )


def _frame_and_draw(title, subtitle, footer, entries, keys, make_layout, height_of, draw):
    """Size the shared canvas for header, body and footer; draw the frame, legend and body."""
    from .present import canvas

    inner = WIDTH - 2 * PAD
    title = charts.wrap(title, SIZE["title"], inner, bold=True)
    subtitle = charts.wrap(subtitle, SIZE["subtitle"], inner)
    footer = charts.wrap("\n".join(footer), SIZE["footer"], inner)
    rows = charts.legend_layout(entries)
    top = charts.header_height(title, subtitle, rows)
    lay = make_layout()
    H = top + height_of(lay) + charts.footer_height(footer)
    fig = canvas(H)
    charts.draw_frame(fig, H, title, subtitle, footer)
    charts.draw_legend(fig, H, title, subtitle, rows, entries, keys)
    draw(fig, H, top, lay)
    return fig


def coefficient_figure(rows: pd.DataFrame, settings: Settings, spec: dict) -> str:
    from .present import figure_text, save_figure, write_csv, write_text

    data = coefficient_data(rows)
    stem = settings.figures_dir / STEMS["coefficients"]
    stem.parent.mkdir(parents=True, exist_ok=True)
    cols = ["model", "formula", "term", "term_label", "data_basis", "coefficient", "lower", "upper"]
    write_csv(stem.with_suffix(".csv"), data[[*cols, "p_value", "n_las"]])
    save_figure(compose_coefficients(rows, settings, spec, data), stem)
    lines = ["Dot-and-whisker chart, one group of rows per model, each row on its own scale. Values shown:"]
    for r in data.itertuples(index=False):
        lines.append(
            f"- {r.formula}: {r.term_label}: coefficient {r.coefficient:.4g} "
            f"(95% CI {r.lower:.4g} to {r.upper:.4g}; p = {r.p_value:.3g}; n = {r.n_las}; {r.data_basis})"
        )
    headline = coefficient_headline(data, spec)
    write_text(
        stem.with_suffix(".txt"),
        figure_text(
            f"Regression coefficients: {headline}",
            "Coefficients of OLS models with 95% confidence intervals (HC3 robust standard errors)",
            f"{headline} (OLS, HC3 robust).",
            lines,
            {
                "Base": "LAs with every variable of the model; models on 'all LAs' use every LA of the "
                "frame, the others the responding LAs.",
                "Method": "OLS with an intercept; HC3 heteroskedasticity-robust standard errors; normal "
                "95% intervals (docs/methods.md).",
                "Data": settings.data_note,
            },
        ),
    )
    return stem.name


# ------------------------------------------------------------------------------------------------
# Diagnostics


def _cooks_multiple(results) -> float:
    """An LA is influential in a model when its Cook's distance is above this multiple / n."""
    return results.spec.get("influence", {}).get("cooks_multiple", 4)


def diagnostic_data(results) -> pd.DataFrame:
    """Per model and LA: fitted value, residual, standardised residual (residual / s, with
    s^2 = RSS / (n - k) over the model's k parameters), Cook's distance and the influence flag."""
    multiple = _cooks_multiple(results)
    frames = []
    for f in results.fits:
        s = float(np.sqrt(np.sum(f.resid**2) / max(f.n - len(f.terms) - 1, 1)))
        frames.append(
            pd.DataFrame(
                {
                    "model": f.model,
                    "la_code": f.la_codes,
                    "la_name": f.la_names,
                    "fitted": f.fitted,
                    "residual": f.resid,
                    "standardised_residual": f.resid / s if s > 0 else np.nan,
                    "cooks_distance": f.cooks,
                    "influential": f.cooks > multiple / f.n,
                    "n_las": f.n,
                    "lower": "z",  # GSS: not applicable (one LA's residual has no interval)
                    "upper": "z",
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def diagnostic_headline(data: pd.DataFrame, multiple: float) -> str:
    flagged = data[data["influential"]]
    if flagged.empty:
        return f"No LA has a Cook's distance above {multiple:g}/n in any model"
    per_la = flagged.groupby("la_name")["model"].nunique().sort_values(ascending=False, kind="stable")
    n_models = data["model"].nunique()
    text = f"{len(per_la)} LAs are influential (Cook's distance above {multiple:g}/n) in at least one model"
    if per_la.iloc[0] > 1:
        text += f"; {per_la.index[0]} in {per_la.iloc[0]} of {n_models}"
    return text


def _panel_headings(results, data: pd.DataFrame, width: float) -> list[str]:
    out = []
    for f in results.fits:
        d = data[data["model"] == f.model]
        top = d.loc[d["cooks_distance"].idxmax()]
        head = charts.wrap(
            f"{formula_text(results.spec, f.outcome, f.terms)} (n={f.n})", SIZE["panel"], width, bold=True
        )
        note = (
            f"Most influential: {top['la_name']} (D={charts.sig(top['cooks_distance'])})"
            if top["influential"]
            else "No influential LA"
        )
        out.append((head, charts.wrap(note, SIZE["label"], width)))
    return out


def compose_diagnostics(results, settings: Settings, data: pd.DataFrame | None = None):
    """A compact grid of scatter panels, one per model: standardised residuals (one shared scale)
    against fitted values (the outcome's units), influential LAs marked as diamonds."""
    from .present import _colours, _style

    _style()
    multiple = _cooks_multiple(results)
    data = diagnostic_data(results) if data is None else data
    n = len(results.fits)
    cols = min(4, n)
    grid_rows = -(-n // cols)
    y_left, gap = 0.35, 0.35
    panel_w = (WIDTH - 2 * PAD - y_left - gap * (cols - 1)) / cols
    panel_h = 1.45
    headings = _panel_headings(results, data, panel_w)
    c1, c2 = _colours("categorical", 2)
    keys = [
        {"kind": "marker", "colour": c1},
        {"kind": "marker", "colour": c2, "marker": "D"},
    ]
    entries = ["LA", f"Influential LA: Cook's distance above {multiple:g}/n"]
    lim = max(3.0, float(np.nanmax(np.abs(data["standardised_residual"]))) * 1.08)
    y_ticks = [float(t) for t in range(-int(lim // 2) * 2, int(lim // 2) * 2 + 1, 2)]  # -2, 0, 2...
    tick_h = charts.line_height(SIZE["label"]) + 0.1

    def layout():
        row_heads, y = [], 0.0
        for r in range(grid_rows):
            hs = headings[r * cols : (r + 1) * cols]
            lh = charts.line_height
            h = max(
                lh(SIZE["panel"], charts.n_lines(a)) + lh(SIZE["label"], charts.n_lines(b)) for a, b in hs
            )
            row_heads.append((y, h + 0.06))
            y += h + 0.06 + panel_h + tick_h + 0.12
        return row_heads, y - 0.12

    def draw(fig, H, top, lay):
        row_heads, height = lay
        ax = charts.block_axes(fig, H, PAD, top, WIDTH - 2 * PAD, height)
        boxes, x_ticks = [], []
        normal, big = [], []
        for i, f in enumerate(results.fits):
            r, c = divmod(i, cols)
            y0, head_h = row_heads[r]
            left = y_left + c * (panel_w + gap)
            head, note = headings[i]
            charts.put(fig, H, PAD + left, top + y0, head, SIZE["panel"], weight="bold", va="top", ha="left")
            y_note = top + y0 + charts.line_height(SIZE["panel"], charts.n_lines(head))
            charts.put(
                fig, H, PAD + left, y_note, note, SIZE["label"], va="top", ha="left", color=charts.GREY
            )
            d = data[data["model"] == f.model]
            box = charts.Box(left, y0 + head_h, panel_w, panel_h, charts.padded(d["fitted"]), (-lim, lim))
            boxes.append(box)
            x_ticks.append(charts.nice_ticks(*box.xlim, 3))
            flag = d["influential"].to_numpy(dtype=bool)
            xs, ys = box.x(d["fitted"]), box.y(d["standardised_residual"])
            normal.append((xs[~flag], ys[~flag]))
            big.append((xs[flag], ys[flag]))
        charts.box_furniture(ax, boxes, x_ticks, [y_ticks] * n, [i % cols == 0 for i in range(n)])
        charts.points(ax, np.concatenate([a for a, _ in normal]), np.concatenate([b for _, b in normal]),
                      keys[0], size=10)  # fmt: skip
        charts.points(ax, np.concatenate([a for a, _ in big]), np.concatenate([b for _, b in big]),
                      keys[1], size=16)  # fmt: skip

    title = f"Regression diagnostics: {diagnostic_headline(data, multiple)}"
    subtitle = (
        "Standardised residuals (residual / s, shared scale) against fitted values (units of the "
        "outcome), one panel per model, LAs in England"
    )
    footer = [
        "Base: the LAs each model is fitted on (n in each heading).",
        "Method: OLS; s^2 = residual sum of squares / (n - k); Cook's distance from the OLS fit. "
        "Influential LAs are listed in regression_influential_las.csv; regressions.csv has each model "
        "refitted without them (robustness rows).",
        _data_line(settings),
    ]
    return _frame_and_draw(title, subtitle, footer, entries, keys, layout, lambda lay: lay[1] + 0.1, draw)


def residual_figure(results, settings: Settings) -> str:
    from .present import figure_text, save_figure, write_csv, write_text

    stem = settings.figures_dir / STEMS["diagnostics"]
    stem.parent.mkdir(parents=True, exist_ok=True)
    multiple = _cooks_multiple(results)
    data = diagnostic_data(results)
    write_csv(stem.with_suffix(".csv"), data)
    save_figure(compose_diagnostics(results, settings, data), stem)
    formula = {m["id"]: m["formula"] for m in results.spec["models"]}
    lines = ["Scatter charts, one panel per model, of standardised residuals against fitted values:"]
    for f in results.fits:
        big = f.la_names[f.cooks > multiple / f.n]
        lines.append(
            f"- {formula[f.model]}: n = {f.n}; residuals from {f.resid.min():.3g} to {f.resid.max():.3g}; "
            f"influential LAs: {', '.join(big) if len(big) else 'none'}"
        )
    headline = diagnostic_headline(data, multiple)
    write_text(
        stem.with_suffix(".txt"),
        figure_text(
            f"Regression diagnostics: {headline}",
            "Standardised residuals against fitted values, one panel per model",
            f"{headline}.",
            lines,
            {
                "Base": "The LAs each model is fitted on.",
                "Method": "OLS; standardised residual = residual / s with s^2 = RSS / (n - k); Cook's "
                f"distance above {multiple:g}/n marks an influential LA; robustness refits without them "
                "in regressions.csv.",
                "Data": settings.data_note,
            },
        ),
    )
    return stem.name


# ------------------------------------------------------------------------------------------------
# Real exclusion-deprivation relationship


def scatter_data(results) -> tuple | None:
    """The scatter's fit, variable names and per-LA rows with the fitted mean and its 95% interval
    at each LA's x (the band drawn), or None when the configured model is missing or not simple."""
    sc = results.spec.get("scatter")
    fit = next((f for f in results.fits if sc and f.model == sc["model"]), None)
    if fit is None or len(fit.terms) != 1:
        return None
    x_name, y_name = fit.terms[0], fit.outcome
    d = results.data.dropna(subset=[x_name, y_name])
    d = d[["la_code", "la_name", "responded", x_name, y_name]].reset_index(drop=True)
    pred = predict_mean(fit, d[x_name].to_numpy(float))
    d = d.assign(fitted=pred["mean"], lower=pred["lower"], upper=pred["upper"], n_las=fit.n)
    return sc, fit, x_name, y_name, d


def scatter_headline(spec: dict, fit, x_name: str, y_name: str) -> str:
    lo, hi = fit.ci.loc[x_name]
    trend = "rises" if lo > 0 else ("falls" if hi < 0 else "shows no clear trend")
    return f"{short(spec, y_name)} {trend} with {short(spec, x_name).lower()} across LAs"


def compose_scatter(results, settings: Settings, found: tuple | None = None):
    """Every LA with both measures: respondents filled, non-respondents open, the fitted line
    and its 95% interval (HC3) as a band."""
    from .present import _colours, _style

    found = scatter_data(results) if found is None else found
    if found is None:
        return None
    _style()
    sc, fit, x_name, y_name, d = found
    spec = results.spec
    var = spec["variables"]
    c1, c2, c3 = _colours("categorical", 3)
    resp = d["responded"].to_numpy(dtype=bool)
    keys = [
        {"kind": "marker", "colour": c1},
        {"kind": "marker", "colour": c2, "filled": False},
        {"kind": "line", "colour": c3},
        {"kind": "band", "colour": c3, "alpha": 0.25},
    ]
    entries = [
        f"Responded to the survey ({int(resp.sum())} LAs)",
        f"Did not respond ({int((~resp).sum())} LAs)",
        "Fitted line (OLS)",
        "95% interval of the fitted line",
    ]
    b, (lo, hi) = fit.params[x_name], fit.ci.loc[x_name]
    inner = WIDTH - 2 * PAD
    y_title = charts.wrap(var[y_name]["label"], SIZE["tick"], inner)
    x_title = charts.wrap(var[x_name]["label"], SIZE["tick"], inner)
    left, plot_h = 0.55, 3.6
    grid = np.linspace(d[x_name].min(), d[x_name].max(), 50)
    band = predict_mean(fit, grid)
    xlo, xhi = charts.padded(d[x_name])
    ylo, yhi = charts.padded(np.r_[d[y_name], band["lower"], band["upper"]])
    x_ticks, y_ticks = charts.nice_ticks(xlo, xhi, 6), charts.nice_ticks(ylo, yhi, 5)
    y_title_h = charts.line_height(SIZE["tick"], charts.n_lines(y_title)) + 0.1
    below = (
        charts.line_height(SIZE["label"]) + 0.12 + charts.line_height(SIZE["tick"], charts.n_lines(x_title))
    )

    def draw(fig, H, top, lay):
        charts.put(fig, H, PAD, top, y_title, SIZE["tick"], va="top", ha="left")
        ax_top = top + y_title_h
        width = WIDTH - PAD - left - PAD - 0.2
        ax = charts.axes_at(fig, H, PAD + left, ax_top, width, plot_h)
        ax.set_xlim(xlo, xhi)
        ax.set_ylim(ylo, yhi)
        charts.axis_ticks(ax, "x", x_ticks, charts.tick_labels(x_ticks), plot_h, grid=False)
        charts.axis_ticks(ax, "y", y_ticks, charts.tick_labels(y_ticks), width)
        charts.line_band(ax, grid, band["mean"], band["lower"], band["upper"], c3)
        charts.points(ax, d.loc[resp, x_name], d.loc[resp, y_name], keys[0], size=16)
        charts.points(ax, d.loc[~resp, x_name], d.loc[~resp, y_name], keys[1], size=22)
        y_x = ax_top + plot_h + charts.line_height(SIZE["label"]) + 0.12
        charts.put(fig, H, PAD + left, y_x, x_title, SIZE["tick"], va="top", ha="left")

    title = f"{sc.get('label', 'Exclusions and deprivation')}: {scatter_headline(spec, fit, x_name, y_name)}"
    subtitle = (
        f"OLS slope {charts.sig(b)} per unit of {short(spec, x_name).lower()} (95% CI {charts.sig(lo)} to "
        f"{charts.sig(hi)}, HC3 robust), R squared {fit.r2:.2f}, {fit.n} LAs in England with both measures"
    )
    footer = [
        f"Base: every LA of the frame with both measures (n={fit.n}).",
        "Method: OLS with an intercept; 95% interval of the fitted mean from HC3 robust standard errors.",
        f"Data: {DATA_LABELS['real'].capitalize()}; respondents are the LAs with a return in this wave. "
        "This relationship does not depend on the LA returns.",
    ]
    return _frame_and_draw(
        title, subtitle, footer, entries, keys, lambda: None,
        lambda lay: y_title_h + plot_h + below + 0.05, draw,
    )  # fmt: skip


def scatter_figure(results, settings: Settings) -> str | None:
    from .present import figure_text, save_figure, write_csv, write_text

    found = scatter_data(results)
    if found is None:
        return None
    sc, fit, x_name, y_name, d = found
    var = results.spec["variables"]
    stem = settings.figures_dir / sc["slug"]
    stem.parent.mkdir(parents=True, exist_ok=True)
    write_csv(stem.with_suffix(".csv"), d)
    save_figure(compose_scatter(results, settings, found), stem)
    b, (lo, hi) = fit.params[x_name], fit.ci.loc[x_name]
    r, nr = d[d["responded"]], d[~d["responded"]]
    headline = scatter_headline(results.spec, fit, x_name, y_name)
    write_text(
        stem.with_suffix(".txt"),
        figure_text(
            f"{sc.get('label', 'Exclusions and deprivation')}: {headline}",
            f"{sc['title']}",
            f"{headline} (slope {charts.sig(b)}, 95% CI {charts.sig(lo)} to {charts.sig(hi)}).",
            [
                f"Scatter chart of {fit.n} LAs: x = {var[x_name]['label']}; y = {var[y_name]['label']}. "
                f"Filled points: {len(r)} LAs that responded to the survey; open points: {len(nr)} that "
                "did not.",
                f"An OLS line is drawn with its 95% interval: slope {b:.3g} (95% CI {lo:.3g} to {hi:.3g}, "
                f"HC3 robust, p = {fit.pvalues[x_name]:.2g}), R squared {fit.r2:.2f}.",
                "Values per LA, with the fitted value and its interval at each LA, are in the CSV file.",
            ],
            {
                "Base": f"Every LA of the frame with both measures (n = {fit.n}).",
                "Method": "OLS with an intercept; HC3 robust standard errors; 95% interval of the fitted "
                "mean.",
                "Data": f"{DATA_LABELS['real'].capitalize()}; does not depend on the LA returns.",
            },
        ),
    )
    return stem.name


def compose_all(results, rows: pd.DataFrame, settings: Settings) -> list:
    """Every regression figure as a figure object, for the layout test (drawn one at a time)."""
    if not results.fits:
        return []
    return [
        lambda: compose_coefficients(rows, settings, results.spec),
        lambda: compose_diagnostics(results, settings),
        lambda: compose_scatter(results, settings),
    ]


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
