"""Statistics tables as Excel sheets in the official layout (domain.md §5): a title,
the "填报单位 / 统计时段 / 单位" line, merged multi-row headers, rows with subtotals
and a total, notes, the reconciliation checks (校验), the "填表人 / 审核人 / 填报日期"
foot, frozen header, and a print setup a clerk can read on paper: A4 landscape,
宋体 body text never below 9 pt, title and header rows and the row-title columns
repeated on every page, a table too wide for one page split into column pages
("续"), "第 N 页 共 M 页" in the footer.

Every sheet is written row by row, so the same code serves a write-only workbook
(which ``build_workbook`` always uses: roster and ledger tables run to 40,000+ rows
and must not sit in memory) and an ordinary one. A write-only sheet takes its column
widths, frozen panes and sheet properties before its first row, so they are all
settled first; a streamed table's widths come from its headers, ``Column.width`` and
a sample of its first rows."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Iterable
from itertools import chain, islice
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Alignment
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from core.excel import column_width, new_sheet

from .base import Check, Table
from .excel_styles import (
    BODY_FONT,
    BOLD,
    CENTRE,
    FAILED_FONT,
    GRID,
    LINE_HEIGHT,
    MARGIN_SIDE,
    TITLE_FONT,
    WRAP,
    CellMaker,
    PageLayout,
    Widths,
    header_positions,
    lines_needed,
    page_layout,
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
    order: list[str] | None = None,
) -> Path:
    """Write ``tables`` as one workbook at ``path``, one sheet per table, in
    write-only mode so memory stays flat however long a streamed table is.
    ``progress(done_rows)`` is called after every 1,000 data rows, counted over the
    whole workbook. ``order``: the table codes in the order their sheets are to
    appear, when the tables come in another (as they are ready). The caller
    chooses the (temporary) name and moves the file."""
    workbook = Workbook(write_only=True)
    if created is not None:
        if created.tzinfo is not None:
            created = created.astimezone(dt.UTC).replace(tzinfo=None)
        workbook.properties.created = created
    done = 0
    codes: dict[str, str] = {}  # sheet title → table code
    try:
        for table in tables:

            def table_progress(rows, offset=done):
                if progress is not None:
                    progress(offset + rows)

            done += write_table(workbook, table, progress=table_progress)
            codes[workbook.worksheets[-1].title] = table.code
    except BaseException:
        _abandon(workbook)
        raise
    if order is not None:
        # Sheet numbers and print titles follow this list when the file is saved.
        workbook._sheets.sort(key=lambda sheet: order.index(codes[sheet.title]))
    workbook.save(str(path))
    return Path(path)


def _abandon(workbook: Workbook) -> None:
    """Close the sheets of a workbook that will not be saved (a table failed, or
    its checks did): their files are finished now, in the build's working folder,
    not when the garbage collector gets to them."""
    for sheet in workbook.worksheets:
        with contextlib.suppress(Exception):
            sheet.close()


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
    use_body_font(workbook)
    sheet = new_sheet(workbook, sheet_title_for(workbook, sheet_title or table.title))
    rows, widths = measured_rows(table)
    layout = page_layout(table.header, table.columns, widths)
    first_row = TOP_ROWS + len(table.header) + 1
    set_up_sheet(sheet, widths, layout, first_row)

    cells = CellMaker(sheet, table.columns, widths, plain_data=table.streamed)
    merges: list[str] = []
    write_top(sheet, table, cells, merges, widths, layout)
    count = 0
    for row in rows:
        values, lines = cells.row(row)
        if lines > 1:
            number = first_row + count
            sheet.row_dimensions[number].height = LINE_HEIGHT * lines + 4
            sheet.append(values)
            del sheet.row_dimensions[number]  # written: keep memory flat
        else:
            sheet.append(values)
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    if table.streamed and count:
        grid_over(sheet, span(first_row, 1, first_row + count - 1, width))
    write_foot(sheet, table, cells, merges, widths, layout, first_row + count)
    merge(sheet, merges)
    return count


def use_body_font(workbook: Workbook) -> None:
    """Make 宋体 the workbook's default font (its Normal style), so bare values in
    list sheets and whatever a clerk types later are 宋体 too, and column widths are
    counted in its digits. openpyxl has no setter for the default font: the font
    list's first entry is it."""
    fonts = workbook._fonts
    if fonts[0] != BODY_FONT:
        workbook._fonts = IndexedList([BODY_FONT, *list(fonts)[1:]])
        workbook._named_styles["Normal"].font = BODY_FONT


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
    widths = Widths(table.columns, table.header, streamed=table.streamed)
    if table.streamed:
        iterator = iter(table.rows)
        sample = list(islice(iterator, WIDTH_SAMPLE))
        rows = chain(sample, iterator)
    else:
        rows = sample = table.rows
    for row in sample:
        widths.see_row(row)
    return rows, widths.result()


