"""`compare`: two small fixture waves side by side, with hand-computed changes.

Wave ``fixture`` is the five-LA fixture (A-E, tests/fixtures/fixture_wave.py). Wave ``fixture2``:
C does not respond; A's PRU 'all phases' cost rises from 18,000 to 24,000; Barnsley (B) answers
as before but under its 2025 code E08000038, which the boundary lookup
(config/geography/la_reorganisations.csv) links to E08000016; D and E answer as before.

Figure 8, PRU place-weighted cost (places: A 60, B 40, D 20; C has none -> fallback weight):
  fixture,  all:   (18,000x60 + 19,000x40 + 15,000x20 + 22,000x40) / 160 = 3,020,000 / 160 = 18,875 (4 LAs)
  fixture,  panel (A, B, D, E; C is not in the panel):
                   (18,000x60 + 19,000x40 + 15,000x20) / 120 = 2,140,000 / 120 = 17,833.3 (3 LAs)
  fixture2, all = panel: (24,000x60 + 19,000x40 + 15,000x20) / 120 = 2,500,000 / 120 = 20,833.3 (3 LAs)
  change: all 20,833.3 - 18,875 = 1,958.3; panel 20,833.3 - 17,833.3 = 3,000 (= 6,000 x 60 / 120)
Independent registered (A 25,000 x 10, D 35,000 x 10) is 30,000 in both waves: change 0.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline.analyse import FigureTable
from pipeline.compare import (
    compare,
    comparison_areas,
    exceeds_intervals,
    panel_areas,
    recoded_areas,
    side_by_side,
)
from pipeline.config import Settings

from ..fixtures import fixture_wave as fw
from ..fixtures.project import build_project

REPO = Path(__file__).resolve().parents[2]
B_NEW = "E08000038"
PRU = "Pupil referral unit (PRU)"
PUBLIC_KEYS = {
    "frame": None,
    "denominators": "file",
    "exclusions": "file",
    "deprivation": "file",
    "rurality": "file",
}


def _second_wave(settings: Settings) -> Settings:
    """fixture2: public files with Barnsley's 2025 code, its own returns folder and time period."""
    cfg = settings.cfg / "waves"
    wave = yaml.safe_load((cfg / "fixture.yaml").read_text(encoding="utf-8"))
    pub = settings.root / "public2"
    pub.mkdir()
    for key, sub in PUBLIC_KEYS.items():
        src = Path(wave[key] if sub is None else wave[key][sub])
        dst = pub / src.name
        dst.write_text(src.read_text(encoding="utf-8").replace(fw.B, B_NEW), encoding="utf-8")
        if sub is None:
            wave[key] = str(dst)
        else:
            wave[key] = {**wave[key], sub: str(dst)}
    wave.update(
        {
            "wave": "fixture2",
            "time_period": 202223,
            "academic_year": "2022/23",
            "finance_year": "2022-23",
            "returns_dir": "data/raw/fixture2/returns",
            "published_values": None,
            "reproduction_manifest": None,
        }
    )
    (cfg / "fixture2.yaml").write_text(yaml.safe_dump(wave), encoding="utf-8")
    return Settings("fixture2", root=settings.root)


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    first = build_project(tmp_path_factory.mktemp("compare"))
    fw.write_workbooks(first.codebook, first.returns_dir)
    second = _second_wave(first)
    answers = fw.answers_copy()
    del answers[fw.C]
    answers[fw.A]["costs__pru__all_phases"] = 24000
    answers[B_NEW] = answers.pop(fw.B)
    las = {**fw.LAS, B_NEW: fw.LAS[fw.B]}
    fw.write_workbooks(second.codebook, second.returns_dir, answers=answers, las=las, wave="fixture2")
    out = compare("fixture", "fixture2", root=first.root)
    return out


def _fig08(out: Path) -> pd.DataFrame:
    df = pd.read_csv(out / "fig08_cost_by_provider_type.csv", dtype=str)
    return df[df["indicator"] == "Average cost per FTE place"].set_index(["provider_type", "la_set"])


