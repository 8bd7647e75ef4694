"""Small helpers for the Excel files the system writes."""

from functools import lru_cache

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

FORMULA_STARTS = ("=", "+", "-", "@")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def text_cell(sheet, value):
    """A cell for user-entered text: text starting with = + - @ stays text, so Excel
    never runs it as a formula."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
    return cell


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
