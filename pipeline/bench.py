"""Benchmark: a clean `make all` against the bare import cost of pandas, matplotlib, statsmodels.

Each round runs the import yardstick and then `make all` from clean outputs (processed tables
and figures removed, so nothing is skipped), and takes the ratio of the pair: pairing keeps the
ratio meaningful when a shared machine's speed drifts. The median ratio is the result (target
<= 2.0, see docs/performance.md). Then one in-process pass splits the CPU time of a run by
stage (imports, reading, validation, derivation, analysis, writing, drawing PNG and SVG,
regressions, context figure, report, spreadsheet).
Prints; asserts nothing (performance is measured, not tested).
"""

from __future__ import annotations

import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from .config import Settings

IMPORTS = "import pandas, matplotlib, matplotlib.pyplot, statsmodels.formula.api"


def _time(cmd: list[str], cwd) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the finished children) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def clean_outputs(settings: Settings) -> None:
    """Every output and cache of the wave: processed tables (and make's stamp), figures."""
    shutil.rmtree(settings.processed_dir, ignore_errors=True)
    shutil.rmtree(settings.figures_dir, ignore_errors=True)


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def stage_split(settings: Settings, out: Path) -> dict[str, float]:
    """CPU seconds of each stage of one run in this process, figures drawn serially into ``out``."""
    times: dict[str, float] = {}

    def lap(name: str, t0: float) -> float:
        now = _cpu()
        times[name] = times.get(name, 0.0) + now - t0
        return now

    t = _cpu()
    import pandas  # noqa: F401

    t = lap("import pandas", t)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401

    t = lap("import matplotlib", t)
    from . import analyse, derive, present, public
    from .ingest import read_wave
    from .validate import validate

    t = lap("import pipeline", t)
    raw, problems = read_wave(settings, "calamine")
    t = lap("read returns", t)
    clean, _, respondents = validate(
        raw, problems, public.la_frame(settings), settings.codebook, settings.validation["severity"]
    )
    t = lap("validate", t)
    derived = derive.run(settings, clean, respondents, public.context(settings))
    t = lap("derive", t)
    tables = analyse.run(settings, derived)
    t = lap("analyse", t)
    for ft in tables:
        data, meta = present.open_data_table(ft, settings.figures.get(ft.key, {}), settings)
        present.csv_text(data), present.csv_text(meta)
    present.csv_text(clean), present.csv_text(derived["la_frame"])
    t = lap("open-data and responses CSV text", t)
    present._style(), present._colours("categorical", 2)
    t = lap("figure style", t)
    out.mkdir(parents=True, exist_ok=True)
    for ft in (t_ for t_ in tables if t_.is_figure):
        spec = settings.figures[ft.key]
        data = present.plotted(ft, spec, settings)
        present.csv_text(present.figure_csv(spec, data)), present.alt_text(ft, spec, data, settings)
        t = lap("figure data and alt text", t)
        fig = present.compose(ft, spec, data, settings)
        t = lap("figure layout and artists", t)
        fig.canvas.draw()
        present.write_png(out / "f.png", np.asarray(fig.canvas.buffer_rgba()), fig.dpi)
        t = lap("figure PNG", t)
        fig.savefig(out / "f.svg", metadata={"Date": None, "Creator": None})
        t = lap("figure SVG", t)
        matplotlib.pyplot.close(fig)
    t = _after_figures(settings, derived["la_frame"], lap, t)
    return times


def _after_figures(settings: Settings, la_frame, lap, t: float) -> float:
    """The stages after the chart figures, timed on the outputs the benchmarked run just wrote
    (they rewrite the same files with the same content)."""
    import statsmodels.formula.api  # noqa: F401

    t = lap("import statsmodels", t)
    from . import census_context, regress, regress_figures, report, spreadsheet

    results = regress.fit_all(la_frame, settings)
    rows = regress.write_outputs(results, settings)
    t = lap("regressions: fit and write", t)
    regress_figures.draw_all(results, rows, settings)
    t = lap("regression figures", t)
    census_context.build_in_worker(settings)
    t = lap("context figure", t)
    report.build(settings)
    t = lap("report", t)
    spreadsheet.build(settings)
    return lap("spreadsheet", t)


def main(wave: str, repeat: int = 3) -> int:
    settings = Settings(wave)
    root = settings.root
    py = sys.executable
    make = shutil.which("make")
    cmd = [make, "all", f"WAVE={wave}", f"PY={py}"] if make else [py, "-m", "pipeline", "run", "--wave", wave]
    imports, runs = [], []
    for _ in range(repeat):
        imports.append(_time([py, "-c", IMPORTS], root))
        clean_outputs(settings)
        runs.append(_time(cmd, root))
    ratios = [r[0] / i[0] for r, i in zip(runs, imports, strict=True)]
    cpu_ratios = [r[1] / i[1] for r, i in zip(runs, imports, strict=True)]
    imp = statistics.median(i[0] for i in imports)
    run = statistics.median(r[0] for r in runs)
    print(f"import pandas+matplotlib+statsmodels: {imp:.2f} s wall (median of {repeat})")
    print(f"make all from clean outputs:          {run:.2f} s wall (median of {repeat})")
    print(f"ratio make all / imports, paired:     {statistics.median(ratios):.2f} (each pair: "
          + ", ".join(f"{x:.2f}" for x in ratios) + ")")  # fmt: skip
    print(f"CPU ratio (user+system), paired:      {statistics.median(cpu_ratios):.2f}")

    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        split = stage_split(settings, Path(tmp))
    total = sum(split.values())
    print(f"CPU seconds by stage, one process, figures drawn serially (total {total:.2f} s):")
    for name, secs in split.items():
        print(f"  {name:34s} {secs:6.2f} s  {100 * secs / total:4.0f}%")
    figures = sum(v for k, v in split.items() if "figure" in k)
    workers = figures + split.get("spreadsheet", 0.0)
    print(f"  (in the run's figure workers: drawing and spreadsheet {workers:.2f} s; main process: the rest)")
    return 0
