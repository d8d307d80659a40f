"""What a full run writes beside its tables: run.json and the publication spreadsheet."""

from __future__ import annotations

import hashlib
import json

import openpyxl


def test_run_record_names_code_config_inputs_packages_and_stages(full_run_2018):
    settings = full_run_2018
    record = json.loads((settings.processed_dir / "run.json").read_text(encoding="utf-8"))
    assert record["wave"] == "2018"
    assert record["exit_code"] == 0
    assert len(record["git_commit"]) == 40
    assert len(record["config_sha256"]) == 64
    assert record["started"] <= record["ended"]
    stages = [s["stage"] for s in record["stages"]]
    assert stages == [
        "validate",
        "derive",
        "analyse",
        "figures",
        "reproduce",
        "context",
        "report",
        "spreadsheet",
    ]
    validate = record["stages"][0]
    assert validate["files"] == 118 and validate["las"] == 118 and validate["errors"] == 0
    for name in ("pandas", "matplotlib", "gptables", "jinja2", "python"):
        assert record["packages"][name]
    returns = [i for i in record["inputs"] if i["path"].startswith("data/raw/2018/returns/")]
    assert len(returns) == 118
    first = settings.root / returns[0]["path"]
    assert returns[0]["sha256"] == hashlib.sha256(first.read_bytes()).hexdigest()


def test_report_run_page_shows_counts_as_whole_numbers_and_no_nan(full_run_2018):
    """Stages log different counts: a count is shown as logged (118, not 118.0), a missing one blank."""
    import re

    processed = full_run_2018.processed_dir
    page = (processed / "report" / "run.html").read_text(encoding="utf-8")
    stages = page[page.index("Stages") :]
    header = re.findall(r"<th[^>]*>([^<]*)</th>", stages)
    seconds = header.index("seconds")  # times have one decimal: a stage of exactly 1.0 s is fine
    rows = [re.findall(r"<td[^>]*>([^<]*)</td>", r) for r in re.findall(r"<tr>(.*?)</tr>", stages, re.S)]
    cells = [c for row in rows for i, c in enumerate(row) if i != seconds]
    validate = json.loads((processed / "run.json").read_text(encoding="utf-8"))["stages"][0]
    assert str(validate["files"]) in cells and str(validate["answers"]) in cells
    assert not [c for c in cells if c.strip() in ("nan", "NaN") or re.fullmatch(r"\d+\.0", c.strip())]


def test_spreadsheet_has_cover_contents_notes_and_numbers_as_numbers(full_run_2018):
    settings = full_run_2018
    book = openpyxl.load_workbook(settings.processed_dir / "apmarket_2018_tables.xlsx", read_only=True)
    assert book.sheetnames[:3] == ["Cover", "Contents", "Notes"]
    tables = sorted(settings.processed_dir.glob("*.meta.csv"))
    assert len(book.sheetnames) == 3 + len(tables)
    sheet = book["Fig02"]
    rows = [r for r in sheet.iter_rows(values_only=True) if any(v is not None for v in r)]
    header = next(i for i, r in enumerate(rows) if r[0] == "Type of AP provider")
    body = rows[header + 1 :]
    numeric = [i for i, name in enumerate(rows[header]) if i > 0 and name != "Notes"]
    assert "Notes" in rows[header]  # GSS shorthand goes in the notes column, not in numeric cells
    assert body and all(isinstance(r[i], int | float) for r in body for i in numeric if r[i] is not None)
    assert rows[0][0].startswith("Figure 2")


def test_every_figure_csv_has_interval_and_base(full_run_2018):
    """Issue 10: every figure's data file (the report's figures, the regression and context
    figures) has ``lower``, ``upper`` and ``n_las``, each cell a number or a GSS symbol."""
    import pandas as pd

    gss = {"c", "x", "z", "u", "low"}
    figures = full_run_2018.figures_dir
    stems = sorted(p.stem for p in figures.glob("*.png"))
    assert {"regression_coefficients", "regression_residuals", "exclusions_vs_deprivation"} <= set(stems)
    assert any(s.startswith("ctx") for s in stems) and len(stems) >= 31
    problems = []
    for stem in stems:
        data = pd.read_csv(figures / f"{stem}.csv", dtype=str, keep_default_na=False)
        for col in ("lower", "upper", "n_las"):
            if col not in data:
                problems.append(f"{stem}: no {col}")
                continue
            cells = data[col].map(lambda v: v in gss or pd.notna(pd.to_numeric(v, errors="coerce")))
            if not cells.all():
                problems.append(f"{stem}: {col} has cells that are neither numbers nor GSS symbols")
    assert not problems, problems


def test_spreadsheet_has_no_empty_columns_and_open_data_no_blank_filters(full_run_2018):
    """A column with no number in any row (intervals 'x' throughout, a reliability column of
    symbols) is left out of the sheet, its symbols kept in the Notes; a filter of the open data
    is never blank (DfE screener)."""
    import csv

    settings = full_run_2018
    book = openpyxl.load_workbook(next(settings.processed_dir.glob("*_tables.xlsx")), read_only=True)
    empty = []
    for ws in book.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        header = next((i for i, r in enumerate(rows) if sum(c not in (None, "") for c in r) > 2), None)
        if header is None:
            continue
        for j, name in enumerate(rows[header]):
            if name and all(j >= len(r) or r[j] in (None, "") for r in rows[header + 1 :]):
                empty.append(f"{ws.title}: {name}")
    assert not empty, empty
    blank = []
    for meta in settings.processed_dir.glob("*.meta.csv"):
        filters = [
            r["col_name"] for r in csv.DictReader(meta.open(encoding="utf-8")) if r["col_type"] == "Filter"
        ]
        data = meta.with_name(meta.name.replace(".meta.csv", ".csv"))
        for row in csv.DictReader(data.open(encoding="utf-8")):
            blank += [f"{data.name}: {f}" for f in filters if row[f] == ""]
    assert not blank, sorted(set(blank))[:10]


def test_interval_labels_keep_acronyms(full_run_2018):
    """'Lower limit of 95% interval of LAs with ...', not '... of lAs with ...'."""
    import re

    labels = " ".join(p.read_text(encoding="utf-8") for p in full_run_2018.processed_dir.glob("*.meta.csv"))
    assert "95% interval of LAs with a financial arrangement" in labels
    assert not re.search(r"interval of [a-z][A-Z]", labels)


def test_report_images_are_the_runs_figures_linked_or_copied(full_run_2018, tmp_path, monkeypatch):
    """The report's images are hard links to the run's figures (no copy made); where links are
    not possible, copies of the same bytes."""
    import os

    from pipeline.report import link_or_copy

    images = sorted((full_run_2018.processed_dir / "report" / "figures").glob("*.png"))
    assert images
    for image in images:
        assert os.path.samefile(image, full_run_2018.figures_dir / image.name)

    def no_links(*_):
        raise OSError("links not supported here")

    monkeypatch.setattr(os, "link", no_links)
    copy = tmp_path / images[0].name
    link_or_copy(images[0], copy)
    assert copy.read_bytes() == images[0].read_bytes() and not os.path.samefile(copy, images[0])
