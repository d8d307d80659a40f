"""Back-test: the default 2018 wave reproduces the report's published values.

The run uses the real config and the real (read-only) data/raw through a symlink, but writes
its outputs into a temporary root, so the repository's data/processed and figures are untouched.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.config import Settings
from pipeline.run import run

REPO = Path(__file__).resolve().parents[2]
COST_FIGURES = ("fig08.", "fig09.", "fig11.")


@pytest.fixture(scope="module")
def reproduction(tmp_path_factory):
    root = tmp_path_factory.mktemp("backtest_2018")
    (root / "data").mkdir()
    (root / "data" / "raw").symlink_to(REPO / "data" / "raw", target_is_directory=True)
    settings = Settings("2018", root=root, config_dir=REPO / "config")
    rc = run(settings, workers=1, quiet=True)
    table = pd.read_csv(settings.processed_dir / "reproduction.csv", dtype={"id": str, "status": str})
    return settings, rc, table


def test_returns_validate_and_outputs_stay_in_tmp(reproduction):
    settings, _, table = reproduction
    report = pd.read_csv(settings.processed_dir / "validation_report.csv")
    errors = report[report["severity"] == "error"]
    assert errors.empty, errors.to_string()
    # every stage ran and wrote into the temporary root, not into the repository
    assert len(table) > 0
    assert (settings.processed_dir / "summary.txt").is_file()
    assert settings.processed_dir.resolve().is_relative_to(settings.root.resolve())
    assert not settings.processed_dir.is_symlink()


def test_118_returns_were_read(reproduction):
    settings, _, _ = reproduction
    lf = pd.read_csv(settings.processed_dir / "la_frame.csv")
    assert len(lf) == 152  # LAs of the 2018 frame
    assert lf["responded"].sum() == 118  # returns in data/raw/2018/returns


def test_cost_figures_reproduce(reproduction):
    _, _, table = reproduction
    costs = table[table["id"].str.startswith(COST_FIGURES)]
    # every published value of Figures 8, 9 and 11 is in the table ...
    assert len(costs) >= 30
    for prefix in COST_FIGURES:
        assert (costs["id"].str.startswith(prefix)).any(), prefix
    # ... and each is reproduced (or is outside the survey)
    bad = costs[~costs["status"].isin(["match", "external"])]
    assert bad.empty, f"not reproduced:\n{bad[['id', 'published', 'computed', 'status']].to_string()}"
    assert (costs["status"] == "match").sum() >= 30
    # the headline values (report: £18,000 overall, £17,600 PRU; figure 9 post-16 £18,600)
    t = costs.set_index("id")
    for id_ in ("fig08.cost.all", "fig08.cost.pru", "fig09.cost.post16", "fig11.cost.providers_gt10"):
        assert t.loc[id_, "status"] == "match", id_


def test_no_mismatch_anywhere(reproduction):
    _, rc, table = reproduction
    mismatches = table[table["status"] == "mismatch"]
    assert mismatches.empty, mismatches[["id", "published", "computed"]].to_string()
    assert set(table["status"]) <= {"match", "external", "not_computed", "known_inconsistency"}
    assert rc == 0  # run() fails on any mismatch