def set_up_sheet(sheet, widths: list[float], layout: PageLayout, first_row: int):
    """Everything a write-only sheet must know before its first row, and the print
    setup: A4 landscape at a fixed scale (never fit-to-page, which would shrink a
    wide table's text to 3 pt), title and header rows and the row-title columns
    repeated on every page, column page breaks between the header's groups."""
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    titles = layout.title_columns
    sheet.freeze_panes = f"{get_column_letter(titles + 1)}{first_row}"
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=False)
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.scale = layout.scale
    sheet.page_margins = PageMargins(
        left=MARGIN_SIDE, right=MARGIN_SIDE, top=0.5, bottom=0.6, header=0.3,
        footer=0.3,
    )  # fmt: skip
    sheet.print_options.horizontalCentered = not layout.split
    sheet.print_title_rows = f"1:{first_row - 1}"
    sheet.print_title_cols = f"A:{get_column_letter(titles)}"
    for start in layout.breaks:
        # A break "at" column n (0-based) starts a page with it.
        sheet.col_breaks.append(Break(id=start))
    sheet.oddFooter.center.text = _("Page &P of &N")
    sheet.oddFooter.center.font = "宋体,Regular"
    sheet.oddFooter.center.size = 10


def blocks(layout: PageLayout, width: int, skip_titles: bool) -> list[tuple]:
    """Column spans (1-based, inclusive) of the lines laid over each page: the
    whole width when the table fits one page, else each column page's own columns
    (leaving the row-title columns, repeated on every page, empty when asked)."""
    if not layout.split:
        return [(1, width)]
    spans = []
    for n, (start, end) in enumerate(layout.pages):
        if n == 0 and skip_titles:
            start = layout.title_columns
        spans.append((start + 1, end))
    return spans


def write_top(sheet, table: Table, cells: CellMaker, merges, widths, layout):
    """The title, the unit line and the header rows; on a table split into
    column pages, the title ("续" after the first page) and the unit line over
    each page."""
    width = len(widths)
    sheet.row_dimensions[1].height = 30
    title_row = [None] * width
    for n, (start, end) in enumerate(blocks(layout, width, skip_titles=False)):
        text = (
            table.title
            if n == 0
            else _("%(title)s (continued)") % {"title": table.title}
        )
        title_row[start - 1] = cells.plain(
            text, "title", font=TITLE_FONT, alignment=CENTRE
        )
        merges.append(span(1, start, 1, end))
    sheet.append(title_row)

    line = [
        _("Reporting unit: %(unit)s") % {"unit": table.unit_name},
        _("Period: %(period)s") % {"period": table.period_label},
        table.unit,
    ]
    row = [None] * width
    lines = max(
        line_cells(cells, merges, row, 2, line, first, last, widths)
        for first, last in blocks(layout, width, skip_titles=True)
    )
    sheet.row_dimensions[2].height = LINE_HEIGHT * lines + 6
    sheet.append(row)

    header_row = TOP_ROWS + 1
    page_starts = set(layout.breaks)
    grid: list[list] = [[None] * width for _row in table.header]
    for cell, r, c in header_positions(table.header):
        # A group cut by a page break shows its name where it starts, not centred
        # across the break.
        cut = any(c < start < c + cell.colspan for start in page_starts)
        for dr in range(cell.rowspan):
            for dc in range(cell.colspan):
                # Covered slots get the border and fill too, so the merged block
                # is drawn whole.
                text = cell.text if (dr, dc) == (0, 0) else None
                grid[r + dr][c + dc] = cells.header(text, "left" if cut else "center")
        merges.append(
            span(header_row + r, c + 1, header_row + r + cell.rowspan - 1,
                 c + cell.colspan)
        )  # fmt: skip
    heights = header_heights(table, widths)
    for r, row_cells in enumerate(grid):
        sheet.row_dimensions[header_row + r].height = heights[r]
        sheet.append([cell or cells.header(None) for cell in row_cells])


