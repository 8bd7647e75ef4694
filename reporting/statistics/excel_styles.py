"""Styles, number formats and geometry of the statistics sheets (domain.md §5): what
a cell looks like, how wide a column is, where each header cell lands, and how a
sheet falls onto A4 landscape pages.

Printing: body text is 宋体 10.5 pt (五号), headers 黑体, and a sheet prints at a
fixed scale of at least 86 %, so no text is smaller than 9 pt on paper. A table too
wide for one page is split into column pages (at the header's column groups where it
can be), each page repeating the row titles, instead of being shrunk to one page.

Widths are in Excel's units: the width of a digit of the workbook's default font
(宋体 10.5 pt: 7 px at 96 dpi), in which a Chinese character takes about two."""

from __future__ import annotations

import datetime as dt
import math
from copy import copy
from dataclasses import dataclass
from decimal import Decimal

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray

from core.excel import FORMULA_STARTS as FORMULA
from core.excel import (
    HEADER_FILL,
    RowSheet,
    Styled,
    column_width,
    quote_formula,
    text_cell,
)

from .base import Column, HeaderCell, Row

# Family names as Excel and WPS know them on a Chinese system (charset 134: GB2312);
# no theme scheme, or Excel would show its theme font instead.
BODY_SIZE = 10.5  # 五号
BODY_FONT = Font(name="宋体", size=BODY_SIZE, charset=134, family=3)
BOLD = Font(name="宋体", size=BODY_SIZE, bold=True, charset=134, family=3)
HEADER_FONT = Font(name="黑体", size=BODY_SIZE, charset=134, family=3)
TITLE_FONT = Font(name="黑体", size=16, charset=134, family=3)  # 三号
FAILED_FONT = Font(
    name="宋体", size=BODY_SIZE, bold=True, color="C00000", charset=134, family=3
)
THIN = Side(style="thin", color="808080")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
SUBTOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
TOTAL_FILL = PatternFill("solid", fgColor="D9D9D9")
CENTRE = Alignment(horizontal="center", vertical="center")
HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(horizontal="left", vertical="top", wrap_text=True)
TEXT_WRAP = Alignment(horizontal="left", vertical="center", wrap_text=True)

NUMBER_FORMATS = {
    "int": "#,##0",
    "wan": "#,##0.00",
    "rate": '0.0"%"',
    "date": "yyyy-mm-dd",
    "text": "@",
}
NUMERIC = (int, float, Decimal)
FIGURE = (*NUMERIC, dt.date)
PLAIN = {int, float, Decimal, str}  # what a Styled value may be
MAX_WIDTH = 40
MIN_WIDTH = 6
LINE_HEIGHT = 14.5  # points per line of 10.5 pt 宋体 / 黑体
# A header wraps onto up to three lines, each at least four Chinese characters wide,
# rather than widening its column to the whole text.
HEADER_LINES = 3
HEADER_MIN_WIDTH = column_width("四个汉字")
# A streamed table's widths come from its first rows: its numbers get room for two
# more digits than the widest seen (序号 runs to the row count).
STREAMED_DIGITS = 2

# A4 landscape (297 mm wide) less the margins, in width units at 100 %; planned a
# little short so Excel's own page breaks never come before ours.
MARGIN_SIDE = 0.4  # inches
PIXELS_PER_UNIT = 7
PAGE_UNITS = (297 / 25.4 - 2 * MARGIN_SIDE) * 96 / PIXELS_PER_UNIT * 0.95
PAGE_FULL = 0.6  # a page ends early at a column group only if this full
MIN_PRINTED_SIZE = 9  # points on paper
MIN_SCALE = math.ceil(100 * MIN_PRINTED_SIZE / BODY_SIZE)  # 86 %


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

    def __init__(
        self,
        columns: list[Column],
        header: list[list[HeaderCell]],
        streamed: bool = False,
    ):
        self.columns = columns
        self.streamed = streamed
        self.fitted = [float(MIN_WIDTH)] * len(columns)
        for cell, _row, col in header_positions(header):
            if cell.colspan == 1 and col < len(columns):
                self.see(col, header_width(cell.text))

    def see(self, col: int, width: float) -> None:
        self.fitted[col] = max(self.fitted[col], min(width, MAX_WIDTH))

    def see_row(self, row: Row) -> None:
        for i, column in enumerate(self.columns):
            if column.width is not None:
                continue  # set by the table: nothing to measure
            value = row.values.get(column.key)
            if self.streamed and isinstance(value, NUMERIC):
                value = room_to_grow(value)
            text = shown(value, column.kind)
            if text:
                extra = 2 * row.level if i == 0 else 0
                extra += 1 if column.key in row.approximate else 0
                self.see(i, column_width(text) + extra)

    def result(self) -> list[float]:
        # Rounded up: a text measured to fit must still fit its column.
        return [
            c.width if c.width is not None else math.ceil(w * 10) / 10
            for c, w in zip(self.columns, self.fitted, strict=True)
        ]


def room_to_grow(value):
    """A number with two more digits than ``value``, to size a streamed column."""
    if isinstance(value, bool):
        return value
    grown = (abs(value) + 1) * 10**STREAMED_DIGITS
    return -grown if value < 0 else grown


