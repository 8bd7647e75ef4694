"""Bad files get a clear message and write nothing (item 7)."""

import io
import zipfile

import pytest
from django.test import override_settings
from openpyxl import Workbook

from dispatch.models import Person
from imports.choices import ImportStatus
from imports.tests.helpers import headers, row_for, upload, workbook_bytes
from tests import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world.build()


def good_row(**values):
    base = {"姓名": "王芳", "性别": "女", "所在学校": "历下实验小学", "学科": "语文"}
    return row_for("persons", **{**base, **values})


def refused(w, content, name="台账.xlsx"):
    before = Person.objects.count()
    job = upload(w["xian"], "persons", content, name=name)
    assert job.status == ImportStatus.FAILED
    assert Person.objects.count() == before
    assert "/" not in job.error.replace("/08", "")  # no server path
    return job.error


def test_not_a_spreadsheet(w):
    assert ".xlsx" in refused(w, "姓名,性别\n王芳,女\n".encode(), name="台账.csv")


def test_an_old_xls_file_says_how_to_convert(w):
    content = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000
    assert "另存为" in refused(w, content, name="台账.xls")


def test_an_encrypted_workbook(w):
    content = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 100
        + "EncryptionInfo".encode("utf-16-le")
        + b"\0" * 100
    )
    assert "密码" in refused(w, content)


def test_a_workbook_with_macros(w):
    buffer = io.BytesIO(workbook_bytes([headers("persons"), good_row()]))
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("xl/vbaProject.bin", b"VBA")
    assert ".xlsm" in refused(w, out.getvalue(), name="台账.xlsm")


def test_a_zip_bomb(w):
    """A part that unpacks to 200 MB from a file of a few hundred KB."""
    buffer = io.BytesIO(workbook_bytes([headers("persons"), good_row()]))
    out = io.BytesIO()
    with (
        zipfile.ZipFile(buffer) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            target.writestr(item, source.read(item))
        with target.open("xl/media/padding.bin", "w") as part:
            block = b"\0" * (1 << 20)
            for _ in range(200):
                part.write(block)
    assert len(out.getvalue()) < 2 * 1024 * 1024
    assert "解压" in refused(w, out.getvalue())


def test_a_damaged_workbook(w):
    content = workbook_bytes([headers("persons"), good_row()])[:3000]
    refused(w, content)


@override_settings(DUIKOU_IMPORT_MAX_ROWS=3)
def test_more_rows_than_the_limit(w):
    rows = [headers("persons")] + [good_row(姓名=f"教师{n}") for n in range(5)]
    assert "3" in refused(w, workbook_bytes(rows))


def test_no_sheet_with_the_templates_headers(w):
    assert "列" in refused(w, workbook_bytes([["甲", "乙"], [1, 2]]))


def test_a_required_column_missing(w):
    rows = [["姓名", "性别", "学科"], ["王芳", "女", "语文"]]
    assert "所在学校" in refused(w, workbook_bytes(rows))


def test_formulas_use_their_values_and_a_formula_without_one_is_an_error(w):
    """openpyxl writes formulas without computed values: such a cell is an error on
    its row; a cell with a cached value (written by Excel) is read as the value."""
    book = Workbook()
    ws = book.active
    ws.append(headers("persons"))
    ws.append(good_row(姓名="王芳"))
    ws.append(good_row(姓名="赵六"))
    ws["A3"] = '="赵"&"六"'
    buffer = io.BytesIO()
    book.save(buffer)
    job = upload(w["xian"], "persons", buffer.getvalue())
    assert job.status == ImportStatus.CHECKED
    assert [(p["row"], p["column"]) for p in job.problems] == [(3, "A")]
    assert "公式" in job.problems[0]["message"]

    # The same cell as Excel saves it: the formula with its cached value.
    patched = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(patched, "w") as target,
    ):
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                start = text.index('<c r="A3"')
                end = text.index("</c>", start) + 4
                text = (
                    text[:start]
                    + '<c r="A3" t="str"><f>"赵"&amp;"六"</f><v>赵六</v></c>'
                    + text[end:]
                )
                data = text.encode()
            target.writestr(item, data)
    job = upload(w["xian"], "persons", patched.getvalue())
    assert job.problems == []
    assert job.counts["new"] == 2


@override_settings(DUIKOU_IMPORT_MAX_BYTES=1000)
def test_a_file_over_the_size_limit_is_refused_before_a_job(w, client):
    client.force_login(w["xian"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = workbook_bytes([headers("persons")] + [good_row()] * 50)
    response = client.post(
        "/imports/",
        {"record_type": "persons", "file": SimpleUploadedFile("a.xlsx", content)},
    )
    assert response.status_code == 200
    assert "MB" in response.content.decode()
    from imports.models import ImportJob

    assert not ImportJob.objects.exists()
