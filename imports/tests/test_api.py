"""The import over the API and the command line: the same job code as the pages."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from dispatch.models import Person
from imports import jobs
from imports.models import ImportJob
from imports.tests.helpers import headers, row_for, work, workbook_bytes
from tests import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world.build()


def ledger(*names, bad=False):
    rows = [
        row_for("persons", 姓名=n, 性别="女", 所在学校="历下实验小学", 学科="语文")
        for n in names
    ]
    if bad:
        rows.append(
            row_for(
                "persons", 姓名="错行", 性别="?", 所在学校="历下实验小学", 学科="语文"
            )
        )
    return workbook_bytes([headers("persons"), *rows])


def test_upload_poll_confirm_and_undo_over_the_api(w):
    api = APIClient()
    api.force_authenticate(w["xian"])
    answer = api.post(
        "/api/v1/imports/",
        {
            "record_type": "persons",
            "file": SimpleUploadedFile("a.xlsx", ledger("甲", bad=True)),
        },
        format="multipart",
    )
    assert answer.status_code == 202, answer.content
    job = ImportJob.objects.get(pk=answer.json()["id"])
    work(job)  # the worker's part
    state = api.get(f"/api/v1/imports/{job.pk}/").json()
    assert state["status"] == "checked"
    assert state["counts"]["error"] == 1
    assert [(p["row"], p["column"]) for p in state["problems"]] == [(3, "B")]
    marked = api.get(state["marked_file"])
    assert marked.status_code == 200
    assert b"".join(marked.streaming_content)[:2] == b"PK"

    refused = api.post(
        f"/api/v1/imports/{job.pk}/confirm/", {"mode": "all"}, format="json"
    )
    assert refused.status_code == 400
    assert "错误" in str(refused.json())
    answer = api.post(
        f"/api/v1/imports/{job.pk}/confirm/", {"mode": "valid"}, format="json"
    )
    assert answer.status_code == 202
    work(job)
    assert Person.objects.filter(name="甲").count() == 1
    assert api.post(f"/api/v1/imports/{job.pk}/undo/").status_code == 200
    assert not Person.objects.filter(name="甲").exists()


def test_another_users_import_is_404_over_the_api(w):
    job = jobs.import_upload(
        user=w["xian"],
        record_type="persons",
        upload=SimpleUploadedFile("a.xlsx", ledger("甲")),
    )
    api = APIClient()
    api.force_authenticate(w["sheng"])
    assert api.get(f"/api/v1/imports/{job.pk}/").status_code == 404
    assert (
        api.post(f"/api/v1/imports/{job.pk}/confirm/", {}, format="json").status_code
        == 404
    )
    assert api.get("/api/v1/imports/").json()["count"] == 0


def test_school_staff_cannot_import_persons(w):
    api = APIClient()
    api.force_authenticate(w["xuexiao"])
    answer = api.post(
        "/api/v1/imports/",
        {"record_type": "persons", "file": SimpleUploadedFile("a.xlsx", ledger("甲"))},
        format="multipart",
    )
    assert answer.status_code == 403
    assert not ImportJob.objects.exists()


def test_the_command_line_checks_lists_errors_and_imports(w, tmp_path):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(ledger("甲", "乙", bad=True))
    out = io.StringIO()
    marked = tmp_path / "marked.xlsx"
    call_command(
        "import_records",
        "persons",
        str(path),
        "--as",
        "xian",
        "--dry-run",
        "--errors",
        str(marked),
        stdout=out,
    )
    text = out.getvalue()
    assert "第 4 行 B列（性别）" in text
    assert marked.read_bytes()[:2] == b"PK"
    assert not Person.objects.filter(name__in=["甲", "乙"]).exists()

    out = io.StringIO()
    call_command("import_records", "persons", str(path), "--as", "xian", stdout=out)
    assert "新增 2" in out.getvalue()
    assert Person.objects.filter(name__in=["甲", "乙"]).count() == 2

    with pytest.raises(CommandError):
        call_command(
            "import_records",
            "persons",
            str(path),
            "--as",
            "xian",
            "--all-or-nothing",
            stdout=io.StringIO(),
        )
