"""The reviewer's report: a static HTML site per wave, built from the run's output files.

``data/processed/<wave>/report/index.html`` opens from a file with no server: an index of the
figures with the reproduction summary, one page per figure (image, short alt text, long
description, data table with its base, method note and estimator, every published value with its
computed value and status), the validation report and the run record. Statuses are written as
words with a symbol; colour is never the only signal. Images are copied into the site so it can
be moved or zipped as one folder.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from . import outputs
from .config import Settings
from .present import write_text

TEMPLATES = Path(__file__).parent / "templates" / "report"
STATUS_SYMBOL = {
    "match": "✓",
    "mismatch": "✗",
    "known_inconsistency": "!",
    "not_computed": "–",
    "pending_data": "…",
    "definition": "≡",
    "external": "↗",
}
STATUS_ORDER = list(STATUS_SYMBOL)
INTERVAL_COLUMNS = ("lower", "upper")


def report_dir(settings: Settings) -> Path:
    return settings.processed_dir / "report"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["STATUS_SYMBOL"] = STATUS_SYMBOL
    return env


def status_counts(statuses: pd.Series) -> list[tuple[str, int]]:
    """(status, count) in a fixed order, unknown statuses last, zero counts left out."""
    counts = Counter(statuses)
    order = STATUS_ORDER + sorted(set(counts) - set(STATUS_ORDER))
    return [(s, counts[s]) for s in order if counts[s]]


def display_table(data: pd.DataFrame) -> pd.DataFrame:
    """The figure's CSV with readable column headings (intervals named as such)."""
    names = {
        "category": "Category",
        "series": "Series",
        "value": "Value",
        "unit": "Unit",
        "n_las": "Base (LAs)",
        "lower": "Lower bound",
        "upper": "Upper bound",
    }
    return data.rename(columns=lambda c: names.get(c, c.replace("_", " ").capitalize()))


def validation_line(validation: pd.DataFrame) -> str:
    if validation.empty:
        return "no problems found in the returns"
    counts = Counter(validation.get("severity", pd.Series(dtype=str)))
    return "; ".join(f"{n} {sev}{'s' if n != 1 else ''}" for sev, n in sorted(counts.items()))


def extra_tables(tables: list[outputs.OpenDataTable], f: outputs.Figure) -> list[tuple[str, pd.DataFrame]]:
    """Open-data tables written for a figure beside its plotted data (``<stem>_*.csv`` with metadata)."""
    out = []
    for table in tables:
        if table.name.startswith(f.stem + "_"):
            shown = table.data.drop(columns=[c for c in outputs.EES_CONTEXT if c in table.data])
            suffix = table.name.removeprefix(f.stem + "_").replace("_", " ")
            caption = f"{f.title.split(':')[0]}: {suffix} table ({table.name}.csv)"
            out.append((caption, shown.rename(columns=table.label)))
    return out


def _page_figure(f: outputs.Figure, tables: list[outputs.OpenDataTable]) -> dict:
    return {
        "stem": f.stem,
        "number": f.number,
        "extra_tables": extra_tables(tables, f),
        "label": f"Figure {f.number}" if f.key.startswith("fig") else _short_label(f.title),
        "title": f.title,
        "subtitle": f.subtitle,
        "alt": f.alt,
        "description": f.description,
        "notes": f.notes,
        "estimator": f.estimator,
        "base_n": f.base_n,
        "image": f"figures/{f.svg.name}" if f.svg else (f"figures/{f.png.name}" if f.png else ""),
        "table": display_table(f.data),
        "has_intervals": all(c in f.data for c in INTERVAL_COLUMNS),
        "published_rows": list(f.published.fillna("").itertuples(index=False)) if len(f.published) else [],
        "status_counts": status_counts(f.published["status"]) if len(f.published) else [],
    }


def _short_label(title: str) -> str:
    """'Context figure 1' from 'Context figure 1: ...'; else the title up to its first bracket or stop."""
    head = title.split(":")[0] if ":" in title[:40] else title
    return head.split(" (")[0].rstrip(".")


def _record_tables(record: dict) -> dict:
    fields = [(k, v) for k, v in record.items() if not isinstance(v, dict | list)]
    # stages log different counts: object columns keep whole numbers whole, a missing count is blank
    stages = pd.DataFrame(record.get("stages") or [], dtype=object).fillna("")
    packages = pd.DataFrame(sorted((record.get("packages") or {}).items()), columns=["Package", "Version"])
    inputs = pd.DataFrame(record.get("inputs") or [])
    return {"record_fields": fields, "stages": stages, "packages": packages, "inputs": inputs}


def link_or_copy(source: Path, target: Path) -> None:
    """The report's copy of a figure image: a hard link where the file system allows (no data
    copied, no new file made; each run writes its figures as new files, so the report keeps the
    images of the run it was built from), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def build(settings: Settings) -> Path:
    """Write the site into data/processed/<wave>/report/ and return the path of index.html."""
    out = report_dir(settings)
    reproduction = outputs.read_csv(settings.processed_dir / "reproduction.csv")
    figures = outputs.read_figures(settings.figures_dir, reproduction if len(reproduction) else None)
    context = outputs.read_figures(settings.figures_dir, prefix="ctx")
    others = outputs.read_figures(settings.figures_dir, prefix=None)
    validation = outputs.read_csv(settings.processed_dir / "validation_report.csv")
    record = outputs.read_run_record(settings)
    env = _environment()
    common = {"wave": settings.wave, "commit": str(record.get("git_commit", ""))[:12]}

    if out.exists():
        shutil.rmtree(out)
    (out / "figures").mkdir(parents=True)
    for f in [*figures, *context, *others]:
        for image in (f.svg, f.png):
            if image is not None:
                link_or_copy(image, out / "figures" / image.name)
    shutil.copyfile(TEMPLATES / "style.css", out / "style.css")

    extra = [t for t in outputs.read_open_data(settings.processed_dir, "ctx*") if t.name.count("_")]
    pages = [_page_figure(f, extra) for f in figures]
    context_pages = [_page_figure(f, extra) for f in context]
    other_pages = [_page_figure(f, extra) for f in others]
    line = validation_line(validation)
    write_text(
        out / "index.html",
        env.get_template("index.html.j2").render(
            **common,
            page_title="Figures and reproduction",
            current="index",
            summary=outputs.reproduction_summary(settings),
            status_counts=status_counts(reproduction["status"]) if len(reproduction) else [],
            validation_line=line,
            figures=pages,
            context=context_pages,
            others=other_pages,
        ),
    )
    sequence = pages + context_pages + other_pages
    for i, page in enumerate(sequence):
        write_text(
            out / f"{page['stem']}.html",
            env.get_template("figure.html.j2").render(
                **common,
                page_title=page["label"],
                current="figure",
                f=page,
                previous=sequence[i - 1] if i > 0 else None,
                next=sequence[i + 1] if i + 1 < len(sequence) else None,
            ),
        )
    write_text(
        out / "validation.html",
        env.get_template("validation.html.j2").render(
            **common,
            page_title="Validation report",
            current="validation",
            validation=validation,
            validation_line=line,
        ),
    )
    write_text(
        out / "run.html",
        env.get_template("run.html.j2").render(
            **common, page_title="Run record", current="run", record=record, **_record_tables(record)
        ),
    )
    return out / "index.html"
