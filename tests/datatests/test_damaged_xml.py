"""Damaged returns at the level of the file's XML and container: an old .xls renamed .xlsx is not
an encrypted workbook but an unreadable one."""

from __future__ import annotations

import pytest

from pipeline import workbook

from .test_bad_input import FILE_A, _errors, _only, _project, _run_fails

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
