"""Reproduce: compare every published value of the report with what the pipeline computed.

This module and the synthetic-data generator are the only code that reads the published
values. A value ``match``es when the computed value, rounded as the report rounds, agrees
with the published one read with its qualifier: ``exact`` equal; ``lower_bound`` ("over",
"at least") computed >= published; ``upper_bound`` ("under", "up to") computed <= published;
``approximate`` ("around") within 5% (or one rounding unit, if larger). A ``finding`` (a
direction such as "devolved LAs had lower costs") is computed as a difference, group minus
comparison group, and matches when its sign agrees. A regression finding (from ``regress``) is
a value dict with the signed coefficient as ``value`` and its robust ``p_value``; it matches when
the sign agrees and, where the report calls it statistically significant (config/reproduction/
findings.yaml, ``significance_stated``), p < ``alpha``; where the report says it was not
significant, p >= ``alpha``.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import pandas as pd

from .config import Settings, read_yaml
from .estimators import round_half_up

COLUMNS = [
    "id",
    "figure",
    "source",
    "published",
    "computed",
    "unit",
    "rounding",
    "qualifier",
    "status",
    "basis",
    "n_las",
    "note",
]
APPROXIMATE_TOLERANCE = 0.05


def load_published(settings: Settings) -> list[dict]:
    return read_yaml(settings.path(settings.wave_config["published_values"]))


def rounded(x: float, rounding) -> float:
    return round_half_up(x, rounding) if rounding else x


def matches(published: float, computed: float, rounding, qualifier: str) -> bool:
    """Does the computed value reproduce the published one, as the report rounds and words it?"""
    if computed is None or (isinstance(computed, float) and math.isnan(computed)):
        return False
    c = rounded(computed, rounding)
    if qualifier == "lower_bound":
        return c >= published
    if qualifier == "upper_bound":
        return c <= published
    if qualifier == "approximate":
        return abs(c - published) <= max(APPROXIMATE_TOLERANCE * abs(published), rounding or 0)
    return math.isclose(c, published, rel_tol=0, abs_tol=1e-9)


def direction(difference: float) -> str:
    """A finding's direction from a computed difference (group minus comparison group)."""
    if difference is None or math.isnan(difference):
        return "not computed"
    return "positive" if difference > 0 else ("negative" if difference < 0 else "no difference")


def significance_agrees(computed: dict, stated: str | None, alpha: float) -> bool:
    """Does a finding's p-value agree with what the report says of its significance?"""
    p = computed.get("p_value")
    if stated is None or p is None:
        return True
    return p < alpha if stated == "significant" else p >= alpha


def compare(
    published: list[dict],
    computed: dict[str, dict],
    inconsistencies: dict[str, str],
    significance: dict[str, str] | None = None,
    alpha: float = 0.05,
    pending: dict[str, str] | None = None,
) -> pd.DataFrame:
    significance = significance or {}
    pending = pending or {}
    rows = []
    for p in published:
        c = computed.get(p["id"])
        cval = c["value"] if c else float("nan")
        note = ""
        if p["source"] == "external":
            status = "external"
            cval = float("nan")
        elif p["id"] in inconsistencies:
            status = "known_inconsistency"
            note = inconsistencies[p["id"]]
        elif c is None or p["value"] is None:
            status = "not_computed"
        elif p["unit"] == "finding":
            agrees = direction(cval) == p["value"] and significance_agrees(
                c, significance.get(p["id"]), alpha
            )
            status = "match" if agrees else ("pending_data" if p["id"] in pending else "mismatch")
            note = pending.get(p["id"], "") if status == "pending_data" else ""
        else:
            status = (
                "match" if matches(float(p["value"]), cval, p["rounding"], p["qualifier"]) else "mismatch"
            )
        rows.append(
            {
                "id": p["id"],
                "figure": p["figure"] if p["figure"] is not None else "",
                "source": p["source"],
                "published": p["value"],
                "computed": "" if math.isnan(cval) else round(cval, 4),
                "unit": p["unit"],
                "rounding": p["rounding"] if p["rounding"] is not None else "",
                "qualifier": p["qualifier"],
                "status": status,
                "basis": c["basis"] if c else "",
                "n_las": c["n_las"] if c and c.get("n_las") is not None else "",
                "note": note,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def summary(table: pd.DataFrame) -> str:
    counts = table["status"].value_counts()
    comparable = table[table["source"] != "external"]
    n_match = int(counts.get("match", 0))
    n_def = int(((table["status"] == "match") & (table["basis"] == "definition")).sum())
    parts = [
        f"reproduced {n_match} of {len(comparable)} published survey and public values"
        f" ({n_def} of them analysis definitions)"
    ]
    for status in ("mismatch", "pending_data", "known_inconsistency", "not_computed", "external"):
        if status == "pending_data" and not counts.get(status, 0):
            continue
        parts.append(f"{int(counts.get(status, 0))} {status.replace('_', ' ')}")
    return "; ".join(parts)


def manifest_lines(files: list[Path], root: Path) -> list[str]:
    """'sha256  path' for each return file, sorted: the identity of a set of returns."""
    lines = []
    for f in sorted(files):
        digest = hashlib.sha256(f.read_bytes()).hexdigest()
        lines.append(f"{digest}  {f.relative_to(root).as_posix()}")
    return lines


def gate_applies(settings: Settings) -> bool:
    """Is this the set of returns the published values were reproduced from?

    The wave config may name a manifest (sha256 of every return). Mismatches fail the run only
    when the returns are exactly those; for any other returns (a new wave, an LA removed or
    corrected) the comparison is reported but not fatal.
    """
    from .ingest import return_files

    name = settings.wave_config.get("reproduction_manifest")
    path = settings.path(name) if name else None
    if path is None or not path.exists():
        return False
    expected = path.read_text(encoding="utf-8").splitlines()
    return manifest_lines(return_files(settings), settings.root) == expected


def _findings_config(settings: Settings) -> dict:
    path = settings.cfg / "reproduction" / "findings.yaml"
    return (read_yaml(path) or {}) if path.exists() else {}


def run(settings: Settings, computed_values: list[dict]) -> tuple[pd.DataFrame, str, bool]:
    """Compare, summarise, and say whether mismatches should fail the run."""
    computed = {v["id"]: v for v in computed_values}
    findings = _findings_config(settings)
    table = compare(
        load_published(settings),
        computed,
        settings.known_inconsistencies,
        findings.get("significance_stated") or {},
        float(findings.get("alpha", 0.05)),
        findings.get("pending_data") or {},
    )
    strict = gate_applies(settings)
    line = summary(table)
    if not strict:
        line += " (returns differ from the reproduction manifest: mismatches reported, not fatal)"
    pend = table.loc[table["status"] == "pending_data", "id"].tolist()
    if pend:
        line += "\npending data (config/reproduction/findings.yaml; fail on today's returns): " + ", ".join(
            pend
        )
    ki = table.loc[table["status"] == "known_inconsistency", "id"].tolist()
    if ki:
        line += "\nknown inconsistencies (docs/reproduction.md): " + ", ".join(ki)
    return table, line, strict
