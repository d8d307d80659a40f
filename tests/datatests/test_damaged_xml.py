"""Damaged returns at the level of the file's XML: a value far outside the grid (which would make the
xlsx reader ask for billions of cells and end the process), valid xlsx variants whose XML is
written differently (attributes in another order, namespace prefixes on elements, as the Open XML
SDK writes them), an old .xls renamed .xlsx, and a reader that ends while reading a return. Each is
a located finding and a rewritten validation report, never a crash, a stale report or a silently
missed formula, error value, percentage or merged range."""

from __future__ import annotations

import os
import re
import signal
import zipfile

import pytest

from pipeline import background, ingest, workbook
from pipeline.run import run

from ..fixtures import fixture_wave as fw
from ..fixtures.fixture_wave import A
from .test_bad_input import FILE_A, _errors, _only, _project, _report, _run_fails
from .test_damaged_returns import _edit
from .test_damaged_returns_more import _xlsx_export_project

FAR = "XFD1048576"  # Excel's last cell: a dense grid to it is 17 billion cells

# ------------------------------------------------------------------------------------------------
# A value far outside the grid


def test_a_value_in_excels_last_cell_is_reported_and_its_sheet_not_read(make_project):
    """calamine would build a dense grid to XFD1048576 (549 GB) and end the process reading it."""
    settings = _project(make_project)
    _edit(settings, FILE_A, lambda wb: wb["3 Costs"].__setitem__(FAR, 7))
    report = _run_fails(settings)
    row = _only(report, "cell_outside_answers")
    assert (row["file"], row["sheet"], row["cell"], row["la_code"], row["value"]) == (
        FILE_A,
        "3 Costs",
        FAR,
        A,
        "7",
    )
    assert "1,048,576 rows x 16,384 columns" in row["message"]
    assert "the sheet is not read" in row["message"]
    assert set(_errors(report)["rule"]) == {"cell_outside_answers"}


def test_a_sheet_not_read_gives_none_of_its_answers(make_project):
    settings = _project(make_project)
    _edit(settings, FILE_A, lambda wb: wb["3 Costs"].__setitem__(FAR, 7))
    rows, _ = ingest.read_rows(settings)
    sheets = {r["source_sheet"] for r in rows if r["source_file"] == FILE_A}
    assert "3 Costs" not in sheets and "2 Provision" in sheets  # the rest of the return is read


def test_a_far_value_on_the_cover_leaves_the_la_unknown(make_project):
    settings = _project(make_project)
    _edit(settings, FILE_A, lambda wb: wb["Cover"].__setitem__("XFD100", "x"))  # 100 x 16,384 cells
    report = _run_fails(settings)
    far = _only(report, "cell_outside_answers")
    assert (far["sheet"], far["cell"], far["value"]) == ("Cover", "XFD100", "x")
    code = _only(report, "la_code_missing")
    assert (code["file"], code["sheet"], code["cell"]) == (FILE_A, "Cover", "C4")
    assert "not read" in code["message"]


def test_only_the_far_values_are_named(make_project):
    """A value a million rows down, one in column AB and a stray one near the answers: only the
    first makes the sheet too large, so only it is named (the sheet is not read, so the stray
    values are not reported one by one either)."""
    settings = _project(make_project)

    def damage(wb):
        ws = wb["2 Provision"]
        ws["A1000000"] = 1  # one column, a million rows
        ws["AB3"] = 2  # 28 columns
        ws["H30"] = 3  # near the answers

    _edit(settings, FILE_A, damage)
    report = _run_fails(settings)
    rows = report[report["rule"] == "cell_outside_answers"]
    assert rows["cell"].tolist() == ["A1000000"]  # without it the sheet is 41 x 28 cells
    assert "1,000,000 rows x 28 columns" in rows["message"].iloc[0]


def test_far_values_are_found_in_prefixed_xml_and_by_position(make_project):
    """The size is found from the XML whatever its prefixes, and also for cells written without
    their reference (placed after the cell before them, as the reader places them)."""
    settings = _project(make_project)
    path = settings.root / FILE_A
    sheet = _member(path, "3 Costs")

    def damage(name, data):
        if name != sheet:
            return data
        row = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>far</t></is></c></row>'
        unnumbered = b"<row><c><v>5</v></c><c><v>6</v></c></row>"
        return data.replace(b"</sheetData>", unnumbered + row + b"</sheetData>")

    _rewrite(path, lambda name, data: _prefixed(damage(name, data)) if name == sheet else data)
    facts = workbook.sheet_facts(path)["3 Costs"]
    assert facts.far == [(FAR, "far")] and facts.size == (1_048_576, 16_384)
    cells = workbook._cells_by_position(_read(path, sheet))
    assert (16, 1, "5") in cells and (16, 2, "6") in cells  # the row after row 15, columns A and B


