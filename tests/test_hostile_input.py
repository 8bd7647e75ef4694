"""Hostile input: Office attachments that unpack to too much or carry macros, dates
no record can have, and text a spreadsheet would run as a formula.

Each is refused (or neutralised) in one place that every way in goes through; the
tests send it through the ways a user has (the page, the admin, the API) and check
what the user reads and that nothing was stored."""

import datetime as dt
import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from pairings.models import Agreement
from reporting.models import ReportAttachment, SemesterReport

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024


def zh(message):
    with translation.override("zh-hans"):
        return translation.gettext(message)


# Office packages, written byte by byte --------------------------------------------

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
    'openxmlformats.org/package/2006/content-types"><Override PartName="/xl/'
    'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.sheet.main+xml"/></Types>'
)
MACRO_CONTENT_TYPES = CONTENT_TYPES.replace(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
)
WORKBOOK = "<workbook><sheets/></workbook>"


class Part:
    """One deflated part of a ZIP package: its raw deflate stream, the CRC and size
    of what it unpacks to, and the size the package says it unpacks to."""

    def __init__(self, name, deflated, crc, size, declared=None):
        self.name = name.encode()
        self.deflated, self.crc, self.size = deflated, crc, size
        self.declared = size if declared is None else declared

    @classmethod
    def of(cls, name, text):
        data = text.encode() if isinstance(text, str) else text
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        return cls(
            name, packer.compress(data) + packer.flush(), zlib.crc32(data), len(data)
        )

    @classmethod
    def repeated(cls, name, chunk, times):
        """``chunk`` ``times`` over, packed once: after a full flush the packer
        starts afresh, so each repetition packs to the same bytes."""
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        piece = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
        end = zlib.compressobj(9, zlib.DEFLATED, -15).flush()
        crc = 0
        for _ in range(times):
            crc = zlib.crc32(chunk, crc)
        return cls(name, piece * times + end, crc, len(chunk) * times)


def package(*parts: Part) -> bytes:
    """A ZIP file of these parts, with the sizes each part declares."""
    out, central = io.BytesIO(), io.BytesIO()
    for part in parts:
        offset = out.tell()
        fields = (8, 0, 0, part.crc, len(part.deflated), part.declared)
        out.write(struct.pack("<IHHH", 0x04034B50, 20, 0, fields[0]))
        out.write(struct.pack("<HHIII", *fields[1:]))
        out.write(struct.pack("<HH", len(part.name), 0) + part.name + part.deflated)
        central.write(struct.pack("<IHHHH", 0x02014B50, 20, 20, 0, fields[0]))
        central.write(struct.pack("<HHIII", *fields[1:]))
        central.write(struct.pack("<HHHHHII", len(part.name), 0, 0, 0, 0, 0, offset))
        central.write(part.name)
    start, directory = out.tell(), central.getvalue()
    out.write(directory)
    out.write(
        struct.pack(
            "<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(directory),
            start, 0,
        )
    )  # fmt: skip
    return out.getvalue()


def workbook(*parts: Part, content_types=CONTENT_TYPES) -> bytes:
    return package(
        Part.of("[Content_Types].xml", content_types),
        Part.of("xl/workbook.xml", WORKBOOK),
        *parts,
    )


