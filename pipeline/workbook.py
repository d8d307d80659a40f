"""The per-LA return workbook: its layout, the blank template, and reading it back.

The layout is a pure function of the codebook, so the writer (template, generator) and the
reader always agree on which cell holds which answer.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from .codebook import TOTAL, Codebook, Item, Question

COVER_SHEET = "Cover"
INSTRUCTIONS_SHEET = "Instructions"
LISTS_SHEET = "Lists"
LA_CODE_CELL = "C4"
LA_NAME_CELL = "C5"
WAVE_CELL = "C6"
FIRST_BLOCK_ROW = 4
FIRST_INPUT_COL = 3  # column C
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def col_letter(col: int) -> str:
    """1 -> A, 27 -> AA."""
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_ref(row: int, col: int) -> str:
    return f"{col_letter(col)}{row}"


@lru_cache(maxsize=4096)
def _parsed(ref: str) -> tuple[int, int]:
    return parse_ref(ref)


def parse_ref(ref: str) -> tuple[int, int]:
    """'C4' -> (4, 3)."""
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    if not m:
        raise ValueError(f"not a cell reference: {ref}")
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


@dataclass(frozen=True)
class LabelCell:
    row: int
    col: int
    text: str
    style: str  # question | help | header | row


@dataclass(frozen=True)
class InputCell:
    row: int
    col: int
    item: Item
    question: Question
    ref: str = ""  # A1 reference, filled in from row and col

    def __post_init__(self):
        object.__setattr__(self, "ref", cell_ref(self.row, self.col))


@dataclass(frozen=True)
class SheetLayout:
    name: str
    title: str
    labels: tuple[LabelCell, ...]
    inputs: tuple[InputCell, ...]
    question_rows: tuple[tuple[int, str], ...]  # (row, question id) written in hidden column A


def _label(codebook: Codebook, dim: str, value: str) -> str:
    if value == TOTAL:
        return "Total"
    return codebook.dimensions[dim].labels[value]


def section_layout(codebook: Codebook, section_id: str) -> SheetLayout:
    """Where every label and answer cell of one section sheet goes."""
    section = codebook.sections[section_id]
    labels: list[LabelCell] = []
    inputs: list[InputCell] = []
    qrows: list[tuple[int, str]] = []
    row = FIRST_BLOCK_ROW
    for q in codebook.questions_in(section_id):
        qrows.append((row, q.id))
        labels.append(LabelCell(row, 2, f"{q.number}  {q.text}", "question"))
        row += 1
        if q.help:
            labels.append(LabelCell(row, 2, q.help, "help"))
            row += 1
        if not q.dimensions:
            labels.append(LabelCell(row, 2, "Answer", "row"))
            inputs.append(InputCell(row, FIRST_INPUT_COL, q.items[0], q))
            row += 1
        elif len(q.dimensions) == 1:
            for it in q.items:
                ((d, v),) = it.dims
                labels.append(LabelCell(row, 2, _label(codebook, d, v), "row"))
                inputs.append(InputCell(row, FIRST_INPUT_COL, it, q))
                row += 1
        else:
            d1, d2 = q.dimensions
            cols = codebook.dimensions[d2].values
            for j, c in enumerate(cols):
                labels.append(LabelCell(row, FIRST_INPUT_COL + j, _label(codebook, d2, c), "header"))
            row += 1
            current = None
            for it in q.items:
                r, c = it.dims[0][1], it.dims[1][1]
                if r != current:
                    if current is not None:
                        row += 1
                    current = r
                    labels.append(LabelCell(row, 2, _label(codebook, d1, r), "row"))
                inputs.append(InputCell(row, FIRST_INPUT_COL + cols.index(c), it, q))
            row += 1
        row += 1  # blank row between questions
    # Every answer row also carries its question id in column A, so an inserted or deleted row
    # anywhere in the sheet is detected rather than misread.
    rows_with_ids = dict(qrows)
    for inp in inputs:
        rows_with_ids.setdefault(inp.row, inp.item.question_id)
    qrows = sorted(rows_with_ids.items())
    return SheetLayout(section.sheet, section.title, tuple(labels), tuple(inputs), tuple(qrows))


@lru_cache(maxsize=8)
def workbook_layout(codebook: Codebook) -> list[SheetLayout]:
    """Layouts of every section sheet (cached: the same codebook always gives the same layout)."""
    return [section_layout(codebook, s) for s in codebook.sections]


def expected_sheets(codebook: Codebook) -> list[str]:
    return [COVER_SHEET, INSTRUCTIONS_SHEET, LISTS_SHEET] + [s.sheet for s in codebook.sections.values()]


# ------------------------------------------------------------------------------------------------
# Reading


@dataclass(frozen=True)
class CellValue:
    """A non-empty cell as read: its canonical text and the kind of cell it came from."""

    text: str
    kind: str  # number | text | bool | date | error (an Excel error value such as #N/A)


def canonical(value) -> CellValue | None:
    """Turn a cell value into canonical text; None for an empty cell.

    Integral floats lose their '.0' so that 12 typed in Excel and '12' in a CSV agree.
    """
    try:  # returns repeat the same few values (0, yes, no, ...): each converted once
        return _canonical(value)
    except TypeError:  # an unhashable value
        return _canonical.__wrapped__(value)


@lru_cache(maxsize=1 << 16, typed=True)  # typed: True, 1 and 1.0 are different cells
def _canonical(value) -> CellValue | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return CellValue("TRUE" if value else "FALSE", "bool")
    if isinstance(value, int):
        return CellValue(str(value), "number")
    if isinstance(value, float):
        if value != value:  # NaN: a number cell holding the text 'NaN' (no reader gives it for empty)
            return CellValue("NaN", "text")
        return CellValue(str(int(value)) if value.is_integer() else repr(value), "number")
    if hasattr(value, "isoformat"):
        return CellValue(value.isoformat(), "date")
    text = str(value).strip()
    if text.upper() in _ERRORS:
        return CellValue(text.upper(), "error")
    return CellValue(text, "text") if text else None


def percent_typed(cv: CellValue) -> CellValue:
    """A number shown as a percentage (Excel stores a typed "5%" as 0.05) -> the text "5%"."""
    x = Decimal(cv.text) * 100
    text = format(x.normalize(), "f") if x != x.to_integral_value() else str(int(x))
    return CellValue(f"{text}%", "text")


class FileProblem(Exception):
    """A whole file cannot be read; ``rule`` names the validation rule broken."""

    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule


def check_file(path: Path) -> None:
    """Reject files that are not readable xlsx workbooks before opening them."""
    if path.suffix.lower() != ".xlsx":
        raise FileProblem("file_unexpected_type", f"not an .xlsx workbook ({path.suffix or 'no extension'})")
    size = path.stat().st_size
    if size == 0:
        raise FileProblem("file_empty", "the file is empty (0 bytes)")
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head == OLE_MAGIC:
        if is_encrypted_ooxml(path):
            raise FileProblem(
                "file_encrypted",
                "the workbook is password-protected: save it as an unprotected .xlsx",
            )
        raise FileProblem(
            "file_unreadable",
            "the file is an old Excel 97-2003 workbook (.xls) or another OLE file, not an .xlsx: "
            "open it in Excel and save it as an Excel Workbook (.xlsx)",
        )
    if not head.startswith(b"PK"):
        raise FileProblem(
            "file_unreadable", "the file is not a valid .xlsx workbook (corrupt or another format)"
        )


# The name of the stream that an encrypted OOXML file (an OLE compound file, MS-OFFCRYPTO) holds
# beside its EncryptedPackage, as a directory entry stores it: UTF-16LE, then the entry's name
# length in bytes (terminating null included) 64 bytes into the 128-byte entry.
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
_ENCRYPTION_INFO_LENGTH = (2 * len("EncryptionInfo\0")).to_bytes(2, "little")


def is_encrypted_ooxml(path: Path) -> bool:
    """Whether an OLE compound file is an encrypted (password-protected) OOXML workbook: its
    directory has an entry named 'EncryptionInfo'. An old .xls workbook (streams 'Workbook',
    'SummaryInformation', ...) has none. Directory entries are 128 bytes long and start on a
    multiple of 128 bytes in the file (sectors are 512 or 4096 bytes, after a 512-byte header)."""
    data = path.read_bytes()
    at = data.find(_ENCRYPTION_INFO)
    while at != -1:
        if at % 128 == 0 and data[at + 64 : at + 66] == _ENCRYPTION_INFO_LENGTH:
            return True
        at = data.find(_ENCRYPTION_INFO, at + 1)
    return False


EXCEL_ERRORS = (
    "#N/A",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "#SPILL!",
    "#CALC!",
    "#GETTING_DATA",
)
_ERRORS = frozenset(EXCEL_ERRORS)
_BUILTIN_PERCENT_FORMATS = {"9", "10"}  # 0% and 0.00%


# The largest sheet given to the xlsx reader, counted as rows x columns from A1: calamine holds a
# sheet as a dense grid (and the checks walk it), so one value in Excel's last cell, XFD1048576,
# asks for 17 billion cells and ends the process. The template's sheets are under 100 rows x 21
# columns and an export of 153 LAs x 320 items is 154 x 322; a million cells (tens of MB while
# read) is far above both. A larger sheet is not read: the values that make it so are reported.
MAX_SHEET_CELLS = 1_000_000
# A sheet is certainly within MAX_SHEET_CELLS if its last row is at most MAX_SHEET_CELLS // 16,384
# (a value even in Excel's last column, XFD, fits), or at most _SURE_ROWS while its cell references
# have at most two column letters (up to ZZ, column 702); only another sheet is looked at cell by
# cell. Most sheets of a return have fewer than 61 rows: their cells are not searched at all.
_SURE_ROWS = MAX_SHEET_CELLS // 702
_SURE_ROWS_ANY_COLUMN = MAX_SHEET_CELLS // 16_384


@dataclass
class SheetFacts:
    """What the cell values alone do not show: formulas, Excel error values, merged ranges and
    cells formatted as percentages (where Excel stores a typed "5%" as 0.05); and whether the sheet
    is too large to read (``far``)."""

    formulas: list[str]
    errors: dict[str, str]  # cell -> error text such as '#N/A'
    merged: list[str]  # ranges such as 'C7:D7'
    percent: set[str]  # cells with a percentage number format
    # (cell, value) of the values farthest from A1 that make the sheet larger than MAX_SHEET_CELLS
    # (none: the sheet is read); ``size`` is then its rows and columns from A1
    far: list[tuple[str, str]] = field(default_factory=list)
    size: tuple[int, int] = (0, 0)


_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')
# the root element of a sheet part, with the namespace prefix its elements carry: none as Excel
# and openpyxl write them (<worksheet>, <c>), or e.g. 'x:' as the Open XML SDK does (<x:c>)
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?(?:worksheet|dialogsheet|macrosheet|chartsheet)[\s>/]")
# a cell reference with three or more column letters (column AAA, 703, or beyond); no leading \b:
# the literal start keeps the search fast
_WIDE_REF = re.compile(rb'r="[A-Z]{3}')


@dataclass(frozen=True)
class _SheetPatterns:
    """The searches of a sheet part whose elements carry one namespace prefix ('' or e.g. 'x:')."""

    formula_cell: re.Pattern
    formula_tag: re.Pattern
    error_tag: re.Pattern
    cell_end: bytes
    value: re.Pattern
    merge: re.Pattern
    data_start: bytes
    data_end: bytes
    row_tag: bytes
    row_r: re.Pattern


@lru_cache(maxsize=8)
def _sheet_patterns(prefix: bytes) -> _SheetPatterns:
    p = re.escape(prefix)
    return _SheetPatterns(
        formula_cell=re.compile(rb"<" + p + rb'c\b[^>]*?\br="([A-Z]+[0-9]+)"[^>]*>\s*<' + p + rb"f[\s>/]"),
        formula_tag=re.compile(rb"<" + p + rb"f[\s>/]"),
        error_tag=re.compile(rb"<" + p + rb'c\b[^>]*?\bt="e"[^>]*>'),
        cell_end=b"</" + prefix + b"c>",
        value=re.compile(rb"<" + p + rb"v(?:\s[^>]*)?>(.*?)</" + p + rb"v>", re.S),
        merge=re.compile(rb"<" + p + rb'mergeCell\b[^>]*?\bref="([^"]+)"'),
        data_start=b"<" + prefix + b"sheetData",
        data_end=b"</" + prefix + b"sheetData>",
        row_tag=b"<" + prefix + b"row",
        row_r=re.compile(rb"<" + p + rb'row\b[^>]*?\br="([0-9]+)"'),
    )


def _sheet_facts(xml: bytes, percent_styles: frozenset[str], shared=None) -> SheetFacts:
    """Targeted searches only (most sheets have none of these): reading is on the run's clock.

    ``shared()`` gives the workbook's shared strings (only a sheet too large to read needs them,
    to report its far values)."""
    root = _ROOT.search(xml)  # the first element: found at once
    prefix = (root.group(1) or b"") if root else b""
    pat = _sheet_patterns(prefix)
    facts = SheetFacts([], {}, [], set())
    start, end = xml.find(pat.data_start), xml.rfind(pat.data_end)
    if 0 <= start < end:  # merged ranges come after the cells (the schema's order): no need to search them
        found = pat.merge.findall(xml, 0, start) + pat.merge.findall(xml, end)
    else:
        found = pat.merge.findall(xml)
    facts.merged = [m.decode() for m in found]
    if pat.formula_tag.search(xml):  # a cheap scan first: the cell-by-cell pattern is slow
        facts.formulas = [r.decode() for r in pat.formula_cell.findall(xml)]
    if b't="e"' in xml:
        for m in pat.error_tag.finditer(xml):
            ref = _REF.search(m.group(0))
            if not ref:
                continue
            v = None
            if not m.group(0).endswith(b"/>"):  # an empty cell has no value: read as #N/A
                close = xml.find(pat.cell_end, m.end())
                v = pat.value.search(xml, m.end(), close if close != -1 else len(xml))
            facts.errors[ref.group(1).decode()] = (
                _unescape(v.group(1).decode("utf-8", "replace")) if v else "#N/A"
            )
    styles = [f's="{i}"'.encode() for i in percent_styles]
    if any(st in xml for st in styles):
        for tag in _percent_cell_tag(prefix, percent_styles).findall(xml):
            ref = _REF.search(tag)
            if ref:
                facts.percent.add(ref.group(1).decode())
    if 0 <= start < end and _maybe_too_large(xml, pat, start, end):
        facts.far, facts.size = _far_values(_cells_by_position(xml, shared))
    return facts


def _maybe_too_large(xml: bytes, pat: _SheetPatterns, start: int, end: int) -> bool:
    """Whether the sheet may hold more than MAX_SHEET_CELLS cells from A1; false only when it
    certainly does not. Rows come in ascending order (as the format requires), so the last row
    element has the largest row number."""
    last = xml.rfind(pat.row_tag, start, end)
    if last == -1:
        return False
    row = pat.row_r.match(xml, last)
    if row is None:  # a row without its number: look closer
        return True
    rows = int(row.group(1))
    if rows <= _SURE_ROWS_ANY_COLUMN:
        return False
    return rows > _SURE_ROWS or _WIDE_REF.search(xml, start, end) is not None


def _cells_by_position(data: bytes, shared=None) -> list[tuple[int, int, str]]:
    """(row, column, value) of every cell with a value in a sheet part, as the reader places it (a
    cell or row without its reference follows the one before), parsed with an XML parser: only for
    a sheet that may be too large to read, so speed does not matter here."""
    import io
    from xml.etree import ElementTree

    out: list[tuple[int, int, str]] = []
    row = col = 0
    for event, el in ElementTree.iterparse(io.BytesIO(data), events=("start", "end")):
        name = _local(el)
        if event == "start":
            if name == "row":
                r = el.get("r", "")
                row, col = (int(r) if r.isdigit() else row + 1), 0
            continue
        if name == "c":
            ref = el.get("r", "")
            try:
                at_row, col = parse_ref(ref)
            except ValueError:  # no (usable) reference: the next cell of the row
                at_row, col = row, col + 1
            text = _cell_text(el, shared)
            if text is not None:
                out.append((at_row, col, text))
            el.clear()
        elif name == "row":
            el.clear()
    return out


def _cell_text(cell, shared=None) -> str | None:
    """The value of a parsed <c> element as text; None where the reader sees no value (no value
    element, or an empty one)."""
    value = inline = None
    for child in cell:
        name = _local(child)
        if name == "v":
            value = child.text or ""
        elif name == "is":
            inline = "".join(t.text or "" for t in child.iter() if _local(t) == "t")
    if inline is not None:
        return inline
    if not value:
        return None
    kind = cell.get("t", "n")
    if kind == "s" and shared is not None:
        strings = shared()
        i = int(value) if value.strip().isdigit() else -1
        return strings[i] if 0 <= i < len(strings) else value
    if kind == "b":
        return "TRUE" if value.strip() == "1" else "FALSE"
    return value


def _far_values(cells: list[tuple[int, int, str]]) -> tuple[list[tuple[str, str]], tuple[int, int]]:
    """The values that make a sheet larger than MAX_SHEET_CELLS (rows x columns from A1), farthest
    first (by the area from A1 to each), up to where the rest fits; and the sheet's size."""
    if not cells:
        return [], (0, 0)
    size = (max(r for r, _, _ in cells), max(c for _, c, _ in cells))
    if size[0] * size[1] <= MAX_SHEET_CELLS:
        return [], size
    order = sorted(cells, key=lambda x: (x[0] * x[1], x[0], x[1]), reverse=True)
    rest_rows, rest_cols = [0] * (len(order) + 1), [0] * (len(order) + 1)  # extent of order[k:]
    for k in range(len(order) - 1, -1, -1):
        rest_rows[k] = max(rest_rows[k + 1], order[k][0])
        rest_cols[k] = max(rest_cols[k + 1], order[k][1])
    cut = next(k for k in range(len(order) + 1) if rest_rows[k] * rest_cols[k] <= MAX_SHEET_CELLS)
    far = sorted(order[:cut])
    return [(cell_ref(r, c), text) for r, c, text in far], size