def write_foot(sheet, table: Table, cells: CellMaker, merges, widths, layout, row):
    """Below the rows, over the first page's columns: the notes, the checks (校验)
    and the "填表人 / 审核人 / 填报日期" line."""
    width = len(widths)
    first, last = blocks(layout, width, skip_titles=True)[0]
    room = sum(widths[first - 1 : last])

    def line(text, look, font=BODY_FONT):
        nonlocal row
        sheet.row_dimensions[row].height = LINE_HEIGHT * lines_needed(text, room) + 4
        cell = cells.plain(text, look, font=font, alignment=WRAP)
        sheet.append([None] * (first - 1) + [cell])
        merges.append(span(row, first, row, last))
        row += 1

    for note in table.notes:
        line(note, "note")
    if table.checks:
        line(_("Checks"), "checks-heading", font=BOLD)
        for n, check in enumerate(table.checks, start=1):
            text = check_line(n, check)
            line(text, "check" if check.ok else "check-failed",
                 font=BODY_FONT if check.ok else FAILED_FONT)  # fmt: skip
    foot = [_("Filled in by:"), _("Checked by:"), _("Date:    year    month    day")]
    values = [None] * width
    thirds = [room / 3] * 3  # room to sign after each
    line_cells(cells, merges, values, row, foot, first, last, widths, needs=thirds,
               font=BOLD)  # fmt: skip
    sheet.row_dimensions[row].height = 30
    sheet.append(values)


def check_line(number: int, check: Check) -> str:
    """One check as a footnote: what is compared, both figures, the result."""
    return _("%(number)s. %(label)s: %(expected)s / %(actual)s, %(result)s") % {
        "number": number,
        "label": check.label,
        "expected": check.expected,
        "actual": check.actual,
        "result": check_result(check),
    }


def check_result(check: Check) -> str:
    if check.ok:
        return pgettext("reconciliation check", "passed")
    return pgettext("reconciliation check", "failed")


def grid_over(sheet, ref: str) -> None:
    """Thin borders over the data rows of a list sheet by one conditional format,
    so its tens of thousands of cells can be written as bare values."""
    rule = Rule(type="expression", formula=["TRUE"], dxf=DifferentialStyle(border=GRID))
    sheet.conditional_formatting.add(ref, rule)


def line_blocks(
    first: int, last: int, needs: list[float], widths: list[float]
) -> list[tuple[int, int, str]]:
    """Column spans (1-based, inclusive) of a line's left, middle and right blocks
    within columns first..last: the left and right blocks take the columns their
    texts need (``needs``, in width units), the middle the rest; one block when
    there are too few columns."""
    if last - first + 1 < 3:
        return [(first, last, "left")]

    def room(a, b):
        return sum(widths[a - 1 : b])

    left = first
    while left < last - 2 and room(first, left) < needs[0]:
        left += 1
    right = last
    while right > left + 2 and room(right, last) < needs[2]:
        right -= 1
    return [
        (first, left, "left"),
        (left + 1, right - 1, "center"),
        (right, last, "right"),
    ]


def line_cells(cells, merges, values, row, texts, first, last, widths, **how):
    """Put a line of three texts (left, middle, right) into ``values`` over
    columns first..last, each wrapping where its block is too narrow; returns the
    lines the tallest takes. ``needs`` as in ``line_blocks`` (default: the texts'
    widths); ``font`` the texts' font."""
    needs = how.get("needs") or [column_width(text) for text in texts]
    font = how.get("font", BODY_FONT)
    three = line_blocks(first, last, needs, widths)
    if len(three) == 1:
        texts = ["    ".join(texts)]
    lines = 1
    for (start, end, align), text in zip(three, texts, strict=True):
        alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
        values[start - 1] = cells.plain(
            text, f"line-{align}-{font.b}", font=font, alignment=alignment
        )
        merges.append(span(row, start, row, end))
        lines = max(lines, lines_needed(text, sum(widths[start - 1 : end])))
    return lines


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