ROW = b'<row><c t="inlineStr"><is><t>0000000000</t></is></c></row>'


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """An .xlsx of about 3 MB whose sheet unpacks to 1 GiB (as the issue's 2.5 MB)."""
    size = 8 * MiB
    chunk = ROW * (size // len(ROW)) + b" " * (size % len(ROW))
    return workbook(Part.repeated("xl/worksheets/sheet1.xml", chunk, 128))


def ole2(with_macros: bool) -> bytes:
    """A legacy Office file's header and directory; a VBA project is a storage
    named _VBA_PROJECT (UTF-16) in the directory."""
    name = "_VBA_PROJECT" if with_macros else "WordDocument"
    entry = name.encode("utf-16-le").ljust(64, b"\x00")
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + entry + b"\x00" * 448


# Attachments ------------------------------------------------------------------------


@pytest.fixture
def report(w, settings, tmp_path):
    """The school's draft report, inside its editing window, with no attachment."""
    settings.MEDIA_ROOT = tmp_path / "media"
    period = w["period"]
    period.lock_date = timezone.localdate() + dt.timedelta(days=30)
    period.save()
    ReportAttachment.objects.all().delete()  # the world's point at no file
    return w["in_A1"][SemesterReport]


def stored(settings) -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def page_upload(client, w, report, name, content) -> list[str]:
    """What the school reads after uploading on the report's page."""
    client.force_login(w["xuexiao"])
    response = client.post(
        reverse("reporting:attachment_upload", args=[report.pk]),
        {"file": SimpleUploadedFile(name, content)},
        follow=True,
    )
    assert response.redirect_chain[0][1] == 302
    return [str(m) for m in response.context["messages"] if m.level_tag == "error"]


def api_upload(client, w, report, name, content):
    client.force_login(w["xuexiao"])
    return client.post(
        f"/api/v1/reports/{report.pk}/attachments/",
        {"file": SimpleUploadedFile(name, content)},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )


TOO_LARGE = (
    "The document unpacks to more than %(limit)s MB or is packed unusually "
    "densely, so it cannot be attached."
)
MACROS = (
    "Documents with macros cannot be attached. Save it as a document without "
    "macros (such as .docx or .xlsx) and attach that."
)
DAMAGED = "The document is damaged or encrypted, so it cannot be attached."


def test_a_zip_bomb_is_refused_on_the_page_and_nothing_is_stored(
    client, w, settings, report, bomb
):
    assert len(bomb) < 4 * MiB
    said = page_upload(client, w, report, "统计表.xlsx", bomb)
    assert said == [zh(TOO_LARGE) % {"limit": "100"}]
    assert not ReportAttachment.objects.exists()
    assert stored(settings) == []


def test_a_zip_bomb_is_refused_by_the_api(client, w, settings, report, bomb):
    response = api_upload(client, w, report, "统计表.xlsx", bomb)
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == [zh(TOO_LARGE) % {"limit": "100"}]
    assert not ReportAttachment.objects.exists()
    assert stored(settings) == []


def test_a_small_package_packed_too_densely_is_refused(client, w, settings, report):
    # 4 MiB from about 4 KB: under the size limit, a thousand times its size.
    dense = workbook(Part.repeated("xl/worksheets/sheet1.xml", b" " * MiB, 4))
    assert len(dense) * 100 < 4 * MiB
    said = page_upload(client, w, report, "表.xlsx", dense)
    assert said == [zh(TOO_LARGE) % {"limit": "100"}]
    assert stored(settings) == []


def test_the_unpacked_limit_follows_the_setting(client, w, settings, report):
    settings.DUIKOU_ATTACHMENT_MAX_UNPACKED_BYTES = MiB // 2
    # About 600 KB of sheet packed about ten to one: a real workbook's ratio.
    rows = b"".join(b"<row><v>%d</v></row>" % i for i in range(30000))
    content = workbook(Part.of("xl/worksheets/sheet1.xml", rows))
    said = page_upload(client, w, report, "表.xlsx", content)
    assert said == [zh(TOO_LARGE) % {"limit": "0.5"}]
    settings.DUIKOU_ATTACHMENT_MAX_UNPACKED_BYTES = MiB
    assert page_upload(client, w, report, "表.xlsx", content) == []
    assert ReportAttachment.objects.get().content_type.endswith("sheet")


def test_a_package_of_too_many_parts_is_refused(client, w, settings, report):
    parts = [Part.of(f"xl/media/image{i}.png", b"x") for i in range(5001)]
    said = page_upload(client, w, report, "表.xlsx", workbook(*parts))
    assert said == [
        zh("The document has more than %(limit)s parts, so it cannot be attached.")
        % {"limit": 5000}
    ]
    assert stored(settings) == []


def test_a_part_that_unpacks_to_more_than_it_declares_is_refused(
    client, w, settings, report
):
    honest = Part.repeated("xl/worksheets/sheet1.xml", b" " * MiB, 1)
    lying = Part(honest.name.decode(), honest.deflated, honest.crc, honest.size, 100)
    said = page_upload(client, w, report, "表.xlsx", workbook(lying))
    assert said == [zh(DAMAGED)]
    assert stored(settings) == []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("宏.xlsm", workbook(Part.of("xl/vbaProject.bin", b"\x00" * 64))),
        ("宏.xlsx", workbook(content_types=MACRO_CONTENT_TYPES)),
        ("宏.doc", ole2(with_macros=True)),
    ],
    ids=["vba-project-part", "macro-enabled-type", "legacy-vba-storage"],
)
def test_documents_with_macros_are_refused(client, w, settings, report, name, content):
    assert page_upload(client, w, report, name, content) == [zh(MACROS)]
    response = api_upload(client, w, report, name, content)
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == [zh(MACROS)]
    assert not ReportAttachment.objects.exists()
    assert stored(settings) == []


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("表.xlsx", workbook(Part.of("xl/worksheets/sheet1.xml", ROW * 100)), "sheet"),
        ("旧.doc", ole2(with_macros=False), "msword"),
    ],
)
def test_ordinary_documents_are_still_accepted(client, w, report, name, content, kind):
    assert page_upload(client, w, report, name, content) == []
    assert ReportAttachment.objects.get().content_type.endswith(kind)


# Dates ------------------------------------------------------------------------------

WAYS = ("page", "admin", "api")


def latest_date() -> dt.date:
    today = timezone.localdate()
    if (today.month, today.day) == (2, 29):
        return dt.date(today.year + 10, 2, 28)
    return dt.date(today.year + 10, today.month, today.day)


def date_message() -> str:
    return zh("Enter a date between %(earliest)s and %(latest)s.") % {
        "earliest": "1949-10-01",
        "latest": latest_date().isoformat(),
    }


def agreement_data(w, signed_on: str) -> dict:
    return {
        "pairing": w["pA1"].pk,
        "kind": "school",
        "title": "日期有误的协议",
        "signed_on": signed_on,
        "overall_goal": "",
    }


