"""Compare two waves: every figure table of both, side by side, for all respondents and the panel.

``python -m pipeline compare OLD NEW`` recomputes each wave's figure tables in memory from its
own returns, instrument and frame (nothing of either wave's outputs is rewritten), once over
every responding LA ("all") and once over the panel: the LAs of the areas that responded in both
waves. LAs are matched across boundary changes through the lookup in
``config/geography/la_reorganisations.csv`` (never in code): LAs linked by a merge, split or
recode form one comparison area, and an area is in the panel when at least one of its LAs
responded in each wave. Output, in ``data/processed/compare_<old>_<new>/``: one EES CSV (with
``.meta.csv``) per figure present in both waves, and ``summary.md`` listing the largest changes.

A change is flagged as larger than both intervals when the tables carry interval columns
(``<indicator>_lower`` / ``<indicator>_upper``, or ``lower`` / ``upper`` for a table's single
indicator): the new value lies outside the old interval and the old value outside the new one.
Without interval columns the flag says ``no intervals``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import analyse, derive, public
from .analyse import FigureTable, lower_first
from .config import ConfigError, Settings
from .estimators import round_half_up
from .ingest import read_wave
from .present import (
    COUNTRY,
    filter_hint,
    filter_label,
    item_labels,
    readable,
    write_csv,
    write_text,
)
from .validate import validate

LOOKUP = Path("geography") / "la_reorganisations.csv"
ALL, PANEL = "all", "panel"
LA_SETS = {ALL: "All responding LAs", PANEL: "LAs of areas responding in both waves (panel)"}
NOT_COMPARED = ("n_las", "lowest_la", "highest_la")  # bases, and LA-level (disclosive) extremes
NO_INTERVALS = "no intervals"


@dataclass(frozen=True)
class WaveTables:
    settings: Settings
    respondents: list[str]
    tables: dict[str, dict[str, FigureTable]]  # la set -> figure key -> table


# ---- comparison areas ------------------------------------------------------------------------


def comparison_areas(lookup: pd.DataFrame) -> dict[str, str]:
    """LA code -> comparison area id: LAs linked by any reorganisation (merge, split, part,
    recode) share one area, named by its sorted member codes joined with '+'. LAs in no
    reorganisation are not listed (each is its own area)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(lookup["pred_new_la_code"], lookup["succ_new_la_code"], strict=True):
        parent[find(str(a))] = find(str(b))
    members: dict[str, list[str]] = {}
    for code in list(parent):
        members.setdefault(find(code), []).append(code)
    return {code: "+".join(sorted(group)) for group in members.values() for code in group}


def area_of(code: str, areas: dict[str, str]) -> str:
    return areas.get(code, code)


def panel_areas(old: list[str], new: list[str], areas: dict[str, str]) -> set[str]:
    """Areas with at least one responding LA in each wave."""
    return {area_of(c, areas) for c in old} & {area_of(c, areas) for c in new}


def recoded_areas(old: list[str], new: list[str], panel: set[str], areas: dict[str, str]) -> list[str]:
    """Panel areas whose responding LA codes differ between the waves (matched by the lookup)."""

    def codes(respondents: list[str], area: str) -> set[str]:
        return {c for c in respondents if area_of(c, areas) == area}

    return sorted(a for a in panel if codes(old, a) != codes(new, a))


def load_lookup(settings: Settings) -> pd.DataFrame:
    path = settings.cfg / LOOKUP
    if not path.is_file():
        raise ConfigError(f"config/{LOOKUP.as_posix()}: boundary lookup missing")
    return pd.read_csv(path, dtype=str)


# ---- the tables of one wave -------------------------------------------------------------------


def wave_responses(settings: Settings) -> tuple[pd.DataFrame, list[str]]:
    """The wave's clean answers and respondents, exactly as the run reads them (nothing written)."""
    settings.require("returns_dir", "denominators")
    raw, problems = read_wave(settings)
    clean, report, respondents = validate(
        raw, problems, public.la_frame(settings), settings.codebook, settings.validation["severity"]
    )
    if len(report) and (report["severity"] == "error").any():
        raise ConfigError(
            f"wave {settings.wave}: its returns have validation errors; run `python -m pipeline run "
            f"--wave {settings.wave}` and fix them first"
        )
    return clean, list(respondents)


def figure_tables(settings: Settings, clean: pd.DataFrame, respondents: list[str]) -> dict[str, FigureTable]:
    """The wave's figure tables over the given respondents, by figure key."""
    derived = derive.run(settings, clean, respondents, public.context(settings))
    return {ft.key: ft for ft in analyse.run(settings, derived) if ft.is_figure}


