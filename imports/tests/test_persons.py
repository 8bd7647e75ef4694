"""Importing people: every error at once with its row and column, the marked
workbook, confirm, idempotent re-import, audit and undo, scope."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from openpyxl import Workbook, load_workbook

from core.models import AuditEntry
from dispatch.models import Person
from imports import jobs
from imports.choices import ImportStatus
from imports.tests.helpers import confirm, headers, row_for, upload, workbook_bytes
from pairings.models import SchoolNameChange
from tests import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world.build()


def person_row(**values):
    base = {"姓名": "王芳", "性别": "女", "所在学校": "历下实验小学", "学科": "语文"}
    return row_for("persons", **{**base, **values})


def test_every_error_is_listed_at_once_with_row_and_column(w):
    content = workbook_bytes(
        [
            headers("persons"),
            person_row(),
            person_row(姓名="李四", 性别="未知", 所在学校="不存在的学校"),
            person_row(姓名="", 学科="天文"),
        ]
    )
    job = upload(w["xian"], "persons", content)
    assert job.status == ImportStatus.CHECKED
    assert job.counts == {"new": 1, "updated": 0, "unchanged": 0, "error": 2}
    found = {(p["row"], p["column"], p["header"]) for p in job.problems}
    assert found == {
        (3, "B", "性别"),
        (3, "D", "所在学校"),
        (4, "A", "姓名"),
        (4, "F", "学科"),
    }
    assert all(p["message"] for p in job.problems)
    # The check wrote nothing.
    assert not Person.objects.filter(name="王芳").exists()


def test_the_marked_workbook_highlights_each_bad_cell(w):
    content = workbook_bytes(
        [headers("persons"), person_row(), person_row(性别="未知")]
    )
    job = upload(w["xian"], "persons", content)
    with default_storage.open(job.error_file, "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).worksheets[0]
    last = sheet.max_column
    assert sheet.cell(row=1, column=last).value == "错误说明"
    assert "性别" in sheet.cell(row=3, column=last).value
    assert sheet["B3"].fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet["B3"].comment is not None
    assert sheet["B2"].fill.fgColor.rgb in (None, "00000000")
    assert sheet.cell(row=2, column=last).value is None
    # The data is the clerk's own, unchanged.
    assert sheet["B3"].value == "未知"


def test_a_school_outside_the_scope_reads_as_one_that_does_not_exist(w):
    content = workbook_bytes(
        [
            headers("persons"),
            person_row(所在学校="龙山民族小学"),  # exists, in Hunan
            person_row(所在学校="龙山不存在小学"),
            person_row(所在学校=w["ls"].code),
            person_row(所在学校="3799999998"),
        ]
    )
    job = upload(w["xian"], "persons", content)
    messages = [p["message"] for p in job.problems]
    assert len(messages) == 4
    templates = {
        m.replace("龙山民族小学", "X").replace("龙山不存在小学", "X")
        for m in messages[:2]
    }
    assert len(templates) == 1
    codes = {
        m.replace(w["ls"].code, "X").replace("3799999998", "X") for m in messages[2:]
    }
    assert len(codes) == 1


def test_confirm_writes_the_valid_rows_under_one_change_set_and_undo_removes_them(w):
    content = workbook_bytes(
        [
            headers("persons"),
            person_row(),
            person_row(姓名="赵六"),
            person_row(性别="?"),
        ]
    )
    job = confirm(upload(w["xian"], "persons", content))
    assert job.status == ImportStatus.APPLIED
    assert job.counts["applied"] == {"new": 2, "error": 1}
    created = Person.objects.filter(name__in=["王芳", "赵六"])
    assert created.count() == 2
    entries = AuditEntry.objects.filter(request_id=job.change_set)
    assert {e.object_repr for e in entries if e.action == "create"} >= {"王芳", "赵六"}
    assert all(e.source == "import" and e.username == "xian" for e in entries)
    summary = entries.get(content_type__model="importjob")
    assert summary.changes["file_name"][1] == "台账.xlsx"
    assert summary.changes["count_new"][1] == 2

    touched = jobs.import_undo(job=job)
    assert touched == 2
    assert not Person.objects.filter(name__in=["王芳", "赵六"]).exists()
    job.refresh_from_db()
    assert job.status == ImportStatus.UNDONE


def test_importing_the_same_file_again_changes_nothing(w):
    content = workbook_bytes(
        [headers("persons"), person_row(), person_row(姓名="赵六")]
    )
    confirm(upload(w["xian"], "persons", content))
    before = AuditEntry.objects.count()
    again = upload(w["xian"], "persons", content)
    assert again.counts == {"new": 0, "updated": 0, "unchanged": 2, "error": 0}
    again = confirm(again)
    assert Person.objects.filter(name="王芳").count() == 1
    # Only the import's own summary entry: no record was written.
    assert AuditEntry.objects.count() == before + 1


def test_a_changed_row_updates_the_record_and_undo_puts_it_back(w):
    confirm(
        upload(w["xian"], "persons", workbook_bytes([headers("persons"), person_row()]))
    )
    edited = workbook_bytes(
        [headers("persons"), person_row(职称="高级教师", 联系电话="13800000000")]
    )
    job = upload(w["xian"], "persons", edited)
    assert job.counts["updated"] == 1
    job = confirm(job)
    person = Person.objects.get(name="王芳")
    assert person.phone == "13800000000"
    jobs.import_undo(job=job)
    person.refresh_from_db()
    assert person.phone == ""
    assert Person.objects.filter(name="王芳").count() == 1


def test_undo_is_refused_once_a_record_was_changed_since(w):
    job = confirm(
        upload(w["xian"], "persons", workbook_bytes([headers("persons"), person_row()]))
    )
    person = Person.objects.get(name="王芳")
    person.phone = "13911112222"
    person.save()
    with pytest.raises(ValidationError) as problem:
        jobs.import_undo(job=job)
    assert "1" in " ".join(problem.value.messages)
    assert Person.objects.filter(name="王芳").exists()


def test_all_or_nothing_is_refused_while_a_row_has_an_error(w):
    job = upload(
        w["xian"],
        "persons",
        workbook_bytes([headers("persons"), person_row(), person_row(性别="?")]),
    )
    with pytest.raises(ValidationError):
        jobs.import_confirm(job=job, mode="all")
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED


def test_all_or_nothing_imports_a_clean_file(w):
    job = upload(
        w["xian"],
        "persons",
        workbook_bytes([headers("persons"), person_row(), person_row(姓名="赵六")]),
    )
    job = confirm(job, mode="all")
    assert job.status == ImportStatus.APPLIED
    assert Person.objects.filter(name__in=["王芳", "赵六"]).count() == 2


def test_a_ledger_as_clerks_keep_it(w):
    """A title row and a merged header row above the headers, columns in another
    order, an extra column, stray spaces, full-width digits, a former school name,
    trailing blank rows."""
    SchoolNameChange.objects.create(
        school=w["a1s"], former_name="历下区第一小学", renamed_on="2020-01-01"
    )
    book = Workbook()
    ws = book.active
    ws.append(["历下区2024年教师名册"])
    ws.merge_cells("A1:F1")
    ws.append(["基本信息", None, None, "工作单位", None, "备用"])
    ws.merge_cells("A2:C2")
    ws.append(["性别", " 姓 名 ", "学科", "所在学校", "联系电话", "备注（自用）"])
    ws.append(
        ["女", "王 芳", "语文", " 历下区第一小学 ", "１３８００１３８０００", "x"]
    )
    ws.append(["男", "赵六", "数学", "历下实验小学", 13800138001, ""])
    for _ in range(5):
        ws.append([None, None, None, None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    job = confirm(upload(w["xian"], "persons", buffer.getvalue()))
    assert job.problems == []
    assert job.counts["new"] == 2 and job.rows == 2
    assert any("备注（自用）" in warning for warning in job.warnings)
    wang = Person.objects.get(name="王芳")
    assert (wang.home_school, wang.phone, wang.gender) == (w["a1s"], "13800138000", "F")
    assert Person.objects.get(name="赵六").phone == "13800138001"


def test_another_users_import_is_not_found(w, client):
    job = upload(
        w["xian"], "persons", workbook_bytes([headers("persons"), person_row()])
    )
    client.force_login(w["shi"])
    for name in ("detail", "status", "marked", "confirm", "undo"):
        url = f"/imports/{job.pk}/" + ("" if name == "detail" else f"{name}/")
        response = client.post(url) if name in ("confirm", "undo") else client.get(url)
        assert response.status_code == 404, name


def test_the_audit_log_shows_the_import_as_one_change_set(w, client):
    job = confirm(
        upload(w["xian"], "persons", workbook_bytes([headers("persons"), person_row()]))
    )
    client.force_login(w["xian"])
    page = client.get(f"/audit/?request_id={job.change_set}").content.decode()
    assert "王芳" in page
    assert "台账.xlsx" in page
    other = client.get("/audit/?request_id=import-999999").content.decode()
    assert "王芳" not in other
