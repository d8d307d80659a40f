"""The fixture project itself: a self-contained root, and the fixture answers read back as written."""

from __future__ import annotations

from pathlib import Path

import yaml

from pipeline import public
from pipeline.ingest import read_wave
from pipeline.validate import validate

from ..fixtures import fixture_wave as fw
from ..fixtures.fixture_wave import A, B, C, D, E

REPO = Path(__file__).resolve().parents[2]


def test_project_root_layout(fixture_settings):
    s = fixture_settings
    assert s.wave == "fixture"
    assert s.cfg == s.root / "config"
    for name in ("instruments/v2018.yaml", "analysis.yaml", "validation.yaml"):
        assert (s.cfg / name).read_bytes() == (REPO / "config" / name).read_bytes()
    real = yaml.safe_load((REPO / "config" / "waves" / "2018.yaml").read_text(encoding="utf-8"))
    assert set(s.wave_config) == set(real)
    for key in ("frame", "published_values"):
        assert Path(s.wave_config[key]).is_absolute() and Path(s.wave_config[key]).is_file()
    for key in ("denominators", "exclusions", "deprivation", "rurality"):
        assert Path(s.wave_config[key]["file"]).is_file()
    assert s.returns_dir == s.root / "data" / "raw" / "fixture" / "returns"
    assert s.export_file is None
    assert s.processed_dir == s.root / "data" / "processed" / "fixture"
    assert sorted(p.name for p in s.returns_dir.iterdir()) == [
        "E06000022_bath_and_north_east_somerset.xlsx",
        "E08000016_barnsley.xlsx",
        "E08000025_birmingham.xlsx",
        "E09000002_barking_and_dagenham.xlsx",
        "E09000003_barnet.xlsx",
    ]


def test_fixture_las_are_in_the_frame(fixture_settings):
    frame = public.la_frame(fixture_settings).set_index("la_code")["la_name"]
    assert len(frame) == 152
    for code, name in fw.LAS.items():
        assert frame[code] == name


def test_fixture_answers_read_back(fixture_settings):
    raw, problems = read_wave(fixture_settings)
    assert problems == []
    frame = public.la_frame(fixture_settings)
    clean, report, respondents = validate(
        raw, problems, frame, fixture_settings.codebook, fixture_settings.validation["severity"]
    )
    assert report.empty
    assert respondents == sorted([A, B, C, D, E])
    got = {(r.la_code, r.item): r.value for r in clean.itertuples(index=False)}
    expected = {(code, k): str(v) for code, items in fw.ANSWERS.items() for k, v in items.items()}
    assert got == expected  # codes in, labels in the workbook, codes out