def wave_tables(settings: Settings, panel: set[str], areas: dict[str, str], clean, respondents) -> WaveTables:
    in_panel = [c for c in respondents if area_of(c, areas) in panel]
    return WaveTables(
        settings,
        respondents,
        {
            ALL: figure_tables(settings, clean, respondents),
            PANEL: figure_tables(settings, clean[clean["la_code"].isin(in_panel)], in_panel),
        },
    )


# ---- side by side -----------------------------------------------------------------------------


def compared_indicators(ft: FigureTable) -> list[str]:
    return [
        c
        for c in ft.indicators
        if not c.startswith(NOT_COMPARED)
        and not c.endswith(("_lower", "_upper"))
        and c not in ("lower", "upper")
    ]


def interval_columns(ft: FigureTable, indicator: str) -> tuple[str, str] | None:
    cols = set(ft.table.columns)
    if {f"{indicator}_lower", f"{indicator}_upper"} <= cols:
        return f"{indicator}_lower", f"{indicator}_upper"
    if {"lower", "upper"} <= cols and len(compared_indicators(ft)) == 1:
        return "lower", "upper"
    return None


def _long(ft: FigureTable, filters: list[str]) -> pd.DataFrame:
    """One row per filter combination and compared indicator: value, base, interval."""
    rows = []
    for ind in compared_indicators(ft):
        iv = interval_columns(ft, ind)
        part = ft.table[filters].copy()
        part["indicator"] = ind
        part["value"] = pd.to_numeric(ft.table[ind], errors="coerce")
        part["n_las"] = pd.to_numeric(ft.table["n_las"], errors="coerce") if "n_las" in ft.table else np.nan
        part["lower"] = pd.to_numeric(ft.table[iv[0]], errors="coerce") if iv else np.nan
        part["upper"] = pd.to_numeric(ft.table[iv[1]], errors="coerce") if iv else np.nan
        part["has_interval"] = iv is not None
        rows.append(part)
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def exceeds_intervals(old: pd.Series, new: pd.Series) -> str:
    """'yes' when each wave's value lies outside the other's interval, 'no' otherwise."""
    if not (old["has_interval"] and new["has_interval"]):
        return NO_INTERVALS
    if any(
        pd.isna(x)
        for x in (old["value"], new["value"], old["lower"], old["upper"], new["lower"], new["upper"])
    ):
        return "x"
    outside_old = not (old["lower"] <= new["value"] <= old["upper"])
    outside_new = not (new["lower"] <= old["value"] <= new["upper"])
    return "yes" if (outside_old and outside_new) else "no"


def side_by_side(old: FigureTable, new: FigureTable, la_set: str) -> pd.DataFrame:
    """Both waves' values of one figure table joined on its filters, with change and bases."""
    filters = [f for f in old.filters if f in new.filters]
    a, b = _long(old, filters), _long(new, filters)
    if a.empty or b.empty:
        return pd.DataFrame()
    keys = [*filters, "indicator"]
    m = a.merge(b, on=keys, how="outer", suffixes=("_old", "_new"), sort=False)
    out = m[keys].copy()
    out.insert(len(filters), "la_set", LA_SETS[la_set])
    out["old_value"], out["new_value"] = m["value_old"], m["value_new"]
    out["change"] = m["value_new"] - m["value_old"]
    out["old_n_las"], out["new_n_las"] = m["n_las_old"], m["n_las_new"]
    flags = []
    for r in m.itertuples(index=False):
        o = pd.Series({k: getattr(r, f"{k}_old") for k in ("value", "lower", "upper", "has_interval")})
        n = pd.Series({k: getattr(r, f"{k}_new") for k in ("value", "lower", "upper", "has_interval")})
        o["has_interval"], n["has_interval"] = _true(o["has_interval"]), _true(n["has_interval"])
        flags.append(exceeds_intervals(o, n))
    out["change_exceeds_intervals"] = flags
    return out


def _true(x) -> bool:
    """True only for a real True (a row missing from one wave has NaN after the outer join)."""
    return isinstance(x, (bool, np.bool_)) and bool(x)


