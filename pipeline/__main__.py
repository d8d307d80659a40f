"""Command line: ``python -m pipeline <command> --wave W`` (``--help`` on every command).

A user mistake (no wave config, an unreadable or invalid setting, an empty returns folder, an
unknown wave) prints one line ``error: ...`` naming the file and exits 2, never a traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

# One BLAS thread per process, set before numpy loads its OpenBLAS: a run is already several
# processes on the machine's cores, its matrices are small, and each OpenBLAS thread pool spins
# while it waits for work (about 0.3 s of CPU, 0.15 s of wall time, in a 3.2 s run on 2 cores).
# A value the user set is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _plain_run_wave(argv: list[str]) -> str | None:
    """The wave of a plain run command line (``run`` or ``reproduce``, with only ``--wave W``,
    ``--quiet``, ``--summary`` or ``--no-summary``), read before the command-line library is
    imported; None for anything else. Only a head start: the real parse decides."""
    if not argv or argv[0] not in ("run", "reproduce"):
        return None
    wave, rest = None, argv[1:]
    while rest:
        arg, rest = rest[0], rest[1:]
        if arg == "--wave" and rest:
            wave, rest = rest[0], rest[1:]
        elif arg.startswith("--wave="):
            wave = arg.split("=", 1)[1]
        elif arg not in ("--quiet", "--summary", "--no-summary"):
            return None
    if wave is None:
        from .config import default_wave

        wave = default_wave()
    return wave


def _start_reading_early(argv: list[str]) -> None:
    """Fork the process reading the returns of a plain run now, about 0.1 s before the command
    line is parsed (typer and its type adapters load meanwhile); any doubt: no head start."""
    try:
        wave = _plain_run_wave(argv)
        if wave is not None:
            from .background import prestart_reader
            from .config import Settings as _Settings

            prestart_reader(_Settings(wave))
    except Exception:  # noqa: BLE001 - the real parse reports any mistake
        pass


if __name__ == "__main__":
    _start_reading_early(sys.argv[1:])

import typer  # noqa: E402
import yaml  # noqa: E402

from . import config as config_module  # noqa: E402
from .config import Settings  # noqa: E402

app = typer.Typer(
    name="python -m pipeline",
    help="apmarket: the reproducible pipeline for LA surveys of alternative provision.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

Wave = Annotated[
    str | None,
    typer.Option(help="survey wave: the name of a file config/waves/<wave>.yaml (default: the default wave)"),
]
Workers = Annotated[int, typer.Option(min=1, help="processes used to draw figures")]
Quiet = Annotated[bool, typer.Option("--quiet", help="print no progress, only the summary and errors")]
Summary = Annotated[
    bool, typer.Option(help="print the reproduction summary line (make all prints summary.txt itself)")
]


class UserError(Exception):
    """A mistake the user can fix; printed as one line."""


def user_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean a mistake in the settings or inputs, not a bug."""
    errors: list[type[BaseException]] = [UserError, FileNotFoundError, yaml.YAMLError]
    config_error = getattr(config_module, "ConfigError", None)
    if isinstance(config_error, type):
        errors.append(config_error)
    return tuple(errors)


def configured_waves(settings: Settings) -> list[str]:
    return sorted(p.stem for p in (settings.cfg / "waves").glob("*.yaml"))


def default_wave() -> str:
    """The wave whose wave file says ``default: true``."""
    return config_module.default_wave()


def checked_settings(wave: str | None, need_returns: bool = True) -> Settings:
    """Settings of a wave whose config exists and whose returns are there, else a UserError."""
    wave = wave or default_wave()
    settings = Settings(wave)
    path = settings.cfg / "waves" / f"{wave}.yaml"
    if not path.exists():
        known = ", ".join(configured_waves(settings)) or "none"
        raise UserError(f"no wave configuration {_rel(path)} for wave {wave!r} (configured waves: {known})")
    if need_returns:
        returns, export = settings.returns_dir, settings.export_file
        has_returns = returns is not None and returns.is_dir() and any(_visible(p) for p in returns.iterdir())
        has_export = export is not None and export.exists()
        if not (has_returns or has_export):
            where = _rel(returns) if returns is not None else "(no returns_dir)"
            raise UserError(
                f"{_rel(path)}: no returns for wave {wave!r}: {where} is missing or empty"
                + (f" and export_file {_rel(export)} does not exist" if export is not None else "")
            )
    return settings


def _visible(path: Path) -> bool:
    return path.is_file() and not path.name.startswith((".", "~$"))


def _rel(path: Path) -> str:
    try:
        return path.resolve().relative_to(config_module.ROOT).as_posix()
    except ValueError:
        return str(path)


def _stages(until: str, wave: str | None, workers: int, quiet: bool, summary: bool = True) -> None:
    settings = checked_settings(wave)
    if until == "reproduce" and workers > 1:
        from .background import prestart, prestart_reader

        config_module.share(settings)  # the processes forked now use these settings (see run)
        prestart_reader(settings)  # reads the returns on the idle core while this process imports
        import pandas  # noqa: F401 - shared with the helper

        prestart(settings)  # imports statsmodels and parses the published values meanwhile
    from .run import run

    raise typer.Exit(run(settings, until=until, workers=workers, quiet=quiet, summary=summary))


@app.command()
def run(wave: Wave = None, workers: Workers = 2, quiet: Quiet = False, summary: Summary = True) -> None:
    """Run every stage of a wave (validate, derive, analyse, figures, reproduce), then write the report."""
    _stages("reproduce", wave, workers, quiet, summary)


