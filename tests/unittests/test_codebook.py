"""Codebook parsing: items, numbering, export keys and malformed codebooks."""

from __future__ import annotations

import copy

import pytest

from pipeline.codebook import Codebook, CodebookError


def tiny_raw() -> dict:
    """A two-section codebook small enough to list every item by hand."""
    return {
        "dimensions": {
            "kind": {
                "label": "Kind",
                "values": {"a": {"label": "Kind A", "group": "g1"}, "b": {"label": "Kind B"}},
            },
            "phase": {
                "label": "Phase",
                "values": {"x": {"label": "X"}, "y": {"label": "Y"}, "z": {"label": "Z"}},
            },
            "extra": {"label": "Extra", "values": {"e": {"label": "E"}}},
        },
        "category_sets": {"agree": {"agree": "Agree", "disagree": "Disagree"}},
        "sections": [
            {"id": "s1", "sheet": "1 One", "title": "First"},
            {"id": "s2", "sheet": "2 Two", "title": "Second"},
        ],
        "questions": [
            {
                "id": "grid",
                "section": "s1",
                "text": "Grid",
                "type": "count",
                "dimensions": ["kind", "phase"],
                "total": True,
                "blank": "zero",
                "range": [0, 10],
            },
            {
                "id": "single",
                "section": "s1",
                "text": "Single",
                "type": "category",
                "categories": "agree",
                "required": True,
            },
            {
                "id": "row",
                "section": "s2",
                "text": "Row",
                "type": "money",
                "dimensions": ["phase"],
                "total": True,
                "plausible": [1, 5],
            },
            {"id": "yn", "section": "s2", "text": "Yes or no", "type": "yes_no"},
        ],
    }


def test_two_dim_question_with_total_expands_rows_then_total_by_columns():
    cb = Codebook(tiny_raw())
    items = cb.questions["grid"].items
    # rows (kind a, kind b, total) x columns (x, y, z) = 3 x 3 = 9 items, row-major
    assert [it.key for it in items] == [
        "grid__a__x",
        "grid__a__y",
        "grid__a__z",
        "grid__b__x",
        "grid__b__y",
        "grid__b__z",
        "grid__total__x",
        "grid__total__y",
        "grid__total__z",
    ]
    assert [it.is_total for it in items] == [False] * 6 + [True] * 3
    assert items[4].dim_dict == {"kind": "b", "phase": "y"}


def test_one_dim_question_with_total_appends_total_item():
    cb = Codebook(tiny_raw())
    keys = [it.key for it in cb.questions["row"].items]
    assert keys == ["row__x", "row__y", "row__z", "row__total"]
    assert cb.questions["row"].items[-1].is_total


def test_no_dim_question_has_one_item_keyed_by_its_id():
    cb = Codebook(tiny_raw())
    (item,) = cb.questions["single"].items
    assert item.key == "single" and item.dims == ()


def test_export_keys_cover_every_item_in_codebook_order():
    cb = Codebook(tiny_raw())
    # 9 grid items + 1 single + 4 row items + 1 yes/no = 15 export columns
    assert list(cb.items) == [
        "grid__a__x",
        "grid__a__y",
        "grid__a__z",
        "grid__b__x",
        "grid__b__y",
        "grid__b__z",
        "grid__total__x",
        "grid__total__y",
        "grid__total__z",
        "single",
        "row__x",
        "row__y",
        "row__z",
        "row__total",
        "yn",
    ]


def test_question_numbers_restart_per_section():
    cb = Codebook(tiny_raw())
    assert [q.number for q in cb.questions.values()] == ["1.1", "1.2", "2.1", "2.2"]
    assert cb.sections["s2"].number == 2


def test_question_fields_and_categories():
    cb = Codebook(tiny_raw())
    assert cb.questions["single"].categories == {"agree": "Agree", "disagree": "Disagree"}
    assert cb.questions["yn"].categories == {"yes": "Yes", "no": "No"}
    assert cb.questions["single"].required and not cb.questions["grid"].required
    assert cb.questions["grid"].range == (0, 10)
    assert cb.questions["row"].plausible == (1, 5)
    assert cb.questions["grid"].is_numeric and cb.questions["yn"].is_choice
    assert cb.questions["row"].blank == "missing"  # the default
    assert cb.dimensions["kind"].groups == {"a": "g1", "b": ""}
    assert cb.dimension_columns == ["kind", "phase"]  # 'extra' is used by no question


def test_duplicate_question_id_is_rejected():
    raw = tiny_raw()
    raw["questions"].append(copy.deepcopy(raw["questions"][1]))
    with pytest.raises(CodebookError, match="appears twice"):
        Codebook(raw)


def test_unknown_blank_rule_is_rejected():
    raw = tiny_raw()
    raw["questions"][0]["blank"] = "none"
    with pytest.raises(CodebookError, match="blank must be one of zero, missing, zero_in_column"):
        _ = Codebook(raw).questions
    raw = tiny_raw()
    one_dim = next(q for q in raw["questions"] if len(q.get("dimensions") or ()) == 1)
    one_dim["blank"] = "zero_in_column"  # no columns to answer
    with pytest.raises(CodebookError, match="needs a grid"):
        _ = Codebook(raw).questions


def test_more_than_two_dimensions_is_rejected():
    raw = tiny_raw()
    raw["questions"][0]["dimensions"] = ["kind", "phase", "extra"]
    with pytest.raises(CodebookError, match="at most two"):
        Codebook(raw)


def test_unknown_dimension_and_section_are_rejected():
    raw = tiny_raw()
    raw["questions"][0]["dimensions"] = ["kind", "nope"]
    with pytest.raises(CodebookError, match="unknown dimension"):
        Codebook(raw)
    raw = tiny_raw()
    raw["questions"][0]["section"] = "s9"
    with pytest.raises(CodebookError, match="unknown section"):
        Codebook(raw)


def test_real_codebook_places_and_costs_items(codebook):
    # places: (9 provider types + total) x 4 phases = 40 items; costs: 9 types x 5 cost phases = 45
    places = [it.key for it in codebook.questions["places"].items]
    costs = [it.key for it in codebook.questions["costs"].items]
    assert len(places) == 40 and len(costs) == 45
    assert places[:4] == ["places__pru__primary", "places__pru__ks3", "places__pru__ks4", "places__pru__ks5"]
    assert places[-4:] == [
        "places__total__primary",
        "places__total__ks3",
        "places__total__ks4",
        "places__total__ks5",
    ]
    assert costs[:5] == [
        "costs__pru__all_phases",
        "costs__pru__primary",
        "costs__pru__ks3",
        "costs__pru__ks4",
        "costs__pru__ks5",
    ]
    # the required questions, as listed with `required: true` in config/instruments/v2018.yaml
    assert sorted(q.id for q in codebook.questions.values() if q.required) == sorted(
        [
            "ap_reasons",
            "strategic_planning",
            "ehcp_ap_use",
            "semh_provision",
            "decision_model",
            "same_arrangements",
            "self_evaluation",
        ]
    )
