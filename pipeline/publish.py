"""After the stages: the run record, the reviewer's report and the publication spreadsheet.

Called once by ``run`` with the stage log; each product is timed as a stage of the run record.
``run.json`` is written first (so the report can show it) and again at the end with every stage.
"""

from __future__ import annotations

from . import census_context, report, runrecord, spreadsheet
from .config import Settings
from .runrecord import StageLog


def publish(settings: Settings, log: StageLog, exit_code: int, full: bool = True, pool=None) -> int:
    """Write run.json and, after a full run, the context, HTML report and spreadsheet.

    With the run's figure ``pool``, the context figure is the one the run started early
    (``pool.context``, drawn beside the analysis) and the spreadsheet is written in a worker
    while this process writes the report: neither reads the other's output.
    Returns the run's exit code unchanged. A run stopped by validation errors writes nothing
    (only its validation report changes); a run stopped before reproduction writes run.json only.
    """
    if log.validation_failed:
        return exit_code
    if not (full and any(s["stage"] == "reproduce" for s in log.stages)):
        runrecord.write(settings, log, exit_code)
        return exit_code
    context = getattr(pool, "context", None)
    try:
        drawn = context.get() if context is not None else len(census_context.build(settings))
    except BaseException:
        runrecord.write(settings, log, exit_code)  # the run's record, whatever else fails
        raise
    # the spreadsheet reads the tables only (the context figure's too): it starts before run.json
    started = pool.later(spreadsheet.build, settings) if pool is not None else None
    log(f"drew {drawn} context figures", stage="context", figures=drawn)
    runrecord.write(settings, log, exit_code)  # the report shows the run record
    index = report.build(settings)
    log(f"wrote the reviewer's report {index.relative_to(settings.root)}", stage="report")
    book = started.get() if started is not None else spreadsheet.build(settings)
    log(f"wrote the publication spreadsheet {book.relative_to(settings.root)}", stage="spreadsheet")
    runrecord.write(settings, log, exit_code)
    return exit_code
