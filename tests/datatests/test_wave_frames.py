"""Each wave's LA frame and context files: the LAs valid on its census date, joined completely."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from pipeline import public
from pipeline.config import Settings
from pipeline.template import write_templates

BCP, DORSET, NORTH_NORTHANTS, WEST_NORTHANTS = "E06000058", "E06000059", "E06000061", "E06000062"
BOURNEMOUTH, POOLE, DORSET_COUNTY, NORTHANTS = "E06000028", "E06000029", "E10000009", "E10000021"
CUMBRIA, CUMBERLAND, WESTMORLAND = "E10000006", "E06000063", "E06000064"
NORTH_YORKS_COUNTY, NORTH_YORKS = "E10000023", "E06000065"


@pytest.fixture(scope="module")
def frames():
    return {w: public.la_frame(Settings(w)) for w in ("2018", "2023", "2025")}


def test_frame_sizes(frames):
    assert {w: len(f) for w, f in frames.items()} == {"2018": 152, "2023": 152, "2025": 153}
    for f in frames.values():
        assert f["la_code"].is_unique and f["old_la_code"].is_unique


def test_2023_frame_after_the_2019_and_2021_changes(frames):
    codes = set(frames["2023"]["la_code"])
    assert {BCP, DORSET, NORTH_NORTHANTS, WEST_NORTHANTS, CUMBRIA, NORTH_YORKS_COUNTY} <= codes
    assert not {BOURNEMOUTH, POOLE, DORSET_COUNTY, NORTHANTS, CUMBERLAND, NORTH_YORKS} & codes
    # 2018 -> 2023: 5 LAs gone (Bournemouth, Poole, Dorset county, Northamptonshire, Buckinghamshire
    # county), 5 new (BCP, Dorset, North and West Northamptonshire, Buckinghamshire unitary)
    assert len(codes - set(frames["2018"]["la_code"])) == 5


def test_2025_frame_after_the_2023_changes(frames):
    codes = set(frames["2025"]["la_code"])
    assert {CUMBERLAND, WESTMORLAND, NORTH_YORKS, "E06000066"} <= codes
    assert not {CUMBRIA, NORTH_YORKS_COUNTY, "E10000027"} & codes
    assert len(codes - set(frames["2023"]["la_code"])) == 4  # Cumbria split in two, two recodes


def test_2023_context_joins_every_frame_la():
    ctx = public.context(Settings("2023"))
    assert len(ctx) == 152
    assert ctx["deprivation"].notna().all() and ctx["rurality"].notna().all()
    # as in 2018: City of London has no state-funded secondary school, the Isles of Scilly's one
    # school counts as secondary (no primary headcount)
    by_name = ctx.set_index("la_name")
    assert ctx["pupils_primary"].isna().sum() == 1 and pd.isna(
        by_name.loc["Isles of Scilly", "pupils_primary"]
    )
    assert ctx["pupils_secondary"].isna().sum() == 1 and pd.isna(
        by_name.loc["City of London", "pupils_secondary"]
    )
    # January 2023 census, England (DfE exclusions release 2022/23 headcounts, see SOURCES.md)
    assert ctx["pupils_primary"].sum() == 4_647_851
    assert ctx["pupils_secondary"].sum() == 3_630_171
    assert ctx["pex_rate_secondary"].notna().sum() == 151


def test_2025_template_uses_the_wave_words(tmp_path):
    settings = Settings("2025")
    frame = public.la_frame(settings)
    one = frame[frame["la_code"] == CUMBERLAND]
    (path,) = write_templates(settings.codebook, "2025", one, tmp_path)
    assert path.name == "E06000063_cumberland.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb["Cover"]["C6"].value == "2025"
    costs = [c.value for row in wb["3 Costs"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any("financial year 2024-25" in v for v in costs)
    assert not any("2017-18" in v for v in costs)
