"""Calibration targets of a wave without published survey values (the 2023 wave).

The generator calibrates to targets read by id. For the first wave they are the report's published
values; a later wave has none, so its targets are built here from stated rules
(``target_rules`` in ``config/synth/<wave>/general.yaml``) and written, each with its source, to
``config/synth/<wave>/targets.yaml``:

- every id starts as the first wave's published value (the carried-forward structure, an
  assumption stated in docs/synthetic-data.md);
- sizes (place and pupil totals) scale with the real AP size: AP census pupils + state-funded AP
  school headcount, all LAs, wave January over the first wave's January;
- per-10,000 rates scale with the real AP size per state-funded pupil (same ratio over the
  headcount ratio);
- provider-type mixes shift with the Ofsted/CQC (2024) annex: each share is weighted by the ratio
  of its annex group's placement share (wave year over first-wave year), the group renormalised
  to 100 (equivalently: the odds of one type over another move by the annex's odds ratio);
- a few values follow from those by a stated assumption (``assumed``).

Run ``python -m pipeline.synth.targets 2023`` to rebuild the file after a rule changes.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import yaml

from ..config import Settings, read_yaml
from ..estimators import round_half_up
from .common import largest_remainder


def ap_size(settings: Settings, spec: dict, period: int) -> float:
    """Real AP size of all LAs in one January: AP census pupils + state-funded AP school headcount."""
    ap = pd.read_csv(settings.path(spec["file"]))
    ap = ap[ap["time_period"] == int(period)]
    return float(ap["ap_census_pupils"].sum() + ap["ap_school_headcount"].sum())


def headcount(settings: Settings, file: str) -> float:
    """State-funded primary + secondary headcount of all LAs in a census file."""
    p = pd.read_csv(settings.path(file))
    return float(p["primary_headcount"].sum() + p["secondary_headcount"].sum())


def anchor_ratios(settings: Settings, spec: dict) -> dict[str, float]:
    """Placement share of each annex group in the wave year over the first wave's year."""
    a = pd.read_csv(settings.path(spec["file"])).set_index(["census_year", "provider_type"])[
        "placement_share"
    ]
    return {g: float(a[(int(spec["wave"]), g)] / a[(int(spec["base"]), g)]) for g in a.index.levels[1]}


def shift_mix(values: dict[str, float], anchors: dict[str, str | None], ratio: dict[str, float]) -> dict:
    """Shares (adding to 100 with the rest under key 'rest') reweighted by their anchor group's ratio
    and renormalised to whole percentages adding to exactly 100 (largest remainder; unanchored
    members keep weight 1), as published shares are whole percentages."""
    keys = list(values)
    w = np.array([values[k] * (ratio[anchors[k]] if anchors.get(k) else 1.0) for k in keys])
    return dict(zip(keys, largest_remainder(w, 100).astype(float), strict=True))


def build(settings: Settings, rules: dict) -> list[dict]:
    """The target rows (id, value, source) that differ from the carried-forward values."""
    base = {r["id"]: r["value"] for r in read_yaml(settings.path(rules["carry_forward"]))}
    ap, hc = rules["real_ap"], rules["headcounts"]
    size = ap_size(settings, ap, ap["wave"]) / ap_size(settings, ap, ap["base"])
    rate = size / (headcount(settings, hc["wave"]) / headcount(settings, hc["base"]))
    ratio = anchor_ratios(settings, rules["placements"])
    rows: list[dict] = []

    def add(id_: str, value: float, source: str, unit: float = 1.0) -> None:
        rows.append({"id": id_, "value": float(round_half_up(value, unit)), "source": source})

    for id_ in rules["scale_size"]:
        add(id_, base[id_] * size, f"first wave x real AP size ratio {size:.4f} ({ap['file']})")
    for id_ in rules["scale_rate"]:
        add(
            id_,
            base[id_] * rate,
            f"first wave x real AP per pupil ratio {rate:.4f} ({ap['file']}, {hc['wave']})",
            0.1,
        )
    src = f"first wave shifted by Ofsted/CQC annex ratios ({rules['placements']['file']})"
    for group in rules["mixes"]:
        members = group["members"]
        values = {k: base[m["id"]] for k, m in members.items()}
        values["rest"] = max(0.0, 100.0 - sum(values.values()))  # published shares may add to 101
        anchors = {k: m.get("anchor") for k, m in members.items()} | {"rest": group.get("rest_anchor")}
        shifted = shift_mix(values, anchors, ratio)
        for k, m in members.items():
            add(m["id"], shifted[k], src)
        for id_, parts in group.get("sums", {}).items():
            add(id_, sum(shifted[p] for p in parts), src + " (sum of its types)")
    for id_, a in rules.get("assumed", {}).items():
        add(id_, float(a["value"]), f"assumption: {a['reason']}")
    return rows


def write(wave: str) -> int:
    settings = Settings(wave)
    folder = settings.cfg / "synth" / wave
    rules = read_yaml(folder / "general.yaml")["target_rules"]
    rows = build(settings, rules)
    head = (
        f"# Calibration targets of the synthetic {wave} wave: WRITTEN by `python -m pipeline.synth.targets"
        f" {wave}` from\n# target_rules in general.yaml (see pipeline/synth/targets.py). Ids not listed"
        " keep the first wave's\n# published value (carried forward: an assumption).\n"
    )
    body = {"targets": {"carry_forward": rules["carry_forward"], "values": rows}}
    text = head + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=120)
    (folder / "targets.yaml").write_text(text, encoding="utf-8")
    print(f"wrote {len(rows)} targets to {folder / 'targets.yaml'}")
    return 0


if __name__ == "__main__":
    sys.exit(write(sys.argv[1]))
