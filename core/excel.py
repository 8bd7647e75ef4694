"""Small helpers for the Excel and CSV files the system writes."""

import re
from copy import copy
from decimal import Decimal
from functools import lru_cache
from math import isfinite
from typing import NamedTuple

from lxml.etree import xmlfile
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.xml.constants import SHEET_MAIN_NS

# Text a spreadsheet reads as a formula when it is typed, edited or opened as CSV
# (OWASP's list: a tab or carriage return hides the sign behind it).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def quote_formula(cell):
    """Keep the cell's text a text: stored as a string, with Excel's quote prefix
    (the apostrophe Excel shows in the formula bar), so editing the cell or saving
    the sheet as CSV does not turn it into a live formula."""
    # A fresh style array: a written cell's array is the workbook's registered
    # style itself, shared by every cell of that look.
    style = copy(cell._style) if cell._style is not None else StyleArray()
    style.quotePrefix = 1
    cell._style = style
    cell.data_type = "s"
    return cell


def text_cell(sheet, value, style=None):
    """A cell of the system's workbooks: text that looks like a formula gets the
    quote prefix; numbers, dates and other text are written as they are.
    ``style``: a style array to copy (a look made once, given to many cells)."""
    cell = WriteOnlyCell(sheet, value=value)
    if style is not None:
        cell._style = copy(style)
    if looks_like_formula(value):
        quote_formula(cell)
    return cell


def csv_text(value):
    """A value for a CSV file: text that looks like a formula starts with an
    apostrophe, which spreadsheets read as "this is text"."""
    return "'" + value if looks_like_formula(value) else value


def header_cells(sheet, titles):
    cells = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(
            horizontal="center", vertical="center", wrap_text=True
        )
        cells.append(cell)
    return cells


def column_width(text) -> float:
    """Width that fits Chinese text: a CJK character takes about two columns."""
    return _text_width(str(text))


# Sheets repeat the same texts (school names, labels) tens of thousands of times;
# keyed by the text itself (1, 1.0 and True are equal keys but different texts).
@lru_cache(maxsize=4096)
def _text_width(text: str) -> float:
    return sum(2.1 if ord(ch) > 0x2E80 else 1.1 for ch in text) + 2


# Rows written fast --------------------------------------------------------------
#
# openpyxl's write-only sheet turns every appended value into a cell object, binds
# its type, works out its coordinate and writes it as two or three XML elements
# through lxml, one Python call at a time: about 10 µs a cell, most of a 50,000-row
# workbook's writing time. ``RowSheet`` writes a row of numbers, texts and ready
# cells as one piece of XML text straight into the sheet's file, between what
# openpyxl writes; a row holding anything else (a formula, an error code, a bare
# date, a boolean, rich text, a comment or link) goes through openpyxl's own path.

_FAST_TYPES = (int, float, Decimal, str)
# What lxml escapes in a text; a carriage return is kept as a reference, as a
# parser would otherwise read it as a line feed.
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
# Characters a text may not hold or that must be escaped: one scan finds both.
_SPECIAL = re.compile(r"[\000-\010\013\014\016-\037&<>\r]")
_PENDING_ROWS = 1000


def new_sheet(workbook, title: str):
    """A sheet for ``workbook``: a ``RowSheet`` when it is write-only."""
    if not workbook.write_only:
        return workbook.create_sheet(title)
    sheet = RowSheet(parent=workbook, title=title)
    workbook._add_sheet(sheet)
    return sheet


class Styled(NamedTuple):
    """A value shown with a look (a style array made once and shared) in a
    ``RowSheet``: no cell object, no type binding. A value only openpyxl writes
    (see ``RowSheet``) is turned into a cell as ``text_cell`` makes it."""

    value: object
    style: StyleArray

    def cell(self, sheet):
        return text_cell(sheet, self.value, self.style)


class _RowWriter(WorksheetWriter):
    """openpyxl's sheet writer with the file opened here, so rows can be written
    into it directly once lxml has flushed what it holds."""

    def get_stream(self):
        with (
            open(self.out, "wb") as self.file,
            xmlfile(self.file) as xf,
            xf.element("worksheet", xmlns=SHEET_MAIN_NS),
        ):
            try:
                while True:
                    element = yield
                    if element is True:
                        yield xf
                    elif element is not None:
                        xf.write(element)
            except GeneratorExit:
                pass