@app.command()
def reproduce(wave: Wave = None, workers: Workers = 2, quiet: Quiet = False, summary: Summary = True) -> None:
    """Same as run."""
    _stages("reproduce", wave, workers, quiet, summary)


@app.command()
def validate(wave: Wave = None, workers: Workers = 2, quiet: Quiet = False) -> None:
    """Read and validate the returns; write responses.csv and validation_report.csv."""
    _stages("validate", wave, workers, quiet)


@app.command()
def derive(wave: Wave = None, workers: Workers = 2, quiet: Quiet = False) -> None:
    """Validate, then derive la_frame.csv (one row per LA of the frame)."""
    _stages("derive", wave, workers, quiet)


@app.command()
def analyse(wave: Wave = None, workers: Workers = 2, quiet: Quiet = False) -> None:
    """Validate and derive, then write the figure and text tables (open-data CSVs)."""
    _stages("analyse", wave, workers, quiet)


@app.command()
def figures(wave: Wave = None, workers: Workers = 2, quiet: Quiet = False) -> None:
    """Run the stages up to the figures (figures/<wave>/)."""
    _stages("figures", wave, workers, quiet)


@app.command()
def template(
    wave: Annotated[str, typer.Option(help="configured wave: its instrument, wording and LA frame")],
    out: Annotated[Path, typer.Option(help="folder to write the blank workbooks into")],
    frame_wave: Annotated[
        str | None,
        typer.Option(help="another configured wave whose LA frame to use (default: the wave's own)"),
    ] = None,
) -> None:
    """Write a blank return workbook for every LA of the wave's frame (wave config required)."""
    from . import public
    from .template import write_templates

    settings = checked_settings(wave, need_returns=False)
    frame_settings = checked_settings(frame_wave, need_returns=False) if frame_wave else settings
    paths = write_templates(settings.codebook, wave, public.la_frame(frame_settings), out)
    print(f"wrote {len(paths)} blank return workbooks to {out}")


@app.command()
def synth(wave: Wave = None) -> None:
    """Regenerate the synthetic default wave from its generator config (writes data/raw/<wave>/returns)."""
    from .synth.generate import main as synth_main

    settings = checked_settings(wave, need_returns=False)
    raise typer.Exit(synth_main(settings.wave))


@app.command()
def docs() -> None:
    """Regenerate docs/data-contract.md (and one per other instrument version in use)."""
    from .docs import write_data_contracts

    for path in write_data_contracts():
        print(f"wrote {path}")


@app.command()
def bench(
    wave: Wave = None, repeat: Annotated[int, typer.Option(min=1, help="clean runs to time")] = 3
) -> None:
    """Time a clean run against the import cost of pandas, matplotlib and statsmodels."""
    from .bench import main as bench_main

    settings = checked_settings(wave)
    raise typer.Exit(bench_main(settings.wave, repeat))


@app.command()
def compare(
    old_wave: Annotated[str, typer.Argument(help="the earlier wave")],
    new_wave: Annotated[str, typer.Argument(help="the later wave")],
) -> None:
    """Compare the figure tables of two waves side by side (needs both waves' returns)."""
    for wave in (old_wave, new_wave):
        checked_settings(wave, need_returns=False)
    raise typer.Exit(_optional_module("compare", "compare two waves").main(old_wave, new_wave))


@app.command()
def regress(wave: Wave = None) -> None:
    """Fit the regression models of config/regressions.yaml on the wave's la_frame.csv (needs derive)."""
    settings = checked_settings(wave, need_returns=False)
    raise typer.Exit(_optional_module("regress", "fit the regressions").main(settings.wave))


def _optional_module(name: str, what: str):
    """A stage module another part of the project adds; a clear line if this version lacks it."""
    import importlib

    try:
        return importlib.import_module(f".{name}", __package__)
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.{name}":
            raise
        raise UserError(
            f"this version of the pipeline cannot {what}: pipeline/{name}.py is missing"
        ) from None


def main(argv: list[str] | None = None) -> int:
    """Run the command line; a user mistake is one line on stderr and exit code 2."""
    try:
        # without standalone mode, click returns a command's exit code (typer.Exit) instead of raising it
        code = app(args=argv, standalone_mode=False)
    except typer.Exit as done:
        return int(done.exit_code or 0)
    except user_errors() as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except typer.TyperException as exc:  # usage mistakes: unknown option, bad value, no command
        if type(exc).__name__ == "NoArgsIsHelpError":
            print(str(exc), file=sys.stderr)
            return 2
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        command = getattr(getattr(exc, "ctx", None), "command_path", "python -m pipeline")
        print(f"error: {_one_line(message)} (see: {command} --help)", file=sys.stderr)
        return 2
    except typer.Abort:
        print("error: aborted", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - only a dead background process is not a bug
        from .background import ProcessDied

        if not isinstance(exc, ProcessDied):
            raise
        print(
            f"error: {_one_line(exc)} (killed, or out of memory?); the run did not finish, so the "
            "outputs it had written may mix this run and earlier ones: run it again",
            file=sys.stderr,
        )
        return 1
    return code if isinstance(code, int) else 0


def _one_line(exc: BaseException | str) -> str:
    text = exc if isinstance(exc, str) else (str(exc) or type(exc).__name__)
    return " ".join(text.split())


if __name__ == "__main__":
    code = main()
    if "pipeline.background" in sys.modules:  # helpers started ahead of a run that never began
        sys.modules["pipeline.background"].stop_prestarted()
    sys.stdout.flush()
    sys.stderr.flush()
    # Every file is closed and every child process joined by now: skip the interpreter's teardown
    # of pandas, matplotlib and statsmodels (about a tenth of a second of a run).
    os._exit(code)