def test_an_empty_formatted_far_cell_is_no_value(make_project):
    """A cell with only a style (formatted, never typed in) is skipped by the reader: the sheet is
    read as usual and nothing is reported."""
    settings = _project(make_project)
    path = settings.root / FILE_A
    sheet = _member(path, "3 Costs")
    far = f'<row r="1048576"><c r="{FAR}" s="1"/></row>'.encode()
    _rewrite(path, lambda n, d: d.replace(b"</sheetData>", far + b"</sheetData>") if n == sheet else d)
    assert workbook.sheet_facts(path)["3 Costs"].far == []
    assert run(settings, until="validate", workers=1, quiet=True) == 0
    assert len(_report(settings)) == 0


def test_a_far_value_in_an_xlsx_export(make_project):
    settings = _xlsx_export_project(make_project, lambda wb, rows: wb.active.__setitem__(FAR, 1))
    assert run(settings, until="validate", workers=1, quiet=True) != 0
    row = _only(_report(settings), "cell_outside_answers")
    assert (row["file"], row["cell"], row["value"]) == ("data/raw/fixture/export.xlsx", FAR, "1")
    assert "not read" in row["message"]


def test_the_data_contract_states_the_limit():
    from pipeline.validate import DAMAGED_INPUT_CASES

    assert any(f"{workbook.MAX_SHEET_CELLS:,} cells" in case for case, *_ in DAMAGED_INPUT_CASES)


def test_the_farthest_values_are_dropped_until_the_rest_fits():
    cells = [(r, c, "x") for r in range(1, 76) for c in range(1, 8)]  # a sheet's 75 x 7 answers
    far, size = workbook._far_values([*cells, (1_000_000, 1, "a"), (1, 26, "z")])
    assert size == (1_000_000, 26) and far == [("A1000000", "a")]  # then 75 x 26
    assert workbook._far_values(cells) == ([], (75, 7))
    assert workbook._far_values([(1000, 1000, "x")]) == ([], (1000, 1000))  # exactly the limit
    assert workbook._far_values([(1000, 1001, "x")])[0] == [("ALM1000", "x")]


# ------------------------------------------------------------------------------------------------
# A reader that ends while reading a return


OOM = b"memory allocation of 549755813888 bytes failed\n"  # what calamine says before it aborts


def _abort_on(path_end: str):
    """``read_sheet_cells`` that ends its process on one return, as calamine does when an
    allocation fails (here killed, which leaves no core file)."""
    real = ingest.read_sheet_cells

    def read(path, *args, **kwargs):
        if str(path).endswith(path_end):
            os.write(2, OOM)
            os.kill(os.getpid(), signal.SIGKILL)
        return real(path, *args, **kwargs)

    return read


def test_a_return_that_ends_the_reader_is_reported_and_the_rest_read(make_project, monkeypatch):
    settings = _project(make_project)
    monkeypatch.setattr(ingest, "read_sheet_cells", _abort_on(FILE_A))
    report = _run_fails(settings)  # the report is rewritten; earlier outputs untouched
    row = _only(report, "file_unreadable")
    assert (row["file"], row["severity"]) == (FILE_A, "error")
    assert row["message"].startswith(
        "the file could not be read: the process reading it ended (memory allocation of "
        "549755813888 bytes failed; SIGKILL)"
    )
    assert set(report["rule"]) == {"file_unreadable"}  # the other four returns were read


def test_the_run_helper_survives_a_return_that_ends_its_reading(make_project, monkeypatch):
    """In a run, a helper process reads the returns: it hands back the finding, not its end."""
    settings = _project(make_project)
    monkeypatch.setattr(ingest, "read_sheet_cells", _abort_on(FILE_A))  # inherited by the fork
    helper = background.Helper()
    try:
        rows, problems = helper.submit(background.READ_RETURNS, settings).get()
    finally:
        helper.stop()
    assert [(p["file"], p["rule"]) for p in problems] == [(FILE_A, "file_unreadable")]
    assert {r["la_code"] for r in rows} == set(fw.LAS) - {A}


