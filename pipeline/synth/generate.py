"""Generator of a synthetic wave: return workbooks for the LAs that responded to the survey.

The real returns of the report's wave are not public. This generator draws plausible LA-level answers from
real public data (pupil headcounts, deprivation, which LAs have PRUs, rurality) and then
calibrates them so that the pipeline's own estimators reproduce the report's published
aggregates. It is, with the reproduction check, the only code that reads the published
values; the compute stages never import it. See docs/synthetic-data.md.
"""

from __future__ import annotations

import shutil
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import public
from ..config import Settings, merge_dir
from ..template import build_workbook, return_filename, save_deterministic
from . import costs, journeys, questions, sen, supply
from .common import Published

# Blocks run in this order; each draws from its own random stream (seed, block name), so a
# change inside one block never shifts the draws of another.
BLOCKS = [
    ("questions", questions.run),
    ("supply", supply.run),
    ("sen", sen.run),
    ("journeys", journeys.run),
    ("costs", costs.run),
]


@dataclass
class Context:
    """What every generator block sees; blocks add answers and may leave results in ``state``."""

    settings: Settings
    cfg: dict
    published: Published
    las: pd.DataFrame
    answers: dict[str, dict[str, object]]
    rng: np.random.Generator | None = None
    state: dict = field(default_factory=dict)


def respondents(settings: Settings, cfg: dict) -> pd.DataFrame:
    """The responding LAs with their real public context, in frame order."""
    resp = pd.read_csv(settings.path(cfg["respondents"]), dtype={"old_la_code": str})
    ctx = public.context(settings)
    pupils_file = pd.read_csv(settings.path(settings.wave_config["denominators"]["file"]))
    ctx = ctx.merge(
        pupils_file[["new_la_code", "pru_headcount"]].rename(columns={"new_la_code": "la_code"}),
        on="la_code",
        how="left",
    )
    las = ctx[ctx["la_code"].isin(resp["new_la_code"])].copy()
    las["pupils_primary"] = las["pupils_primary"].fillna(0.0)
    las["pupils_secondary"] = las["pupils_secondary"].fillna(0.0)
    dep = las["deprivation"]
    las["dep_z"] = ((dep - dep.mean()) / dep.std()).fillna(0.0)
    las["rural"] = las["rurality"].fillna("").str.contains("Rural")
    las["has_pru"] = las["pru_headcount"].notna()
    las = las.merge(real_ap(settings, cfg), on="old_la_code", how="left")
    return las.sort_values("la_code").reset_index(drop=True)


def real_ap(settings: Settings, cfg: dict) -> pd.DataFrame:
    """The real size of each LA's AP in the wave's January (AP census pupils and state-funded AP
    school headcount): old_la_code, ap_census_pupils, ap_school_headcount (NaN where absent)."""
    spec = cfg["real_ap"]
    ap = pd.read_csv(settings.path(spec["file"]), dtype={"old_la_code": str})
    ap = ap[ap["time_period"] == int(spec["time_period"])]
    return ap[["old_la_code", "ap_census_pupils", "ap_school_headcount"]]


def generate(settings: Settings, cfg: dict) -> dict[str, dict[str, object]]:
    """All answers of the synthetic wave: {la_code: {item key: value}}."""
    las = respondents(settings, cfg)
    ctx = Context(settings, cfg, Published.load(settings, cfg), las, {code: {} for code in las["la_code"]})
    for name, block in BLOCKS:
        ctx.rng = np.random.default_rng([int(cfg["seed"]), zlib.crc32(name.encode())])
        block(ctx)
    return ctx.answers


def write_returns(settings: Settings, las: pd.DataFrame, answers: dict, out_dir: Path) -> int:
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    for code, name in zip(las["la_code"], las["la_name"], strict=True):
        wb = build_workbook(settings.codebook, settings.wave, code, name, answers[code])
        save_deterministic(wb, out_dir / return_filename(code, name))
    return len(las)


def write_manifest(settings: Settings) -> None:
    """Record the calibrated returns (sha256 of each), so the reproduction gate knows them."""
    from ..ingest import return_files
    from ..reproduce import manifest_lines

    manifest = settings.wave_config["reproduction_manifest"]
    returns_dir = settings.path(settings.wave_config["returns_dir"])
    path = settings.path(manifest) if manifest else returns_dir.parent / "returns.sha256"
    path.write_text("\n".join(manifest_lines(return_files(settings), settings.root)) + "\n", encoding="utf-8")


def load_config(settings: Settings) -> dict:
    """Generator settings, merged from config/synth/<wave>/*.yaml (one file per block area)."""
    return merge_dir(settings.cfg / "synth" / settings.wave)


def main(wave: str) -> int:
    settings = Settings(wave)
    cfg = load_config(settings)
    answers = generate(settings, cfg)
    las = respondents(settings, cfg)
    n = write_returns(settings, las, answers, settings.path(cfg["out_dir"]))
    write_manifest(settings)
    print(f"wrote {n} synthetic return workbooks to {cfg['out_dir']}")
    return 0