def _text(x, dp: int) -> str:
    """Presentation: rounded half up to the indicator's decimals; GSS 'x' when not available."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "x"
    s = f"{round_half_up(float(x), 10.0**-dp):.{dp}f}"
    return "0" if s.strip("-0.") == "" else s


def open_data(
    key: str, old: WaveTables, new: WaveTables
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] | None:
    """EES table, its metadata and the unrounded rows of one figure present in both waves."""
    parts = []
    for la_set in (ALL, PANEL):
        o, n = old.tables[la_set].get(key), new.tables[la_set].get(key)
        if o is not None and n is not None:
            parts.append(side_by_side(o, n, la_set))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return None
    raw = pd.concat(parts, ignore_index=True)
    ft = new.tables[ALL][key]
    dps = {
        ind: int(m.get("dp", 0)) for ind, m in {**old.tables[ALL][key].indicators, **ft.indicators}.items()
    }
    filters = [c for c in raw.columns if c not in VALUE_COLUMNS]
    data = pd.DataFrame(
        {
            "time_period": new.settings.time_period,
            "time_identifier": new.settings.time_identifier,
            **COUNTRY,
        },
        index=raw.index,
    )
    settings = new.settings
    spec = settings.figures.get(key, {})
    indicator_labels = {
        i: m["label"] for i, m in {**old.tables[ALL][key].indicators, **ft.indicators}.items()
    }
    for f in filters:
        if f == "indicator":
            data[f] = raw[f].map(lambda v: indicator_labels.get(v, v))
        else:
            mapping = item_labels(f, spec, settings)
            data[f] = raw[f].map(lambda v, m=mapping: m.get(v, readable(v, settings)))
    for col in ("old_value", "new_value", "change"):
        data[col] = [_text(v, dps.get(ind, 0)) for v, ind in zip(raw[col], raw["indicator"], strict=True)]
    for col in ("old_n_las", "new_n_las"):
        data[col] = [_text(v, 0) for v in raw[col]]
    data["change_exceeds_intervals"] = raw["change_exceeds_intervals"]
    labelled = raw.copy()  # the summary names categories as the tables do, never by internal id
    labelled[filters] = data[filters]
    return data, _meta(filters, old.settings.wave, new.settings.wave, settings), labelled


VALUE_COLUMNS = ("old_value", "new_value", "change", "old_n_las", "new_n_las", "change_exceeds_intervals")


def _meta(filters: list[str], old: str, new: str, settings: Settings) -> pd.DataFrame:
    labels = {
        "old_value": f"Value, wave {old}",
        "new_value": f"Value, wave {new}",
        "change": f"Change, wave {old} to wave {new}",
        "old_n_las": f"LAs answering (base), wave {old}",
        "new_n_las": f"LAs answering (base), wave {new}",
        "change_exceeds_intervals": "Change larger than both waves' intervals (yes / no / no intervals)",
    }
    blank = {"indicator_grouping": "", "filter_hint": "", "filter_grouping_column": ""}
    names = {"la_set": "LAs compared", "indicator": "Measure"}
    rows = [
        {
            "col_name": f,
            "col_type": "Filter",
            "label": names.get(f) or filter_label(f, settings),
            "indicator_unit": "",
            "indicator_dp": "",
            **blank,
            "filter_hint": f"Filter by {lower_first(names[f])}" if f in names else filter_hint(f, settings),
        }
        for f in filters
    ]
    rows += [
        {
            "col_name": c,
            "col_type": "Indicator",
            "label": label,
            "indicator_unit": "",
            "indicator_dp": "",
            **blank,
        }
        for c, label in labels.items()
    ]
    cols = ["col_name", "col_type", "label", "indicator_grouping", "indicator_unit", "indicator_dp"]
    return pd.DataFrame(rows)[[*cols, "filter_hint", "filter_grouping_column"]]


# ---- summary ----------------------------------------------------------------------------------


def largest_changes(raws: dict[str, pd.DataFrame], top: int = 15) -> pd.DataFrame:
    """Rows of the 'all' set ranked by relative change |new - old| / |old| (old value non-zero)."""
    rows = []
    for key, raw in raws.items():
        r = raw[(raw["la_set"] == LA_SETS[ALL]) & raw["old_value"].notna() & raw["new_value"].notna()].copy()
        r = r[r["old_value"] != 0]
        if r.empty:
            continue
        r["relative_change"] = (r["change"] / r["old_value"].abs()).abs()
        r["figure"] = key
        r["category"] = (
            r[
                [
                    c
                    for c in r.columns
                    if c not in (*VALUE_COLUMNS, "la_set", "indicator", "relative_change", "figure")
                ]
            ]
            .astype(str)
            .agg(" / ".join, axis=1)
        )
        rows.append(
            r[
                [
                    "figure",
                    "category",
                    "indicator",
                    "old_value",
                    "new_value",
                    "change",
                    "relative_change",
                    "change_exceeds_intervals",
                ]
            ]
        )
    if not rows:
        return pd.DataFrame(
            columns=["figure", "category", "indicator", "old_value", "new_value", "change", "relative_change"]
        )
    return (
        pd.concat(rows, ignore_index=True)
        .sort_values("relative_change", ascending=False, kind="stable")
        .head(top)
    )


def figure_name(key: str, settings: Settings) -> str:
    spec = settings.figures.get(key, {})
    return f"Figure {spec['number']}" if "number" in spec else key


def _readable(x: float, sign: bool = False) -> str:
    """A number for the summary: thousands separated, one decimal below 100."""
    text = f"{x:{'+' if sign else ''},.1f}" if abs(x) < 100 else f"{x:{'+' if sign else ''},.0f}"
    return text


def summary(
    old: WaveTables, new: WaveTables, panel: set[str], areas: dict[str, str], raws, written, only
) -> str:
    o, n = old.settings, new.settings
    recoded = recoded_areas(old.respondents, new.respondents, panel, areas)
    flagged = sum(int((raw["change_exceeds_intervals"] == "yes").sum()) for raw in raws.values())
    has_intervals = any((raw["change_exceeds_intervals"] != NO_INTERVALS).any() for raw in raws.values())
    lines = [
        f"# Wave {o.wave} compared with wave {n.wave}",
        "",
        f"- Wave {o.wave}: {o.wave_settings.title}; {len(old.respondents)} responding LAs.",
        f"- Wave {n.wave}: {n.wave_settings.title}; {len(new.respondents)} responding LAs.",
        f"- Panel: {len(panel)} areas responded in both waves "
        f"({sum(area_of(c, areas) in panel for c in old.respondents)} LAs in wave {o.wave}, "
        f"{sum(area_of(c, areas) in panel for c in new.respondents)} in wave {n.wave}); "
        f"in {len(recoded)} of them the responding LA codes differ between the waves, matched through "
        f"config/{LOOKUP.as_posix()}.",
        f"- {len(written)} figures compared; only in wave {o.wave}: {', '.join(only[0]) or 'none'}; "
        f"only in wave {n.wave}: {', '.join(only[1]) or 'none'}.",
        "- Intervals: "
        + (
            f"{flagged} changes larger than both waves' intervals."
            if has_intervals
            else "no intervals in the tables, so no change is flagged as larger than sampling variation."
        ),
        "",
        "## Largest changes (all responding LAs, relative to the earlier value)",
        "",
        f"| figure | category | indicator | wave {o.wave} | wave {n.wave} | change | exceeds intervals |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in largest_changes(raws).itertuples(index=False):
        lines.append(
            f"| {figure_name(r.figure, n)} | {r.category} | {r.indicator} | {_readable(r.old_value)} | "
            f"{_readable(r.new_value)} | {_readable(r.change, sign=True)} | {r.change_exceeds_intervals} |"
        )
    lines += [
        "",
        "Values unrounded here; the CSV files give them rounded as published. Bases and the",
        "panel values are in the CSV files (`la_set`).",
    ]
    return "\n".join(lines) + "\n"


# ---- command ----------------------------------------------------------------------------------


def compare(old_wave: str, new_wave: str, root: Path | None = None, config_dir: Path | None = None) -> Path:
    """Write the comparison of two waves; returns its folder."""
    kw = {"root": root} if root else {}
    old_s, new_s = (
        Settings(old_wave, config_dir=config_dir, **kw),
        Settings(new_wave, config_dir=config_dir, **kw),
    )
    areas = comparison_areas(load_lookup(new_s))
    old_clean, old_resp = wave_responses(old_s)
    new_clean, new_resp = wave_responses(new_s)
    panel = panel_areas(old_resp, new_resp, areas)
    old = wave_tables(old_s, panel, areas, old_clean, old_resp)
    new = wave_tables(new_s, panel, areas, new_clean, new_resp)
    out = new_s.root / "data" / "processed" / f"compare_{old_wave}_{new_wave}"
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("fig*.csv"):
        stale.unlink()
    raws, written = {}, []
    for key in sorted(set(old.tables[ALL]) & set(new.tables[ALL])):
        built = open_data(key, old, new)
        if built is None:
            continue
        data, meta, raw = built
        spec = new_s.figures.get(key, {})
        stem = f"fig{spec['number']:02d}_{spec['slug']}" if spec else key
        write_csv(out / f"{stem}.csv", data)
        write_csv(out / f"{stem}.meta.csv", meta)
        raws[key], written = raw, [*written, stem]
    only = (
        sorted(set(old.tables[ALL]) - set(new.tables[ALL])),
        sorted(set(new.tables[ALL]) - set(old.tables[ALL])),
    )
    write_text(out / "summary.md", summary(old, new, panel, areas, raws, written, only))
    return out


def main(old_wave: str, new_wave: str) -> int:
    out = compare(old_wave, new_wave)
    print(f"wrote the comparison of waves {old_wave} and {new_wave} to {out}", file=sys.stderr)
    print((out / "summary.md").read_text(encoding="utf-8").split("\n## ")[0].strip())
    return 0
