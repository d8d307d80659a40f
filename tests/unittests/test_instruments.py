"""Versioned instruments: a later version added, dropped, re-worded or re-ordered questions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from pipeline.codebook import Codebook, CodebookError, resolve_instrument
from pipeline.workbook import section_layout

REPO = Path(__file__).resolve().parents[2]
EXTRA = {
    "id": "ap_waiting_list",
    "section": "provision",
    "after": "providers",
    "text": "How many pupils were waiting for an AP place on census day?",
    "type": "count",
    "range": [0, 100000],
}


@pytest.fixture
def folder(tmp_path) -> Path:
    shutil.copy(REPO / "config" / "instruments" / "v2018.yaml", tmp_path / "v2018.yaml")
    return tmp_path


def _write(folder: Path, version: str, body: dict) -> None:
    (folder / f"{version}.yaml").write_text(yaml.safe_dump({"extends": "v2018", **body}), encoding="utf-8")


def test_added_optional_question_goes_after_its_anchor(folder):
    _write(folder, "v2099", {"add_questions": [EXTRA]})
    old, new = Codebook(resolve_instrument(folder, "v2018")), Codebook(resolve_instrument(folder, "v2099"))
    provision_old = [q.id for q in old.questions_in("provision")]
    provision_new = [q.id for q in new.questions_in("provision")]
    i = provision_old.index("providers")
    assert provision_new == provision_old[: i + 1] + ["ap_waiting_list"] + provision_old[i + 1 :]
    assert not new.questions["ap_waiting_list"].required
    assert len(new.items) == len(old.items) + 1
    # the old version, and so the layout of every return collected with it, is unchanged
    assert section_layout(old, "provision") == section_layout(
        Codebook(yaml.safe_load((REPO / "config" / "instruments" / "v2018.yaml").read_text())), "provision"
    )
    assert section_layout(new, "provision") != section_layout(old, "provision")
    for other in ("costs", "sen"):  # other sheets keep their cells
        assert section_layout(new, other) == section_layout(old, other)


def test_dropped_changed_and_moved_questions_keep_their_ids(folder):
    old = Codebook(resolve_instrument(folder, "v2018"))
    first, second = [q.id for q in old.questions_in("purpose")][:2]
    _write(
        folder,
        "v2099",
        {
            "drop_questions": [second],
            "change_questions": {"costs": {"text": "Average cost, financial year {finance_year}."}},
        },
    )
    new = Codebook(resolve_instrument(folder, "v2099"))
    assert second not in new.questions and first in new.questions
    assert new.questions["costs"].text == "Average cost, financial year {finance_year}."
    assert new.questions["costs"].dimensions == old.questions["costs"].dimensions
    third = [q.id for q in old.questions_in("purpose")][2]
    _write(folder, "v2100", {"change_questions": {first: {"after": third}}})
    moved = [q.id for q in Codebook(resolve_instrument(folder, "v2100")).questions_in("purpose")]
    assert moved[:3] == [second, third, first]


def test_fill_applies_to_texts_only(folder):
    cb = Codebook.for_version(folder, "v2018", fill=lambda s: s.replace("{finance_year}", "2099-00"))
    assert "financial year 2099-00" in cb.questions["costs"].text
    assert "financial year 2099-00" in cb.sections["costs"].title
    assert list(cb.items) == list(Codebook(resolve_instrument(folder, "v2018")).items)


@pytest.mark.parametrize(
    "body, message",
    [
        ({"drop_questions": ["no_such_q"]}, "drop_questions: unknown question id(s) ['no_such_q']"),
        (
            {"change_questions": {"no_such_q": {"text": "x"}}},
            "change_questions: unknown question id 'no_such_q'",
        ),
        ({"change_questions": {"costs": {"id": "cost2"}}}, "a question keeps its id"),
        ({"add_questions": [{**EXTRA, "id": "costs"}]}, "add_questions: id 'costs' already exists"),
        ({"add_question": [EXTRA]}, "unknown key(s) ['add_question']"),
    ],
)
def test_mistakes_in_a_version_file(folder, body, message):
    _write(folder, "v2099", body)
    with pytest.raises(CodebookError) as info:
        resolve_instrument(folder, "v2099")
    assert message in str(info.value) and "v2099.yaml" in str(info.value)


def test_unknown_version_and_loops(folder):
    with pytest.raises(CodebookError, match="no such instrument version 'v1999'"):
        resolve_instrument(folder, "v1999")
    (folder / "va.yaml").write_text("extends: vb\n", encoding="utf-8")
    (folder / "vb.yaml").write_text("extends: va\n", encoding="utf-8")
    with pytest.raises(CodebookError, match="loop"):
        resolve_instrument(folder, "va")
