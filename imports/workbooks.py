"""The workbooks of an import: the template of a record type (Chinese headers, a
说明 sheet, dropdowns for choice columns, date and number formats, optionally the
user's records in it: the list export), and the uploaded workbook given back with
every bad cell marked and an error column. Written with openpyxl; the template in
write-only mode through the system's row writer, so that a list of tens of
thousands of records streams."""

from __future__ import annotations

import datetime as dt
import uuid
from copy import copy
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from core.excel import HEADER_FILL, Styled, new_sheet

from .records import RecordType

CJK_FONT = "宋体"
BODY_FONT = Font(name=CJK_FONT, size=11)
HEADER_FONT = Font(name=CJK_FONT, size=11, bold=True)
REQUIRED_FONT = Font(name=CJK_FONT, size=11, bold=True, color="C00000")
BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
BAD_FONT = Font(name=CJK_FONT, size=11, color="9C0006")
DATA_SHEET = "数据"
NOTES_SHEET = "说明"
CHOICES_SHEET = "选项"
# Rows of the template that carry the dropdowns.
TEMPLATE_ROWS = 50_000
GUIDE = (
    "1. 第一行是列名：列的顺序可以调整，多余的列会被忽略；"
    "标题行、合并的表头行可以保留。",
    "2. 日期可写作 2013-10-08、2013年10月8日、2013.10.8、2013/10/08，"
    "只写年月时记为当月1日。",
    "3. 金额可写作 12000、1.5万元、29万余元、约1.5万、近10万元，"
    "“余、约、近、以上”记为约数。",
    "4. 学校可填名称或10位学校标识码，更名学校可填原名称；"
    "只能填写本人管辖范围内的学校。",
    "5. 上传后系统先逐行检查，列出全部错误，确认后才写入；导入的记录可以整批撤销。",
    "6. 红色列名为必填列；“系统编号”由系统导出时填写，修改已有记录时请保留。",
)


def _look(**styles):
    """A cell look made once (a style array) and shared by every cell."""
    cell = WriteOnlyCell(Workbook(write_only=True).create_sheet(), value=None)
    for name, value in styles.items():
        setattr(cell, name, value)
    return copy(cell._style)


def template(cls: type[RecordType], records=None) -> Workbook:
    """The template of a record type; ``records`` (stored objects in the user's
    scope) fill it for export → edit → import."""
    workbook = Workbook(write_only=True)
    sheet = new_sheet(workbook, DATA_SHEET)
    columns = cls.all_columns()
    looks = []
    for position, column in enumerate(columns, start=1):
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = column.width + 2
        if column.number_format:
            # Typed cells take the column's format (a date stays a date).
            sheet.column_dimensions[letter].number_format = column.number_format
        looks.append(
            _look(font=BODY_FONT, number_format=column.number_format or "General")
        )
    sheet.freeze_panes = "A2"
    _print_setup(sheet)
    for position, column in enumerate(columns, start=1):
        if column.choices:
            letter = get_column_letter(position)
            validation = DataValidation(
                type="list",
                formula1=f"'{CHOICES_SHEET}'!${letter}$1:${letter}${len(column.choices)}",
                allow_blank=True,
                showErrorMessage=False,  # a former spelling is read too
            )
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
            sheet.data_validations.append(validation)
    sheet.append([_header(sheet, column) for column in columns])
    export_rows = getattr(cls, "export_rows", None)
    for obj in records if records is not None else ():
        for values in export_rows(obj) if export_rows else [cls.export_row(obj)]:
            sheet.append(
                [_value(v, look) for v, look in zip(values, looks, strict=True)]
            )
    _notes(new_sheet(workbook, NOTES_SHEET), cls)
    choices = workbook.create_sheet(CHOICES_SHEET)
    choices.sheet_state = "hidden"
    longest = max((len(c.choices) for c in columns), default=0)
    for n in range(longest):
        choices.append([c.choices[n] if n < len(c.choices) else None for c in columns])
    return workbook


def _header(sheet, column) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=column.header)
    cell.font = REQUIRED_FONT if column.required else HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    return cell


def _value(value, look):
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    return Styled(value, look)


def _notes(sheet, cls) -> None:
    for letter, width in {"A": 16, "B": 10, "C": 60, "D": 60}.items():
        sheet.column_dimensions[letter].width = width
    header = []
    for title in ("列名", "是否必填", "说明", "可填写的值"):
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        header.append(cell)
    sheet.append(header)
    body = _look(font=BODY_FONT, alignment=Alignment(wrap_text=True, vertical="top"))
    for column in cls.all_columns():
        sheet.append(
            [
                Styled(column.header, body),
                Styled("必填" if column.required else "", body),
                Styled(column.note, body),
                Styled("、".join(column.choices), body),
            ]
        )
    sheet.append([])
    for line in GUIDE:
        sheet.append([Styled(line, body)])
    _print_setup(sheet)


def _print_setup(sheet) -> None:
    """A4 landscape at 100 %: 11 pt text; a wide sheet goes on over more pages,
    the header row repeated on each, page numbers in the footer."""
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.print_title_rows = "1:1"
    sheet.oddFooter.center.text = "第 &P 页 共 &N 页"


def store_marked(job, path: Path, sheet, problems: list[dict]) -> str:
    """The uploaded workbook with each bad cell filled red (its message as a
    comment) and an 错误说明 column; stored beside the upload, its name returned."""
    workbook = load_workbook(path)
    target = workbook[sheet.name]
    by_row: dict[int, list[dict]] = {}
    for problem in problems:
        by_row.setdefault(problem["row"], []).append(problem)
    column = target.max_column + 1
    header = target.cell(row=sheet.header_row, column=column, value="错误说明")
    header.font = REQUIRED_FONT
    header.fill = HEADER_FILL
    target.column_dimensions[get_column_letter(column)].width = 60
    for number, found in by_row.items():
        texts = []
        for problem in found:
            where = problem["header"] or "本行"
            texts.append(f"{where}：{problem['message']}")
            if problem["column"]:
                cell = target[f"{problem['column']}{number}"]
                cell.fill = BAD_FILL
                cell.font = BAD_FONT
                cell.comment = Comment(problem["message"], "系统检查")
        note = target.cell(row=number, column=column, value="；".join(texts))
        note.font = BAD_FONT
        note.alignment = Alignment(wrap_text=True, vertical="top")
    marked = path.with_name("marked.xlsx")
    workbook.save(marked)
    with open(marked, "rb") as handle:
        name = default_storage.save(
            f"imports/{uuid.uuid4().hex}-marked.xlsx", File(handle)
        )
    marked.unlink(missing_ok=True)
    return name