def test_why_a_reading_child_ended_is_said_in_a_few_words():
    rust = "memory allocation of 549755813888 bytes failed\nstack backtrace:\n   0: std::alloc::rust_oom\n"
    assert (
        ingest._why_ended(signal.SIGABRT, rust) == "memory allocation of 549755813888 bytes failed; SIGABRT"
    )
    python = 'Traceback (most recent call last):\n  File "x.py", line 1\nOSError: No space left on device\n'
    assert ingest._why_ended(1 << 8, python) == "OSError: No space left on device; exit code 1"
    assert ingest._why_ended(signal.SIGKILL, "") == "SIGKILL"
    warned_first = "UserWarning: a library's warning\n" + rust  # the warning is not the reason
    assert ingest._why_ended(signal.SIGABRT, warned_first).startswith("memory allocation of")


def test_reading_in_a_child_gives_the_same_result_and_its_errors(make_project):
    settings = _project(make_project)
    files = ingest.return_files(settings)
    read = ingest.functools.partial(
        ingest._read_one,
        codebook=settings.codebook,
        wave=settings.wave,
        root=settings.root,
        engine="calamine",
    )
    assert ingest._read_apart(files, read, settings.root) == [read(p) for p in files]

    def broken(path):
        raise KeyError("a bug, not a damaged return")

    with pytest.raises(KeyError, match="a bug"):  # a bug is raised, not reported as a return's problem
        ingest._read_apart(files, broken, settings.root)


# ------------------------------------------------------------------------------------------------
# Valid xlsx variants: attributes in any order, namespace prefixes


def _damage_four_ways(wb):
    """A formula, an Excel error value, a number formatted as a percentage and a merged answer
    range, as an LA could leave them in Excel."""
    wb["3 Costs"]["C7"] = "=1+2"
    wb["3 Costs"]["E7"] = "#N/A"
    cell = wb["4 SEN and SEMH"]["C26"]
    cell.value = 0.05
    cell.number_format = "0%"
    wb["3 Costs"].merge_cells("C8:D8")


def _reorder_attributes(name: str, data: bytes) -> bytes:
    """Every <sheet> of the workbook and <Relationship> of its relationships with its attributes
    in reverse order (r:id first, name last; Target before Id)."""
    if name not in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
        return data

    def reverse(m):
        attrs = re.findall(rb'[\w:]+="[^"]*"', m.group(2))
        return m.group(1) + b" " + b" ".join(reversed(attrs)) + m.group(3)

    return re.sub(rb"(<(?:sheet|Relationship))\s([^>]*?)(\s*/?>)", reverse, data)


MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS_NS = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _prefixed(data: bytes, prefix: bytes = b"x") -> bytes:
    """The spreadsheet elements with a namespace prefix (<x:worksheet>, <x:c>, <x:f>, ...)."""
    data = re.sub(rb"<(/?)(?![\w.-]+:)([A-Za-z_][\w.-]*)(?=[\s/>])", rb"<\1" + prefix + rb":\2", data)
    return data.replace(b'xmlns="' + MAIN_NS + b'"', b"xmlns:" + prefix + b'="' + MAIN_NS + b'"')


def _prefix_everything(name: str, data: bytes) -> bytes:
    """As the Open XML SDK writes: x: on the elements of the workbook, its styles and sheets; and
    here the relationship id attribute with another prefix than r: (rel:id)."""
    if name == "xl/workbook.xml":
        data = data.replace(b'xmlns:r="' + RELATIONSHIPS_NS + b'"', b'xmlns:rel="' + RELATIONSHIPS_NS + b'"')
        return _prefixed(re.sub(rb"\br:id=", b"rel:id=", data))
    if name == "xl/styles.xml" or name.startswith("xl/worksheets/"):
        return _prefixed(data)
    return data


