"""Command line: ``python -m pipeline <command> --wave W``.

Commands
  run        all stages of a wave (validate, derive, analyse, figures, reproduce)
  validate   read and validate the returns; write responses.csv and validation_report.csv
  derive     ... and la_frame.csv
  analyse    ... and the figure tables
  figures    ... and the figures
  reproduce  same as run
  regress    the regression models of config/regressions.yaml (needs la_frame.csv from derive)
  template   blank return workbooks for every LA of the frame
  synth      (re)generate the synthetic default wave from its generator config
  docs       regenerate docs/data-contract.md from the codebook
  bench      time a clean run against the import cost of pandas, matplotlib and statsmodels
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .config import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "validate", "derive", "analyse", "figures", "reproduce"):
        p = sub.add_parser(name, help=f"run the pipeline up to '{name}'")
        p.add_argument("--wave", default="2018")
        p.add_argument("--workers", type=int, default=2, help="processes used to draw figures")
        p.add_argument("--quiet", action="store_true")
    p = sub.add_parser("regress", help="fit the regression models on the wave's la_frame.csv")
    p.add_argument("--wave", default="2018")
    p = sub.add_parser("template", help="write blank return workbooks")
    p.add_argument("--wave", required=True)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument(
        "--frame-wave",
        default=None,
        help="wave whose LA frame to use (default: the wave, else 2018)",
    )
    p = sub.add_parser("synth", help="regenerate the synthetic default wave")
    p.add_argument("--wave", default="2018")
    p = sub.add_parser("docs", help="regenerate docs/data-contract.md")
    p = sub.add_parser("bench", help="benchmark a clean run")
    p.add_argument("--wave", default="2018")
    p.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    if args.command in ("run", "validate", "derive", "analyse", "figures", "reproduce"):
        from .run import run

        until = "reproduce" if args.command in ("run", "reproduce") else args.command
        return run(Settings(args.wave), until=until, workers=args.workers, quiet=args.quiet)
    if args.command == "regress":
        from .regress import main as regress_main

        return regress_main(args.wave)
    if args.command == "template":
        from . import public
        from .template import write_templates

        settings = _settings_for_frame(args.wave, args.frame_wave)
        paths = write_templates(settings.codebook, args.wave, public.la_frame(settings), args.out)
        print(f"wrote {len(paths)} blank return workbooks to {args.out}")
        return 0
    if args.command == "synth":
        from .synth.generate import main as synth_main

        return synth_main(args.wave)
    if args.command == "docs":
        from .docs import write_data_contract

        path = write_data_contract(Settings("2018"))
        print(f"wrote {path}")
        return 0
    if args.command == "bench":
        from .bench import main as bench_main

        return bench_main(args.wave, args.repeat)
    return 2


def _settings_for_frame(wave: str, frame_wave: str | None) -> Settings:
    """A template for a wave without its own config yet uses the latest configured frame."""
    candidate = Settings(frame_wave or wave)
    if (candidate.cfg / "waves" / f"{candidate.wave}.yaml").exists():
        return candidate
    return Settings("2018")


if __name__ == "__main__":
    sys.exit(main())