@lru_cache(maxsize=16)
def _percent_cell_tag(prefix: bytes, percent_styles: frozenset[str]) -> re.Pattern:
    """Cell tags whose style attribute is one of the percentage styles."""
    alternatives = "|".join(re.escape(i) for i in sorted(percent_styles)).encode()
    return re.compile(b"<" + re.escape(prefix) + rb'c\b[^>]*?\bs="(?:' + alternatives + rb')"[^>]*>')


# ------------------------------------------------------------------------------------------------
# The workbook's parts (xl/workbook.xml, its relationships, xl/styles.xml): small, so parsed
# tag by tag with attributes in any order, single or double quotes, and any namespace prefix


_NAME = re.compile(r"[A-Za-z_][\w.-]*")


@lru_cache(maxsize=16)
def _tag_pattern(local: str) -> re.Pattern:
    """The local name, then the start tag's attributes (quoted values may hold '>'); the name
    first, so that the search looks for it as a literal (a leading '<' and prefix are checked
    apart: they would make the search try every '<')."""
    return re.compile(local + r"""(?=[\s/>])([^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*)>""")


def _start_tags(xml: str, local: str):
    """The start tags of the elements of that local name, any prefix (matches: group 1 holds the
    attributes)."""
    for m in _tag_pattern(local).finditer(xml):
        at = m.start()
        before = xml[at - 1] if at else ""
        if before == ":":  # '<prefix:name'
            opening = xml.rfind("<", 0, at)
            if opening == -1 or not _NAME.fullmatch(xml, opening + 1, at - 1):
                continue
        elif before != "<":  # part of another name, or an end tag
            continue
        yield m


