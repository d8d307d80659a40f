"""Ordinary tables as data: ``config/tables/<section>.yaml`` declares them, a few builders make them.

A spec names its builder (the estimator), the question, the grouping dimension, the categories,
the measure ids and the labels; it holds no result. Builders compute every estimate through an
``estimate_*`` function returning an :class:`Estimate` (value and base; ``lower``/``upper`` are
left for interval estimators to fill), so the base printed in a row is always the denominator of
its estimate. Bespoke Python stays in the section modules only for genuinely special tables.

Spec keys (all builders): ``builder``, ``question``, ``base`` (a sentence), optional ``by`` (a
dimension of the question) with ``by_values`` (order), ``note`` (added to the estimator text),
``measure`` (id template with ``{category}`` and ``{by}``), ``rename`` (category -> id part),
``measures`` (id -> categories pooled into one estimate), ``n_las_measure`` (id template of
the base), ``total`` (add a ``Total`` row: true for tables where the categories add up),
``label`` / ``n_label`` (indicator labels). Pooled shares also take ``category`` (the dimension
shared out), ``n_las_any_measure`` (LAs answering any part) and ``overall`` (the label of an
extra group pooling every value of ``by``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..analyse import INTERVAL_NOTE, TOTAL_LABEL, FigureTable, asked_choice, asked_numeric, attempt, value
from ..config import Settings, read_yaml
from ..estimators import answered_cells, pooled_shares, share_of_las
from ..uncertainty import interval_pooled_shares, interval_share_of_las
from .common import PCT, POOLED_PUPILS, SHARE_OF_LAS, percent_bounds

BUILDER_KEYS = {
    "builder",
    "question",
    "base",
    "by",
    "by_values",
    "note",
    "measure",
    "rename",
    "measures",
    "n_las_measure",
    "n_las_any_measure",
    "total",
    "category",
    "label",
    "n_label",
    "overall",
}


@dataclass(frozen=True)
class Estimate:
    """One estimate and its base (the LAs in its denominator); an interval when one is computed."""

    value: float
    n_las: int
    lower: float = math.nan
    upper: float = math.nan


def estimate_share(answers: pd.Series, categories, n_frame: int | None = None) -> Estimate:
    """Share of LAs (percent) answering one of ``categories``; base: the LAs that answered;
    95% interval of a share of LAs over a frame of ``n_frame`` LAs (uncertainty.share_of_las)."""
    given = answers.dropna()
    chosen = given.isin(list(categories))
    if n_frame is None:  # no frame given: the estimate without an interval
        return Estimate(share_of_las(chosen), len(given))
    iv = interval_share_of_las(chosen, n_frame)
    return Estimate(share_of_las(chosen), len(given), iv.lower, iv.upper)


def frame_size(derived: dict) -> int | None:
    """N of the intervals' finite population correction: the LAs of the wave's frame (None when
    the caller gave no frame: then no interval)."""
    frame = derived.get("la_frame", derived.get("context"))
    return None if frame is None else len(frame)


# ------------------------------------------------------------------------------------------------
# Builders


def share_of_las_table(key: str, spec: dict, settings: Settings, derived: dict) -> FigureTable:
    """Share of LAs by answer of a single-choice question, optionally within each value of ``by``.

    Rows: [by], response, la_share, n_las. Figure tables keep category codes (the figure spec
    labels them); other tables show the codebook's labels."""
    q = settings.codebook.questions[spec["question"]]
    answers = asked_choice(derived["clean"], q.id)
    by = spec.get("by")
    groups = spec.get("by_values") or (list(settings.codebook.dimensions[by].values) if by else [None])
    cats = list(q.categories)
    label = (lambda c: c) if key.startswith("fig") else (lambda c: q.categories.get(c, c))
    rename = spec.get("rename", {})
    n_frame = frame_size(derived)
    rows, vals = [], []
    for g in groups:
        sub = answers if g is None else answers[answers[by] == g]
        per_la = sub.set_index("la_code")["value"]
        where = {} if g is None else {by: g}
        for c in cats:
            est = estimate_share(per_la, [c], n_frame)
            rows.append(
                {
                    **where,
                    "response": label(c),
                    "la_share": est.value,
                    "lower": est.lower,
                    "upper": est.upper,
                    "n_las": est.n_las,
                }
            )
            if "measure" in spec:
                vals.append(
                    value(
                        spec["measure"].format(category=rename.get(c, c), by=g),
                        est.value,
                        "percent",
                        est.n_las,
                    )
                )
        for mid, members in spec.get("measures", {}).items():
            est = estimate_share(per_la, members, n_frame)
            vals.append(value(mid.format(by=g), est.value, "percent", est.n_las))
        n = int(per_la.notna().sum())
        if spec.get("total"):
            rows.append(
                {
                    **where,
                    "response": TOTAL_LABEL,
                    "la_share": 100.0 if n else math.nan,
                    "lower": "z",  # the total of the shares is 100% by definition
                    "upper": "z",
                    "n_las": n,
                }
            )
        if "n_las_measure" in spec:
            vals.append(value(spec["n_las_measure"].format(by=g), n, "count_las"))
    return FigureTable(
        key,
        pd.DataFrame(rows),
        [*([by] if by else []), "response"],
        {
            "la_share": {"label": "Share of LAs", **PCT},
            "n_las": {"label": spec.get("n_label", "LAs answering"), "unit": "", "dp": 0},
        },
        " ".join(filter(None, [SHARE_OF_LAS, spec.get("note"), INTERVAL_NOTE])),
        spec["base"],
        vals,
    )


