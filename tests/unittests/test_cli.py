"""Command line: help everywhere; every user mistake is one line on stderr and exit code 2."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import __main__ as cli
from pipeline.config import Settings

REPO = Path(__file__).resolve().parents[2]
COMMANDS = [
    "run",
    "validate",
    "derive",
    "analyse",
    "figures",
    "reproduce",
    "template",
    "synth",
    "docs",
    "bench",
    "compare",
    "regress",
]


@pytest.fixture
def project(tmp_path, monkeypatch):
    """The real config copied into tmp; the command line builds its Settings there."""
    shutil.copytree(REPO / "config", tmp_path / "config")
    (tmp_path / "data").mkdir()  # the wave files' public data must exist (checked at load)
    (tmp_path / "data" / "raw").symlink_to(REPO / "data" / "raw", target_is_directory=True)
    monkeypatch.setattr(cli, "Settings", lambda wave: Settings(wave, root=tmp_path))
    return tmp_path


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("error: ")
    assert "Traceback" not in err[0]
    return err[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_and_option_has_help(command, capsys):
    assert cli.main([command, "--help"]) == 0
    out = capsys.readouterr().out
    options = [line.split()[0] for line in out.splitlines() if line.strip().startswith("--")]
    lines = [line for line in out.splitlines() if line.strip().startswith("--")]
    assert options, out
    # every option line carries words of help beyond its name and type
    for line in lines:
        assert len(line.split()) >= 3, line


def test_unknown_wave_names_the_missing_file_and_the_known_waves(project, capsys):
    assert cli.main(["run", "--wave", "2031"]) == 2
    line = _one_error_line(capsys)
    assert "config/waves/2031.yaml" in line and "2018" in line


def test_empty_returns_folder_is_one_line(project, capsys):
    wave = (project / "config" / "waves" / "2018.yaml").read_text(encoding="utf-8")
    (project / "empty").mkdir()
    (project / "config" / "waves" / "empty.yaml").write_text(
        wave.replace("returns_dir: data/raw/2018/returns", "returns_dir: empty")
        .replace('wave: "2018"', 'wave: "empty"')
        .replace("default: true", "default: false"),
        encoding="utf-8",
    )
    assert cli.main(["validate", "--wave", "empty"]) == 2
    assert "missing or empty" in _one_error_line(capsys)


def test_unreadable_wave_config_is_one_line(project, capsys):
    (project / "config" / "waves" / "broken.yaml").write_text("wave: [unclosed\n", encoding="utf-8")
    assert cli.main(["validate", "--wave", "broken"]) == 2
    assert "broken.yaml" in _one_error_line(capsys)


@pytest.mark.parametrize(
    "argv",
    [["run", "--bogus"], ["run", "--workers", "many"], ["template", "--wave", "2025"], ["nonsense"]],
)
def test_usage_mistakes_are_one_line(argv, capsys):
    assert cli.main(argv) == 2
    _one_error_line(capsys)


def test_a_run_with_errors_in_the_returns_exits_non_zero(tmp_path, monkeypatch, capsys):
    """Validation errors stop the run with exit code 1 through the command line, as make needs."""
    from tests.fixtures import fixture_wave as fw
    from tests.fixtures.project import build_project

    settings = build_project(tmp_path / "project")
    fw.write_workbooks(settings.codebook, settings.returns_dir)
    (settings.returns_dir / "broken.xlsx").write_bytes(b"not a workbook")
    monkeypatch.setattr(cli, "Settings", lambda wave: Settings(wave, root=settings.root))
    assert cli.main(["validate", "--wave", "fixture", "--quiet"]) == 1
    assert cli.main(["run", "--wave", "fixture", "--quiet", "--workers", "1"]) == 1
    assert "validation failed" in capsys.readouterr().err
    (settings.returns_dir / "broken.xlsx").unlink()
    assert cli.main(["validate", "--wave", "fixture", "--quiet"]) == 0


def _blas_threads(env: dict) -> str:
    code = (
        "import os, pipeline.__main__, numpy;"
        "print(os.environ['OPENBLAS_NUM_THREADS'], len(os.listdir('/proc/self/task')))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_the_command_line_runs_blas_in_one_thread_unless_told_otherwise():
    """Each process of a run gets one BLAS thread (an idle OpenBLAS pool spins on the cores the
    run's own processes need); numpy's library reads the setting when it loads."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    assert _blas_threads(env) == "1 1"  # one setting, no thread besides the main one
    assert _blas_threads({**env, "OPENBLAS_NUM_THREADS": "2"}).startswith("2 ")  # the user's kept


@pytest.mark.parametrize(
    ("argv", "wave"),
    [
        (["run", "--wave", "2023", "--quiet", "--no-summary"], "2023"),
        (["reproduce", "--wave=2023"], "2023"),
        (["run", "--workers", "1"], None),  # anything else: no head start
        (["validate", "--wave", "2023"], None),
        (["run", "--wave"], None),
        ([], None),
    ],
)
def test_a_plain_run_command_line_is_recognised_before_parsing(argv, wave):
    assert cli._plain_run_wave(argv) == wave


def test_a_plain_run_without_a_wave_reads_the_default_wave():
    from pipeline.config import default_wave

    assert cli._plain_run_wave(["run", "--no-summary"]) == default_wave()


def test_a_background_process_that_dies_is_one_line_and_exit_1(project, monkeypatch, capsys):
    """A helper killed mid-run (out of memory, say): one line, no traceback, exit code 1."""
    import pipeline.run as run_module
    from pipeline.background import ProcessDied

    def dies(*args, **kwargs):
        raise ProcessDied("the helper process ended without a result")

    monkeypatch.setattr(run_module, "run", dies)
    assert cli.main(["run", "--wave", "2018", "--quiet", "--workers", "1"]) == 1
    line = _one_error_line(capsys)
    assert "ended without a result" in line and "run it again" in line


def test_other_exceptions_are_not_swallowed(project, monkeypatch):
    import pipeline.run as run_module

    def bug(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(run_module, "run", bug)
    with pytest.raises(ZeroDivisionError):
        cli.main(["run", "--wave", "2018", "--quiet", "--workers", "1"])
