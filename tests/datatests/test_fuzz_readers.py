"""Fuzz test of the readers: damaged workbooks and exports end in findings, never in an exception.

Property-based (hypothesis), bounded (a fixed number of examples, derandomised so that CI sees the
same cases every run). Each example damages a valid fixture return or export in a way real files
are damaged (cells overwritten with odd values, rows/columns inserted, sheets renamed or dropped,
merged cells, percentage formats, truncated or flipped bytes, junk CSV) and runs the reader and
the whole validation on it. Every problem must carry a file and a rule that
config/validation.yaml knows.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import public
from pipeline.config import Settings
from pipeline.ingest import read_export, read_return_workbook
from pipeline.validate import validate
from pipeline.workbook import COVER_SHEET, EXCEL_ERRORS

from ..fixtures import fixture_wave as fw

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
SECTION_SHEETS = ["1 Purpose", "2 Provision", "3 Costs", "4 SEN and SEMH", "6 Pupils in AP"]


@pytest.fixture(scope="module")
def wave(tmp_path_factory):
    """A valid fixture return (bytes), the fixture export (text), and what validation needs."""
    return _Wave(_wave(tmp_path_factory.mktemp("fuzz")))


class _Wave(dict):
    """Short repr: hypothesis prints the arguments of a failing example."""

    def __repr__(self) -> str:
        return "<fixture wave>"


def _wave(out):
    real = Settings("2018")
    path = fw.write_workbooks(real.codebook, out, wave="2018")[0]
    export = fw.write_csv_export(real.codebook, out / "export.csv")
    return {
        "root": out,
        "workbook": path.read_bytes(),
        "export": export.read_text(encoding="utf-8"),
        "codebook": real.codebook,
        "frame": public.la_frame(real),
        "severity": real.validation["severity"],
    }


cell_values = st.one_of(
    st.none(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.sampled_from([*EXCEL_ERRORS, "5%", "=1+2", "-", "+44", "@x", " ", "Yes", "Agree", "£17,000", "1e309"]),
    st.text(max_size=30),
)

damage_ops = st.one_of(
    st.tuples(
        st.just("cell"),
        st.sampled_from([*SECTION_SHEETS, COVER_SHEET]),
        st.integers(1, 80),
        st.integers(1, 9),
        cell_values,
    ),
    st.tuples(st.just("insert_row"), st.sampled_from(SECTION_SHEETS), st.integers(1, 60)),
    st.tuples(st.just("insert_col"), st.sampled_from(SECTION_SHEETS), st.integers(1, 8)),
    st.tuples(st.just("merge"), st.sampled_from(SECTION_SHEETS), st.integers(3, 60), st.integers(1, 7)),
    st.tuples(st.just("percent"), st.sampled_from(SECTION_SHEETS), st.integers(3, 60), st.integers(3, 7)),
    st.tuples(
        st.just("rename"),
        st.sampled_from(SECTION_SHEETS),
        st.text(min_size=1, max_size=20).filter(lambda s: not set(s) & set("[]:*?/\\'")),
    ),
    st.tuples(st.just("drop"), st.sampled_from([*SECTION_SHEETS, COVER_SHEET])),
)


def _damage(workbook: bytes, ops) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(workbook))
    for op in ops:
        kind, sheet = op[0], op[1]
        if sheet not in wb.sheetnames:
            continue
        ws = wb[sheet]
        if kind == "cell":
            try:
                ws.cell(row=op[2], column=op[3]).value = op[4]
            except Exception:  # noqa: BLE001 - openpyxl refuses some text (control characters)
                continue
        elif kind == "insert_row":
            ws.insert_rows(op[2])
        elif kind == "insert_col":
            ws.insert_cols(op[2])
        elif kind == "merge":
            ws.merge_cells(start_row=op[2], start_column=op[3], end_row=op[2], end_column=op[3] + 1)
        elif kind == "percent":
            ws.cell(row=op[2], column=op[3]).number_format = "0.0%"
        elif kind == "rename" and op[2].strip() and op[2] not in wb.sheetnames:
            try:
                ws.title = op[2]
            except ValueError:
                continue
        elif kind == "drop" and len(wb.sheetnames) > 1:
            del wb[sheet]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _assert_findings_only(rows, problems, wave):
    import pandas as pd

    from pipeline.ingest import READER_COLUMNS, response_columns

    raw = pd.DataFrame(rows, columns=response_columns(wave["codebook"]) + READER_COLUMNS)
    _, report, _ = validate(raw, problems, wave["frame"], wave["codebook"], wave["severity"])
    if len(report):
        assert set(report["rule"]) <= set(wave["severity"]), set(report["rule"]) - set(wave["severity"])
        assert (report["file"] != "").all()
        assert (report["message"] != "").all()
    return report


@settings(FUZZ, max_examples=25)  # each example saves a workbook with openpyxl (~0.3 s)
@given(ops=st.lists(damage_ops, min_size=1, max_size=4))
def test_damaged_workbooks_end_in_findings(wave, ops):
    path = wave["root"] / "damaged.xlsx"
    path.write_bytes(_damage(wave["workbook"], ops))
    rows, problems = read_return_workbook(path, wave["codebook"], "2018", wave["root"])
    _assert_findings_only(rows, problems, wave)


@FUZZ
@given(
    cut=st.integers(0, 10_000),
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
)
def test_broken_bytes_end_in_findings(wave, cut, flips):
    data = bytearray(wave["workbook"])
    for at, byte in flips:
        data[at % len(data)] = byte
    if cut:
        data = data[: max(1, len(data) - cut)]
    path = wave["root"] / "broken.xlsx"
    path.write_bytes(bytes(data))
    rows, problems = read_return_workbook(path, wave["codebook"], "2018", wave["root"])
    _assert_findings_only(rows, problems, wave)


csv_cells = st.one_of(
    st.sampled_from(
        ["", "0", "12", "-3", "5%", "#N/A", "Yes", "yes", "x", "=1+2", "1.5", "E09000002", "E99999999"]
    ),
    st.text(max_size=12),
)


@FUZZ
@given(
    keep=st.lists(st.integers(0, 400), max_size=6),
    extra_header=st.lists(st.text(max_size=10), max_size=3),
    edits=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 400), csv_cells), max_size=10),
    junk=st.binary(max_size=40),
)
def test_damaged_exports_end_in_findings(wave, keep, extra_header, edits, junk):
    import csv

    table = list(csv.reader(io.StringIO(wave["export"])))
    header = table[0]
    for j in keep:  # repeat some columns
        header.append(header[j % len(header)])
    header += extra_header
    for r, j, value in edits:
        row = table[r % len(table)]
        row += [""] * (len(header) - len(row))
        row[j % len(header)] = value
    buf = io.StringIO()
    csv.writer(buf).writerows(table)
    path = wave["root"] / "export_damaged.csv"
    path.write_bytes(buf.getvalue().encode("utf-8", "surrogatepass") + junk)
    rows, problems = read_export(path, wave["codebook"], "2018", wave["root"])
    _assert_findings_only(rows, problems, wave)