def pooled_share_table(key: str, spec: dict, settings: Settings, derived: dict) -> FigureTable:
    """Pooled share of a count question's ``category`` within each value of ``by``, over the LAs
    answering for that value (base). Rows: by, category, share, n_las."""
    df = asked_numeric(derived["clean"], settings.codebook, spec["question"])
    by, cat = spec["by"], spec["category"]
    sh = pooled_shares(df, [by], cat)
    if "overall" in spec:  # one more group pooling every value of ``by`` an LA gave
        overall = pooled_shares(df.assign(**{by: spec["overall"]}), [by], cat)
        sh = pd.concat([sh, overall], ignore_index=True)
    vals = []
    if "n_las_any_measure" in spec:
        vals.append(value(spec["n_las_any_measure"], df["la_code"].nunique(), "count_las"))
    if "n_las_measure" in spec:
        for g, n in sh.groupby(by, sort=False)["n_las"].first().items():
            if g != spec.get("overall"):
                vals.append(value(spec["n_las_measure"].format(by=g), n, "count_las"))
    sh = with_pooled_intervals(sh, df, by, cat, spec.get("overall"), frame_size(derived))
    for r in sh.itertuples(index=False):
        g, c = getattr(r, by), getattr(r, cat)
        vals.append(value(spec["measure"].format(by=g, category=c), r.share, "percent", r.n_las))
    return FigureTable(
        key,
        sh.reset_index(drop=True),
        [by, cat],
        {
            "share": {"label": spec.get("label", "Share of pupils in AP"), **PCT},
            "n_las": {"label": spec.get("n_label", "LAs giving data"), "unit": "", "dp": 0},
        },
        " ".join(filter(None, [POOLED_PUPILS, spec.get("note"), INTERVAL_NOTE])),
        spec["base"],
        vals,
    )


def with_pooled_intervals(
    shares: pd.DataFrame, df: pd.DataFrame, by: str, cat: str, overall: str | None, n_frame: int | None
) -> pd.DataFrame:
    """``shares`` (by, category, share, n_las from estimators.pooled_shares) with the 95% interval
    of each pooled share: a ratio of per-LA totals over the same answered cells as the estimate."""
    bounds = []
    groups: dict = {}  # per group: its answered cells' intervals, for every category at once
    answered = None
    for r in shares.itertuples(index=False):
        g, c = getattr(r, by), getattr(r, cat)
        if n_frame is None:
            bounds.append((math.nan, math.nan))
            continue
        if g not in groups:
            if overall is not None and g == overall:
                cells = answered_cells(df.assign(**{by: overall}), [by])
            else:  # the group's rows of the answered cells (an LA x group answered or not)
                if answered is None:
                    answered = answered_cells(df, [by])
                cells = answered[answered[by] == g]
            wanted = shares.loc[shares[by] == g, cat].tolist()
            groups[g] = interval_pooled_shares(cells["x"], cells[cat], cells["la_code"], wanted, n_frame)
        iv = groups[g][c]
        b = percent_bounds(iv.lower, iv.upper)
        bounds.append((b["lower"], b["upper"]))
    out = shares.copy()
    out.insert(out.columns.get_loc("share") + 1, "lower", [b[0] for b in bounds])
    out.insert(out.columns.get_loc("share") + 2, "upper", [b[1] for b in bounds])
    return out


BUILDERS = {"share_of_las": share_of_las_table, "pooled_share": pooled_share_table}


# ------------------------------------------------------------------------------------------------
# Specs


class TableSpecError(ValueError):
    """A table spec is malformed: one line naming the file and key."""


def load_specs(settings: Settings, section: str) -> dict[str, dict]:
    """The table specs of one section (empty when it declares none), checked: a known builder, a
    question of the codebook, no unknown key."""
    path = Path(settings.cfg) / "tables" / f"{section}.yaml"
    if not path.exists():
        return {}
    specs = _read_specs(path)
    for key, spec in specs.items():
        where = f"{path.name}: {key}"
        if spec.get("builder") not in BUILDERS:
            raise TableSpecError(
                f"{where}: unknown builder {spec.get('builder')!r} (one of {sorted(BUILDERS)})"
            )
        if spec.get("question") not in settings.codebook.questions:
            raise TableSpecError(f"{where}: unknown question {spec.get('question')!r}")
        unknown = set(spec) - BUILDER_KEYS
        if unknown:
            raise TableSpecError(f"{where}: unknown key(s) {sorted(unknown)}")
        if "base" not in spec:
            raise TableSpecError(f"{where}: missing key 'base'")
    return specs


_READ: dict[Path, tuple[tuple[int, int], dict]] = {}


def _read_specs(path: Path) -> dict:
    """The YAML of a section's specs, parsed once per file version (the run checks every section
    before building, then builds each)."""
    st = path.stat()
    stamp = (st.st_mtime_ns, st.st_size)
    hit = _READ.get(path)
    if hit is None or hit[0] != stamp:
        hit = _READ[path] = (stamp, read_yaml(path) or {})
    return hit[1]


def build_section(
    section: str, settings: Settings, derived: dict, extras: dict | None = None
) -> list[FigureTable]:
    """Every spec'd table of a section (a table with no answers is skipped with the reason).

    ``extras``: table key -> a small named function ``(table) -> [values]`` for the few prose
    values the report derives from an ordinary table (e.g. a range over phases)."""
    out = []
    for key, spec in load_specs(settings, section).items():
        built = attempt(key, BUILDERS[spec["builder"]], key, spec, settings, derived)
        if built is not None:
            if extras and key in extras:
                built.values += extras[key](built.table)
            out.append(built)
    return out
