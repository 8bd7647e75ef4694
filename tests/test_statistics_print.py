"""The yearly workbook as it comes out of the printer: every sheet on A4 landscape,
no text below 9 pt after the print scale, a Chinese font, titles and row titles on
every page, page numbers, and no figure or name cut off by its column.

Read back with openpyxl, as a clerk's Excel would lay it out: the printed size of a
cell's text is its font size times the scale Excel prints at (the fixed scale, or,
with fit-to-page, the scale that fits the columns into the page width)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from reporting.statistics import registry
from reporting.statistics.base import Check, Column, HeaderCell, Row, Spec, Table
from reporting.statistics.excel import build_workbook

from . import world

CJK_FONTS = {"宋体", "黑体", "仿宋", "楷体", "SimSun", "SimHei", "FangSong", "KaiTi"}
A4_LANDSCAPE_INCHES = 297 / 25.4
PIXELS_PER_UNIT = 7  # a digit of 宋体 10.5 pt at 96 dpi


@pytest.fixture
def yearly(tmp_path):
    """The yearly workbook of the provincial bureau over the small world."""
    w = world.build()
    spec = Spec(span="school_year", year=2024, group="region")
    codes = list(registry.available())
    tables = registry.build_all(codes, user=w["sheng"], spec=spec)
    return load_workbook(build_workbook(tables, tmp_path / "yearly.xlsx")), len(codes)


def printed_scale(ws) -> float:
    """The scale Excel prints the sheet at."""
    setup = ws.page_setup
    if ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage:
        margins = ws.page_margins.left + ws.page_margins.right
        room = (A4_LANDSCAPE_INCHES - margins) * 96 / PIXELS_PER_UNIT
        width = sum(column_widths(ws))
        return min(1.0, room / width) if int(setup.fitToWidth or 0) else 1.0
    return int(setup.scale or 100) / 100


def column_widths(ws) -> list[float]:
    return [
        ws.column_dimensions[get_column_letter(c)].width or 8.43
        for c in range(1, ws.max_column + 1)
    ]


def display_width(cell) -> float:
    """The width of what the cell shows, a Chinese character counting two units,
    anything else one, plus its indentation (about two units a level)."""
    text = shown(cell)
    units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    return units + 2 * (cell.alignment.indent or 0)


def shown(cell) -> str:
    value, fmt = cell.value, cell.number_format
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return "0000-00-00"
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        prefix = "≥" if fmt.startswith('"≥"') else ""
        if "0.00" in fmt:
            text = f"{value:,.2f}"
        elif '0.0"%"' in fmt:
            text = f"{value:.1f}%"
        elif "#,##0" in fmt:
            text = f"{value:,.0f}"
        else:
            text = f"{value}"
        return prefix + text
    return str(value)


def merged_at(ws) -> dict[tuple[int, int], object]:
    return {
        (r.min_row, r.min_col): r for r in ws.merged_cells.ranges if r.size["columns"]
    }


def data_rows(ws) -> range:
    """The rows between the repeated header and the notes (a row whose first
    written cell is merged across columns)."""
    header_end = int(ws.print_title_rows.split(":")[1].lstrip("$"))
    starts = {(r.min_row) for r in ws.merged_cells.ranges if r.min_row > header_end}
    end = min(starts, default=ws.max_row + 1)
    return range(header_end + 1, end)


@pytest.mark.django_db
def test_every_sheet_prints_a4_landscape_with_titles_and_page_numbers(yearly):
    book, count = yearly
    assert len(book.worksheets) == count
    for ws in book.worksheets:
        assert int(ws.page_setup.paperSize) == 9, ws.title  # A4
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.print_title_rows and ws.print_title_rows.startswith("$1:"), ws.title
        assert ws.print_title_cols and ws.print_title_cols.startswith("$A:"), ws.title
        assert "第 &P 页 共 &N 页" in ws.oddFooter.center.text, ws.title


@pytest.mark.django_db
def test_no_text_prints_below_nine_points_in_a_chinese_font(yearly):
    book, _count = yearly
    for ws in book.worksheets:
        scale = printed_scale(ws)
        assert scale >= 0.86, ws.title
        seen = 0
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                seen += 1
                where = f"{ws.title}!{cell.coordinate}"
                assert cell.font.name in CJK_FONTS, where
                assert cell.font.sz * scale >= 9, (where, cell.font.sz, scale)
        assert seen > 10, ws.title


@pytest.mark.django_db
def test_no_figure_or_name_is_wider_than_its_column_unless_it_wraps(yearly):
    book, _count = yearly
    checked = 0
    for ws in book.worksheets:
        widths = column_widths(ws)
        for r in data_rows(ws):
            for cell in ws[r]:
                if cell.value is None or cell.alignment.wrap_text:
                    continue
                where = f"{ws.title}!{cell.coordinate}"
                assert display_width(cell) <= widths[cell.column - 1], where
                checked += 1
        # Notes, checks and the foot wrap inside their merged blocks.
        for (row, col), _range in merged_at(ws).items():
            if row > 2 + 1 and ws.cell(row, col).value and row > data_rows(ws).start:
                assert ws.cell(row, col).alignment.wrap_text, (ws.title, row)
    assert checked > 50


@pytest.mark.django_db
def test_header_texts_wrap(yearly):
    book, _count = yearly
    for ws in book.worksheets:
        header_end = int(ws.print_title_rows.split(":")[1].lstrip("$"))
        for row in ws.iter_rows(min_row=3, max_row=header_end):
            for cell in row:
                if cell.value:
                    assert cell.alignment.wrap_text, f"{ws.title}!{cell.coordinate}"


def wide_table(columns: int, rows: int = 3, figure="123456.78") -> Table:
    """A region table with 40-odd figures in groups of five, like table 4."""
    groups = columns // 5
    keys = [f"k{i}" for i in range(groups * 5)]
    return Table(
        code="wide",
        title="资金物资统计表",
        period_label="2025年",
        unit="单位：万元",
        header=[
            [HeaderCell("地区", rowspan=2)]
            + [HeaderCell(f"第{g + 1}组资金来源", colspan=5) for g in range(groups)],
            [
                HeaderCell(t)
                for _g in range(groups)
                for t in ("计划", "到位", "支出", "结余", "执行率（%）")
            ],
        ],  # fmt: skip
        columns=[Column("label", "text")] + [Column(k, "wan") for k in keys],
        rows=[
            Row({"label": f"某某县{n}", **{k: Decimal(figure) for k in keys}})
            for n in range(rows)
        ],
        notes=["注：测试。"],
        unit_name="某省教育厅",
        checks=[Check("表1资金与表4资金", "1.00", "1.00", True)],
    )


def test_a_table_too_wide_for_a_page_is_split_between_groups_not_shrunk(tmp_path):
    path = build_workbook([wide_table(40)], tmp_path / "wide.xlsx")
    ws = load_workbook(path).active
    assert printed_scale(ws) * 10.5 >= 9
    breaks = [b.id for b in ws.col_breaks.brk]
    assert breaks, "a 41-column table needs more than one page"
    # Each page starts with a group (columns 1, 6, 11, … 0-based) and holds at
    # most a page's width of columns besides the repeated region column.
    widths = column_widths(ws)
    room = (A4_LANDSCAPE_INCHES - 0.8) * 96 / PIXELS_PER_UNIT / printed_scale(ws)
    edges = [0, *breaks, len(widths)]
    for start, end in zip(edges, edges[1:], strict=False):
        assert start == 0 or (start - 1) % 5 == 0, breaks
        titles = widths[0] if start else 0
        assert titles + sum(widths[start:end]) <= room
    # Every page after the first has its own (continued) title over its columns.
    titles = [c.value for c in ws[1] if c.value]
    assert titles[0] == "资金物资统计表"
    assert len(titles) == len(breaks) + 1 and "续" in titles[1]
    assert ws.print_title_cols == "$A:$A"
    # The checks are printed under the notes, with both figures and the result.
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "校验" in texts
    assert any("表1资金与表4资金" in t and "1.00" in t and "通过" in t for t in texts)


def test_a_failed_check_is_marked(tmp_path):
    table = wide_table(5)
    table.checks = [Check("合计与各行之和", "10", "9", False)]
    ws = load_workbook(build_workbook([table], tmp_path / "c.xlsx")).active
    cell = next(
        c for row in ws.iter_rows() for c in row if "合计与各行之和" in str(c.value)
    )
    assert "未通过" in cell.value and "10" in cell.value and "9" in cell.value
    assert cell.font.color.rgb.endswith("C00000")


def test_a_table_slightly_too_wide_shrinks_to_one_page_but_not_below_nine_points(
    tmp_path,
):
    table = wide_table(15, figure="123.45")
    ws = load_workbook(build_workbook([table], tmp_path / "n.xlsx")).active
    scale = printed_scale(ws)
    width = sum(column_widths(ws))
    room = (A4_LANDSCAPE_INCHES - 0.8) * 96 / PIXELS_PER_UNIT
    # 16 columns of 万元 figures: a little too wide at 100 %, so printed smaller
    # on one page, never below 9 pt.
    assert scale < 1 and not ws.col_breaks.brk
    assert room < width / 0.95 <= room / scale
    assert 10.5 * scale >= 9
