"""Formula-like text reaches every CSV we write neutralised (a leading '), numbers unchanged.

The fixture wave is run up to the tables with text a spreadsheet would execute in the places
text enters: an answer (free text), the LA name, and a label of the codebook that the tables,
their .meta.csv files and the validation report carry.
"""

from __future__ import annotations

import csv
import re

from pipeline.run import run

from ..fixtures import fixture_wave as fw
from ..fixtures.fixture_wave import LAS, A

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
EVIL_LABEL = "-PRU+cmd|' /C calc'!A0"


def test_formula_like_text_is_neutralised_in_every_output(make_project):
    settings = make_project()
    codebook_file = settings.root / "config" / "instruments" / "v2018.yaml"  # the wave's instrument
    text = codebook_file.read_text(encoding="utf-8")
    assert text.count('"Pupil referral unit (PRU)"') == 1
    codebook_file.write_text(text.replace('"Pupil referral unit (PRU)"', f'"{EVIL_LABEL}"'), encoding="utf-8")
    answers = fw.answers_copy()
    answers[A]["ap_purpose_text"] = "+SUM(1;2)"
    fw.write_workbooks(settings.codebook, settings.returns_dir, answers=answers, las={**LAS, A: "@Barking"})
    assert run(settings, until="analyse", workers=1, quiet=True) == 0

    written = sorted(settings.processed_dir.rglob("*.csv")) + sorted(settings.figures_dir.rglob("*.csv"))
    names = {p.name for p in written}
    assert {"responses.csv", "validation_report.csv", "la_frame.csv", "computed_values.csv"} <= names
    assert any(n.endswith(".meta.csv") for n in names)
    seen_escaped = set()
    for path in written:
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    if cell.startswith("'") and cell[1:].startswith(TRIGGERS):
                        seen_escaped.add((path.name, cell))
                    assert not cell.startswith(TRIGGERS) or NUMBER.fullmatch(cell), (path.name, cell)
    files_with = {name for name, _ in seen_escaped}
    assert "responses.csv" in files_with  # the free-text answer
    assert "validation_report.csv" in files_with  # the LA name and the answer, as warnings
    assert "fig08_cost_by_provider_type.csv" in files_with  # the provider label in a table
    assert ("fig08_cost_by_provider_type.csv", "'" + EVIL_LABEL) in seen_escaped


def test_template_text_starting_with_equals_is_text_not_a_formula(tmp_path):
    """An LA name or answer typed as '=...' reaches the workbook as text: Excel must not run it."""
    import openpyxl

    from pipeline.config import Settings
    from pipeline.template import build_workbook, save_deterministic

    codebook = Settings("2018").codebook
    name = '=HYPERLINK("http://x","click")'
    wb = build_workbook(codebook, "2018", "E09000002", name, {"ap_purpose_text": "=1+1"})
    path = tmp_path / "r.xlsx"
    save_deterministic(wb, path)
    back = openpyxl.load_workbook(path)
    cells = [c for ws in back.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    formulas = [c.coordinate for c in cells if c.data_type == "f"]
    assert formulas == []
    assert any(c.value == '=HYPERLINK("http://x","click")' for c in cells)
    assert any(c.value == "=1+1" for c in cells)
