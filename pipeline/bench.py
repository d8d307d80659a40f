"""Benchmark: a clean `make all` against the bare import cost of pandas, matplotlib, statsmodels.

Also times reading the wave's workbooks with python-calamine and with openpyxl, the two
engines the reader supports. Prints; asserts nothing (performance is measured, not tested).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time

from .config import Settings

IMPORTS = "import pandas, matplotlib, matplotlib.pyplot, statsmodels.formula.api"


def _time(cmd: list[str], cwd) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def _clean(settings: Settings) -> None:
    shutil.rmtree(settings.processed_dir, ignore_errors=True)
    shutil.rmtree(settings.figures_dir, ignore_errors=True)


def main(wave: str, repeat: int = 3) -> int:
    settings = Settings(wave)
    root = settings.root
    py = sys.executable
    make = shutil.which("make")
    runs, imports = [], []
    for _ in range(repeat):
        imports.append(_time([py, "-c", IMPORTS], root))
        _clean(settings)
        cmd = (
            [make, "all", f"WAVE={wave}", f"PY={py}"]
            if make
            else [py, "-m", "pipeline", "run", "--wave", wave, "--quiet"]
        )
        runs.append(_time(cmd, root))
    imp, run = statistics.median(imports), statistics.median(runs)

    from .ingest import read_wave

    engines = {}
    for engine in ("calamine", "openpyxl"):
        t0 = time.perf_counter()
        read_wave(settings, engine)
        engines[engine] = time.perf_counter() - t0

    print(f"import pandas+matplotlib+statsmodels: {imp:.2f} s (median of {repeat})")
    print(f"make all from clean outputs:          {run:.2f} s (median of {repeat})")
    print(f"ratio make all / imports:             {run / imp:.2f}")
    print(f"read {wave} returns: calamine {engines['calamine']:.2f} s, openpyxl {engines['openpyxl']:.2f} s")
    return 0