def _rewrite(path, change) -> None:
    """Rewrite the parts of an xlsx file: ``change(name, bytes) -> bytes``."""
    with zipfile.ZipFile(path) as zin:
        parts = [(info, change(info.filename, zin.read(info.filename))) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in parts:
            zout.writestr(info, data)


def _read(path, member: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(member)


VARIANTS = {
    "as_openpyxl_writes": None,
    "attributes_reordered": _reorder_attributes,
    "prefixed_elements": _prefix_everything,
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_formula_error_percent_and_merged_cells_in_xml_variants(make_project, variant):
    settings = _project(make_project)
    path = settings.root / FILE_A
    _edit(settings, FILE_A, _damage_four_ways)
    if VARIANTS[variant] is not None:
        before = workbook.read_sheet_cells(path)
        _rewrite(path, VARIANTS[variant])
        assert workbook.read_sheet_cells(path) == before  # the same workbook for the reader
    if variant == "attributes_reordered":
        assert b'<sheet r:id="' in _read(path, "xl/workbook.xml")
    if variant == "prefixed_elements":
        assert b"<x:f>" in _read(path, _member(path, "3 Costs"))
    assert run(settings, until="validate", workers=1, quiet=True) != 0
    report = _report(settings)
    found = {(r.rule, r.sheet, r.cell, r.severity) for r in report.itertuples() if r.file == FILE_A}
    assert found == {
        ("formula", "3 Costs", "C7", "error"),
        ("excel_error", "3 Costs", "E7", "error"),
        ("percent_sign", "4 SEN and SEMH", "C26", "warning"),
        ("merged_cells", "3 Costs", "C8:D8", "error"),
    }


def _member(path, sheet: str) -> str:
    """The zip member of a sheet (found with an XML parser: any attribute order or prefix)."""
    from xml.etree import ElementTree as ET

    with zipfile.ZipFile(path) as zf:
        wb = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    rid_key = "{" + RELATIONSHIPS_NS.decode() + "}id"
    rid = next(e.get(rid_key) for e in wb.iter() if e.tag.endswith("sheet") and e.get("name") == sheet)
    target = next(e.get("Target") for e in rels if e.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def test_workbook_parts_parsed_whatever_the_quotes_prefixes_and_order():
    wb = (
        b"<?xml version='1.0'?><x:workbook xmlns:x='http://schemas.openxmlformats.org/spreadsheetml/2006/main'"
        b" xmlns:o='http://schemas.openxmlformats.org/officeDocument/2006/relationships'><x:sheets>"
        b"<x:sheet o:id='rId2' sheetId='1' name='Costs &amp; &#8220;more&#8221;'/>"
        b'<x:sheet\n name="Cover"\n o:id = "rId1" sheetId="2" /></x:sheets></x:workbook>'
    )
    rels = (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b"<Relationship Target='/xl/worksheets/b.xml' Type='t' Id='rId2'/>"
        b'<Relationship Id="rId1" Target="worksheets/../worksheets/a.xml" Type="t"/></Relationships>'
    )
    assert workbook._sheet_members(wb, rels) == (
        ("Costs & \u201cmore\u201d", "xl/worksheets/b.xml"),
        ("Cover", "xl/worksheets/a.xml"),
    )
    styles = (
        b'<x:styleSheet xmlns:x="m"><x:numFmts><x:numFmt formatCode="0.0%" numFmtId="164"/></x:numFmts>'
        b'<x:cellStyleXfs><x:xf numFmtId="9"/></x:cellStyleXfs><x:cellXfs count="4"><x:xf numFmtId="0"/>'
        b'<x:xf numFmtId=\'10\'/><x:xf applyNumberFormat="1" numFmtId="164"><x:alignment/></x:xf>'
        b'<x:xf numFmtId="3"/></x:cellXfs></x:styleSheet>'
    )
    assert workbook._percent_styles(styles) == frozenset({"1", "2"})


# ------------------------------------------------------------------------------------------------
# An old .xls workbook renamed .xlsx


def _compound_file(streams: list[str]) -> bytes:
    """A minimal OLE compound file (MS-CFB, version 3) with empty streams of these names: the
    container of an old .xls workbook (stream 'Workbook') or of an encrypted .xlsx."""
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    u32 = lambda n: n.to_bytes(4, "little")  # noqa: E731
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\0" * 16
        + (0x3E).to_bytes(2, "little")
        + (3).to_bytes(2, "little")
        + bytes.fromhex("FEFF")
        + (9).to_bytes(2, "little")  # 512-byte sectors
        + (6).to_bytes(2, "little")
        + b"\0" * 6
        + u32(0)  # directory sectors (version 3: 0)
        + u32(1)  # FAT sectors
        + u32(1)  # first directory sector
        + u32(0)
        + u32(4096)
        + u32(end)  # no mini FAT
        + u32(0)
        + u32(end)  # no DIFAT sectors
        + u32(0)
        + u32(0)  # the FAT is sector 0
        + u32(free) * 108
    )
    fat = u32(fat_sector) + u32(end) + u32(free) * 126

    def entry(name: str, kind: int, child: int = free, right: int = free) -> bytes:
        encoded = name.encode("utf-16-le")
        return (
            encoded
            + b"\0" * (64 - len(encoded))
            + (len(encoded) + 2).to_bytes(2, "little")
            + bytes([kind, 1])  # stream or root; black
            + u32(free)
            + u32(right)
            + u32(child)
            + b"\0" * 36
            + u32(end)  # no sectors: empty
            + u32(0) * 2
        )

    entries = [entry("Root Entry", 5, child=1 if streams else free)]
    entries += [entry(n, 2, right=i + 2 if i + 1 < len(streams) else free) for i, n in enumerate(streams)]
    directory = b"".join(entries)
    directory += b"\0" * (512 - len(directory))
    return header + fat + directory


def test_an_old_xls_renamed_xlsx_is_unreadable_not_encrypted(make_project):
    settings = _project(make_project)
    (settings.root / FILE_A).write_bytes(_compound_file(["Workbook", "\x05SummaryInformation"]))
    report = _run_fails(settings)
    row = _only(report, "file_unreadable")
    assert row["file"] == FILE_A
    assert ".xls" in row["message"] and "save it as" in row["message"]
    assert set(_errors(report)["rule"]) == {"file_unreadable"}


def test_an_encrypted_container_is_still_encrypted(tmp_path):
    path = tmp_path / "locked.xlsx"
    path.write_bytes(_compound_file(["EncryptionInfo", "EncryptedPackage"]))
    assert workbook.is_encrypted_ooxml(path)
    with pytest.raises(workbook.FileProblem) as info:
        workbook.check_file(path)
    assert info.value.rule == "file_encrypted"
    path.write_bytes(_compound_file(["Workbook"]))
    assert not workbook.is_encrypted_ooxml(path)


def test_the_compound_files_are_valid():
    """olefile (a dependency of msoffcrypto-tool) reads the hand-made containers."""
    olefile = pytest.importorskip("olefile")
    import io

    ole = olefile.OleFileIO(io.BytesIO(_compound_file(["Workbook", "\x05SummaryInformation"])))
    assert sorted(e[0] for e in ole.listdir()) == ["\x05SummaryInformation", "Workbook"]


def test_a_filled_down_far_column_is_a_few_findings_not_one_per_cell(make_project):
    """Zeros filled down Z2000:Z42000 of one sheet: 26 x 42,000 cells from A1, over the limit. The
    far values are those below row 1,000,000 / 26 = 38,461 (rows 38,462-42,000: 3,539 values); the
    first five are named, the other 3,534 go in one finding over their range."""
    settings = _project(make_project)

    def fill(wb):
        ws = wb["3 Costs"]
        for r in range(2000, 42001):
            ws.cell(r, 26, 0)

    _edit(settings, FILE_A, fill)
    report = _run_fails(settings)
    far = report[report["rule"] == "cell_outside_answers"]
    assert len(far) == 6
    summary = far[far["cell"].str.contains(":")]
    assert len(summary) == 1
    assert "3,534 more values" in summary.iloc[0]["message"]
    assert summary.iloc[0]["cell"] == "Z38467:Z42000"


# ------------------------------------------------------------------------------------------------
# Number cells whose value is not a number (written by hand or by a converter)


def _set_number_cell(path, sheet: str, ref: str, text: str) -> None:
    member = _member(path, sheet)
    cell = f'<c r="{ref}" t="n"><v>{text}</v></c>'.encode()
    pattern = re.compile(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', re.S)

    def change(name, data):
        if name != member:
            return data
        new, n = pattern.subn(cell, data, count=1)
        assert n == 1
        return new

    _rewrite(path, change)


def test_a_number_cell_holding_nan_is_a_type_error_not_a_blank(make_project):
    settings = _project(make_project)
    _set_number_cell(settings.root / FILE_A, "2 Provision", "C19", "NaN")  # PRU providers
    row = _only(_run_fails(settings), "type")
    assert (row["sheet"], row["cell"], row["value"]) == ("2 Provision", "C19", "NaN")


def test_a_number_cell_holding_text_is_named_though_the_workbook_cannot_be_read(make_project):
    settings = _project(make_project)
    _set_number_cell(settings.root / FILE_A, "2 Provision", "C19", "twelve")
    report = _run_fails(settings)
    row = _only(report, "type")
    assert (row["file"], row["sheet"], row["cell"], row["value"]) == (FILE_A, "2 Provision", "C19", "twelve")
    assert "file_unreadable" not in set(report["rule"])
