"""The statistics tables as Excel sheets: what a clerk sees when the file opens and
when it prints (domain.md §5), and that long tables stream."""

from __future__ import annotations

import datetime as dt
import tracemalloc
import zipfile
from decimal import Decimal

import pytest
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from reporting.statistics.base import Column, HeaderCell, Row, Table
from reporting.statistics.excel import build_workbook, sheet_title_for, write_table

HEADER = [
    [
        HeaderCell("地区", rowspan=2),
        HeaderCell("支教教师", colspan=2),
        HeaderCell("资金（万元）", rowspan=2),
        HeaderCell("培训覆盖率（%）", rowspan=2),
        HeaderCell("备注", rowspan=2),
        HeaderCell("日期", rowspan=2),
    ],
    [HeaderCell("人"), HeaderCell("人次")],
]
COLUMNS = [
    Column("region", kind="text"),
    Column("persons"),
    Column("secondments"),
    Column("funds", kind="wan"),
    Column("coverage", kind="rate"),
    Column("remark", kind="text"),
    Column("date", kind="date"),
]
FOOT = [_("Filled in by:"), _("Checked by:"), _("Date:    year    month    day")]


def yearly_table() -> Table:
    rows = [
        Row({"region": "某省", "persons": 1}, level=0),
        Row(
            {
                "region": "甲县",
                "persons": 12,
                "secondments": 1234,
                "funds": Decimal("29.35"),
                "coverage": Decimal("85.3"),
                "remark": "=SUM(A1:A2)",
                "date": dt.date(2025, 1, 15),
            },
            level=2,
            approximate={"funds"},
        ),
        Row({"region": "乙县", "persons": 3, "remark": "@cmd", "funds": None}, level=2),
        Row(
            {"region": "小计", "persons": 15, "funds": Decimal("29.35")}, "subtotal", 1
        ),
        Row({"region": "合计", "persons": 15, "secondments": 1234}, kind="total"),
    ]
    return Table(
        code="partner_assistance",
        title="对口支援工作统计表",
        period_label="2024-2025学年",
        unit="单位：人、人次、万元",
        header=HEADER,
        columns=COLUMNS,
        rows=rows,
        notes=["注：支教教师人次不与人数相加。"],
        unit_name="某县教育局",
    )


def roster_table(count: int, columns: int = 4) -> Table:
    keys = [f"c{i}" for i in range(columns)]

    def rows():
        for n in range(count):
            yield Row({"c0": f"教师{n}", **{k: n for k in keys[1:]}})

    return Table(
        code="roster",
        title="支教人员花名册",
        period_label="2024年",
        unit="单位：天",
        header=[
            [HeaderCell("姓名", rowspan=2), HeaderCell("天数", colspan=columns - 1)],
            [HeaderCell(f"第{i}段") for i in range(1, columns)],
        ],  # fmt: skip
        columns=[Column("c0", kind="text"), *[Column(k) for k in keys[1:]]],
        rows=rows(),
    )


@pytest.fixture(scope="module")
def workbook_path(tmp_path_factory):
    """Built once for the module: the tests only read it."""
    path = tmp_path_factory.mktemp("workbook") / "stats.xlsx"
    calls = []
    build_workbook([yearly_table(), roster_table(5000)], path, progress=calls.append)
    return path, calls


@pytest.fixture(scope="module")
def sheets(workbook_path):
    return load_workbook(workbook_path[0])


def line_blocks(ws, row):
    """The alignments of a line's merged blocks, which must cover the table's
    columns side by side."""
    spans = [(r.min_col, r.max_col) for r in ws.merged_cells.ranges if r.min_row == row]
    covered = {c for first, last in spans for c in range(first, last + 1)}
    spans += [
        (c.column, c.column) for c in ws[row] if c.value and c.column not in covered
    ]
    spans.sort()
    assert spans[0][0] == 1 and spans[-1][1] == ws.max_column
    assert all(a[1] + 1 == b[0] for a, b in zip(spans, spans[1:], strict=False))
    return [ws.cell(row, first).alignment.horizontal for first, _last in spans]


