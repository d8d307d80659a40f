"""Hints in validation messages."""

from __future__ import annotations

from pipeline.validate import _code_hint

KNOWN = {"E08000021": "Newcastle upon Tyne"}


def test_a_lower_case_or_spaced_code_gets_a_hint():
    assert "did you mean E08000021?" in _code_hint("e08000021", KNOWN)
    assert "did you mean E08000021?" in _code_hint("E08 000021", KNOWN)


def test_an_unknown_code_gets_no_hint():
    assert _code_hint("E99999999", KNOWN) == ""
