"""Generator of the synthetic default wave: return workbooks for the LAs that responded in 2018.

The real 2018 returns are not public. This generator draws plausible LA-level answers from
real public data (pupil headcounts, deprivation, which LAs have PRUs, rurality) and then
calibrates them so that the pipeline's own estimators reproduce the report's published
aggregates. It is, with the reproduction check, the only code that reads the published
values; the compute stages never import it. See docs/synthetic-data.md.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from .. import public
from ..config import Settings, read_yaml
from ..template import build_workbook, return_filename, save_deterministic
from . import costs as cost_model
from . import questions, supply
from .common import Published


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
    return las.sort_values("la_code").reset_index(drop=True)


def generate(settings: Settings, cfg: dict) -> dict[str, dict[str, object]]:
    """All answers of the synthetic wave: {la_code: {item key: value}}."""
    published = Published.load(settings)
    rng = np.random.default_rng(cfg["seed"])
    las = respondents(settings, cfg)
    answers: dict[str, dict[str, object]] = {code: {} for code in las["la_code"]}
    questions.required_items(rng, las, answers, published, settings.codebook)
    sup = supply.draw(rng, las, cfg, published, settings.codebook)
    supply.write_answers(sup, answers)
    cost_answers = cost_model.draw(rng, las, sup, cfg, published, settings)
    for code, items in cost_answers.items():
        answers[code].update(items)
    return answers


def write_returns(settings: Settings, las: pd.DataFrame, answers: dict, out_dir: Path) -> int:
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    for code, name in zip(las["la_code"], las["la_name"], strict=True):
        wb = build_workbook(settings.codebook, settings.wave, code, name, answers[code])
        save_deterministic(wb, out_dir / return_filename(code, name))
    return len(las)


def main(wave: str) -> int:
    settings = Settings(wave)
    cfg = read_yaml(settings.cfg / "synth" / f"{wave}.yaml")
    answers = generate(settings, cfg)
    las = respondents(settings, cfg)
    n = write_returns(settings, las, answers, settings.path(cfg["out_dir"]))
    print(f"wrote {n} synthetic return workbooks to {cfg['out_dir']}")
    return 0