def row_of(ws, label):
    return next(r for r in ws.iter_rows(min_col=1, max_col=1) if r[0].value == label)[
        0
    ].row


def test_one_sheet_per_table_titled_by_the_table(sheets):
    assert sheets.sheetnames == ["对口支援工作统计表", "支教人员花名册"]


def test_title_and_unit_line(sheets):
    ws = sheets["对口支援工作统计表"]
    assert ws["A1"].value == "对口支援工作统计表"
    assert (ws["A1"].font.name, ws["A1"].font.sz) == ("黑体", 16)
    assert ws["A1"].alignment.horizontal == "center"
    assert "A1:G1" in {str(r) for r in ws.merged_cells.ranges}
    unit_line = [c.value for c in ws[2] if c.value]
    assert unit_line == [
        _("Reporting unit: %(unit)s") % {"unit": "某县教育局"},
        _("Period: %(period)s") % {"period": "2024-2025学年"},
        "单位：人、人次、万元",
    ]
    assert line_blocks(ws, 2) == ["left", "center", "right"]


def test_header_merges_match_the_spans(sheets):
    ws = sheets["对口支援工作统计表"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    header = {
        "A3:A4", "B3:C3", "D3:D4", "E3:E4", "F3:F4", "G3:G4",
    }  # fmt: skip
    assert header <= merged
    # Nothing else is merged in the header rows.
    assert {r for r in merged if r[1] in "34"} == header
    assert ws["B3"].value == "支教教师" and ws["C4"].value == "人次"
    assert ws["B3"].font.name == "黑体" and ws["B3"].alignment.wrap_text
    assert ws["B3"].fill.fgColor.rgb.endswith("DDEBF7")
    assert ws["C3"].border.top.style == "thin"


def test_frozen_header_and_print_setup(sheets):
    ws = sheets["对口支援工作统计表"]
    assert ws.freeze_panes == "B5"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9
    # A fixed scale, never shrunk to fit the page.
    assert int(ws.page_setup.scale) == 100
    assert not ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$4"
    assert ws.print_title_cols == "$A:$A"
    assert ws.oddFooter.center.text == _("Page &P of &N")
    assert ws.page_margins.left < 0.7


def test_number_formats_per_kind(sheets):
    ws = sheets["对口支援工作统计表"]
    r = row_of(ws, "甲县")
    assert ws.cell(r, 2).number_format == "#,##0"
    assert ws.cell(r, 3).value == 1234
    assert ws.cell(r, 5).number_format == '0.0"%"'
    assert ws.cell(r, 5).value == pytest.approx(85.3)
    assert ws.cell(r, 7).number_format == "yyyy-mm-dd"
    assert ws.cell(r, 7).value.date() == dt.date(2025, 1, 15)
    r2 = row_of(ws, "乙县")
    assert ws.cell(r2, 4).value is None
    assert ws.cell(r2, 4).number_format == "#,##0.00"


def test_approximate_figure_stays_a_number_shown_with_at_least(sheets):
    ws = sheets["对口支援工作统计表"]
    cell = ws.cell(row_of(ws, "甲县"), 4)
    assert cell.data_type == "n" and cell.value == pytest.approx(29.35)
    assert cell.number_format == '"≥"#,##0.00'


def test_formula_looking_text_stays_text(sheets):
    ws = sheets["对口支援工作统计表"]
    formula = ws.cell(row_of(ws, "甲县"), 6)
    command = ws.cell(row_of(ws, "乙县"), 6)
    assert (formula.value, formula.data_type) == ("=SUM(A1:A2)", "s")
    assert (command.value, command.data_type) == ("@cmd", "s")


def test_label_indent_and_subtotal_total_rows(sheets):
    ws = sheets["对口支援工作统计表"]
    assert ws.cell(row_of(ws, "甲县"), 1).alignment.indent == 2
    assert ws.cell(row_of(ws, "某省"), 1).alignment.indent == 0
    assert not ws.cell(row_of(ws, "甲县"), 2).font.b
    subtotal, total = row_of(ws, "小计"), row_of(ws, "合计")
    assert all(c.font.b for c in ws[subtotal]) and all(c.font.b for c in ws[total])
    light = ws.cell(subtotal, 2).fill.fgColor.rgb
    dark = ws.cell(total, 2).fill.fgColor.rgb
    assert light != dark and dark.endswith("D9D9D9")


def test_notes_and_foot_line_below_the_rows(sheets):
    ws = sheets["对口支援工作统计表"]
    note, foot = row_of(ws, "合计") + 1, row_of(ws, "合计") + 2
    assert ws.cell(note, 1).value == "注：支教教师人次不与人数相加。"
    assert ws.cell(note, 1).alignment.wrap_text
    assert [c.value for c in ws[foot] if c.value] == FOOT
    assert ws.max_row == foot
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert f"A{note}:G{note}" in merged
    assert line_blocks(ws, foot) == ["left", "center", "right"]


def test_column_widths_fit_chinese_headers(sheets):
    ws = sheets["对口支援工作统计表"]
    chinese = ws.column_dimensions["E"].width  # 培训覆盖率（%）: wraps
    ascii_ = ws.column_dimensions["B"].width  # 人 / 12 / 1
    region = ws.column_dimensions["A"].width  # 地区 / 某省 / 甲县 indented twice
    assert ascii_ == 6
    # A long header wraps onto lines of at least four characters (about 2 units
    # each) instead of widening its column to the whole text.
    assert 4 * 2 < chinese < 7 * 2
    assert ws["E3"].alignment.wrap_text
    assert region >= 2 * 2 + 2 * 2
    assert all(ws.column_dimensions[c].width <= 40 for c in "ABCDEFG")


def test_column_width_set_on_the_column_wins(tmp_path):
    table = yearly_table()
    table.columns[0] = Column("region", kind="text", width=33)
    build_workbook([table], tmp_path / "w.xlsx")
    assert load_workbook(tmp_path / "w.xlsx").active.column_dimensions["A"].width == 33


def test_streamed_sheet_has_every_row_and_its_header(sheets, workbook_path):
    ws = sheets["支教人员花名册"]
    assert {"A3:A4", "B3:D3"} <= {str(r) for r in ws.merged_cells.ranges}
    assert ws.freeze_panes == "B5"
    values = [r[0] for r in ws.iter_rows(min_row=5, max_col=1, values_only=True)]
    assert values[:5000] == [f"教师{n}" for n in range(5000)]
    assert values[5000] == FOOT[0]
    assert ws.print_title_rows == "$1:$4"


def test_progress_every_thousand_rows_over_the_workbook(workbook_path):
    # 5 rows in the first table, then 5,000 in the roster.
    assert workbook_path[1] == [1005, 2005, 3005, 4005, 5005]


def test_write_table_into_an_ordinary_workbook(tmp_path):
    workbook = Workbook()
    assert write_table(workbook, yearly_table(), sheet_title="年度") == 5
    workbook.save(tmp_path / "o.xlsx")
    ws = load_workbook(tmp_path / "o.xlsx")["年度"]
    assert "B3:C3" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.freeze_panes == "B5"
    with pytest.raises(ValueError):
        write_table(Workbook(), roster_table(3))


def test_sheet_titles_are_legal_and_unique():
    workbook = Workbook(write_only=True)
    workbook.create_sheet(sheet_title_for(workbook, "a" * 40))
    assert sheet_title_for(workbook, "[表]:1*2?3/4\\5") == "表12345"
    again = sheet_title_for(workbook, "a" * 40)
    assert len(again) == 31 and again.endswith("(2)")


def test_twenty_five_thousand_streamed_rows_do_not_sit_in_memory(tmp_path):
    path = tmp_path / "big.xlsx"
    tracemalloc.start()
    try:
        build_workbook([roster_table(25_000, columns=2)], path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Held in memory these rows take about 30 MB; streamed, under 1 MB whatever
    # their number.
    assert peak < 10 * 1024 * 1024
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    assert sheet.count(b"<row ") == 4 + 25_000 + 1