def _tags(xml: str, local: str, *names: str) -> list[dict[str, str]]:
    """The named attributes (those present) of every element of that local name, any prefix; a
    name '*:id' stands for an 'id' attribute with any prefix (r:id as Excel writes it)."""
    patterns = [(name, _attr_pattern(name).search) for name in names]
    out = []
    for m in _start_tags(xml, local):
        text, attrs = m[1], {}
        for name, search in patterns:
            found = search(text)
            if found:
                attrs[name] = _unescape(found[1] or found[2] or "")  # double or single quotes
        out.append(attrs)
    return out


@lru_cache(maxsize=16)
def _attr_pattern(name: str) -> re.Pattern:
    """An attribute and its value; the name first, as a literal (fast), then a look back that it
    is the whole name ('*:id': any prefix, then ':id')."""
    whole = re.escape(name) + r"(?<![\w:.-]" + re.escape(name) + ")"
    key = r":id(?<=[\w.-]:id)" if name == "*:id" else whole
    return re.compile(key + r"""\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _content(xml: str, local: str) -> str:
    """What the first element of that local name holds between its start and end tags, or ''."""
    m = next(_start_tags(xml, local), None)
    if m is None or m.group(1).rstrip().endswith("/"):
        return ""
    end = xml.find(local + ">", m.end())  # '</cellXfs>' or '</x:cellXfs>'
    return xml[m.end() : end if end != -1 else len(xml)]


@lru_cache(maxsize=32)  # returns made from one template share these parts byte for byte
def _sheet_members(workbook_xml: bytes, rels_xml: bytes) -> tuple[tuple[str, str], ...]:
    """(sheet name, zip member of its part) of each sheet, in the workbook's order."""
    rels = rels_xml.decode("utf-8", "replace")
    targets = {a.get("Id"): a.get("Target", "") for a in _tags(rels, "Relationship", "Id", "Target")}
    out = []
    # the relationship id: 'r:id' as Excel writes it, or with another prefix bound to the
    # relationships namespace (a sheet has no other prefixed attribute named id)
    for attrs in _tags(workbook_xml.decode("utf-8", "replace"), "sheet", "name", "*:id"):
        target = targets.get(attrs.get("*:id"), "")
        if "name" not in attrs or not target:
            continue
        member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
        out.append((attrs["name"], member))
    return tuple(out)


@lru_cache(maxsize=32)
def _percent_styles(styles_xml: bytes) -> frozenset[str]:
    """Indexes of the cell styles whose number format shows a percentage."""
    xml = styles_xml.decode("utf-8", "replace")
    formats = _tags(xml, "numFmt", "numFmtId", "formatCode")
    shown = _BUILTIN_PERCENT_FORMATS | {a.get("numFmtId") for a in formats if "%" in a.get("formatCode", "")}
    xfs = _tags(_content(xml, "cellXfs"), "xf", "numFmtId")  # a cell's style s="i" is the i-th xf
    return frozenset(str(i) for i, xf in enumerate(xfs) if xf.get("numFmtId") in shown)


def _shared_strings(zf: zipfile.ZipFile, names: set[str]) -> list[str]:
    """The workbook's shared strings (the text of each <si>, its phonetic runs left out)."""
    import io
    from xml.etree import ElementTree

    if "xl/sharedStrings.xml" not in names:
        return []
    out = []
    for _, el in ElementTree.iterparse(io.BytesIO(zf.read("xl/sharedStrings.xml"))):
        if _local(el) != "si":
            continue
        texts = []  # <si><t>..</t></si>, or rich text: <si><r><t>..</t></r>...</si>
        for child in el:
            if _local(child) == "t":
                texts.append(child.text or "")
            elif _local(child) == "r":
                texts += [t.text or "" for t in child if _local(t) == "t"]
        out.append("".join(texts))
        el.clear()
    return out


def _local(element) -> str:
    """An element's name without its namespace."""
    return element.tag.rpartition("}")[2]


def sheet_facts(path: Path) -> dict[str, SheetFacts]:
    """Per sheet name, the facts read from the workbook's XML (see ``SheetFacts``)."""
    out: dict[str, SheetFacts] = {}
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        percent_styles = (
            _percent_styles(zf.read("xl/styles.xml")) if "xl/styles.xml" in names else frozenset()
        )
        shared = lru_cache(maxsize=1)(lambda: _shared_strings(zf, names))
        for name, member in _sheet_parts(zf, names):
            out[name] = _sheet_facts(zf.read(member), percent_styles, shared)
    return out


def _sheet_parts(zf: zipfile.ZipFile, names: set[str]) -> list[tuple[str, str]]:
    """(sheet name, zip member) of every sheet the workbook lists and the file holds."""
    if "xl/workbook.xml" not in names:
        return []
    rels = "xl/_rels/workbook.xml.rels"
    members = _sheet_members(zf.read("xl/workbook.xml"), zf.read(rels) if rels in names else b"")
    return [(name, member) for name, member in members if member in names]


_NUMBER_CELL = re.compile(rb"<(?:[\w.-]+:)?c\b([^>]*)>(.*?)</(?:[\w.-]+:)?c>", re.S)
_VALUE = re.compile(rb"<(?:[\w.-]+:)?v>(.*?)</(?:[\w.-]+:)?v>", re.S)
_TYPE = re.compile(rb"""\bt\s*=\s*["']([^"']*)["']""")
_CELL_REF = re.compile(rb"""\br\s*=\s*["']([A-Z]+[0-9]+)["']""")


def unreadable_numbers(path: Path) -> list[tuple[str, str, str]]:
    """(sheet, cell, text) of number cells whose value is not a number (a hand-made or converted
    file can hold ``<c t="n"><v>twelve</v></c>``): the readers refuse the whole workbook for one,
    so a finding can still name the cell. Only called once a reader has failed."""
    out = []
    with zipfile.ZipFile(path) as zf:
        for name, member in _sheet_parts(zf, set(zf.namelist())):
            for attrs, body in _NUMBER_CELL.findall(zf.read(member)):
                kind = _TYPE.search(attrs)
                value = _VALUE.search(body)
                if (kind and kind.group(1) != b"n") or not value:
                    continue
                text = _unescape(value.group(1).decode("utf-8", "replace"))
                try:
                    float(text)
                except ValueError:
                    ref = _CELL_REF.search(attrs)
                    out.append((name, ref.group(1).decode() if ref else "", text))
    return out


def formula_cells(path: Path) -> dict[str, list[str]]:
    """Cells holding formulas, by sheet name: returns must hold typed values only."""
    return {name: f.formulas for name, f in sheet_facts(path).items() if f.formulas}


def range_cells(ref: str) -> list[str]:
    """'C7:D8' -> ['C7', 'D7', 'C8', 'D8']."""
    first, _, last = ref.partition(":")
    r1, c1 = parse_ref(first)
    r2, c2 = parse_ref(last or first)
    return [
        cell_ref(r, c)
        for r in range(min(r1, r2), max(r1, r2) + 1)
        for c in range(min(c1, c2), max(c1, c2) + 1)
    ]


_REFERENCE = re.compile(r"&(?:#(x[0-9A-Fa-f]+|[0-9]+)|(lt|gt|quot|apos|amp));")
_ENTITIES = {"lt": "<", "gt": ">", "quot": '"', "apos": "'", "amp": "&"}


def _decoded(m: re.Match) -> str:
    """The text of one reference: an XML entity, or a character such as '&#8220;' or '&#x201C;'
    (kept as written if it names no character)."""
    if m.group(2):
        return _ENTITIES[m.group(2)]
    code = int(m.group(1)[1:], 16) if m.group(1)[0] == "x" else int(m.group(1))
    return chr(code) if 0 < code < 0x110000 else m.group(0)


def _unescape(name: str) -> str:
    """XML text with its entity and character references decoded, in one pass (decoding one kind
    after the other would turn '&#38;lt;', which is the text '&lt;', into '<')."""
    if "&" not in name:
        return name
    return _REFERENCE.sub(_decoded, name)


def read_sheet_cells(path: Path, engine: str = "calamine", skip=frozenset()) -> dict[str, list[list]]:
    """All sheets of a workbook as lists of rows starting at A1, but those named in ``skip`` (sheets
    too large to read, see ``SheetFacts.far``)."""
    if engine == "calamine":
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        try:
            return {
                name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
                for name in wb.sheet_names
                if name not in skip
            }
        finally:
            wb.close()
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return {
            ws.title: [list(r) for r in ws.iter_rows(values_only=True)]
            for ws in wb.worksheets
            if ws.title not in skip
        }
    finally:
        wb.close()


def cell_at(rows: list[list], ref: str):
    return value_at(rows, *_parsed(ref))


def value_at(rows: list[list], row: int, col: int):
    """The value of a sheet's cell by row and column numbers (1-based); empty or absent: None."""
    if row - 1 < len(rows) and col - 1 < len(rows[row - 1]):
        v = rows[row - 1][col - 1]
        return None if v == "" else v
    return None
