"""A worker that stops in the middle of applying: the next run resumes after the
last whole chunk and nothing is written twice (the real worker killed with SIGKILL
is in tests/reliability/test_imports.py)."""

import pytest
from django.test import override_settings

from dispatch.models import Person
from imports import jobs
from imports.choices import ImportStatus
from imports.models import ImportChange
from imports.tests.helpers import headers, row_for, upload, workbook_bytes
from tests import world

pytestmark = pytest.mark.django_db


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, no except clause catches it."""


@override_settings(DUIKOU_IMPORT_CHUNK_ROWS=2)
def test_a_run_stopped_mid_chunk_is_resumed_without_duplicates(monkeypatch):
    w = world.build()
    rows = [
        row_for(
            "persons", 姓名=f"教师{n}", 性别="女", 所在学校="历下实验小学", 学科="语文"
        )
        for n in range(5)
    ]
    job = upload(w["xian"], "persons", workbook_bytes([headers("persons"), *rows]))
    jobs.import_confirm(job=job, mode="valid")
    assert jobs.claim(job)

    real = jobs._process
    calls = {"n": 0}

    def dies_on_the_fourth_row(importer, row):
        calls["n"] += 1
        if calls["n"] == 4:
            raise Killed
        return real(importer, row)

    monkeypatch.setattr(jobs, "_process", dies_on_the_fourth_row)
    with pytest.raises(Killed):
        jobs.run(job)
    job.refresh_from_db()
    # The first chunk (two rows) is in; the third row's chunk was rolled back.
    assert job.status == ImportStatus.APPLYING
    assert job.applied_rows == 2
    assert Person.objects.filter(name__startswith="教师").count() == 2

    monkeypatch.setattr(jobs, "_process", real)
    assert jobs.claim(job, redelivered=True)  # the broker gives the message again
    jobs.run(job)
    job.refresh_from_db()
    assert job.status == ImportStatus.APPLIED
    assert sorted(
        Person.objects.filter(name__startswith="教师").values_list("name", flat=True)
    ) == [f"教师{n}" for n in range(5)]
    assert ImportChange.objects.filter(job=job).count() == 5
    assert job.counts["applied"] == {"new": 5}


def test_a_job_is_claimed_by_one_delivery_only():
    w = world.build()
    job = upload(
        w["xian"],
        "persons",
        workbook_bytes(
            [
                headers("persons"),
                row_for(
                    "persons",
                    姓名="甲",
                    性别="女",
                    所在学校="历下实验小学",
                    学科="语文",
                ),
            ]
        ),
    )
    jobs.import_confirm(job=job, mode="valid")
    assert jobs.claim(job)
    other = type(job).objects.get(pk=job.pk)
    assert not jobs.claim(other)  # its heartbeat is fresh


def test_a_chunk_that_saved_a_record_outside_the_scope_refuses_only_that_row(
    monkeypatch,
):
    """The scope of what a chunk saved is checked in one query; when a record lies
    outside (here: the check says so of 赵六), the chunk is rolled back and done
    again row by row, so that only that row is refused."""
    from core import scope as scopes
    from imports import records

    w = world.build()
    rows = [
        row_for("persons", 姓名=name, 性别="女", 所在学校="历下实验小学", 学科="语文")
        for name in ("王芳", "赵六", "孙七")
    ]
    real = scopes.changeable

    def not_zhao(user, model, pks, *, scope=None):
        allowed = real(user, model, pks, scope=scope)
        return {pk for pk in allowed if model.objects.get(pk=pk).name != "赵六"}

    monkeypatch.setattr(records, "changeable", not_zhao)
    monkeypatch.setattr(
        records,
        "can_change",
        lambda user, obj, *, scope=None: bool(
            not_zhao(user, type(obj), [obj.pk], scope=scope)
        ),
    )
    job = upload(w["xian"], "persons", workbook_bytes([headers("persons"), *rows]))
    assert job.counts == {"new": 2, "updated": 0, "unchanged": 0, "error": 1}
    assert [p["row"] for p in job.problems] == [3]
    assert "范围" in job.problems[0]["message"]
