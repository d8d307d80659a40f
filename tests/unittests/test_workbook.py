"""Cell references, canonical cell text and the file checks of the workbook reader."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.workbook import (
    CellValue,
    FileProblem,
    canonical,
    cell_at,
    cell_ref,
    check_file,
    col_letter,
    parse_ref,
    section_layout,
)


@pytest.mark.parametrize(
    ("col", "letters"),
    [(1, "A"), (3, "C"), (26, "Z"), (27, "AA"), (52, "AZ"), (53, "BA"), (702, "ZZ"), (703, "AAA")],
)
def test_col_letter(col, letters):
    # 27 = 1 x 26 + 1 -> AA; 702 = 26 x 26 + 26 -> ZZ; 703 = 1 x 676 + 1 x 26 + 1 -> AAA
    assert col_letter(col) == letters


@pytest.mark.parametrize(
    ("ref", "row", "col"),
    [("A1", 1, 1), ("C4", 4, 3), ("AA10", 10, 27), ("ZZ702", 702, 702), ("AAA3", 3, 703)],
)
def test_parse_ref(ref, row, col):
    assert parse_ref(ref) == (row, col)
    assert cell_ref(row, col) == ref


def test_round_trip_over_many_cells():
    for row in (1, 9, 10, 1048576):
        for col in range(1, 800):
            assert parse_ref(cell_ref(row, col)) == (row, col)


@pytest.mark.parametrize("bad", ["c4", "4C", "C", "", "C4:D5", "$C$4"])
def test_parse_ref_rejects_non_refs(bad):
    with pytest.raises(ValueError):
        parse_ref(bad)


@pytest.mark.parametrize(
    ("value", "text", "kind"),
    [
        (12, "12", "number"),
        (0, "0", "number"),
        (12.0, "12", "number"),  # 12 typed in Excel is read as 12.0: no '.0'
        (17500.5, "17500.5", "number"),
        (0.1, "0.1", "number"),
        (-3.0, "-3", "number"),
        (True, "TRUE", "bool"),  # bool is an int subclass: must not become '1'
        (False, "FALSE", "bool"),
        ("  Agree ", "Agree", "text"),
        ("about 17k", "about 17k", "text"),
        (dt.datetime(2018, 2, 20, 9, 30), "2018-02-20T09:30:00", "date"),
        (dt.date(2018, 2, 20), "2018-02-20", "date"),
    ],
)
def test_canonical(value, text, kind):
    cv = canonical(value)
    assert (cv.text, cv.kind) == (text, kind)


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_canonical_empty_is_none(empty):
    assert canonical(empty) is None


def test_canonical_nan_is_the_text_of_a_number_cell_not_a_blank():
    # no reader gives NaN for an empty cell (calamine gives '', openpyxl None, csv ''): a NaN is a
    # number cell holding the text 'NaN', which must be reported, not lost as a blank
    assert canonical(float("nan")) == CellValue("NaN", "text")


def test_cell_at_reads_a1_based_grid_and_treats_blank_as_none():
    rows = [["a", "b", "c"], ["d", "", 5]]
    assert cell_at(rows, "A1") == "a"
    assert cell_at(rows, "C2") == 5
    assert cell_at(rows, "B2") is None  # '' is empty
    assert cell_at(rows, "D1") is None  # beyond the row
    assert cell_at(rows, "A9") is None  # beyond the grid


def test_layout_matches_hand_derived_cells(codebook):
    # '3 Costs': question row 4, help row 5, header row 6, first provider (pru) row 7;
    # columns C..G = all_phases, primary, ks3, ks4, ks5
    costs = {i.item.key: i.ref for i in section_layout(codebook, "costs").inputs}
    assert costs["costs__pru__all_phases"] == "C7"
    assert costs["costs__pru__ks3"] == "E7"
    assert costs["costs__ap_academy__ks5"] == "G8"
    # '2 Provision': places rows 7..15 (9 types), total row 16; providers from row 19
    prov = {i.item.key: i.ref for i in section_layout(codebook, "provision").inputs}
    assert prov["places__total__ks3"] == "D16"
    assert prov["providers__pru"] == "C19"
    assert prov["providers__other"] == "C27"  # 19 + 8


# ------------------------------------------------------------------------------------------------
# check_file


def _problem(path):
    with pytest.raises(FileProblem) as info:
        check_file(path)
    return info.value.rule


def test_check_file_rules(tmp_path):
    txt = tmp_path / "notes.txt"
    txt.write_text("hello")
    assert _problem(txt) == "file_unexpected_type"
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    assert _problem(empty) == "file_empty"
    # An OLE file is password-protected only if its directory has an 'EncryptionInfo' entry (as
    # an encrypted .xlsx has); any other OLE file, such as an old .xls renamed .xlsx, is not an
    # encrypted workbook but an unreadable one (it used to be reported as file_encrypted).
    ole = tmp_path / "old.xlsx"
    ole.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 100)
    assert _problem(ole) == "file_unreadable"
    name = "EncryptionInfo".encode("utf-16-le")
    entry = name + b"\0" * (64 - len(name)) + (len(name) + 2).to_bytes(2, "little") + b"\0" * 62
    locked = tmp_path / "locked.xlsx"  # the 512-byte header, then a directory entry
    locked.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504 + entry)
    assert _problem(locked) == "file_encrypted"
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip file at all")
    assert _problem(junk) == "file_unreadable"
    ok = tmp_path / "ok.XLSX"  # suffix check is case-insensitive
    ok.write_bytes(b"PK\x03\x04rest")
    check_file(ok)  # no exception: looks like a zip


def test_xml_references_are_decoded_once():
    from pipeline.workbook import _unescape

    assert _unescape("&#38;lt;") == "&lt;"  # the text '&lt;', not '<'
    assert _unescape("a &amp; b &lt;c&gt; &#8220;x&#x201D; &quot;&apos;") == "a & b <c> \u201cx\u201d \"'"
    assert _unescape("&#0;") == "&#0;"  # names no character: kept as written
