"""Styles, number formats and geometry of the statistics sheets (domain.md §5): what
a cell looks like, how wide a column is, where each header cell lands."""

from __future__ import annotations

import datetime as dt
import math
from copy import copy
from decimal import Decimal

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from core.excel import FORMULA_STARTS as FORMULA
from core.excel import HEADER_FILL, column_width, text_cell

from .base import Column, HeaderCell, Row

TITLE_FONT = Font(bold=True, size=16)
BOLD = Font(bold=True)
THIN = Side(style="thin", color="808080")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
SUBTOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
TOTAL_FILL = PatternFill("solid", fgColor="D9D9D9")
CENTRE = Alignment(horizontal="center", vertical="center")
HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(horizontal="left", vertical="top", wrap_text=True)

NUMBER_FORMATS = {
    "int": "#,##0",
    "wan": "#,##0.00",
    "rate": '0.0"%"',
    "date": "yyyy-mm-dd",
    "text": "@",
}
NUMERIC = (int, float, Decimal)
FIGURE = (*NUMERIC, dt.date)
MAX_WIDTH = 40
MIN_WIDTH = 6
LINE_HEIGHT = 15  # points per line of 11pt text


def number_format(kind: str, approximate: bool = False) -> str:
    """The format of a figure; an approximate one keeps its number and shows "≥"."""
    fmt = NUMBER_FORMATS.get(kind, "General")
    if approximate and kind in ("int", "wan", "rate"):
        return '"≥"' + fmt
    return fmt


def header_positions(header: list[list[HeaderCell]]):
    """Each header cell with its (row, column), both 0-based, placing cells like an
    HTML table does: a cell skips the slots taken by row-spanning cells above."""
    taken: set[tuple[int, int]] = set()
    placed = []
    for r, cells in enumerate(header):
        c = 0
        for cell in cells:
            while (r, c) in taken:
                c += 1
            placed.append((cell, r, c))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
    return placed


def shown(value, kind: str) -> str:
    """About what Excel shows for a value, to measure its width."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, FIGURE):
        return str(value)
    if isinstance(value, dt.date):
        return "0000-00-00"
    if kind == "wan":
        return f"{value:,.2f}"
    if kind == "rate":
        return f"{value:.1f}%"
    if kind == "int":
        return f"{value:,.0f}"
    return str(value)


class Widths:
    """Column widths that fit Chinese text: the widest header text or value seen,
    capped; a Column.width set by the table wins."""

    def __init__(self, columns: list[Column], header: list[list[HeaderCell]]):
        self.columns = columns
        self.fitted = [float(MIN_WIDTH)] * len(columns)
        for cell, _row, col in header_positions(header):
            if cell.colspan == 1 and col < len(columns):
                longest = max(str(cell.text).splitlines() or [""], key=column_width)
                self.see(col, column_width(longest))

    def see(self, col: int, width: float) -> None:
        self.fitted[col] = max(self.fitted[col], min(width, MAX_WIDTH))

    def see_row(self, row: Row) -> None:
        for i, column in enumerate(self.columns):
            text = shown(row.values.get(column.key), column.kind)
            if text:
                extra = 2 * row.level if i == 0 else 0
                extra += 1 if column.key in row.approximate else 0
                self.see(i, column_width(text) + extra)

    def result(self) -> list[float]:
        return [
            c.width if c.width is not None else round(w, 1)
            for c, w in zip(self.columns, self.fitted, strict=True)
        ]


def lines_needed(text: str, width: float) -> int:
    """Lines a wrapped text takes in a cell of this width (Excel does not grow the
    height of merged cells by itself)."""
    room = max(width - 1, 1)
    return (
        sum(
            max(1, math.ceil(column_width(line) / room))
            for line in str(text).splitlines()
        )
        or 1
    )


class CellMaker:
    """Makes the styled cells of one sheet. Each distinct look is built once through
    openpyxl's public style setters; later cells copy its style array, as openpyxl's
    own worksheet copier does, so 40,000-row sheets do not re-register styles for
    every cell."""

    def __init__(self, sheet, columns: list[Column], plain_data: bool = False):
        self.sheet = sheet
        self.columns = columns
        self.looks: dict[tuple, WriteOnlyCell] = {}
        # Row-per-record tables (tens of thousands of rows): data cells are written
        # as bare values, which costs what a bare loop costs; only cells that need
        # a look of their own (text that looks like a formula, approximate figures,
        # money and rates with their number format) are styled.
        self.plain_data = plain_data

    def styled(self, value, look: tuple, style) -> WriteOnlyCell:
        """A cell showing ``value`` with the look named ``look``; ``style()`` gives
        the look's settings the first time it is asked for."""
        template = self.looks.get(look)
        if template is None:
            template = self.looks[look] = WriteOnlyCell(self.sheet)
            for name, setting in style().items():
                setattr(template, name, setting)
        cell = text_cell(self.sheet, value)
        cell._style = copy(template._style)
        return cell

    def plain(self, value, look: str, **style) -> WriteOnlyCell:
        return self.styled(value, ("plain", look), lambda: style)

    def header(self, text) -> WriteOnlyCell:
        return self.plain(
            text, "header", font=BOLD, fill=HEADER_FILL, border=GRID,
            alignment=HEADER_ALIGN,
        )  # fmt: skip

    def row(self, row: Row) -> list:
        if self.plain_data and row.kind == "data":
            return [self.bare(row, i, column) for i, column in enumerate(self.columns)]
        return [self.figure(row, i, column) for i, column in enumerate(self.columns)]

    def bare(self, row: Row, index: int, column: Column):
        value = row.values.get(column.key)
        if isinstance(value, str):
            return text_cell(self.sheet, value) if value.startswith(FORMULA) else value
        if value is None or (
            column.kind in BARE_KINDS and column.key not in row.approximate
        ):
            return value
        return self.figure(row, index, column)

    def figure(self, row: Row, index: int, column: Column) -> WriteOnlyCell:
        value = row.values.get(column.key)
        approximate = column.key in row.approximate
        is_number = isinstance(value, FIGURE) and not isinstance(value, bool)
        kind = column.kind if is_number or value is None else "text"
        level = row.level if index == 0 else 0
        look = (row.kind, kind, level, approximate, index == 0)
        return self.styled(
            value, look, lambda: figure_style(row.kind, kind, level, approximate, index)
        )


BARE_KINDS = {"int", "text", "date"}


def figure_style(row_kind: str, kind: str, level: int, approximate: bool, index: int):
    style = {"border": GRID, "number_format": number_format(kind, approximate)}
    if index == 0 or kind == "text":
        style["alignment"] = Alignment(
            horizontal="left", vertical="center", indent=level
        )
    if row_kind in ("subtotal", "total"):
        style["font"] = BOLD
        style["fill"] = TOTAL_FILL if row_kind == "total" else SUBTOTAL_FILL
    return style