def header_width(text: str) -> float:
    """The width a header text asks of its column: the whole longest line if it is
    short, else a third of it (it wraps), but at least four Chinese characters."""
    full = column_width(max(str(text).splitlines() or [""], key=column_width))
    if full <= HEADER_MIN_WIDTH:
        return full
    return min(full, max(HEADER_MIN_WIDTH, (full - 2) / HEADER_LINES + 2))


def fits(text: str, width: float) -> bool:
    """Whether a text shows whole on one line of a column this wide (a quick
    length bound first: most texts are far shorter than their column)."""
    return len(text) * 2.1 + 2 <= width or column_width(text) <= width


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
    every cell. A write-only sheet writes a row out as soon as it is appended, so
    there a data cell is made once per column and look and given each row's value,
    as openpyxl's own write-only append reuses its cell for bare values."""

    def __init__(
        self,
        sheet,
        columns: list[Column],
        widths: list[float],
        plain_data: bool = False,
    ):
        self.sheet = sheet
        self.columns = columns
        self.widths = widths
        # Texts up to this many characters fit their column whatever they hold.
        self.short = [int((width - 2) / 2.1) for width in widths]
        self.looks: dict[tuple, StyleArray] = {}
        self.reused: dict[tuple, Cell] | None = {} if sheet.parent.write_only else None
        # A RowSheet takes a number or a text with its look as it is; dates and
        # text a spreadsheet would read as a formula still get a cell.
        self.fast = isinstance(sheet, RowSheet)
        # Row-per-record tables (tens of thousands of rows): data cells are written
        # as bare values in the workbook's default font, which costs what a bare
        # loop costs (their grid comes from one conditional format over the rows).
        # Only cells that need a look of their own are styled: text that looks
        # like a formula, approximate figures, money and rates with their number
        # format; and every cell of a row with text too wide for its column (it
        # wraps, the row grows, and bare cells would sit at its bottom).
        self.plain_data = plain_data
        # What a bare row needs of each column, looked up once per sheet.
        self.plan = [
            (index, column, column.key, self.short[index], column.kind in BARE_KINDS)
            for index, column in enumerate(columns)
        ]

    def style(self, look: tuple, style) -> StyleArray:
        """The style array of the look named ``look``; ``style()`` gives the
        look's settings the first time it is asked for."""
        array = self.looks.get(look)
        if array is None:
            template = WriteOnlyCell(self.sheet)
            for name, setting in style().items():
                setattr(template, name, setting)
            array = self.looks[look] = template._style
        return array

    def styled(self, value, look: tuple, style) -> Cell:
        """A new cell showing ``value`` with the look named ``look``."""
        return text_cell(self.sheet, value, self.style(look, style))

    def plain(self, value, look: str, **style) -> Cell:
        return self.styled(value, ("plain", look), lambda: style)

    def header(self, text, align: str = "center") -> Cell:
        alignment = HEADER_ALIGN if align == "center" else HEADER_LEFT
        return self.plain(
            text, f"header-{align}", font=HEADER_FONT, fill=HEADER_FILL,
            border=GRID, alignment=alignment,
        )  # fmt: skip

    def row(self, row: Row) -> tuple[list, int]:
        """The cells of one row and the lines its tallest wrapped text takes."""
        self.lines = 1
        if self.plain_data and row.kind == "data":
            return self.bare_row(row), self.lines
        return self.styled_row(row), self.lines

    def styled_row(self, row: Row) -> list:
        return [self.figure(row, i, column) for i, column in enumerate(self.columns)]

    def bare_row(self, row: Row) -> list:
        values, approximate = row.values, row.approximate
        cells = []
        append = cells.append
        for index, column, key, short, bare_kind in self.plan:
            value = values.get(key)
            if value is None:
                append(None)
            elif isinstance(value, str):
                if len(value) > short and not fits(value, self.widths[index]):
                    # A wrapped text makes the row taller: the whole row is
                    # styled, so its other cells stay centred beside it.
                    return self.styled_row(row)
                elif value.startswith(FORMULA):
                    append(text_cell(self.sheet, value))
                else:
                    append(value)
            elif bare_kind and key not in approximate:
                append(value)
            else:
                append(self.figure(row, index, column))
        return cells

    def figure(self, row: Row, index: int, column: Column) -> Cell:
        value = row.values.get(column.key)
        approximate = column.key in row.approximate
        is_number = isinstance(value, FIGURE) and not isinstance(value, bool)
        kind = column.kind if is_number or value is None else "text"
        level = row.level if index == 0 else 0
        if kind == "text" and value is not None:
            room = self.widths[index] - 2 * level
            text = str(value)
            if not fits(text, room):
                self.lines = max(self.lines, lines_needed(text, room))
        look = (row.kind, kind, level, approximate, index == 0)

        def style():
            return figure_style(row.kind, kind, level, approximate, index)

        if self.fast and (value is None or type(value) in PLAIN):
            return Styled(value, self.style(look, style))
        if self.reused is None:
            return self.styled(value, look, style)
        cell = self.reused.get((look, index))
        if cell is None:
            cell = self.reused[look, index] = self.styled(None, look, style)
        cell.value = value
        if cell.data_type == "d" or cell.quotePrefix:
            # Binding a date may set a date format, and the previous row's text
            # may have had the quote prefix: the look wins, as on a new cell.
            cell._style = copy(self.looks[look])
        if isinstance(value, str) and value.startswith(FORMULA):
            quote_formula(cell)
        return cell


