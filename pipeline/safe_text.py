"""Text a spreadsheet would not execute (CSV / formula injection).

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return may be run
as a formula when the CSV is opened in a spreadsheet. Following the OWASP guidance on CSV
injection, such text is written with a leading apostrophe ``'`` (shown by spreadsheets as
plain text). Numbers are never changed: a number, or text that is exactly a number such as
``-5`` or ``+1.5e3``, is written as it is, so negative numbers stay numbers.
"""

from __future__ import annotations

import re

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def looks_like_formula(text: str) -> bool:
    """Would a spreadsheet treat this text as a formula (and it is not simply a number)?"""
    return text.startswith(TRIGGERS) and not _NUMBER.fullmatch(text)


def neutralise(value):
    """One cell: text that would run as a formula gets a leading ``'``; anything else unchanged."""
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` safe to write as CSV: text cells and column names neutralised."""
    out = None
    for i, (_, col) in enumerate(df.items()):
        if col.dtype.kind in "biufcmM":  # numbers, booleans and dates are never text
            continue
        # Each distinct value is tested once (columns repeat their values a lot).
        try:
            values = col.unique()
        except TypeError:  # unhashable cells
            values = col.tolist()
        if any(isinstance(v, str) and looks_like_formula(v) for v in values):
            out = df.copy() if out is None else out
            out.iloc[:, i] = col.map(neutralise)
    names = [neutralise(n) for n in df.columns]
    if names != list(df.columns):
        out = (df.copy() if out is None else out).set_axis(names, axis=1)
    return df if out is None else out
