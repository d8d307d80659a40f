"""A full run of the default 2018 wave into a temporary root, shared by the e2e tests of its products."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.run import run

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def full_run_2018(tmp_path_factory) -> Settings:
    """Real config and read-only data/raw (symlinked); outputs in tmp, the repository untouched."""
    root = tmp_path_factory.mktemp("full_run_2018")
    (root / "data").mkdir()
    (root / "data" / "raw").symlink_to(REPO / "data" / "raw", target_is_directory=True)
    settings = Settings("2018", root=root, config_dir=REPO / "config")
    assert run(settings, workers=2, quiet=True) == 0
    return settings


@pytest.fixture(scope="session")
def full_run_2023(tmp_path_factory) -> Settings:
    """The synthetic 2023 wave run end to end the same way (no published values: no reproduction)."""
    root = tmp_path_factory.mktemp("full_run_2023")
    (root / "data").mkdir()
    (root / "data" / "raw").symlink_to(REPO / "data" / "raw", target_is_directory=True)
    settings = Settings("2023", root=root, config_dir=REPO / "config")
    assert run(settings, workers=2, quiet=True) == 0
    return settings
