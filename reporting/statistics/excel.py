"""Statistics tables as Excel sheets in the official layout (domain.md §5): a title,
the "填报单位 / 统计时段 / 单位" line, merged multi-row headers, rows with subtotals
and a total, notes, the "填表人 / 审核人 / 填报日期" foot, frozen header and A4
landscape print setup with the header repeated on every page.

Every sheet is written row by row with styled cells, so the same code serves a
write-only workbook (which ``build_workbook`` always uses: roster and ledger tables
run to 40,000+ rows and must not sit in memory) and an ordinary one. A write-only
sheet takes its column widths, frozen panes and sheet properties before its first
row, so they are all settled first; a streamed table's widths come from its headers,
``Column.width`` and a sample of its first rows."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from itertools import chain, islice
from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from .base import Table
from .excel_styles import (
    BOLD,
    CENTRE,
    LINE_HEIGHT,
    TITLE_FONT,
    WRAP,
    CellMaker,
    Widths,
    header_positions,
    lines_needed,
)

Progress = Callable[[int], None]
PROGRESS_EVERY = 1000
WIDTH_SAMPLE = 500  # rows of a streamed table measured for its column widths
SHEET_TITLE_MAX = 31
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
TOP_ROWS = 2  # the title and the unit line


def build_workbook(
    tables: Iterable[Table],
    path: str | Path,
    *,
    progress: Progress | None = None,
    created: dt.datetime | None = None,
) -> Path:
    """Write ``tables`` as one workbook at ``path``, one sheet per table, in
    write-only mode so memory stays flat however long a streamed table is.
    ``progress(done_rows)`` is called after every 1,000 data rows, counted over the
    whole workbook. The caller chooses the (temporary) name and moves the file."""
    workbook = Workbook(write_only=True)
    if created is not None:
        if created.tzinfo is not None:
            created = created.astimezone(dt.UTC).replace(tzinfo=None)
        workbook.properties.created = created
    done = 0
    for table in tables:

        def table_progress(rows, offset=done):
            if progress is not None:
                progress(offset + rows)

        done += write_table(workbook, table, progress=table_progress)
    workbook.save(str(path))
    return Path(path)


def write_table(
    workbook: Workbook,
    table: Table,
    *,
    sheet_title: str | None = None,
    progress: Progress | None = None,
) -> int:
    """Add ``table`` to ``workbook`` as one sheet; returns the number of data rows.
    A streamed table (rows from an iterator) needs a write-only workbook.
    ``progress(rows)`` is called after every 1,000 rows of this table."""
    if table.streamed and not workbook.write_only:
        raise ValueError("a streamed table needs Workbook(write_only=True)")
    width = len(table.columns)
    if not width:
        raise ValueError(f"table {table.code!r} has no columns")
    sheet = workbook.create_sheet(sheet_title_for(workbook, sheet_title or table.title))
    rows, widths = measured_rows(table)
    first_row = TOP_ROWS + len(table.header) + 1
    set_up_sheet(sheet, table, widths, first_row)

    cells = CellMaker(sheet, table.columns, plain_data=table.streamed)
    merges: list[str] = []
    write_top(sheet, table, cells, merges, widths)
    count = 0
    for row in rows:
        sheet.append(cells.row(row))
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    write_foot(sheet, table, cells, merges, widths, first_row + count)
    merge(sheet, merges)
    return count


def sheet_title_for(workbook: Workbook, title: str) -> str:
    """A sheet name Excel accepts (≤ 31 characters, none of []:*?/\\) and that the
    workbook does not have yet."""
    base = SHEET_TITLE_FORBIDDEN.sub("", title).strip().strip("'") or "Sheet"
    base = base[:SHEET_TITLE_MAX]
    taken = {name.lower() for name in workbook.sheetnames}
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        suffix = f"({n})"
        candidate = base[: SHEET_TITLE_MAX - len(suffix)] + suffix
    return candidate


def measured_rows(table: Table):
    """The rows to write and the column widths: a list is measured whole, an
    iterator by its first rows (which are written first, then the rest)."""
    widths = Widths(table.columns, table.header)
    if table.streamed:
        iterator = iter(table.rows)
        sample = list(islice(iterator, WIDTH_SAMPLE))
        rows = chain(sample, iterator)
    else:
        rows = sample = table.rows
    for row in sample:
        widths.see_row(row)
    return rows, widths.result()


def set_up_sheet(sheet, table: Table, widths: list[float], first_row: int) -> None:
    """Everything a write-only sheet must know before its first row, and the print
    setup: A4 landscape, one page wide, title and header repeated on every page."""
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = f"B{first_row}" if len(widths) > 1 else f"A{first_row}"
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.page_margins = PageMargins(
        left=0.4, right=0.4, top=0.5, bottom=0.6, header=0.3, footer=0.3
    )
    sheet.print_options.horizontalCentered = True
    sheet.print_title_rows = f"1:{first_row - 1}"
    sheet.oddFooter.center.text = _("Page &P of &N")


def write_top(sheet, table: Table, cells: CellMaker, merges, widths) -> None:
    """The title, the unit line and the header rows."""
    width = len(widths)
    sheet.row_dimensions[1].height = 30
    title = cells.plain(table.title, "title", font=TITLE_FONT, alignment=CENTRE)
    sheet.append([title])
    merges.append(span(1, 1, 1, width))

    line = [
        _("Reporting unit: %(unit)s") % {"unit": table.unit_name},
        _("Period: %(period)s") % {"period": table.period_label},
        table.unit,
    ]
    blocks = unit_line_blocks(width)
    if len(blocks) == 1:
        line = ["    ".join(line)]
    row = [None] * width
    for (start, end, align), text in zip(blocks, line, strict=True):
        row[start - 1] = cells.plain(
            text, f"unit-{align}", alignment=Alignment(horizontal=align)
        )
        merges.append(span(2, start, 2, end))
    sheet.append(row)

    header_row = TOP_ROWS + 1
    grid: list[list] = [[None] * width for _row in table.header]
    for cell, r, c in header_positions(table.header):
        for dr in range(cell.rowspan):
            for dc in range(cell.colspan):
                # Covered slots get the border and fill too, so the merged block
                # is drawn whole.
                text = cell.text if (dr, dc) == (0, 0) else None
                grid[r + dr][c + dc] = cells.header(text)
        merges.append(
            span(header_row + r, c + 1, header_row + r + cell.rowspan - 1,
                 c + cell.colspan)
        )  # fmt: skip
    heights = header_heights(table, widths)
    for r, row_cells in enumerate(grid):
        sheet.row_dimensions[header_row + r].height = heights[r]
        sheet.append([cell or cells.header(None) for cell in row_cells])


def write_foot(sheet, table: Table, cells: CellMaker, merges, widths, row: int):
    """The notes and the "填表人 / 审核人 / 填报日期" line below the rows."""
    width = len(widths)
    total = sum(widths)
    for note in table.notes:
        sheet.row_dimensions[row].height = LINE_HEIGHT * lines_needed(note, total)
        sheet.append([cells.plain(note, "note", alignment=WRAP)])
        merges.append(span(row, 1, row, width))
        row += 1
    sheet.row_dimensions[row].height = 24
    foot = _("Prepared by:          Reviewed by:          Date:    /  /  ")
    sheet.append([cells.plain(foot, "foot", font=BOLD, alignment=FOOT_ALIGN)])
    merges.append(span(row, 1, row, width))


FOOT_ALIGN = Alignment(horizontal="left", vertical="center")


def unit_line_blocks(width: int) -> list[tuple[int, int, str]]:
    """Column spans (1-based, inclusive) of the unit line's left, middle and right
    blocks; one block when the table is too narrow for three."""
    if width < 3:
        return [(1, width, "left")]
    sizes = [width // 3 + (1 if i < width % 3 else 0) for i in range(3)]
    starts = [1, 1 + sizes[0], 1 + sizes[0] + sizes[1]]
    aligns = ["left", "center", "right"]
    return [
        (start, start + size - 1, align)
        for start, size, align in zip(starts, sizes, aligns, strict=True)
    ]


def header_heights(table: Table, widths: list[float]) -> list[float]:
    """Row heights that show every wrapped header text: a merged cell never grows
    by itself, so its lines are shared among the rows it spans."""
    heights = [LINE_HEIGHT * 1.4] * len(table.header)
    for cell, r, c in header_positions(table.header):
        room = sum(widths[c : c + cell.colspan])
        need = LINE_HEIGHT * lines_needed(cell.text, room) + 6
        share = need / cell.rowspan
        for dr in range(cell.rowspan):
            heights[r + dr] = max(heights[r + dr], share)
    return heights


def span(min_row: int, min_col: int, max_row: int, max_col: int) -> str:
    return CellRange(
        min_row=min_row, min_col=min_col, max_row=max_row, max_col=max_col
    ).coord


def merge(sheet, ranges: list[str]) -> None:
    """Merge ranges of more than one cell. A write-only sheet has no
    ``merge_cells`` but writes whatever ``merged_cells`` holds when it closes."""
    for ref in ranges:
        if ":" not in ref:
            continue
        if hasattr(sheet, "merge_cells"):
            sheet.merge_cells(ref)
        else:
            sheet.merged_cells.add(ref)
