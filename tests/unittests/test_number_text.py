"""Numbers as written into the open-data CSVs: fixed decimals, trailing decimal zeros dropped."""

import math

import pandas as pd
import pytest

from pipeline.present import _fmt_number


@pytest.mark.parametrize(
    ("x", "dp", "text"),
    [
        (80.0, 0, "80"),  # whole tens keep their zero (once written as "8")
        (100, 0, "100"),
        (450.0, 1, "450"),
        (12.50, 2, "12.5"),
        (12.0, 2, "12"),
        (0.0, 0, "0"),
        (-0.0, 1, "0"),
        (math.nan, 0, "x"),
        ("c", 0, "c"),
    ],
)
def test_number_text(x, dp, text):
    assert _fmt_number(x, dp) == text


def test_csv_text_writes_cells_as_to_csv_does():
    from pipeline.present import csv_text

    df = pd.DataFrame(
        {
            "f": [0.1, float("nan"), 1e16, -2.0],
            "i": [1, 2, 3, -4],
            "b": [True, False, True, False],
            "o": ["a,b", None, 3, 'say "hi"'],
            "s": pd.array(["x", None, "=1+2", "line\nbreak"], dtype="str"),
        }
    )
    expected = (
        "f,i,b,o,s\n"
        '0.1,1,True,"a,b",x\n'
        ",2,False,,\n"
        "1e+16,3,True,3,'=1+2\n"
        '-2.0,-4,False,"say ""hi""","line\nbreak"\n'
    )
    assert csv_text(df) == expected
    assert csv_text(df) == df.assign(s=df["s"].replace("=1+2", "'=1+2")).to_csv(
        index=False, lineterminator="\n"
    )
    assert csv_text(df.iloc[0:0]) == "f,i,b,o,s\n"
