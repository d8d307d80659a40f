"""`make all` with file names as LAs write them, and its input tracking.

A throw-away project root gets the Makefile and a copy of the pipeline package (so that
`python -m pipeline` there works on that root). One real run shows the wave goes through with
spaces, quotes, brackets and non-ASCII letters in the file names and prints its summary once;
the re-run rules (added, changed, removed files and links, links to nothing, a failed run) are
checked with a stand-in for the pipeline that only records that it ran.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..fixtures import fixture_wave as fw
from ..fixtures.project import REPO, build_project

WEIRD_NAMES = [
    "Barking and Dagenham AP return (final).xlsx",
    "Barnsley 'return' [v2].xlsx",
    'Bath "BANES" return 2018.xlsx',
    "Barnet return – Größe ü.xlsx",
    "Birmingham $(WAVE) #1 % return.xlsx",
]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _project(root: Path):
    settings = build_project(root)
    shutil.copyfile(REPO / "Makefile", root / "Makefile")
    shutil.copytree(REPO / "pipeline", root / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    return settings


def _make(root: Path, py: str = sys.executable) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", "all", "WAVE=fixture", f"PY={py}", "INSTALLED="],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow  # a real `make all` (a full run in a fresh interpreter), then a no-op one
def test_make_all_runs_a_wave_with_real_file_names(tmp_path):
    settings = _project(tmp_path / "project")
    for path, name in zip(
        sorted(fw.write_workbooks(settings.codebook, settings.returns_dir)), WEIRD_NAMES, strict=True
    ):
        path.rename(path.with_name(name))
    first = _make(settings.root)
    assert first.returncode == 0, first.stderr
    summary = (settings.processed_dir / "summary.txt").read_text(encoding="utf-8").splitlines()[0]
    assert first.stdout.count(summary) == 1  # printed once
    responses = (settings.processed_dir / "responses.csv").read_text(encoding="utf-8")
    assert all(name.replace('"', '""') in responses for name in WEIRD_NAMES)
    again = _make(settings.root)  # nothing changed: no run, the summary once
    assert again.returncode == 0, again.stderr
    assert again.stdout.count(summary) == 1
    assert "read 5 files" not in again.stderr


STAND_IN = """#!/bin/sh
# a stand-in for the pipeline: the input check (and its byte-compiling) is real, a run is only recorded
if [ "$2" = "pipeline.inputs" ]; then exec {python} "$@"; fi
echo run >> runs.log
if [ -e invalid ]; then exit 1; fi  # validation failed: nothing written, not even the summary
mkdir -p data/processed/fixture && echo "summary of the run" > data/processed/fixture/summary.txt
if [ -e fail ]; then exit 1; fi
"""


@pytest.fixture
def tracked(tmp_path):
    settings = _project(tmp_path / "project")
    fw.write_workbooks(settings.codebook, settings.returns_dir)
    stand_in = tmp_path / "python"
    stand_in.write_text(STAND_IN.format(python=sys.executable), encoding="utf-8")
    stand_in.chmod(0o755)
    log = settings.root / "runs.log"

    def runs_after_make() -> int:
        before = len(log.read_text().splitlines()) if log.exists() else 0
        result = _make(settings.root, str(stand_in))
        assert result.stdout.count("summary of the run") == 1  # after a run, a failed run, or none
        return len(log.read_text().splitlines()) - before

    return settings, runs_after_make


def test_make_all_notices_every_change_of_the_inputs(tracked):
    settings, runs = tracked
    returns = settings.returns_dir
    weird = returns / "Barnsley 'final' [v2] ü.xlsx"
    assert runs() == 1  # first run
    assert runs() == 0  # no-op
    weird.write_bytes(b"PK first version")
    assert runs() == 1  # added
    assert runs() == 0
    weird.write_bytes(b"PK second version, longer")
    assert runs() == 1  # changed
    weird.unlink()
    assert runs() == 1  # removed
    link = returns / "Barnet (link).xlsx"
    os.symlink("../elsewhere/barnet.xlsx", link)  # points nowhere yet
    assert runs() == 1  # a link to nothing is an input too
    assert runs() == 0
    (returns.parent / "elsewhere").mkdir()
    (returns.parent / "elsewhere" / "barnet.xlsx").write_bytes(b"PK the linked return")
    assert runs() == 1  # the link now leads somewhere
    link.unlink()
    assert runs() == 1  # link removed


def test_a_failed_run_is_run_again(tracked):
    settings, runs = tracked
    (settings.root / "fail").write_text("")
    assert runs() == 1
    assert runs() == 1  # nothing recorded after a failure
    (settings.root / "fail").unlink()
    assert runs() == 1
    assert runs() == 0


def test_a_run_stopped_by_validation_does_not_print_the_last_runs_summary(tracked):
    """The summary of an earlier run is not this run's: after a failed validation (which writes
    no summary) make shows the run's errors only, not an old 'reproduced ...' line."""
    settings, runs = tracked
    assert runs() == 1  # a successful run: its summary printed
    (settings.returns_dir / "another return.xlsx").write_bytes(b"PK")
    (settings.root / "invalid").write_text("")
    result = _make(settings.root, str(settings.root.parent / "python"))
    assert result.returncode != 0
    assert "summary of the run" not in result.stdout


def test_make_help_shows_the_wave():
    out = subprocess.run(
        ["make", "--no-print-directory", "help", "WAVE=2031"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "$(WAVE)" not in out.stdout
    assert "out/templates/2031" in out.stdout  # the templates target names the wave
