"""Small helpers for the Excel and CSV files the system writes."""

from copy import copy
from functools import lru_cache

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray

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
