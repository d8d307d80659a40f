"""The whole pipeline on the hand-made five-LA fixture wave, in all three input formats.

Expected values are worked out by hand from tests/fixtures/fixture_wave.py (table in its
docstring). LAs: A Barking and Dagenham, B Barnsley, C Bath and North East Somerset, D Barnet,
E Birmingham. C gave no place numbers, so its costs take the footnote-24 fallback weight (the
mean of the usable weights of the same estimate). E gave no costs.

The pipeline is run up to 'figures': the reproduction stage compares with the published 2018
values, which a five-LA fixture does not reproduce (checked separately below).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from pipeline.run import run

from ..fixtures import fixture_wave as fw
from ..fixtures.fixture_wave import A, B, C, D, E
from ..fixtures.project import build_project

FIGURES = {
    "fig08": "fig08_cost_by_provider_type",
    "fig09": "fig09_cost_by_phase",
    "fig10": "fig10_cost_by_level_of_ap_use",
    "fig11": "fig11_cost_by_number_of_providers",
}
SOURCE_COLUMNS = ["source_file", "source_sheet", "source_cell"]


def _snapshot(settings, pattern: str) -> dict[str, bytes]:
    out = {}
    for folder in (settings.processed_dir, settings.figures_dir):
        for p in sorted(folder.glob(pattern)):
            out[p.relative_to(settings.root).as_posix()] = p.read_bytes()
    return out


@pytest.fixture(scope="module")
def workbook_wave(tmp_path_factory):
    """Run the workbook-format fixture twice (determinism), then once more through 'reproduce'."""
    settings = build_project(tmp_path_factory.mktemp("workbooks"))
    fw.write_workbooks(settings.codebook, settings.returns_dir)
    rc1 = run(settings, until="figures", workers=1, quiet=True)
    first = _snapshot(settings, "*.csv")
    first_svg = _snapshot(settings, "*.svg")
    rc2 = run(settings, until="figures", workers=1, quiet=True)
    second = _snapshot(settings, "*.csv")
    second_svg = _snapshot(settings, "*.svg")
    return {"settings": settings, "rc": (rc1, rc2), "csv": (first, second), "svg": (first_svg, second_svg)}


@pytest.fixture(scope="module")
def computed(workbook_wave) -> pd.Series:
    settings = workbook_wave["settings"]
    df = pd.read_csv(settings.processed_dir / "computed_values.csv")
    assert df["id"].is_unique
    return df.set_index("id")


def _export_wave(root: Path, fmt: str):
    name = f"data/raw/fixture/export.{fmt}"
    settings = build_project(root, returns_dir=None, export_file=name)
    writer = fw.write_csv_export if fmt == "csv" else fw.write_xlsx_export
    writer(settings.codebook, settings.export_file)
    rc = run(settings, until="validate", workers=1, quiet=True)
    return settings, rc


@pytest.fixture(scope="module")
def csv_wave(tmp_path_factory):
    return _export_wave(tmp_path_factory.mktemp("csv"), "csv")


@pytest.fixture(scope="module")
def xlsx_wave(tmp_path_factory):
    return _export_wave(tmp_path_factory.mktemp("xlsx"), "xlsx")


def _value(computed, id_):
    return computed.loc[id_, "value"]


# ------------------------------------------------------------------------------------------------
# The run


def test_runs_cleanly(workbook_wave):
    assert workbook_wave["rc"] == (0, 0)
    settings = workbook_wave["settings"]
    report = pd.read_csv(settings.processed_dir / "validation_report.csv")
    assert len(report) == 0


def test_responses_hold_every_answer_given(workbook_wave):
    settings = workbook_wave["settings"]
    resp = pd.read_csv(settings.processed_dir / "responses.csv", dtype=str, keep_default_na=False)
    # one row per answer typed in the fixture
    assert len(resp) == sum(len(items) for items in fw.ANSWERS.values())
    assert sorted(resp["la_code"].unique()) == sorted([A, B, C, D, E])
    row = resp[(resp["la_code"] == A) & (resp["item"] == "costs__pru__ks3")].iloc[0]
    assert (row["value"], row["source_sheet"], row["source_cell"]) == ("18000", "3 Costs", "E7")
    assert row["source_file"] == "data/raw/fixture/returns/E09000002_barking_and_dagenham.xlsx"
    # category answers are stored as codes, whatever was typed (the workbook holds the label)
    sp = resp[(resp["la_code"] == C) & (resp["item"] == "strategic_planning")].iloc[0]
    assert sp["value"] == "disagree"


def test_la_frame(workbook_wave):
    settings = workbook_wave["settings"]
    lf = pd.read_csv(settings.processed_dir / "la_frame.csv").set_index("la_code")
    assert len(lf) == 152  # every LA of the frame, respondents or not
    assert lf["responded"].sum() == 5
    # providers: A 1 + 2 = 3; C 2 + 4 = 6; D 3 + 2 + 5 + 2 = 12
    assert lf.loc[A, "providers_total"] == 3 and lf.loc[A, "provider_count_band"] == "providers_2_4"
    assert lf.loc[B, "provider_count_band"] == "providers_1"
    assert lf.loc[C, "providers_total"] == 6 and lf.loc[C, "provider_count_band"] == "providers_5_10"
    assert lf.loc[D, "providers_total"] == 12 and lf.loc[D, "provider_count_band"] == "providers_gt10"
    # A: secondary pupils placed 60 + 70 + 20 = 150; 150 / 15,962 secondary pupils x 10,000 = 93.97
    assert lf.loc[A, "pupils_placed_secondary"] == 150
    assert lf.loc[A, "ap_use_per_10k_secondary"] == pytest.approx(150 / 15_962 * 10_000)
    assert lf.loc[A, "usage_band_secondary"] == "medium"  # 59 <= 93.97 <= 124
    # A primary: 30 / 26,793 x 10,000 = 11.20 -> medium (5..18)
    assert lf.loc[A, "usage_band_primary"] == "medium"
    # B: 70 + 90 = 160 / 11,755 x 10,000 = 136.1 -> high; B placed no primary pupils: 0 -> low
    assert lf.loc[B, "ap_use_per_10k_secondary"] == pytest.approx(160 / 11_755 * 10_000)
    assert lf.loc[B, "usage_band_secondary"] == "high"
    assert lf.loc[B, "usage_band_primary"] == "low"
    # D: 9 + 10 + 8 + 9 = 36 / 25,587 x 10,000 = 14.1 -> low
    assert lf.loc[D, "usage_band_secondary"] == "low"
    # places: A 10 + 20 + 30 + 10 = 70; C gave none
    assert lf.loc[A, "places_total"] == 70
    assert math.isnan(lf.loc[C, "places_total"])
    # uses of provider types: places > 0 or providers > 0
    assert lf.loc[C, "uses_independent_unregistered"] and not lf.loc[A, "uses_independent_unregistered"]
    assert lf.loc[D, "uses_other"]
    assert not lf.loc["E09000001", "responded"]  # City of London did not respond in the fixture


# ------------------------------------------------------------------------------------------------
# Figure 8: cost by provider type. Each LA's type cost is its 'all phases' cost, else the
# place-weighted mean of its phase costs; weight = the LA's places of that type, derived once per
# LA x type: an LA without place numbers (C) weighs the mean positive places of the type's other
# cost cells (PRU: (60 + 40 + 20) / 3 = 40; independent unregistered: no other cell -> 1).
#
#   LA  type       cost     places
#   A   pru        18,000   10 + 20 + 30 = 60
#   A   ind_reg    25,000   10
#   B   pru        (16,000 x 10 + 20,000 x 30) / 40 = 760,000 / 40 = 19,000     40
#   C   pru        22,000   none -> fallback 40
#   C   ind_unreg  30,000   none -> fallback 1
#   D   pru        15,000   10 + 10 = 20
#   D   apfs       20,000   10
#   D   ind_reg    35,000   10


def test_fig08_pru(computed):
    # usable PRU weights 60, 40, 20 -> C gets (60 + 40 + 20) / 3 = 40
    # (18,000 x 60 + 19,000 x 40 + 15,000 x 20 + 22,000 x 40) / (60 + 40 + 20 + 40)
    # = (1,080,000 + 760,000 + 300,000 + 880,000) / 160 = 3,020,000 / 160 = 18,875
    assert _value(computed, "fig08.cost.pru") == pytest.approx(18_875)
    assert computed.loc["fig08.cost.pru", "n_las"] == 4  # A, B, C, D
    assert _value(computed, "fig08.n_las.pru") == 4
    assert _value(computed, "fig08.cost_lowest_la.pru") == 15_000
    assert _value(computed, "fig08.cost_highest_la.pru") == 22_000


def test_fig08_all_providers(computed):
    # the cells' weights as derived: 60, 10, 40, C pru 40, C ind_unreg 1, 20, 10, 10 (sum 191)
    # 18,000x60 + 25,000x10 + 19,000x40 + 22,000x40 + 30,000x1 + 15,000x20 + 20,000x10 + 35,000x10
    # = 1,080,000 + 250,000 + 760,000 + 880,000 + 30,000 + 300,000 + 200,000 + 350,000 = 3,850,000
    # / 191 = 20,157.07
    assert _value(computed, "fig08.cost.all") == pytest.approx(3_850_000 / 191)
    assert _value(computed, "fig08.n_las") == 4  # E gave no costs


def test_fig08_other_types(computed):
    # independent registered: A 25,000 x 10 + D 35,000 x 10 -> 600,000 / 20 = 30,000
    assert _value(computed, "fig08.cost.independent_registered") == pytest.approx(30_000)
    assert _value(computed, "fig08.n_las.independent_registered") == 2
    # LAs at or above the 30,000 high-cost threshold: D (35,000) only
    assert _value(computed, "fig08.la_count.independent_registered.cost_30k_plus") == 1
    # independent unregistered: C only, without places -> weight 1 -> 30,000
    assert _value(computed, "fig08.cost.independent_unregistered") == pytest.approx(30_000)
    assert _value(computed, "fig08.cost.ap_free_school") == pytest.approx(20_000)  # D only
    # nobody gave an AP academy cost
    assert math.isnan(_value(computed, "fig08.cost.ap_academy"))
    assert _value(computed, "fig08.n_las.ap_academy") == 0


def test_fig08_text_values(computed):
    # state-funded types: PRU 18,875, AP free school 20,000 (AP academy: no data)
    # largest distance from the overall 3,850,000 / 191 = 20,157.07: 20,157.07 - 18,875 = 1,282.07
    assert _value(computed, "fig08.state_funded.max_abs_deviation_from_average") == pytest.approx(
        3_850_000 / 191 - 18_875
    )
    # lowest LA cost per state-funded type: PRU 15,000, AP free school 20,000
    assert _value(computed, "fig08.cost_lowest_la.state_funded_types.min") == 15_000
    assert _value(computed, "fig08.cost_lowest_la.state_funded_types.max") == 20_000
    # second-highest type average: 30,000, 30,000, 20,000, 18,875 -> 30,000
    assert _value(computed, "fig08.threshold.over_20000") == pytest.approx(30_000)
    # LAs using each type locally (places or providers > 0)
    assert _value(computed, "fig08.n_las.pru_local") == 5  # all five
    assert _value(computed, "fig08.n_las.independent_registered_local") == 2  # A, D
    assert _value(computed, "fig08.n_las.other_local") == 1  # D: providers only
    assert _value(computed, "fig08.n_las.ap_academy_local") == 0


# ------------------------------------------------------------------------------------------------
# Figure 9: cost by phase, phase costs weighted by the LA's places in that type and phase.


def test_fig09_cost_by_phase(computed):
    # primary: A pru 20,000 x 10; C pru 24,000 without places -> weight 10
    #   (200,000 + 240,000) / 20 = 22,000
    assert _value(computed, "fig09.cost.primary") == pytest.approx(22_000)
    assert computed.loc["fig09.cost.primary", "n_las"] == 2
    # KS3: A 18,000 x 20, B 16,000 x 10, D 14,000 x 10 -> (360,000 + 160,000 + 140,000) / 40 = 16,500
    assert _value(computed, "fig09.cost.ks3") == pytest.approx(16_500)
    assert computed.loc["fig09.cost.ks3", "n_las"] == 3
    # KS4: A pru 17,000 x 30, A ind_reg 25,000 x 10, B 20,000 x 30, D 16,000 x 10
    #   (510,000 + 250,000 + 600,000 + 160,000) / 80 = 1,520,000 / 80 = 19,000
    assert _value(computed, "fig09.cost.ks4") == pytest.approx(19_000)
    assert computed.loc["fig09.cost.ks4", "n_las"] == 3
    # post-16: no costs
    assert math.isnan(_value(computed, "fig09.cost.post16"))
    assert computed.loc["fig09.cost.post16", "n_las"] == 0


# ------------------------------------------------------------------------------------------------
# Figure 10: cost by usage band (bands in test_la_frame: A medium/medium, B low/high,
# C low/low (3 / 13,580 and 22 / 12,927 per 10,000 = 2.2 and 17.0), D low/low)


def test_fig10_cost_by_usage(computed):
    assert _value(computed, "fig10.cost.primary.medium") == pytest.approx(20_000)  # A
    assert _value(computed, "fig10.cost.primary.low") == pytest.approx(24_000)  # C, simple mean
    assert math.isnan(_value(computed, "fig10.cost.primary.high"))
    assert _value(computed, "fig10.cost.ks3.low") == pytest.approx(14_000)  # D
    assert _value(computed, "fig10.cost.ks3.medium") == pytest.approx(18_000)  # A
    assert _value(computed, "fig10.cost.ks3.high") == pytest.approx(16_000)  # B
    # KS4 medium: A pru 17,000 x 30 + ind_reg 25,000 x 10 -> 760,000 / 40 = 19,000
    assert _value(computed, "fig10.cost.ks4.medium") == pytest.approx(19_000)
    assert _value(computed, "fig10.cost.ks4.high") == pytest.approx(20_000)  # B
    assert _value(computed, "fig10.cost.ks4.low") == pytest.approx(16_000)  # D


# ------------------------------------------------------------------------------------------------
# Figure 11: cost by number of providers (type costs, as Figure 8)


def test_fig11_cost_by_number_of_providers(computed):
    # 1 provider: B (E has 1 provider but no costs) -> 19,000
    assert _value(computed, "fig11.cost.providers_1") == pytest.approx(19_000)
    assert computed.loc["fig11.cost.providers_1", "n_las"] == 1
    # 2-4: A: (18,000 x 60 + 25,000 x 10) / 70 = 1,330,000 / 70 = 19,000
    assert _value(computed, "fig11.cost.providers_2_4") == pytest.approx(19_000)
    # 5-10: C, no places -> derived fallback weights PRU 40, independent unregistered 1:
    #   (22,000 x 40 + 30,000 x 1) / 41 = 910,000 / 41 = 22,195.12
    assert _value(computed, "fig11.cost.providers_5_10") == pytest.approx(910_000 / 41)
    # more than 10: D: (15,000 x 20 + 20,000 x 10 + 35,000 x 10) / 40 = 850,000 / 40 = 21,250
    assert _value(computed, "fig11.cost.providers_gt10") == pytest.approx(21_250)


def test_sensitivity_without_fallback_las(computed):
    # C (no place numbers) left out. Figure 8 all providers: (3,850,000 - 880,000 - 30,000) /
    # (191 - 40 - 1) = 2,940,000 / 150 = 19,600; PRU: 2,140,000 / 120 = 17,833.33 (A, B, D)
    assert _value(computed, "sens.no_fallback.fig08.cost.all") == pytest.approx(19_600)
    assert _value(computed, "sens.no_fallback.fig08.cost.pru") == pytest.approx(2_140_000 / 120)
    assert computed.loc["sens.no_fallback.fig08.cost.pru", "n_las"] == 3
    # Figure 9 primary: A only -> 20,000; Figure 11 band 5-10: C only -> no LA left
    assert _value(computed, "sens.no_fallback.fig09.cost.primary") == pytest.approx(20_000)
    assert math.isnan(_value(computed, "sens.no_fallback.fig11.cost.providers_5_10"))


def test_figure_csvs_are_rounded_as_presented(workbook_wave):
    """Figure CSVs: figure number, unrounded value, value rounded as presented (integers written
    as integers), base; a missing value is the GSS symbol x."""
    settings = workbook_wave["settings"]
    fig11 = pd.read_csv(settings.figures_dir / f"{FIGURES['fig11']}.csv", dtype=str, keep_default_na=False)
    assert set(fig11["figure"]) == {"11"}
    assert fig11["category"].tolist() == ["1", "2-4", "5-10", "More than 10"]
    # one LA in each band: a single LA's answer is published as GSS 'c', never as an average
    # (before that rule: 21,250 -> 21,300, half up, for 'More than 10')
    assert fig11["value_rounded"].tolist() == ["c", "c", "c", "c"]
    assert fig11["value"].tolist() == ["c", "c", "c", "c"]
    assert fig11["n_las"].tolist() == ["1", "1", "1", "1"]
    fig08 = pd.read_csv(settings.figures_dir / f"{FIGURES['fig08']}.csv", dtype=str, keep_default_na=False)
    fig08 = fig08.set_index("category")
    assert fig08.loc["All providers", "value_rounded"] == "20200"  # 20,157.07
    assert fig08.loc["Pupil referral unit (PRU)", "value"] == "18875"
    assert fig08.loc["Pupil referral unit (PRU)", "value_rounded"] == "18900"  # 18,875 -> 18,900
    assert fig08.loc["Pupil referral unit (PRU)", "n_las"] == "4"
    assert fig08.loc["AP academy", "value_rounded"] == "x"
    fig09 = pd.read_csv(settings.figures_dir / f"{FIGURES['fig09']}.csv", dtype=str)
    assert fig09["value_rounded"].tolist()[:3] == ["22000", "16500", "19000"]


def test_open_data_tables(workbook_wave):
    settings = workbook_wave["settings"]
    t = pd.read_csv(settings.processed_dir / f"{FIGURES['fig08']}.csv", dtype=str, keep_default_na=False)
    assert {"time_period", "time_identifier", "geographic_level", "country_code", "country_name"} <= set(
        t.columns
    )
    assert set(t["time_period"]) == {"201718"}
    pru = t[t["provider_type"] == "Pupil referral unit (PRU)"].iloc[0]
    assert pru["average_cost"] == "18875"
    # LA-level values are suppressed where fewer than 5 LAs answered (4 gave a PRU cost)
    assert pru["lowest_la_cost"] == "c" and pru["highest_la_cost"] == "c"
    academy = t[t["provider_type"] == "AP academy"].iloc[0]
    assert academy["average_cost"] == "x"  # GSS symbol for no data
    meta = pd.read_csv(settings.processed_dir / f"{FIGURES['fig08']}.meta.csv")
    assert set(meta["col_name"]) >= {"provider_type", "average_cost", "n_las"}


def test_figure_files_exist(workbook_wave):
    settings = workbook_wave["settings"]
    for stem in FIGURES.values():
        for ext in (".png", ".svg", ".csv", ".txt"):
            p = settings.figures_dir / f"{stem}{ext}"
            assert p.is_file() and p.stat().st_size > 0, p
    alt = (settings.figures_dir / f"{FIGURES['fig11']}.txt").read_text(encoding="utf-8")
    assert "- More than 10: not published: one LA's answer (c) (based on 1 LA)" in alt
    assert "Hand-made fixture returns for the test suite." in alt  # the wave's data note


def test_second_run_gives_byte_identical_csvs(workbook_wave):
    first, second = workbook_wave["csv"]
    # 4 figure data files + 8 open-data files + responses, la_frame, computed values, report
    assert len(first) >= 16
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], f"{name} differs between two runs"


def test_second_run_gives_byte_identical_svgs(workbook_wave):
    first, second = workbook_wave["svg"]
    assert {f"figures/fixture/{stem}.svg" for stem in FIGURES.values()} <= first.keys()
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], f"{name} differs between two runs"


@pytest.mark.slow  # two more full runs of the fixture wave, figures drawn again
def test_reproduce_stage_fails_on_fixture_mismatches(workbook_wave, computed):
    """The fixture does not reproduce the report: run() through 'reproduce' reports mismatches;
    they fail the run only when the returns are the ones named in the reproduction manifest."""
    from pipeline.synth.generate import write_manifest

    settings = workbook_wave["settings"]
    manifest = settings.path(settings.wave_config["reproduction_manifest"])
    manifest.unlink(missing_ok=True)
    assert run(settings, workers=1, quiet=True) == 0  # other returns: reported, not fatal
    write_manifest(settings)
    assert run(settings, workers=1, quiet=True) == 1  # the manifest's returns: mismatches fail
    manifest.unlink()
    rep = pd.read_csv(settings.processed_dir / "reproduction.csv").set_index("id")
    # fig08.cost.pru: 18,875 rounds to 18,900, the report says 17,600
    assert rep.loc["fig08.cost.pru", "status"] == "mismatch"
    assert rep.loc["fig08.cost.pru", "computed"] == pytest.approx(18_875)
    assert (settings.processed_dir / "summary.txt").read_text().startswith("reproduced ")


def test_public_data_only_through_the_wave_config(tmp_path):
    settings = build_project(tmp_path, link_public=False)
    fw.write_workbooks(settings.codebook, settings.returns_dir)
    assert run(settings, until="analyse", workers=1, quiet=True) == 0


# ------------------------------------------------------------------------------------------------
# The three input formats give the same responses


def _responses(settings) -> pd.DataFrame:
    df = pd.read_csv(settings.processed_dir / "responses.csv", dtype=str, keep_default_na=False)
    return df


def _comparable(df: pd.DataFrame, drop_kind: bool = False) -> pd.DataFrame:
    drop = SOURCE_COLUMNS + (["kind"] if drop_kind else [])
    return df.drop(columns=drop).sort_values(["la_code", "item"]).reset_index(drop=True)


def test_exports_validate(csv_wave, xlsx_wave):
    for settings, rc in (csv_wave, xlsx_wave):
        assert rc == 0
        assert len(pd.read_csv(settings.processed_dir / "validation_report.csv")) == 0


def test_xlsx_export_equals_workbooks(workbook_wave, xlsx_wave):
    wb = _responses(workbook_wave["settings"])
    xl = _responses(xlsx_wave[0])
    assert list(wb.columns) == list(xl.columns)
    pd.testing.assert_frame_equal(_comparable(wb), _comparable(xl))
    # provenance: the export names its own sheet and cells (header row 1, LAs from row 2)
    assert set(xl["source_file"]) == {"data/raw/fixture/export.xlsx"}
    assert set(xl["source_sheet"]) == {"export"}
    a_code = xl[(xl["la_code"] == A) & (xl["item"] == "ap_reasons__excluded_pupils")].iloc[0]
    assert a_code["source_cell"] == "C2"  # third column (after la_code, la_name), A on row 2


def test_csv_export_equals_workbooks(workbook_wave, csv_wave):
    wb = _responses(workbook_wave["settings"])
    cs = _responses(csv_wave[0])
    assert list(wb.columns) == list(cs.columns)
    # a CSV cell has no type: every value is read as text, so 'kind' is compared separately
    pd.testing.assert_frame_equal(_comparable(wb, drop_kind=True), _comparable(cs, drop_kind=True))
    assert set(cs["kind"]) == {"text"}
    assert set(cs["source_sheet"]) == {""}
    # D is the 4th LA: row 5
    d_cost = cs[(cs["la_code"] == D) & (cs["item"] == "costs__pru__all_phases")].iloc[0]
    assert d_cost["value"] == "15000"
    assert d_cost["source_cell"].endswith("5")
