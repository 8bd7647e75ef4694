"""Reading an uploaded workbook: refusing a bad file before any row is read, finding
the header row under a title and merged header rows, matching columns by their
header text, and giving the data rows with their sheet row numbers.

Read with python-calamine (several times faster than openpyxl's read-only mode).
Formula cells give their cached values; a formula without one, and an error value
such as #DIV/0!, is an error on its cell."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter
from python_calamine import CalamineError, CalamineWorkbook

from reporting.reports.attachments import check_package

from . import cleaning
from .records import Column, Row

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# The header row lies within the first rows (a title and merged headers above).
HEADER_SEARCH_ROWS = 30
TEN_THOUSAND = Decimal(10_000)


class BadFile(Exception):
    """A file that cannot be imported at all; nothing is written."""


def max_rows() -> int:
    return settings.DUIKOU_IMPORT_MAX_ROWS


def check_file(path: Path) -> None:
    """Refuse what is not an .xlsx workbook, with the clerk's way out."""
    with open(path, "rb") as handle:
        head = handle.read(8)
        if head.startswith(OLE2_MAGIC):
            content = handle.read()
            if "EncryptionInfo".encode("utf-16-le") in content:
                raise BadFile(
                    _(
                        "The workbook is protected by a password. Remove the password "
                        "in Excel or WPS (文件 → 信息 → 保护工作簿) and upload it "
                        "again."
                    )
                )
            raise BadFile(
                _(
                    "This is an old Excel file (.xls). Open it in Excel or WPS, choose "
                    "另存为 → Excel 工作簿 (*.xlsx), and upload the .xlsx file."
                )
            )
    if not head.startswith(ZIP_MAGIC):
        raise BadFile(
            _(
                "This file is not an Excel workbook (.xlsx). Download the template, "
                "fill it in and upload it."
            )
        )
    with open(path, "rb") as handle:
        try:
            check_package(File(handle, name=path.name))
        except ValidationError as problem:
            code = problem.code
            if code == "macros":
                raise BadFile(
                    _(
                        "The workbook contains macros (.xlsm). Save it as an Excel "
                        "workbook without macros (.xlsx) and upload that."
                    )
                ) from None
            if code in ("unpacked_size", "too_many_parts"):
                raise BadFile(
                    _(
                        "The workbook unpacks to far more than its size (it may be "
                        "damaged or made to harm the server), so it is not read."
                    )
                ) from None
            raise BadFile(
                _("The workbook is damaged or encrypted and cannot be read.")
            ) from None


@dataclass
class Sheet:
    """The data of one worksheet as the import sees it."""

    name: str
    header_row: int  # 1-based
    columns: dict[int, Column]  # 0-based position -> column
    rows: list[Row]
    warnings: list[str] = field(default_factory=list)
    # A money column headed in 万元 (金额（万元）): its bare numbers are 万元.
    units: dict[str, Decimal] = field(default_factory=dict)

    def letter(self, name: str) -> str:
        for position, column in self.columns.items():
            if column.name == name:
                return get_column_letter(position + 1)
        return ""


def _header_keys(columns: list[Column]) -> dict[str, Column]:
    keys = {}
    for column in columns:
        for header in column.headers:
            keys.setdefault(cleaning.key(header), column)
            base = re.sub(r"\(.*?\)", "", cleaning.key(header))
            keys.setdefault(base, column)
    return keys


def _match(cell, keys) -> Column | None:
    written = cleaning.key(cleaning.text(cell))
    if not written:
        return None
    if written in keys:
        return keys[written]
    return keys.get(re.sub(r"\(.*?\)", "", written))


