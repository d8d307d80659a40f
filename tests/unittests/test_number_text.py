"""Numbers as written into the open-data CSVs: fixed decimals, trailing decimal zeros dropped."""

import math

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
