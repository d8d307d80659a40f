"""Item non-response inside a multi-select question: the base printed is the estimate's own.

The five-LA fixture (tests/fixtures/fixture_wave.py) with one change: A (Barking and Dagenham)
leaves the 'places for pupils arriving mid-year' cell of the reasons question blank. A blank cell
is no answer (ap_reasons' blank rule is 'missing', docs/data-contract.md), so that reason's share
is over the four LAs that answered it, and its base must say 4, while every other reason (and the
counts of LAs by options ticked) stays on the five LAs answering the question.

By hand: mid-year arrivals is ticked by C, D, E and not by B -> 3 / 4 = 75%, base 4 (it was
4 / 5 = 80% with A's tick). Excluded pupils: all five -> 100%, base 5. Other: nobody -> 0%, base 5.
Options ticked: A 6 (7 minus the blank), B 6, C, D, E 7 -> all five in the 5-7 band, base 5.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.run import run

from ..fixtures import fixture_wave as fw
from ..fixtures.project import build_project


@pytest.fixture(scope="module")
def wave(tmp_path_factory):
    settings = build_project(tmp_path_factory.mktemp("item_nonresponse"))
    answers = fw.answers_copy()
    del answers[fw.A]["ap_reasons__mid_year_arrivals"]
    fw.write_workbooks(settings.codebook, settings.returns_dir, answers=answers)
    assert run(settings, until="analyse", workers=1, quiet=True) == 0
    values = pd.read_csv(settings.processed_dir / "computed_values.csv").set_index("id")
    fig01 = pd.read_csv(
        settings.processed_dir / "fig01_reasons_ap_is_used.csv", dtype=str, keep_default_na=False
    )
    return values, fig01


def test_share_and_base_of_a_reason_left_blank(wave):
    values, _ = wave
    row = values.loc["fig01.la_share.reason.mid_year_arrivals"]
    assert row["value"] == pytest.approx(75)
    assert row["n_las"] == 4


def test_other_reasons_keep_the_question_base(wave):
    values, _ = wave
    assert values.loc["fig01.la_share.reason.excluded_pupils", "value"] == 100
    assert values.loc["fig01.la_share.reason.excluded_pupils", "n_las"] == 5
    assert values.loc["fig01.la_count.options_selected.5_7", "value"] == 5
    assert values.loc["fig01.la_count.options_selected.5_7", "n_las"] == 5


def test_published_table_prints_each_reasons_base(wave):
    _, fig01 = wave
    t = fig01.set_index("ap_reason")
    assert t.loc["Places for pupils arriving mid-year", "la_share"] == "75"
    assert t.loc["Places for pupils arriving mid-year", "n_las"] == "4"
    assert t.loc["Other reason", ["la_share", "n_las"]].tolist() == ["0", "5"]
    assert (t.drop(index="Places for pupils arriving mid-year")["n_las"] == "5").all()
