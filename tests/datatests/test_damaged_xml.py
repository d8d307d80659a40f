"""Damaged returns at the level of the file's XML: valid xlsx variants whose XML is written
differently (attributes in another order, namespace prefixes on elements, as the Open XML SDK writes
them), and an old .xls renamed .xlsx. Each is a located finding, never a silently missed formula,
error value, percentage or merged range."""

from __future__ import annotations

import re
import zipfile

import pytest

from pipeline import workbook
from pipeline.run import run

from .test_bad_input import FILE_A, _errors, _only, _project, _report, _run_fails
from .test_damaged_returns import _edit

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
