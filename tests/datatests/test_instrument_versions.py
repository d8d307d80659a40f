"""A new instrument version leaves the default wave's outputs byte-identical, and a wave on the
new version reads its own returns (with the extra question) while old-layout returns are refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import yaml

from pipeline.config import Settings
from pipeline.ingest import read_wave
from pipeline.run import run

from ..fixtures import fixture_wave as fw
from ..fixtures.project import build_project

REPO = Path(__file__).resolve().parents[2]
NEW_VERSION = {
    "version": "v2099",
    "extends": "v2018",
    "add_questions": [
        {
            "id": "ap_waiting_list",
            "section": "provision",
            "after": "providers",
            "text": "How many pupils were waiting for an AP place on census day?",
            "type": "count",
            "range": [0, 100000],
        }
    ],
}


def _root(base: Path, config: Path) -> Settings:
    base.mkdir(parents=True)
    (base / "data").mkdir()
    (base / "data" / "raw").symlink_to(REPO / "data" / "raw", target_is_directory=True)
    return Settings("2018", root=base, config_dir=config)


def test_default_wave_outputs_unchanged_by_a_new_version(tmp_path):
    config = tmp_path / "config"
    shutil.copytree(REPO / "config", config)
    (config / "instruments" / "v2099.yaml").write_text(yaml.safe_dump(NEW_VERSION), encoding="utf-8")
    unchanged = _root(tmp_path / "unchanged", REPO / "config")
    with_new = _root(tmp_path / "with_new", config)
    assert run(unchanged, until="analyse", workers=1, quiet=True) == 0
    assert run(with_new, until="analyse", workers=1, quiet=True) == 0
    before = sorted(p.name for p in unchanged.processed_dir.glob("*.csv"))
    after = sorted(p.name for p in with_new.processed_dir.glob("*.csv"))
    assert before == after and len(before) > 40
    for name in before:  # (source file paths name the run's own root: compared without it)
        one = (unchanged.processed_dir / name).read_bytes().replace(str(unchanged.root).encode(), b"ROOT")
        two = (with_new.processed_dir / name).read_bytes().replace(str(with_new.root).encode(), b"ROOT")
        assert one == two, name


def test_wave_on_new_version_reads_its_own_returns(tmp_path):
    settings = build_project(tmp_path / "p")
    (settings.cfg / "instruments" / "v2099.yaml").write_text(yaml.safe_dump(NEW_VERSION), encoding="utf-8")
    wave_file = settings.cfg / "waves" / "fixture.yaml"
    wave = yaml.safe_load(wave_file.read_text(encoding="utf-8"))
    wave["instrument"] = "v2099"
    wave_file.write_text(yaml.safe_dump(wave), encoding="utf-8")
    settings = Settings(settings.wave, root=settings.root)
    answers = {code: dict(items) for code, items in fw.ANSWERS.items()}
    answers[fw.A]["ap_waiting_list"] = 7
    fw.write_workbooks(settings.codebook, settings.returns_dir, answers=answers)
    raw, problems = read_wave(settings)
    assert problems == []
    got = raw[(raw["la_code"] == fw.A) & (raw["question_id"] == "ap_waiting_list")]
    assert got["value"].astype(str).tolist() == ["7"]

    # a return printed from the old version has the wrong layout for this wave: refused, not misread
    old = Settings("2018").codebook
    shutil.rmtree(settings.returns_dir)
    fw.write_workbooks(old, settings.returns_dir)
    _, problems = read_wave(settings)
    rules = pd.DataFrame(problems)["rule"] if problems else pd.Series(dtype=str)
    assert "layout_changed" in set(rules)
