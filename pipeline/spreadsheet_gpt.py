"""gptables' workbook writer with its table step done in plain Python (same cells, formats, widths).

gptables (2.0.2) lays a table out through pandas: a DataFrame of per-cell format dicts filled with
``apply``, a regex ``replace`` and ``convert_dtypes`` to choose each column's alignment, a
``map`` over every cell for markdown links. For the spreadsheet's ~60 small tables that
pandas overhead was ~85% of the writing time, while xlsxwriter itself is cheap. ``Sheet``
overrides only those table steps of ``GPWorksheet`` with loops over plain lists that write the
same cells as gptables' ``_smart_write`` does for numbers, text and blanks, with equal format
dicts (so the same cached formats), the same auto widths and the same worksheet table; only
gptables' warning about empty cells is not repeated (the spreadsheet gives their reason in a
Notes column). Anything outside the cases below is handed back to gptables unchanged:

- columns are numbers (float or int), or text (pandas ``str``/``object`` holding only strings);
- additional formatting is by column;
- no markdown link and no note reference (``$$ref$$``) in the table's cells.

``produce`` is gptables' ``produce_workbook`` for a cover, a contents sheet and a notes sheet,
building this workbook class (gptables hard-codes its own). The test
``tests/unittests/test_spreadsheet.py`` checks both against gptables' own output.
"""

from __future__ import annotations

import datetime
import math
import re
from math import ceil

import pandas as pd
from gptables.core.wrappers import GPWorkbook, GPWorksheet
from xlsxwriter.utility import cell_autofit_width
from xlsxwriter.workbook import Workbook

GRIDLINES = {"show_all": 0, "hide_printed": 1, "hide_all": 2}
SHORTHAND = re.compile(r"\[[\w\s]+\]")  # gptables' test for a GSS shorthand or [note n] in a cell
BLANK = re.compile(r"^\s*$")
ALNUM = re.compile(r"[a-zA-Z0-9]")