def management(prefix: str) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def said_about_date(client, w, way: str, signed_on: str) -> list[str]:
    """The messages shown for the agreement's signing date, written by ``way``."""
    client.force_login(w["admin"])
    data = agreement_data(w, signed_on)
    if way == "api":
        response = client.post(
            "/api/v1/agreements/",
            data,
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        assert response.status_code == 400, response.content
        return response.json()["signed_on"]
    if way == "page":
        url = reverse("pairings:agreement_add")
        response = client.post(url, {**data, **management("targets")})
        assert response.status_code == 200, "the page accepted the date"
        return response.context["form"].errors["signed_on"]
    url = reverse("admin:pairings_agreement_add")
    response = client.post(url, {**data, **management("targets")})
    assert response.status_code == 200, "the admin accepted the date"
    return response.context["adminform"].form.errors["signed_on"]


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("signed_on", ["0001-01-01", "9999-12-31", "1949-09-30"])
def test_an_implausible_date_is_refused_by_every_way_in(client, w, way, signed_on):
    assert said_about_date(client, w, way, signed_on) == [date_message()]
    assert not Agreement.objects.filter(title="日期有误的协议").exists()


@pytest.mark.parametrize("way", WAYS)
def test_the_range_ends_ten_years_ahead(client, w, way):
    too_late = latest_date() + dt.timedelta(days=1)
    assert said_about_date(client, w, way, too_late.isoformat()) == [date_message()]


@pytest.mark.parametrize("signed_on", ["1949-10-01", "latest"])
def test_the_range_includes_its_ends(client, w, signed_on):
    signed_on = latest_date().isoformat() if signed_on == "latest" else signed_on
    client.force_login(w["admin"])
    response = client.post(
        "/api/v1/agreements/",
        agreement_data(w, signed_on),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert Agreement.objects.get(pk=response.json()["id"]).signed_on == (
        dt.date.fromisoformat(signed_on)
    )


def test_every_date_field_of_the_domain_carries_the_range():
    """A date field added later without the rule fails here."""
    from django.apps import apps
    from django.db import models

    from core.validators import plausible_date

    missing = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label in ("pairings", "dispatch", "projects", "reporting")
        for field in model._meta.concrete_fields
        if type(field) is models.DateField and plausible_date not in field.validators
    ]
    assert missing == []


# Text a spreadsheet would run as a formula -------------------------------------------

FORMULAS = ["=1+1", "+8613800000000", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]


def formula_table(streamed: bool):
    from reporting.statistics.base import Column, HeaderCell, Row, Table

    texts = [*FORMULAS, "普通文字", '=HYPERLINK("http://x")']

    def rows():
        for text in texts:
            yield Row({"name": text, "change": -5})

    return Table(
        code="roster",
        title="=标题",
        period_label="2024年",
        unit="单位：人",
        header=[[HeaderCell("姓名"), HeaderCell("增减")]],
        columns=[Column("name", kind="text"), Column("change")],
        rows=rows() if streamed else list(rows()),
    )


def written_cells(ws, column: int) -> dict:
    """The cells of a column by their text, below the header."""
    return {
        cell.value: cell
        for (cell,) in ws.iter_rows(min_col=column, max_col=column)
        if cell.value is not None
    }


@pytest.mark.parametrize("streamed", [False, True], ids=["styled", "streamed"])
def test_statistics_workbooks_keep_formula_text_as_text(tmp_path, streamed):
    from openpyxl import load_workbook

    from reporting.statistics.excel import build_workbook

    path = tmp_path / "t.xlsx"
    build_workbook([formula_table(streamed)], path)
    ws = load_workbook(path).active
    names = written_cells(ws, 1)
    for text in [*FORMULAS, '=HYPERLINK("http://x")']:
        cell = names[text]
        assert (cell.data_type, cell.quotePrefix) == ("s", True), repr(text)
    # Ordinary text after a formula-looking one (the same column) has no prefix.
    assert names["普通文字"].quotePrefix is False
    # A negative number stays a number.
    changes = [c for c in written_cells(ws, 2).values() if c.value == -5]
    assert changes and all(c.data_type == "n" for c in changes)
    assert not any(c.quotePrefix for c in changes)
    # The title row is text too.
    assert names["=标题"].quotePrefix is True


def test_the_audit_workbook_keeps_formula_text_as_text(client, w):
    from openpyxl import load_workbook

    from pairings.models import School

    school = School.objects.get(pk=w["a1r"].pk)
    school.name = '=HYPERLINK("http://example.com","点击")'
    school.save()  # the audit trail records the new name
    client.force_login(w["admin"])
    response = client.get(reverse("audit_export"))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [
        c
        for row in ws.iter_rows(min_row=2)
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")
    ]
    assert cells and all((c.data_type, c.quotePrefix) == ("s", True) for c in cells)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("-cmd", "'-cmd"),
        ("\t@x", "'\t@x"),
        ("学校", "学校"),
        (-5, -5),
        (None, None),
    ],
)
def test_csv_text_prefixes_formula_text(value, written):
    from core.excel import csv_text

    assert csv_text(value) == written
