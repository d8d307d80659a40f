"""Shared fixtures (a project root for the hand-made five-LA fixture wave, one full run of each real
wave per session) and the suite's organisation: which worker runs what, and the slow tests.

Organisation (``make test`` runs ``pytest -n 2 --dist loadfile``, pyproject.toml):

- Every test file is run whole by one worker, so a module-scoped pipeline run happens once. The
  files that use a full run of a real wave (``full_run_2018``, ``full_run_2023``) are one unit of
  work, scheduled first, and so are the files using another shared session fixture
  (``SHARED_FIXTURES``): each such fixture then runs once, on one worker, while the other worker
  takes the remaining files one by one.
- Tests marked ``slow`` (each runs the pipeline again, end to end, for one property) run in CI
  (``CI=true``, as ``.ci/run`` sets) and with ``--run-slow`` (``make test-all``); elsewhere they are
  deselected, and the last line of the run says so.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.run import run

from .fixtures import fixture_wave
from .fixtures.project import build_project

# Session fixtures used by several test files, by the unit of work those files form (one worker
# runs each unit, so each fixture runs once). A test file belongs to a unit when it names one of them.
SHARED_FIXTURES = {
    "full_run_2018": "full runs of the real waves",
    "full_run_2023": "full runs of the real waves",
    "written_tables": "open-data tables of the 2018 wave",  # tests/figures/conftest.py
}


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@functools.cache
def shared_unit(test_file: Path) -> str | None:
    """The unit of work of a test file that names a shared session fixture (read from its text: the
    xdist controller has no items), else None."""
    text = test_file.read_text(encoding="utf-8") if test_file.is_file() else ""
    return next((unit for name, unit in SHARED_FIXTURES.items() if name in text), None)


def pytest_addoption(parser):
    parser.addoption(
        "--run-slow", action="store_true", help="also run the tests marked slow (CI=true does too)"
    )


def _run_slow(config) -> bool:
    return config.getoption("--run-slow") or _in_ci() or bool(config.getoption("-m"))


def pytest_terminal_summary(terminalreporter, config):
    """Say at the end, where a newcomer looks, that the slow tests were left out (the count of
    deselected tests stays in the xdist workers)."""
    if not _run_slow(config):
        terminalreporter.write_line(
            "tests marked slow were left out: `make test-all` (--run-slow) or CI=true runs them"
        )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Deselect the slow tests outside CI; put the files that use a shared fixture first (the full
    runs, the longest unit, first of all)."""
    if not _run_slow(config):
        slow = [item for item in items if item.get_closest_marker("slow")]
        if slow:
            config.hook.pytest_deselected(items=slow)
            items[:] = [item for item in items if not item.get_closest_marker("slow")]
    units = list(dict.fromkeys(SHARED_FIXTURES.values()))
    rank = {unit: i for i, unit in enumerate(units)}
    items.sort(key=lambda item: rank.get(shared_unit(item.path), len(units)))  # stable sort


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile``, except that the files using one shared session fixture are one unit.

    (xdist's ``loadgroup`` cannot do this under pytest 9.2: the group suffix it writes into the
    test ids is silently ignored, pytest-xdist issue #1386.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class FilesAndSharedFixtures(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            file = nodeid.split("::", 1)[0]
            return shared_unit(config.rootpath / file) or file

    return FilesAndSharedFixtures(config, log)


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


def _full_run(tmp_path_factory, wave: str) -> tuple[Settings, int]:
    """Real config and read-only data/raw (symlinked); outputs in tmp, the repository untouched."""
    root = tmp_path_factory.mktemp(f"full_run_{wave}")
    (root / "data").mkdir()
    (root / "data" / "raw").symlink_to(REPO / "data" / "raw", target_is_directory=True)
    settings = Settings(wave, root=root, config_dir=REPO / "config")
    return settings, run(settings, workers=2, quiet=True)


@pytest.fixture(scope="session")
def full_run_2018_result(tmp_path_factory) -> tuple[Settings, int]:
    """The one full run of the default 2018 wave in a session, and its exit code (1 on a mismatch).

    The back-tests take the exit code from here, so that a mismatch is reported by the test that
    lists it; every other user takes ``full_run_2018``.
    """
    return _full_run(tmp_path_factory, "2018")


@pytest.fixture(scope="session")
def full_run_2018(full_run_2018_result) -> Settings:
    """A full run of the default 2018 wave, shared by the tests of its products."""
    settings, rc = full_run_2018_result
    assert rc == 0, "the full 2018 run failed: see tests/backtests for the mismatches"
    return settings


@pytest.fixture(scope="session")
def full_run_2023(tmp_path_factory) -> Settings:
    """The synthetic 2023 wave run end to end the same way (no published values: no reproduction)."""
    settings, rc = _full_run(tmp_path_factory, "2023")
    assert rc == 0
    return settings