def _is_null(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _plain_columns(table: pd.DataFrame) -> tuple[list[bool], list[list]] | None:
    """Which columns hold numbers, and every column as a list (text as gptables makes it:
    blank text -> NaN), with one pandas call for the values.

    None when a column is neither numbers (float, int) nor text (the ``str`` dtype, or
    ``object`` of strings only, which gptables' ``map`` turns into ``str``): gptables then
    writes the table itself.
    """
    dtypes = list(table.dtypes)
    columns = table.to_numpy(dtype=object).T.tolist() if dtypes else []
    numbers = [dtype.kind in "fi" for dtype in dtypes]
    for c, dtype in enumerate(dtypes):
        if numbers[c]:
            continue
        if isinstance(dtype, pd.StringDtype) and dtype.na_value is not pd.NA:  # pd.NA breaks gptables
            columns[c] = [math.nan if _is_null(v) or BLANK.match(v) else v for v in columns[c]]
        elif pd.api.types.is_object_dtype(dtype) and all(isinstance(v, str) for v in columns[c]):
            columns[c] = [math.nan if BLANK.match(v) else v for v in columns[c]]
        else:
            return None
    return numbers, columns


def _right_aligned(header: str, values: list, numbers: bool, keep_header: bool) -> bool:
    """Does gptables right-align this column (numeric for pandas' ``convert_dtypes``)?

    gptables adds the heading row to the table: a text column stays text, and so does a number
    column without any number (pandas ignores all-NaN columns when choosing the dtype); a
    number column with numbers becomes ``object``. It then replaces cells with a shorthand such
    as ``[c]`` by NaN, drops the heading row unless a heading had a shorthand, and asks
    ``convert_dtypes``: text stays text (left), numbers are numeric (right), numbers under a
    kept text heading are mixed (left).
    """
    if not numbers or all(_is_null(v) for v in values):
        return False
    return not (keep_header and not SHORTHAND.search(header))


class Sheet(GPWorksheet):
    """A ``GPWorksheet`` whose table steps run on plain lists (see the module docstring)."""

    def _reference_table_annotations(self, gptable, reference_order: list) -> None:
        table = gptable.table
        for col in gptable.index_columns.values():
            if any(not isinstance(v, str) or "$$" in v for v in table.iloc[:, col].tolist()):
                return super()._reference_table_annotations(gptable, reference_order)
        if gptable.table_notes:
            return super()._reference_table_annotations(gptable, reference_order)
        # no reference to replace: gptables would set an equal copy of the table

    def _parse_table_urls(self, gptable) -> None:
        plain = _plain_columns(gptable.table)
        if plain is None or any(isinstance(v, str) and "](" in v for col in plain[1] for v in col):
            return super()._parse_table_urls(gptable)
        # no markdown link: gptables' map would return an equal table ("str" text columns)

    def _write_table_elements(self, pos: list, gptable, auto_width: bool) -> list:
        table = gptable.table
        plain = _plain_columns(table)
        extra = gptable.additional_formatting or []
        if plain is None or any(list(item) != ["column"] for item in extra):
            return super()._write_table_elements(pos, gptable, auto_width)
        numbers, columns = plain
        headers = list(table.columns)
        n_rows = len(table)
        _check_cells(gptable.table_name, columns, n_rows)

        heading, body = self._column_formats(gptable, headers, numbers, columns)
        rows = [headers, *([col[r] for col in columns] for r in range(n_rows))]
        # gptables asks add_format for each cell's dict; equal dicts give the one cached Format,
        # and xlsxwriter numbers formats when the sheet XML is written, so once per column will do.
        add = self._workbook.add_format
        heading_formats = [add(f) for f in heading]
        body_formats = [add(f) for f in body] if n_rows else []
        top = gptable.data_range[0]
        for c, header in enumerate(headers):
            self.write(top, c, header, heading_formats[c])
        for r, row in enumerate(rows[1:], start=top + 1):
            for c, value in enumerate(row):
                if _is_null(value):
                    self.write_blank(r, c, None, body_formats[c])
                else:
                    self.write(r, c, value, body_formats[c])
        if auto_width:
            self._set_column_widths(self._widths(headers, numbers, columns, heading, body))
        self.add_table(
            *gptable.data_range,
            {
                "header_row": True,
                "autofilter": False,
                "columns": [
                    {"header": h, "header_format": f} for h, f in zip(headers, heading_formats, strict=True)
                ],
                "style": None,
                "name": gptable.table_name,
            },
        )
        return [top + len(rows), 0]

    def _column_formats(
        self, gptable, headers: list, numbers: list[bool], columns: list[list]
    ) -> tuple[list[dict], list[dict]]:
        """Heading and body format dicts per column, updated in gptables' order.

        Theme heading or data format, the index level's format, the alignment by data type, then
        the table's additional column formats (headings too, unless ``include_names`` is false).
        """
        theme = self.theme
        levels = [theme.index_1_format, theme.index_2_format, theme.index_3_format]
        index_columns = list(gptable.index_columns.values())
        keep_header = any(isinstance(h, str) and SHORTHAND.search(h) for h in headers)
        extra = {}
        for item in gptable.additional_formatting or []:
            desc = item["column"]
            include = bool(desc.get("include_names", True))  # gptables: headings too unless told
            for col in desc["columns"]:
                c = headers.index(col) if isinstance(col, str) else col
                extra.setdefault(c, []).append((include, desc["format"]))
        heading, body = [], []
        for c, (header, values) in enumerate(zip(headers, columns, strict=True)):
            numeric = _right_aligned(header, values, numbers[c], keep_header)
            if c == 0 and not index_columns and numeric:
                numeric = False  # gptables treats a numeric first column of a table without index as text
            align = {"align": "right" if numeric and c not in index_columns else "left"}
            head = {**theme.column_heading_format}
            cell = {**theme.data_format} if c >= gptable.index_levels else {}
            for level, col in gptable.index_columns.items():
                if col == c:
                    cell.update(levels[level - 1])
            head.update(align)
            cell.update(align)
            for include, fmt in extra.get(c, []):
                if include:
                    head.update(fmt)
                cell.update(fmt)
            heading.append(head)
            body.append(cell)
        return heading, body

    def _widths(
        self, headers: list, numbers: list[bool], columns: list[list], heading: list[dict], body: list[dict]
    ) -> list[int]:
        """gptables' auto width: the widest cell's longest line, scaled for font size, bold, capitals."""
        widths = []
        for header, values, number, head, cell in zip(headers, columns, numbers, heading, body, strict=True):
            width = self._cell_width(header, head)
            for value in values if number else set(values):  # equal text, equal width (not so -0.0, 0.0)
                width = max(width, self._cell_width(value, cell))
            widths.append(width)
        return widths

    def _cell_width(self, value, fmt: dict) -> int:
        line = self._get_longest_line(value)
        return ceil(cell_autofit_width(line) * self._get_scaling_factor(fmt, line))


def _check_cells(name: str, columns: list[list], n_rows: int) -> None:
    """gptables' refusals: an all-empty table, an empty row, a cell of special characters only."""
    nulls = [[_is_null(v) for v in col] for col in columns]
    if all(all(col) for col in nulls):
        raise ValueError(f"{name} contains only null or whitespace cells.")
    if any(all(col[r] for col in nulls) for r in range(n_rows)):
        raise ValueError(f"Empty or null row found in {name}.")
    # numbers always have a digit (or are inf / nan): only text can be special characters only
    if any(isinstance(v, str) and not ALNUM.search(v) for col in columns for v in col):
        raise ValueError(f"Cell found in {name} containing only special characters.")


FIXED_CREATED = datetime.datetime(2000, 1, 1)


class Book(GPWorkbook):
    """A ``GPWorkbook`` whose worksheets are ``Sheet``."""

    def add_worksheet(self, name: str | None = None, gridlines: str = "hide_all") -> Sheet:
        worksheet = Workbook.add_worksheet(self, name, Sheet)
        worksheet.theme = self.theme
        worksheet._workbook = self
        worksheet.hide_gridlines(GRIDLINES[gridlines])
        return worksheet


def produce(
    filename: str,
    sheets: dict,
    cover,
    notes_table: pd.DataFrame,
    contentsheet_options: dict,
    workbook_options: dict,
    auto_width: bool = True,
) -> Book:
    """gptables' ``produce_workbook`` (cover, contents sheet, notes sheet, hidden gridlines) on ``Book``."""
    wb = Book(filename, options=workbook_options)
    # a fixed creation date, so a rerun writes the same bytes (the run record has the real time)
    wb.set_properties({"created": FIXED_CREATED})
    wb.add_worksheet(cover.cover_label, gridlines="hide_all").write_cover(cover)
    contents = wb.make_table_of_contents(sheets, **contentsheet_options)
    wb._update_annotations(sheets)
    notes = wb.make_notesheet(notes_table)
    for label, gptable in {"Contents": contents, "Notes": notes, **sheets}.items():
        wb.add_worksheet(label, gridlines="hide_all").write_gptable(gptable, auto_width, wb._annotations)
    return wb