class RowSheet(WriteOnlyWorksheet):
    """A write-only sheet whose rows are written without a cell object per value.
    The file reads back as openpyxl's own would, cell for cell
    (``tests/test_excel_rows.py``)."""

    _columns: list[str] = []

    def __init__(self, parent, title):
        super().__init__(parent, title)
        self._style_ids: dict[bytes, str] = {}

    def _get_writer(self):
        if self._writer is None:
            self._writer = _RowWriter(self)
            self._writer.write_top()

    def _write_rows(self):
        try:
            xf = self._writer.xf.send(True)
        except StopIteration:
            self._already_saved()
        pending: list[str] = []
        with xf.element("sheetData"):
            number = 1
            try:
                while True:
                    values = yield
                    row = _row_xml(self, values, number)
                    if row is None:
                        self._flush(xf, pending)
                        values = [
                            v.cell(self) if type(v) is Styled else v for v in values
                        ]
                        cells = WriteOnlyWorksheet._values_to_row(self, values, number)
                        self._writer.write_row(xf, cells, number)
                    else:
                        pending.append(row)
                        if len(pending) >= _PENDING_ROWS:
                            self._flush(xf, pending)
                    number += 1
            except GeneratorExit:
                pass
            self._flush(xf, pending)
        self._writer.xf.send(None)

    def _flush(self, xf, pending: list[str]) -> None:
        if pending:
            xf.flush()
            self._writer.file.write("".join(pending).encode())
            pending.clear()


def _style_of(sheet, array: StyleArray) -> str:
    """The ``s`` attribute of a cell with this look (none for the default look, as
    openpyxl leaves it out), registered in the workbook once per sheet and look:
    keyed by the array's bytes, since hashing a StyleArray is a Python call."""
    key = array.tobytes()
    attribute = sheet._style_ids.get(key)
    if attribute is None:
        registered = sheet.parent._cell_styles.add(array)
        attribute = sheet._style_ids[key] = f' s="{registered}"' if registered else ""
    return attribute


def _row_xml(sheet, values, number: int) -> str | None:
    """One ``<row>`` as text, or None when a value needs openpyxl's own path."""
    columns = sheet._columns
    if len(values) > len(columns):
        columns = sheet._columns = [
            get_column_letter(i) for i in range(1, len(values) + 1)
        ]
    parts = []
    append = parts.append
    for index, value in enumerate(values):
        if value is None:
            continue
        style = ""
        if type(value) is Styled:
            value, array = value
            style = _style_of(sheet, array)
            if value is None:
                if style:
                    append(f'<c r="{columns[index]}{number}"{style} t="n"/>')
                continue
            if type(value) is str:
                kind = "s"
                if not value:  # as openpyxl writes an empty text: no content
                    append(f'<c r="{columns[index]}{number}"{style} t="inlineStr"/>')
                    continue
                if looks_like_formula(value) or value in ERROR_CODES:
                    return None
                value = value[:32767]
            elif type(value) in _FAST_TYPES:
                kind = "n"
            else:
                return None
        elif isinstance(value, Cell):
            if value._comment is not None or value.hyperlink is not None:
                return None
            kind = value.data_type
            if kind not in ("n", "s", "d"):
                return None
            array = value._style
            if array is not None:
                style = _style_of(sheet, array)
            value = value._value
            if value is None or value == "":
                if style or value == "":
                    t = "inlineStr" if kind == "s" else kind
                    append(f'<c r="{columns[index]}{number}"{style} t="{t}"/>')
                continue
            if kind == "d":
                if getattr(value, "tzinfo", None) is not None:
                    return None
                value, kind = to_excel(value, sheet.parent.epoch), "n"
            elif type(value) not in _FAST_TYPES:
                return None
        elif type(value) is str:
            value, kind = value[:32767], "s"
            if (len(value) > 1 and value[0] == "=") or value in ERROR_CODES:
                return None
            if not value:
                append(f'<c r="{columns[index]}{number}" t="inlineStr"/>')
                continue
        elif type(value) in _FAST_TYPES:
            kind = "n"
        else:
            return None
        if kind == "s":
            space = (
                ' xml:space="preserve"'
                if value[0].isspace() or value[-1].isspace()
                else ""
            )
            if _SPECIAL.search(value):
                if ILLEGAL_CHARACTERS_RE.search(value):
                    raise IllegalCharacterError(
                        f"{value} cannot be used in worksheets."
                    )
                value = value.translate(_ESCAPES)
            append(
                f'<c r="{columns[index]}{number}"{style} t="inlineStr"><is>'
                f"<t{space}>{value}</t></is></c>"
            )
        else:
            if type(value) is float and not isfinite(value):
                value = ""
            else:
                value = "%.16g" % value  # noqa: UP031 (as openpyxl writes numbers)
            append(f'<c r="{columns[index]}{number}"{style} t="n"><v>{value}</v></c>')
    dimension = sheet.row_dimensions.get(number)
    extra = "".join(f' {k}="{v}"' for k, v in dimension) if dimension else ""
    return f'<row r="{number}"{extra}>{"".join(parts)}</row>'
