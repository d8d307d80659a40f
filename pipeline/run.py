"""Run the stages of one wave: ingest -> validate -> derive -> analyse -> present -> reproduce.

Stages hand data to each other in memory (one process, one import of pandas and matplotlib)
and write their outputs atomically. Validation errors stop the run before any processed
output other than the validation report is replaced.
"""

from __future__ import annotations

import gc
import sys

import pandas as pd

from . import (
    analyse,
    derive,
    disclosure,
    nonresponse,
    present,
    public,
    regress,
    regress_figures,
    reproduce,
    schemas,
)
from .background import fewer_collections, helper
from .census_context import build_in_worker as draw_context
from .config import Settings, share, unshare
from .ingest import read_rows, responses_frame
from .publish import publish
from .runrecord import StageLog as Log
from .validate import validate


class ValidationFailed(Exception):
    pass


def stage_validate(settings: Settings, log: Log, engine: str = "calamine", map_=map, reading=None):
    """Read (or take from ``reading``, a job reading them elsewhere) and validate the returns."""
    rows, file_problems = reading.get() if reading is not None else read_rows(settings, engine, map_=map_)
    raw = responses_frame(rows, settings.codebook)
    frame = public.la_frame(settings)
    clean, report, respondents = validate(
        raw, file_problems, frame, settings.codebook, settings.validation["severity"]
    )
    present.write_csv(settings.processed_dir / "validation_report.csv", report)
    errors = report[report["severity"] == "error"] if len(report) else report
    warnings = report[report["severity"] == "warning"] if len(report) else report
    log(
        f"read {raw['source_file'].nunique()} files, {len(clean)} answers from {len(respondents)} LAs; "
        f"{len(errors)} errors, {len(warnings)} warnings",
        stage="validate",
        **{"files": int(raw["source_file"].nunique()), "answers": len(clean), "las": len(respondents)},
        **{"errors": len(errors), "warnings": len(warnings)},
    )
    if len(errors):
        print(format_problems(errors), file=sys.stderr)
        raise ValidationFailed(
            f"validation failed: {len(errors)} errors in wave {settings.wave} "
            f"(see {settings.processed_dir.relative_to(settings.root)}/validation_report.csv); "
            "no other outputs were changed"
        )
    return clean, respondents


def format_problems(errors: pd.DataFrame, limit: int = 20) -> str:
    lines = []
    for r in errors.head(limit).itertuples(index=False):
        where = ", ".join(
            x
            for x in (
                r.file,
                f"sheet {r.sheet!r}" if r.sheet else "",
                f"cell {r.cell}" if r.cell else "",
            )
            if x
        )
        what = f" [{r.question_id}]" if r.question_id else ""
        val = f" value {r.value!r}:" if r.value else ""
        lines.append(f"ERROR {where}{what}:{val} {r.message} (rule {r.rule})")
    if len(errors) > limit:
        lines.append(f"... and {len(errors) - limit} more errors in the validation report")
    return "\n".join(lines)


def run(
    settings: Settings, until: str = "reproduce", workers: int = 2, quiet: bool = False, summary: bool = True
) -> int:
    """Run the stages up to ``until``; 0 on success, 1 on validation errors or a mismatch.

    Every run writes run.json; a full run also the reviewer's report (publish.py). ``summary=False``
    leaves the summary line to the caller (make all prints summary.txt once).
    """
    fewer_collections()
    share(settings)  # the workers forked below find it with the config files it has read
    log = Log(quiet, command=until, print_summary=summary)
    settings.require("returns_dir", "denominators")
    # Started from the command line, a reader process (forked before pandas was imported) reads
    # the returns on the core this one leaves idle while it imports, and the helper (forked once
    # pandas was imported) imports statsmodels, parses the published values and fits the
    # regressions once the LA frame exists; otherwise the helper forked here does both.
    aid = oracle = None
    if until == "reproduce":
        aid = helper(workers, settings)
        if settings.has_published_values:
            oracle = aid.submit(reproduce.prepare, settings)
    # Then the figure workers (forked after this process imported matplotlib, which they share),
    # so drawing overlaps the other stages instead of following them.
    pool = present.FigurePool(workers) if until in ("figures", "reproduce") else None
    try:
        code = _stages(settings, until, log, pool, aid, oracle)
        return publish(settings, log, code, full=until == "reproduce", pool=pool)
    finally:
        try:
            if aid is not None:
                aid.stop()
            if pool is not None:
                pool.close()
        finally:
            unshare(settings)  # a later run in this process reads the config files again
            gc.unfreeze()  # the children are gone: what was frozen for them may be collected again


def regressions(settings: Settings, la_frame: pd.DataFrame):
    """Fit and write the regressions (in the background process, which has no matplotlib):
    finding values, log lines and the figure jobs' arguments (drawn by the figure workers)."""
    messages: list[str] = []
    drawing: list = []
    values = regress.stage(settings, la_frame, messages.append, lambda job, *args: drawing.append(args))
    return values, messages, drawing[0] if drawing else None