def test_writes_ees_tables_with_metadata_and_summary(compared):
    assert compared.name == "compare_fixture_fixture2"
    assert (compared / "fig08_cost_by_provider_type.meta.csv").is_file()
    meta = pd.read_csv(compared / "fig08_cost_by_provider_type.meta.csv")
    assert {"provider_type", "la_set", "indicator"} == set(meta.loc[meta["col_type"] == "Filter", "col_name"])
    assert "Value, wave fixture" in set(meta["label"])
    df = pd.read_csv(compared / "fig08_cost_by_provider_type.csv", dtype=str)
    assert list(df.columns[:5]) == [
        "time_period",
        "time_identifier",
        "geographic_level",
        "country_code",
        "country_name",
    ]
    assert set(df["time_period"]) == {"202223"}
    summary = (compared / "summary.md").read_text(encoding="utf-8")
    assert "# Wave fixture compared with wave fixture2" in summary
    assert "fixture: Fixture wave of five hand-made returns; 5 responding LAs" in summary
    assert "4 areas responded in both waves" in summary  # A, B (recoded), D, E
    assert "in 1 of them the responding LA codes differ" in summary  # Barnsley
    # the tables carry 95% intervals (lower/upper), so the compare flag is computed
    assert "changes larger than both waves' intervals." in summary
    assert set(df["change_exceeds_intervals"]) <= {"yes", "no", "x"}
    assert {"yes", "no"} & set(df["change_exceeds_intervals"])
    # the summary names figures and categories as the tables do, never by internal id
    rows = [line for line in summary.splitlines() if line.startswith("| Figure ")]
    assert rows, "no largest-changes rows"
    assert not any("_" in line.split("|")[2] for line in rows)
    assert not re.search(r"\| fig\d", summary)
    hints = set(meta.loc[meta["col_type"] == "Filter", "filter_hint"])
    assert "" not in hints and not any(pd.isna(h) for h in hints)


def test_fig08_pru_all_and_panel(compared):
    df = _fig08(compared)
    all_ = df.loc[(PRU, "All responding LAs")]
    assert (all_["old_value"], all_["new_value"], all_["change"]) == ("18875", "20833", "1958")
    assert (all_["old_n_las"], all_["new_n_las"]) == ("4", "3")
    panel = df.loc[(PRU, "LAs of areas responding in both waves (panel)")]
    assert (panel["old_value"], panel["new_value"], panel["change"]) == ("17833", "20833", "3000")
    assert (panel["old_n_las"], panel["new_n_las"]) == ("3", "3")
    # 3 LAs a wave: each interval is wide (t(0.975, 2) = 4.30), the 3,000 change is inside them
    assert panel["change_exceeds_intervals"] == "no"


def test_fig08_unchanged_type(compared):
    row = _fig08(compared).loc[("Independent AP registered as a school", "All responding LAs")]
    assert (row["old_value"], row["new_value"], row["change"]) == ("30000", "30000", "0")


def test_areas_follow_the_boundary_lookup():
    lookup = pd.read_csv(REPO / "config" / "geography" / "la_reorganisations.csv", dtype=str)
    areas = comparison_areas(lookup)
    dorset = {"E06000028", "E06000029", "E10000009", "E06000058", "E06000059"}  # Bournemouth, Poole, ...
    assert {areas[c] for c in dorset} == {"+".join(sorted(dorset))}
    assert areas["E10000021"] == areas["E06000061"] == areas["E06000062"]  # Northamptonshire split
    assert areas["E10000002"] == areas["E06000060"]  # Buckinghamshire recoded
    assert areas["E10000021"] != areas["E10000002"]
    # Northamptonshire responded in the old wave, only West Northamptonshire in the new: in the panel
    assert panel_areas(["E10000021", "E09000002"], ["E06000062", "E09000003"], areas) == {areas["E10000021"]}
    panel = {areas["E10000021"], "E09000003"}
    assert recoded_areas(["E10000021", "E09000003"], ["E06000062", "E09000003"], panel, areas) == [
        areas["E10000021"]
    ]


def _table(value, lower=None, upper=None) -> FigureTable:
    data = {"category": ["a"], "share": [value], "n_las": [10]}
    if lower is not None:
        data |= {"share_lower": [lower], "share_upper": [upper]}
    return FigureTable(
        "fig99", pd.DataFrame(data), ["category"], {"share": {"label": "S", "unit": "%"}}, "", ""
    )


def test_interval_flag_hook():
    # 10 [8, 12] vs 15 [13, 17]: each value outside the other's interval -> flagged
    row = side_by_side(_table(10, 8, 12), _table(15, 13, 17), "all").iloc[0]
    assert row["change"] == 5 and row["change_exceeds_intervals"] == "yes"
    # 10 [8, 12] vs 11.5 [9.5, 13.5]: overlapping -> not flagged
    assert (
        side_by_side(_table(10, 8, 12), _table(11.5, 9.5, 13.5), "all").iloc[0]["change_exceeds_intervals"]
        == "no"
    )
    # no interval columns -> says so
    assert side_by_side(_table(10), _table(15), "all").iloc[0]["change_exceeds_intervals"] == "no intervals"
    o = pd.Series({"value": 10.0, "lower": 8.0, "upper": 12.0, "has_interval": True})
    assert exceeds_intervals(o, pd.Series({**o, "value": 12.5, "lower": 12.1, "upper": 13.0})) == "yes"
