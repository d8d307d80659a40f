"""A wave that is mostly empty still runs to the end, listing what it could not compute.

Built from the five-LA fixture: every LA centralised (so the devolved group is empty) and the
whole costs and pupils sections left blank. The tables needing those answers or that group are
listed in skipped_tables.csv with a "no answers" reason; everything else is still written.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.run import run

from ..fixtures import fixture_wave as fw
from ..fixtures.project import build_project

BLANK_SECTIONS = ("costs", "pupils")


def _sparse_answers(codebook) -> dict:
    blank = {q.id for q in codebook.questions.values() if q.section in BLANK_SECTIONS}
    answers = fw.answers_copy()
    for items in answers.values():
        for key in list(items):
            if codebook.items[key].question_id in blank:
                del items[key]
        items["decision_model__primary"] = "centralised"
        items["decision_model__secondary"] = "centralised"
    return answers


@pytest.fixture(scope="module")
def sparse(tmp_path_factory):
    settings = build_project(tmp_path_factory.mktemp("sparse"))
    fw.write_workbooks(settings.codebook, settings.returns_dir, answers=_sparse_answers(settings.codebook))
    rc = run(settings, workers=1, quiet=True)  # every stage, reproduction included
    skipped = pd.read_csv(settings.processed_dir / "skipped_tables.csv")
    return settings, rc, skipped


def test_runs_to_the_end(sparse):
    settings, rc, _ = sparse
    assert rc == 0
    assert (settings.processed_dir / "computed_values.csv").is_file()


def test_blank_sections_are_skipped_with_the_reason(sparse):
    _, _, skipped = sparse
    reasons = skipped.set_index("table")["reason"]
    # costs section blank: every cost figure skipped, naming the question
    for key in ("fig08", "fig09", "fig10", "fig11", "fig34"):
        assert key in reasons.index, key
        assert "costs" in reasons[key]
    # pupils section blank
    for key in ("fig19", "fig20", "fig23", "fig24", "fig25", "fig26", "fig27"):
        assert key in reasons.index, key
    assert "pupils_placed" in reasons["fig19"]
    assert "placement_reasons" in reasons["fig20"]
    assert all(r.startswith("no answers") for r in reasons)


def test_empty_group_is_skipped_not_crashed(sparse):
    _, _, skipped = sparse
    reasons = skipped.set_index("table")["reason"]
    # every LA is centralised: the devolved vs centralised comparison of places has no devolved LA
    assert "fig33" in reasons.index
    assert "devolved" in reasons["fig33"]


def test_answered_tables_still_written(sparse):
    settings, _, skipped = sparse
    assert "fig02" not in set(skipped["table"])
    assert "fig35" not in set(skipped["table"])
    values = pd.read_csv(settings.processed_dir / "computed_values.csv").set_index("id")
    # places were answered: A 70, B 40, D 40, E 300 -> PRU 60 + 40 + 20 + 300 = 420 of 450
    assert values.loc["fig02.place_share.pru", "value"] == pytest.approx(100 * 420 / 450)