BARE_KINDS = {"int", "text", "date"}
HEADER_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)


def figure_style(row_kind: str, kind: str, level: int, approximate: bool, index: int):
    style = {"border": GRID, "number_format": number_format(kind, approximate)}
    if index == 0 or kind == "text":
        # Text wraps rather than run into the next cell or be cut off.
        style["alignment"] = Alignment(
            horizontal="left", vertical="center", indent=level, wrap_text=True
        )
    else:
        style["alignment"] = Alignment(vertical="center")
    if row_kind in ("subtotal", "total"):
        style["font"] = BOLD
        style["fill"] = TOTAL_FILL if row_kind == "total" else SUBTOTAL_FILL
    return style


# Pages ---------------------------------------------------------------------------


@dataclass
class PageLayout:
    """How a sheet falls onto A4 landscape pages: the print scale (percent), the
    leading columns repeated on every page (the row titles), and the column pages,
    as [start, end) column ranges (0-based)."""

    scale: int
    title_columns: int
    pages: list[tuple[int, int]]

    @property
    def breaks(self) -> list[int]:
        """0-based index of the first column of each page after the first."""
        return [start for start, _end in self.pages[1:]]

    @property
    def split(self) -> bool:
        return len(self.pages) > 1


def page_layout(
    header: list[list[HeaderCell]], columns: list[Column], widths: list[float]
) -> PageLayout:
    """The scale and column pages of a table with these column widths: 100 % when
    it fits; shrunk to fit one page while its text stays at least 9 pt on paper;
    else at the smallest such scale, split into pages between the header's column
    groups (a group wider than a page is split where the page ends)."""
    total = sum(widths)
    if total <= PAGE_UNITS:
        scale = 100
    else:
        scale = max(MIN_SCALE, math.floor(100 * PAGE_UNITS / total))
    room = PAGE_UNITS * 100 / scale
    titles = title_columns(columns, widths, room)
    title_width = sum(widths[:titles])
    n = len(widths)
    levels = group_levels(header, n)
    pages, start = [], 0
    while start < n:
        available = room - (title_width if pages else 0)
        end, used = start, 0.0
        while end < n and used + widths[end] <= available:
            used += widths[end]
            end += 1
        end = max(end, start + 1)  # a column wider than the page has one to itself
        if end < n:
            end = group_break(levels, widths, start, end, room - title_width, titles)
        pages.append((start, end))
        start = end
    if len(pages) > 1:
        pages[-2:] = balanced(pages[-2], pages[-1], widths, room - title_width)
    return PageLayout(scale=scale, title_columns=titles, pages=pages)


def balanced(before, last, widths, room) -> list[tuple[int, int]]:
    """The last two column pages, evened out when the last would hold only a
    sliver (a column or two under a title of its own)."""
    start, end = before[0], last[1]
    if sum(widths[last[0] : end]) >= room / 3:
        return [before, last]
    best = min(
        range(start + 1, end),
        key=lambda k: abs(sum(widths[start:k]) - sum(widths[k:end])),
    )
    if sum(widths[best:end]) > room:
        return [before, last]
    return [(start, best), (best, end)]


def group_levels(header: list[list[HeaderCell]], n: int) -> list[list[int]]:
    """For each header row, top first, the columns where a cell of that row
    starts (a cell spanning rows down counts in each), and ``n``."""
    levels = [{n} for _row in header]
    for cell, r, c in header_positions(header):
        for dr in range(cell.rowspan):
            levels[r + dr].add(c)
    return [sorted(level) for level in levels]


def group_break(levels, widths, start, end, room, titles) -> int:
    """Where a page that could hold columns [start, end) ends: before the column
    group that ``end`` cuts, the highest header level first, when that group fits
    on the next page whole and this page stays at least 60 % full."""
    for groups in levels:
        group_start = max(g for g in groups if g <= end)
        if group_start == end:
            return end  # a clean break at this level
        if group_start <= max(start, titles):
            continue
        group_end = min(g for g in groups if g > group_start)
        if sum(widths[group_start:group_end]) > room:
            continue  # the group is split anyway: try the level below
        if sum(widths[start:group_start]) < PAGE_FULL * sum(widths[start:end]):
            continue
        return group_start
    return end


def title_columns(columns: list[Column], widths: list[float], room: float) -> int:
    """How many leading columns name a row (repeated on every page): up to the
    first text column (序号 and 姓名, or the region), if they take at most a third
    of the page; else the first column only."""
    count = next(
        (i + 1 for i, column in enumerate(columns) if column.kind == "text"), 1
    )
    if count > 1 and sum(widths[:count]) > room / 3:
        return 1
    return count