def read(path: Path, columns: list[Column]) -> Sheet:
    """The best-matching worksheet's rows. Raises ``BadFile`` for a file that has
    no sheet with the template's columns, lacks a required column, or holds more
    rows than the limit."""
    check_file(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except CalamineError as problem:  # pragma: no cover - damaged beyond the checks
        raise BadFile(_("The workbook is damaged and cannot be read.")) from problem
    except Exception as problem:
        raise BadFile(_("The workbook is damaged and cannot be read.")) from problem
    keys = _header_keys(columns)
    best = None
    for index, name in enumerate(workbook.sheet_names):
        if name in ("说明", "填写说明"):
            continue
        sheet = workbook.get_sheet_by_index(index)
        if sheet.height > max_rows() + HEADER_SEARCH_ROWS + 1:
            raise BadFile(
                _(
                    "The sheet “%(sheet)s” has %(rows)s rows; an import takes at most "
                    "%(limit)s. Split the file and import the parts one after another."
                )
                % {"sheet": name, "rows": sheet.height, "limit": max_rows()}
            )
        cells = sheet.to_python(skip_empty_area=False)
        found = _find_header(cells, keys)
        if found and (best is None or found[1] > best[2]):
            best = (index, name, found[1], found[0], cells)
    if best is None:
        raise BadFile(
            _(
                "No sheet has the template's column headers. Download the template "
                "for this kind of record and keep its header row."
            )
        )
    index, name, _count, header_index, cells = best
    return _sheet(path, index, name, header_index, cells, columns, keys)


def _find_header(cells, keys) -> tuple[int, int] | None:
    best = None
    for number, row in enumerate(cells[:HEADER_SEARCH_ROWS]):
        count = len({id(c) for c in (_match(v, keys) for v in row) if c is not None})
        if count and (best is None or count > best[1]):
            best = (number, count)
    return best


def _sheet(path, index, name, header_index, cells, columns, keys) -> Sheet:
    header = list(cells[header_index])
    above = cells[header_index - 1] if header_index else []
    mapping: dict[int, Column] = {}
    units: dict[str, Decimal] = {}
    warnings = []
    for position, cell in enumerate(header):
        column = _match(cell, keys)
        if column is None and not cleaning.text(cell) and position < len(above):
            column = _match(above[position], keys)  # a header merged over two rows
        written = str(cell).strip() or (
            str(above[position]).strip() if position < len(above) else ""
        )
        letter = get_column_letter(position + 1)
        if column is None:
            if written:
                warnings.append(
                    _("Column %(letter)s “%(header)s” is not in the template: ignored.")
                    % {"letter": letter, "header": written}
                )
            continue
        if column in mapping.values():
            warnings.append(
                _(
                    "Column %(letter)s repeats the column “%(header)s”: only the "
                    "first one is read."
                )
                % {"letter": letter, "header": column.header}
            )
            continue
        mapping[position] = column
        if column.money and "万元" in written:
            units[column.name] = TEN_THOUSAND
    missing = [c.header for c in columns if c.required and c not in mapping.values()]
    if missing:
        raise BadFile(
            _("The sheet “%(sheet)s” lacks the required columns: %(columns)s.")
            % {"sheet": name, "columns": "、".join(missing)}
        )
    broken = _formula_cells(path, index)
    letters = {position: get_column_letter(position + 1) for position in mapping}
    rows = []
    for number, values in enumerate(cells[header_index + 1 :], start=header_index + 2):
        row_cells = {}
        problems = {}
        for position, column in mapping.items():
            value = values[position] if position < len(values) else ""
            if isinstance(value, str):
                value = value if value.strip() else ""
            if value != "":
                row_cells[column.name] = value
            if broken:  # most files have no formula without its value
                reference = f"{letters[position]}{number}"
                if reference in broken:
                    problems[column.name] = broken[reference]
        if not row_cells and not problems:
            continue  # blank rows, at the end or between blocks
        row = Row(number, row_cells)
        for column_name, message in problems.items():
            row.error(column_name, message)
        rows.append(row)
    if len(rows) > max_rows():
        raise BadFile(
            _(
                "The file has %(rows)s rows; an import takes at most %(limit)s. Split "
                "the file and import the parts one after another."
            )
            % {"rows": len(rows), "limit": max_rows()}
        )
    return Sheet(name, header_index + 1, mapping, rows, warnings, units)


_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_ERROR_TYPE = re.compile(rb'\bt="e"')
_VALUE = re.compile(rb"<v>(.*?)</v>", re.S)


def _formula_cells(path: Path, index: int) -> dict[str, str]:
    """Cells holding a formula without a computed value, or an error value, by
    reference: what calamine reads as empty."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, index)
            if part is None:
                return {}
            content = archive.read(part)
    except (KeyError, zipfile.BadZipFile):
        return {}
    if b"<f" not in content and b't="e"' not in content:
        return {}
    found = {}
    for attributes, inner in _CELL.findall(content):
        inner = inner or b""
        reference = _REF.search(attributes)
        if reference is None:
            continue
        value = _VALUE.search(inner)
        if _ERROR_TYPE.search(attributes):
            shown = value.group(1).decode() if value else "#N/A"
            found[reference.group(1).decode()] = _(
                "The cell holds the error value %(error)s."
            ) % {"error": shown}
        elif b"<f" in inner and (value is None or not value.group(1)):
            found[reference.group(1).decode()] = _(
                "The cell holds a formula without a computed value: open the file in "
                "Excel or WPS and save it, or type the value."
            )
    return found


def _sheet_part(archive: zipfile.ZipFile, index: int) -> str | None:
    workbook = archive.read("xl/workbook.xml")
    relations = archive.read("xl/_rels/workbook.xml.rels")
    ids = re.findall(rb"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"", workbook)
    if index >= len(ids):
        return None
    for attributes in re.findall(rb"<Relationship\b([^>]*)/?>", relations):
        if re.search(rb'\bId="' + re.escape(ids[index]) + rb'"', attributes):
            target = re.search(rb'\bTarget="([^"]+)"', attributes).group(1).decode()
            target = target.lstrip("/")
            return target if target.startswith("xl/") else f"xl/{target}"
    return None
