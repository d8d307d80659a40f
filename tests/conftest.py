"""Shared fixtures: a small project root in tmp_path for the hand-made five-LA fixture wave."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.run import run

from .fixtures import fixture_wave
from .fixtures.project import build_project


@pytest.fixture
def make_project(tmp_path: Path):
    """Factory: ``make_project(export_file=None, returns_dir=...) -> Settings`` rooted in tmp_path.

    Config files are copied into ``tmp/config``; ``tmp/config/waves/fixture.yaml`` points the
    public context and published values at the real read-only files. Nothing is written to the
    real data/raw or config.
    """

    def _make(root: Path | None = None, **kwargs) -> Settings:
        return build_project(root or tmp_path / "project", **kwargs)

    return _make


@pytest.fixture
def fixture_settings(make_project) -> Settings:
    """The fixture wave as five per-LA return workbooks in tmp/data/raw/fixture/returns."""
    settings = make_project()
    fixture_wave.write_workbooks(settings.codebook, settings.returns_dir)
    return settings


@pytest.fixture(scope="session")
def codebook():
    """The real codebook (read-only)."""
    return Settings("2018").codebook


REPO = Path(__file__).resolve().parents[1]


def _full_run(tmp_path_factory, wave: str) -> Settings:
    """Real config and read-only data/raw (symlinked); outputs in tmp, the repository untouched."""
    root = tmp_path_factory.mktemp(f"full_run_{wave}")
    (root / "data").mkdir()
    (root / "data" / "raw").symlink_to(REPO / "data" / "raw", target_is_directory=True)
    settings = Settings(wave, root=root, config_dir=REPO / "config")
    assert run(settings, workers=2, quiet=True) == 0
    return settings


@pytest.fixture(scope="session")
def full_run_2018(tmp_path_factory) -> Settings:
    """A full run of the default 2018 wave, shared by the tests of its products."""
    return _full_run(tmp_path_factory, "2018")


@pytest.fixture(scope="session")
def full_run_2023(tmp_path_factory) -> Settings:
    """The synthetic 2023 wave run end to end the same way (no published values: no reproduction)."""
    return _full_run(tmp_path_factory, "2023")
