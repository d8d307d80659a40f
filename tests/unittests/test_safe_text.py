"""Safe text outputs: formula-like text is neutralised (OWASP CSV injection), numbers never change."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.present import csv_text
from pipeline.safe_text import looks_like_formula, neutralise, neutralise_frame


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-5 pupils", "'-5 pupils"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tindented", "'\tindented"),
        ("\rreturn", "'\rreturn"),
        ("-5", "-5"),  # a number as text stays a number
        ("+1.5e3", "+1.5e3"),
        ("-.5", "-.5"),
        ("5-3", "5-3"),  # only the first character matters
        ("Barking and Dagenham", "Barking and Dagenham"),
        ("", ""),
    ],
)
def test_neutralise_text(text, written):
    assert neutralise(text) == written
    assert looks_like_formula(text) == (text != written)


def test_numbers_are_never_changed():
    assert neutralise(-5) == -5
    assert neutralise(-0.25) == -0.25


def test_csv_text_neutralises_text_cells_and_names_only():
    df = pd.DataFrame(
        {"name": ["=cmd|' /C calc'!A0", "Barnet", "-x"], "change": [-5, 3, -1.5], "=col": ["a", "b", "c"]}
    )
    assert csv_text(df) == (
        "name,change,'=col\n"
        "'=cmd|' /C calc'!A0,-5.0,a\n"  # float column: -5 written as -5.0, as before
        "Barnet,3.0,b\n"
        "'-x,-1.5,c\n"
    )


def test_object_columns_with_mixed_values():
    df = pd.DataFrame({"v": pd.Series(["=1", -3, None, "ok"], dtype=object)})
    out = neutralise_frame(df)
    assert out["v"].tolist()[:2] == ["'=1", -3]
    assert df["v"].tolist()[0] == "=1"  # the input frame is not changed
