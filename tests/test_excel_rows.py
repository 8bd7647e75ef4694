"""The fast row writer (``core.excel.RowSheet``) writes the file openpyxl's own
write-only sheet writes, read back cell for cell, whatever a row holds."""

import datetime as dt
from copy import copy
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils.exceptions import IllegalCharacterError

from core.excel import RowSheet, Styled, _row_xml, new_sheet, text_cell


def rows(sheet, count, fast=False):
    """Rows with every kind of value the system writes, and some it does not."""
    thin = Side(style="thin")
    look = WriteOnlyCell(sheet)
    look.font = Font(name="宋体", bold=True)
    look.fill = PatternFill("solid", fgColor="DDEBF7")
    look.border = Border(left=thin, right=thin, top=thin, bottom=thin)
    look.alignment = Alignment(wrap_text=True, vertical="center")
    look.number_format = "#,##0.00"
    for i in range(count):
        money = WriteOnlyCell(sheet, value=Decimal("12.345") + i)
        money._style = look._style
        empty_styled = WriteOnlyCell(sheet)
        empty_styled._style = look._style
        # The same looks as Styled values (fast) or as cells (openpyxl).
        styled = [
            Styled(value, look._style) if fast else text_cell(sheet, value, look._style)
            for value in (7, "长文本\n第二行", None, "=不是公式", Decimal("0.5"), "")
        ]
        row = [
            i,
            "济南市第一中学",
            None,
            3.5,
            " 前后有空格 ",
            "a&b<c>\r\nd\t",
            "行尾回车\r",
            money,
            text_cell(sheet, "=1+2"),  # quote-prefixed text
            WriteOnlyCell(sheet, value=dt.date(2025, 1, 2)),
            "",
            Decimal("1.10"),
            10**15,
            empty_styled,
            -0.25,
            *styled,
        ]
        # Rows only openpyxl can write, among the fast ones (order must hold
        # across the rows kept for one write).
        if i % 500 == 5:
            row.append("=SUM(A1:A2)")
        if i % 450 == 7:
            row.append(dt.date(2024, 3, 4))
        if i % 550 == 9:
            row.extend(["#N/A", True])
        yield row


def write(fast, path, count=1200):
    workbook = Workbook(write_only=True)
    if fast:
        sheet = new_sheet(workbook, "表")
        assert isinstance(sheet, RowSheet)
    else:
        sheet = workbook.create_sheet("表")
    sheet.column_dimensions["B"].width = 30
    for i, row in enumerate(rows(sheet, count, fast), start=1):
        if i % 333 == 0:
            sheet.row_dimensions[i].height = 40
        sheet.append(row)
    workbook.save(path)


def look(cell):
    return (
        cell.value,
        cell.data_type,
        cell.number_format,
        cell.quotePrefix,
        # copies: a cell's style objects are proxies, which compare unequal
        copy(cell.font),
        copy(cell.fill),
        copy(cell.border),
        copy(cell.alignment),
    )


def test_rows_read_back_as_openpyxl_wrote_them(tmp_path):
    write(False, tmp_path / "openpyxl.xlsx")
    write(True, tmp_path / "fast.xlsx")
    expected = load_workbook(tmp_path / "openpyxl.xlsx")["表"]
    written = load_workbook(tmp_path / "fast.xlsx")["表"]
    assert written.max_row == expected.max_row == 1200
    assert written.max_column == expected.max_column
    compared = 0
    for want_row, got_row in zip(
        expected.iter_rows(), written.iter_rows(), strict=True
    ):
        for want, got in zip(want_row, got_row, strict=True):
            assert look(got) == look(want), got.coordinate
            compared += 1
    assert compared > 1200 * 20
    for number in range(1, 1201):
        assert (
            written.row_dimensions[number].height
            == expected.row_dimensions[number].height
        ), number
    assert written.column_dimensions["B"].width == 30
    # The values a clerk sees, spot-checked against the rows themselves.
    assert written["B1"].value == "济南市第一中学"
    assert written["E1"].value == " 前后有空格 "
    assert written["F1"].value == "a&b<c>\r\nd\t"
    assert written["H3"].value == pytest.approx(14.345)
    assert written["I1"].value == "=1+2" and written["I1"].quotePrefix
    assert written["V6"].value == "=SUM(A1:A2)" and written["V6"].data_type == "f"
    assert written["J1"].is_date and written["J1"].value == dt.datetime(2025, 1, 2)
    assert written["P1"].value == 7 and written["P1"].number_format == "#,##0.00"
    assert written["S1"].value == "=不是公式" and written["S1"].quotePrefix


def test_a_row_of_looks_with_empty_texts_takes_the_fast_path():
    """Blank label cells (a list's empty 牵头单位, table 5's figure columns in the
    missing-schools list) are common: such rows must not fall back to openpyxl's
    cell-by-cell path, which costs several times as much."""
    workbook = Workbook(write_only=True)
    sheet = new_sheet(workbook, "表")
    look = WriteOnlyCell(sheet)
    look.font = Font(name="宋体")
    row = [Styled("", look._style), Styled("学校", look._style), Styled(3, look._style)]
    xml = _row_xml(sheet, row, 1)
    assert xml is not None
    assert 't="inlineStr"/>' in xml


def test_an_illegal_character_is_refused_as_openpyxl_refuses_it(tmp_path):
    workbook = Workbook(write_only=True)
    sheet = new_sheet(workbook, "表")
    with pytest.raises(IllegalCharacterError):
        sheet.append(["好", "控制字符\x07"])
        workbook.save(tmp_path / "bad.xlsx")


def test_an_ordinary_workbook_gets_an_ordinary_sheet():
    workbook = Workbook()
    assert not isinstance(new_sheet(workbook, "表"), RowSheet)
