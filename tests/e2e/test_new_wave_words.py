"""A new wave's words come from its wave file, and a wave without published values ends after figures.

The five-LA fixture is run as a later wave (financial year 2030-31, January 2031 census, survey
2031) with no published values: every subtitle, alt text and metadata note must use those words
and none of the default wave's, and the run must end with a line saying no published values.
"""

from __future__ import annotations

import yaml

from pipeline.config import Settings
from pipeline.run import run

from ..fixtures import fixture_wave as fw
from ..fixtures.project import build_project

LATER = {
    "finance_year": "2030-31",
    "survey_year": 2031,
    "survey_date": "spring 2031",
    "academic_year": "2031/32",
    "census_date": "January 2031",
    "time_period": 203132,  # academic year of the table rows that are not financial-year
    "published_values": None,
    "reproduction_manifest": None,
}


def test_later_wave_words_and_no_reproduction(tmp_path, capsys):
    settings = build_project(tmp_path / "p")
    path = settings.cfg / "waves" / "fixture.yaml"
    wave = yaml.safe_load(path.read_text(encoding="utf-8"))
    wave.update(LATER)
    wave["denominators"]["census"] = "January 2031 school census"
    path.write_text(yaml.safe_dump(wave), encoding="utf-8")
    settings = Settings("fixture", root=settings.root)
    fw.write_workbooks(settings.codebook, settings.returns_dir)

    assert run(settings, workers=1, quiet=True) == 0
    out = capsys.readouterr().out
    assert "wave fixture: no published values declared, so no reproduction check" in out
    assert not (settings.processed_dir / "reproduction.csv").exists()
    summary = (settings.processed_dir / "summary.txt").read_text(encoding="utf-8")
    assert summary.startswith("wave fixture: no published values declared")

    texts = {p.name: p.read_text(encoding="utf-8") for p in settings.figures_dir.glob("*.txt")}
    assert texts, "figures were drawn"
    assert "financial year 2030-31" in texts["fig08_cost_by_provider_type.txt"]
    assert "(January 2031 census)" in texts["fig03_places_per_10k_by_provider_type.txt"]
    assert "England, 2031" in texts["fig16_decision_making_by_phase.txt"]
    for name, text in texts.items():
        for old in ("2017-18", "201718", "January 2018", "England, 2018"):
            assert old not in text, (name, old)
    csv = (settings.processed_dir / "fig08_cost_by_provider_type.csv").read_text(encoding="utf-8")
    assert csv.splitlines()[1].startswith("203031,Financial year,")  # finance year 2030-31