def fill_texts(settings: Settings, tables: list) -> list:
    """Fill the wave placeholders ({census}, {frame_size}, ...) of each table's estimator and base."""
    for ft in tables:
        ft.estimator, ft.base = settings.fill(ft.estimator), settings.fill(ft.base)
    return tables


def _stages(settings: Settings, until: str, log: Log, pool, aid, oracle) -> int:
    try:
        # the helper reads the returns; without it the figure workers do (idle until the first tables)
        read_map = pool.pool.map if pool is not None and pool.pool is not None else map
        reading = aid.reading if aid is not None else None
        clean, respondents = stage_validate(settings, log, map_=read_map, reading=reading)
    except ValidationFailed as exc:
        print(str(exc), file=sys.stderr)
        return 1
    out = settings.processed_dir
    broken = schemas.check(schemas.responses_schema(settings.codebook), clean)
    if broken:
        print("\n".join(["contract of the responses table broken:", *broken]), file=sys.stderr)
        return 1
    if until == "validate":
        present.write_csv(out / "responses.csv", clean)
        return 0
    gaps: list[str] = []
    derived = derive.run(settings, clean, respondents, public.context(settings, gaps))
    for gap in gaps:  # a frame LA missing from a context file: left out where its values are needed
        print(f"warning: {gap}", file=sys.stderr)
    broken = schemas.check(schemas.la_frame_schema(), derived["la_frame"])
    if broken:
        print("\n".join(["contract of la_frame broken:", *broken]), file=sys.stderr)
        return 1
    present.write_csv(out / "responses.csv", clean)
    present.write_csv(out / "la_frame.csv", derived["la_frame"])
    log("derived la_frame", stage="derive", las=len(derived["la_frame"]))
    if until == "derive":
        return 0
    fits = aid.submit(regressions, settings, derived["la_frame"]) if aid is not None else None
    submit = (lambda built: pool.submit(settings, fill_texts(settings, built))) if pool is not None else None
    tables = fill_texts(settings, analyse.run(settings, derived, on_tables=submit))
    present.write_tables(settings, tables)
    if pool is not None and until == "reproduce":  # the context figure needs only the places table
        pool.context = pool.later(draw_context, settings)
    values = [v for t in tables for v in t.values]
    try:
        nonresponse.stage(settings, derived["la_frame"], clean)
        if fits is not None:
            if pool is not None:
                pool.help_until(fits)
            found, messages, figure_args = fits.get()
            values += found
            for message in messages:
                log(message)
            if figure_args is not None and pool is not None:
                for job in reversed(regress_figures.JOBS):  # the longest figures: drawn next
                    pool.call(job, *figure_args, first=True)
    except (regress.RegressionConfigError, nonresponse.WeightingConfigError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    disclosure.write_publication(settings, derived["la_frame"])
    computed = pd.DataFrame(values, columns=["id", "value", "unit", "n_las", "basis"]).sort_values("id")
    present.write_csv(out / "computed_values.csv", computed)
    skipped = pd.DataFrame(analyse.SKIPPED, columns=["table", "reason"])
    present.write_csv(out / "skipped_tables.csv", skipped)
    log(
        f"analysed {len(tables)} tables, {len(values)} values; {len(skipped)} skipped for lack of answers",
        stage="analyse",
        **{"tables": len(tables), "values": len(values), "skipped": len(skipped)},
    )
    for r in skipped.itertuples(index=False):
        print(f"SKIPPED {r.table}: {r.reason}", file=sys.stderr)
    if until == "analyse":
        return 0
    if until == "reproduce" and settings.has_published_values:
        if pool is not None:
            pool.help_until(oracle)
        table, line, strict = reproduce.run(settings, values, derived, prepared=oracle.get())
    drawn = pool.results()
    log(
        f"wrote {len(drawn)} figures to {settings.figures_dir.relative_to(settings.root)}",
        stage="figures",
        figures=len(drawn),
    )
    if until == "figures":
        return 0
    if not settings.has_published_values:
        line = f"wave {settings.wave}: no published values declared, so no reproduction check"
        present.write_text(out / "summary.txt", line + "\n")
        log(line, stage="reproduce", published=0)
        if log.print_summary:
            print(line)
        return 0
    present.write_csv(out / "reproduction.csv", table)
    present.write_text(out / "summary.txt", line + "\n")
    log(f"compared {len(table)} published values", stage="reproduce", published=len(table))
    if log.print_summary:
        print(line)
    mismatches = table[table["status"] == "mismatch"]
    for r in mismatches.itertuples(index=False):
        print(f"MISMATCH {r.id}: published {r.published}, computed {r.computed}", file=sys.stderr)
    return 1 if (len(mismatches) and strict) else 0
